"""A database that restarts under a running replica: the next unit of work reconnects instead
of failing (the pooled connections were cut, as a PostgreSQL restart cuts them)."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from portal.db import get_engine, session_scope
from portal.db.models import User
from portal.ops.health import check


@pytest.mark.postgres
def test_pooled_connections_cut_by_the_server_are_replaced(pg_database_url):
    engine = get_engine(pg_database_url)
    with session_scope(pg_database_url) as s:  # fill the pool
        s.add(User(name="再接続 太郎", email="reconnect@example.com", role="learner", department=""))
    url = make_url(pg_database_url)
    base = make_url(os.environ["PORTAL_TEST_DATABASE_URL"]).set(drivername="postgresql+psycopg")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")  # another database of the same server
    try:
        with admin.connect() as conn:  # what a restart does to every open connection
            cut = conn.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :db AND pid <> pg_backend_pid()"), {"db": url.database}).scalar()
        assert cut >= 1 and engine.pool.checkedin() >= 1
        with session_scope(pg_database_url) as s:
            assert s.scalar(select(func.count()).select_from(User).where(User.email == "reconnect@example.com")) == 1
        assert check(pg_database_url).ready
    finally:
        admin.dispose()
