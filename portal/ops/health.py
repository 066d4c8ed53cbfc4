"""Readiness: the replica can serve learners only when its database answers and has the schema
this code expects. Liveness is Streamlit's own ``/_stcore/health``."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal.db.engine import get_engine, head_revision


@dataclass(frozen=True)
class Readiness:
    ready: bool
    detail: str
    database_ms: float

    def as_json(self) -> dict:
        return {"status": "ready" if self.ready else "unavailable", "detail": self.detail,
                "database_ms": round(self.database_ms, 1)}


def check(database_url: str) -> Readiness:
    """Ask the database for its schema revision (one cheap query)."""
    start = time.perf_counter()
    try:
        with get_engine(database_url).connect() as conn:
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as exc:
        detail = f"database unavailable: {type(getattr(exc, 'orig', None) or exc).__name__}"
        return Readiness(False, detail, (time.perf_counter() - start) * 1000)
    elapsed = (time.perf_counter() - start) * 1000
    head = head_revision()
    if revision != head:
        return Readiness(False, f"schema at {revision}, this code needs {head} (run `portal init-db`)", elapsed)
    return Readiness(True, "database answers, schema up to date", elapsed)
