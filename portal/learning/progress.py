"""Lesson progress and completion rules.

A lesson is completed when it has been read (any content version) and its quiz passed (any
attempt: the best attempt counts). Lessons without a quiz are completed by reading them. The
course is completed when every required lesson is (``content.counts_for_completion``; optional
lessons, 任意, do not count).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import NamedTuple

from sqlalchemy import bindparam, literal_column, null, select, type_coerce, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal import summaries
from portal.accounts.roles import CurrentUser, require_user
from portal.db.models import LessonProgress, QuizAttempt, utcnow
from portal.learning.content import Course, Lesson


class Status(str, Enum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    QUIZ_PENDING = "quiz_pending"
    COMPLETED = "completed"


@dataclass(frozen=True)
class LessonState:
    lesson_id: str
    status: Status
    read_at: datetime | None
    read_version: str | None
    read_current: bool  # a current version (in any language edition) has been read
    best_score: float | None
    passed: bool
    attempts: int


def _get_or_create(session: Session, user_id: int, lesson: Lesson) -> LessonProgress:
    query = select(LessonProgress).where(
        LessonProgress.user_id == user_id,
        LessonProgress.lesson_id == lesson.id,
        LessonProgress.content_version == lesson.version,
    )
    row = session.scalar(query)
    if row is None:
        try:
            with session.begin_nested():
                now = utcnow()
                row = LessonProgress(user_id=user_id, lesson_id=lesson.id, content_version=lesson.version, opened_at=now)
                session.add(row)
                summaries.record_opened(session, user_id, lesson.id, now)
        except IntegrityError:  # the same page opened twice at once
            row = session.scalar(query)
    return row


def record_opened(session: Session, user: CurrentUser, lesson: Lesson) -> None:
    require_user(user)
    _get_or_create(session, user.id, lesson)


def mark_read(session: Session, user: CurrentUser, lesson: Lesson) -> bool:
    """Record that the user read this version of the lesson. Idempotent: returns False when it
    was already recorded (the first time stays the reading time)."""
    require_user(user)
    row = _get_or_create(session, user.id, lesson)
    if row.read_at is not None:
        return False
    row.read_at = utcnow()
    summaries.record_read(session, user.id, lesson.id, row.read_at)
    return True


def compute_status(read: bool, opened: bool, passed: bool, has_quiz: bool, attempts: int) -> Status:
    if read and (passed or not has_quiz):
        return Status.COMPLETED
    if read:
        return Status.QUIZ_PENDING
    if opened or attempts:
        return Status.IN_PROGRESS
    return Status.NOT_STARTED


# built once: these run on every lesson and course page view
_PROGRESS_ROWS = select(LessonProgress.lesson_id, LessonProgress.content_version, LessonProgress.read_at).where(
    LessonProgress.user_id == bindparam("user_id")
)
_ATTEMPT_ROWS = select(QuizAttempt.quiz_id, QuizAttempt.score, QuizAttempt.passed).where(
    QuizAttempt.user_id == bindparam("user_id"), QuizAttempt.status == "submitted"
)


def _rows(session: Session, user: CurrentUser) -> tuple[list, list]:
    progress = session.execute(_PROGRESS_ROWS, {"user_id": user.id}).all()
    attempts = session.execute(_ATTEMPT_ROWS, {"user_id": user.id}).all()
    return list(progress), list(attempts)


def _states(course: Course, progress: list, attempts: list) -> dict[str, LessonState]:
    return {lesson.id: _state(lesson, progress, attempts) for lesson in course.lessons}


def _state(lesson: Lesson, progress: list, attempts: list) -> LessonState:
    rows = [r for r in progress if r.lesson_id == lesson.id]
    reads = sorted((r for r in rows if r.read_at is not None), key=lambda r: r.read_at)
    quiz_rows = [a for a in attempts if a.quiz_id == lesson.meta.quiz_id] if lesson.meta.quiz_id else []
    best = max((a.score for a in quiz_rows if a.score is not None), default=None)
    passed = any(a.passed for a in quiz_rows)
    last_read = reads[-1] if reads else None
    return LessonState(
        lesson_id=lesson.id,
        status=compute_status(bool(reads), bool(rows), passed, bool(lesson.meta.quiz_id), len(quiz_rows)),
        read_at=last_read.read_at if last_read else None,
        read_version=last_read.content_version if last_read else None,
        read_current=any(r.content_version in lesson.versions for r in reads),
        best_score=best,
        passed=passed,
        attempts=len(quiz_rows),
    )


def course_states(session: Session, user: CurrentUser, course: Course) -> dict[str, LessonState]:
    """Status of every lesson for one learner, in two queries."""
    require_user(user)
    return _states(course, *_rows(session, user))


def open_lesson(session: Session, user: CurrentUser, course: Course, lesson: Lesson) -> LessonState:
    """Record that the user opened this version of the lesson (once) and return its state: what
    a lesson page needs on every rerun, in the two queries of ``course_states`` (plus an insert
    the first time only)."""
    require_user(user)
    progress, attempts = _rows(session, user)
    if not any(r.lesson_id == lesson.id and r.content_version == lesson.version for r in progress):
        progress.append(_get_or_create(session, user.id, lesson))
    return _states(course, progress, attempts)[lesson.id]


def lesson_state(session: Session, user: CurrentUser, course: Course, lesson: Lesson) -> tuple[LessonState, bool]:
    """Read-only: the lesson's state and whether this version's opening is already recorded
    (a page can then skip the write unit of work that ``open_lesson`` needs)."""
    require_user(user)
    session.flush()  # (a no-op when clean) the query below runs on the connection, past autoflush
    progress, attempts = [], []
    # one round trip on the session's connection: this lesson's progress rows and its quiz's attempts
    params = {"user_id": user.id, "lesson_id": lesson.id, "quiz_id": lesson.meta.quiz_id or ""}
    for kind, key, version, read_at, score, passed in session.connection().execute(_LESSON_ROWS, params):
        if kind == "p":
            progress.append(_ProgressRow(key, version, read_at))
        else:
            attempts.append(_AttemptRow(key, score, passed))
    recorded = any(r.content_version == lesson.version for r in progress)
    return _state(lesson, progress, attempts), recorded


class _ProgressRow(NamedTuple):
    lesson_id: str
    content_version: str
    read_at: datetime | None


class _AttemptRow(NamedTuple):
    quiz_id: str
    score: float | None
    passed: bool


# built once: the lesson page runs this on every rerun
_LESSON_ROWS = union_all(
    select(
        literal_column("'p'").label("kind"),
        LessonProgress.lesson_id.label("key"),
        LessonProgress.content_version.label("version"),
        LessonProgress.read_at.label("read_at"),
        type_coerce(null(), QuizAttempt.score.type).label("score"),
        type_coerce(null(), QuizAttempt.passed.type).label("passed"),
    ).where(LessonProgress.user_id == bindparam("user_id"), LessonProgress.lesson_id == bindparam("lesson_id")),
    select(
        literal_column("'q'"),
        QuizAttempt.quiz_id,
        null(),
        null(),
        QuizAttempt.score,
        QuizAttempt.passed,
    ).where(
        QuizAttempt.user_id == bindparam("user_id"),
        QuizAttempt.quiz_id == bindparam("quiz_id"),
        QuizAttempt.status == "submitted",
    ),
)


def required_done(course: Course, states: dict[str, LessonState]) -> tuple[int, int]:
    """(completed, total) over the lessons that count for completion (optional lessons do not)."""
    required = course.required_lessons
    done = sum(states[l.id].status == Status.COMPLETED for l in required if l.id in states)
    return done, len(required)


def course_completed(course: Course, states: dict[str, LessonState]) -> bool:
    done, total = required_done(course, states)
    return total > 0 and done >= total


def completion_ratio(course: Course, states: dict[str, LessonState]) -> float:
    done, total = required_done(course, states)
    return done / total if total else 0.0


# ---------------------------------------------------------------- course completion (certificates)


@dataclass(frozen=True)
class CourseCompletion:
    """When a learner completed the whole course: the moment the last required lesson met its rule
    (read, and its quiz passed), and the versions they last read of the required lessons."""

    completed_at: datetime
    read_versions: tuple[tuple[str, str], ...]  # (lesson id, content version), in course order


def _completion(course: Course, reads: list, passes: list) -> CourseCompletion | None:
    """``reads``: (lesson_id, content_version, read_at); ``passes``: (quiz_id, submitted_at) of
    passed attempts, for one learner. None unless every required lesson is completed."""
    required = course.required_lessons
    if not required:
        return None
    times, versions = [], []
    for lesson in required:
        mine = sorted((r for r in reads if r[0] == lesson.id and r[2] is not None), key=lambda r: r[2])
        if not mine:
            return None
        done = mine[0][2]  # the first reading (any content version) ...
        if lesson.meta.quiz_id:
            passed = [p[1] for p in passes if p[0] == lesson.meta.quiz_id and p[1] is not None]
            if not passed:
                return None
            done = max(done, min(passed))  # ... and the first passing attempt
        times.append(done)
        versions.append((lesson.id, mine[-1][1]))
    return CourseCompletion(completed_at=max(times), read_versions=tuple(versions))


def course_completions(session: Session, course: Course, user_ids: list[int]) -> dict[int, CourseCompletion]:
    """The learners among ``user_ids`` who completed every required lesson, with when: two queries for
    any number of learners. The same rule as ``compute_status`` (tests check that they agree).
    Callers check the acting user's right to see these learners."""
    if not user_ids:
        return {}
    reads: dict[int, list] = {}
    passes: dict[int, list] = {}
    for chunk in (user_ids[i:i + 1000] for i in range(0, len(user_ids), 1000)):
        for uid, lesson_id, version, read_at in session.execute(
            select(LessonProgress.user_id, LessonProgress.lesson_id, LessonProgress.content_version,
                   LessonProgress.read_at).where(LessonProgress.user_id.in_(chunk), LessonProgress.read_at.is_not(None))
        ):
            reads.setdefault(uid, []).append((lesson_id, version, read_at))
        for uid, quiz_id, submitted_at in session.execute(
            select(QuizAttempt.user_id, QuizAttempt.quiz_id, QuizAttempt.submitted_at).where(
                QuizAttempt.user_id.in_(chunk), QuizAttempt.status == "submitted", QuizAttempt.passed.is_(True))
        ):
            passes.setdefault(uid, []).append((quiz_id, submitted_at))
    out = {}
    for uid in user_ids:
        done = _completion(course, reads.get(uid, []), passes.get(uid, []))
        if done is not None:
            out[uid] = done
    return out
