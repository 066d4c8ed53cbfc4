"""Precision and recall per category on the labelled corpus (tests/data/risk_corpus.jsonl).

Only findings that are masked by default (confidence medium or high, not info-only) count as
predictions: "possible" findings are hints, not claims. A prediction matches an expected span
of the same category when they share at least half of their union.
"""

from pathlib import Path

import pytest

from portal.risk import RiskPolicy, scan
from portal.risk.evaluation import evaluate, load_corpus
from portal.risk.policy import is_default_masked

CORPUS = Path(__file__).resolve().parents[2] / "data" / "risk_corpus.jsonl"

# Floors are set a little below the measured figures (see docs/risk.md) so that a real
# regression fails the test while the corpus can still grow.
OVERALL_FLOOR = 0.97
CATEGORY_FLOOR = {"PERSON_NAME": 0.95}
DEFAULT_FLOOR = 0.95


@pytest.fixture(scope="module")
def report():
    policy = RiskPolicy()
    records = load_corpus(CORPUS)
    assert len(records) >= 500

    def predict(text):
        return [(f.category.value, f.start, f.end) for f in scan(text) if is_default_masked(f, policy)]

    rep = evaluate(records, predict)
    print("\n" + rep.table())
    return rep


def test_overall_precision_and_recall(report):
    total = report.total
    assert total.precision >= OVERALL_FLOOR
    assert total.recall >= OVERALL_FLOOR


def test_every_category_meets_its_floor(report):
    low = []
    for cat, counts in report.per_category.items():
        floor = CATEGORY_FLOOR.get(cat, DEFAULT_FLOOR)
        if counts.tp + counts.fn >= 5 and (counts.precision < floor or counts.recall < floor):
            low.append((cat, round(counts.precision, 3), round(counts.recall, 3)))
    assert low == []


def test_corpus_has_hard_negatives():
    records = load_corpus(CORPUS)
    negatives = [r for r in records if not r["spans"]]
    assert len(negatives) >= 100
