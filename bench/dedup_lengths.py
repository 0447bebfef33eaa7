"""duplicate-documents' collect against document length, this tree's against another tree's, in
ONE process (alternated): batches of synthetic documents (random words of a 5,000-word
vocabulary) of a few words to a few hundred. One-permutation MinHash hashes a shingle once but
fills every empty bin of a short document (densification), k permutations hash each shingle k
times: the cost moves with the length differently.

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/dedup_lengths.py \
        --base /work/wt/base10 [--docs 4000] [--rounds 5]

--base is a tree holding curate/checks/dedup.py (only that file is loaded from it): to compare
against another commit's dedup.py alone, `mkdir -p /tmp/x/curate/checks` and copy it there.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import polars as pl  # noqa: E402
from dedup_ab import load_base  # noqa: E402

from curate.checks.base import Batch  # noqa: E402

LENGTHS = ((5, 12), (10, 40), (30, 80), (60, 150), (100, 400))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, required=True)
    ap.add_argument("--docs", type=int, default=4000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    from curate.checks.dedup import DuplicateDocuments

    trees = {"base": load_base(args.base).DuplicateDocuments, "this": DuplicateDocuments}
    rng = random.Random(1)
    vocab = [f"w{i}" for i in range(5000)]
    print(f"{args.docs} documents a batch; collect CPU ms, best of {args.rounds} (alternated)")
    print("| words | base | this | change |")
    print("|---|---:|---:|---:|")
    for lo, hi in LENGTHS:
        texts = [
            " ".join(rng.choice(vocab) for _ in range(rng.randint(lo, hi)))
            for _ in range(args.docs)
        ]
        batch = Batch.from_texts(pl.Series("text", texts))
        best = {}
        for r in range(args.rounds):
            for name in trees if r % 2 == 0 else reversed(list(trees)):
                cls = trees[name]
                rule = cls(cls.Params(), "drop")
                t = time.process_time()
                rule.collect(batch)
                t = time.process_time() - t
                best[name] = min(best.get(name, t), t)
        b, n = best["base"] * 1000, best["this"] * 1000
        print(f"| {lo}-{hi} | {b:.1f} | {n:.1f} | {(n / b - 1) * 100:+.0f} % |")


if __name__ == "__main__":
    main()
