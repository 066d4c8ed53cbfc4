"""Optional lessons (``required: false``, shown as 任意) do not count for course completion: the
course page's progress, the certificates' completion and the lesson statuses agree."""

from __future__ import annotations

import dataclasses

from portal.accounts.roles import SYSTEM
from portal.accounts.service import create_user
from portal.db import session_scope
from portal.learning import progress
from portal.learning.content import counts_for_completion
from support.orgkit import RIGHT, add_attempt, read, utc, write_content


def with_optional_b(course):
    a, b = course.lessons
    b = dataclasses.replace(b, meta=b.meta.model_copy(update={"required": False}))
    return dataclasses.replace(course, lessons=[a, b])


def test_required_is_the_default_and_optional_lessons_are_left_out(tmp_path):
    course, _ = write_content(tmp_path)
    assert all(counts_for_completion(l.meta) for l in course.lessons)  # no field: required
    optional = with_optional_b(course)
    assert [l.id for l in optional.required_lessons] == ["lesson-a"]


def test_completion_ignores_an_optional_lesson_left_unread(db_url, tmp_path):
    course, quizzes = write_content(tmp_path)
    a, _ = course.lessons
    optional = with_optional_b(course)
    with session_scope(db_url) as s:
        u = create_user(s, SYSTEM, name="山田 太郎", email="yamada@example.com")
        read(s, u.id, a, utc(3, 1))
        add_attempt(s, u.id, quizzes["qa"], utc(3, 2), RIGHT)
    with session_scope(db_url) as s:
        # B required (the default): not completed; B optional: completed when A was
        assert progress.course_completions(s, course, [u.id]) == {}
        done = progress.course_completions(s, optional, [u.id])[u.id]
        assert done.completed_at == utc(3, 2) and done.read_versions == (("lesson-a", a.version),)
        states = progress.course_states(s, u, optional)
    assert progress.required_done(optional, states) == (1, 1)
    assert progress.course_completed(optional, states) and progress.completion_ratio(optional, states) == 1.0
    assert not progress.course_completed(course, states)  # (same states, B required)
    assert progress.required_done(course, states) == (1, 2)


def test_an_optional_lesson_alone_completes_nothing(db_url, tmp_path):
    course, _ = write_content(tmp_path)
    _, b = course.lessons
    optional = with_optional_b(course)
    with session_scope(db_url) as s:
        u = create_user(s, SYSTEM, name="山田 花子", email="hanako@example.com")
        read(s, u.id, b, utc(3, 1))
    with session_scope(db_url) as s:
        states = progress.course_states(s, u, optional)
        assert progress.course_completions(s, optional, [u.id]) == {}
    assert states["lesson-b"].status == progress.Status.COMPLETED  # the lesson itself is completed
    assert progress.required_done(optional, states) == (0, 1) and progress.completion_ratio(optional, states) == 0.0
