"""Small quizzes built in code for the learning tests."""

from __future__ import annotations

from pathlib import Path

from portal.learning.quiz import Quiz, QuizMeta, _question_adapter

SINGLE = {"id": "single", "type": "single", "prompt": "1つ選ぶ", "explanation": "aが正解です。",
          "options": [{"id": "a", "text": "A案"}, {"id": "b", "text": "B案"}, {"id": "c", "text": "C案"}],
          "answer": "a"}
MULTIPLE = {"id": "multiple", "type": "multiple", "prompt": "すべて選ぶ", "explanation": "aとbです。",
            "options": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}, {"id": "c", "text": "C"},
                        {"id": "d", "text": "D"}],
            "answer": ["a", "b"]}
PARTIAL = dict(MULTIPLE, id="partial", scoring="partial")
TRUE_FALSE = {"id": "tf", "type": "true_false", "prompt": "正しい?", "explanation": "誤りです。", "answer": False}
ORDERING = {"id": "ordering", "type": "ordering", "prompt": "並べる", "explanation": "1→2→3→4。",
            "options": [{"id": "s1", "text": "1番"}, {"id": "s2", "text": "2番"}, {"id": "s3", "text": "3番"},
                        {"id": "s4", "text": "4番"}],
            "answer": ["s1", "s2", "s3", "s4"]}
MATCHING = {"id": "matching", "type": "matching", "prompt": "組み合わせる", "explanation": "表のとおり。",
            "pairs": [{"id": "p1", "left": "FP16", "right": "2バイト"}, {"id": "p2", "left": "FP8", "right": "1バイト"},
                      {"id": "p3", "left": "INT4", "right": "0.5バイト"}, {"id": "p4", "left": "FP32", "right": "4バイト"}]}
NUMERIC = {"id": "numeric", "type": "numeric", "prompt": "70BをFP8で何GB?", "explanation": "70×1=70GB。",
           "answer": 70, "tolerance": 0.5, "unit": "GB"}

ALL = [SINGLE, MULTIPLE, PARTIAL, TRUE_FALSE, ORDERING, MATCHING, NUMERIC]


def question(raw: dict):
    return _question_adapter.validate_python(raw)


def make_quiz(raw_questions=None, version="v1", quiz_id="demo", **meta) -> Quiz:
    fields = {"id": quiz_id, "lesson_id": "demo-lesson", "title": "デモ", **meta}
    questions = tuple(question(q) for q in (raw_questions if raw_questions is not None else ALL))
    return Quiz(QuizMeta.model_validate(fields), questions, version, Path(f"{quiz_id}.yaml"))


def right_answers(quiz: Quiz) -> dict:
    from portal.learning.quiz import correct_response

    return {q.id: correct_response(q) for q in quiz.questions}


def make_users(url: str, n: int = 1, prefix: str = "learner"):
    """n learners without passwords (no hashing: fast)."""
    from portal.accounts.roles import SYSTEM
    from portal.accounts.service import create_user
    from portal.db import session_scope

    with session_scope(url) as s:
        return [create_user(s, SYSTEM, name=f"受講者 {i}", email=f"{prefix}{i}@example.com") for i in range(n)]
