"""The sandbox tab's statements: use per period, department, kind, rating, risk action and quota."""

from __future__ import annotations

from sqlalchemy import (
    Integer,
    Select,
    Text,
    case,
    cast,
    false,
    func,
    literal_column,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement

from portal.sandbox.quotas import counted
from portal.stats.filters import StatsFilter
from portal.stats.queries.common import (
    users,
    events,
    Source,
    FACTS,
    in_population,
    in_range,
    flag,
    day_range,
    local_day,
    day_bucket,
    json_text,
    raw_time,
)
from portal.summaries import sandbox_days, sandbox_stats


def _sandbox_users(flt: StatsFilter):
    query = select(users.c.id.label("user_id"), users.c.department)
    return in_population(query, flt).subquery("su")


def _sandbox_outside(flt: StatsFilter) -> Select:
    """Users outside the sandbox population (everyone of the chosen departments, admins included)."""
    if not flt.departments and not flt.languages:
        return select(users.c.id).where(false())
    return select(users.c.id).where(users.c.id.not_in(in_population(select(users.c.id), flt)))


def _tokens():
    return events.c.prompt_tokens + events.c.completion_tokens


def quota_counted() -> ColumnElement:
    """The quota's own counting rule (``portal.sandbox.quotas.counted``) on the events table:
    blocked sends and sends refused before reaching the model do not use a request; every
    event's tokens count."""
    return counted(events.c.outcome, events.c.error_kind)


def _sandbox_per_user_day(flt: StatsFilter, dialect: str, src: Source, *, department: bool = False):
    """user_id, [department,] day, requests, counted, tokens, flagged, last_at: one row per user
    and day with sandbox use in the range."""
    U = _sandbox_users(flt)
    if src.ready:
        d = sandbox_days.c
        query = select(d.user_id, d.day, d.requests, d.counted, d.tokens, d.flagged, d.last_at).where(
            *day_range(d.day, flt)
        )
        if department or flt.departments or flt.languages:  # everyone's use counts: no join needed without a filter
            query = query.join(U, U.c.user_id == d.user_id).add_columns(U.c.department)
        return query.subquery("d")
    day = local_day(events.c.created_at, dialect)
    return (
        select(
            events.c.user_id, U.c.department, day.label("day"), func.count().label("requests"),
            func.sum(flag(quota_counted())).label("counted"), func.sum(_tokens()).label("tokens"),
            func.sum(flag(events.c.risk_action != "none")).label("flagged"),
            func.max(events.c.created_at).label("last_at"),
        )
        .join(U, U.c.user_id == events.c.user_id)
        .where(*in_range(events.c.created_at, flt))
        .group_by(events.c.user_id, U.c.department, day)
        .subquery("d")
    )


def sandbox_by_period(flt: StatsFilter, dialect: str, unit: str, src: Source = FACTS) -> Select:
    d = _sandbox_per_user_day(flt, dialect, src)
    period = day_bucket(d.c.day, dialect, unit)
    # one row per user and day: per day, rows are distinct users already
    users_in_period = func.count(func.distinct(d.c.user_id)) if unit == "week" else func.count()
    return (
        select(
            period.label("period"),
            func.sum(d.c.requests).label("requests"),
            func.sum(d.c.tokens).label("tokens"),
            users_in_period.label("users"),
            func.sum(d.c.flagged).label("flagged"),
        )
        .group_by(period)
        .order_by(period)
    )


def sandbox_by_department(flt: StatsFilter, dialect: str = "sqlite", src: Source = FACTS) -> Select:
    d = _sandbox_per_user_day(flt, dialect, src, department=True)
    return (
        select(
            d.c.department,
            func.sum(d.c.requests).label("requests"),
            func.sum(d.c.tokens).label("tokens"),
            func.count(func.distinct(d.c.user_id)).label("users"),
            func.sum(d.c.flagged).label("flagged"),
        )
        .group_by(d.c.department)
    )


def _sandbox_breakdown(flt: StatsFilter, kind: str, keys: list, values: list, src: Source) -> Select | None:
    """With the day table (ready and subtract): the kind's rows in the range minus the events of
    the users outside the population, as (k1, k2, k3, requests, tokens, latency_sum, latency_n)."""
    if not src.day_stats:
        return None
    t = sandbox_stats.c
    kept = select(t.k1, t.k2, t.k3, t.requests, t.tokens, t.latency_sum, t.latency_n).where(
        t.kind == kind, *day_range(t.day, flt)
    )
    removed = select(*keys, *values).where(events.c.user_id.in_(_sandbox_outside(flt)), *in_range(events.c.created_at, flt))
    u = union_all(kept, removed).subquery("u")
    return select(u).subquery("b")


def sandbox_by_kind(flt: StatsFilter, src: Source = FACTS) -> Select:
    """mode, model, outcome: requests, tokens, mean latency."""
    e = events.c
    b = _sandbox_breakdown(flt, "kind", [e.mode, e.model, e.outcome], [
        literal_column("-1"), -_tokens(), -func.coalesce(e.latency_ms, 0.0), -flag(e.latency_ms.is_not(None)),
    ], src)
    if b is not None:
        n = func.sum(b.c.latency_n)
        return (
            select(b.c.k1.label("mode"), b.c.k2.label("model"), b.c.k3.label("outcome"),
                   func.sum(b.c.requests).label("requests"), func.sum(b.c.tokens).label("tokens"),
                   (func.sum(b.c.latency_sum) / case((n > 0, n))).label("latency_ms"))
            .group_by(b.c.k1, b.c.k2, b.c.k3)
            .having(func.sum(b.c.requests) > 0)
        )
    U = _sandbox_users(flt)
    return (
        select(
            e.mode,
            e.model,
            e.outcome,
            func.count().label("requests"),
            func.sum(_tokens()).label("tokens"),
            func.avg(e.latency_ms).label("latency_ms"),
        )
        .join(U, U.c.user_id == e.user_id)
        .where(*in_range(e.created_at, flt))
        .group_by(e.mode, e.model, e.outcome)
    )


def sandbox_ratings(flt: StatsFilter, src: Source = FACTS) -> Select:
    e = events.c
    empty = literal_column("''")
    zero = literal_column("0")
    b = _sandbox_breakdown(flt, "rating", [func.coalesce(cast(e.rating, Text), empty), empty, empty],
                           [literal_column("-1"), zero, zero, zero], src)
    if b is not None:
        rating = case((b.c.k1 == "", null()), else_=cast(b.c.k1, Integer))
        return (
            select(type_coerce(rating, Integer).label("rating"), func.sum(b.c.requests).label("requests"))
            .group_by(b.c.k1)
            .having(func.sum(b.c.requests) > 0)
        )
    U = _sandbox_users(flt)
    return (
        select(e.rating, func.count().label("requests"))
        .join(U, U.c.user_id == e.user_id)
        .where(*in_range(e.created_at, flt))
        .group_by(e.rating)
    )


def sandbox_risks(flt: StatsFilter, src: Source = FACTS) -> Select:
    """risk_action, categories (JSON text {category: count}), requests: counts only."""
    e = events.c
    cats = json_text(e.risk_categories)
    empty = literal_column("''")
    zero = literal_column("0")
    b = _sandbox_breakdown(flt, "risk", [e.risk_action, cats, empty], [literal_column("-1"), zero, zero, zero], src)
    if b is not None:
        return (
            select(b.c.k1.label("risk_action"), b.c.k2.label("categories"), func.sum(b.c.requests).label("requests"))
            .group_by(b.c.k1, b.c.k2)
            .having(func.sum(b.c.requests) > 0)
        )
    U = _sandbox_users(flt)
    return (
        select(e.risk_action, cats.label("categories"), func.count().label("requests"))
        .join(U, U.c.user_id == e.user_id)
        .where(*in_range(e.created_at, flt))
        .group_by(e.risk_action, cats)
    )


def sandbox_quota_use(
    flt: StatsFilter, dialect: str, default_requests: int, default_tokens: int, src: Source = FACTS
) -> Select:
    """Per user: days used, peak requests and tokens in one (Japanese) day, and the days on which
    the request or token quota (the user's own, else the admin default) was reached. Requests
    and tokens are counted as the quota counts them."""
    per_day = _sandbox_per_user_day(flt, dialect, src)
    req_quota = func.coalesce(users.c.daily_request_quota, default_requests)
    tok_quota = func.coalesce(users.c.daily_token_quota, default_tokens)
    return (
        select(
            users.c.id.label("user_id"),
            users.c.employee_id,
            users.c.name,
            users.c.department,
            req_quota.label("request_quota"),
            tok_quota.label("token_quota"),
            func.count().label("days"),
            func.sum(per_day.c.counted).label("requests"),
            func.sum(per_day.c.tokens).label("tokens"),
            func.max(per_day.c.counted).label("peak_requests"),
            func.max(per_day.c.tokens).label("peak_tokens"),
            func.sum(flag(or_(per_day.c.counted >= req_quota, per_day.c.tokens >= tok_quota))).label("days_at_limit"),
        )
        .join(users, users.c.id == per_day.c.user_id)
        .group_by(users.c.id, users.c.employee_id, users.c.name, users.c.department, req_quota, tok_quota)
    )


def sandbox_last_use(flt: StatsFilter, src: Source = FACTS) -> Select:
    """user_id, sandbox_at (``raw_time``): each user's latest sandbox use up to the end of the range."""
    if src.lesson_summaries:  # as of now
        d = sandbox_days.c
        return select(d.user_id, raw_time(func.max(d.last_at)).label("sandbox_at")).group_by(d.user_id)
    query = select(events.c.user_id, raw_time(func.max(events.c.created_at)).label("sandbox_at")).group_by(events.c.user_id)
    if flt.end_utc is not None:
        query = query.where(events.c.created_at < flt.end_utc)
    return query
