"""Quiz bank quality checks: a guesser must not be able to pass a bank by test-wise cues."""

from __future__ import annotations

from quizkit import make_quiz

from portal.learning.bank_checks import bank_figures, bank_warnings, course_warnings


def single(qid: str, answer: str = "a", *, kind: str = "scenario", long_answer: bool = False, order="abcd") -> dict:
    texts = {o: f"選択肢{o}の説明です" for o in "abcd"}
    if long_answer:
        texts[answer] += "。とても丁寧で、細かい条件まで書き込んだ長い説明です"
    return {"id": qid, "type": "single", "kind": kind, "prompt": "どれですか?", "explanation": "解説",
            "options": [{"id": o, "text": texts[o]} for o in order], "answer": answer}


def tf(qid: str, answer: bool, prompt: str = "この考え方は正しい。") -> dict:
    return {"id": qid, "type": "true_false", "kind": "scenario", "prompt": prompt, "explanation": "解説",
            "answer": answer}


def fields(quiz) -> list[str]:
    return [p.field for p in bank_warnings(quiz)]


def test_a_balanced_scenario_bank_raises_no_warning():
    quiz = make_quiz([single("q1", order="abcd"), single("q2", order="bacd"), single("q3", order="bcad"),
                      tf("t1", True), tf("t2", False)])
    assert bank_warnings(quiz) == []
    f = bank_figures(quiz)
    assert dict(f.single_key_positions) == {1: 1, 2: 1, 3: 1} and f.true_share == 0.5 and f.scenario_share == 1


def test_keys_always_first_are_flagged_with_the_question_ids():
    quiz = make_quiz([single("q1"), single("q2"), single("q3"), tf("t1", True), tf("t2", False)])
    (problem,) = [p for p in bank_warnings(quiz) if p.field == "answer"]
    assert problem.severity == "warning" and "option #1 in 3 of 3" in problem.message and "q1, q2, q3" in problem.message


def test_a_right_option_that_is_the_longest_too_often_is_flagged():
    quiz = make_quiz([single("q1", long_answer=True, order="abcd"), single("q2", long_answer=True, order="bacd"),
                      single("q3", order="bcad"), tf("t1", True), tf("t2", False)])
    assert "options" in fields(quiz)  # 2 of 3 (67 %) is more than 35 %
    one = make_quiz([single("q1", long_answer=True, order="abcd"), single("q2", order="bacd"),
                     single("q3", order="bcad"), tf("t1", True), tf("t2", False)])
    assert "options" not in fields(one)  # 1 of 3 (33 %) is allowed


def test_true_false_balance_and_absolute_straw_men():
    quiz = make_quiz([single("q1"), tf("t1", False), tf("t2", False), tf("t3", False, "AIは必ず間違える。")])
    found = bank_warnings(quiz)
    assert any(p.field == "answer" and "0 of 3 true/false" in p.message for p in found)
    assert [p.item for p in found if p.field == "prompt"] == ["t3"]


def test_one_type_and_recall_only_banks_are_flagged():
    quiz = make_quiz([single("q1", kind="recall", order="abcd"), single("q2", kind="recall", order="bacd"),
                      single("q3", kind="recall", order="bcad")])
    assert sorted(fields(quiz)) == ["kind", "questions"]


def test_multiple_choice_keys_in_the_leading_positions_and_one_count_everywhere():
    def multiple(qid, answer, order="abcde"):
        return {"id": qid, "type": "multiple", "kind": "scenario", "prompt": "すべて", "explanation": "解説",
                "options": [{"id": o, "text": o} for o in order], "answer": answer, "scoring": "partial"}

    quiz = make_quiz([multiple("m1", ["a", "b", "c"]), tf("t1", True)])
    assert [(p.item, p.field) for p in bank_warnings(quiz)] == [("m1", "answer")]
    banks = {f"b{i}": make_quiz([multiple(f"m{i}", ["b", "d", "e"]), tf("t", True)], quiz_id=f"b{i}") for i in range(4)}
    assert len(course_warnings(banks)) == 1  # 4 of 4 have exactly 3 right options
    banks["b0"] = make_quiz([multiple("m0", ["b", "d"]), tf("t", True)], quiz_id="b0")
    banks["b1"] = make_quiz([multiple("m1", ["c"]), tf("t", True)], quiz_id="b1")
    assert course_warnings(banks) == []
