"""管理 > ダッシュボード > 概要: completion per lesson, department and lesson, departments, active learners."""

from __future__ import annotations

import altair as alt
import streamlit as st

from portal.i18n import t
from portal.ui.pages.admin.common import (BAND, DATE_FORMAT, DAY_FORMAT, axis_labels, chart, get, import_hint, pct,
                                          show_table)


def render(user, flt, shape, *, has_learners) -> None:
    if not has_learners:
        import_hint()
        return
    ov = get("overview", user, flt)
    if ov.empty:
        st.info(t("stats.empty.filter"))
        return
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("stats.metric.learners"), f"{ov.learners:,}")
    c2.metric(t("stats.metric.completed_all"), pct(ov.completion_rate), help=t("stats.metric.completed_all.help",
              n=f"{ov.completed_all:,}"), border=True)
    c3.metric(t("stats.metric.progress"), pct(ov.progress_rate), help=t("stats.metric.progress.help"))
    c4.metric(t("stats.metric.average_score"), pct(ov.average_score), help=t("stats.metric.average_score.help"))
    st.caption(t("stats.overview.asof", date=flt.end.isoformat() if flt.end else "–"))

    st.subheader(t("stats.overview.active"))
    if ov.active.empty:
        st.caption(t("stats.empty.no_activity"))
    else:
        chart(
            alt.Chart(ov.active).mark_line(point=True).encode(
                x=alt.X("period:T", title=t(f"stats.unit.{ov.active_unit}"), axis=alt.Axis(format=DAY_FORMAT)),
                y=alt.Y("active:Q", title=t("stats.col.active")),
                tooltip=[alt.Tooltip("period:T", title=t(f"stats.unit.{ov.active_unit}"), format=DATE_FORMAT),
                         alt.Tooltip("active:Q", title=t("stats.col.active"))],
            ).properties(height=240),
            t("stats.overview.active"),
        )
        show_table(ov.active, "active_learners")

    st.subheader(t("stats.overview.per_lesson"))
    chart(
        alt.Chart(ov.per_lesson).mark_bar().encode(
            y=alt.Y("lesson:N", sort=list(ov.per_lesson["lesson"]), axis=axis_labels(t("stats.col.lesson"))),
            x=alt.X("completion_rate:Q", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1]),
                    title=t("stats.col.completion_rate")),
            tooltip=[alt.Tooltip("lesson:N", title=t("stats.col.lesson")),
                     alt.Tooltip("completion_rate:Q", format=".1%", title=t("stats.col.completion_rate")),
                     alt.Tooltip("completed:Q", title=t("stats.col.completed"))],
        ).properties(height=BAND),
        t("stats.overview.per_lesson"),
    )
    show_table(ov.per_lesson, "completion_per_lesson", shape, drop=("lesson_id", "order"))

    st.subheader(t("stats.overview.heatmap"))
    heat = ov.heatmap.assign(department=ov.heatmap["department"].map(lambda d: d or t("stats.department.none")),
                             short=ov.heatmap["order"].map(lambda o: f"{o:02d}"))
    # each cell also carries its number: the colour is never the only carrier of the rate
    cells = alt.Chart(heat).encode(
        x=alt.X("short:O", title=t("stats.col.lesson")),
        y=alt.Y("department:N", axis=axis_labels(t("stats.col.department"))),
        tooltip=[alt.Tooltip("department:N", title=t("stats.col.department")),
                 alt.Tooltip("lesson:N", title=t("stats.col.lesson")),
                 alt.Tooltip("completion_rate:Q", format=".1%", title=t("stats.col.completion_rate")),
                 alt.Tooltip("completed:Q", title=t("stats.col.completed")),
                 alt.Tooltip("learners:Q", title=t("stats.col.learners"))],
    )
    chart(
        alt.layer(
            cells.mark_rect().encode(
                color=alt.Color("completion_rate:Q", scale=alt.Scale(domain=[0, 1], scheme="greens"),
                                legend=alt.Legend(format="%", title=t("stats.col.completion_rate")))),
            cells.mark_text(fontSize=11).encode(
                text=alt.Text("completion_rate:Q", format=".0%"),
                # dark text on the light and middle greens, white on the darkest ones
                color=alt.condition(alt.datum.completion_rate >= 0.85, alt.value("#ffffff"), alt.value("#0b1118"))),
        ).properties(height=BAND),
        t("stats.overview.heatmap"),
    )
    show_table(ov.heatmap, "completion_department_lesson", shape, drop=("lesson_id", "order"))

    st.subheader(t("stats.overview.departments"))
    show_table(ov.departments.sort_values("completion_rate"), "completion_per_department", expanded=True,
           title=t("stats.overview.departments.table"))
