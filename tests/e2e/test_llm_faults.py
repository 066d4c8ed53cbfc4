"""Journey 12: the sandbox chat against an OpenAI-compatible server that fails in every way a real
one does (tests/fake_openai_server.py, switched with POST /_control): 401, 404 unknown model,
500, read timeout, a stream broken mid-answer, 429, and finally connection refused (the server
stopped). Each time the learner reads a Japanese message saying what to do; a partial answer is
kept; earlier answers stay; the chat box stays usable and the next send works; the quota line
and the stored token counts hold only what was used.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from portal.db import session_scope
from portal.db.models import SandboxEvent
from portal.i18n import t
from portal.sandbox import counts_against_quota

PASSWORD = "Green-tea-2024-cup"
FAKE_REPLY = "こんにちは。これはテスト用のサーバーからの応答です。"  # tests/fake_openai_server.py DEFAULT_REPLY
PARTIAL = FAKE_REPLY[:9]  # "break" sends 3 pieces of 3 characters, then drops the connection
TIMEOUT_S = 3
REQUESTS, TOKENS = 100, 50000
# faults that use the model's capacity count against the daily quota in every version; whether
# 401 / 403 / 404 count is the quota rule's decision (portal.sandbox.quotas), asserted through it
ALWAYS_COUNTED = (None, "timeout", "server", "stream_interrupted", "rate_limited", "connection")


def _events(portal) -> list[SandboxEvent]:
    with session_scope(portal.database_url) as session:
        return list(session.scalars(select(SandboxEvent).order_by(SandboxEvent.id)))


def test_sandbox_faults_say_what_to_do_keep_partial_answers_and_count_only_what_was_used(
        start_llm_portal, fake_llm, new_app):
    portal = start_llm_portal(PORTAL_LLM_TIMEOUT_S=str(TIMEOUT_S), PORTAL_LLM_MAX_RETRIES="0")
    app = new_app(portal)
    app.sign_in("hanako@example.com", PASSWORD)
    app.nav(t("nav.sandbox.chat"))
    bubbles = app.main.get_by_test_id("stChatMessage")
    sends = 0

    def send(prompt: str):
        nonlocal sends
        app.chat(prompt)
        sends += 1
        expect(bubbles).to_have_count(2 * sends)
        answer = bubbles.nth(2 * sends - 1)
        return answer

    def expect_usable() -> None:
        expect(bubbles.nth(1)).to_contain_text(FAKE_REPLY)  # the first answer is still there
        expect(app.chat_input).to_be_editable()

    first = send("生成AIを業務で使うときの注意点を教えてください。")
    expect(first).to_contain_text(FAKE_REPLY)

    faults = [
        ("401", {}, t("llm.error.auth")),
        ("404", {}, t("llm.error.not_found", model="fake-mini")),
        ("500", {}, t("llm.error.server", status=500)),
        ("slow", {"slow_s": TIMEOUT_S + 4}, t("llm.error.timeout", seconds=TIMEOUT_S)),
        ("429", {"retry_after": None}, "一時的に受け付けが制限されています（429）。しばらく待ってからもう一度お試しください。"),
    ]
    for mode, extra, message in faults:
        fake_llm.control(mode=mode, **extra)
        answer = send(f"モード {mode} のときの質問です。")
        expect(answer.get_by_role("alert")).to_contain_text(message)
        expect(answer).not_to_contain_text(FAKE_REPLY)
        expect_usable()

    # a stream broken mid-answer: what arrived stays on screen, with the message
    fake_llm.control(mode="break")
    answer = send("途中で切れる回答です。")
    expect(answer).to_contain_text(PARTIAL)
    expect(answer).not_to_contain_text(FAKE_REPLY)
    expect(answer.get_by_role("alert")).to_contain_text(t("llm.error.stream_interrupted"))
    expect_usable()

    # the next send works again
    fake_llm.control(mode="ok")
    expect(send("もう一度お願いします。")).to_contain_text(FAKE_REPLY)

    # connection refused: the server is gone
    fake_llm.stop()
    answer = send("サーバーが止まっているときの質問です。")
    expect(answer.get_by_role("alert")).to_contain_text(t("llm.error.connection"))
    expect_usable()

    events = _events(portal)
    kinds = [(e.outcome, e.error_kind) for e in events]
    assert kinds == [
        ("ok", None), ("error", "auth"), ("error", "not_found"), ("error", "server"), ("error", "timeout"),
        ("error", "rate_limited"), ("incomplete", "stream_interrupted"), ("ok", None), ("error", "connection"),
    ], kinds
    for event in events:
        if event.error_kind in ALWAYS_COUNTED:
            assert counts_against_quota(event.outcome, event.error_kind), event.error_kind
        if event.error_kind not in (None, "stream_interrupted"):  # no answer: no completion tokens
            assert event.completion_tokens == 0, (event.error_kind, event.completion_tokens)
    broken = next(e for e in events if e.error_kind == "stream_interrupted")
    assert 0 < broken.completion_tokens <= len(PARTIAL), broken.completion_tokens  # only what arrived

    # the quota line counts the requests the rule counts and the tokens actually used
    used_requests = sum(counts_against_quota(e.outcome, e.error_kind) for e in events)
    used_tokens = sum(e.prompt_tokens + e.completion_tokens for e in events)
    line = app.main.get_by_text(re.compile("本日の残り: リクエスト"))
    expect(line).to_contain_text(f"リクエスト {REQUESTS - used_requests} / {REQUESTS} 回")
    expect(line).to_contain_text(f"トークン {TOKENS - used_tokens:,} / {TOKENS:,}")
    assert "sk-test-e2e" not in portal.output


IMAGE_HOST = "127.0.0.77"  # nothing listens there; a request to it would still show in the log
UNTRUSTED_REPLY = (
    f"**注意点**です。![追跡用の画像](http://{IMAGE_HOST}:8080/pixel.png) "
    "[ここを押してください](javascript:alert(document.cookie)) "
    f'<img src="http://{IMAGE_HOST}:8080/raw.png"> <b>太字のHTML</b> '
    "[公式サイト](https://example.com/guide)"
)


def test_untrusted_markdown_in_an_answer_fetches_nothing_and_runs_nothing(start_llm_portal, fake_llm, new_app):
    portal = start_llm_portal()
    app = new_app(portal)
    requested: list[str] = []
    app.page.on("request", lambda request: requested.append(request.url))
    app.sign_in("hanako@example.com", PASSWORD)
    app.nav(t("nav.sandbox.chat"))
    fake_llm.control(reply=UNTRUSTED_REPLY)

    app.chat("注意点をまとめてください。")
    answer = app.main.get_by_test_id("stChatMessage").nth(1)
    expect(answer).to_contain_text("注意点")
    expect(answer.locator("strong").filter(has_text="注意点")).to_have_count(1)  # Markdown still works
    # the image is named in text, never loaded; the HTML shows as text; the script link is text
    # (the escaping puts invisible word joiners after ':' so that nothing becomes a directive)
    shown = answer.inner_text().replace("\u2060", "")
    assert f"〔画像「追跡用の画像」は表示しません: http://{IMAGE_HOST}:8080/pixel.png〕" in shown, shown
    assert f'<img src="http://{IMAGE_HOST}:8080/raw.png">' in shown, shown
    assert "<b>太字のHTML</b>" in shown, shown
    assert "ここを押してください (javascript:alert(document.cookie" in shown, shown
    expect(answer.locator("img")).to_have_count(0)
    expect(answer.locator("b")).to_have_count(0)
    expect(answer.locator("a[href^='javascript']")).to_have_count(0)
    expect(answer.get_by_role("link", name="公式サイト")).to_have_attribute("href", "https://example.com/guide")

    # the same answer drawn again from the history (the next run) is just as safe
    fake_llm.control(reply=FAKE_REPLY)
    app.chat("ありがとうございます。")
    expect(app.main.get_by_test_id("stChatMessage").nth(3)).to_contain_text(FAKE_REPLY)
    expect(answer.locator("img")).to_have_count(0)
    expect(answer).to_contain_text("〔画像「追跡用の画像」は表示しません")
    assert not [url for url in requested if IMAGE_HOST in url], requested
