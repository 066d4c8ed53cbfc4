"""The send seam against the fake OpenAI server: the risk checklist decides what leaves, every
send leaves an event row, and no raw value or prompt text ever reaches the database or logs."""

from __future__ import annotations

import json
import logging
from dataclasses import replace

import pytest
from sandboxkit import CLEAN, EMAIL, MY_NUMBER, RISKY, WARN_ONLY, endpoint_sandbox
from fake_openai_server import DEFAULT_REPLY
from sqlalchemy import select, text

from portal.accounts.roles import PermissionDenied
from portal.db import session_scope
from portal.db.models import Base, SandboxEvent
from portal.llm import TextDelta
from portal.risk import Category, MaskOperator
from portal.sandbox import Draft, SandboxRefused, build_policy, load_policy, save_policy


def events(url) -> list[SandboxEvent]:
    with session_scope(url) as s:
        return list(s.scalars(select(SandboxEvent).order_by(SandboxEvent.id)))


def sent_user_text(server) -> str:
    return server.requests[-1]["messages"][-1]["content"]


def dump_database(url) -> str:
    """Every value of every table, as text (JSON text decoded too: SQLite keeps JSON with
    \\u escapes, which would hide Japanese text from a plain search)."""
    parts = []
    with session_scope(url) as s:
        for table in Base.metadata.sorted_tables:
            for row in s.execute(text(f'SELECT * FROM "{table.name}"')):
                for value in row:
                    parts.append(repr(value))
                    if isinstance(value, str):
                        try:
                            parts.append(json.dumps(json.loads(value), ensure_ascii=False))
                        except ValueError:
                            pass
    return "\n".join(parts)


def set_policy(url, admin, **changes):
    with session_scope(url) as s:
        current = load_policy(s)
        levels = {c.value: current.risk.level(c) for c in Category}
        levels.update(changes.pop("levels", {}))
        fields = {
            "levels": levels,
            "allow_send_anyway": current.risk.allow_send_anyway,
            "organization_terms": current.risk.organization_terms,
            "default_operator": current.risk.default_operator.value,
            "mask_min_confidence": current.risk.mask_min_confidence.value,
            "daily_requests": current.quotas.daily_requests,
            "daily_tokens": current.quotas.daily_tokens,
        }
        fields.update(changes)
        save_policy(s, admin, build_policy(**fields))


# --- the risk checklist in front of the endpoint ------------------------------------------------


def test_blocked_prompt_is_not_sent_and_is_recorded_as_blocked(sandbox, learner, fake_openai_server, db_url):
    sub = sandbox.submit(learner, Draft(RISKY, temperature=0.7))
    assert sub.status == "blocked"
    assert sub.message == "送信できません。マスクするか、該当箇所を編集してください。"
    assert fake_openai_server.chat_requests == 0
    (event,) = events(db_url)
    assert event.outcome == "blocked" and event.risk_action == "blocked"
    assert event.risk_categories == {"EMAIL": 1, "MY_NUMBER": 1}
    assert (event.prompt_tokens, event.completion_tokens) == (0, 0)
    assert event.temperature == 0.7 and event.model == "fake-mini" and event.provider == "custom"
    # nor can it be streamed by passing the held submission on
    with pytest.raises(SandboxRefused):
        sandbox.stream(learner, sub)
    assert fake_openai_server.chat_requests == 0


def test_one_click_mask_sends_the_masked_text_not_the_raw_values(sandbox, learner, fake_openai_server, db_url):
    held = sandbox.submit(learner, Draft(RISKY))
    ready = sandbox.resolve(learner, held, action="mask")
    assert ready.status == "ready" and ready.action == "masked"
    result = sandbox.stream(learner, ready).drain()
    assert result.outcome == "ok" and result.text == DEFAULT_REPLY
    sent = sent_user_text(fake_openai_server)
    assert sent == "〈メールアドレス〉 に返信を書いて。私のマイナンバーは 〈マイナンバー〉 です。"
    assert result.sent_text == sent
    blocked, ok = events(db_url)
    assert (ok.outcome, ok.risk_action) == ("ok", "masked")
    assert ok.risk_categories == {"EMAIL": 1, "MY_NUMBER": 1}
    assert ok.prompt_tokens > 0 and ok.completion_tokens > 0 and ok.latency_ms > 0 and ok.ttft_ms > 0


@pytest.mark.parametrize("operator", list(MaskOperator))
def test_every_mask_operator_keeps_the_raw_values_away_from_the_server(sandbox, learner, fake_openai_server, operator):
    held = sandbox.submit(learner, Draft(RISKY))
    result = sandbox.stream(learner, sandbox.resolve(learner, held, action="mask", operator=operator)).drain()
    assert result.outcome == "ok"
    body = str(fake_openai_server.requests)
    assert MY_NUMBER not in body and EMAIL not in body
    assert "tanaka.taro" not in body


def test_send_anyway_needs_the_acknowledgement(sandbox, learner, fake_openai_server, db_url):
    held = sandbox.submit(learner, Draft(WARN_ONLY))
    assert held.status == "needs_review"
    assert events(db_url) == []  # held for the learner's choice: nothing sent, nothing blocked yet
    with pytest.raises(SandboxRefused, match="チェックが必要"):
        sandbox.resolve(learner, held, action="send_anyway", acknowledged=False)
    assert fake_openai_server.chat_requests == 0
    ready = sandbox.resolve(learner, held, action="send_anyway", acknowledged=True)
    result = sandbox.stream(learner, ready).drain()
    assert result.outcome == "ok"
    assert sent_user_text(fake_openai_server) == WARN_ONLY  # sent as written, by explicit choice
    (event,) = events(db_url)
    assert (event.risk_action, event.risk_categories) == ("sent_anyway", {"EMAIL": 1})


def test_send_anyway_is_refused_for_blocking_categories_even_when_acknowledged(sandbox, learner, fake_openai_server):
    held = sandbox.submit(learner, Draft(RISKY))
    with pytest.raises(SandboxRefused, match="送信できない情報"):
        sandbox.resolve(learner, held, action="send_anyway", acknowledged=True)
    assert fake_openai_server.chat_requests == 0


def test_send_anyway_is_refused_when_the_policy_does_not_allow_it(sandbox, learner, admin, fake_openai_server, db_url):
    set_policy(db_url, admin, allow_send_anyway=False)
    held = sandbox.submit(learner, Draft(WARN_ONLY))
    assert held.status == "blocked"  # warn-level findings block when send-anyway is off
    with pytest.raises(SandboxRefused):
        sandbox.resolve(learner, held, action="send_anyway", acknowledged=True)
    assert fake_openai_server.chat_requests == 0


def test_a_forged_ready_submission_is_checked_again_and_not_sent(sandbox, learner, fake_openai_server, db_url):
    clean = sandbox.submit(learner, Draft(CLEAN))
    forged = replace(clean, draft=replace(clean.draft, prompt=RISKY))
    result = sandbox.stream(learner, forged).drain()
    assert result.outcome == "blocked"
    assert fake_openai_server.chat_requests == 0
    assert events(db_url)[-1].risk_action == "blocked"


def test_policy_tightened_after_acknowledgement_stops_the_send(sandbox, learner, admin, fake_openai_server, db_url):
    ready = sandbox.resolve(learner, sandbox.submit(learner, Draft(WARN_ONLY)), action="send_anyway", acknowledged=True)
    set_policy(db_url, admin, levels={"EMAIL": "block", "MY_NUMBER": "block"})
    result = sandbox.stream(learner, ready).drain()
    assert result.outcome == "blocked"
    assert fake_openai_server.chat_requests == 0


def test_editing_the_text_away_sends_it_as_edited_with_the_original_categories(sandbox, learner, fake_openai_server,
                                                                                db_url):
    held = sandbox.submit(learner, Draft(RISKY))
    still = sandbox.submit(learner, Draft(f"{EMAIL} に返信を書いて。"), edited_from=held)
    assert still.status == "needs_review" and still.edited
    fixed = sandbox.submit(learner, Draft("取引先への返信メールを書いて。"), edited_from=still)
    assert fixed.status == "ready" and fixed.action == "edited"
    result = sandbox.stream(learner, fixed).drain()
    assert result.outcome == "ok"
    assert sent_user_text(fake_openai_server) == "取引先への返信メールを書いて。"
    assert events(db_url)[-1].risk_action == "edited"
    assert events(db_url)[-1].risk_categories == {"EMAIL": 1}


def test_the_system_prompt_is_checked_too(sandbox, learner, fake_openai_server, db_url):
    sub = sandbox.submit(learner, Draft(CLEAN, system=f"署名には {EMAIL} を使ってください。"))
    assert sub.status == "invalid"
    assert "システムプロンプト" in sub.message and "メールアドレス" in sub.message
    assert fake_openai_server.chat_requests == 0
    assert events(db_url)[-1].outcome == "blocked"


def test_organisation_terms_from_the_admin_policy_are_flagged(sandbox, learner, admin, fake_openai_server, db_url):
    set_policy(db_url, admin, organization_terms=["プロジェクト・オリオン"], levels={"CONFIDENTIAL": "block"})
    sub = sandbox.submit(learner, Draft("プロジェクト・オリオンの進捗報告を書いて。"))
    assert sub.status == "blocked"
    assert sub.check.categories == {"CONFIDENTIAL": 1}
    result = sandbox.stream(learner, sandbox.resolve(learner, sub, action="mask")).drain()
    assert "オリオン" not in sent_user_text(fake_openai_server)
    assert result.ok


# --- every send leaves an event ----------------------------------------------------------------


def test_clear_prompt_is_sent_with_parameters_and_recorded_ok(sandbox, learner, fake_openai_server, db_url):
    sub, result = sandbox.send(learner, Draft(CLEAN, system="丁寧に答えてください。", temperature=0.3, top_p=0.9,
                                              max_tokens=200))
    assert sub.status == "ready" and result.outcome == "ok"
    body = fake_openai_server.requests[-1]
    assert body["temperature"] == 0.3 and body["top_p"] == 0.9 and body["max_tokens"] == 200
    assert body["messages"][0] == {"role": "system", "content": "丁寧に答えてください。"}
    (event,) = events(db_url)
    assert (event.mode, event.outcome, event.risk_action, event.risk_categories) == ("chat", "ok", "none", {})
    assert (event.temperature, event.top_p, event.max_tokens) == (0.3, 0.9, 200)
    assert event.prompt_tokens + event.completion_tokens == result.total_tokens > 0


@pytest.mark.parametrize(
    ("mode", "kind", "message_part"),
    [
        ("500", "server", "LLM のサーバーでエラーが発生しました"),
        ("401", "auth", "API キーが正しくないか無効です"),
        ("404", "not_found", "見つかりません"),
        ("429", "rate_limited", "一時的に受け付けが制限されています"),
    ],
)
def test_endpoint_faults_are_recorded_as_errors_with_their_kind(sandbox, learner, fake_openai_server, db_url, mode,
                                                                 kind, message_part):
    fake_openai_server.set_mode(mode, retry_after=30)
    sub, result = sandbox.send(learner, Draft(CLEAN))
    assert result.outcome == "error" and result.error.kind == kind
    assert message_part in result.message and result.text == ""
    assert fake_openai_server.chat_requests == 1  # never a storm
    event = events(db_url)[-1]
    assert (event.outcome, event.error_kind) == ("error", kind)
    assert event.latency_ms is not None and event.ttft_ms is None


def test_a_stream_that_breaks_midway_keeps_the_partial_answer_and_is_incomplete(sandbox, learner, fake_openai_server,
                                                                                 db_url):
    fake_openai_server.set_mode("break", break_after=3)
    sub, result = sandbox.send(learner, Draft(CLEAN))
    assert result.outcome == "incomplete"
    assert result.text and DEFAULT_REPLY.startswith(result.text) and result.text != DEFAULT_REPLY
    assert "途中で接続が切れました" in result.message
    event = events(db_url)[-1]
    assert (event.outcome, event.error_kind) == ("incomplete", "stream_interrupted")
    assert event.completion_tokens > 0  # estimated: the server never sent a usage report


def test_connection_refused_and_timeout_give_japanese_messages(sandbox, learner, fake_openai_server, db_url):
    fake_openai_server.set_mode("slow", slow_s=3)
    _, slow = sandbox.send(learner, Draft(CLEAN))
    assert slow.error.kind == "timeout" and "秒以内に応答がありませんでした" in slow.message
    fake_openai_server.stop()
    _, refused = sandbox.send(learner, Draft(CLEAN))
    assert refused.error.kind == "connection" and "接続できません" in refused.message
    assert [e.error_kind for e in events(db_url)] == ["timeout", "connection"]


def test_a_reader_that_stops_early_leaves_an_incomplete_event(sandbox, learner, db_url):
    stream = sandbox.stream(learner, sandbox.submit(learner, Draft(CLEAN)))
    events_iter = stream.events()
    first = next(events_iter)
    assert isinstance(first, TextDelta)
    events_iter.close()  # e.g. the page was rerun while streaming
    assert stream.result.outcome == "incomplete"
    event = events(db_url)[-1]
    assert (event.outcome, event.error_kind) == ("incomplete", "cancelled")


def test_empty_and_too_long_prompts_are_refused_with_a_message_and_no_request(db_url, fake_openai_server, learner):
    sb = endpoint_sandbox(db_url, fake_openai_server, max_prompt_chars=100)
    empty = sb.submit(learner, Draft("   "))
    assert empty.status == "invalid" and empty.message == "プロンプトが空です。質問や指示を入力してください。"
    long = sb.submit(learner, Draft("あ" * 101))
    assert long.status == "invalid" and long.message == "プロンプトが長すぎます（101 文字）。100 文字以内にしてください。"
    assert fake_openai_server.chat_requests == 0
    assert [(e.outcome, e.error_kind) for e in events(db_url)] == [("error", "empty_prompt"), ("error", "prompt_too_long")]


def test_compare_variants_are_one_event_each(sandbox, learner, fake_openai_server, db_url):
    sub = sandbox.submit(learner, Draft(CLEAN, mode="compare"))
    low = sandbox.stream(learner, sub, temperature=0.2).drain()
    high = sandbox.stream(learner, sub, temperature=1.3).drain()
    assert low.ok and high.ok
    assert [r["temperature"] for r in fake_openai_server.requests] == [0.2, 1.3]
    samples = sandbox.stream(learner, sub, n=3).drain()
    assert len(samples.texts) == 3 and all(samples.texts)
    assert [(e.mode, e.temperature) for e in events(db_url)] == [("compare", 0.2), ("compare", 1.3), ("compare", None)]


# --- grounded mode -------------------------------------------------------------------------------


def test_grounded_mode_numbers_the_sources_in_the_prompt(sandbox, learner, fake_openai_server, db_url):
    sub, result = sandbox.send(learner, Draft("ハルシネーションとは何ですか？", mode="grounded"))
    assert result.ok and result.sources
    system = fake_openai_server.requests[-1]["messages"][0]["content"]
    assert "[1] ハルシネーション — 幻覚" in system
    assert events(db_url)[-1].mode == "grounded"


def test_grounded_mode_on_the_practice_model_shows_passages_instead_of_answering(practice_sandbox, learner, db_url):
    sub, result = practice_sandbox.send(learner, Draft("ハルシネーションとは何ですか？", mode="grounded"))
    assert result.passages_only and result.text == ""
    assert result.sources[0].passage.section_id == "hallucination"
    assert "資料を読んで答えることができない" in result.notes[0]
    assert events(db_url)[-1].outcome == "ok"


def test_practice_model_answers_offline(practice_sandbox, learner, db_url):
    sub, result = practice_sandbox.send(learner, Draft("日本で一番高い山は、", temperature=0.0, seed=1))
    assert result.ok and result.text.startswith("富士山")
    event = events(db_url)[-1]
    assert (event.provider, event.model) == ("practice", "practice-mini")


# --- ratings -------------------------------------------------------------------------------------


def test_learner_rates_only_their_own_answers(sandbox, learner, other_learner, db_url):
    _, result = sandbox.send(learner, Draft(CLEAN))
    sandbox.rate(learner, result.event_id, 1)
    assert events(db_url)[-1].rating == 1
    with pytest.raises(PermissionDenied):
        sandbox.rate(other_learner, result.event_id, 0)
    sandbox.rate(learner, result.event_id, None)
    assert events(db_url)[-1].rating is None


# --- explorer ------------------------------------------------------------------------------------


def test_explorer_candidates_come_from_the_endpoint_with_one_event(sandbox, learner, fake_openai_server, db_url):
    fetch = sandbox.endpoint_candidates(learner, "日本で一番高い山は、", k=5)
    assert fetch.candidates and fetch.error is None
    assert fake_openai_server.requests[-1]["top_logprobs"] == 5
    assert [(e.mode, e.outcome) for e in events(db_url)] == [("explorer", "ok")]


def test_explorer_context_with_personal_data_is_not_sent(sandbox, learner, fake_openai_server, db_url):
    fetch = sandbox.endpoint_candidates(learner, f"{EMAIL} の持ち主は、")
    assert fetch.blocked and not fetch.candidates
    assert fake_openai_server.chat_requests == 0
    assert events(db_url)[-1].risk_action == "blocked"


# --- nothing raw anywhere ------------------------------------------------------------------------


def test_no_raw_value_or_prompt_text_is_stored_or_logged(sandbox, learner, admin, fake_openai_server, db_url, caplog):
    caplog.set_level(logging.DEBUG)
    set_policy(db_url, admin, organization_terms=["プロジェクト・オリオン"])
    secret_phrase = "来週の打ち合わせメモ"
    prompt = f"{secret_phrase}: {RISKY} プロジェクト・オリオンの件。"
    held = sandbox.submit(learner, Draft(prompt, system="社内向けに答えて。"))  # blocked
    sandbox.stream(learner, sandbox.resolve(learner, held, action="mask", operator="pseudonym")).drain()
    fake_openai_server.set_mode("break")
    sandbox.stream(learner, sandbox.resolve(learner, held, action="mask", operator="partial")).drain()
    fake_openai_server.set_mode("500")
    sandbox.send(learner, Draft(f"{secret_phrase}をまとめて"))
    sandbox.submit(learner, Draft(WARN_ONLY))  # held: nothing written
    sandbox.endpoint_candidates(learner, f"{EMAIL} の持ち主は、")
    dump = dump_database(db_url)
    assert len(events(db_url)) == 5
    for raw in (MY_NUMBER, EMAIL, "tanaka", secret_phrase, "社内向けに答えて", DEFAULT_REPLY[:6]):
        assert raw not in dump, raw
        assert raw not in caplog.text, raw
    assert "オリオン" in dump  # the admin's own term list is stored in app_settings (only there)
    with session_scope(db_url) as s:
        audit = s.execute(text("SELECT detail FROM audit_events")).scalars().all()
    assert "オリオン" not in str(audit)

