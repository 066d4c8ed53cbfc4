"""The dashboard's summary tables (on the one ``Base`` of :mod:`portal.db.models`).

Kept by :mod:`portal.summaries.writers` in the same transaction as the facts they summarise,
and rebuilt from those facts by :mod:`portal.stats.rebuild` when needed: the admin dashboard
reads them instead of scanning every attempt and answer. They hold counts and sums only.
Importing :mod:`portal.summaries` registers them on ``Base.metadata`` (``migrations/env.py``
and the tests' database fixtures do).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db.models import Base




class LessonSummary(Base):
    """Per learner and lesson, as of now: reading and the lesson's quiz results."""

    __tablename__ = "lesson_summaries"
    __table_args__ = {"sqlite_with_rowid": False}  # rows stored in key order

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    lesson_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    quiz_id: Mapped[str | None] = mapped_column(String(100))  # the quiz whose results are counted here
    opened_at: Mapped[datetime | None]  # first opening (any version)
    read_at: Mapped[datetime | None]  # first reading (any version)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # submitted attempts
    passed: Mapped[bool] = mapped_column(Boolean, default=False)
    best_score: Mapped[float | None] = mapped_column(Float)
    first_pass_at: Mapped[datetime | None]
    pass_attempt_no: Mapped[int | None] = mapped_column(Integer)  # attempt_no of the first pass
    last_attempt_at: Mapped[datetime | None]  # latest submitted attempt
    last_at: Mapped[datetime]  # latest activity


class QuizDayStat(Base):
    """Submitted attempts per Japanese calendar day, quiz, first attempt or not, and score bin."""

    __tablename__ = "quiz_day_stats"
    __table_args__ = {"sqlite_with_rowid": False}  # rows stored in key order

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    quiz_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    first: Mapped[int] = mapped_column(Integer, primary_key=True)  # 1: attempt_no == 1
    bin: Mapped[int] = mapped_column(Integer, primary_key=True)  # score bin 0..9
    n: Mapped[int] = mapped_column(Integer, default=0)
    score_sum: Mapped[float] = mapped_column(Float, default=0.0)
    passed: Mapped[int] = mapped_column(Integer, default=0)


class QuestionDayStat(Base):
    """First attempts' answers per day, quiz, question and response (JSON text): the moments
    from which facility and discrimination indices are computed (see portal.stats.quiz_stats)."""

    __tablename__ = "question_day_stats"
    __table_args__ = {"sqlite_with_rowid": False}  # rows stored in key order

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    quiz_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    response: Mapped[str] = mapped_column(Text, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)
    sx: Mapped[float] = mapped_column(Float, default=0.0)
    sxx: Mapped[float] = mapped_column(Float, default=0.0)
    st: Mapped[float] = mapped_column(Float, default=0.0)
    stt: Mapped[float] = mapped_column(Float, default=0.0)
    stx: Mapped[float] = mapped_column(Float, default=0.0)
    correct: Mapped[int] = mapped_column(Integer, default=0)


class ActivityDay(Base):
    """A user did something on this Japanese calendar day (opened or read a lesson, submitted a
    quiz, used the sandbox): the "active learners" chart counts these."""

    __tablename__ = "activity_days"
    __table_args__ = (Index("ix_activity_days_day", "day", "user_id"), {"sqlite_with_rowid": False})

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)


class SandboxUserDay(Base):
    """Sandbox use per user and Japanese calendar day (requests as the quota counts them too)."""

    __tablename__ = "sandbox_user_days"
    __table_args__ = (Index("ix_sandbox_user_days_day", "day"), {"sqlite_with_rowid": False})

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    counted: Mapped[int] = mapped_column(Integer, default=0)  # requests that use the daily quota
    tokens: Mapped[int] = mapped_column(Integer, default=0)
    flagged: Mapped[int] = mapped_column(Integer, default=0)  # the risk checklist found something
    last_at: Mapped[datetime]


class SandboxDayStat(Base):
    """Sandbox requests per day and one breakdown: kind 'kind' (k1 mode, k2 model, k3 outcome),
    'rating' (k1 the rating, '' for none), 'risk' (k1 the learner's action, k2 the categories
    as JSON text {category: findings})."""

    __tablename__ = "sandbox_day_stats"
    __table_args__ = {"sqlite_with_rowid": False}

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    k1: Mapped[str] = mapped_column(String(200), primary_key=True)
    k2: Mapped[str] = mapped_column(Text, primary_key=True)
    k3: Mapped[str] = mapped_column(String(32), primary_key=True)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    tokens: Mapped[int] = mapped_column(Integer, default=0)
    latency_sum: Mapped[float] = mapped_column(Float, default=0.0)
    latency_n: Mapped[int] = mapped_column(Integer, default=0)


summaries = LessonSummary.__table__
quiz_days = QuizDayStat.__table__
question_days = QuestionDayStat.__table__
activity = ActivityDay.__table__
sandbox_days = SandboxUserDay.__table__
sandbox_stats = SandboxDayStat.__table__
TABLES = (summaries, quiz_days, question_days, activity, sandbox_days, sandbox_stats)
