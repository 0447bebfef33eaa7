"""CPU seconds of a full steady-state pass of a rule set over a corpus: the corpus collect plus
`engine.process_batches` over every batch, as `bench/throughput.py ... --no-run` reports its
"steady state" (the input read once, three warm-up passes), then 11 timed passes.

    POLARS_MAX_THREADS=1 PYTHONPATH=<tree> /work/main/.venv/bin/python bench/steady_pass.py \\
        bench/_work/web-unique.jsonl [bench/heuristic.yaml]

Prints the least, the lower quartile and the median of the 11 passes: on a machine shared with
other jobs the least is the steadiest figure to compare two code trees by (run them
alternately).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

from curate import engine  # noqa: E402
from curate.config import load_ruleset  # noqa: E402
from curate.io.readers import discover, read_shard  # noqa: E402


def main() -> None:
    corpus = sys.argv[1]
    rs = load_ruleset(Path(sys.argv[2] if len(sys.argv) > 2 else "bench/heuristic.yaml"))
    shards, _ = discover([corpus])
    tables = [tb for s in shards for tb in read_shard(s, rs.text_column)]

    def rules_pass() -> None:
        rules = [r for r in rs.build() if r.needs_corpus]
        aggs = engine.collect_batches(rs, (tb for tb, _ in tables))
        corpus_results = {r.name: r.finish(aggs[r.name]) for r in rules}
        engine.process_batches(rs, tables, corpus_results, keep_rows=True)

    for _ in range(3):
        rules_pass()
    times = []
    for _ in range(11):
        t0 = time.process_time()
        rules_pass()
        times.append(time.process_time() - t0)
    times.sort()
    print(f"full pass CPU s: least {times[0]:.3f}  q1 {times[2]:.3f}  median {times[5]:.3f}")


if __name__ == "__main__":
    main()
