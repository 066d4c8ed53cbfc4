"""Run one benchmark script on two versions of the code, alternately, in the same session.

    .venv/bin/python benchmarks/compare_refs.py --base <commit> [--rounds 2] -- bench_sandbox.py --runs 100

The base commit is checked out in a temporary git worktree (removed at the end); the working tree
this script lives in is the "after". Each round runs the script on the base, then on this tree
(the order alternates between rounds), with the same interpreter and arguments; every output is
printed with its label, to read the figures side by side (the machine's load drifts less between
two alternating runs than between two sessions). A script that the base commit does not have is
copied into the base tree from this one. Servers the scripts start must import their own tree's
``portal`` (bench_concurrency.start_portal sets PYTHONPATH): the venv's editable install names
only one tree.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the 'before' commit")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("script", help="a script in benchmarks/, e.g. bench_sandbox.py")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="its arguments (after --)")
    args = parser.parse_args()
    extra = [a for a in args.args if a != "--"]
    with tempfile.TemporaryDirectory(prefix="portal-base-") as tmp:
        base = Path(tmp) / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(base), args.base], check=True)
        try:
            trees = {"before": base, "after": ROOT}
            for round_no in range(args.rounds):
                order = ["before", "after"] if round_no % 2 == 0 else ["after", "before"]
                for label in order:
                    tree = trees[label]
                    script = tree / "benchmarks" / args.script
                    if label == "before" and not script.exists():
                        # a script new in this tree: run this tree's copy against the base's code
                        # (it imports the portal package of the tree it lies in)
                        shutil.copyfile(ROOT / "benchmarks" / args.script, script)
                        print(f"(copied benchmarks/{args.script} into the base tree: it is not in {args.base})")
                    print(f"===== round {round_no + 1}: {label} ({tree})", flush=True)
                    # the script puts its own tree first on sys.path, so it imports that tree's portal
                    subprocess.run([sys.executable, str(tree / "benchmarks" / args.script), *extra], cwd=tree, check=False)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
