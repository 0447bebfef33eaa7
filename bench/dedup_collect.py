"""CPU time of duplicate-documents' corpus pass (collect over every batch, merge, finish) alone,
on one core, and a digest of its band hashes (so two code trees can be compared at a glance).

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/dedup_collect.py \
        bench/_work/web-20k.jsonl [--repeat 3]
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


def corpus_batches(path: Path) -> list[Batch]:
    """The batches of the corpus at `path` as collect() sees them (bench/dedup_steps.py and
    bench/dedup_ab.py read theirs here too)."""
    shards, _ = discover([str(path)])
    batches = []
    for s in shards:
        for tb, _ in read_shard(s, "text"):
            if tb is not None:
                df = pl.from_arrow(tb)
                batches.append(Batch.from_texts(df.get_column("text"), extra=df.drop("text")))
    return batches


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rs = load_ruleset({"name": "d", "rules": [{"rule": "duplicate-documents", "action": "drop"}]})
    (rule,) = rs.build()
    batches = corpus_batches(args.corpus)
    docs = sum(b.docs.height for b in batches)
    best = None
    for _ in range(args.repeat):
        t = time.process_time()
        agg = None
        for b in batches:
            agg = rule.merge(agg, rule.collect(b))
        t_collect = time.process_time() - t
        fin = rule.finish(agg)
        t_all = time.process_time() - t
        best = (t_collect, t_all) if best is None or t_all < best[1] else best
    digest = agg["docs"].hash_rows().sum()
    print(
        f"{args.corpus.name}: {docs} docs, {len(batches)} batches; collect {best[0]:.3f} CPU s, "
        f"collect+merge+finish {best[1]:.3f} CPU s (best of {args.repeat}); "
        f"duplicates {int((~fin['_rep']).sum())}; digest {digest}"
    )


if __name__ == "__main__":
    main()
