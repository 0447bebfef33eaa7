"""What a run hands its main pass, for the scripts that time rules on real batches: the rule set,
the corpus's Arrow batches, the built rules and their corpus-pass results.

curate is imported when called, so a script that first puts another tree on sys.path gets it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any


def prepared(corpus: Path, rules_path: str) -> tuple[Any, list, list, dict[str, Any]]:
    from curate import engine
    from curate.config import load_ruleset
    from curate.io.readers import discover, read_shard

    rs = load_ruleset(rules_path)
    shards, _ = discover([str(corpus)])
    tables = [tb for s in shards for tb, _ in read_shard(s, rs.text_column) if tb is not None]
    rules = rs.build()
    aggs = engine.collect_batches(rs, iter(tables))
    finished = {r.name: r.finish(aggs[r.name]) for r in rules if r.needs_corpus}
    return rs, tables, rules, finished


def cpu_timed(
    fn: Callable,
    cost: MutableMapping[str, float],
    label: str,
    calls: MutableMapping[str, int] | None = None,
) -> Callable:
    """fn, adding the CPU seconds of every call to cost[label] (a Counter or defaultdict), and
    counting the calls in calls[label] when given."""

    def wrapper(*a, **k):
        t0 = time.process_time()
        try:
            return fn(*a, **k)
        finally:
            cost[label] += time.process_time() - t0
            if calls is not None:
                calls[label] += 1

    return wrapper
