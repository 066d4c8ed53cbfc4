"""The prompt sandbox's services (no Streamlit): the send service, quotas, events, the admin policy.

Public API::

    Sandbox(llm_service, database_url=None, retriever=None)
        .submit(user, Draft(...), edited_from=None) -> Submission   (length, risk checklist, quota)
        .resolve(user, submission, action="mask"|"send_anyway", operator=, include_possible=, acknowledged=)
        .stream(user, submission, **variant) -> SendStream          (.text() for st.write_stream, .result)
        .start(user, draft, edited_from=None) -> (Submission, SendStream | None)   (submit + stream, one transaction)
        .send(user, draft) -> (Submission, SendResult | None)        (start, drained)
        .endpoint_candidates(user, context, model=, k=) -> ExplorerFetch
        .check(text) -> RiskCheck ; .quota(user) -> QuotaStatus ; .policy() ; .rate(user, event_id, rating)
    load_policy(session) / save_policy(session, admin, SandboxPolicy) / build_policy(...)
    set_user_quota(session, admin, user_id, daily_requests=, daily_tokens=) / quota_defaults(session)
    quota_status(session, user_id) -> QuotaStatus ; day_window(now) (Asia/Tokyo days)
    endpoint_problem(session, admin) -> EndpointProblem | None   (the last 401/403/404 of the endpoint)
    escape_markdown(text), highlight_markdown(text, spans) ; templates() ; compose_prompt(text, files)

Modules: ``service`` (the Sandbox class: one authorisation boundary, submit / resolve / stream),
``types`` (its dataclasses), ``explorer`` (the next-token explorer's path), ``review`` (the risk
checklist as shown), ``events``, ``quotas`` (the one rule of what counts), ``policy_store``
(the admin-edited policy in app_settings), ``endpoint_health`` (the endpoint's misconfiguration,
recorded for admins). See docs/sandbox.md.
"""

from portal.sandbox.endpoint_health import MISCONFIG_KINDS, EndpointProblem, endpoint_problem
from portal.sandbox.events import EventFields, rate_event, recent_events
from portal.sandbox.files import compose_prompt, decode_text_file
from portal.sandbox.markdown import answer_markdown, escape_markdown, highlight_markdown, number_mark
from portal.sandbox.policy_store import (
    PolicyError,
    QuotaDefaults,
    SandboxPolicy,
    build_policy,
    load_policy,
    load_policy_for_admin,
    policy_history,
    quota_defaults,
    save_organization_terms,
    save_policy,
    set_user_quota,
)
from portal.localtime import JST
from portal.sandbox.quotas import NOT_COUNTED_KINDS, QuotaStatus, counts_against_quota, day_window, quota_status, usage
from portal.sandbox.review import FindingRow, RiskCheck, check_text
from portal.sandbox.service import Sandbox
from portal.sandbox.types import (
    Draft,
    ExplorerFetch,
    SandboxRefused,
    SendResult,
    SendStream,
    Source,
    Submission,
)
from portal.sandbox.templates import PromptTemplate, get_template, templates

__all__ = [
    "JST",
    "MISCONFIG_KINDS",
    "NOT_COUNTED_KINDS",
    "EndpointProblem",
    "Draft",
    "EventFields",
    "endpoint_problem",
    "ExplorerFetch",
    "FindingRow",
    "PolicyError",
    "PromptTemplate",
    "QuotaDefaults",
    "QuotaStatus",
    "RiskCheck",
    "Sandbox",
    "SandboxPolicy",
    "SandboxRefused",
    "SendResult",
    "SendStream",
    "Source",
    "Submission",
    "build_policy",
    "check_text",
    "compose_prompt",
    "counts_against_quota",
    "day_window",
    "decode_text_file",
    "answer_markdown",
    "escape_markdown",
    "get_template",
    "highlight_markdown",
    "load_policy",
    "load_policy_for_admin",
    "number_mark",
    "policy_history",
    "quota_defaults",
    "quota_status",
    "rate_event",
    "recent_events",
    "save_organization_terms",
    "save_policy",
    "set_user_quota",
    "templates",
    "usage",
]
