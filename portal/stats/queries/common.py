"""What every dashboard statement shares: the fact tables, Japan-time buckets, the filter's
range conditions, where a statistic reads from (``Source``) and the populations."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    Date,
    Select,
    String,
    Text,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
    true,
    type_coerce,
)
from sqlalchemy.sql.elements import ColumnElement

from portal.db.models import (
    ROLE_LEARNER,
    DueDate,
    LessonProgress,
    QuizAnswer,
    QuizAttempt,
    SandboxEvent,
    User,
)
from portal.config import get_settings
from portal.localtime import JST_OFFSET_HOURS
from portal.stats.filters import StatsFilter

users = User.__table__
progress = LessonProgress.__table__
attempts = QuizAttempt.__table__
answers = QuizAnswer.__table__
events = SandboxEvent.__table__
due_dates = DueDate.__table__


# ---------------------------------------------------------------- dialect helpers


def local_day(column, dialect: str) -> ColumnElement:
    """The Japanese calendar day of a UTC timestamp column, as a DATE (ISO text on SQLite)."""
    if dialect == "sqlite":
        return func.date(column, f"+{JST_OFFSET_HOURS} hours")
    return cast(column + literal_column(f"INTERVAL '{JST_OFFSET_HOURS} hours'"), Date)


def local_week(column, dialect: str) -> ColumnElement:
    """The Monday of the Japanese calendar week of a UTC timestamp column."""
    if dialect == "sqlite":
        return func.date(column, f"+{JST_OFFSET_HOURS} hours", "-6 days", "weekday 1")
    return cast(func.date_trunc("week", column + literal_column(f"INTERVAL '{JST_OFFSET_HOURS} hours'")), Date)


def bucket(column, dialect: str, unit: str) -> ColumnElement:
    return local_week(column, dialect) if unit == "week" else local_day(column, dialect)


def day_bucket(day, dialect: str, unit: str) -> ColumnElement:
    """``bucket`` for a column that already holds the Japanese calendar day."""
    if unit != "week":
        return day
    if dialect == "sqlite":
        return func.date(day, "-6 days", "weekday 1")
    return cast(func.date_trunc("week", day), Date)


def json_text(column) -> ColumnElement:
    """A JSON column as text (PostgreSQL's json type cannot be grouped or compared)."""
    return cast(column, Text)


def raw_time(column) -> ColumnElement:
    """A UTC timestamp fetched as the driver gives it (SQLite: ISO text; PostgreSQL: a naive
    datetime), for large frames that pandas converts in one vectorised step
    (``pd.to_datetime(..., utc=True, format="ISO8601")``) instead of row by row."""
    return type_coerce(column, String)


def in_range(column, flt: StatsFilter, *, start: bool = True) -> list[ColumnElement]:
    conds = []
    if start and flt.start_utc is not None:
        conds.append(column >= flt.start_utc)
    if flt.end_utc is not None:
        conds.append(column < flt.end_utc)
    return conds


def flag(cond) -> ColumnElement:
    return case((cond, 1), else_=0)


@dataclass(frozen=True)
class Source:
    """Where a filter's statistics are read from (decided by ``portal.stats.rebuild.source``).

    - ``lesson_summaries``: the per learner x lesson summary, for figures "as of now" (the
      filter ends today or later); otherwise the facts up to the end of the range;
    - ``day_stats``: the per-day tables minus the users outside the population (cheaper while
      those are fewer than the users inside); otherwise the facts of the population;
    - ``ready``: the summaries are built (per-user per-day tables can be used for any range).
    Every source reads the same figures (tests compare them); the facts are the reference.
    """

    ready: bool = False
    current: bool = False  # the filter ends today or later
    subtract: bool = False  # fewer users outside the population than inside

    @property
    def lesson_summaries(self) -> bool:
        return self.ready and self.current

    @property
    def day_stats(self) -> bool:
        return self.ready and self.subtract


FACTS = Source()


def day_range(column, flt: StatsFilter) -> list[ColumnElement]:
    conds = []
    if flt.start is not None:
        conds.append(column >= flt.start)
    if flt.end is not None:
        conds.append(column <= flt.end)
    return conds


def response_text(column) -> ColumnElement:
    """A stored quiz response as JSON text ('null' for no response): the key of the option
    distribution, the same in the facts and in the day table."""
    return func.coalesce(json_text(column), literal_column("'null'"))



# ---------------------------------------------------------------- populations


def user_language():
    """A user's UI language; one who never chose counts as the default language."""
    return func.coalesce(users.c.language, literal(get_settings().lang))


def in_population(query: Select, flt: StatsFilter) -> Select:
    """The filter's departments and languages, on a query over ``users``."""
    if flt.departments:
        query = query.where(users.c.department.in_(flt.departments))
    if flt.languages:
        query = query.where(user_language().in_(flt.languages))
    return query


def learners(flt: StatsFilter) -> Select:
    """Active learners of the chosen departments and languages: user_id, department."""
    query = select(users.c.id.label("user_id"), users.c.department).where(
        users.c.role == ROLE_LEARNER, users.c.active == true()
    )
    return in_population(query, flt)


def outside(flt: StatsFilter) -> Select:
    """Every user who is not in ``learners(flt)`` (admins, deactivated accounts, other departments)."""
    return select(users.c.id.label("user_id")).where(users.c.id.not_in(learners(flt).with_only_columns(users.c.id)))


def population_sizes(flt: StatsFilter) -> Select:
    """inside, everyone: the head counts that decide how day tables are corrected."""
    inside = select(func.count()).select_from(learners(flt).subquery()).scalar_subquery()
    return select(inside.label("inside"), select(func.count()).select_from(users).scalar_subquery().label("everyone"))


def learner_directory(flt: StatsFilter) -> Select:
    """The people table's identity columns."""
    query = select(
        users.c.id.label("user_id"), users.c.employee_id, users.c.name, users.c.email, users.c.department,
        user_language().label("language"),
    ).where(users.c.role == ROLE_LEARNER, users.c.active == true())
    return in_population(query, flt).order_by(users.c.department, users.c.employee_id, users.c.id)


def departments() -> Select:
    """Departments that have active learners, with their head count."""
    return (
        select(users.c.department, func.count().label("learners"))
        .where(users.c.role == ROLE_LEARNER, users.c.active == true())
        .group_by(users.c.department)
        .order_by(users.c.department)
    )


def learner_count_by_department(flt: StatsFilter) -> Select:
    L = learners(flt).subquery("l")
    return select(L.c.department, func.count().label("learners")).group_by(L.c.department)




__all__ = [
    "FACTS", "Source", "answers", "attempts", "bucket", "day_bucket", "day_range", "departments", "due_dates",
    "events", "flag", "in_population", "in_range", "user_language", "json_text", "learner_count_by_department", "learner_directory", "learners",
    "local_day", "local_week", "outside", "population_sizes", "progress", "raw_time", "response_text", "users",
]
