"""The page for a URL the portal does not have (a mistyped address, an old bookmark, a page of
another role). Streamlit resolves a typed URL by exact path only and, when nothing matches, shows
its own English "Page not found" dialog before any of our code runs; ``portal.ui.navigation``
therefore hands ``st.navigation`` this page, hidden, under the unknown path itself, so the
visitor gets a Japanese explanation and the way on instead."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from portal.accounts.roles import CurrentUser
from portal.i18n import t
from portal.ui import routes

SIGNED_OUT_PATHS = frozenset({routes.LOGIN, routes.SETUP})  # pages only a signed-out visitor has


@dataclass(frozen=True)
class PortalPaths:
    """The paths of the portal's pages (``portal.ui.navigation`` collects them from the pages it
    builds, so a new page is known here without a list to keep)."""

    signed_in: frozenset[str]  # every page of a signed-in user, admin pages included
    admin: frozenset[str]


def reason(path: str, user: CurrentUser | None, paths: PortalPaths) -> str:
    """Why ``path`` is not one of this visitor's pages: ``sign_in`` (a page for signed-in users),
    ``admin_only``, ``password_first`` (the password must be changed first), ``signed_in`` (a
    sign-in or setup page, while signed in) or ``unknown``."""
    if user is None:
        return "sign_in" if path in paths.signed_in else "unknown"
    if path in SIGNED_OUT_PATHS:
        return "signed_in"
    if user.must_change_password and path in paths.signed_in:
        return "password_first"
    if path in paths.admin and not user.is_admin:
        return "admin_only"
    return "unknown"


def render(path: str, user: CurrentUser | None, home, paths: PortalPaths) -> None:
    """The explanation and the way on: a link to ``home`` (this visitor's default page); a
    signed-out visitor gets the sign-in form under the message instead (``portal.ui.navigation``
    adds it)."""
    why = reason(path, user, paths)
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
