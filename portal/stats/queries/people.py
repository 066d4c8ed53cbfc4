"""The people tab's statements: one cell per learner and lesson (the completion rule, set-based)."""

from __future__ import annotations

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    and_,
    case,
    false,
    func,
    literal_column,
    null,
    or_,
    select,
    true,
    type_coerce,
    union_all,
)

from portal.db.models import UTCDateTime
from portal.stats.filters import CourseShape, StatsFilter
from portal.stats.queries.common import (
    progress,
    attempts,
    Source,
    FACTS,
    in_range,
    flag,
    raw_time,
    learners,
)
from portal.summaries import summaries


def cells(shape: CourseShape, flt: StatsFilter, *, user_id: int | None = None, src: Source = FACTS) -> Select:
    """One row per (learner, lesson) the learner touched, as of the end of the filter range.

    Columns: user_id, lesson_id, opened, read (0/1), read_at (first reading), attempts,
    passed (0/1), best_score, first_pass_at, last_at (latest activity), completed (0/1).
    """
    if src.lesson_summaries:
        return summary_cells(shape, user_id=user_id)
    end = flt.end_utc
    quiz_map = shape.quiz_to_lesson
    lesson_ids = shape.lesson_ids or ["-"]

    if end is not None:
        read_cond = and_(progress.c.read_at.is_not(None), progress.c.read_at < end)
    else:
        read_cond = progress.c.read_at.is_not(None)
    read_at = case((read_cond, progress.c.read_at))
    prog = select(
        progress.c.user_id,
        progress.c.lesson_id,
        literal_column("1").label("opened"),
        flag(read_cond).label("read"),
        read_at.label("read_at"),
        literal_column("0").label("attempt"),
        literal_column("0").label("passed"),
        null().label("score"),
        null().label("passed_at"),
        func.coalesce(read_at, progress.c.opened_at).label("last_at"),
    ).where(progress.c.lesson_id.in_(lesson_ids), *in_range(progress.c.opened_at, flt, start=False))
    if user_id is not None:
        prog = prog.where(progress.c.user_id == user_id)
    parts = [prog]
    if quiz_map:
        passed = attempts.c.passed == true()
        att = select(
            attempts.c.user_id,
            case(quiz_map, value=attempts.c.quiz_id).label("lesson_id"),
            literal_column("0"),
            literal_column("0"),
            null(),
            literal_column("1"),
            flag(passed),
            attempts.c.score,
            case((passed, attempts.c.submitted_at)),
            attempts.c.submitted_at,
        ).where(
            attempts.c.status == "submitted",
            attempts.c.quiz_id.in_(list(quiz_map)),
            *in_range(attempts.c.submitted_at, flt, start=False),
        )
        if user_id is not None:
            att = att.where(attempts.c.user_id == user_id)
        parts.append(att)
    u = union_all(*parts).subquery("u")
    read = func.max(u.c.read)
    passed_any = func.max(u.c.passed)
    no_quiz = shape.lessons_without_quiz
    completed = case(
        (and_(read == 1, or_(passed_any == 1, u.c.lesson_id.in_(no_quiz) if no_quiz else false())), 1), else_=0
    )
    return select(
        u.c.user_id,
        u.c.lesson_id,
        type_coerce(func.max(u.c.opened), Integer).label("opened"),
        type_coerce(read, Integer).label("read"),
        type_coerce(func.min(u.c.read_at), UTCDateTime()).label("read_at"),
        type_coerce(func.sum(u.c.attempt), Integer).label("attempts"),
        type_coerce(passed_any, Integer).label("passed"),
        type_coerce(func.max(u.c.score), Float).label("best_score"),
        type_coerce(func.min(u.c.passed_at), UTCDateTime()).label("first_pass_at"),
        type_coerce(func.max(u.c.last_at), UTCDateTime()).label("last_at"),
        completed.label("completed"),
    ).group_by(u.c.user_id, u.c.lesson_id)


def summary_cells(shape: CourseShape, *, user_id: int | None = None, lesson_filter: bool = True) -> Select:
    """``cells`` as of now, from the lesson summaries (one row per learner and lesson).
    ``lesson_filter=False``: also rows of lessons no longer in the course (for callers that drop
    them themselves)."""
    s = summaries.c
    no_quiz = shape.lessons_without_quiz
    read = s.read_at.is_not(None)
    query = select(
        s.user_id,
        s.lesson_id,
        flag(s.opened_at.is_not(None)).label("opened"),
        flag(read).label("read"),
        s.read_at,
        s.attempts,
        flag(s.passed == true()).label("passed"),
        s.best_score,
        s.first_pass_at,
        s.last_at,
        flag(and_(read, or_(s.passed == true(), s.lesson_id.in_(no_quiz) if no_quiz else false()))).label("completed"),
    )
    if user_id is not None:
        return query.where(s.user_id == user_id, s.lesson_id.in_(shape.lesson_ids or ["-"]))
    if not lesson_filter:
        return query
    # a filter, not an index condition (`|| ''`): SQLite would otherwise probe the primary key once
    # per learner and lesson id instead of reading each learner's rows in one range
    return query.where(s.lesson_id.op("||")(literal_column("''")).in_(shape.lesson_ids or ["-"]))


def learner_cells(shape: CourseShape, flt: StatsFilter) -> Select:
    """``cells`` (from the facts) restricted to the learners of the filter (the xAPI export)."""
    c = cells(shape, flt).subquery("c")
    L = learners(flt).subquery("l")
    return select(c).join(L, L.c.user_id == c.c.user_id)


# the people table's cell flags, packed into one integer (one value to fetch per cell, not five)
OPENED, READ, PASSED, ATTEMPTED, COMPLETED = 1, 2, 4, 8, 16
CELL = 32  # people_cells: cell = lesson position * CELL + flags


def people_cells(shape: CourseShape, flt: StatsFilter, src: Source = FACTS) -> Select:
    """user_id, cell, best_score: the learners' cells for the people table, with
    cell = lesson's position in ``shape.lessons`` * 32 + flags (OPENED | READ | PASSED |
    ATTEMPTED | COMPLETED): two small integers per cell instead of a text and five flags."""
    # from the summaries, rows of lessons no longer in the course get a NULL cell (dropped by the service)
    c = (summary_cells(shape, lesson_filter=False) if src.lesson_summaries else cells(shape, flt, src=src)).subquery("c")
    L = learners(flt).subquery("l")
    flags = (c.c.opened * OPENED + c.c.read * READ + c.c.passed * PASSED + flag(c.c.attempts > 0) * ATTEMPTED
             + c.c.completed * COMPLETED)
    position = case({lesson_id: i for i, lesson_id in enumerate(shape.lesson_ids)}, value=c.c.lesson_id)
    return select(c.c.user_id, (position * CELL + flags).label("cell"), c.c.best_score).join(L, L.c.user_id == c.c.user_id)


def counted(shape: CourseShape, lesson_id, completed) -> ColumnElement:
    """``completed`` where the lesson counts for course completion (required), else 0: summed per
    learner, the "done" that is compared with ``shape.n_required``."""
    required = shape.required_ids
    if len(required) == len(shape.lessons):
        return completed
    return case((lesson_id.in_(required or ["-"]), completed), else_=literal_column("0"))


def done_per_learner(shape: CourseShape, flt: StatsFilter, src: Source = FACTS) -> Select:
    """user_id, done (completed required lessons), last_at (``raw_time``): learners who touched
    anything."""
    c = cells(shape, flt, src=src).subquery("c")
    return select(
        c.c.user_id,
        type_coerce(func.sum(counted(shape, c.c.lesson_id, c.c.completed)), Integer).label("done"),
        raw_time(func.max(c.c.last_at)).label("last_at"),
    ).group_by(c.c.user_id)
