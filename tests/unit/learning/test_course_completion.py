"""``progress.course_completions`` (certificates, many learners in two queries) agrees with the
per-lesson statuses of ``course_states`` on random histories, and dates the completion at the
moment the last lesson met its rule."""

from __future__ import annotations

import random
from datetime import timedelta

from portal.accounts.roles import SYSTEM
from portal.accounts.service import create_user
from portal.db import session_scope
from portal.learning import progress
from portal.learning.progress import Status
from support.orgkit import RIGHT, add_attempt, read, utc, write_content

WRONG = {"q1": "b", "q2": ["a"], "q3": False}


def test_course_completions_agree_with_the_lesson_statuses_on_random_histories(db_url, tmp_path):
    course, quizzes = write_content(tmp_path)
    a, b = course.lessons
    rng = random.Random(15)
    users = []
    with session_scope(db_url) as s:
        for i in range(40):
            u = create_user(s, SYSTEM, name=f"受講者 {i}", email=f"u{i}@example.com")
            users.append(u)
            start = utc(3, 1) + timedelta(hours=rng.randrange(100))
            if rng.random() < 0.7:
                read(s, u.id, a, start + timedelta(minutes=rng.randrange(300)))
            elif rng.random() < 0.5:
                read(s, u.id, a, None, opened=start)  # opened, not read
            if rng.random() < 0.7:
                read(s, u.id, b, start + timedelta(minutes=rng.randrange(300)))
            for _ in range(rng.randrange(3)):
                add_attempt(s, u.id, quizzes["qa"], start + timedelta(minutes=rng.randrange(300)),
                            RIGHT if rng.random() < 0.5 else WRONG)
    with session_scope(db_url) as s:
        done = progress.course_completions(s, course, [u.id for u in users])
        expected = {u.id for u in users
                    if all(st.status == Status.COMPLETED for st in progress.course_states(s, u, course).values())}
    assert set(done) == expected
    assert 0 < len(expected) < len(users)  # the histories cover both outcomes


def test_the_completion_time_is_when_the_last_rule_was_met(db_url, tmp_path):
    course, quizzes = write_content(tmp_path)
    a, b = course.lessons
    with session_scope(db_url) as s:
        u = create_user(s, SYSTEM, name="山田 太郎", email="yamada@example.com")
        read(s, u.id, b, utc(3, 1))
        read(s, u.id, a, utc(3, 2))
        add_attempt(s, u.id, quizzes["qa"], utc(3, 3), WRONG)
        add_attempt(s, u.id, quizzes["qa"], utc(3, 4), RIGHT)  # the first pass: lesson A done, so the course
        add_attempt(s, u.id, quizzes["qa"], utc(3, 5), RIGHT)
    with session_scope(db_url) as s:
        assert progress.course_completions(s, course, [u.id])[u.id].completed_at == utc(3, 4)
