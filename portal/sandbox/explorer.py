"""The next-token explorer's path to the endpoint: one context, one request, one explorer event.

The context goes through the same checks as a prompt - length limits, the risk checklist and the
quota - but has no acknowledgement path: anything the checklist would hold back is not sent.
Called through :meth:`portal.sandbox.service.Sandbox.endpoint_candidates`, whose unit-of-work
boundary checks the user.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal.accounts.roles import CurrentUser
from portal.i18n import t
from portal.llm import ChatRequest, LLMError, validate_request
from portal.sandbox.endpoint_health import is_misconfiguration, record_misconfiguration
from portal.sandbox.events import add_event, insert_event, update_event
from portal.sandbox.policy_store import load_policy
from portal.sandbox.quotas import quota_status
from portal.sandbox.review import check_text
from portal.sandbox.types import Draft, ExplorerFetch

if TYPE_CHECKING:  # annotations only: the service calls this module, not the other way round
    from portal.sandbox.service import Sandbox


def estimate_tokens(text: str) -> int:
    """One token per character (the service's estimate when no usage was reported)."""
    return len(text)


def endpoint_candidates(
    sandbox: Sandbox, user: CurrentUser, context: str, *, model: str | None = None, k: int = 10
) -> ExplorerFetch:
    """The endpoint's top next tokens after ``context``."""
    draft = Draft(prompt=context, mode="explorer", model=model, max_tokens=1)
    with sandbox._session(user) as session:
        try:
            validate_request(ChatRequest.simple(context), sandbox.config)
        except LLMError as exc:
            event_id = add_event(session, user.id, sandbox._fields(draft, "error", error_kind=exc.kind))
            return ExplorerFetch(event_id=event_id, error=exc, message=exc.message_ja)
        policy = load_policy(session)
    check = check_text(context, policy.risk)
    if not check.clear:
        with sandbox._session(user) as session:
            event_id = add_event(session, user.id, sandbox._fields(
                draft, "blocked", risk_categories=check.categories, risk_action="blocked"))
        return ExplorerFetch(event_id=event_id, blocked=True, message=t("sandbox.explorer.blocked"))
    started = sandbox._timer()
    with sandbox._session(user) as session:
        status = quota_status(session, user.id, now=sandbox._clock(), defaults=policy.quotas, lock=True)
        if status.exhausted:
            event_id = add_event(session, user.id, sandbox._fields(draft, "error", error_kind="quota"))
        else:
            reservation = insert_event(session, user.id, sandbox._fields(draft, "incomplete",
                                                                          risk_categories=check.categories))
    if status.exhausted:
        return ExplorerFetch(event_id=event_id, message=status.message())
    error: LLMError | None = None
    candidates: list[tuple[str, float]] = []
    try:
        candidates = sandbox.llm.next_token_candidates(context, model, k=k)
    except LLMError as exc:
        error = exc
    latency_ms = (sandbox._timer() - started) * 1000
    fields = sandbox._fields(
        draft,
        "ok" if error is None else "error",
        error_kind=error.kind if error is not None else None,
        prompt_tokens=0 if error is not None else estimate_tokens(context),
        completion_tokens=0 if error is not None else 1,
        latency_ms=latency_ms,
        ttft_ms=latency_ms if error is None else None,
        risk_categories=check.categories,
    )
    with sandbox._db() as session:
        update_event(session, reservation, fields)
        if error is not None and is_misconfiguration(error.kind):
            record_misconfiguration(session, error.kind, provider=sandbox.provider, model=sandbox.model_name(model),
                                    status_code=error.status_code)
    return ExplorerFetch(tuple(candidates), reservation.id, error, error.message_ja if error is not None else "")
