"""Where a learner stands on a quiz when its page opens (the rule the quiz page used to hold)."""

from __future__ import annotations

import pytest

from portal.accounts.roles import PermissionDenied
from portal.db import session_scope
from portal.db.models import QuizAttempt
from portal.learning import attempts
from portal.learning.quiz import correct_response
from quizkit import make_quiz, make_users

QUIZ = make_quiz(draw=5)


def standing(url, user, quiz=QUIZ):
    with session_scope(url) as s:
        return attempts.quiz_standing(s, user, quiz)


def take(url, user, quiz, right: bool, key: str):
    with session_scope(url) as s:
        attempt = attempts.start_attempt(s, user, quiz)
        responses = {q: correct_response(quiz.question(q)) if right else None for q in attempt.question_ids}
        return attempts.submit(s, user, quiz, attempt.id, responses, key)


def test_nothing_yet(db_url):
    (user,) = make_users(db_url)
    assert standing(db_url, user) == attempts.QuizStanding(None, False, 0, None, False)


def test_the_open_attempt_of_this_version_is_resumed(db_url):
    (user,) = make_users(db_url)
    with session_scope(db_url) as s:
        open_id = attempts.start_attempt(s, user, QUIZ).id
    now = standing(db_url, user)
    assert now.attempt is not None and now.attempt.id == open_id and not now.set_aside


def test_an_open_attempt_of_an_older_version_is_set_aside(db_url):
    (user,) = make_users(db_url)
    with session_scope(db_url) as s:
        old_id = attempts.start_attempt(s, user, QUIZ).id
    now = standing(db_url, user, make_quiz(draw=5, version="v2"))
    assert now.attempt is None and now.set_aside
    with session_scope(db_url) as s:
        assert s.get(QuizAttempt, old_id).status == "abandoned"


def test_best_score_and_passed_over_the_submitted_attempts(db_url):
    (user,) = make_users(db_url)
    take(db_url, user, QUIZ, False, "k1")
    first = standing(db_url, user)
    assert (first.submitted, first.best_score, first.passed) == (1, 0.0, False)
    take(db_url, user, QUIZ, True, "k2")
    take(db_url, user, QUIZ, False, "k3")
    later = standing(db_url, user)
    assert (later.submitted, later.best_score, later.passed) == (3, 1.0, True)


def test_a_signed_out_visitor_has_no_standing(db_url):
    with session_scope(db_url) as s, pytest.raises(PermissionDenied):
        attempts.quiz_standing(s, None, QUIZ)
