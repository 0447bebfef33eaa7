"""boilerplate-lines (or repeated-paragraphs) of two code trees, each INSIDE whole steady passes
of the rule set, in ONE process: passes alternate between this tree's rule and the base tree's
(bench/bp_ab.py's loader), so that both pay what the other rules do to the caches, and a loaded
machine disturbs both alike.

    POLARS_MAX_THREADS=1 PYTHONPATH=<tree B> /work/main/.venv/bin/python bench/bp_inpass_ab.py \
        bench/_work/web-unique.jsonl --base /work/wt/base9 [--rule repeated-paragraphs] \
        [--rules bench/heuristic.yaml] [--rounds 11]

Each round runs one pass with the base rule in the set and one with this tree's (order
alternating), timing the rule's evaluate() and, for boilerplate-lines, its collect() in the
corpus pass. Prints min and median per pass and the median of the per-round ratios B/A.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

from bp_ab import RULES, _base_class  # noqa: E402

from curate import engine  # noqa: E402
from curate.checks.base import Batch, clear_run_caches  # noqa: E402
from curate.config import load_ruleset  # noqa: E402
from curate.io.readers import discover, read_shard  # noqa: E402

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--base", type=Path, required=True)
    ap.add_argument("--rules", type=Path, default=HERE / "heuristic.yaml")
    ap.add_argument("--rule", default="boilerplate-lines", choices=sorted(RULES))
    ap.add_argument("--rounds", type=int, default=11)
    args = ap.parse_args()
    import polars as pl

    name = args.rule
    rs = load_ruleset(args.rules)
    shards, _ = discover([str(args.corpus)])
    tables = [tb for s in shards for tb in read_shard(s, rs.text_column)]
    mine0 = next(r for r in rs.build() if r.name == name)
    base_cls = _base_class(args.base, name)
    cost = {"A": [0.0, 0.0], "B": [0.0, 0.0]}  # evaluate, collect

    class Variant:
        def __init__(self, which: str):
            self.which = which

        def __getattr__(self, attr):
            return getattr(rs, attr)

        def rule(self, r):
            if r.name != name:
                return r
            if self.which == "A":
                r = base_cls(mine0.params, mine0.action)
            evaluate = r.evaluate
            acc = cost[self.which]

            def timed(batch):
                if self.which == "A":
                    batch.corpus[r.name] = batch.corpus.get(name)
                t = time.process_time()
                try:
                    return evaluate(batch)
                finally:
                    acc[0] += time.process_time() - t

            r.evaluate = timed
            return r

        def build(self):
            return [self.rule(r) for r in rs.build()]

    variants = {w: Variant(w) for w in "AB"}

    def one_pass(which: str):
        # each pass as a run of its own: the run's caches (boilerplate's memo of lines met in
        # earlier batches) start empty, as engine.run leaves them
        clear_run_caches()
        v = variants[which]
        rules = [r for r in v.build() if r.needs_corpus]
        aggs = {r.name: None for r in rules}
        for tb, _ in tables:
            df = pl.from_arrow(tb)
            batch = Batch.for_corpus(df.get_column(rs.text_column), extra=df.drop(rs.text_column))
            for r in rules:
                t = time.process_time()
                a = r.collect(batch)
                if r.name.startswith(name):
                    cost[which][1] += time.process_time() - t
                aggs[r.name] = r.merge(aggs[r.name], a)
        corpus = {r.name.removesuffix("-base"): r.finish(aggs[r.name]) for r in rules}
        engine.process_batches(v, tables, corpus, keep_rows=True)

    for w in "ABAB":
        one_pass(w)
    runs = {"A": [], "B": []}
    for i in range(args.rounds):
        for w in "AB" if i % 2 == 0 else "BA":
            cost[w] = [0.0, 0.0]
            one_pass(w)
            runs[w].append(tuple(cost[w]))

    def med(v: list) -> float:
        return sorted(v)[len(v) // 2]

    print(f"{name} inside {args.rules.name} passes, {args.corpus.name}, CPU ms per pass")
    for k, label in ((0, "evaluate"), (1, "collect")):
        a = [x[k] for x in runs["A"]]
        b = [x[k] for x in runs["B"]]
        if not any(a):
            continue
        ratio = [y / x for x, y in zip(a, b, strict=True)]
        print(
            f"{label:9s} base min {min(a) * 1e3:6.1f} med {med(a) * 1e3:6.1f} | "
            f"this min {min(b) * 1e3:6.1f} med {med(b) * 1e3:6.1f} | ratio med {med(ratio):.3f}"
        )


if __name__ == "__main__":
    main()
