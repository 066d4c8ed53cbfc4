"""What the dashboard's tabs share: cached statistics per admin and filter, tables with their
CSV download, chart helpers, the empty-state hint."""

from __future__ import annotations

from datetime import date, datetime

import altair as alt
import pandas as pd
import streamlit as st

from portal.accounts.roles import CurrentUser
from portal.i18n import t
from portal.stats import due_dates, overview, people, quiz_stats, sandbox_usage
from portal.stats.exports import csv_bytes, present
from portal.stats.filters import CourseShape, StatsFilter, today_local
from portal.ui import charts, content, routes, state

CACHE_SECONDS = 300
# what the learner did with flagged text: safe actions green, the risky one red, blocked grey
ACTION_COLORS = {"masked": "#2e7d32", "edited": "#81c784", "sent_anyway": "#c62828", "blocked": "#9e9e9e",
                 "none": "#bdbdbd"}


def _compute(kind: str, actor: CurrentUser, flt: StatsFilter):
    course, quizzes = content.course(), content.quizzes()
    with state.db(readonly=True) as session:
        if kind == "overview":
            return overview.overview(session, actor, course, quizzes, flt)
        if kind == "due":
            return due_dates.due_report(session, actor, course, quizzes, flt)
        if kind == "people":
            return people.people(session, actor, course, quizzes, flt)
        if kind == "quizzes":
            return quiz_stats.quiz_analytics(session, actor, course, quizzes, flt)
        if kind == "sandbox":
            return sandbox_usage.sandbox_stats(session, actor, flt)
    raise ValueError(kind)


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False, max_entries=64)
def _cached(kind: str, actor: CurrentUser, flt: StatsFilter, nonce: int, database_url: str, today: date):
    return _compute(kind, actor, flt), datetime.now()


def get(kind: str, actor: CurrentUser, flt: StatsFilter):
    with st.spinner(t("stats.loading")):
        result, at = _cached(kind, actor, flt, st.session_state.get("dash_nonce", 0),
                             state.settings().effective_database_url, today_local())
    st.session_state["dash_computed_at"] = at
    return result


def pct(value: float | None) -> str:
    return "–" if value is None or pd.isna(value) else f"{value * 100:.1f}%"


def show_table(frame: pd.DataFrame, name: str, shape: CourseShape | None = None, *, drop=(), expanded=False,
           title: str | None = None) -> None:
    """A table behind a chart: shown in an expander, downloadable as CSV (Japanese Excel)."""
    shown = present(frame, shape, drop=tuple(drop))
    with st.expander(title or t("stats.table.show"), expanded=expanded):
        st.dataframe(shown, hide_index=True, width="stretch")
        download(shown, name)


def download(shown: pd.DataFrame, name: str) -> None:
    st.download_button(t("common.download_csv"), csv_bytes(shown), file_name=f"{name}.csv", mime="text/csv",
                       key=f"csv-{name}", icon=":material/download:", on_click="ignore")


def axis_labels(title: str | None = None) -> alt.Axis:
    """A category axis that shows every label in full (Japanese labels are long)."""
    return alt.Axis(title=title, labelLimit=320, labelOverlap=False)


# dates on a time axis and in its tooltips: Vega's default is English ("Fri 04", "December")
DAY_FORMAT = "%m/%d"
DATE_FORMAT = "%Y/%m/%d"

# height of a bar chart with one bar per category: a fixed band per bar
BAND = alt.Step(24)


def chart(chart: alt.Chart | alt.LayerChart, title: str) -> None:
    """A dashboard chart with its title drawn inside (kept in a screenshot or a saved image) and
    as its Vega-Lite description. Every chart also has axis titles (Vega announces each axis with
    its title) and its table behind it (show_table). Axis labels and titles, legends and the
    title are drawn in the theme's text colour (``portal.ui.charts``)."""
    st.altair_chart(charts.readable(chart.properties(title=title, description=title)), width="stretch")


def import_hint() -> None:
    st.info(t("stats.empty.no_learners"), icon=":material/group_add:")
    routes.link(routes.ADMIN_USERS, t("stats.empty.go_import"), icon=":material/upload_file:")


def invalidate() -> None:
    st.session_state["dash_nonce"] = st.session_state.get("dash_nonce", 0) + 1


def code_label(prefix: str, code: str) -> str:
    label = t(f"{prefix}.{code}")
    return code if label == f"{prefix}.{code}" else label
