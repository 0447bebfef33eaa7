"""Paired CPU seconds of chosen rules' evaluate(), two trees alternating in processes of their
own (`bench/quality20_prof.py` in each, its order swapped every round): per rule, each tree's
median and the median of the paired differences.

    POLARS_MAX_THREADS=1 /work/main/.venv/bin/python bench/quality20_ab.py \
        bench/_work/web-200k.jsonl --base /work/wt/base15 --tree /work/wt/qual20 \
        --only unterminated-lines,repeated-paragraphs,duplicated-line-chars,no-stop-words \
        [--rounds 5] [--reps 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run(tree: str, args: argparse.Namespace) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=tree, POLARS_MAX_THREADS="1")
    cmd = [sys.executable, str(HERE / "quality20_prof.py"), str(args.corpus)]
    cmd += ["--rules", args.rules, "--only", args.only, "--reps", str(args.reps)]
    out = subprocess.run(cmd, env=env, cwd=HERE, capture_output=True, text=True, check=True)
    return {line.split()[0]: float(line.split()[1]) for line in out.stdout.splitlines()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--base", required=True)
    ap.add_argument("--tree", required=True)
    ap.add_argument("--rules", default=str(HERE / "every.yaml"))
    ap.add_argument("--only", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    args.corpus = args.corpus.resolve()
    pairs = []
    for r in range(args.rounds):
        order = [("base", args.base), ("tree", args.tree)]
        if r % 2:
            order.reverse()
        got = {name: run(tree, args) for name, tree in order}
        pairs.append(got)
        print(
            f"round {r + 1}: "
            + "  ".join(
                f"{k} base {got['base'][k]:.3f} tree {got['tree'][k]:.3f}" for k in got["base"]
            ),
            flush=True,
        )
    print(f"{'rule':24s} {'base':>8s} {'tree':>8s} {'paired':>8s} {'%':>7s}")
    for k in pairs[0]["base"]:
        b = statistics.median(p["base"][k] for p in pairs)
        t = statistics.median(p["tree"][k] for p in pairs)
        d = statistics.median(p["tree"][k] - p["base"][k] for p in pairs)
        print(f"{k:24s} {b:8.3f} {t:8.3f} {d:+8.3f} {d / b * 100:+6.1f}%")


if __name__ == "__main__":
    main()
