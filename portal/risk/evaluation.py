"""Precision/recall of span predictions against a labelled corpus (used by the corpus test
and benchmarks/bench_risk.py, also for baselines such as Presidio)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

Span = tuple[str, int, int]  # (category, start, end)


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    exact: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    per_category: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    errors: list[tuple[str, str, Span]] = field(default_factory=list)  # (record id, "FP"/"FN", span)

    @property
    def total(self) -> Counts:
        c = Counts()
        for v in self.per_category.values():
            c.tp += v.tp
            c.fp += v.fp
            c.fn += v.fn
            c.exact += v.exact
        return c

    def table(self) -> str:
        rows = [f"{'category':<18}{'tp':>6}{'fp':>6}{'fn':>6}{'prec':>8}{'recall':>8}{'exact':>7}"]
        for cat in sorted(self.per_category):
            c = self.per_category[cat]
            rows.append(f"{cat:<18}{c.tp:>6}{c.fp:>6}{c.fn:>6}{c.precision:>8.3f}{c.recall:>8.3f}{c.exact:>7}")
        c = self.total
        rows.append(f"{'ALL':<18}{c.tp:>6}{c.fp:>6}{c.fn:>6}{c.precision:>8.3f}{c.recall:>8.3f}{c.exact:>7}")
        return "\n".join(rows)


def is_reported(finding, policy) -> bool:
    """What the learner is shown as a finding, not as a "possible" hint: confidence at or above
    the policy's threshold, in a category that is not switched off. Info-level categories
    (corporate numbers, public information) count: they are shown, just never masked."""
    return policy.level(finding.category) != "off" and finding.confidence.rank >= policy.mask_min_confidence.rank


def load_corpus(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


# Categories whose expected span is a region that the prediction may sit inside: annotators mark a
# whole confidentiality notice ("本メールには社外秘情報が含まれています…") where the checklist
# flags the marker word in it.
_CONTAINED_OK = {"CONFIDENTIAL"}


def _overlap_ok(pred: Span, exp: Span) -> bool:
    """Same category and the spans share at least half of their union (or, for a region
    category, the prediction lies inside the expected span)."""
    if pred[0] != exp[0]:
        return False
    inter = min(pred[2], exp[2]) - max(pred[1], exp[1])
    if inter <= 0:
        return False
    if pred[0] in _CONTAINED_OK and exp[1] <= pred[1] and pred[2] <= exp[2]:
        return True
    union = max(pred[2], exp[2]) - min(pred[1], exp[1])
    return inter / union >= 0.5


def evaluate(
    records: Iterable[dict],
    predict: Callable[[str], Iterable[Span]],
    categories: set[str] | None = None,
) -> Report:
    """Greedy one-to-one matching per record. ``categories`` limits scoring to those ids
    (a baseline that has no detector for a category is then not charged for it)."""
    rep = Report()
    for rec in records:
        expected = [(s["category"], s["start"], s["end"]) for s in rec["spans"]]
        predicted = list(predict(rec["text"]))
        if categories is not None:
            expected = [e for e in expected if e[0] in categories]
            predicted = [p for p in predicted if p[0] in categories]
        used: set[int] = set()
        for p in predicted:
            hit = next((i for i, e in enumerate(expected) if i not in used and _overlap_ok(p, e)), None)
            if hit is None:
                rep.per_category[p[0]].fp += 1
                rep.errors.append((rec["id"], "FP", p))
            else:
                used.add(hit)
                rep.per_category[p[0]].tp += 1
                if expected[hit] == p:
                    rep.per_category[p[0]].exact += 1
        for i, e in enumerate(expected):
            if i not in used:
                rep.per_category[e[0]].fn += 1
                rep.errors.append((rec["id"], "FN", e))
    return rep
