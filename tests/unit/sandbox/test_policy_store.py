"""The admin policy in app_settings: round trip, admin only, audited without the terms,
validation messages, and a broken stored value falling back to the defaults."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.accounts.roles import PermissionDenied
from portal.db import session_scope
from portal.db.models import AppSetting, AuditEvent, User
from portal.risk import Category, MaskOperator, RiskPolicy
from portal.sandbox import (
    PolicyError,
    QuotaDefaults,
    SandboxPolicy,
    build_policy,
    load_policy,
    load_policy_for_admin,
    policy_history,
    save_policy,
    set_user_quota,
)
from portal.sandbox.policy_store import QUOTA_DEFAULTS_KEY, RISK_POLICY_KEY


def form(**changes):
    values = {
        "levels": {"MY_NUMBER": "block", "EMAIL": "block", "PHONE": "info", "IP_ADDRESS": "off"},
        "allow_send_anyway": False,
        "organization_terms": "プロジェクト・オリオン\n株式会社サンプル商事\n\n  プロジェクト・オリオン  ",
        "default_operator": "pseudonym",
        "mask_min_confidence": "high",
        "daily_requests": 30,
        "daily_tokens": 9000,
    }
    values.update(changes)
    return build_policy(**values)


def test_defaults_before_anything_is_saved(session):
    policy = load_policy(session)
    assert policy.risk == RiskPolicy()
    assert policy.quotas == QuotaDefaults(daily_requests=100, daily_tokens=50_000)


def test_round_trip_through_app_settings(db_url, admin):
    with session_scope(db_url) as s:
        diff = save_policy(s, admin, form())
    assert diff["levels"]["EMAIL"] == ["warn", "block"]
    with session_scope(db_url) as s:
        loaded = load_policy(s)
        stored = s.get(AppSetting, RISK_POLICY_KEY)
        assert stored.updated_by == admin.id
        assert s.get(AppSetting, QUOTA_DEFAULTS_KEY).value == {"daily_requests": 30, "daily_tokens": 9000}
    risk = loaded.risk
    assert risk.level(Category.EMAIL) == "block" and risk.level(Category.MY_NUMBER) == "block"
    assert risk.level(Category.CREDIT_CARD) == "warn"  # everything not listed warns
    assert risk.level(Category.PHONE) == "info" and risk.level(Category.IP_ADDRESS) == "off"
    assert risk.allow_send_anyway is False
    assert risk.default_operator is MaskOperator.PSEUDONYM
    assert risk.organization_terms == ["プロジェクト・オリオン", "株式会社サンプル商事"]  # cleaned, deduplicated
    assert loaded.quotas == QuotaDefaults(daily_requests=30, daily_tokens=9000)


def test_saving_is_audited_with_counts_not_the_terms(db_url, admin):
    with session_scope(db_url) as s:
        save_policy(s, admin, form())
    with session_scope(db_url) as s:
        save_policy(s, admin, form(organization_terms="株式会社サンプル商事\nコードネーム・ベガ"))
    with session_scope(db_url) as s:
        rows = policy_history(s, admin)
        assert [r.action for r in rows] == ["update_sandbox_policy", "update_sandbox_policy"]
        assert rows[0].detail == {"organization_terms": {"count": 2, "added": 1, "removed": 1}}
        assert rows[0].actor_id == admin.id
        details = str([r.detail for r in s.scalars(select(AuditEvent))])
    for term in ("オリオン", "サンプル商事", "ベガ"):
        assert term not in details


def test_saving_the_same_policy_twice_writes_nothing_new(db_url, admin):
    with session_scope(db_url) as s:
        assert save_policy(s, admin, form())
    with session_scope(db_url) as s:
        assert save_policy(s, admin, form()) == {}
        assert len(policy_history(s, admin)) == 1


def test_only_admins_may_change_or_view_the_policy(db_url, learner, admin):
    with session_scope(db_url) as s:
        with pytest.raises(PermissionDenied):
            save_policy(s, learner, form())
        with pytest.raises(PermissionDenied):
            load_policy_for_admin(s, learner)
        with pytest.raises(PermissionDenied):
            policy_history(s, learner)
        with pytest.raises(PermissionDenied):
            set_user_quota(s, learner, learner.id, daily_requests=10_000, daily_tokens=None)
    with session_scope(db_url) as s:
        assert s.get(AppSetting, RISK_POLICY_KEY) is None
        assert s.get(User, learner.id).daily_request_quota is None
        assert load_policy_for_admin(s, admin).risk == RiskPolicy()


def test_per_user_overrides_are_set_cleared_and_audited(db_url, admin, learner):
    with session_scope(db_url) as s:
        set_user_quota(s, admin, learner.id, daily_requests=5, daily_tokens=700)
    with session_scope(db_url) as s:
        user = s.get(User, learner.id)
        assert (user.daily_request_quota, user.daily_token_quota) == (5, 700)
        set_user_quota(s, admin, learner.id, daily_requests=None, daily_tokens=None)
    with session_scope(db_url) as s:
        user = s.get(User, learner.id)
        assert (user.daily_request_quota, user.daily_token_quota) == (None, None)
        rows = policy_history(s, admin)
        assert [(r.action, r.target, r.detail["after"]) for r in rows] == [
            ("set_sandbox_quota", "hanako@example.com", [None, None]),
            ("set_sandbox_quota", "hanako@example.com", [5, 700]),
        ]
        with pytest.raises(PolicyError, match="0 以上"):
            set_user_quota(s, admin, learner.id, daily_requests=-1, daily_tokens=None)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"daily_requests": -1}, "「1日のリクエスト数」は 0 以上 100,000 以下の整数で指定してください。"),
        ({"daily_tokens": 10**12}, "「1日のトークン数」は 0 以上 100,000,000 以下の整数で指定してください。"),
        ({"levels": {"EMAIL": "maybe"}}, "不明な扱いです: maybe"),
        ({"levels": {"NOT_A_CATEGORY": "block"}}, "不明な情報の種類です: NOT_A_CATEGORY"),
        ({"organization_terms": "あ" * 201}, "機密語リスト"),
    ],
)
def test_invalid_form_values_give_a_japanese_message(changes, message):
    with pytest.raises(PolicyError) as err:
        form(**changes)
    assert message in str(err.value)


def test_a_broken_stored_value_falls_back_to_the_defaults(db_url, caplog):
    with session_scope(db_url) as s:
        s.add(AppSetting(key=RISK_POLICY_KEY, value={"block_categories": ["NO_SUCH"], "secret": "x"}))
        s.add(AppSetting(key=QUOTA_DEFAULTS_KEY, value={"daily_requests": -5, "daily_tokens": 1}))
    with session_scope(db_url) as s:
        policy = load_policy(s)
    assert policy == SandboxPolicy(risk=RiskPolicy(), quotas=QuotaDefaults(daily_requests=100, daily_tokens=50_000))
    assert "invalid" in caplog.text and "NO_SUCH" not in caplog.text


def test_the_organisation_terms_alone_are_saved_beside_the_policy_lesson_the_rest_stays(db_url, admin, learner):
    from portal.sandbox import save_organization_terms

    with session_scope(db_url) as s:
        save_policy(s, admin, form())
    with session_scope(db_url) as s:
        diff = save_organization_terms(s, admin, "プロジェクト・オリオン\nプロジェクト・シリウス\n")
    assert diff == {"organization_terms": {"count": 2, "added": 1, "removed": 1}}  # audited without the terms
    with session_scope(db_url) as s:
        policy = load_policy(s)
        assert policy.risk.organization_terms == ["プロジェクト・オリオン", "プロジェクト・シリウス"]
        assert policy == form(organization_terms="プロジェクト・オリオン\nプロジェクト・シリウス")  # nothing else changed
        with pytest.raises(PermissionDenied):
            save_organization_terms(s, learner, "漏らす語")
    with session_scope(db_url) as s:
        assert "漏らす語" not in load_policy(s).risk.organization_terms
