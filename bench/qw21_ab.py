"""CPU of chosen rules' evaluate (summed) in a real process_batch flow, base tree vs this tree,
alternated in fresh processes (bench/qw21_batch_cost.py's flow at one batch size).

    POLARS_MAX_THREADS=1 /work/main/.venv/bin/python bench/qw21_ab.py \
        bench/_work/web-20k.jsonl --base /work/wt/base17 --size 2200 --docs 20000 --rounds 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RULES = (
    "unterminated-lines,repeated-paragraphs,duplicated-line-chars,no-stop-words,low-quality,"
    "duplicate-documents"
)

CHILD = r"""
import collections, os, sys, time
sys.path.insert(0, {bench!r})
import polars as pl, pyarrow as pa
from prepared import cpu_timed, prepared
from curate import pipeline
rs, tables, rules, corpus = prepared({corpus!r}, {rules_path!r})
df = pl.from_arrow(pa.concat_tables(tables)).head({docs})
only = set({only!r}.split(","))
cost = collections.Counter()
for r in rules:
    r.evaluate = cpu_timed(r.evaluate, cost, r.name)
pipeline.process_batch(rules, df.head(2000), rs.text_column, corpus, rs.id_column)
batches = [df.slice(i, {size}) for i in range(0, df.height, {size})]
best = {{}}
for _ in range({reps}):
    cost.clear()
    t = time.process_time()
    for b in batches:
        pipeline.process_batch(rules, b, rs.text_column, corpus, rs.id_column)
    cost["<all>"] = time.process_time() - t
    cost["<mine>"] = sum(v for k, v in cost.items() if k in only)
    for k, v in cost.items():
        best[k] = min(best.get(k, v), v)
print(repr(best))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--base", required=True)
    ap.add_argument("--rules", default=str(HERE / "every.yaml"))
    ap.add_argument("--size", type=int, default=2200)
    ap.add_argument("--docs", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--only", default=RULES)
    args = ap.parse_args()
    code = CHILD.format(
        bench=str(HERE),
        corpus=str(args.corpus.resolve()),
        rules_path=str(Path(args.rules).resolve()),
        docs=args.docs,
        only=args.only,
        size=args.size,
        reps=args.reps,
    )
    trees = {"base": str(Path(args.base).resolve()), "this": str(HERE.parent)}
    got: dict[str, list[dict]] = {"base": [], "this": []}
    env = dict(os.environ, POLARS_MAX_THREADS="1")
    for i in range(args.rounds):
        for name in ("base", "this") if i % 2 == 0 else ("this", "base"):
            out = subprocess.run(
                [sys.executable, "-c", code],
                env=dict(env, PYTHONPATH=trees[name]),
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            got[name].append(eval(out.strip().splitlines()[-1]))  # noqa: S307 (our own repr)
    names = [*args.only.split(","), "<mine>", "<all>"]
    print(f"# {args.corpus} batches of {args.size}, {args.rounds} rounds, medians (CPU s)")
    for n in names:
        b = [g.get(n, 0.0) for g in got["base"]]
        t = [g.get(n, 0.0) for g in got["this"]]
        d = [y - x for x, y in zip(b, t, strict=True)]
        print(
            f"{n:24s} base {statistics.median(b):.3f}  this {statistics.median(t):.3f}  "
            f"paired diff median {statistics.median(d):+.3f}"
        )


if __name__ == "__main__":
    main()
