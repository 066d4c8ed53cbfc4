"""Per-user daily sandbox quotas, counted from ``sandbox_events`` in the database.

Counting from the shared table (not process memory) makes a quota hold across every app
replica. The day runs from midnight to midnight Japan time (Asia/Tokyo, UTC+9 all year: Japan
has no daylight saving time).

What counts:

* **requests**: events that reached (or were about to reach) the model: every outcome except
  ``blocked``, and except events refused before sending (``error_kind`` in
  :data:`NOT_COUNTED_KINDS`: an empty or too long prompt, a missing endpoint setting, an
  exhausted quota, or the shared 429 cooldown that answered without a request), and except the
  endpoint's misconfiguration (401, 403, 404: the admin's API key, permissions, model or URL,
  never the learner's doing; see :mod:`portal.sandbox.endpoint_health`);
* **tokens**: prompt + completion tokens of every event (as the server reported them, estimated
  at one token per character when a stream ended without a usage report).

A send reserves its slot by inserting its event row *before* the request, inside a transaction
that locks the user's row, so two replicas cannot both let the last request through.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, bindparam, case, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from portal.db.models import SandboxEvent, User, utcnow
from portal.i18n import t
from portal.localtime import JST
from portal.sandbox.endpoint_health import MISCONFIG_KINDS
from portal.sandbox.policy_store import QuotaDefaults, quota_defaults

NOT_COUNTED_KINDS: tuple[str, ...] = (
    "empty_prompt",
    "prompt_too_long",
    "conversation_too_long",
    "config",
    "quota",
    "cooldown",
    *MISCONFIG_KINDS,
)


# ---------------------------------------------------------------- what counts (the one rule)


def counts_against_quota(outcome: str, error_kind: str | None) -> bool:
    """Whether one event uses a request of the daily quota (see the module doc)."""
    return outcome != "blocked" and (error_kind is None or error_kind not in NOT_COUNTED_KINDS)


def counted(outcome, error_kind) -> ColumnElement:
    """:func:`counts_against_quota` as SQL, on an events table's ``outcome`` and ``error_kind``
    columns (the quota's count here, the dashboard's statistics and the summaries' rebuild)."""
    return and_(outcome != "blocked", or_(error_kind.is_(None), error_kind.not_in(NOT_COUNTED_KINDS)))


def day_window(now: datetime | None = None) -> tuple[datetime, datetime]:
    """Start and end (UTC) of the Japanese calendar day containing ``now``."""
    now = now or utcnow()
    local = now.astimezone(JST)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start.astimezone(timezone.utc), (start + timedelta(days=1)).astimezone(timezone.utc)


@dataclass(frozen=True)
class QuotaStatus:
    requests_used: int
    request_limit: int
    tokens_used: int
    token_limit: int
    resets_at: datetime  # next midnight, Japan time (aware)

    @property
    def requests_left(self) -> int:
        return max(0, self.request_limit - self.requests_used)

    @property
    def tokens_left(self) -> int:
        return max(0, self.token_limit - self.tokens_used)

    @property
    def requests_exhausted(self) -> bool:
        return self.requests_used >= self.request_limit

    @property
    def tokens_exhausted(self) -> bool:
        return self.tokens_used >= self.token_limit

    @property
    def exhausted(self) -> bool:
        return self.requests_exhausted or self.tokens_exhausted

    def message(self, lang: str | None = None) -> str:
        """The Japanese message for an exhausted quota ('' while some is left)."""
        if not self.exhausted:
            return ""
        reset = self.resets_at.astimezone(JST).strftime("%m/%d %H:%M")
        if self.request_limit == 0 or self.token_limit == 0:
            return t("sandbox.quota.disabled", lang)
        if self.requests_exhausted:
            return t("sandbox.quota.exhausted_requests", lang, limit=f"{self.request_limit:,}", reset=reset)
        return t("sandbox.quota.exhausted_tokens", lang, limit=f"{self.token_limit:,}", reset=reset)

    def summary(self, lang: str | None = None) -> str:
        """「本日の残り: リクエスト 98 / 100 回・トークン 49,000 / 50,000」"""
        return t(
            "sandbox.quota.remaining",
            lang,
            requests=f"{self.requests_left:,}",
            request_limit=f"{self.request_limit:,}",
            tokens=f"{self.tokens_left:,}",
            token_limit=f"{self.token_limit:,}",
        )


_COUNTED = counted(SandboxEvent.outcome, SandboxEvent.error_kind)
# built once: this runs on every send, before the request (time to first token)
_USAGE = select(
    func.coalesce(func.sum(case((_COUNTED, 1), else_=0)), 0),
    func.coalesce(func.sum(SandboxEvent.prompt_tokens + SandboxEvent.completion_tokens), 0),
).where(
    SandboxEvent.user_id == bindparam("user_id"),
    SandboxEvent.created_at >= bindparam("start"),
    SandboxEvent.created_at < bindparam("end"),
)


def usage(session: Session, user_id: int, now: datetime | None = None) -> tuple[int, int]:
    """(requests, tokens) the user used today (Japan time)."""
    start, end = day_window(now)
    row = session.connection().execute(_USAGE, {"user_id": user_id, "start": start, "end": end}).one()
    return int(row[0]), int(row[1])


def limits(session: Session, user: User | None, defaults: QuotaDefaults | None = None) -> tuple[int, int]:
    """(request limit, token limit): the user's own override, else the admin default."""
    own = (user.daily_request_quota, user.daily_token_quota) if user is not None else (None, None)
    return _limits(session, own, defaults)


def _limits(session: Session, own: tuple[int | None, int | None], defaults: QuotaDefaults | None) -> tuple[int, int]:
    if own[0] is not None and own[1] is not None:
        return int(own[0]), int(own[1])
    defaults = defaults or quota_defaults(session)
    return (
        int(own[0]) if own[0] is not None else defaults.daily_requests,
        int(own[1]) if own[1] is not None else defaults.daily_tokens,
    )


_OVERRIDES = select(User.daily_request_quota, User.daily_token_quota).where(User.id == bindparam("user_id"))
_OVERRIDES_LOCKED = _OVERRIDES.with_for_update()
_ACCOUNT_LOCKED = select(User.active, User.daily_request_quota, User.daily_token_quota).where(
    User.id == bindparam("user_id")).with_for_update()

Overrides = tuple[int | None, int | None]  # the user's own (daily requests, daily tokens) limits


def lock_account(session: Session, user_id: int) -> tuple[bool, Overrides] | None:
    """For a send: the user's row locked (as ``quota_status(lock=True)`` locks it), with the
    account's active flag and quota overrides, in one round trip (None: no such user)."""
    row = session.connection().execute(_ACCOUNT_LOCKED, {"user_id": user_id}).first()
    return None if row is None else (bool(row[0]), (row[1], row[2]))


def quota_status(
    session: Session,
    user_id: int,
    *,
    now: datetime | None = None,
    defaults: QuotaDefaults | None = None,
    lock: bool = False,
    overrides: Overrides | None = None,
) -> QuotaStatus:
    """Today's use and limits of one user. ``lock=True`` locks the user's row (PostgreSQL
    ``FOR UPDATE``; SQLite transactions already take the write lock) so a reservation made in
    the same transaction cannot race another replica. ``overrides``: the caller already read
    (and locked) the user's row with :func:`lock_account` in this transaction."""
    now = now or utcnow()
    if overrides is None:
        row = session.connection().execute(_OVERRIDES_LOCKED if lock else _OVERRIDES, {"user_id": user_id}).first()
        overrides = (row[0], row[1]) if row is not None else (None, None)
    request_limit, token_limit = _limits(session, overrides, defaults)
    used_requests, used_tokens = usage(session, user_id, now)
    return QuotaStatus(used_requests, request_limit, used_tokens, token_limit, day_window(now)[1])
