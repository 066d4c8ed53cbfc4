"""Tuning aid: the risk checklist's misses and false alarms on the DEV part of the fresh corpus.

    .venv/bin/python benchmarks/risk_dev_errors.py [--category PERSON_NAME] [--kind FN|FP]

It reads tests/data/risk_fresh/dev only and refuses to show the held-out part: held-out errors
are never looked at while tuning (benchmarks/bench_risk.py prints only its figures).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from portal.risk import RiskPolicy, scan  # noqa: E402
from portal.risk.evaluation import evaluate, is_reported  # noqa: E402
from portal.risk.marked import load_dir  # noqa: E402

DEV = ROOT / "tests" / "data" / "risk_fresh" / "dev"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--category")
    ap.add_argument("--kind", choices=["FN", "FP"])
    ap.add_argument("--context", type=int, default=30)
    ap.add_argument("--only", nargs="*", help="author files to read (stems), default: all of dev")
    args = ap.parse_args()
    policy = RiskPolicy()
    records = [r for r in load_dir(DEV) if not args.only or r["source"] in args.only]
    by_id = {r["id"]: r for r in records}
    rep = evaluate(records, lambda t: [(f.category.value, f.start, f.end) for f in scan(t) if is_reported(f, policy)])
    print(rep.table())
    for rid, kind, (cat, s, e) in rep.errors:
        if (args.category and cat != args.category) or (args.kind and kind != args.kind):
            continue
        text = by_id[rid]["text"]
        ctx = text[max(0, s - args.context) : s] + "⟦" + text[s:e] + "⟧" + text[e : e + args.context]
        print(f"{kind} {cat:<14} {rid:<10} {ctx!r}")


if __name__ == "__main__":
    main()
