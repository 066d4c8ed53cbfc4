"""The practice model: probabilities, sampling definitions, and the openai client code path."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.llm import (
    ChatMessage,
    ChatRequest,
    EndpointConfig,
    LLMService,
    PracticeModel,
    StreamDone,
    TextDelta,
    apply_temperature,
    apply_top_p,
)
from portal.llm.practice import END_OF_TEXT
from portal.llm.practice_transport import practice_openai_client

FUJI = "日本で一番高い山は、"


# --- the distribution -----------------------------------------------------------------------


@pytest.mark.parametrize("context", ["", FUJI, "言語モデルは", "まったく知らない単語ばかりのクエリ", "。"])
def test_next_word_distribution_sums_to_one_over_the_vocabulary(practice_model, context):
    p = practice_model.distribution(practice_model.continuation_context(context))
    assert p.shape == (len(practice_model.vocab),)
    assert math.isclose(p.sum(), 1.0, rel_tol=1e-9)
    assert (p[1:] > 0).all()  # smoothing: every word (and end of text) stays possible
    assert p[0] == 0  # the begin marker is never generated


def test_seen_continuations_are_preferred(practice_model):
    rows = practice_model.next_token_distribution(FUJI, k=3)
    assert rows[0].token == "富士山"
    assert rows[0].prob_before > 0.4


def test_demonstration_context_favours_fuji_but_not_always(practice_model):
    counts = dict(practice_model.sample_next_tokens(FUJI, n=200, temperature=1.0, seed=11))
    assert max(counts, key=counts.get) == "富士山"
    assert counts["富士山"] < 200  # sometimes another mountain: temperature matters
    assert set(counts) & {"北岳", "奥穂高岳", "エベレスト", "南アルプス"}
    cold = dict(practice_model.sample_next_tokens(FUJI, n=200, temperature=0.2, seed=11))
    assert cold.get("富士山", 0) >= 195


# --- temperature and top_p as defined -------------------------------------------------------

probabilities = st.lists(st.floats(min_value=1e-4, max_value=1.0), min_size=2, max_size=12).map(
    lambda xs: np.array(xs) / sum(xs)
)


@settings(max_examples=60, deadline=None)
@given(p=probabilities, temperature=st.floats(min_value=0.05, max_value=2.0))
def test_temperature_raises_probabilities_to_the_power_one_over_t(p, temperature):
    q = apply_temperature(p, temperature)
    assert math.isclose(q.sum(), 1.0, rel_tol=1e-9)
    expected = p ** (1 / temperature)
    expected /= expected.sum()
    assert np.allclose(q, expected, rtol=1e-6, atol=1e-12)


def test_temperature_zero_is_greedy_and_high_temperature_flattens():
    p = np.array([0.1, 0.6, 0.3])
    assert apply_temperature(p, 0).tolist() == [0.0, 1.0, 0.0]
    entropy = lambda d: -(d * np.log(d)).sum()  # noqa: E731
    assert entropy(apply_temperature(p, 2.0)) > entropy(p) > entropy(apply_temperature(p, 0.5))


@settings(max_examples=60, deadline=None)
@given(p=probabilities, top_p=st.floats(min_value=0.0, max_value=1.0))
def test_top_p_keeps_the_smallest_top_set_reaching_p(p, top_p):
    q = apply_top_p(p, top_p)
    kept = q > 0
    assert math.isclose(q.sum(), 1.0, rel_tol=1e-9)
    assert np.allclose(q[kept], p[kept] / p[kept].sum())
    order = np.argsort(-p, kind="stable")
    k = int(kept.sum())
    assert set(np.flatnonzero(kept)) == set(order[:k])  # the most probable ones
    mass = np.cumsum(p[order])
    assert mass[k - 1] >= top_p - 1e-9  # reaches p ...
    assert k == 1 or mass[k - 2] < top_p  # ... and no smaller top set does


def test_top_p_one_changes_nothing_and_small_top_p_keeps_the_favourite():
    p = np.array([0.5, 0.3, 0.2])
    assert np.allclose(apply_top_p(p, 1.0), p)
    assert apply_top_p(p, 0.5).tolist() == [1.0, 0.0, 0.0]
    assert np.allclose(apply_top_p(p, 0.7), [0.625, 0.375, 0.0])


def test_explorer_rows_show_before_and_after(practice_model):
    rows = practice_model.next_token_distribution(FUJI, temperature=1.0, top_p=0.5, k=5)
    assert rows[0].token == "富士山"
    assert rows[0].prob_after > rows[0].prob_before  # renormalised inside the nucleus
    assert all(r.prob_after == 0 for r in rows[1:])  # 富士山 alone already holds ≥ 50 %
    greedy = practice_model.next_token_distribution(FUJI, temperature=0, k=3)
    assert [r.prob_after for r in greedy] == [1.0, 0.0, 0.0]


# --- generation -----------------------------------------------------------------------------


def test_seeded_generation_is_reproducible(practice_model):
    a = practice_model.complete("言語モデルは", seed=42, temperature=1.2)
    b = practice_model.complete("言語モデルは", seed=42, temperature=1.2)
    assert a == b
    others = {practice_model.complete("言語モデルは", seed=s, temperature=1.2) for s in range(8)}
    assert len(others) > 1  # and different seeds give different answers


def test_max_tokens_bounds_the_answer(practice_model):
    words = list(practice_model.generate("言語モデルは", max_tokens=3, temperature=1.5, seed=1))
    assert 1 <= len(words) <= 3


def test_prompt_ending_mid_sentence_is_continued(practice_model):
    assert practice_model.plan(FUJI).mode == "continue"
    assert practice_model.complete(FUJI, temperature=0, max_tokens=5).startswith("富士山")


def test_question_is_answered_from_its_topic_word(practice_model):
    plan = practice_model.plan("マイナンバーとは何ですか？")
    assert plan.mode == "topic" and plan.topic_word == "マイナンバー"
    assert practice_model.complete("マイナンバーとは何ですか？", seed=3, temperature=0.5).startswith("マイナンバー")


def test_answer_is_never_empty(practice_model):
    for seed in range(20):
        assert practice_model.complete("。", seed=seed, temperature=2.0, max_tokens=5)


def test_training_on_the_course_lessons(lesson_texts):
    model = PracticeModel.train(lesson_texts)
    assert model.paragraph_count > 100
    assert model.vocab_size > 1000
    answer = model.complete("ハルシネーションとは何ですか？", seed=1, temperature=0.7)
    assert answer.startswith("ハルシネーション")


# --- through the openai client code path ----------------------------------------------------


def test_openai_client_streams_words_with_usage_and_logprobs(practice_model):
    client = practice_openai_client(practice_model)
    stream = client.chat.completions.create(
        model="practice-mini",
        messages=[{"role": "user", "content": FUJI}],
        stream=True,
        stream_options={"include_usage": True},
        logprobs=True,
        top_logprobs=3,
        temperature=0,
        max_tokens=4,
    )
    chunks = list(stream)
    words = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert words[0] == "富士山" and len(words) <= 4
    first = next(c for c in chunks if c.choices and c.choices[0].logprobs)
    top = first.choices[0].logprobs.content[0].top_logprobs
    assert top[0].token == "富士山" and len(top) == 3
    assert chunks[-1].usage.completion_tokens == len(words)


def test_unknown_model_on_the_practice_endpoint_is_404(practice_model):
    import openai

    client = practice_openai_client(practice_model)
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])


def test_service_streams_the_practice_model_like_any_endpoint(practice_model):
    service = LLMService(EndpointConfig(), practice_model=practice_model)
    assert service.capabilities().supports_grounding is False
    request = ChatRequest(
        messages=[
            ChatMessage(role="system", content="丁寧に答えてください。"),
            ChatMessage(role="user", content="マイナンバーとは何ですか？"),
        ],
        temperature=0.7,
        top_p=0.9,
        seed=5,
        max_tokens=30,
    )
    events = list(service.stream_chat(request))
    deltas, done = events[:-1], events[-1]
    assert isinstance(done, StreamDone) and done.complete, done.error
    assert len(deltas) >= 2 and all(isinstance(d, TextDelta) for d in deltas)
    assert done.text == "".join(d.text for d in deltas)
    assert done.usage.completion_tokens == len(deltas)
    assert done.finish_reason in ("stop", "length")
    assert any("システムプロンプト" in note for note in done.notes)
    assert any("「マイナンバー」" in note for note in done.notes)
    again = service.chat(request)
    assert again.text == done.text  # same seed, same answer


def test_end_of_text_marker_is_exported_for_the_explorer(practice_model):
    rows = practice_model.next_token_distribution("マイナンバーを生成AIに入力してはいけません。", k=3)
    assert rows[0].token == END_OF_TEXT
