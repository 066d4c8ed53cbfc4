"""Optional lessons (``required: false``, 任意) do not count for the statistics' completion: the
hand-built organisation (see conftest) with lesson B made optional, worked out by hand, on the
facts and on the summaries.

    L1 completed A and B; L2 nothing; L3 only B (optional); L4 only A.
"""

import dataclasses
from datetime import date

import pytest

from portal.db import session_scope
from portal.stats.due_dates import due_report, set_due_date
from portal.stats.filters import CourseShape, StatsFilter
from portal.stats.overview import overview
from portal.stats.people import completed_all, learner_detail, people


def optional_b(org):
    a, b = org.course.lessons
    b = dataclasses.replace(b, meta=b.meta.model_copy(update={"required": False}))
    return dataclasses.replace(org.course, lessons=[a, b])


def test_people_count_only_the_required_lessons(org):
    course = optional_b(org)
    with session_scope(org.url) as s:
        t = people(s, org.admin, course, org.quizzes, StatsFilter()).set_index("employee_id")
        detail = learner_detail(s, org.admin, org.users["L3"].id, course, org.quizzes)
    assert list(t["done"]) == [1, 0, 0, 1]  # L3's completed B is optional: not counted
    assert t.loc["E-L4", "progress"] == pytest.approx(1.0)  # A is the only required lesson
    assert t.loc["E-L3", "status:lesson-b"] == "completed"  # the lesson's own status is still shown
    assert completed_all(t, CourseShape.of(course, org.quizzes)).tolist() == [True, False, False, True]
    assert (detail.completed_lessons, detail.required_total) == (0, 1)


def test_overview_completion_ignores_the_optional_lesson(org):
    with session_scope(org.url) as s:
        ov = overview(s, org.admin, optional_b(org), org.quizzes, StatsFilter())
    assert ov.completed_all == 2  # L1 and L4 completed A; L4 never read B
    assert ov.completion_rate == pytest.approx(2 / 4)
    assert ov.progress_rate == pytest.approx(2 / 4)  # 2 completed required lessons of 4 learners x 1


def test_due_dates_treat_a_learner_without_the_optional_lesson_as_completed(org):
    with session_scope(org.url) as s:
        set_due_date(s, org.admin, date(2026, 3, 10))
    with session_scope(org.url) as s:
        r = due_report(s, org.admin, optional_b(org), org.quizzes, StatsFilter(), today=date(2026, 3, 20))
    assert r.counts["completed"] == 2 and r.counts["overdue"] == 2  # L1, L4 done; L2, L3 overdue
    assert set(r.attention["total"]) == {1}
