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


def _organisation(learners: int, departments: int, seed: int, days: int, now: datetime):
    """Yield (table, rows) batches of a realistic organisation, parents before children."""
    rng = random.Random(seed)
    settings = get_settings()
    course = load_course(settings.content_dir)
    quizzes, _ = load_quizzes(settings.quiz_dir)
    lessons = list(course.lessons)
    pools = {quiz.id: {q.id: _responses(q) for q in quiz.questions} for quiz in quizzes.values()}
    difficulty = {(quiz.id, q.id): rng.gauss(0, 0.8) for quiz in quizzes.values() for q in quiz.questions}
    t0 = now - timedelta(days=days)
    depts = DEPARTMENTS[:departments] if departments <= len(DEPARTMENTS) else [f"部署{i:02d}" for i in range(departments)]

    users = [dict(id=i + 1, employee_id=f"A{i:05d}", name=f"管理者 {i}", email=f"admin{i}@example.com",
                  department="人事部", role="admin", active=True, must_change_password=False,
                  created_at=t0, updated_at=t0) for i in range(3)]
    first_learner = len(users) + 1
    for n in range(learners):
        users.append(dict(
            id=first_learner + n, employee_id=f"E{n:06d}", name=f"社員 {n:05d}", email=f"user{n:05d}@example.com",
            department=depts[n % len(depts)], role="learner", active=rng.random() > 0.02,
            must_change_password=False, created_at=t0, updated_at=t0,
        ))
    yield User.__table__, users
    yield DueDate.__table__, [
        dict(department="", due_on=(now + timedelta(days=30)).date(), updated_at=now),
        dict(department=depts[0], due_on=(now + timedelta(days=3)).date(), updated_at=now),
        dict(department=depts[1], due_on=(now - timedelta(days=5)).date(), updated_at=now),
    ]

    progress_rows: list[dict] = []
    attempt_rows: list[dict] = []
    answer_rows: list[dict] = []
    event_rows: list[dict] = []
    attempt_id = 0
    for user in users[first_learner - 1:]:
        uid = user["id"]
        ability = rng.gauss(0.3, 1.0)
        finishes = rng.random() < 0.7
        stop = len(lessons) if finishes else rng.randrange(0, len(lessons))
        clock = t0 + timedelta(days=rng.uniform(0, days * 0.6), hours=rng.uniform(0, 9))
        for li, lesson in enumerate(lessons[: stop + (0 if finishes else 1)]):
            clock += timedelta(hours=rng.expovariate(1 / 30))
            if clock > now:
                break
            partial = li == stop  # the lesson they stopped at: opened, maybe not read
            read = not partial or rng.random() < 0.5
            read_at = clock + timedelta(minutes=rng.uniform(4, 15)) if read else None
            progress_rows.append(dict(user_id=uid, lesson_id=lesson.id, content_version=lesson.version,
                                      opened_at=clock, read_at=read_at))
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
                    score=score, passed=passed, attempt_no=k,
                ))
                if passed or (not finishes and li == stop - 1 and rng.random() < 0.3):
                    break
        if rng.random() < 0.45:  # sandbox users
            for _ in range(int(rng.expovariate(1 / 25)) + 1):
                at = t0 + timedelta(days=rng.uniform(0, days), seconds=rng.uniform(0, 86400))
                if at > now:
                    continue
                flagged = rng.random() < 0.08
                cats = {c: rng.randint(1, 3) for c in rng.sample(RISK_CATEGORIES, rng.randint(1, 2))} if flagged else {}
                action = rng.choice(["masked", "masked", "edited", "sent_anyway", "blocked"]) if flagged else "none"
                event_rows.append(dict(
                    user_id=uid, created_at=at, mode=rng.choice(["chat", "chat", "compare", "explorer", "grounded"]),
                    provider="practice", model=rng.choice(["practice-ngram", "gpt-4o-mini"]),
                    temperature=round(rng.uniform(0, 1.5), 1), top_p=1.0, max_tokens=512,
                    prompt_tokens=0 if action == "blocked" else rng.randint(20, 900),
                    completion_tokens=0 if action == "blocked" else rng.randint(10, 600),
                    latency_ms=rng.uniform(200, 4000), ttft_ms=rng.uniform(50, 800),
                    outcome="blocked" if action == "blocked" else rng.choice(["ok"] * 18 + ["error", "incomplete"]),
                    risk_categories=cats, risk_action=action, rating=rng.choice([None, None, None, 1, 2, 3, 4, 5]),
                ))
        if len(answer_rows) >= BATCH:
            yield LessonProgress.__table__, progress_rows
            yield QuizAttempt.__table__, attempt_rows
            yield QuizAnswer.__table__, answer_rows
            yield SandboxEvent.__table__, event_rows
            progress_rows, attempt_rows, answer_rows, event_rows = [], [], [], []
    yield LessonProgress.__table__, progress_rows
    yield QuizAttempt.__table__, attempt_rows
    yield QuizAnswer.__table__, answer_rows
    yield SandboxEvent.__table__, event_rows


def generate(urls: list[str], *, learners: int = 10_000, departments: int = 20, seed: int = 7, days: int = 150) -> dict:
    """Fill empty, migrated databases with the same organisation, with Core executemany inserts
    (each batch is generated once and inserted into every database). Returns row counts."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    counts: dict[str, int] = {}
    conns = [db_engine.get_engine(url).connect() for url in urls]
    try:
        for conn in conns:
            conn.begin()
        for table, rows in _organisation(learners, departments, seed, days, now):
            if not rows:
                continue
            for conn in conns:
                conn.execute(insert(table).execution_options(insertmanyvalues_page_size=5000), rows)
            counts[table.name] = counts.get(table.name, 0) + len(rows)
        for conn in conns:
            if conn.dialect.name == "postgresql":
                for table in ("users", "quiz_attempts"):
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
            conn.commit()
            conn.execute(text("ANALYZE"))
            conn.commit()
    finally:
        for conn in conns:
            conn.close()
    return counts


# ---------------------------------------------------------------- measurement (in a fresh process)


def _rss_mb(field: str = "VmRSS") -> float:
    """Resident memory of this process (VmHWM: its peak). Not ru_maxrss: on Linux that carries
    the parent's peak across fork + exec, so a subprocess would report the generator's memory."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def measure(url: str, repeat: int, days: int) -> dict:
    """Time the bare SQL statements and the whole dashboard, alternately, ``repeat`` times.
    Runs in its own process, so the peak memory is the dashboard's, not the generator's."""
    from portal.accounts.roles import SYSTEM
    from portal.stats.dashboard import bare_statements, whole_dashboard
    from portal.stats.filters import StatsFilter, today_local

    settings = get_settings()
    course = load_course(settings.content_dir)
    quizzes, _ = load_quizzes(settings.quiz_dir)
    today = today_local()
    flt = StatsFilter(start=today - timedelta(days=days - 1), end=today)  # the page's default: last 90 days
    baseline_mb = _rss_mb()

    def bare() -> tuple[float, float, dict[str, float]]:
        per: dict[str, float] = {}
        w0, c0 = time.perf_counter(), time.process_time()
        with session_scope(url) as session:
            for name, statement in bare_statements(session, course, quizzes, flt).items():
                t = time.perf_counter()
                session.execute(statement).all()
                per[name] = time.perf_counter() - t
        return time.perf_counter() - w0, time.process_time() - c0, per

    def full() -> tuple[float, float]:
        w0, c0 = time.perf_counter(), time.process_time()
        with session_scope(url) as session:
            whole_dashboard(session, SYSTEM, course, quizzes, flt)
        return time.perf_counter() - w0, time.process_time() - c0

    bare()
    full()  # warm-up: database and OS caches, imports
    bares, fulls, per_runs = [], [], []
    for _ in range(repeat):
        w, c, per = bare()
        bares.append((w, c))
        per_runs.append(per)
        fulls.append(full())
        gc.collect()
    per_statement = {k: statistics.median(run[k] for run in per_runs) for k in per_runs[0]}
    return {
        "bare_wall": statistics.median(w for w, _ in bares),
        "bare_cpu": statistics.median(c for _, c in bares),
        "dash_wall": statistics.median(w for w, _ in fulls),
        "dash_cpu": statistics.median(c for _, c in fulls),
        "ratios_wall": [f[0] / b[0] for f, b in zip(fulls, bares)],
        "peak_mb": _rss_mb("VmHWM"),
        "baseline_mb": baseline_mb,
        "per_statement": per_statement,
    }


def _measure_in_subprocess(url: str, repeat: int, days: int) -> dict:
    import json
    import subprocess

    out = subprocess.run(
        [sys.executable, __file__, "--measure", url, "--repeat", str(repeat), "--days", str(days)],
        check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _pg_base_url() -> str | None:
    raw = os.environ.get("PORTAL_TEST_DATABASE_URL") or "postgresql://127.0.0.1/test"
    url = make_url(raw).set(drivername="postgresql+psycopg")
    try:
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        print(f"PostgreSQL not available ({type(exc).__name__}): SQLite only", flush=True)
        return None
    return url.render_as_string(hide_password=False)


def _rebuild_summaries(url: str) -> tuple[float, dict[str, int]]:
    """The dashboard's summary tables, built from the bulk-loaded facts (as after the migration
    that introduced them); the app keeps them up to date from then on."""
    from portal.stats import rebuild as summary
    from portal.stats.filters import CourseShape

    settings = get_settings()
    shape = CourseShape.of(load_course(settings.content_dir), load_quizzes(settings.quiz_dir)[0])
    t = time.perf_counter()
    with session_scope(url) as session:
        rows = summary.rebuild(session, shape)
    return time.perf_counter() - t, rows


def _report(name: str, counts: dict, m: dict, rebuilt: tuple[float, dict[str, int]]) -> None:
    ratio = m["dash_wall"] / m["bare_wall"]
    print(f"\n== {name}")
    print(f"   data: {counts.get('users', 0):,} users, {counts.get('lesson_progress', 0):,} lesson rows, "
          f"{counts.get('quiz_attempts', 0):,} attempts, {counts.get('quiz_answers', 0):,} answers, "
          f"{counts.get('sandbox_events', 0):,} sandbox events")
    print(f"   summaries rebuilt   : {rebuilt[0]:7.2f} s (" + ", ".join(f"{k} {v:,}" for k, v in rebuilt[1].items())
          + " rows; once, after the bulk load)")
    print(f"   bare SQL aggregates : {m['bare_wall']:7.2f} s wall  {m['bare_cpu']:7.2f} s CPU (median)")
    print(f"   whole dashboard     : {m['dash_wall']:7.2f} s wall  {m['dash_cpu']:7.2f} s CPU (median)")
    print(f"   ratio dashboard/bare: {ratio:7.2f} wall, {m['dash_cpu'] / m['bare_cpu']:.2f} CPU of this process"
          f"   (per run, wall: {', '.join(f'{r:.2f}' for r in m['ratios_wall'])}; target <= 1.5)")
    print(f"   target < 2 s        : {'met' if m['dash_wall'] < 2 else 'NOT met'} ({m['dash_wall']:.2f} s)")
    print(f"   peak memory         : {m['peak_mb']:7.0f} MB (process at start {m['baseline_mb']:.0f} MB; target < 500 MB)")
    tabs: dict[str, float] = {}
    for key, seconds in m["per_statement"].items():
        tabs[key.split(".")[0]] = tabs.get(key.split(".")[0], 0.0) + seconds
    print("   bare SQL per tab    : " + ", ".join(f"{k} {v:.2f}s" for k, v in tabs.items())
          + "  (the page runs only the open tab)")
    print("   slowest statements  : " + ", ".join(
        f"{k} {v:.2f}s" for k, v in sorted(m["per_statement"].items(), key=lambda kv: -kv[1])[:5]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--departments", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--days", type=int, default=90, help="date range of the dashboard filter")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--keep", metavar="FILE.db", help="keep the SQLite database in this file")
    parser.add_argument("--measure", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        import json

        print(json.dumps(measure(args.measure, args.repeat, args.days)))
        return

    print(f"admin dashboard benchmark: {args.learners:,} learners, {args.departments} departments; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}", flush=True)
    tmp = tempfile.TemporaryDirectory()
    sqlite_path = Path(args.keep) if args.keep else Path(tmp.name) / "bench.db"
    if sqlite_path.exists():
        sqlite_path.unlink()
    urls = {"SQLite": f"sqlite:///{sqlite_path}"}
    pg_admin = None
    pg_name = f"portal_bench_{uuid.uuid4().hex[:10]}"
    if not args.sqlite_only:
        base = _pg_base_url()
        if base:
            pg_admin = create_engine(base, isolation_level="AUTOCOMMIT")
            with pg_admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{pg_name}"'))
            urls["PostgreSQL"] = make_url(base).set(database=pg_name).render_as_string(hide_password=False)
    try:
        for url in urls.values():
            init_db(url)
        t = time.perf_counter()
        counts = generate(list(urls.values()), learners=args.learners, departments=args.departments)
        print(f"generated and inserted into {', '.join(urls)} in {time.perf_counter() - t:.0f} s", flush=True)
        rebuilt = {name: _rebuild_summaries(url) for name, url in urls.items()}
        db_engine.reset_engine()
        for name, url in urls.items():
            _report(name, counts, _measure_in_subprocess(url, args.repeat, args.days), rebuilt[name])
    finally:
        db_engine.reset_engine()
        if pg_admin is not None:
            with pg_admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
            pg_admin.dispose()
        tmp.cleanup()


if __name__ == "__main__":
    main()
