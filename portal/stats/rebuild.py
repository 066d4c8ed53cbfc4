"""The statistics' side of the summary tables: can they be used, and their rebuild from the facts.

The tables and their writers live in :mod:`portal.summaries` (kept by the writers of the facts,
in the facts' own transaction). Here:

``rebuild`` recomputes every table from the facts (after the migration that created them, after
a lesson's quiz changed, after a bulk load) and records the course's quiz -> lesson map it used.
``ready`` tells the statistics whether the summaries can be used for this course; when they
cannot, the statistics are computed from the facts (slower, same figures). ``source`` picks,
per filter, which of them a statistic reads.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, case, cast, delete, func, insert, literal_column, select, text, true, union_all, update
from sqlalchemy.orm import Session

from portal.db.models import AppSetting, utcnow
from portal.stats import queries as q
from portal.stats.filters import CourseShape, StatsFilter
from portal.stats.queries import answers, attempts, events, progress
from portal.summaries import (
    TABLES,
    activity,
    question_days,
    quiz_days,
    sandbox_days,
    sandbox_stats,
    summaries,
)

SUMMARY_KEY = "stats.summaries"
SUMMARY_VERSION = 1


# ---------------------------------------------------------------- readiness and rebuild


def _state(shape: CourseShape) -> dict:
    return {"version": SUMMARY_VERSION, "quiz_to_lesson": dict(sorted(shape.quiz_to_lesson.items()))}


def consistent(shape: CourseShape) -> bool:
    """Writers file a quiz's results under the quiz's own lesson_id; the statistics expect them
    under the lesson that names the quiz. Both must agree for the summaries to be usable."""
    return all(
        (quiz := shape.quizzes.get(quiz_id)) is None or quiz.meta.lesson_id == lesson_id
        for quiz_id, lesson_id in shape.quiz_to_lesson.items()
    )


def ready(session: Session, shape: CourseShape | None) -> bool:
    """The summaries were built (by this code's format) for this course's quiz -> lesson map.
    Without a course: only the tables that do not depend on it (activity and sandbox)."""
    row = session.get(AppSetting, SUMMARY_KEY)
    if row is None or not isinstance(row.value, dict) or row.value.get("version") != SUMMARY_VERSION:
        return False
    return shape is None or (row.value == _state(shape) and consistent(shape))


def source(session: Session, shape: CourseShape | None, flt: StatsFilter, *, now: datetime | None = None) -> q.Source:
    """Where ``flt``'s statistics can be read from (see ``queries.Source``). ``shape`` None: for
    statistics that do not involve lessons and quizzes (the sandbox)."""
    if not ready(session, shape):
        return q.FACTS
    end = flt.end_utc
    inside, everyone = session.execute(q.population_sizes(flt)).one()
    return q.Source(ready=True, current=end is None or end > (now or utcnow()),
                    subtract=(everyone - inside) <= inside)


def ensure(session: Session, shape: CourseShape) -> bool:
    """Rebuild when not ready (and the content allows it). Returns True when a rebuild ran."""
    if ready(session, shape) or not consistent(shape):
        return False
    rebuild(session, shape)
    return True


def rebuild(session: Session, shape: CourseShape) -> dict[str, int]:
    """Recompute every summary from the facts, in the caller's transaction. Returns row counts.
    Writers wait meanwhile (PostgreSQL: a table lock; SQLite: the write transaction)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text(f"LOCK TABLE {', '.join(t.name for t in TABLES)} IN SHARE ROW EXCLUSIVE MODE"))
    _number_attempts(session)
    for table in TABLES:
        session.execute(delete(table))
    session.execute(insert(summaries).from_select(_SUMMARY_COLUMNS, _summary_rows(shape)))
    a = attempts.c
    day = q.local_day(a.submitted_at, dialect)
    submitted = a.status == "submitted"
    first = case((a.attempt_no == 1, 1), else_=0)
    b = q.score_bin(a.score)
    session.execute(insert(quiz_days).from_select(
        ["day", "quiz_id", "first", "bin", "n", "score_sum", "passed"],
        select(day, a.quiz_id, first, b, func.count(), func.sum(a.score), func.sum(case((a.passed == true(), 1), else_=0)))
        .where(submitted).group_by(day, a.quiz_id, first, b),
    ))
    total = a.score * func.json_array_length(a.question_ids)
    x = answers.c.credit
    resp = q.response_text(answers.c.response)
    session.execute(insert(question_days).from_select(
        ["day", "quiz_id", "question_id", "response", "n", "sx", "sxx", "st", "stt", "stx", "correct"],
        select(day, a.quiz_id, answers.c.question_id, resp, func.count(), func.sum(x), func.sum(x * x),
               func.sum(total), func.sum(total * total), func.sum(total * x),
               func.sum(case((answers.c.correct == true(), 1), else_=0)))
        .select_from(attempts.join(answers, answers.c.attempt_id == a.id))
        .where(submitted, a.attempt_no == 1)
        .group_by(day, a.quiz_id, answers.c.question_id, resp),
    ))
    session.execute(insert(activity).from_select(["user_id", "day"], q.activity_facts(dialect)))
    _rebuild_sandbox(session, dialect)
    row = session.get(AppSetting, SUMMARY_KEY)
    if row is None:
        session.add(AppSetting(key=SUMMARY_KEY, value=_state(shape)))
    else:
        row.value = _state(shape)
    session.flush()
    return {t.name: session.scalar(select(func.count()).select_from(t)) for t in TABLES}


def _rebuild_sandbox(session: Session, dialect: str) -> None:
    e = events.c
    day = q.local_day(e.created_at, dialect)
    tokens = e.prompt_tokens + e.completion_tokens
    session.execute(insert(sandbox_days).from_select(
        ["user_id", "day", "requests", "counted", "tokens", "flagged", "last_at"],
        select(e.user_id, day, func.count(), func.sum(case((q.quota_counted(), 1), else_=0)), func.sum(tokens),
               func.sum(case((e.risk_action != "none", 1), else_=0)), func.max(e.created_at))
        .group_by(e.user_id, day),
    ))
    empty = literal_column("''")
    zero = literal_column("0")
    parts = [
        select(day, literal_column("'kind'"), e.mode, e.model, e.outcome, func.count(), func.sum(tokens),
               func.coalesce(func.sum(e.latency_ms), 0.0), func.count(e.latency_ms))
        .group_by(day, e.mode, e.model, e.outcome),
        select(day, literal_column("'rating'"), func.coalesce(cast(e.rating, Text), empty), empty, empty, func.count(),
               zero, zero, zero)
        .group_by(day, e.rating),
        select(day, literal_column("'risk'"), e.risk_action, q.json_text(e.risk_categories), empty, func.count(),
               zero, zero, zero)
        .group_by(day, e.risk_action, q.json_text(e.risk_categories)),
    ]
    session.execute(insert(sandbox_stats).from_select(
        ["day", "kind", "k1", "k2", "k3", "requests", "tokens", "latency_sum", "latency_n"], union_all(*parts)
    ))


def _number_attempts(session: Session) -> None:
    """Fill in attempt numbers missing on submitted attempts (rows written without the app)."""
    b = attempts.alias("b")
    earlier = (
        select(func.count()).select_from(b)
        .where(b.c.user_id == attempts.c.user_id, b.c.quiz_id == attempts.c.quiz_id,
               b.c.status == "submitted", b.c.id <= attempts.c.id)
        .scalar_subquery()
    )
    session.execute(
        update(attempts).where(attempts.c.status == "submitted", attempts.c.attempt_no.is_(None)).values(attempt_no=earlier)
    )


_SUMMARY_COLUMNS = ["user_id", "lesson_id", "quiz_id", "opened_at", "read_at", "attempts", "passed", "best_score",
                    "first_pass_at", "pass_attempt_no", "last_attempt_at", "last_at"]


def _summary_rows(shape: CourseShape):
    """Per (user, lesson), from lesson_progress and the submitted attempts of the lesson's quiz."""
    quiz_map = shape.quiz_to_lesson
    none = literal_column("NULL")
    parts = [select(
        progress.c.user_id.label("user_id"),
        progress.c.lesson_id.label("lesson_id"),
        none.label("quiz_id"),
        progress.c.opened_at.label("opened_at"),
        progress.c.read_at.label("read_at"),
        literal_column("0").label("attempt"),
        literal_column("0").label("passed"),
        none.label("score"),
        none.label("passed_at"),
        none.label("pass_no"),
        none.label("attempt_at"),
        func.coalesce(progress.c.read_at, progress.c.opened_at).label("last_at"),
    )]
    if quiz_map:
        a = attempts.c
        passed = a.passed == true()
        parts.append(select(
            a.user_id, case(quiz_map, value=a.quiz_id), a.quiz_id, none, none, literal_column("1"),
            case((passed, 1), else_=0), a.score, case((passed, a.submitted_at)), case((passed, a.attempt_no)),
            a.submitted_at, a.submitted_at,
        ).where(a.status == "submitted", a.quiz_id.in_(list(quiz_map))))
    u = union_all(*parts).subquery("u")
    return select(
        u.c.user_id, u.c.lesson_id, func.max(u.c.quiz_id), func.min(u.c.opened_at), func.min(u.c.read_at),
        func.sum(u.c.attempt), func.max(u.c.passed) == 1, func.max(u.c.score), func.min(u.c.passed_at),
        func.min(u.c.pass_no), func.max(u.c.attempt_at), func.max(u.c.last_at),
    ).group_by(u.c.user_id, u.c.lesson_id)
