"""The quality family of two code trees inside whole steady passes, in ONE process, passes
alternating between the trees: paired figures that also see what repeated calls on one batch
hide (polars' regex cache, which the run's other rules fill between two batches; memory reuse).

    POLARS_MAX_THREADS=1 PYTHONPATH=/work/wt/words16 /work/main/.venv/bin/python \\
        bench/words16_inpass_ab.py bench/_work/web-unique.jsonl --base /work/wt/base10 \\
        [--rules bench/every.yaml] [--pairs 6] [--batches N]

`PYTHONPATH`'s tree is imported as `curate`; the other tree's curate/checks/words.py and
quality.py are loaded beside it (bench/words14_ab.py's `_load_base`), and its quality rules are
twins of ours (same parameters and actions). Each pass runs the corpus pass and
`engine.process_batches` over every batch with the rule set, its quality rules from one tree
(the other rules are this tree's), a timer around each rule's evaluate. Three warm-up passes
per tree, then --pairs pairs of passes (order alternating). Prints per pair the family's ms per
pass in each tree, then per rule the median over pairs and the median paired difference.
"""

from __future__ import annotations

import argparse
import collections
import copy
import os
import statistics
import sys
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from prepared import cpu_timed, prepared  # noqa: E402
from words14_ab import _load_base  # noqa: E402

from curate import engine  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--base", type=Path, required=True)
    ap.add_argument("--rules", default=str(HERE / "every.yaml"))
    ap.add_argument("--pairs", type=int, default=6)
    ap.add_argument("--batches", type=int, default=0)
    args = ap.parse_args()
    quality_base = _load_base(args.base)
    rs, tables, built, _ = prepared(args.corpus, args.rules)
    if args.batches:
        tables = tables[: args.batches]
    family = [r.name for r in built if r.family == "quality"]
    cost: collections.Counter[str] = collections.Counter()

    def timed(rule):
        rule.evaluate = cpu_timed(rule.evaluate, cost, rule.name)
        return rule

    sets = {"tree": [], "base": []}
    for r in built:
        t = copy.copy(r)
        if r.family == "quality":
            t.__class__ = getattr(quality_base, type(r).__name__)
        sets["tree"].append(timed(r))
        sets["base"].append(timed(t))

    class Built:  # the rule set, its rules those of one tree
        def __init__(self, rules):
            self._rules = rules

        def __getattr__(self, name):
            return getattr(rs, name)

        def build(self):
            return self._rules

    def one_pass(tree: str) -> dict[str, float]:
        cost.clear()
        rules = [r for r in sets[tree] if r.needs_corpus]
        aggs = engine.collect_batches(rs, iter(tables))
        corpus = {r.name: r.finish(aggs[r.name]) for r in rules}
        engine.process_batches(Built(sets[tree]), [(tb, None) for tb in tables], corpus, True)
        return {name: cost[name] * 1000 for name in family}

    for _ in range(3):
        one_pass("base")
        one_pass("tree")
    runs = {"base": [], "tree": []}
    for i in range(args.pairs):
        for tree in ("base", "tree") if i % 2 == 0 else ("tree", "base"):
            runs[tree].append(one_pass(tree))
        b, t = (sum(runs[x][-1].values()) for x in ("base", "tree"))
        print(f"pair {i + 1}: family base {b:7.1f}  tree {t:7.1f} ms a pass  ({t - b:+.1f})")
    print(f"# {args.corpus}, {args.rules}, {len(tables)} batches, medians of {args.pairs} pairs")
    print(f"{'ms a pass':28s} {'base':>8s} {'tree':>8s} {'paired':>8s}")
    for name in [*family, "family"]:

        def get(run, name=name):
            return sum(run.values()) if name == "family" else run[name]

        b = [get(r) for r in runs["base"]]
        t = [get(r) for r in runs["tree"]]
        if max(statistics.median(b), statistics.median(t)) < 0.05:
            continue
        d = statistics.median([y - x for x, y in zip(b, t, strict=True)])
        print(f"{name:28s} {statistics.median(b):8.1f} {statistics.median(t):8.1f} {d:+8.1f}")


if __name__ == "__main__":
    main()
