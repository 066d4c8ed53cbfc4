"""The overview tab's statements: per lesson and department, lessons done, active learners."""

from __future__ import annotations

from sqlalchemy import (
    Float,
    Integer,
    Select,
    String,
    cast,
    func,
    literal_column,
    null,
    select,
    union_all,
)

from portal.stats.filters import CourseShape, StatsFilter
from portal.stats.queries.people import cells, counted, summary_cells
from portal.stats.queries.common import (
    progress,
    attempts,
    events,
    Source,
    FACTS,
    in_range,
    day_range,
    local_day,
    bucket,
    day_bucket,
    learners,
)
from portal.summaries import activity


def overview_cells(shape: CourseShape, flt: StatsFilter, src: Source = FACTS) -> Select:
    """Both overview aggregates from one pass over the learners' cells (a materialized CTE):

    - kind 'lesson': department, lesson_id, n (learners who touched it), read, passed, completed,
      score_sum, score_n (best scores);
    - kind 'done': department, done (required lessons completed), n (learners). Learners with no activity
      at all are not listed: the service counts them as done = 0.
    """
    L = learners(flt).subquery("l")
    zero = literal_column("0")
    if src.lesson_summaries:
        # the summaries are cheap to read twice: per lesson after the join, and "done" per learner
        # before it (10,000 rows to join instead of 130,000); lessons no longer in the course are
        # dropped by the service's lesson grid
        c = summary_cells(shape, lesson_filter=False).subquery("c")
        per_lesson = select(
            literal_column("'lesson'").label("kind"), L.c.department, c.c.lesson_id,
            cast(null(), Integer).label("done"), func.count().label("n"), func.sum(c.c.read).label("read"),
            func.sum(c.c.passed).label("passed"), func.sum(c.c.completed).label("completed"),
            func.sum(c.c.best_score).label("score_sum"), func.count(c.c.best_score).label("score_n"),
        ).join(L, L.c.user_id == c.c.user_id).group_by(L.c.department, c.c.lesson_id)
        d = summary_cells(shape).subquery("d")
        pu = (select(d.c.user_id, func.sum(counted(shape, d.c.lesson_id, d.c.completed)).label("done"))
              .group_by(d.c.user_id).subquery("pu"))
        done = (
            select(literal_column("'done'"), L.c.department, cast(null(), String), pu.c.done, func.count(),
                   zero, zero, zero, cast(zero, Float), zero)
            .join(L, L.c.user_id == pu.c.user_id)
            .group_by(L.c.department, pu.c.done)
        )
        return union_all(per_lesson, done)
    c = cells(shape, flt, src=src).subquery("c")
    lc = (
        select(c.c.user_id, L.c.department, c.c.lesson_id, c.c.read, c.c.passed, c.c.completed, c.c.best_score)
        .join(L, L.c.user_id == c.c.user_id)
        .cte("lc")
        .prefix_with("MATERIALIZED")
    )
    per_lesson = select(
        literal_column("'lesson'").label("kind"),
        lc.c.department,
        lc.c.lesson_id,
        cast(null(), Integer).label("done"),
        func.count().label("n"),
        func.sum(lc.c.read).label("read"),
        func.sum(lc.c.passed).label("passed"),
        func.sum(lc.c.completed).label("completed"),
        func.sum(lc.c.best_score).label("score_sum"),
        func.count(lc.c.best_score).label("score_n"),
    ).group_by(lc.c.department, lc.c.lesson_id)
    per_user = (
        select(lc.c.department, func.sum(counted(shape, lc.c.lesson_id, lc.c.completed)).label("done"))
        .group_by(lc.c.user_id, lc.c.department)
        .subquery("pu")
    )
    done = select(
        literal_column("'done'"),
        per_user.c.department,
        cast(null(), String),
        per_user.c.done,
        func.count(),
        zero, zero, zero, cast(zero, Float), zero,
    ).group_by(per_user.c.department, per_user.c.done)
    return union_all(per_lesson, done)


def activity_facts(dialect: str) -> Select:
    """user_id, day: every day on which a user opened or read a lesson, submitted a quiz or used
    the sandbox (what ``activity_days`` holds)."""
    parts = [
        select(progress.c.user_id, local_day(progress.c.opened_at, dialect).label("day")),
        select(progress.c.user_id, local_day(progress.c.read_at, dialect)).where(progress.c.read_at.is_not(None)),
        select(attempts.c.user_id, local_day(attempts.c.submitted_at, dialect)).where(attempts.c.status == "submitted"),
        select(events.c.user_id, local_day(events.c.created_at, dialect)),
    ]
    a = union_all(*parts).subquery("a")
    return select(a.c.user_id, a.c.day).distinct()


def active_learners(flt: StatsFilter, dialect: str, unit: str, src: Source = FACTS) -> Select:
    """period, active: distinct learners with any activity (opened or read a lesson, submitted a
    quiz, used the sandbox) per day or week."""
    L = learners(flt).subquery("l")
    if src.ready:
        period = day_bucket(activity.c.day, dialect, unit)
        return (
            select(period.label("period"), func.count(func.distinct(activity.c.user_id)).label("active"))
            .join(L, L.c.user_id == activity.c.user_id)
            .where(*day_range(activity.c.day, flt))
            .group_by(period)
            .order_by(period)
        )
    parts = [
        select(progress.c.user_id, bucket(progress.c.opened_at, dialect, unit).label("period"))
        .where(*in_range(progress.c.opened_at, flt)),
        select(progress.c.user_id, bucket(progress.c.read_at, dialect, unit))
        .where(progress.c.read_at.is_not(None), *in_range(progress.c.read_at, flt)),
        select(attempts.c.user_id, bucket(attempts.c.submitted_at, dialect, unit))
        .where(attempts.c.status == "submitted", *in_range(attempts.c.submitted_at, flt)),
        select(events.c.user_id, bucket(events.c.created_at, dialect, unit))
        .where(*in_range(events.c.created_at, flt)),
    ]
    a = union_all(*parts).subquery("a")
    return (
        select(a.c.period, func.count(func.distinct(a.c.user_id)).label("active"))
        .join(L, L.c.user_id == a.c.user_id)
        .group_by(a.c.period)
        .order_by(a.c.period)
    )
