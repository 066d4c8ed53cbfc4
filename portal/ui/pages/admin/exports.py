"""管理 > ダッシュボード > エクスポート: every table as CSV, and xAPI statements."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from portal.i18n import t
from portal.stats import xapi
from portal.stats.exports import present
from portal.ui import content, state
from portal.ui.pages.admin.common import get, download, import_hint


def render(user, flt, shape, *, has_learners) -> None:
    st.write(t("stats.export.lead"))
    if has_learners:
        with st.spinner(t("stats.export.preparing")):  # every table of every tab, each as CSV bytes
            tables = export_tables(user, flt, shape)
            for name, (label, frame) in tables.items():
                col_a, col_b = st.columns([3, 1], vertical_alignment="center")
                col_a.write(f"{label}({t('stats.export.rows', n=f'{len(frame):,}')})")
                with col_b:
                    download(frame, f"export_{name}")
    else:
        import_hint()
    st.subheader(t("stats.xapi.title"))
    st.caption(t("stats.xapi.lead"))
    with state.db(readonly=True) as session:
        base = xapi.get_base_iri(session, user)
    col_a, col_b = st.columns([3, 2])
    iri = col_a.text_input(t("stats.xapi.base_iri"), value=base, key="xapi_base",
                           help=t("stats.xapi.base_iri.help"))
    actor_mode = col_b.radio(t("stats.xapi.actor"), ["account", "mbox"], horizontal=True, key="xapi_actor",
                             format_func=lambda k: t(f"stats.xapi.actor.{k}"))
    answers = st.checkbox(t("stats.xapi.answers"), value=True, key="xapi_answers")
    if st.button(t("stats.xapi.build"), icon=":material/build:", key="xapi_build"):
        try:
            with state.db() as session:
                iri = xapi.set_base_iri(session, user, iri) if iri != base else iri
            options = xapi.XapiOptions(base_iri=iri, actor=actor_mode, include_answers=answers)
            with st.spinner(t("stats.xapi.building")), state.db(readonly=True) as session:
                n = xapi.count_statements(session, user, content.course(), content.quizzes(), flt, options)
                if n > xapi.MAX_STATEMENTS:
                    st.warning(t("stats.xapi.too_many", n=f"{n:,}", max=f"{xapi.MAX_STATEMENTS:,}"))
                    return
                data = xapi.json_bytes(xapi.statements(session, user, content.course(), content.quizzes(), flt,
                                                       options))
        except xapi.XapiError as exc:
            st.error(str(exc))
            return
        st.session_state["xapi_file"] = data
    data = st.session_state.get("xapi_file")
    if data:
        st.download_button(t("stats.xapi.download"), data, file_name="xapi-statements.json",
                           mime="application/json", key="xapi_download", icon=":material/download:",
                           on_click="ignore")


def export_tables(user, flt, shape) -> dict[str, tuple[str, pd.DataFrame]]:
    ov = get("overview", user, flt)
    due = get("due", user, flt)
    table = get("people", user, flt)
    qa = get("quizzes", user, flt)
    sb = get("sandbox", user, flt)
    out = {
        "learners": (present(table, shape, drop=("user_id",))),
        "completion_per_lesson": present(ov.per_lesson, shape, drop=("lesson_id", "order")),
        "completion_department_lesson": present(ov.heatmap, shape, drop=("lesson_id", "order")),
        "completion_per_department": present(ov.departments),
        "active_learners": present(ov.active),
        "due_attention": present(due.attention, shape, drop=("user_id", "total")),
        "due_dates": present(due.due_dates.assign(
            department=due.due_dates["department"].map(lambda d: d or t("stats.due.global")))),
        "quiz_summary": present(qa.summary, drop=("quiz_id",)),
        "score_distribution": present(qa.score_distribution, drop=("bin",)),
        "attempts_to_pass": present(qa.attempts_to_pass),
        "questions": present(qa.questions),
        "options": present(qa.options, drop=("option_id",)),
        "sandbox_over_time": present(sb.by_period),
        "sandbox_departments": present(sb.by_department),
        "sandbox_models": present(sb.by_kind),
        "sandbox_ratings": present(sb.ratings),
        "sandbox_risks": present(sb.risks),
        "sandbox_actions": present(sb.actions),
        "sandbox_quota": present(sb.quota, drop=("user_id",)),
    }
    return {name: (t(f"stats.export.table.{name}"), frame) for name, frame in out.items()}
