"""Alembic environment: runs on the connection handed over by portal.db.init_db,
or on PORTAL_DATABASE_URL when invoked as `alembic -c migrations/alembic.ini ...`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from portal.db.models import Base
import portal.summaries.models  # noqa: F401  (the summary tables, on the same Base)

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from portal.config import get_settings

    engine = create_engine(get_settings().effective_database_url)
    with engine.begin() as conn:
        _run(conn)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():  # pragma: no cover
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
