"""One-time setup codes for accounts that have no password yet (imported employees).

The employee CSV import writes no password hash: argon2id takes a tenth of a second or more per
password, so hashing temporary passwords for 70,000 rows would take hours and hold the database.
Instead an admin issues **setup codes** for the accounts that still have no password, in a
separate step: 128 random bits each, stored only as their SHA-256 (a fast hash is safe for a
high-entropy secret that nobody chose; argon2 is for passwords people choose). The employee signs
in once with their employee id or e-mail and the code, and must choose a password (argon2id)
before anything else; choosing it uses the code up. Codes expire after ``SETUP_CODE_DAYS``.

Issuing writes in short transactions of ``batch_size`` accounts, so it never holds SQLite's
write lock for long either. Issuing again replaces an account's earlier unused code.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from portal.accounts.roles import CurrentUser, require_admin
from portal.db import session_scope
from portal.db.models import AccountSetupCode, AuditEvent, User, utcnow

SETUP_CODE_DAYS = 14
ISSUE_BATCH = 500


def new_code() -> str:
    """128 random bits in Base32 (A–Z, 2–7): 26 characters, grouped 5-5-5-5-6 for reading aloud
    (``ABCDE-FGHIJ-KLMNO-PQRST-UVWXYZ``)."""
    raw = base64.b32encode(secrets.token_bytes(16)).decode("ascii").rstrip("=")
    return "-".join((raw[0:5], raw[5:10], raw[10:15], raw[15:20], raw[20:]))


def normalize_code(code: str) -> str:
    """What the hash is taken of: upper case, without hyphens and spaces (full-width too), and
    the digits 0/1/8 that Base32 never uses read as the letters O/I/B."""
    text = code.strip().upper().translate(_FULLWIDTH)
    text = "".join(ch for ch in text if ch not in "- \u3000")
    return text.translate(_CONFUSABLE)


_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_CONFUSABLE = str.maketrans({"0": "O", "1": "I", "8": "B"})


def code_hash(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode("ascii", "ignore")).hexdigest()


def looks_like_code(text: str) -> bool:
    normalized = normalize_code(text)
    return len(normalized) == 26 and all(ch.isalpha() or ch in "234567" for ch in normalized)


_MATCH = select(AccountSetupCode.id).where(
    AccountSetupCode.user_id == bindparam("user_id"),
    AccountSetupCode.code_hash == bindparam("code_hash"),
    AccountSetupCode.used_at.is_(None),
    AccountSetupCode.expires_at > bindparam("now", type_=AccountSetupCode.expires_at.type),
)


def matches(session: Session, user_id: int, code: str, *, now: datetime | None = None) -> bool:
    """True when ``code`` is this account's unused, unexpired setup code."""
    if not code or not looks_like_code(code):
        return False
    params = {"user_id": user_id, "code_hash": code_hash(code), "now": now or utcnow()}
    return session.connection().execute(_MATCH, params).first() is not None


def consume(session: Session, user_id: int) -> None:
    """The account chose its password: every code it has is used up."""
    session.execute(
        update(AccountSetupCode)
        .where(AccountSetupCode.user_id == user_id, AccountSetupCode.used_at.is_(None))
        .values(used_at=utcnow())
    )


# ---------------------------------------------------------------- issuing (admins)


def _waiting_filter():
    """Accounts that cannot sign in with a password yet: active, no password hash, not linked
    to SSO. (SSO-only organisations simply never issue codes.)"""
    return (User.active.is_(True), User.password_hash.is_(None), User.sso_subject.is_(None))


def waiting_count(session: Session, actor: CurrentUser) -> int:
    """How many active accounts have no password (and no SSO link) yet."""
    require_admin(actor)
    return session.scalar(select(func.count()).select_from(User).where(*_waiting_filter())) or 0


@dataclass(frozen=True)
class IssuedCode:
    employee_id: str
    name: str
    email: str
    code: str
    expires_at: datetime


def issue_setup_codes(
    actor: CurrentUser,
    *,
    database_url: str | None = None,
    user_ids: Sequence[int] | None = None,
    batch_size: int = ISSUE_BATCH,
    progress: Callable[[int, int], None] | None = None,
    days: int = SETUP_CODE_DAYS,
) -> list[IssuedCode]:
    """New setup codes for the accounts waiting for a password (only those of ``user_ids`` when
    given; accounts that have a password meanwhile are skipped). Each batch of accounts is one
    short transaction; the codes are returned once, in plain text, and stored only hashed."""
    require_admin(actor)
    with session_scope(database_url, readonly=True) as session:
        query = select(User.id).where(*_waiting_filter()).order_by(User.id)
        ids = list(session.scalars(query))
    if user_ids is not None:
        wanted = set(user_ids)
        ids = [i for i in ids if i in wanted]
    issued: list[IssuedCode] = []
    total = len(ids)
    for start in range(0, total, batch_size):
        chunk = ids[start:start + batch_size]
        with session_scope(database_url) as session:
            issued.extend(_issue_batch(session, chunk, days))
        if progress is not None:
            progress(min(start + batch_size, total), total)
    with session_scope(database_url) as session:
        session.add(AuditEvent(actor_id=actor.id or None, action="issue_setup_codes", target=None,
                               detail={"accounts": len(issued), "days": days}))
    return issued


def _issue_batch(session: Session, user_ids: list[int], days: int) -> list[IssuedCode]:
    rows = session.execute(
        select(User.id, User.employee_id, User.name, User.email)
        .where(User.id.in_(user_ids), *_waiting_filter())
        .order_by(User.id)
    ).all()
    if not rows:
        return []
    ids = [r.id for r in rows]
    session.execute(
        delete(AccountSetupCode).where(AccountSetupCode.user_id.in_(ids), AccountSetupCode.used_at.is_(None))
    )
    now = utcnow()
    expires = now + timedelta(days=days)
    codes = [new_code() for _ in rows]
    session.execute(insert(AccountSetupCode), [
        {"user_id": r.id, "code_hash": code_hash(c), "created_at": now, "expires_at": expires}
        for r, c in zip(rows, codes)
    ])
    return [IssuedCode(r.employee_id or "", r.name, r.email, c, expires) for r, c in zip(rows, codes)]


def prune_codes(session: Session, *, now: datetime | None = None) -> int:
    """Delete used and expired codes; returns how many."""
    now = now or utcnow()
    result = session.execute(
        delete(AccountSetupCode).where(
            (AccountSetupCode.used_at.is_not(None)) | (AccountSetupCode.expires_at <= now)
        )
    )
    return result.rowcount or 0
