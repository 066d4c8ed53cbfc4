"""Grading of every question type (right, wrong, partial, empty) and the drawing/shuffling rules."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.learning.quiz import correct_response, draw_questions, grade, is_answered, option_order
from quizkit import ALL, MATCHING, MULTIPLE, NUMERIC, ORDERING, PARTIAL, SINGLE, TRUE_FALSE, make_quiz, question

# (question, response, credit, correct)
CASES = [
    # single choice
    (SINGLE, "a", 1.0, True),
    (SINGLE, "b", 0.0, False),
    # true / false
    (TRUE_FALSE, False, 1.0, True),
    (TRUE_FALSE, True, 0.0, False),
    (TRUE_FALSE, 0, 0.0, False),  # not a boolean: never right
    # numeric, tolerance 0.5
    (NUMERIC, 70.0, 1.0, True),
    (NUMERIC, 70.5, 1.0, True),
    (NUMERIC, 69.4, 0.0, False),
    (NUMERIC, "七十", 0.0, False),
    # multiple, all or nothing
    (MULTIPLE, ["a", "b"], 1.0, True),
    (MULTIPLE, ["b", "a"], 1.0, True),
    (MULTIPLE, ["a"], 0.0, False),
    (MULTIPLE, ["a", "b", "c"], 0.0, False),
    # multiple with partial credit: (right picks - wrong picks) / right options, floored at 0
    (PARTIAL, ["a", "b"], 1.0, True),
    (PARTIAL, ["a"], 0.5, False),
    (PARTIAL, ["a", "b", "c"], 0.5, False),
    (PARTIAL, ["a", "c"], 0.0, False),
    (PARTIAL, ["c", "d"], 0.0, False),
    # ordering, all or nothing
    (ORDERING, ["s1", "s2", "s3", "s4"], 1.0, True),
    (ORDERING, ["s2", "s1", "s3", "s4"], 0.0, False),
    # matching, share of pairs right
    (MATCHING, {"p1": "p1", "p2": "p2", "p3": "p3", "p4": "p4"}, 1.0, True),
    (MATCHING, {"p1": "p1", "p2": "p2", "p3": "p4", "p4": "p3"}, 0.5, False),
    (MATCHING, {"p1": "p1"}, 0.25, False),
    (MATCHING, {"p1": "p2", "p2": "p1", "p3": "p4", "p4": "p3"}, 0.0, False),
]


@pytest.mark.parametrize("raw, response, credit, correct", CASES,
                         ids=[f"{c[0]['id']}-{i}" for i, c in enumerate(CASES)])
def test_grade(raw, response, credit, correct):
    g = grade(question(raw), response)
    assert g.credit == pytest.approx(credit)
    assert g.correct is correct
    assert g.answered


EMPTY = [(SINGLE, None), (SINGLE, ""), (MULTIPLE, []), (MULTIPLE, None), (TRUE_FALSE, None), (NUMERIC, None),
         (ORDERING, None), (ORDERING, ["s1", "s2"]), (ORDERING, ["s1", None, None, None]),
         (MATCHING, {}), (MATCHING, {"p1": None}), (MATCHING, None)]


@pytest.mark.parametrize("raw, response", EMPTY, ids=[f"{e[0]['id']}-{i}" for i, e in enumerate(EMPTY)])
def test_empty_responses_are_unanswered_and_earn_nothing(raw, response):
    q = question(raw)
    assert not is_answered(q, response)
    assert grade(q, response).credit == 0.0
    assert not grade(q, response).answered


@pytest.mark.parametrize("raw", ALL, ids=[q["id"] for q in ALL])
def test_the_correct_response_always_earns_full_credit(raw):
    q = question(raw)
    g = grade(q, correct_response(q))
    assert g.correct and g.credit == 1.0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c", "d"]), unique=True))
def test_partial_credit_stays_between_zero_and_one(picks):
    credit = grade(question(PARTIAL), picks).credit
    assert 0.0 <= credit <= 1.0
    if set(picks) == {"a", "b"}:
        assert credit == 1.0


# ---------------------------------------------------------------- drawing and shuffling


def test_same_seed_gives_the_same_draw_and_option_order():
    quiz = make_quiz(draw=5)
    for seed in (0, 1, 12345, 2**31 - 1):
        first = draw_questions(quiz, seed)
        assert draw_questions(quiz, seed) == first
        assert len(first) == 5 and len(set(first)) == 5
        for qid in first:
            q = quiz.question(qid)
            assert option_order(quiz, q, seed) == option_order(quiz, q, seed)


def test_different_seeds_vary_the_draw_and_the_options():
    quiz = make_quiz(draw=5)
    draws = {tuple(draw_questions(quiz, seed)) for seed in range(40)}
    orders = {tuple(option_order(quiz, quiz.question("single"), seed)) for seed in range(40)}
    assert len(draws) > 10
    assert len(orders) == 6  # every permutation of three options shows up
    drawn_sets = {frozenset(d) for d in draws}
    assert len(drawn_sets) > 1  # not only the order but the chosen questions vary


def test_options_are_a_permutation_and_keep_their_ids():
    quiz = make_quiz()
    for seed in range(20):
        for q in quiz.questions:
            order = option_order(quiz, q, seed)
            if q.type in ("single", "multiple", "ordering"):
                assert sorted(order) == sorted(q.option_ids())
            elif q.type == "matching":
                assert sorted(order) == sorted(p.id for p in q.pairs)
            else:
                assert order == []


@pytest.mark.parametrize("n_options", [2, 3, 4, 5])
def test_ordering_questions_are_never_shown_already_solved(n_options):
    raw = dict(ORDERING, options=[{"id": f"s{i}", "text": f"{i}番"} for i in range(n_options)],
               answer=[f"s{i}" for i in range(n_options)])
    quiz = make_quiz([raw])
    q = quiz.questions[0]
    orders = [option_order(quiz, q, seed) for seed in range(300)]
    assert all(order != q.answer for order in orders)
    assert all(sorted(order) == sorted(q.answer) for order in orders)
    if n_options > 2:
        assert len({tuple(o) for o in orders}) > 1


def test_no_shuffle_keeps_file_order_except_ordering_and_matching():
    quiz = make_quiz(shuffle_questions=False, shuffle_options=False)
    assert draw_questions(quiz, 7) == [q.id for q in quiz.questions]
    assert option_order(quiz, quiz.question("single"), 7) == ["a", "b", "c"]
    ordering = quiz.question("ordering")
    assert option_order(quiz, ordering, 7) != ordering.answer  # still never pre-solved


def test_draw_without_shuffle_keeps_file_order_of_the_chosen_questions():
    quiz = make_quiz(draw=4, shuffle_questions=False)
    ids = [q.id for q in quiz.questions]
    for seed in range(10):
        chosen = draw_questions(quiz, seed)
        assert len(chosen) == 4
        assert chosen == sorted(chosen, key=ids.index)


def test_shipped_quizzes_draw_their_configured_number():
    from portal.config import REPO_ROOT
    from portal.learning.quiz import load_quizzes

    quizzes, problems = load_quizzes(REPO_ROOT / "quizzes" / "ja")
    assert problems == []
    for quiz in quizzes.values():
        drawn = draw_questions(quiz, 42)
        assert len(drawn) == quiz.draw_count == min(quiz.meta.draw or 99, len(quiz.questions))
        for qid in drawn:
            q = quiz.question(qid)
            assert grade(q, correct_response(q)).correct, (quiz.id, qid)
