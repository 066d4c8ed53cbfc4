"""Server CPU per learner action: one server, one learner at a time, the journey many times.

    .venv/bin/python benchmarks/cpu_per_action.py [--journeys 30] [--db sqlite|postgresql] [--profile DIR]

Starts the portal (`portal run`, as bench_concurrency.py does) and the bare app
(bench_concurrency.BARE_APP), then drives one learner at a time through the journey with
benchmarks/stclient.py: open the sign-in page, sign in (the sign-in run), the cookie handoff and
the course page it opens, open lesson 1, 読み終えた, the quiz link, start the quiz, 採点する twice,
and a reload of the course page. Around every action it reads the server's process CPU time
(user + system of the server and its children, from /proc) and prints the mean and median in ms
per action, and how many messages the last run of each action sent. A figure of CPU time, not
of wall time: the other work on the machine changes how long an action takes much more than how
much CPU the server spends on it (it still shifts it by some 10 %: read the bare app's figures of
the same run), so two versions of the code can be compared in one session:
``benchmarks/compare_refs.py --base <commit> cpu_per_action.py -- --journeys 40``. /proc counts
in clock ticks (10 ms), hence means over many journeys rather than single actions.

After each action the script waits ``--settle`` seconds before reading the CPU, so what the
server does after the run's last message (session bookkeeping, the websocket) is counted with
the action that caused it. The first ``--warmup`` journeys fill the per-process caches and are
not counted. ``--profile DIR`` runs py-spy (if installed) on the portal during the counted
journeys (only samples of the thread holding the GIL: Python's CPU, not its waits) and writes
them in py-spy's "raw" (folded stacks) format. ``--cprofile DIR`` instead runs every thread of the
portal under cProfile with a CPU-time clock (time.thread_time; through a sitecustomize.py on the
server's PYTHONPATH, no change to the app) and writes the counted journeys' profile to
DIR/portal.pstats, printing the functions with the most cumulative CPU (the profiler makes the
server 3-4x slower, more so for code with many small calls: compare functions, not totals).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_concurrency as bc  # noqa: E402

SITECUSTOMIZE = '''
import cProfile, os, signal, sys, threading, time
_dir = os.environ.get("BENCH_CPROFILE_DIR")
if _dir and "streamlit" in " ".join(getattr(sys, "orig_argv", sys.argv)):
    _profiles = []
    _lock = threading.Lock()

    def _new():
        p = cProfile.Profile(timer=time.thread_time)
        with _lock:
            _profiles.append(p)
        p.enable()

    def _hook(frame, event, arg):  # the first event of every new thread: a profiler of its own
        _new()

    def _reset(signum, frame):  # SIGUSR1: forget what was recorded so far (the warm-up)
        with _lock:
            for p in _profiles:
                p.clear()

    def _dump(signum, frame):  # SIGUSR2: write what was recorded since
        import pstats
        with _lock:
            profiles = list(_profiles)
        stats = None
        for p in profiles:
            try:
                p.create_stats()
            except Exception:
                continue
            if not p.stats:
                continue
            if stats is None:
                stats = pstats.Stats(p)
            else:
                stats.add(p)
        if stats is not None:
            stats.dump_stats(os.path.join(_dir, "portal.pstats"))
        open(os.path.join(_dir, "done"), "w").close()

    threading.setprofile(_hook)
    signal.signal(signal.SIGUSR1, _reset)
    signal.signal(signal.SIGUSR2, _dump)
    _new()
'''

ACTIONS = ("open", "sign_in", "handoff_course", "open_lesson", "mark_read", "open_quiz", "start_quiz",
           "submit_first", "submit", "reload_course")


async def journey(url: str, login: str, server_pid: int, settle: float, sink: dict[str, list[float]] | None,
                  messages: dict[str, list[int]] | None = None) -> None:
    from stclient import Session

    tab = Session(url)
    cpu = [bc.tree_cpu(server_pid)]

    async def measured(name: str, action, count=lambda: True):
        run = await action()
        await asyncio.sleep(settle)
        now = bc.tree_cpu(server_pid)
        if sink is not None:
            sink[name].append(1000 * (now - cpu[0]))
        if messages is not None and count():
            messages[name].append(run.messages)
        cpu[0] = now
        bc._check(run, name)
        return run

    async def sign_in():
        return await tab.click("サインイン", {"メールアドレスまたは社員番号": login, "パスワード": bc.PASSWORD})

    async def handoff():
        run = await tab.handoff()
        return run or tab.last  # the bare app has no handoff: nothing happens, 0 ms

    try:
        await measured("open", lambda: tab.open(""))
        await measured("sign_in", sign_in)
        run = await measured("handoff_course", handoff, count=lambda: "portal_session" in tab.cookies)
        if "さん" not in run.texts():
            raise RuntimeError(f"not signed in: {run.texts()[:200]}")
        await measured("open_lesson", lambda: tab.click("開く"))
        await measured("mark_read", lambda: tab.click("読み終えた"))
        await measured("open_quiz", lambda: tab.follow_or_click("確認クイズに進む"))
        await measured("start_quiz", lambda: tab.click("クイズを始める"))
        await measured("submit_first", lambda: tab.click("採点する"))
        run = await measured("submit", lambda: tab.click("採点する"))
        if "得点" not in run.texts():
            raise RuntimeError("submit: no score shown")
        if "portal_session" in tab.cookies:
            await measured("reload_course", lambda: tab.open(""))
    finally:
        await tab.close()


async def measure(name: str, url: str, logins: list[str], pid: int, warmup: int, settle: float,
                  profile: Path | None, cprofile: Path | None = None) -> dict[str, list[float]]:
    for login in logins[:warmup]:
        await journey(url, login, pid, settle, None)
    if cprofile is not None:
        os.kill(pid, signal.SIGUSR1)
        await asyncio.sleep(0.5)
    sink: dict[str, list[float]] = {a: [] for a in ACTIONS}
    messages: dict[str, list[int]] = {a: [] for a in ACTIONS}
    spy = None
    if profile is not None and shutil.which("py-spy", path=str(Path(sys.executable).parent)) and name == "portal":
        profile.mkdir(parents=True, exist_ok=True)
        exe = shutil.which("py-spy", path=str(Path(sys.executable).parent))
        spy = subprocess.Popen([exe, "record", "--pid", str(pid), "--rate", "250", "--format", "raw", "--gil",
                                "--output", str(profile / "portal.folded"), "--nonblocking"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        await asyncio.sleep(1.0)
    wall0 = time.perf_counter()
    for login in logins[warmup:]:
        await journey(url, login, pid, settle, sink, messages)
    if spy is not None:
        spy.send_signal(2)  # SIGINT: py-spy writes its output and exits
        spy.wait(timeout=60)
    if cprofile is not None:
        os.kill(pid, signal.SIGUSR2)
        for _ in range(600):
            if (cprofile / "done").exists():
                break
            await asyncio.sleep(0.1)
    print(f"  {name}: {len(logins) - warmup} journeys in {time.perf_counter() - wall0:.1f} s; messages received "
          f"in the last run of each action: " + ", ".join(f"{a} {round(statistics.fmean(v))}" for a, v in messages.items() if v),
          flush=True)
    return sink


def _line(name: str, sink: dict[str, list[float]]) -> str:
    cells = []
    for action in ACTIONS:
        values = sink[action]
        cells.append(f"{statistics.fmean(values):8.1f}" if values else f"{'-':>8s}")
    total = sum(statistics.fmean(v) for v in sink.values() if v)
    return f"{name:14s}" + "".join(cells) + f"{total:8.0f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--journeys", type=int, default=30, help="counted journeys per app")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--settle", type=float, default=0.1, help="seconds after each action before reading the CPU")
    ap.add_argument("--db", default="sqlite", choices=("sqlite", "postgresql"))
    ap.add_argument("--profile", type=Path, default=None, help="write py-spy output for the portal here")
    ap.add_argument("--cprofile", type=Path, default=None, help="write a cProfile (CPU clock) of the portal here")
    args = ap.parse_args()
    if args.db == "postgresql" and not os.environ.get("PORTAL_TEST_DATABASE_URL"):
        print("PORTAL_TEST_DATABASE_URL is not set")
        return 2
    print(f"cpu_per_action: {args.journeys} journeys (+{args.warmup} warm-up) db={args.db} "
          f"load={os.getloadavg()[0]:.2f}; server CPU ms per action (mean over journeys)", flush=True)
    return asyncio.run(_main(args))


async def _main(args) -> int:
    n = args.journeys + args.warmup
    results = {}
    with tempfile.TemporaryDirectory(prefix="cpu_per_action_") as tmp, ExitStack() as stack:
        work = Path(tmp)
        url = f"sqlite:///{work / 'portal.db'}" if args.db == "sqlite" else bc._throwaway_pg(stack, work)
        saved_env = dict(os.environ)
        # the server imports this tree's portal (not the one the venv's editable install names),
        # also when an older bench_concurrency.py starts it (compare_refs.py --base)
        os.environ["PYTHONPATH"] = str(ROOT)
        if args.cprofile:
            args.cprofile = args.cprofile.resolve()
            args.cprofile.mkdir(parents=True, exist_ok=True)
            (args.cprofile / "done").unlink(missing_ok=True)
            (work / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
            os.environ["PYTHONPATH"] = os.pathsep.join((str(work), str(ROOT)))
            os.environ["BENCH_CPROFILE_DIR"] = str(args.cprofile)
        try:
            portal, portal_url, logins = bc.start_portal(url, work, n)
        finally:
            os.environ.clear()
            os.environ.update(saved_env)
        bare, bare_url = bc.start_bare(work)
        try:
            results["bare"] = await measure("bare", bare_url, [f"x{i}" for i in range(n)], bare.proc.pid,
                                            args.warmup, args.settle, None)
            results["portal"] = await measure("portal", portal_url, logins, portal.proc.pid,
                                              args.warmup, args.settle, args.profile, args.cprofile)
        finally:
            portal.stop()
            bare.stop()
            from portal.db import reset_engine

            reset_engine()
    print(f"{'server CPU ms':14s}" + "".join(f"{a[:7]:>8s}" for a in ACTIONS) + f"{'total':>8s}")
    for name, sink in results.items():
        print(_line(name, sink))
    medians = {name: {a: statistics.median(v) for a, v in sink.items() if v} for name, sink in results.items()}
    print("medians: " + "; ".join(f"{name} " + ", ".join(f"{a} {m:.0f}" for a, m in med.items())
                                  for name, med in medians.items()))
    p = results["portal"]
    sign_in = statistics.fmean(p["sign_in"]) + statistics.fmean(p["handoff_course"])
    print(f"portal: sign-in with its course page {sign_in:.0f} ms, course page (reload) "
          f"{statistics.fmean(p['reload_course']):.0f} ms, lesson page {statistics.fmean(p['open_lesson']):.0f} ms")
    if args.profile:
        print(f"py-spy output: {args.profile}/portal.folded")
    if args.cprofile and (args.cprofile / "portal.pstats").exists():
        import pstats

        print(f"cProfile (CPU time, {args.journeys} journeys): {args.cprofile}/portal.pstats")
        pstats.Stats(str(args.cprofile / "portal.pstats")).sort_stats("cumulative").print_stats(60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
