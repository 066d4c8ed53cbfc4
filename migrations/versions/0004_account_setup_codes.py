"""account setup codes (imported accounts get no password hash at import, but a one-time code),
and lower-case indexes on users' e-mail and employee id for sign-in

Revision ID: 0004
Revises: 0003
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: Union[str, Sequence[str], None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "account_setup_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_hash"),
    )
    op.create_index("ix_account_setup_codes_user_id", "account_setup_codes", ["user_id"])
    op.create_index("ix_users_lower_email", "users", [sa.text("lower(email)")])
    op.create_index("ix_users_lower_employee_id", "users", [sa.text("lower(employee_id)")])


def downgrade() -> None:
    op.drop_index("ix_users_lower_employee_id", table_name="users")
    op.drop_index("ix_users_lower_email", table_name="users")
    op.drop_index("ix_account_setup_codes_user_id", table_name="account_setup_codes")
    op.drop_table("account_setup_codes")
