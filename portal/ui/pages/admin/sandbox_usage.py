"""管理 > ダッシュボード > サンドボックス: use over time, departments, ratings, risk actions, quotas (counts only)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from portal.i18n import t
from portal.ui.pages.admin.common import (ACTION_COLORS, BAND, DATE_FORMAT, DAY_FORMAT, axis_labels, chart, code_label,
                                          get, show_table, import_hint)


def render(user, flt, shape, *, has_learners) -> None:
    st.caption(t("stats.sandbox.privacy"), help=t("stats.sandbox.privacy.help"))
    sb = get("sandbox", user, flt)  # everyone's use, admins' included
    if sb.empty:
        if has_learners:
            st.info(t("stats.empty.no_sandbox"))
        else:
            import_hint()
        return
    c = st.columns(6)
    c[0].metric(t("stats.col.requests"), f"{sb.requests:,}")
    c[1].metric(t("stats.col.tokens"), f"{sb.tokens:,}")
    c[2].metric(t("stats.col.users"), f"{sb.users:,}")
    c[3].metric(t("stats.col.flagged"), f"{sb.flagged:,}")
    c[4].metric(t("stats.sandbox.action.sent_anyway"), f"{sb.sent_anyway:,}", border=True)
    c[5].metric(t("stats.sandbox.action.blocked"), f"{sb.blocked:,}")

    st.subheader(t("stats.sandbox.over_time"))
    for column, measure in zip(st.columns(2), ("requests", "tokens")):
        with column:
            chart(
                alt.Chart(sb.by_period).mark_line(point=True).encode(
                    x=alt.X("period:T", title=t(f"stats.unit.{sb.unit}"), axis=alt.Axis(format=DAY_FORMAT)),
                    y=alt.Y(f"{measure}:Q", title=t(f"stats.col.{measure}")),
                    tooltip=[alt.Tooltip("period:T", title=t(f"stats.unit.{sb.unit}"), format=DATE_FORMAT),
                             alt.Tooltip(f"{measure}:Q", format=",", title=t(f"stats.col.{measure}"))],
                ).properties(height=220),
                f'{t("stats.sandbox.over_time")}({t(f"stats.col.{measure}")})',
            )
    show_table(sb.by_period, "sandbox_over_time")

    col_a, col_b = st.columns(2)
    with col_a:
        st.subheader(t("stats.sandbox.departments"))
        dep = sb.by_department.assign(department=sb.by_department["department"].map(
            lambda d: d or t("stats.department.none")))
        chart(
            alt.Chart(dep).mark_bar().encode(
                y=alt.Y("department:N", sort="-x", axis=axis_labels(t("stats.col.department"))),
                x=alt.X("requests:Q", title=t("stats.col.requests")),
                tooltip=[alt.Tooltip("department:N", title=t("stats.col.department")),
                         alt.Tooltip("requests:Q", title=t("stats.col.requests")),
                         alt.Tooltip("tokens:Q", title=t("stats.col.tokens"))],
            ).properties(height=BAND),
            t("stats.sandbox.departments"),
        )
        show_table(sb.by_department, "sandbox_departments")
    with col_b:
        st.subheader(t("stats.sandbox.ratings"))
        ratings = sb.ratings.assign(label=sb.ratings["rating"].map(
            lambda r: t("stats.sandbox.unrated") if r is None or pd.isna(r) else str(int(r))))
        chart(
            alt.Chart(ratings).mark_bar().encode(
                x=alt.X("label:N", sort=None, title=t("stats.col.rating")),
                y=alt.Y("requests:Q", title=t("stats.col.requests")),
                tooltip=[alt.Tooltip("label:N", title=t("stats.col.rating")),
                         alt.Tooltip("requests:Q", title=t("stats.col.requests"))],
            ).properties(height=220),
            t("stats.sandbox.ratings"),
        )
        show_table(sb.ratings, "sandbox_ratings")

    st.subheader(t("stats.sandbox.risks"))
    if sb.risks.empty:
        st.caption(t("stats.sandbox.no_risks"))
    else:
        risks = sb.risks.assign(
            category_label=sb.risks["category"].map(lambda c: code_label("risk.category", c)),
            action_label=sb.risks["action"].map(lambda a: code_label("stats.sandbox.action", a)),
        )
        chart(
            alt.Chart(risks).mark_bar().encode(
                y=alt.Y("category_label:N", sort="-x", axis=axis_labels(t("stats.col.category"))),
                x=alt.X("sum(requests):Q", title=t("stats.col.requests")),
                color=alt.Color("action_label:N", title=t("stats.col.action"), scale=alt.Scale(
                    domain=[code_label("stats.sandbox.action", a) for a in ACTION_COLORS],
                    range=list(ACTION_COLORS.values()))),
                tooltip=[alt.Tooltip("category_label:N", title=t("stats.col.category")),
                         alt.Tooltip("action_label:N", title=t("stats.col.action")),
                         alt.Tooltip("requests:Q", title=t("stats.col.requests")),
                         alt.Tooltip("findings:Q", title=t("stats.col.findings"))],
            ).properties(height=BAND),
            t("stats.sandbox.risks"),
        )
        show_table(sb.risks, "sandbox_risks")
        show_table(sb.actions, "sandbox_actions", title=t("stats.sandbox.actions"))

    st.subheader(t("stats.sandbox.quota"))
    st.caption(t("stats.sandbox.quota.lead"))
    show_table(sb.quota, "sandbox_quota", drop=("user_id",), expanded=True, title=t("stats.sandbox.quota.table"))
    show_table(sb.by_kind, "sandbox_models", title=t("stats.sandbox.kinds"))
