"""Probability that two documents become LSH candidates against their Jaccard similarity, for
duplicate-documents' signature (one-permutation MinHash with optimal densification,
`oph_signatures`) and for k independent multiply-shift permutations (the signature before
session 9), on independent synthetic pairs of shingle sets with an exact Jaccard similarity s
and n shingles each (short documents leave bins empty: n < bands x rows), against the S-curve
1 - (1 - s^rows)^bands.

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/dedup_scurve.py \
        [--pairs 2000] [--sizes 10,30,60,120,400] [--seed 1]
"""

from __future__ import annotations

import argparse
import math
import random

import numpy as np

from curate.checks.dedup import oph_signatures

BANDS, ROWS = 14, 8
K = BANDS * ROWS
SIMS = (0.3, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)


def kperm_signatures(x: np.ndarray, starts: np.ndarray, k: int, seed: int) -> np.ndarray:
    """k multiply-shift permutations, the minimum of each per document (documents x k)."""
    rng = random.Random(seed)
    perms = [(rng.getrandbits(64) | 1, rng.getrandbits(64)) for _ in range(k)]
    a = np.array([p for p, _ in perms], dtype=np.uint64)[:, None]
    b = np.array([q for _, q in perms], dtype=np.uint64)[:, None]
    out = np.empty((len(starts), k), dtype=np.uint64)
    ends = [*starts[1:], len(x)]
    for d, (lo, hi) in enumerate(zip(starts, ends, strict=True)):
        out[d] = (a * x[lo:hi] + b).min(axis=1) >> np.uint64(32)
    return out


def candidates(sig: np.ndarray) -> np.ndarray:
    """Per pair (rows 2i and 2i+1): do they share a band (all ROWS values of one band equal)?"""
    eq = sig[0::2] == sig[1::2]
    return eq.reshape(len(eq), BANDS, ROWS).all(axis=2).any(axis=1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=2000)
    ap.add_argument("--sizes", default="10,30,60,120,400")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    print(f"{args.pairs} independent pairs per cell; {BANDS} bands x {ROWS} rows")
    print("| shingles | Jaccard | S-curve | one-permutation (z) | k permutations (z) |")
    print("|---:|---:|---:|---:|---:|")
    worst = {"oph": 0.0, "kperm": 0.0}
    for n in map(int, args.sizes.split(",")):
        for s in SIMS:
            c = round(2 * n * s / (1 + s))
            s_true = c / (2 * n - c)
            xs = []
            for _ in range(args.pairs):
                u = rng.integers(0, 2**64, size=2 * n - c, dtype=np.uint64, endpoint=False)
                xs += [u[:n], np.concatenate([u[:c], u[n:]])]  # |A| = |B| = n, |A & B| = c
            x = np.concatenate(xs)
            starts = np.arange(0, len(x), n)
            p = 1 - (1 - s_true**ROWS) ** BANDS
            sd = math.sqrt(p * (1 - p) / args.pairs) or 1.0
            cells = []
            for name, fn in (("oph", oph_signatures), ("kperm", kperm_signatures)):
                got = candidates(fn(x, starts, K, args.seed)).mean()
                z = (got - p) / sd
                worst[name] = max(worst[name], abs(z))
                cells.append(f"{got:.3f} ({z:+.1f})")
            print(f"| {n} | {s_true:.3f} | {p:.3f} | " + " | ".join(cells) + " |")
    print(f"largest |z|: one-permutation {worst['oph']:.1f}, k permutations {worst['kperm']:.1f}")


if __name__ == "__main__":
    main()
