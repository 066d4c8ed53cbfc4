"""The SQL behind the admin dashboard, as SQLAlchemy Core statements.

Every statistic is aggregated in the database; the services in this package only shape the
(small) results with pandas. Statement builders are pure functions of the filter and the course
shape, so the benchmark can run exactly the statements a service runs ("bare queries").

The completion rule is the one of ``portal.learning.progress`` (documented there): a lesson is
completed when it was read (any content version) and its quiz passed (any submitted attempt);
a lesson without a quiz is completed by reading it. ``cells()`` re-expresses it set-based; a test
checks both agree.

Population: learners are active users with the role ``learner`` (in the chosen departments).
Sandbox statistics count every user of the chosen departments, admins included.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    Date,
    Float,
    Integer,
    Select,
    String,
    Text,
    and_,
    case,
    cast,
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
from sqlalchemy.sql.elements import ColumnElement

from portal.db.models import (
    ROLE_LEARNER,
    ActivityDay,
    DueDate,
    LessonProgress,
    LessonSummary,
    QuestionDayStat,
    QuizAnswer,
    QuizAttempt,
    QuizDayStat,
    SandboxDayStat,
    SandboxEvent,
    SandboxUserDay,
    User,
    UTCDateTime,
)
from portal.stats.filters import JST_OFFSET_HOURS, CourseShape, StatsFilter

users = User.__table__
progress = LessonProgress.__table__
attempts = QuizAttempt.__table__
answers = QuizAnswer.__table__
events = SandboxEvent.__table__
due_dates = DueDate.__table__
summaries = LessonSummary.__table__
quiz_days = QuizDayStat.__table__
question_days = QuestionDayStat.__table__
activity = ActivityDay.__table__
sandbox_days = SandboxUserDay.__table__
sandbox_stats = SandboxDayStat.__table__

SCORE_BINS = 10  # score distribution: 0-9 %, 10-19 %, ..., 90-100 %


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


def _in_range(column, flt: StatsFilter, *, start: bool = True) -> list[ColumnElement]:
    conds = []
    if start and flt.start_utc is not None:
        conds.append(column >= flt.start_utc)
    if flt.end_utc is not None:
        conds.append(column < flt.end_utc)
    return conds


def _flag(cond) -> ColumnElement:
    return case((cond, 1), else_=0)


@dataclass(frozen=True)
class Source:
    """Where a filter's statistics are read from (decided by ``portal.stats.summary.source``).

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


def _day_range(column, flt: StatsFilter) -> list[ColumnElement]:
    conds = []
    if flt.start is not None:
        conds.append(column >= flt.start)
    if flt.end is not None:
        conds.append(column <= flt.end)
    return conds


# ---------------------------------------------------------------- populations


def learners(flt: StatsFilter) -> Select:
    """Active learners of the chosen departments: user_id, department."""
    query = select(users.c.id.label("user_id"), users.c.department).where(
        users.c.role == ROLE_LEARNER, users.c.active == true()
    )
    if flt.departments:
        query = query.where(users.c.department.in_(flt.departments))
    return query


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
    ).where(users.c.role == ROLE_LEARNER, users.c.active == true())
    if flt.departments:
        query = query.where(users.c.department.in_(flt.departments))
    return query.order_by(users.c.department, users.c.employee_id, users.c.id)


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


# ---------------------------------------------------------------- per learner and lesson


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
        _flag(read_cond).label("read"),
        read_at.label("read_at"),
        literal_column("0").label("attempt"),
        literal_column("0").label("passed"),
        null().label("score"),
        null().label("passed_at"),
        func.coalesce(read_at, progress.c.opened_at).label("last_at"),
    ).where(progress.c.lesson_id.in_(lesson_ids), *_in_range(progress.c.opened_at, flt, start=False))
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
            _flag(passed),
            attempts.c.score,
            case((passed, attempts.c.submitted_at)),
            attempts.c.submitted_at,
        ).where(
            attempts.c.status == "submitted",
            attempts.c.quiz_id.in_(list(quiz_map)),
            *_in_range(attempts.c.submitted_at, flt, start=False),
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
        _flag(s.opened_at.is_not(None)).label("opened"),
        _flag(read).label("read"),
        s.read_at,
        s.attempts,
        _flag(s.passed == true()).label("passed"),
        s.best_score,
        s.first_pass_at,
        s.last_at,
        _flag(and_(read, or_(s.passed == true(), s.lesson_id.in_(no_quiz) if no_quiz else false()))).label("completed"),
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
    flags = (c.c.opened * OPENED + c.c.read * READ + c.c.passed * PASSED + _flag(c.c.attempts > 0) * ATTEMPTED
             + c.c.completed * COMPLETED)
    position = case({lesson_id: i for i, lesson_id in enumerate(shape.lesson_ids)}, value=c.c.lesson_id)
    return select(c.c.user_id, (position * CELL + flags).label("cell"), c.c.best_score).join(L, L.c.user_id == c.c.user_id)


def overview_cells(shape: CourseShape, flt: StatsFilter, src: Source = FACTS) -> Select:
    """Both overview aggregates from one pass over the learners' cells (a materialized CTE):

    - kind 'lesson': department, lesson_id, n (learners who touched it), read, passed, completed,
      score_sum, score_n (best scores);
    - kind 'done': department, done (lessons completed), n (learners). Learners with no activity
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
        pu = select(d.c.user_id, func.sum(d.c.completed).label("done")).group_by(d.c.user_id).subquery("pu")
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
        select(lc.c.department, func.sum(lc.c.completed).label("done"))
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


def done_per_learner(shape: CourseShape, flt: StatsFilter, src: Source = FACTS) -> Select:
    """user_id, done (completed lessons), last_at (``raw_time``): learners who touched anything."""
    c = cells(shape, flt, src=src).subquery("c")
    return select(
        c.c.user_id,
        type_coerce(func.sum(c.c.completed), Integer).label("done"),
        raw_time(func.max(c.c.last_at)).label("last_at"),
    ).group_by(c.c.user_id)


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
            .where(*_day_range(activity.c.day, flt))
            .group_by(period)
            .order_by(period)
        )
    parts = [
        select(progress.c.user_id, bucket(progress.c.opened_at, dialect, unit).label("period"))
        .where(*_in_range(progress.c.opened_at, flt)),
        select(progress.c.user_id, bucket(progress.c.read_at, dialect, unit))
        .where(progress.c.read_at.is_not(None), *_in_range(progress.c.read_at, flt)),
        select(attempts.c.user_id, bucket(attempts.c.submitted_at, dialect, unit))
        .where(attempts.c.status == "submitted", *_in_range(attempts.c.submitted_at, flt)),
        select(events.c.user_id, bucket(events.c.created_at, dialect, unit))
        .where(*_in_range(events.c.created_at, flt)),
    ]
    a = union_all(*parts).subquery("a")
    return (
        select(a.c.period, func.count(func.distinct(a.c.user_id)).label("active"))
        .join(L, L.c.user_id == a.c.user_id)
        .group_by(a.c.period)
        .order_by(a.c.period)
    )


# ---------------------------------------------------------------- quizzes


def _submitted(shape: CourseShape, flt: StatsFilter) -> list[ColumnElement]:
    quiz_ids = list(shape.quiz_to_lesson) or ["-"]
    return [
        attempts.c.status == "submitted",
        attempts.c.quiz_id.in_(quiz_ids),
        *_in_range(attempts.c.submitted_at, flt, start=False),
    ]


def score_bin(score) -> ColumnElement:
    s = score + 1e-9
    return case(*[(s < (i + 1) / SCORE_BINS, i) for i in range(SCORE_BINS - 1)], else_=SCORE_BINS - 1)


def quiz_attempts(shape: CourseShape, flt: StatsFilter, src: Source = FACTS) -> Select:
    """Attempt-level quiz figures. A learner's attempts are numbered per quiz in submission order
    (``attempt_no``; 1 = the first attempt). Rows, by kind:

    - 'bin':     quiz_id, first (1/0), k = score bin, n = attempts, score_sum, passed
                 (attempts submitted inside the range);
    - 'learners': quiz_id, n = distinct learners with an attempt inside the range;
    - 'to_pass': quiz_id, k = attempt number of the first pass (NULL = not passed yet),
                 n = learners (as of the end of the range).
    """
    L = learners(flt).subquery("l")
    a = attempts.c
    mine = and_(*_submitted(shape, flt))
    zero = literal_column("0")
    first = _flag(a.attempt_no == 1)
    b = score_bin(a.score)
    if src.day_stats:  # the day table, minus the attempts of users outside the population
        d = quiz_days.c
        quiz_ids = list(shape.quiz_to_lesson) or ["-"]
        kept = select(d.quiz_id, d.first, d.bin.label("k"), d.n, d.score_sum, d.passed).where(
            d.quiz_id.in_(quiz_ids), *_day_range(d.day, flt)
        )
        removed = (
            select(a.quiz_id, first, b, literal_column("-1"), -a.score, -_flag(a.passed == true()))
            .where(a.user_id.in_(outside(flt)), mine, *_in_range(a.submitted_at, flt))
        )
        u = union_all(kept, removed).subquery("u")
        bins = (
            select(literal_column("'bin'").label("kind"), u.c.quiz_id, u.c.first, u.c.k,
                   func.sum(u.c.n).label("n"), func.sum(u.c.score_sum).label("score_sum"),
                   func.sum(u.c.passed).label("passed"))
            .group_by(u.c.quiz_id, u.c.first, u.c.k)
            .having(func.sum(u.c.n) > 0)
        )
    else:
        bins = (
            select(literal_column("'bin'").label("kind"), a.quiz_id, first.label("first"), b.label("k"),
                   func.count().label("n"), func.sum(a.score).label("score_sum"),
                   func.sum(_flag(a.passed == true())).label("passed"))
            .join(L, L.c.user_id == a.user_id)
            .where(mine, *_in_range(a.submitted_at, flt))
            .group_by(a.quiz_id, first, b)
        )
    if src.lesson_summaries:
        # one pass over the summaries: per quiz and attempt number of the first pass, the learners
        # with attempts and those whose latest attempt is inside the range (everything is before
        # the range's end, so "an attempt inside the range" = "the latest one is")
        s = summaries.c
        recent = _flag(s.last_attempt_at >= flt.start_utc) if flt.start_utc is not None else literal_column("1")
        per = (
            select(s.quiz_id, s.pass_attempt_no.label("needed"), func.count().label("n"),
                   func.sum(recent).label("recent"))
            .join(L, L.c.user_id == s.user_id)
            .where(s.attempts > 0, s.quiz_id.in_(list(shape.quiz_to_lesson) or ["-"]))
            .group_by(s.quiz_id, s.pass_attempt_no)
            .cte("per_pass")
        )
        people = (
            select(literal_column("'learners'"), per.c.quiz_id, zero, cast(null(), Integer),
                   type_coerce(func.sum(per.c.recent), Integer), cast(zero, Float), zero)
            .group_by(per.c.quiz_id)
            .having(func.sum(per.c.recent) > 0)
        )
        to_pass = select(
            literal_column("'to_pass'"), per.c.quiz_id, zero, per.c.needed, per.c.n, cast(zero, Float), zero,
        )
        return union_all(bins, people, to_pass)
    people = (
        select(literal_column("'learners'"), a.quiz_id, zero, cast(null(), Integer),
               func.count(func.distinct(a.user_id)), cast(zero, Float), zero)
        .join(L, L.c.user_id == a.user_id)
        .where(mine, *_in_range(a.submitted_at, flt))
        .group_by(a.quiz_id)
    )
    per = (
        select(a.quiz_id, func.min(case((a.passed == true(), a.attempt_no))).label("needed"))
        .join(L, L.c.user_id == a.user_id)
        .where(mine)
        .group_by(a.quiz_id, a.user_id)
        .subquery("p")
    )
    to_pass = select(
        literal_column("'to_pass'"), per.c.quiz_id, zero, per.c.needed, func.count(), cast(zero, Float), zero,
    ).group_by(per.c.quiz_id, per.c.needed)
    return union_all(bins, people, to_pass)


def response_text(column) -> ColumnElement:
    """A stored quiz response as JSON text ('null' for no response): the key of the option
    distribution, the same in the facts and in the day table."""
    return func.coalesce(json_text(column), literal_column("'null'"))


_MOMENTS = ("n", "sx", "sxx", "st", "stt", "stx", "correct")


def _answer_moments(sign: int) -> list[ColumnElement]:
    """Per answer of a first attempt: n, x, x², T, T², T·x, correct (times ``sign``)."""
    x = answers.c.credit
    t = attempts.c.score * func.json_array_length(attempts.c.question_ids)
    values = [x, x * x, t, t * t, t * x, _flag(answers.c.correct == true())]
    return [literal_column(str(sign)), *(v if sign == 1 else -v for v in values)]


def question_moments(shape: CourseShape, flt: StatsFilter, src: Source = FACTS) -> Select:
    """Per quiz, question and distinct response, over first attempts submitted in the range:
    n, sums of x (credit), x², T (credits of the whole attempt), T², T·x, and the number fully
    correct. Summed over responses these give the facility and discrimination indices; per
    response they give the distribution of chosen options."""
    a = attempts.c
    firsts = [*_submitted(shape, flt), a.attempt_no == 1, *_in_range(a.submitted_at, flt)]
    joined = attempts.join(answers, answers.c.attempt_id == a.id)
    key = [a.quiz_id, answers.c.question_id, response_text(answers.c.response).label("response")]
    if src.day_stats:
        d = question_days.c
        quiz_ids = list(shape.quiz_to_lesson) or ["-"]
        kept = select(d.quiz_id, d.question_id, d.response, *(d[m] for m in _MOMENTS)).where(
            d.quiz_id.in_(quiz_ids), *_day_range(d.day, flt)
        )
        removed = select(*key, *_answer_moments(-1)).select_from(joined).where(a.user_id.in_(outside(flt)), *firsts)
        u = union_all(kept, removed).subquery("u")
        return (
            select(u.c.quiz_id, u.c.question_id, u.c.response, *(func.sum(u.c[m]).label(m) for m in _MOMENTS))
            .group_by(u.c.quiz_id, u.c.question_id, u.c.response)
            .having(func.sum(u.c.n) > 0)
        )
    L = learners(flt).subquery("l")
    return (
        select(*key, *(func.sum(v).label(m) for v, m in zip(_answer_moments(1), _MOMENTS)))
        .select_from(joined.join(L, L.c.user_id == a.user_id))
        .where(*firsts)
        .group_by(*key[:2], response_text(answers.c.response))
    )


# ---------------------------------------------------------------- sandbox


def _sandbox_users(flt: StatsFilter):
    query = select(users.c.id.label("user_id"), users.c.department)
    if flt.departments:
        query = query.where(users.c.department.in_(flt.departments))
    return query.subquery("su")


def _sandbox_outside(flt: StatsFilter) -> Select:
    """Users outside the sandbox population (everyone of the chosen departments, admins included)."""
    if not flt.departments:
        return select(users.c.id).where(false())
    return select(users.c.id).where(users.c.department.not_in(flt.departments))


def _tokens():
    return events.c.prompt_tokens + events.c.completion_tokens


def quota_counted() -> ColumnElement:
    """The quota's own counting rule (portal.sandbox.quotas): blocked sends and sends refused
    before reaching the model do not use a request; every event's tokens count."""
    from portal.sandbox.quotas import NOT_COUNTED_KINDS

    return and_(
        events.c.outcome != "blocked",
        or_(events.c.error_kind.is_(None), events.c.error_kind.not_in(NOT_COUNTED_KINDS)),
    )


def _sandbox_per_user_day(flt: StatsFilter, dialect: str, src: Source, *, department: bool = False):
    """user_id, [department,] day, requests, counted, tokens, flagged, last_at: one row per user
    and day with sandbox use in the range."""
    U = _sandbox_users(flt)
    if src.ready:
        d = sandbox_days.c
        query = select(d.user_id, d.day, d.requests, d.counted, d.tokens, d.flagged, d.last_at).where(
            *_day_range(d.day, flt)
        )
        if department or flt.departments:  # everyone's use counts: no join needed without a filter
            query = query.join(U, U.c.user_id == d.user_id).add_columns(U.c.department)
        return query.subquery("d")
    day = local_day(events.c.created_at, dialect)
    return (
        select(
            events.c.user_id, U.c.department, day.label("day"), func.count().label("requests"),
            func.sum(_flag(quota_counted())).label("counted"), func.sum(_tokens()).label("tokens"),
            func.sum(_flag(events.c.risk_action != "none")).label("flagged"),
            func.max(events.c.created_at).label("last_at"),
        )
        .join(U, U.c.user_id == events.c.user_id)
        .where(*_in_range(events.c.created_at, flt))
        .group_by(events.c.user_id, U.c.department, day)
        .subquery("d")
    )


def sandbox_by_period(flt: StatsFilter, dialect: str, unit: str, src: Source = FACTS) -> Select:
    d = _sandbox_per_user_day(flt, dialect, src)
    period = day_bucket(d.c.day, dialect, unit)
    # one row per user and day: per day, rows are distinct users already
    users_in_period = func.count(func.distinct(d.c.user_id)) if unit == "week" else func.count()
    return (
        select(
            period.label("period"),
            func.sum(d.c.requests).label("requests"),
            func.sum(d.c.tokens).label("tokens"),
            users_in_period.label("users"),
            func.sum(d.c.flagged).label("flagged"),
        )
        .group_by(period)
        .order_by(period)
    )


def sandbox_by_department(flt: StatsFilter, dialect: str = "sqlite", src: Source = FACTS) -> Select:
    d = _sandbox_per_user_day(flt, dialect, src, department=True)
    return (
        select(
            d.c.department,
            func.sum(d.c.requests).label("requests"),
            func.sum(d.c.tokens).label("tokens"),
            func.count(func.distinct(d.c.user_id)).label("users"),
            func.sum(d.c.flagged).label("flagged"),
        )
        .group_by(d.c.department)
    )


def _sandbox_breakdown(flt: StatsFilter, kind: str, keys: list, values: list, src: Source) -> Select | None:
    """With the day table (ready and subtract): the kind's rows in the range minus the events of
    the users outside the population, as (k1, k2, k3, requests, tokens, latency_sum, latency_n)."""
    if not src.day_stats:
        return None
    t = sandbox_stats.c
    kept = select(t.k1, t.k2, t.k3, t.requests, t.tokens, t.latency_sum, t.latency_n).where(
        t.kind == kind, *_day_range(t.day, flt)
    )
    removed = select(*keys, *values).where(events.c.user_id.in_(_sandbox_outside(flt)), *_in_range(events.c.created_at, flt))
    u = union_all(kept, removed).subquery("u")
    return select(u).subquery("b")


def sandbox_by_kind(flt: StatsFilter, src: Source = FACTS) -> Select:
    """mode, model, outcome: requests, tokens, mean latency."""
    e = events.c
    b = _sandbox_breakdown(flt, "kind", [e.mode, e.model, e.outcome], [
        literal_column("-1"), -_tokens(), -func.coalesce(e.latency_ms, 0.0), -_flag(e.latency_ms.is_not(None)),
    ], src)
    if b is not None:
        n = func.sum(b.c.latency_n)
        return (
            select(b.c.k1.label("mode"), b.c.k2.label("model"), b.c.k3.label("outcome"),
                   func.sum(b.c.requests).label("requests"), func.sum(b.c.tokens).label("tokens"),
                   (func.sum(b.c.latency_sum) / case((n > 0, n))).label("latency_ms"))
            .group_by(b.c.k1, b.c.k2, b.c.k3)
            .having(func.sum(b.c.requests) > 0)
        )
    U = _sandbox_users(flt)
    return (
        select(
            e.mode,
            e.model,
            e.outcome,
            func.count().label("requests"),
            func.sum(_tokens()).label("tokens"),
            func.avg(e.latency_ms).label("latency_ms"),
        )
        .join(U, U.c.user_id == e.user_id)
        .where(*_in_range(e.created_at, flt))
        .group_by(e.mode, e.model, e.outcome)
    )


def sandbox_ratings(flt: StatsFilter, src: Source = FACTS) -> Select:
    e = events.c
    empty = literal_column("''")
    zero = literal_column("0")
    b = _sandbox_breakdown(flt, "rating", [func.coalesce(cast(e.rating, Text), empty), empty, empty],
                           [literal_column("-1"), zero, zero, zero], src)
    if b is not None:
        rating = case((b.c.k1 == "", null()), else_=cast(b.c.k1, Integer))
        return (
            select(type_coerce(rating, Integer).label("rating"), func.sum(b.c.requests).label("requests"))
            .group_by(b.c.k1)
            .having(func.sum(b.c.requests) > 0)
        )
    U = _sandbox_users(flt)
    return (
        select(e.rating, func.count().label("requests"))
        .join(U, U.c.user_id == e.user_id)
        .where(*_in_range(e.created_at, flt))
        .group_by(e.rating)
    )


def sandbox_risks(flt: StatsFilter, src: Source = FACTS) -> Select:
    """risk_action, categories (JSON text {category: count}), requests: counts only."""
    e = events.c
    cats = json_text(e.risk_categories)
    empty = literal_column("''")
    zero = literal_column("0")
    b = _sandbox_breakdown(flt, "risk", [e.risk_action, cats, empty], [literal_column("-1"), zero, zero, zero], src)
    if b is not None:
        return (
            select(b.c.k1.label("risk_action"), b.c.k2.label("categories"), func.sum(b.c.requests).label("requests"))
            .group_by(b.c.k1, b.c.k2)
            .having(func.sum(b.c.requests) > 0)
        )
    U = _sandbox_users(flt)
    return (
        select(e.risk_action, cats.label("categories"), func.count().label("requests"))
        .join(U, U.c.user_id == e.user_id)
        .where(*_in_range(e.created_at, flt))
        .group_by(e.risk_action, cats)
    )


def sandbox_quota_use(
    flt: StatsFilter, dialect: str, default_requests: int, default_tokens: int, src: Source = FACTS
) -> Select:
    """Per user: days used, peak requests and tokens in one (Japanese) day, and the days on which
    the request or token quota (the user's own, else the admin default) was reached. Requests
    and tokens are counted as the quota counts them."""
    per_day = _sandbox_per_user_day(flt, dialect, src)
    req_quota = func.coalesce(users.c.daily_request_quota, default_requests)
    tok_quota = func.coalesce(users.c.daily_token_quota, default_tokens)
    return (
        select(
            users.c.id.label("user_id"),
            users.c.employee_id,
            users.c.name,
            users.c.department,
            req_quota.label("request_quota"),
            tok_quota.label("token_quota"),
            func.count().label("days"),
            func.sum(per_day.c.counted).label("requests"),
            func.sum(per_day.c.tokens).label("tokens"),
            func.max(per_day.c.counted).label("peak_requests"),
            func.max(per_day.c.tokens).label("peak_tokens"),
            func.sum(_flag(or_(per_day.c.counted >= req_quota, per_day.c.tokens >= tok_quota))).label("days_at_limit"),
        )
        .join(users, users.c.id == per_day.c.user_id)
        .group_by(users.c.id, users.c.employee_id, users.c.name, users.c.department, req_quota, tok_quota)
    )


def sandbox_last_use(flt: StatsFilter, src: Source = FACTS) -> Select:
    """user_id, sandbox_at (``raw_time``): each user's latest sandbox use up to the end of the range."""
    if src.lesson_summaries:  # as of now
        d = sandbox_days.c
        return select(d.user_id, raw_time(func.max(d.last_at)).label("sandbox_at")).group_by(d.user_id)
    query = select(events.c.user_id, raw_time(func.max(events.c.created_at)).label("sandbox_at")).group_by(events.c.user_id)
    if flt.end_utc is not None:
        query = query.where(events.c.created_at < flt.end_utc)
    return query


# ---------------------------------------------------------------- due dates


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

