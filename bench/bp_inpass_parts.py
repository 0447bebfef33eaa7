"""Where boilerplate-lines' (or repeated-paragraphs') time goes INSIDE steady passes of its rule
set: bench/rule_inpass.py's passes with CPU timers around the rule module's helpers.

    POLARS_MAX_THREADS=1 PYTHONPATH=<tree> /work/main/.venv/bin/python bench/bp_inpass_parts.py \
        bench/_work/web-unique.jsonl [--rules bench/heuristic.yaml] [--passes 7] \
        [--module boilerplate|repetition]

Every module-level function and the rule's methods are wrapped (`_on` keyed by its caller's
line); a wrapper's own cost (~1 us a call) is charged to its caller. Prints the mean per pass of
each, inclusive of the helpers it calls: CPU time, calls and the process's minor page faults
(fresh memory: numpy temporaries above glibc's mmap threshold fault on every allocation).
"""

from __future__ import annotations

import argparse
import collections
import importlib
import inspect
import os
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

from curate import engine  # noqa: E402
from curate.checks.base import clear_run_caches  # noqa: E402
from curate.config import load_ruleset  # noqa: E402
from curate.io.readers import discover, read_shard  # noqa: E402

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--rules", type=Path, default=HERE / "heuristic.yaml")
    ap.add_argument("--passes", type=int, default=7)
    ap.add_argument("--module", default="boilerplate")
    ap.add_argument("--docs", type=int, default=0)
    args = ap.parse_args()
    mod = importlib.import_module(f"curate.checks.{args.module}")
    cost: collections.Counter[str] = collections.Counter()
    calls: collections.Counter[str] = collections.Counter()
    faults: collections.Counter[str] = collections.Counter()

    def minflt() -> int:
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt

    def wrap(fn, label, by_caller=False):
        def wrapper(*a, **k):
            lab = f"{label}@{sys._getframe(1).f_lineno}" if by_caller else label
            t0, f0 = time.process_time(), minflt()
            try:
                return fn(*a, **k)
            finally:
                cost[lab] += time.process_time() - t0
                faults[lab] += minflt() - f0
                calls[lab] += 1

        return wrapper

    for name, obj in list(vars(mod).items()):
        if inspect.isfunction(obj) and obj.__module__ == mod.__name__:
            setattr(mod, name, wrap(obj, name, by_caller=name in ("_on",)))
        elif inspect.isfunction(obj) and name in (
            "batch_distinct_lines",
            "distinct_lines",
            "referenced_lines",
            "fill_rows",
            "line_chars",
            "run_in_own_thread",
            "batch_line_tokens",
            "string_bytes",
        ):
            setattr(mod, name, wrap(obj, name))
        elif inspect.isclass(obj) and obj.__module__ == mod.__name__:
            for m, f in list(vars(obj).items()):
                if inspect.isfunction(f) and not m.startswith("__"):
                    setattr(obj, m, wrap(f, f"{name}.{m}"))
    rs = load_ruleset(args.rules)
    shards, _ = discover([str(args.corpus)])
    tables = [tb for s in shards for tb in read_shard(s, rs.text_column)]
    if args.docs:
        tables = [(tables[0][0].slice(0, args.docs), None)]

    def one_pass():
        # a pass as a run of its own: the run's caches (boilerplate's memo of the lines met in
        # earlier batches) start empty, as engine.run leaves them
        clear_run_caches()
        rules = [r for r in rs.build() if r.needs_corpus]
        aggs = engine.collect_batches(rs, (tb for tb, _ in tables))
        corpus = {r.name: r.finish(aggs[r.name]) for r in rules}
        engine.process_batches(rs, tables, corpus, keep_rows=True)

    for _ in range(3):
        one_pass()
    cost.clear()
    calls.clear()
    faults.clear()
    t = time.process_time()
    for _ in range(args.passes):
        one_pass()
    total = time.process_time() - t
    n = args.passes
    print(
        f"# {args.corpus}, {args.rules}, {args.module}, mean of {n} passes; a pass "
        f"{total / n * 1000:.1f} ms"
    )
    for name, v in cost.most_common():
        if v / n >= 0.0002:
            print(
                f"{name:40s} {v / n * 1000:7.2f} ms {calls[name] / n:7.1f} calls "
                f"{faults[name] / n:8.0f} page faults"
            )


if __name__ == "__main__":
    main()
