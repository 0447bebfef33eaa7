"""boilerplate-lines' three phrase questions ([line], [start], [anywhere]) with this tree's
regexes and with another tree's, on the very rows the rule asks them of, in ONE process: a paired
A/B of the phrase regexes alone (each query a fresh polars call, as in a run: polars hands every
call a fresh copy of the compiled regex, so its lazy DFA is built anew per batch).

    POLARS_MAX_THREADS=1 PYTHONPATH=<tree B> /work/main/.venv/bin/python bench/bp_phrase_ab.py \
        bench/_work/web-20k.jsonl --base /work/wt/base10 [--rules bench/every.yaml] \
        [--batches 5] [--rounds 15]

The rows come from this tree's `_features` on the first --batches batches (each batch's
stripped distinct lines, as `_codes` hands them); both trees' regexes answer on the same rows
(checked equal), alternately ABBA; prints per section and in all the min and median CPU ms per
batch and the median per-round ratio B/A, and each tree's compile time (first call).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

from curate.checks import boilerplate as bp  # noqa: E402
from curate.checks.base import Batch  # noqa: E402
from curate.checks.words import distinct_lines, referenced_lines  # noqa: E402
from curate.config import load_ruleset  # noqa: E402
from curate.io.readers import discover, read_shard  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main() -> None:
    from bp_ab import _base_class

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--base", type=Path, required=True)
    ap.add_argument("--rules", default=str(HERE / "every.yaml"))
    ap.add_argument("--batches", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=15)
    args = ap.parse_args()
    rs = load_ruleset(args.rules)
    rule = next(r for r in rs.build() if r.name == "boilerplate-lines")
    base = _base_class(args.base, "boilerplate-lines")(rule.params, rule.action)
    ours, theirs = rule._regexes(), base._regexes()
    shards, _ = discover([str(args.corpus)])
    tables = [tb for s in shards for tb, _ in read_shard(s, rs.text_column) if tb is not None]
    # each tree's compile, before either has run (polars keeps compiled regexes per thread)
    compile_ms = {}
    for who, patterns in (("base", theirs), ("this", ours)):
        t = time.process_time()
        for section in bp.SECTIONS:
            if patterns[section]:
                pl.Series("_l", ["x"]).to_frame().select_seq(
                    pl.col("_l").str.contains(patterns[section])
                )
        compile_ms[who] = (time.process_time() - t) * 1000
    # the rows of each phrase question, as _features asks them (its `lower` helper's _on calls)
    asked: list[tuple[str, pl.Series]] = []
    orig = bp._on

    def spy(strings, rows, exprs, fill):
        if strings.name == "_l" and not isinstance(exprs, list):
            for section in bp.SECTIONS:
                if ours[section] and exprs.meta.eq(bp._lower_contains(ours[section])):
                    asked.append((section, strings.filter(pl.Series(rows)).alias("_l")))
        return orig(strings, rows, exprs, fill)

    bp._on = spy
    try:
        for table in tables[: args.batches]:
            batch = Batch.from_texts(pl.from_arrow(table).get_column(rs.text_column))
            strings, _ = referenced_lines(*distinct_lines(batch.lines.get_column("line")))
            stripped = strings.str.strip_chars()
            rule._feature_arrays(stripped.filter(stripped != "").alias("_s"), None)
    finally:
        bp._on = orig
    frames = [(s, part.to_frame()) for s, part in asked]

    def one(patterns: dict) -> dict[str, float]:
        cost = dict.fromkeys(bp.SECTIONS, 0.0)
        for section, frame in frames:
            t = time.process_time()
            frame.select_seq(pl.col("_l").str.contains(patterns[section]))
            cost[section] += time.process_time() - t
        return cost

    for section, frame in frames:
        a = frame.select_seq(pl.col("_l").str.contains(theirs[section])).to_series()
        b = frame.select_seq(pl.col("_l").str.contains(ours[section])).to_series()
        assert a.equals(b), section
    ta, tb = [], []
    for i in range(args.rounds):
        if i % 2:
            tb.append(one(ours))
            ta.append(one(theirs))
        else:
            ta.append(one(theirs))
            tb.append(one(ours))
    n = min(args.batches, len(tables))
    print(
        f"phrase questions, {args.corpus.name}, {n} batches, {args.rounds} rounds; "
        f"CPU ms per batch (base {args.base})"
    )
    for key in (*bp.SECTIONS, "all"):

        def per(cost: dict, key: str = key) -> float:
            return (sum(cost.values()) if key == "all" else cost[key]) * 1000 / n

        a, b = [per(c) for c in ta], [per(c) for c in tb]
        ratio = statistics.median(y / x for x, y in zip(a, b, strict=True) if x)
        print(
            f"{key:9s} base min {min(a):6.3f} med {statistics.median(a):6.3f} | this min "
            f"{min(b):6.3f} med {statistics.median(b):6.3f} | ratio med {ratio:.3f}"
        )
    rows = sum(f.height for _, f in frames)
    print(
        f"rows asked {rows} ({np.mean([f.height for _, f in frames]):.0f} a query); compile "
        f"(first call): base {compile_ms['base']:.1f} ms, this {compile_ms['this']:.1f} ms"
    )


if __name__ == "__main__":
    main()
