"""Course due dates: set by an admin globally or per department; who is overdue or due soon;
the learner's own due date on the course overview.

Rules (docs/admin.md):
- A learner's due date is their department's, else the global one (department ''), else none.
- On the due date itself the learner is "due today" (not yet overdue); overdue starts the day
  after. Days are Japanese calendar days.
- "Due soon" = not completed and the due date is today or within the next ``window_days`` (7)
  days. "Overdue" = not completed and the due date has passed.
- Completed = every required lesson of the course completed (portal.learning.progress rules).
"""

from __future__ import annotations

import functools

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.accounts.roles import CurrentUser, require_admin, require_user
from portal.db.models import AuditEvent, DueDate, User
from portal.i18n import t
from portal.learning.content import Course
from portal.learning.quiz import Quiz
from portal.stats import queries as q
from portal.stats import rebuild
from portal.stats.base import frame
from portal.stats.filters import CourseShape, StatsFilter, today_local

WINDOW_DAYS = 7
GLOBAL = ""


class DueDateError(ValueError):
    """A user-facing problem with a due date (message in Japanese)."""


# ---------------------------------------------------------------- setting


def _audit(session: Session, actor: CurrentUser, action: str, department: str, **detail: object) -> None:
    session.add(AuditEvent(actor_id=actor.id or None, action=action, target=department or "*", detail=detail))


def set_due_date(session: Session, actor: CurrentUser, due_on: date, department: str = GLOBAL) -> None:
    """Set the course due date for everyone (department '') or for one department."""
    require_admin(actor)
    if not isinstance(due_on, date):
        raise DueDateError(t("stats.due.error.date"))
    department = (department or "").strip()
    row = session.get(DueDate, department)
    if row is None:
        session.add(DueDate(department=department, due_on=due_on))
    else:
        row.due_on = due_on
    _audit(session, actor, "set_due_date", department, due_on=due_on.isoformat())


def clear_due_date(session: Session, actor: CurrentUser, department: str = GLOBAL) -> bool:
    require_admin(actor)
    gone = session.execute(delete(DueDate).where(DueDate.department == (department or "").strip())).rowcount
    if gone:
        _audit(session, actor, "clear_due_date", department)
    return bool(gone)


def list_due_dates(session: Session, actor: CurrentUser) -> pd.DataFrame:
    """department ('' = global), due_on, updated_at."""
    require_admin(actor)
    return pd.DataFrame(session.execute(list_due_dates_statement()).all(), columns=["department", "due_on", "updated_at"])


def list_due_dates_statement():
    return select(DueDate.department, DueDate.due_on, DueDate.updated_at).order_by(DueDate.department)


def effective_due_date(session: Session, department: str) -> date | None:
    """The due date that applies to someone in ``department`` (theirs, else the global one)."""
    rows = dict(session.execute(
        select(DueDate.department, DueDate.due_on).where(DueDate.department.in_({department or GLOBAL, GLOBAL}))
    ).all())
    return rows.get(department) if department in rows else rows.get(GLOBAL)


def classify(due_on: date, completed: bool, today: date, window_days: int = WINDOW_DAYS) -> str:
    """'completed' | 'overdue' | 'due_soon' | 'on_track' for one learner."""
    if completed:
        return "completed"
    if due_on < today:
        return "overdue"
    if (due_on - today).days <= window_days:
        return "due_soon"
    return "on_track"


# ---------------------------------------------------------------- the report


@dataclass(frozen=True)
class DueReport:
    today: date
    window_days: int
    due_dates: pd.DataFrame  # department, due_on, learners, completed, overdue, due_soon, on_track
    attention: pd.DataFrame  # overdue and due-soon learners: user_id, employee_id, name, email, department, due_on, days_left, due_status, done, total, progress, last_activity
    counts: dict[str, int]  # completed / overdue / due_soon / on_track / no_due_date

    @property
    def has_due_dates(self) -> bool:
        return not self.due_dates.empty


def statements(shape: CourseShape, flt: StatsFilter, src: q.Source = q.FACTS) -> dict:
    return {"learners": q.learner_due(shape, flt, src), "heads": q.learner_count_by_department(flt)}


def due_report(
    session: Session,
    actor: CurrentUser,
    course: Course,
    quizzes: dict[str, Quiz] | None,
    flt: StatsFilter,
    *,
    today: date | None = None,
    window_days: int = WINDOW_DAYS,
) -> DueReport:
    """Who is overdue or due within ``window_days`` days, with their progress. Progress is as of
    now (the filter's departments apply, its date range does not)."""
    require_admin(actor)
    today = today or today_local()
    shape = CourseShape.of(course, quizzes)
    now_filter = StatsFilter(departments=flt.departments, languages=flt.languages)
    st = statements(shape, now_filter, rebuild.source(session, shape, now_filter))
    rows = frame(session, st["learners"])
    heads = frame(session, st["heads"])
    dates = list_due_dates(session, actor)
    return shape_due(shape, today, window_days, rows, heads, dates, flt.departments)


def shape_due(shape, today, window_days, rows, heads, dates, departments) -> DueReport:
    total = shape.n_required  # optional lessons do not count
    if len(rows):
        due = pd.to_datetime(rows["due_on"].astype(str))
        rows["due_on"] = due.dt.date
        rows["done"] = rows["done"].astype(int)
        rows["employee_id"] = rows["employee_id"].fillna("")
        # ``classify`` decides once per distinct (due date, completed) pair (a handful of due dates)
        decide = functools.cache(lambda d, c: classify(d, c, today, window_days))
        completed = (rows["done"] >= total) & (total > 0)
        rows["due_status"] = [decide(d, c) for d, c in zip(rows["due_on"], completed)]
        rows["days_left"] = (due - pd.Timestamp(today)).dt.days
        rows["total"] = total
        rows["progress"] = rows["done"] / total if total else 0.0
        rows["last_activity"] = pd.to_datetime(rows["last_at"], utc=True, format="ISO8601")
    else:
        rows = pd.DataFrame(columns=["user_id", "employee_id", "name", "email", "department", "due_on", "done",
                                     "last_at", "due_status", "days_left", "total", "progress", "last_activity"])
    attention = rows[rows["due_status"].isin(["overdue", "due_soon"])].sort_values(
        ["days_left", "progress", "department", "employee_id"]
    )[["user_id", "employee_id", "name", "email", "department", "due_on", "days_left", "due_status", "done", "total",
       "progress", "last_activity"]].reset_index(drop=True)

    learners = int(heads["learners"].sum()) if len(heads) else 0
    counts = {k: int((rows["due_status"] == k).sum()) for k in ("completed", "overdue", "due_soon", "on_track")}
    counts["no_due_date"] = learners - len(rows)

    # one line per due-date setting that applies to someone in the filter
    summary = []
    by_dept = dict(zip(heads["department"], heads["learners"])) if len(heads) else {}
    for department, due_on in zip(dates["department"], dates["due_on"]):
        if department == GLOBAL:
            mine = rows[~rows["department"].isin(set(dates["department"]) - {GLOBAL})]
            people = learners - sum(n for d, n in by_dept.items() if d in set(dates["department"]))
        else:
            if departments and department not in departments:
                continue
            mine = rows[rows["department"] == department]
            people = int(by_dept.get(department, 0))
        summary.append(dict(
            department=department, due_on=due_on, days_left=(due_on - today).days, learners=int(people),
            **{k: int((mine["due_status"] == k).sum()) for k in ("completed", "overdue", "due_soon", "on_track")},
        ))
    due_dates = pd.DataFrame(summary, columns=["department", "due_on", "days_left", "learners", "completed",
                                               "overdue", "due_soon", "on_track"])
    return DueReport(today=today, window_days=window_days, due_dates=due_dates, attention=attention, counts=counts)


# ---------------------------------------------------------------- the learner's own view


def describe_for_learner(session: Session, user: CurrentUser, today: date | None = None) -> str | None:
    """The learner's own due date as one line for the course overview, e.g.
    「受講期限: 2026年12月20日(あと 7 日)」; None when no due date applies."""
    require_user(user)
    department = session.scalar(select(User.department).where(User.id == user.id))
    due_on = effective_due_date(session, department if department is not None else user.department)
    if due_on is None:
        return None
    today = today or today_local()
    days = (due_on - today).days
    when = t("stats.due.date", y=due_on.year, m=due_on.month, d=due_on.day)
    if days > 0:
        rest = t("stats.due.learner.left", n=days)
    elif days == 0:
        rest = t("stats.due.learner.today")
    else:
        rest = t("stats.due.learner.over", n=-days)
    return t("stats.due.learner", date=when, rest=rest)
