"""How much work one send does: one risk scan per text and policy, one summary change when the
send finishes, no read-back of the event row the service wrote."""

from __future__ import annotations

import pytest
from sandboxkit import CLEAN, WARN_ONLY

from portal import summaries
from portal.sandbox import Draft, events, service

SYSTEM_PROMPT = "あなたは社内研修の補助者です。"


@pytest.fixture
def scans(monkeypatch):
    seen: list[str] = []
    real = service.check_text

    def counting(text, policy):
        seen.append(text)
        return real(text, policy)

    monkeypatch.setattr(service, "check_text", counting)
    return seen


def test_a_clear_prompt_is_scanned_once(sandbox, learner, scans):
    sub, result = sandbox.send(learner, Draft(CLEAN, system=SYSTEM_PROMPT))
    assert sub.ready and result.ok
    assert sorted(scans) == sorted([CLEAN, SYSTEM_PROMPT])


def test_a_held_prompt_is_scanned_once_through_submit_resolve_and_stream(sandbox, learner, scans):
    sub = sandbox.submit(learner, Draft(WARN_ONLY, system=SYSTEM_PROMPT))
    assert sub.status == "needs_review"
    ready = sandbox.resolve(learner, sub, action="mask")
    result = sandbox.stream(learner, ready).drain()
    assert result.ok
    assert sorted(scans) == sorted([WARN_ONLY, SYSTEM_PROMPT])


def test_a_variant_with_another_system_prompt_is_scanned_again(sandbox, learner, scans):
    sub = sandbox.submit(learner, Draft(CLEAN, system=SYSTEM_PROMPT))
    assert sandbox.stream(learner, sub, system="別のシステムプロンプトです。").drain().ok
    assert sorted(scans) == sorted([CLEAN, SYSTEM_PROMPT, "別のシステムプロンプトです。"])


def test_a_send_writes_its_summaries_twice_and_reads_nothing_back(sandbox, learner, monkeypatch):
    """The reservation counts the event once; the finished send counts one change."""
    added, changed = [], []
    record_event, record_change = summaries.writers.record_event, summaries.writers.record_event_change
    monkeypatch.setattr(events.summaries, "record_event", lambda *a, **k: added.append(1) or record_event(*a, **k))
    monkeypatch.setattr(events.summaries, "record_event_change",
                        lambda *a, **k: changed.append(1) or record_change(*a, **k))
    monkeypatch.setattr(events, "_ROW", None)  # reading an event row back would fail
    sub, result = sandbox.send(learner, Draft(CLEAN))
    assert result.ok
    assert (len(added), len(changed)) == (1, 1)
