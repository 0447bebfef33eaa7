"""Paired A/B of duplicate-documents' collect: this tree's and another tree's dedup module in ONE
process, alternated batch by batch, on the same batches (one core); checks the aggregates are
equal (`DataFrame.equals`) and prints the CPU time of each.

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/dedup_ab.py \
        bench/_work/web-unique.jsonl --base /work/wt/base10 [--rounds 9]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

from dedup_collect import corpus_batches  # noqa: E402


def load_base(tree: Path):
    """The other tree's curate/checks/dedup.py as a module of its own (its imports of
    curate.* resolve to this tree: the shared helpers are the same)."""
    spec = importlib.util.spec_from_file_location("base_dedup", tree / "curate/checks/dedup.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["base_dedup"] = mod
    import curate.checks as checks

    real = checks.register
    checks.register = lambda cls: cls  # don't register the rule name twice
    try:
        spec.loader.exec_module(mod)
    finally:
        checks.register = real
    return mod


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--base", type=Path, required=True)
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument(
        "--other-values",
        action="store_true",
        help="the trees define different signatures: compare CPU time only, not the aggregates",
    )
    args = ap.parse_args()
    from curate.checks.dedup import DuplicateDocuments

    B = load_base(args.base).DuplicateDocuments
    base = B(B.Params(), "drop")
    new = DuplicateDocuments(DuplicateDocuments.Params(), "drop")
    batches = corpus_batches(args.corpus)
    times = {"base": [], "new": []}
    for r in range(args.rounds):
        pair = [("base", base), ("new", new)] if r % 2 == 0 else [("new", new), ("base", base)]
        aggs = {}
        for name, rule in pair:
            t = time.process_time()
            agg = None
            for b in batches:
                agg = rule.merge(agg, rule.collect(b))
            times[name].append(time.process_time() - t)
            aggs[name] = agg
        assert aggs["base"]["files"] == aggs["new"]["files"]
        same = aggs["base"]["docs"].equals(aggs["new"]["docs"])
        assert same or args.other_values, "aggregates differ"
    med = {k: sorted(v)[len(v) // 2] for k, v in times.items()}
    print(
        f"{args.corpus.name}: {sum(b.docs.height for b in batches)} docs, {len(batches)} batches, "
        f"{args.rounds} rounds; aggregates {'equal' if same else 'differ'}; "
        f"collect CPU s median base {med['base']:.4f} "
        f"new {med['new']:.4f} ({(med['new'] / med['base'] - 1) * 100:+.1f} %); "
        f"min base {min(times['base']):.4f} new {min(times['new']):.4f}"
    )


if __name__ == "__main__":
    main()
