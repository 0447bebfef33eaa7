"""Why duplicate-documents' signals differ between two compare_signals.py dumps (a change of the
signature's definition): which documents changed, and how similar each is to the documents that
decided it, as the Jaccard similarity of their 5-word shingle sets.

    PYTHONPATH=. /work/main/.venv/bin/python bench/dedup_parity_why.py \
        bench/_work/web-20k.jsonl /tmp/lead/parity/base-web-20k-every.parquet /tmp/me/b.parquet

For every document whose `fired` flag changed: the tree that flags it, its largest Jaccard
similarity with another document of the cluster there and with any document of its cluster in
the other tree, and the link that differs: the best Jaccard between the documents both trees put
with it and those only one does (a cluster that split or merged changes its first document, the
one kept). A histogram of those links: a link on the S-curve's slope (0.5-0.85) is a coin flip
for any choice of hash functions. Also counts the documents whose cluster (members) changed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import polars as pl

from curate.checks.dedup import _normalised

R = "duplicate-documents"


def clusters(dump: pl.DataFrame) -> dict[int, frozenset[int]]:
    """Each clustered document's cluster (its members' positions)."""
    dup_of = dump[f"{R}:duplicate_of"].to_list()
    size = dump[f"{R}:duplicate_cluster_size"].to_list()
    key = {}
    for d, (of, n) in enumerate(zip(dup_of, size, strict=True)):
        if of is not None:
            key[d] = int(of.rsplit(":", 1)[1]) - 1  # line (1-based) of the kept document
        elif n > 1:
            key[d] = d
    members: dict[int, set[int]] = {}
    for d, k in key.items():
        members.setdefault(k, set()).add(d)
    return {d: frozenset(members[k]) for d, k in key.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("a", type=Path)
    ap.add_argument("b", type=Path)
    args = ap.parse_args()
    texts = pl.read_ndjson(args.corpus).get_column("text")
    words = _normalised(texts).str.split(" ").to_list()
    sh: dict[int, set] = {}

    def shingles(d: int) -> set:
        if d not in sh:
            w = words[d] or []
            sh[d] = {tuple(w[i : i + 5]) for i in range(len(w) - 4)} or {tuple(w)}
        return sh[d]

    def jac(x: int, y: int) -> float:
        a, b = shingles(x), shingles(y)
        return len(a & b) / max(1, len(a | b))

    A = pl.read_parquet(args.a).sort("doc")
    B = pl.read_parquet(args.b).sort("doc")
    ca, cb = clusters(A), clusters(B)
    fa, fb = A[f"{R}:fired"].to_list(), B[f"{R}:fired"].to_list()
    changed = [d for d in range(len(fa)) if fa[d] != fb[d]]
    moved = sum(1 for d in set(ca) | set(cb) if ca.get(d) != cb.get(d))
    print(
        f"{args.corpus.name}: {len(fa)} documents; clustered A {len(ca)}, B {len(cb)}; "
        f"cluster (members) changed for {moved}; fired changed for {len(changed)} "
        f"(A only {sum(fa[d] for d in changed)}, B only {sum(fb[d] for d in changed)})"
    )
    bins = (0.0, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 1.01)
    hist = dict.fromkeys(zip(bins[:-1], bins[1:], strict=True), 0)
    bridges: dict = {}
    for d in changed:
        side, mine, other = ("A", ca, cb) if fa[d] else ("B", cb, ca)
        best = max((jac(d, e) for e in mine.get(d, ()) if e != d), default=0.0)
        there = max((jac(d, e) for e in other.get(d, ()) if e != d), default=0.0)
        words_n = len(words[d] or [])
        role = "kept (first of its cluster)" if d in other else "unique"
        # the link one tree has and the other lacks: the best Jaccard between the documents
        # both trees put with d and those only one of them does
        both = mine.get(d, frozenset()) & other.get(d, frozenset({d}))
        only = mine.get(d, frozenset()) ^ other.get(d, frozenset({d}))
        key = (both, only)
        if key not in bridges:
            bridges[key] = max((jac(x, y) for x in both for y in only), default=best)
        link = bridges[key]
        print(
            f"  doc {d}: fired in {side} only, {role} in the other; {words_n} words; best "
            f"Jaccard in its {side} cluster {best:.2f} ({len(mine.get(d, ()))} members), in the "
            f"other tree's {there:.2f} ({len(other.get(d, ()))} members); the link that differs "
            f"{link:.2f}"
        )
        for lo, hi in hist:
            if lo <= link < hi:
                hist[(lo, hi)] += 1
    print(
        "the differing link's Jaccard, per changed document: "
        + ", ".join(f"{lo:.2f}-{min(hi, 1):.2f}: {n}" for (lo, hi), n in hist.items())
    )


if __name__ == "__main__":
    main()
