"""CPU seconds of each part of `repeated-paragraphs` (the functions of curate/checks/repetition.py),
on the very batches the rule sees in a real run, as bench/rule_cpu.py times the whole rule.

    POLARS_MAX_THREADS=1 PYTHONPATH=<tree> /work/main/.venv/bin/python bench/repetition_parts.py \
        bench/_work/web-unique.jsonl [--rules bench/heuristic.yaml] [--reps 5]

Each function is wrapped to add its CPU time to a counter (a function called by another is
counted in both); the repetition with the least total is printed. Run two trees alternately to
compare like with like on a shared machine.
"""

from __future__ import annotations

import argparse
import collections
import os
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

from prepared import cpu_timed, prepared  # noqa: E402
from rule_cpu import _restore, batches_seen  # noqa: E402

from curate.checks import repetition  # noqa: E402

HERE = Path(__file__).resolve().parent
PARTS = (
    "line_words",
    "token_line_words",
    "line_repeats",
    "ngrams_from_lines",
    "ngram_numerators",
    "_pair_groups",
    "_sorted_runs",
    "_checked",
    "_repeat_groups",
    "_candidate_repeats",
    "_spread",
    "_letter_fingerprints",
    "token_fingerprints",
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--rules", default=str(HERE / "heuristic.yaml"))
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    rs, tables, rules, corpus = prepared(args.corpus, args.rules)
    rule = next(r for r in rules if r.name == "repeated-paragraphs")
    seen = batches_seen(rs, tables, rules, corpus, {rule.name})[rule.name]
    evaluate = rule.evaluate
    cost: collections.Counter = collections.Counter()
    for name in PARTS:
        if hasattr(repetition, name):
            setattr(repetition, name, cpu_timed(getattr(repetition, name), cost, name))
    best: dict[str, float] = {}
    for _ in range(args.reps):
        cost.clear()
        total = 0.0
        for batch, snap in seen:
            _restore(batch, snap)
            t0 = time.process_time()
            evaluate(batch)
            total += time.process_time() - t0
        if not best or total < best["repeated-paragraphs"]:
            best = {"repeated-paragraphs": total, **cost}
    for name, seconds in sorted(best.items(), key=lambda kv: -kv[1]):
        print(f"{name:28s} {seconds:.4f}")


if __name__ == "__main__":
    main()
