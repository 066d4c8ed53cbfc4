"""The writers' side of the summary tables: ``record_*``, called in the fact's own transaction.

Each writer calls one function per fact it writes (a lesson opened or read, a quiz attempt
submitted, a sandbox event added or finished, a rating changed), in the same transaction as the
fact itself, so a summary is never ahead of or behind what it summarises. The caller hands over
the values it has just written: nothing is read back.

Upserts are built once per dialect (SQLite and PostgreSQL ``INSERT ... ON CONFLICT``). Rows of
one statement are written in key order, so concurrent writers lock the same rows in the same
order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Float, Integer, Text, and_, bindparam, case, cast, func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.localtime import local_date
from portal.summaries.keys import categories_text, rating_key, response_key, score_bin
from portal.summaries.models import activity, question_days, quiz_days, sandbox_days, sandbox_stats, summaries

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


# A response key is the text the database gives for the stored JSON response (what the rebuild and
# the statistics read from quiz_answers). PostgreSQL's json keeps the text as it was written.
# SQLite stores a JSON real number with numeric affinity (810.0 reads back as '810', 1/3 as
# '0.333333333333333'): the writer's JSON text of a real goes through the same conversion
# (a JSON integer or anything else reads back as written).
_JSON = bindparam("response_json", type_=Text)
_REAL = bindparam("response_real", type_=Integer) == 1
_AS_REAL = cast(_JSON, Float)
_AS_INTEGER = cast(_AS_REAL, Integer)
_COMPUTED = {
    ("sqlite", "question_day"): {"response": case(
        (and_(_REAL, _AS_REAL == _AS_INTEGER, func.abs(_AS_REAL) < 9.223372036854775e18), cast(_AS_INTEGER, Text)),
        (_REAL, cast(_AS_REAL, Text)),
        else_=_JSON,
    )},
    ("postgresql", "question_day"): {"response": _JSON},
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
    if (dialect, name) in _COMPUTED:
        stmt = stmt.values(_COMPUTED[(dialect, name)])
    keys = [c for c in table.primary_key.columns]
    if on_conflict is None:
        return stmt.on_conflict_do_nothing(index_elements=keys)
    return stmt.on_conflict_do_update(index_elements=keys, set_=on_conflict(stmt))


def _run(session: Session, name: str, params: Mapping[str, Any] | list[Mapping[str, Any]]) -> None:
    conn = session.connection()
    conn.execute(_upsert(conn.dialect.name, name), params)


# ---------------------------------------------------------------- lessons and quizzes


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


def _is_real(json_text: str) -> bool:
    """A bare JSON real number such as 810.0 or 1e-07 (not an integer, string, list, object,
    true, false or null)."""
    return json_text[:1] in "-0123456789" and json_text != "" and any(c in json_text for c in ".eE")


@dataclass(frozen=True)
class SubmittedAttempt:
    """What a quiz submission just wrote, as the summaries need it (the caller holds all of it).

    ``answers``: (question_id, response, credit, correct) per drawn question, the response as
    stored (None for no answer)."""

    user_id: int
    lesson_id: str
    quiz_id: str
    at: datetime
    score: float
    passed: bool
    question_count: int
    answers: tuple[tuple[str, Any, float, bool], ...]


def record_submission(session: Session, sub: SubmittedAttempt, number_attempt: Callable[[], int]) -> int:
    """Count one submitted attempt; returns its attempt number.

    The learner's lesson summary row is upserted first: its row lock orders concurrent
    submissions of the same learner and lesson. Then ``number_attempt`` (the writer's own rule,
    ``portal.learning.attempts``) numbers the attempt, 1, 2, 3, ... in that order; the pass, the
    day figures and (for a first attempt) the answers' moments follow."""
    _run(session, "submitted", {
        "user_id": sub.user_id, "lesson_id": sub.lesson_id, "quiz_id": sub.quiz_id, "attempts": 1,
        "passed": sub.passed, "best_score": sub.score, "first_pass_at": sub.at if sub.passed else None,
        "last_attempt_at": sub.at, "last_at": sub.at,
    })
    number = number_attempt()
    if sub.passed:
        c = summaries.c
        session.execute(
            update(summaries)
            .where(c.user_id == sub.user_id, c.lesson_id == sub.lesson_id, c.pass_attempt_no.is_(None))
            .values(pass_attempt_no=number)
        )
    day = local_date(sub.at)
    first = 1 if number == 1 else 0
    _run(session, "quiz_day", {"day": day, "quiz_id": sub.quiz_id, "first": first, "bin": score_bin(sub.score),
                               "n": 1, "score_sum": sub.score, "passed": int(sub.passed)})
    if first:
        total = sub.score * sub.question_count
        add_moments(session, day, sub.quiz_id,
                    [(qid, response_key(resp), credit, correct, total) for qid, resp, credit, correct in sub.answers])
    record_activity(session, sub.user_id, sub.at)
    return number


def add_moments(session: Session, day: date, quiz_id: str, rows: Iterable[tuple]) -> None:
    """Add (question_id, response as JSON text, credit, correct, attempt total) rows to the day's moments,
    in key order (concurrent submissions lock the same rows in the same order)."""
    sums: dict[tuple[str, str, int], list[float]] = defaultdict(lambda: [0, 0.0, 0.0, 0.0, 0.0, 0.0, 0])
    for qid, resp, credit, correct, total in rows:
        s = sums[(qid, resp, int(_is_real(resp)))]
        x, t = float(credit), float(total)
        for i, v in enumerate((1, x, x * x, t, t * t, t * x, 1 if correct else 0)):
            s[i] += v
    if sums:
        _run(session, "question_day", [
            {"day": day, "quiz_id": quiz_id, "question_id": qid, "response_json": resp, "response_real": real,
             "n": s[0], "sx": s[1], "sxx": s[2], "st": s[3], "stt": s[4], "stx": s[5], "correct": s[6]}
            for (qid, resp, real), s in sorted(sums.items())
        ])


# ---------------------------------------------------------------- the sandbox


@dataclass(frozen=True)
class EventFigures:
    """One sandbox event as the summaries count it: the stored values (``EventFields.values()``)
    and whether it counts against the quota (decided by ``portal.sandbox.quotas``)."""

    values: Mapping[str, Any]
    counted: bool

    def day_row(self, sign: int) -> dict[str, int]:
        v = self.values
        return {"requests": sign, "counted": sign * self.counted, "tokens": sign * self.tokens,
                "flagged": sign * (v["risk_action"] != "none")}

    @property
    def tokens(self) -> int:
        return int(self.values["prompt_tokens"]) + int(self.values["completion_tokens"])

    def stat_rows(self, sign: int, *, rating: bool) -> list[tuple]:
        """(kind, k1, k2, k3) -> [requests, tokens, latency_sum, latency_n] rows, times ``sign``."""
        v = self.values
        latency = v.get("latency_ms")
        rows = [
            (("kind", v["mode"], v["model"], v["outcome"]),
             [sign, sign * self.tokens, sign * (latency or 0.0), sign * (latency is not None)]),
            (("risk", v["risk_action"], categories_text(v["risk_categories"]), ""), [sign, 0, 0.0, 0]),
        ]
        if rating:
            rows.append((("rating", rating_key(v.get("rating")), "", ""), [sign, 0, 0.0, 0]))
        return rows


def _stat_params(day: date, rows: Iterable[tuple]) -> list[dict[str, Any]]:
    return [
        {"day": day, "kind": kind, "k1": k1, "k2": k2, "k3": k3, "requests": n, "tokens": tok,
         "latency_sum": lat, "latency_n": ln}
        for (kind, k1, k2, k3), (n, tok, lat, ln) in sorted(rows)
    ]


def record_event(session: Session, user_id: int, created_at: datetime, event: EventFigures) -> None:
    """A new sandbox event (no rating yet): its day row, its breakdown rows, the user's activity."""
    day = local_date(created_at)
    _run(session, "sandbox_day", {"user_id": user_id, "day": day, **event.day_row(+1), "last_at": created_at})
    _run(session, "sandbox_stat", _stat_params(day, event.stat_rows(+1, rating=True)))
    record_activity(session, user_id, created_at)


def record_event_change(session: Session, user_id: int, created_at: datetime, before: EventFigures,
                        after: EventFigures) -> None:
    """An event's final values replace its first ones (the rating is not part of them): one
    change, the difference of both, written as one day row and one set of breakdown rows (only
    the keys whose figures changed)."""
    day = local_date(created_at)
    old, new = before.day_row(-1), after.day_row(+1)
    change = {k: old[k] + new[k] for k in old}
    if any(change.values()):
        _run(session, "sandbox_day", {"user_id": user_id, "day": day, **change, "last_at": created_at})
    sums: dict[tuple, list] = {}
    for key, figures in (*before.stat_rows(-1, rating=False), *after.stat_rows(+1, rating=False)):
        row = sums.setdefault(key, [0, 0, 0.0, 0])
        for i, v in enumerate(figures):
            row[i] += v
    rows = [(key, figures) for key, figures in sums.items() if any(figures)]
    if rows:
        _run(session, "sandbox_stat", _stat_params(day, rows))


def record_rating(session: Session, created_at: datetime, old: int | None, new: int | None) -> None:
    if old == new:
        return
    _run(session, "sandbox_stat", _stat_params(local_date(created_at), [
        (("rating", rating_key(old), "", ""), [-1, 0, 0.0, 0]),
        (("rating", rating_key(new), "", ""), [1, 0, 0.0, 0]),
    ]))
