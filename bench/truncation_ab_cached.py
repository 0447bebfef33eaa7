"""CPU time of `truncated-text`'s evaluate from two code trees in ONE process, batch by batch in
turn, with polars' compiled regexes kept (the rule on a thread of its own, or run alone): the
minimum per batch over --reps runs, summed.

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/truncation_ab_cached.py \
        bench/_work/web-unique.jsonl --base /work/wt/base5/curate/checks/truncation.py \
        [--batches 3] [--reps 9]

bench/truncation_ab.py evicts the regexes before each evaluate instead (as the other rules of a
set on the same thread do). The reader's batches (about 2,200 documents); --batches takes the
first few.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import polars as pl  # noqa: E402
from truncation_ab import load  # noqa: E402  (the module at a path, unregistered)

from curate.checks.base import Batch  # noqa: E402
from curate.io.readers import discover, read_shard  # noqa: E402

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--base", required=True, help="the other tree's curate/checks/truncation.py")
    ap.add_argument("--batches", type=int, default=0, help="the first N batches (0: all)")
    ap.add_argument("--reps", type=int, default=9)
    args = ap.parse_args()
    trees = {
        "base": load(args.base, "truncation_base"),
        "this": load(str(HERE.parent / "curate" / "checks" / "truncation.py"), "truncation_this"),
    }
    rules = {k: m.TruncatedText(m.TruncatedText.Params(), "flag", {}) for k, m in trees.items()}
    shards, _ = discover([args.corpus])
    tables = [tb for s in shards for tb, _ in read_shard(s, "text") if tb is not None]
    if args.batches:
        tables = tables[: args.batches]
    batches = [Batch.from_texts(pl.from_arrow(tb).get_column("text")) for tb in tables]
    for b in batches:
        b.corpus = {}
    best = {k: [float("inf")] * len(batches) for k in rules}
    for r in range(args.reps):
        for i, batch in enumerate(batches):
            for key in ("base", "this") if (r + i) % 2 else ("this", "base"):
                t0 = time.process_time()
                rules[key].evaluate(batch)
                best[key][i] = min(best[key][i], time.process_time() - t0)
    a, b = sum(best["base"]), sum(best["this"])
    name = Path(args.corpus).name
    print(f"{name}, {len(batches)} batches: evaluate base {a:.4f}, this {b:.4f} CPU s", end=" ")
    print(f"({b / a:.3f})")


if __name__ == "__main__":
    main()
