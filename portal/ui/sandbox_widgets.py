"""Shared pieces of the 試す pages: cached services, the settings panel, the risk checklist
panel, quota line and answer rendering. Rules live in portal.sandbox; this only draws."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from portal.config import get_settings
from portal.i18n import current_lang, t
from portal.learning.editions import edition_dirs
from portal.llm import (
    LLMError,
    LLMService,
    PracticeModel,
    Retriever,
    endpoint_from_settings,
    load_course_passages,
    load_lesson_texts,
)
from portal.risk import MaskOperator
from portal.risk import warm_up as risk_warm_up
from portal.sandbox import (
    QuotaStatus,
    Sandbox,
    SandboxRefused,
    SendResult,
    Submission,
    answer_markdown,
    escape_markdown,
)
from portal.ui import routes, state

# ---------------------------------------------------------------- cached resources (once per process)


@st.cache_resource(show_spinner=False)
def _practice_model(content_dir: str, lang: str = "ja") -> PracticeModel:
    """Trained on one language edition's lessons and that language's demo corpus."""
    return PracticeModel.train(load_lesson_texts(content_dir), lang=lang)


@st.cache_resource(show_spinner=False)
def _retriever(content_dir: str) -> Retriever:
    return Retriever(load_course_passages(content_dir))


def edition_content_dir(lang: str) -> str:
    """The lessons of ``lang``'s edition (content/en), or the Japanese ones when there is none."""
    s = get_settings()
    folder = edition_dirs(s.content_dir, s.quiz_dir, lang)[0]
    return str(folder if folder.is_dir() else s.content_dir)


@st.cache_resource(show_spinner=False)
def _sandbox(key: str, content_dir: str, database_url: str, lang: str = "ja") -> Sandbox:
    """One per language: the practice model and the grounded mode's sources are the edition's."""
    settings = get_settings()
    config = endpoint_from_settings(settings).model_copy(
        update={"max_prompt_chars": settings.sandbox_max_prompt_chars}
    )
    llm = LLMService(config, practice_model=_practice_model(content_dir, lang))
    llm.warm_up()
    risk_warm_up()
    return Sandbox(llm, database_url=database_url, retriever=_retriever(content_dir))


def _endpoint_key() -> str:
    s = get_settings()
    key = s.llm_api_key.get_secret_value() if s.llm_api_key is not None else ""
    parts = [
        s.llm_provider, s.llm_base_url or "", hashlib.sha256(key.encode()).hexdigest(), ",".join(s.llm_models),
        s.llm_default_model or "", s.llm_azure_api_version or "", str(s.llm_timeout_s), str(s.llm_max_retries),
        str(s.sandbox_max_prompt_chars),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def sandbox() -> Sandbox:
    """The process-wide Sandbox service for the current settings and UI language."""
    lang = current_lang()
    return _sandbox(_endpoint_key(), edition_content_dir(lang), get_settings().effective_database_url, lang)


def practice_model() -> PracticeModel:
    lang = current_lang()
    return _practice_model(edition_content_dir(lang), lang)


@st.cache_resource(show_spinner=False, ttl=3600)
def _logprobs_supported(key: str, model: str) -> bool:
    # raises LLMError when the endpoint is unreachable: not cached, tried again next time
    return sandbox().llm.probe_logprobs(model)


def endpoint_has_logprobs(sb: Sandbox, model: str | None) -> tuple[bool, LLMError | None]:
    """Does the endpoint return logprobs for ``model``? Probed once per process and model."""
    if sb.is_practice:
        return False, None
    try:
        return _logprobs_supported(_endpoint_key(), sb.model_name(model)), None
    except LLMError as exc:
        return False, exc


# ---------------------------------------------------------------- small pieces


def model_label(sb: Sandbox, model: str | None = None) -> str:
    if sb.is_practice:
        return t("llm.practice.label")
    return sb.model_name(model)


def endpoint_banner(sb: Sandbox) -> None:
    if sb.is_practice:
        st.info(t("sandbox.practice.banner"), icon=":material/school:")
        with st.expander(t("sandbox.practice.what_is")):
            st.write(t("llm.practice.description"))
    else:
        st.caption(t("sandbox.endpoint.caption", provider=t(f"llm.provider.{sb.provider}")))


def quota_line(quota: QuotaStatus, slot=None) -> None:
    """Today's remaining quota (or the exhausted message); ``slot`` (an ``st.empty``) lets the
    page refresh it after a send in the same run."""
    target = slot if slot is not None else st
    if quota.exhausted:
        target.warning(quota.message(), icon=":material/hourglass_disabled:")
    else:
        target.caption(":material/data_usage: " + quota.summary())


@dataclass(frozen=True)
class Params:
    model: str | None
    temperature: float | None
    top_p: float | None
    max_tokens: int
    system: str | None


def settings_panel(sb: Sandbox, prefix: str, *, system: bool = True, sampling: bool = True) -> Params:
    """Model choice, temperature, top-p, max tokens and (optionally) the system prompt. Controls
    the chosen model rejects are disabled, with the reason below them."""
    with st.expander(t("sandbox.settings.title"), icon=":material/tune:", expanded=False):
        models = sb.models or [sb.model_name(None)]
        if sb.is_practice:
            model = None
            st.selectbox(t("sandbox.settings.model"), [t("llm.practice.label")], disabled=True, key=f"{prefix}_model_p")
        else:
            model = st.selectbox(t("sandbox.settings.model"), models, key=f"{prefix}_model")
        caps = sb.capabilities(model)
        temperature = top_p = None
        if sampling:
            col1, col2 = st.columns(2)
            value_t = col1.slider(
                t("sandbox.settings.temperature"), 0.0, 2.0, 0.7 if not sb.is_practice else 1.0, 0.1,
                key=f"{prefix}_temperature", disabled=not caps.supports_temperature,
                help=t("sandbox.settings.temperature.help"),
            )
            value_p = col2.slider(
                t("sandbox.settings.top_p"), 0.0, 1.0, 1.0, 0.05, key=f"{prefix}_top_p",
                disabled=not caps.supports_top_p, help=t("sandbox.settings.top_p.help"),
            )
            temperature = value_t if caps.supports_temperature else None
            top_p = value_p if caps.supports_top_p else None
        max_tokens = st.number_input(
            t("sandbox.settings.max_tokens"), min_value=1, max_value=4096, value=120 if sb.is_practice else 400,
            step=10, key=f"{prefix}_max_tokens", help=t("sandbox.settings.max_tokens.help"),
        )
        system_prompt = None
        if system:
            system_prompt = st.text_area(
                t("sandbox.settings.system"), key=f"{prefix}_system", placeholder=t("sandbox.settings.system.placeholder"),
                help=t("sandbox.settings.system.help"), height=80,
            ) or None
            if sb.is_practice:
                st.caption(t("llm.practice.ignores_system"))
        for note in caps.notes:
            st.caption(":material/info: " + note)
    return Params(model, temperature, top_p, int(max_tokens), system_prompt)


# ---------------------------------------------------------------- the risk checklist panel


@dataclass(frozen=True)
class ReviewChoice:
    kind: str  # mask | send_anyway | edit | cancel
    submission: Submission | None = None  # the resolved, ready submission (mask / send_anyway)


def review_panel(sb: Sandbox, user, sub: Submission, key: str) -> ReviewChoice | None:
    """Findings highlighted in the text, a table (category, reason, how it was found, confidence), self-check
    items, and the actions: one-click mask, edit, and - only where allowed - send anyway."""
    check = sub.check
    assert check is not None
    with st.container(border=True, key=f"{key}_box"):
        if sub.status == "blocked":
            st.error(t("risk.decision.blocked"), icon=":material/block:")
        else:
            st.warning(t("risk.decision.needs_acknowledgement"), icon=":material/warning:")
        if sub.edited:
            st.caption(t("sandbox.review.after_edit"))
        st.markdown(f"**{t('sandbox.review.text_heading')}**")
        st.markdown(check.markdown())
        st.caption(t("sandbox.review.legend"))
        rows = check.rows()
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("sandbox.review.col.number"): r.mark,
                        t("sandbox.review.col.category"): r.category_label,
                        t("sandbox.review.col.level"): r.level_label,
                        t("sandbox.review.col.reason"): r.reason,
                        t("sandbox.review.col.method"): r.method_label,
                        t("sandbox.review.col.confidence"): r.confidence_label,
                    }
                    for r in rows
                ]
            ),
            hide_index=True,
            width="stretch",
        )
        st.markdown(f"**{t('sandbox.review.selfcheck')}**")
        st.markdown(
            "\n".join(
                f"- {':material/priority_high: ' if item.relevant else ''}{escape_markdown(item.text)}"
                for item in check.self_check()
            )
        )

        operators = [op.value for op in MaskOperator]
        default_op = check.policy.default_operator.value
        col1, col2 = st.columns([2, 1], vertical_alignment="bottom")
        operator = col1.selectbox(
            t("sandbox.review.operator"), operators, index=operators.index(default_op),
            format_func=lambda v: t(f"risk.mask.operator.{v}"), key=f"{key}_operator",
        )
        include_possible = False
        if check.decision.possible:
            include_possible = st.checkbox(t("sandbox.review.include_possible"), key=f"{key}_possible")
        with st.expander(t("sandbox.review.preview")):
            st.text(check.masked_text(operator, include_possible))
        mask_clicked = col2.button(
            t("sandbox.review.mask"), type="primary", icon=":material/visibility_off:", key=f"{key}_mask",
            width="stretch",
        )
        col3, col4 = st.columns(2)
        edit_clicked = col3.button(t("sandbox.review.edit"), icon=":material/edit:", key=f"{key}_edit",
                                   width="stretch")
        cancel_clicked = col4.button(t("sandbox.review.cancel"), icon=":material/close:", key=f"{key}_cancel",
                                     width="stretch")
        anyway_clicked = acknowledged = False
        if check.decision.send_anyway_allowed and not check.decision.blocking:
            st.divider()
            acknowledged = st.checkbox(t("risk.decision.acknowledge"), key=f"{key}_ack")
            anyway_clicked = st.button(
                t("sandbox.review.send_anyway"), disabled=not acknowledged, key=f"{key}_anyway",
                icon=":material/send:",
            )
        elif check.decision.blocking:
            st.caption(t("sandbox.review.no_send_anyway_blocking"))
        else:
            st.caption(t("sandbox.review.no_send_anyway_policy"))

    try:
        if mask_clicked:
            return ReviewChoice("mask", sb.resolve(user, sub, action="mask", operator=operator,
                                                   include_possible=include_possible))
        if anyway_clicked:
            return ReviewChoice("send_anyway", sb.resolve(user, sub, action="send_anyway", acknowledged=acknowledged))
    except SandboxRefused as exc:
        st.error(exc.message)
        return None
    if edit_clicked:
        return ReviewChoice("edit")
    if cancel_clicked:
        return ReviewChoice("cancel")
    return None


def action_caption(sub: Submission) -> str | None:
    if sub.action == "masked":
        return t("sandbox.sent.masked", operator=t(f"risk.mask.operator.{sub.operator}"))
    if sub.action == "sent_anyway":
        return t("sandbox.sent.anyway")
    if sub.action == "edited":
        return t("sandbox.sent.edited")
    return None


# ---------------------------------------------------------------- answers


def _seconds(ms: float | None) -> str:
    return "–" if ms is None else f"{ms / 1000:.2f}"


def answer_meta(sb: Sandbox, result: SendResult) -> str:
    tokens = t(
        "sandbox.answer.tokens", total=f"{result.total_tokens:,}", prompt=f"{result.prompt_tokens:,}",
        completion=f"{result.completion_tokens:,}",
    ) + (t("sandbox.answer.estimated") if result.usage_estimated else "")
    return t(
        "sandbox.answer.meta", model=model_label(sb, result.model), tokens=tokens, latency=_seconds(result.latency_ms),
        ttft=_seconds(result.ttft_ms),
    )


def _rate(event_id: int, key: str) -> None:
    user = state.current_user()
    if user is None:
        return
    value = st.session_state.get(key)
    sandbox().rate(user, event_id, value)
    st.toast(t("sandbox.rating.saved"))


def feedback(result: SendResult, key_prefix: str) -> None:
    if result.event_id is None or result.passages_only or not result.text:
        return
    key = f"{key_prefix}_fb_{result.event_id}"
    st.feedback("thumbs", key=key, on_change=_rate, args=(result.event_id, key))


def sources_list(result: SendResult, key_prefix: str) -> None:
    if not result.sources:
        return
    st.markdown(f"**{t('sandbox.grounded.sources')}**")
    for source in result.sources:
        col1, col2 = st.columns([5, 1], vertical_alignment="center")
        col1.markdown(f"\\[{source.number}\\] {escape_markdown(source.passage.title)}")
        if col2.button(t("sandbox.grounded.open_lesson"), key=f"{key_prefix}_src_{result.event_id}_{source.number}",
                       type="tertiary"):
            routes.open_lesson(source.passage.lesson_id)
        if result.passages_only:
            with st.expander(t("sandbox.grounded.passage", number=source.number)):
                st.markdown(escape_markdown(source.passage.text))


def answer_body(sb: Sandbox, result: SendResult, key_prefix: str, *, streamed: bool = False, rate: bool = True) -> None:
    """An answer with everything around it: text (unless just streamed), error or incomplete
    marker, sources, tokens and latency, notes, the fact-check reminder and the rating."""
    if result.passages_only:
        for note in result.notes:
            st.info(note, icon=":material/menu_book:")
        sources_list(result, key_prefix)
        st.caption(t("sandbox.grounded.search_meta", n=len(result.sources), seconds=_seconds(result.latency_ms)))
        return
    if result.text and not streamed:
        st.markdown(answer_markdown(result.text))  # untrusted: no images fetched, no script links
    if result.outcome == "incomplete":
        st.warning(t("sandbox.answer.incomplete") + " " + result.message, icon=":material/content_cut:")
    elif result.outcome == "quota":
        st.warning(result.message, icon=":material/hourglass_disabled:")
    elif result.outcome in ("error", "blocked"):
        st.error(result.message or t("llm.error.unknown"), icon=":material/error:")
    sources_list(result, key_prefix)
    if result.outcome in ("ok", "incomplete"):
        st.caption(answer_meta(sb, result))
        for note in result.notes:
            st.caption(":material/info: " + note)
        if result.text:
            st.caption(":material/fact_check: " + t("sandbox.answer.check_facts"))
        if rate:
            feedback(result, key_prefix)
