"""Summary tables behind the admin dashboard, kept by the writers and rebuilt from the facts.

Scanning every attempt, answer and sandbox event of a 10,000-person organisation takes seconds,
so the dashboard reads small tables instead (models in ``portal.db.models``):

- ``lesson_summaries``: per learner and lesson, as of now: first opening and reading, the
  lesson's quiz attempts, pass, best score, attempt number of the first pass, latest activity;
- ``quiz_day_stats``: submitted attempts per Japanese day, quiz, first attempt or not, score bin;
- ``question_day_stats``: first attempts' answers per day, quiz, question and response, as the
  sums from which facility and discrimination are computed;
- ``activity_days``: who did anything on which day (the active learners chart);
- ``sandbox_user_days``: sandbox requests, quota-counted requests, tokens, flagged requests per
  user and day; ``sandbox_day_stats``: requests per day by kind, rating and risk action.

Writers (``portal.learning.progress``, ``portal.learning.attempts``, ``portal.sandbox.events``)
call ``record_*`` in the same transaction as the fact itself, so a summary is never ahead of or
behind what it summarises. The per-day tables without a user count everybody; the statistics
subtract the users outside the chosen population (admins, deactivated accounts, other
departments) from the facts, so department moves and deactivations need no summary maintenance.

``rebuild`` recomputes every table from the facts (after the migration that created them, after
a lesson's quiz changed, after a bulk load) and records the course's quiz -> lesson map it used.
``ready`` tells the statistics whether the summaries can be used for this course; when they
cannot, the statistics are computed from the facts (slower, same figures).
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime
from functools import cache
from typing import Any, Callable, Iterable, Mapping

from sqlalchemy import Text, case, cast, delete, func, insert, literal_column, select, text, true, union_all, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.db.models import AppSetting, utcnow
from portal.stats import queries as q
from portal.stats.filters import JST, CourseShape, StatsFilter
from portal.stats.queries import (
    activity,
    answers,
    attempts,
    events,
    progress,
    question_days,
    quiz_days,
    sandbox_days,
    sandbox_stats,
    summaries,
)

SUMMARY_KEY = "stats.summaries"
SUMMARY_VERSION = 1
TABLES = (summaries, quiz_days, question_days, activity, sandbox_days, sandbox_stats)


def local_date(at: datetime) -> date:
    """The Japanese calendar day of an aware timestamp."""
    return at.astimezone(JST).date()


def score_bin(score: float) -> int:
    """The score distribution's bin, with the very comparisons of ``queries.score_bin``."""
    s = score + 1e-9
    for i in range(q.SCORE_BINS - 1):
        if s < (i + 1) / q.SCORE_BINS:
            return i
    return q.SCORE_BINS - 1


# ---------------------------------------------------------------- upserts, built once per dialect


def _greatest(current, new):
    """The larger of the stored and the new value (the new one when nothing is stored)."""
    return case((current.is_(None), new), (new > current, new), else_=current)


def _add(table, *names: str) -> Callable:
    """ON CONFLICT: add the new values to the stored ones."""
    def build(stmt):
        c, x = table.c, stmt.excluded
        return {name: c[name] + x[name] for name in names}
    return build


def _opened(stmt):
    c, x = summaries.c, stmt.excluded
    return {"opened_at": func.coalesce(c.opened_at, x.opened_at), "last_at": _greatest(c.last_at, x.last_at)}


def _read(stmt):
    return {**_opened(stmt), "read_at": func.coalesce(summaries.c.read_at, stmt.excluded.read_at)}


def _submitted(stmt):
    c, x = summaries.c, stmt.excluded
    return {
        "quiz_id": x.quiz_id,
        "attempts": c.attempts + 1,
        "passed": c.passed | x.passed,
        "best_score": _greatest(c.best_score, x.best_score),
        "first_pass_at": func.coalesce(c.first_pass_at, x.first_pass_at),
        "last_attempt_at": _greatest(c.last_attempt_at, x.last_attempt_at),
        "last_at": _greatest(c.last_at, x.last_at),
    }


def _sandbox_day(stmt):
    return {**_add(sandbox_days, "requests", "counted", "tokens", "flagged")(stmt),
            "last_at": _greatest(sandbox_days.c.last_at, stmt.excluded.last_at)}


_UPSERTS: dict[str, tuple[Any, Callable | None]] = {
    "opened": (summaries, _opened),
    "read": (summaries, _read),
    "submitted": (summaries, _submitted),
    "quiz_day": (quiz_days, _add(quiz_days, "n", "score_sum", "passed")),
    "question_day": (question_days, _add(question_days, "n", "sx", "sxx", "st", "stt", "stx", "correct")),
    "activity": (activity, None),
    "sandbox_day": (sandbox_days, _sandbox_day),
    "sandbox_stat": (sandbox_stats, _add(sandbox_stats, "requests", "tokens", "latency_sum", "latency_n")),
}


@cache
def _upsert(dialect: str, name: str):
    table, on_conflict = _UPSERTS[name]
    if dialect == "postgresql":
        stmt = postgresql.insert(table)
    elif dialect == "sqlite":
        stmt = sqlite.insert(table)
    else:  # pragma: no cover - the portal supports SQLite and PostgreSQL
        raise NotImplementedError(f"summary upserts are not implemented for {dialect}")
    keys = [c for c in table.primary_key.columns]
    if on_conflict is None:
        return stmt.on_conflict_do_nothing(index_elements=keys)
    return stmt.on_conflict_do_update(index_elements=keys, set_=on_conflict(stmt))


def _run(session: Session, name: str, params: Mapping[str, Any] | list[Mapping[str, Any]]) -> None:
    conn = session.connection()
    conn.execute(_upsert(conn.dialect.name, name), params)


# ---------------------------------------------------------------- writers' hooks: lessons and quizzes


def record_activity(session: Session, user_id: int, at: datetime) -> None:
    _run(session, "activity", {"user_id": user_id, "day": local_date(at)})


def record_opened(session: Session, user_id: int, lesson_id: str, at: datetime) -> None:
    _run(session, "opened", {"user_id": user_id, "lesson_id": lesson_id, "opened_at": at, "attempts": 0,
                             "passed": False, "last_at": at})
    record_activity(session, user_id, at)


def record_read(session: Session, user_id: int, lesson_id: str, at: datetime) -> None:
    _run(session, "read", {"user_id": user_id, "lesson_id": lesson_id, "opened_at": at, "read_at": at,
                           "attempts": 0, "passed": False, "last_at": at})
    record_activity(session, user_id, at)


def record_submission(
    session: Session, *, user_id: int, lesson_id: str, quiz_id: str, attempt_id: int, at: datetime,
    score: float, passed: bool, question_count: int,
) -> int:
    """Count one submitted attempt (its answers already flushed) and return its attempt number.

    The learner's summary row is upserted first: its row lock orders concurrent submissions of
    the same learner and lesson, so the attempt numbers that follow are 1, 2, 3, ..."""
    _run(session, "submitted", {
        "user_id": user_id, "lesson_id": lesson_id, "quiz_id": quiz_id, "attempts": 1, "passed": passed,
        "best_score": score, "first_pass_at": at if passed else None, "last_attempt_at": at, "last_at": at,
    })
    c = summaries.c
    number = session.execute(
        select(func.count()).select_from(attempts).where(
            attempts.c.user_id == user_id, attempts.c.quiz_id == quiz_id, attempts.c.status == "submitted",
            attempts.c.id <= attempt_id,
        )
    ).scalar_one()
    session.execute(update(attempts).where(attempts.c.id == attempt_id).values(attempt_no=number))
    if passed:
        session.execute(
            update(summaries)
            .where(c.user_id == user_id, c.lesson_id == lesson_id, c.pass_attempt_no.is_(None))
            .values(pass_attempt_no=number)
        )
    day = local_date(at)
    first = 1 if number == 1 else 0
    _run(session, "quiz_day", {"day": day, "quiz_id": quiz_id, "first": first, "bin": score_bin(score), "n": 1,
                               "score_sum": score, "passed": int(passed)})
    if first:
        total = score * question_count
        rows = session.execute(
            select(answers.c.question_id, q.response_text(answers.c.response), answers.c.credit, answers.c.correct)
            .where(answers.c.attempt_id == attempt_id)
        ).all()
        _add_moments(session, day, quiz_id, [(qid, resp, credit, correct, total) for qid, resp, credit, correct in rows])
    record_activity(session, user_id, at)
    return number


def _add_moments(session: Session, day: date, quiz_id: str, rows: Iterable[tuple]) -> None:
    """Add (question_id, response, credit, correct, attempt total) rows to the day's moments,
    in key order (concurrent submissions lock the same rows in the same order)."""
    sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0, 0.0, 0.0, 0.0, 0.0, 0])
    for qid, resp, credit, correct, total in rows:
        s = sums[(qid, resp)]
        x, t = float(credit), float(total)
        for i, v in enumerate((1, x, x * x, t, t * t, t * x, 1 if correct else 0)):
            s[i] += v
    if sums:
        _run(session, "question_day", [
            {"day": day, "quiz_id": quiz_id, "question_id": qid, "response": resp,
             "n": s[0], "sx": s[1], "sxx": s[2], "st": s[3], "stt": s[4], "stx": s[5], "correct": s[6]}
            for (qid, resp), s in sorted(sums.items())
        ])


# ---------------------------------------------------------------- writers' hooks: the sandbox


def _counted(outcome: str, error_kind: str | None) -> bool:
    """The quota's own rule (portal.sandbox.quotas): blocked sends and sends refused before
    reaching the model do not use a request."""
    from portal.sandbox.quotas import NOT_COUNTED_KINDS

    return outcome != "blocked" and (error_kind is None or error_kind not in NOT_COUNTED_KINDS)


def categories_text(categories: Mapping[str, int] | None) -> str:
    """Risk categories as the JSON text stored in the event (the key of the risk breakdown)."""
    return json.dumps(dict(categories or {}))


def _event_change(session: Session, user_id: int, created_at: datetime, v: Mapping[str, Any], sign: int,
                  *, rating: bool) -> None:
    tokens = sign * (int(v["prompt_tokens"]) + int(v["completion_tokens"]))
    day = local_date(created_at)
    _run(session, "sandbox_day", {
        "user_id": user_id, "day": day, "requests": sign, "counted": sign * _counted(v["outcome"], v["error_kind"]),
        "tokens": tokens, "flagged": sign * (v["risk_action"] != "none"), "last_at": created_at,
    })
    latency = v.get("latency_ms")
    rows = [
        ("kind", v["mode"], v["model"], v["outcome"], tokens, sign * (latency or 0.0), sign * (latency is not None)),
        ("risk", v["risk_action"], categories_text(v["risk_categories"]), "", 0, 0.0, 0),
    ]
    if rating:
        rows.append(("rating", _rating_key(v.get("rating")), "", "", 0, 0.0, 0))
    _run(session, "sandbox_stat", [
        {"day": day, "kind": kind, "k1": k1, "k2": k2, "k3": k3, "requests": sign, "tokens": tok,
         "latency_sum": lat, "latency_n": n}
        for kind, k1, k2, k3, tok, lat, n in sorted(rows)
    ])


def _rating_key(rating: int | None) -> str:
    return "" if rating is None else str(rating)


def record_event(session: Session, user_id: int, created_at: datetime, values: Mapping[str, Any]) -> None:
    """A new sandbox event (``EventFields.values()``; no rating yet)."""
    _event_change(session, user_id, created_at, {**values, "rating": None}, +1, rating=True)
    record_activity(session, user_id, created_at)


def event_before_update(session: Session, event_id: int):
    """The event's row before ``update_event`` changes it (None when it is gone)."""
    return session.connection().execute(select(events).where(events.c.id == event_id)).mappings().first()


def record_event_update(session: Session, before: Mapping[str, Any] | None, values: Mapping[str, Any]) -> None:
    """An event's final values replace its first ones (the rating is not part of them)."""
    if before is None:
        return
    created_at = before["created_at"]
    _event_change(session, before["user_id"], created_at, before, -1, rating=False)
    _event_change(session, before["user_id"], created_at, values, +1, rating=False)


def record_rating(session: Session, created_at: datetime, old: int | None, new: int | None) -> None:
    if old == new:
        return
    day = local_date(created_at)
    _run(session, "sandbox_stat", [
        {"day": day, "kind": "rating", "k1": key, "k2": "", "k3": "", "requests": n, "tokens": 0,
         "latency_sum": 0.0, "latency_n": 0}
        for key, n in sorted([(_rating_key(old), -1), (_rating_key(new), 1)])
    ])


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
