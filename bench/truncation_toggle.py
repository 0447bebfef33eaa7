"""CPU time of `truncated-text`'s evaluate with one of its module flags on and off, in turn, in
one process: the A/B of a fast path against its plain definition on the batches a rule set's run
hands the rule (bench/rule_cpu.py's way), least disturbed by a shared machine's load.

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/truncation_toggle.py \
        bench/_work/web-unique.jsonl FAST_VERDICTS [--rules bench/every.yaml] [--rounds 31]

Prints the least CPU time of evaluate over all batches with the flag on and off (ms) and the
median of the rounds' on/off ratios (a round's two runs see about the same load).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

sys.path.insert(0, str(Path(__file__).resolve().parent))

from prepared import prepared  # noqa: E402
from rule_cpu import batches_seen  # noqa: E402

from curate.checks import truncation  # noqa: E402

RULE = "truncated-text"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("flag", help="a module flag of curate/checks/truncation.py")
    ap.add_argument("--rules", default=str(Path(__file__).parent / "every.yaml"))
    ap.add_argument("--rounds", type=int, default=15)
    args = ap.parse_args()
    if not isinstance(getattr(truncation, args.flag, None), bool):
        raise SystemExit(f"{args.flag} is not a flag of curate/checks/truncation.py")
    rs, tables, rules, corpus = prepared(args.corpus, args.rules)
    rule = next(r for r in rules if r.name == RULE)
    seen = [batch for batch, _ in batches_seen(rs, tables, rules, corpus, {RULE})[RULE]]
    spent: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(args.rounds + 1):
        for value in (True, False):
            setattr(truncation, args.flag, value)
            t0 = time.process_time()
            for batch in seen:
                rule.evaluate(batch)
            spent[value].append(time.process_time() - t0)
    on, off = spent[True][1:], spent[False][1:]  # the first round warms up
    ratio = statistics.median(a / b for a, b in zip(on, off, strict=True))
    print(
        f"{args.flag} ({len(seen)} batches): on {min(on) * 1000:.1f} ms, off "
        f"{min(off) * 1000:.1f} ms (least of {args.rounds}); on/off median {ratio:.3f}"
    )


if __name__ == "__main__":
    main()
