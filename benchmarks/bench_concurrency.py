"""Concurrency benchmark: N learners in real browsers on one replica, against a bare Streamlit app.

Each simulated learner is a Playwright browser context (its own cookies and Streamlit session) in
Debian's Chromium. It signs in, opens lesson 1 from the course page, presses 読み終えた, goes to
the quiz, starts it and presses 採点する twice (the first press lists the unanswered questions,
the second grades and records the attempt), with a think time between actions. Every
interaction is timed from the action to the app being idle again: the server's message that ends
the run it caused has arrived and the page shows no running script. That is what a learner feels.

The baseline is a bare Streamlit app of the same shape (`BARE_APP` below: a sign-in form, a course
list, the same lesson Markdown with a button, a quiz form of the same questions, no database),
driven by the same journey at the same N in the same run, alternating with the portal.

CPU: the server runs pinned to CPU 0 (`taskset`), Chromium (the load generator) to the other
CPUs; both are reported (server CPU % of one core, Chromium CPU % of its cores). Memory: the
server's peak RSS during the N journeys, minus its RSS after one warm-up journey (which fills
the per-process caches), divided by N.

Targets (issue 13): lesson page p95 <= 1.5x the bare page's p95 at every N; p95 < 300 ms at N = 50
on one replica; 0 errors; < 30 MB per session. The script prints each figure and which targets
are not met.

Usage:
    .venv/bin/python benchmarks/bench_concurrency.py [--n 10,25,50,100] [--db sqlite,postgresql]
        [--think 1.0] [--ramp 5] [--rounds 1]
PostgreSQL needs PORTAL_TEST_DATABASE_URL (e.g. postgresql://127.0.0.1:5432/test).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import statistics
import subprocess
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


def _finished(payload) -> bool:
    from e2e.streamlit_page import run_finished

    return run_finished(payload)


class Tab:
    def __init__(self, page) -> None:
        self.page = page
        self.ws = None
        page.on("websocket", self._on_ws)

    def _on_ws(self, ws) -> None:
        if ws.url.endswith("/_stcore/stream"):
            self.ws = ws

    async def idle(self) -> None:
        await self.page.locator(
            "[data-testid='stApp'][data-test-connection-state='CONNECTED'][data-test-script-state='notRunning']"
        ).wait_for(timeout=120_000)

    async def act(self, action) -> float:
        """Run ``action`` (a coroutine factory) and wait for the run it causes; seconds taken."""
        from playwright.async_api import Error as PlaywrightError

        start = time.perf_counter()
        ws = self.ws
        try:
            async with ws.expect_event("framereceived", predicate=_finished, timeout=120_000):
                await action()
        except PlaywrightError:
            if not ws.is_closed():  # a navigation (sign-in handoff) closes the socket: fine
                raise
        await self.idle()
        return time.perf_counter() - start


async def journey(context, url: str, login: str, think: float, result: Result, rng: random.Random) -> None:
    page = await context.new_page()
    tab = Tab(page)
    main = page.get_by_test_id("stMainBlockContainer")

    async def pause() -> None:
        await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))

    try:
        await page.goto(url, timeout=120_000)
        await tab.idle()
        await main.get_by_label("メールアドレスまたは社員番号", exact=True).fill(login)
        await main.get_by_label("パスワード", exact=True).fill(PASSWORD)
        await pause()

        async def sign_in():
            await main.get_by_role("button", name="サインイン", exact=True).click()

        start = time.perf_counter()
        await tab.act(sign_in)
        await page.get_by_test_id("stSidebar").get_by_text(re.compile("さん")).wait_for(timeout=120_000)
        await tab.idle()
        result.times["sign_in"].append(time.perf_counter() - start)

        steps = [
            ("open_lesson", lambda: main.get_by_role("button", name="開く", exact=True).first.click()),
            ("mark_read", lambda: main.get_by_role("button", name="読み終えた", exact=True).click()),
            ("open_quiz", lambda: main.get_by_text("確認クイズに進む", exact=True).first.click()),
            ("start_quiz", lambda: main.get_by_role("button", name="クイズを始める", exact=True).click()),
            ("submit_first", lambda: main.get_by_role("button", name="採点する", exact=True).click()),
            ("submit", lambda: main.get_by_role("button", name="採点する", exact=True).click()),
        ]
        for name, action in steps:
            await pause()
            result.times[name].append(await tab.act(action))
    except Exception as exc:  # counted, the others go on
        result.errors.append(f"{login}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    finally:
        await page.close()


async def run_level(browser, url: str, logins: list[str], think: float, ramp: float, server_pid: int,
                    chromium_pid: int | None, seed: int) -> dict:
    rng = random.Random(seed)
    # one journey first, alone: the server's caches (lessons, quizzes, the practice model) are
    # built once per process, not per session, and must not be counted as a session's memory
    warm = await browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    warm_result = Result()
    await journey(warm, url, logins[0], 0.0, warm_result, rng)
    await warm.close()
    if warm_result.errors:
        raise RuntimeError(f"the warm-up journey failed: {warm_result.errors[0]}")
    logins = logins[1:]
    result = Result()
    contexts = [await browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo",
                                          viewport={"width": 1280, "height": 800}) for _ in logins]
    rss_before = tree_rss_mb(server_pid)
    cpu_server0 = tree_cpu(server_pid)
    cpu_client0 = tree_cpu(chromium_pid) if chromium_pid else 0.0
    wall0 = time.perf_counter()

    async def one(i: int, context, login: str) -> None:
        await asyncio.sleep(ramp * i / max(1, len(logins)))
        await journey(context, url, login, think, result, random.Random(rng.random()))

    peak_rss = [rss_before]

    async def sample() -> None:
        while True:
            peak_rss[0] = max(peak_rss[0], tree_rss_mb(server_pid))
            await asyncio.sleep(0.5)

    sampler = asyncio.create_task(sample())
    await asyncio.gather(*(one(i, c, login) for i, (c, login) in enumerate(zip(contexts, logins))))
    sampler.cancel()
    wall = time.perf_counter() - wall0
    cpu_server = tree_cpu(server_pid) - cpu_server0
    cpu_client = (tree_cpu(chromium_pid) - cpu_client0) if chromium_pid else float("nan")
    for context in contexts:
        await context.close()
    return {
        "result": result,
        "wall": wall,
        "server_cpu_pct": 100 * cpu_server / wall,
        "client_cpu_pct": 100 * cpu_client / wall,
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
    env = clean_env(PORTAL_DATABASE_URL=database_url, PORTAL_DATA_DIR=str(workdir / "data"),
                    PORTAL_LOGIN_MAX_FAILURES="100")
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
    from e2e.conftest import CHROMIUM_ARGS, chromium_path

    chromium = chromium_path()
    if chromium is None:
        print("Chromium is not installed (apt-get install chromium)")
        return 2
    print(f"bench_concurrency: N={levels} db={dbs} think={args.think}s ramp={args.ramp}s "
          f"cpus={os.cpu_count()} load={os.getloadavg()[0]:.2f}; server on CPU 0, Chromium on the others")
    return asyncio.run(_main(levels, dbs, args, chromium, CHROMIUM_ARGS))


async def _main(levels, dbs, args, chromium, chromium_args) -> int:
    from playwright.async_api import async_playwright

    rows = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=chromium_args)
        chromium_pid = _browser_pid(chromium)
        if chromium_pid and _pin("0"):
            others = f"1-{os.cpu_count() - 1}"
            subprocess.run(["taskset", "-a", "-p", "-c", others, str(chromium_pid)], capture_output=True)
            for child in _tree(chromium_pid):
                subprocess.run(["taskset", "-p", "-c", others, str(child)], capture_output=True)
        for db in dbs:
            for n in levels:
                with tempfile.TemporaryDirectory(prefix="bench_conc_") as tmp, ExitStack() as stack:
                    work = Path(tmp)
                    url = (f"sqlite:///{work / 'portal.db'}" if db == "sqlite" else _throwaway_pg(stack, work))
                    portal, portal_url, logins = start_portal(url, work, n + 1)  # + the warm-up
                    bare, bare_url = start_bare(work)
                    try:
                        for name, proc, target, who in (("bare", bare, bare_url, [f"x{i}" for i in range(n + 1)]),
                                                        ("portal", portal, portal_url, logins)):
                            level = await run_level(browser, target, who, args.think, args.ramp, proc.proc.pid,
                                                    chromium_pid, seed=n)
                            rows.append((db, n, name, level))
                            _print_level(db, n, name, level)
                    finally:
                        portal.stop()
                        bare.stop()
                        from portal.db import reset_engine

                        reset_engine()
        await browser.close()
    return _summary(rows, levels)


def _browser_pid(chromium: str) -> int | None:
    """The newest Chromium browser process (Playwright does not expose its pid)."""
    out = subprocess.run(["pgrep", "-n", "-f", "--", "--remote-debugging-pipe"], capture_output=True, text=True)
    return int(out.stdout.split()[0]) if out.stdout.strip() else None


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
          f"server CPU {level['server_cpu_pct']:.0f}% Chromium CPU {level['client_cpu_pct']:.0f}%; "
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
