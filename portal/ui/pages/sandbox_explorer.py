"""試す > 次の単語を見る: the next-token explorer on 「日本で一番高い山は、」 ("The highest mountain in Japan is").

Top candidates before and after temperature and top-p (the cut tail marked), 20 draws with
their counts. Real logprobs when the endpoint returns them (probed once, cached), else the
practice model."""

from __future__ import annotations

import secrets

import altair as alt
import pandas as pd
import streamlit as st

from portal.i18n import t
from portal.llm import END_OF_TEXT, distribution_from_logprobs, sample_counts
from portal.ui import charts, state
from portal.ui import sandbox_widgets as shared

CONTEXTS = {  # per UI language; the practice model of that language has seen them in its lessons
    "ja": ("日本で一番高い山は、", "言語モデルは", "生成AIを業務で使うときは、"),
    "en": ("The highest mountain in Japan is", "Language models", "When you use generative AI at work,"),
}
K = 10
DRAWS = 20
FETCHED = "exp_fetched"  # {(context, model): ExplorerFetch}


def _token_label(token: str) -> str:
    if token == END_OF_TEXT:
        return t("llm.explorer.end_of_text")
    return token.replace("\n", "↵") if token.strip() else repr(token)


def chart(rows, temperature: float, top_p: float) -> alt.Chart:
    """Grouped bars: probability before and after temperature/top-p for each candidate; the
    candidates top-p cut off are marked ✂ at the end of their 'before' bar."""
    before_label, after_label = t("sandbox.explorer.before"), t("sandbox.explorer.after")
    order = [_token_label(r.token) for r in rows]
    long = []
    for r in rows:
        cut = r.prob_before > 0 and r.prob_after == 0
        long.append({"token": _token_label(r.token), "series": before_label, "prob": r.prob_before, "cut": cut})
        long.append({"token": _token_label(r.token), "series": after_label, "prob": r.prob_after, "cut": cut})
    frame = pd.DataFrame(long)
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("token:N", sort=order, title=None, axis=alt.Axis(labelOverlap=False, labelLimit=160)),
            yOffset=alt.YOffset("series:N", sort=[before_label, after_label]),
            x=alt.X("prob:Q", title=t("sandbox.explorer.probability"), axis=alt.Axis(format="%")),
            color=alt.Color("series:N", sort=[before_label, after_label], title=None,
                            scale=alt.Scale(range=["#9aa0a6", "#e8710a"]),
                            legend=alt.Legend(orient="bottom", labelLimit=0)),
            opacity=alt.condition("datum.cut", alt.value(0.45), alt.value(1.0)),
            tooltip=[alt.Tooltip("token:N", title=t("sandbox.explorer.token")),
                     alt.Tooltip("series:N", title=" "),
                     alt.Tooltip("prob:Q", format=".1%", title=t("sandbox.explorer.probability"))],
        )
    )
    cut = frame[(frame["series"] == before_label) & frame["cut"]]
    marks = (
        alt.Chart(cut)
        .mark_text(align="left", dx=4, color="#c5221f")
        .encode(y=alt.Y("token:N", sort=order), yOffset=alt.YOffset("series:N", sort=[before_label, after_label]),
                x="prob:Q", text=alt.value("✂ " + t("sandbox.explorer.cut")))
    )
    return (bars + marks).properties(height=40 * len(rows) + 20,
                                     title=t("sandbox.explorer.chart_title", temperature=f"{temperature:.1f}",
                                             top_p=f"{top_p:.2f}"))


def counts_chart(counts: list[tuple[str, int]]) -> alt.Chart:
    frame = pd.DataFrame([{"token": _token_label(tok), "count": c} for tok, c in counts])
    return (
        alt.Chart(frame)
        .mark_bar(color="#1a73e8")
        .encode(y=alt.Y("token:N", sort="-x", title=None, axis=alt.Axis(labelOverlap=False, labelLimit=160)),
                x=alt.X("count:Q", title=t("sandbox.explorer.count"), axis=alt.Axis(tickMinStep=1)),
                tooltip=["token:N", "count:Q"])
        .properties(height=34 * len(frame) + 20)
    )


def render() -> None:
    user = state.current_user()
    sb = shared.sandbox()
    st.title(t("sandbox.explorer.title"))
    st.caption(t("sandbox.explorer.lead"))

    contexts = CONTEXTS.get(state.ui_lang(), CONTEXTS["ja"])
    options = [*contexts, "__custom__"]
    choice = st.selectbox(t("sandbox.explorer.context"), options, key="exp_context",
                          format_func=lambda c: t("sandbox.explorer.custom") if c == "__custom__" else c)
    context = choice
    if choice == "__custom__":
        context = st.text_input(t("sandbox.explorer.custom_input"), key="exp_custom", max_chars=200,
                                placeholder=contexts[0]).strip()
        if not context:
            st.info(t("sandbox.explorer.custom_empty"))
            return
        check = sb.check(context)
        if check.decision.masked_by_default:
            # the explorer has no mask / acknowledgement path: such text is not used at all
            st.error(t("sandbox.explorer.blocked"), icon=":material/block:")
            st.markdown(check.markdown())
            return

    col1, col2 = st.columns(2)
    temperature = col1.slider(t("sandbox.settings.temperature"), 0.0, 2.0, 1.0, 0.1, key="exp_temperature",
                              help=t("sandbox.settings.temperature.help"))
    top_p = col2.slider(t("sandbox.settings.top_p"), 0.0, 1.0, 1.0, 0.05, key="exp_top_p",
                        help=t("sandbox.settings.top_p.help"))

    model = None if sb.is_practice else st.session_state.get("sb_model") or sb.config.default_model
    has_logprobs, probe_error = shared.endpoint_has_logprobs(sb, model)
    use_endpoint = False
    if has_logprobs:
        sources = ["endpoint", "practice"]
        use_endpoint = st.radio(
            t("sandbox.explorer.source"), sources, horizontal=True, key="exp_source",
            format_func=lambda s: t("sandbox.explorer.source.endpoint", model=sb.model_name(model)) if s == "endpoint"
            else t("llm.practice.label"),
        ) == "endpoint"
    elif not sb.is_practice:
        st.caption(":material/info: " + (probe_error.message_ja if probe_error else
                                          t("llm.capability.no_logprobs", model=sb.model_name(model))))

    rows = None
    approximate = False
    if use_endpoint:
        fetched = st.session_state.setdefault(FETCHED, {})
        key = (context, sb.model_name(model))
        fetch = fetched.get(key)
        if fetch is None:
            with st.spinner(t("sandbox.explorer.fetching")):
                fetch = sb.endpoint_candidates(user, context, model=model, k=K)
            if fetch.candidates:
                fetched[key] = fetch  # one request per context: the sliders only re-weight
        if fetch.candidates:
            rows, other = distribution_from_logprobs(fetch.candidates, temperature, top_p, K)
            approximate = True
            st.caption(t("llm.explorer.source_endpoint", model=sb.model_name(model), k=len(rows)))
        else:
            st.warning(fetch.message or t("llm.error.unknown"))
            st.caption(t("sandbox.explorer.fallback"))
    if rows is None:
        rows = shared.practice_model().next_token_distribution(context, temperature, top_p, K)
        st.caption(":material/school: " + t("llm.explorer.source_practice") + " — " + t("sandbox.explorer.not_real"))

    st.markdown(f"**{t('sandbox.explorer.context_label')}** {context}…")
    st.altair_chart(charts.readable(chart(rows, temperature, top_p)), width="stretch")
    cut = [r for r in rows if r.prob_before > 0 and r.prob_after == 0]
    if cut:
        st.caption(t("sandbox.explorer.cut_note", n=len(cut), top_p=f"{top_p:.2f}"))
    if approximate:
        st.caption(t("sandbox.explorer.approximate"))
    st.dataframe(
        pd.DataFrame([{t("sandbox.explorer.token"): _token_label(r.token),
                       t("sandbox.explorer.before"): f"{r.prob_before:.1%}",
                       t("sandbox.explorer.after"): f"{r.prob_after:.1%}"} for r in rows]),
        hide_index=True,
    )

    st.subheader(t("sandbox.explorer.draw_title", n=DRAWS))
    if st.button(t("sandbox.explorer.draw", n=DRAWS), icon=":material/casino:", key="exp_draw", type="primary"):
        seed = secrets.randbits(32)
        if approximate:
            counts = sample_counts(rows, DRAWS, seed)
        else:
            counts = shared.practice_model().sample_next_tokens(context, DRAWS, temperature, top_p, seed)
        st.session_state["exp_counts"] = (context, temperature, top_p, counts)
    saved = st.session_state.get("exp_counts")
    if saved and saved[:3] == (context, temperature, top_p):
        counts = saved[3]
        st.altair_chart(charts.readable(counts_chart(counts)), width="stretch")
        st.caption(t("sandbox.explorer.draw_result", results="、".join(f"{_token_label(tok)} × {c}" for tok, c in counts)))
        st.caption(":material/lightbulb: " + t("sandbox.explorer.lesson"))
    else:
        st.caption(t("sandbox.explorer.draw_hint"))
