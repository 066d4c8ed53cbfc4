"""Journey 2: a learner reads lesson 1 (its contents, the link to lesson 2 and back, by keyboard),
marks it read, fails its quiz, reviews, retakes and passes; the course then shows the lesson
completed and the progress bar moved."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from e2e.harness import REPO
from e2e.quiz_answers import answer_all, open_attempt, quiz_file
from portal.learning.content import load_course

PASSWORD = "Green-tea-2024-cup"


def test_learner_reads_fails_reviews_retakes_and_passes(portal, app):
    course = load_course(REPO / "content" / "ja")
    total = len(course.required_lessons)  # "0 / 13": optional lessons (任意) do not count
    lesson = course.lessons[0]
    quiz = quiz_file("01-what-is-llm.yaml")
    assert quiz.meta.lesson_id == lesson.id
    learner = portal.create_user(name="学習 花子", email="hanako@example.com", password=PASSWORD, department="営業部")

    app.sign_in("hanako@example.com", PASSWORD)
    expect(app.title()).to_have_text(re.compile("^コース"))
    bar = app.main.get_by_role("progressbar")
    expect(app.main.get_by_text(f"修了 0 / {total} レッスン(0%)")).to_be_visible()
    expect(bar).to_have_attribute("aria-valuenow", "0")
    card = app.block(app.page.get_by_text(f"1. {lesson.title}", exact=True), app.page.get_by_role("button", name="開く"))
    expect(card).to_contain_text("未着手")

    # read lesson 1 and mark it read
    app.click("開く", within=card)
    expect(app.title()).to_have_text(lesson.title)
    expect(app.main.get_by_text("このレッスンの目標")).to_be_visible()
    expect(app.main.get_by_text("まとめ", exact=True)).to_be_visible()
    # the contents link to the sections; the last lesson link goes to lesson 2 and back again
    first_section = lesson.sections[0]
    expect(app.main.get_by_role("link", name=f"1. {first_section.title}", exact=True)).to_have_attribute(
        "href", f"#{first_section.id}")
    expect(app.main.get_by_role("link", name=re.compile("^前へ"))).to_have_count(0)
    app.follow(f"次へ:{course.lessons[1].title}")
    expect(app.title()).to_have_text(course.lessons[1].title)
    app.follow(f"前へ:{lesson.title}")
    expect(app.title()).to_have_text(lesson.title)
    app.click("読み終えた")
    expect(app.main.get_by_text(re.compile(r"\d{4}-\d{2}-\d{2} に読了"))).to_be_visible()
    expect(app.main.get_by_role("button", name="読み終えた")).to_have_count(0)

    # first attempt: every answer wrong (the quiz is a link from the lesson)
    app.follow("確認クイズに進む")
    expect(app.title()).to_have_text(quiz.meta.title)
    app.click("クイズを始める")
    _, drawn = open_attempt(portal.database_url, learner.id, quiz)
    assert len(drawn) == quiz.draw_count
    answer_all(app, quiz, drawn, right=False)
    app.click("採点する")
    expect(app.main.get_by_text("得点 0%(合格は 80% 以上)。解説を読んで、もう一度挑戦しましょう。")).to_be_visible()

    # the review: each question with the learner's answer, the right one and why
    expect(app.main.get_by_role("heading", name="振り返り")).to_be_visible()
    expect(app.main.get_by_text("あなたの回答:")).to_have_count(len(drawn))
    expect(app.main.get_by_text("正解:")).to_have_count(len(drawn))
    first = quiz.question(drawn[0])
    expect(app.main.get_by_text(first.explanation.split("。")[0])).to_be_visible()

    # retake: a fresh draw, answered right
    app.click("もう一度受ける")
    attempt_id, drawn = open_attempt(portal.database_url, learner.id, quiz)
    answer_all(app, quiz, drawn, right=True)
    app.click("採点する")
    expect(app.main.get_by_text("合格です!得点 100%。このレッスンの確認クイズに合格しました。")).to_be_visible()
    expect(app.main.get_by_text("正解:")).to_have_count(0)

    # the course: lesson 1 completed, the bar moved
    app.nav("コース")
    pct = round(100 / total)
    expect(app.main.get_by_text(f"修了 1 / {total} レッスン({pct}%)")).to_be_visible()
    expect(bar).to_have_attribute("aria-valuenow", str(pct))
    card = app.block(app.page.get_by_text(f"1. {lesson.title}", exact=True), app.page.get_by_role("button", name="開く"))
    expect(card).to_contain_text("修了")
    expect(card).to_contain_text("クイズ最高 100%")
    expect(app.main.get_by_role("button", name=f"続きから学ぶ:{course.lessons[1].title}", exact=True)).to_be_visible()
