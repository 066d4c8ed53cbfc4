"""試す > 比べる: one prompt several times side by side (N samples, or two temperatures), or the
course's vague vs improved prompt. Every request goes through the Sandbox service."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from portal.i18n import t
from portal.llm import TextDelta
from portal.sandbox import Draft, SendResult, Submission, answer_markdown, get_template, templates
from portal.ui import state
from portal.ui import sandbox_widgets as shared

KINDS = ("samples", "temperatures", "templates")
PENDING = "cmp_pending"
RESULTS = "cmp_results"


def _apply_query_params() -> None:
    template_id = st.query_params.get("template")
    if template_id and get_template(template_id) is not None:
        st.session_state["cmp_kind"] = "templates"
        st.session_state["cmp_template"] = template_id
        del st.query_params["template"]


def _columns_for(kind: str, settings: dict) -> list[tuple[str, dict]]:
    """(column label, request overrides) for each side."""
    if kind == "temperatures":
        return [
            (t("sandbox.compare.col.temperature", value=f"{settings['t1']:.1f}"), {"temperature": settings["t1"]}),
            (t("sandbox.compare.col.temperature", value=f"{settings['t2']:.1f}"), {"temperature": settings["t2"]}),
        ]
    return [(t("sandbox.compare.col.sample", number=i + 1), {}) for i in range(settings["n"])]


def _run(sb, user, jobs: list[tuple[str, Submission, dict]], samples: int = 1) -> list[tuple[str, SendResult]]:
    """Stream each job into its own column; ``samples`` > 1: one request with n answers."""
    labels = [t("sandbox.compare.col.sample", number=i + 1) for i in range(samples)] if samples > 1 else [
        label for label, _, _ in jobs
    ]
    slots = []
    for col, label in zip(st.columns(len(labels)), labels):
        col.markdown(f"**{label}**")
        slots.append(col.empty())
    results: list[tuple[str, SendResult]] = []
    with st.spinner(t("sandbox.chat.generating")):
        if samples > 1:
            _, sub, overrides = jobs[0]
            stream = sb.stream(user, sub, **overrides, n=samples)
            texts = [""] * samples
            for event in stream.events():
                if isinstance(event, TextDelta) and 0 <= event.choice < samples:
                    texts[event.choice] += event.text
                    slots[event.choice].markdown(answer_markdown(texts[event.choice]) + " ▌")
            result = stream.result
            for i, label in enumerate(labels):
                text = result.texts[i] if i < len(result.texts) else ""
                results.append((label, replace(result, text=text)))
        else:
            for i, (label, sub, overrides) in enumerate(jobs):
                stream = sb.stream(user, sub, **overrides)
                text = ""
                for event in stream.events():
                    if isinstance(event, TextDelta) and event.choice == 0:
                        text += event.text
                        slots[i].markdown(answer_markdown(text) + " ▌")
                results.append((label, stream.result))
    return results


def _show_results(sb) -> None:
    results = st.session_state.get(RESULTS)
    if not results:
        return
    seen: set[int | None] = set()
    for index, (col, (label, result)) in enumerate(zip(st.columns(len(results)), results)):
        with col, st.container(border=True):
            st.markdown(f"**{label}**")
            # n answers of one request share one event: one rating for them
            shared.answer_body(sb, result, f"cmp{index}", rate=result.event_id not in seen)
            seen.add(result.event_id)


def render() -> None:
    user = state.current_user()
    sb = shared.sandbox()
    _apply_query_params()
    st.title(t("sandbox.compare.title"))
    st.caption(t("sandbox.compare.lead"))
    shared.endpoint_banner(sb)
    quota_slot = st.empty()
    shared.quota_line(sb.quota(user), quota_slot)
    params = shared.settings_panel(sb, "cmp", system=False)

    kind = st.radio(t("sandbox.compare.kind"), KINDS, format_func=lambda k: t(f"sandbox.compare.kind.{k}"),
                    horizontal=True, key="cmp_kind")
    caps = sb.capabilities(params.model)
    settings: dict = {"n": 2, "t1": 0.2, "t2": 1.3}
    items = {x.id: x for x in templates()}
    if kind == "templates":
        chosen = st.selectbox(t("sandbox.templates.pick"), list(items), format_func=lambda i: items[i].title,
                              key="cmp_template")
        tpl = items[chosen]
        col1, col2 = st.columns(2)
        col1.markdown(f"**{t('sandbox.templates.vague')}**")
        col1.text(tpl.vague)
        col2.markdown(f"**{t('sandbox.templates.improved')}**")
        col2.text(tpl.improved)
        st.caption(":material/lightbulb: " + tpl.point)
        submitted = st.button(t("sandbox.compare.run"), type="primary", icon=":material/play_arrow:", key="cmp_run_tpl")
        prompt = None
    else:
        with st.form("cmp_form", border=False):
            prompt = st.text_area(t("sandbox.compare.prompt"), key="cmp_prompt", height=100,
                                  placeholder=t("sandbox.compare.prompt.placeholder"))
            if kind == "samples":
                settings["n"] = st.slider(t("sandbox.compare.n"), 2, 4, 3, key="cmp_n")
            else:
                if not caps.supports_temperature:
                    st.warning(t("sandbox.compare.no_temperature"))
                c1, c2 = st.columns(2)
                settings["t1"] = c1.slider(t("sandbox.compare.t1"), 0.0, 2.0, 0.2, 0.1, key="cmp_t1")
                settings["t2"] = c2.slider(t("sandbox.compare.t2"), 0.0, 2.0, 1.3, 0.1, key="cmp_t2")
            submitted = st.form_submit_button(t("sandbox.compare.run"), type="primary", icon=":material/play_arrow:")

    def draft(text: str) -> Draft:
        return Draft(prompt=text, mode="compare", model=params.model, temperature=params.temperature,
                     top_p=params.top_p, max_tokens=params.max_tokens, seed=None)

    # a held prompt (risk checklist) from an earlier run
    pending: Submission | None = st.session_state.get(PENDING)
    ready: Submission | None = None
    if pending is not None and not submitted:
        slot = st.empty()
        with slot.container():
            choice = shared.review_panel(sb, user, pending[0], key="cmp_review")
        if choice is not None:
            st.session_state.pop(PENDING, None)
            if choice.kind in ("edit", "cancel"):
                if choice.kind == "edit":
                    st.session_state["cmp_prompt"] = pending[0].draft.prompt
                st.rerun()
            slot.empty()
            ready = choice.submission
            kind, settings = pending[1], pending[2]

    if submitted:
        st.session_state.pop(PENDING, None)
        st.session_state.pop(RESULTS, None)
        if kind == "templates":
            jobs = []
            for label, text in ((t("sandbox.templates.vague"), tpl.vague), (t("sandbox.templates.improved"), tpl.improved)):
                sub = sb.submit(user, draft(text))
                if not sub.ready:
                    st.error(sub.message)
                    return
                jobs.append((label, sub, {}))
            st.session_state[RESULTS] = _run(sb, user, jobs)
            st.rerun()
        sub = sb.submit(user, draft(prompt or ""))
        if sub.status in ("blocked", "needs_review"):
            st.session_state[PENDING] = (sub, kind, settings)
            st.rerun()
        if sub.status != "ready":
            st.error(sub.message, icon=":material/error:")
            return
        ready = sub

    if ready is not None:
        if ready.status != "ready":
            st.warning(ready.message)
            return
        caption = shared.action_caption(ready)
        if caption:
            st.caption(caption)
        if kind == "samples":
            results = _run(sb, user, [("", ready, {})], samples=settings["n"])
        else:
            results = _run(sb, user, [(label, ready, ov) for label, ov in _columns_for(kind, settings)])
        st.session_state[RESULTS] = results
        st.rerun()

    if not st.session_state.get(RESULTS) and pending is None:
        st.info(t("sandbox.compare.empty"), icon=":material/view_column:")
    _show_results(sb)
