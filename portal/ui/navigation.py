"""Which pages a visitor gets, by sign-in state and role."""

from __future__ import annotations

import streamlit as st

from portal.accounts.roles import CurrentUser
from portal.i18n import current_lang, t
from portal.ui import routes
from portal.ui.pages import (
    admin_authoring,
    admin_policy,
    admin_users,
    auth,
    course,
    lesson,
    quiz,
    sandbox,
    sandbox_compare,
    sandbox_explorer,
    verify,
)
from portal.ui.pages.admin import dashboard as admin_dashboard

NAV_KEY = routes.NAV_KEY


def pages_for(user: CurrentUser | None):
    """The navigation for this visitor. A signed-in user's pages are built once per browser
    session and role (st.Page objects are reused run after run; another session never shares
    them: st.navigation marks the page it returns as the one to run)."""
    if user is None:
        st.session_state.pop(NAV_KEY, None)
        return _public_pages()
    key = (user.role, user.must_change_password, current_lang())  # page titles are in the UI language
    cached = st.session_state.get(NAV_KEY)
    if cached is None or cached[0] != key:
        cached = (key, _user_pages(user))
        st.session_state[NAV_KEY] = cached
    return cached[1]


page = routes.page  # one of this run's navigation pages by URL path


def _public_pages() -> list:
    pages = [st.Page(auth.login_page, title=t("nav.login"), icon=":material/login:", url_path=routes.LOGIN, default=True)]
    if auth.setup_needed():
        pages.append(st.Page(auth.setup_page, title=t("nav.setup"), icon=":material/key:", url_path=routes.SETUP))
    pages.append(verify_page())
    return pages


def verify_page():
    return st.Page(verify.render, title=t("certificates.nav.verify"), icon=":material/verified:", url_path=routes.VERIFY)


def _user_pages(user: CurrentUser) -> dict:
    account = [
        st.Page(auth.change_password_page, title=t("nav.password"), icon=":material/password:", url_path=routes.PASSWORD,
                default=user.must_change_password),
        st.Page(auth.logout_page, title=t("nav.logout"), icon=":material/logout:", url_path=routes.LOGOUT),
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
    return [
        st.Page(course.overview, title=t("nav.course"), icon=":material/school:", url_path=routes.COURSE, default=True),
        st.Page(lesson.render, title=t("nav.lesson"), icon=":material/menu_book:", url_path=routes.LESSON),
        st.Page(quiz.render, title=t("nav.quiz"), icon=":material/quiz:", url_path=routes.QUIZ),
        st.Page(quiz.results, title=t("nav.results"), icon=":material/insights:", url_path=routes.RESULTS),
        st.Page(course.glossary, title=t("nav.glossary"), icon=":material/dictionary:", url_path=routes.GLOSSARY),
        verify_page(),
    ]


def try_pages() -> list:
    return [
        st.Page(sandbox.chat_page, title=t("nav.sandbox.chat"), icon=":material/chat:", url_path=routes.SANDBOX_CHAT),
        st.Page(sandbox_compare.render, title=t("nav.sandbox.compare"), icon=":material/view_column:",
                url_path=routes.SANDBOX_COMPARE),
        st.Page(sandbox_explorer.render, title=t("nav.sandbox.explorer"), icon=":material/bar_chart:",
                url_path=routes.SANDBOX_EXPLORER),
    ]


def admin_pages() -> list:
    return [
        *admin_dashboard.pages(),
        st.Page(admin_users.render, title=t("nav.admin.users"), icon=":material/group:", url_path=routes.ADMIN_USERS),
        admin_policy.page(),
        admin_authoring.page(),
    ]
