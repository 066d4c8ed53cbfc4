"""管理 > ユーザー: import the employee CSV, (de)activate, change roles, reset passwords."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from portal.accounts import service as accounts
from portal.accounts.importer import ImportFileError, import_users
from portal.i18n import t
from portal.ui import state
from portal.stats.exports import csv_bytes


def render() -> None:
    user = state.current_user()
    st.title(t("users.title"))
    tab_list, tab_import = st.tabs([t("users.tab.list"), t("users.tab.import")])
    with tab_import:
        _import_section(user)
    with tab_list:
        _list_section(user)


def _import_section(user) -> None:
    st.write(t("users.import.lead"))
    st.download_button(
        t("users.import.template"),
        data=csv_bytes(pd.DataFrame(columns=["employee_id", "name", "email", "department", "role"])),
        file_name="employees_template.csv",
        mime="text/csv",
    )
    upload = st.file_uploader(t("users.import.file"), type=["csv", "txt"], key="import_file")
    if upload is None or not st.button(t("users.import.run"), type="primary"):
        _show_last_report()
        return
    try:
        with st.spinner(t("users.import.running")), state.db() as session:
            report = import_users(session, user, upload.getvalue())
    except ImportFileError as exc:
        st.error(f"{upload.name}: {exc} {t('import.file_error')}")
        return
    st.session_state["import_report"] = (upload.name, report)
    _show_last_report()


def _show_last_report() -> None:
    if "import_report" not in st.session_state:
        return
    name, report = st.session_state["import_report"]
    st.success(t("users.import.summary", created=report.created, updated=report.updated,
                 unchanged=report.unchanged, errors=len(report.errors)))
    if report.errors:
        st.error(t("users.import.errors_title", file=name))
        st.dataframe(
            pd.DataFrame([{t("users.import.col.line"): e.line, t("users.import.col.reason"): e.reason} for e in report.errors]),
            hide_index=True,
        )
    if report.initial_passwords:
        st.warning(t("users.import.passwords_note"))
        frame = pd.DataFrame(report.initial_passwords, columns=["employee_id", "name", "email", "temporary_password"])
        st.download_button(t("users.import.passwords_download"), csv_bytes(frame),
                           file_name="initial_passwords.csv", mime="text/csv")


def _list_section(user) -> None:
    with state.db() as session:
        rows = [
            {"id": u.id, "employee_id": u.employee_id or "", "name": u.name, "email": u.email,
             "department": u.department, "role": u.role, "active": u.active,
             "last_login_at": u.last_login_at}
            for u in accounts.list_users(session, user)
        ]
    if not rows:
        st.info(t("users.empty"))
        return
    frame = pd.DataFrame(rows)
    query = st.text_input(t("users.search"), placeholder=t("users.search.placeholder"))
    if query:
        mask = frame[["employee_id", "name", "email", "department"]].apply(
            lambda col: col.astype(str).str.contains(query, case=False, regex=False)
        ).any(axis=1)
        frame = frame[mask]
    st.dataframe(
        frame.drop(columns=["id"]).rename(columns=lambda c: t(f"users.col.{c}")),
        hide_index=True, width="stretch",
    )
    st.download_button(t("common.download_csv"), csv_bytes(frame.drop(columns=["id"])), file_name="users.csv", mime="text/csv")

    st.subheader(t("users.edit.title"))
    options = {r["id"]: f'{r["name"]} <{r["email"]}> ({r["employee_id"] or "-"})' for r in rows}
    target = st.selectbox(t("users.edit.pick"), list(options), format_func=options.get, index=None,
                          placeholder=t("users.edit.pick.placeholder"))
    if target is None:
        return
    row = next(r for r in rows if r["id"] == target)
    col1, col2, col3 = st.columns(3)
    try:
        if col1.button(t("users.edit.deactivate") if row["active"] else t("users.edit.activate")):
            with state.db() as session:
                accounts.set_active(session, user, target, not row["active"])
            st.rerun()
        new_role = "learner" if row["role"] == "admin" else "admin"
        if col2.button(t(f"users.edit.make_{new_role}")):
            with state.db() as session:
                accounts.set_role(session, user, target, new_role)
            st.rerun()
        if col3.button(t("users.edit.reset_password")):
            with state.db() as session:
                temp = accounts.reset_password(session, user, target)
            st.success(t("users.edit.reset_done", password=temp))
    except accounts.AccountError as exc:
        st.error(str(exc))
