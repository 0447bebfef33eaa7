"""CPU time of `truncated-text` per batch on small batches (its fixed cost per batch), warm and
alone, with an optional profile: evaluate, collect and finish.

    POLARS_MAX_THREADS=1 PYTHONPATH=<tree> /work/main/.venv/bin/python bench/truncation_fixed.py \
        bench/_work/web-unique.jsonl [--docs 1] [--reps 200] [--profile] [--count]

The first --docs documents make one batch (Batch.from_texts); the rule (default parameters) runs
collect and finish on it once, then evaluate --reps times after a warm-up. --profile runs
evaluate under cProfile on the calling thread (OWN_THREAD off: cProfile sees one thread) and
prints the top functions; --count counts the polars calls of one evaluate (pl.lit, expression
methods, collect).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import polars as pl  # noqa: E402

from curate.checks import truncation  # noqa: E402
from curate.checks.base import Batch  # noqa: E402
from curate.checks.truncation import TruncatedText  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--docs", type=int, default=1)
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--count", action="store_true")
    args = ap.parse_args()
    texts = pl.read_ndjson(args.corpus).get_column("text").head(args.docs)
    rule = TruncatedText(TruncatedText.Params(), "flag")
    cbatch = Batch.for_corpus(texts)
    for _ in range(5):
        rule.finish(rule.collect(cbatch))
    t = time.process_time()
    for _ in range(args.reps):
        agg = rule.collect(cbatch)
    t_collect = (time.process_time() - t) / args.reps
    t = time.process_time()
    for _ in range(args.reps):
        finished = rule.finish(agg)
    t_finish = (time.process_time() - t) / args.reps
    batch = Batch.from_texts(texts, corpus={rule.name: finished})
    for _ in range(10):
        rule.evaluate(batch)
    t = time.process_time()
    for _ in range(args.reps):
        rule.evaluate(batch)
    t_eval = (time.process_time() - t) / args.reps
    print(
        f"{args.docs} docs: evaluate {t_eval * 1000:.2f} ms, collect {t_collect * 1000:.2f} ms, "
        f"finish {t_finish * 1000:.3f} ms (mean of {args.reps})"
    )
    if args.count:
        count(rule, batch)
    if args.profile:
        profile(rule, batch, args.reps)


def profile(rule: TruncatedText, batch: Batch, reps: int) -> None:
    """evaluate under cProfile on the threads it runs on (a profiler per thread: the rule's
    regexes stay on their threads' caches), the threads' statistics added up."""
    from curate.checks.regex_thread import run_in_own_thread

    keys = [rule.name, f"{rule.name}/lines"]
    profs = {k: cProfile.Profile() for k in keys}
    for k in keys:
        run_in_own_thread(k, profs[k].enable)
    for _ in range(reps):
        rule.evaluate(batch)
    for k in keys:
        run_in_own_thread(k, profs[k].disable)
    st = pstats.Stats(profs[keys[0]])
    st.add(profs[keys[1]])
    st.sort_stats("tottime").print_stats(30)
    st.sort_stats("cumulative").print_stats(70)


def count(rule: TruncatedText, batch: Batch) -> None:
    """The polars calls of one evaluate on the calling thread."""
    truncation.OWN_THREAD = False
    prof = cProfile.Profile()
    prof.enable()
    rule.evaluate(batch)
    prof.disable()
    st = pstats.Stats(prof)
    rows = []
    for (file, _line, fn), (cc, _nc, _tt, _ct, _callers) in st.stats.items():
        if "polars" in file and "/_" not in file.split("polars")[-1][:2]:
            rows.append((cc, fn, file.split("site-packages/")[-1]))
    for cc, fn, file in sorted(rows, reverse=True)[:25]:
        print(f"{cc:6d} {fn} ({file})")
    lit = sum(cc for (f, _, fn), (cc, *_r) in st.stats.items() if fn == "lit" and "polars" in f)
    collect = sum(
        cc for (f, _, fn), (cc, *_r) in st.stats.items() if fn == "collect" and "polars" in f
    )
    parse = sum(
        cc
        for (f, _, fn), (cc, *_r) in st.stats.items()
        if fn == "parse_into_expression" and "polars" in f
    )
    print(f"pl.lit {lit}, parse_into_expression {parse}, collect {collect}")
    truncation.OWN_THREAD = True


if __name__ == "__main__":
    main()
