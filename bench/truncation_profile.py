"""cProfile of `truncated-text`'s evaluate (and collect) on the batches of a real run, including
the work on the rule's own threads (regex_thread), which a profile of the calling thread does not
see.

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/truncation_profile.py \
        bench/_work/web-20k.jsonl [--rules bench/every.yaml] [--reps 2] [--sort tottime] [--top 50]

The batches are those the rule sees in a run (bench/rule_cpu.py's way). Each thread the rule
runs on gets a profiler of its own (one profiler cannot follow two threads); their statistics are
added up. Also prints the least CPU time of evaluate over --reps unprofiled repetitions.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import os
import pstats
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

from prepared import prepared  # noqa: E402
from rule_cpu import _restore, batches_seen  # noqa: E402

from curate.checks import truncation  # noqa: E402

RULE = "truncated-text"


@contextlib.contextmanager
def own_threads_profiled(*modules):
    """Profile, a cProfile per thread key, what the rules of `modules` run on their own threads
    (their `run_in_own_thread`, wrapped while the block runs): yields the profilers by key."""
    profilers: dict[str, cProfile.Profile] = {}
    plain = modules[0].run_in_own_thread

    def profiled(key, fn, *a):
        prof = profilers.setdefault(key, cProfile.Profile())

        def run(*b):
            prof.enable()
            try:
                return fn(*b)
            finally:
                prof.disable()

        return plain(key, run, *a)

    for m in modules:
        m.run_in_own_thread = profiled
    try:
        yield profilers
    finally:
        for m in modules:
            m.run_in_own_thread = plain


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--rules", default=str(Path(__file__).parent / "every.yaml"))
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--sort", default="tottime")
    ap.add_argument("--top", type=int, default=50)
    ap.add_argument("--collect", action="store_true", help="profile collect() too")
    ap.add_argument("--dump", help="write the statistics to this file")
    args = ap.parse_args()
    rs, tables, rules, corpus = prepared(args.corpus, args.rules)
    rule = next(r for r in rules if r.name == RULE)
    seen = batches_seen(rs, tables, rules, corpus, {RULE})[RULE]

    times = []
    for _ in range(args.reps):
        total = 0.0
        for batch, snap in seen:
            _restore(batch, snap)
            t0 = time.process_time()
            rule.evaluate(batch)
            total += time.process_time() - t0
        times.append(total)
    print(f"evaluate: least {min(times):.4f} CPU s of {args.reps} ({len(seen)} batches)")

    with own_threads_profiled(truncation) as profilers:
        for batch, snap in seen:
            _restore(batch, snap)
            rule.evaluate(batch)
    if args.collect:
        prof = profilers.setdefault("collect", cProfile.Profile())
        for batch, snap in seen:
            _restore(batch, snap)
            prof.runcall(rule.collect, batch)
    stats = None
    for prof in profilers.values():
        if stats is None:
            stats = pstats.Stats(prof)
        else:
            stats.add(prof)
    stats.sort_stats(args.sort).print_stats(args.top)
    if args.dump:
        stats.dump_stats(args.dump)


if __name__ == "__main__":
    main()
