"""session handoff code for the sign-in cookie

Revision ID: 0002
Revises: 0001
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("auth_sessions") as batch:
        batch.add_column(sa.Column("handoff_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("handoff_expires_at", sa.DateTime(), nullable=True))
        batch.create_unique_constraint("uq_auth_sessions_handoff_hash", ["handoff_hash"])


def downgrade() -> None:
    with op.batch_alter_table("auth_sessions") as batch:
        batch.drop_constraint("uq_auth_sessions_handoff_hash", type_="unique")
        batch.drop_column("handoff_expires_at")
        batch.drop_column("handoff_hash")
