"""The sandbox service's one authorisation boundary: every method that takes a user refuses a
signed-out visitor (None) and a deactivated account before it checks, writes or sends anything."""

from __future__ import annotations

import inspect

import pytest
from sandboxkit import CLEAN, RISKY
from sqlalchemy import func, select

from portal.accounts.roles import SYSTEM, PermissionDenied
from portal.accounts.service import set_active
from portal.db import session_scope
from portal.db.models import SandboxEvent
from portal.sandbox import Draft, Sandbox


def event_count(url) -> int:
    with session_scope(url) as s:
        return s.scalar(select(func.count()).select_from(SandboxEvent))


def calls(sandbox: Sandbox, ready, held):
    """Every public method that takes a user, with arguments that would otherwise work."""
    return {
        "quota": lambda u: sandbox.quota(u),
        "rate": lambda u: sandbox.rate(u, 1, 1),
        "submit": lambda u: sandbox.submit(u, Draft(CLEAN)),
        "resolve": lambda u: sandbox.resolve(u, held, action="mask"),
        "stream": lambda u: sandbox.stream(u, ready),
        "start": lambda u: sandbox.start(u, Draft(CLEAN)),
        "send": lambda u: sandbox.send(u, Draft(CLEAN)),
        "endpoint_candidates": lambda u: sandbox.endpoint_candidates(u, "日本で一番高い山は"),
    }


def test_every_method_that_takes_a_user_is_listed_here(sandbox, learner):
    takes_user = {name for name, member in inspect.getmembers(Sandbox, inspect.isfunction)
                  if not name.startswith("_") and "user" in inspect.signature(member).parameters}
    assert takes_user == set(calls(sandbox, None, None))


@pytest.fixture
def prepared(sandbox, learner):
    ready = sandbox.submit(learner, Draft(CLEAN))
    held = sandbox.submit(learner, Draft(RISKY))
    assert ready.ready and held.status in ("needs_review", "blocked")
    return ready, held


@pytest.mark.parametrize("method", ["quota", "rate", "submit", "resolve", "stream", "start", "send",
                                    "endpoint_candidates"])
def test_a_signed_out_visitor_is_refused(db_url, sandbox, prepared, method, fake_openai_server):
    before, requests = event_count(db_url), len(fake_openai_server.requests)
    with pytest.raises(PermissionDenied):
        calls(sandbox, *prepared)[method](None)
    assert event_count(db_url) == before
    assert len(fake_openai_server.requests) == requests


@pytest.mark.parametrize("method", ["quota", "rate", "submit", "resolve", "stream", "start", "send",
                                    "endpoint_candidates"])
def test_a_deactivated_account_is_refused(db_url, sandbox, learner, prepared, method, fake_openai_server):
    with session_scope(db_url) as s:
        set_active(s, SYSTEM, learner.id, False)
    before, requests = event_count(db_url), len(fake_openai_server.requests)
    with pytest.raises(PermissionDenied):
        calls(sandbox, *prepared)[method](learner)
    assert event_count(db_url) == before
    assert len(fake_openai_server.requests) == requests


def test_an_active_account_passes_the_boundary(db_url, sandbox, learner, prepared):
    ready, _ = prepared
    assert sandbox.quota(learner).requests_used == 0
    sub, result = sandbox.send(learner, Draft(CLEAN))
    assert sub.ready and result is not None and result.ok
    assert sandbox.stream(learner, ready).drain().ok
