"""CPU seconds of the quality family's shared work on the first batch of a corpus, piece by piece:
the token split (words.distinct_line_tokens), the shared statistics (quality._compute_stats),
unterminated-lines' own work and no-stop-words' own work. Least of --reps repetitions.

    POLARS_MAX_THREADS=1 PYTHONPATH=<tree> /work/main/.venv/bin/python bench/words9_parts.py \
        bench/_work/web-unique.jsonl [--reps 7] [--profile split|stats|unterminated|stopwords]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

from prepared import prepared  # noqa: E402
from rule_cpu import batches_seen  # noqa: E402

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--rules", default=str(HERE / "heuristic.yaml"))
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--profile", default="")
    args = ap.parse_args()
    from curate.checks import quality, words

    rs, tables, rules, corpus = prepared(args.corpus, args.rules)
    by = {r.name: r for r in rules}

    # the first batch as unterminated-lines (the first quality rule) receives it in a run
    name = "unterminated-lines"
    batch = batches_seen(rs, tables[:1], rules, corpus, {name})[name][0][0]
    memo0 = dict(batch._memo)

    def fresh(keep_keys=()):
        batch._memo = {k: v for k, v in memo0.items() if k in keep_keys}

    lines_key = words.DISTINCT_LINES_MEMO
    tok_key = words.DISTINCT_LINE_TOKENS_MEMO
    distinct, inverse = (
        memo0[lines_key] if lines_key in memo0 else words.batch_distinct_lines(batch)
    )
    memo0 = {k: v for k, v in memo0.items() if k in (lines_key,)}
    memo0[lines_key] = (distinct, inverse)
    memo0[tok_key] = words.distinct_line_tokens(distinct, inverse)

    def split():
        words.distinct_line_tokens(distinct, inverse)

    def stats():
        fresh((lines_key, tok_key))
        quality._compute_stats(batch)

    def unterminated():
        fresh((lines_key, tok_key))
        by["unterminated-lines"].evaluate(batch)

    def stopwords():
        fresh((lines_key, tok_key))
        batch._memo["quality_stats"] = stats_frame
        by["no-stop-words"].evaluate(batch)

    fresh((lines_key, tok_key))
    stats_frame = quality._compute_stats(batch)
    parts = {"split": split, "stats": stats, "unterminated": unterminated, "stopwords": stopwords}
    for name, fn in parts.items():
        best = float("inf")
        for _ in range(args.reps):
            t0 = time.process_time()
            fn()
            best = min(best, time.process_time() - t0)
        print(f"{name:14s} {best:.4f}")
    if args.profile:
        prof = cProfile.Profile()
        for _ in range(3):
            prof.runcall(parts[args.profile])
        st = pstats.Stats(prof).sort_stats("tottime")
        st.print_stats(30)
        st.print_callers("collect|nonzero")


if __name__ == "__main__":
    main()
