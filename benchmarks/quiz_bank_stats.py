"""Per-bank quality figures of the quiz banks (the numbers behind `portal validate`'s warnings).

For each bank: item count and types, where the single-choice keys sit in file order (positions
1..4), the share of multiple-choice items whose right options are the leading ones, the share of
single-choice items whose right option is uniquely the longest, true/false answers (true of all),
and the scenario share: items tagged ``kind: scenario``, and as a cross-check a keyword heuristic
(a person, a team, a work situation or a quoted text in the prompt) that also works on files
written before the tag existed.

Usage:
    .venv/bin/python benchmarks/quiz_bank_stats.py [--quiz-dir quizzes/ja] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from pathlib import Path

from portal.config import REPO_ROOT
from portal.learning.bank_checks import bank_figures
from portal.learning.quiz import load_quizzes

SCENARIO_HINT = re.compile(r"さん|あなた|部で|部の|チーム|社員|担当|場面|依頼|たいと考え|ケース|次の(文|プロンプト|状況|依頼)|^>|\n>|とき、")


def heuristic_scenario(prompt: str) -> bool:
    return bool(SCENARIO_HINT.search(prompt))


def rows(quiz_dir: Path) -> list[dict]:
    quizzes, problems = load_quizzes(quiz_dir)
    if problems:
        raise SystemExit("\n".join(map(str, problems)))
    out = []
    for quiz in sorted(quizzes.values(), key=lambda q: q.path.name):
        f = bank_figures(quiz)
        out.append({
            "bank": quiz.path.stem,
            "items": f.items,
            "types": dict(f.types),
            "single_key_positions": {str(k): f.single_key_positions.get(k, 0) for k in range(1, 6)
                                     if f.single_key_positions.get(k, 0) or k <= 4},
            "singles": f.singles,
            "multiple_leading": f.multiple_leading,
            "multiples": f.multiples,
            "multiple_right_counts": dict(sorted(f.multiple_right_counts.items())),
            "single_longest": f.single_longest,
            "tf_true": f.tf_true,
            "tf": f.tf,
            "scenario_tagged": f.scenario,
            "scenario_heuristic": sum(heuristic_scenario(q.prompt) for q in quiz.questions),
            "absolute_false": len(f.absolute_false),
        })
    return out


def _pct(n: int, d: int) -> str:
    return f"{n}/{d} ({n / d:.0%})" if d else "–"


def table(data: list[dict]) -> str:
    head = ("| bank | items | types | single keys @1/2/3/4 | MC keys leading | MC right counts | "
            "correct-is-longest | true/false: true | scenario (tagged) | scenario (heuristic) | t/f absolute false |")
    lines = [head, "|" + "|".join("---" for _ in range(11)) + "|"]
    total = Counter()
    for r in data:
        keys = "/".join(str(r["single_key_positions"].get(str(k), 0)) for k in range(1, 5))
        lines.append(
            f"| {r['bank']} | {r['items']} | {len(r['types'])} | {keys} | {_pct(r['multiple_leading'], r['multiples'])} | "
            f"{r['multiple_right_counts'] or '–'} | {_pct(r['single_longest'], r['singles'])} | {_pct(r['tf_true'], r['tf'])} | "
            f"{_pct(r['scenario_tagged'], r['items'])} | {_pct(r['scenario_heuristic'], r['items'])} | {r['absolute_false']} |"
        )
        for k in ("items", "singles", "multiples", "multiple_leading", "single_longest", "tf_true", "tf",
                  "scenario_tagged", "scenario_heuristic", "absolute_false"):
            total[k] += r[k]
        for k, v in r["single_key_positions"].items():
            total[f"pos{k}"] += v
        for k, v in r["multiple_right_counts"].items():
            total[f"right{k}"] += v
    keys = "/".join(str(total[f"pos{k}"]) for k in range(1, 5))
    rights = {int(k[5:]): v for k, v in total.items() if k.startswith("right")}
    lines.append(
        f"| **all** | {total['items']} | | {keys} | {_pct(total['multiple_leading'], total['multiples'])} | "
        f"{dict(sorted(rights.items()))} | {_pct(total['single_longest'], total['singles'])} | "
        f"{_pct(total['tf_true'], total['tf'])} | {_pct(total['scenario_tagged'], total['items'])} | "
        f"{_pct(total['scenario_heuristic'], total['items'])} | {total['absolute_false']} |"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiz-dir", type=Path, default=REPO_ROOT / "quizzes" / "ja")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    data = rows(args.quiz_dir)
    print(json.dumps(data, ensure_ascii=False, indent=1) if args.json else table(data))


if __name__ == "__main__":
    main()
