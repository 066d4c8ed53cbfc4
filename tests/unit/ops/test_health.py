"""Readiness (/_portal/ready): ready only when the database answers with this code's schema."""

from __future__ import annotations

from sqlalchemy import text

from portal.db import get_engine
from portal.db.engine import head_revision
from portal.ops.health import check


def test_a_migrated_database_is_ready(db_url):
    result = check(db_url)
    assert result.ready, result.detail
    assert result.as_json()["status"] == "ready"


def test_an_older_schema_is_not_ready_and_says_what_to_run(db_url):
    engine = get_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    try:
        result = check(db_url)
        assert not result.ready
        assert result.detail == f"schema at 0001, this code needs {head_revision()} (run `portal init-db`)"
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head_revision()})


def test_a_database_that_does_not_answer_is_not_ready(tmp_path):
    # nothing listens on port 1: the connection is refused at once
    result = check("postgresql+psycopg://portal@127.0.0.1:1/portal?connect_timeout=2")
    assert not result.ready
    assert result.detail.startswith("database unavailable: ")
    assert result.as_json()["status"] == "unavailable"
