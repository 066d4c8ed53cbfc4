"""The LLM endpoint's misconfiguration, as admins need to see it (shared by every replica).

A 401, 403 or 404 from the endpoint is an admin's setting (API key, permissions, model or base
URL), not something the learner did: such requests do not count against the learner's daily
quota (:data:`portal.sandbox.quotas.NOT_COUNTED_KINDS`), and the last one is recorded in
``app_settings`` so the policy page can say "the endpoint is misconfigured" with the time of the
last error, on whichever replica it happened. No upstream error text is stored (it can echo part
of the API key).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.accounts.roles import CurrentUser, require_admin
from portal.db.models import AppSetting, SandboxEvent, utcnow

MISCONFIG_KINDS: tuple[str, ...] = ("auth", "permission", "not_found")
STATUS_OF_KIND = {"auth": 401, "permission": 403, "not_found": 404}
KEY = "llm.endpoint_misconfigured"


def is_misconfiguration(kind: str | None) -> bool:
    return kind in MISCONFIG_KINDS


def record_misconfiguration(
    session: Session, kind: str, *, provider: str, model: str, status_code: int | None = None,
    now: datetime | None = None,
) -> None:
    """Remember the latest misconfiguration error (its kind, HTTP status, model and time) and
    how many there were since the first one recorded."""
    now = now or utcnow()
    value = {
        "kind": kind,
        "status": status_code or STATUS_OF_KIND.get(kind),
        "provider": provider[:32],
        "model": model[:200],
        "last_at": now.isoformat(),
    }
    row = session.get(AppSetting, KEY, with_for_update=True)
    if row is None:
        try:
            with session.begin_nested():
                session.add(AppSetting(key=KEY, value={**value, "count": 1, "first_at": value["last_at"]}))
            return
        except IntegrityError:  # another replica recorded one at the same moment
            row = session.get(AppSetting, KEY, with_for_update=True, populate_existing=True)
    old = row.value if isinstance(row.value, dict) else {}
    row.value = {**value, "count": int(old.get("count") or 0) + 1, "first_at": old.get("first_at") or value["last_at"]}


@dataclass(frozen=True)
class EndpointProblem:
    kind: str
    status: int | None
    provider: str
    model: str
    last_at: datetime
    count: int
    recovered: bool  # a request succeeded after the last error


def endpoint_problem(session: Session, actor: CurrentUser) -> EndpointProblem | None:
    """The last recorded misconfiguration (admins only), None when there never was one."""
    require_admin(actor)
    row = session.get(AppSetting, KEY)
    if row is None or not isinstance(row.value, dict):
        return None
    try:
        last_at = datetime.fromisoformat(row.value["last_at"])
    except (KeyError, TypeError, ValueError):
        return None
    recovered = session.scalar(select(exists().where(
        SandboxEvent.created_at > last_at,
        SandboxEvent.outcome.in_(("ok", "incomplete")),
        SandboxEvent.error_kind.is_(None),
        SandboxEvent.provider == row.value.get("provider", ""),
    )))
    return EndpointProblem(
        kind=str(row.value.get("kind", "")), status=row.value.get("status"),
        provider=str(row.value.get("provider", "")), model=str(row.value.get("model", "")),
        last_at=last_at, count=int(row.value.get("count") or 1), recovered=bool(recovered),
    )
