"""A run's pass 2 with and without the example bounds of the shards before each shard
(engine.process_shard's _SeenExamples), alternated in ONE process (paired).

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/run_bounds_pair.py \
        bench/_work/web-200k.jsonl [--rules bench/every.yaml] [--shards 12] [--rounds 6]

Reads the first --shards shards of the corpus, runs the corpus pass, answers every rule's
evaluate() from a cache filled once, then per round, in alternating order, both ways: each
shard's batches through engine.process_batches (the batch function, statistics merges, example
bounds) and its statistics serialised as process_shard writes them (RunStats.to_json), the
shards one after another as a run in one process takes them; "told" gives each shard the bounds
of the shards before it (engine._SeenExamples), "alone" none (every shard before session 12, and
a worker process's before session 13). Prints CPU ms a shard (time.process_time), the median of
the rounds and of the paired differences, the examples built, and checks that the merged
statistics are equal.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")
HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--rules", default=str(HERE / "every.yaml"))
    ap.add_argument("--shards", type=int, default=12)
    ap.add_argument("--rounds", type=int, default=6)
    args = ap.parse_args()

    import curate  # noqa: F401, I001  (first, as the command line: polars' allocator)

    from curate import engine
    from curate.config import load_ruleset
    from curate.io.readers import discover, read_shard
    from curate.stats import RunStats

    sys.path.insert(0, str(HERE))
    from run_overhead import cache_evaluations

    ruleset = load_ruleset(args.rules)
    shards, _ = discover([args.corpus], ruleset.text_column)
    shards = shards[: args.shards]
    batches = [[(t, b) for t, b in read_shard(s, ruleset.text_column)] for s in shards]
    tables = [t for shard in batches for t, _ in shard if t is not None]
    aggs = engine.collect_batches(ruleset, tables)
    rules = ruleset.build()
    corpus = {r.name: r.finish(aggs[r.name]) for r in rules if r.needs_corpus}
    current = cache_evaluations(rules)

    def next_batch(rows, table) -> None:
        current["batch"] += 1

    def pass_two(told: bool) -> tuple[RunStats, int]:
        current["batch"] = 0
        seen, merged = engine._SeenExamples(), RunStats()
        built = 0
        for shard in batches:
            _, _, stats = engine.process_batches(
                ruleset,
                shard,
                corpus,
                keep_rows=False,
                on_batch=next_batch,
                known_bounds=seen.bounds("pair") if told else None,
            )
            stats.to_json()  # the shard's statistics file
            built += sum(len(r.examples) for r in stats.rules.values())
            seen.add("pair", stats)
            merged.merge(stats)
        return merged, built

    told, built_told = pass_two(True)  # fills the cache
    alone, built_alone = pass_two(False)
    assert told.to_dict() == alone.to_dict(), "the merged statistics differ"
    costs: dict[str, list[float]] = {"told": [], "alone": []}
    for r in range(args.rounds):
        for label in ("told", "alone") if r % 2 == 0 else ("alone", "told"):
            t = time.process_time()
            pass_two(label == "told")
            costs[label].append((time.process_time() - t) / len(batches))
    a, b = costs["told"], costs["alone"]
    diff = statistics.median(x - y for x, y in zip(a, b, strict=True))
    print(
        f"# {args.corpus}, {len(batches)} shards, {len(tables)} batches, {args.rounds} rounds, "
        f"load {os.getloadavg()[0]:.1f}; examples built: told {built_told}, alone {built_alone}"
    )
    print(
        f"CPU ms a shard (pass 2, evaluate() cached): told {statistics.median(a) * 1e3:.2f}, "
        f"alone {statistics.median(b) * 1e3:.2f}, paired difference {diff * 1e3:+.2f} "
        f"({diff / statistics.median(b):+.0%})"
    )


if __name__ == "__main__":
    main()
