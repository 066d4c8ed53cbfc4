"""管理 > ダッシュボード: overview, due dates, people, quiz analytics, sandbox use, exports.

One module per tab (mirroring ``portal.stats``), what they share in ``common``.

Thin: reads the filters, calls one statistics service per tab (portal.stats, which checks the
admin role itself), and draws the result. Every chart has its table (expander) and a CSV download.
Results are cached for a few minutes per admin and filter; 「最新の情報に更新」 recomputes.
"""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from portal.accounts.roles import CurrentUser, PermissionDenied
from portal.i18n import SUPPORTED_LANGS, t
from portal.stats import overview, rebuild
from portal.stats.filters import CourseShape, StatsFilter, today_local
from portal.ui import content, routes, state
from portal.ui.pages.admin import due_dates as due_tab
from portal.ui.pages.admin import exports as exports_tab
from portal.ui.pages.admin import overview as overview_tab
from portal.ui.pages.admin import people as people_tab
from portal.ui.pages.admin import quiz_stats as quizzes_tab
from portal.ui.pages.admin import sandbox_usage as sandbox_tab
from portal.ui.pages.admin.common import CACHE_SECONDS

TAB_KEYS = ("overview", "due", "people", "quizzes", "sandbox", "exports")


def pages() -> list:
    return [
        st.Page(render, title=t("stats.nav"), icon=":material/monitoring:", url_path=routes.ADMIN_DASHBOARD),
    ]


def render() -> None:
    user = state.current_user()
    st.title(t("stats.title"))
    if user is None or not user.is_admin:
        st.error(t("auth.permission_denied"))
        return
    try:
        _render(user)
    except PermissionDenied as exc:
        st.error(str(exc))


def _render(user: CurrentUser) -> None:
    shape = CourseShape.of(content.course(), content.quizzes())
    with state.db(readonly=True) as session:
        options = overview.department_options(session, user)
        built = rebuild.ready(session, shape)
    if not built and rebuild.consistent(shape):  # after an upgrade or a change of a lesson's quiz
        with st.spinner(t("stats.summaries.building")), state.db() as session:
            rebuild.ensure(session, shape)
    flt = _filters(options)
    tabs = st.tabs([t(f"stats.tab.{k}") for k in TAB_KEYS], key="dash_tab", on_change="rerun")
    renderers = (overview_tab.render, due_tab.render, people_tab.render, quizzes_tab.render, sandbox_tab.render,
                 exports_tab.render)
    for tab, draw in zip(tabs, renderers):
        if tab.open is False:
            continue
        with tab:
            draw(user, flt, shape, has_learners=bool(options))
    at = st.session_state.get("dash_computed_at")
    if at is not None:
        col_note, col_button = st.columns([3, 1], vertical_alignment="center")  # the label in full
        col_note.caption(t("stats.computed_at", time=at.strftime("%H:%M"), minutes=CACHE_SECONDS // 60))
        if col_button.button(t("stats.refresh"), icon=":material/refresh:", key="dash_refresh"):
            st.session_state["dash_nonce"] = st.session_state.get("dash_nonce", 0) + 1
            st.rerun()


def _filters(options: list[tuple[str, int]]) -> StatsFilter:
    today = today_local()
    col_dept, col_lang, col_dates = st.columns([3, 1, 2])
    labels = {d: f"{d or t('stats.department.none')}({n})" for d, n in options}
    chosen = col_dept.multiselect(
        t("stats.filter.departments"), list(labels), format_func=labels.get, key="dash_departments",
        placeholder=t("stats.filter.departments.all"),
    )
    languages = col_lang.multiselect(
        t("stats.filter.languages"), list(SUPPORTED_LANGS), format_func=lambda lang: t(f"lang.{lang}"),
        key="dash_languages", placeholder=t("stats.filter.languages.all"),
    )
    picked = col_dates.date_input(
        t("stats.filter.period"), value=(today - timedelta(days=89), today), max_value=today,
        key="dash_period", format="YYYY/MM/DD",
    )
    if isinstance(picked, (tuple, list)):
        start = picked[0] if len(picked) > 0 else None
        end = picked[1] if len(picked) > 1 else start
    else:
        start = end = picked
    return StatsFilter(departments=tuple(chosen), start=start, end=end, languages=tuple(languages))
