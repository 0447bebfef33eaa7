"""Fixed cost per batch of chosen rules' evaluate, fitted per rule.

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/qw21_batch_cost.py \
        bench/_work/web-20k-distinct.jsonl [--rules bench/every.yaml] [--docs 8000] \
        [--sizes 250,500,1000,2000] [--only unterminated-lines,...]

The first --docs documents go through pipeline.process_batch (every rule of the set, strips
composing as in a run) cut into batches of each size; each rule's evaluate is timed apart and
CPU = fixed x batches + per document x documents is fitted by least squares for each rule.
"""

from __future__ import annotations

import argparse
import collections
import os
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import polars as pl  # noqa: E402
import pyarrow as pa  # noqa: E402
from batch_cost import _fit  # noqa: E402
from prepared import cpu_timed, prepared  # noqa: E402

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--rules", default=str(HERE / "every.yaml"))
    ap.add_argument("--docs", type=int, default=8000)
    ap.add_argument("--sizes", default="250,500,1000,2000")
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument(
        "--only",
        default="unterminated-lines,repeated-paragraphs,duplicated-line-chars,no-stop-words,"
        "low-quality,duplicate-documents",
    )
    args = ap.parse_args()
    from curate import pipeline

    rs, tables, rules, corpus = prepared(args.corpus, args.rules)
    df = pl.from_arrow(pa.concat_tables(tables)).head(args.docs)
    only = set(args.only.split(","))
    cost: collections.Counter = collections.Counter()
    for r in rules:
        r.evaluate = cpu_timed(r.evaluate, cost, r.name)
    # warm up on a batch of real size: it builds the per-process tables a run's first batch
    # builds (words._char_table), which small batches alone would never build
    pipeline.process_batch(rules, df.head(2000), rs.text_column, corpus, rs.id_column)
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        batches = [df.slice(i, size) for i in range(0, df.height, size)]
        best: dict[str, float] = {}
        for _ in range(args.reps):
            cost.clear()
            t = time.process_time()
            for b in batches:
                pipeline.process_batch(rules, b, rs.text_column, corpus, rs.id_column)
            cost["<all>"] = time.process_time() - t
            cost["<mine>"] = sum(v for k, v in cost.items() if k in only)
            for k, v in cost.items():
                best[k] = min(best.get(k, v), v)
        rows.append((len(batches), best))
        print(
            f"size {size}: {len(batches)} batches, all {best['<all>']:.2f}, "
            f"mine {best['<mine>']:.2f}"
        )
    names = sorted(only | {"<mine>", "<all>"}, key=lambda n: -rows[-1][1].get(n, 0))
    for name in names:
        fixed, per_doc = _fit([n for n, _ in rows], [b.get(name, 0.0) for _, b in rows], df.height)
        print(f"{name:28s} fixed {fixed * 1e3:6.2f} ms/batch  per doc {per_doc * 1e6:7.1f} us")


if __name__ == "__main__":
    main()
