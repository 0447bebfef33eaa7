"""CPU time of boilerplate-lines alone on a corpus: its corpus pass (collect, merge, finish) and
its evaluate(), on one core, batches as the pipeline reads them.

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/bp_speed.py \
        bench/_work/web-20k.jsonl [--repeat 3] [--profile] [--per-line]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import polars as pl  # noqa: E402

from curate.checks.base import Batch  # noqa: E402
from curate.config import load_ruleset  # noqa: E402
from curate.io.readers import discover, read_shard  # noqa: E402

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--rules", default=str(HERE / "heuristic.yaml"))
    ap.add_argument("--rule", default="boilerplate-lines")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument(
        "--per-line",
        action="store_true",
        help="never compute text features once per distinct line (the cost on a corpus whose "
        "lines do not repeat; web-20k cycles ~800 source texts)",
    )
    args = ap.parse_args()
    if args.per_line:
        from curate.checks import boilerplate

        if hasattr(boilerplate, "DEDUP_MAX_SHARE"):
            boilerplate.DEDUP_MAX_SHARE = -1.0
    rs = load_ruleset(args.rules)
    shards, _ = discover([str(args.corpus)])
    tables = [tb for s in shards for tb, _ in read_shard(s, rs.text_column) if tb is not None]
    dfs = [pl.from_arrow(tb) for tb in tables]
    rule = next(r for r in rs.build() if r.name == args.rule)

    def batches():
        return [
            Batch.from_texts(df.get_column(rs.text_column), extra=df.drop(rs.text_column))
            for df in dfs
        ]

    best_c, best_e = float("inf"), float("inf")
    for _ in range(args.repeat):
        bs = batches()
        t = time.process_time()
        agg = None
        if rule.needs_corpus:
            for b in bs:
                agg = rule.merge(agg, rule.collect(b))
        finished = rule.finish(agg)
        best_c = min(best_c, time.process_time() - t)
        bs = batches()
        for b in bs:
            b.corpus = {rule.name: finished}
        if args.profile:
            import cProfile
            import pstats

            pr = cProfile.Profile()
            pr.enable()
        t = time.process_time()
        for b in bs:
            rule.evaluate(b)
        best_e = min(best_e, time.process_time() - t)
        if args.profile:
            pr.disable()
            pstats.Stats(pr).sort_stats("tottime").print_stats(15)
            args.profile = False
    n = sum(df.height for df in dfs)
    print(
        f"{args.rule}: {n} docs, {len(dfs)} batches; collect+finish {best_c:.3f} CPU s, "
        f"evaluate {best_e:.3f} CPU s (best of {args.repeat})"
    )


if __name__ == "__main__":
    main()
