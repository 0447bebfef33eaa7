"""Near-duplicate accuracy of duplicate-documents, this tree's definition against another tree's,
on the same documents in ONE run: real texts (bench/repetition_eval.py's corpora, >= 50 words)
plus edited copies (words replaced, deleted or inserted, as repetition_eval does), many more
than repetition_eval's 400 so that a difference between two signature definitions would show.

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/dedup_eval.py \
        --base /work/wt/base10 [--copies 400] [--seed 1]

Prints, for each tree (default parameters: 14 bands x 8 rows, 5-word shingles):
1. pairs (source, copy): the share linked directly (same exact hash or a common band hash),
   per Jaccard bin of their shingle sets, against the LSH S-curve 1 - (1 - s^8)^14 summed over
   the pairs of the bin; a binomial z of observed - expected;
2. clusters: recall (copy clustered with its source) per edit level, and precision (linked pairs
   of the clusters that share a source), as repetition_eval reports them.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import polars as pl  # noqa: E402
from dedup_ab import load_base  # noqa: E402
from repetition_eval import edit_words, load_texts, shingles  # noqa: E402

from curate.checks.base import Batch  # noqa: E402

LEVELS = (0.01, 0.03, 0.05, 0.10, 0.15, 0.20, 0.30)
BINS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.01)


def run_tree(cls, texts: list[str]) -> tuple[pl.DataFrame, list[str | None], float]:
    """(collect's per-document frame sorted by line, each document's cluster, CPU s)."""
    rule = cls(cls.Params(), "flag")
    n = len(texts)
    batch = Batch.from_texts(
        pl.Series("text", texts),
        extra=pl.DataFrame({"__file": ["eval"] * n, "__line": list(range(n))}),
    )
    t0 = time.process_time()
    agg = rule.collect(batch)
    secs = time.process_time() - t0
    fin = rule.finish(agg)
    res = rule.evaluate(Batch(batch.docs, batch.lines, {rule.name: fin}))
    size = res.signals["duplicate_cluster_size"].to_list()
    dup_of = res.signals["duplicate_of"].to_list()
    cluster = [
        d if d is not None else (f"eval:{k}" if s > 1 else None)
        for k, (d, s) in enumerate(zip(dup_of, size, strict=True))
    ]
    return agg["docs"].sort("line"), cluster, secs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, required=True)
    ap.add_argument("--copies", type=int, default=400, help="edited copies per edit level")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data", default=os.environ.get("CURATE_SHARED_DATA", "/work/shared/data"))
    args = ap.parse_args()
    from curate.checks.dedup import DuplicateDocuments

    trees = {"base": load_base(args.base).DuplicateDocuments, "this": DuplicateDocuments}
    corpus = load_texts(Path(args.data))
    bases = [t for ts in corpus.values() for t in ts if len(t.split()) >= 50]
    rng = random.Random(args.seed)
    texts = list(bases)
    src = list(range(len(bases)))
    level = [None] * len(bases)
    for lv in LEVELS:
        for _ in range(args.copies):
            i = rng.randrange(len(bases))
            texts.append(edit_words(bases[i], lv, rng))
            src.append(i)
            level.append(lv)
    copies = [k for k in range(len(texts)) if level[k] is not None]
    sh = {}

    def shingle_set(k: int) -> set[str]:
        if k not in sh:
            sh[k] = shingles(texts[k])
        return sh[k]

    jac = {}
    for k in copies:
        a, b = shingle_set(src[k]), shingle_set(k)
        jac[k] = len(a & b) / max(1, len(a | b))
    print(
        f"{len(bases)} source documents (>= 50 words), {len(copies)} edited copies "
        f"({args.copies} per edit level {', '.join(f'{lv:.0%}' for lv in LEVELS)}), "
        f"seed {args.seed}"
    )
    results = {}
    for name, cls in trees.items():
        docs, cluster, secs = run_tree(cls, texts)
        keys = ["exact", *[c for c in docs.columns if c.startswith("b") and c[1:].isdigit()]]
        rows = docs.select(keys).rows()
        linked = {
            k: any(x == y for x, y in zip(rows[k], rows[src[k]], strict=True)) for k in copies
        }
        results[name] = (linked, cluster, secs)
    r = 8
    b = 14
    print("\n1. pairs (source, copy) linked directly, per Jaccard bin of their shingles")
    print("| Jaccard | pairs | S-curve expects | " + " | ".join(f"{n} linked (z)" for n in trees))
    print("|---|---:|---:|" + "---:|" * len(trees))
    spans = [*zip(BINS[:-1], BINS[1:], strict=True), (0.5, 0.9), (0.0, 1.01)]
    for lo, hi in spans:
        ks = [k for k in copies if lo <= jac[k] < hi]
        if not ks:
            continue
        ps = [1 - (1 - jac[k] ** r) ** b for k in ks]
        exp, var = sum(ps), sum(p * (1 - p) for p in ps)
        cells = []
        for name in trees:
            got = sum(results[name][0][k] for k in ks)
            z = (got - exp) / math.sqrt(var) if var > 0 else 0.0
            cells.append(f"{got} ({z:+.1f})")
        label = f"{lo:.2f}-{min(hi, 1):.2f}" + (" (all)" if (lo, hi) in spans[-2:] else "")
        print(f"| {label} | {len(ks)} | {exp:.1f} | " + " | ".join(cells))
    print("\n2. clusters: recall per edit level, precision of linked pairs")
    for name in trees:
        linked, cluster, secs = results[name]

        def hit(k: int, cluster: list = cluster) -> bool:
            return cluster[k] is not None and cluster[k] == cluster[src[k]]

        parts = []
        for lv in LEVELS:
            ks = [k for k in copies if level[k] == lv]
            parts.append(f"{lv:.0%} {100 * sum(hit(k) for k in ks) / len(ks):.1f}")
        members: dict[str, list[int]] = {}
        for k, c in enumerate(cluster):
            if c is not None:
                members.setdefault(c, []).append(k)
        pairs = true = 0
        for ks in members.values():
            for i in range(len(ks)):
                for j in range(i + 1, len(ks)):
                    pairs += 1
                    true += src[ks[i]] == src[ks[j]]
        mixed = sum(1 for ks in members.values() if len({src[k] for k in ks}) > 1)
        print(
            f"  {name}: recall % at edit {', '.join(parts)}; linked pairs {pairs}, same source "
            f"{true} (precision {100 * true / max(pairs, 1):.2f} %), clusters joining unrelated "
            f"documents {mixed}; collect {secs:.2f} CPU s"
        )


if __name__ == "__main__":
    main()
