"""CPU seconds of chosen rules' evaluate(), each on the very batches it sees in a real run.

    POLARS_MAX_THREADS=1 PYTHONPATH=<tree> /work/main/.venv/bin/python bench/rule_cpu.py \
        bench/_work/web-20k.jsonl --rules rules/default.yaml [--only repeated-paragraphs] \
        [--reps 3] [--profile NAME]

The rule set runs once as `curate run` does (corpus pass, then `pipeline.process_batch` per batch,
strip actions composing in order), keeping each rule's input batch and the batch's memo (shared
tokens, distinct lines) as they were when the rule was called. Then each rule's evaluate() runs
again on those batches, `--reps` times, with the memo put back before every call, and the least
CPU time of the repetitions is printed: less noisy on a shared machine than one whole run
(bench/profile_rules.py), and the figure compares like with like when two trees run alternately.
A rule that computes a shared value (the first quality rule splits the words) is charged for it,
as in profile_rules; the quality family's shared statistics are timed apart ("quality stats").
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import os
import pstats
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import polars as pl  # noqa: E402
from prepared import cpu_timed, prepared  # noqa: E402

from curate import pipeline  # noqa: E402
from curate.checks import quality  # noqa: E402

HERE = Path(__file__).resolve().parent


def _snapshot(batch) -> tuple:
    # lists in the memo are appended to (the stop-word answers): copy them
    memo = {k: (list(v) if isinstance(v, list) else v) for k, v in batch._memo.items()}
    return memo, dict(batch._follow), dict(batch._carried), dict(batch.signals), batch.later


def _restore(batch, snap: tuple) -> None:
    memo, follow, carried, signals, later = snap
    batch._memo = {k: (list(v) if isinstance(v, list) else v) for k, v in memo.items()}
    batch._follow, batch._carried = dict(follow), dict(carried)
    batch.signals, batch.later = dict(signals), later


def batches_seen(rs, tables: list, rules: list, corpus: dict, names) -> dict[str, list[tuple]]:
    """Run the rule set once over `tables` as a run does (`pipeline.process_batch` per batch) and
    keep, for each rule named in `names`, every batch it was handed with its memo as it was then
    (`_snapshot`; `_restore` puts it back before a timed call). The rules' evaluate is theirs
    again afterwards."""
    seen: dict[str, list[tuple]] = {r.name: [] for r in rules if r.name in names}
    for r in rules:
        if r.name in seen:

            def keep(batch, _ev=r.evaluate, _name=r.name):
                seen[_name].append((batch, _snapshot(batch)))
                return _ev(batch)

            r.evaluate = keep
    try:
        for tb in tables:
            pipeline.process_batch(rules, pl.from_arrow(tb), rs.text_column, corpus, rs.id_column)
    finally:
        for r in rules:
            if r.name in seen:
                del r.evaluate  # the instance's wrapper: the class's method again
    return seen


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--rules", default=str(HERE / "heuristic.yaml"))
    ap.add_argument("--only", default="", help="comma-separated rule names (default: all)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--profile", default="", help="a rule to run once more under cProfile")
    args = ap.parse_args()
    rs, tables, rules, corpus = prepared(args.corpus, args.rules)
    only = set(args.only.split(",")) if args.only else {r.name for r in rules}

    seen = batches_seen(rs, tables, rules, corpus, only)
    real = {r.name: r.evaluate for r in rules if r.name in only}

    shared = collections.Counter()
    quality._stats = cpu_timed(quality._stats, shared, "stats")
    for name, evaluate in real.items():
        times = []
        for _ in range(args.reps):
            total, before = 0.0, shared["stats"]
            for batch, snap in seen[name]:
                _restore(batch, snap)
                t0 = time.process_time()
                evaluate(batch)
                total += time.process_time() - t0
            times.append(total - (shared["stats"] - before))
        print(f"{name:28s} {min(times):.3f}")
        if name == args.profile:
            prof = cProfile.Profile()
            for batch, snap in seen[name]:
                _restore(batch, snap)
                prof.runcall(evaluate, batch)
            pstats.Stats(prof).sort_stats("cumulative").print_stats(40)
    print(f"{'quality stats':28s} {shared['stats'] / args.reps:.3f} (per repetition, all rules)")


if __name__ == "__main__":
    main()
