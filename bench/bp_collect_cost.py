"""CPU time of the corpus pass (collect, merge, finish) per corpus rule, and of building the
collect batches (engine.collect_batches: Batch.from_texts splits the lines), minimum of --reps
rounds over all batches of the corpus. Run it alternately with another tree to compare:

    POLARS_MAX_THREADS=1 PYTHONPATH=/work/wt/base6 /work/main/.venv/bin/python \
        bench/bp_collect_cost.py bench/_work/web-unique.jsonl --reps 7
    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python \
        bench/bp_collect_cost.py bench/_work/web-unique.jsonl --reps 7
"""

from __future__ import annotations

import argparse
import collections
import os
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import polars as pl  # noqa: E402

import curate  # noqa: E402
from curate.checks.base import Batch  # noqa: E402
from curate.config import load_ruleset  # noqa: E402
from curate.io.readers import discover, read_shard  # noqa: E402

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--rules", default=str(HERE / "heuristic.yaml"))
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    rs = load_ruleset(args.rules)
    shards, _ = discover([args.corpus])
    tables = [tb for s in shards for tb, _ in read_shard(s, rs.text_column) if tb is not None]
    rules = [r for r in rs.build() if r.needs_corpus]
    best: dict[str, float] = collections.defaultdict(lambda: float("inf"))
    for _ in range(args.reps):
        cost: collections.Counter[str] = collections.Counter()
        aggs = {r.name: None for r in rules}
        for table in tables:
            t = time.process_time()
            df = pl.from_arrow(table)
            batch = Batch.from_texts(df.get_column(rs.text_column), extra=df.drop(rs.text_column))
            cost["batches (line split)"] += time.process_time() - t
            for r in rules:
                t = time.process_time()
                aggs[r.name] = r.merge(aggs[r.name], r.collect(batch))
                cost[r.name] += time.process_time() - t
        for r in rules:
            t = time.process_time()
            r.finish(aggs[r.name])
            cost[r.name] += time.process_time() - t
        for k, v in cost.items():
            best[k] = min(best[k], v)
    tree = Path(curate.__file__).resolve().parents[1]
    print(f"{tree} {Path(args.corpus).name}: " + ", ".join(f"{k} {v:.4f}" for k, v in best.items()))


if __name__ == "__main__":
    main()
