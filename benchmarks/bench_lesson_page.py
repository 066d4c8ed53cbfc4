"""Lesson page benchmark: server-side time of one rerun of a lesson page, against a bare page.

Both pages run in Streamlit's AppTest (the script runner, no browser), in the same process:

- bare:   a script that only renders the same lesson Markdown, block by block, with st.markdown
          (headings as `## ...`, diagrams as fenced code); the lesson is parsed once and cached;
- lesson: the real app (portal/app.py) signed in as a learner, on /lesson?id=<lesson>: session
          check, navigation, progress query, objectives and contents, body, diagrams, widgets
          (the memory calculator), takeaways, the 読み終えた button and the quiz and lesson links.

Runs are interleaved (bare, lesson, bare, lesson, ...) after a warm-up, and the medians are
compared. This is a profiling aid, not a target: the former goal (lesson / bare <= 1.5 for the
AppTest rerun) is retired, because the page's required widgets made it impossible by
construction. What a learner feels under load is measured by bench_concurrency.py.

Three figures per page (medians):
- rerun:  wall time of AppTest.run(), the number the target applies to (script runner start,
          the script, message parsing: what one rerun costs the server process);
- script: wall time of the script body alone, measured inside the script thread;
- cpu:    CPU time of the script thread (robust when other processes load the machine).
The number of messages each page sends per rerun (elements, blocks, page config, navigation) and
the machine's load average are printed too: other processes make every figure noisier.

--breakdown attributes the script thread's wall time to the messages it sends (the time since
the previous message, median per position): where a rerun of each page spends its time.

Usage:
    .venv/bin/python benchmarks/bench_lesson_page.py [--runs 40] [--lesson parameters] [--all]
        [--profile] [--breakdown]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

BARE_SCRIPT = '''
import streamlit as st
from pathlib import Path
from portal.learning.content import load_lesson

@st.cache_resource
def _lesson(path):
    return load_lesson(Path(path))[0]

lesson = _lesson(PATH)
st.title(lesson.title)
for block in lesson.blocks:
    if block.kind == "heading":
        st.markdown("## " + block.text)
    elif block.kind == "markdown":
        st.markdown(block.text)
    elif block.kind == "dot":
        st.markdown("```\\n" + block.text + "\\n```")
'''


_SCRIPT: list[tuple[float, float]] = []  # (wall, cpu) of each script body, from the script thread


def _install_script_timer() -> None:
    from streamlit.runtime.scriptrunner import script_runner

    original = script_runner.exec_func_with_error_handling

    def timed(func, ctx):
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            return original(func, ctx)
        finally:
            _SCRIPT.append((time.perf_counter() - wall, time.thread_time() - cpu))

    script_runner.exec_func_with_error_handling = timed


_MESSAGES: list[tuple[float, str]] = []  # (time, kind) of each message the script thread sends


@contextmanager
def message_recorder():
    """Record (time, kind) of each message the script thread sends, meanwhile only (the timed
    runs run without it)."""
    from streamlit.runtime.scriptrunner import script_runner
    from streamlit.runtime.scriptrunner_utils.script_run_context import ScriptRunContext

    enqueue = ScriptRunContext.enqueue
    run_script = script_runner.exec_func_with_error_handling

    def recorded(self, msg):
        kind = msg.WhichOneof("type")
        if kind == "delta":
            kind = msg.delta.WhichOneof("type")
            if kind == "new_element":
                kind = msg.delta.new_element.WhichOneof("type")
            elif kind == "add_block":
                kind = "block"
        _MESSAGES.append((time.perf_counter(), kind))
        return enqueue(self, msg)

    def bracketed(func, ctx):
        _MESSAGES.append((time.perf_counter(), "(script start)"))
        try:
            return run_script(func, ctx)
        finally:
            _MESSAGES.append((time.perf_counter(), "(script end)"))

    ScriptRunContext.enqueue = recorded
    script_runner.exec_func_with_error_handling = bracketed
    try:
        yield
    finally:
        ScriptRunContext.enqueue = enqueue
        script_runner.exec_func_with_error_handling = run_script


def messages_per_run(at) -> int:
    _MESSAGES.clear()
    at.run()
    return sum(not kind.startswith("(") for _, kind in _MESSAGES)


def breakdown(at, n: int) -> list[tuple[str, float]]:
    """(message kind, median ms since the previous message) for each message of a rerun."""
    per_position: dict[int, tuple[str, list[float]]] = {}
    for _ in range(n):
        _MESSAGES.clear()
        at.run()
        start = next(i for i, (_, kind) in enumerate(_MESSAGES) if kind == "(script start)")
        seq = _MESSAGES[start:]
        for i, ((t0, _), (t1, kind)) in enumerate(zip(seq, seq[1:])):
            per_position.setdefault(i, (kind, []))[1].append(t1 - t0)
    return [(kind, statistics.median(times) * 1000) for kind, times in per_position.values()]


def timed_runs(at, n: int) -> list[tuple[float, float, float]]:
    out = []
    for _ in range(n):
        _SCRIPT.clear()
        start = time.perf_counter()
        at.run()
        rerun = time.perf_counter() - start
        assert not at.exception, at.exception
        out.append((rerun, sum(w for w, _ in _SCRIPT), sum(c for _, c in _SCRIPT)))
    return out


def measure(lesson_id: str, runs: int, portal, profile: bool, show_breakdown: bool = False):
    from streamlit.testing.v1 import AppTest

    from portal.learning.content import load_course
    from support.apptest import goto

    lesson = load_course(ROOT / "content" / "ja").get(lesson_id)
    bare = AppTest.from_string(BARE_SCRIPT.replace("PATH", repr(str(lesson.path))), default_timeout=60).run()
    page = portal.signed_in()
    goto(page, "lesson", id=lesson_id)
    assert page.title[0].value == lesson.title, page.title
    for at in (bare, page):  # warm-up: caches, imports, first queries
        timed_runs(at, 3)
    if profile:  # profile the script thread (where the page runs), not the AppTest driver
        import cProfile
        import pstats

        from streamlit.runtime.scriptrunner import script_runner

        prof = cProfile.Profile()
        original = script_runner.exec_func_with_error_handling  # the timer installed in main()

        def profiled(func, ctx):
            prof.enable()
            try:
                return original(func, ctx)
            finally:
                prof.disable()

        script_runner.exec_func_with_error_handling = profiled
        try:
            timed_runs(page, 20)
        finally:
            script_runner.exec_func_with_error_handling = original
        stats = pstats.Stats(prof).sort_stats(os.environ.get("BENCH_SORT", "cumulative")); stats.print_stats(45)
    bare_t, page_t = [], []
    for _ in range(runs):
        bare_t += timed_runs(bare, 1)
        page_t += timed_runs(page, 1)
    with message_recorder():  # after the timed runs: counting costs a little per message
        counts = messages_per_run(bare), messages_per_run(page)
        if show_breakdown:
            for name, at in (("bare", bare), ("lesson", page)):
                rows = breakdown(at, max(runs, 20))
                print(f"  {lesson_id} {name}: script-thread ms before each message (median)")
                for i, (kind, ms) in enumerate(rows):
                    print(f"    {i:3} {kind:24} {ms:6.3f}")
                print(f"    {'':3} {'sum':24} {sum(ms for _, ms in rows):6.3f}")
    # medians of (rerun, script, cpu) for each page, and the messages each sends per rerun
    return ([statistics.median(r[i] for r in bare_t) for i in range(3)],
            [statistics.median(r[i] for r in page_t) for i in range(3)], counts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--lesson", default="parameters")
    parser.add_argument("--all", action="store_true", help="every lesson of the course")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of 20 lesson reruns")
    parser.add_argument("--breakdown", action="store_true", help="script-thread time before each message")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="bench-lesson-")
    os.environ["PORTAL_DATABASE_URL"] = f"sqlite:///{tmp}/bench.db"
    os.environ["PORTAL_DATA_DIR"] = tmp
    import logging

    logging.disable(logging.WARNING)
    from portal.learning.content import load_course
    from support.apptest import Portal

    portal = Portal(os.environ["PORTAL_DATABASE_URL"])
    portal.user(email="admin@example.com", role="admin", name="管理 太郎")  # no first-run setup token
    portal.user()
    lessons = [lesson.id for lesson in load_course(ROOT / "content" / "ja").lessons] if args.all else [args.lesson]

    _install_script_timer()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"lesson page vs bare st.markdown page (AppTest, ms, medians of {args.runs} interleaved runs)")
    print(f"load average at the start: {load} ({os.cpu_count()} CPUs)")
    print(f"{'lesson':22} {'':>8} {'bare':>7} {'lesson':>7} {'ratio':>6}")
    rerun_ratios, cpu_ratios = {}, {}
    for lesson_id in lessons:
        bare, page, counts = measure(lesson_id, args.runs, portal, args.profile, args.breakdown)
        rerun_ratios[lesson_id], cpu_ratios[lesson_id] = page[0] / bare[0], page[2] / bare[2]
        for i, name in enumerate(("rerun", "script", "cpu")):
            label = lesson_id if i == 0 else ""
            print(f"{label:22} {name:>8} {bare[i] * 1000:7.1f} {page[i] * 1000:7.1f} {page[i] / bare[i]:6.2f}")
        print(f"{'':22} {'messages':>8} {counts[0]:7d} {counts[1]:7d}")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    worst = max(rerun_ratios, key=rerun_ratios.get)
    if len(lessons) > 1:
        print(f"rerun ratio over {len(lessons)} lessons: worst {rerun_ratios[worst]:.2f} ({worst}), "
              f"median {statistics.median(rerun_ratios.values()):.2f}; cpu ratio: worst "
              f"{max(cpu_ratios.values()):.2f}, median {statistics.median(cpu_ratios.values()):.2f}")
    print(f"worst rerun ratio {rerun_ratios[worst]:.2f} ({worst}; a profiling figure, no target: "
          "see bench_concurrency.py)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
