"""The send seam: every prompt the sandbox sends goes through :class:`Sandbox` (no Streamlit).

Order of checks for a learner's prompt::

    submit(user, draft)        length limits -> risk checklist                (no request yet)
      status "ready"           clear: may be streamed
      status "needs_review"    warn-level findings: mask, edit, or send anyway with acknowledgement
      status "blocked"         block-level findings: mask or edit (event "blocked" written)
      status "invalid"         a Japanese message (event written, not counted against the quota)
    resolve(user, sub, action="mask" | "send_anyway", ...)      -> a "ready" submission
    submit(user, new_draft, edited_from=sub)                     -> the edit path
    stream(user, sub, **variant)                                 -> SendStream

``stream`` does not trust the submission: it scans the original text again under the current
policy and derives what to send from it (the masked text for a mask, the text itself only when
it is clear or acknowledged and allowed). It then checks and reserves the quota (an exhausted
quota ends the send with outcome ``quota`` and its message) by inserting the event row
(outcome ``incomplete``) in a transaction that locks the user's row, sends through
:class:`portal.llm.LLMService`, and updates the row at the end: ``ok``, ``incomplete`` (partial
answer, or the page stopped reading), or ``error`` with the ``LLMError.kind``.

Nothing here writes prompt text, answers or flagged values to the database, a log line or an
exception message: events hold parameters, counts, timings and ``{category: count}`` only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from portal.accounts.roles import CurrentUser
from portal.db import session_scope
from portal.db.models import utcnow
from portal.i18n import t
from portal.llm import (
    ChatMessage,
    ChatRequest,
    LLMError,
    LLMService,
    Passage,
    Retriever,
    StreamDone,
    StreamEvent,
    TextDelta,
    build_grounded_messages,
    validate_request,
)
from portal.llm.types import Capabilities
from portal.risk import MaskOperator
from portal.sandbox.events import EventFields, add_event, rate_event, update_event
from portal.sandbox.policy import SandboxPolicy, load_policy
from portal.sandbox.quotas import QuotaStatus, quota_status
from portal.sandbox.review import RiskCheck, check_text

log = logging.getLogger(__name__)

Status = Literal["ready", "needs_review", "blocked", "invalid"]
MAX_TOKENS_LIMIT = 16384
GROUNDED_K = 3
_ASYNC_COMMIT = sql_text("SET LOCAL synchronous_commit TO OFF")


class SandboxRefused(Exception):
    """The seam refused an action (message in Japanese, never containing the prompt)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Draft:
    """What the learner wants to send. ``repr`` never shows the texts."""

    prompt: str = field(repr=False)
    mode: str = "chat"  # chat | compare | grounded (explorer uses endpoint_candidates)
    system: str | None = field(default=None, repr=False)
    history: tuple[ChatMessage, ...] = field(default=(), repr=False)
    model: str | None = None
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    n: int = 1
    seed: int | None = None


@dataclass(frozen=True)
class Submission:
    """A prompt after the checks. Built only by :class:`Sandbox`; kept in the page's session."""

    status: Status
    draft: Draft = field(repr=False)
    check: RiskCheck | None = field(default=None, repr=False)
    action: str = "none"  # none | masked | edited | sent_anyway | blocked
    operator: str | None = None
    include_possible: bool = False
    acknowledged: bool = False
    edited: bool = False
    flagged: Mapping[str, int] = field(default_factory=dict)  # categories held back before acting
    message: str = ""
    error_kind: str | None = None
    event_id: int | None = None

    @property
    def ready(self) -> bool:
        return self.status == "ready"

    @property
    def text_to_send(self) -> str:
        """Preview of the user message that will be sent (masked after a mask)."""
        if self.check is None:
            return self.draft.prompt
        if self.action == "masked":
            return self.check.masked_text(self.operator, self.include_possible)
        return self.check.text


@dataclass(frozen=True)
class Source:
    number: int
    passage: Passage
    score: float


@dataclass(frozen=True)
class SendResult:
    outcome: str  # ok | incomplete | error | blocked | quota
    event_id: int | None
    provider: str
    model: str
    text: str = field(default="", repr=False)  # the answer (choice 0), partial when incomplete
    texts: tuple[str, ...] = field(default=(), repr=False)
    sent_text: str = field(default="", repr=False)  # the user message as sent (masked)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: float | None = None
    ttft_ms: float | None = None
    error: LLMError | None = None
    message: str = ""  # Japanese message for error / blocked / quota
    notes: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    passages_only: bool = False  # grounded mode on the practice model: passages instead of an answer
    action: str = "none"
    usage_estimated: bool = False

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class ExplorerFetch:
    """Top next tokens from the endpoint for the explorer (or why there are none)."""

    candidates: tuple[tuple[str, float], ...] = ()
    event_id: int | None = None
    error: LLMError | None = None
    message: str = ""
    blocked: bool = False


class SendStream:
    """One send in progress. Iterate :meth:`events` (or :meth:`text` for ``st.write_stream``);
    :attr:`result` is set when the stream ends, also when the reader stops early."""

    def __init__(
        self,
        runner: Callable[[SendStream], Iterator[StreamEvent]] | None = None,
        result: SendResult | None = None,
    ) -> None:
        self._runner = runner
        self.result: SendResult | None = result
        self._used = False

    @property
    def started(self) -> bool:
        """False when the send was refused before any request (``result`` is already set)."""
        return self._runner is not None

    def events(self) -> Iterator[StreamEvent]:
        if self._runner is None or self._used:
            return iter(())
        self._used = True
        return self._runner(self)

    __iter__ = events

    def text(self, choice: int = 0) -> Iterator[str]:
        for event in self.events():
            if isinstance(event, TextDelta) and event.choice == choice:
                yield event.text

    def drain(self) -> SendResult:
        for _ in self.events():
            pass
        assert self.result is not None
        return self.result


def _estimate_tokens(text: str) -> int:
    """One token per character: an upper-side estimate for Japanese, used only when the server
    reported no usage (a broken or stopped stream)."""
    return len(text)


class Sandbox:
    """The sandbox's one send seam (thread-safe; cache one per process and endpoint)."""

    def __init__(
        self,
        llm: LLMService,
        *,
        database_url: str | None = None,
        retriever: Retriever | None = None,
        clock: Callable[[], datetime] = utcnow,
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.llm = llm
        self.database_url = database_url
        self._retriever = retriever
        self._clock = clock
        self._timer = timer

    # ------------------------------------------------------------------ plumbing
    def _db(self):
        return session_scope(self.database_url)

    @contextmanager
    def _send_tx(self) -> Iterator[Session]:
        """The transaction on the send path (policy, checks, quota, reservation row). On
        PostgreSQL its commit does not wait for the WAL flush (``synchronous_commit`` off for
        this transaction only): a database crash in the next fraction of a second could lose
        the reservation row, never consistency - and the learner does not wait ~4 ms for an
        fsync before the request starts. The final event update commits normally."""
        with self._db() as session:
            if session.get_bind().dialect.name == "postgresql":
                session.execute(_ASYNC_COMMIT)
            yield session

    @property
    def config(self):
        return self.llm.config

    @property
    def provider(self) -> str:
        return self.config.provider

    @property
    def is_practice(self) -> bool:
        return self.config.is_practice

    @property
    def models(self) -> list[str]:
        return list(self.config.models)

    def capabilities(self, model: str | None = None) -> Capabilities:
        return self.llm.capabilities(model)

    def model_name(self, model: str | None) -> str:
        return (model or self.config.default_model or "").strip() or "?"

    @property
    def retriever(self) -> Retriever:
        if self._retriever is None:
            from portal.config import get_settings
            from portal.llm import load_course_passages

            self._retriever = Retriever(load_course_passages(str(get_settings().content_dir)))
        return self._retriever

    def policy(self) -> SandboxPolicy:
        with self._db() as session:
            return load_policy(session)

    def quota(self, user: CurrentUser) -> QuotaStatus:
        with self._db() as session:
            return quota_status(session, user.id, now=self._clock())

    def check(self, text: str, policy: SandboxPolicy | None = None) -> RiskCheck:
        return check_text(text, (policy or self.policy()).risk)

    def rate(self, user: CurrentUser, event_id: int, rating: int | None) -> None:
        with self._db() as session:
            rate_event(session, user, event_id, rating)

    def _record(self, user: CurrentUser, fields: EventFields) -> int:
        with self._db() as session:
            return add_event(session, user.id, fields)

    def _fields(self, draft: Draft, outcome: str, **extra: Any) -> EventFields:
        base: dict[str, Any] = {
            "mode": draft.mode,
            "provider": self.provider,
            "model": self.model_name(draft.model),
            "outcome": outcome,
            "temperature": draft.temperature,
            "top_p": draft.top_p,
            "max_tokens": draft.max_tokens,
        }
        base.update(extra)
        return EventFields(**base)

    # ------------------------------------------------------------------ requests
    def _messages(self, draft: Draft, text: str) -> list[ChatMessage]:
        messages = [ChatMessage(role="system", content=draft.system)] if draft.system and draft.system.strip() else []
        messages.extend(draft.history)
        messages.append(ChatMessage(role="user", content=text))
        return messages

    def _request(self, draft: Draft, text: str, **overrides: Any) -> tuple[ChatRequest, tuple[Source, ...]]:
        params: dict[str, Any] = {
            "model": draft.model,
            "temperature": draft.temperature,
            "top_p": draft.top_p,
            "max_tokens": draft.max_tokens,
            "n": draft.n,
            "seed": draft.seed,
        }
        params.update(overrides)
        sources: tuple[Source, ...] = ()
        if draft.mode == "grounded":
            hits = self.retriever.search(text, k=GROUNDED_K)
            sources = tuple(Source(i, p, s) for i, (p, s) in enumerate(hits, start=1))
            messages = [ChatMessage(role=m["role"], content=m["content"]) for m in build_grounded_messages(text, hits)]
        else:
            messages = self._messages(draft, text)
        return ChatRequest(messages=messages, **params), sources

    def _system_problem(self, draft: Draft, policy: SandboxPolicy) -> RiskCheck | None:
        """The system prompt is sent too: anything the checklist would hold back stops the send
        (it has no mask / acknowledgement path of its own; the learner removes it)."""
        if draft.mode == "grounded" or not draft.system or not draft.system.strip():
            return None
        check = check_text(draft.system, policy.risk)
        return check if check.decision.masked_by_default else None

    @staticmethod
    def _system_message(check: RiskCheck) -> str:
        names = "、".join(t(f"risk.category.{c}") for c in check.flagged_categories)
        return t("sandbox.refused.system_prompt", categories=names)

    # ------------------------------------------------------------------ submit / resolve
    def submit(self, user: CurrentUser, draft: Draft, *, edited_from: Submission | None = None) -> Submission:
        """Check a prompt before anything is sent (see the module doc for the statuses)."""
        with self._db() as session:
            return self._submit(session, user, draft, edited_from)

    def _submit(
        self,
        session: Session,
        user: CurrentUser,
        draft: Draft,
        edited_from: Submission | None,
        policy: SandboxPolicy | None = None,
    ) -> Submission:
        edited = edited_from is not None and (edited_from.edited or bool(edited_from.flagged))
        flagged_before = dict(edited_from.flagged) if edited_from is not None else {}
        request, _ = self._request(replace(draft, mode="chat"), draft.prompt)
        try:
            validate_request(request, self.config)
        except LLMError as exc:
            event_id = add_event(session, user.id, self._fields(draft, "error", error_kind=exc.kind))
            return Submission("invalid", draft, message=exc.message_ja, error_kind=exc.kind, event_id=event_id,
                              edited=edited, flagged=flagged_before)
        policy = policy or load_policy(session)
        system_check = self._system_problem(draft, policy)
        if system_check is not None:
            event_id = add_event(session, user.id, self._fields(
                draft, "blocked", risk_categories=system_check.categories, risk_action="blocked"))
            return Submission("invalid", draft, message=self._system_message(system_check),
                              error_kind="system_prompt", event_id=event_id, edited=edited, flagged=flagged_before)
        check = check_text(draft.prompt, policy.risk)
        flagged = check.flagged_categories or flagged_before
        if check.blocked:
            event_id = add_event(session, user.id, self._fields(
                draft, "blocked", risk_categories=check.categories, risk_action="blocked"))
            return Submission("blocked", draft, check, action="blocked", edited=edited, flagged=flagged,
                              message=t("risk.decision.blocked"), event_id=event_id)
        if not check.clear:
            return Submission("needs_review", draft, check, edited=edited, flagged=flagged,
                              message=t("risk.decision.needs_acknowledgement"))
        action = "edited" if edited and flagged_before else "none"
        return Submission("ready", draft, check, action=action, edited=edited, flagged=flagged)

    def resolve(
        self,
        user: CurrentUser,
        sub: Submission,
        *,
        action: Literal["mask", "send_anyway"],
        operator: MaskOperator | str | None = None,
        include_possible: bool = False,
        acknowledged: bool = False,
    ) -> Submission:
        """The learner's choice on a held prompt: one-click mask, or send anyway (only with the
        acknowledgement, only where the policy allows it, never over block-level findings)."""
        if sub.check is None or sub.status not in ("needs_review", "blocked", "ready"):
            raise SandboxRefused(t("sandbox.refused.nothing_to_resolve"))
        policy = self.policy()
        check = check_text(sub.draft.prompt, policy.risk)  # the current policy decides
        flagged = check.flagged_categories or dict(sub.flagged)
        if action == "mask":
            op = MaskOperator(operator) if operator else policy.risk.default_operator
            if not check.to_mask(include_possible):
                raise SandboxRefused(t("sandbox.refused.nothing_to_mask"))
            return Submission("ready", sub.draft, check, action="masked", operator=op.value,
                              include_possible=include_possible, edited=sub.edited, flagged=flagged)
        if action == "send_anyway":
            if check.decision.blocking:
                raise SandboxRefused(t("sandbox.refused.blocking"))
            if not check.decision.send_anyway_allowed:
                raise SandboxRefused(t("sandbox.refused.not_allowed"))
            if not acknowledged:
                raise SandboxRefused(t("sandbox.refused.ack_required"))
            return Submission("ready", sub.draft, check, action="sent_anyway", acknowledged=True,
                              edited=sub.edited, flagged=flagged)
        raise SandboxRefused(t("sandbox.refused.nothing_to_resolve"))

    # ------------------------------------------------------------------ stream
    def _final_text(self, sub: Submission, check: RiskCheck) -> str | None:
        """What may be sent for this submission under the current policy (None: nothing)."""
        if sub.action == "masked":
            op = MaskOperator(sub.operator) if sub.operator else check.policy.default_operator
            return check.masked_text(op, sub.include_possible)
        if check.decision.blocking:
            return None
        if check.clear:
            return check.text
        if sub.action == "sent_anyway" and sub.acknowledged and check.decision.send_anyway_allowed:
            return check.text
        return None

    @staticmethod
    def _variant(draft: Draft, overrides: Mapping[str, Any]) -> Draft:
        if not overrides:
            return draft
        return replace(draft, **{k: v for k, v in overrides.items() if k in Draft.__dataclass_fields__})

    def stream(self, user: CurrentUser, sub: Submission, **overrides: Any) -> SendStream:
        """Send a ready submission. ``overrides`` (temperature, top_p, n, seed, max_tokens,
        model) make compare-mode variants of the same prompt."""
        if not sub.ready:
            raise SandboxRefused(sub.message or t("sandbox.refused.not_ready"))
        started = self._timer()
        with self._send_tx() as session:
            return self._reserve(session, user, sub, self._variant(sub.draft, overrides), load_policy(session), started)

    def start(
        self, user: CurrentUser, draft: Draft, *, edited_from: Submission | None = None, **overrides: Any
    ) -> tuple[Submission, SendStream | None]:
        """:meth:`submit` and, when the prompt is ready, :meth:`stream` - in one transaction
        (the common path of a clear prompt pays for one database round of work, not two)."""
        started = self._timer()
        with self._send_tx() as session:
            policy = load_policy(session)
            sub = self._submit(session, user, draft, edited_from, policy)
            if not sub.ready:
                return sub, None
            variant = self._variant(draft, overrides)
            # same transaction, same policy, same texts: the checks just made stand
            return sub, self._reserve(session, user, sub, variant, policy, started, checked=variant.system == draft.system)

    def _reserve(
        self,
        session: Session,
        user: CurrentUser,
        sub: Submission,
        draft: Draft,
        policy: SandboxPolicy,
        started: float,
        checked: bool = False,
    ) -> SendStream:
        """Inside the caller's transaction: re-check under ``policy`` (``checked``: the caller
        checked these very texts under this policy in this transaction), then the quota count
        and the reservation row (the user's row locked). Runs before the request, on the time to
        first token."""
        provider, model = self.provider, self.model_name(draft.model)

        def final(outcome: str, message: str, categories: Mapping[str, int], action: str,
                  **extra: Any) -> SendStream:
            fields = self._fields(draft, outcome, risk_categories=categories, risk_action=action,
                                  **{k: v for k, v in extra.items() if k in EventFields.__dataclass_fields__})
            event_id = add_event(session, user.id, fields)
            result_extra = {k: v for k, v in extra.items() if k in SendResult.__dataclass_fields__}
            return SendStream(result=SendResult("quota" if extra.get("error_kind") == "quota" else outcome,
                                                event_id, provider, model, message=message, action=action,
                                                **result_extra))

        system_check = None if checked else self._system_problem(draft, policy)
        if system_check is not None:
            return final("blocked", self._system_message(system_check), system_check.categories, "blocked")
        check = sub.check if checked and sub.check is not None else check_text(draft.prompt, policy.risk)
        text = self._final_text(sub, check)
        if text is None:  # the policy changed since, or the submission was not resolved here
            return final("blocked", t("risk.decision.blocked"), check.categories, "blocked")
        categories = dict(sub.flagged) if sub.action in ("masked", "edited", "sent_anyway") else check.categories
        request, sources = self._request(draft, text)

        if draft.mode == "grounded" and not self.capabilities(draft.model).supports_grounding:
            # the practice model cannot read sources: show the passages, send nothing
            notes = (t("llm.grounded.practice_note"),) if sources else (t("llm.grounded.no_hits"),)
            return final("ok", "", categories, sub.action, sent_text=text, sources=sources, passages_only=True,
                         notes=notes, latency_ms=(self._timer() - started) * 1000)

        status = quota_status(session, user.id, now=self._clock(), defaults=policy.quotas, lock=True)
        if status.exhausted:
            return final("error", status.message(), categories, sub.action, error_kind="quota", sent_text=text)
        clamp_note: tuple[str, ...] = ()
        cap = min(status.tokens_left, MAX_TOKENS_LIMIT)
        wanted = request.max_tokens if request.max_tokens is not None else MAX_TOKENS_LIMIT
        if wanted > cap:  # never let one answer run far past the day's token quota
            request = request.model_copy(update={"max_tokens": max(1, cap)})
            clamp_note = (t("sandbox.quota.max_tokens_clamped", tokens=f"{cap:,}"),)
        event_id = add_event(session, user.id, self._fields(
            draft, "incomplete", max_tokens=request.max_tokens, risk_categories=categories, risk_action=sub.action))

        def run(stream: SendStream) -> Iterator[StreamEvent]:
            texts = [""] * request.n
            ttft: float | None = None
            done: StreamDone | None = None
            inner = self.llm.stream_chat(request)
            try:
                for event in inner:
                    if isinstance(event, TextDelta):
                        if ttft is None:
                            ttft = self._timer() - started
                        if 0 <= event.choice < len(texts):
                            texts[event.choice] += event.text
                    else:
                        done = event
                    yield event
            except GeneratorExit:
                pass  # the page stopped reading (rerun, new page): recorded as incomplete
            except Exception as exc:  # the service never raises for endpoint faults; be safe anyway
                log.warning("sandbox stream failed unexpectedly: %s", type(exc).__name__)
            finally:
                inner.close()
                stream.result = self._finish(
                    event_id, draft, request, text, texts, done, started, ttft, categories, sub.action,
                    sources, clamp_note,
                )

        return SendStream(runner=run)

    def _finish(
        self,
        event_id: int,
        draft: Draft,
        request: ChatRequest,
        sent_text: str,
        texts: list[str],
        done: StreamDone | None,
        started: float,
        ttft: float | None,
        categories: Mapping[str, int],
        action: str,
        sources: tuple[Source, ...],
        extra_notes: tuple[str, ...],
    ) -> SendResult:
        latency_ms = (self._timer() - started) * 1000
        ttft_ms = ttft * 1000 if ttft is not None else None
        error: LLMError | None = None
        estimated = False
        if done is None:
            outcome, error_kind = "incomplete", "cancelled"
            message = t("sandbox.stream.cancelled")
            notes: tuple[str, ...] = ()
        else:
            error = done.error
            notes = done.notes
            if error is None and done.complete:
                outcome, error_kind, message = "ok", None, ""
            else:
                error_kind = error.kind if error is not None else "stream_interrupted"
                if error_kind == "rate_limited" and done.attempts == 0:
                    error_kind = "cooldown"  # answered by the shared cooldown, no request made
                outcome = "incomplete" if any(texts) else "error"
                message = error.message_ja if error is not None else t("llm.error.stream_interrupted")
        usage = done.usage if done is not None else None
        if usage is not None:
            prompt_tokens, completion_tokens = usage.prompt_tokens, usage.completion_tokens
        elif any(texts):  # part of an answer arrived but no usage report: estimate
            estimated = True
            prompt_tokens = _estimate_tokens("".join(m.content for m in request.messages))
            completion_tokens = sum(_estimate_tokens(x) for x in texts)
        else:  # nothing was generated
            prompt_tokens = completion_tokens = 0
        dropped = set(done.dropped_params) if done is not None else set()
        model = done.model if done is not None and done.model else self.model_name(request.model)
        fields = EventFields(
            mode=draft.mode,
            provider=self.provider,
            model=model,
            outcome=outcome,
            temperature=None if "temperature" in dropped else request.temperature,
            top_p=None if "top_p" in dropped else request.top_p,
            max_tokens=request.max_tokens,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            latency_ms=latency_ms,
            ttft_ms=ttft_ms,
            error_kind=error_kind,
            risk_categories=dict(categories),
            risk_action=action,
        )
        try:
            with self._db() as session:
                update_event(session, event_id, fields)
        except Exception as exc:  # the answer was shown; do not turn a DB hiccup into a crash
            log.error("could not update sandbox event %s: %s", event_id, type(exc).__name__)
        return SendResult(
            outcome=outcome,
            event_id=event_id,
            provider=self.provider,
            model=model,
            text=texts[0] if texts else "",
            texts=tuple(texts),
            sent_text=sent_text,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            latency_ms=latency_ms,
            ttft_ms=ttft_ms,
            error=error,
            message=message,
            notes=tuple(notes) + extra_notes,
            sources=sources,
            action=action,
            usage_estimated=estimated,
        )

    # ------------------------------------------------------------------ convenience
    def send(self, user: CurrentUser, draft: Draft, **overrides: Any) -> tuple[Submission, SendResult | None]:
        """Submit and, when ready, send and wait for the whole answer (scripts and tests)."""
        sub, stream = self.start(user, draft, **overrides)
        return sub, stream.drain() if stream is not None else None

    # ------------------------------------------------------------------ explorer
    def endpoint_candidates(
        self, user: CurrentUser, context: str, *, model: str | None = None, k: int = 10
    ) -> ExplorerFetch:
        """The endpoint's top next tokens after ``context`` (one request, one explorer event).
        The context goes through the same length limits, risk checklist and quota: anything the
        checklist would hold back is not sent (there is no acknowledgement path here)."""
        draft = Draft(prompt=context, mode="explorer", model=model, max_tokens=1)
        try:
            validate_request(ChatRequest.simple(context), self.config)
        except LLMError as exc:
            event_id = self._record(user, self._fields(draft, "error", error_kind=exc.kind))
            return ExplorerFetch(event_id=event_id, error=exc, message=exc.message_ja)
        policy = self.policy()
        check = check_text(context, policy.risk)
        if not check.clear:
            event_id = self._record(
                user, self._fields(draft, "blocked", risk_categories=check.categories, risk_action="blocked")
            )
            return ExplorerFetch(event_id=event_id, blocked=True, message=t("sandbox.explorer.blocked"))
        started = self._timer()
        with self._db() as session:
            status = quota_status(session, user.id, now=self._clock(), defaults=policy.quotas, lock=True)
            if status.exhausted:
                event_id = add_event(session, user.id, self._fields(draft, "error", error_kind="quota"))
            else:
                event_id = add_event(session, user.id, self._fields(draft, "incomplete",
                                                                    risk_categories=check.categories))
        if status.exhausted:
            return ExplorerFetch(event_id=event_id, message=status.message())
        error: LLMError | None = None
        candidates: list[tuple[str, float]] = []
        try:
            candidates = self.llm.next_token_candidates(context, model, k=k)
        except LLMError as exc:
            error = exc
        latency_ms = (self._timer() - started) * 1000
        fields = self._fields(
            draft,
            "ok" if error is None else "error",
            error_kind=error.kind if error is not None else None,
            prompt_tokens=0 if error is not None else _estimate_tokens(context),
            completion_tokens=0 if error is not None else 1,
            latency_ms=latency_ms,
            ttft_ms=latency_ms if error is None else None,
            risk_categories=check.categories,
        )
        with self._db() as session:
            update_event(session, event_id, fields)
        return ExplorerFetch(tuple(candidates), event_id, error, error.message_ja if error is not None else "")
