"""Backup and restore of the SQLite database, online (learners may keep working meanwhile).

SQLite's backup API copies a consistent snapshot page by page while other connections read and
write; the copy is written to a temporary file next to the target and renamed into place only
when complete, so an interrupted backup never leaves a half-written file under the given name.
Restore copies a backup into the live database the same way (one transaction: readers see the
old or the new data, never a mix), after checking that the file is a portal database.

PostgreSQL has its own tools (``pg_dump`` / ``pg_restore``); ``postgres_commands`` says which.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from portal.localtime import JST

REQUIRED_TABLES = ("alembic_version", "users")


class BackupError(RuntimeError):
    """The backup or restore cannot be done; the message names the file and the reason."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    bytes: int
    users: int
    revision: str


def sqlite_path(database_url: str) -> Path | None:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":
        raise BackupError("メモリ上の SQLite データベースはバックアップできません。")
    return Path(url.database)


def _describe(path: Path) -> tuple[int, str]:
    """(users, schema revision) of a portal SQLite file; BackupError when it is not one."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"{path} を開けません ({exc})。") from None
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        missing = [t for t in REQUIRED_TABLES if t not in tables]
        if missing:
            raise BackupError(f"{path} はポータルのデータベースではありません (テーブル {', '.join(missing)} がありません)。")
        users = conn.execute("SELECT count(*) FROM users").fetchone()[0]
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} は SQLite のデータベースとして読めません ({exc})。") from None
    finally:
        conn.close()
    return users, revision


def _copy(source: sqlite3.Connection, target_path: Path) -> None:
    """Online copy of ``source`` into a temporary file, then an atomic rename to ``target_path``."""
    tmp = target_path.with_name(f".{target_path.name}.partial")
    tmp.unlink(missing_ok=True)
    try:
        target = sqlite3.connect(tmp)
        try:
            source.backup(target, pages=1024)  # in steps: writers wait for one step at most
            target.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        finally:
            target.close()
        os.replace(tmp, target_path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def backup(database_url: str, dest: Path) -> BackupReport:
    """Copy the live SQLite database at ``database_url`` to ``dest`` (a file or a folder)."""
    source_path = sqlite_path(database_url)
    if source_path is None:
        raise BackupError("PostgreSQL は pg_dump でバックアップしてください: " + postgres_commands(database_url)[0])
    if not source_path.is_file():
        raise BackupError(f"データベースファイル {source_path} がありません。")
    if dest.is_dir():
        dest = dest / f"portal-{datetime.now(JST):%Y%m%d-%H%M%S}.db"
    if dest.resolve() == source_path.resolve():
        raise BackupError("バックアップ先が稼働中のデータベースと同じファイルです。")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
        try:
            _copy(source, dest)
        finally:
            source.close()
    except (OSError, sqlite3.Error) as exc:
        raise BackupError(f"{dest} に書き込めません ({exc})。") from None
    users, revision = _describe(dest)
    return BackupReport(dest, dest.stat().st_size, users, revision)


def restore(backup_file: Path, database_url: str) -> BackupReport:
    """Replace the contents of the SQLite database at ``database_url`` with ``backup_file``.

    Runs against the live file (through SQLite, not by copying files), so a running app sees the
    restored data at its next query. Apply ``portal init-db`` afterwards if the backup is older
    than this code (its migrations then run)."""
    target_path = sqlite_path(database_url)
    if target_path is None:
        raise BackupError("PostgreSQL は pg_restore で復元してください: " + postgres_commands(database_url)[1])
    if not backup_file.is_file():
        raise BackupError(f"バックアップファイル {backup_file} がありません。")
    users, revision = _describe(backup_file)
    try:
        target_path.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
        target = sqlite3.connect(target_path, timeout=30)
        try:
            source.backup(target)  # one step: the target changes in one transaction
        finally:
            target.close()
            source.close()
    except sqlite3.Error as exc:
        raise BackupError(f"{target_path} に復元できません ({exc})。データベースは変更されていません。") from None
    return BackupReport(target_path, target_path.stat().st_size, users, revision)


def postgres_commands(database_url: str) -> tuple[str, str]:
    """The pg_dump / pg_restore commands for a PostgreSQL URL (the password stays out of them:
    give it with PGPASSWORD or ~/.pgpass)."""
    url = make_url(database_url)
    parts = []
    if url.host:
        parts.append(f"-h {url.host}")
    if url.port:
        parts.append(f"-p {url.port}")
    if url.username:
        parts.append(f"-U {url.username}")
    conn = " ".join(parts)
    db = url.database or "portal"
    return (f"pg_dump {conn} -Fc -f portal.dump {db}".replace("  ", " "),
            f"pg_restore {conn} --clean --if-exists -d {db} portal.dump".replace("  ", " "))
