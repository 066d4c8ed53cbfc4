"""Shared fixtures.

Database tests take the ``db_url`` fixture: they run on a fresh SQLite file and, when
PORTAL_TEST_DATABASE_URL is set (``.ci/run`` points it at the local PostgreSQL), on a
throw-away PostgreSQL database too.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from portal.config import get_settings
import portal.summaries.models  # noqa: F401  (registers the summary tables on Base.metadata)
from portal.db import engine as db_engine
from portal.db import init_db, session_scope
from portal.db.models import Base

REPO = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("PORTAL_TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def pg_database_url():
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    if not PG_URL:
        pytest.skip("PORTAL_TEST_DATABASE_URL is not set: PostgreSQL variant skipped")
    base = make_url(PG_URL).set(drivername="postgresql+psycopg")
    name = f"portal_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    init_db(url)
    yield url
    db_engine.reset_engine()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_all(url: str) -> None:
    tables = ", ".join(f'"{t.name}"' for t in reversed(Base.metadata.sorted_tables))
    with db_engine.get_engine(url).begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """A migrated, empty database: SQLite file, or the session's PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'portal.db'}"
        init_db(url)
        yield url
        db_engine.get_engine(url).dispose()
    else:
        url = request.getfixturevalue("pg_database_url")
        _truncate_all(url)
        yield url


@pytest.fixture
def session(db_url):
    with session_scope(db_url) as s:
        yield s


@pytest.fixture
def app_env(tmp_path, monkeypatch):
    """Settings for an app run on a fresh SQLite database (AppTest and subprocess tests)."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("PORTAL_DATABASE_URL", url)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()
