"""CPU profile (cProfile with a process-time clock) of chosen rules' evaluate() on the batches
they see in a real run (bench/rule_cpu.py's snapshots), and their CPU seconds per repetition.

    POLARS_MAX_THREADS=1 PYTHONPATH=<tree> /work/main/.venv/bin/python bench/quality20_prof.py \
        bench/_work/web-200k.jsonl --rules bench/every.yaml \
        --only unterminated-lines,repeated-paragraphs,duplicated-line-chars,no-stop-words \
        [--reps 3] [--profile] [--sort tottime] [--limit 50]

Each rule is charged for what it computes for the batch (the first quality rule: the shared
tokens and statistics), its memo put back before every call, as in rule_cpu.py.
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
from rule_cpu import _restore, batches_seen  # noqa: E402

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--rules", default=str(HERE / "every.yaml"))
    ap.add_argument("--only", required=True)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--sort", default="tottime")
    ap.add_argument("--limit", type=int, default=50)
    ap.add_argument("--docs", type=int, default=0, help="keep the first N documents of a batch")
    ap.add_argument("--per-batch", action="store_true", help="print ms a batch")
    args = ap.parse_args()
    rs, tables, rules, corpus = prepared(args.corpus, args.rules)
    if args.docs:
        # (the fixed cost of a batch: the same batches, cut short)
        tables = [tb.slice(0, args.docs) for tb in tables]
    names = args.only.split(",")
    seen = batches_seen(rs, tables, rules, corpus, set(names))
    real = {r.name: r.evaluate for r in rules if r.name in names}
    prof = cProfile.Profile(time.process_time) if args.profile else None
    best = {}
    for _ in range(args.reps):
        for name in names:
            total = 0.0
            for batch, snap in seen[name]:
                _restore(batch, snap)
                t0 = time.process_time()
                if prof is not None:
                    prof.runcall(real[name], batch)
                else:
                    real[name](batch)
                total += time.process_time() - t0
            best[name] = min(best.get(name, 1e9), total)
    scale = 1e3 / len(tables) if args.per_batch else 1.0
    for name in names:
        print(f"{name:28s} {best[name] * scale:.3f}")
    print(f"{'total':28s} {sum(best.values()) * scale:.3f}")
    if prof is not None:
        pstats.Stats(prof).sort_stats(args.sort).print_stats(args.limit)


if __name__ == "__main__":
    main()
