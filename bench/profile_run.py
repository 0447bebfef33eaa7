"""Where the CPU time of a whole `curate run` goes, outside and inside the rules, on one core.

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/profile_run.py \
        bench/_work/web-20k.jsonl [--rules bench/heuristic.yaml] [--batch-rows N]

Runs `curate run --workers 1 --format hf` in this process (the real command line, through
curate.cli.main) with timers around its phases, and prints CPU seconds (time.process_time: every
thread of this process) per phase:

  imports           polars, pyarrow, datasets and the rule modules, loaded up front so that no
                    phase below is charged for them
  pass 1            the corpus pass: reading (JSONL -> Arrow) and the corpus rules' collect
  pass 2            reading again, the rules' evaluate(), the batch function's own work
                    (process_batch minus evaluate: lines, rebuilt text, flags, statistics,
                    examples), Arrow -> polars, the part writer (spill per batch, close per shard)
  output            the `hf` DatasetDict assembled from the parts (curate/io/writers.py)
  report            report dict, dataset card, report.json/.md/.html (charts apart), and
                    any child process' CPU (resource.RUSAGE_CHILDREN: the report helper process
                    of older trees)

--batch-rows makes batches small, to measure a batch's fixed cost (times the number of batches).
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

from prepared import cpu_timed  # noqa: E402

HERE = Path(__file__).resolve().parent
cost: collections.Counter[str] = collections.Counter()
calls: collections.Counter[str] = collections.Counter()


def timed(label: str, fn):
    return cpu_timed(fn, cost, label, calls)


def timed_iter(label: str, gen_fn):
    """Time every step of a generator (a reader yields batch by batch)."""

    def wrapper(*a, **k):
        it = iter(gen_fn(*a, **k))
        while True:
            t0 = time.process_time()
            try:
                item = next(it)
            except StopIteration:
                cost[label] += time.process_time() - t0
                return
            cost[label] += time.process_time() - t0
            yield item

    return wrapper


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--rules", default=str(HERE / "heuristic.yaml"))
    ap.add_argument("--batch-rows", type=int, default=0, help="rows per batch (default: curate's)")
    ap.add_argument(
        "--by-rule", action="store_true", help="also print each rule's evaluate() and collect()"
    )
    args = ap.parse_args()

    t_start = time.process_time()
    import curate  # noqa: F401, I001  (first, as the command line: polars' allocator)
    import datasets  # noqa: F401
    import polars  # noqa: F401
    import pyarrow  # noqa: F401

    from curate import checks, cli, engine, pipeline
    from curate.io import readers, writers
    from curate.report import charts

    checks.all_rules()
    cost["imports"] = time.process_time() - t_start

    in_pass = {"p": "pass 1"}
    real_read = readers.read_shard

    def read_shard(*a, **k):
        return timed_iter(f"{in_pass['p']}: read (JSONL -> Arrow)", real_read)(*a, **k)

    engine.read_shard = read_shard
    if hasattr(engine, "_read_spill"):  # pass 2 maps what pass 1 parsed
        engine._read_spill = timed_iter("pass 2: read (mapped Arrow spill)", engine._read_spill)
    real_write = engine._write_arrow

    def write_arrow(*a, **k):
        label = "pass 1: spill write" if in_pass["p"] == "pass 1" else "pass 2: part spill write"
        return timed(label, real_write)(*a, **k)

    engine._write_arrow = write_arrow
    real_collect = engine.collect_shard

    def collect_shard(*a, **k):
        in_pass["p"] = "pass 1"
        return real_collect(*a, **k)

    engine.collect_shard = collect_shard
    real_process = engine.process_shard

    def process_shard(*a, **k):
        in_pass["p"] = "pass 2"
        return real_process(*a, **k)

    engine.process_shard = process_shard

    ev_label = "pass 2: rules' evaluate()"
    for name, cls in checks.all_rules().items():
        if "evaluate" in cls.__dict__:
            if args.by_rule:  # the inner timer charges the rule, the outer one the phase
                cls.evaluate = timed(f"    evaluate: {name}", cls.evaluate)
            cls.evaluate = timed(ev_label, cls.evaluate)
        if "collect" in cls.__dict__:
            if args.by_rule:
                cls.collect = timed(f"    collect: {name}", cls.collect)
            cls.collect = timed("pass 1: corpus rules' collect()", cls.collect)
    pipeline.process_batch = timed("pass 2: process_batch", pipeline.process_batch)
    from curate.checks import base
    from curate.stats import RunStats

    real_from_texts = base.Batch.from_texts.__func__

    def from_texts(cls, *a, **k):
        return timed(f"{in_pass['p']}: split lines (Batch.from_texts)", real_from_texts)(
            cls, *a, **k
        )

    base.Batch.from_texts = classmethod(from_texts)
    if hasattr(base.Batch, "for_corpus"):  # the corpus pass's batch (lines without positions)
        real_for_corpus = base.Batch.for_corpus.__func__

        def for_corpus(cls, *a, **k):
            return timed("pass 1: split lines (Batch.from_texts)", real_for_corpus)(cls, *a, **k)

        base.Batch.for_corpus = classmethod(for_corpus)
        # its lines are split when collect() first reads them: that split is counted here too,
        # and taken out of collect()
        real_split = base._split_lines

        def split_lines(*a, **k):
            if in_pass["p"] != "pass 1":
                return real_split(*a, **k)
            return timed("pass 1: lines split inside collect()", real_split)(*a, **k)

        base._split_lines = split_lines
    for cls in checks.all_rules().values():
        for meth in ("merge", "finish"):
            if meth in cls.__dict__:
                setattr(cls, meth, timed("corpus merge/finish", cls.__dict__[meth]))
    RunStats.merge = timed("statistics merge", RunStats.merge)
    engine._PartWriter.add = timed("pass 2: part writer add (per batch)", engine._PartWriter.add)
    engine._PartWriter.close = timed(
        "pass 2: part writer close (per shard)", engine._PartWriter.close
    )
    writers.write_output = timed("output: write hf", writers.write_output)
    charts_label = "report: charts"
    for name in ("signal_chart", "lengths_chart", "languages_chart", "rules_chart"):
        if hasattr(charts, name):
            setattr(charts, name, timed(charts_label, getattr(charts, name)))
    import curate.report as report_pkg

    report_pkg.write_reports = timed(
        "report: write report.json/.md/.html", report_pkg.write_reports
    )
    real_run = engine.run
    engine.run = timed("engine.run (both passes)", real_run)
    if args.batch_rows:
        engine.BATCH_ROWS = args.batch_rows
        engine.RunOptions.__dataclass_fields__["batch_rows"].default = args.batch_rows
        real_init = engine.RunOptions.__init__

        def init(self, *a, **k):
            real_init(self, *a, **k)
            self.batch_rows = args.batch_rows

        engine.RunOptions.__init__ = init

    with tempfile.TemporaryDirectory(dir=HERE / "_work") as tmp:
        argv = [
            "run",
            str(args.corpus),
            "--rules",
            args.rules,
            "--out",
            f"{tmp}/out",
            "--report-dir",
            f"{tmp}/report",
            "--quiet",
            "--workers",
            "1",
        ]
        import resource

        def children() -> float:
            r = resource.getrusage(resource.RUSAGE_CHILDREN)
            return r.ru_utime + r.ru_stime

        c0 = children()
        t0 = time.process_time()
        rc = cli.main(argv)
        cmd = time.process_time() - t0
        helper = children() - c0
    if rc != 0:
        sys.exit(f"curate run failed: {rc}")
    total = time.process_time() - t_start + helper
    batches = calls["pass 2: process_batch"]
    own = cost["pass 2: process_batch"] - cost[ev_label]
    run = cost["engine.run (both passes)"]
    p1 = cost["pass 1: read (JSONL -> Arrow)"]
    p2 = cost["pass 2: read (JSONL -> Arrow)"] + cost["pass 2: read (mapped Arrow spill)"]
    # (the spill is written by engine._spilled between the reader's steps, outside their timer:
    # not taken out of the read again, which charged it to "the rest" a second time)
    print(f"# {args.corpus} ({args.corpus.stat().st_size / 1e6:.1f} MB), {batches} batches")
    rows = [
        ("imports (polars, pyarrow, datasets, the rules)", cost["imports"]),
        ("pass 1: read (JSONL -> Arrow)", p1),
        (
            "pass 1: corpus rules' collect()",
            cost["pass 1: corpus rules' collect()"] - cost["pass 1: lines split inside collect()"],
        ),
        ("pass 1: input spill written (Arrow IPC)", cost["pass 1: spill write"]),
        ("pass 2: read (JSONL -> Arrow, or the mapped spill)", p2),
        (ev_label, cost[ev_label]),
        ("pass 2: batch function's own work", own),
        ("pass 2: part writer add (per batch)", cost["pass 2: part writer add (per batch)"]),
        ("pass 2: part writer close (per shard)", cost["pass 2: part writer close (per shard)"]),
        (
            "engine.run, the rest (corpus merge/finish, from_arrow, scheduling)",
            run
            - p1
            - p2
            - cost["pass 1: spill write"]
            - cost["pass 1: corpus rules' collect()"]
            + cost["pass 1: lines split inside collect()"]
            - cost["pass 2: process_batch"]
            - cost["pass 2: part writer add (per batch)"]
            - cost["pass 2: part writer close (per shard)"],
        ),
        (
            "  of which pass 1: the batch and its lines split (for collect)",
            cost["pass 1: split lines (Batch.from_texts)"]
            + cost["pass 1: lines split inside collect()"],
        ),
        ("  of which corpus merge/finish", cost["corpus merge/finish"]),
        ("  of which statistics merge", cost["statistics merge"]),
        ("output: write hf", cost["output: write hf"]),
        ("report: charts (SVG)", cost[charts_label]),
        ("report: child processes (an older tree's report helper)", helper),
        (
            "report: the rest (dict, card, json/md/html)",
            cmd - run - cost["output: write hf"] - cost[charts_label],
        ),
    ]
    for label, secs in rows:
        print(f"{label:<70} {secs:7.2f} CPU s")
    print(f"{'total':<70} {total:7.2f} CPU s")
    if args.by_rule:  # a corpus rule's collect() includes the lines split on its first read
        for label, secs in sorted(
            ((k, v) for k, v in cost.items() if k.startswith("    ")), key=lambda kv: -kv[1]
        ):
            if secs >= 0.005:
                print(f"{label:<70} {secs:7.2f} CPU s")
    print(
        f"per batch: evaluate {cost[ev_label] / max(1, batches) * 1e3:.1f} ms, "
        f"batch function's own work {own / max(1, batches) * 1e3:.1f} ms"
    )


if __name__ == "__main__":
    main()
