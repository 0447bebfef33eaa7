"""Paired A/B of duplicate-documents' corpus pass (collect, merge, finish) and main pass
(evaluate): this tree's dedup module and another tree's in ONE process, alternated round by
round on the same batches (one core); checks the aggregates, finished clusters and signals are
equal and prints the CPU time of each.

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/dedup_pair.py \
        bench/_work/web-unique.jsonl --base /work/wt/base14 [--rounds 21] [--heap fresh]

--heap warm (the default) first allocates and frees 30 MB through numpy, as a real run's larger
buffers do: glibc then raises its mmap threshold to its 32 MiB maximum and reuses freed heap
instead of returning it, so a batch's temporaries are not fresh pages every time (a 200k-document
every-rule run: ~850 page faults a dedup collect; a fresh bench process: ~3,400). --heap fresh
leaves glibc's defaults (bench/dedup_ab.py's condition).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import numpy as np  # noqa: E402
from dedup_ab import load_base  # noqa: E402
from dedup_collect import corpus_batches  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--base", type=Path, required=True)
    ap.add_argument("--rounds", type=int, default=21)
    ap.add_argument("--heap", choices=["warm", "fresh"], default="warm")
    args = ap.parse_args()
    if args.heap == "warm":
        big = np.ones(30_000_000, dtype=np.uint8)
        del big
    from curate.checks.dedup import DuplicateDocuments

    B = load_base(args.base).DuplicateDocuments
    new = DuplicateDocuments(DuplicateDocuments.Params(), "drop")
    rules = {"base": B(B.Params(), "drop"), "new": new}
    batches = corpus_batches(args.corpus)
    steps = ("collect", "merge", "finish", "evaluate")
    times = {(t, s): [] for t in rules for s in steps}
    for r in range(args.rounds):
        order = ["base", "new"] if r % 2 == 0 else ["new", "base"]
        out = {}
        for name in order:
            rule = rules[name]
            spent = dict.fromkeys(steps, 0.0)
            agg = None
            for b in batches:
                t = time.process_time()
                part = rule.collect(b)
                t1 = time.process_time()
                agg = rule.merge(agg, part)
                spent["collect"] += t1 - t
                spent["merge"] += time.process_time() - t1
            t = time.process_time()
            fin = rule.finish(agg)
            spent["finish"] += time.process_time() - t
            signals = []
            for b in batches:
                b.corpus = {rule.name: fin}
                t = time.process_time()
                res = rule.evaluate(b)
                spent["evaluate"] += time.process_time() - t
                signals.append(res)
            for s in steps:
                times[(name, s)].append(spent[s])
            out[name] = (agg, fin, signals)
        (ab, fb, sb), (an, fn, sn) = out["base"], out["new"]
        assert ab["files"] == an["files"] and ab["docs"].equals(an["docs"])
        assert ab["docs"].schema == an["docs"].schema
        assert fb.equals(fn) and fb.schema == fn.schema
        for x, y in zip(sb, sn, strict=True):
            assert x.fired.equals(y.fired)
            assert all(x.signals[k].equals(y.signals[k]) for k in x.signals)
    n = len(batches)
    print(
        f"{args.corpus.name}: {sum(b.docs.height for b in batches)} docs, {n} batches, "
        f"{args.rounds} rounds, heap {args.heap}; aggregates, clusters and signals equal"
    )
    for s in steps:
        mb = sorted(times[("base", s)])[args.rounds // 2]
        mn = sorted(times[("new", s)])[args.rounds // 2]
        print(
            f"  {s:8s} median base {mb * 1000:8.2f} ms  new {mn * 1000:8.2f} ms "
            f"({(mn / mb - 1) * 100:+6.1f} %)   min base {min(times[('base', s)]) * 1000:8.2f} "
            f"new {min(times[('new', s)]) * 1000:8.2f}"
        )


if __name__ == "__main__":
    main()
