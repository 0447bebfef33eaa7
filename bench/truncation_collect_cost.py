"""CPU time of truncated-text's corpus pass, split into collect(), merge() and finish() (and
collect's parts: the lengths, the whitespace tokens), minimum of --reps rounds over all batches
of the corpus (batches as the engine reads them). Run it alternately with another tree:

    POLARS_MAX_THREADS=1 PYTHONPATH=/work/wt/base8 /work/main/.venv/bin/python \
        bench/truncation_collect_cost.py bench/_work/web-20k.jsonl --reps 5
    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python \
        bench/truncation_collect_cost.py bench/_work/web-20k.jsonl --reps 5

`--profile` prints cProfile's top functions of one round instead.
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

import curate  # noqa: E402
from curate.checks import truncation  # noqa: E402
from curate.checks.base import Batch  # noqa: E402
from curate.config import load_ruleset  # noqa: E402
from curate.io.readers import discover, read_shard  # noqa: E402

HERE = Path(__file__).resolve().parent


def one_round(rule, batches, cost) -> None:
    agg = None
    for batch in batches:
        text = batch.original
        t = time.process_time()
        truncation.whitespace_tokens(text.fill_null("") if text.null_count() else text)
        cost["(tokens alone)"] += time.process_time() - t
        t = time.process_time()
        part = rule.collect(batch)
        cost["collect"] += time.process_time() - t
        t = time.process_time()
        agg = rule.merge(agg, part)
        cost["merge"] += time.process_time() - t
    t = time.process_time()
    rule.finish(agg)
    cost["finish"] += time.process_time() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--rules", default=str(HERE / "heuristic.yaml"))
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    rs = load_ruleset(args.rules)
    shards, _ = discover([args.corpus])
    tables = [tb for s in shards for tb, _ in read_shard(s, rs.text_column) if tb is not None]
    batches = []
    for table in tables:
        df = pl.from_arrow(table)
        batches.append(
            Batch.for_corpus(df.get_column(rs.text_column), extra=df.drop(rs.text_column))
        )
    (rule,) = [r for r in rs.build() if r.name == "truncated-text"]
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        one_round(rule, batches, collections.Counter())
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)
        return
    best: dict[str, float] = collections.defaultdict(lambda: float("inf"))
    for _ in range(args.reps):
        cost: collections.Counter[str] = collections.Counter()
        one_round(rule, batches, cost)
        for k, v in cost.items():
            best[k] = min(best[k], v)
    tree = Path(curate.__file__).resolve().parents[1]
    print(
        f"{tree.name} {Path(args.corpus).name} ({len(batches)} batches): "
        + ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in best.items())
    )


if __name__ == "__main__":
    main()
