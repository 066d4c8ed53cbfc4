"""People tab: one row per learner with the status of every lesson, and one learner's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

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
from portal.stats import summary
from portal.stats.base import frame
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
        "cells": q.learner_cells(shape, flt, columns=(
            "user_id", "lesson_id", "opened", "read", "attempts", "passed", "best_score", "last_at", "completed",
        ), src=src),
        "sandbox": q.sandbox_last_use(flt, src),
    }


def status_codes(cells: pd.DataFrame, shape: CourseShape) -> pd.Series:
    """The status of each (learner, lesson) cell, decided by ``progress.compute_status`` itself
    (applied once per distinct combination of flags, not once per row)."""
    with_quiz = {l.id for l in shape.lessons if l.quiz_id}
    flags = pd.DataFrame({
        "read": cells["read"].astype(int) > 0,
        "opened": cells["opened"].astype(int) > 0,
        "passed": cells["passed"].astype(int) > 0,
        "has_quiz": cells["lesson_id"].isin(with_quiz),
        "attempts": cells["attempts"].astype(int).clip(upper=1),
    })
    keys = list(flags.itertuples(index=False, name=None))
    decided = {k: progress.compute_status(*k).value for k in set(keys)}
    return pd.Series([decided[k] for k in keys], index=cells.index, dtype=object)


def people(
    session: Session, actor: CurrentUser, course: Course, quizzes: dict[str, Quiz] | None, flt: StatsFilter
) -> pd.DataFrame:
    """One row per learner: identity, lessons completed, progress, average best score, last
    activity, then ``status:<lesson_id>`` (a progress.Status value) and ``best:<lesson_id>``
    (best quiz score 0..1) for every lesson in course order."""
    require_admin(actor)
    shape = CourseShape.of(course, quizzes)
    st = statements(shape, flt, summary.source(session, shape, flt))
    return shape_people(shape, frame(session, st["directory"]), frame(session, st["cells"]), frame(session, st["sandbox"]))


def shape_people(shape: CourseShape, directory: pd.DataFrame, cells: pd.DataFrame, sandbox: pd.DataFrame) -> pd.DataFrame:
    lesson_ids = shape.lesson_ids
    base = directory.set_index("user_id")
    out = base[["employee_id", "name", "email", "department"]].copy()
    out["employee_id"] = out["employee_id"].fillna("")
    n = len(lesson_ids)
    if len(cells):
        cells = cells.assign(status=status_codes(cells, shape), completed=cells["completed"].astype(int))
        status = cells.pivot(index="user_id", columns="lesson_id", values="status")
        best = cells.pivot(index="user_id", columns="lesson_id", values="best_score")
        per_user = cells.groupby("user_id").agg(done=("completed", "sum"), last_at=("last_at", "max"),
                                                 average_score=("best_score", "mean"))
    else:
        status = pd.DataFrame(index=pd.Index([], name="user_id"))
        best = pd.DataFrame(index=pd.Index([], name="user_id"))
        per_user = pd.DataFrame(columns=["done", "last_at", "average_score"], index=pd.Index([], name="user_id"))
    out = out.join(per_user, how="left")
    out["done"] = out["done"].fillna(0).astype(int)
    out["progress"] = out["done"] / n if n else 0.0
    out["average_score"] = pd.to_numeric(out["average_score"], errors="coerce")
    last = pd.to_datetime(out["last_at"], utc=True)
    if len(sandbox):
        sb = pd.to_datetime(sandbox.set_index("user_id")["sandbox_at"], utc=True)
        last = pd.concat([last, sb.reindex(out.index)], axis=1).max(axis=1)
    out["last_activity"] = last
    out = out.drop(columns=["last_at"])
    status = status.reindex(index=out.index, columns=lesson_ids)
    best = best.reindex(index=out.index, columns=lesson_ids)
    status_cols = {lid: STATUS_PREFIX + lid for lid in lesson_ids}
    best_cols = {lid: BEST_PREFIX + lid for lid in lesson_ids}
    out = pd.concat(
        [out, status.astype(object).fillna(Status.NOT_STARTED.value).rename(columns=status_cols),
         best.astype(float).rename(columns=best_cols)],
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


def learner_detail(
    session: Session, actor: CurrentUser, user_id: int, course: Course, quizzes: dict[str, Quiz] | None
) -> LearnerDetail:
    """Everything one learner did: lesson states (by the learner's own progress rules), quiz
    attempts, sandbox use as counts (never prompt text), and a timeline."""
    require_admin(actor)
    from portal.stats import due_dates
    from portal.stats.sandbox import explode_risks

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
    )
