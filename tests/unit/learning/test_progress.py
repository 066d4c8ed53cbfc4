"""Reading progress and the completion rules, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import threading

import pytest
from sqlalchemy import func, select

from portal.accounts.roles import PermissionDenied
from portal.config import REPO_ROOT
from portal.db import session_scope
from portal.db.models import LessonProgress
from portal.learning import attempts, progress
from portal.learning.content import load_course
from portal.learning.progress import Status, compute_status
from portal.learning.quiz import correct_response, load_quizzes
from quizkit import make_users

COURSE = load_course(REPO_ROOT / "content" / "ja")
QUIZZES, _ = load_quizzes(REPO_ROOT / "quizzes" / "ja")
LESSON = COURSE.get("parameters")


def rows(url, user, lesson_id=LESSON.id):
    with session_scope(url) as s:
        return s.scalars(select(LessonProgress).where(LessonProgress.user_id == user.id,
                                                      LessonProgress.lesson_id == lesson_id)).all()


def states(url, user):
    with session_scope(url) as s:
        return progress.course_states(s, user, COURSE)


def take_quiz(url, user, quiz, *, right: bool, key: str):
    with session_scope(url) as s:
        attempt = attempts.start_attempt(s, user, quiz)
        responses = {qid: correct_response(quiz.question(qid)) for qid in attempt.question_ids} if right else {}
        return attempts.submit(s, user, quiz, attempt.id, responses, key)


def test_mark_read_twice_records_one_row_and_keeps_the_first_time(db_url):
    (user,) = make_users(db_url)
    with session_scope(db_url) as s:
        assert progress.mark_read(s, user, LESSON) is True
    first = rows(db_url, user)
    with session_scope(db_url) as s:
        assert progress.mark_read(s, user, LESSON) is False
    again = rows(db_url, user)
    assert len(first) == len(again) == 1
    assert again[0].read_at == first[0].read_at
    assert again[0].content_version == LESSON.version


def test_opening_then_reading_uses_the_same_row(db_url):
    (user,) = make_users(db_url)
    for _ in range(3):
        with session_scope(db_url) as s:
            progress.record_opened(s, user, LESSON)
    assert len(rows(db_url, user)) == 1 and rows(db_url, user)[0].read_at is None
    with session_scope(db_url) as s:
        progress.mark_read(s, user, LESSON)
    (row,) = rows(db_url, user)
    assert row.read_at is not None


def test_open_lesson_records_once_and_returns_the_lesson_state(db_url):
    (user,) = make_users(db_url)
    for _ in range(3):  # every rerun of the lesson page
        with session_scope(db_url) as s:
            st = progress.open_lesson(s, user, COURSE, LESSON)
        assert (st.lesson_id, st.status, st.read_at) == (LESSON.id, Status.IN_PROGRESS, None)
    assert len(rows(db_url, user)) == 1
    with session_scope(db_url) as s:
        progress.mark_read(s, user, LESSON)
        st = progress.open_lesson(s, user, COURSE, LESSON)
    assert st.status == Status.QUIZ_PENDING and st.read_version == LESSON.version
    updated = dataclasses.replace(LESSON, version="fedcba9876543210")
    with session_scope(db_url) as s:
        st = progress.open_lesson(s, user, COURSE, updated)
    assert st.read_version == LESSON.version  # read before the update: still read, and told so
    assert len(rows(db_url, user)) == 2


def test_lesson_state_reads_the_same_state_as_the_course_and_whether_this_version_is_recorded(db_url):
    (user,) = make_users(db_url)
    other = COURSE.lessons[0]

    def lesson_state(lesson=LESSON):
        with session_scope(db_url, readonly=True) as s:
            return progress.lesson_state(s, user, COURSE, lesson)

    st, recorded = lesson_state()
    assert not recorded and st == states(db_url, user)[LESSON.id] and st.status == Status.NOT_STARTED
    with session_scope(db_url) as s:
        progress.mark_read(s, user, other)  # another lesson's row is not this lesson's
    assert lesson_state() == (states(db_url, user)[LESSON.id], False)
    take_quiz(db_url, user, QUIZZES[LESSON.meta.quiz_id], right=False, key="fail")
    take_quiz(db_url, user, QUIZZES[LESSON.meta.quiz_id], right=True, key="pass")
    with session_scope(db_url) as s:
        progress.mark_read(s, user, LESSON)
    st, recorded = lesson_state()
    assert recorded and st == states(db_url, user)[LESSON.id]
    assert (st.status, st.attempts, st.passed, st.best_score) == (Status.COMPLETED, 2, True, 1.0)
    assert st.read_at is not None and st.read_at.tzinfo is not None
    updated = dataclasses.replace(LESSON, version="fedcba9876543210")
    st, recorded = lesson_state(updated)
    assert not recorded and st.read_version == LESSON.version  # read before the update


def test_a_new_content_version_gets_a_new_row(db_url):
    (user,) = make_users(db_url)
    updated = dataclasses.replace(LESSON, version="0123456789abcdef")
    with session_scope(db_url) as s:
        progress.mark_read(s, user, LESSON)
    with session_scope(db_url) as s:
        progress.record_opened(s, user, updated)
    st = states(db_url, user)[LESSON.id]
    assert st.read_version == LESSON.version  # still read (an older version counts)
    with session_scope(db_url) as s:
        assert progress.mark_read(s, user, updated) is True
    found = rows(db_url, user)
    assert sorted(r.content_version for r in found) == sorted([LESSON.version, updated.version])
    assert all(r.read_at is not None for r in found)
    assert states(db_url, user)[LESSON.id].read_version == updated.version


def test_reading_is_per_user(db_url):
    hanako, taro = make_users(db_url, 2)
    with session_scope(db_url) as s:
        progress.mark_read(s, hanako, LESSON)
    assert states(db_url, hanako)[LESSON.id].status == Status.QUIZ_PENDING
    assert states(db_url, taro)[LESSON.id].status == Status.NOT_STARTED
    assert rows(db_url, taro) == []


def test_concurrent_mark_read_records_one_row(db_url):
    (user,) = make_users(db_url)
    barrier = threading.Barrier(8)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            with session_scope(db_url) as s:
                results.append(progress.mark_read(s, user, LESSON))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert len(rows(db_url, user)) == 1
    assert results.count(True) == 1 and results.count(False) == 7


def test_status_follows_the_learner_through_a_lesson(db_url):
    (user,) = make_users(db_url)
    quiz = QUIZZES[LESSON.meta.quiz_id]
    assert states(db_url, user)[LESSON.id].status == Status.NOT_STARTED
    with session_scope(db_url) as s:
        progress.record_opened(s, user, LESSON)
    assert states(db_url, user)[LESSON.id].status == Status.IN_PROGRESS
    with session_scope(db_url) as s:
        progress.mark_read(s, user, LESSON)
    assert states(db_url, user)[LESSON.id].status == Status.QUIZ_PENDING
    take_quiz(db_url, user, quiz, right=False, key="fail-1")
    st = states(db_url, user)[LESSON.id]
    assert (st.status, st.attempts, st.passed, st.best_score) == (Status.QUIZ_PENDING, 1, False, 0.0)
    take_quiz(db_url, user, quiz, right=True, key="pass-1")
    st = states(db_url, user)[LESSON.id]
    assert (st.status, st.attempts, st.passed, st.best_score) == (Status.COMPLETED, 2, True, 1.0)
    take_quiz(db_url, user, quiz, right=False, key="fail-2")  # a later failure does not undo the pass
    st = states(db_url, user)[LESSON.id]
    assert (st.status, st.attempts, st.best_score) == (Status.COMPLETED, 3, 1.0)


def test_passing_the_quiz_without_reading_is_not_completion(db_url):
    (user,) = make_users(db_url)
    take_quiz(db_url, user, QUIZZES[LESSON.meta.quiz_id], right=True, key="k")
    st = states(db_url, user)[LESSON.id]
    assert st.passed and st.status == Status.IN_PROGRESS
    with session_scope(db_url) as s:
        progress.mark_read(s, user, LESSON)
    assert states(db_url, user)[LESSON.id].status == Status.COMPLETED


def test_a_lesson_without_a_quiz_is_completed_by_reading(db_url):
    (user,) = make_users(db_url)
    no_quiz = dataclasses.replace(LESSON, meta=LESSON.meta.model_copy(update={"quiz_id": None}))
    course = dataclasses.replace(COURSE, lessons=[no_quiz])
    with session_scope(db_url) as s:
        progress.mark_read(s, user, no_quiz)
        assert progress.course_states(s, user, course)[LESSON.id].status == Status.COMPLETED


def test_completion_ratio_counts_completed_lessons(db_url):
    (user,) = make_users(db_url)
    assert progress.completion_ratio(COURSE, states(db_url, user)) == 0.0
    with session_scope(db_url) as s:
        progress.mark_read(s, user, LESSON)
    take_quiz(db_url, user, QUIZZES[LESSON.meta.quiz_id], right=True, key="k")
    assert progress.completion_ratio(COURSE, states(db_url, user)) == pytest.approx(1 / len(COURSE.required_lessons))


def test_anonymous_callers_are_refused(db_url):
    with session_scope(db_url) as s:
        with pytest.raises(PermissionDenied):
            progress.mark_read(s, None, LESSON)
        with pytest.raises(PermissionDenied):
            progress.course_states(s, None, COURSE)
        assert s.scalar(select(func.count()).select_from(LessonProgress)) == 0


@pytest.mark.parametrize(
    "read, opened, passed, has_quiz, attempts_, expected",
    [
        (False, False, False, True, 0, Status.NOT_STARTED),
        (False, True, False, True, 0, Status.IN_PROGRESS),
        (False, False, False, True, 1, Status.IN_PROGRESS),
        (False, True, True, True, 1, Status.IN_PROGRESS),
        (True, True, False, True, 0, Status.QUIZ_PENDING),
        (True, True, False, True, 2, Status.QUIZ_PENDING),
        (True, True, True, True, 1, Status.COMPLETED),
        (True, True, False, False, 0, Status.COMPLETED),
    ],
)
def test_status_rules(read, opened, passed, has_quiz, attempts_, expected):
    assert compute_status(read, opened, passed, has_quiz, attempts_) == expected
