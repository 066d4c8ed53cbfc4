"""Next-token explorer: the math behind "what word comes next, and how likely is it?".

Two sources:

* the **practice model** (always available, exact): the full distribution over its vocabulary;
* a **real endpoint** that returns ``logprobs`` / ``top_logprobs`` (check once with
  :meth:`LLMService.probe_logprobs` and cache the answer): only its top ``k ≤ 20`` first
  tokens are known. ``prob_before`` is then ``exp(logprob)`` as returned, and ``prob_after`` is
  computed over those ``k`` tokens only (renormalised), so it is an approximation; the page
  should say so (:attr:`NextTokenView.approximate`, catalog key ``llm.explorer.source_endpoint``).

Sampling definitions live in :mod:`portal.llm.sampling`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from portal.llm.errors import LLMError
from portal.llm.practice import END_OF_TEXT, PracticeModel, TokenProb, default_practice_model
from portal.llm.sampling import sample_index, transform

__all__ = [
    "END_OF_TEXT",
    "NextTokenView",
    "TokenProb",
    "distribution_from_logprobs",
    "explore_next_token",
    "next_token_distribution",
    "sample_counts",
    "sample_next_tokens",
]


@dataclass(frozen=True)
class NextTokenView:
    rows: list[TokenProb]  # ordered by prob_before, descending
    source: Literal["practice", "endpoint"]
    model: str
    other_mass: float  # probability (before) of every token not listed
    approximate: bool  # True when prob_after was computed over the listed tokens only
    error: LLMError | None = None  # why the endpoint was not used, when it failed


def next_token_distribution(
    context: str,
    temperature: float = 1.0,
    top_p: float = 1.0,
    k: int = 10,
    *,
    model: PracticeModel | None = None,
) -> list[TokenProb]:
    """``[(token, prob_before, prob_after), …]`` for the ``k`` likeliest next words after
    ``context`` under the practice model (default: :func:`default_practice_model`)."""
    return (model or default_practice_model()).next_token_distribution(context, temperature, top_p, k)


def sample_next_tokens(
    context: str,
    n: int = 20,
    temperature: float = 1.0,
    top_p: float = 1.0,
    seed: int | None = None,
    *,
    model: PracticeModel | None = None,
) -> list[tuple[str, int]]:
    """Draw the next word ``n`` times from the practice model: ``[(word, count), …]``."""
    return (model or default_practice_model()).sample_next_tokens(context, n, temperature, top_p, seed)


def distribution_from_logprobs(
    candidates: Sequence[tuple[str, float]],
    temperature: float = 1.0,
    top_p: float = 1.0,
    k: int | None = None,
) -> tuple[list[TokenProb], float]:
    """Rows from an endpoint's ``top_logprobs`` and the probability mass not covered by them.

    Duplicate tokens (some servers return the same text for different token ids) are merged.
    """
    merged: dict[str, float] = {}
    for token, logprob in candidates:
        merged[token] = merged.get(token, 0.0) + (math.exp(logprob) if math.isfinite(logprob) else 0.0)
    ranked = sorted(merged.items(), key=lambda item: -item[1])
    if k is not None:
        ranked = ranked[: max(1, k)]
    if not ranked:
        return [], 1.0
    before = np.array([p for _, p in ranked], dtype=np.float64)
    other = max(0.0, 1.0 - float(before.sum()))
    if before.sum() <= 0:
        return [TokenProb(tok, 0.0, 0.0) for tok, _ in ranked], other
    after = transform(before / before.sum(), temperature, top_p)
    return [TokenProb(tok, float(b), float(a)) for (tok, _), b, a in zip(ranked, before, after)], other


def sample_counts(rows: Sequence[TokenProb], n: int = 20, seed: int | None = None) -> list[tuple[str, int]]:
    """Draw ``n`` times from the rows' ``prob_after``: ``[(token, count), …]`` by count."""
    if not rows:
        return []
    q = np.array([r.prob_after for r in rows], dtype=np.float64)
    if q.sum() <= 0:
        return []
    q = q / q.sum()
    rng = np.random.default_rng(seed)
    draws = Counter(sample_index(q, rng) for _ in range(n))
    ranked = sorted(draws.items(), key=lambda item: (-item[1], item[0]))
    return [(rows[i].token, c) for i, c in ranked]


def explore_next_token(
    context: str,
    temperature: float = 1.0,
    top_p: float = 1.0,
    k: int = 10,
    *,
    service: Any | None = None,
    model: str | None = None,
    endpoint_has_logprobs: bool = False,
    practice_model: PracticeModel | None = None,
) -> NextTokenView:
    """The explorer's data: from the endpoint when it returns logprobs, else the practice model.

    ``service`` is an :class:`~portal.llm.service.LLMService`; pass ``endpoint_has_logprobs``
    from a cached :meth:`~portal.llm.service.LLMService.probe_logprobs`. Any endpoint error
    falls back to the practice model, with the error attached to the view.
    """
    error: LLMError | None = None
    if service is not None and endpoint_has_logprobs and not service.config.is_practice:
        try:
            candidates = service.next_token_candidates(context, model, k=min(k, 20))
            if candidates:
                rows, other = distribution_from_logprobs(candidates, temperature, top_p, k)
                return NextTokenView(rows, "endpoint", service.resolve_model(model), other, True)
        except LLMError as exc:
            error = exc
    pm = practice_model
    if pm is None and service is not None and service.config.is_practice:
        pm = service.practice_model
    pm = pm or default_practice_model()
    rows = pm.next_token_distribution(context, temperature, top_p, k)
    other = max(0.0, 1.0 - sum(r.prob_before for r in rows))
    return NextTokenView(rows, "practice", pm.name, other, False, error)
