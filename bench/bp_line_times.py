"""Where boilerplate-lines' CPU goes, line by line of its source, on the real batches of a corpus.

    POLARS_MAX_THREADS=1 PYTHONPATH=<tree> /work/main/.venv/bin/python bench/bp_line_times.py \
        bench/_work/web-unique.jsonl [--rules bench/heuristic.yaml] [--reps 5] [--top 40]

Runs the rule set once as a run does (prepared + rule_cpu's snapshots), then calls the rule's
`_codes` (on the main thread, so that a tracer sees it; every regex compiled once before) and
the rest of `evaluate` `--reps` times under a line tracer over curate/checks/boilerplate.py:
the CPU time between two traced events is charged to the line of the outermost of the rule's
methods on the stack (a helper's time to the line that called it; most of it is one polars or
numpy call). Prints the lines costing most in the repetition costing least. The tracer adds a few
microseconds per traced line: loops in numpy (the byte facts' blocks) look dearer than they are.
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

from prepared import prepared  # noqa: E402
from rule_cpu import _restore, batches_seen  # noqa: E402

from curate.checks import boilerplate  # noqa: E402

HERE = Path(__file__).resolve().parent
OUTER = {"evaluate", "_codes", "_features", "_judge", "collect", "finish"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--rules", default=str(HERE / "heuristic.yaml"))
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--top", type=int, default=40)
    args = ap.parse_args()
    rs, tables, rules, corpus = prepared(args.corpus, args.rules)
    (rule,) = [r for r in rules if r.name == "boilerplate-lines"]
    seen = batches_seen(rs, tables, rules, corpus, {rule.name})[rule.name]
    # _codes on the calling thread
    boilerplate.run_in_own_thread = lambda key, fn, *a: fn(*a)
    src = boilerplate.__file__
    reps = []
    for rep in range(args.reps + 1):
        cost: dict[int, float] = collections.defaultdict(float)
        state = {"line": None, "t": 0.0}

        def tracer(frame, event, arg, cost=cost, state=state):
            if frame.f_code.co_filename != src:
                return None

            def local(frame, event, arg, cost=cost, state=state):
                now = time.process_time()
                if state["line"] is not None:
                    cost[state["line"]] += now - state["t"]
                # charged to the line of the outermost traced function that calls it (a helper
                # such as `on` is charged to the line that called it)
                f = frame
                while f.f_code.co_name not in OUTER and f.f_back is not None:
                    f = f.f_back
                state["line"] = f.f_lineno
                state["t"] = time.process_time()
                return local

            return local

        total = 0.0
        for batch, snap in seen:
            _restore(batch, snap)
            t0 = time.process_time()
            sys.settrace(tracer)
            rule.evaluate(batch)
            sys.settrace(None)
            total += time.process_time() - t0
        if rep:  # the first repetition compiles the regexes on this thread
            reps.append((total, dict(cost)))
    best = min(reps, key=lambda r: r[0])
    print(f"evaluate (traced), least of {args.reps}: {best[0]:.4f} CPU s")
    for ln, c in sorted(best[1].items(), key=lambda kv: -kv[1])[: args.top]:
        print(f"{c * 1000:8.2f} ms  {ln:5d}  {linecache.getline(src, ln).strip()[:90]}")


if __name__ == "__main__":
    main()
