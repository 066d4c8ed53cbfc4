"""Issue and verify completion certificates.

- A learner who completed every required lesson (portal.learning.progress rules) gets one certificate on
  first request; its text (name, employee id, department, course title, completion date, content
  version) is kept as issued, and its verification code stays the same on every download.
- The code: 16 characters of Crockford's Base32 (80 random bits), shown as ``XXXX-XXXX-XXXX-XXXX``;
  typing O for 0 or I / L for 1, lower case, spaces or no hyphens still finds it.
- Deactivating the account revokes the certificate (portal.accounts.service.set_active); a code
  of a revoked certificate, or of an account that is no longer active, verifies as revoked.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.accounts.roles import CurrentUser, require_active_user, require_admin
from portal.db.models import ROLE_LEARNER, Certificate, User
from portal.i18n import t
from portal.learning.content import Course
from portal.learning.progress import CourseCompletion, course_completions
from portal.localtime import local_date

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's Base32: no I, L, O, U
CODE_LENGTH = 16
_TYPOS = str.maketrans({"O": "0", "I": "1", "L": "1"})


class CertificateError(ValueError):
    """A user-facing problem with a certificate (message in Japanese)."""


@dataclass(frozen=True)
class CertificateView:
    user_id: int
    code: str
    name: str
    employee_id: str | None
    department: str
    course_title: str
    content_version: str
    completed_at: datetime
    issued_at: datetime
    revoked_at: datetime | None = None

    @property
    def completed_on(self) -> date:
        return local_date(self.completed_at)

    @property
    def display_code(self) -> str:
        return format_code(self.code)

    @property
    def file_name(self) -> str:
        return f"certificate_{self.employee_id or self.user_id}.pdf"

    @classmethod
    def of(cls, row: Certificate) -> CertificateView:
        return cls(user_id=row.user_id, code=row.code, name=row.name, employee_id=row.employee_id,
                   department=row.department, course_title=row.course_title, content_version=row.content_version,
                   completed_at=row.completed_at, issued_at=row.issued_at, revoked_at=row.revoked_at)


@dataclass(frozen=True)
class Verification:
    status: str  # valid | revoked | unknown
    code: str
    certificate: CertificateView | None = None

    @property
    def valid(self) -> bool:
        return self.status == "valid"


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def normalize_code(raw: str) -> str:
    """The stored form of a typed code, or CertificateError naming what is wrong."""
    code = "".join((raw or "").split()).replace("-", "").upper().translate(_TYPOS)
    if not code:
        raise CertificateError(t("certificates.error.code_empty"))
    wrong = sorted({c for c in code if c not in ALPHABET})
    if wrong:
        raise CertificateError(t("certificates.error.code_chars", chars=" ".join(wrong)))
    if len(code) != CODE_LENGTH:
        raise CertificateError(t("certificates.error.code_length", n=CODE_LENGTH, got=len(code)))
    return code


def course_title() -> str:
    return t("certificates.course_title", lang="ja")


def content_version(completion: CourseCompletion) -> str:
    """A short fingerprint of the lesson versions the learner last read (12 hex digits)."""
    joined = "\n".join(f"{lesson_id}:{version}" for lesson_id, version in completion.read_versions)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:12]


def _live(session: Session, user_id: int) -> Certificate | None:
    return session.scalar(select(Certificate).where(Certificate.user_id == user_id, Certificate.revoked_at.is_(None)))


def _issue(session: Session, user: User, completion: CourseCompletion) -> Certificate:
    row = _live(session, user.id)
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = Certificate(user_id=user.id, code=new_code(), name=user.name, employee_id=user.employee_id,
                              department=user.department or "", course_title=course_title(),
                              content_version=content_version(completion), completed_at=completion.completed_at)
            session.add(row)
    except IntegrityError:  # issued at the same moment by another request (or, once in 2^80, a code clash)
        row = _live(session, user.id)
        if row is None:
            raise
    return row


def my_certificate(session: Session, user: CurrentUser, course: Course) -> CertificateView | None:
    """The learner's own certificate (issued now if they completed the course), else None."""
    require_active_user(session, user)
    completion = course_completions(session, course, [user.id]).get(user.id)
    if completion is None:
        return None
    return CertificateView.of(_issue(session, session.get(User, user.id), completion))


def certificate_for(session: Session, actor: CurrentUser, user_id: int, course: Course) -> CertificateView | None:
    """An admin's view of one learner's certificate (issued now if they completed the course)."""
    require_admin(actor)
    user = session.get(User, user_id)
    if user is None:
        raise CertificateError(t("certificates.error.no_user"))
    if not user.active:
        raise CertificateError(t("certificates.error.inactive", name=user.name))
    completion = course_completions(session, course, [user.id]).get(user.id)
    if completion is None:
        return None
    return CertificateView.of(_issue(session, user, completion))


def department_certificates(session: Session, actor: CurrentUser, course: Course,
                            department: str) -> list[CertificateView]:
    """Every active learner of ``department`` who completed the course, each with a certificate
    (issued now where missing), in employee-id order."""
    require_admin(actor)
    users = list(session.scalars(
        select(User).where(User.department == (department or ""), User.active.is_(True), User.role == ROLE_LEARNER)
        .order_by(User.employee_id, User.id)
    ))
    done = course_completions(session, course, [u.id for u in users])
    return [CertificateView.of(_issue(session, u, done[u.id])) for u in users if u.id in done]


def verify(session: Session, raw_code: str) -> Verification:
    """What a code says: valid (with the certificate's text), revoked, or unknown. Anyone may ask
    (the code is on the printed certificate); a wrongly typed code raises CertificateError."""
    code = normalize_code(raw_code)
    row = session.execute(
        select(Certificate, User.active).join(User, User.id == Certificate.user_id).where(Certificate.code == code)
    ).first()
    if row is None:
        return Verification("unknown", code)
    cert, active = row
    view = CertificateView.of(cert)
    if cert.revoked_at is not None or not active:
        return Verification("revoked", code, view)
    return Verification("valid", code, view)


def describe(result: Verification, lang: str | None = None) -> str:
    """One paragraph for the /verify page and `portal verify`."""
    code = format_code(result.code)
    if result.status == "unknown":
        return t("certificates.verify.unknown", lang, code=code)
    c = result.certificate
    when = t("stats.due.date", lang, y=c.completed_on.year, m=c.completed_on.month, d=c.completed_on.day)
    if result.status == "revoked":
        return t("certificates.verify.revoked", lang, code=code, name=c.name)
    return t("certificates.verify.valid", lang, code=code, name=c.name, employee_id=c.employee_id or "–",
             department=c.department or "–", course=c.course_title, date=when, version=c.content_version)


def zip_of(files: list[tuple[str, bytes]]) -> bytes:
    """One ZIP of (file name, bytes), names made unique; Japanese names are stored as UTF-8."""
    buffer = io.BytesIO()
    seen: set[str] = set()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in files:
            stem, dot, ext = name.rpartition(".")
            unique, n = name, 2
            while unique in seen:
                unique, n = f"{stem}_{n}{dot}{ext}", n + 1
            seen.add(unique)
            zf.writestr(unique, data)
    return buffer.getvalue()
