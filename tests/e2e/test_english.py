"""Journey 9, English: a browser that prefers English gets the sign-in page in English, and
the choice is kept on the account; the learner reads lesson 1 in English, passes its English
quiz (the same question ids as the Japanese one), and sends a flagged prompt in the sandbox,
where the risk checklist speaks English too."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from e2e.harness import REPO
from e2e.quiz_answers import answer_all, open_attempt, quiz_file
from portal.db import session_scope
from portal.db.models import QuizAttempt, User
from portal.i18n import t
from portal.learning.content import load_course

PASSWORD = "Green-tea-2024-cup"
EMAIL = "tanaka.ichiro@example.co.jp"


def en(key: str, **params) -> str:
    return t(key, lang="en", **params)


def test_an_english_journey_read_quiz_sandbox(portal, new_app):
    course = load_course(REPO / "content" / "en")
    lesson = course.lessons[0]
    quiz_en, quiz_ja = quiz_file("01-what-is-llm.yaml", "en"), quiz_file("01-what-is-llm.yaml")
    learner = portal.create_user(name="Emma Brown", email="emma@example.com", password=PASSWORD, department="Sales")
    app = new_app(portal, locale="en-US")

    # the sign-in page follows the browser's language; signing in stores it on the account
    expect(app.main.get_by_role("button", name=en("login.submit"), exact=True)).to_be_visible()
    app.sign_in("emma@example.com", PASSWORD, success=False)
    app.expect_signed_in(re.compile("Emma Brown"))
    with session_scope(portal.database_url) as s:
        assert s.get(User, learner.id).language == "en"
    expect(app.title()).to_have_text(en("course.title"))

    # read lesson 1 in English and mark it read
    card = app.block(app.page.get_by_text(f"1. {lesson.title}", exact=True),
                     app.page.get_by_role("button", name=en("course.open")))
    app.click(en("course.open"), within=card)
    expect(app.title()).to_have_text("What is an LLM?")
    expect(app.main.get_by_role("heading", name="Where LLMs sit inside AI")).to_be_visible()
    app.click(en("lesson.mark_read"))
    expect(app.main.get_by_text(re.compile(r"Read on \d{4}-\d{2}-\d{2}"))).to_be_visible()

    # the English quiz: the same quiz and version as the Japanese one, answered in English
    assert quiz_en.version != quiz_ja.version  # two files ...
    app.follow(en("lesson.take_quiz"))
    expect(app.title()).to_have_text(quiz_en.meta.title)
    app.click(en("quiz.start"))
    _, drawn = open_attempt(portal.database_url, learner.id, quiz_ja)  # ... one quiz version (checked there)
    answer_all(app, quiz_en, drawn, right=True)
    app.click(en("quiz.submit"))
    expect(app.main.get_by_text(en("quiz.result_pass", pct=100))).to_be_visible()

    # the sandbox: the risk checklist finds the e-mail address and explains in English
    app.nav(en("nav.sandbox.chat"))
    app.chat(f"Please send the training invitation to this address: {EMAIL}")
    expect(app.main.get_by_role("button", name=en("sandbox.review.mask"), exact=True)).to_be_visible()
    with app.recording():
        app.click(en("sandbox.review.mask"))
    question = app.main.get_by_test_id("stChatMessage").nth(0)
    expect(question).not_to_contain_text(EMAIL)
    expect(question).to_contain_text(re.compile(r"Masked before sending"))
    expect(app.main.get_by_test_id("stChatMessage")).to_have_count(2)  # the practice model answered
    with session_scope(portal.database_url) as s:
        attempt = s.scalars(select(QuizAttempt).where(QuizAttempt.user_id == learner.id)).one()
        assert attempt.passed and attempt.quiz_id == "what-is-llm" and attempt.quiz_version == quiz_ja.version

