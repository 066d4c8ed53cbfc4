"""Journeys 3 and 4: the prompt sandbox.

3. With the offline practice model: a prompt holding an e-mail address and a My Number is
   flagged by the risk checklist, masked with one click, sent, and the answer is written in.
   The database then holds the categories of what was flagged, never the values.
4. Against an OpenAI-compatible server (tests/fake_openai_server.py in its own process): an
   answer streams in piece by piece; the server then answers 429, the page says so and stays
   usable.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from e2e.streamlit_page import dataframe_rows, streamed
from portal.db import session_scope
from portal.db.models import SandboxEvent

PASSWORD = "Green-tea-2024-cup"
EMAIL = "tanaka.ichiro@example.co.jp"
MY_NUMBER = "1234 5678 9018"  # a valid check digit (see portal.risk.validators)
FAKE_REPLY = "こんにちは。これはテスト用のサーバーからの応答です。"  # tests/fake_openai_server.py DEFAULT_REPLY


def _events(portal) -> list[SandboxEvent]:
    with session_scope(portal.database_url) as session:
        return list(session.scalars(select(SandboxEvent).order_by(SandboxEvent.id)))


def _answer_versions(frames, bubble) -> list[str]:
    """The versions of the answer the browser received, in order, the last one being what is on
    screen; each one extends the one before (text is only ever appended while it streams)."""
    final = bubble.get_by_test_id("stMarkdownContainer").first.inner_text()
    versions = streamed(frames, final)
    assert versions, f"no message carried the answer {final!r}"
    assert all(later.startswith(earlier.rstrip()) for earlier, later in zip(versions, versions[1:])), versions
    return versions


def test_sandbox_flags_masks_and_streams_with_the_practice_model(portal, app):
    learner = portal.create_user(name="学習 花子", email="hanako@example.com", password=PASSWORD, department="営業部")
    app.sign_in("hanako@example.com", PASSWORD)
    app.nav("チャット")
    expect(app.title()).to_have_text("試す:チャット")
    expect(app.main.get_by_text("いま使っているのは「教育用ミニ言語モデル」です")).to_be_visible()

    app.chat(f"次のあて先に研修の案内を送ってください。メールアドレス: {EMAIL} マイナンバー: {MY_NUMBER}")

    # the risk checklist stops the send and names both findings
    expect(app.main.get_by_role("alert").filter(has_text="送信できません")).to_be_visible()
    findings = dataframe_rows(app.main.get_by_test_id("stDataFrame"))
    assert {row["種類"] for row in findings} >= {"メールアドレス", "マイナンバー"}, findings
    expect(app.main.get_by_text("「このまま送信」は選べません")).to_be_visible()
    expect(app.main.get_by_test_id("stChatMessage")).to_have_count(0)  # nothing sent yet

    # one click masks both and sends; the answer streams in
    with app.recording() as frames:
        app.click("マスクして送信")
    question = app.main.get_by_test_id("stChatMessage").nth(0)
    answer = app.main.get_by_test_id("stChatMessage").nth(1)
    expect(question).to_contain_text("〈メールアドレス〉")
    expect(question).to_contain_text("〈マイナンバー〉")
    expect(question).to_contain_text("マスクしてから送信しました")
    expect(question).not_to_contain_text(EMAIL)
    expect(question).not_to_contain_text(MY_NUMBER)
    expect(answer).to_contain_text("教育用ミニ言語モデル ・ トークン")
    # whatever parts of the answer reached the browser before the end only ever grew. (How many
    # parts there are is not asserted here: the practice model runs in process and can finish a
    # short answer before the first update leaves the server. The next journey, where a server
    # paces the pieces, asserts the piece-by-piece arrival.)
    _answer_versions(frames, answer)
    expect(app.main.get_by_text(re.compile(r"本日の残り: リクエスト 99 / 100 回"))).to_be_visible()

    # stored: the stopped attempt and the masked send, with categories and what the learner did;
    # nowhere the values
    events = _events(portal)
    assert [(e.outcome, e.risk_action, e.risk_categories) for e in events] == [
        ("blocked", "blocked", {"EMAIL": 1, "MY_NUMBER": 1}),
        ("ok", "masked", {"EMAIL": 1, "MY_NUMBER": 1}),
    ]
    assert {e.user_id for e in events} == {learner.id}
    stored = portal.database_text()
    for raw in (EMAIL, MY_NUMBER, MY_NUMBER.replace(" ", ""), "tanaka.ichiro"):
        assert raw not in stored, f"{raw!r} was stored in the database"
        assert raw not in portal.output, f"{raw!r} was written to the server log"


def test_sandbox_streams_from_an_openai_compatible_server_and_survives_a_429(start_llm_portal, fake_llm, new_app):
    portal = start_llm_portal()
    app = new_app(portal)
    app.sign_in("hanako@example.com", PASSWORD)
    app.nav("チャット")
    expect(app.main.get_by_text(re.compile("^接続先:"))).to_be_visible()

    with app.recording() as frames:
        app.chat("生成AIを業務で使うときの注意点を3つ教えてください。")
    answers = app.main.get_by_test_id("stChatMessage")
    expect(answers.nth(1)).to_contain_text(FAKE_REPLY)
    expect(answers.nth(1)).to_contain_text("fake-mini")
    versions = _answer_versions(frames, answers.nth(1))
    assert len(versions) >= 3, f"the answer arrived in {len(versions)} piece(s), not streamed: {versions}"
    before = fake_llm.counters()["chat_requests"]

    # the endpoint starts refusing with 429 (no Retry-After): a clear message, no retry storm
    fake_llm.control(mode="429", retry_after=None)
    app.chat("もう一度、短くまとめてください。")
    error = answers.nth(3).get_by_role("alert")
    expect(error).to_contain_text("一時的に受け付けが制限されています（429）")
    expect(error).to_contain_text("しばらく待ってからもう一度お試しください。")
    assert 1 <= fake_llm.counters()["chat_requests"] - before <= 2  # at most one retry

    # ... and the page stays usable: the earlier answer is still there, the next send works
    expect(answers.nth(1)).to_contain_text(FAKE_REPLY)
    expect(app.chat_input).to_be_editable()
    fake_llm.control(mode="ok")
    app.chat("ありがとうございます。最後に一言でまとめてください。")
    expect(answers).to_have_count(6)
    expect(answers.nth(5)).to_contain_text(FAKE_REPLY)

    outcomes = [(e.outcome, e.error_kind) for e in _events(portal)]
    assert outcomes == [("ok", None), ("error", "rate_limited"), ("ok", None)], outcomes
    assert "sk-test-e2e" not in portal.output
