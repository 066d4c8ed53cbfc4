"""The summary writers key a response exactly as the database reads it back from quiz_answers
(the rebuild's key): real numbers included, which SQLite stores with numeric affinity."""

from __future__ import annotations

from sqlalchemy import select

from portal import summaries
from portal.accounts.roles import SYSTEM
from portal.accounts.service import create_user
from portal.config import get_settings
from portal.db import session_scope
from portal.learning import attempts
from portal.learning.content import load_course
from portal.learning.quiz import Numeric, correct_response, load_quizzes
from portal.stats import rebuild
from portal.stats.filters import CourseShape

ODD_NUMBERS = [810.0, 70, 1 / 3, 2.5, 1e20, 1e-7, -3.0, 1e16, 12345.678901234567, 0.1 + 0.2]


def _dump(s) -> list[tuple]:
    t = summaries.question_days
    return sorted(tuple(round(v, 9) if isinstance(v, float) else v for v in row) for row in s.execute(select(*t.c)))


def test_numeric_responses_get_the_key_the_rebuild_reads(db_url):
    settings = get_settings()
    quizzes = load_quizzes(settings.quiz_dir)[0]
    shape = CourseShape.of(load_course(settings.content_dir), quizzes)
    quiz = next(q for q in quizzes.values() if any(isinstance(x, Numeric) for x in q.questions))
    with session_scope(db_url) as s:
        rebuild.rebuild(s, shape)
    for i, number in enumerate(ODD_NUMBERS):
        with session_scope(db_url) as s:
            user = create_user(s, SYSTEM, name=f"受講者 {i}", email=f"n{i}@example.com")
        with session_scope(db_url) as s:
            attempt = attempts.start_attempt(s, user, quiz)
            responses = {qid: number if isinstance(quiz.question(qid), Numeric) else correct_response(quiz.question(qid))
                         for qid in attempt.question_ids}
            attempts.submit(s, user, quiz, attempt.id, responses, f"key-{i}")
    with session_scope(db_url) as s:
        kept = _dump(s)
        rebuild.rebuild(s, shape)
        assert kept == _dump(s)
