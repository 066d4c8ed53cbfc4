"""A two-lesson course written to a folder, and helpers that record readings and quiz attempts
directly (for tests that build an organisation's history by hand)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import func, select

from portal.db.models import LessonProgress, QuizAnswer, QuizAttempt
from portal.learning.content import Course, load_course
from portal.learning.quiz import Quiz, load_quizzes

LESSON_A = """---
id: lesson-a
title: レッスンA
order: 1
reading_minutes: 5
summary: 要約A
objectives: [目的A]
quiz_id: qa
---
## はじめに {#intro}

本文A。
"""

LESSON_B = """---
id: lesson-b
title: レッスンB
order: 2
reading_minutes: 5
summary: 要約B
objectives: [目的B]
---
## はじめに {#intro}

本文B。
"""

QUIZ = """id: qa
lesson_id: lesson-a
title: 確認クイズA
draw: 3
pass_mark: 0.8
questions:
  - id: q1
    type: single
    prompt: 設問1
    options:
      - {id: a, text: 正解の選択肢}
      - {id: b, text: 誤りの選択肢}
      - {id: c, text: もう一つの誤り}
    answer: a
    explanation: 説明1
  - id: q2
    type: multiple
    prompt: 設問2
    options:
      - {id: a, text: 正しい1}
      - {id: b, text: 正しい2}
      - {id: c, text: 誤り}
    answer: [a, b]
    explanation: 説明2
  - id: q3
    type: true_false
    prompt: 設問3
    answer: true
    explanation: 説明3
"""


def utc(month: int, day: int, hour: int = 1, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=timezone.utc)


def write_content(root: Path) -> tuple[Course, dict[str, Quiz]]:
    (root / "content").mkdir(parents=True, exist_ok=True)
    (root / "quizzes").mkdir(parents=True, exist_ok=True)
    (root / "content" / "01-a.md").write_text(LESSON_A, encoding="utf-8")
    (root / "content" / "02-b.md").write_text(LESSON_B, encoding="utf-8")
    (root / "quizzes" / "qa.yaml").write_text(QUIZ, encoding="utf-8")
    course = load_course(root / "content")
    quizzes, problems = load_quizzes(root / "quizzes")
    assert not course.problems and not problems, (course.problems, problems)
    return course, quizzes


def add_attempt(s, user_id: int, quiz: Quiz, when: datetime, responses: dict, *, minutes: int = 5) -> int:
    from datetime import timedelta

    from portal.learning.quiz import grade

    ids = [q.id for q in quiz.questions]
    credits = 0.0
    answers = []
    for pos, qid in enumerate(ids):
        g = grade(quiz.question(qid), responses.get(qid))
        credits += g.credit
        answers.append(QuizAnswer(question_id=qid, position=pos, response=responses.get(qid) if g.answered else None,
                                  credit=g.credit, correct=g.correct))
    score = credits / len(ids)
    s.flush()
    number = 1 + s.scalar(select(func.count()).select_from(QuizAttempt).where(
        QuizAttempt.user_id == user_id, QuizAttempt.quiz_id == quiz.id, QuizAttempt.status == "submitted"))
    attempt = QuizAttempt(user_id=user_id, quiz_id=quiz.id, quiz_version=quiz.version, question_ids=ids, seed=1,
                          status="submitted", started_at=when - timedelta(minutes=minutes), submitted_at=when,
                          score=score, passed=score >= quiz.meta.pass_mark - 1e-9, answers=answers,
                          attempt_no=number)
    s.add(attempt)
    s.flush()
    return attempt.id


def read(s, user_id: int, lesson, when: datetime | None, opened: datetime | None = None) -> None:
    s.add(LessonProgress(user_id=user_id, lesson_id=lesson.id, content_version=lesson.version,
                         opened_at=opened or when, read_at=when))


RIGHT = {"q1": "a", "q2": ["a", "b"], "q3": True}
