"""People tab: one row per learner with the status of every lesson, and one learner's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.roles import CurrentUser, require_admin
from portal.db.models import ROLE_LEARNER, QuizAttempt, SandboxEvent, User
from portal.i18n import t
from portal.learning import progress
from portal.learning.content import Course
from portal.learning.progress import Status
from portal.learning.quiz import Quiz
from portal.stats import queries as q
from portal.stats import due_dates, rebuild
from portal.stats.base import frame
from portal.stats.sandbox_usage import explode_risks
from portal.stats.filters import CourseShape, StatsFilter

STATUS_PREFIX = "status:"
BEST_PREFIX = "best:"


class NotFound(LookupError):
    """No such learner."""

    def __init__(self) -> None:
        super().__init__(t("stats.people.not_found"))


def statements(shape: CourseShape, flt: StatsFilter, src: q.Source = q.FACTS) -> dict:
    return {
        "directory": q.learner_directory(flt),
        "cells": q.people_cells(shape, flt, src),
        "per_user": q.done_per_learner(shape, flt, src),
        "sandbox": q.sandbox_last_use(flt, src),
    }


def _cell_status(code: int, shape: CourseShape) -> str:
    """The status of a ``queries.people_cells`` cell code, decided by ``progress.compute_status``."""
    position, flags = divmod(int(code), q.CELL)
    return progress.compute_status(
        read=bool(flags & q.READ), opened=bool(flags & q.OPENED), passed=bool(flags & q.PASSED),
        has_quiz=bool(shape.lessons[position].quiz_id), attempts=int(bool(flags & q.ATTEMPTED)),
    ).value


def people(
    session: Session, actor: CurrentUser, course: Course, quizzes: dict[str, Quiz] | None, flt: StatsFilter
) -> pd.DataFrame:
    """One row per learner: identity, lessons completed, progress, average best score, last
    activity, then ``status:<lesson_id>`` (a progress.Status value) and ``best:<lesson_id>``
    (best quiz score 0..1) for every lesson in course order."""
    require_admin(actor)
    shape = CourseShape.of(course, quizzes)
    st = statements(shape, flt, rebuild.source(session, shape, flt))
    cells = _cells_frame(session, st.pop("cells"))
    return shape_people(shape, cells=cells, **{k: frame(session, s) for k, s in st.items()})


def _cells_frame(session: Session, statement) -> pd.DataFrame:
    """``queries.people_cells`` straight into typed columns (one per learner and lesson: about
    130,000 rows at 10,000 learners, where a tuple per row and pandas' record parsing show)."""
    rows = session.execute(statement).all()
    n = len(rows)
    return pd.DataFrame({
        "user_id": np.fromiter((r[0] for r in rows), dtype=np.int64, count=n),
        "cell": np.array([r[1] for r in rows], dtype=float),  # NaN: a lesson no longer in the course
        "best_score": np.array([r[2] for r in rows], dtype=float),  # NaN: no quiz attempt
    })


def shape_people(
    shape: CourseShape, directory: pd.DataFrame, cells: pd.DataFrame, per_user: pd.DataFrame, sandbox: pd.DataFrame
) -> pd.DataFrame:
    lesson_ids = shape.lesson_ids
    base = directory.set_index("user_id")
    out = base[["employee_id", "name", "email", "department", "language"]].copy()
    out["employee_id"] = out["employee_id"].fillna("")
    n = len(lesson_ids)
    per_user = per_user.set_index("user_id")[["done", "last_at"]] if len(per_user) else pd.DataFrame(
        columns=["done", "last_at"], index=pd.Index([], name="user_id"))
    # learner x lesson matrices filled straight from the cell codes (one status decision per
    # distinct code; no pivot of the long table)
    status = np.full((len(out), n), Status.NOT_STARTED.value, dtype=object)
    best = np.full((len(out), n), np.nan)
    cells = cells[cells["cell"].notna()] if len(cells) else cells  # lessons no longer in the course
    cells = cells.astype({"cell": "int64"})
    if len(cells):
        rows = out.index.get_indexer(cells["user_id"])
        codes = cells["cell"].to_numpy(dtype=np.int64)
        keep = rows >= 0
        rows, codes = rows[keep], codes[keep]
        unique, inverse = np.unique(codes, return_inverse=True)
        labels = np.array([_cell_status(c, shape) for c in unique], dtype=object)
        status[rows, codes // q.CELL] = labels[inverse]
        best[rows, codes // q.CELL] = pd.to_numeric(cells["best_score"]).to_numpy(dtype=float, na_value=np.nan)[keep]
    best_frame = pd.DataFrame(best, index=out.index, columns=[BEST_PREFIX + lid for lid in lesson_ids])
    out = out.join(per_user, how="left")
    out["done"] = out["done"].fillna(0).astype(int)
    required = shape.n_required
    out["progress"] = out["done"] / required if required else 0.0
    out["average_score"] = best_frame.mean(axis=1, skipna=True)  # mean of the best scores of quizzes taken
    last = pd.to_datetime(out["last_at"], utc=True, format="ISO8601")
    if len(sandbox):
        sb = pd.to_datetime(sandbox.set_index("user_id")["sandbox_at"], utc=True, format="ISO8601")
        last = pd.concat([last, sb.reindex(out.index)], axis=1).max(axis=1)
    out["last_activity"] = last
    out = out.drop(columns=["last_at"])
    out = pd.concat(
        [out, pd.DataFrame(status, index=out.index, columns=[STATUS_PREFIX + lid for lid in lesson_ids]), best_frame],
        axis=1,
    )
    return out.reset_index()


# ---------------------------------------------------------------- one learner


@dataclass(frozen=True)
class LearnerDetail:
    user_id: int
    employee_id: str
    name: str
    email: str
    department: str
    active: bool
    last_login_at: object
    due_on: date | None
    lessons: pd.DataFrame  # order, lesson_id, lesson, status, read_at, attempts, best_score, passed
    attempts: pd.DataFrame  # submitted_at, quiz_id, quiz, score, passed, minutes
    sandbox: pd.DataFrame  # mode, outcome, requests, tokens (counts only)
    risks: pd.DataFrame  # category, action, requests (counts only)
    timeline: pd.DataFrame  # at, kind, item, detail
    required_ids: tuple[str, ...] = ()  # the lessons that count for completion (shape.required_ids)

    @property
    def completed_lessons(self) -> int:
        """Required lessons the learner completed (by the learner's own progress rules)."""
        if not len(self.lessons):
            return 0
        mine = self.lessons[self.lessons["lesson_id"].isin(self.required_ids)]
        return int((mine["status"] == Status.COMPLETED.value).sum())

    @property
    def required_total(self) -> int:
        return len(self.required_ids)


def completed_all(table: pd.DataFrame, shape: CourseShape) -> pd.Series:
    """Per row of the people table: the learner completed every required lesson of the course."""
    return (table["done"] >= shape.n_required) & (shape.n_required > 0)


def by_completion(table: pd.DataFrame, shape: CourseShape, *, completed: bool) -> pd.DataFrame:
    """The people table's learners who completed every required lesson (``completed``) or not yet."""
    done = completed_all(table, shape)
    return table[done if completed else ~done]


def learner_detail(
    session: Session, actor: CurrentUser, user_id: int, course: Course, quizzes: dict[str, Quiz] | None
) -> LearnerDetail:
    """Everything one learner did: lesson states (by the learner's own progress rules), quiz
    attempts, sandbox use as counts (never prompt text), and a timeline."""
    require_admin(actor)
    user = session.get(User, user_id)
    if user is None or user.role != ROLE_LEARNER:
        raise NotFound()
    shape = CourseShape.of(course, quizzes)
    target = CurrentUser.from_model(user)
    states = progress.course_states(session, target, course)
    lessons = pd.DataFrame(
        [
            dict(order=l.order, lesson_id=l.id, lesson=shape.label(l.id), status=states[l.id].status.value,
                 read_at=states[l.id].read_at, attempts=states[l.id].attempts, best_score=states[l.id].best_score,
                 passed=states[l.id].passed)
            for l in shape.lessons
        ],
        columns=["order", "lesson_id", "lesson", "status", "read_at", "attempts", "best_score", "passed"],
    )
    qa = QuizAttempt.__table__
    attempts = frame(
        session,
        select(qa.c.submitted_at, qa.c.started_at, qa.c.quiz_id, qa.c.score, qa.c.passed)
        .where(qa.c.user_id == user_id, qa.c.status == "submitted")
        .order_by(qa.c.submitted_at),
    )
    if len(attempts):
        attempts["quiz"] = attempts["quiz_id"].map(shape.quiz_label)
        attempts["minutes"] = (
            (pd.to_datetime(attempts["submitted_at"], utc=True) - pd.to_datetime(attempts["started_at"], utc=True))
            .dt.total_seconds() / 60
        ).round(1)
    attempts = attempts.reindex(columns=["submitted_at", "quiz_id", "quiz", "score", "passed", "minutes"])

    ev = SandboxEvent.__table__
    sandbox = frame(
        session,
        select(ev.c.mode, ev.c.outcome, func.count().label("requests"),
               func.sum(ev.c.prompt_tokens + ev.c.completion_tokens).label("tokens"))
        .where(ev.c.user_id == user_id).group_by(ev.c.mode, ev.c.outcome),
    )
    risk_rows = frame(
        session,
        select(ev.c.risk_action, q.json_text(ev.c.risk_categories).label("categories"), func.count().label("requests"))
        .where(ev.c.user_id == user_id).group_by(ev.c.risk_action, q.json_text(ev.c.risk_categories)),
    )
    risks = explode_risks(risk_rows)

    timeline_rows = []
    for row in lessons.itertuples():
        if row.read_at is not None and not pd.isna(row.read_at):
            timeline_rows.append(dict(at=row.read_at, kind="read", item=row.lesson, detail=""))
    for row in attempts.itertuples():
        timeline_rows.append(dict(at=row.submitted_at, kind="passed" if row.passed else "failed", item=row.quiz,
                                  detail=f"{round((row.score or 0) * 100)}%"))
    days = frame(
        session,
        select(q.local_day(ev.c.created_at, session.get_bind().dialect.name).label("day"),
               func.count().label("requests"), func.min(ev.c.created_at).label("first"))
        .where(ev.c.user_id == user_id).group_by(q.local_day(ev.c.created_at, session.get_bind().dialect.name)),
    )
    for row in days.itertuples():
        timeline_rows.append(dict(at=row.first, kind="sandbox", item="", detail=str(int(row.requests))))
    timeline = pd.DataFrame(timeline_rows, columns=["at", "kind", "item", "detail"])
    if len(timeline):
        timeline["at"] = pd.to_datetime(timeline["at"], utc=True)
        timeline = timeline.sort_values("at", ascending=False).reset_index(drop=True)

    return LearnerDetail(
        user_id=user.id, employee_id=user.employee_id or "", name=user.name, email=user.email,
        department=user.department, active=user.active, last_login_at=user.last_login_at,
        due_on=due_dates.effective_due_date(session, user.department),
        lessons=lessons, attempts=attempts, sandbox=sandbox, risks=risks, timeline=timeline,
        required_ids=tuple(shape.required_ids),
    )
