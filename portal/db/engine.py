"""Engine, session factory and schema migrations (Alembic, applied at start)."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from portal.config import REPO_ROOT, get_settings

log = logging.getLogger(__name__)

MIGRATIONS_DIR = REPO_ROOT / "migrations"

_lock = threading.Lock()
_engines: dict[str, Engine] = {}
_factories: dict[str, sessionmaker[Session]] = {}
_readonly_factories: dict[str, sessionmaker[Session]] = {}
_migrated: set[str] = set()


SQLITE_MMAP_BYTES = 256 * 1024 * 1024


class DatabaseError(RuntimeError):
    """The database cannot be used; the message says why in Japanese and names the location."""


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # let SQLAlchemy, not the driver, open transactions (see _sqlite_begin)
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    # read through a memory map (shared by every connection, no copy per read) instead of
    # SQLite's small private page cache: the admin statistics scan large tables
    cur.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    cur.close()


def _sqlite_begin(conn) -> None:
    """BEGIN IMMEDIATE takes the write lock up front, so concurrent writers queue on
    busy_timeout instead of failing with "database is locked" when a read transaction
    tries to upgrade; it also makes SAVEPOINTs work as documented. Read-only units of work
    (session_scope(readonly=True)) take a plain deferred BEGIN and never wait for writers."""
    if conn.get_execution_options().get("portal_readonly"):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _prepare_sqlite_path(url: str) -> None:
    db = make_url(url).database
    if not db or db == ":memory:":
        return
    path = Path(db)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(
            f"データフォルダ {path.parent} を作成できません ({exc.strerror})。"
            "PORTAL_DATA_DIR で書き込めるフォルダを指定してください。"
        ) from None
    target = path if path.exists() else path.parent
    if not os.access(target, os.W_OK):
        raise DatabaseError(
            f"データベースファイル {path} に書き込めません。ファイルとフォルダの権限を確認するか、"
            "PORTAL_DATA_DIR で書き込めるフォルダを指定してください。"
        )


def default_url() -> str:
    return get_settings().effective_database_url


def get_engine(url: str | None = None) -> Engine:
    url = url or default_url()
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            backend = make_url(url).get_backend_name()
            if backend == "sqlite":
                _prepare_sqlite_path(url)
                engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
                event.listen(engine, "connect", _sqlite_pragmas)
                event.listen(engine, "begin", _sqlite_begin)
            else:
                engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
            _engines[url] = engine
            _factories[url] = sessionmaker(engine, expire_on_commit=False)
            _readonly_factories[url] = sessionmaker(
                engine.execution_options(portal_readonly=True), expire_on_commit=False
            )
        return engine


def session_factory(url: str | None = None, *, readonly: bool = False) -> sessionmaker[Session]:
    url = url or default_url()
    get_engine(url)
    return (_readonly_factories if readonly else _factories)[url]


@contextmanager
def session_scope(url: str | None = None, *, readonly: bool = False) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error (nothing half-written).
    ``readonly=True`` is for units that only read (on SQLite they do not take the write lock)."""
    session = session_factory(url, readonly=readonly)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def init_db(url: str | None = None) -> None:
    """Apply Alembic migrations up to head (idempotent, safe to call on every start)."""
    url = url or default_url()
    if url in _migrated:
        return
    from alembic import command
    from alembic.config import Config

    engine = get_engine(url)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except OperationalError as exc:
        raise DatabaseError(_describe_operational_error(url, exc)) from None
    except SQLAlchemyError as exc:
        raise DatabaseError(f"データベースの初期化に失敗しました ({type(exc).__name__})。") from None
    _migrated.add(url)


_head: list[str] = []


def head_revision() -> str:
    """The newest migration in migrations/versions (what `init_db` upgrades to)."""
    if not _head:
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.set_main_option("path_separator", "os")
        _head.append(ScriptDirectory.from_config(cfg).get_current_head() or "")
    return _head[0]


def _describe_operational_error(url: str, exc: OperationalError) -> str:
    shown = make_url(url).render_as_string(hide_password=True)
    text = str(exc.orig) if exc.orig else str(exc)
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return f"データベース {shown} に書き込めません。ファイルとフォルダの権限を確認してください。"
    return f"データベース {shown} に接続できません: {text.splitlines()[0] if text else type(exc).__name__}"


def reset_engine() -> None:
    """Dispose every engine (tests, or after settings change)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _factories.clear()
        _readonly_factories.clear()
        _migrated.clear()
