"""管理 > ダッシュボード > クイズ分析: quiz summary, score distribution, attempts to pass, questions and options."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from portal.i18n import t
from portal.stats.exports import present
from portal.ui.pages.admin.common import get, show_table, download, axis_labels, BAND, chart, import_hint


def render(user, flt, shape, *, has_learners) -> None:
    if not has_learners:
        import_hint()
        return
    qa = get("quizzes", user, flt)
    if qa.empty:
        st.info(t("stats.empty.no_attempts"))
        return
    st.subheader(t("stats.quiz.summary"))
    show_table(qa.summary, "quiz_summary", drop=("quiz_id",), expanded=True, title=t("stats.quiz.summary.table"))
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
        chart(
            alt.Chart(dist.assign(kind=dist["attempts_kind"].map(kinds))).mark_bar().encode(
                x=alt.X("range:N", sort=list(dist["range"].drop_duplicates()), title=t("stats.col.range")),
                y=alt.Y("attempts:Q", title=t("stats.col.attempts")),
                xOffset="kind:N",
                color=alt.Color("kind:N", title=None),
                tooltip=[alt.Tooltip("range:N", title=t("stats.col.range")), alt.Tooltip("kind:N", title=""),
                         alt.Tooltip("attempts:Q", title=t("stats.col.attempts"))],
            ).properties(height=240),
            t("stats.quiz.distribution"),
        )
        show_table(dist, f"score_distribution_{quiz_id}", drop=("quiz_id", "bin"))
    with col_b:
        st.markdown(f"**{t('stats.quiz.to_pass')}**")
        tp = qa.attempts_to_pass[qa.attempts_to_pass["quiz_id"] == quiz_id]
        tp = tp.assign(label=tp["needed"].map(lambda n: t("stats.quiz.not_passed") if n == 0 else str(n)))
        chart(
            alt.Chart(tp).mark_bar().encode(
                x=alt.X("label:N", sort=list(tp.sort_values("needed", key=lambda s: s.replace(0, 999))["label"]),
                        title=t("stats.col.needed")),
                y=alt.Y("learners:Q", title=t("stats.col.learners")),
                tooltip=[alt.Tooltip("label:N", title=t("stats.col.needed")),
                         alt.Tooltip("learners:Q", title=t("stats.col.learners"))],
            ).properties(height=240),
            t("stats.quiz.to_pass"),
        )
        show_table(tp.drop(columns=["label"]), f"attempts_to_pass_{quiz_id}", drop=("quiz_id",))

    st.markdown(f"**{t('stats.quiz.questions')}**")
    questions = qa.questions[qa.questions["quiz_id"] == quiz_id]
    flagged = int((questions["flags"].map(lambda f: bool(f) and f != ["few_responses"])).sum())
    if flagged:
        st.warning(t("stats.quiz.flagged", n=flagged), icon=":material/flag:")
    review = questions[questions["review"] != ""]
    if len(review):
        lines = "\n".join(f"- **{r.question_id}**({r.prompt}): {r.review}" for r in review.itertuples())
        st.error(t("stats.review.title", n=len(review)) + "\n\n" + lines, icon=":material/rule:")
    else:
        st.caption(t("stats.review.none"))
    shown = present(questions, drop=("quiz_id", "quiz"))
    st.dataframe(shown, hide_index=True, width="stretch")
    download(shown, f"questions_{quiz_id}")

    qlabels = {r.question_id: f"{r.question_id}: {r.prompt}" for r in questions.itertuples()}
    question_id = st.selectbox(t("stats.quiz.pick_question"), list(qlabels), format_func=qlabels.get,
                               key="question_pick")
    options = qa.options[(qa.options["quiz_id"] == quiz_id) & (qa.options["question_id"] == question_id)]
    if options.empty:
        st.caption(t("stats.quiz.no_options"))
        return
    marks = {True: t("stats.quiz.correct"), False: t("stats.quiz.wrong"), None: t("stats.quiz.no_answer")}
    data = options.assign(kind=options["correct"].map(lambda v: marks[None if v is None or pd.isna(v) else bool(v)]))
    chart(
        alt.Chart(data).mark_bar().encode(
            y=alt.Y("option:N", sort="-x", axis=axis_labels(t("stats.col.option"))),
            x=alt.X("share:Q", axis=alt.Axis(format="%"), title=t("stats.col.share")),
            color=alt.Color("kind:N", title=None,
                            scale=alt.Scale(domain=list(marks.values()), range=["#2e7d32", "#c62828", "#9e9e9e"])),
            tooltip=[alt.Tooltip("option:N", title=t("stats.col.option")),
                     alt.Tooltip("chosen:Q", title=t("stats.col.chosen")),
                     alt.Tooltip("share:Q", format=".1%", title=t("stats.col.share"))],
        ).properties(height=BAND),
        t("stats.quiz.options_chart"),
    )
    show_table(options, f"options_{quiz_id}_{question_id}", drop=("quiz_id", "question_id", "option_id"))
