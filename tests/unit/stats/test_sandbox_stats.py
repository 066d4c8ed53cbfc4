"""Sandbox statistics on the hand-built organisation (see conftest): counts only."""

from datetime import date

import pytest

from portal.db import session_scope
from portal.stats.filters import StatsFilter
from portal.stats.sandbox_usage import explode_risks, sandbox_stats


def run(org, flt=StatsFilter()):
    with session_scope(org.url) as s:
        return sandbox_stats(s, org.admin, flt)


def test_totals_and_what_learners_did(org):
    sb = run(org)
    assert sb.requests == 5  # L1 three, L4 one, the admin one: everyone's use counts
    assert sb.tokens == 30 + 10 + 0 + 15 + 2
    assert sb.users == 3
    assert sb.flagged == 3 and sb.sent_anyway == 1 and sb.blocked == 1
    actions = dict(zip(sb.actions["action"], sb.actions["requests"]))
    assert actions == {"masked": 1, "edited": 0, "sent_anyway": 1, "blocked": 1}


def test_flags_by_category_and_action(org):
    risks = {(r.category, r.action): (r.requests, r.findings) for r in run(org).risks.itertuples()}
    assert risks == {
        ("EMAIL", "masked"): (1, 1),
        ("PHONE", "masked"): (1, 2),
        ("EMAIL", "sent_anyway"): (1, 1),
        ("MY_NUMBER", "blocked"): (1, 1),
    }


def test_per_day_and_department(org):
    sb = run(org, StatsFilter(start=date(2026, 3, 1), end=date(2026, 3, 31)))
    per_day = {p.date().isoformat(): (r, tok) for p, r, tok in zip(sb.by_period["period"], sb.by_period["requests"],
                                                                     sb.by_period["tokens"])}
    assert per_day == {"2026-03-02": (3, 40), "2026-03-03": (2, 17)}
    deps = sb.by_department.set_index("department")
    assert deps.loc["営業部", "requests"] == 3 and deps.loc["営業部", "flagged"] == 3
    assert deps.loc["開発部", "tokens"] == 15
    assert deps.loc["人事部", "users"] == 1


def test_quota_use_against_each_persons_quota(org):
    quota = run(org).quota.set_index("employee_id")
    l1 = quota.loc["E-L1"]
    assert l1["request_quota"] == 2  # L1's own quota
    assert l1["peak_requests"] == 2  # the blocked send did not use a request
    assert l1["days_at_limit"] == 1 and l1["days"] == 1
    assert l1["tokens"] == 40
    assert l1["peak_request_share"] == pytest.approx(1.0)
    l4 = quota.loc["E-L4"]
    assert l4["request_quota"] == 100 and l4["days_at_limit"] == 0  # the default quota (PORTAL_SANDBOX_DAILY_REQUESTS)
    assert l4["peak_tokens"] == 15
    assert quota.index[0] == "E-L1"  # most days at the limit first


def test_ratings(org):
    ratings = run(org).ratings
    counts = {None if r is None else int(r): n for r, n in zip(ratings["rating"], ratings["requests"])}
    assert counts == {5: 1, None: 4}


def test_filters(org):
    assert run(org, StatsFilter(departments=("開発部",))).requests == 1
    assert run(org, StatsFilter(start=date(2026, 3, 3), end=date(2026, 3, 3))).requests == 2
    empty = run(org, StatsFilter(start=date(2026, 4, 1), end=date(2026, 4, 30)))
    assert empty.empty and empty.risks.empty and empty.quota.empty


def test_no_text_column_is_ever_read():
    """The admin views are built from these statements only; none selects free text."""
    from portal.db.models import SandboxEvent

    text_columns = {c.name for c in SandboxEvent.__table__.columns if str(c.type).startswith(("TEXT", "VARCHAR"))}
    assert text_columns <= {"mode", "provider", "model", "outcome", "error_kind", "risk_action"}


def test_explode_risks_tolerates_odd_rows():
    import pandas as pd

    rows = pd.DataFrame([("masked", '{"EMAIL": 2}', 3), ("none", "{}", 10), ("masked", "null", 1),
                         ("edited", "not json", 1)], columns=["risk_action", "categories", "requests"])
    out = explode_risks(rows)
    assert out.to_dict("records") == [{"category": "EMAIL", "action": "masked", "requests": 3, "findings": 6}]


def test_quota_default_set_by_an_admin_is_used(org):
    from portal.sandbox.policy_store import load_policy, save_policy

    with session_scope(org.url) as s:
        policy = load_policy(s)
        save_policy(s, org.admin, policy.model_copy(update={"quotas": policy.quotas.model_copy(
            update={"daily_requests": 1})}))
    quota = run(org).quota.set_index("employee_id")
    assert quota.loc["E-L4", "request_quota"] == 1 and quota.loc["E-L4", "days_at_limit"] == 1
    assert quota.loc["E-L1", "request_quota"] == 2  # a person's own quota still wins
