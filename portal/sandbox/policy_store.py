"""The admin-edited sandbox policy: the risk checklist policy and the default daily quotas.

Stored in ``app_settings`` (one JSON value per key) so every app replica reads the same policy.
Anyone may read it (the send service does, on every send); only admins may change it, and every
change is written to ``audit_events`` without the organisation terms themselves (customer names
and project code names are confidential: the audit keeps their number only).
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.roles import CurrentUser, require_admin
from portal.config import get_settings
from portal.db.models import AppSetting, AuditEvent, User
from portal.i18n import t
from portal.risk import Category, RiskPolicy

log = logging.getLogger(__name__)

RISK_POLICY_KEY = "sandbox.risk_policy"
QUOTA_DEFAULTS_KEY = "sandbox.quota_defaults"

MAX_DAILY_REQUESTS = 100_000
MAX_DAILY_TOKENS = 100_000_000


class PolicyError(ValueError):
    """An invalid policy or quota value; the message is Japanese and names the field."""


class QuotaDefaults(BaseModel):
    """Per-user daily limits used when a user has no override of their own."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    daily_requests: int = Field(ge=0, le=MAX_DAILY_REQUESTS)
    daily_tokens: int = Field(ge=0, le=MAX_DAILY_TOKENS)


class SandboxPolicy(BaseModel):
    """Everything the admin policy page edits."""

    model_config = ConfigDict(extra="forbid")

    risk: RiskPolicy = Field(default_factory=RiskPolicy)
    quotas: QuotaDefaults


def settings_quota_defaults() -> QuotaDefaults:
    s = get_settings()
    return QuotaDefaults(
        daily_requests=min(s.sandbox_daily_requests, MAX_DAILY_REQUESTS),
        daily_tokens=min(s.sandbox_daily_tokens, MAX_DAILY_TOKENS),
    )


def _risk_json(policy: RiskPolicy) -> dict[str, Any]:
    data = policy.model_dump(mode="json")
    for key in ("block_categories", "info_categories", "disabled_categories"):
        data[key] = sorted(data[key])  # sets: a stable order in storage and in diffs
    return data


_READ = select(AppSetting.key, AppSetting.value).where(AppSetting.key.in_((RISK_POLICY_KEY, QUOTA_DEFAULTS_KEY)))


def load_policy(session: Session) -> SandboxPolicy:
    """The current policy (defaults where nothing was saved yet). No role needed: the send path
    of every learner reads it. A stored value that no longer validates falls back to the
    defaults, with a warning in the log (never the value itself)."""
    stored = {key: value for key, value in session.connection().execute(_READ)}
    risk_raw = stored.get(RISK_POLICY_KEY)
    quota_raw = stored.get(QUOTA_DEFAULTS_KEY)
    risk = RiskPolicy()
    if risk_raw is not None:
        try:
            risk = RiskPolicy.model_validate(risk_raw)
        except ValidationError:
            log.warning("stored %s is invalid; using the default risk policy", RISK_POLICY_KEY)
    quotas = settings_quota_defaults()
    if quota_raw is not None:
        try:
            quotas = QuotaDefaults.model_validate(quota_raw)
        except ValidationError:
            log.warning("stored %s is invalid; using the settings' quota defaults", QUOTA_DEFAULTS_KEY)
    return SandboxPolicy(risk=risk, quotas=quotas)


def load_policy_for_admin(session: Session, actor: CurrentUser) -> SandboxPolicy:
    """The policy for the admin page (admins only)."""
    require_admin(actor)
    return load_policy(session)


def quota_defaults(session: Session) -> QuotaDefaults:
    """The default daily quotas as admins set them (else PORTAL_SANDBOX_DAILY_*)."""
    return load_policy(session).quotas


def build_policy(
    *,
    levels: dict[str, str],
    allow_send_anyway: bool,
    organization_terms: list[str] | str,
    default_operator: str,
    mask_min_confidence: str,
    daily_requests: int,
    daily_tokens: int,
) -> SandboxPolicy:
    """A policy from the admin form's plain values; raises :class:`PolicyError` (Japanese)."""
    block, info, off = set(), set(), set()
    for name, level in levels.items():
        try:
            category = Category(name)
        except ValueError:
            raise PolicyError(t("sandbox.policy.error.category", category=name)) from None
        if level == "block":
            block.add(category)
        elif level == "info":
            info.add(category)
        elif level == "off":
            off.add(category)
        elif level != "warn":
            raise PolicyError(t("sandbox.policy.error.level", level=level))
    if isinstance(organization_terms, str):
        organization_terms = organization_terms.splitlines()
    for value, limit, field in (
        (daily_requests, MAX_DAILY_REQUESTS, "daily_requests"),
        (daily_tokens, MAX_DAILY_TOKENS, "daily_tokens"),
    ):
        if not isinstance(value, int) or not 0 <= value <= limit:
            raise PolicyError(
                t("sandbox.policy.error.quota_range_field", field=t(f"sandbox.policy.field.{field}"), max=f"{limit:,}")
            )
    try:
        risk = RiskPolicy(
            block_categories=block,
            info_categories=info,
            disabled_categories=off,
            allow_send_anyway=allow_send_anyway,
            organization_terms=list(organization_terms),
            default_operator=default_operator,
            mask_min_confidence=mask_min_confidence,
        )
    except ValidationError as exc:
        raise PolicyError(_first_error(exc)) from None
    return SandboxPolicy(risk=risk, quotas=QuotaDefaults(daily_requests=daily_requests, daily_tokens=daily_tokens))


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = str(err["loc"][0]) if err["loc"] else "?"
    label = t(f"sandbox.policy.field.{loc}")
    if label == f"sandbox.policy.field.{loc}":
        label = loc
    # custom validators (e.g. a too long organisation term) raise Japanese text; keep it
    cause = (err.get("ctx") or {}).get("error")
    return t("sandbox.policy.error.invalid", field=label, detail=str(cause) if cause else err["msg"])


def _audit(session: Session, actor: CurrentUser, action: str, target: str, detail: dict[str, Any]) -> None:
    session.add(AuditEvent(actor_id=actor.id or None, action=action, target=target, detail=detail))


def _policy_diff(old: SandboxPolicy, new: SandboxPolicy) -> dict[str, Any]:
    """What changed, safe to store: categories, flags and numbers; terms as counts only."""
    diff: dict[str, Any] = {}
    levels = {}
    for category in Category:
        a, b = old.risk.level(category), new.risk.level(category)
        if a != b:
            levels[category.value] = [a, b]
    if levels:
        diff["levels"] = levels
    for field in ("allow_send_anyway", "default_operator", "mask_min_confidence"):
        a, b = getattr(old.risk, field), getattr(new.risk, field)
        if a != b:
            diff[field] = [str(a) if not isinstance(a, bool) else a, str(b) if not isinstance(b, bool) else b]
    old_terms = {x.casefold() for x in old.risk.organization_terms}
    new_terms = {x.casefold() for x in new.risk.organization_terms}
    if old_terms != new_terms:
        diff["organization_terms"] = {
            "count": len(new_terms),
            "added": len(new_terms - old_terms),
            "removed": len(old_terms - new_terms),
        }
    for field in ("daily_requests", "daily_tokens"):
        a, b = getattr(old.quotas, field), getattr(new.quotas, field)
        if a != b:
            diff[field] = [a, b]
    return diff


def _write(session: Session, key: str, value: Any, actor: CurrentUser) -> None:
    row = session.get(AppSetting, key, with_for_update=True)
    if row is None:
        session.add(AppSetting(key=key, value=value, updated_by=actor.id or None))
    else:
        row.value = value
        row.updated_by = actor.id or None


def save_policy(session: Session, actor: CurrentUser, policy: SandboxPolicy) -> dict[str, Any]:
    """Store the policy (admins only) and audit the change. Returns the audited diff
    (empty when nothing changed; nothing is written then)."""
    require_admin(actor)
    policy = SandboxPolicy.model_validate(policy.model_dump())  # re-validate whatever was passed
    old = load_policy(session)
    diff = _policy_diff(old, policy)
    if not diff:
        return {}
    _write(session, RISK_POLICY_KEY, _risk_json(policy.risk), actor)
    _write(session, QUOTA_DEFAULTS_KEY, policy.quotas.model_dump(), actor)
    _audit(session, actor, "update_sandbox_policy", "sandbox", diff)
    return diff


def save_organization_terms(session: Session, actor: CurrentUser, terms: list[str] | str) -> dict[str, Any]:
    """Only the organisation's own terms (one a line), the rest of the policy as it is: the same
    stored setting as the policy page (edited also beside the policy lesson, 管理 > レッスン作成)."""
    require_admin(actor)
    policy = load_policy(session)
    if isinstance(terms, str):
        terms = terms.splitlines()
    try:
        risk = RiskPolicy.model_validate({**policy.risk.model_dump(), "organization_terms": list(terms)})
    except ValidationError as exc:
        raise PolicyError(_first_error(exc)) from None
    return save_policy(session, actor, SandboxPolicy(risk=risk, quotas=policy.quotas))


def set_user_quota(
    session: Session,
    actor: CurrentUser,
    user_id: int,
    *,
    daily_requests: int | None,
    daily_tokens: int | None,
) -> None:
    """Per-user overrides (None = use the default). Admins only; audited."""
    require_admin(actor)
    for value, limit in ((daily_requests, MAX_DAILY_REQUESTS), (daily_tokens, MAX_DAILY_TOKENS)):
        if value is not None and not 0 <= int(value) <= limit:
            raise PolicyError(t("sandbox.policy.error.quota_range", max=f"{limit:,}"))
    user = session.get(User, user_id)
    if user is None:
        raise PolicyError(t("sandbox.policy.error.no_user"))
    before = [user.daily_request_quota, user.daily_token_quota]
    user.daily_request_quota = None if daily_requests is None else int(daily_requests)
    user.daily_token_quota = None if daily_tokens is None else int(daily_tokens)
    after = [user.daily_request_quota, user.daily_token_quota]
    if before != after:
        _audit(session, actor, "set_sandbox_quota", user.email, {"before": before, "after": after})


def policy_history(session: Session, actor: CurrentUser, limit: int = 20) -> list[AuditEvent]:
    """Recent policy and quota changes (admins only)."""
    require_admin(actor)
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.in_(("update_sandbox_policy", "set_sandbox_quota")))
            .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )
