"""Storage-safe counts of findings: categories with counts, never raw values."""

from __future__ import annotations

from collections import Counter
from typing import Iterable

from portal.risk.findings import Confidence, Finding


def summarize(findings: Iterable[Finding], min_confidence: Confidence | None = None) -> dict[str, int]:
    """``{"PHONE": 2, "EMAIL": 1}``, keys sorted. Only category ids and counts: safe to store
    with a sandbox event and to log."""
    counts: Counter[str] = Counter()
    for f in findings:
        if min_confidence is not None and f.confidence.rank < min_confidence.rank:
            continue
        counts[f.category.value] += 1
    return dict(sorted(counts.items()))
