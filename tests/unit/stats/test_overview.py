"""Overview figures on the hand-built organisation (see conftest), worked out by hand."""

from datetime import date

import pytest

from portal.db import session_scope
from portal.stats.overview import department_options, overview
from portal.stats.filters import StatsFilter


def run(org, flt=StatsFilter()):
    with session_scope(org.url) as s:
        return overview(s, org.admin, org.course, org.quizzes, flt)


def test_head_counts_completion_and_average_score(org):
    ov = run(org)
    assert ov.learners == 4  # L1-L4: the admin and the deactivated L5 are not learners
    assert ov.completed_all == 1  # only L1 completed both lessons
    assert ov.completion_rate == pytest.approx(1 / 4)
    # completed lessons: L1 2, L2 0, L3 1 (B, read; no quiz), L4 1 (A) = 4 of 4 x 2
    assert ov.progress_rate == pytest.approx(4 / 8)
    # best score per learner and quiz: L1 1.0, L2 1/3, L4 1.0
    assert ov.average_score == pytest.approx((1 + 1 / 3 + 1) / 3)


def test_completion_per_lesson(org):
    per = run(org).per_lesson.set_index("lesson_id")
    assert per.loc["lesson-a", "completed"] == 2  # L1, L4 (L2 read but failed, L3 only opened)
    assert per.loc["lesson-a", "started"] == 4
    assert per.loc["lesson-a", "read"] == 3
    assert per.loc["lesson-a", "passed"] == 2
    assert per.loc["lesson-a", "completion_rate"] == pytest.approx(0.5)
    assert per.loc["lesson-a", "average_score"] == pytest.approx((1 + 1 / 3 + 1) / 3)
    assert per.loc["lesson-b", "completed"] == 2  # L1, L3: a lesson without a quiz is completed by reading
    assert per.loc["lesson-a", "lesson"] == "01. レッスンA"
    assert list(per.index) == ["lesson-a", "lesson-b"]


def test_department_by_lesson_heatmap_has_every_cell(org):
    heat = run(org).heatmap.set_index(["department", "lesson_id"])
    assert len(heat) == 4  # 2 departments x 2 lessons, empty cells included
    assert heat.loc[("営業部", "lesson-a"), "completion_rate"] == pytest.approx(1 / 3)
    assert heat.loc[("営業部", "lesson-b"), "completion_rate"] == pytest.approx(2 / 3)
    assert heat.loc[("開発部", "lesson-a"), "completion_rate"] == pytest.approx(1.0)
    assert heat.loc[("開発部", "lesson-b"), "completion_rate"] == 0
    assert heat.loc[("開発部", "lesson-b"), "learners"] == 1


def test_departments_table(org):
    deps = run(org).departments.set_index("department")
    assert deps.loc["営業部", "learners"] == 3
    assert deps.loc["営業部", "completed_all"] == 1
    assert deps.loc["営業部", "progress_rate"] == pytest.approx(3 / 6)  # L1 2 + L3 1
    assert deps.loc["開発部", "completion_rate"] == 0
    assert "人事部" not in deps.index  # only the admin works there


def test_department_filter(org):
    ov = run(org, StatsFilter(departments=("開発部",)))
    assert ov.learners == 1
    assert ov.average_score == pytest.approx(1.0)
    assert set(ov.heatmap["department"]) == {"開発部"}


def test_completion_is_as_of_the_end_of_the_range_in_japan_time(org):
    # L1 passed on 03-05 but read lesson B at 03-05 16:00 UTC, which is already 03-06 in Japan
    ov = run(org, StatsFilter(end=date(2026, 3, 5)))
    per = ov.per_lesson.set_index("lesson_id")
    assert per.loc["lesson-a", "completed"] == 2
    assert per.loc["lesson-b", "completed"] == 1  # L3 only
    assert ov.completed_all == 0
    before = run(org, StatsFilter(end=date(2026, 3, 4))).per_lesson.set_index("lesson_id")
    assert before.loc["lesson-a", "completed"] == 1  # L4 only; L1 had not passed yet


def test_active_learners_per_day(org):
    ov = run(org, StatsFilter(start=date(2026, 3, 1), end=date(2026, 3, 31)))
    assert ov.active_unit == "day"
    active = {p.date().isoformat(): n for p, n in zip(ov.active["period"], ov.active["active"])}
    # 03-02: L1 (read, attempt, sandbox); 03-03: L3, L4; 03-04: L2; 03-05: L1; 03-06 (JST): L1 read B
    assert active == {"2026-03-02": 1, "2026-03-03": 2, "2026-03-04": 1, "2026-03-05": 1, "2026-03-06": 1}


def test_active_learners_per_week(org):
    ov = run(org, StatsFilter(start=date(2025, 1, 1), end=date(2026, 3, 31)))
    assert ov.active_unit == "week"
    active = {p.date().isoformat(): n for p, n in zip(ov.active["period"], ov.active["active"])}
    assert active == {"2026-03-02": 4}  # Monday 03-02 to Sunday 03-08: all four learners


def test_department_options(org):
    with session_scope(org.url) as s:
        assert department_options(s, org.admin) == [("営業部", 3), ("開発部", 1)]


def test_empty_organisation(db_url, content):
    from portal.accounts.roles import SYSTEM

    course, quizzes = content
    with session_scope(db_url) as s:
        ov = overview(s, SYSTEM, course, quizzes, StatsFilter())
    assert ov.empty and ov.learners == 0
    assert ov.completion_rate is None and ov.average_score is None
    assert ov.heatmap.empty and ov.active.empty
