"""Where `truncated-text`'s evaluate spends its CPU time, per line of curate/checks/truncation.py
that calls polars (each polars call is a collect of a lazy frame: a DataFrame or Series method).

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/truncation_stages.py \
        bench/_work/web-unique.jsonl [--reps 5] [--evict]

The batches are those the rule sees in a run of bench/heuristic.yaml (bench/rule_cpu.py's way).
Each polars collect is charged to the innermost line of truncation.py on the stack; the least
CPU time per line over --reps evaluations is printed, with the total. --evict evicts polars'
compiled regexes before each evaluate (as the other rules of a set do on one thread).
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import polars as pl  # noqa: E402
from polars.lazyframe.frame import LazyFrame  # noqa: E402
from prepared import prepared  # noqa: E402
from rule_cpu import batches_seen  # noqa: E402

RULE = "truncated-text"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--rules", default=str(Path(__file__).parent / "heuristic.yaml"))
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--evict", action="store_true")
    ap.add_argument("--top", type=int, default=40)
    args = ap.parse_args()
    rs, tables, rules, corpus = prepared(args.corpus, args.rules)
    rule = next(r for r in rules if r.name == RULE)
    seen = [batch for batch, _ in batches_seen(rs, tables, rules, corpus, {RULE})[RULE]]
    source = str(Path(sys.modules[type(rule).__module__].__file__))
    spent: collections.Counter = collections.Counter()
    # a DataFrame method collects with _collect_eager, a join or group_by with collect
    originals = {name: getattr(LazyFrame, name) for name in ("_collect_eager", "collect")}
    depth = [0]

    def timed(name):
        orig = originals[name]

        def collect(self, *a, **k):
            if depth[0]:
                return orig(self, *a, **k)
            f = sys._getframe(1)
            while f is not None and f.f_code.co_filename != source:
                f = f.f_back
            where = f"{f.f_code.co_name}:{f.f_lineno}" if f is not None else "?"
            depth[0] += 1
            t0 = time.process_time()
            try:
                return orig(self, *a, **k)
            finally:
                depth[0] -= 1
                spent[where] += time.process_time() - t0

        return collect

    dummy = pl.Series(["x"])
    best: dict[str, float] = {}
    totals = []
    for _ in range(args.reps):
        spent.clear()
        for name in originals:
            setattr(LazyFrame, name, timed(name))
        total = 0.0
        for batch in seen:
            if args.evict:
                for k in range(40):
                    dummy.str.contains(f"evict{k}#")
            t0 = time.process_time()
            rule.evaluate(batch)
            total += time.process_time() - t0
        for name, orig in originals.items():
            setattr(LazyFrame, name, orig)
        totals.append(total)
        for k, v in spent.items():
            best[k] = min(best.get(k, v), v)
    print(f"evaluate: min {min(totals):.4f} CPU s over {args.reps} reps ({len(seen)} batches)")
    print(f"polars calls (sum of per-line minima): {sum(best.values()):.4f}")
    for k, v in sorted(best.items(), key=lambda kv: -kv[1])[: args.top]:
        print(f"  {v * 1000:8.2f} ms  {k}")


if __name__ == "__main__":
    main()
