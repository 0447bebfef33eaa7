"""cProfile of truncated-text's or boilerplate-lines' evaluate (or collect) on batches of --size
documents (small ones show the fixed cost), the rule's own threads included, and the time summed
by kind (polars' queries, polars' Python, numpy, the module's own).

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/tb21_profile.py \
        bench/_work/web-20k-distinct.jsonl --rule truncated-text [--size 128] [--docs 8192] \
        [--collect] [--on]

--on times each of boilerplate's `_on` questions by the line that asks it.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import polars as pl  # noqa: E402
from rule_cpu import _restore, batches_seen  # noqa: E402
from truncation_profile import own_threads_profiled  # noqa: E402

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--rule", default="truncated-text")
    ap.add_argument("--rules", default=str(HERE / "every.yaml"))
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--docs", type=int, default=8192)
    ap.add_argument("--sort", default="tottime")
    ap.add_argument("--top", type=int, default=45)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--collect", action="store_true", help="profile collect() instead")
    ap.add_argument("--on", action="store_true", help="time boilerplate's _on calls by caller")
    args = ap.parse_args()
    import pyarrow as pa

    from curate import engine
    from curate.checks import boilerplate, truncation
    from curate.checks.base import Batch, clear_run_caches
    from curate.config import load_ruleset
    from curate.io.readers import discover, read_shard

    rs = load_ruleset(args.rules)
    shards, _ = discover([str(args.corpus)])
    tables = [tb for s in shards for tb, _ in read_shard(s, rs.text_column) if tb is not None]
    table = pa.concat_tables(tables).slice(0, args.docs)
    rules = rs.build()
    aggs = engine.collect_batches(rs, [table])
    corpus = {r.name: r.finish(aggs[r.name]) for r in rules if r.needs_corpus}
    small = [table.slice(i, args.size) for i in range(0, table.num_rows, args.size)]
    rule = next(r for r in rules if r.name == args.rule)
    if args.collect:
        df = [pl.from_arrow(t) for t in small]
        seen = [
            Batch.for_corpus(d.get_column(rs.text_column), extra=d.drop(rs.text_column)) for d in df
        ]

        def call(b):
            return rule.collect(b)

        def reset(b):
            b._memo.clear()
    else:
        seen = batches_seen(rs, small, rules, corpus, {args.rule})[args.rule]

        def call(b):
            return rule.evaluate(b[0])

        def reset(b):
            _restore(*b)

    on_cost: dict[int, list] = {}
    if args.on:
        import sys

        plain_on = boilerplate._on

        def timed_on(strings, rows, exprs, fill):
            line = sys._getframe(1).f_lineno
            t0 = time.process_time()
            try:
                return plain_on(strings, rows, exprs, fill)
            finally:
                c = on_cost.setdefault(line, [0.0, 0, 0])
                c[0] += time.process_time() - t0
                c[1] += 1
                c[2] += int(rows.sum())

        boilerplate._on = timed_on
    times = []
    for _ in range(args.reps):
        clear_run_caches()
        total = 0.0
        for b in seen:
            reset(b)
            t0 = time.process_time()
            call(b)
            total += time.process_time() - t0
        times.append(total)
    for line, (t, _calls, rows) in sorted(on_cost.items(), key=lambda kv: -kv[1][0]):
        print(
            f"_on at line {line}: {t * 1e3 / args.reps / len(seen):.2f} ms a batch, "
            f"{rows / args.reps / len(seen):.0f} rows a batch"
        )
    print(
        f"least {min(times) * 1e3:.1f} CPU ms of {args.reps}, {len(seen)} batches: "
        f"{min(times) * 1e3 / len(seen):.2f} ms a batch"
    )

    with own_threads_profiled(truncation, boilerplate) as profilers:
        main_prof = profilers.setdefault("main", cProfile.Profile())
        clear_run_caches()
        for b in seen:
            reset(b)
            main_prof.enable()
            call(b)
            main_prof.disable()
    stats = None
    for prof in profilers.values():
        if not prof.getstats():
            continue
        stats = pstats.Stats(prof) if stats is None else stats.add(prof) or stats
    stats.sort_stats(args.sort).print_stats(args.top)
    by_kind: dict[str, float] = {}
    for (file, _line, name), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():
        if name == "<method 'acquire' of '_thread.lock' objects>":
            continue
        if "collect' of 'builtins.PyLazyFrame" in name:
            kind = "polars collect"
        elif "/polars/" in file:
            kind = "polars python"
        elif "/numpy/" in file or "numpy" in name:
            kind = "numpy python+C"
        elif "/curate/" in file:
            kind = Path(file).name
        elif "/pyarrow/" in file or "PySeries" in name or "PyDataFrame" in name:
            kind = "pyarrow/polars C"
        else:
            kind = "other"
        by_kind[kind] = by_kind.get(kind, 0.0) + tt
    n = len(seen)
    for kind, tt in sorted(by_kind.items(), key=lambda kv: -kv[1]):
        print(f"{kind:<24} {tt * 1e3 / n:7.2f} ms a batch (profiled)")


if __name__ == "__main__":
    main()
