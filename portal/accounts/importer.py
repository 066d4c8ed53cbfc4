"""Employee CSV import: create or update accounts from HR's list, in short batches.

Columns: employee_id, name, email, department, role (Japanese headers 社員番号, 氏名, メールアドレス,
部署, 役割 are accepted too). UTF-8 (with or without BOM) and Shift_JIS/CP932 files, as saved by
Japanese Excel, are read with the standard CSV dialect (RFC 4180: ``""`` inside a quoted field is
one ``"``; quoted fields may hold commas and line breaks). Only the delimiter (comma, tab or
semicolon) is detected, from the header and the first lines together.

How an import runs:

1. **Read and validate the whole file first**, against a snapshot of the existing accounts (a
   read-only transaction: no write lock). A file that cannot be read raises
   :class:`ImportFileError` and nothing is written; every bad row is reported with its line
   number and reason and skipped.
2. **Write in batches** of ``batch_size`` rows, each its own short transaction that re-reads the
   batch's accounts and creates, updates or leaves each one as it is now. No password is hashed:
   new accounts have no password until an admin issues setup codes
   (:mod:`portal.accounts.setup_codes`), so a batch of 500 holds SQLite's write lock for tens of
   milliseconds. A batch whose rows all match their accounts already is checked in a read-only
   transaction and not written at all (a re-run takes no write lock). On SQLite the importer
   pauses between batches so that other users' sign-ins get the lock.
3. ``progress(done, total)`` is called after every batch (the page's progress bar, the CLI's
   output).

Because every batch decides from the current state, running the same file again changes nothing,
and an import that was interrupted (closed tab, stopped process) finishes the rest when run again.
"""

from __future__ import annotations

import csv
import io
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Integer, String, any_, bindparam, func, insert, literal, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.accounts.roles import CurrentUser, require_admin
from portal.accounts.service import EMAIL_RE, _audit
from portal.db import session_scope
from portal.db.models import ROLE_ADMIN, ROLE_LEARNER, User, utcnow
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
DELIMITERS = (",", "\t", ";")
SNIFF_LINES = 20
# the widths of the users table's columns: longer values are reported, never cut or failed on
MAX_LENGTHS = {"employee_id": 64, "name": 200, "email": 320, "department": 200}

BATCH_SIZE = 500


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int


# The 管理 > ユーザー管理 page; `portal import-users` takes the biggest files.
WEB_LIMITS = Limits(max_bytes=10 * 1024 * 1024, max_rows=100_000)
CLI_LIMITS = Limits(max_bytes=200 * 1024 * 1024, max_rows=2_000_000)


class ImportFileError(ValueError):
    """The file as a whole cannot be read; nothing was changed."""


@dataclass
class RowError:
    line: int
    reason: str


@dataclass
class ImportReport:
    total: int = 0  # valid rows to write
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    created_ids: list[int] = field(default_factory=list)  # accounts created by this run (no password yet)
    batches: int = 0
    longest_batch_s: float = 0.0  # the longest write transaction, from its first statement to its commit
    seconds: float = 0.0

    @property
    def ok_rows(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass(frozen=True)
class Row:
    line: int
    employee_id: str
    name: str
    email: str
    department: str
    role: str
    target: int | None = None  # the existing account this row updates, as the snapshot saw it

    def values(self) -> tuple[str, str, str, str, str]:
        return (self.employee_id, self.name, self.email, self.department, self.role)


# ---------------------------------------------------------------- reading


def _decode(data: bytes, limits: Limits) -> str:
    if len(data) > limits.max_bytes:
        raise ImportFileError(t("import.error.too_large", mb=limits.max_bytes // (1024 * 1024)))
    if b"\x00" in data[:4096]:
        raise ImportFileError(t("import.error.binary"))
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(t("import.error.encoding"))


def _known_columns(record: list[str]) -> int:
    return sum(1 for h in record if HEADER_ALIASES.get(h.strip().lower()))


def sniff_delimiter(text: str) -> str:
    """The delimiter that reads the header as the most known column names and the first
    ``SNIFF_LINES`` records with the same number of cells as the header (standard quoting, so a
    quoted comma or ``""`` never misleads it). Comma when nothing fits better."""
    best, best_score = ",", (-1, -1)
    for delimiter in DELIMITERS:
        reader = csv.reader(io.StringIO(text, newline=""), dialect="excel", delimiter=delimiter)
        try:
            records = list(itertools.islice(reader, SNIFF_LINES + 1))
        except csv.Error:
            continue
        records = [r for r in records if any(cell.strip() for cell in r)]
        if not records:
            continue
        width = len(records[0])
        score = (_known_columns(records[0]), sum(1 for r in records[1:] if len(r) == width) if width > 1 else 0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _clean(value: str) -> str:
    """Trimmed; a line break inside a quoted name or department becomes one space."""
    value = value.strip()
    if "\n" in value or "\r" in value:
        value = " ".join(value.split())
    return value


def parse_rows(data: bytes, limits: Limits = WEB_LIMITS) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """Rows keyed by canonical column name, with the line numbers where they start in the file."""
    text = _decode(data, limits)
    if not text.strip():
        raise ImportFileError(t("import.error.empty"))
    reader = csv.reader(io.StringIO(text, newline=""), dialect="excel", delimiter=sniff_delimiter(text[:65536]))
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
    line = reader.line_num + 1
    try:
        for record in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            if len(rows) + len(errors) >= limits.max_rows:
                raise ImportFileError(t("import.error.too_many_rows", max=f"{limits.max_rows:,}"))
            if len(record) != len(header):
                errors.append(RowError(start, t("import.error.cell_count", n=len(record), expected=len(header))))
                continue
            rows.append((start, {c: _clean(v) for c, v in zip(columns, record) if c}))
    except csv.Error as exc:
        raise ImportFileError(t("import.error.syntax", line=reader.line_num, detail=str(exc))) from None
    return rows, errors


# ---------------------------------------------------------------- validating


@dataclass
class _Known:
    """The existing accounts, as one snapshot read before writing."""

    by_emp: dict[str, int]
    by_email: dict[str, int]
    emp_of: dict[int, str | None]
    admins: set[int]  # active admins


def _snapshot(session: Session) -> _Known:
    known = _Known({}, {}, {}, set())
    for uid, emp, email, role, active in session.execute(
        select(User.id, User.employee_id, User.email, User.role, User.active)
    ):
        if emp is not None:
            known.by_emp[emp] = uid
        known.by_email[email.lower()] = uid
        known.emp_of[uid] = emp
        if role == ROLE_ADMIN and active:
            known.admins.add(uid)
    return known


def validate(
    raw: list[tuple[int, dict[str, str]]], known: _Known
) -> tuple[list[Row], list[RowError]]:
    """Every row checked on its own, against the other rows of the file and against the existing
    accounts: the rows to write, and the reasons of the others."""
    good: list[Row] = []
    errors: list[RowError] = []
    seen_emp: dict[str, int] = {}
    seen_email: dict[str, int] = {}
    admins = set(known.admins)
    for line, row in raw:
        emp, name, email = row["employee_id"], row["name"], row["email"]
        department, role_raw = row["department"], row["role"].strip().lower()
        email_l = email.lower()
        problems = []
        if not emp:
            problems.append(t("import.error.employee_id_missing"))
        if not name:
            problems.append(t("import.error.name_missing"))
        if not EMAIL_RE.match(email):
            problems.append(t("import.error.email_invalid", email=email))
        for column, limit in MAX_LENGTHS.items():
            if len(row[column]) > limit:
                problems.append(t("import.error.too_long", column=t(f"import.column.{column}"), max=limit))
        role = ROLE_ALIASES.get(role_raw)
        if role is None:
            problems.append(t("import.error.role_invalid", role=row["role"]))
        if emp in seen_emp:
            problems.append(t("import.error.duplicate_employee", other=seen_emp[emp]))
        if email_l in seen_email:
            problems.append(t("import.error.duplicate_email", other=seen_email[email_l]))
        user = known.by_emp.get(emp)
        owner = known.by_email.get(email_l)
        if owner is not None and owner != user and not (user is None and known.emp_of.get(owner) is None):
            problems.append(t("import.error.email_taken", email=email))
        if user is None and owner is not None and known.emp_of.get(owner) is None:
            user = owner  # an account created before (e.g. the first admin) gets its employee id
        if user is not None and role != ROLE_ADMIN and user in admins and len(admins) <= 1:
            problems.append(t("users.error.last_admin"))
        if problems:
            errors.append(RowError(line, " / ".join(problems)))
            continue
        seen_emp[emp] = line
        seen_email[email_l] = line
        if user is not None and role != ROLE_ADMIN:
            admins.discard(user)
        good.append(Row(line, emp, name, email, department, role, user))
    return good, errors


# ---------------------------------------------------------------- writing


_COLUMNS = (User.id, User.employee_id, User.name, User.email, User.department, User.role, User.active)
_TABLE = User.__table__
_NEW = ("employee_id", "name", "email", "department", "role")

# A batch's statements, built once. The accounts of a batch, by index: the ones the snapshot
# matched, and any created since with the same employee id or address (another run of the same
# file, another admin). PostgreSQL gets each list as one array parameter: a short statement that
# the driver parses once, where 1,500 separate parameters cost it more than the query itself.
_LOOKUP = select(*_COLUMNS).where(or_(
    User.id.in_(bindparam("ids", expanding=True)),
    User.employee_id.in_(bindparam("emps", expanding=True)),
    User.email.in_(bindparam("emails", expanding=True)),
))
_LOOKUP_PG = select(*_COLUMNS).where(or_(
    User.id == any_(bindparam("ids", type_=ARRAY(Integer))),
    User.employee_id == any_(bindparam("emps", type_=ARRAY(String))),
    User.email == any_(bindparam("emails", type_=ARRAY(String))),
))
_UPDATE = update(_TABLE).where(_TABLE.c.id == bindparam("b_id"))
_INSERT = insert(_TABLE).returning(_TABLE.c.id)
# new accounts: no password, active, password page not forced (setup codes set that)
_INSERT_PG = insert(_TABLE).from_select(
    [*_NEW, "must_change_password", "active", "created_at", "updated_at"],
    select(
        *[func.unnest(bindparam(f"new_{c}", type_=ARRAY(String))) for c in _NEW],
        literal(False), literal(True),
        bindparam("now", type_=_TABLE.c.created_at.type), bindparam("now", type_=_TABLE.c.created_at.type),
    ),
).returning(_TABLE.c.id)


@dataclass
class _Current:
    """The accounts a batch touches, as they are now."""

    by_id: dict
    by_emp: dict
    by_email: dict

    def match(self, row: Row):
        """(the account this row updates or None, an error message or None)."""
        user = self.by_emp.get(row.employee_id) or self.by_id.get(row.target)
        owner = self.by_email.get(row.email.lower())
        if user is None and owner is not None and owner.employee_id is None:
            user = owner
        if owner is not None and (user is None or owner.id != user.id):
            # another employee has the address (taken since the file was checked, if user is None)
            return None, t("import.error.email_taken", email=row.email)
        return user, None


def _current(session: Session, batch: list[Row]) -> _Current:
    pg = session.get_bind().dialect.name == "postgresql"
    rows = session.connection().execute(_LOOKUP_PG if pg else _LOOKUP, {
        "ids": [r.target for r in batch if r.target is not None],
        "emps": [r.employee_id for r in batch], "emails": [r.email for r in batch],
    }).all()
    return _Current({c.id: c for c in rows}, {c.employee_id: c for c in rows if c.employee_id is not None},
                    {c.email.lower(): c for c in rows})


def _unchanged(user, row: Row) -> bool:
    return user is not None and (user.employee_id, user.name, user.email, user.department, user.role) == row.values()


def _all_unchanged(session: Session, batch: list[Row]) -> bool:
    """True when every row of the batch matches its account as it is: nothing to write (a re-run
    of the same file, or the part of an interrupted run that was written), so no write lock."""
    current = _current(session, batch)
    return all(error is None and _unchanged(user, row) for row in batch for user, error in [current.match(row)])


def _apply_batch(session: Session, batch: list[Row], report: ImportReport) -> None:
    """One transaction: decide each row from the accounts as they are now, then write."""
    pg = session.get_bind().dialect.name == "postgresql"
    connection = session.connection()
    current = _current(session, batch)
    now = utcnow()
    creates, updates, demoted = [], [], []
    for row in batch:
        user, error = current.match(row)
        if error is not None:
            report.errors.append(RowError(row.line, error))
            continue
        if user is None:
            creates.append(row)
            continue
        if _unchanged(user, row):
            report.unchanged += 1
            continue
        if user.role == ROLE_ADMIN and row.role != ROLE_ADMIN and user.active:
            demoted.append(row)
        updates.append({
            "b_id": user.id, "employee_id": row.employee_id, "name": row.name, "email": row.email,
            "department": row.department, "role": row.role, "updated_at": now,
        })
    if demoted:
        admins = session.scalar(
            select(func.count()).select_from(User).where(User.role == ROLE_ADMIN, User.active.is_(True))
        ) or 0
        if admins - len(demoted) < 1:  # the file was checked against an older state
            keep = {r.employee_id for r in demoted}
            updates = [u for u in updates if u["employee_id"] not in keep]
            report.errors.extend(RowError(r.line, t("users.error.last_admin")) for r in demoted)
    if updates:
        connection.execute(_UPDATE, updates)
        report.updated += len(updates)
    if creates:
        if pg:
            params = {f"new_{c}": [getattr(r, c) for r in creates] for c in _NEW}
            ids = connection.execute(_INSERT_PG, {**params, "now": now}).scalars().all()
        else:
            ids = connection.execute(_INSERT, [
                {**{c: getattr(r, c) for c in _NEW}, "password_hash": None, "must_change_password": False,
                 "active": True, "created_at": now, "updated_at": now} for r in creates
            ]).scalars().all()
        report.created += len(ids)
        report.created_ids.extend(ids)


def _write_rows_one_by_one(database_url: str | None, batch: list[Row], report: ImportReport) -> None:
    """A batch that failed on a constraint (another admin changed the same accounts meanwhile):
    each row in a transaction of its own, so the failing row is reported and the others written."""
    for row in batch:
        part = ImportReport()
        try:
            with session_scope(database_url) as session:
                _apply_batch(session, [row], part)
        except IntegrityError:
            report.errors.append(RowError(row.line, t("import.error.conflict")))
            continue
        _merge(report, part)


def _merge(report: ImportReport, part: ImportReport) -> None:
    report.created += part.created
    report.updated += part.updated
    report.unchanged += part.unchanged
    report.created_ids.extend(part.created_ids)
    report.errors.extend(part.errors)


def _run_batch(database_url: str | None, batch: list[Row], report: ImportReport) -> float | None:
    """Write one batch; returns the seconds its write transaction took (None: nothing to write,
    checked in a read-only transaction, so a re-run takes no write lock at all)."""
    with session_scope(database_url, readonly=True) as session:
        if _all_unchanged(session, batch):
            report.unchanged += len(batch)
            return None
    began = time.perf_counter()
    part = ImportReport()
    try:
        with session_scope(database_url) as session:
            _apply_batch(session, batch, part)
    except IntegrityError:
        _write_rows_one_by_one(database_url, batch, report)
    else:
        _merge(report, part)
    return time.perf_counter() - began


def import_users(
    actor: CurrentUser,
    data: bytes,
    *,
    database_url: str | None = None,
    limits: Limits = WEB_LIMITS,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int, int], None] | None = None,
    pause: float | None = None,
) -> ImportReport:
    """Apply an employee CSV (see the module doc). Raises ImportFileError (nothing changed) when
    the file is unreadable. ``pause``: seconds to wait between batches (default: on SQLite, as
    long as the batch took, at least 10 ms, so waiting writers get the lock; none on PostgreSQL)."""
    require_admin(actor)
    started = time.perf_counter()
    raw, errors = parse_rows(data, limits)
    with session_scope(database_url, readonly=True) as session:
        sqlite = session.get_bind().dialect.name == "sqlite"
        rows, invalid = validate(raw, _snapshot(session))
    report = ImportReport(total=len(rows), errors=errors + invalid)
    if progress is not None:
        progress(0, len(rows))
    for start in range(0, len(rows), batch_size):
        held = _run_batch(database_url, rows[start:start + batch_size], report)
        report.batches += 1
        if progress is not None:
            progress(min(start + batch_size, len(rows)), len(rows))
        if held is None:
            continue  # nothing was written: no lock to hand over
        report.longest_batch_s = max(report.longest_batch_s, held)
        wait = pause if pause is not None else (max(held, 0.01) if sqlite else 0.0)
        if wait and start + batch_size < len(rows):
            time.sleep(wait)
    report.errors.sort(key=lambda e: e.line)
    report.seconds = time.perf_counter() - started
    with session_scope(database_url) as session:
        _audit(session, actor, "import_users", None, created=report.created, updated=report.updated,
               unchanged=report.unchanged, errors=len(report.errors))
    return report
