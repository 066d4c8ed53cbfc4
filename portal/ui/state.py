"""Session-level glue between Streamlit and the services: bootstrap, the signed-in user,
cached content. Nothing here holds a business rule."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx
from sqlalchemy.orm import Session

from portal.accounts import service as accounts
from portal.accounts.roles import CurrentUser, PermissionDenied
from portal.config import Settings, get_settings
from portal.db import DatabaseError, init_db, session_scope
from portal.i18n import current_lang, lang_from_accept_language, normalize_lang, set_lang, set_lang_resolver, t
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


ACTION_ERROR_KEY = "_portal_action_error"


def action(fn, *args, **kwargs) -> None:
    """A widget callback (``on_click=state.action, args=(fn, ...)``) that does what a button asks
    before the run the press causes, so that run shows the outcome at once: with
    ``if st.button(...): ...; st.rerun()`` the page is rendered twice per press. The session is
    checked again first (a callback runs before portal/app.py resolves the user); signed out, the
    callback does nothing and the run shows the sign-in page. ``fn(user, *args, **kwargs)`` calls
    the services, which check the user themselves. An error is kept for show_action_error (a
    callback's own output would land above the page)."""
    try:
        user = resolve_user()
        resolve_lang(user)  # a toast or an error of the callback speaks the page's language
        if user is not None:
            fn(user, *args, **kwargs)
    except PermissionDenied as exc:
        st.session_state[ACTION_ERROR_KEY] = str(exc)
    except DatabaseError as exc:
        st.session_state[ACTION_ERROR_KEY] = t("app.error.database", detail=str(exc))
    except Exception:  # never a traceback in the browser; the log has it
        log.exception("action %s failed", getattr(fn, "__name__", fn))
        st.session_state[ACTION_ERROR_KEY] = t("app.error.unexpected")


def show_action_error() -> None:
    """The error of this run's callback, if any (see action); portal/app.py shows it above the page."""
    message = st.session_state.pop(ACTION_ERROR_KEY, None)
    if message:
        st.error(message)


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


HANDOFF_KEY = "_portal_handoff"


def sign_in(user: CurrentUser, *, redirect: bool = True) -> None:
    """Start a session; when served by portal/server.py, also store it in an HttpOnly cookie
    (through a one-time handoff code) so that a page reload keeps the user signed in.
    ``redirect=False`` (from a callback, which cannot end a run): the browser is sent to the
    handoff by follow_handoff at the start of the run that follows."""
    with db() as session:
        if not user.language:  # first sign-in: keep the language the sign-in page was shown in
            user = accounts.set_language(session, user, st.session_state.get(LANG_KEY) or settings().lang,
                                         only_if_unset=True)
        token = accounts.create_session(session, user)
        code = accounts.create_handoff(session, token) if _auth_routes() else None
    st.session_state[TOKEN_KEY] = token
    if code and redirect:
        _go(f"/auth/session?code={code}")
    elif code:
        st.session_state[HANDOFF_KEY] = f"/auth/session?code={code}"


def follow_handoff() -> None:
    """Send the browser to the cookie handoff a sign-in callback asked for (ends this run)."""
    url = st.session_state.pop(HANDOFF_KEY, None)
    if url:
        _go(url)


def sign_out(*, clear_cookie: bool = True) -> None:
    """Revoke this browser's sessions and forget them. ``clear_cookie``: also send the browser to
    /auth/signout to delete the cookie (which ends this run); an SSO sign-out leaves that to
    st.logout() (the cookie's token is revoked already, so the cookie signs nobody in)."""
    with db() as session:
        accounts.revoke_session(session, st.session_state.get(TOKEN_KEY))
        accounts.revoke_session(session, _cookie_token())
    lang = st.session_state.get(LANG_KEY)
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if lang:  # the sign-in page keeps speaking the language just used
        st.session_state[CHOSEN_LANG_KEY] = lang
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


LANG_KEY = "_portal_lang"  # the language of this browser session's last run
CHOSEN_LANG_KEY = "_portal_lang_chosen"  # chosen on the sign-in page, before there is a user


def browser_lang() -> str | None:
    """The browser's preferred supported language (Accept-Language), None when unknown."""
    try:
        lang = normalize_lang(st.context.locale)
        if lang:
            return lang
    except Exception:  # no browser context (AppTest, bare mode) or an older Streamlit
        pass
    try:
        return lang_from_accept_language(st.context.headers.get("Accept-Language"))
    except Exception:
        return None


def resolve_lang(user: CurrentUser | None) -> str:
    """The UI language of this run: the user's choice; before sign-in (or before choosing),
    what was picked on the sign-in page, else the browser's, else the PORTAL_LANG default.
    portal/app.py calls this once per run, right after resolve_user; t() then follows it."""
    lang = (user.language if user else None) or st.session_state.get(CHOSEN_LANG_KEY) or browser_lang() \
        or settings().lang
    st.session_state[LANG_KEY] = lang
    set_lang(lang)
    return lang


def ui_lang() -> str:
    """The language resolved for this run (for services that take ``lang=``)."""
    return current_lang()


def _session_lang() -> str | None:
    """Fallback for runs that skip portal/app.py (a fragment rerun); None outside a script run
    (a thread of its own, a test), where there is no browser session to ask."""
    if get_script_run_ctx(suppress_warning=True) is None:
        return None
    return st.session_state.get(LANG_KEY)


set_lang_resolver(_session_lang)


def choose_lang(lang: str) -> None:
    """The visitor picked a language: saved on the account when signed in, else kept for
    this browser session and saved on the account at first sign-in."""
    user = current_user()
    if user is not None:
        with db() as session:
            user = accounts.set_language(session, user, lang)
        st.session_state[USER_KEY] = user
    st.session_state[CHOSEN_LANG_KEY] = lang
    st.session_state[LANG_KEY] = lang
    set_lang(lang)
