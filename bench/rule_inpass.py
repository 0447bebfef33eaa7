"""CPU time of each rule's evaluate() inside whole steady-state passes of its rule set, one core.

    POLARS_MAX_THREADS=1 PYTHONPATH=<tree> /work/main/.venv/bin/python bench/rule_inpass.py \
        bench/_work/web-unique.jsonl [--rules bench/heuristic.yaml] [--passes 7] [--docs N]

The corpus is read once; the whole set then runs as `curate run` does (corpus pass, then
`engine.process_batches`) three times to warm up, and --passes more times with a timer around
every rule's evaluate(). Unlike bench/rule_cpu.py, which re-runs one rule warm on its own, each
rule here runs between the others, as in a run: it pays for the caches they evicted. Prints the
mean per pass of each rule, the corpus pass and the batch function's own work. --docs N keeps
only the first N documents (one batch: the per-batch fixed cost).
"""

from __future__ import annotations

import argparse
import collections
import os
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

from prepared import cpu_timed  # noqa: E402

from curate import engine  # noqa: E402
from curate.config import load_ruleset  # noqa: E402
from curate.io.readers import discover, read_shard  # noqa: E402

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--rules", type=Path, default=HERE / "heuristic.yaml")
    ap.add_argument("--passes", type=int, default=7)
    ap.add_argument("--docs", type=int, default=0)
    args = ap.parse_args()
    rs = load_ruleset(args.rules)
    shards, _ = discover([str(args.corpus)])
    tables = [tb for s in shards for tb in read_shard(s, rs.text_column)]
    if args.docs:
        tables = [(tables[0][0].slice(0, args.docs), None)]
    cost: collections.Counter[str] = collections.Counter()

    def timed(rule):
        rule.evaluate = cpu_timed(rule.evaluate, cost, rule.name)
        return rule

    class Timed:  # the rule set, its rules built with timers (process_batches builds them)
        def __init__(self, ruleset):
            self._rs = ruleset

        def __getattr__(self, name):
            return getattr(self._rs, name)

        def build(self):
            return [timed(r) for r in self._rs.build()]

    timed_rs = Timed(rs)

    def one_pass():
        t = time.process_time()
        rules = [r for r in rs.build() if r.needs_corpus]
        aggs = engine.collect_batches(rs, (tb for tb, _ in tables))
        corpus = {r.name: r.finish(aggs[r.name]) for r in rules}
        cost["(corpus pass)"] += time.process_time() - t
        t = time.process_time()
        engine.process_batches(timed_rs, tables, corpus, keep_rows=True)
        cost["(second pass)"] += time.process_time() - t

    for _ in range(3):
        one_pass()
    cost.clear()
    for _ in range(args.passes):
        one_pass()
    n = args.passes
    rules = sum(v for k, v in cost.items() if not k.startswith("("))
    docs = sum(tb.num_rows for tb, _ in tables if tb is not None)
    print(f"# {args.corpus} ({docs} documents), {args.rules}, mean of {n} steady passes")
    for name, v in cost.most_common():
        if not name.startswith("(") and v / n >= 0.0005:
            print(f"{name:28s} {v / n * 1000:7.1f} ms")
    print(f"{'rules, all':28s} {rules / n * 1000:7.1f} ms")
    print(f"{'corpus pass':28s} {cost['(corpus pass)'] / n * 1000:7.1f} ms")
    own = (cost["(second pass)"] - rules) / n
    print(f"{'batch function own work':28s} {own * 1000:7.1f} ms")
    total = (cost["(corpus pass)"] + cost["(second pass)"]) / n
    print(f"{'a pass':28s} {total * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
