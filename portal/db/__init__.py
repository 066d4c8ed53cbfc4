"""Persistence: engine, sessions, models and migrations."""

from portal.db.engine import DatabaseError, get_engine, init_db, reset_engine, session_scope

__all__ = ["DatabaseError", "get_engine", "init_db", "reset_engine", "session_scope"]
