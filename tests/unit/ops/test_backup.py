"""`portal backup` / `portal restore` on SQLite: a backup taken while the app writes is a
complete, consistent database; restoring it brings back exactly what it held; bad files are
refused with a message naming them and the live database untouched."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import select

from portal.accounts.roles import SYSTEM
from portal.accounts.service import create_user
from portal.cli import main
from portal.db import init_db, session_scope
from portal.db.models import User
from portal.ops.backup import BackupError, backup, postgres_commands, restore

PASSWORD = "Green-tea-2024-cup"


def _users(url: str) -> list[str]:
    with session_scope(url) as s:
        return sorted(s.scalars(select(User.email)))


def _add(url: str, n: int, start: int = 0) -> None:
    with session_scope(url) as s:
        for i in range(start, start + n):
            s.add(User(name=f"社員 {i}", email=f"u{i}@example.com", role="learner", department="営業部"))


@pytest.fixture
def live(tmp_path):
    url = f"sqlite:///{tmp_path / 'live' / 'portal.db'}"
    init_db(url)
    with session_scope(url) as s:
        create_user(s, SYSTEM, name="管理 太郎", email="admin@example.com", password=PASSWORD, role="admin")
    return url


def test_backup_then_restore_brings_back_what_the_backup_held(live, tmp_path):
    _add(live, 3)
    (tmp_path / "backups").mkdir()
    report = backup(live, tmp_path / "backups")  # a folder: a dated file inside it
    assert report.path.parent == tmp_path / "backups" and report.path.name.startswith("portal-")
    assert report.users == 4
    _add(live, 5, start=100)  # work done after the backup ...
    with session_scope(live) as s:
        s.delete(s.scalars(select(User).where(User.email == "u0@example.com")).one())
    restored = restore(report.path, live)  # ... is undone by the restore
    assert restored.users == 4
    assert _users(live) == ["admin@example.com", "u0@example.com", "u1@example.com", "u2@example.com"]


def test_a_backup_taken_while_others_write_is_consistent(live, tmp_path):
    """Writers keep committing batches of 50 users during the backup: the copy holds whole
    batches only (a consistent snapshot), and the writers are not stopped by it."""
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer():
        batch = 0
        while not stop.is_set() and batch < 200:
            try:
                _add(live, 50, start=1000 + batch * 50)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
                return
            batch += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        _add(live, 200, start=10)  # something to copy while the writer runs
        report = backup(live, tmp_path / "copy.db")
    finally:
        stop.set()
        thread.join()
    assert not errors
    copy = sqlite3.connect(report.path)
    count = copy.execute("SELECT count(*) FROM users").fetchone()[0]
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    copy.close()
    assert (count - 201) % 50 == 0  # admin + 200 + whole batches of 50


def test_restore_refuses_a_file_that_is_not_a_portal_database(live, tmp_path):
    not_db = tmp_path / "notes.db"
    not_db.write_text("これはデータベースではありません", encoding="utf-8")
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    before = _users(live)
    with pytest.raises(BackupError, match="notes.db"):
        restore(not_db, live)
    with pytest.raises(BackupError, match=r"other\.db はポータルのデータベースではありません"):
        restore(other, live)
    with pytest.raises(BackupError, match="missing.db がありません"):
        restore(tmp_path / "missing.db", live)
    assert _users(live) == before


def test_no_half_written_backup_is_left_under_the_given_name(live, tmp_path, monkeypatch):
    import portal.ops.backup as module

    def full_disk(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(module.os, "replace", full_disk)
    with pytest.raises(BackupError, match="No space left on device"):
        backup(live, tmp_path / "b.db")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["live"]  # neither b.db nor a partial file


def test_postgresql_is_pointed_to_pg_dump_without_the_password():
    url = "postgresql+psycopg://portal:s3cret@db.internal:5433/portal"
    dump, load = postgres_commands(url)
    assert dump == "pg_dump -h db.internal -p 5433 -U portal -Fc -f portal.dump portal"
    assert load.startswith("pg_restore -h db.internal -p 5433 -U portal --clean")
    with pytest.raises(BackupError, match="pg_dump"):
        backup(url, __import__("pathlib").Path("x.db"))
    assert all("s3cret" not in c for c in (dump, load))


def test_cli_backup_and_restore(live, tmp_path, monkeypatch, capsys):
    from portal.config import get_settings

    monkeypatch.setenv("PORTAL_DATABASE_URL", live)
    get_settings.cache_clear()
    try:
        assert main(["backup", str(tmp_path / "cli.db")]) == 0
        assert "バックアップを作成しました" in capsys.readouterr().out
        _add(live, 2, start=500)
        assert main(["restore", str(tmp_path / "cli.db"), "--yes"]) == 0
        assert "復元しました (利用者 1 人" in capsys.readouterr().out
        assert _users(live) == ["admin@example.com"]
        assert main(["restore", str(tmp_path / "nothing.db"), "--yes"]) == 2
        assert "nothing.db がありません" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()
