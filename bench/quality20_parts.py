"""CPU ms per batch of a rule's evaluate() and of named functions inside it (inclusive timers,
not a profiler: cProfile's cost per call distorts code that makes many small calls), on the
batches the rule sees in a real run, least of `--reps` repetitions.

    POLARS_MAX_THREADS=1 PYTHONPATH=<tree> /work/main/.venv/bin/python bench/quality20_parts.py \
        bench/_work/web-200k.jsonl --rule repeated-paragraphs \
        --parts repetition._pair_groups,repetition.line_repeats [--reps 7]
"""

from __future__ import annotations

import argparse
import collections
import importlib
import os
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

from prepared import prepared  # noqa: E402
from rule_cpu import _restore, batches_seen  # noqa: E402

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--rules", default=str(HERE / "every.yaml"))
    ap.add_argument("--rule", required=True)
    ap.add_argument("--parts", default="")
    ap.add_argument("--reps", type=int, default=7)
    args = ap.parse_args()
    rs, tables, rules, corpus = prepared(args.corpus, args.rules)
    seen = batches_seen(rs, tables, rules, corpus, {args.rule})
    evaluate = next(r.evaluate for r in rules if r.name == args.rule)
    cost: collections.Counter[str] = collections.Counter()
    depth = collections.Counter()
    for spec in filter(None, args.parts.split(",")):
        mod, fn = spec.rsplit(".", 1)
        m = importlib.import_module(f"curate.checks.{mod}")
        orig = getattr(m, fn)

        def wrapped(*a, _orig=orig, _name=spec, **k):
            depth[_name] += 1
            t0 = time.process_time()
            try:
                return _orig(*a, **k)
            finally:
                depth[_name] -= 1
                if not depth[_name]:
                    cost[_name] += time.process_time() - t0

        setattr(m, fn, wrapped)
    best: dict[str, float] = {}
    n = len(seen[args.rule])
    for _ in range(args.reps):
        cost.clear()
        total = 0.0
        for batch, snap in seen[args.rule]:
            _restore(batch, snap)
            t0 = time.process_time()
            evaluate(batch)
            total += time.process_time() - t0
        cost["evaluate"] = total
        for k, v in cost.items():
            best[k] = min(best.get(k, 1e9), v)
    for k in ["evaluate", *sorted(set(best) - {"evaluate"})]:
        print(f"{k:40s} {best[k] * 1e3 / n:7.2f} ms a batch")


if __name__ == "__main__":
    main()
