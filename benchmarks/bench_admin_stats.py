"""Admin dashboard benchmark: a realistic organisation, the whole dashboard vs its bare SQL.

Generates 10,000 learners in 20 departments who worked through every lesson and quiz of the
shipped course (about 2.5 attempts per quiz, 8 drawn questions each) and used the sandbox, on
SQLite and, when available, on a throw-away PostgreSQL database. Then it measures, in the same
process:

- bare:      the SQL aggregate statements the dashboard needs, executed and fetched, nothing else;
- dashboard: every service call the dashboard page makes (all six tabs: overview, due dates,
             people, quiz analytics, sandbox; exports reuse their tables), with shaping;
- the ratio dashboard / bare (target <= 1.5), and the peak memory of the process (target < 500 MB).

Usage:
    .venv/bin/python benchmarks/bench_admin_stats.py [--learners 10000] [--repeat 3]
        [--sqlite-only] [--keep FILE.db]

PostgreSQL: PORTAL_TEST_DATABASE_URL or postgresql://127.0.0.1/test is used to create (and at the
end drop) a database named portal_bench_<random>.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from portal.accounts.roles import CurrentUser  # noqa: E402
from portal.config import get_settings  # noqa: E402
from portal.db import engine as db_engine  # noqa: E402
from portal.db import init_db, session_scope  # noqa: E402
from portal.db.models import (  # noqa: E402
    DueDate,
    LessonProgress,
    QuizAnswer,
    QuizAttempt,
    SandboxEvent,
    User,
)
from portal.learning.content import load_course  # noqa: E402
from portal.learning.quiz import (  # noqa: E402
    Matching,
    MultipleChoice,
    Numeric,
    Ordering,
    SingleChoice,
    TrueFalse,
    grade,
    load_quizzes,
)

DEPARTMENTS = [
    "営業一部", "営業二部", "営業三部", "マーケティング部", "経営企画部", "経理部", "財務部", "人事部",
    "総務部", "法務部", "コンプライアンス室", "情報システム部", "開発一部", "開発二部", "品質保証部",
    "製造部", "購買部", "物流部", "カスタマーサポート部", "研究開発部",
]
RISK_CATEGORIES = ["PERSON_NAME", "EMAIL", "PHONE", "MY_NUMBER", "CREDIT_CARD", "ADDRESS", "CONFIDENTIAL", "SECRET"]
BATCH = 20_000


# ---------------------------------------------------------------- data generation


def _responses(question) -> list[tuple[object, float, bool]]:
    """A few plausible responses per question: the right one first, then wrong ones."""
    if isinstance(question, SingleChoice):
        pool = [question.answer] + [o for o in question.option_ids() if o != question.answer]
    elif isinstance(question, MultipleChoice):
        right = list(question.answer)
        wrong = [o for o in question.option_ids() if o not in right]
        pool = [right]
        if len(right) > 1:
            pool.append(right[:-1])
        if wrong:
            pool += [right + wrong[:1], wrong[:1]]
    elif isinstance(question, TrueFalse):
        pool = [question.answer, not question.answer]
    elif isinstance(question, Ordering):
        right = list(question.answer)
        pool = [right]
        for i in range(min(3, len(right) - 1)):
            swapped = right[:]
            swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
            pool.append(swapped)
    elif isinstance(question, Matching):
        ids = [p.id for p in question.pairs]
        pool = [{i: i for i in ids}]
        for i in range(min(3, len(ids) - 1)):
            pairs = {k: k for k in ids}
            pairs[ids[i]], pairs[ids[i + 1]] = ids[i + 1], ids[i]
            pool.append(pairs)
    elif isinstance(question, Numeric):
        pool = [question.answer, question.answer * 2 + 1, question.answer / 2 + 3]
    else:  # pragma: no cover
        pool = [None]
    out = []
    for response in pool:
        g = grade(question, response)
        out.append((response, g.credit, g.correct))
    return out


def generate(url: str, *, learners: int = 10_000, departments: int = 20, seed: int = 7, days: int = 150) -> dict:
    """Fill an empty, migrated database. Returns row counts."""
    rng = random.Random(seed)
    settings = get_settings()
    course = load_course(settings.content_dir)
    quizzes, _ = load_quizzes(settings.quiz_dir)
    lessons = [l for l in course.lessons]
    pools = {
        quiz.id: {q.id: _responses(q) for q in quiz.questions} for quiz in quizzes.values()
    }
    difficulty = {
        (quiz.id, q.id): rng.gauss(0, 0.8) for quiz in quizzes.values() for q in quiz.questions
    }
    now = datetime.now(timezone.utc).replace(microsecond=0)
    t0 = now - timedelta(days=days)
    depts = DEPARTMENTS[:departments] if departments <= len(DEPARTMENTS) else [f"部署{i:02d}" for i in range(departments)]

    engine = db_engine.get_engine(url)
    counts = dict(users=0, lesson_progress=0, quiz_attempts=0, quiz_answers=0, sandbox_events=0)
    user_rows = []
    for i in range(3):
        user_rows.append(dict(id=i + 1, employee_id=f"A{i:05d}", name=f"管理者 {i}", email=f"admin{i}@example.com",
                              department="人事部", role="admin", active=True, must_change_password=False,
                              created_at=t0, updated_at=t0))
    first_learner = len(user_rows) + 1
    for n in range(learners):
        uid = first_learner + n
        user_rows.append(dict(
            id=uid, employee_id=f"E{n:06d}", name=f"社員 {n:05d}", email=f"user{n:05d}@example.com",
            department=depts[n % len(depts)], role="learner", active=rng.random() > 0.02,
            must_change_password=False, created_at=t0, updated_at=t0,
        ))

    progress_rows: list[dict] = []
    attempt_rows: list[dict] = []
    answer_rows: list[dict] = []
    event_rows: list[dict] = []
    attempt_id = 0

    def flush(conn, force=False):
        for table, rows, key in (
            (LessonProgress.__table__, progress_rows, "lesson_progress"),
            (QuizAttempt.__table__, attempt_rows, "quiz_attempts"),
            (QuizAnswer.__table__, answer_rows, "quiz_answers"),
            (SandboxEvent.__table__, event_rows, "sandbox_events"),
        ):
            if rows and (force or len(rows) >= BATCH):
                if table is QuizAnswer.__table__ and attempt_rows:
                    conn.execute(insert(QuizAttempt.__table__), attempt_rows)
                    counts["quiz_attempts"] += len(attempt_rows)
                    attempt_rows.clear()
                conn.execute(insert(table), rows)
                counts[key] += len(rows)
                rows.clear()

    with engine.begin() as conn:
        conn.execute(insert(User.__table__), user_rows)
        counts["users"] = len(user_rows)
        conn.execute(insert(DueDate.__table__), [
            dict(department="", due_on=(now + timedelta(days=30)).date(), updated_at=now),
            dict(department=depts[0], due_on=(now + timedelta(days=3)).date(), updated_at=now),
            dict(department=depts[1], due_on=(now - timedelta(days=5)).date(), updated_at=now),
        ])
        for user in user_rows[first_learner - 1:]:
            uid = user["id"]
            ability = rng.gauss(0.3, 1.0)
            finishes = rng.random() < 0.7
            stop = len(lessons) if finishes else rng.randrange(0, len(lessons))
            clock = t0 + timedelta(days=rng.uniform(0, days * 0.6), hours=rng.uniform(0, 9))
            for li, lesson in enumerate(lessons[: stop + (0 if finishes else 1)]):
                if li >= len(lessons):
                    break
                clock += timedelta(hours=rng.expovariate(1 / 30))
                if clock > now:
                    break
                partial = li == stop  # the lesson they stopped at: opened, maybe not read
                read = not partial or rng.random() < 0.5
                opened = clock
                read_at = opened + timedelta(minutes=rng.uniform(4, 15)) if read else None
                progress_rows.append(dict(user_id=uid, lesson_id=lesson.id, content_version=lesson.version,
                                          opened_at=opened, read_at=read_at))
                quiz = quizzes.get(lesson.meta.quiz_id or "")
                if not read or quiz is None:
                    continue
                clock = read_at
                for k in range(1, 7):
                    clock += timedelta(minutes=rng.uniform(3, 600))
                    if clock > now:
                        break
                    attempt_id += 1
                    drawn = rng.sample([q.id for q in quiz.questions], quiz.draw_count)
                    credits = 0.0
                    for pos, qid in enumerate(drawn):
                        p = 1 / (1 + math.exp(-(ability - difficulty[(quiz.id, qid)] + 0.55 * (k - 1) + 0.5)))
                        pool = pools[quiz.id][qid]
                        if rng.random() < p:
                            response, credit, correct = pool[0]
                        elif rng.random() < 0.02:
                            response, credit, correct = None, 0.0, False
                        else:
                            response, credit, correct = pool[1 + rng.randrange(len(pool) - 1)]
                        credits += credit
                        answer_rows.append(dict(attempt_id=attempt_id, question_id=qid, position=pos,
                                                response=response, credit=credit, correct=correct))
                    score = credits / len(drawn)
                    passed = score >= quiz.meta.pass_mark - 1e-9
                    attempt_rows.append(dict(
                        id=attempt_id, user_id=uid, quiz_id=quiz.id, quiz_version=quiz.version, question_ids=drawn,
                        seed=attempt_id, status="submitted", idempotency_key=uuid.UUID(int=rng.getrandbits(128)).hex,
                        started_at=clock - timedelta(minutes=rng.uniform(2, 10)), submitted_at=clock,
                        score=score, passed=passed,
                    ))
                    if passed or (not finishes and li == stop - 1 and rng.random() < 0.3):
                        break
            if rng.random() < 0.45:
                for _ in range(int(rng.expovariate(1 / 25)) + 1):
                    at = t0 + timedelta(days=rng.uniform(0, days), seconds=rng.uniform(0, 86400))
                    if at > now:
                        continue
                    flagged = rng.random() < 0.08
                    cats = {c: rng.randint(1, 3) for c in rng.sample(RISK_CATEGORIES, rng.randint(1, 2))} if flagged else {}
                    action = rng.choice(["masked", "masked", "edited", "sent_anyway", "blocked"]) if flagged else "none"
                    prompt = rng.randint(20, 900)
                    event_rows.append(dict(
                        user_id=uid, created_at=at, mode=rng.choice(["chat", "chat", "compare", "explorer", "grounded"]),
                        provider="practice", model=rng.choice(["practice-ngram", "gpt-4o-mini"]),
                        temperature=round(rng.uniform(0, 1.5), 1), top_p=1.0, max_tokens=512,
                        prompt_tokens=0 if action == "blocked" else prompt,
                        completion_tokens=0 if action == "blocked" else rng.randint(10, 600),
                        latency_ms=rng.uniform(200, 4000), ttft_ms=rng.uniform(50, 800),
                        outcome="blocked" if action == "blocked" else rng.choice(["ok"] * 18 + ["error", "incomplete"]),
                        risk_categories=cats, risk_action=action,
                        rating=rng.choice([None, None, None, 1, 2, 3, 4, 5]),
                    ))
            flush(conn)
        flush(conn, force=True)
        if engine.dialect.name == "postgresql":
            for table in ("users", "quiz_attempts"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return counts
