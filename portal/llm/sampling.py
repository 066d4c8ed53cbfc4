"""Sampling math shared by the practice model and the next-token explorer.

Definitions (applied in this order, as common inference servers do):

* **temperature** ``T`` rescales the logits: ``p_i' ∝ p_i ** (1 / T)`` (equivalently
  ``softmax(log p_i / T)``). ``T = 1`` leaves the distribution unchanged, ``T < 1`` sharpens
  it, ``T > 1`` flattens it, and ``T = 0`` is greedy decoding: all mass on the most probable
  token (the first one in vocabulary order on a tie).
* **top_p** (nucleus sampling) keeps the smallest set of most probable tokens whose cumulative
  probability is ``≥ top_p`` and renormalises over that set; everything else gets 0.
  ``top_p = 1`` keeps every token; ``top_p = 0`` keeps only the single most probable one.
  Ties are ordered by vocabulary index so the result is deterministic.
"""

from __future__ import annotations

import numpy as np

_EPS = 1e-12


def apply_temperature(p: np.ndarray, temperature: float) -> np.ndarray:
    """Return ``q`` with ``q_i ∝ p_i ** (1/temperature)``; ``temperature == 0`` is greedy."""
    if temperature < 0:
        raise ValueError("temperature must be >= 0")
    p = np.asarray(p, dtype=np.float64)
    if temperature == 0:
        q = np.zeros_like(p)
        q[int(np.argmax(p))] = 1.0
        return q
    if temperature == 1:
        s = p.sum()
        return p / s
    with np.errstate(divide="ignore"):
        logits = np.log(p) / temperature
    logits -= logits.max()
    q = np.exp(logits)  # exp(-inf) == 0 keeps impossible tokens impossible
    return q / q.sum()


def apply_top_p(q: np.ndarray, top_p: float) -> np.ndarray:
    """Keep the smallest top set with cumulative probability ``≥ top_p``, renormalised."""
    if not 0 <= top_p <= 1:
        raise ValueError("top_p must be between 0 and 1")
    q = np.asarray(q, dtype=np.float64)
    if top_p >= 1:
        return q / q.sum()
    order = np.argsort(-q, kind="stable")
    cumulative = np.cumsum(q[order])
    keep = int(np.searchsorted(cumulative, top_p - _EPS, side="left")) + 1
    keep = min(max(keep, 1), len(q))
    out = np.zeros_like(q)
    kept = order[:keep]
    out[kept] = q[kept]
    return out / out.sum()


def transform(p: np.ndarray, temperature: float = 1.0, top_p: float = 1.0) -> np.ndarray:
    """Temperature first, then top_p."""
    return apply_top_p(apply_temperature(p, temperature), top_p)


def sample_index(q: np.ndarray, rng: np.random.Generator) -> int:
    """Draw one index from the probability vector ``q`` (one uniform draw, inverse CDF)."""
    cumulative = np.cumsum(q)
    u = rng.random() * cumulative[-1]
    index = int(np.searchsorted(cumulative, u, side="right"))
    index = min(index, len(q) - 1)
    # never return a zero-probability index because of rounding at the boundary
    while q[index] <= 0 and index > 0:
        index -= 1
    return index
