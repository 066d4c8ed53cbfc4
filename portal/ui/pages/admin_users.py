"""管理 > ユーザー: import the employee CSV (with a progress bar), issue setup codes to accounts without a
password, (de)activate, change roles, reset passwords."""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from portal.accounts import service as accounts
from portal.accounts import setup_codes
from portal.accounts.importer import WEB_LIMITS, ImportFileError, import_users
from portal.accounts.setup_codes import SETUP_CODE_DAYS
from portal.i18n import t
from portal.stats.exports import csv_bytes, to_local
from portal.ui import state


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
    st.caption(t("users.import.limits", rows=f"{WEB_LIMITS.max_rows:,}", mb=WEB_LIMITS.max_bytes // (1024 * 1024)))
    st.download_button(
        t("users.import.template"),
        data=csv_bytes(pd.DataFrame(columns=["employee_id", "name", "email", "department", "role"])),
        file_name="employees_template.csv",
        mime="text/csv",
    )
    upload = st.file_uploader(t("users.import.file"), type=["csv", "txt"], key="import_file")
    if upload is not None and st.button(t("users.import.run"), type="primary"):
        _run_import(user, upload)
    _show_last_report()
    _setup_codes_section(user)


def _progress_text(done: int, total: int, started: float) -> str:
    elapsed = time.monotonic() - started
    if done and total > done:
        left = elapsed / done * (total - done)
        return t("users.import.progress", done=f"{done:,}", total=f"{total:,}", eta=_duration(left))
    return t("users.import.progress_start", done=f"{done:,}", total=f"{total:,}")


def _duration(seconds: float) -> str:
    if seconds < 60:
        return t("common.duration.seconds", n=max(1, round(seconds)))
    return t("common.duration.minutes", n=round(seconds / 60))


def _bar(text: str):
    """A progress bar and the callback that moves it."""
    bar = st.progress(0.0, text=text)
    started = time.monotonic()

    def update(done: int, total: int) -> None:
        bar.progress(done / total if total else 1.0, text=_progress_text(done, total, started))

    return bar, update


def _run_import(user, upload) -> None:
    bar, update = _bar(t("users.import.reading"))
    try:
        report = import_users(user, upload.getvalue(), database_url=state.settings().effective_database_url,
                              limits=WEB_LIMITS, progress=update)
    except ImportFileError as exc:
        bar.empty()
        st.error(f"{upload.name}: {exc} {t('import.file_error')} {t('users.import.cli_hint')}")
        return
    bar.empty()
    st.session_state["import_report"] = (upload.name, report)


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


def _setup_codes_section(user) -> None:
    st.subheader(t("users.codes.title"))
    st.write(t("users.codes.lead", days=SETUP_CODE_DAYS))
    with state.db(readonly=True) as session:
        waiting = setup_codes.waiting_count(session, user)
    if waiting:
        st.info(t("users.codes.waiting", n=f"{waiting:,}"))
        if st.button(t("users.codes.issue", n=f"{waiting:,}")):
            bar, update = _bar(t("users.codes.issuing"))
            issued = setup_codes.issue_setup_codes(
                user, database_url=state.settings().effective_database_url, progress=update)
            bar.empty()
            frame = pd.DataFrame(
                [(c.employee_id, c.name, c.email, c.code, to_local(c.expires_at)) for c in issued],
                columns=["employee_id", "name", "email", "setup_code", "expires_at"],
            )
            st.session_state["setup_codes_csv"] = (len(issued), csv_bytes(frame))
    else:
        st.caption(t("users.codes.none"))
    if "setup_codes_csv" in st.session_state:
        count, data = st.session_state["setup_codes_csv"]
        st.warning(t("users.codes.issued", n=f"{count:,}"))
        st.download_button(t("users.codes.download"), data, file_name="setup_codes.csv", mime="text/csv",
                           on_click="ignore")


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
    if not (frame["role"] == "learner").any():  # the first admin, right after the setup
        st.info(t("users.no_learners"), icon=":material/group_add:")
    query = st.text_input(t("users.search"), placeholder=t("users.search.placeholder"))
    if query:
        mask = frame[["employee_id", "name", "email", "department"]].apply(
            lambda col: col.astype(str).str.contains(query, case=False, regex=False)
        ).any(axis=1)
        frame = frame[mask]
    shown = frame.drop(columns=["id"]).assign(  # roles in words, sign-in times in Japan time
        role=frame["role"].map(lambda r: t(f"role.{r}")), last_login_at=frame["last_login_at"].map(to_local))
    st.dataframe(shown.rename(columns=lambda c: t(f"users.col.{c}")), hide_index=True, width="stretch")
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
