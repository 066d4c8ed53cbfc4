"""Journey 10: every page of the portal passes axe-core's WCAG 2.1 A/AA rules (no serious or
critical violation that is ours; e2e/axe.py keeps the short allow-list of Streamlit's own).

Visited, in the states a learner and an admin meet them: sign-in, first-run setup, course,
lesson (and an optional lesson beyond the article, with its badges), quiz (start, questions,
result with review), results, glossary, the three sandbox pages
(the chat also with the risk checklist's table and with an answer), each dashboard tab, user
management (both tabs), the policy page (three tabs) and the password page.
"""

from __future__ import annotations

from playwright.sync_api import expect

from e2e.harness import REPO
from e2e.quiz_answers import answer_all, complete_lesson_1, open_attempt, quiz_file
from portal.i18n import t
from portal.learning.content import load_course

ADMIN_PASSWORD = "Blue-river-42-sky"
PASSWORD = "Green-tea-2024-cup"
EMAIL = "tanaka.ichiro@example.co.jp"
MY_NUMBER = "1234 5678 9018"


def test_every_page_passes_axe_wcag21_aa(portal, app, a11y):
    # signed out, before the first admin exists: sign-in (with its setup hint) and setup
    expect(app.title()).to_have_text(t("app.title"))
    a11y(app, "01-sign-in")
    app.follow(t("nav.setup"))
    expect(app.title()).to_have_text(t("setup.title"))
    a11y(app, "02-setup")

    admin = portal.create_user(name="管理 太郎", email="kanri@example.com", password=ADMIN_PASSWORD, role="admin",
                               department="人事部", employee_id="A001")
    learner = portal.create_user(name="学習 花子", email="hanako@example.com", password=PASSWORD, department="営業部")
    complete_lesson_1(portal.database_url, learner)  # the dashboard then has charts to draw
    app.goto("")
    app.sign_in("kanri@example.com", ADMIN_PASSWORD)

    # 学ぶ
    expect(app.title()).to_have_text(t("course.title"))
    a11y(app, "03-course")
    lesson = load_course(REPO / "content" / "ja").lessons[0]
    app.click("開く", within=app.block(app.page.get_by_text(f"1. {lesson.title}", exact=True),
                                     app.page.get_by_role("button", name="開く")))
    expect(app.title()).to_have_text(lesson.title)
    a11y(app, "04-lesson")
    # an optional lesson beyond the article: its 任意 / 元記事の範囲外 badges and notes in their colours
    app.goto("lesson?id=prompt-injection")
    expect(app.title()).to_have_text(load_course(REPO / "content" / "ja").get("prompt-injection").title)
    expect(app.main.get_by_text(t("course.beyond_source")).first).to_be_visible()
    a11y(app, "04b-optional-lesson")
    app.goto("lesson?id=what-is-llm")
    expect(app.title()).to_have_text(lesson.title)
    quiz = quiz_file("01-what-is-llm.yaml")
    app.follow(t("lesson.take_quiz"))
    expect(app.title()).to_have_text(quiz.meta.title)
    a11y(app, "05-quiz-start")
    app.click(t("quiz.start"))
    _, drawn = open_attempt(portal.database_url, admin.id, quiz)
    a11y(app, "06-quiz-questions")
    answer_all(app, quiz, drawn, right=False)
    app.click(t("quiz.submit"))
    expect(app.main.get_by_role("heading", name=t("quiz.review"))).to_be_visible()
    a11y(app, "07-quiz-result")
    for label, name in ((t("nav.results"), "08-results"), (t("nav.glossary"), "09-glossary")):
        app.nav(label)
        a11y(app, name)

    # 試す
    app.nav(t("nav.sandbox.chat"))
    a11y(app, "10-sandbox-chat")
    app.chat(f"次のあて先に研修の案内を送ってください。メールアドレス: {EMAIL} マイナンバー: {MY_NUMBER}")
    expect(app.main.get_by_test_id("stDataFrame")).to_be_visible()
    a11y(app, "11-sandbox-chat-checklist")
    app.click("マスクして送信")
    expect(app.main.get_by_test_id("stChatMessage")).to_have_count(2)
    a11y(app, "12-sandbox-chat-answer")
    for label, name in ((t("nav.sandbox.compare"), "13-sandbox-compare"),
                        (t("nav.sandbox.explorer"), "14-sandbox-explorer")):
        app.nav(label)
        a11y(app, name)

    # 管理
    app.nav(t("stats.nav"))
    for i, key in enumerate(("overview", "due", "people", "quizzes", "sandbox", "exports")):
        app.tab(t(f"stats.tab.{key}"), reruns=i > 0)
        a11y(app, f"15-dashboard-{i + 1}-{key}")
    app.nav(t("nav.admin.users"))
    a11y(app, "16-users-list")
    app.tab(t("users.tab.import"))
    a11y(app, "17-users-import")
    app.nav(t("nav.admin.policy"))
    for i, key in enumerate(("policy", "users", "history")):
        app.tab(t(f"sandbox.admin.tab.{key}"))
        a11y(app, f"18-policy-{i + 1}-{key}")
    app.nav(t("nav.admin.authoring"))  # the template adopted: the editor with its preview
    new = app.tab(t("authoring.tab.list"))
    app.click(t("authoring.templates.adopt", id="ai-usage-rules"), within=new)
    for i, key in enumerate(("lesson", "quiz", "preview", "history")):
        app.tab(t("authoring.tab.editor"))
        app.tab(t(f"authoring.tab.{key}"))
        a11y(app, f"18b-authoring-{i + 1}-{key}")
    app.nav(t("nav.password"))
    a11y(app, "19-password")
    app.goto("no-such-page")  # the catch-all page of ours (journey 14)
    expect(app.title()).to_have_text(t("notfound.title.unknown"))
    a11y(app, "20-not-found")
    a11y.assert_clean()
