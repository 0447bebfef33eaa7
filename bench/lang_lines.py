"""CPU time of each source line of language-mismatch's evaluate and of the scorer, on real batches.

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/lang_lines.py \
        bench/_work/web-unique.jsonl [--rules bench/every.yaml] [--repeat 5] [--top 45]

Runs the rule set once as a run does (bench/language_speed.py's way) and keeps the batches handed
to language-mismatch; then re-runs its evaluate() on them --repeat times under a line tracer
(sys.settrace, only frames of curate/checks/language.py and curate/langid/*.py): the CPU time
between two line events is charged to the line that was running, innermost traced frame (a
line's own time, callees in numpy and polars included, traced callees excluded). Prints the
lines by CPU per evaluate (mean over the repeats) and the untraced total. A profile, not a
timing: the tracer adds about a microsecond per line event.
"""

from __future__ import annotations

import argparse
import collections
import linecache
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")


HERE = Path(__file__).resolve().parent


def main() -> None:
    from prepared import prepared
    from rule_cpu import _restore, batches_seen

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--rules", default=str(HERE / "every.yaml"))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--top", type=int, default=45)
    args = ap.parse_args()
    rs, tables, rules, corpus = prepared(args.corpus, args.rules)
    rule = next(r for r in rules if r.name == "language-mismatch")
    # the batches with their memos as the run left them (carried memos included: restoring
    # only batch._memo made every call recompute the distinct lines a strip carried over)
    batches = batches_seen(rs, tables, rules, corpus, {rule.name: rule})[rule.name]
    evaluate = rule.evaluate

    def run() -> float:
        t = time.process_time()
        for b, memo in batches:
            _restore(b, memo)
            evaluate(b)
        return time.process_time() - t

    plain = min(run() for _ in range(args.repeat))
    wanted = ("curate/checks/language.py", "curate/langid/")
    cost: collections.Counter = collections.Counter()
    state = {"at": None, "t": 0.0}

    def tracer(frame, event, arg):
        name = frame.f_code.co_filename
        if not any(w in name for w in wanted):
            return None

        def local(frame, event, arg):
            now = time.process_time()
            if state["at"] is not None:
                cost[state["at"]] += now - state["t"]
            if event == "line":
                state["at"] = (frame.f_code.co_filename, frame.f_lineno)
            elif event == "return" and frame.f_back is not None:
                back = frame.f_back
                state["at"] = (back.f_code.co_filename, back.f_lineno)
            state["t"] = time.process_time()
            return local

        return local(frame, event, arg)

    for _ in range(args.repeat):
        sys.settrace(tracer)
        try:
            run()
        finally:
            sys.settrace(None)
            state["at"] = None
    total = sum(cost.values()) / args.repeat
    print(
        f"evaluate, untraced: {plain * 1000:.1f} ms (min of {args.repeat}); traced lines "
        f"{total * 1000:.1f} ms per evaluate"
    )
    for (fname, line), c in cost.most_common(args.top):
        src = linecache.getline(fname, line).strip()[:70]
        short = fname.split("curate/")[-1]
        print(f"{c / args.repeat * 1000:7.2f} ms  {short}:{line:<4d} {src}")


if __name__ == "__main__":
    main()
