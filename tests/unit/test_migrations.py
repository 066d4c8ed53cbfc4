"""The Alembic migrations build exactly the schema the models describe, and upgrading a database
that already holds quiz attempts numbers them for the dashboard."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from portal.db import init_db, session_scope
from portal.db.engine import MIGRATIONS_DIR, get_engine
from portal.db.models import Base, QuizAttempt


@pytest.mark.filterwarnings("ignore:.*expression-based index")  # SQLite cannot reflect them; PostgreSQL compares them
def test_the_migrated_schema_matches_the_models(db_url):
    with get_engine(db_url).connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diffs == []


def test_upgrading_a_database_with_attempts_numbers_them_per_learner_and_quiz(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    with get_engine(url).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")  # the schema before the dashboard summaries
        conn.execute(text(
            "INSERT INTO users (id, email, name, department, role, active, must_change_password, created_at, updated_at) "
            "VALUES (1, 'a@example.com', 'A', '営業部', 'learner', 1, 0, '2026-01-01', '2026-01-01'), "
            "(2, 'b@example.com', 'B', '営業部', 'learner', 1, 0, '2026-01-01', '2026-01-01')"
        ))
        rows = [  # id, user, quiz, status
            (1, 1, "q1", "submitted"), (2, 2, "q1", "submitted"), (3, 1, "q1", "abandoned"),
            (4, 1, "q2", "submitted"), (5, 1, "q1", "submitted"), (6, 1, "q1", "in_progress"),
        ]
        for id_, user, quiz, status in rows:
            conn.execute(text(
                "INSERT INTO quiz_attempts (id, user_id, quiz_id, quiz_version, question_ids, seed, status, started_at) "
                "VALUES (:id, :user, :quiz, 'v', '[]', 1, :status, '2026-01-02')"
            ), {"id": id_, "user": user, "quiz": quiz, "status": status})
    init_db(url)  # what the app does at start: upgrade to head
    with session_scope(url) as s:
        numbers = dict(s.execute(select(QuizAttempt.id, QuizAttempt.attempt_no)).all())
    assert numbers == {1: 1, 2: 1, 3: None, 4: 1, 5: 2, 6: None}
