"""管理 > ダッシュボード: overview, due dates, people, quiz analytics, sandbox use, exports.

Thin: reads the filters, calls one statistics service per tab (portal.stats, which checks the
admin role itself), and draws the result. Every chart has its table (expander) and a CSV download.
Results are cached for a few minutes per admin and filter; 「最新の情報に更新」 recomputes.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from portal.accounts.roles import CurrentUser, PermissionDenied
from portal.i18n import t
from portal.stats import due_dates, overview, people, quiz_stats, rebuild, sandbox_usage, xapi
from portal.stats.exports import csv_bytes, present
from portal.stats.filters import CourseShape, StatsFilter, today_local
from portal.ui import content, state

CACHE_SECONDS = 300
TAB_KEYS = ("overview", "due", "people", "quizzes", "sandbox", "exports")
PEOPLE_PICK_LIMIT = 500
# what the learner did with flagged text: safe actions green, the risky one red, blocked grey
ACTION_COLORS = {"masked": "#2e7d32", "edited": "#81c784", "sent_anyway": "#c62828", "blocked": "#9e9e9e",
                 "none": "#bdbdbd"}


def pages() -> list:
    return [
        st.Page(render, title=t("stats.nav"), icon=":material/monitoring:", url_path="admin-dashboard"),
    ]


# ---------------------------------------------------------------- computing (cached per admin + filter)


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


# ---------------------------------------------------------------- helpers


def _pct(value: float | None) -> str:
    return "–" if value is None or pd.isna(value) else f"{value * 100:.1f}%"


def _table(frame: pd.DataFrame, name: str, shape: CourseShape | None = None, *, drop=(), expanded=False,
           title: str | None = None) -> None:
    """A table behind a chart: shown in an expander, downloadable as CSV (Japanese Excel)."""
    shown = present(frame, shape, drop=tuple(drop))
    with st.expander(title or t("stats.table.show"), expanded=expanded):
        st.dataframe(shown, hide_index=True, width="stretch")
        _download(shown, name)


def _download(shown: pd.DataFrame, name: str) -> None:
    st.download_button(t("common.download_csv"), csv_bytes(shown), file_name=f"{name}.csv", mime="text/csv",
                       key=f"csv-{name}", icon=":material/download:", on_click="ignore")


def _labels(title: str | None = None) -> alt.Axis:
    """A category axis that shows every label in full (Japanese labels are long)."""
    return alt.Axis(title=title, labelLimit=320, labelOverlap=False)


# height of a bar chart with one bar per category: a fixed band per bar
BAND = alt.Step(24)


def _chart(chart: alt.Chart) -> None:
    st.altair_chart(chart, width="stretch")


def _import_hint() -> None:
    st.info(t("stats.empty.no_learners"), icon=":material/group_add:")
    from portal.ui.pages import admin_users

    target = st.Page(admin_users.render, title=t("nav.admin.users"), url_path="admin-users")
    st.page_link(target, label=t("stats.empty.go_import"), icon=":material/upload_file:")


# ---------------------------------------------------------------- page


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
    renderers = (_overview, _due, _people, _quizzes, _sandbox, _exports)
    for tab, draw in zip(tabs, renderers):
        if tab.open is False:
            continue
        with tab:
            draw(user, flt, shape, has_learners=bool(options))
    at = st.session_state.get("dash_computed_at")
    if at is not None:
        col_note, col_button = st.columns([4, 1], vertical_alignment="center")
        col_note.caption(t("stats.computed_at", time=at.strftime("%H:%M"), minutes=CACHE_SECONDS // 60))
        if col_button.button(t("stats.refresh"), icon=":material/refresh:", key="dash_refresh"):
            st.session_state["dash_nonce"] = st.session_state.get("dash_nonce", 0) + 1
            st.rerun()


def _filters(options: list[tuple[str, int]]) -> StatsFilter:
    today = today_local()
    col_dept, col_dates = st.columns([3, 2])
    labels = {d: f"{d or t('stats.department.none')}({n})" for d, n in options}
    chosen = col_dept.multiselect(
        t("stats.filter.departments"), list(labels), format_func=labels.get, key="dash_departments",
        placeholder=t("stats.filter.departments.all"),
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
    return StatsFilter(departments=tuple(chosen), start=start, end=end)


# ---------------------------------------------------------------- 概要


def _overview(user, flt, shape, *, has_learners) -> None:
    if not has_learners:
        _import_hint()
        return
    ov = get("overview", user, flt)
    if ov.empty:
        st.info(t("stats.empty.filter"))
        return
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("stats.metric.learners"), f"{ov.learners:,}")
    c2.metric(t("stats.metric.completed_all"), _pct(ov.completion_rate), help=t("stats.metric.completed_all.help",
              n=f"{ov.completed_all:,}"), border=True)
    c3.metric(t("stats.metric.progress"), _pct(ov.progress_rate), help=t("stats.metric.progress.help"))
    c4.metric(t("stats.metric.average_score"), _pct(ov.average_score), help=t("stats.metric.average_score.help"))
    st.caption(t("stats.overview.asof", date=flt.end.isoformat() if flt.end else "–"))

    st.subheader(t("stats.overview.active"))
    if ov.active.empty:
        st.caption(t("stats.empty.no_activity"))
    else:
        _chart(
            alt.Chart(ov.active).mark_line(point=True).encode(
                x=alt.X("period:T", title=t(f"stats.unit.{ov.active_unit}")),
                y=alt.Y("active:Q", title=t("stats.col.active")),
                tooltip=[alt.Tooltip("period:T", title=t(f"stats.unit.{ov.active_unit}")),
                         alt.Tooltip("active:Q", title=t("stats.col.active"))],
            ).properties(height=240)
        )
        _table(ov.active, "active_learners")

    st.subheader(t("stats.overview.per_lesson"))
    _chart(
        alt.Chart(ov.per_lesson).mark_bar().encode(
            y=alt.Y("lesson:N", sort=list(ov.per_lesson["lesson"]), axis=_labels()),
            x=alt.X("completion_rate:Q", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1]),
                    title=t("stats.col.completion_rate")),
            tooltip=[alt.Tooltip("lesson:N", title=t("stats.col.lesson")),
                     alt.Tooltip("completion_rate:Q", format=".1%", title=t("stats.col.completion_rate")),
                     alt.Tooltip("completed:Q", title=t("stats.col.completed"))],
        ).properties(height=BAND)
    )
    _table(ov.per_lesson, "completion_per_lesson", shape, drop=("lesson_id", "order"))

    st.subheader(t("stats.overview.heatmap"))
    heat = ov.heatmap.assign(department=ov.heatmap["department"].map(lambda d: d or t("stats.department.none")),
                             short=ov.heatmap["order"].map(lambda o: f"{o:02d}"))
    _chart(
        alt.Chart(heat).mark_rect().encode(
            x=alt.X("short:O", title=t("stats.col.lesson")),
            y=alt.Y("department:N", axis=_labels()),
            color=alt.Color("completion_rate:Q", scale=alt.Scale(domain=[0, 1], scheme="greens"),
                            legend=alt.Legend(format="%", title=t("stats.col.completion_rate"))),
            tooltip=[alt.Tooltip("department:N", title=t("stats.col.department")),
                     alt.Tooltip("lesson:N", title=t("stats.col.lesson")),
                     alt.Tooltip("completion_rate:Q", format=".1%", title=t("stats.col.completion_rate")),
                     alt.Tooltip("completed:Q", title=t("stats.col.completed")),
                     alt.Tooltip("learners:Q", title=t("stats.col.learners"))],
        ).properties(height=BAND)
    )
    _table(ov.heatmap, "completion_department_lesson", shape, drop=("lesson_id", "order"))

    st.subheader(t("stats.overview.departments"))
    _table(ov.departments.sort_values("completion_rate"), "completion_per_department", expanded=True,
           title=t("stats.overview.departments.table"))


# ---------------------------------------------------------------- 期限


def _due(user, flt, shape, *, has_learners) -> None:
    with st.expander(t("stats.due.settings"), expanded=False, icon=":material/event:"):
        _due_settings(user)
    if not has_learners:
        _import_hint()
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
        _download(shown, "due_attention")
    st.subheader(t("stats.due.by_setting"))
    summary = report.due_dates.assign(
        department=report.due_dates["department"].map(lambda d: d or t("stats.due.global"))
    )
    shown = present(summary)
    st.dataframe(shown, hide_index=True, width="stretch")
    _download(shown, "due_dates")


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
                _invalidate()
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
                _invalidate()
                st.success(t("stats.due.settings.saved"))
                st.rerun()


def _invalidate() -> None:
    st.session_state["dash_nonce"] = st.session_state.get("dash_nonce", 0) + 1


# ---------------------------------------------------------------- 受講者


def _people(user, flt, shape, *, has_learners) -> None:
    if not has_learners:
        _import_hint()
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
    n_lessons = len(shape.lessons)
    if show == "incomplete":
        shown = shown[shown["done"] < n_lessons]
    elif show == "completed":
        shown = shown[shown["done"] >= n_lessons]
    st.caption(t("stats.people.count", n=f"{len(shown):,}", total=f"{len(table):,}"))
    presented = present(shown, shape, drop=("user_id",))
    st.dataframe(presented, hide_index=True, width="stretch", height=420)
    _download(presented, "learners")

    st.subheader(t("stats.people.detail"))
    if len(shown) > PEOPLE_PICK_LIMIT:
        st.caption(t("stats.people.narrow", n=PEOPLE_PICK_LIMIT))
        return
    choices = {int(r.user_id): f"{r.name}({r.employee_id or r.email}・{r.department or '–'})"
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
    st.markdown(f"**{d.name}**({d.employee_id or '–'} ・ {d.email} ・ {d.department or t('stats.department.none')})")
    done = int((d.lessons["status"] == "completed").sum())
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("stats.people.done"), f"{done} / {len(d.lessons)}")
    c2.metric(t("stats.col.attempts"), f"{len(d.attempts)}")
    c3.metric(t("stats.people.due"), d.due_on.isoformat() if d.due_on else "–")
    c4.metric(t("stats.people.sandbox_requests"), f"{int(d.sandbox['requests'].sum()) if len(d.sandbox) else 0}")
    _table(d.lessons, f"learner_{user_id}_lessons", shape, drop=("lesson_id", "order"), expanded=True,
           title=t("stats.people.lessons"))
    _table(d.attempts, f"learner_{user_id}_attempts", shape, drop=("quiz_id",), title=t("stats.people.attempts"))
    _table(d.timeline, f"learner_{user_id}_history", shape, title=t("stats.people.timeline"))
    if len(d.sandbox) or len(d.risks):
        _table(d.sandbox, f"learner_{user_id}_sandbox", title=t("stats.people.sandbox"))
        if len(d.risks):
            _table(d.risks, f"learner_{user_id}_risks", title=t("stats.people.risks"))


# ---------------------------------------------------------------- クイズ分析


def _quizzes(user, flt, shape, *, has_learners) -> None:
    if not has_learners:
        _import_hint()
        return
    qa = get("quizzes", user, flt)
    if qa.empty:
        st.info(t("stats.empty.no_attempts"))
        return
    st.subheader(t("stats.quiz.summary"))
    _table(qa.summary, "quiz_summary", drop=("quiz_id",), expanded=True, title=t("stats.quiz.summary.table"))
    with st.expander(t("stats.quiz.formulas"), icon=":material/functions:"):
        st.markdown(t("stats.quiz.formulas.body"))

    labels = dict(zip(qa.summary["quiz_id"], qa.summary["quiz"]))
    quiz_id = st.selectbox(t("stats.quiz.pick"), list(labels), format_func=labels.get, key="quiz_pick")
    if quiz_id is None:
        return
    col_a, col_b = st.columns(2)
    with col_a:
        st.markdown(f"**{t('stats.quiz.distribution')}**")
        dist = qa.score_distribution[qa.score_distribution["quiz_id"] == quiz_id]
        kinds = {"first": t("stats.quiz.kind.first"), "all": t("stats.quiz.kind.all")}
        _chart(
            alt.Chart(dist.assign(kind=dist["attempts_kind"].map(kinds))).mark_bar().encode(
                x=alt.X("range:N", sort=list(dist["range"].drop_duplicates()), title=t("stats.col.range")),
                y=alt.Y("attempts:Q", title=t("stats.col.attempts")),
                xOffset="kind:N",
                color=alt.Color("kind:N", title=None),
                tooltip=[alt.Tooltip("range:N", title=t("stats.col.range")), alt.Tooltip("kind:N", title=""),
                         alt.Tooltip("attempts:Q", title=t("stats.col.attempts"))],
            ).properties(height=240)
        )
        _table(dist, f"score_distribution_{quiz_id}", drop=("quiz_id", "bin"))
    with col_b:
        st.markdown(f"**{t('stats.quiz.to_pass')}**")
        tp = qa.attempts_to_pass[qa.attempts_to_pass["quiz_id"] == quiz_id]
        tp = tp.assign(label=tp["needed"].map(lambda n: t("stats.quiz.not_passed") if n == 0 else str(n)))
        _chart(
            alt.Chart(tp).mark_bar().encode(
                x=alt.X("label:N", sort=list(tp.sort_values("needed", key=lambda s: s.replace(0, 999))["label"]),
                        title=t("stats.col.needed")),
                y=alt.Y("learners:Q", title=t("stats.col.learners")),
                tooltip=[alt.Tooltip("label:N", title=t("stats.col.needed")),
                         alt.Tooltip("learners:Q", title=t("stats.col.learners"))],
            ).properties(height=240)
        )
        _table(tp.drop(columns=["label"]), f"attempts_to_pass_{quiz_id}", drop=("quiz_id",))

    st.markdown(f"**{t('stats.quiz.questions')}**")
    questions = qa.questions[qa.questions["quiz_id"] == quiz_id]
    flagged = int((questions["flags"].map(lambda f: bool(f) and f != ["few_responses"])).sum())
    if flagged:
        st.warning(t("stats.quiz.flagged", n=flagged), icon=":material/flag:")
    shown = present(questions, drop=("quiz_id", "quiz"))
    st.dataframe(shown, hide_index=True, width="stretch")
    _download(shown, f"questions_{quiz_id}")

    qlabels = {r.question_id: f"{r.question_id}: {r.prompt}" for r in questions.itertuples()}
    question_id = st.selectbox(t("stats.quiz.pick_question"), list(qlabels), format_func=qlabels.get,
                               key="question_pick")
    options = qa.options[(qa.options["quiz_id"] == quiz_id) & (qa.options["question_id"] == question_id)]
    if options.empty:
        st.caption(t("stats.quiz.no_options"))
        return
    marks = {True: t("stats.quiz.correct"), False: t("stats.quiz.wrong"), None: t("stats.quiz.no_answer")}
    data = options.assign(kind=options["correct"].map(lambda v: marks[None if v is None or pd.isna(v) else bool(v)]))
    _chart(
        alt.Chart(data).mark_bar().encode(
            y=alt.Y("option:N", sort="-x", axis=_labels()),
            x=alt.X("share:Q", axis=alt.Axis(format="%"), title=t("stats.col.share")),
            color=alt.Color("kind:N", title=None,
                            scale=alt.Scale(domain=list(marks.values()), range=["#2e7d32", "#c62828", "#9e9e9e"])),
            tooltip=[alt.Tooltip("option:N", title=t("stats.col.option")),
                     alt.Tooltip("chosen:Q", title=t("stats.col.chosen")),
                     alt.Tooltip("share:Q", format=".1%", title=t("stats.col.share"))],
        ).properties(height=BAND)
    )
    _table(options, f"options_{quiz_id}_{question_id}", drop=("quiz_id", "question_id", "option_id"))


# ---------------------------------------------------------------- サンドボックス


def _sandbox(user, flt, shape, *, has_learners) -> None:
    sb = get("sandbox", user, flt)
    st.caption(t("stats.sandbox.privacy"), help=t("stats.sandbox.privacy.help"))
    if sb.empty:
        st.info(t("stats.empty.no_sandbox"))
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
            _chart(
                alt.Chart(sb.by_period).mark_line(point=True).encode(
                    x=alt.X("period:T", title=t(f"stats.unit.{sb.unit}")),
                    y=alt.Y(f"{measure}:Q", title=t(f"stats.col.{measure}")),
                    tooltip=[alt.Tooltip("period:T", title=t(f"stats.unit.{sb.unit}")),
                             alt.Tooltip(f"{measure}:Q", format=",", title=t(f"stats.col.{measure}"))],
                ).properties(height=220)
            )
    _table(sb.by_period, "sandbox_over_time")

    col_a, col_b = st.columns(2)
    with col_a:
        st.subheader(t("stats.sandbox.departments"))
        dep = sb.by_department.assign(department=sb.by_department["department"].map(
            lambda d: d or t("stats.department.none")))
        _chart(
            alt.Chart(dep).mark_bar().encode(
                y=alt.Y("department:N", sort="-x", axis=_labels()),
                x=alt.X("requests:Q", title=t("stats.col.requests")),
                tooltip=[alt.Tooltip("department:N", title=t("stats.col.department")),
                         alt.Tooltip("requests:Q", title=t("stats.col.requests")),
                         alt.Tooltip("tokens:Q", title=t("stats.col.tokens"))],
            ).properties(height=BAND)
        )
        _table(sb.by_department, "sandbox_departments")
    with col_b:
        st.subheader(t("stats.sandbox.ratings"))
        ratings = sb.ratings.assign(label=sb.ratings["rating"].map(
            lambda r: t("stats.sandbox.unrated") if r is None or pd.isna(r) else str(int(r))))
        _chart(
            alt.Chart(ratings).mark_bar().encode(
                x=alt.X("label:N", sort=None, title=t("stats.col.rating")),
                y=alt.Y("requests:Q", title=t("stats.col.requests")),
                tooltip=[alt.Tooltip("label:N", title=t("stats.col.rating")),
                         alt.Tooltip("requests:Q", title=t("stats.col.requests"))],
            ).properties(height=220)
        )
        _table(sb.ratings, "sandbox_ratings")

    st.subheader(t("stats.sandbox.risks"))
    if sb.risks.empty:
        st.caption(t("stats.sandbox.no_risks"))
    else:
        risks = sb.risks.assign(
            category_label=sb.risks["category"].map(lambda c: _code_label("risk.category", c)),
            action_label=sb.risks["action"].map(lambda a: _code_label("stats.sandbox.action", a)),
        )
        _chart(
            alt.Chart(risks).mark_bar().encode(
                y=alt.Y("category_label:N", sort="-x", axis=_labels()),
                x=alt.X("sum(requests):Q", title=t("stats.col.requests")),
                color=alt.Color("action_label:N", title=t("stats.col.action"), scale=alt.Scale(
                    domain=[_code_label("stats.sandbox.action", a) for a in ACTION_COLORS],
                    range=list(ACTION_COLORS.values()))),
                tooltip=[alt.Tooltip("category_label:N", title=t("stats.col.category")),
                         alt.Tooltip("action_label:N", title=t("stats.col.action")),
                         alt.Tooltip("requests:Q", title=t("stats.col.requests")),
                         alt.Tooltip("findings:Q", title=t("stats.col.findings"))],
            ).properties(height=BAND)
        )
        _table(sb.risks, "sandbox_risks")
        _table(sb.actions, "sandbox_actions", title=t("stats.sandbox.actions"))

    st.subheader(t("stats.sandbox.quota"))
    st.caption(t("stats.sandbox.quota.lead"))
    _table(sb.quota, "sandbox_quota", drop=("user_id",), expanded=True, title=t("stats.sandbox.quota.table"))
    _table(sb.by_kind, "sandbox_models", title=t("stats.sandbox.kinds"))


def _code_label(prefix: str, code: str) -> str:
    label = t(f"{prefix}.{code}")
    return code if label == f"{prefix}.{code}" else label


# ---------------------------------------------------------------- エクスポート


def _exports(user, flt, shape, *, has_learners) -> None:
    st.write(t("stats.export.lead"))
    if has_learners:
        tables = _export_tables(user, flt, shape)
        for name, (label, frame) in tables.items():
            col_a, col_b = st.columns([3, 1], vertical_alignment="center")
            col_a.write(f"{label}({t('stats.export.rows', n=f'{len(frame):,}')})")
            with col_b:
                _download(frame, f"export_{name}")
    else:
        _import_hint()
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


def _export_tables(user, flt, shape) -> dict[str, tuple[str, pd.DataFrame]]:
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
