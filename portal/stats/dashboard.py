"""The whole admin dashboard in one place: every tab's service call, and the SQL statements
they run (the benchmark times both in the same process)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select
from sqlalchemy.orm import Session

from portal.accounts.roles import CurrentUser, require_admin
from portal.sandbox.policy_store import quota_defaults
from portal.learning.content import Course
from portal.learning.quiz import Quiz
from portal.stats import due_dates, overview, people, quiz_stats, rebuild, sandbox_usage
from portal.stats.base import dialect
from portal.stats.filters import CourseShape, StatsFilter


@dataclass(frozen=True)
class Dashboard:
    overview: overview.Overview
    due: due_dates.DueReport
    people: object  # pandas.DataFrame
    quizzes: quiz_stats.QuizAnalytics
    sandbox: sandbox_usage.SandboxStats


def whole_dashboard(
    session: Session, actor: CurrentUser, course: Course, quizzes: dict[str, Quiz], flt: StatsFilter
) -> Dashboard:
    """What the six tabs show (the exports tab reuses these tables)."""
    require_admin(actor)
    return Dashboard(
        overview=overview.overview(session, actor, course, quizzes, flt),
        due=due_dates.due_report(session, actor, course, quizzes, flt),
        people=people.people(session, actor, course, quizzes, flt),
        quizzes=quiz_stats.quiz_analytics(session, actor, course, quizzes, flt),
        sandbox=sandbox_usage.sandbox_stats(session, actor, flt),
    )


def bare_statements(session: Session, course: Course, quizzes: dict[str, Quiz], flt: StatsFilter) -> dict[str, Select]:
    """Every SQL statement ``whole_dashboard`` runs, by tab and name (for the benchmark)."""
    shape = CourseShape.of(course, quizzes)
    d = dialect(session)
    defaults = quota_defaults(session)
    out: dict[str, Select] = {}
    src = rebuild.source(session, shape, flt)
    now_filter = StatsFilter(departments=flt.departments, languages=flt.languages)
    for tab, statements in (
        ("overview", overview.statements(shape, flt, d, src)),
        ("due", due_dates.statements(shape, now_filter, rebuild.source(session, shape, now_filter))),
        ("people", people.statements(shape, flt, src)),
        ("quizzes", quiz_stats.statements(shape, flt, src)),
        ("sandbox", sandbox_usage.statements(flt, d, defaults.daily_requests, defaults.daily_tokens,
                                             rebuild.source(session, None, flt))),
    ):
        out.update({f"{tab}.{name}": st for name, st in statements.items()})
    out["due.dates"] = due_dates.list_due_dates_statement()
    return out
