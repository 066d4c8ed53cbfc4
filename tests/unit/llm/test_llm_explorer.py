"""Next-token explorer: endpoint logprobs math and the fallback to the practice model."""

from __future__ import annotations

import math

from portal.llm import (
    Cooldowns,
    EndpointConfig,
    LLMService,
    distribution_from_logprobs,
    explore_next_token,
    sample_counts,
)


def test_endpoint_top_logprobs_become_rows_with_the_rest_reported():
    candidates = [("富士山", math.log(0.6)), ("北岳", math.log(0.2)), ("奥穂高岳", math.log(0.1))]
    rows, other = distribution_from_logprobs(candidates, temperature=1.0, top_p=1.0)
    assert [r.token for r in rows] == ["富士山", "北岳", "奥穂高岳"]
    assert math.isclose(rows[0].prob_before, 0.6)
    assert math.isclose(other, 0.1)
    # after: renormalised over the listed tokens only
    assert math.isclose(rows[0].prob_after, 0.6 / 0.9)
    greedy, _ = distribution_from_logprobs(candidates, temperature=0)
    assert [r.prob_after for r in greedy] == [1.0, 0.0, 0.0]


def test_duplicate_token_texts_are_merged():
    rows, _ = distribution_from_logprobs([("山", math.log(0.3)), ("山", math.log(0.1)), ("川", math.log(0.2))])
    assert rows[0].token == "山" and math.isclose(rows[0].prob_before, 0.4)


def test_twenty_draws_are_counted(practice_model):
    rows = practice_model.next_token_distribution("日本で一番高い山は、", temperature=1.0, k=8)
    counts = sample_counts(rows, n=20, seed=3)
    assert sum(c for _, c in counts) == 20
    assert counts == sample_counts(rows, n=20, seed=3)  # seeded
    assert counts[0][0] == "富士山"


def test_explorer_uses_endpoint_logprobs_when_available(fake_openai_server):
    service = LLMService(
        EndpointConfig(provider="custom", base_url=fake_openai_server.base_url, default_model="fake-mini"),
        cooldowns=Cooldowns(),
    )
    view = explore_next_token("日本で一番高い山は、", k=3, service=service, endpoint_has_logprobs=True)
    assert view.source == "endpoint" and view.approximate and view.model == "fake-mini"
    assert len(view.rows) == 3
    assert fake_openai_server.requests[-1]["top_logprobs"] == 3


def test_explorer_falls_back_to_the_practice_model_on_error(fake_openai_server, practice_model):
    service = LLMService(
        EndpointConfig(provider="custom", base_url=fake_openai_server.base_url, default_model="fake-mini", max_retries=0),
        cooldowns=Cooldowns(),
    )
    fake_openai_server.set_mode("500")
    view = explore_next_token(
        "日本で一番高い山は、", service=service, endpoint_has_logprobs=True, practice_model=practice_model
    )
    assert view.source == "practice" and not view.approximate
    assert view.error is not None and view.error.kind == "server"
    assert view.rows[0].token == "富士山"
