"""CPU seconds of `truncated-text` inside whole steady passes of a rule set (corpus collect, then
every batch through the pipeline, as /tmp/lead6/steady.py runs them): the rule's share as the
other rules leave polars' regex caches and the CPU's caches, where bench/rule_cpu.py times it
warm and alone.

    PYTHONPATH=<tree> /work/main/.venv/bin/python bench/truncation_inpass.py \
        bench/_work/web-unique.jsonl [--rules bench/heuristic.yaml] [--passes 7] \
        [--base /work/wt/base7/curate/checks/truncation.py]

Prints the median over --passes steady passes (after two warm-up passes) of: the whole pass,
the rule's evaluate calls and its corpus collect calls (process_time counts every thread of the
process: the rule's own threads too). With --base, the passes alternate between this tree's rule
and the rule of the truncation.py given (its methods put on the rule's class in turn), both in
one process: the A/B least disturbed by the load of a shared machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

sys.path.insert(0, str(Path(__file__).resolve().parent))

from curate import engine  # noqa: E402
from curate.checks.truncation import TruncatedText  # noqa: E402
from curate.config import load_ruleset  # noqa: E402
from curate.io.readers import discover, read_shard  # noqa: E402

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--rules", default=str(HERE / "heuristic.yaml"))
    ap.add_argument("--passes", type=int, default=7)
    ap.add_argument("--base", help="the other tree's curate/checks/truncation.py")
    ap.add_argument(
        "--abba",
        action="store_true",
        help="the trees' passes in ABBA order (this, base, base, this, ...): otherwise this tree "
        "always runs first in a pair (session 11: its collect, unchanged code, read 1.02-1.12)",
    )
    args = ap.parse_args()
    rs = load_ruleset(Path(args.rules))
    shards, _ = discover([str(args.corpus)])
    tables = [tb for s in shards for tb in read_shard(s, rs.text_column)]
    spent = {"evaluate": 0.0, "collect": 0.0}

    def methods(cls: type) -> dict:
        """The class's functions, evaluate and collect timed into `spent`."""
        out = {k: v for k, v in vars(cls).items() if callable(v) or isinstance(v, staticmethod)}
        for name in spent:
            orig = out[name]

            def timed(self, batch, _orig=orig, _name=name):
                t0 = time.process_time()
                try:
                    return _orig(self, batch)
                finally:
                    spent[_name] += time.process_time() - t0

            out[name] = timed
        return out

    trees = {"this": methods(TruncatedText)}
    if args.base:
        from truncation_ab import load

        trees["base"] = methods(load(args.base, "_base_truncation").TruncatedText)

    def use(tree: str) -> None:
        for k, v in trees[tree].items():
            setattr(TruncatedText, k, v)

    def one_pass() -> None:
        rules = [r for r in rs.build() if r.needs_corpus]
        aggs = engine.collect_batches(rs, (tb for tb, _ in tables))
        corpus = {r.name: r.finish(aggs[r.name]) for r in rules}
        engine.process_batches(rs, tables, corpus, keep_rows=True)

    for tree in trees:
        use(tree)
        for _ in range(2):
            one_pass()
    rows: dict[str, list] = {tree: [] for tree in trees}
    for k in range(args.passes):
        for tree in list(trees)[:: -1 if args.abba and k % 2 else 1]:
            use(tree)
            for k in spent:
                spent[k] = 0.0
            t0 = time.process_time()
            one_pass()
            rows[tree].append((time.process_time() - t0, spent["evaluate"], spent["collect"]))
    for tree, got in rows.items():
        full, ev, co = (statistics.median(c) for c in zip(*got, strict=True))
        print(
            f"{tree}: full pass {full:.4f}  truncated-text evaluate {ev:.4f}  "
            f"collect {co:.4f}  (CPU s, median of {args.passes})"
        )
    if "base" in rows:
        # on a loaded machine a pair's two passes run under about the same load, where the
        # medians of each side drift apart: the median of the pairs' ratios
        ratios = [
            [t / b for t, b in zip(this, base, strict=True)]
            for this, base in zip(rows["this"], rows["base"], strict=True)
        ]
        full, ev, co = (statistics.median(c) for c in zip(*ratios, strict=True))
        print(
            f"this/base, median of the {args.passes} pairs: full pass {full:.3f}  "
            f"evaluate {ev:.3f}  collect {co:.3f}"
        )


if __name__ == "__main__":
    main()
