"""Session-level glue between Streamlit and the services: bootstrap, the signed-in user,
cached content. Nothing here holds a business rule."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from sqlalchemy.orm import Session

from portal.accounts import service as accounts
from portal.accounts.roles import CurrentUser
from portal.config import Settings, get_settings
from portal.db import DatabaseError, init_db, session_scope
from portal.i18n import t
from portal.ops import logs

log = logging.getLogger("portal")
TOKEN_KEY = "auth_token"
COOKIE = "portal_session"  # set by portal/server.py's /auth/session route


_bootstrapped: set[str] = set()


def bootstrap(database_url: str) -> None:
    """Once per process and database: apply migrations; print a setup token if no admin exists.
    (Checked on every run: a set lookup, cheaper than hashing the argument for st.cache_resource.)"""
    if database_url not in _bootstrapped:
        _bootstrap(database_url)
        _bootstrapped.add(database_url)


@st.cache_resource(show_spinner=False)
def _bootstrap(database_url: str) -> None:
    init_db(database_url)
    with session_scope(database_url) as session:
        token = accounts.issue_setup_token(session)
    if token and logs.log_format() == "json":  # one event a log collector can parse
        print(logs.event("WARNING", "portal.setup",
                         f"管理者がまだいません。/setup で次のワンタイムトークンを入力してください "
                         f"(first-run setup token): {token}"), flush=True)
    elif token:
        message = (
            "\n" + "=" * 72 + "\n"
            "AI リテラシーポータル: 管理者がまだいません。ブラウザでアプリの /setup (初期設定) を開き\n"
            f"次のワンタイムトークンを入力してください (first-run setup token): {token}\n"
            "(または `portal create-admin` で管理者を作成できます)\n" + "=" * 72
        )
        print(message, flush=True)
    if token:
        log.warning("first-run setup token issued")


def settings() -> Settings:
    return get_settings()


@contextmanager
def db(readonly: bool = False) -> Iterator[Session]:
    with session_scope(settings().effective_database_url, readonly=readonly) as session:
        yield session


USER_KEY = "_portal_user"


def resolve_user() -> CurrentUser | None:
    """Look up the signed-in user in the database. portal/app.py calls this once at the top
    of every run, so sign-out, expiry and deactivation take effect at once on every replica;
    pages then read the result with current_user()."""
    token = st.session_state.get(TOKEN_KEY) or _cookie_token()
    user = None
    if token:
        with db(readonly=True) as session:
            user = accounts.resolve_session(session, token)
    if user is None:
        st.session_state.pop(TOKEN_KEY, None)
    else:
        st.session_state[TOKEN_KEY] = token
    st.session_state[USER_KEY] = user
    return user


def current_user() -> CurrentUser | None:
    """The user resolved at the start of this run (see resolve_user)."""
    if USER_KEY not in st.session_state:
        return resolve_user()
    return st.session_state[USER_KEY]


def _cookie_token() -> str | None:
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # no browser context (AppTest, bare mode)
        return None
    return value if isinstance(value, str) and value else None


def _auth_routes() -> bool:
    return os.environ.get("PORTAL_AUTH_ROUTES") == "1"


def _go(url: str) -> None:
    """Send the browser to one of our own /auth/* routes (fixed URLs, no user data)."""
    st.html(f"<script>window.parent.location.replace({url!r});</script>", unsafe_allow_javascript=True)
    st.stop()


def sign_in(user: CurrentUser) -> None:
    """Start a session; when served by portal/server.py, also store it in an HttpOnly cookie
    (through a one-time handoff code) so that a page reload keeps the user signed in."""
    with db() as session:
        token = accounts.create_session(session, user)
        code = accounts.create_handoff(session, token) if _auth_routes() else None
    st.session_state[TOKEN_KEY] = token
    if code:
        _go(f"/auth/session?code={code}")


def sign_out(*, clear_cookie: bool = True) -> None:
    """Revoke this browser's sessions and forget them. ``clear_cookie``: also send the browser to
    /auth/signout to delete the cookie (which ends this run); an SSO sign-out leaves that to
    st.logout() (the cookie's token is revoked already, so the cookie signs nobody in)."""
    with db() as session:
        accounts.revoke_session(session, st.session_state.get(TOKEN_KEY))
        accounts.revoke_session(session, _cookie_token())
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if clear_cookie and _auth_routes() and _cookie_token():
        _go("/auth/signout")


def sso_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets.toml at all
        return False


def show_fatal(exc: Exception) -> None:
    if isinstance(exc, DatabaseError):
        st.error(t("app.error.database", detail=str(exc)))
    else:
        st.error(t("app.error.unexpected"))
