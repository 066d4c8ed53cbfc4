"""Due dates: who is overdue or due soon, and the learner's own line on the course overview."""

from datetime import date

import pytest

from portal.accounts.roles import PermissionDenied
from portal.db import session_scope
from portal.db.models import AuditEvent
from portal.stats import due_dates
from portal.stats.due_dates import classify, describe_for_learner, due_report, set_due_date
from portal.stats.filters import StatsFilter


def set_dates(org, **by_department):
    with session_scope(org.url) as s:
        for department, when in by_department.items():
            set_due_date(s, org.admin, when, "" if department == "everyone" else department)


def report(org, today, flt=StatsFilter()):
    with session_scope(org.url) as s:
        return due_report(s, org.admin, org.course, org.quizzes, flt, today=today)


def test_classify_rules():
    today = date(2026, 3, 10)
    assert classify(date(2026, 3, 9), False, today) == "overdue"
    assert classify(date(2026, 3, 10), False, today) == "due_soon"  # due today is not overdue yet
    assert classify(date(2026, 3, 17), False, today) == "due_soon"  # 7 days ahead
    assert classify(date(2026, 3, 18), False, today) == "on_track"
    assert classify(date(2026, 3, 1), True, today) == "completed"


def test_department_date_wins_over_the_global_one(org):
    set_dates(org, everyone=date(2026, 3, 20), 開発部=date(2026, 3, 8))
    r = report(org, today=date(2026, 3, 6))
    # L4 (開発部, lesson B not started) is due in 2 days; 営業部 has 14 days left; L1 is done
    assert list(r.attention["employee_id"]) == ["E-L4"]
    row = r.attention.iloc[0]
    assert row["due_status"] == "due_soon" and row["days_left"] == 2 and row["due_on"] == date(2026, 3, 8)
    assert row["done"] == 1 and row["total"] == 2 and row["progress"] == pytest.approx(0.5)
    assert r.counts == {"completed": 1, "overdue": 0, "due_soon": 1, "on_track": 2, "no_due_date": 0}


def test_overdue_list_after_the_dates(org):
    set_dates(org, everyone=date(2026, 3, 20), 開発部=date(2026, 3, 8))
    r = report(org, today=date(2026, 3, 21))
    assert set(r.attention["employee_id"]) == {"E-L2", "E-L3", "E-L4"}
    assert set(r.attention["due_status"]) == {"overdue"}
    assert r.attention.iloc[0]["employee_id"] == "E-L4"  # longest overdue first
    summary = r.due_dates.set_index("department")
    assert summary.loc["", "learners"] == 3 and summary.loc["", "overdue"] == 2 and summary.loc["", "completed"] == 1
    assert summary.loc["開発部", "learners"] == 1 and summary.loc["開発部", "overdue"] == 1


def test_no_due_date_at_all(org):
    r = report(org, today=date(2026, 3, 6))
    assert not r.has_due_dates and r.attention.empty
    assert r.counts["no_due_date"] == 4


def test_only_a_department_date(org):
    set_dates(org, 開発部=date(2026, 3, 8))
    r = report(org, today=date(2026, 3, 9))
    assert list(r.attention["employee_id"]) == ["E-L4"]
    assert r.counts["no_due_date"] == 3


def test_department_filter(org):
    set_dates(org, everyone=date(2026, 3, 20), 開発部=date(2026, 3, 8))
    r = report(org, today=date(2026, 3, 21), flt=StatsFilter(departments=("営業部",)))
    assert set(r.attention["department"]) == {"営業部"}
    assert list(r.due_dates["department"]) == [""]


def test_setting_replaces_clears_and_is_audited(org):
    set_dates(org, everyone=date(2026, 3, 20))
    set_dates(org, everyone=date(2026, 4, 1))
    with session_scope(org.url) as s:
        listed = due_dates.list_due_dates(s, org.admin)
        assert list(listed["due_on"]) == [date(2026, 4, 1)]
        assert due_dates.clear_due_date(s, org.admin, "") is True
        assert due_dates.clear_due_date(s, org.admin, "") is False
        actions = [e.action for e in s.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions[-3:] == ["set_due_date", "set_due_date", "clear_due_date"]


def test_learner_sees_their_own_due_date(org):
    set_dates(org, everyone=date(2026, 12, 20), 開発部=date(2026, 3, 8))
    l1, l4 = org.users["L1"], org.users["L4"]
    with session_scope(org.url) as s:
        assert describe_for_learner(s, l1, today=date(2026, 12, 13)) == "受講期限: 2026年12月20日(あと 7 日)"
        assert describe_for_learner(s, l4, today=date(2026, 3, 8)) == "受講期限: 2026年3月8日(今日まで)"
        assert describe_for_learner(s, l4, today=date(2026, 3, 10)) == "受講期限: 2026年3月8日(2 日過ぎています)"


def test_learner_without_a_due_date_sees_nothing(org):
    with session_scope(org.url) as s:
        assert describe_for_learner(s, org.users["L1"], today=date(2026, 3, 1)) is None


def test_learners_cannot_set_or_read_due_dates(org):
    with session_scope(org.url) as s:
        with pytest.raises(PermissionDenied):
            set_due_date(s, org.learner, date(2026, 3, 1))
        with pytest.raises(PermissionDenied):
            due_dates.list_due_dates(s, org.learner)
        with pytest.raises(PermissionDenied):
            due_report(s, org.learner, org.course, org.quizzes, StatsFilter())
