"""Exclusive CPU time per function of curate/checks/truncation.py (or boilerplate.py) inside
evaluate, polars and numpy calls charged to the function that makes them: cProfile without its
per-call overhead on polars' and numpy's Python wrappers.

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/tb21_selftime.py \
        bench/_work/web-200k.jsonl --module truncation [--size 2198] [--docs 21980]
"""

from __future__ import annotations

import argparse
import functools
import inspect
import os
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def instrument(module, cost: dict) -> None:
    local = threading.local()

    def wrap(name, fn):
        @functools.wraps(fn)
        def inner(*a, **k):
            stack = getattr(local, "stack", None)
            if stack is None:
                stack = local.stack = []
            t0 = time.thread_time()
            stack.append(0.0)
            try:
                return fn(*a, **k)
            finally:
                dt = time.thread_time() - t0
                child = stack.pop()
                c = cost.setdefault(name, [0.0, 0])
                c[0] += dt - child
                c[1] += 1
                if stack:
                    stack[-1] += dt

        return inner

    for name, obj in list(vars(module).items()):
        if inspect.isfunction(obj) and obj.__module__ == module.__name__:
            if getattr(obj, "cache_info", None) is None:
                setattr(module, name, wrap(name, obj))
        elif inspect.isclass(obj) and obj.__module__ == module.__name__:
            for mname, m in list(vars(obj).items()):
                if isinstance(m, staticmethod):
                    setattr(obj, mname, staticmethod(wrap(f"{name}.{mname}", m.__func__)))
                elif inspect.isfunction(m) and not mname.startswith("__"):
                    setattr(obj, mname, wrap(f"{name}.{mname}", m))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--module", default="truncation")
    ap.add_argument("--rules", default=str(HERE / "every.yaml"))
    ap.add_argument("--size", type=int, default=2198)
    ap.add_argument("--docs", type=int, default=21980)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--collect", action="store_true", help="time collect() instead")
    args = ap.parse_args()
    import importlib

    import pyarrow as pa
    from rule_cpu import _restore, batches_seen

    from curate import engine
    from curate.checks.base import clear_run_caches
    from curate.config import load_ruleset
    from curate.io.readers import discover, read_shard

    module = importlib.import_module(f"curate.checks.{args.module}")
    rule_name = {"truncation": "truncated-text", "boilerplate": "boilerplate-lines"}[args.module]
    rs = load_ruleset(args.rules)
    shards, _ = discover([str(args.corpus)])
    tables = [tb for s in shards for tb, _ in read_shard(s, rs.text_column) if tb is not None]
    table = pa.concat_tables(tables).slice(0, args.docs)
    small = [table.slice(i, args.size) for i in range(0, table.num_rows, args.size)]
    rules = rs.build()
    aggs = engine.collect_batches(rs, small)
    corpus = {r.name: r.finish(aggs[r.name]) for r in rules if r.needs_corpus}
    seen = batches_seen(rs, small, rules, corpus, {rule_name})[rule_name]
    rule = next(r for r in rules if r.name == rule_name)
    cost: dict = {}
    instrument(module, cost)
    for r in rules:
        if r.name == rule_name:
            rule = type(r)(**{}) if False else r
    total = 0.0
    if args.collect:
        import polars as pl

        from curate.checks import base
        from curate.checks.base import Batch

        instrument(base, cost)
        frames = [pl.from_arrow(t) for t in small]
    for _ in range(args.reps):
        clear_run_caches()
        if args.collect:
            for df in frames:
                cb = Batch.for_corpus(df.get_column(rs.text_column), extra=df.drop(rs.text_column))
                t0 = time.process_time()
                rule.collect(cb)
                total += time.process_time() - t0
            continue
        for batch, snap in seen:
            _restore(batch, snap)
            t0 = time.process_time()
            rule.evaluate(batch)
            total += time.process_time() - t0
    n = args.reps * len(seen)
    what = "collect" if args.collect else "evaluate"
    print(f"{what} {total * 1e3 / n:.2f} ms a batch ({len(seen)} batches x {args.reps})")
    for name, (t, calls) in sorted(cost.items(), key=lambda kv: -kv[1][0])[:40]:
        print(f"{name:<40} {t * 1e3 / n:7.3f} ms a batch, {calls / n:5.1f} calls")


if __name__ == "__main__":
    main()
