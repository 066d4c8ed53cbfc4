"""Quiz submission throughput: N concurrent learners (threads) submitting attempts.

For each backend (SQLite file in a temporary folder; PostgreSQL in a throw-away database when
reachable) and each N, N learners each run a loop for a fixed number of rounds: start an attempt
of the shipped quiz, then submit it (right answers) with a fresh idempotency key, each step in
its own unit of work, as the quiz page does. A share of the submissions is sent twice with the
same key (a double click) to check that retries record nothing.

At the end of each run the database is checked: exactly one submitted attempt per first
submission, none lost, none duplicated, 8 answer rows per attempt, and no unfinished attempt;
after all runs, attempt numbers and the dashboard's summary tables must equal a rebuild from the facts.

Printed per backend and N: submissions/s (first submissions only), the median and 95th
percentile latency of one submit call, and the checks. The figures depend on the machine; the
ratio N=8 / N=1 shows how well concurrent writers scale.

Usage:
    .venv/bin/python benchmarks/bench_quiz_submit.py [--learners 1 8 32] [--rounds 10]
        [--sqlite-only] [--pg URL]

PostgreSQL: --pg, else PORTAL_TEST_DATABASE_URL, else postgresql://127.0.0.1/test is used to
create (and at the end drop) a database named portal_bench_<random>.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from portal.accounts.roles import SYSTEM  # noqa: E402
from portal.accounts.service import create_user  # noqa: E402
from portal.db import engine as db_engine  # noqa: E402
from portal.db import init_db, session_scope  # noqa: E402
from portal.db.models import QuizAnswer, QuizAttempt  # noqa: E402
from portal.learning import attempts  # noqa: E402
from portal.learning.quiz import correct_response, load_quizzes  # noqa: E402

QUIZ = load_quizzes(ROOT / "quizzes" / "ja")[0]["parameters"]
DOUBLE_CLICK_EVERY = 5  # every 5th submission is sent a second time with the same key


def make_learners(url: str, n: int, run: str):
    with session_scope(url) as s:
        return [create_user(s, SYSTEM, name=f"受講者 {i}", email=f"{run}-{i}@example.com") for i in range(n)]


def learner_loop(url, user, rounds, barrier, latencies, outcomes, errors):
    mine = {"first": 0, "dup_first": 0, "retries": 0, "retry_recorded": 0}
    try:
        barrier.wait()
        for r in range(rounds):
            with session_scope(url) as s:
                attempt = attempts.start_attempt(s, user, QUIZ)
                qids = list(attempt.question_ids)
                attempt_id = attempt.id
            responses = {qid: correct_response(QUIZ.question(qid)) for qid in qids}
            key = uuid.uuid4().hex
            start = time.perf_counter()
            with session_scope(url) as s:
                result = attempts.submit(s, user, QUIZ, attempt_id, responses, key)
            latencies.append(time.perf_counter() - start)
            mine["dup_first" if result.duplicate else "first"] += 1
            if r % DOUBLE_CLICK_EVERY == 0:
                with session_scope(url) as s:
                    again = attempts.submit(s, user, QUIZ, attempt_id, responses, key)
                mine["retries"] += 1
                mine["retry_recorded"] += 0 if again.duplicate else 1
    except Exception as exc:  # reported in the table
        errors.append(repr(exc))
    outcomes.append(mine)  # list.append is atomic: one dict per thread, summed at the end


def run_once(url: str, n: int, rounds: int) -> dict:
    run = uuid.uuid4().hex[:8]
    users = make_learners(url, n, run)
    user_ids = [u.id for u in users]
    barrier = threading.Barrier(n + 1)
    latencies: list[float] = []
    outcomes: list[dict] = []
    errors: list[str] = []
    threads = [
        threading.Thread(target=learner_loop, args=(url, u, rounds, barrier, latencies, outcomes, errors))
        for u in users
    ]
    for th in threads:
        th.start()
    barrier.wait()
    start = time.perf_counter()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - start
    outcome = {k: sum(o[k] for o in outcomes) for k in ("first", "dup_first", "retries", "retry_recorded")}

    with session_scope(url) as s:
        mine = QuizAttempt.user_id.in_(user_ids)
        submitted = s.scalar(select(func.count()).select_from(QuizAttempt).where(mine, QuizAttempt.status == "submitted"))
        unfinished = s.scalar(select(func.count()).select_from(QuizAttempt).where(mine, QuizAttempt.status != "submitted"))
        answers = s.scalar(
            select(func.count()).select_from(QuizAnswer).join(QuizAttempt).where(mine)
        )
    expected = n * rounds
    return {
        "n": n,
        "subs": expected,
        "per_s": expected / elapsed,
        "p50": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "p95": statistics.quantiles(latencies, n=20)[-1] * 1000 if len(latencies) >= 2 else float("nan"),
        "lost": expected - submitted,
        "duplicated": max(0, submitted - expected) + outcome["retry_recorded"] + outcome["dup_first"],
        "answers_ok": answers == submitted * QUIZ.draw_count,
        "unfinished": unfinished,
        "retries": outcome["retries"],
        "errors": errors,
    }


def summaries_consistent(url: str) -> bool:
    """After the concurrent runs: attempt numbers are 1..k per learner and quiz, and the dashboard
    summaries kept by the submissions equal a rebuild from the facts."""
    from portal.config import get_settings
    from portal.learning.content import load_course
    from portal.learning.quiz import load_quizzes
    from portal.stats import rebuild as summary
    from portal.stats.filters import CourseShape

    settings = get_settings()
    shape = CourseShape.of(load_course(settings.content_dir), load_quizzes(settings.quiz_dir)[0])

    def dump(s) -> dict:
        return {t.name: sorted(tuple(round(v, 9) if isinstance(v, float) else v for v in row)
                               for row in s.execute(select(*t.c)))
                for t in summary.TABLES}

    with session_scope(url) as s:
        numbering = s.execute(
            select(QuizAttempt.user_id).where(QuizAttempt.status == "submitted")
            .group_by(QuizAttempt.user_id, QuizAttempt.quiz_id)
            .having((func.count() != func.count(func.distinct(QuizAttempt.attempt_no)))
                    | (func.max(QuizAttempt.attempt_no) != func.count()))
        ).all()
        kept = dump(s)
        summary.rebuild(s, shape)
        rebuilt = dump(s)
    return not numbering and kept == rebuilt


def create_pg(base_url: str) -> tuple[str, object, str] | None:
    try:
        base = make_url(base_url).set(drivername="postgresql+psycopg")
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        name = f"portal_bench_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        return base.set(database=name).render_as_string(hide_password=False), admin, name
    except Exception as exc:
        print(f"PostgreSQL not available ({type(exc).__name__}): skipped")
        return None


def drop_pg(admin, name: str) -> None:
    db_engine.reset_engine()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--rounds", type=int, default=10, help="submissions per learner")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--pg", default=os.environ.get("PORTAL_TEST_DATABASE_URL", "postgresql://127.0.0.1/test"))
    args = parser.parse_args()
    logging.disable(logging.WARNING)

    backends: list[tuple[str, str]] = []
    tmp = tempfile.mkdtemp(prefix="bench-quiz-")
    backends.append(("sqlite", f"sqlite:///{tmp}/bench.db"))
    pg = None if args.sqlite_only else create_pg(args.pg)
    if pg:
        backends.append(("postgresql", pg[0]))

    print(f"quiz submissions: N learners in threads, {args.rounds} attempts each "
          f"(start + submit, {QUIZ.draw_count} questions; every {DOUBLE_CLICK_EVERY}th submit sent twice)")
    print(f"{'backend':11} {'N':>3} {'subs':>5} {'subs/s':>8} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'×N=1':>5} {'lost':>5} {'dup':>4} {'answers':>8} {'open':>5}  errors")
    failed = False
    try:
        for name, url in backends:
            init_db(url)
            run_once(url, 2, 2)  # warm-up: connections, statement caches, first pages of the tables
            base = None
            for n in args.learners:
                r = run_once(url, n, args.rounds)
                base = base or r["per_s"]
                ok = r["lost"] == 0 and r["duplicated"] == 0 and r["answers_ok"] and not r["errors"] and r["unfinished"] == 0
                failed |= not ok
                print(f"{name:11} {n:>3} {r['subs']:>5} {r['per_s']:>8.1f} {r['p50']:>7.1f} {r['p95']:>7.1f} "
                      f"{r['per_s'] / base:>5.2f} "
                      f"{r['lost']:>5} {r['duplicated']:>4} {'ok' if r['answers_ok'] else 'WRONG':>8} "
                      f"{r['unfinished']:>5}  {len(r['errors'])} {r['errors'][:1] if r['errors'] else ''}")
            consistent = summaries_consistent(url)
            failed |= not consistent
            print(f"{name:11} attempt numbers and dashboard summaries after the runs: "
                  f"{'equal to a rebuild from the facts' if consistent else 'DIFFERENT from a rebuild'}")
            db_engine.reset_engine()
    finally:
        if pg:
            drop_pg(pg[1], pg[2])
    print("all submissions recorded exactly once" if not failed else "CHECK FAILED: lost, duplicated or errors above")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
