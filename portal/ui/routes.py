"""URL paths of the portal's pages and the helpers that move between them.

Pages navigate through here, never by importing each other: ``portal.ui.navigation`` builds the
``st.Page`` objects (once per browser session and role, kept in session state under
:data:`NAV_KEY`), and these helpers look the target up among them by URL path. Streamlit
accepts only pages handed to ``st.navigation`` for ``st.switch_page`` and ``st.page_link``.
"""

from __future__ import annotations

import streamlit as st

NAV_KEY = "_portal_nav"

# signed out
LOGIN = "login"
SETUP = "setup"
VERIFY = "verify"  # also signed in
# account
PASSWORD = "password"
LOGOUT = "logout"
# the default page of this visitor's navigation, served at "/" (the course when signed in, the
# sign-in page when signed out): Streamlit gives a default page the url_path ""
HOME = ""
# 学ぶ
COURSE = "course"
LESSON = "lesson"
QUIZ = "quiz"
RESULTS = "results"
GLOSSARY = "glossary"
# 試す
SANDBOX_CHAT = "sandbox"
SANDBOX_COMPARE = "sandbox-compare"
SANDBOX_EXPLORER = "sandbox-explorer"
# 管理
ADMIN_DASHBOARD = "admin-dashboard"
ADMIN_USERS = "admin-users"
ADMIN_POLICY = "admin-policy"
ADMIN_AUTHORING = "admin-authoring"


def page(url_path: str):
    """One of this run's navigation pages by URL path, for st.page_link (which accepts only
    pages handed to st.navigation)."""
    cached = st.session_state.get(NAV_KEY)
    for section in cached[1].values() if cached else ():
        for p in section:
            if p.url_path == url_path:
                return p
    raise LookupError(f"page '{url_path}' is not in this user's navigation")


def go(url_path: str, **query_params: str) -> None:
    """Switch to another page (ends this run)."""
    st.switch_page(page(url_path), query_params=query_params or None)


PENDING_KEY = "_portal_go"  # a page a button's callback asked for, opened at the start of the next run


def go_on_click(url_path: str, **query_params: str) -> None:
    """An ``on_click`` callback for a button that opens another page. It only notes the page;
    portal/app.py opens it (follow_pending) right after st.navigation, before the current page
    runs. ``if st.button(...): go(...)`` instead renders the page the button is on a second time,
    up to the button, only to leave it: on the course page, shown after every sign-in, that is
    most of its elements."""
    st.session_state[PENDING_KEY] = (url_path, query_params)


def follow_pending() -> None:
    """Open the page a button's callback asked for (see go_on_click); ends this run. Nothing
    happens when there is none, or when the page is not in this visitor's navigation (signed out
    meanwhile): the page asked for by the URL runs as usual."""
    pending = st.session_state.pop(PENDING_KEY, None)
    if not pending:
        return
    url_path, query_params = pending
    try:
        target = page(url_path)
    except LookupError:
        return
    st.switch_page(target, query_params=query_params or None)


def link(url_path: str, label: str, *, icon: str | None = None, **query_params: str) -> None:
    """A link to another page."""
    st.page_link(page(url_path), label=label, icon=icon, query_params=query_params or None)


def open_lesson(lesson_id: str) -> None:
    go(LESSON, id=lesson_id)


def open_quiz(quiz_id: str) -> None:
    go(QUIZ, id=quiz_id)


def open_compare(template_id: str) -> None:
    go(SANDBOX_COMPARE, template=template_id)
