"""Lesson page benchmark: server-side time of one rerun of a lesson page, against a bare page.

Both pages run in Streamlit's AppTest (the script runner, no browser), in the same process:

- bare:   a script that only renders the same lesson Markdown, block by block, with st.markdown
          (headings as `## ...`, diagrams as fenced code); the lesson is parsed once and cached;
- lesson: the real app (portal/app.py) signed in as a learner, on /lesson?id=<lesson>: session
          check, navigation, progress queries, objectives, contents, body, diagrams, widgets,
          takeaways and buttons.

Runs are interleaved (bare, lesson, bare, lesson, ...) after a warm-up, and the medians are
compared. Target: lesson / bare <= 1.5 for the AppTest rerun time.

Three figures per page (medians):
- rerun:  wall time of AppTest.run(), the number the target applies to (script runner start,
          the script, message parsing: what one rerun costs the server process);
- script: wall time of the script body alone, measured inside the script thread;
- cpu:    CPU time of the script thread (robust when other processes load the machine).

Usage:
    .venv/bin/python benchmarks/bench_lesson_page.py [--runs 40] [--lesson parameters] [--all]
        [--profile]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
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


def measure(lesson_id: str, runs: int, portal, profile: bool) -> tuple[list[float], list[float]]:
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
    # medians of (rerun, script, cpu) for each page
    return ([statistics.median(r[i] for r in bare_t) for i in range(3)],
            [statistics.median(r[i] for r in page_t) for i in range(3)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--lesson", default="parameters")
    parser.add_argument("--all", action="store_true", help="every lesson of the course")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of 10 lesson reruns")
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
    print(f"lesson page vs bare st.markdown page (AppTest, ms, medians of {args.runs} interleaved runs)")
    print(f"{'lesson':22} {'':>6} {'bare':>7} {'lesson':>7} {'ratio':>6}")
    ratios = []
    for lesson_id in lessons:
        bare, page = measure(lesson_id, args.runs, portal, args.profile)
        ratios.append(page[0] / bare[0])
        for i, name in enumerate(("rerun", "script", "cpu")):
            label = lesson_id if i == 0 else ""
            print(f"{label:22} {name:>6} {bare[i] * 1000:7.1f} {page[i] * 1000:7.1f} {page[i] / bare[i]:6.2f}")
    worst = max(ratios)
    print(f"worst rerun ratio {worst:.2f} (target <= 1.5): {'OK' if worst <= 1.5 else 'ABOVE TARGET'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
