"""Employee CSV import at scale: wall time, the longest write transaction, and other users' sign-ins.

For each backend (a SQLite file in a temporary folder; PostgreSQL in a throw-away database when
reachable) and each size, a seeded generator writes an employee CSV of realistic Japanese names,
departments and addresses (UTF-8 with BOM, some quoted fields with commas and doubled quotes),
then:

1. **baseline**: ``--signers`` threads sign other (existing, password) users in and out for
   ``--baseline`` seconds, as the sign-in page does (authenticate, then create the session, each
   its own unit of work), with a short pause between sign-ins;
2. **import**: the same threads keep signing in while ``import_users`` runs the file (as the
   admin page does: validation first, then batches). Every write transaction of the importer is
   timed from its BEGIN (on SQLite: BEGIN IMMEDIATE, i.e. once the write lock is held) until the
   connection is returned after COMMIT: the longest one is the "longest lock hold";
3. **again**: the same file a second time (must change nothing);
4. **after**: the sign-in baseline again, now with the imported accounts in the table;
5. **codes**: setup codes for every new account (``issue_setup_codes``), timed the same way.

Printed per backend and size: wall time of the import and of the re-run, rows/s, batches, the
longest and the 95th-percentile write transaction, sign-in p50/p95/max before, during and after
the import (and the during / before ratio), failed sign-ins, and the setup-code figures.

Usage:
    .venv/bin/python benchmarks/bench_import.py [--rows 10000 70000] [--quick] [--sqlite-only]
        [--pg URL] [--signers 2] [--baseline 8] [--batch-size 500]
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, event, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from portal.accounts import service as accounts  # noqa: E402
from portal.accounts.importer import CLI_LIMITS, import_users  # noqa: E402
from portal.accounts.roles import SYSTEM  # noqa: E402
from portal.accounts.setup_codes import issue_setup_codes  # noqa: E402
from portal.db import engine as db_engine  # noqa: E402
from portal.db import init_db, session_scope  # noqa: E402
from portal.db.models import User  # noqa: E402

SURNAMES = ("佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田",
            "佐々木", "山口", "松本", "井上", "木村", "林", "斎藤", "清水", "山崎", "森", "池田", "橋本",
            "阿部", "石川", "山下", "中島", "石井", "小川", "前田", "岡田", "長谷川", "藤田", "後藤", "近藤")
ROMAJI = ("sato", "suzuki", "takahashi", "tanaka", "ito", "watanabe", "yamamoto", "nakamura", "kobayashi",
          "kato", "yoshida", "yamada", "sasaki", "yamaguchi", "matsumoto", "inoue", "kimura", "hayashi",
          "saito", "shimizu", "yamazaki", "mori", "ikeda", "hashimoto", "abe", "ishikawa", "yamashita",
          "nakajima", "ishii", "ogawa", "maeda", "okada", "hasegawa", "fujita", "goto", "kondo")
GIVEN = ("太郎", "花子", "一郎", "美咲", "翔太", "陽菜", "大輔", "さくら", "健太", "結衣", "直樹", "愛",
         "拓也", "彩", "誠", "由美", "悠真", "葵", "亮", "真由美", "蓮", "千尋", "剛", "恵")
DIVISIONS = ("営業本部", "管理本部", "技術本部", "製造本部", "経営企画室", "人事部", "経理部", "法務部",
             "情報システム部", "品質保証部", "購買部", "物流部", "研究開発センター", "カスタマーサポート部")
UNITS = ("第一課", "第二課", "第三課", "企画グループ", "東日本チーム", "西日本チーム", "", "")
SIGNERS_PASSWORD = "Bench-pass-2026"


def employee_csv(rows: int, seed: int = 20) -> bytes:
    rng = random.Random(seed)
    lines = ["社員番号,氏名,メールアドレス,部署,役割"]
    for i in range(1, rows + 1):
        k = rng.randrange(len(SURNAMES))
        name = f"{SURNAMES[k]} {rng.choice(GIVEN)}"
        division, unit = rng.choice(DIVISIONS), rng.choice(UNITS)
        department = f"{division} {unit}".strip()
        if rng.random() < 0.02:  # a few fields that need RFC 4180 quoting
            department = f'"{division}, {unit or "本部付"}"'
        if rng.random() < 0.005:
            name = f'"{SURNAMES[k]} ""{rng.choice(GIVEN)}"""'
        role = "管理者" if rng.random() < 0.002 else "受講者"
        lines.append(f"S{i:07d},{name},{ROMAJI[k]}.{i}@example.co.jp,{department},{role}")
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


class TransactionTimer:
    """Times every write transaction begun on ``thread_id``: BEGIN (the lock is held from there on
    SQLite, BEGIN IMMEDIATE) until the connection goes back to the pool after COMMIT/ROLLBACK."""

    def __init__(self, engine) -> None:
        self.thread_id: int | None = None
        self.durations: list[float] = []
        self._open: dict[int, float] = {}
        event.listen(engine, "begin", self._begin)
        event.listen(engine.pool, "checkin", self._checkin)
        self.engine = engine

    def _begin(self, conn) -> None:
        if threading.get_ident() == self.thread_id and not conn.get_execution_options().get("portal_readonly"):
            self._open[id(conn.connection.dbapi_connection)] = time.perf_counter()

    def _checkin(self, dbapi_connection, _record) -> None:
        started = self._open.pop(id(dbapi_connection), None)
        if started is not None:
            self.durations.append(time.perf_counter() - started)

    def reset(self) -> None:
        self.durations = []
        self._open = {}

    def close(self) -> None:
        event.remove(self.engine, "begin", self._begin)
        event.remove(self.engine.pool, "checkin", self._checkin)


def sign_in_once(url: str, login: str) -> None:
    with session_scope(url) as s:
        result = accounts.authenticate(s, login, SIGNERS_PASSWORD)
    if not result.ok:
        raise RuntimeError(result.message)
    with session_scope(url) as s:  # portal.ui.state.sign_in
        token = accounts.create_session(s, result.user)
    with session_scope(url) as s:
        accounts.revoke_session(s, token)


class Signers:
    """Threads that sign users in (and out) in a loop; latencies stamped with their start time."""

    def __init__(self, url: str, logins: list[str], pause: float = 0.1) -> None:
        self.url, self.logins, self.pause = url, logins, pause
        self.samples: list[tuple[float, float]] = []  # (start, seconds)
        self.failures: list[tuple[float, str]] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, args=(login,), daemon=True) for login in logins]

    def _loop(self, login: str) -> None:
        while not self._stop.is_set():
            start = time.perf_counter()
            try:
                sign_in_once(self.url, login)
                self.samples.append((start, time.perf_counter() - start))
            except Exception as exc:  # noqa: BLE001 - counted and reported
                self.failures.append((start, f"{type(exc).__name__}: {str(exc)[:80]}"))
            self._stop.wait(self.pause)

    def start(self) -> "Signers":
        for th in self._threads:
            th.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for th in self._threads:
            th.join()

    def window(self, start: float, end: float) -> tuple[list[float], int]:
        return ([d for s, d in self.samples if start <= s < end],
                sum(1 for s, _ in self.failures if start <= s < end))


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def describe(values: list[float]) -> str:
    if not values:
        return "no samples"
    return (f"p50 {statistics.median(values) * 1000:6.0f} ms  p95 {pct(values, 0.95) * 1000:6.0f} ms  "
            f"max {max(values) * 1000:6.0f} ms  (n={len(values)})")


def run(url: str, label: str, rows: int, args) -> None:
    init_db(url)
    engine = db_engine.get_engine(url)
    logins = [f"signer{i}@example.com" for i in range(args.signers)]
    with session_scope(url) as s:
        for i, login in enumerate(logins):
            accounts.create_user(s, SYSTEM, name=f"既存 {i}", email=login, password=SIGNERS_PASSWORD)
    data = employee_csv(rows)
    timer = TransactionTimer(engine)
    signers = Signers(url, logins).start()
    try:
        time.sleep(args.baseline)
        t_import = time.perf_counter()
        timer.thread_id = threading.get_ident()
        report = import_users(SYSTEM, data, database_url=url, limits=CLI_LIMITS, batch_size=args.batch_size)
        t_done = time.perf_counter()
        holds = list(timer.durations)
        timer.reset()
        again = import_users(SYSTEM, data, database_url=url, limits=CLI_LIMITS, batch_size=args.batch_size)
        t_again = time.perf_counter()
        holds_again = list(timer.durations)
        timer.reset()
        time.sleep(args.baseline)
        t_after = time.perf_counter()
        issued = issue_setup_codes(SYSTEM, database_url=url, user_ids=report.created_ids)
        t_codes = time.perf_counter()
        holds_codes = list(timer.durations)
    finally:
        signers.stop()
        timer.close()
    before, fail_before = signers.window(0, t_import)
    during, fail_during = signers.window(t_import, t_done)
    after, fail_after = signers.window(t_again, t_after)
    with session_scope(url, readonly=True) as s:
        total_users = s.scalar(select(func.count()).select_from(User))
    wall = t_done - t_import
    print(f"\n== {label}, {rows:,} rows ({len(data) / 1e6:.1f} MB), batch {args.batch_size}, "
          f"{args.signers} signers")
    print(f"import        {wall:7.2f} s   {rows / wall:8,.0f} rows/s   created {report.created:,}  "
          f"updated {report.updated}  errors {len(report.errors)}  batches {report.batches}")
    print(f"  write transactions: longest {max(holds) * 1000:.1f} ms, p95 {pct(holds, 0.95) * 1000:.1f} ms, "
          f"median {statistics.median(holds) * 1000:.1f} ms, total {sum(holds):.2f} s ({len(holds)} transactions)")
    print(f"same file     {t_again - t_done:7.2f} s   created {again.created}  updated {again.updated}  "
          f"unchanged {again.unchanged:,}  longest write {max(holds_again) * 1000:.1f} ms")
    print(f"setup codes   {t_codes - t_after:7.2f} s   {len(issued):,} codes, longest write "
          f"{max(holds_codes) * 1000 if holds_codes else 0:.1f} ms")
    print(f"sign-in before import  {describe(before)}  failures {fail_before}")
    print(f"sign-in during import  {describe(during)}  failures {fail_during}")
    print(f"sign-in after import   {describe(after)}  failures {fail_after}  ({total_users:,} users)")
    if before and during:
        print(f"  p95 during / before = {pct(during, 0.95) / pct(before, 0.95):.2f}   "
              f"p95 during / after = {pct(during, 0.95) / pct(after, 0.95):.2f}")
    for _, message in signers.failures[:3]:
        print(f"  failure: {message}")
    assert again.created == again.updated == 0 and not again.errors, "re-running the same file changed something"
    assert report.created + report.updated + report.unchanged == rows - len(report.errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 70_000])
    parser.add_argument("--quick", action="store_true", help="one small run (2,000 rows, 3 s baselines)")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--pg", default=os.environ.get("PORTAL_TEST_DATABASE_URL", "postgresql://127.0.0.1/test"))
    parser.add_argument("--signers", type=int, default=2)
    parser.add_argument("--baseline", type=float, default=8.0, help="seconds of sign-ins before and after")
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args()
    if args.quick:
        args.rows, args.baseline = [2000], 3.0
    logging.getLogger("portal").setLevel(logging.ERROR)
    print(f"bench_import: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    for rows in args.rows:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            run(url, "SQLite", rows, args)
            db_engine.reset_engine()
        if args.sqlite_only:
            continue
        base = make_url(args.pg).set(drivername="postgresql+psycopg")
        name = f"portal_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as exc:  # noqa: BLE001
            print(f"PostgreSQL not reachable ({type(exc).__name__}); skipped")
            continue
        try:
            run(base.set(database=name).render_as_string(hide_password=False), "PostgreSQL", rows, args)
        finally:
            db_engine.reset_engine()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
