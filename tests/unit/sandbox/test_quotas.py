"""Daily quotas: counted from sandbox_events (shared by replicas), per-user overrides, the
Japanese day boundary, the exhausted message, and the reservation under concurrency."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from sandboxkit import CLEAN, RISKY, endpoint_sandbox

from portal.db import session_scope
from portal.db.models import SandboxEvent, utcnow
from portal.sandbox import Draft, EventFields, day_window, endpoint_problem, quota_status, save_policy, set_user_quota
from portal.sandbox import quotas
from portal.sandbox.events import add_event
from portal.sandbox.policy_store import QuotaDefaults, SandboxPolicy, load_policy

UTC = timezone.utc


def at(y, mo, d, h, mi=0, s=0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=UTC)


def put(url, user, when: datetime, outcome="ok", tokens=(10, 20), error_kind=None) -> None:
    with session_scope(url) as s:
        event_id = add_event(s, user.id, EventFields(mode="chat", provider="custom", model="m", outcome=outcome,
                                                     prompt_tokens=tokens[0], completion_tokens=tokens[1],
                                                     error_kind=error_kind))
        s.get(SandboxEvent, event_id).created_at = when


def set_defaults(url, admin, requests, tokens) -> None:
    with session_scope(url) as s:
        policy = load_policy(s)
        save_policy(s, admin, SandboxPolicy(risk=policy.risk, quotas=QuotaDefaults(daily_requests=requests,
                                                                                   daily_tokens=tokens)))


def status(url, user, now):
    with session_scope(url) as s:
        return quota_status(s, user.id, now=now)


# --- the day -------------------------------------------------------------------------------------


def test_the_day_runs_from_midnight_to_midnight_japan_time():
    start, end = day_window(at(2025, 4, 1, 14, 59, 59))  # 23:59:59 JST on 1 April
    assert (start, end) == (at(2025, 3, 31, 15), at(2025, 4, 1, 15))
    start, end = day_window(at(2025, 4, 1, 15))  # 00:00 JST on 2 April
    assert (start, end) == (at(2025, 4, 1, 15), at(2025, 4, 2, 15))


def test_events_before_japanese_midnight_belong_to_the_previous_day(db_url, learner):
    put(db_url, learner, at(2025, 4, 1, 14, 59, 59))  # 23:59:59 JST, 1 April
    put(db_url, learner, at(2025, 4, 1, 15, 0, 1))  # 00:00:01 JST, 2 April
    put(db_url, learner, at(2025, 4, 2, 3))  # 12:00 JST, 2 April
    assert status(db_url, learner, at(2025, 4, 1, 14, 59, 59)).requests_used == 1
    today = status(db_url, learner, at(2025, 4, 2, 5))
    assert (today.requests_used, today.tokens_used) == (2, 60)
    assert today.resets_at == at(2025, 4, 2, 15)


# --- what counts ---------------------------------------------------------------------------------


def test_blocked_and_refused_sends_do_not_count_as_requests(db_url, learner):
    now = at(2025, 4, 2, 3)
    put(db_url, learner, now, outcome="ok")
    put(db_url, learner, now, outcome="incomplete", error_kind="stream_interrupted")
    put(db_url, learner, now, outcome="error", error_kind="server", tokens=(0, 0))
    put(db_url, learner, now, outcome="blocked", tokens=(0, 0))
    # refused before sending, or the endpoint's misconfiguration (401 / 403 / 404: the admin's setting)
    for kind in ("empty_prompt", "prompt_too_long", "quota", "cooldown", "config", "auth", "permission", "not_found"):
        put(db_url, learner, now, outcome="error", error_kind=kind, tokens=(0, 0))
    s = status(db_url, learner, now)
    assert s.requests_used == 3  # ok, incomplete, the server error (a request was made)
    assert s.tokens_used == 60


def test_other_users_events_do_not_count(db_url, learner, other_learner):
    now = at(2025, 4, 2, 3)
    put(db_url, other_learner, now)
    assert status(db_url, learner, now).requests_used == 0


# --- limits --------------------------------------------------------------------------------------


def test_limits_come_from_settings_then_admin_defaults_then_the_users_override(db_url, learner, admin):
    now = at(2025, 4, 2, 3)
    s = status(db_url, learner, now)
    assert (s.request_limit, s.token_limit) == (100, 50_000)  # PORTAL_SANDBOX_DAILY_* defaults
    set_defaults(db_url, admin, 5, 1000)
    s = status(db_url, learner, now)
    assert (s.request_limit, s.token_limit) == (5, 1000)
    with session_scope(db_url) as session:
        set_user_quota(session, admin, learner.id, daily_requests=2, daily_tokens=None)
    s = status(db_url, learner, now)
    assert (s.request_limit, s.token_limit) == (2, 1000)
    assert status(db_url, admin, now).request_limit == 5  # others keep the default


def test_remaining_quota_summary_and_exhausted_message(db_url, learner, admin):
    now = at(2025, 4, 2, 3)  # 12:00 JST
    set_defaults(db_url, admin, 2, 1000)
    put(db_url, learner, now)
    s = status(db_url, learner, now)
    assert not s.exhausted and s.message() == ""
    assert s.summary() == "本日の残り: リクエスト 1 / 2 回 ・ トークン 970 / 1,000(日本時間の0時にリセット)"
    put(db_url, learner, now)
    s = status(db_url, learner, now)
    assert s.exhausted and s.requests_left == 0
    assert s.message() == (
        "本日のサンドボックスの利用上限(リクエスト 2 回)に達しました。04/03 00:00(日本時間)以降にまた利用できます。"
        "上限を増やす必要があれば管理者に相談してください。"
    )


def test_token_limit_exhausts_too(db_url, learner, admin):
    now = at(2025, 4, 2, 3)
    set_defaults(db_url, admin, 100, 50)
    put(db_url, learner, now, tokens=(20, 30))
    s = status(db_url, learner, now)
    assert s.exhausted and not s.requests_exhausted
    assert "トークン 50" in s.message()


def test_a_zero_quota_switches_the_sandbox_off_for_that_user(db_url, learner, admin):
    with session_scope(db_url) as session:
        set_user_quota(session, admin, learner.id, daily_requests=0, daily_tokens=None)
    s = status(db_url, learner, at(2025, 4, 2, 3))
    assert s.exhausted and "利用できない設定" in s.message()


# --- through the seam ----------------------------------------------------------------------------


def test_exhausted_learner_gets_the_message_and_nothing_is_sent(db_url, learner, admin, fake_openai_server):
    sb = endpoint_sandbox(db_url, fake_openai_server)
    set_defaults(db_url, admin, 2, 100_000)
    for _ in range(2):
        _, result = sb.send(learner, Draft(CLEAN))
        assert result.ok
    sub, result = sb.send(learner, Draft(CLEAN))
    assert sub.status == "ready" and result.outcome == "quota"
    assert result.message.startswith("本日のサンドボックスの利用上限(リクエスト 2 回)に達しました。")
    assert fake_openai_server.chat_requests == 2
    with session_scope(db_url) as s:
        last = s.get(SandboxEvent, result.event_id)
        assert (last.outcome, last.error_kind) == ("error", "quota")
    # the refused attempt is recorded but not counted
    assert sb.quota(learner).requests_used == 2


def test_blocked_prompts_do_not_use_up_the_quota(db_url, learner, admin, fake_openai_server):
    sb = endpoint_sandbox(db_url, fake_openai_server)
    set_defaults(db_url, admin, 1, 100_000)
    for _ in range(3):
        assert sb.submit(learner, Draft(RISKY)).status == "blocked"
    _, result = sb.send(learner, Draft(CLEAN))
    assert result.ok


@pytest.mark.parametrize(("mode", "kind", "status"), [("401", "auth", 401), ("404", "not_found", 404)])
def test_endpoint_misconfiguration_does_not_use_the_quota_and_is_shown_to_admins(
        db_url, learner, admin, fake_openai_server, mode, kind, status):
    sb = endpoint_sandbox(db_url, fake_openai_server)
    set_defaults(db_url, admin, 1, 100_000)
    with session_scope(db_url) as s:
        assert endpoint_problem(s, admin) is None
    fake_openai_server.set_mode(mode)
    before = utcnow()
    for _ in range(3):  # more failed requests than the learner's whole quota
        _, result = sb.send(learner, Draft(CLEAN))
        assert result.outcome == "error" and result.error.kind == kind
        assert any("数えていません" in note for note in result.notes)
    assert fake_openai_server.chat_requests == 3
    assert sb.quota(learner).requests_used == 0
    with session_scope(db_url) as s:
        problem = endpoint_problem(s, admin)
    assert (problem.kind, problem.status, problem.model, problem.count, problem.recovered) == (
        kind, status, "fake-mini", 3, False)
    assert before <= problem.last_at <= utcnow()

    fake_openai_server.set_mode("ok")  # the admin fixed the setting: the one request of the day works
    _, result = sb.send(learner, Draft(CLEAN))
    assert result.ok and sb.quota(learner).requests_used == 1
    with session_scope(db_url) as s:
        assert endpoint_problem(s, admin).recovered


def test_server_errors_still_count_against_the_quota(db_url, learner, admin, fake_openai_server):
    sb = endpoint_sandbox(db_url, fake_openai_server)
    fake_openai_server.set_mode("500")
    _, result = sb.send(learner, Draft(CLEAN))
    assert result.error.kind == "server" and sb.quota(learner).requests_used == 1
    with session_scope(db_url) as s:
        assert endpoint_problem(s, admin) is None


def test_the_day_turns_over_at_japanese_midnight_through_the_seam(db_url, learner, admin, fake_openai_server):
    now = [at(2025, 4, 2, 14, 50)]  # 23:50 JST
    sb = endpoint_sandbox(db_url, fake_openai_server)
    sb._clock = lambda: now[0]
    set_defaults(db_url, admin, 1, 100_000)
    put(db_url, learner, now[0])
    assert sb.send(learner, Draft(CLEAN))[1].outcome == "quota"
    now[0] = at(2025, 4, 2, 15, 1)  # 00:01 JST: a new day
    assert sb.send(learner, Draft(CLEAN))[1].outcome == "ok"


def test_max_tokens_is_lowered_to_the_tokens_left(db_url, learner, admin, fake_openai_server):
    sb = endpoint_sandbox(db_url, fake_openai_server)
    set_defaults(db_url, admin, 100, 1000)
    put(db_url, learner, datetime.now(UTC), tokens=(900, 95))  # 5 tokens left
    _, result = sb.send(learner, Draft(CLEAN, max_tokens=400))
    assert fake_openai_server.requests[-1]["max_tokens"] == 5
    assert any("最大トークン数を 5 に下げて" in note for note in result.notes)


def test_two_sends_racing_for_the_last_request_let_only_one_through(db_url, learner, admin, fake_openai_server,
                                                                      monkeypatch):
    sb = endpoint_sandbox(db_url, fake_openai_server)
    set_defaults(db_url, admin, 1, 100_000)
    ready = sb.submit(learner, Draft(CLEAN))
    counted = quotas.usage

    def slow_usage(*args, **kwargs):
        # widen the window between counting and inserting the reservation: without the row
        # lock both sends would count 0 here and both go through
        result = counted(*args, **kwargs)
        time.sleep(0.3)
        return result

    monkeypatch.setattr(quotas, "usage", slow_usage)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def go() -> None:
        barrier.wait()
        outcomes.append(sb.stream(learner, ready).drain().outcome)

    threads = [threading.Thread(target=go) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=30)
    assert sorted(outcomes) == ["ok", "quota"]
    assert fake_openai_server.chat_requests == 1


@pytest.mark.parametrize("hours", [0, 8, 9, 15, 23])
def test_day_window_always_contains_now_and_spans_24_hours(hours):
    now = at(2025, 1, 1, 0) + timedelta(hours=hours, minutes=30)
    start, end = day_window(now)
    assert start <= now < end and end - start == timedelta(days=1)
    assert start.astimezone(timezone(timedelta(hours=9))).hour == 0
