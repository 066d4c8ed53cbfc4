"""Sign-in, first-run setup, password change and sign-out pages."""

from __future__ import annotations

import streamlit as st

from portal.accounts import service as accounts
from portal.db import DatabaseError
from portal.i18n import SUPPORTED_LANGS, t
from portal.ui import state


def language_picker(key: str) -> None:
    """日本語 / English: the choice applies at once (and is saved on the account when signed in)."""
    current = state.ui_lang()
    options = list(SUPPORTED_LANGS)
    chosen = st.segmented_control(t("account.language.label"), options, default=current, key=key,
                                  format_func=lambda lang: t(f"lang.{lang}"), help=t("account.language.help"))
    if chosen and chosen != current:
        state.choose_lang(chosen)
        st.rerun()


def login_page() -> None:
    st.title(t("app.title"))
    st.caption(t("login.lead"))
    language_picker("login-lang")
    if setup_needed():
        with st.container(border=True):
            st.markdown(t("login.setup_hint"))
            st.page_link(st.Page(setup_page, url_path="setup"), label=t("nav.setup"), icon=":material/key:")
    with st.form("login", clear_on_submit=False, enter_to_submit=True):
        st.text_input(t("login.field.login"), autocomplete="username", key=LOGIN_FIELD)
        st.text_input(t("login.field.password"), type="password", autocomplete="current-password",
                      key=PASSWORD_FIELD)
        st.form_submit_button(t("login.submit"), type="primary", on_click=_sign_in_pressed)
    error = st.session_state.pop(LOGIN_ERROR_KEY, None)
    if error:
        st.error(error)
    if state.sso_configured():
        st.divider()
        if st.button(t("login.sso"), icon=":material/login:"):
            st.login()
    st.info(t("login.help"))


LOGIN_FIELD = "login-login"
PASSWORD_FIELD = "login-password"
LOGIN_ERROR_KEY = "_portal_login_error"


def _sign_in_pressed() -> None:
    """サインイン (the form's callback, before the run it causes): on success that run goes straight
    to the cookie handoff (state.follow_handoff) or the course, instead of rendering the sign-in
    form once more first; otherwise the form shows the reason below it."""
    state.resolve_lang(None)  # the messages speak the sign-in page's language
    try:
        with state.db() as session:
            result = accounts.authenticate(session, st.session_state.get(LOGIN_FIELD) or "",
                                           st.session_state.get(PASSWORD_FIELD) or "")
        if result.ok and result.user:
            state.sign_in(result.user, redirect=False)
            st.session_state.pop(PASSWORD_FIELD, None)
        else:
            st.session_state[LOGIN_ERROR_KEY] = result.message
    except DatabaseError as exc:
        st.session_state[LOGIN_ERROR_KEY] = t("app.error.database", detail=str(exc))


def setup_needed() -> bool:
    with state.db(readonly=True) as session:
        return accounts.needs_setup(session)


def sso_callback() -> bool:
    """After st.login(): map the OIDC identity to a portal account. True when signed in."""
    try:
        if not st.user.is_logged_in:
            return False
    except Exception:
        return False
    subject = str(st.user.get("sub") or "")
    email = str(st.user.get("email") or "")
    name = str(st.user.get("name") or "")
    with state.db() as session:
        user = accounts.upsert_sso_user(session, subject=subject, email=email, name=name)
    if user is None:
        st.error(t("login.sso_unknown", email=email))
        if st.button(t("login.sso_logout")):
            st.logout()
        st.stop()
    state.sign_in(user)
    return True


def setup_page() -> None:
    st.title(t("setup.title"))
    st.write(t("setup.lead"))
    with st.form("setup", enter_to_submit=True):
        token = st.text_input(t("setup.field.token"), type="password")
        name = st.text_input(t("users.field.name"))
        email = st.text_input(t("users.field.email"), autocomplete="email")
        employee_id = st.text_input(t("users.field.employee_id"))
        department = st.text_input(t("users.field.department"))
        password = st.text_input(t("setup.field.password"), type="password", autocomplete="new-password")
        confirm = st.text_input(t("setup.field.confirm"), type="password", autocomplete="new-password")
        submitted = st.form_submit_button(t("setup.submit"), type="primary")
    if not submitted:
        return
    if password != confirm:
        st.error(t("auth.password.mismatch"))
        return
    try:
        with state.db() as session:
            user = accounts.complete_setup(
                session, token, name=name, email=email, password=password,
                employee_id=employee_id or None, department=department,
            )
    except accounts.AccountError as exc:
        st.error(str(exc))
        return
    state.sign_in(user)
    st.success(t("setup.done"))
    st.rerun()


def change_password_page() -> None:
    user = state.current_user()
    st.title(t("password.title"))
    if user and user.must_change_password:
        st.warning(t("password.must_change"))
    with st.form("password", enter_to_submit=True):
        current = st.text_input(t("password.current"), type="password", autocomplete="current-password")
        new = st.text_input(t("password.new"), type="password", autocomplete="new-password",
                            help=t("password.rules", n=state.settings().password_min_length))
        confirm = st.text_input(t("password.confirm"), type="password", autocomplete="new-password")
        submitted = st.form_submit_button(t("password.submit"), type="primary")
    if submitted and user:
        try:
            with state.db() as session:
                accounts.change_password(session, user, current, new, confirm)
        except accounts.AccountError as exc:
            st.error(str(exc))
            return
        st.success(t("password.done"))
        st.rerun()
    st.divider()
    st.subheader(t("account.language.title"))
    language_picker("profile-lang")


def logout_page() -> None:
    try:
        sso = bool(st.user.is_logged_in)
    except Exception:  # no [auth] configured
        sso = False
    # an SSO user must also leave Streamlit's identity cookie, else the next run signs them in again
    state.sign_out(clear_cookie=not sso)
    if sso:
        st.logout()  # sends the browser to Streamlit's /auth/logout (a rerun here would drop that)
        return
    st.rerun()
