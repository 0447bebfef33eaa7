"""CPU time of boilerplate-lines alone on a corpus: its corpus pass (collect, merge, finish) and
its evaluate(), on one core, batches as the pipeline reads them.

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/bp_speed.py \
        bench/_work/web-20k.jsonl [--repeat 3] [--profile] [--per-line] [--cold] [--fixed]

--cold empties polars' regex cache before every batch (as the whole rule set does: polars keeps
~32 compiled regexes per thread, the rule set uses more); --fixed prints the fixed cost per batch,
100 cold batches of 10 documents against one of 1,000. Both empty the cache of the calling thread,
as the other rules of a run do: since session 3 boilerplate-lines matches on a thread of its own
(curate/checks/regex_thread.py), whose cache they leave alone, so its regexes are compiled once per
process, the first batch paying for them (`--repeat 1` on a one-batch corpus shows that cost).
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
    ap.add_argument("--cold", action="store_true", help="empty the regex cache before each batch")
    ap.add_argument("--fixed", action="store_true", help="fixed cost per batch (cold)")
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

    if args.fixed:
        fixed_cost(rule, rs, dfs[0].head(1000), args.repeat)
        return

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
        spent = 0.0
        for b in bs:
            if args.cold:
                evict_regexes()
            t = time.process_time()
            rule.evaluate(b)
            spent += time.process_time() - t
        best_e = min(best_e, spent)
        if args.profile:
            pr.disable()
            pstats.Stats(pr).sort_stats("tottime").print_stats(15)
            args.profile = False
    n = sum(df.height for df in dfs)
    print(
        f"{args.rule}: {n} docs, {len(dfs)} batches; collect+finish {best_c:.3f} CPU s, "
        f"evaluate {best_e:.3f} CPU s (best of {args.repeat})"
    )


_EVICTIONS = [0]


def evict_regexes() -> None:
    """Push every compiled regex out of polars' per-thread cache (64 new tiny patterns)."""
    one = pl.Series(["x"])
    for _ in range(64):
        _EVICTIONS[0] += 1
        one.str.contains(f"y{_EVICTIONS[0]}")


def fixed_cost(rule, rs, df: pl.DataFrame, repeat: int) -> None:
    """Evaluate 100 batches of 10 documents and 1 of 1,000, each cold: the difference / 99 is
    the cost every batch pays whatever its size (mostly compiling regexes)."""
    best = {}
    for size in (10, 1000):
        for _ in range(repeat):
            parts = [df.slice(i, size) for i in range(0, df.height, size)]
            bs = [
                Batch.from_texts(p.get_column(rs.text_column), extra=p.drop(rs.text_column))
                for p in parts
            ]
            agg = None
            for b in bs:
                agg = rule.merge(agg, rule.collect(b))
            finished = rule.finish(agg)
            spent = 0.0
            for b in bs:
                b.corpus = {rule.name: finished}
                evict_regexes()
                t = time.process_time()
                rule.evaluate(b)
                spent += time.process_time() - t
            best[size] = min(best.get(size, float("inf")), spent)
    per = (best[10] - best[1000]) / 99
    print(
        f"{rule.name}: 100 batches of 10 docs {best[10]:.3f} CPU s, 1 of 1000 {best[1000]:.3f}; "
        f"fixed cost per batch {per * 1000:.1f} ms (best of {repeat}, cold regex cache)"
    )


if __name__ == "__main__":
    main()
