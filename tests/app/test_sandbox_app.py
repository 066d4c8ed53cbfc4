"""The 試す pages and the admin policy page, driven through the real app script with AppTest."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from fake_openai_server import fake_openai_server  # noqa: F401  (fixture)
from sqlalchemy import select, text
from support.apptest import goto, nav_paths

from portal.config import get_settings
from portal.db import session_scope
from portal.db.models import Base, SandboxEvent
from portal.llm import SHARED_COOLDOWNS
from portal.localtime import JST
from portal.sandbox import set_user_quota

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "sandbox"))
from sandboxkit import EMAIL, MY_NUMBER, RISKY  # noqa: E402

from portal.sandbox import escape_markdown  # noqa: E402


@pytest.fixture
def endpoint(fake_openai_server, monkeypatch):  # noqa: F811
    """The app talks to the fake OpenAI server instead of the practice model."""
    monkeypatch.setenv("PORTAL_LLM_PROVIDER", "custom")
    monkeypatch.setenv("PORTAL_LLM_BASE_URL", fake_openai_server.base_url)
    monkeypatch.setenv("PORTAL_LLM_API_KEY", "sk-test-abcdefghijklmnop")
    monkeypatch.setenv("PORTAL_LLM_MODELS", '["fake-mini"]')
    monkeypatch.setenv("PORTAL_LLM_MAX_RETRIES", "0")
    get_settings.cache_clear()
    SHARED_COOLDOWNS.clear()
    yield fake_openai_server
    SHARED_COOLDOWNS.clear()
    get_settings.cache_clear()


def events(url) -> list[SandboxEvent]:
    with session_scope(url) as s:
        return list(s.scalars(select(SandboxEvent).order_by(SandboxEvent.id)))


def chat_texts(at, role: str) -> list[str]:
    """The Markdown shown inside each chat message of ``role``."""
    out = []
    for message in at.chat_message:
        if message.name == role:
            out.append("\n".join(m.value for m in message.markdown))
    return out


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def open_chat(portal):
    portal.user()
    at = portal.signed_in()
    goto(at, "sandbox")
    assert not at.exception
    return at


def send(at, prompt: str):
    at.chat_input[0].set_value(prompt).run()
    assert not at.exception, at.exception
    return at


# --- practice model --------------------------------------------------------------------------------


def test_practice_model_answer_appears_labelled_as_the_practice_model(portal):
    at = open_chat(portal)
    assert at.title[0].value == "試す:チャット"
    assert "本物の LLM ではありません" in at.info[0].value and "教育用ミニ言語モデル" in at.info[0].value
    send(at, "日本で一番高い山は、")
    assert chat_texts(at, "user") == ["日本で一番高い山は、"]
    (answer,) = chat_texts(at, "assistant")
    assert answer.strip()
    captions = [c.value for c in at.chat_message[1].caption]
    assert any(c.startswith("教育用ミニ言語モデル ・ トークン ") for c in captions)
    assert any("事実や数字を必ず確認してください" in c for c in captions)
    assert len(at.feedback) == 1
    (event,) = events(portal.url)
    assert (event.provider, event.model, event.outcome) == ("practice", "practice-mini", "ok")
    # the remaining quota went down by one
    assert any("本日の残り: リクエスト 99 / 100 回" in c.value for c in at.caption)


def test_rating_an_answer_is_stored_for_admins(portal):
    at = send(open_chat(portal), "言語モデルは")
    at.feedback[0].set_value(1).run()
    assert not at.exception
    assert events(portal.url)[0].rating == 1


def test_empty_state_and_a_too_long_prompt(portal, monkeypatch):
    monkeypatch.setenv("PORTAL_SANDBOX_MAX_PROMPT_CHARS", "100")
    get_settings.cache_clear()
    at = open_chat(portal)
    assert any("まだ会話はありません" in i.value for i in at.info)
    send(at, "あ" * 150)
    assert at.error[0].value == "プロンプトが長すぎます（150 文字）。100 文字以内にしてください。"
    assert at.chat_input[0] is not None and not chat_texts(at, "assistant")


# --- the risk checklist ------------------------------------------------------------------------------


def test_personal_data_is_flagged_blocked_then_masked_with_one_click(portal, endpoint):
    at = open_chat(portal)
    send(at, RISKY)
    assert at.error[0].value == "送信できません。マスクするか、該当箇所を編集してください。"
    highlighted = next(m.value for m in at.markdown if "-background[" in m.value)
    assert f":orange-background[{escape_markdown(EMAIL)}]:orange[**①メールアドレス・要確認**]" in highlighted
    assert f":red-background[{MY_NUMBER}]:red[**②マイナンバー・送信不可**]" in highlighted
    table = at.dataframe[0].value
    assert list(table["種類"]) == ["メールアドレス", "マイナンバー"]
    assert list(table["判定"]) == ["要確認", "送信不可"]
    assert table["理由"].str.len().min() > 0 and set(table["確度"]) == {"確度 高"}
    assert list(table["検出方法"]) == ["形式のパターン", "チェックディジット"]  # which rule found each item
    labels = [b.label for b in at.button]
    assert "このまま送信" not in labels  # never for blocking categories
    assert endpoint.chat_requests == 0 and not chat_texts(at, "assistant")
    (blocked,) = events(portal.url)
    assert (blocked.outcome, blocked.risk_action) == ("blocked", "blocked")

    at.button(key="sb_review_mask").click().run()
    assert not at.exception
    sent = "〈メールアドレス〉 に返信を書いて。私のマイナンバーは 〈マイナンバー〉 です。"
    assert endpoint.requests[-1]["messages"][-1]["content"] == sent
    assert chat_texts(at, "user") == [escape_markdown(sent)]
    assert chat_texts(at, "assistant")[0].startswith("こんにちは")
    assert any("マスクしてから送信しました" in c.value for c in at.caption)
    assert not [b for b in at.button if b.label == "マスクして送信"]  # the checklist is gone
    masked = events(portal.url)[-1]
    assert (masked.outcome, masked.risk_action) == ("ok", "masked")
    assert masked.risk_categories == {"EMAIL": 1, "MY_NUMBER": 1}
    with session_scope(portal.url) as s:
        dump = "".join(repr(tuple(r)) for t in Base.metadata.sorted_tables for r in s.execute(text(f'SELECT * FROM "{t.name}"')))
    assert MY_NUMBER not in dump and EMAIL not in dump and "返信を書いて" not in dump


def test_warning_only_offers_send_anyway_after_acknowledgement(portal, endpoint):
    at = send(open_chat(portal), f"{EMAIL} 宛てに会議の日程確認メールを書いてください。")
    assert at.warning[0].value.startswith("注意が必要な情報があります")
    anyway = at.button(key="sb_review_anyway")
    assert anyway.disabled
    at.checkbox(key="sb_review_ack").check().run()
    at.button(key="sb_review_anyway").click().run()
    assert not at.exception
    assert endpoint.requests[-1]["messages"][-1]["content"].startswith(EMAIL)
    assert events(portal.url)[-1].risk_action == "sent_anyway"


def test_edit_puts_the_text_back_and_the_edited_text_is_checked_again(portal, endpoint):
    at = send(open_chat(portal), RISKY)
    at.button(key="sb_review_edit").click().run()
    assert at.text_area(key="sb_edit_text").value == RISKY
    at.text_area(key="sb_edit_text").input("取引先への返信メールを書いて。")
    button(at, "もう一度チェックして送信").click().run()
    assert not at.exception
    assert endpoint.requests[-1]["messages"][-1]["content"] == "取引先への返信メールを書いて。"
    assert events(portal.url)[-1].risk_action == "edited"


# --- quotas and faults -------------------------------------------------------------------------------


def test_learner_with_an_exhausted_quota_sees_the_message(portal, endpoint):
    user = portal.user()
    with session_scope(portal.url) as s:
        from portal.accounts.roles import SYSTEM

        set_user_quota(s, SYSTEM, user.id, daily_requests=1, daily_tokens=None)
    at = portal.signed_in()
    goto(at, "sandbox")
    send(at, "生成AIの注意点を教えてください。")
    assert chat_texts(at, "assistant")[0].startswith("こんにちは")
    assert at.warning[0].value.startswith("本日のサンドボックスの利用上限(リクエスト 1 回)に達しました。")
    send(at, "もう一度教えてください。")
    assert any(w.value.startswith("本日のサンドボックスの利用上限") for w in at.warning)
    assert endpoint.chat_requests == 1


def test_rate_limited_endpoint_shows_the_japanese_message_and_the_page_keeps_working(portal, endpoint):
    endpoint.set_mode("429", retry_after=30)
    at = send(open_chat(portal), "生成AIの注意点を教えてください。")
    errors = [e.value for e in at.error]
    assert any("一時的に受け付けが制限されています（429）。約 30 秒後にもう一度お試しください。" in e for e in errors)
    assert endpoint.chat_requests == 1  # no retry storm
    assert events(portal.url)[-1].error_kind == "rate_limited"
    send(at, "もう一度。")  # during the cooldown: answered without a request
    assert endpoint.chat_requests == 1
    assert events(portal.url)[-1].error_kind == "cooldown"
    endpoint.set_mode("ok")
    SHARED_COOLDOWNS.clear()  # the 30 seconds have passed
    send(at, "三度目の正直です。")
    assert chat_texts(at, "assistant")[-1].startswith("こんにちは")
    assert not at.exception


def test_stream_breaking_midway_keeps_the_partial_answer_marked_incomplete(portal, endpoint):
    endpoint.set_mode("break", break_after=3)
    at = send(open_chat(portal), "生成AIの注意点を教えてください。")
    assert chat_texts(at, "assistant")[0] == "こんにちは。これは"
    assert any(w.value.startswith("回答は途中までです(未完了)。") for w in at.warning)
    assert events(portal.url)[-1].outcome == "incomplete"


# --- grounded mode, compare, explorer ------------------------------------------------------------------


def test_lesson_button_opens_the_sandbox_in_grounded_mode_showing_passages(portal):
    portal.user()
    at = portal.signed_in()
    goto(at, "lesson", id="rag")
    at.button(key="sandbox-rag-True").click().run()
    assert not at.exception
    assert at.title[0].value == "試す:チャット"
    assert at.toggle(key="sb_grounded").value is True
    goto(at, "sandbox")  # AppTest keeps running the page it was pointed at; a browser follows the switch
    assert at.toggle(key="sb_grounded").value is True
    send(at, "ハルシネーションとは何ですか？")
    assert any("資料を読んで答えることができない" in i.value for i in at.info)
    sources = [m.value for m in at.markdown if m.value.startswith("\\[1\\]")]
    assert sources and events(portal.url)[-1].mode == "grounded"


def test_compare_page_shows_several_answers_side_by_side(portal):
    portal.user()
    at = portal.signed_in()
    goto(at, "sandbox-compare")
    at.text_area(key="cmp_prompt").input("日本で一番高い山は、")
    button(at, "送信して比べる").click().run()
    assert not at.exception
    headers = [m.value for m in at.markdown if m.value.startswith("**回答 ")]
    assert headers == ["**回答 1**", "**回答 2**", "**回答 3**"]
    (event,) = events(portal.url)
    assert event.mode == "compare"


def test_explorer_shows_the_chart_and_twenty_draws(portal):
    portal.user()
    at = portal.signed_in()
    goto(at, "sandbox-explorer")
    assert not at.exception
    assert at.selectbox(key="exp_context").value == "日本で一番高い山は、"
    table = at.dataframe[0].value
    assert "富士山" in list(table["次の単語"])
    at.slider(key="exp_top_p").set_value(0.5).run()
    assert any("top-p で絞り込み" in c.value or "切り捨てられ" in c.value for c in at.caption)
    at.button(key="exp_draw").click().run()
    result = next(c.value for c in at.caption if c.value.startswith("結果: "))
    counts = [int(part.rsplit("× ", 1)[1]) for part in result[len("結果: "):].split("、")]
    assert sum(counts) == 20
    assert events(portal.url) == []  # the practice model's explorer sends nothing
    # both charts draw their axis text in the theme's text colour, not Streamlit's faded grey
    import json

    specs = [json.loads(e.proto.spec) for e in at.get("vega_lite_chart")]
    assert len(specs) == 2
    assert all(s["config"]["axis"]["labelColor"] == s["config"]["axis"]["titleColor"] == "#0b1118" for s in specs)


# --- admin policy page ---------------------------------------------------------------------------------


def test_policy_page_is_admin_only_and_saves_a_blocking_category(portal):
    portal.user()
    portal.user(email="admin@example.com", role="admin", name="管理 太郎")
    learner_at = portal.signed_in()
    assert "admin-policy" not in nav_paths(learner_at)
    at = portal.signed_in(email="admin@example.com")
    assert "admin-policy" in nav_paths(at)
    goto(at, "admin-policy")
    assert not at.exception
    assert at.title[0].value == "リスクポリシーとサンドボックス設定"
    at.selectbox(key="pol_level_EMAIL").set_value("block")
    at.text_area(key="pol_terms").input("プロジェクト・オリオン")
    at.number_input(key="pol_requests").set_value(7)
    button(at, "保存する").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("保存しました")
    with session_scope(portal.url) as s:
        stored = s.execute(text("SELECT value FROM app_settings WHERE key = 'sandbox.risk_policy'")).scalar_one()
    stored = json.loads(stored) if isinstance(stored, str) else stored
    assert "EMAIL" in stored["block_categories"] and stored["organization_terms"] == ["プロジェクト・オリオン"]
    # the learner's next prompt with an e-mail address is now blocked
    at = portal.signed_in()
    goto(at, "sandbox")
    send(at, f"{EMAIL} に連絡して。")
    assert at.error[0].value.startswith("送信できません")
    assert any("リクエスト 7 / 7 回" in c.value for c in at.caption)


def test_a_wrong_api_key_is_not_charged_and_the_policy_page_says_the_endpoint_is_misconfigured(portal, endpoint):
    endpoint.set_mode("401")
    portal.user(email="admin@example.com", role="admin", name="管理 太郎")
    at = send(open_chat(portal), "生成AIの注意点を教えてください。")
    assert any("API キーが正しくないか無効です" in e.value for e in at.error)
    assert any("リクエスト 100 / 100 回" in c.value for c in at.caption)  # nothing used of the day's quota
    admin_at = portal.signed_in(email="admin@example.com")
    goto(admin_at, "admin-policy")
    assert not admin_at.exception
    (shown,) = [e.value for e in admin_at.error if "エンドポイントの設定に問題があります" in e.value]
    assert "HTTP 401" in shown and "fake-mini" in shown
    when = events(portal.url)[-1].created_at.astimezone(JST).strftime("%Y-%m-%d")
    assert f"最後のエラー: {when}" in shown


def test_explorer_uses_the_endpoints_logprobs_once_per_context(portal, endpoint):
    portal.user()
    at = portal.signed_in()
    goto(at, "sandbox-explorer")
    assert not at.exception
    assert at.radio(key="exp_source").value == "endpoint"
    assert any(c.value.startswith("「fake-mini」が返した上位") for c in at.caption)
    assert list(at.dataframe[0].value["次の単語"])[:2] == ["こんに", "候補1"]
    requests = endpoint.chat_requests  # the capability probe and one explorer request
    at.slider(key="exp_temperature").set_value(0.3).run()
    at.slider(key="exp_top_p").set_value(0.8).run()
    assert endpoint.chat_requests == requests  # the sliders re-weight the cached candidates
    (event,) = events(portal.url)
    assert (event.mode, event.outcome, event.risk_action) == ("explorer", "ok", "none")


def test_compare_holds_a_risky_prompt_until_it_is_masked(portal, endpoint):
    portal.user()
    at = portal.signed_in()
    goto(at, "sandbox-compare")
    at.radio(key="cmp_kind").set_value("temperatures").run()
    at.text_area(key="cmp_prompt").input(RISKY)
    button(at, "送信して比べる").click().run()
    assert not at.exception
    assert at.error[0].value.startswith("送信できません") and endpoint.chat_requests == 0
    at.button(key="cmp_review_mask").click().run()
    assert not at.exception
    assert [r["temperature"] for r in endpoint.requests] == [0.2, 1.3]
    assert all(MY_NUMBER not in r["messages"][-1]["content"] for r in endpoint.requests)
    headers = [m.value for m in at.markdown if m.value.startswith("**temperature ")]
    assert headers == ["**temperature 0.2**", "**temperature 1.3**"]
    assert [(e.outcome, e.risk_action) for e in events(portal.url)] == [
        ("blocked", "blocked"), ("ok", "masked"), ("ok", "masked")]


def test_controls_a_reasoning_model_rejects_are_disabled_with_a_note(portal, endpoint, monkeypatch):
    monkeypatch.setenv("PORTAL_LLM_MODELS", '["fake-mini", "o3-mini"]')
    get_settings.cache_clear()
    at = open_chat(portal)
    assert not at.slider(key="sb_temperature").disabled
    at.selectbox(key="sb_model").set_value("o3-mini").run()
    assert at.slider(key="sb_temperature").disabled and at.slider(key="sb_top_p").disabled
    assert any("推論モデルのため temperature を変更できません" in c.value for c in at.caption)
    send(at, "生成AIの注意点を教えてください。")
    body = endpoint.requests[-1]
    assert body["model"] == "o3-mini" and "temperature" not in body and "top_p" not in body
    assert chat_texts(at, "assistant")[0].startswith("こんにちは")
    assert (events(portal.url)[-1].temperature, events(portal.url)[-1].top_p) == (None, None)


# --- deep links from lessons (?prompt=) ------------------------------------------------------------


def test_a_lesson_deep_link_prefills_the_prompt_and_sends_nothing_until_asked(portal):
    portal.user()
    at = portal.signed_in()
    goto(at, "sandbox", prompt="会議の議事録を3行で要約してください。")
    assert not at.exception, at.exception
    box = next(a for a in at.text_area if a.label == "プロンプト")
    assert box.value == "会議の議事録を3行で要約してください。"
    assert chat_texts(at, "user") == [] and events(portal.url) == []  # prefilled, never auto-sent
    at.text_area(key="sb_prefill_text").set_value("会議の議事録を2行で要約してください。").run()
    button(at, "このプロンプトを送る").click().run()
    assert not at.exception, at.exception
    assert chat_texts(at, "user") == ["会議の議事録を2行で要約してください。"]  # the learner's edit is what is sent
    assert len(events(portal.url)) == 1
    assert not [a for a in at.text_area if a.label == "プロンプト"]  # the box is gone once used


def test_a_deep_link_prompt_can_be_discarded(portal):
    portal.user()
    at = portal.signed_in()
    goto(at, "sandbox", prompt="試しのプロンプト")
    button(at, "使わない").click().run()
    assert not [a for a in at.text_area if a.label == "プロンプト"]
    assert chat_texts(at, "user") == [] and events(portal.url) == []
