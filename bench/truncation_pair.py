"""CPU time of `truncated-text`'s evaluate and collect, this tree's module against another's, in
ONE process, paired batch by batch in ABBA order, with the token counts evaluate takes from
collect in a run put back before each evaluate (as a run's pass 2 finds them).

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/truncation_pair.py \
        bench/_work/web-20k.jsonl --base /work/wt/base15/curate/checks/truncation.py \
        [--rounds 9] [--batches 0]

Each tree's rule (default parameters) runs its own corpus pass; then per round and batch both
trees' evaluate run on the batch (the order alternating: ABBA over batches and rounds), and
both trees' collect on the corpus pass's batch. Prints, per tree, the median over the rounds of
the CPU seconds of all batches (evaluate, collect) and the median of the rounds' paired ratios
(this / base). bench/truncation_ab.py --rules times evaluate inside a rule set, where neither
tree's evaluate finds the counts (both count the tokens again).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import polars as pl  # noqa: E402
from truncation_ab import load  # noqa: E402  (a tree's truncation module, unregistered)

from curate.checks.base import Batch  # noqa: E402
from curate.io.readers import discover, read_shard  # noqa: E402

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--base", required=True, help="the other tree's curate/checks/truncation.py")
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--batches", type=int, default=0, help="the first N batches only (0: all)")
    args = ap.parse_args()
    modules = {
        "this": load(str(HERE.parent / "curate" / "checks" / "truncation.py"), "trunc_this"),
        "base": load(args.base, "trunc_base"),
    }
    shards, _ = discover([str(args.corpus)])
    texts = [
        pl.from_arrow(tb).get_column("text").cast(pl.String)
        for s in shards
        for tb, _ in read_shard(s, "text")
        if tb is not None
    ]
    if args.batches:
        texts = texts[: args.batches]
    rules, corpus, kept = {}, {}, {}
    for key, m in modules.items():
        rule = m.TruncatedText(m.TruncatedText.Params(), "flag")
        agg = None
        for t in texts:
            agg = rule.merge(agg, rule.collect(Batch.for_corpus(t)))
        corpus[key] = {rule.name: rule.finish(agg)}
        # what collect keeps per batch for evaluate (the module's _SHARED, after the pass)
        kept[key] = dict(m._SHARED)
        rules[key] = rule
    batches = {key: [Batch.from_texts(t, corpus=corpus[key]) for t in texts] for key in modules}
    for_corpus = [Batch.for_corpus(t) for t in texts]
    spent = {(key, part): [] for key in modules for part in ("evaluate", "collect")}
    for r in range(args.rounds + 1):
        total = {k: 0.0 for k in spent}
        for i in range(len(texts)):
            order = ("this", "base") if (r + i) % 2 == 0 else ("base", "this")
            for key in order + order[::-1]:
                m, rule = modules[key], rules[key]
                m._SHARED.update(kept[key])  # (untimed: as a run's corpus pass leaves them)
                t0 = time.process_time()
                rule.evaluate(batches[key][i])
                t1 = time.process_time()
                rule.collect(for_corpus[i])
                t2 = time.process_time()
                total[(key, "evaluate")] += (t1 - t0) / 2
                total[(key, "collect")] += (t2 - t1) / 2
        if r:  # (the first round warms up)
            for k, v in total.items():
                spent[k].append(v)
    for part in ("evaluate", "collect"):
        this, base = spent[("this", part)], spent[("base", part)]
        ratio = statistics.median(a / b for a, b in zip(this, base, strict=True))
        print(
            f"{part:9s} this {statistics.median(this):.4f}  base {statistics.median(base):.4f}"
            f" CPU s (median of {args.rounds} rounds, {len(texts)} batches);"
            f" paired this/base median {ratio:.3f}"
        )


if __name__ == "__main__":
    main()
