"""Quiz attempts on a real database (SQLite, and PostgreSQL when configured): start, resume,
abandon, submit exactly once, concurrency, attempt limits and unanswered questions."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import func, select

from portal.accounts.roles import PermissionDenied
from portal.db import session_scope
from portal.db.models import QuizAnswer, QuizAttempt
from portal.learning import attempts
from portal.learning.attempts import AttemptError
from portal.learning.quiz import correct_response
from quizkit import make_quiz, make_users

QUIZ = make_quiz(draw=5)


def start(url, user, quiz=QUIZ, **kw):
    with session_scope(url) as s:
        return attempts.start_attempt(s, user, quiz, **kw)


def submit(url, user, attempt_id, responses, key, quiz=QUIZ):
    with session_scope(url) as s:
        return attempts.submit(s, user, quiz, attempt_id, responses, key)


def right(quiz, attempt):
    return {qid: correct_response(quiz.question(qid)) for qid in attempt.question_ids}


def count(url, *where, model=QuizAttempt):
    with session_scope(url) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_right_answers_pass_and_every_drawn_question_is_recorded(db_url):
    (user,) = make_users(db_url)
    attempt = start(db_url, user)
    assert len(attempt.question_ids) == 5
    result = submit(db_url, user, attempt.id, right(QUIZ, attempt), "k1")
    assert (result.score, result.passed, result.duplicate) == (1.0, True, False)
    with session_scope(db_url) as s:
        stored = attempts.attempt_with_answers(s, user, attempt.id)
        assert stored.status == "submitted" and stored.quiz_version == "v1" and stored.draft is None
        assert [a.question_id for a in stored.answers] == attempt.question_ids
        assert all(a.correct and a.credit == 1.0 for a in stored.answers)


def test_the_same_key_twice_gives_one_attempt(db_url):
    (user,) = make_users(db_url)
    attempt = start(db_url, user)
    first = submit(db_url, user, attempt.id, right(QUIZ, attempt), "same-key")
    again = submit(db_url, user, attempt.id, {}, "same-key")  # a rerun with the form emptied
    assert again.duplicate and again.attempt_id == first.attempt_id
    assert (again.score, again.passed) == (first.score, first.passed) == (1.0, True)
    assert count(db_url, QuizAttempt.status == "submitted") == 1
    assert count(db_url, model=QuizAnswer) == 5


def test_a_second_key_for_an_already_submitted_attempt_records_nothing(db_url):
    (user,) = make_users(db_url)
    attempt = start(db_url, user)
    submit(db_url, user, attempt.id, right(QUIZ, attempt), "tab-1")
    other = submit(db_url, user, attempt.id, {}, "tab-2")
    assert other.duplicate and other.score == 1.0
    assert count(db_url, QuizAttempt.status == "submitted") == 1
    assert count(db_url, model=QuizAnswer) == 5


def test_someone_elses_key_or_attempt_is_refused(db_url):
    hanako, taro = make_users(db_url, 2)
    attempt = start(db_url, hanako)
    submit(db_url, hanako, attempt.id, right(QUIZ, attempt), "hanako-key")
    mine = start(db_url, taro)
    with pytest.raises(PermissionDenied):
        submit(db_url, taro, mine.id, {}, "hanako-key")
    other = start(db_url, hanako)
    for action in (lambda s: attempts.save_draft(s, taro, other.id, {}),
                   lambda s: attempts.abandon(s, taro, other.id),
                   lambda s: attempts.submit(s, taro, QUIZ, other.id, {}, "taro-key")):
        with pytest.raises(PermissionDenied):
            with session_scope(db_url) as s:
                action(s)
    with session_scope(db_url) as s:
        assert s.get(QuizAttempt, other.id).status == "in_progress"


def test_fifty_concurrent_submissions_give_exactly_fifty_attempts(db_url):
    users = make_users(db_url, 50)
    started = [start(db_url, user) for user in users]
    barrier = threading.Barrier(50)
    results, errors = [], []

    def worker(user, attempt):
        try:
            barrier.wait()
            results.append(submit(db_url, user, attempt.id, right(QUIZ, attempt), uuid.uuid4().hex))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=pair) for pair in zip(users, started)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert len(results) == 50 and not any(r.duplicate for r in results)
    assert count(db_url, QuizAttempt.status == "submitted") == 50
    assert count(db_url, QuizAttempt.status != "submitted") == 0
    assert count(db_url, model=QuizAnswer) == 50 * 5
    assert len({r.attempt_id for r in results}) == 50


def test_a_double_click_racing_itself_records_once(db_url):
    (user,) = make_users(db_url)
    attempt = start(db_url, user)
    barrier = threading.Barrier(6)
    results, errors = [], []

    def worker(key):
        try:
            barrier.wait()
            results.append(submit(db_url, user, attempt.id, right(QUIZ, attempt), key))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    keys = ["same"] * 3 + ["other-1", "other-2", "other-3"]  # one key clicked thrice, and other tabs
    threads = [threading.Thread(target=worker, args=(k,)) for k in keys]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert sum(not r.duplicate for r in results) == 1
    assert {r.attempt_id for r in results} == {attempt.id}
    assert count(db_url, QuizAttempt.status == "submitted") == 1
    assert count(db_url, model=QuizAnswer) == 5


def test_resume_returns_the_same_questions_and_the_saved_draft(db_url):
    (user,) = make_users(db_url)
    first = start(db_url, user)
    draft = {first.question_ids[0]: "x"}
    with session_scope(db_url) as s:
        attempts.save_draft(s, user, first.id, draft)
    again = start(db_url, user)
    assert again.id == first.id
    assert again.question_ids == first.question_ids and again.seed == first.seed
    assert again.draft == draft
    assert count(db_url, model=QuizAttempt) == 1


def test_start_without_resume_abandons_the_open_attempt(db_url):
    (user,) = make_users(db_url)
    first = start(db_url, user)
    fresh = start(db_url, user, resume=False)
    assert fresh.id != first.id
    with session_scope(db_url) as s:
        assert s.get(QuizAttempt, first.id).status == "abandoned"
        assert attempts.open_attempt(s, user, QUIZ).id == fresh.id


def test_abandon_then_submit_is_refused_and_a_new_start_draws_again(db_url):
    (user,) = make_users(db_url)
    attempt = start(db_url, user)
    with session_scope(db_url) as s:
        attempts.abandon(s, user, attempt.id)
    with pytest.raises(AttemptError, match="中止"):
        submit(db_url, user, attempt.id, right(QUIZ, attempt), "k")
    with session_scope(db_url) as s:
        assert attempts.open_attempt(s, user, QUIZ) is None
        assert attempts.history(s, user, QUIZ.id) == []
    fresh = start(db_url, user)
    assert fresh.id != attempt.id and fresh.status == "in_progress"


def test_a_new_quiz_version_abandons_the_old_attempt(db_url):
    (user,) = make_users(db_url)
    old = start(db_url, user)
    v2 = make_quiz(draw=5, version="v2")
    with pytest.raises(AttemptError, match="更新"):
        submit(db_url, user, old.id, right(QUIZ, old), "k-old", quiz=v2)
    new = start(db_url, user, quiz=v2)
    assert new.id != old.id and new.quiz_version == "v2"
    with session_scope(db_url) as s:
        assert s.get(QuizAttempt, old.id).status == "abandoned"
    assert submit(db_url, user, new.id, right(v2, new), "k-new", quiz=v2).passed


def test_max_attempts_limits_submitted_attempts(db_url):
    (user,) = make_users(db_url)
    quiz = make_quiz(draw=5, max_attempts=2)
    for n in range(2):
        attempt = start(db_url, user, quiz)
        submit(db_url, user, attempt.id, {}, f"k{n}", quiz=quiz)
    with pytest.raises(AttemptError, match="上限"):
        start(db_url, user, quiz)
    # abandoned attempts do not count towards the limit
    (other,) = make_users(db_url, prefix="other")
    for _ in range(3):
        attempt = start(db_url, other, quiz, resume=False)
    submit(db_url, other, attempt.id, {}, "o1", quiz=quiz)
    assert start(db_url, other, quiz).status == "in_progress"


def test_unanswered_questions_score_zero_and_are_stored_as_unanswered(db_url):
    (user,) = make_users(db_url)
    quiz = make_quiz(shuffle_questions=False)  # all 7 questions, file order
    attempt = start(db_url, user, quiz)
    responses = right(quiz, attempt)
    responses["single"] = None
    del responses["numeric"]
    responses["matching"] = {"p1": "p1", "p2": "p2"}  # half the pairs: partial credit
    result = submit(db_url, user, attempt.id, responses, "k", quiz=quiz)
    assert result.score == pytest.approx((4 + 0.5) / 7)
    assert result.passed is False  # pass mark 0.8
    with session_scope(db_url) as s:
        answers = {a.question_id: a for a in attempts.attempt_with_answers(s, user, attempt.id).answers}
    assert len(answers) == 7
    assert answers["single"].response is None and answers["single"].credit == 0 and not answers["single"].correct
    assert answers["numeric"].response is None
    assert answers["matching"].credit == pytest.approx(0.5) and not answers["matching"].correct
    assert answers["matching"].response == {"p1": "p1", "p2": "p2"}


def test_the_pass_mark_is_inclusive(db_url):
    (user,) = make_users(db_url)
    quiz = make_quiz(draw=5, shuffle_questions=False, pass_mark=0.6)
    attempt = start(db_url, user, quiz)
    responses = right(quiz, attempt)
    for qid in attempt.question_ids[:2]:
        responses.pop(qid)
    result = submit(db_url, user, attempt.id, responses, "k", quiz=quiz)
    assert result.score == pytest.approx(0.6) and result.passed


def test_history_lists_submitted_attempts_newest_first(db_url):
    (user,) = make_users(db_url)
    ids = []
    for n in range(3):
        attempt = start(db_url, user)
        ids.append(submit(db_url, user, attempt.id, {}, f"k{n}").attempt_id)
    start(db_url, user)  # an open attempt is not history
    with session_scope(db_url) as s:
        assert [a.id for a in attempts.history(s, user, QUIZ.id)] == ids[::-1]
        assert attempts.history(s, user, "other-quiz") == []
