"""管理 > ダッシュボード > 受講者: the learners table, search and completion filter, one learner's detail."""

from __future__ import annotations

import streamlit as st

from portal.certificates import service as certificates
from portal.i18n import t
from portal.stats import people
from portal.stats.exports import present
from portal.ui import certificate_widgets, content, state
from portal.ui.pages.admin.common import download, get, import_hint, show_table

PEOPLE_PICK_LIMIT = 500


def render(user, flt, shape, *, has_learners) -> None:
    if not has_learners:
        import_hint()
        return
    table = get("people", user, flt)
    col_q, col_show = st.columns([3, 2])
    query = col_q.text_input(t("stats.people.search"), placeholder=t("stats.people.search.placeholder"),
                             key="people_query")
    show = col_show.radio(t("stats.people.show"), ["all", "incomplete", "completed"], horizontal=True,
                          format_func=lambda k: t(f"stats.people.show.{k}"), key="people_show")
    shown = table
    if query:
        needle = query.strip().lower()
        hay = (shown["employee_id"].astype(str) + " " + shown["name"].astype(str) + " "
               + shown["email"].astype(str) + " " + shown["department"].astype(str)).str.lower()
        shown = shown[hay.str.contains(needle, regex=False)]
    if show != "all":
        shown = people.by_completion(shown, shape, completed=show == "completed")
    st.caption(t("stats.people.count", n=f"{len(shown):,}", total=f"{len(table):,}"))
    presented = present(shown, shape, drop=("user_id",))
    st.dataframe(presented, hide_index=True, width="stretch", height=420)
    download(presented, "learners")
    _department_zip(user, table)

    st.subheader(t("stats.people.detail"))
    if len(shown) > PEOPLE_PICK_LIMIT:
        st.caption(t("stats.people.narrow", n=PEOPLE_PICK_LIMIT))
        return
    sep = t("common.separator")
    choices = {int(r.user_id): t("people.choice", name=r.name, id=r.employee_id or r.email, sep=sep,
                                 department=r.department or "–")
               for r in shown.itertuples()}
    picked = st.selectbox(t("stats.people.pick"), list(choices), format_func=choices.get, index=None,
                          placeholder=t("stats.people.pick.placeholder"), key="people_pick")
    if picked is not None:
        _learner(user, picked, shape)


def _learner(user, user_id: int, shape) -> None:
    with state.db(readonly=True) as session:
        try:
            d = people.learner_detail(session, user, user_id, content.course(), content.quizzes())
        except people.NotFound as exc:
            st.warning(str(exc))
            return
    sep = t("common.separator")
    st.markdown(t("people.detail_heading", name=d.name, id=d.employee_id or "–", sep=sep, email=d.email,
                  department=d.department or t("stats.department.none")))
    done = d.completed_lessons
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("stats.people.done"), f"{done} / {d.required_total}")
    c2.metric(t("stats.col.attempts"), f"{len(d.attempts)}")
    c3.metric(t("stats.people.due"), d.due_on.isoformat() if d.due_on else "–")
    c4.metric(t("stats.people.sandbox_requests"), f"{int(d.sandbox['requests'].sum()) if len(d.sandbox) else 0}")
    _learner_certificate(user, user_id)
    show_table(d.lessons, f"learner_{user_id}_lessons", shape, drop=("lesson_id", "order"), expanded=True,
           title=t("stats.people.lessons"))
    show_table(d.attempts, f"learner_{user_id}_attempts", shape, drop=("quiz_id",), title=t("stats.people.attempts"))
    show_table(d.timeline, f"learner_{user_id}_history", shape, title=t("stats.people.timeline"))
    if len(d.sandbox) or len(d.risks):
        show_table(d.sandbox, f"learner_{user_id}_sandbox", title=t("stats.people.sandbox"))
        if len(d.risks):
            show_table(d.risks, f"learner_{user_id}_risks", title=t("stats.people.risks"))


def _learner_certificate(user, user_id: int) -> None:
    try:
        with state.db() as session:  # issued here if the learner completed and had none yet
            cert = certificates.certificate_for(session, user, user_id, content.course())
    except certificates.CertificateError as exc:
        st.warning(str(exc))
        return
    if cert is None:
        st.caption(t("certificates.admin.none"))
        return
    day = cert.completed_on
    col_note, col_button = st.columns([3, 2], vertical_alignment="center")
    col_note.write(t("certificates.admin.code", code=cert.display_code,
                     date=t("stats.due.date", y=day.year, m=day.month, d=day.day)))
    with col_button:
        certificate_widgets.pdf_button(cert, key=f"certificate-{user_id}")


def _department_zip(user, table) -> None:
    departments = sorted(set(table["department"].astype(str)))
    with st.expander(t("certificates.admin.zip.title"), icon=":material/folder_zip:"):
        department = st.selectbox(t("certificates.admin.zip.department"), departments, index=None,
                                  format_func=lambda d: d or t("stats.department.none"), key="cert_zip_department")
        if department is None:
            return
        prepared = st.session_state.get("cert_zip")
        if prepared is None or prepared[0] != department:
            if not st.button(t("certificates.admin.zip.prepare"), key="cert_zip_prepare"):
                return
            with state.db() as session:
                certs = certificates.department_certificates(session, user, content.course(), department)
            st.session_state["cert_zip"] = prepared = (department, certs)
        certs = prepared[1]
        if not certs:
            st.info(t("certificates.admin.zip.none"))
            return
        certificate_widgets.zip_button(certs, f"certificates_{department or 'none'}.zip", key="cert_zip_download")
