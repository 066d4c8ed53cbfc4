"""Entry point: `streamlit run portal/app.py` (or `portal run`).

Builds the navigation by role: admin pages are never handed to a learner's navigation, and
every admin service checks the role again itself.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

if __package__ in (None, ""):  # started as a script by `streamlit run portal/app.py`
    _root = str(Path(__file__).resolve().parents[1])
    if _root not in sys.path:  # this script runs again on every rerun: add it once
        sys.path.insert(0, _root)

import streamlit as st

from portal.accounts.roles import PermissionDenied
from portal.config import SettingsError, get_settings
from portal.db import DatabaseError
from portal.i18n import t
from portal.ops import logs
from portal.ui import focus, navigation, routes, state
from portal.ui.pages.auth import sso_callback

if not logging.getLogger().handlers:  # this script runs again on every rerun: configure once
    logs.configure()  # (`portal run` has done it in portal/server.py already)



def main() -> None:
    try:
        settings = get_settings()
        state.bootstrap(settings.effective_database_url)
        user = state.resolve_user()
        state.resolve_lang(user)  # every t() of this run follows it
    except SettingsError as exc:
        _page_config()
        st.error(t("app.error.settings"))
        st.code(str(exc), language=None)
        st.stop()
    except DatabaseError as exc:
        _page_config()
        st.error(t("app.error.database", detail=str(exc)))
        st.stop()
    _page_config()
    state.follow_handoff()  # just signed in (the sign-in form's callback): on to the session cookie
    if user is None and state.sso_configured():
        if sso_callback():
            st.rerun()
    pages = navigation.with_catch_all(navigation.pages_for(user), user)  # an unknown URL: a page of ours
    page = st.navigation(pages, position="sidebar" if user else "hidden", expanded=True)
    routes.follow_pending()  # a button asked for another page: open it before this one renders
    if user:
        with st.sidebar:
            st.caption(t("app.signed_in_as", name=user.name, role=t(f"role.{user.role}")))
    try:
        state.show_action_error()
        page.run()
    except PermissionDenied as exc:
        st.error(str(exc))
    except DatabaseError as exc:
        st.error(t("app.error.database", detail=str(exc)))
    except Exception:  # never a traceback in the browser; the log has it
        logging.getLogger("portal").exception("page %s failed", page.title)
        st.error(t("app.error.unexpected"))


def _page_config() -> None:
    st.set_page_config(page_title=t("app.title"), page_icon=":material/school:", layout="wide")
    focus.apply()  # a visible keyboard focus on links and the page body


main()
