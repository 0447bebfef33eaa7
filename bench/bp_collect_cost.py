"""CPU time of the corpus pass (collect, merge, finish) per corpus rule, and of building the
collect batches (engine.collect_batches: Batch.from_texts splits the lines), minimum of --reps
rounds over all batches of the corpus. Run it alternately with another tree to compare:

    POLARS_MAX_THREADS=1 PYTHONPATH=/work/wt/base6 /work/main/.venv/bin/python \
        bench/bp_collect_cost.py bench/_work/web-unique.jsonl --reps 7
    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python \
        bench/bp_collect_cost.py bench/_work/web-unique.jsonl --reps 7

--base TREE: a paired A/B in ONE process instead: boilerplate-lines' corpus pass (collect of
every batch, merged in order, finish) of this tree and of TREE's boilerplate module (loaded under
another name, bench/bp_ab.py), alternately for --reps rounds on the same batches; prints min and
median CPU seconds of each and the median per-round ratio, after checking that both give the same
finished result (counts, hashes, top lines).
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import polars as pl  # noqa: E402

import curate  # noqa: E402
from curate.checks.base import Batch  # noqa: E402
from curate.config import load_ruleset  # noqa: E402
from curate.io.readers import discover, read_shard  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _pass(rule, batches: list) -> tuple[float, dict]:
    t = time.process_time()
    agg = None
    for batch in batches:
        agg = rule.merge(agg, rule.collect(batch))
    finished = rule.finish(agg)
    return time.process_time() - t, {
        "counts": sorted(agg["counts"].iter_rows()),
        "hashes": sorted(finished["hashes"].to_list()),
        "summary": rule.corpus_summary(finished),
    }


def paired(rs, tables: list, base: Path, reps: int) -> None:
    from bp_ab import _base_class

    cls = _base_class(base, "boilerplate-lines")
    ours = next(r for r in rs.build() if r.name == "boilerplate-lines")
    theirs = cls(ours.params, ours.action)
    batches = []
    for table in tables:
        df = pl.from_arrow(table)
        batches.append(
            Batch.from_texts(df.get_column(rs.text_column), extra=df.drop(rs.text_column))
        )
    if _pass(ours, batches)[1] != _pass(theirs, batches)[1]:
        raise SystemExit("the two trees' corpus passes differ")
    a, b = [], []
    for i in range(reps):
        # (the order alternates: ABBA, so that neither tree always runs on a warmed heap)
        if i % 2:
            b.append(_pass(ours, batches)[0])
            a.append(_pass(theirs, batches)[0])
        else:
            a.append(_pass(theirs, batches)[0])
            b.append(_pass(ours, batches)[0])
    ratio = statistics.median(y / x for x, y in zip(a, b, strict=True))
    print(
        f"boilerplate-lines corpus pass, {len(batches)} batches, {reps} rounds: base {base} "
        f"min {min(a):.4f} median {statistics.median(a):.4f} s; this tree min {min(b):.4f} "
        f"median {statistics.median(b):.4f} s; median ratio {ratio:.3f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--rules", default=str(HERE / "heuristic.yaml"))
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--base", type=Path, help="paired A/B against this tree's boilerplate-lines")
    args = ap.parse_args()
    rs = load_ruleset(args.rules)
    shards, _ = discover([args.corpus])
    tables = [tb for s in shards for tb, _ in read_shard(s, rs.text_column) if tb is not None]
    if args.base:
        paired(rs, tables, args.base, args.reps)
        return
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
