"""Answering a quiz attempt in the browser, right or wrong on purpose.

The test knows the right answers the way the product owner allowed: it reads the quiz YAML and
the attempt's drawn questions from the database. It then answers through the widgets a learner
uses (radio buttons, checkboxes, selectboxes, number inputs), found by their visible labels.
"""

from __future__ import annotations

import uuid
from typing import Any

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect
from sqlalchemy import select

from e2e.harness import REPO
from e2e.streamlit_page import App
from portal.db import session_scope
from portal.i18n import t
from portal.db.models import QuizAttempt
from portal.learning import attempts, progress
from portal.learning.content import load_course
from portal.learning.quiz import (
    Matching,
    MultipleChoice,
    Numeric,
    Ordering,
    Quiz,
    SingleChoice,
    TrueFalse,
    correct_response,
    load_quiz,
)


def quiz_file(name: str, lang: str = "ja") -> Quiz:
    quiz, problems = load_quiz(REPO / "quizzes" / lang / name)
    assert quiz is not None, problems
    return quiz


def open_attempt(database_url: str, user_id: int, quiz: Quiz) -> tuple[int, list[str]]:
    """The learner's unfinished attempt: its id and drawn question ids, in display order."""
    with session_scope(database_url) as session:
        attempt = session.scalars(
            select(QuizAttempt).where(QuizAttempt.user_id == user_id, QuizAttempt.quiz_id == quiz.id,
                                      QuizAttempt.status == "in_progress")
        ).one()
        assert attempt.quiz_version == quiz.version
        return attempt.id, list(attempt.question_ids)


def wrong_response(question) -> Any:
    """A response that earns no credit at all."""
    if isinstance(question, SingleChoice):
        return next(o for o in question.option_ids() if o != question.answer)
    if isinstance(question, MultipleChoice):
        return [next(o for o in question.option_ids() if o not in question.answer)]
    if isinstance(question, TrueFalse):
        return not question.answer
    if isinstance(question, Ordering):
        rotated = question.answer[1:] + question.answer[:1]  # every item one place off
        return rotated
    if isinstance(question, Matching):
        ids = [p.id for p in question.pairs]
        return dict(zip(ids, ids[1:] + ids[:1]))  # every left paired with the next right
    if isinstance(question, Numeric):
        return question.answer + 10 * (question.tolerance + 1) + 10
    raise TypeError(type(question))


def answer(app: App, number: int, question, response: Any) -> None:
    """Enter ``response`` for the question shown as 問<number>. (inside the quiz form: no reruns)."""
    box = app.block(app.page.get_by_text(t("quiz.question_n", lang=app.lang, n=number), exact=True))
    if isinstance(question, (SingleChoice, TrueFalse)):
        label = question.option_text(response) if isinstance(question, SingleChoice) else \
            t("quiz.true" if response else "quiz.false", lang=app.lang)
        radio = box.get_by_role("radio", name=label, exact=True)
        box.get_by_text(label, exact=True).click()
        expect(radio).to_be_checked()
    elif isinstance(question, MultipleChoice):
        for oid in question.option_ids():
            checkbox = box.get_by_role("checkbox", name=question.option_text(oid), exact=True)
            if (oid in response) != checkbox.is_checked():
                box.get_by_text(question.option_text(oid), exact=True).click()
            expect(checkbox).to_be_checked(checked=oid in response)
    elif isinstance(question, Ordering):
        for position, oid in enumerate(response, 1):
            _choose(app, box, t("quiz.position", lang=app.lang, n=position), question.option_text(oid))
    elif isinstance(question, Matching):
        rights = {p.id: p.right for p in question.pairs}
        for pair in question.pairs:
            _choose(app, box, pair.left, rights[response[pair.id]])
    elif isinstance(question, Numeric):
        field = box.get_by_role("spinbutton")
        field.fill(f"{response:g}")
        field.press("Tab")
        expect(field).to_have_value(f"{response:g}")
    else:
        raise TypeError(type(question))


def _choose(app: App, box, label: str, option: str) -> None:
    # found by its visible label, not by ARIA role: an open drop-down hides the other boxes
    # from the accessibility tree
    label_element = app.page.get_by_test_id("stWidgetLabel").get_by_text(label, exact=True)
    select_option(app, box.get_by_test_id("stSelectbox").filter(has=label_element).locator("input"), option)


def select_option(app: App, combo, option: str, attempts: int = 4) -> None:
    """Open a Streamlit selectbox and pick ``option``. The drop-down sometimes closes again right
    after opening (a scroll event from bringing the box into view closes it): open it until it
    stays open, bounded, each try waiting on the widget's own aria-expanded state."""
    combo.scroll_into_view_if_needed()
    for attempt in range(attempts):
        combo.click()
        try:
            expect(combo).to_have_attribute("aria-expanded", "true", timeout=3_000)
            app.page.get_by_role("listbox").get_by_role("option", name=option, exact=True).click(timeout=3_000)
            expect(combo).to_have_value(option, timeout=3_000)
            return
        except (AssertionError, PlaywrightTimeoutError):
            if attempt == attempts - 1:
                raise
            combo.press("Escape")


def answer_all(app: App, quiz: Quiz, question_ids: list[str], *, right: bool) -> None:
    for number, qid in enumerate(question_ids, 1):
        question = quiz.question(qid)
        answer(app, number, question, correct_response(question) if right else wrong_response(question))


def complete_lesson_1(database_url: str, learner) -> None:
    """What journey 2 does in the browser, done through the services: read lesson 1, pass its quiz."""
    lesson = load_course(REPO / "content" / "ja").lessons[0]
    quiz = quiz_file("01-what-is-llm.yaml")
    with session_scope(database_url) as session:
        progress.mark_read(session, learner, lesson)
        attempt = attempts.start_attempt(session, learner, quiz)
        attempt_id, drawn = attempt.id, list(attempt.question_ids)
    with session_scope(database_url) as session:
        answers = {qid: correct_response(quiz.question(qid)) for qid in drawn}
        result = attempts.submit(session, learner, quiz, attempt_id, answers, uuid.uuid4().hex)
    assert result.passed
