"""dashboard summaries: attempt numbers, per learner x lesson summary, per day quiz and question stats

Revision ID: 0003
Revises: 0002

The summary tables start empty; portal.stats.rebuild rebuilds them from the facts the first time
the admin dashboard is opened (it needs the course's quiz -> lesson map), and until then the
dashboard computes from the facts directly. Attempt numbers are filled in here.
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SUBMITTED = sa.text("status = 'submitted'")


def upgrade() -> None:
    with op.batch_alter_table("quiz_attempts") as batch:
        batch.add_column(sa.Column("attempt_no", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE quiz_attempts SET attempt_no = (SELECT count(*) FROM quiz_attempts AS b "
        "WHERE b.user_id = quiz_attempts.user_id AND b.quiz_id = quiz_attempts.quiz_id "
        "AND b.status = 'submitted' AND b.id <= quiz_attempts.id) WHERE status = 'submitted'"
    )
    op.create_index(
        "ix_quiz_attempts_submitted", "quiz_attempts",
        ["submitted_at", "quiz_id", "user_id", "attempt_no", "score", "passed"],
        sqlite_where=SUBMITTED, postgresql_where=SUBMITTED,
    )
    op.create_table(
        "lesson_summaries",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.String(length=100), nullable=False),
        sa.Column("quiz_id", sa.String(length=100), nullable=True),
        sa.Column("opened_at", sa.DateTime(), nullable=True),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("best_score", sa.Float(), nullable=True),
        sa.Column("first_pass_at", sa.DateTime(), nullable=True),
        sa.Column("pass_attempt_no", sa.Integer(), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "lesson_id"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "quiz_day_stats",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("quiz_id", sa.String(length=100), nullable=False),
        sa.Column("first", sa.Integer(), nullable=False),
        sa.Column("bin", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("score_sum", sa.Float(), nullable=False),
        sa.Column("passed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "quiz_id", "first", "bin"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "question_day_stats",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("quiz_id", sa.String(length=100), nullable=False),
        sa.Column("question_id", sa.String(length=100), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("sx", sa.Float(), nullable=False),
        sa.Column("sxx", sa.Float(), nullable=False),
        sa.Column("st", sa.Float(), nullable=False),
        sa.Column("stt", sa.Float(), nullable=False),
        sa.Column("stx", sa.Float(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "quiz_id", "question_id", "response"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "activity_days",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "day"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_activity_days_day", "activity_days", ["day", "user_id"])
    op.create_table(
        "sandbox_user_days",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("counted", sa.Integer(), nullable=False),
        sa.Column("tokens", sa.Integer(), nullable=False),
        sa.Column("flagged", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "day"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_sandbox_user_days_day", "sandbox_user_days", ["day"])
    op.create_table(
        "sandbox_day_stats",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("k1", sa.String(length=200), nullable=False),
        sa.Column("k2", sa.Text(), nullable=False),
        sa.Column("k3", sa.String(length=32), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("tokens", sa.Integer(), nullable=False),
        sa.Column("latency_sum", sa.Float(), nullable=False),
        sa.Column("latency_n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "kind", "k1", "k2", "k3"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("sandbox_day_stats")
    op.drop_table("sandbox_user_days")
    op.drop_table("activity_days")
    op.drop_table("question_day_stats")
    op.drop_table("quiz_day_stats")
    op.drop_table("lesson_summaries")
    op.drop_index("ix_quiz_attempts_submitted", table_name="quiz_attempts")
    with op.batch_alter_table("quiz_attempts") as batch:
        batch.drop_column("attempt_no")
