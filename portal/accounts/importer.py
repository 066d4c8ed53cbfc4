"""Employee CSV import: create or update accounts from HR's list.

Columns: employee_id, name, email, department, role (Japanese headers 社員番号, 氏名, メールアドレス,
部署, 役割 are accepted too). UTF-8 (with or without BOM) and Shift_JIS/CP932 files, as saved by
Japanese Excel, are read. Each invalid row is reported with its line number and reason; valid rows
are created or updated in one transaction. A file that cannot be read changes nothing.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.passwords import hash_password
from portal.accounts.roles import CurrentUser, require_admin
from portal.accounts.service import EMAIL_RE, _audit, temporary_password
from portal.db.models import ROLE_ADMIN, ROLE_LEARNER, User
from portal.i18n import t

REQUIRED = ("employee_id", "name", "email", "department", "role")
HEADER_ALIASES = {
    "employee_id": "employee_id", "社員番号": "employee_id", "従業員番号": "employee_id", "社員id": "employee_id",
    "name": "name", "氏名": "name", "名前": "name",
    "email": "email", "e-mail": "email", "mail": "email", "メール": "email", "メールアドレス": "email",
    "department": "department", "部署": "department", "所属": "department", "部門": "department",
    "role": "role", "役割": "role", "ロール": "role", "権限": "role",
}
ROLE_ALIASES = {
    "": ROLE_LEARNER, "learner": ROLE_LEARNER, "受講者": ROLE_LEARNER, "学習者": ROLE_LEARNER, "user": ROLE_LEARNER,
    "admin": ROLE_ADMIN, "管理者": ROLE_ADMIN, "administrator": ROLE_ADMIN,
}
MAX_BYTES = 10 * 1024 * 1024


class ImportFileError(ValueError):
    """The file as a whole cannot be read; nothing was changed."""


@dataclass
class RowError:
    line: int
    reason: str


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    # temporary passwords of newly created accounts: (employee_id, name, email, password), shown once
    initial_passwords: list[tuple[str, str, str, str]] = field(default_factory=list)

    @property
    def ok_rows(self) -> int:
        return self.created + self.updated + self.unchanged


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ImportFileError(t("import.error.too_large", mb=MAX_BYTES // (1024 * 1024)))
    if b"\x00" in data[:4096]:
        raise ImportFileError(t("import.error.binary"))
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(t("import.error.encoding"))


def parse_rows(data: bytes) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """Rows keyed by canonical column name, with their line numbers in the file."""
    text = _decode(data)
    if not text.strip():
        raise ImportFileError(t("import.error.empty"))
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise ImportFileError(t("import.error.header", detail=str(exc))) from None
    columns = [HEADER_ALIASES.get(h.strip().lower()) for h in header]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ImportFileError(t("import.error.columns", missing=", ".join(missing), found=", ".join(header)))
    rows: list[tuple[int, dict[str, str]]] = []
    errors: list[RowError] = []
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                errors.append(RowError(line, t("import.error.cell_count", n=len(record), expected=len(header))))
                continue
            rows.append((line, {c: v.strip() for c, v in zip(columns, record) if c}))
    except csv.Error as exc:
        raise ImportFileError(t("import.error.syntax", line=reader.line_num, detail=str(exc))) from None
    return rows, errors


def import_users(session: Session, actor: CurrentUser, data: bytes) -> ImportReport:
    """Apply an employee CSV. Raises ImportFileError (nothing changed) when the file is unreadable."""
    require_admin(actor)
    rows, errors = parse_rows(data)
    report = ImportReport(errors=errors)

    existing_by_emp = {u.employee_id: u for u in session.scalars(select(User).where(User.employee_id.is_not(None)))}
    existing_by_email = {u.email.lower(): u for u in session.scalars(select(User))}
    seen_emp: dict[str, int] = {}
    seen_email: dict[str, int] = {}
    active_admins = {u.id for u in existing_by_email.values() if u.role == ROLE_ADMIN and u.active}

    for line, row in rows:
        emp, name, email = row["employee_id"], row["name"], row["email"]
        department, role_raw = row["department"], row["role"].strip().lower()
        problems = []
        if not emp:
            problems.append(t("import.error.employee_id_missing"))
        if not name:
            problems.append(t("import.error.name_missing"))
        if not EMAIL_RE.match(email):
            problems.append(t("import.error.email_invalid", email=email))
        role = ROLE_ALIASES.get(role_raw)
        if role is None:
            problems.append(t("import.error.role_invalid", role=row["role"]))
        if emp in seen_emp:
            problems.append(t("import.error.duplicate_employee", other=seen_emp[emp]))
        if email.lower() in seen_email:
            problems.append(t("import.error.duplicate_email", other=seen_email[email.lower()]))
        user = existing_by_emp.get(emp)
        owner = existing_by_email.get(email.lower())
        if owner is not None and owner is not user and not (user is None and owner.employee_id is None):
            problems.append(t("import.error.email_taken", email=email))
        if user is None and owner is not None and owner.employee_id is None:
            user = owner  # an account created before (e.g. the first admin) gets its employee id
        if user is not None and role != ROLE_ADMIN and user.id in active_admins and len(active_admins) <= 1:
            problems.append(t("users.error.last_admin"))
        if problems:
            report.errors.append(RowError(line, " / ".join(problems)))
            continue
        seen_emp[emp] = line
        seen_email[email.lower()] = line

        if user is None:
            temp = temporary_password()
            user = User(
                employee_id=emp, name=name, email=email, department=department, role=role,
                password_hash=hash_password(temp), must_change_password=True,
            )
            session.add(user)
            report.created += 1
            report.initial_passwords.append((emp, name, email, temp))
            existing_by_emp[emp] = user
            existing_by_email[email.lower()] = user
            continue
        changed = (user.employee_id, user.name, user.email, user.department, user.role) != (
            emp, name, email, department, role,
        )
        if changed:
            if user.id in active_admins and role != ROLE_ADMIN:
                active_admins.discard(user.id)
            user.employee_id, user.name, user.email, user.department, user.role = emp, name, email, department, role
            report.updated += 1
        else:
            report.unchanged += 1
    report.errors.sort(key=lambda e: e.line)
    session.flush()
    _audit(session, actor, "import_users", None, created=report.created, updated=report.updated,
           errors=len(report.errors))
    return report
