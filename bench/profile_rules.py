"""Where the CPU time of a run goes: reading, the corpus pass, each rule, and the batch function's
own work (lines, rebuilt text, flags, statistics, examples), on one core.

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/profile_rules.py \
        bench/_work/web-20k.jsonl [--rules bench/heuristic.yaml]

A rule's time is that of its evaluate(); the per-document statistics the quality rules share
(curate/checks/quality.py `_stats`, with the token frame) are timed apart, as "quality stats
(shared)", so the first quality rule is not charged for all of them.
"""

from __future__ import annotations

import argparse
import collections
import os
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import polars as pl  # noqa: E402
from prepared import cpu_timed  # noqa: E402

from curate import engine, pipeline  # noqa: E402
from curate.checks import base, quality  # noqa: E402
from curate.config import load_ruleset  # noqa: E402
from curate.io.readers import discover, read_shard  # noqa: E402

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--rules", default=str(HERE / "heuristic.yaml"))
    args = ap.parse_args()
    rs = load_ruleset(args.rules)
    shards, _ = discover([str(args.corpus)])
    cost: collections.Counter[str] = collections.Counter()

    t = time.process_time()
    tables = [tb for s in shards for tb in read_shard(s, rs.text_column)]
    cost["read (JSONL -> Arrow)"] = time.process_time() - t
    docs = sum(tb.num_rows for tb, _ in tables if tb is not None)

    rules = rs.build()
    t = time.process_time()
    aggs = engine.collect_batches(rs, (tb for tb, _ in tables))
    corpus = {r.name: r.finish(aggs[r.name]) for r in rules if r.needs_corpus}
    cost["corpus pass (collect, finish)"] = time.process_time() - t

    def timed(label, fn):
        return cpu_timed(fn, cost, label)

    real_stats = quality._stats
    quality._stats = timed("quality stats (shared)", real_stats)
    inner = collections.Counter()
    for r in rules:

        def ev(batch, _ev=r.evaluate, _name=r.name):
            before = cost["quality stats (shared)"]
            t0 = time.process_time()
            out = _ev(batch)
            inner[_name] += time.process_time() - t0 - (cost["quality stats (shared)"] - before)
            return out

        r.evaluate = ev
    split = timed("split lines (Batch)", base.split_lines)
    base.split_lines = split
    t = time.process_time()
    for tb, _ in tables:
        if tb is not None:
            pipeline.process_batch(rules, pl.from_arrow(tb), rs.text_column, corpus, rs.id_column)
    total = time.process_time() - t
    quality._stats = real_stats
    for name, v in inner.items():
        cost[f"rule {name}"] = v
    cost["batch function's own work"] = (
        total - sum(inner.values()) - cost["quality stats (shared)"] - cost["split lines (Batch)"]
    )
    grand = sum(cost.values())
    print(f"{docs} documents, {grand:.2f} CPU s in all, {docs / grand:.0f} docs/CPU-s")
    for name, v in cost.most_common():
        print(f"  {name:40s} {v:7.2f} s {100 * v / grand:5.1f}%")


if __name__ == "__main__":
    main()
