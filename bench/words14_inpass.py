"""bench/rule_inpass.py with timers inside the rules: CPU ms per steady pass of chosen functions.

    POLARS_MAX_THREADS=1 PYTHONPATH=<tree> /work/main/.venv/bin/python bench/words14_inpass.py \\
        bench/_work/web-unique.jsonl [--passes 7] [--docs N] \\
        [--wrap curate.checks.words:_hash_encode ...]

Each --wrap MODULE:FUNCTION is replaced by a timed wrapper in its module (callers that look the
name up in that module at call time are timed; a name imported elsewhere is not). Prints
bench/rule_inpass.py's table and then the mean per pass of every wrapped function (a function
called inside another wrapped one counts in both).
"""

from __future__ import annotations

import argparse
import collections
import importlib
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

DEFAULT_WRAPS = (
    "curate.checks.words:distinct_line_tokens",
    "curate.checks.words:_encode",
    "curate.checks.words:_vocab_properties",
    "curate.checks.words:_byte_classes",
    "curate.checks.words:_append_codes",
    "curate.checks.quality:_line_counts",
    "curate.checks.quality:_sentence_ends",
    "curate.checks.quality:_c4_line_ends",
    "curate.checks.quality:_compute_stats",
    "curate.checks.quality:_line_end_tests",
    "curate.checks.quality:_stop_word_counts",
    "curate.checks.quality:_char_class",
)


def main() -> None:
    import resource

    import rule_inpass

    def cpu_timed(fn, cost, label, calls):
        def wrapper(*a, **k):
            t0 = time.process_time()
            f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            try:
                return fn(*a, **k)
            finally:
                cost[label] += time.process_time() - t0
                calls[label] += 1
                faults[label] += resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0

        return wrapper

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--rules", type=Path, default=HERE / "heuristic.yaml")
    ap.add_argument("--passes", type=int, default=7)
    ap.add_argument("--docs", type=int, default=0)
    ap.add_argument("--wrap", action="append", default=[])
    args = ap.parse_args()
    cost: collections.Counter[str] = collections.Counter()
    calls: collections.Counter[str] = collections.Counter()
    faults: collections.Counter[str] = collections.Counter()
    for spec in args.wrap or DEFAULT_WRAPS:
        mod_name, fn_name = spec.split(":")
        mod = importlib.import_module(mod_name)
        if hasattr(mod, fn_name):
            setattr(mod, fn_name, cpu_timed(getattr(mod, fn_name), cost, fn_name, calls))
    # rule_inpass runs 3 warm-up passes then --passes timed ones: count the timed ones only
    sys.argv = [sys.argv[0], str(args.corpus), "--rules", str(args.rules)]
    sys.argv += ["--passes", str(args.passes), "--docs", str(args.docs)]
    started = {"passes": 0}
    from curate import engine

    process_batches = engine.process_batches

    def counted(*a, **k):
        started["passes"] += 1
        if started["passes"] == 4:
            cost.clear()
            calls.clear()
            faults.clear()
        return process_batches(*a, **k)

    engine.process_batches = counted
    rule_inpass.main()
    n = args.passes
    print("# inside the rules, ms per pass (calls per pass, minor page faults per pass)")
    for name, v in cost.most_common():
        per = f"{v / n * 1000:7.1f} ms  ({calls[name] / n:.0f})"
        print(f"{name:28s} {per}  {faults[name] / n:7.0f}")


if __name__ == "__main__":
    main()
