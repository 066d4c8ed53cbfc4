"""The sandbox service: every prompt the sandbox sends goes through :class:`Sandbox` (no Streamlit).

Order of checks for a learner's prompt::

    submit(user, draft)        length limits -> risk checklist                (no request yet)
      status "ready"           clear: may be streamed
      status "needs_review"    warn-level findings: mask, edit, or send anyway with acknowledgement
      status "blocked"         block-level findings: mask or edit (event "blocked" written)
      status "invalid"         a Japanese message (event written, not counted against the quota)
    resolve(user, sub, action="mask" | "send_anyway", ...)      -> a "ready" submission
    submit(user, new_draft, edited_from=sub)                     -> the edit path
    stream(user, sub, **variant)                                 -> SendStream

Every method that takes a user checks it first, at one boundary (:meth:`Sandbox._session`): a
signed-out visitor (``None``) or a deactivated account is refused with ``PermissionDenied``
before anything is checked, written or sent.

``stream`` does not trust the submission: it checks the original text under the current policy
(the submission's own scan is reused only when both the text and the policy are unchanged -
the same scan would give the same findings; a changed policy scans again) and derives what to
send from it (the masked text for a mask, the text itself only when
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
from dataclasses import replace
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from portal.accounts.roles import CurrentUser, PermissionDenied, require_active_user, require_user
from portal.config import get_settings
from portal.db import session_scope
from portal.db.models import utcnow
from portal.i18n import t
from portal.llm import (
    ChatMessage,
    ChatRequest,
    LLMError,
    LLMService,
    Retriever,
    StreamDone,
    StreamEvent,
    TextDelta,
    build_grounded_messages,
    load_course_passages,
    validate_request,
)
from portal.llm.types import Capabilities
from portal.risk import MaskOperator
from portal.sandbox import explorer
from portal.sandbox.explorer import estimate_tokens
from portal.sandbox.endpoint_health import is_misconfiguration, record_misconfiguration
from portal.sandbox.events import EventFields, EventRecord, add_event, insert_event, rate_event, update_event
from portal.sandbox.policy_store import SandboxPolicy, load_policy
from portal.sandbox.quotas import QuotaStatus, lock_account, quota_status
from portal.sandbox.review import RiskCheck, check_text
from portal.sandbox.types import (
    Draft,
    ExplorerFetch,
    SandboxRefused,
    SendResult,
    SendStream,
    Source,
    Submission,
)

log = logging.getLogger(__name__)

MAX_TOKENS_LIMIT = 16384
GROUNDED_K = 3
_ASYNC_COMMIT = sql_text("SET LOCAL synchronous_commit TO OFF")
_OVERRIDES_KEY = "portal.sandbox.quota_overrides"  # session.info: the send path's locked account row

__all__ = ["GROUNDED_K", "MAX_TOKENS_LIMIT", "Draft", "ExplorerFetch", "Sandbox", "SandboxRefused", "SendResult",
           "SendStream", "Source", "Submission"]


def reuse_or_check(text: str, policy: SandboxPolicy, earlier: RiskCheck | None) -> RiskCheck:
    """The risk check of ``text`` under ``policy``: ``earlier`` when it is the check of this very
    text under an equal policy (scanning is deterministic: the same findings again), else a scan."""
    if earlier is not None and earlier.text == text and earlier.policy == policy.risk:
        return earlier
    return check_text(text, policy.risk)


def _estimate_tokens(text: str) -> int:
    """One token per character: an upper-side estimate for Japanese, used only when the server
    reported no usage (a broken or stopped stream)."""
    return estimate_tokens(text)


class Sandbox:
    """The sandbox's one send service (thread-safe; cache one per process and endpoint)."""

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
    def _session(self, user: CurrentUser | None, *, send: bool = False) -> Iterator[Session]:
        """The one authorisation boundary: every method that takes a user opens its unit of work
        here, which refuses a signed-out visitor or a deactivated account (``PermissionDenied``)
        before anything else happens. ``send``: the send path's transaction (``_send_tx``); its
        check reads the account row with the quota overrides and locks it, as the quota count
        later in the transaction needs (one round trip before the request, not two)."""
        with self._send_tx() if send else self._db() as session:
            if not send:
                require_active_user(session, user)
            else:
                require_user(user)
                account = lock_account(session, user.id)
                if account is None or not account[0]:
                    raise PermissionDenied(t("auth.sign_in_required"))
                session.info[_OVERRIDES_KEY] = account[1]
            yield session

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
            self._retriever = Retriever(load_course_passages(str(get_settings().content_dir)))
        return self._retriever

    def policy(self) -> SandboxPolicy:
        with self._db() as session:
            return load_policy(session)

    def quota(self, user: CurrentUser) -> QuotaStatus:
        with self._session(user) as session:
            return quota_status(session, user.id, now=self._clock())

    def check(self, text: str, policy: SandboxPolicy | None = None) -> RiskCheck:
        return check_text(text, (policy or self.policy()).risk)

    def rate(self, user: CurrentUser, event_id: int, rating: int | None) -> None:
        with self._session(user) as session:
            rate_event(session, user, event_id, rating)

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

    @staticmethod
    def _system_check(draft: Draft, policy: SandboxPolicy, earlier: RiskCheck | None = None) -> RiskCheck | None:
        """The check of the system prompt that is sent with the draft (None: none is sent)."""
        if draft.mode == "grounded" or not draft.system or not draft.system.strip():
            return None
        return reuse_or_check(draft.system, policy, earlier)

    @staticmethod
    def _system_problem(check: RiskCheck | None) -> bool:
        """The system prompt is sent too: anything the checklist would hold back stops the send
        (it has no mask / acknowledgement path of its own; the learner removes it)."""
        return check is not None and check.decision.masked_by_default

    @staticmethod
    def _system_message(check: RiskCheck) -> str:
        names = "、".join(t(f"risk.category.{c}") for c in check.flagged_categories)
        return t("sandbox.refused.system_prompt", categories=names)

    # ------------------------------------------------------------------ submit / resolve
    def submit(self, user: CurrentUser, draft: Draft, *, edited_from: Submission | None = None) -> Submission:
        """Check a prompt before anything is sent (see the module doc for the statuses)."""
        with self._session(user) as session:
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
        system_check = self._system_check(draft, policy)
        if self._system_problem(system_check):
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
                              message=t("risk.decision.blocked"), event_id=event_id, system_check=system_check)
        if not check.clear:
            return Submission("needs_review", draft, check, edited=edited, flagged=flagged,
                              message=t("risk.decision.needs_acknowledgement"), system_check=system_check)
        action = "edited" if edited and flagged_before else "none"
        return Submission("ready", draft, check, action=action, edited=edited, flagged=flagged,
                          system_check=system_check)

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
        with self._session(user) as session:
            policy = load_policy(session)
        check = reuse_or_check(sub.draft.prompt, policy, sub.check)  # the current policy decides
        flagged = check.flagged_categories or dict(sub.flagged)
        if action == "mask":
            op = MaskOperator(operator) if operator else policy.risk.default_operator
            if not check.to_mask(include_possible):
                raise SandboxRefused(t("sandbox.refused.nothing_to_mask"))
            return Submission("ready", sub.draft, check, action="masked", operator=op.value,
                              include_possible=include_possible, edited=sub.edited, flagged=flagged,
                              system_check=sub.system_check)
        if action == "send_anyway":
            if check.decision.blocking:
                raise SandboxRefused(t("sandbox.refused.blocking"))
            if not check.decision.send_anyway_allowed:
                raise SandboxRefused(t("sandbox.refused.not_allowed"))
            if not acknowledged:
                raise SandboxRefused(t("sandbox.refused.ack_required"))
            return Submission("ready", sub.draft, check, action="sent_anyway", acknowledged=True,
                              edited=sub.edited, flagged=flagged, system_check=sub.system_check)
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
        with self._session(user, send=True) as session:
            return self._reserve(session, user, sub, self._variant(sub.draft, overrides), load_policy(session), started)

    def start(
        self, user: CurrentUser, draft: Draft, *, edited_from: Submission | None = None, **overrides: Any
    ) -> tuple[Submission, SendStream | None]:
        """:meth:`submit` and, when the prompt is ready, :meth:`stream` - in one transaction
        (the common path of a clear prompt pays for one database round of work, not two)."""
        started = self._timer()
        with self._session(user, send=True) as session:
            policy = load_policy(session)
            sub = self._submit(session, user, draft, edited_from, policy)
            if not sub.ready:
                return sub, None
            # same transaction, same policy: the checks just made stand for the texts left unchanged
            return sub, self._reserve(session, user, sub, self._variant(draft, overrides), policy, started)

    def _reserve(
        self,
        session: Session,
        user: CurrentUser,
        sub: Submission,
        draft: Draft,
        policy: SandboxPolicy,
        started: float,
    ) -> SendStream:
        """Inside the caller's transaction: check under ``policy`` (the submission's checks are
        reused where text and policy are unchanged: one scan per text and policy), then the quota
        count and the reservation row (the user's row locked). Runs before the request, on the
        time to first token."""
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

        system_check = self._system_check(draft, policy, sub.system_check)
        if self._system_problem(system_check):
            return final("blocked", self._system_message(system_check), system_check.categories, "blocked")
        check = reuse_or_check(draft.prompt, policy, sub.check)
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

        status = quota_status(session, user.id, now=self._clock(), defaults=policy.quotas, lock=True,
                              overrides=session.info.get(_OVERRIDES_KEY))
        if status.exhausted:
            return final("error", status.message(), categories, sub.action, error_kind="quota", sent_text=text)
        clamp_note: tuple[str, ...] = ()
        cap = min(status.tokens_left, MAX_TOKENS_LIMIT)
        wanted = request.max_tokens if request.max_tokens is not None else MAX_TOKENS_LIMIT
        if wanted > cap:  # never let one answer run far past the day's token quota
            request = request.model_copy(update={"max_tokens": max(1, cap)})
            clamp_note = (t("sandbox.quota.max_tokens_clamped", tokens=f"{cap:,}"),)
        reservation = insert_event(session, user.id, self._fields(
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
                    reservation, draft, request, text, texts, done, started, ttft, categories, sub.action,
                    sources, clamp_note,
                )

        return SendStream(runner=run)

    def _finish(
        self,
        reservation: EventRecord,
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
        if is_misconfiguration(error_kind):
            notes = tuple(notes) + (t("sandbox.quota.not_counted_misconfig"),)
        try:
            with self._db() as session:
                update_event(session, reservation, fields)  # the reservation's values are held: no read-back
                if is_misconfiguration(error_kind):
                    record_misconfiguration(session, error_kind, provider=self.provider, model=model,
                                            status_code=error.status_code if error is not None else None)
        except Exception as exc:  # the answer was shown; do not turn a DB hiccup into a crash
            log.error("could not update sandbox event %s: %s", reservation.id, type(exc).__name__)
        return SendResult(
            outcome=outcome,
            event_id=reservation.id,
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
        """The endpoint's top next tokens after ``context`` (one request, one explorer event);
        see :func:`portal.sandbox.explorer.endpoint_candidates`."""
        return explorer.endpoint_candidates(self, user, context, model=model, k=k)
