"""Sandbox tab: requests and tokens over time and per department, quota use, ratings, and the
risk checklist's flags by category and by what the learner did. Counts only: the events table
holds no prompt text, and nothing here reads any."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd
from sqlalchemy.orm import Session

from portal.accounts.roles import CurrentUser, require_admin
from portal.sandbox.policy_store import quota_defaults
from portal.stats import queries as q
from portal.stats import rebuild
from portal.stats.base import as_timestamp, bucket_unit, dialect, frame
from portal.stats.filters import StatsFilter

RISK_ACTIONS = ("masked", "edited", "sent_anyway", "blocked", "none")


@dataclass(frozen=True)
class SandboxStats:
    requests: int
    tokens: int
    users: int
    flagged: int  # requests in which the risk checklist found something
    sent_anyway: int
    blocked: int
    unit: str
    by_period: pd.DataFrame  # period, requests, tokens, users, flagged
    by_department: pd.DataFrame  # department, requests, tokens, users, flagged
    by_kind: pd.DataFrame  # mode, model, outcome, requests, tokens, latency_ms
    ratings: pd.DataFrame  # rating (None = not rated), requests
    risks: pd.DataFrame  # category, action, requests, findings
    actions: pd.DataFrame  # action, requests (flagged requests by what the learner did)
    quota: pd.DataFrame  # per user: employee_id, name, department, days, requests, tokens, peak_*, *_quota, *_share, days_at_limit

    @property
    def empty(self) -> bool:
        return self.requests == 0


def statements(
    flt: StatsFilter, dialect_name: str, default_requests: int, default_tokens: int, src: q.Source = q.FACTS
) -> dict:
    unit = bucket_unit(flt)
    return {
        "period": q.sandbox_by_period(flt, dialect_name, unit, src),
        "department": q.sandbox_by_department(flt, dialect_name, src),
        "kind": q.sandbox_by_kind(flt, src),
        "ratings": q.sandbox_ratings(flt, src),
        "risks": q.sandbox_risks(flt, src),
        "quota": q.sandbox_quota_use(flt, dialect_name, default_requests, default_tokens, src),
    }


def explode_risks(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows of (risk_action, categories JSON text, requests) -> (category, action, requests,
    findings): how many requests had each category flagged, by what the learner did, and how
    many findings of that category they held in total."""
    acc: dict[tuple[str, str], list[int]] = {}
    for action, text, requests in rows[["risk_action", "categories", "requests"]].itertuples(index=False, name=None):
        try:
            cats = json.loads(text) if isinstance(text, str) else (text or {})
        except ValueError:
            cats = {}
        if not isinstance(cats, dict):
            continue
        for cat, count in cats.items():
            try:
                found = int(count)
            except (TypeError, ValueError):
                found = 1
            slot = acc.setdefault((str(cat), str(action)), [0, 0])
            slot[0] += int(requests)
            slot[1] += found * int(requests)
    out = pd.DataFrame(
        [(c, a, r, f) for (c, a), (r, f) in acc.items()], columns=["category", "action", "requests", "findings"]
    )
    return out.sort_values(["requests", "category"], ascending=[False, True]).reset_index(drop=True)


def sandbox_stats(session: Session, actor: CurrentUser, flt: StatsFilter) -> SandboxStats:
    require_admin(actor)
    defaults = quota_defaults(session)
    st = statements(flt, dialect(session), defaults.daily_requests, defaults.daily_tokens,
                    rebuild.source(session, None, flt))
    return shape_sandbox(flt, **{k: frame(session, s) for k, s in st.items()})


def shape_sandbox(flt, period, department, kind, ratings, risks, quota) -> SandboxStats:
    for df in (period, department, kind):
        for col in ("requests", "tokens", "users", "flagged"):
            if col in df:
                df[col] = df[col].fillna(0).astype(int)
    if len(period):
        period["period"] = as_timestamp(period["period"])
    # most used first; ties in name order (the same table whichever source computed it)
    department = department.sort_values(["requests", "department"], ascending=[False, True]).reset_index(drop=True)
    kind = kind.sort_values(["requests", "mode", "model", "outcome"], ascending=[False, True, True, True]).reset_index(drop=True)

    ratings = ratings.sort_values("rating", na_position="last").reset_index(drop=True)
    ratings["rating"] = ratings["rating"].astype(object).where(ratings["rating"].notna(), None)
    action_totals = risks[risks["risk_action"] != "none"].groupby("risk_action", as_index=False)["requests"].sum()
    actions = pd.DataFrame({"action": [a for a in RISK_ACTIONS if a != "none"]})
    actions = actions.merge(action_totals.rename(columns={"risk_action": "action"}), on="action", how="left")
    actions["requests"] = actions["requests"].fillna(0).astype(int)
    flagged_rows = explode_risks(risks)

    if len(quota):
        for col in ("days", "requests", "tokens", "peak_requests", "peak_tokens", "days_at_limit",
                    "request_quota", "token_quota"):
            quota[col] = quota[col].fillna(0).astype(int)
        quota["employee_id"] = quota["employee_id"].fillna("")
        quota["peak_request_share"] = quota["peak_requests"] / quota["request_quota"].where(quota["request_quota"] > 0)
        quota["peak_token_share"] = quota["peak_tokens"] / quota["token_quota"].where(quota["token_quota"] > 0)
        quota = quota.sort_values(["days_at_limit", "peak_request_share", "requests"], ascending=False)
    quota = quota.reindex(columns=[
        "user_id", "employee_id", "name", "department", "days", "requests", "tokens",
        "peak_requests", "request_quota", "peak_request_share", "peak_tokens", "token_quota", "peak_token_share",
        "days_at_limit",
    ]).reset_index(drop=True)

    total = int(period["requests"].sum()) if len(period) else 0
    return SandboxStats(
        requests=total,
        tokens=int(period["tokens"].sum()) if len(period) else 0,
        users=int(len(quota)),
        flagged=int(period["flagged"].sum()) if len(period) else 0,
        sent_anyway=int(actions.loc[actions["action"] == "sent_anyway", "requests"].sum()),
        blocked=int(actions.loc[actions["action"] == "blocked", "requests"].sum()),
        unit=bucket_unit(flt),
        by_period=period,
        by_department=department,
        by_kind=kind,
        ratings=ratings,
        risks=flagged_rows,
        actions=actions,
        quota=quota,
    )
