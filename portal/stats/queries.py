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
    DueDate,
    LessonProgress,
    QuizAnswer,
    QuizAttempt,
    SandboxEvent,
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


def json_text(column) -> ColumnElement:
    """A JSON column as text (PostgreSQL's json type cannot be grouped or compared)."""
    return cast(column, Text)


def _in_range(column, flt: StatsFilter, *, start: bool = True) -> list[ColumnElement]:
    conds = []
    if start and flt.start_utc is not None:
        conds.append(column >= flt.start_utc)
    if flt.end_utc is not None:
        conds.append(column < flt.end_utc)
    return conds


def _flag(cond) -> ColumnElement:
    return case((cond, 1), else_=0)


# ---------------------------------------------------------------- populations


def learners(flt: StatsFilter) -> Select:
    """Active learners of the chosen departments: user_id, department."""
    query = select(users.c.id.label("user_id"), users.c.department).where(
        users.c.role == ROLE_LEARNER, users.c.active == true()
    )
    if flt.departments:
        query = query.where(users.c.department.in_(flt.departments))
    return query


def learner_directory(flt: StatsFilter) -> Select:
    """The people table's identity columns."""
    query = select(
        users.c.id.label("user_id"), users.c.employee_id, users.c.name, users.c.email, users.c.department,
        users.c.created_at, users.c.last_login_at,
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


def cells(shape: CourseShape, flt: StatsFilter, *, user_id: int | None = None) -> Select:
    """One row per (learner, lesson) the learner touched, as of the end of the filter range.

    Columns: user_id, lesson_id, opened, read (0/1), read_at (first reading), attempts,
    passed (0/1), best_score, first_pass_at, last_at (latest activity), completed (0/1).
    """
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


def learner_cells(shape: CourseShape, flt: StatsFilter, *, columns: tuple[str, ...] | None = None) -> Select:
    """``cells`` restricted to the learners of the filter; only ``columns`` when given (every
    timestamp fetched costs a conversion per row)."""
    c = cells(shape, flt).subquery("c")
    L = learners(flt).subquery("l")
    chosen = [c.c[name] for name in columns] if columns else [c]
    return select(*chosen).join(L, L.c.user_id == c.c.user_id)


def overview_cells(shape: CourseShape, flt: StatsFilter) -> Select:
    """Both overview aggregates from one pass over the learners' cells (a materialized CTE):

    - kind 'lesson': department, lesson_id, n (learners who touched it), read, passed, completed,
      score_sum, score_n (best scores);
    - kind 'done': department, done (lessons completed), n (learners). Learners with no activity
      at all are not listed: the service counts them as done = 0.
    """
    c = cells(shape, flt).subquery("c")
    L = learners(flt).subquery("l")
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
    zero = literal_column("0")
    done = select(
        literal_column("'done'"),
        per_user.c.department,
        cast(null(), String),
        per_user.c.done,
        func.count(),
        zero, zero, zero, cast(zero, Float), zero,
    ).group_by(per_user.c.department, per_user.c.done)
    return union_all(per_lesson, done)


def done_per_learner(shape: CourseShape, flt: StatsFilter) -> Select:
    """user_id, done (completed lessons), last_at: learners who touched anything."""
    c = cells(shape, flt).subquery("c")
    return select(
        c.c.user_id,
        type_coerce(func.sum(c.c.completed), Integer).label("done"),
        type_coerce(func.max(c.c.last_at), UTCDateTime()).label("last_at"),
    ).group_by(c.c.user_id)


def active_learners(flt: StatsFilter, dialect: str, unit: str) -> Select:
    """period, active: distinct learners with any activity (opened or read a lesson, submitted a
    quiz, used the sandbox) per day or week."""
    L = learners(flt).subquery("l")
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


def _score_bin(score) -> ColumnElement:
    s = score + 1e-9
    return case(*[(s < (i + 1) / SCORE_BINS, i) for i in range(SCORE_BINS - 1)], else_=SCORE_BINS - 1)


def quiz_attempts(shape: CourseShape, flt: StatsFilter) -> Select:
    """Attempt-level quiz figures from one pass over the submitted attempts of the learners up
    to the end of the range, numbered per learner and quiz (n = 1: the first attempt, i.e. the
    one started first; a learner has at most one unfinished attempt per quiz, so this is also
    the submission order). Rows, by kind:

    - 'bin':     quiz_id, first (1/0), k = score bin, n = attempts, score_sum, passed
                 (attempts submitted inside the range);
    - 'learners': quiz_id, n = distinct learners with an attempt inside the range;
    - 'to_pass': quiz_id, k = attempt number of the first pass (NULL = not passed yet),
                 n = learners (as of the end of the range).
    """
    L = learners(flt).subquery("l")
    number = func.row_number().over(partition_by=(attempts.c.user_id, attempts.c.quiz_id), order_by=attempts.c.id)
    r = (
        select(
            attempts.c.user_id, attempts.c.quiz_id, attempts.c.score, attempts.c.submitted_at,
            _flag(attempts.c.passed == true()).label("passed"), number.label("n"),
        )
        .join(L, L.c.user_id == attempts.c.user_id)
        .where(*_submitted(shape, flt))
        .cte("r")
        .prefix_with("MATERIALIZED")
    )
    in_range = _in_range(r.c.submitted_at, flt)
    first = _flag(r.c.n == 1)
    b = _score_bin(r.c.score)
    bins = (
        select(
            literal_column("'bin'").label("kind"), r.c.quiz_id, first.label("first"), b.label("k"),
            func.count().label("n"), func.sum(r.c.score).label("score_sum"), func.sum(r.c.passed).label("passed"),
        )
        .where(*in_range)
        .group_by(r.c.quiz_id, first, b)
    )
    zero = literal_column("0")
    people = (
        select(literal_column("'learners'"), r.c.quiz_id, zero, cast(null(), Integer),
               func.count(func.distinct(r.c.user_id)), cast(zero, Float), zero)
        .where(*in_range)
        .group_by(r.c.quiz_id)
    )
    per = (
        select(r.c.quiz_id, func.min(case((r.c.passed == 1, r.c.n))).label("needed"))
        .group_by(r.c.quiz_id, r.c.user_id)
        .subquery("p")
    )
    to_pass = select(
        literal_column("'to_pass'"), per.c.quiz_id, zero, per.c.needed, func.count(), cast(zero, Float), zero,
    ).group_by(per.c.quiz_id, per.c.needed)
    return union_all(bins, people, to_pass)


def question_moments(shape: CourseShape, flt: StatsFilter) -> Select:
    """Per quiz, question and distinct response, over first attempts submitted in the range:
    n, sums of x (credit), x², T (credits of the whole attempt), T², T·x, and the number fully
    correct. Summed over responses these give the facility and discrimination indices; per
    response they give the distribution of chosen options. The first attempt is the one with
    the lowest id (started first), as in ``quiz_attempts``."""
    L = learners(flt).subquery("l")
    first_ids = (
        select(func.min(attempts.c.id).label("id"))
        .join(L, L.c.user_id == attempts.c.user_id)
        .where(*_submitted(shape, flt))
        .group_by(attempts.c.user_id, attempts.c.quiz_id)
        .subquery("fi")
    )
    a1 = attempts.alias("a1")
    total = (a1.c.score * func.json_array_length(a1.c.question_ids))
    first = (
        select(a1.c.id, a1.c.quiz_id, total.label("total"))
        .join(first_ids, first_ids.c.id == a1.c.id)
        .where(*_in_range(a1.c.submitted_at, flt))
        .subquery("f")
    )
    x = answers.c.credit
    t = first.c.total
    response = json_text(answers.c.response)
    return (
        select(
            first.c.quiz_id,
            answers.c.question_id,
            response.label("response"),
            func.count().label("n"),
            func.sum(x).label("sx"),
            func.sum(x * x).label("sxx"),
            func.sum(t).label("st"),
            func.sum(t * t).label("stt"),
            func.sum(t * x).label("stx"),
            func.sum(_flag(answers.c.correct == true())).label("correct"),
        )
        .select_from(first.join(answers, answers.c.attempt_id == first.c.id))
        .group_by(first.c.quiz_id, answers.c.question_id, response)
    )


# ---------------------------------------------------------------- sandbox


def _sandbox_users(flt: StatsFilter):
    query = select(users.c.id.label("user_id"), users.c.department)
    if flt.departments:
        query = query.where(users.c.department.in_(flt.departments))
    return query.subquery("su")


def _tokens():
    return events.c.prompt_tokens + events.c.completion_tokens


def sandbox_by_period(flt: StatsFilter, dialect: str, unit: str) -> Select:
    U = _sandbox_users(flt)
    period = bucket(events.c.created_at, dialect, unit)
    flagged = events.c.risk_action != "none"
    return (
        select(
            period.label("period"),
            func.count().label("requests"),
            func.sum(_tokens()).label("tokens"),
            func.count(func.distinct(events.c.user_id)).label("users"),
            func.sum(_flag(flagged)).label("flagged"),
        )
        .join(U, U.c.user_id == events.c.user_id)
        .where(*_in_range(events.c.created_at, flt))
        .group_by(period)
        .order_by(period)
    )


def sandbox_by_department(flt: StatsFilter) -> Select:
    U = _sandbox_users(flt)
    return (
        select(
            U.c.department,
            func.count().label("requests"),
            func.sum(_tokens()).label("tokens"),
            func.count(func.distinct(events.c.user_id)).label("users"),
            func.sum(_flag(events.c.risk_action != "none")).label("flagged"),
        )
        .join(U, U.c.user_id == events.c.user_id)
        .where(*_in_range(events.c.created_at, flt))
        .group_by(U.c.department)
    )


def sandbox_by_kind(flt: StatsFilter) -> Select:
    """mode, model, outcome: requests, tokens, mean latency."""
    U = _sandbox_users(flt)
    return (
        select(
            events.c.mode,
            events.c.model,
            events.c.outcome,
            func.count().label("requests"),
            func.sum(_tokens()).label("tokens"),
            func.avg(events.c.latency_ms).label("latency_ms"),
        )
        .join(U, U.c.user_id == events.c.user_id)
        .where(*_in_range(events.c.created_at, flt))
        .group_by(events.c.mode, events.c.model, events.c.outcome)
    )


def sandbox_ratings(flt: StatsFilter) -> Select:
    U = _sandbox_users(flt)
    return (
        select(events.c.rating, func.count().label("requests"))
        .join(U, U.c.user_id == events.c.user_id)
        .where(*_in_range(events.c.created_at, flt))
        .group_by(events.c.rating)
    )


def sandbox_risks(flt: StatsFilter) -> Select:
    """risk_action, categories (JSON text {category: count}), requests: counts only."""
    U = _sandbox_users(flt)
    cats = json_text(events.c.risk_categories)
    return (
        select(events.c.risk_action, cats.label("categories"), func.count().label("requests"))
        .join(U, U.c.user_id == events.c.user_id)
        .where(*_in_range(events.c.created_at, flt))
        .group_by(events.c.risk_action, cats)
    )


def sandbox_quota_use(flt: StatsFilter, dialect: str, default_requests: int, default_tokens: int) -> Select:
    """Per user: days used, peak requests and tokens in one (Japanese) day, and the days on which
    the request or token quota (the user's own, else the admin default) was reached. Requests
    and tokens are counted as the quota counts them."""
    from portal.sandbox.quotas import NOT_COUNTED_KINDS

    U = _sandbox_users(flt)
    day = local_day(events.c.created_at, dialect)
    # the quota's own counting rule (portal.sandbox.quotas): blocked sends and sends refused
    # before reaching the model do not use a request; every event's tokens count
    counted = and_(
        events.c.outcome != "blocked",
        or_(events.c.error_kind.is_(None), events.c.error_kind.not_in(NOT_COUNTED_KINDS)),
    )
    per_day = (
        select(events.c.user_id, day.label("day"), func.sum(_flag(counted)).label("requests"),
               func.sum(_tokens()).label("tokens"))
        .join(U, U.c.user_id == events.c.user_id)
        .where(*_in_range(events.c.created_at, flt))
        .group_by(events.c.user_id, day)
        .subquery("d")
    )
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
            func.sum(per_day.c.requests).label("requests"),
            func.sum(per_day.c.tokens).label("tokens"),
            func.max(per_day.c.requests).label("peak_requests"),
            func.max(per_day.c.tokens).label("peak_tokens"),
            func.sum(_flag(or_(per_day.c.requests >= req_quota, per_day.c.tokens >= tok_quota))).label("days_at_limit"),
        )
        .join(users, users.c.id == per_day.c.user_id)
        .group_by(users.c.id, users.c.employee_id, users.c.name, users.c.department, req_quota, tok_quota)
    )


# ---------------------------------------------------------------- due dates


def learner_due(shape: CourseShape, flt: StatsFilter) -> Select:
    """Every learner with a due date (their department's, else the global one), with their
    completed lessons and last activity."""
    L = learner_directory(flt).order_by(None).subquery("l")
    d = done_per_learner(shape, flt).subquery("d")
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

