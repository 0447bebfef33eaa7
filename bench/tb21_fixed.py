"""Fixed cost per batch and cost per document of each rule (truncated-text and boilerplate-lines
by default, `--only all` for every rule of the set).

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/tb21_fixed.py \
        bench/_work/web-20k-distinct.jsonl [--only all] [--docs 8192] \
        [--sizes 128,256,512,1024,2048] [--reps 3]

The corpus's first --docs documents are cut into batches of each size. For each size: the corpus
pass (collect + merge of the chosen corpus rules, each batch merged into nothing: merge is not
what is fitted) and the main pass (pipeline.process_batch with every rule of --rules), the chosen
rules' evaluate timed apart (CPU, all threads). The run caches are emptied before each pass (as
engine.run does). CPU = fixed x batches + per document x documents, least squares over the sizes
(least of --reps per size).
"""

from __future__ import annotations

import argparse
import collections
import os
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import polars as pl  # noqa: E402
from batch_cost import _fit  # noqa: E402
from prepared import cpu_timed  # noqa: E402

HERE = Path(__file__).resolve().parent
MINE = ("truncated-text", "boilerplate-lines")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--rules", default=str(HERE / "every.yaml"))
    ap.add_argument("--docs", type=int, default=8192)
    ap.add_argument("--sizes", default="128,256,512,1024,2048")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--only", default=",".join(MINE), help="rule names, or all")
    args = ap.parse_args()
    mine = tuple(args.only.split(","))

    import pyarrow as pa

    from curate import engine, pipeline
    from curate.checks.base import Batch, clear_run_caches
    from curate.config import load_ruleset
    from curate.io.readers import discover, read_shard

    rs = load_ruleset(args.rules)
    shards, _ = discover([str(args.corpus)])
    tables = [tb for s in shards for tb, _ in read_shard(s, rs.text_column) if tb is not None]
    table = pa.concat_tables(tables).slice(0, args.docs)
    n_docs = table.num_rows
    rules = rs.build()
    aggs = engine.collect_batches(rs, [table])
    corpus = {r.name: r.finish(aggs[r.name]) for r in rules if r.needs_corpus}
    df = pl.from_arrow(table)
    mine_rules = [r for r in rules if r.name in mine or mine == ("all",)]
    cost: collections.Counter = collections.Counter()
    for r in mine_rules:
        r.evaluate = cpu_timed(r.evaluate, cost, "ev:" + r.name)
        if r.needs_corpus:
            r.collect = cpu_timed(r.collect, cost, "co:" + r.name)
            r.merge = cpu_timed(r.merge, cost, "me:" + r.name)
    clear_run_caches()
    pipeline.process_batch(rules, df.head(64), rs.text_column, corpus, rs.id_column)  # warm up

    sizes = [int(s) for s in args.sizes.split(",")]
    xs: list[int] = []
    rows: dict[str, list[float]] = collections.defaultdict(list)
    for size in sizes:
        batches = [df.slice(i, size) for i in range(0, n_docs, size)]
        best: dict[str, float] = {}
        for _ in range(args.reps):
            cost.clear()
            clear_run_caches()
            for b in batches:
                text = b.get_column(rs.text_column)
                cb = Batch.for_corpus(text, extra=b.drop(rs.text_column))
                for r in mine_rules:
                    if r.needs_corpus:
                        r.merge(None, r.collect(cb))
            clear_run_caches()
            for b in batches:
                pipeline.process_batch(rules, b, rs.text_column, corpus, rs.id_column)
            for k, v in cost.items():
                best[k] = min(best.get(k, v), v)
        xs.append(len(batches))
        for k, v in best.items():
            rows[k].append(v)
        print(
            f"size {size:5d}: {len(batches):4d} batches  "
            + "  ".join(f"{k} {v * 1e3:7.1f}" for k, v in sorted(best.items()))
        )
    for k in sorted(rows):
        fixed, per_doc = _fit(xs, rows[k], n_docs)
        print(f"{k:<26} fixed {fixed * 1e3:6.2f} ms/batch, per document {per_doc * 1e6:6.1f} us")


if __name__ == "__main__":
    main()
