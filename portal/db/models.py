"""SQLAlchemy 2.0 typed models: the whole persistent state of the portal."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy import func, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC on every backend (SQLite has no time zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return value.replace(tzinfo=timezone.utc) if value is not None else None


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


ROLE_LEARNER = "learner"
ROLE_ADMIN = "admin"
ROLES = (ROLE_LEARNER, ROLE_ADMIN)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        # sign-in looks people up by lower-case e-mail or employee id (find_user): without these
        # every sign-in scans the whole table, which at 70,000 employees costs tens of milliseconds
        Index("ix_users_lower_email", func.lower(text("email"))),
        Index("ix_users_lower_employee_id", func.lower(text("employee_id"))),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    department: Mapped[str] = mapped_column(String(200), default="", index=True)
    role: Mapped[str] = mapped_column(String(16), default=ROLE_LEARNER)
    password_hash: Mapped[str | None] = mapped_column(String(255))  # null for SSO-only users
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sso_subject: Mapped[str | None] = mapped_column(String(255), unique=True)
    # "ja" or "en"; null until the user chooses (the UI follows the browser until then)
    language: Mapped[str | None] = mapped_column(String(8))
    daily_request_quota: Mapped[int | None] = mapped_column(Integer)  # null = global default
    daily_token_quota: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_login_at: Mapped[datetime | None]

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN


class LoginThrottle(Base):
    """Failed sign-ins per login name (known or not), shared by every app replica."""

    __tablename__ = "login_throttle"

    login: Mapped[str] = mapped_column(String(320), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]


class AuthSession(Base):
    """A signed-in browser session; only the token's hash is stored."""

    __tablename__ = "auth_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    # one-time code that the browser exchanges for a session cookie (keeps sign-in across reloads)
    handoff_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    handoff_expires_at: Mapped[datetime | None]


class AccountSetupCode(Base):
    """A one-time setup code for an account that has no password yet (an imported employee).

    Only the SHA-256 of the code is stored: the code is 128 random bits, so a fast hash is safe
    (nobody can guess or brute-force it), and issuing codes for 70,000 accounts takes a moment
    instead of hours of argon2. The employee signs in once with it and must choose a password
    (argon2id) right away; choosing one marks the code used."""

    __tablename__ = "account_setup_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class SetupToken(Base):
    """One-time token that unlocks the first-run admin setup page."""

    __tablename__ = "setup_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class LessonProgress(Base):
    """A learner read a lesson at a given content version (hash of the lesson file)."""

    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id", "content_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[str] = mapped_column(String(100), index=True)
    content_version: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class QuizAttempt(Base):
    __tablename__ = "quiz_attempts"
    __table_args__ = (
        Index("ix_quiz_attempts_user_quiz", "user_id", "quiz_id"),
        # the admin statistics scan submitted attempts by date from this index alone
        Index(
            "ix_quiz_attempts_submitted", "submitted_at", "quiz_id", "user_id", "attempt_no", "score", "passed",
            sqlite_where=text("status = 'submitted'"), postgresql_where=text("status = 'submitted'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    quiz_id: Mapped[str] = mapped_column(String(100), index=True)
    quiz_version: Mapped[str] = mapped_column(String(64))
    # drawn question ids in display order and the seed used to shuffle their options
    question_ids: Mapped[list[Any]] = mapped_column(JSON)
    seed: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="in_progress")  # in_progress|submitted|abandoned
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    draft: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # saved answers of an unfinished attempt
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    score: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    # 1 for the learner's first submitted attempt of this quiz, 2 for the second, ... (set on submit)
    attempt_no: Mapped[int | None] = mapped_column(Integer)

    answers: Mapped[list[QuizAnswer]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", order_by="QuizAnswer.position"
    )


class QuizAnswer(Base):
    __tablename__ = "quiz_answers"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[str] = mapped_column(String(100), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    response: Mapped[Any] = mapped_column(JSON)  # option ids / bool / number / {left: right}
    credit: Mapped[float] = mapped_column(Float)
    correct: Mapped[bool] = mapped_column(Boolean)

    attempt: Mapped[QuizAttempt] = relationship(back_populates="answers")


# The dashboard's summary tables (lesson_summaries, quiz_day_stats, question_day_stats,
# activity_days, sandbox_user_days, sandbox_day_stats) are defined in portal.summaries.models,
# on this same Base, next to the writers that keep them.


class SandboxEvent(Base):
    """One send from the sandbox. Never holds prompt text: only parameters, counts and categories."""

    __tablename__ = "sandbox_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    mode: Mapped[str] = mapped_column(String(32), default="chat")  # chat|compare|explorer|grounded
    provider: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(200))
    temperature: Mapped[float | None] = mapped_column(Float)
    top_p: Mapped[float | None] = mapped_column(Float)
    max_tokens: Mapped[int | None] = mapped_column(Integer)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    ttft_ms: Mapped[float | None] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(String(32))  # ok|incomplete|error|blocked
    error_kind: Mapped[str | None] = mapped_column(String(32))
    risk_categories: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {category: count}
    risk_action: Mapped[str] = mapped_column(String(16), default="none")  # none|masked|edited|sent_anyway|blocked
    rating: Mapped[int | None] = mapped_column(Integer)


class DueDate(Base):
    """The course due date, globally (department '') or for one department."""

    __tablename__ = "due_dates"

    department: Mapped[str] = mapped_column(String(200), primary_key=True)
    due_on: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AppSetting(Base):
    """Admin-editable settings shared by every replica (risk policy, quotas, ...)."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class AuditEvent(Base):
    """Admin actions on accounts and settings."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Certificate(Base):
    """A course completion certificate. What it says (name, department, dates, content version)
    is kept as issued, so the verification code confirms the document the learner holds. A
    learner has at most one live certificate; deactivating the account revokes it."""

    __tablename__ = "certificates"
    __table_args__ = (
        Index("ux_certificates_live_user", "user_id", unique=True,
              sqlite_where=text("revoked_at IS NULL"), postgresql_where=text("revoked_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    employee_id: Mapped[str | None] = mapped_column(String(64))
    department: Mapped[str] = mapped_column(String(200), default="")
    course_title: Mapped[str] = mapped_column(String(200))
    content_version: Mapped[str] = mapped_column(String(64))
    completed_at: Mapped[datetime]
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(32))


class ReminderSend(Base):
    """One reminder e-mail to one learner for one rule on one Japanese calendar day.

    A row is first claimed with status ``sending`` (the unique key stops a second run from
    mailing the same person for the same rule that day) and becomes ``sent`` only after the SMTP
    server accepted the message; a refused or failed message deletes its claim."""

    __tablename__ = "reminder_sends"
    __table_args__ = (
        UniqueConstraint("user_id", "rule", "sent_on"),
        Index("ix_reminder_sends_user_rule_due", "user_id", "rule", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(32))  # before:<days> | due | overdue
    due_on: Mapped[date] = mapped_column(Date)
    sent_on: Mapped[date] = mapped_column(Date)  # the Japanese calendar day of the run
    status: Mapped[str] = mapped_column(String(16), default="sending")  # sending | sent
    email: Mapped[str] = mapped_column(String(320))
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class CustomLesson(Base):
    """A lesson written in the portal (管理 > レッスン作成), with its quiz bank: the same Markdown and
    YAML as a file in content/ and quizzes/. The draft is what the editor holds (admins only);
    learners see the published revision, never the draft. ``status``: draft (never published),
    published, retired (taken out of the course; its revisions and history stay)."""

    __tablename__ = "custom_lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[str] = mapped_column(String(100), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | published | retired
    draft_markdown: Mapped[str] = mapped_column(Text)
    draft_quiz: Mapped[str | None] = mapped_column(Text)  # the question bank's YAML, or none
    published_revision: Mapped[int | None] = mapped_column(Integer)  # number of the live revision
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class CustomLessonRevision(Base):
    """One published version of a custom lesson, kept as published (previous versions viewable)."""

    __tablename__ = "custom_lesson_revisions"
    __table_args__ = (UniqueConstraint("custom_lesson_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    custom_lesson_id: Mapped[int] = mapped_column(ForeignKey("custom_lessons.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    markdown: Mapped[str] = mapped_column(Text)
    quiz: Mapped[str | None] = mapped_column(Text)
    content_version: Mapped[str] = mapped_column(String(64))  # the lesson's version, as for a file
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class CustomLessonEvent(Base):
    """Who changed what in a custom lesson, and when (created, saved, published, retired, ...)."""

    __tablename__ = "custom_lesson_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    custom_lesson_id: Mapped[int] = mapped_column(ForeignKey("custom_lessons.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(32))
    revision: Mapped[int | None] = mapped_column(Integer)


class LessonImage(Base):
    """An image uploaded for lessons, referenced from Markdown as ``![alt](image:<name>)`` and
    shown with st.image (never as HTML). The type is checked from the bytes, the size limited."""

    __tablename__ = "lesson_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    mime: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
