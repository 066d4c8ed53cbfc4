"""Which pages a visitor gets, by sign-in state and role."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

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
    not_found,
    quiz,
    sandbox,
    sandbox_compare,
    sandbox_explorer,
    verify,
)
from portal.ui.pages.admin import dashboard as admin_dashboard

NAV_KEY = routes.NAV_KEY
MISSING_KEY = "_portal_missing_path"


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


def with_catch_all(pages, user: CurrentUser | None):
    """``pages`` plus, when the browser asked for a path none of them has, a hidden page under that
    very path that explains it (``pages.not_found``). Streamlit matches a typed URL against the
    pages' paths exactly and otherwise shows its own English "Page not found" dialog and runs the
    default page; there is no catch-all option. The path asked for is read from the run's intent
    (set only when the URL, not a link or a rerun, names the page); the page stays registered for
    the reruns it causes itself (its sign-in form), until another typed URL replaces it."""
    requested = _typed_path()
    # the default page is served at "/" (its url_path reads ""), yet its own path is taken: a
    # second page under it would collide (portal/server.py sends /course and /login to "/")
    known = {p.url_path for p in _flat(pages)} | {_default_path(user)}
    if requested is not None:
        if requested and requested not in known and "/" not in requested:
            st.session_state[MISSING_KEY] = requested
        else:
            st.session_state.pop(MISSING_KEY, None)
    missing = st.session_state.get(MISSING_KEY)
    if not missing or missing in known:
        return pages
    home = next((p for p in _flat(pages) if p.url_path == ""), _flat(pages)[0])

    def explain() -> None:
        not_found.render(missing, user, home, portal_paths())
        if user is None:
            auth.login_page()

    extra = st.Page(explain, title=t("nav.not_found"), icon=":material/link_off:", url_path=missing,
                    visibility="hidden")
    if isinstance(pages, dict):
        return {**pages, "": [extra]}
    return [*pages, extra]


def portal_paths() -> not_found.PortalPaths:
    """Every signed-in page's path and the admin pages' (from the pages themselves)."""
    admin = {p.url_path for p in admin_pages()}
    # the course is a default page (its url_path reads ""); the account pages are built per user
    signed_in = {p.url_path for p in [*learn_pages(), *try_pages()]} - {""}
    return not_found.PortalPaths(
        signed_in=frozenset(signed_in | admin | {routes.COURSE, routes.PASSWORD, routes.LOGOUT}),
        admin=frozenset(admin))


def _default_path(user: CurrentUser | None) -> str:
    if user is None:
        return routes.LOGIN
    return routes.PASSWORD if user.must_change_password else routes.COURSE


def _typed_path() -> str | None:
    """The page path the URL asked for in this run, or None when the run was asked for by page
    (a link, a button, a rerun): Streamlit's intent for the run (an internal of the script-run
    context, read defensively: on a Streamlit without it the catch-all is simply not added)."""
    ctx = get_script_run_ctx()
    manager = getattr(ctx, "pages_manager", None)
    if manager is None or getattr(manager, "intended_page_script_hash", ""):
        return None
    name = getattr(manager, "intended_page_name", None)
    return name if isinstance(name, str) else None


def _flat(pages) -> list:
    return [p for section in pages.values() for p in section] if isinstance(pages, dict) else list(pages)


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
