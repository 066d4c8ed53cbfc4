"""管理 > リスクポリシー: what the risk checklist does per category, send-anyway, the
organisation term list, the default mask, default daily quotas and per-user overrides.
Stored in app_settings through portal.sandbox (admin-only, audited)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from portal.accounts import service as accounts
from portal.accounts.roles import PermissionDenied
from portal.i18n import t
from portal.localtime import JST
from portal.risk import Category, Confidence, MaskOperator
from portal.sandbox import (
    PolicyError,
    build_policy,
    endpoint_problem,
    load_policy_for_admin,
    policy_history,
    save_policy,
    set_user_quota,
)
from portal.ui import routes, state

LEVELS = ("block", "warn", "info", "off")


def page():
    return st.Page(render, title=t("nav.admin.policy"), icon=":material/policy:", url_path=routes.ADMIN_POLICY)


def render() -> None:
    user = state.current_user()
    st.title(t("sandbox.admin.title"))
    st.caption(t("sandbox.admin.lead"))
    try:
        with state.db() as session:
            policy = load_policy_for_admin(session, user)
    except PermissionDenied as exc:
        st.error(str(exc))
        return
    _endpoint_status(user)
    tab_policy, tab_users, tab_history = st.tabs(
        [t("sandbox.admin.tab.policy"), t("sandbox.admin.tab.users"), t("sandbox.admin.tab.history")]
    )
    with tab_policy:
        _policy_form(user, policy)
    with tab_users:
        _user_quotas(user, policy)
    with tab_history:
        _history(user)


def _endpoint_status(user) -> None:
    """"The endpoint is misconfigured" (401 / 403 / 404 seen on any replica) with the last error time."""
    with state.db(readonly=True) as session:
        problem = endpoint_problem(session, user)
    if problem is None:
        return
    params = {"when": problem.last_at.astimezone(JST).strftime("%Y-%m-%d %H:%M"), "status": problem.status or "?",
              "kind": t(f"sandbox.admin.endpoint.kind.{problem.kind}")}
    if problem.recovered:
        st.caption(t("sandbox.admin.endpoint.recovered", **params))
    else:
        st.error(t("sandbox.admin.endpoint.misconfigured", model=problem.model, count=problem.count, **params),
                 icon=":material/error:")


def _policy_form(user, policy) -> None:
    risk = policy.risk
    with st.form("policy_form"):
        st.subheader(t("sandbox.admin.levels"))
        st.caption(t("sandbox.admin.levels.help"))
        levels: dict[str, str] = {}
        columns = st.columns(3)
        for i, category in enumerate(Category):
            levels[category.value] = columns[i % 3].selectbox(
                t(f"risk.category.{category.value}"), LEVELS, index=LEVELS.index(risk.level(category)),
                format_func=lambda level: t(f"sandbox.admin.level.{level}"), key=f"pol_level_{category.value}",
            )
        st.subheader(t("sandbox.admin.behaviour"))
        allow = st.checkbox(t("sandbox.policy.field.allow_send_anyway"), value=risk.allow_send_anyway,
                            help=t("sandbox.admin.allow.help"), key="pol_allow")
        col1, col2 = st.columns(2)
        operators = [op.value for op in MaskOperator]
        operator = col1.selectbox(t("sandbox.policy.field.default_operator"), operators,
                                  index=operators.index(risk.default_operator.value),
                                  format_func=lambda v: t(f"risk.mask.operator.{v}"), key="pol_operator")
        confidences = [c.value for c in Confidence]
        min_conf = col2.selectbox(t("sandbox.policy.field.mask_min_confidence"), confidences,
                                  index=confidences.index(risk.mask_min_confidence.value),
                                  format_func=lambda v: t(f"risk.confidence.{v}"), key="pol_conf",
                                  help=t("sandbox.admin.min_conf.help"))
        terms = st.text_area(t("sandbox.policy.field.organization_terms"), value="\n".join(risk.organization_terms),
                             height=140, help=t("sandbox.admin.terms.help"), key="pol_terms",
                             placeholder=t("sandbox.admin.terms.placeholder"))
        st.subheader(t("sandbox.admin.quotas"))
        col3, col4 = st.columns(2)
        requests = col3.number_input(t("sandbox.policy.field.daily_requests"), min_value=0, max_value=100_000,
                                     value=policy.quotas.daily_requests, step=10, key="pol_requests")
        tokens = col4.number_input(t("sandbox.policy.field.daily_tokens"), min_value=0, max_value=100_000_000,
                                   value=policy.quotas.daily_tokens, step=1000, key="pol_tokens")
        st.caption(t("sandbox.admin.quotas.help"))
        submitted = st.form_submit_button(t("sandbox.admin.save"), type="primary", icon=":material/save:")
    if not submitted:
        return
    try:
        new = build_policy(levels=levels, allow_send_anyway=allow, organization_terms=terms,
                           default_operator=operator, mask_min_confidence=min_conf,
                           daily_requests=int(requests), daily_tokens=int(tokens))
        with state.db() as session:
            diff = save_policy(session, user, new)
    except PolicyError as exc:
        st.error(str(exc))
        return
    except PermissionDenied as exc:
        st.error(str(exc))
        return
    if diff:
        st.success(t("sandbox.admin.saved"), icon=":material/check_circle:")
    else:
        st.info(t("sandbox.admin.unchanged"))


def _user_quotas(user, policy) -> None:
    st.caption(t("sandbox.admin.users.lead", requests=f"{policy.quotas.daily_requests:,}",
                 tokens=f"{policy.quotas.daily_tokens:,}"))
    with state.db() as session:
        users = [(u.id, u.name, u.email, u.employee_id, u.daily_request_quota, u.daily_token_quota)
                 for u in accounts.list_users(session, user)]
    overrides = [u for u in users if u[4] is not None or u[5] is not None]
    if overrides:
        st.dataframe(pd.DataFrame([
            {t("sandbox.admin.users.col.name"): name, t("sandbox.admin.users.col.email"): email,
             t("sandbox.policy.field.daily_requests"): req if req is not None else t("sandbox.admin.users.default"),
             t("sandbox.policy.field.daily_tokens"): tok if tok is not None else t("sandbox.admin.users.default")}
            for _, name, email, _, req, tok in overrides
        ]), hide_index=True)
    else:
        st.info(t("sandbox.admin.users.none"))
    labels = {u[0]: f"{u[1]} <{u[2]}> ({u[3] or '-'})" for u in users}
    target = st.selectbox(t("sandbox.admin.users.pick"), list(labels), format_func=labels.get, index=None,
                          placeholder=t("sandbox.admin.users.pick.placeholder"), key="pol_user")
    if target is None:
        return
    row = next(u for u in users if u[0] == target)
    with st.form("quota_form"):
        col1, col2 = st.columns(2)
        own_req = col1.checkbox(t("sandbox.admin.users.own_requests"), value=row[4] is not None, key="pol_own_req")
        req = col1.number_input(t("sandbox.policy.field.daily_requests"), min_value=0, max_value=100_000,
                                value=row[4] if row[4] is not None else policy.quotas.daily_requests, key="pol_user_req")
        own_tok = col2.checkbox(t("sandbox.admin.users.own_tokens"), value=row[5] is not None, key="pol_own_tok")
        tok = col2.number_input(t("sandbox.policy.field.daily_tokens"), min_value=0, max_value=100_000_000,
                                value=row[5] if row[5] is not None else policy.quotas.daily_tokens, step=1000,
                                key="pol_user_tok")
        if not st.form_submit_button(t("sandbox.admin.save"), type="primary"):
            return
    try:
        with state.db() as session:
            set_user_quota(session, user, target, daily_requests=int(req) if own_req else None,
                           daily_tokens=int(tok) if own_tok else None)
    except (PolicyError, PermissionDenied) as exc:
        st.error(str(exc))
        return
    st.success(t("sandbox.admin.users.saved"))


def _history(user) -> None:
    with state.db() as session:
        rows = [(e.created_at, e.actor_id, e.action, e.target, e.detail) for e in policy_history(session, user)]
    if not rows:
        st.info(t("sandbox.admin.history.none"))
        return
    st.dataframe(pd.DataFrame([
        {t("sandbox.admin.history.col.when"): when.astimezone().strftime("%Y-%m-%d %H:%M"),
         t("sandbox.admin.history.col.action"): t(f"sandbox.admin.history.action.{action}"),
         t("sandbox.admin.history.col.target"): target or "",
         t("sandbox.admin.history.col.detail"): _describe(detail)}
        for when, _, action, target, detail in rows
    ]), hide_index=True)


def _describe(detail: dict) -> str:
    parts = []
    for key, value in (detail or {}).items():
        if key == "levels":
            parts.extend(
                f"{t(f'risk.category.{cat}')}: {t(f'sandbox.admin.level.{a}')}→{t(f'sandbox.admin.level.{b}')}"
                for cat, (a, b) in value.items()
            )
        elif key == "organization_terms":
            parts.append(t("sandbox.admin.history.terms", **value))
        elif isinstance(value, list) and len(value) == 2:
            parts.append(f"{key}: {value[0]} → {value[1]}")
        else:
            parts.append(f"{key}: {value}")
    return "; ".join(parts)
