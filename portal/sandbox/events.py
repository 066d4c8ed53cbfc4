"""Sandbox events: one row per send, never any prompt or answer text.

Only parameters, counts, timings, the outcome and the risk checklist's categories with counts
are stored (see :class:`portal.db.models.SandboxEvent`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from portal import summaries
from portal.accounts.roles import CurrentUser, PermissionDenied
from portal.db.models import SandboxEvent, utcnow
from portal.i18n import t
from portal.sandbox.quotas import counts_against_quota

Mode = Literal["chat", "compare", "explorer", "grounded"]
Outcome = Literal["ok", "incomplete", "error", "blocked"]
RiskAction = Literal["none", "masked", "edited", "sent_anyway", "blocked"]

MODES: tuple[str, ...] = ("chat", "compare", "explorer", "grounded")
OUTCOMES: tuple[str, ...] = ("ok", "incomplete", "error", "blocked")
RISK_ACTIONS: tuple[str, ...] = ("none", "masked", "edited", "sent_anyway", "blocked")


@dataclass(frozen=True)
class EventFields:
    """What one event row holds (all storage-safe)."""

    mode: str
    provider: str
    model: str
    outcome: str
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: float | None = None
    ttft_ms: float | None = None
    error_kind: str | None = None
    risk_categories: Mapping[str, int] = field(default_factory=dict)
    risk_action: str = "none"

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown mode {self.mode!r}")
        if self.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {self.outcome!r}")
        if self.risk_action not in RISK_ACTIONS:
            raise ValueError(f"unknown risk action {self.risk_action!r}")
        for key, value in self.risk_categories.items():
            # categories are ids like "EMAIL" with integer counts; nothing else may be stored
            if not (isinstance(key, str) and key.isupper() and isinstance(value, int)):
                raise ValueError("risk_categories must map category ids to counts")

    def values(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "provider": self.provider[:32],
            "model": (self.model or "?")[:200],
            "outcome": self.outcome,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "max_tokens": self.max_tokens,
            "prompt_tokens": max(0, int(self.prompt_tokens)),
            "completion_tokens": max(0, int(self.completion_tokens)),
            "latency_ms": self.latency_ms,
            "ttft_ms": self.ttft_ms,
            "error_kind": self.error_kind[:32] if self.error_kind else None,
            "risk_categories": dict(sorted(self.risk_categories.items())),
            "risk_action": self.risk_action,
        }


_TABLE = SandboxEvent.__table__
# Built once, executed on the session's connection with plain parameters: this runs on the send
# path before the request, where building an ORM statement per call costs milliseconds.
_INSERT = _TABLE.insert().returning(_TABLE.c.id)
_UPDATE = _TABLE.update().where(_TABLE.c.id == bindparam("event_id"))
_ROW = select(_TABLE).where(_TABLE.c.id == bindparam("event_id"))


@dataclass(frozen=True)
class EventRecord:
    """An event row as its writer inserted it: what ``update_event`` needs to count the change
    in the summaries without reading the row back."""

    id: int
    user_id: int
    created_at: datetime
    values: Mapping[str, Any] = field(repr=False)


def _figures(values: Mapping[str, Any]) -> summaries.EventFigures:
    return summaries.EventFigures(values, counts_against_quota(values["outcome"], values["error_kind"]))


def insert_event(session: Session, user_id: int, fields: EventFields) -> EventRecord:
    """Insert one event row and count it in the dashboard's summaries."""
    now, values = utcnow(), fields.values()
    event_id = session.connection().execute(_INSERT, {"user_id": user_id, "created_at": now, **values}).scalar_one()
    summaries.record_event(session, user_id, now, _figures(values))
    return EventRecord(event_id, user_id, now, values)


def add_event(session: Session, user_id: int, fields: EventFields) -> int:
    """Insert one event row (and count it in the dashboard's summaries); returns its id."""
    return insert_event(session, user_id, fields).id


def update_event(session: Session, event: EventRecord | int, fields: EventFields) -> None:
    """Final values of an event (a row deleted meanwhile, with its user, is simply not there).
    Given the ``EventRecord`` its writer holds, nothing is read back; given only an id, the row's
    first values are read for the summaries."""
    if not isinstance(event, EventRecord):
        row = session.connection().execute(_ROW, {"event_id": event}).mappings().first()
        if row is None:
            return
        event = EventRecord(row["id"], row["user_id"], row["created_at"], row)
    values = fields.values()
    updated = session.connection().execute(_UPDATE, {"event_id": event.id, **values}).rowcount
    if updated:
        summaries.record_event_change(session, event.user_id, event.created_at, _figures(event.values),
                                      _figures(values))


RATINGS = (0, 1)  # st.feedback("thumbs"): 0 = 👎, 1 = 👍


def rate_event(session: Session, user: CurrentUser, event_id: int, rating: int | None) -> None:
    """The learner's rating of one of their own answers (None clears it)."""
    if rating is not None and rating not in RATINGS:
        raise ValueError(t("sandbox.rating.invalid"))
    row = session.get(SandboxEvent, event_id)
    if row is None or row.user_id != user.id:
        raise PermissionDenied()
    summaries.record_rating(session, row.created_at, row.rating, rating)
    row.rating = rating


def recent_events(session: Session, user: CurrentUser, limit: int = 20) -> list[SandboxEvent]:
    """The user's own latest events (for their page; no text is stored anyway)."""
    return list(
        session.scalars(
            select(SandboxEvent)
            .where(SandboxEvent.user_id == user.id)
            .order_by(SandboxEvent.created_at.desc(), SandboxEvent.id.desc())
            .limit(limit)
        )
    )
