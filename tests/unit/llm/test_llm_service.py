"""The send path against the fake OpenAI-compatible server: streaming, usage, every fault."""

from __future__ import annotations

import pytest
from fake_openai_server import DEFAULT_REPLY, split_reply

from portal.llm import (
    ChatMessage,
    ChatRequest,
    Cooldowns,
    EndpointConfig,
    LLMError,
    LLMService,
    StreamDone,
    TextDelta,
)

KEY = "sk-test-abcdefghijklmnop"


def make_service(server, sleeps, **overrides) -> LLMService:
    fields = {
        "provider": "custom",
        "base_url": server.base_url,
        "api_key": KEY,
        "models": ["fake-mini", "o3-mini"],
        "default_model": "fake-mini",
        "timeout_s": 0.4,
        "connect_timeout_s": 0.4,
        "max_retries": 1,
    }
    fields.update(overrides)
    return LLMService(EndpointConfig(**fields), sleep=sleeps.append, cooldowns=Cooldowns())


def run(service: LLMService, request: ChatRequest) -> tuple[list[TextDelta], StreamDone]:
    events = list(service.stream_chat(request))
    assert isinstance(events[-1], StreamDone)
    assert all(isinstance(e, TextDelta) for e in events[:-1])
    return events[:-1], events[-1]


def hello(**params) -> ChatRequest:
    return ChatRequest.simple("こんにちは", system="あなたは研修の補助者です。", **params)


# --- successful streams ---------------------------------------------------------------------


def test_answer_streams_in_pieces_and_ends_with_usage_and_timings(fake_openai_server, sleeps):
    deltas, done = run(make_service(fake_openai_server, sleeps), hello())
    assert [d.text for d in deltas] == split_reply(DEFAULT_REPLY)
    assert done.complete is True and done.error is None
    assert done.text == DEFAULT_REPLY
    assert done.finish_reason == "stop"
    assert done.usage is not None and done.usage.completion_tokens == len(deltas)
    assert done.usage.prompt_tokens > 0
    assert done.ttft_s is not None and 0 <= done.ttft_s <= done.latency_s
    assert done.attempts == 1


def test_sampling_parameters_and_usage_request_are_sent(fake_openai_server, sleeps):
    service = make_service(fake_openai_server, sleeps)
    run(service, hello(temperature=0.3, top_p=0.8, max_tokens=50, seed=7))
    body = fake_openai_server.requests[-1]
    assert body["temperature"] == 0.3 and body["top_p"] == 0.8 and body["seed"] == 7
    assert body["max_tokens"] == 50  # OpenAI-compatible servers get max_tokens
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert [m["role"] for m in body["messages"]] == ["system", "user"]


def test_max_tokens_cut_is_reported_as_length(fake_openai_server, sleeps):
    _, done = run(make_service(fake_openai_server, sleeps), hello(max_tokens=2))
    assert done.complete is True
    assert done.finish_reason == "length"
    assert done.text == "".join(split_reply(DEFAULT_REPLY)[:2])
    assert any("max_tokens" in note for note in done.notes)


def test_reasoning_model_is_not_sent_parameters_it_rejects(fake_openai_server, sleeps):
    service = make_service(fake_openai_server, sleeps)
    caps = service.capabilities("o3-mini")
    assert not caps.supports_temperature and not caps.supports_top_p and not caps.supports_logprobs
    _, done = run(service, hello(model="o3-mini", temperature=0.2, top_p=0.5, logprobs=True, max_tokens=40))
    assert done.complete is True, done.error
    body = fake_openai_server.requests[-1]
    assert not {"temperature", "top_p", "logprobs", "max_tokens"} & body.keys()
    assert body["max_completion_tokens"] == 40
    assert set(done.dropped_params) == {"temperature", "top_p", "logprobs"}
    assert any("temperature" in note for note in done.notes)


def test_logprobs_arrive_with_each_piece(fake_openai_server, sleeps):
    deltas, done = run(make_service(fake_openai_server, sleeps), hello(logprobs=True, top_logprobs=3))
    assert all(len(d.logprobs) == 1 and len(d.logprobs[0].top) == 3 for d in deltas)
    assert [lp.token for lp in done.logprobs] == [d.text for d in deltas]


def test_several_choices_are_kept_apart(fake_openai_server, sleeps):
    deltas, done = run(make_service(fake_openai_server, sleeps), hello(n=2))
    assert done.texts == (DEFAULT_REPLY, DEFAULT_REPLY)
    assert {d.choice for d in deltas} == {0, 1}


def test_models_are_listed(fake_openai_server, sleeps):
    assert make_service(fake_openai_server, sleeps).list_models() == sorted(fake_openai_server.models)


def test_logprobs_probe(fake_openai_server, sleeps):
    service = make_service(fake_openai_server, sleeps)
    assert service.probe_logprobs("fake-mini") is True
    before = fake_openai_server.chat_requests
    assert service.probe_logprobs("o3-mini") is False  # known not to support them: no request
    assert fake_openai_server.chat_requests == before


def test_probe_does_not_cache_an_outage_as_unsupported(fake_openai_server, sleeps):
    service = make_service(fake_openai_server, sleeps)
    fake_openai_server.stop()
    with pytest.raises(LLMError) as info:
        service.probe_logprobs("fake-mini")
    assert info.value.kind == "connection"


# --- faults ---------------------------------------------------------------------------------


def test_connection_refused(fake_openai_server, sleeps):
    service = make_service(fake_openai_server, sleeps)
    fake_openai_server.stop()
    deltas, done = run(service, hello())
    assert deltas == [] and done.complete is False
    assert done.error.kind == "connection"
    assert "接続できません" in done.error.message_ja
    assert done.attempts == 2 and len(sleeps) == 1  # one retry after a short back-off
    assert sleeps[0] <= 2


def test_timeout_is_not_retried(fake_openai_server, sleeps):
    fake_openai_server.set_mode("slow", slow_s=1.5)
    _, done = run(make_service(fake_openai_server, sleeps, timeout_s=0.3), hello())
    assert done.error.kind == "timeout"
    assert "0.3 秒以内に応答がありませんでした" in done.error.message_ja
    assert fake_openai_server.chat_requests == 1 and sleeps == []


def test_wrong_key_is_401_and_the_key_is_never_echoed(fake_openai_server, sleeps):
    fake_openai_server.api_key = "sk-the-right-one"
    _, done = run(make_service(fake_openai_server, sleeps), hello())
    assert done.error.kind == "auth" and done.error.status_code == 401
    assert "API キー" in done.error.message_ja
    shown = " ".join([done.error.message_ja, done.error.message_en or "", repr(done.error), str(done)])
    assert KEY[:8] not in shown and KEY[-2:] + "." not in shown
    assert fake_openai_server.chat_requests == 1  # not retried


def test_unknown_model_is_404_with_the_model_name(fake_openai_server, sleeps):
    _, done = run(make_service(fake_openai_server, sleeps), hello(model="gpt-99"))
    assert done.error.kind == "not_found"
    assert "「gpt-99」" in done.error.message_ja
    assert fake_openai_server.chat_requests == 1


def test_rate_limit_with_long_retry_after_is_reported_not_waited(fake_openai_server, sleeps):
    fake_openai_server.set_mode("429", retry_after=30)
    service = make_service(fake_openai_server, sleeps)
    _, done = run(service, hello())
    assert done.error.kind == "rate_limited"
    assert done.error.retry_after_s == 30
    assert "約 30 秒後" in done.error.message_ja
    assert fake_openai_server.chat_requests == 1 and sleeps == []
    # while the Retry-After period runs, further sends fail fast without a request
    _, again = run(service, hello())
    assert again.error.kind == "rate_limited" and again.attempts == 0
    assert fake_openai_server.chat_requests == 1


def test_rate_limit_with_short_retry_after_is_retried_once_after_waiting(fake_openai_server, sleeps):
    fake_openai_server.set_mode("429", retry_after=0.25)
    _, done = run(make_service(fake_openai_server, sleeps, max_retries=2), hello())
    assert done.error.kind == "rate_limited"
    assert sleeps == [0.25, 0.25]
    assert fake_openai_server.chat_requests == 3  # 1 + max_retries, never more


def test_rate_limit_without_retry_after_asks_to_wait(fake_openai_server, sleeps):
    fake_openai_server.set_mode("429", retry_after=None)
    _, done = run(make_service(fake_openai_server, sleeps, max_retries=0), hello())
    assert done.error.kind == "rate_limited" and done.error.retry_after_s is None
    assert "しばらく待って" in done.error.message_ja
    assert fake_openai_server.chat_requests == 1


def test_server_error_is_retried_a_bounded_number_of_times(fake_openai_server, sleeps):
    fake_openai_server.set_mode("500")
    _, done = run(make_service(fake_openai_server, sleeps, max_retries=1), hello())
    assert done.error.kind == "server" and done.error.status_code == 500
    assert "（500）" in done.error.message_ja
    assert fake_openai_server.chat_requests == 2


def test_a_server_error_then_success_recovers(fake_openai_server, sleeps):
    fake_openai_server.set_mode("500")
    class HealOnSleep(list):
        def append(self, seconds: float) -> None:  # the server recovers while we back off
            super().append(seconds)
            fake_openai_server.set_mode("ok")

    _, done = run(make_service(fake_openai_server, HealOnSleep()), hello())
    assert done.complete is True and done.attempts == 2


def test_stream_breaking_midway_keeps_the_partial_answer(fake_openai_server, sleeps):
    fake_openai_server.set_mode("break", break_after=3)
    deltas, done = run(make_service(fake_openai_server, sleeps), hello())
    partial = "".join(split_reply(DEFAULT_REPLY)[:3])
    assert "".join(d.text for d in deltas) == partial
    assert done.text == partial
    assert done.complete is False and done.error.kind == "stream_interrupted"
    assert "途中で接続が切れました" in done.error.message_ja
    assert fake_openai_server.chat_requests == 1  # partial answers are never re-sent


def test_stream_stalling_midway_keeps_the_partial_answer(fake_openai_server, sleeps):
    fake_openai_server.set_mode("stall", break_after=2, slow_s=1.5)
    _, done = run(make_service(fake_openai_server, sleeps, timeout_s=0.3), hello())
    assert done.text == "".join(split_reply(DEFAULT_REPLY)[:2])
    assert done.error.kind == "stream_interrupted" and not done.complete
    assert fake_openai_server.chat_requests == 1


@pytest.mark.parametrize(
    ("prompt", "kind", "fragment"),
    [("   \n", "empty_prompt", "プロンプトが空です"), ("あ" * 101, "prompt_too_long", "101 文字")],
)
def test_invalid_prompts_are_refused_before_sending(fake_openai_server, sleeps, prompt, kind, fragment):
    service = make_service(fake_openai_server, sleeps, max_prompt_chars=100)
    _, done = run(service, ChatRequest.simple(prompt))
    assert done.error.kind == kind and fragment in done.error.message_ja
    assert done.attempts == 0 and fake_openai_server.chat_requests == 0


def test_long_conversation_is_refused(fake_openai_server, sleeps):
    service = make_service(fake_openai_server, sleeps, max_conversation_chars=50)
    history = [ChatMessage(role="user", content="あ" * 30), ChatMessage(role="assistant", content="い" * 30)]
    request = ChatRequest(messages=[*history, ChatMessage(role="user", content="続けて")])
    _, done = run(service, request)
    assert done.error.kind == "conversation_too_long"
    assert fake_openai_server.chat_requests == 0


def test_missing_configuration_is_a_config_error_without_a_request(fake_openai_server, sleeps):
    no_key = LLMService(EndpointConfig(provider="openai", base_url=fake_openai_server.base_url), cooldowns=Cooldowns())
    _, done = run(no_key, hello())
    assert done.error.kind == "config" and "API キー" in done.error.message_ja
    no_url = LLMService(EndpointConfig(provider="custom", default_model="m"), cooldowns=Cooldowns())
    _, done = run(no_url, hello())
    assert done.error.kind == "config" and "接続先 URL" in done.error.message_ja
    assert fake_openai_server.chat_requests == 0


def test_every_error_kind_has_japanese_and_english_text():
    from typing import get_args

    from portal.llm.errors import ErrorKind, make_error

    for kind in get_args(ErrorKind):
        if kind == "config":
            continue
        err = make_error(kind, model="m", status=500, seconds=5, chars=10, limit=5)
        assert err.message_ja != f"llm.error.{kind}"
        assert any("\u3040" <= ch <= "\u30ff" for ch in err.message_ja)  # kana: real Japanese
        assert err.message_en and err.message_en != err.message_ja
