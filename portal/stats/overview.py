"""Overview tab: head counts, completion, average score, activity, lesson and department views."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy.orm import Session

from portal.accounts.roles import CurrentUser, require_admin
from portal.learning.content import Course
from portal.learning.quiz import Quiz
from portal.stats import queries as q
from portal.stats import rebuild
from portal.stats.base import as_timestamp, bucket_unit, dialect, frame, ratio
from portal.stats.filters import CourseShape, StatsFilter


@dataclass(frozen=True)
class Overview:
    learners: int
    completed_all: int  # learners who completed every required lesson
    completion_rate: float | None  # completed_all / learners
    progress_rate: float | None  # completed lessons / (learners x lessons)
    average_score: float | None  # mean of the best score per learner and quiz attempted
    active_unit: str  # "day" | "week"
    active: pd.DataFrame  # period, active
    per_lesson: pd.DataFrame  # order, lesson_id, lesson, learners, started, read, passed, completed, completion_rate, average_score
    heatmap: pd.DataFrame  # department, order, lesson_id, lesson, learners, completed, completion_rate
    departments: pd.DataFrame  # department, learners, completed_all, completion_rate, progress_rate

    @property
    def empty(self) -> bool:
        return self.learners == 0


def department_options(session: Session, actor: CurrentUser) -> list[tuple[str, int]]:
    """(department, active learners) for the filter, in name order."""
    require_admin(actor)
    return [(d, int(n)) for d, n in session.execute(q.departments()).all()]


def statements(shape: CourseShape, flt: StatsFilter, dialect_name: str, src: q.Source = q.FACTS) -> dict:
    return {
        "learners": q.learner_count_by_department(flt),
        "cells": q.overview_cells(shape, flt, src),
        "active": q.active_learners(flt, dialect_name, bucket_unit(flt), src),
    }


def overview(
    session: Session, actor: CurrentUser, course: Course, quizzes: dict[str, Quiz] | None, flt: StatsFilter
) -> Overview:
    require_admin(actor)
    shape = CourseShape.of(course, quizzes)
    st = statements(shape, flt, dialect(session), rebuild.source(session, shape, flt))
    return shape_overview(shape, flt, **{k: frame(session, s) for k, s in st.items()})


def shape_overview(shape, flt, learners, cells, active) -> Overview:
    heads = learners
    done = cells.loc[cells["kind"] == "done", ["department", "done", "n"]].rename(columns={"n": "learners"})
    done = done.assign(done=done["done"].astype(int), learners=done["learners"].astype(int))
    cells = cells.loc[cells["kind"] == "lesson"].drop(columns=["kind", "done"]).rename(columns={"n": "started"})
    n_lessons = shape.n_required  # completion and progress count the required lessons
    by_dept = dict(zip(heads["department"], heads["learners"].astype(int))) if len(heads) else {}
    learners = int(sum(by_dept.values()))

    lessons = pd.DataFrame(
        [(l.order, l.id, shape.label(l.id)) for l in shape.lessons], columns=["order", "lesson_id", "lesson"]
    )
    # department x lesson grid, every pair present
    grid = pd.DataFrame(
        [(d, n, l.id) for d, n in sorted(by_dept.items()) for l in shape.lessons],
        columns=["department", "learners", "lesson_id"],
    )
    metrics = ["started", "read", "passed", "completed", "score_sum", "score_n"]
    if len(cells):
        grid = grid.merge(cells, on=["department", "lesson_id"], how="left")
    else:
        for m in metrics:
            grid[m] = 0
    grid[metrics] = grid[metrics].fillna(0)
    grid = grid.merge(lessons, on="lesson_id")
    grid["completion_rate"] = grid["completed"] / grid["learners"].where(grid["learners"] > 0)

    per_lesson = (
        grid.groupby(["order", "lesson_id", "lesson"], as_index=False)[["learners", *metrics]].sum()
        .sort_values("order")
    )
    per_lesson["completion_rate"] = per_lesson["completed"] / per_lesson["learners"].where(per_lesson["learners"] > 0)
    per_lesson["average_score"] = per_lesson["score_sum"] / per_lesson["score_n"].where(per_lesson["score_n"] > 0)
    per_lesson = per_lesson.drop(columns=["score_sum", "score_n"]).reset_index(drop=True)
    for col in ("learners", "started", "read", "passed", "completed"):
        per_lesson[col] = per_lesson[col].astype(int)

    heatmap = grid[["department", "order", "lesson_id", "lesson", "learners", "completed", "completion_rate"]].copy()
    heatmap["completed"] = heatmap["completed"].astype(int)
    heatmap = heatmap.sort_values(["department", "order"]).reset_index(drop=True)

    # learners by number of completed lessons (those never active count as 0)
    dept_rows = []
    for dept, n in sorted(by_dept.items()):
        rows = done[done["department"] == dept] if len(done) else done
        counted = int(rows["learners"].sum()) if len(rows) else 0
        full = int(rows.loc[rows["done"] >= n_lessons, "learners"].sum()) if len(rows) and n_lessons else 0
        lessons_done = float((rows["done"] * rows["learners"]).sum()) if len(rows) else 0.0
        dept_rows.append(dict(
            department=dept, learners=n, completed_all=full, completion_rate=ratio(full, n),
            progress_rate=ratio(lessons_done, n * n_lessons), _done=lessons_done, _counted=counted,
        ))
    departments = pd.DataFrame(
        dept_rows, columns=["department", "learners", "completed_all", "completion_rate", "progress_rate", "_done", "_counted"]
    )
    completed_all = int(departments["completed_all"].sum()) if len(departments) else 0
    lessons_done = float(departments["_done"].sum()) if len(departments) else 0.0
    departments = departments.drop(columns=["_done", "_counted"])

    score_n = float(grid["score_n"].sum()) if len(grid) else 0.0
    average_score = float(grid["score_sum"].sum()) / score_n if score_n else None

    if len(active):
        active = active.assign(period=as_timestamp(active["period"]), active=active["active"].astype(int))
    else:
        active = pd.DataFrame({"period": pd.Series(dtype="datetime64[ns]"), "active": pd.Series(dtype=int)})

    return Overview(
        learners=learners,
        completed_all=completed_all,
        completion_rate=ratio(completed_all, learners),
        progress_rate=ratio(lessons_done, learners * n_lessons),
        average_score=average_score,
        active_unit=bucket_unit(flt),
        active=active,
        per_lesson=per_lesson,
        heatmap=heatmap,
        departments=departments,
    )
