"""Quiz analytics on the hand-built organisation (see conftest), worked out by hand.

First attempts (credits per question q1, q2, q3 and the attempt total T):
    L1 #1: 1, 0, 1  T = 2
    L2 #1: 0, 1, 0  T = 1
    L4 #1: 1, 1, 1  T = 3
(L1's second attempt and the deactivated L5 do not count.)

q1: x = (1, 0, 1), rest y = T - x = (1, 1, 2). Means 2/3 and 4/3; deviations
    dx = (1/3, -2/3, 1/3), dy = (-1/3, -1/3, 2/3); Σdx·dy = 1/3, Σdx² = 2/3, Σdy² = 2/3
    -> facility 2/3, discrimination r = (1/3) / sqrt(2/3 · 2/3) = 0.5
q2: x = (0, 1, 1), y = (2, 0, 2); dx = (-2/3, 1/3, 1/3), dy = (2/3, -4/3, 2/3);
    Σdx·dy = -2/3, Σdx² = 2/3, Σdy² = 8/3 -> facility 2/3, r = (-2/3) / sqrt(16/9) = -0.5
q3: the same numbers as q1 -> facility 2/3, r = 0.5
"""

from datetime import date

import pytest

from portal.db import session_scope
from portal.learning.quiz import Matching, Numeric, Ordering
from portal.stats import quiz_stats
from portal.stats.filters import StatsFilter
from portal.stats.quiz_stats import _option_counts, discrimination, facility, question_flags, quiz_analytics


def run(org, flt=StatsFilter()):
    with session_scope(org.url) as s:
        return quiz_analytics(s, org.admin, org.course, org.quizzes, flt)


def test_facility_and_discrimination_indices(org):
    qs = run(org).questions.set_index("question_id")
    assert list(qs["n"]) == [3, 3, 3]
    for qid in ("q1", "q2", "q3"):
        assert qs.loc[qid, "facility"] == pytest.approx(2 / 3)
        assert qs.loc[qid, "share_correct"] == pytest.approx(2 / 3)
    assert qs.loc["q1", "discrimination"] == pytest.approx(0.5)
    assert qs.loc["q2", "discrimination"] == pytest.approx(-0.5)
    assert qs.loc["q3", "discrimination"] == pytest.approx(0.5)
    assert qs.loc["q1", "flags"] == ["few_responses"]  # three answers are too few for a verdict
    assert qs.loc["q2", "type"] == "multiple"


def test_discrimination_formula_matches_a_direct_correlation():
    import statistics

    x = [1, 0, 1, 1, 0, 0.5, 1]
    total = [3, 1, 2, 4, 2, 2.5, 3]
    y = [t - v for t, v in zip(total, x)]
    sums = dict(n=len(x), sx=sum(x), sxx=sum(v * v for v in x), st=sum(total), stt=sum(t * t for t in total),
                stx=sum(t * v for t, v in zip(total, x)))
    assert discrimination(**sums) == pytest.approx(statistics.correlation(x, y))
    assert facility(sum(x), len(x)) == pytest.approx(sum(x) / len(x))


def test_discrimination_is_undefined_without_variation():
    # everyone right: x does not vary
    assert discrimination(n=3, sx=3, sxx=3, st=6, stt=14, stx=6) is None
    assert discrimination(n=1, sx=1, sxx=1, st=1, stt=1, stx=1) is None


def test_option_distribution(org):
    opts = run(org).options
    q1 = opts[opts["question_id"] == "q1"].set_index("option_id")
    assert dict(q1["chosen"]) == {"a": 2, "b": 1}
    assert bool(q1.loc["a", "correct"]) is True and bool(q1.loc["b", "correct"]) is False
    assert q1.loc["a", "share"] == pytest.approx(2 / 3)
    assert q1.loc["a", "option"].startswith("a: 正解の選択肢")
    # multiple choice counts each chosen option: [a], [a, b], [a, b]
    q2 = opts[opts["question_id"] == "q2"].set_index("option_id")
    assert dict(q2["chosen"]) == {"a": 3, "b": 2}
    assert q2.loc["a", "share"] == pytest.approx(1.0)
    q3 = opts[opts["question_id"] == "q3"].set_index("option_id")
    assert dict(q3["chosen"]) == {"true": 2, "false": 1}


def test_score_distribution_first_and_all_attempts(org):
    dist = run(org).score_distribution
    first = dist[dist["attempts_kind"] == "first"].set_index("bin")["attempts"]
    every = dist[dist["attempts_kind"] == "all"].set_index("bin")["attempts"]
    assert len(first) == 10 and len(every) == 10  # every bin present, empty ones as 0
    assert {b: n for b, n in first.items() if n} == {3: 1, 6: 1, 9: 1}  # 1/3, 2/3, 1.0
    assert {b: n for b, n in every.items() if n} == {3: 1, 6: 1, 9: 2}
    assert dist.set_index(["attempts_kind", "bin"]).loc[("all", 9), "range"] == "90–100%"
    assert dist.set_index(["attempts_kind", "bin"]).loc[("all", 0), "range"] == "0–9%"


def test_attempts_needed_to_pass_and_summary(org):
    qa = run(org)
    tp = qa.attempts_to_pass.set_index("needed")["learners"]
    assert dict(tp) == {0: 1, 1: 1, 2: 1}  # L2 not yet, L4 on the 1st, L1 on the 2nd
    s = qa.summary.set_index("quiz_id").loc["qa"]
    assert s["learners"] == 3 and s["attempts"] == 4
    assert s["attempts_per_learner"] == pytest.approx(4 / 3)
    assert s["mean_score"] == pytest.approx((2 / 3 + 1 + 1 / 3 + 1) / 4)
    assert s["first_mean_score"] == pytest.approx((2 / 3 + 1 / 3 + 1) / 3)
    assert s["first_pass_rate"] == pytest.approx(1 / 3)
    assert s["pass_rate"] == pytest.approx(2 / 4)
    assert s["passed_learners"] == 2 and s["not_passed_learners"] == 1
    assert s["mean_attempts_to_pass"] == pytest.approx(1.5)
    assert s["median_attempts_to_pass"] == pytest.approx(1.5)


def test_date_range_keeps_first_attempts_first(org):
    # from 03-05: only L1's second attempt is in range; it is not a first attempt
    qa = run(org, StatsFilter(start=date(2026, 3, 5), end=date(2026, 3, 31)))
    assert qa.questions["n"].sum() == 0
    s = qa.summary.set_index("quiz_id").loc["qa"]
    assert s["attempts"] == 1 and s["learners"] == 1 and s["pass_rate"] == 1
    dist = qa.score_distribution
    assert dist[dist["attempts_kind"] == "first"]["attempts"].sum() == 0


def test_department_filter(org):
    qa = run(org, StatsFilter(departments=("開発部",)))
    qs = qa.questions.set_index("question_id")
    assert list(qs["n"]) == [1, 1, 1]  # L4 only (L5 is deactivated)
    assert qs.loc["q1", "discrimination"] is None or pd_isna(qs.loc["q1", "discrimination"])


def pd_isna(value):
    import pandas as pd

    return pd.isna(value)


def test_flags_point_at_bad_questions():
    assert question_flags(50, 0.6, -0.2, False) == ["negative_discrimination"]
    assert question_flags(50, 0.6, 0.1, False) == ["low_discrimination"]
    assert question_flags(50, 0.1, 0.4, True) == ["very_hard", "distractor_beats_answer"]
    assert question_flags(50, 0.99, 0.4, False) == ["very_easy"]
    assert question_flags(50, 0.6, 0.4, False) == []
    assert question_flags(quiz_stats.MIN_RESPONSES - 1, 0.6, -0.9, True) == ["few_responses"]


def test_a_question_with_a_wrong_key_stands_out(db_url, content, helpers):
    """Strong learners pick the 'wrong' option b, weak ones the keyed a: the question gets a
    negative discrimination and the distractor flag."""
    from portal.accounts.roles import SYSTEM
    from portal.accounts.service import create_user

    course, quizzes = content
    qa = quizzes["qa"]
    with session_scope(db_url) as s:
        for i in range(12):
            user = create_user(s, SYSTEM, name=f"u{i}", email=f"u{i}@example.com", department="営業部")
            strong = i < 8
            helpers.add_attempt(s, user.id, qa, helpers.utc(3, 2, i), {
                "q1": "b" if strong else "a",
                "q2": ["a", "b"] if strong else ["c"],
                "q3": strong,
            })
    with session_scope(db_url) as s:
        qs = quiz_analytics(s, SYSTEM, course, quizzes, StatsFilter()).questions.set_index("question_id")
    assert qs.loc["q1", "discrimination"] < 0
    assert "negative_discrimination" in qs.loc["q1", "flags"]
    assert "distractor_beats_answer" in qs.loc["q1", "flags"]
    assert qs["discrimination"].idxmin() == "q1"
    assert "distractor_beats_answer" not in qs.loc["q3", "flags"]


def test_option_counts_for_other_question_types():
    ordering = Ordering(id="o", type="ordering", prompt="p", explanation="e",
                        options=[{"id": "x", "text": "X"}, {"id": "y", "text": "Y"}], answer=["x", "y"])
    rows = _option_counts(ordering, [(["x", "y"], 4), (["y", "x"], 1), (None, 2)])
    assert [(k, n, ok) for k, _, n, ok in rows] == [
        ("__none__", 2, None), ('["x", "y"]', 4, True), ('["y", "x"]', 1, False)
    ]
    matching = Matching(id="m", type="matching", prompt="p", explanation="e",
                        pairs=[{"id": "p1", "left": "L1", "right": "R1"}, {"id": "p2", "left": "L2", "right": "R2"}])
    rows = {k: (n, ok) for k, _, n, ok in _option_counts(matching, [({"p1": "p1", "p2": "p2"}, 3),
                                                                    ({"p1": "p2", "p2": "p1"}, 1)])}
    assert rows == {"p1=p1": (3, True), "p2=p2": (3, True), "p1=p2": (1, False), "p2=p1": (1, False)}
    numeric = Numeric(id="n", type="numeric", prompt="p", explanation="e", answer=7, tolerance=0.5, unit="GB")
    rows = {label: (n, ok) for _, label, n, ok in _option_counts(numeric, [(7, 5), (7.4, 1), (14, 2)])}
    assert rows == {"7GB": (5, True), "7.4GB": (1, True), "14GB": (2, False)}


def test_pilot_review_needs_30_first_attempts_and_names_the_reason():
    from portal.stats.quiz_stats import pilot_review

    assert pilot_review(29, 0.95, 0.05) == ""  # too few first attempts for a verdict
    assert "0.95" in pilot_review(30, 0.95, 0.4) and "高い" in pilot_review(30, 0.95, 0.4)
    assert "0.25" in pilot_review(30, 0.25, 0.4) and "低い" in pilot_review(30, 0.25, 0.4)
    assert "識別度 0.10" in pilot_review(30, 0.6, 0.1)
    assert pilot_review(30, 0.3, 0.2) == "" and pilot_review(30, 0.9, 0.5) == ""  # the bands are inclusive
    assert pilot_review(40, 0.6, None) == ""  # discrimination undefined: no claim
