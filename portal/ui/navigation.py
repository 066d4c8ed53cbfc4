"""Which pages a visitor gets, by sign-in state and role."""

from __future__ import annotations

import streamlit as st

from portal.accounts.roles import CurrentUser
from portal.i18n import t
from portal.ui.pages import admin_dashboard, admin_policy, admin_users, auth, course, sandbox

NAV_KEY = "_portal_nav"


def pages_for(user: CurrentUser | None):
    """The navigation for this visitor. A signed-in user's pages are built once per browser
    session and role (st.Page objects are reused run after run; another session never shares
    them: st.navigation marks the page it returns as the one to run)."""
    if user is None:
        st.session_state.pop(NAV_KEY, None)
        return _public_pages()
    key = (user.role, user.must_change_password)
    cached = st.session_state.get(NAV_KEY)
    if cached is None or cached[0] != key:
        cached = (key, _user_pages(user))
        st.session_state[NAV_KEY] = cached
    return cached[1]


def page(url_path: str):
    """One of this run's navigation pages by URL path, for st.page_link (which accepts only
    pages handed to st.navigation)."""
    cached = st.session_state.get(NAV_KEY)
    for section in cached[1].values() if cached else ():
        for p in section:
            if p.url_path == url_path:
                return p
    raise LookupError(f"page '{url_path}' is not in this user's navigation")


def _public_pages() -> list:
    pages = [st.Page(auth.login_page, title=t("nav.login"), icon=":material/login:", url_path="login", default=True)]
    if auth.setup_needed():
        pages.append(st.Page(auth.setup_page, title=t("nav.setup"), icon=":material/key:", url_path="setup"))
    return pages


def _user_pages(user: CurrentUser) -> dict:
    account = [
        st.Page(auth.change_password_page, title=t("nav.password"), icon=":material/password:", url_path="password",
                default=user.must_change_password),
        st.Page(auth.logout_page, title=t("nav.logout"), icon=":material/logout:", url_path="logout"),
    ]
    if user.must_change_password:
        return {t("nav.section.account"): account}
    sections = {
        t("nav.section.learn"): learn_pages(),
        t("nav.section.try"): try_pages(),
    }
    if user.is_admin:
        sections[t("nav.section.admin")] = admin_pages()
    sections[t("nav.section.account")] = account
    return {k: v for k, v in sections.items() if v}


def learn_pages() -> list:
    return course.pages()


def try_pages() -> list:
    return sandbox.pages()


def admin_pages() -> list:
    return [
        *admin_dashboard.pages(),
        st.Page(admin_users.render, title=t("nav.admin.users"), icon=":material/group:", url_path="admin-users"),
        admin_policy.page(),
    ]
