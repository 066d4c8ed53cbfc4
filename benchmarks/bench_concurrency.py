"""Concurrency benchmark: N learners at once on one replica, against a bare Streamlit app.

Each simulated learner is one Streamlit session driven through Streamlit's own websocket
protocol (benchmarks/stclient.py: the BackMsg / ForwardMsg messages the browser's frontend
exchanges, with the browser's cookies and the sign-in redirect to /auth/session). It opens the
portal, signs in, opens lesson 1 from the course page, presses 読み終えた, follows the link to the
quiz, starts it and presses 採点する twice (the first press lists the unanswered questions, the
second grades and records the attempt), with a think time between actions. Every interaction is
timed from the message leaving the client to the server's ``script_finished`` of the run it
caused (for sign-in: the run, the cookie handoff and the new page's run).

Why not one browser per learner: on this 2-CPU machine Chromium saturates long before the server
does (a first version drove Playwright contexts: at N = 10 the *bare* page took 16.6 s at p95
while the server used 3 % of a CPU), so browsers would measure the load generator. The e2e
journeys cover what the browser adds.

The baseline is a bare Streamlit app of the same shape (`BARE_APP` below: a sign-in form, a
course list, the same lesson Markdown with a button, a quiz form of the same questions, no
database), driven by the same journey at the same N in the same run, right before the portal.

CPU: the server runs pinned to CPU 0 (`taskset`), this load generator on the other CPUs; both
are reported (% of one CPU). Memory: the server's peak RSS during the N journeys, minus its RSS
after one warm-up journey (which fills the per-process caches), divided by N.

Targets (issue 13): lesson page p95 <= 1.5x the bare page's p95 at every N; p95 < 300 ms at N = 50
on one replica; 0 errors; < 30 MB per session. The script prints each figure and which targets
are not met.

Usage:
    .venv/bin/python benchmarks/bench_concurrency.py [--n 10,25,50,100] [--db sqlite,postgresql]
        [--think 1.0] [--ramp 5]
PostgreSQL needs PORTAL_TEST_DATABASE_URL (e.g. postgresql://127.0.0.1:5432/test).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

PASSWORD = "Green-tea-2024-cup"
LESSON_FILE = "01-what-is-llm"
STEPS = ("sign_in", "open_lesson", "mark_read", "open_quiz", "start_quiz", "submit_first", "submit")

BARE_APP = '''
"""Bare baseline: the portal's journey shape with plain widgets, no database, no navigation."""
from pathlib import Path
import time
import streamlit as st
from portal.learning.content import load_lesson
from portal.learning.quiz import load_quiz

LESSON = Path(__LESSON__)
QUIZ = Path(__QUIZ__)

@st.cache_resource
def _content():
    return load_lesson(LESSON)[0], load_quiz(QUIZ)[0]

lesson, quiz = _content()
s = st.session_state
page = s.setdefault("page", "login")
if page == "login":
    st.title("AI リテラシーポータル")
    with st.form("login"):
        st.text_input("メールアドレスまたは社員番号")
        st.text_input("パスワード", type="password")
        if st.form_submit_button("サインイン"):
            s.page = "course"
            st.rerun()
elif page == "course":
    with st.sidebar:
        st.caption("学習 さん(受講者)")
    st.title("コース")
    with st.container(border=True):
        st.markdown("**1. " + lesson.title + "**")
        if st.button("開く"):
            s.page = "lesson"
            st.rerun()
elif page == "lesson":
    with st.sidebar:
        st.caption("学習 さん(受講者)")
    st.title(lesson.title)
    for block in lesson.blocks:
        if block.kind == "heading":
            st.markdown("## " + block.text)
        elif block.kind == "markdown":
            st.markdown(block.text)
        else:
            st.code(block.text, language=None)
    if s.get("read"):
        st.caption("読了")
    elif st.button("読み終えた"):
        s.read = True
        st.rerun()
    if st.button("確認クイズに進む"):
        s.page = "quiz"
        st.rerun()
else:
    with st.sidebar:
        st.caption("学習 さん(受講者)")
    st.title(quiz.meta.title)
    if not s.get("started"):
        if st.button("クイズを始める", type="primary"):
            s.started = True
            st.rerun()
    else:
        with st.form("attempt"):
            for n, question in enumerate(quiz.questions[: quiz.draw_count], 1):
                with st.container(border=True):
                    st.markdown(f"**問{n}** {question.prompt}")
                    st.radio("選択", ["a", "b", "c"], index=None, key=f"q{n}", label_visibility="collapsed")
            pressed = st.form_submit_button("採点する", type="primary")
        if pressed and not s.get("warned"):
            s.warned = True
            st.warning("未回答の問題があります。")
        elif pressed:
            st.error("得点 0%")
'''


# ------------------------------------------------------------------ measuring a process


def _proc_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    """pid and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def tree_cpu(pid: int) -> float:
    total = 0.0
    for p in _tree(pid):
        try:
            total += _proc_cpu_seconds(p)
        except OSError:
            pass
    return total


def tree_rss_mb(pid: int) -> float:
    total = 0
    for p in _tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


# ------------------------------------------------------------------ one journey


@dataclass
class Result:
    times: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STEPS})
    errors: list[str] = field(default_factory=list)


UNEXPECTED = "予期しないエラー"


def _check(run, step: str) -> None:
    text = run.texts()
    if "EXCEPTION" in text or UNEXPECTED in text:
        raise RuntimeError(f"{step}: the page shows an error: {text[:200]}")


async def journey(url: str, login: str, think: float, result: Result, rng: random.Random) -> None:
    from stclient import Session

    tab = Session(url)

    async def pause() -> None:
        if think:
            await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))

    try:
        await tab.open("")
        await pause()
        start = time.perf_counter()
        run = await tab.click("サインイン", {"メールアドレスまたは社員番号": login, "パスワード": PASSWORD})
        run = await tab.handoff() or run
        _check(run, "sign_in")
        if "さん" not in run.texts():
            raise RuntimeError(f"sign_in: not signed in: {run.texts()[:200]}")
        result.times["sign_in"].append(time.perf_counter() - start)
        steps = [
            ("open_lesson", lambda: tab.click("開く")),
            ("mark_read", lambda: tab.click("読み終えた")),
            ("open_quiz", lambda: tab.follow_or_click("確認クイズに進む")),
            ("start_quiz", lambda: tab.click("クイズを始める")),
            ("submit_first", lambda: tab.click("採点する")),
            ("submit", lambda: tab.click("採点する")),
        ]
        for name, action in steps:
            await pause()
            run = await action()
            _check(run, name)
            result.times[name].append(run.seconds)
        if "得点" not in run.texts():
            raise RuntimeError("submit: no score shown")
    except Exception as exc:  # counted, the others go on
        result.errors.append(f"{login}: {type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}")
    finally:
        await tab.close()


async def run_level(url: str, logins: list[str], think: float, ramp: float, server_pid: int, seed: int) -> dict:
    rng = random.Random(seed)
    # one journey first, alone: the server's caches (lessons, quizzes, the practice model) are
    # built once per process, not per session, and must not be counted as a session's memory
    warm = Result()
    await journey(url, logins[0], 0.0, warm, rng)
    if warm.errors:
        raise RuntimeError(f"the warm-up journey failed: {warm.errors[0]}")
    logins = logins[1:]
    result = Result()
    rss_before = tree_rss_mb(server_pid)
    cpu_server0, cpu_client0 = tree_cpu(server_pid), time.process_time()
    wall0 = time.perf_counter()
    peak_rss = [rss_before]

    async def one(i: int, login: str) -> None:
        await asyncio.sleep(ramp * i / max(1, len(logins)))
        await journey(url, login, think, result, random.Random(rng.random()))

    async def sample() -> None:
        while True:
            peak_rss[0] = max(peak_rss[0], tree_rss_mb(server_pid))
            await asyncio.sleep(0.25)

    sampler = asyncio.create_task(sample())
    await asyncio.gather(*(one(i, login) for i, login in enumerate(logins)))
    sampler.cancel()
    wall = time.perf_counter() - wall0
    return {
        "result": result,
        "wall": wall,
        "server_cpu_pct": 100 * (tree_cpu(server_pid) - cpu_server0) / wall,
        "client_cpu_pct": 100 * (time.process_time() - cpu_client0) / wall,
        "mb_per_session": (peak_rss[0] - rss_before) / len(logins),
    }


# ------------------------------------------------------------------ servers


def _pin(cpus: str) -> list[str]:
    return ["taskset", "-c", cpus] if shutil.which("taskset") and os.cpu_count() and os.cpu_count() > 1 else []


def start_portal(database_url: str, workdir: Path, n_users: int):
    """`portal run` pinned to CPU 0 on ``database_url``, with ``n_users`` learners seeded."""
    from e2e.harness import _Process, _http_get, clean_env, free_port, portal_script
    from portal.accounts.passwords import hash_password
    from portal.db import init_db, session_scope
    from portal.db.models import User

    init_db(database_url)
    digest = hash_password(PASSWORD)
    with session_scope(database_url) as session:
        for i in range(n_users):
            session.add(User(name=f"負荷 {i:03d}", email=f"load{i:03d}@example.com", role="learner",
                             department=f"部署{i % 7}", password_hash=digest))
    port = free_port()
    argv = _pin("0") + [str(portal_script()), "run", "--server.port", str(port), "--server.address", "127.0.0.1",
                        "--server.headless", "true", "--server.fileWatcherType", "none"]
    # PYTHONPATH: the server imports this tree's portal package, not whichever tree the venv's
    # editable install points at (compare_refs.py runs a second tree with the same interpreter)
    env = clean_env(PORTAL_DATABASE_URL=database_url, PORTAL_DATA_DIR=str(workdir / "data"),
                    PORTAL_LOGIN_MAX_FAILURES="100",
                    PYTHONPATH=os.pathsep.join(p for p in (os.environ.get("PYTHONPATH"), str(ROOT)) if p))
    proc = _Process("portal", argv, env, workdir / "portal.log")
    _http_get(f"http://127.0.0.1:{port}/_stcore/health", timeout=90)
    return proc, f"http://127.0.0.1:{port}", [f"load{i:03d}@example.com" for i in range(n_users)]


def start_bare(workdir: Path):
    from e2e.harness import _Process, _http_get, clean_env, free_port

    script = workdir / "bare_app.py"
    lesson = next((ROOT / "content" / "ja").glob(f"{LESSON_FILE}*.md"))
    quiz = next((ROOT / "quizzes" / "ja").glob(f"{LESSON_FILE}*.yaml"))
    script.write_text(BARE_APP.replace("__LESSON__", repr(str(lesson))).replace("__QUIZ__", repr(str(quiz))),
                      encoding="utf-8")
    port = free_port()
    argv = _pin("0") + [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
                        "--server.address", "127.0.0.1", "--server.headless", "true",
                        "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
    env = clean_env(PYTHONPATH=str(ROOT))
    proc = _Process("bare", argv, env, workdir / "bare.log", cwd=ROOT)
    _http_get(f"http://127.0.0.1:{port}/_stcore/health", timeout=90)
    return proc, f"http://127.0.0.1:{port}"


def _throwaway_pg(stack: ExitStack, workdir: Path) -> str:
    import e2e.harness as harness

    harness.E2E_DATABASE = "postgresql"
    return stack.enter_context(harness.throwaway_database(workdir))


# ------------------------------------------------------------------ report


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def all_times(result: Result, steps=STEPS) -> list[float]:
    return [t for s in steps for t in result.times[s]]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", default="10,25,50,100", help="learner counts (comma-separated)")
    ap.add_argument("--db", default="sqlite,postgresql")
    ap.add_argument("--think", type=float, default=1.0, help="mean think time between actions, seconds")
    ap.add_argument("--ramp", type=float, default=5.0, help="learners start spread over this many seconds")
    args = ap.parse_args()
    levels = [int(n) for n in args.n.split(",")]
    dbs = [d.strip() for d in args.db.split(",") if d.strip()]
    if "postgresql" in dbs and not os.environ.get("PORTAL_TEST_DATABASE_URL"):
        print("PORTAL_TEST_DATABASE_URL is not set: PostgreSQL left out")
        dbs.remove("postgresql")
    if hasattr(os, "sched_setaffinity") and _pin("0"):
        os.sched_setaffinity(0, set(range(1, os.cpu_count())))  # the server gets CPU 0 to itself
    print(f"bench_concurrency: N={levels} db={dbs} think={args.think}s ramp={args.ramp}s "
          f"cpus={os.cpu_count()} load={os.getloadavg()[0]:.2f}; server on CPU 0, this client on the others")
    return asyncio.run(_main(levels, dbs, args))


async def _main(levels, dbs, args) -> int:
    rows = []
    for db in dbs:
        for n in levels:
            with tempfile.TemporaryDirectory(prefix="bench_conc_") as tmp, ExitStack() as stack:
                work = Path(tmp)
                url = f"sqlite:///{work / 'portal.db'}" if db == "sqlite" else _throwaway_pg(stack, work)
                portal, portal_url, logins = start_portal(url, work, n + 1)  # + the warm-up
                bare, bare_url = start_bare(work)
                try:
                    for name, proc, target, who in (("bare", bare, bare_url, [f"x{i}" for i in range(n + 1)]),
                                                    ("portal", portal, portal_url, logins)):
                        level = await run_level(target, who, args.think, args.ramp, proc.proc.pid, seed=n)
                        rows.append((db, n, name, level))
                        _print_level(db, n, name, level)
                        if level["result"].errors:  # keep the server's log to read why
                            kept = ROOT / "test-results" / f"bench_concurrency.{db}.{n}.{name}.log"
                            kept.parent.mkdir(exist_ok=True)
                            shutil.copyfile(proc.log_path, kept)
                            print(f"      server log: {kept}")
                finally:
                    portal.stop()
                    bare.stop()
                    from portal.db import reset_engine

                    reset_engine()
    return _summary(rows, levels)


def _print_level(db, n, name, level) -> None:
    r: Result = level["result"]
    parts = []
    for step in STEPS:
        values = r.times[step]
        if values:
            parts.append(f"{step} {1000 * pct(values, 0.5):.0f}/{1000 * pct(values, 0.95):.0f}")
    lesson = r.times["open_lesson"]
    print(f"[{db:10s} N={n:3d} {name:6s}] lesson p50/p95 {1000 * pct(lesson, 0.5):.0f}/{1000 * pct(lesson, 0.95):.0f} ms; "
          f"all p95 {1000 * pct(all_times(r), 0.95):.0f} ms; errors {len(r.errors)}; "
          f"server CPU {level['server_cpu_pct']:.0f}% client CPU {level['client_cpu_pct']:.0f}%; "
          f"{level['mb_per_session']:.1f} MB/session; wall {level['wall']:.1f} s", flush=True)
    print("      ms p50/p95: " + ", ".join(parts), flush=True)
    for err in r.errors[:3]:
        print("      error: " + err, flush=True)


def _summary(rows, levels) -> int:
    print("\n=== summary (p95, ms; ratio = portal / bare)")
    print(f"{'db':10s} {'N':>4s} {'lesson':>8s} {'bare':>7s} {'ratio':>6s} {'all':>7s} {'bare':>7s} {'errors':>6s} {'MB/sess':>8s}")
    unmet = []
    by = {(db, n, name): lv for db, n, name, lv in rows}
    for db in sorted({r[0] for r in rows}):
        crossed = None
        for n in levels:
            p, b = by.get((db, n, "portal")), by.get((db, n, "bare"))
            if not p or not b:
                continue
            pl = pct(p["result"].times["open_lesson"], 0.95)
            bl = pct(b["result"].times["open_lesson"], 0.95)
            pa = pct(all_times(p["result"]), 0.95)
            ba = pct(all_times(b["result"]), 0.95)
            ratio = pl / bl if bl else float("nan")
            errors = len(p["result"].errors)
            print(f"{db:10s} {n:4d} {1000 * pl:8.0f} {1000 * bl:7.0f} {ratio:6.2f} {1000 * pa:7.0f} {1000 * ba:7.0f} "
                  f"{errors:6d} {p['mb_per_session']:8.1f}")
            if ratio > 1.5:
                unmet.append(f"{db} N={n}: lesson p95 {ratio:.2f}x the bare page (target <= 1.5x)")
            if n == 50 and pl >= 0.3:
                unmet.append(f"{db} N=50: lesson p95 {1000 * pl:.0f} ms (target < 300 ms)")
            if errors:
                unmet.append(f"{db} N={n}: {errors} errors (target 0)")
            if p["mb_per_session"] >= 30:
                unmet.append(f"{db} N={n}: {p['mb_per_session']:.1f} MB per session (target < 30 MB)")
            if crossed is None and pa >= 1.0:
                crossed = n
        print(f"{db}: p95 of all interactions crosses 1 s at N = {crossed if crossed else 'none measured'}")
    if unmet:
        print("\ntargets NOT met:\n  " + "\n  ".join(unmet))
    else:
        print("\nall targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
