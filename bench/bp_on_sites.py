"""CPU time of boilerplate-lines' evaluate and of each of its `_on` call sites (by line), in the
steady full pass of a rule set (every rule runs between two of its calls) and alone (the rule
re-run on the batches it saw, warm).

    POLARS_MAX_THREADS=1 PYTHONPATH=<tree> /work/main/.venv/bin/python bench/bp_on_sites.py \
        bench/_work/web-unique.jsonl [--rules bench/heuristic.yaml] [--reps 5]
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import polars as pl  # noqa: E402
from prepared import prepared  # noqa: E402
from rule_cpu import _restore, batches_seen  # noqa: E402

from curate import pipeline  # noqa: E402
from curate.checks import boilerplate  # noqa: E402

HERE = Path(__file__).resolve().parent
NAME = "boilerplate-lines"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--rules", default=str(HERE / "heuristic.yaml"))
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    rs, tables, rules, corpus = prepared(args.corpus, args.rules)
    rule = next(r for r in rules if r.name == NAME)

    site: collections.Counter = collections.Counter()
    calls: collections.Counter = collections.Counter()
    on = getattr(boilerplate, "_on", None)
    if on is not None:

        def timed_on(*a, **k):
            line = sys._getframe(1).f_lineno
            t0 = time.process_time()
            try:
                return on(*a, **k)
            finally:
                site[line] += time.process_time() - t0
                calls[line] += 1

        boilerplate._on = timed_on
    ev_cost = [0.0]
    real = rule.evaluate

    def timed_ev(batch):
        t0 = time.process_time()
        try:
            return real(batch)
        finally:
            ev_cost[0] += time.process_time() - t0

    rule.evaluate = timed_ev

    def full() -> float:
        t0 = time.process_time()
        for tb in tables:
            pipeline.process_batch(rules, pl.from_arrow(tb), rs.text_column, corpus, rs.id_column)
        return time.process_time() - t0

    for _ in range(2):
        full()

    def measured(fn) -> tuple[float, float, dict]:
        site.clear()
        calls.clear()
        ev_cost[0] = 0.0
        fulls, evs, sites = [], [], []
        for _ in range(args.reps):
            before_ev, before_site = ev_cost[0], dict(site)
            fulls.append(fn())
            evs.append(ev_cost[0] - before_ev)
            sites.append({k: v - before_site.get(k, 0.0) for k, v in site.items()})
        per = {k: sorted(s.get(k, 0.0) for s in sites)[len(sites) // 2] for k in site}
        return sorted(fulls)[len(fulls) // 2], sorted(evs)[len(evs) // 2], per

    f_full, f_ev, f_sites = measured(full)
    del rule.evaluate
    seen = batches_seen(rs, tables, rules, corpus, {NAME})[NAME]
    rule.evaluate = timed_ev

    def alone() -> float:
        t0 = time.process_time()
        for batch, snap in seen:
            _restore(batch, snap)
            rule.evaluate(batch)
        return time.process_time() - t0

    alone()
    _, a_ev, a_sites = measured(alone)
    print(f"full pass (median)            {f_full:.3f}")
    print(f"{NAME} in the full pass    {f_ev:.4f}")
    print(f"{NAME} alone, warm         {a_ev:.4f}")
    print("_on by line: ms in pass / alone (calls per pass)")
    for k in sorted(f_sites):
        n = calls[k] // args.reps
        print(f"  {k:5d} {f_sites[k] * 1e3:7.2f} {a_sites.get(k, 0.0) * 1e3:7.2f}  ({n})")
    print(f"  total {sum(f_sites.values()) * 1e3:7.2f} {sum(a_sites.values()) * 1e3:7.2f}")


if __name__ == "__main__":
    main()
