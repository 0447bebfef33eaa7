"""The quality family's per-batch cost, rule by rule, on the batches each rule sees in a run:
CPU ms per batch (least of --reps) and polars queries per batch (LazyFrame collects: a
Series method, a DataFrame.select or with_columns each run one).

    POLARS_MAX_THREADS=1 PYTHONPATH=<tree> /work/main/.venv/bin/python bench/words12_fixed.py \\
        bench/_work/web-unique.jsonl [--docs 1] [--reps 20] [--profile NAME]

As bench/rule_cpu.py: the rule set runs once as a run does, keeping each rule's input batch with
its memo as it was then; each rule's evaluate() then runs again with that memo put back. A rule
that computes a shared value is charged for it (unterminated-lines the token split,
duplicated-line-chars the statistics), as in a run. --docs N keeps the first N documents (one
batch: the fixed cost of a batch).
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import os
import pstats
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import polars as pl  # noqa: E402
from prepared import prepared  # noqa: E402
from rule_cpu import _restore, batches_seen  # noqa: E402

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--rules", default=str(HERE / "heuristic.yaml"))
    ap.add_argument("--docs", type=int, default=0)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--family", default="quality")
    ap.add_argument("--profile", default="", help="a rule to run once more under cProfile")
    args = ap.parse_args()
    rs, tables, rules, corpus = prepared(args.corpus, args.rules)
    if args.docs:
        tables = [tables[0].slice(0, args.docs)]
    names = [r.name for r in rules if r.family == args.family]
    seen = batches_seen(rs, tables, rules, corpus, set(names))
    real = {r.name: r.evaluate for r in rules if r.name in names}

    queries = collections.Counter()
    collect = pl.LazyFrame._collect_eager
    collect_lazy = pl.LazyFrame.collect

    def counted(self, *a, **k):
        queries["n"] += 1
        return collect(self, *a, **k)

    def counted_lazy(self, *a, **k):
        queries["n"] += 1
        return collect_lazy(self, *a, **k)

    total_ms, total_q = 0.0, 0
    n_batches = len(tables)
    for name in names:
        evaluate = real[name]
        times = []
        for _ in range(args.reps):
            t = 0.0
            for batch, snap in seen[name]:
                _restore(batch, snap)
                t0 = time.process_time()
                evaluate(batch)
                t += time.process_time() - t0
            times.append(t)
        queries.clear()
        pl.LazyFrame._collect_eager = counted
        pl.LazyFrame.collect = counted_lazy
        try:
            for batch, snap in seen[name]:
                _restore(batch, snap)
                evaluate(batch)
        finally:
            pl.LazyFrame._collect_eager = collect
            pl.LazyFrame.collect = collect_lazy
        ms = min(times) * 1000 / n_batches
        q = queries["n"] / n_batches
        total_ms += ms
        total_q += q
        print(f"{name:28s} {ms:7.2f} ms {q:5.0f} queries per batch")
        if name == args.profile:
            prof = cProfile.Profile()
            for _ in range(args.reps):
                for batch, snap in seen[name]:
                    _restore(batch, snap)
                    prof.runcall(evaluate, batch)
            pstats.Stats(prof).sort_stats("cumulative").print_stats(50)
    print(f"{'family':28s} {total_ms:7.2f} ms {total_q:5.0f} queries per batch", end=" ")
    print(f"({n_batches} batches)")


if __name__ == "__main__":
    main()
