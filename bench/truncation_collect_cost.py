"""CPU time of truncated-text's corpus pass, split into collect() (and, timed apart, the
whitespace token count it makes), merge() and finish(), over all batches of the corpus as the
engine's corpus pass reads them (Batch.for_corpus), after one warm-up round. With --base, the
rounds alternate between this tree's rule and the rule of the truncation.py given (its methods put
on the rule's class in turn), in one process: the A/B least disturbed by a shared machine.

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python \
        bench/truncation_collect_cost.py bench/_work/web-20k.jsonl --reps 7 \
        --base /work/wt/base8/curate/checks/truncation.py

Prints, per tree, the median and the minimum over --reps rounds (CPU ms), and checks that both
trees' finish() results are equal. `--profile` prints
cProfile's top functions of one round of this tree instead.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

sys.path.insert(0, str(Path(__file__).resolve().parent))

import polars as pl  # noqa: E402

from curate.checks import truncation  # noqa: E402
from curate.checks.base import Batch  # noqa: E402
from curate.checks.truncation import TruncatedText  # noqa: E402
from curate.config import load_ruleset  # noqa: E402
from curate.io.readers import discover, read_shard  # noqa: E402

HERE = Path(__file__).resolve().parent


def one_round(rule, tokens, batches, cost) -> dict:
    agg = None
    for batch in batches:
        text = batch.original
        t = time.process_time()
        tokens(text.fill_null("") if text.null_count() else text)
        cost["(tokens alone)"] += time.process_time() - t
        t = time.process_time()
        part = rule.collect(batch)
        cost["collect"] += time.process_time() - t
        t = time.process_time()
        agg = rule.merge(agg, part)
        cost["merge"] += time.process_time() - t
    t = time.process_time()
    finished = rule.finish(agg)
    cost["finish"] += time.process_time() - t
    return finished


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--rules", default=str(HERE / "heuristic.yaml"))
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--base", help="the other tree's curate/checks/truncation.py")
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    rs = load_ruleset(args.rules)
    shards, _ = discover([args.corpus])
    tables = [tb for s in shards for tb, _ in read_shard(s, rs.text_column) if tb is not None]
    batches = []
    for table in tables:
        df = pl.from_arrow(table)
        text = df.get_column(rs.text_column)
        batches.append(Batch.for_corpus(text, extra=df.drop(rs.text_column)))
    (rule,) = [r for r in rs.build() if r.name == "truncated-text"]
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        one_round(rule, truncation.whitespace_tokens, batches, collections.Counter())
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)
        return

    def methods(cls: type) -> dict:
        return {k: v for k, v in vars(cls).items() if callable(v) or isinstance(v, staticmethod)}

    trees = {"this": (methods(TruncatedText), truncation.whitespace_tokens)}
    if args.base:
        from truncation_ab import load

        base = load(args.base, "_base_truncation")
        trees["base"] = (methods(base.TruncatedText), base.whitespace_tokens)
    spent: dict[str, list[collections.Counter]] = {tree: [] for tree in trees}
    finished = {}
    for rep in range(args.reps + 1):
        for tree, (cls_methods, tokens) in trees.items():
            for k, v in cls_methods.items():
                setattr(TruncatedText, k, v)
            cost: collections.Counter[str] = collections.Counter()
            finished[tree] = one_round(rule, tokens, batches, cost)
            if rep:  # the first round warms up
                spent[tree].append(cost)
    print(f"{Path(args.corpus).name} ({len(batches)} batches), CPU ms, median (min) of {args.reps}")
    if args.base:
        # the speed work must not change what the corpus pass finds
        assert finished["this"] == finished["base"], "the trees' finish() results differ"
        print(f"  finish() results identical: {len(finished['this']['spikes'])} spikes")
    for tree, costs in spent.items():
        keys = costs[0].keys()
        print(
            f"  {tree}: "
            + ", ".join(
                f"{k} {statistics.median(c[k] for c in costs) * 1000:.1f} "
                f"({min(c[k] for c in costs) * 1000:.1f})"
                for k in keys
            )
        )


if __name__ == "__main__":
    main()
