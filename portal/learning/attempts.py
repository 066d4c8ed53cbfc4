"""Quiz attempts: start or resume, save a draft, submit exactly once, abandon, review.

A submission carries an idempotency key (made when the quiz form is shown). The same key
submitted twice (double click, browser reload, Streamlit rerun) returns the first result and
records nothing more. Each attempt stores the quiz version (hash of the file) and, per drawn
question, the response by option ids, so shuffling and later edits never corrupt history.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal import summaries
from portal.accounts.roles import CurrentUser, PermissionDenied, require_user
from portal.db.models import QuizAnswer, QuizAttempt, utcnow
from portal.i18n import t
from portal.learning.quiz import Quiz, draw_questions, grade


class AttemptError(ValueError):
    """A user-facing problem with an attempt (message in Japanese)."""


@dataclass(frozen=True)
class AttemptResult:
    attempt_id: int
    score: float
    passed: bool
    duplicate: bool  # True when this key had already been submitted


def _own_attempt(session: Session, user: CurrentUser, attempt_id: int, *, lock: bool = False) -> QuizAttempt:
    attempt = session.get(QuizAttempt, attempt_id, with_for_update=lock)
    if attempt is None:
        raise AttemptError(t("quiz.error.no_attempt"))
    if attempt.user_id != user.id and not user.is_admin:
        raise PermissionDenied()
    return attempt


def submitted_count(session: Session, user: CurrentUser, quiz_id: str) -> int:
    return session.scalar(
        select(func.count()).select_from(QuizAttempt).where(
            QuizAttempt.user_id == user.id, QuizAttempt.quiz_id == quiz_id, QuizAttempt.status == "submitted"
        )
    )


def open_attempt(session: Session, user: CurrentUser, quiz: Quiz) -> QuizAttempt | None:
    """The user's unfinished attempt of this quiz, if any."""
    return session.scalar(
        select(QuizAttempt)
        .where(QuizAttempt.user_id == user.id, QuizAttempt.quiz_id == quiz.id, QuizAttempt.status == "in_progress")
        .order_by(QuizAttempt.started_at.desc())
    )


def _outdated(attempt: QuizAttempt, quiz: Quiz) -> bool:
    """An unfinished attempt of an older quiz version: its questions may be gone, and it could not
    be submitted anyway, so it is abandoned before the learner answers again."""
    return attempt.quiz_version != quiz.version


@dataclass(frozen=True)
class QuizStanding:
    """Where a learner stands on a quiz when its page opens."""

    attempt: QuizAttempt | None  # the unfinished attempt of the current version, to resume
    set_aside: bool  # an unfinished attempt of an older version was just abandoned
    submitted: int  # submitted attempts
    best_score: float | None  # the best of them (None: none submitted)
    passed: bool  # any of them passed


def quiz_standing(session: Session, user: CurrentUser, quiz: Quiz) -> QuizStanding:
    """The learner's unfinished attempt (an outdated one abandoned, as ``start_attempt`` would) and
    the record of their submitted attempts."""
    require_user(user)
    current = open_attempt(session, user, quiz)
    set_aside = current is not None and _outdated(current, quiz)
    if set_aside:
        current.status = "abandoned"
        current = None
    past = history(session, user, quiz.id)
    return QuizStanding(
        attempt=current, set_aside=set_aside, submitted=len(past),
        best_score=max(a.score or 0 for a in past) if past else None, passed=any(a.passed for a in past),
    )


def start_attempt(session: Session, user: CurrentUser, quiz: Quiz, *, resume: bool = True) -> QuizAttempt:
    """Resume the unfinished attempt (same questions, same order) or draw a new one. An
    unfinished attempt of an older quiz version is abandoned, since its questions may be gone."""
    require_user(user)
    current = open_attempt(session, user, quiz)
    if current is not None:
        if resume and not _outdated(current, quiz):
            return current
        current.status = "abandoned"
    if quiz.meta.max_attempts is not None and submitted_count(session, user, quiz.id) >= quiz.meta.max_attempts:
        raise AttemptError(t("quiz.error.no_attempts_left", n=quiz.meta.max_attempts))
    seed = secrets.randbelow(2**31)
    attempt = QuizAttempt(
        user_id=user.id, quiz_id=quiz.id, quiz_version=quiz.version, seed=seed,
        question_ids=draw_questions(quiz, seed), status="in_progress",
    )
    session.add(attempt)
    session.flush()
    return attempt


def save_draft(session: Session, user: CurrentUser, attempt_id: int, responses: dict[str, Any]) -> None:
    attempt = _own_attempt(session, user, attempt_id)
    if attempt.status == "in_progress":
        attempt.draft = responses


def abandon(session: Session, user: CurrentUser, attempt_id: int) -> None:
    attempt = _own_attempt(session, user, attempt_id)
    if attempt.status == "in_progress":
        attempt.status = "abandoned"


def submitted_attempt(session: Session, user: CurrentUser, attempt_id: int) -> bool:
    """Whether the learner's attempt ``attempt_id`` has been graded (False for another's)."""
    require_user(user)
    attempt = session.get(QuizAttempt, attempt_id)
    return attempt is not None and attempt.user_id == user.id and attempt.status == "submitted"


def submit(
    session: Session, user: CurrentUser, quiz: Quiz, attempt_id: int, responses: dict[str, Any], idempotency_key: str
) -> AttemptResult:
    """Grade and record an attempt exactly once."""
    require_user(user)
    prior = session.scalar(select(QuizAttempt).where(QuizAttempt.idempotency_key == idempotency_key))
    if prior is not None:
        if prior.user_id != user.id:
            raise PermissionDenied()
        return AttemptResult(prior.id, prior.score or 0.0, bool(prior.passed), duplicate=True)
    attempt = _own_attempt(session, user, attempt_id, lock=True)
    if attempt.status == "submitted":
        return AttemptResult(attempt.id, attempt.score or 0.0, bool(attempt.passed), duplicate=True)
    if attempt.status != "in_progress":
        raise AttemptError(t("quiz.error.abandoned"))
    if attempt.quiz_version != quiz.version or attempt.quiz_id != quiz.id:
        raise AttemptError(t("quiz.error.version_changed"))

    credits = 0.0
    answers = []
    for position, qid in enumerate(attempt.question_ids):
        question = quiz.question(qid)
        response = responses.get(qid)
        g = grade(question, response)
        credits += g.credit
        answers.append(QuizAnswer(question_id=qid, position=position, response=response if g.answered else None,
                                  credit=g.credit, correct=g.correct))
    score = credits / len(attempt.question_ids) if attempt.question_ids else 0.0
    passed = score >= quiz.meta.pass_mark - 1e-9
    # claim the attempt atomically: a concurrent submit of the same attempt updates 0 rows
    now = utcnow()
    claimed = session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.status == "in_progress")
        .values(status="submitted", idempotency_key=idempotency_key, submitted_at=now,
                score=score, passed=passed, draft=None)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if claimed != 1:
        session.refresh(attempt)
        return AttemptResult(attempt.id, attempt.score or 0.0, bool(attempt.passed), duplicate=True)
    for answer in answers:
        answer.attempt_id = attempt.id
        session.add(answer)
    try:
        session.flush()
    except IntegrityError:
        raise AttemptError(t("quiz.error.duplicate")) from None
    # the dashboard's summaries, in this same transaction, from the answers in hand; the attempt
    # is numbered once the summaries' row lock orders concurrent submissions
    summaries.record_submission(session, summaries.SubmittedAttempt(
        user_id=user.id, lesson_id=quiz.meta.lesson_id, quiz_id=quiz.id, at=now, score=score, passed=passed,
        question_count=len(attempt.question_ids),
        answers=tuple((a.question_id, a.response, a.credit, a.correct) for a in answers),
    ), lambda: number_attempt(session, user.id, quiz.id, attempt.id))
    return AttemptResult(attempt.id, score, passed, duplicate=False)


_ATTEMPTS = QuizAttempt.__table__
# built once, run on the connection (the submit path): Core statements with plain parameters
_SUBMITTED_UP_TO = select(func.count()).select_from(_ATTEMPTS).where(
    _ATTEMPTS.c.user_id == bindparam("user_id"), _ATTEMPTS.c.quiz_id == bindparam("quiz_id"),
    _ATTEMPTS.c.status == "submitted", _ATTEMPTS.c.id <= bindparam("attempt_id"),
)
_SET_NUMBER = _ATTEMPTS.update().where(_ATTEMPTS.c.id == bindparam("attempt_id")).values(attempt_no=bindparam("number"))


def number_attempt(session: Session, user_id: int, quiz_id: str, attempt_id: int) -> int:
    """Number a submitted attempt: 1 + the learner's earlier submitted attempts of the quiz (by
    id, the order of submission). Stored in ``attempt_no``; returns it."""
    conn = session.connection()
    number = conn.execute(_SUBMITTED_UP_TO, {"user_id": user_id, "quiz_id": quiz_id, "attempt_id": attempt_id}).scalar_one()
    conn.execute(_SET_NUMBER, {"attempt_id": attempt_id, "number": number})
    return number


def attempt_with_answers(session: Session, user: CurrentUser, attempt_id: int) -> QuizAttempt:
    attempt = _own_attempt(session, user, attempt_id)
    _ = attempt.answers  # load while the session is open
    return attempt


def history(session: Session, user: CurrentUser, quiz_id: str | None = None) -> list[QuizAttempt]:
    """The user's submitted attempts, newest first."""
    require_user(user)
    query = select(QuizAttempt).where(QuizAttempt.user_id == user.id, QuizAttempt.status == "submitted")
    if quiz_id:
        query = query.where(QuizAttempt.quiz_id == quiz_id)
    return list(session.scalars(query.order_by(QuizAttempt.submitted_at.desc())))
