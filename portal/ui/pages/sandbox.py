"""試す: the prompt sandbox. Chat (with grounded mode and templates), side by side, next-token
explorer. Every send goes through portal.sandbox.Sandbox (risk checklist, quota, event)."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from portal.i18n import t
from portal.llm import ChatMessage
from portal.sandbox import Draft, SandboxRefused, Submission, answer_markdown, escape_markdown, templates
from portal.sandbox.files import FILE_TYPES, compose_prompt
from portal.ui import routes, state
from portal.ui import sandbox_widgets as shared

HISTORY = "sb_history"
PENDING = "sb_pending"
EDITING = "sb_editing"
GROUNDED = "sb_grounded"
PREFILL = "sb_prefill"  # a prompt handed over by a lesson's deep link (?prompt=...), never sent by itself
PREFILL_TEXT = "sb_prefill_text"
PREFILL_SEND = "sb_prefill_send_text"


def _apply_query_params() -> None:
    mode = st.query_params.get("mode")
    if mode in ("grounded", "chat"):
        st.session_state[GROUNDED] = mode == "grounded"
        del st.query_params["mode"]
    prompt = st.query_params.get("prompt")
    if prompt is not None:
        del st.query_params["prompt"]
        if prompt.strip():
            st.session_state[PREFILL] = prompt.strip()
            st.session_state[PREFILL_TEXT] = prompt.strip()


def _close_prefill(send: bool) -> None:
    """Button callback: close the box before the page is drawn again; keep the text if it is sent."""
    text = (st.session_state.pop(PREFILL_TEXT, "") or "").strip()
    st.session_state.pop(PREFILL, None)
    if send and text:
        st.session_state[PREFILL_SEND] = text


def _prefill_box() -> str | None:
    """The prompt a lesson's やってみよう link brought along, editable; sent only on the button."""
    if PREFILL_SEND in st.session_state:
        return st.session_state.pop(PREFILL_SEND)
    if st.session_state.get(PREFILL) is None:
        return None
    with st.container(border=True):
        st.markdown(f"**:material/edit_note: {t('sandbox.prefill.title')}**")
        st.caption(t("sandbox.prefill.lead"))
        st.text_area(t("sandbox.prefill.label"), key=PREFILL_TEXT, height=140)
        col1, col2 = st.columns(2)
        col1.button(t("sandbox.prefill.send"), type="primary", icon=":material/send:", key="sb_prefill_send",
                    on_click=_close_prefill, args=(True,))
        col2.button(t("sandbox.prefill.discard"), type="tertiary", key="sb_prefill_discard",
                    on_click=_close_prefill, args=(False,))
    return None


def _history_messages() -> tuple[ChatMessage, ...]:
    """The conversation so far, as sent (masked prompts, answers received)."""
    out: list[ChatMessage] = []
    for turn in st.session_state.get(HISTORY, []):
        if turn.get("grounded"):
            continue
        result = turn["result"]
        if result is None or result.outcome not in ("ok", "incomplete") or not result.text:
            continue
        out.append(ChatMessage(role="user", content=turn["sent"]))
        out.append(ChatMessage(role="assistant", content=result.text))
    return tuple(out)


def _render_history(sb) -> None:
    for i, turn in enumerate(st.session_state.get(HISTORY, [])):
        with st.chat_message("user"):
            st.markdown(escape_markdown(turn["sent"]))
            if turn.get("caption"):
                st.caption(turn["caption"])
        with st.chat_message("assistant", avatar=":material/smart_toy:"):
            shared.answer_body(sb, turn["result"], f"sb_h{i}")


def _send(sb, user, sub: Submission, stream=None) -> None:
    """Stream a ready submission into the page and keep it in the history."""
    grounded = sub.draft.mode == "grounded"
    caption = shared.action_caption(sub)
    with st.chat_message("user"):
        st.markdown(escape_markdown(sub.text_to_send))
        if caption:
            st.caption(caption)
    with st.chat_message("assistant", avatar=":material/smart_toy:"):
        if stream is None:
            stream = sb.stream(user, sub)
        streamed = False
        if stream.started:
            with st.spinner(t("sandbox.chat.generating")):
                # as st.write_stream does, but the answer is untrusted: each version shown is made
                # safe (no image fetched, no script link) before it reaches the browser
                box, text = st.empty(), ""
                for piece in stream.text():
                    text += piece
                    box.markdown(answer_markdown(text))
            streamed = True
        result = stream.result
        shared.answer_body(sb, result, f"sb_h{len(st.session_state.get(HISTORY, []))}", streamed=streamed)
    st.session_state.setdefault(HISTORY, []).append(
        {"sent": result.sent_text or sub.text_to_send, "result": result, "caption": caption, "grounded": grounded}
    )


def _process(sb, user, sub: Submission, stream=None) -> None:
    if sub.status == "ready":
        _send(sb, user, sub, stream)
    elif sub.status in ("blocked", "needs_review"):
        st.session_state[PENDING] = sub
        st.session_state[EDITING] = False
        st.rerun()
    else:
        st.error(sub.message, icon=":material/error:")


def _draft(text: str, params: shared.Params, grounded: bool) -> Draft:
    return Draft(
        prompt=text,
        mode="grounded" if grounded else "chat",
        system=None if grounded else params.system,
        history=() if grounded else _history_messages(),
        model=params.model,
        temperature=params.temperature,
        top_p=params.top_p,
        max_tokens=params.max_tokens,
    )


def _templates_box() -> str | None:
    """The course's vague vs improved prompts; returns a template text to send, if clicked."""
    items = templates()
    with st.expander(t("sandbox.templates.title"), icon=":material/description:"):
        st.caption(t("sandbox.templates.lead"))
        by_id = {x.id: x for x in items}
        chosen = st.selectbox(t("sandbox.templates.pick"), list(by_id), format_func=lambda i: by_id[i].title,
                              key="sb_template")
        tpl = by_id[chosen]
        col1, col2 = st.columns(2)
        with col1:
            st.markdown(f"**{t('sandbox.templates.vague')}**")
            st.text(tpl.vague)
            vague = st.button(t("sandbox.templates.send_vague"), key="sb_tpl_vague")
        with col2:
            st.markdown(f"**{t('sandbox.templates.improved')}**")
            st.text(tpl.improved)
            improved = st.button(t("sandbox.templates.send_improved"), key="sb_tpl_improved")
        st.caption(":material/lightbulb: " + tpl.point)
        if st.button(t("sandbox.templates.compare"), icon=":material/view_column:", key="sb_tpl_compare"):
            routes.open_compare(tpl.id)
    if vague:
        return tpl.vague
    if improved:
        return tpl.improved
    return None



def _pending_panel(sb, user) -> None:
    pending: Submission | None = st.session_state.get(PENDING)
    if pending is None:
        return
    slot = st.empty()
    with slot.container():
        choice = shared.review_panel(sb, user, pending, key="sb_review")
        editing = st.session_state.get(EDITING, False)
        edited_text = None
        if editing:
            with st.form("sb_edit_form", border=True):
                text = st.text_area(t("sandbox.review.edit_label"), value=pending.draft.prompt, height=160,
                                    key="sb_edit_text")
                if st.form_submit_button(t("sandbox.review.recheck"), type="primary", icon=":material/fact_check:"):
                    edited_text = text
    if choice is not None and choice.kind == "edit":
        st.session_state[EDITING] = True
        st.rerun()
    if choice is not None and choice.kind == "cancel":
        st.session_state.pop(PENDING, None)
        st.session_state[EDITING] = False
        st.rerun()
    if choice is not None and choice.submission is not None:
        slot.empty()
        st.session_state.pop(PENDING, None)
        st.session_state[EDITING] = False
        _process(sb, user, choice.submission)
        return
    if edited_text is not None:
        slot.empty()
        st.session_state.pop(PENDING, None)
        st.session_state[EDITING] = False
        _process(sb, user, *sb.start(user, replace(pending.draft, prompt=edited_text), edited_from=pending))


def _typed_prompt(raw) -> str | None:
    """The chat input's text with any attached text files appended (the checklist sees them)."""
    if isinstance(raw, str):
        return raw
    files = [(f.name, f.getvalue()) for f in (raw.get("files") or [])]
    try:
        return compose_prompt(raw.get("text") or "", files)
    except SandboxRefused as exc:
        st.error(exc.message, icon=":material/attach_file:")
        return None


def chat_page() -> None:
    user = state.current_user()
    sb = shared.sandbox()
    _apply_query_params()
    st.title(t("sandbox.chat.title"))
    st.caption(t("sandbox.chat.lead"))
    shared.endpoint_banner(sb)
    quota_slot = st.empty()
    shared.quota_line(sb.quota(user), quota_slot)

    params = shared.settings_panel(sb, "sb")
    col1, col2 = st.columns([3, 1], vertical_alignment="center")
    grounded = col1.toggle(t("sandbox.grounded.toggle"), key=GROUNDED, help=t("sandbox.grounded.help"))
    if col2.button(t("sandbox.chat.new"), icon=":material/refresh:", key="sb_new", type="tertiary"):
        for key in (HISTORY, PENDING, EDITING):
            st.session_state.pop(key, None)
        st.rerun()
    if grounded:
        st.caption(":material/menu_book: " + t("sandbox.grounded.lead"))
    template_text = _prefill_box() or _templates_box()

    empty_slot = st.empty()
    if not st.session_state.get(HISTORY) and st.session_state.get(PENDING) is None:
        empty_slot.info(t("sandbox.chat.empty_grounded" if grounded else "sandbox.chat.empty"),
                        icon=":material/edit_note:")
    _render_history(sb)
    _pending_panel(sb, user)

    limit = sb.config.max_prompt_chars
    raw = st.chat_input(t("sandbox.chat.placeholder", limit=f"{limit:,}"), key="sb_chat_input",
                        accept_file="multiple", file_type=list(FILE_TYPES))
    text = _typed_prompt(raw) if raw is not None else template_text
    if text is not None:
        empty_slot.empty()
        st.session_state.pop(PENDING, None)
        st.session_state[EDITING] = False
        _process(sb, user, *sb.start(user, _draft(text, params, grounded)))
    shared.quota_line(sb.quota(user), quota_slot)  # after a send in this run
