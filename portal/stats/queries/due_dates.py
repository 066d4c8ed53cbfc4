"""The due dates tab's statement: every learner with a due date and their progress."""

from __future__ import annotations

from sqlalchemy import (
    Date,
    Integer,
    Select,
    func,
    select,
    type_coerce,
)

from portal.stats.filters import CourseShape, StatsFilter
from portal.stats.queries.people import done_per_learner
from portal.stats.queries.common import (
    due_dates,
    Source,
    FACTS,
    learner_directory,
)


def learner_due(shape: CourseShape, flt: StatsFilter, src: Source = FACTS) -> Select:
    """Every learner with a due date (their department's, else the global one), with their
    completed lessons and last activity."""
    L = learner_directory(flt).order_by(None).subquery("l")
    d = done_per_learner(shape, flt, src).subquery("d")
    dept = due_dates.alias("dd")
    glob = due_dates.alias("dg")
    due = type_coerce(func.coalesce(dept.c.due_on, glob.c.due_on), Date)
    return (
        select(
            L.c.user_id, L.c.employee_id, L.c.name, L.c.email, L.c.department,
            due.label("due_on"),
            type_coerce(func.coalesce(d.c.done, 0), Integer).label("done"),
            d.c.last_at,
        )
        .select_from(
            L.outerjoin(dept, dept.c.department == L.c.department)
            .outerjoin(glob, glob.c.department == "")
            .outerjoin(d, d.c.user_id == L.c.user_id)
        )
        .where(due.is_not(None))
    )
