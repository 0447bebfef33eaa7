"""Throughput of curate's heuristic rules against datatrove's four heuristic filters, on the same
documents, one core each, in one invocation; then a whole `curate run` against just reading and
writing the same data.

    python bench/make_corpus.py --docs 20000 --out bench/_work/web-20k.jsonl
    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv-bench/bin/python bench/throughput.py \
        bench/_work/web-20k.jsonl --datatrove-docs 2000

datatrove: GopherRepetitionFilter, GopherQualityFilter, C4QualityFilter and FineWebQualityFilter
(English, spaCy word tokenizer), each called on every document (a fresh Document per filter, since
C4 rewrites the text), as curate evaluates every rule on every document. datatrove's side is the
filter calls only: the documents are already in memory. curate's side is "rules": the batch
function (process_batch: every rule of bench/heuristic.yaml, flags, rebuilt text, statistics,
examples) plus the corpus pass, on Arrow batches already read; and "read+rules": the same
including reading and parsing the JSONL. The rules pass runs first once (a process's first
full-size batch), then again after each sixth (--passes) of datatrove's measured run, so that both
sides sample the same minutes of the host (whose speed drifts by +-20 %): the median of those
passes is what every later batch costs (steady state). datatrove's measured run is its second over
the same documents too (the pipeline run comes first).

Times are CPU seconds of this process (time.process_time: other load on the machine does not count
against either side) and wall seconds. polars is held to one thread (POLARS_MAX_THREADS=1).

The second part times `curate run` (read, every rule of bench/heuristic.yaml, write the `hf`
dataset, the report) against a baseline that reads the same JSONL with curate's reader and writes
it as a save_to_disk dataset, each in a subprocess (CPU time of the child, from os.wait4). It prints
two ratios against that single-process baseline: the CPU ratio of `curate run --workers 1` (all the
work a run does) and the wall ratio of a default `curate run` (every core, as a user runs it). The
baseline and the runs alternate, three rounds (--rounds); each round gives a ratio and the median
is the figure.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

HERE = Path(__file__).resolve().parent
# the interpreter that runs `curate run` (curate's own environment, with curate's own dependencies
# and nothing of the peers'); this script itself may run from the peers' environment
CURATE_PYTHON = os.environ.get("CURATE_PYTHON", "/work/main/.venv/bin/python")
if not Path(CURATE_PYTHON).exists():
    CURATE_PYTHON = sys.executable
RULES = HERE / "heuristic.yaml"


def clock() -> tuple[float, float]:
    return time.process_time(), time.perf_counter()


def since(t: tuple[float, float]) -> tuple[float, float]:
    c, w = clock()
    return c - t[0], w - t[1]


def load_texts(path: Path, n: int) -> list[str]:
    import orjson

    texts = []
    with path.open("rb") as f:
        for line in f:
            if len(texts) >= n:
                break
            texts.append(orjson.loads(line)["text"])
    return texts


def run_datatrove(
    texts: list[str], pipeline: bool, between: Callable[[], None] | None = None, slices: int = 1
) -> tuple[float, float, dict[str, int]]:
    """datatrove's four filters over texts: (CPU s, wall s, documents dropped per filter).
    between(), if given, runs after each of `slices` equal slices of the texts, outside the
    timing: curate's steady passes are taken there, so that both sides sample the same minutes of
    a host whose speed drifts by +-20 %."""
    from datatrove.data import Document
    from datatrove.pipeline.filters import (
        C4QualityFilter,
        FineWebQualityFilter,
        GopherQualityFilter,
        GopherRepetitionFilter,
    )

    filters = [
        GopherRepetitionFilter(),
        GopherQualityFilter(),
        C4QualityFilter(),
        FineWebQualityFilter(),
    ]
    for f in filters:  # load spaCy / nltk once, outside the timing
        f.filter(Document(text="Warm up the tokenizer. It loads lazily.", id="0"))
    dropped = {type(f).__name__: 0 for f in filters}
    cpu = wall = 0.0
    bounds = [len(texts) * k // slices for k in range(slices + 1)]
    for lo, hi in itertools.pairwise(bounds):
        t = clock()
        for i in range(lo, hi):
            for f in filters:
                res = f.filter(Document(text=texts[i], id=str(i)))
                keep = res[0] if isinstance(res, tuple) else res
                if not keep:
                    dropped[type(f).__name__] += 1
                    if pipeline:  # a datatrove pipeline passes a dropped document no further
                        break
        c, w = since(t)
        cpu, wall = cpu + c, wall + w
        if between is not None:
            between()
    return cpu, wall, dropped


def run_curate(path: Path) -> dict:
    """Read the corpus, warm up, time the first full pass; "pass" in the result times one more
    pass (steady state) each time it is called."""
    from curate import engine
    from curate.config import load_ruleset
    from curate.io.readers import discover, read_shard

    rs = load_ruleset(RULES)
    shards, _ = discover([str(path)])
    t = clock()
    tables = [tb for s in shards for tb in read_shard(s, rs.text_column)]
    read_cpu, read_wall = since(t)
    docs = sum(tb.num_rows for tb, _ in tables if tb is not None)

    def rules_pass(tables):
        corpus = {}
        rules = [r for r in rs.build() if r.needs_corpus]
        if rules:
            aggs = engine.collect_batches(rs, (tb for tb, _ in tables))
            corpus = {r.name: r.finish(aggs[r.name]) for r in rules}
        return engine.process_batches(rs, tables, corpus, keep_rows=True)[2]

    # warm up on 50 documents outside the timing, as datatrove's filters are warmed up above: the
    # lazily loaded phrase lists, stop words and tables are a once-per-process cost, which a
    # corpus of a few batches (web-unique) would otherwise carry in full
    first = next(tb for tb, _ in tables if tb is not None)
    rules_pass([(first.slice(0, 50), None)])
    t = clock()
    stats = rules_pass(tables)
    rules_cpu, rules_wall = since(t)
    assert stats.input == docs

    # the same pass again: what every batch but a process's first costs. The first full-size
    # batch also pays for growing the process (fresh pages from the kernel: ~26,000 minor page
    # faults on web-unique's one batch against ~9,000 later) and for filling the regexes' lazy
    # DFA caches; a corpus of one batch (web-unique) is all first batch, a corpus of millions of
    # documents is nearly all steady state
    def steady_pass() -> float:
        t = clock()
        rules_pass(tables)
        return since(t)[0]

    return {
        "docs": docs,
        "read_cpu": read_cpu,
        "read_wall": read_wall,
        "rules_cpu": rules_cpu,
        "rules_wall": rules_wall,
        "dropped": stats.dropped,
        "pass": steady_pass,
    }


BASELINE = """
import itertools, sys, pyarrow as pa, datasets
from curate.io.readers import discover, read_shard
from curate.pipeline import INTERNAL
shards, _ = discover([sys.argv[1]])
tables = (tb for s in shards for tb, _ in read_shard(s, "text") if tb is not None)
first = next(tables)  # its schema; its rows are written too (itertools.chain below)
rows = [0]
def gen():
    for tb in itertools.chain([first], tables):
        rows[0] += tb.num_rows
        yield from tb.drop_columns([c for c in INTERNAL if c in tb.column_names]).to_batches()
schema = first.drop_columns([c for c in INTERNAL if c in first.column_names]).schema
reader = pa.RecordBatchReader.from_batches(schema, gen())
ds = datasets.Dataset(reader.read_all())
assert len(ds) == rows[0], (len(ds), rows[0])  # every batch read is written
datasets.disable_progress_bars()
datasets.DatasetDict({"train": ds}).save_to_disk(sys.argv[2])
"""


def tree_dir(env: dict[str, str]) -> str:
    """The source tree a child runs: `python -m` puts its working directory first on sys.path,
    before PYTHONPATH, so the child runs in the PYTHONPATH tree (paths given to it are absolute)."""
    return env.get("PYTHONPATH", str(HERE.parent)).split(os.pathsep)[0] or str(HERE.parent)


def child(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """CPU seconds (user + system), wall seconds and peak RSS (KiB) of a child process."""
    t = time.perf_counter()
    cmd = [str(Path(c).resolve()) if c.endswith((".jsonl", ".parquet")) else c for c in cmd]
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tree_dir(env)
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{cmd} failed: {proc.stderr.read().decode()[-2000:]}")
    return usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss


def run_end_to_end(
    path: Path, workers: list[int | None], rules: Path = RULES
) -> dict[str, tuple[float, float, int]]:
    """The read+write baseline and `curate run` with each worker count (None: the default, every
    core), each in a child process, one after the other: {"base" | workers: (CPU s, wall s, peak
    RSS KiB)}."""
    env = dict(
        os.environ,
        POLARS_MAX_THREADS="1",
        PYTHONPATH=os.environ.get("PYTHONPATH", str(HERE.parent)),
    )
    out: dict = {}
    with tempfile.TemporaryDirectory(dir=HERE / "_work") as tmp:
        tmp = Path(tmp)
        out["base"] = child([CURATE_PYTHON, "-c", BASELINE, str(path), str(tmp / "base")], env)
        shutil.rmtree(tmp / "base", ignore_errors=True)
        for w in workers:
            out[w] = child(curate_run(path, tmp, w, rules), env)
            shutil.rmtree(tmp / "out", ignore_errors=True)
            shutil.rmtree(tmp / "report", ignore_errors=True)
    return out


def curate_run(path: Path, tmp: Path, workers: int | None, rules: Path = RULES) -> list[str]:
    """The timed `curate run` command line: the rule set (the heuristic rules unless told), hf
    output and report in tmp.
    workers None: no --workers, the default (every core)."""
    return [
        CURATE_PYTHON,
        "-m",
        "curate",
        "run",
        str(path),
        "--rules",
        str(rules),
        "--out",
        str(tmp / "out"),
        "--report-dir",
        str(tmp / "report"),
        "--quiet",
        *(["--workers", str(workers)] if workers is not None else []),
    ]


def run_workers(path: Path, rules: Path = RULES) -> None:
    """`curate run` with one worker and with every core: wall time, CPU time and the speed-up."""
    env = dict(
        os.environ,
        POLARS_MAX_THREADS="1",
        PYTHONPATH=os.environ.get("PYTHONPATH", str(HERE.parent)),
    )
    res = {}
    for w in (1, os.cpu_count() or 1):
        with tempfile.TemporaryDirectory(dir=HERE / "_work") as tmp:
            res[w] = child(curate_run(path, Path(tmp), w, rules), env)
        print(
            f"curate run --workers {w}: {res[w][1]:.1f} wall s, {res[w][0]:.1f} CPU s "
            f"(load {os.getloadavg()[0]:.1f})"
        )
    (c1, w1, _), (cn, wn, _) = res[1], res[os.cpu_count() or 1]
    print(
        f"speed-up with {os.cpu_count()} workers: {w1 / wn:.2f}x wall; CPU {cn / c1:.2f}x of one "
        f"worker's (the pool's overhead)"
    )


def versions() -> str:
    from importlib.metadata import version

    names = ("datatrove", "spacy", "polars", "pyarrow", "datasets")
    out = []
    for n in names:
        try:
            out.append(f"{n} {version(n)}")
        except Exception:
            out.append(f"{n} -")
    return f"python {platform.python_version()}, " + ", ".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument(
        "--datatrove-docs",
        type=int,
        default=2000,
        help="datatrove runs on the first N documents (it is ~100x slower)",
    )
    ap.add_argument(
        "--passes",
        type=int,
        default=6,
        help="curate's steady passes, one after each 1/N of datatrove's run (default 6)",
    )
    ap.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rounds of the run part: baseline and curate runs alternate; the ratio is the median "
        "of the rounds' (default 3)",
    )
    ap.add_argument("--no-run", action="store_true", help="skip the curate run vs read+write part")
    ap.add_argument(
        "--workers",
        type=int,
        default=None,
        help="also time `curate run --workers N` (the run measure always times --workers 1 and "
        "the default, every core)",
    )
    ap.add_argument(
        "--rules",
        type=Path,
        default=RULES,
        help="rule set of the timed `curate run` (default: bench/heuristic.yaml; bench/every.yaml "
        "holds every rule, language identification and near duplicates included)",
    )
    ap.add_argument(
        "--run-only",
        action="store_true",
        help="only the second part: `curate run` against reading and writing the same data",
    )
    ap.add_argument(
        "--workers-only",
        action="store_true",
        help="only time `curate run` with one worker and with every core",
    )
    args = ap.parse_args()
    if args.workers_only:
        run_workers(args.corpus, args.rules.resolve())
        return

    print(
        f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.1f}; {versions()}"
    )
    print(
        f"# POLARS_MAX_THREADS={os.environ.get('POLARS_MAX_THREADS')}, corpus {args.corpus} "
        f"({args.corpus.stat().st_size / 1e6:.1f} MB)"
    )
    if args.run_only:
        report_run(args.corpus, args.workers, args.rules.resolve(), args.rounds)
        return
    texts = load_texts(args.corpus, args.datatrove_docs)
    n_dt = len(texts)
    p_cpu, p_wall, p_dropped = run_datatrove(texts, pipeline=True)
    print(
        f"datatrove 4 filters as a pipeline (a dropped document skips the later filters): "
        f"{n_dt} docs, {p_cpu:.2f} CPU s -> {n_dt / p_cpu:.0f} docs/CPU-s; dropped "
        f"{json.dumps(p_dropped)}"
    )
    cu = run_curate(args.corpus)
    steady: list[float] = []
    dt_cpu, dt_wall, dt_dropped = run_datatrove(
        texts, pipeline=False, between=lambda: steady.append(cu["pass"]()), slices=args.passes
    )
    del texts
    dt_rate, dt_rate_wall = n_dt / dt_cpu, n_dt / dt_wall
    print(
        f"datatrove 4 filters, every filter on every document (as curate): {n_dt} docs, "
        f"{dt_cpu:.2f} CPU s, {dt_wall:.2f} wall s -> {dt_rate:.0f} docs/CPU-s "
        f"({dt_rate_wall:.0f} docs/wall-s); dropped {json.dumps(dt_dropped)}"
    )

    n = cu["docs"]
    rules_rate = n / cu["rules_cpu"]
    full_rate = n / (cu["rules_cpu"] + cu["read_cpu"])
    print(
        f"curate heuristic rules: {n} docs; read {cu['read_cpu']:.2f} CPU s, rules "
        f"{cu['rules_cpu']:.2f} CPU s ({cu['rules_wall']:.2f} wall s); dropped {cu['dropped']}"
    )
    print(
        f"  rules, first pass: {rules_rate:.0f} docs/CPU-s = {rules_rate / dt_rate:.1f}x datatrove "
        f"(wall: {n / cu['rules_wall']:.0f} docs/s = {n / cu['rules_wall'] / dt_rate_wall:.1f}x)"
    )
    steady_cpu = statistics.median(steady)
    steady_rate = n / steady_cpu
    print(
        f"  rules, steady state (the same pass again, {len(steady)} times, one after each "
        f"{n_dt // args.passes} documents of datatrove's run): "
        f"{', '.join(f'{c:.3f}' for c in steady)} CPU s; median {steady_cpu:.3f} s = "
        f"{steady_rate:.0f} docs/CPU-s = {steady_rate / dt_rate:.1f}x datatrove (passes from "
        f"{n / max(steady) / dt_rate:.1f}x to {n / min(steady) / dt_rate:.1f}x)"
    )
    wall_full = cu["rules_wall"] + cu["read_wall"]
    print(
        f"  read+rules: {full_rate:.0f} docs/CPU-s = {full_rate / dt_rate:.1f}x datatrove "
        f"(wall: {n / wall_full:.0f} docs/s = {n / wall_full / dt_rate_wall:.1f}x)"
    )

    print(f"  read+rules against the datatrove pipeline: {full_rate / (n_dt / p_cpu):.1f}x")

    if not args.no_run:
        report_run(args.corpus, args.workers, args.rules.resolve(), args.rounds)


def report_run(corpus: Path, workers: int | None, rules: Path = RULES, rounds: int = 3) -> None:
    """Issue 9's whole-run target, measured both ways against the single-process baseline: the CPU
    ratio of `curate run --workers 1` (all the work, whatever the cores) and the wall ratio of a
    default `curate run` (every core, as a user runs it). --workers N adds a run with N workers.
    The baseline and the runs alternate, `rounds` times: a ratio is taken within a round (the
    same minute of a host whose speed drifts by +-20 %), and the median of the rounds' is the
    figure."""
    counts: list[int | None] = [1, None]
    if workers not in (None, 1):
        counts.append(workers)
    print(f"# rule set of the timed run: {rules}")
    cores = os.cpu_count()
    ratios_cpu, ratios_wall = [], []
    for r in range(rounds):
        e = run_end_to_end(corpus, counts, rules)
        base_cpu, base_wall, _ = e["base"]
        print(
            f"round {r + 1}: read+write baseline (curate reader -> save_to_disk, one process): "
            f"{base_cpu:.2f} CPU s, {base_wall:.2f} wall s"
        )
        for w in counts:
            cpu, wall, rss = e[w]
            label = f"--workers {w}" if w else f"default ({cores} cores)"
            print(
                f"  curate run {label} (read, rules, write hf, report): {cpu:.2f} CPU s, "
                f"{wall:.2f} wall s, peak RSS {rss / 1024:.0f} MiB"
            )
        ratios_cpu.append(e[1][0] / base_cpu)
        ratios_wall.append(e[None][1] / base_wall)
        print(
            f"  CPU ratio {ratios_cpu[-1]:.2f}x, wall ratio {ratios_wall[-1]:.2f}x "
            f"(load {os.getloadavg()[0]:.1f})"
        )
    each = ", ".join(f"{x:.2f}" for x in ratios_cpu)
    print(
        f"CPU ratio  (curate run --workers 1 / baseline):       "
        f"{statistics.median(ratios_cpu):.2f}x median of {each}  (target <= 3x)"
    )
    each = ", ".join(f"{x:.2f}" for x in ratios_wall)
    print(
        f"wall ratio (default curate run, {cores} cores / baseline): "
        f"{statistics.median(ratios_wall):.2f}x median of {each}  "
        f"(target <= 3x; wall times are noise on a busy machine)"
    )


if __name__ == "__main__":
    main()
