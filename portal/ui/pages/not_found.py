"""The page for a URL the portal does not have (a mistyped address, an old bookmark, a page of
another role). Streamlit resolves a typed URL by exact path only and, when nothing matches, shows
its own English "Page not found" dialog before any of our code runs; ``portal.ui.navigation``
therefore hands ``st.navigation`` this page, hidden, under the unknown path itself, so the
visitor gets a Japanese explanation and the way on instead."""

from __future__ import annotations

import streamlit as st

from portal.accounts.roles import CurrentUser
from portal.i18n import t
from portal.ui import routes

ADMIN_PATHS = frozenset({routes.ADMIN_DASHBOARD, routes.ADMIN_USERS, routes.ADMIN_POLICY})
SIGNED_IN_PATHS = frozenset({
    routes.PASSWORD, routes.LOGOUT, routes.COURSE, routes.LESSON, routes.QUIZ, routes.RESULTS, routes.GLOSSARY,
    routes.SANDBOX_CHAT, routes.SANDBOX_COMPARE, routes.SANDBOX_EXPLORER, *ADMIN_PATHS,
})
PUBLIC_PATHS = frozenset({routes.LOGIN, routes.SETUP, routes.VERIFY})


def reason(path: str, user: CurrentUser | None) -> str:
    """Why ``path`` is not one of this visitor's pages: ``sign_in`` (a page for signed-in users),
    ``admin_only``, ``password_first`` (the password must be changed first), ``signed_in`` (a
    sign-in or setup page, while signed in) or ``unknown``."""
    if user is None:
        return "sign_in" if path in SIGNED_IN_PATHS else "unknown"
    if path in PUBLIC_PATHS:
        return "signed_in"
    if user.must_change_password and path in SIGNED_IN_PATHS:
        return "password_first"
    if path in ADMIN_PATHS and not user.is_admin:
        return "admin_only"
    return "unknown"


def render(path: str, user: CurrentUser | None, home) -> None:
    """The explanation and the way on: a link to ``home`` (this visitor's default page); a
    signed-out visitor gets the sign-in form under the message instead (``portal.ui.navigation``
    adds it)."""
    why = reason(path, user)
    if why == "signed_in":
        st.switch_page(home)  # e.g. a bookmarked sign-in page: the course is what they came for
    key = "notfound.unknown.signed_out" if user is None and why == "unknown" else f"notfound.{why}"
    message = t(key, path=f"/{path}")
    if user is None:  # the sign-in page's own title follows
        if why == "sign_in":
            st.info(message, icon=":material/login:")
        else:
            st.warning(message, icon=":material/link_off:")
        return
    st.title(t(f"notfound.title.{why}"))
    if why == "unknown":
        st.warning(message, icon=":material/link_off:")
    else:
        st.error(message, icon=":material/block:")
    st.page_link(home, label=t("notfound.home"), icon=":material/home:")
