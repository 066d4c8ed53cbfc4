"""Accounts: sign-in with database-backed throttling, sessions, first-run setup, user management.

Every function takes an SQLAlchemy ``Session`` (one unit of work, committed by the caller's
``session_scope``) and, where it matters, the acting ``CurrentUser``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.accounts import setup_codes
from portal.accounts.passwords import hash_password, needs_rehash, password_problems, verify_password
from portal.accounts.roles import SYSTEM, CurrentUser, PermissionDenied, require_admin, require_user
from portal.config import Settings, get_settings
from portal.db.models import (
    ROLE_ADMIN,
    ROLES,
    AuditEvent,
    Certificate,
    AuthSession,
    LoginThrottle,
    SetupToken,
    User,
    utcnow,
)
from portal.i18n import normalize_lang, t

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(ValueError):
    """A user-facing problem with account data (message in Japanese)."""


def normalize_login(login: str) -> str:
    return login.strip().lower()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_user(session: Session, login: str) -> User | None:
    key = normalize_login(login)
    if not key:
        return None
    return session.scalar(
        select(User).where((func.lower(User.email) == key) | (func.lower(User.employee_id) == key))
    )


# ---------------------------------------------------------------- sign-in and throttling


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    user: CurrentUser | None = None
    message: str = ""
    locked_until: datetime | None = None
    must_change_password: bool = False


def _throttle_row(session: Session, key: str) -> LoginThrottle:
    row = session.get(LoginThrottle, key, with_for_update=True)
    if row is None:
        try:
            with session.begin_nested():
                row = LoginThrottle(login=key, failures=0)
                session.add(row)
        except IntegrityError:  # another replica inserted it first
            row = session.get(LoginThrottle, key, with_for_update=True, populate_existing=True)
    return row


def authenticate(
    session: Session, login: str, password: str, *, settings: Settings | None = None, now: datetime | None = None
) -> LoginResult:
    """Check a password. Failures are counted per login name in the database, so a lock holds
    across every app replica; unknown names are counted too and get the same message."""
    settings = settings or get_settings()
    now = now or utcnow()
    key = normalize_login(login)
    if not key or not password:
        return LoginResult(False, message=t("auth.login.missing"))

    # 1. Read and verify outside the write transaction: argon2 takes a tenth of a second or more,
    #    and on SQLite a write transaction holds the database's one write lock (other sign-ins,
    #    an import's batches and every other writer would wait behind it).
    with Session(_reader(session)) as reader:
        locked = reader.scalar(select(LoginThrottle.locked_until).where(LoginThrottle.login == key))
        if locked is not None and locked > now:
            return LoginResult(False, message=_locked_message(locked, now), locked_until=locked)
        found = find_user(reader, key)
        user_id, seen_hash = (found.id, found.password_hash) if found is not None else (None, None)
        valid = verify_password(seen_hash, password)
        with_code = False
        if not valid and found is not None and seen_hash is None:
            # an account without a password yet (imported): its one-time setup code signs in once,
            # straight to choosing a password (the dummy hash above kept the timing the same)
            valid = with_code = setup_codes.matches(reader, found.id, password, now=now)
        new_hash = hash_password(password) if valid and seen_hash and needs_rehash(seen_hash) else None

    # 2. Record the outcome in a short write transaction, under the throttle row's lock, so that
    #    failures on several replicas at once are all counted.
    row = _throttle_row(session, key)
    if row.locked_until is not None and row.locked_until > now:  # locked meanwhile
        return LoginResult(False, message=_locked_message(row.locked_until, now), locked_until=row.locked_until)
    user = session.get(User, user_id) if user_id is not None else None
    if user is not None and user.password_hash != seen_hash:
        valid = False  # the password changed meanwhile: the one just checked is not the current one
    if valid and user is not None and user.active:
        row.failures = 0
        row.locked_until = None
        user.last_login_at = now
        if with_code:
            user.must_change_password = True
        elif new_hash is not None:
            user.password_hash = new_hash
        return LoginResult(True, user=CurrentUser.from_model(user), must_change_password=user.must_change_password)
    if valid and user is not None and not user.active:
        return LoginResult(False, message=t("auth.login.inactive"))

    row.failures = (0 if row.locked_until is not None else row.failures) + 1
    row.last_failure_at = now
    row.locked_until = None
    if row.failures >= settings.login_max_failures:
        row.failures = 0
        row.locked_until = now + timedelta(minutes=settings.login_lock_minutes)
        return LoginResult(False, message=_locked_message(row.locked_until, now), locked_until=row.locked_until)
    left = settings.login_max_failures - row.failures
    return LoginResult(False, message=t("auth.login.bad_credentials", left=left))


def _reader(session: Session):
    """The session's engine for a read-only unit of work (on SQLite a deferred BEGIN, which takes
    no write lock; see portal.db.engine)."""
    return session.get_bind().execution_options(portal_readonly=True)


def _locked_message(until: datetime, now: datetime) -> str:
    minutes = max(1, int((until - now).total_seconds() + 59) // 60)
    return t("auth.login.locked", minutes=minutes)


def unlock_login(session: Session, actor: CurrentUser, login: str) -> None:
    require_admin(actor)
    row = session.get(LoginThrottle, normalize_login(login))
    if row is not None:
        row.failures = 0
        row.locked_until = None
    _audit(session, actor, "unlock_login", normalize_login(login))


# ---------------------------------------------------------------- sessions


def create_session(session: Session, user: CurrentUser, *, hours: int | None = None) -> str:
    """A new session token for a sign-in. The user's own expired and revoked session rows are
    pruned on the way (one indexed delete), so the table does not grow with every sign-in."""
    token = secrets.token_urlsafe(32)
    hours = hours or get_settings().session_hours
    now = utcnow()
    session.execute(
        delete(AuthSession).where(AuthSession.user_id == user.id, _dead_session(now))
    )
    session.add(AuthSession(token_hash=_token_hash(token), user_id=user.id, expires_at=now + timedelta(hours=hours)))
    return token


def _dead_session(now: datetime):
    return or_(AuthSession.revoked_at.is_not(None), AuthSession.expires_at <= now)


def prune_sessions(session: Session, *, now: datetime | None = None) -> int:
    """Delete every expired or revoked session row (`portal prune-sessions`); returns how many.
    Sign-in already prunes the signing-in user's own rows."""
    now = now or utcnow()
    return session.execute(delete(AuthSession).where(_dead_session(now))).rowcount or 0


def live_sessions(session: Session, user_id: int, *, now: datetime | None = None) -> int:
    """How many unexpired, unrevoked session tokens the user has."""
    now = now or utcnow()
    return session.scalar(
        select(func.count()).select_from(AuthSession).where(
            AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None), AuthSession.expires_at > now
        )
    ) or 0


def resolve_session(session: Session, token: str | None, *, now: datetime | None = None) -> CurrentUser | None:
    """The user behind a session token, or None when it is unknown, expired, revoked or the
    account was deactivated since (checked on every page run, so it takes effect at once)."""
    if not token:
        return None
    now = now or utcnow()
    session.flush()  # (a no-op when clean) the query below runs on the connection, past autoflush
    # the columns of CurrentUser on the session's connection: no ORM entity to build per page view
    row = session.connection().execute(_RESOLVE_SESSION, {"token_hash": _token_hash(token), "now": now}).first()
    return CurrentUser(**row._mapping) if row is not None else None


# built once: this runs on every page view
_RESOLVE_SESSION = (
    select(
        User.id, User.name, User.email, User.department, User.role, User.employee_id, User.must_change_password,
        User.language,
    )
    .join(AuthSession, AuthSession.user_id == User.id)
    .where(
        AuthSession.token_hash == bindparam("token_hash"),
        AuthSession.revoked_at.is_(None),
        AuthSession.expires_at > bindparam("now", type_=AuthSession.expires_at.type),
        User.active.is_(True),
    )
)


HANDOFF_SECONDS = 60


def create_handoff(session: Session, token: str) -> str | None:
    """A one-time code (valid for a minute) that the browser exchanges at /auth/session for an
    HttpOnly session cookie, so that a page reload keeps the user signed in."""
    row = session.get(AuthSession, _token_hash(token))
    if row is None or row.revoked_at is not None:
        return None
    code = secrets.token_urlsafe(24)
    row.handoff_hash = _token_hash(code)
    row.handoff_expires_at = utcnow() + timedelta(seconds=HANDOFF_SECONDS)
    return code


def redeem_handoff(session: Session, code: str, *, now: datetime | None = None) -> str | None:
    """Exchange a handoff code for a new session token for the same user (once). The token the
    code was made from is revoked in the same transaction: the browser reloads the page and
    carries only the new (cookie) token from then on, so sign-out, which revokes the tokens the
    browser holds, leaves no live token of this browser session behind."""
    now = now or utcnow()
    row = session.scalar(select(AuthSession).where(AuthSession.handoff_hash == _token_hash(code)).with_for_update())
    if row is None:
        return None
    valid = row.handoff_expires_at is not None and row.handoff_expires_at > now and row.revoked_at is None
    row.handoff_hash = None
    row.handoff_expires_at = None
    user = session.get(User, row.user_id)
    if not valid or user is None or not user.active:
        return None
    row.revoked_at = now
    token = secrets.token_urlsafe(32)
    session.add(AuthSession(token_hash=_token_hash(token), user_id=user.id, expires_at=row.expires_at))
    return token


def revoke_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(
            update(AuthSession).where(AuthSession.token_hash == _token_hash(token)).values(revoked_at=utcnow())
        )


def _revoke_all(session: Session, user_id: int) -> None:
    session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


# ---------------------------------------------------------------- first run


def needs_setup(session: Session) -> bool:
    """True while no active admin exists."""
    return session.scalar(select(func.count()).select_from(User).where(User.role == ROLE_ADMIN, User.active)) == 0


def issue_setup_token(session: Session) -> str | None:
    """A fresh one-time token for the setup page; None once set up. Each app replica prints its
    own at start; any unused token younger than SETUP_TOKEN_HOURS works, and completing the setup
    consumes them all (there is an admin from then on)."""
    if not needs_setup(session):
        return None
    token = secrets.token_urlsafe(16)
    session.add(SetupToken(token_hash=_token_hash(token)))
    return token


SETUP_TOKEN_HOURS = 24


def _token_usable(row: SetupToken | None) -> bool:
    return (
        row is not None
        and row.used_at is None
        and row.created_at > utcnow() - timedelta(hours=SETUP_TOKEN_HOURS)
    )


def check_setup_token(session: Session, token: str) -> bool:
    row = session.scalar(select(SetupToken).where(SetupToken.token_hash == _token_hash(token.strip())))
    return _token_usable(row) and needs_setup(session)


def complete_setup(session: Session, token: str, **fields: str) -> CurrentUser:
    """Create the first admin with the one-time token from the server log."""
    row = session.scalar(
        select(SetupToken).where(SetupToken.token_hash == _token_hash(token.strip())).with_for_update()
    )
    if not _token_usable(row) or not needs_setup(session):
        raise AccountError(t("setup.bad_token"))
    session.execute(update(SetupToken).where(SetupToken.used_at.is_(None)).values(used_at=utcnow()))
    return create_user(session, SYSTEM, role=ROLE_ADMIN, **fields)


# ---------------------------------------------------------------- user management


def _validate_fields(name: str, email: str, role: str) -> None:
    if not name.strip():
        raise AccountError(t("users.error.name_required"))
    if not EMAIL_RE.match(email.strip()):
        raise AccountError(t("users.error.email_invalid", email=email))
    if role not in ROLES:
        raise AccountError(t("users.error.role_invalid", role=role))


def create_user(
    session: Session,
    actor: CurrentUser,
    *,
    name: str,
    email: str,
    password: str | None = None,
    employee_id: str | None = None,
    department: str = "",
    role: str = "learner",
    must_change_password: bool = False,
) -> CurrentUser:
    require_admin(actor)
    _validate_fields(name, email, role)
    settings = get_settings()
    if password is not None:
        problems = password_problems(password, settings.password_min_length, name=name, email=email)
        if problems:
            raise AccountError(" ".join(problems))
    if find_user(session, email) is not None or (employee_id and find_user(session, employee_id) is not None):
        raise AccountError(t("users.error.exists", email=email))
    user = User(
        name=name.strip(),
        email=email.strip(),
        employee_id=(employee_id or "").strip() or None,
        department=department.strip(),
        role=role,
        password_hash=hash_password(password) if password else None,
        must_change_password=must_change_password,
    )
    session.add(user)
    session.flush()
    _audit(session, actor, "create_user", user.email, role=role)
    return CurrentUser.from_model(user)


def _get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise AccountError(t("users.error.not_found"))
    return user


def _guard_last_admin(session: Session, user: User) -> None:
    if user.role == ROLE_ADMIN and user.active:
        admins = session.scalar(
            select(func.count()).select_from(User).where(User.role == ROLE_ADMIN, User.active)
        )
        if admins <= 1:
            raise AccountError(t("users.error.last_admin"))


def set_active(session: Session, actor: CurrentUser, user_id: int, active: bool) -> None:
    require_admin(actor)
    user = _get_user(session, user_id)
    if not active:
        _guard_last_admin(session, user)
        _revoke_all(session, user.id)
        # a deactivated employee's completion certificate no longer verifies (portal.certificates)
        session.execute(update(Certificate).where(Certificate.user_id == user.id, Certificate.revoked_at.is_(None))
                        .values(revoked_at=utcnow(), revoked_reason="deactivated"))
    user.active = active
    _audit(session, actor, "activate" if active else "deactivate", user.email)


def set_role(session: Session, actor: CurrentUser, user_id: int, role: str) -> None:
    require_admin(actor)
    if role not in ROLES:
        raise AccountError(t("users.error.role_invalid", role=role))
    user = _get_user(session, user_id)
    if role != ROLE_ADMIN:
        _guard_last_admin(session, user)
    user.role = role
    _audit(session, actor, "set_role", user.email, role=role)


def temporary_password() -> str:
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(14))


def reset_password(session: Session, actor: CurrentUser, user_id: int) -> str:
    """Give the user a one-time temporary password; they must choose a new one at next sign-in.
    Returns the temporary password (shown once to the admin, never stored in plain text)."""
    require_admin(actor)
    user = _get_user(session, user_id)
    temp = temporary_password()
    user.password_hash = hash_password(temp)
    user.must_change_password = True
    _revoke_all(session, user.id)
    row = session.get(LoginThrottle, normalize_login(user.email))
    if row is not None:
        row.failures, row.locked_until = 0, None
    _audit(session, actor, "reset_password", user.email)
    return temp


def change_password(session: Session, user: CurrentUser, current: str, new: str, confirm: str) -> None:
    row = _get_user(session, user.id)
    with_code = row.password_hash is None and setup_codes.matches(session, row.id, current)
    if not with_code and not verify_password(row.password_hash, current):
        raise AccountError(t("auth.password.current_wrong"))
    if new != confirm:
        raise AccountError(t("auth.password.mismatch"))
    if new == current:
        raise AccountError(t("auth.password.same"))
    problems = password_problems(new, get_settings().password_min_length, name=row.name, email=row.email)
    if problems:
        raise AccountError(" ".join(problems))
    row.password_hash = hash_password(new)
    row.must_change_password = False
    if with_code:
        setup_codes.consume(session, row.id)


def set_language(session: Session, user: CurrentUser, language: str, *, only_if_unset: bool = False) -> CurrentUser:
    """The user's UI language (``ja`` | ``en``), chosen by the user themself (profile page, or
    the sign-in page's choice at first sign-in with ``only_if_unset``). Returns the updated user."""
    require_user(user)
    lang = normalize_lang(language)
    if lang is None:
        raise AccountError(t("account.language.unsupported", lang=language))
    row = _get_user(session, user.id)
    if only_if_unset and row.language:
        return replace(user, language=row.language)
    row.language = lang
    return replace(user, language=lang)


def list_users(session: Session, actor: CurrentUser) -> list[User]:
    require_admin(actor)
    return list(session.scalars(select(User).order_by(User.department, User.employee_id, User.id)))


def upsert_sso_user(session: Session, *, subject: str, email: str, name: str) -> CurrentUser | None:
    """Sign-in through OIDC: match by subject, then by e-mail (an imported employee). Unknown
    people are not created: an admin imports employees first. Returns None when not allowed."""
    user = session.scalar(select(User).where(User.sso_subject == subject))
    if user is None and email:
        user = find_user(session, email)
        if user is not None and user.sso_subject is None:
            user.sso_subject = subject
    if user is None or not user.active:
        return None
    if name and not user.name:
        user.name = name
    user.last_login_at = utcnow()
    return CurrentUser.from_model(user)


def _audit(session: Session, actor: CurrentUser | None, action: str, target: str | None, **detail: object) -> None:
    session.add(
        AuditEvent(actor_id=actor.id if actor and actor.id else None, action=action, target=target, detail=detail)
    )


__all__ = [
    "AccountError",
    "LoginResult",
    "PermissionDenied",
    "authenticate",
    "change_password",
    "check_setup_token",
    "complete_setup",
    "create_handoff",
    "create_session",
    "create_user",
    "find_user",
    "issue_setup_token",
    "list_users",
    "live_sessions",
    "needs_setup",
    "prune_sessions",
    "redeem_handoff",
    "reset_password",
    "resolve_session",
    "revoke_session",
    "set_active",
    "set_role",
    "unlock_login",
    "upsert_sso_user",
]
