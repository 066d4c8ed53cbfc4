"""管理 > ダッシュボード > 期限: due-date settings and who needs attention."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

import pandas as pd

from portal.i18n import t
from portal.reminders import schedule as reminder_schedule
from portal.reminders import service as reminders
from portal.stats import due_dates, overview
from portal.stats.exports import present
from portal.stats.filters import today_local
from portal.ui import content, state
from portal.ui.pages.admin.common import get, download, import_hint, invalidate


def render(user, flt, shape, *, has_learners) -> None:
    with st.expander(t("stats.due.settings"), expanded=False, icon=":material/event:"):
        _due_settings(user)
    with st.expander(t("reminders.ui.title"), expanded=False, icon=":material/mail:"):
        _reminder_settings(user)
    if not has_learners:
        import_hint()
        return
    report = get("due", user, flt)
    if not report.has_due_dates:
        st.info(t("stats.due.none"))
        return
    c = report.counts
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("stats.due.status.overdue"), f"{c['overdue']:,}", border=True)
    c2.metric(t("stats.due.metric.due_soon", n=report.window_days), f"{c['due_soon']:,}", border=True)
    c3.metric(t("stats.due.status.completed"), f"{c['completed']:,}")
    c4.metric(t("stats.due.status.on_track"), f"{c['on_track']:,}")
    st.caption(t("stats.due.asof", date=report.today.isoformat()))
    st.subheader(t("stats.due.attention", n=report.window_days))
    if report.attention.empty:
        st.success(t("stats.due.attention.none"), icon=":material/check:")
    else:
        shown = present(report.attention, shape, drop=("user_id", "total"))
        st.dataframe(shown, hide_index=True, width="stretch")
        download(shown, "due_attention")
    st.subheader(t("stats.due.by_setting"))
    summary = report.due_dates.assign(
        department=report.due_dates["department"].map(lambda d: d or t("stats.due.global"))
    )
    shown = present(summary)
    st.dataframe(shown, hide_index=True, width="stretch")
    download(shown, "due_dates")


def _due_settings(user) -> None:
    with state.db(readonly=True) as session:
        current = due_dates.list_due_dates(session, user)
        options = [d for d, _ in overview.department_options(session, user)]
    st.caption(t("stats.due.settings.lead"))
    if not current.empty:
        for row in current.itertuples():
            col_a, col_b = st.columns([4, 1], vertical_alignment="center")
            col_a.write(t("stats.due.settings.row", department=row.department or t("stats.due.global"),
                          date=t("stats.due.date", y=row.due_on.year, m=row.due_on.month, d=row.due_on.day)))
            if col_b.button(t("stats.due.settings.clear"), key=f"due-clear-{row.department}"):
                with state.db() as session:
                    due_dates.clear_due_date(session, user, row.department)
                invalidate()
                st.rerun()
    with st.form("due_form", clear_on_submit=False, border=False):
        targets = [""] + options
        col_a, col_b = st.columns(2)
        department = col_a.selectbox(t("stats.due.settings.department"), targets,
                                     format_func=lambda d: d or t("stats.due.global"), key="due_department")
        when = col_b.date_input(t("stats.due.settings.date"), value=today_local() + timedelta(days=30),
                                key="due_date", format="YYYY/MM/DD")
        if st.form_submit_button(t("stats.due.settings.save"), type="primary"):
            try:
                with state.db() as session:
                    due_dates.set_due_date(session, user, when, department)
            except due_dates.DueDateError as exc:
                st.error(str(exc))
            else:
                invalidate()
                st.success(t("stats.due.settings.saved"))
                st.rerun()


BEFORE_CHOICES = (1, 2, 3, 5, 7, 10, 14, 21, 30)


def _reminder_settings(user) -> None:
    with state.db(readonly=True) as session:
        current = reminder_schedule.get_schedule(session, user)
    st.caption(t("reminders.ui.lead"))
    with st.form("reminder_form", border=False):
        choices = sorted(set(BEFORE_CHOICES) | set(current.before_days))
        before = st.multiselect(t("reminders.ui.before"), choices, default=sorted(current.before_days),
                                format_func=lambda n: t("reminders.rule.before", n=n), key="reminder_before",
                                placeholder=t("reminders.ui.before.placeholder"))
        on_due = st.checkbox(t("reminders.ui.on_due"), value=current.on_due, key="reminder_on_due")
        overdue = st.checkbox(t("reminders.ui.overdue"), value=current.overdue_weekly, key="reminder_overdue")
        if st.form_submit_button(t("reminders.ui.save"), type="primary"):
            try:
                with state.db() as session:
                    reminder_schedule.set_schedule(session, user, before, on_due, overdue)
            except reminder_schedule.ReminderError as exc:
                st.error(str(exc))
            else:
                st.success(t("reminders.ui.saved"))
    with st.spinner(t("reminders.ui.planning")), state.db(readonly=True) as session:
        planned, skipped = reminders.plan(session, user, content.course(), content.quizzes())
    st.markdown(t("reminders.ui.today", n=len(planned)))
    if planned:
        st.dataframe(pd.DataFrame([{
            t("reminders.ui.col.name"): p.name, t("reminders.ui.col.email"): p.email,
            t("reminders.ui.col.department"): p.department, t("reminders.ui.col.rule"): reminders.describe_rule(p.rule),
            t("reminders.ui.col.due_on"): p.due_on.isoformat(),
        } for p in planned]), hide_index=True, width="stretch")
    for _, reason in skipped:
        st.warning(reason, icon=":material/mail_off:")
