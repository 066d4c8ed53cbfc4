"""管理 > レッスン作成 through the real app script: an admin writes a lesson and its quiz in the
editor, sees the errors named and the preview as learners see it, publishes; a learner then
finds it in the course, and never sees a draft."""

from __future__ import annotations

from portal.authoring import service as authoring
from portal.db import session_scope
from support.apptest import goto

BODY = "## ルールの要点 {#rules}\n\n顧客名は入力しません。承認済みのサービスだけを使います。"


def button(at, label):
    return next(b for b in at.button if b.label == label)


def errors(at) -> str:
    return "\n".join(e.value for e in at.error)


def test_an_admin_writes_previews_and_publishes_a_lesson_with_a_quiz_and_a_learner_sees_it(portal):
    portal.user(email="admin@example.com", role="admin", name="管理 太郎")
    portal.user()
    at = portal.signed_in("admin@example.com")
    goto(at, "admin-authoring")
    assert not at.exception, at.exception
    assert at.title[0].value == "レッスン作成"
    at.text_input(key="au_new_id").input("company-rules")
    at.text_input(key="au_new_title").input("当社の生成AI利用ルール")
    button(at, "下書きを作成").click().run()
    assert not at.exception, at.exception
    assert any("下書き「company-rules」を作成しました" in s.value for s in at.success)

    # an empty summary and objectives are named by field; raw HTML by line; publishing is disabled
    at.text_area(key="au_company-rules_body").input(BODY + "\n\n<script>alert(1)</script>").run()
    assert "company-rules.md summary" in errors(at) and "company-rules.md objectives" in errors(at)
    assert button(at, "公開").disabled

    at.text_input(key="au_company-rules_summary").input("当社で使ってよいサービスと入力してはいけない情報")
    at.text_area(key="au_company-rules_objectives").input("承認済みのサービスを挙げられる\n入力してはいけない情報を判断できる")
    at.run()
    assert "raw HTML on line 16 is not allowed" in errors(at)  # the line of the file
    at.text_area(key="au_company-rules_body").input(BODY).run()
    assert not at.error, errors(at)

    # two questions through the per-type forms
    at.selectbox(key="au_company-rules_qtype").set_value("true_false").run()
    at.text_input(key="au_company-rules_q_id").input("customer-name")
    at.selectbox(key="au_company-rules_q_section").set_value("rules")
    at.text_area(key="au_company-rules_q_prompt").input("顧客名を含む議事録を、そのまま要約させてよい。")
    at.radio(key="au_company-rules_q_answer").set_value(False)
    at.text_area(key="au_company-rules_q_explanation").input("顧客名は入力してはいけない情報です。")
    button(at, "問題を追加").click().run()
    assert not at.exception, at.exception
    at.selectbox(key="au_company-rules_qtype").set_value("single").run()
    at.text_input(key="au_company-rules_q_id").input("approved")
    at.text_area(key="au_company-rules_q_prompt").input("使ってよいサービスはどれですか。")
    at.text_area(key="au_company-rules_q_options").input("承認済みのサービス\n個人の無料アカウント")
    at.text_input(key="au_company-rules_q_answer").input("1")
    at.text_area(key="au_company-rules_q_explanation").input("承認済みのサービスだけを使います。")
    button(at, "問題を追加").click().run()
    assert not at.exception, at.exception
    bank = at.text_area(key="au_company-rules_quiz").value
    assert "id: customer-name" in bank and "answer: a" in bank and "lesson_id: company-rules" in bank
    assert at.text_input(key="au_company-rules_quiz_id").value == "company-rules-quiz"
    assert not at.error, errors(at)

    # the preview is the learners' renderer: title, objectives, the section heading, the body
    assert "当社の生成AI利用ルール" in [t.value for t in at.title]
    assert "ルールの要点" in [h.value for h in at.header]
    assert any("顧客名は入力しません" in m.value for m in at.markdown)

    button(at, "下書き保存").click().run()
    assert any("下書きを保存しました" in s.value for s in at.success)
    learner = portal.signed_in()
    assert not any("当社の生成AI利用ルール" in m.value for m in learner.markdown)  # a draft never reaches learners
    goto(learner, "lesson", id="company-rules")  # not by its URL either
    assert "当社の生成AI利用ルール" not in [t.value for t in learner.title]
    assert any("company-rules" in w.value for w in learner.warning)

    button(at, "公開").click().run()
    assert not at.exception, at.exception
    assert any("第 1 版として公開しました" in s.value for s in at.success)
    with session_scope(portal.url) as s:
        actions = [e.action for e in authoring.history(s, _admin(portal), "company-rules")]
    assert actions == ["published", "saved", "created"]

    learner = portal.signed_in()
    assert any(m.value.endswith(". 当社の生成AI利用ルール**") for m in learner.markdown)
    goto(learner, "lesson", id="company-rules")
    assert not learner.exception, learner.exception
    assert learner.title[0].value == "当社の生成AI利用ルール"
    assert any(p.proto.label == "確認クイズに進む" for p in learner.get("page_link"))


def test_the_editor_is_not_offered_to_a_learner(portal):
    portal.user()
    at = portal.signed_in()
    goto(at, "admin-authoring")
    assert "レッスン作成" not in [t.value for t in at.title]


def _admin(portal):
    from portal.accounts.roles import CurrentUser
    from portal.accounts.service import find_user

    with session_scope(portal.url) as s:
        return CurrentUser.from_model(find_user(s, "admin@example.com"))


TEMPLATE = """---
id: ai-usage-rules
title: 生成AI利用ルール(ひな形)
order: 90
reading_minutes: 5
summary: 当社の生成AI利用ルール。[ ] を自社の内容に書き換えてください。
objectives:
  - 当社のルールを説明できる
---

## 使ってよいサービス {#services}

[承認済みサービスの一覧の場所] を確かめます。
"""
def _png() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


PNG = _png()


def test_an_admin_adopts_the_template_edits_the_org_terms_beside_it_and_its_image_shows(portal, tmp_path, monkeypatch):
    import shutil

    from portal.config import REPO_ROOT, get_settings
    from portal.sandbox import load_policy

    for kind in ("content", "quizzes"):
        shutil.copytree(REPO_ROOT / kind / "ja", tmp_path / kind / "ja")
        (tmp_path / kind / "templates" / "ja").mkdir(parents=True)
    (tmp_path / "content" / "templates" / "ja" / "ai-usage-rules.md").write_text(TEMPLATE, encoding="utf-8")
    monkeypatch.setenv("PORTAL_CONTENT_DIR", str(tmp_path / "content" / "ja"))
    monkeypatch.setenv("PORTAL_QUIZ_DIR", str(tmp_path / "quizzes" / "ja"))
    get_settings.cache_clear()
    portal.user(email="admin@example.com", role="admin", name="管理 太郎")
    portal.user()
    at = portal.signed_in("admin@example.com")
    goto(at, "admin-authoring")
    button(at, "ひな形「ai-usage-rules」を採用").click().run()
    assert not at.exception, at.exception
    assert any("ひな形から下書き「ai-usage-rules」を作成しました。" in s.value for s in at.success)
    assert at.text_input(key="au_ai-usage-rules_title").value == "生成AI利用ルール(ひな形)"

    # beside the policy lesson: the risk checklist's own terms, the policy page's setting
    at.text_area(key="au_terms_text").input("プロジェクト・オリオン\n株式会社サンプル商事")
    button(at, "用語を保存").click().run()
    assert any("組織固有の用語を保存しました" in s.value for s in at.success)
    with session_scope(portal.url) as s:
        assert load_policy(s).risk.organization_terms == ["プロジェクト・オリオン", "株式会社サンプル商事"]

    # an image: refused when it is not one by its content, else stored and shown in the lesson
    at.file_uploader(key="au_image_upload").set_value(("chart.png", b"<svg onload=alert(1)>", "image/png")).run()
    button(at, "アップロード").click().run()
    assert "not a PNG, JPEG, GIF or WebP image" in errors(at)
    at.file_uploader(key="au_image_upload").set_value(("chart.png", PNG, "image/png")).run()
    button(at, "アップロード").click().run()
    assert any("![説明](image:chart.png)" in s.value for s in at.success)
    body = at.text_area(key="au_ai-usage-rules_body")
    body.input(body.value + "\n![社内ポータルの画面](image:chart.png)\n").run()
    assert not at.error, errors(at)
    button(at, "公開").click().run()
    assert any("第 1 版として公開しました" in s.value for s in at.success)

    learner = portal.signed_in()
    goto(learner, "lesson", id="ai-usage-rules")
    assert not learner.exception, learner.exception
    assert learner.title[0].value == "生成AI利用ルール(ひな形)"
    (image,) = learner.get("image")  # st.image, from the stored bytes (no HTML)
    assert image.captions == ["社内ポータルの画面"] and "/media/" in image.value[0]
