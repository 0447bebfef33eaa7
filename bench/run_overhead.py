"""What a run pays per batch outside the rules' evaluate(), this tree against another, alternately.

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/run_overhead.py \
        bench/_work/web-200k.jsonl --reference /work/wt/base7 [--batches 20] [--rounds 3]

Reads the corpus's first --batches batches once, then, in a child process per tree (this one and
--reference, alternately, --rounds times), measures in CPU ms per batch (time.process_time, the
best of 5 passes over the batches):

  pass 1        the corpus pass as engine.collect_batches runs it: Arrow -> polars, the batch
                (its lines), every corpus rule's collect() and merge()
  own work      pipeline.process_batch with every rule's evaluate() answered from a cache filled
                by a first pass: lines, rebuilt text after strips, flags, statistics, examples
                (the batch function's own work, without the rules)
  part writer   engine._PartWriter: every batch's kept and rejected rows written to its shard's
                part files (two batches a shard), per batch
  write hf      writers.write_output: those part files assembled into the `hf` output, per batch
  discover      readers.discover of the whole corpus (a JSONL file's byte ranges and line numbers)

The rule set is bench/heuristic.yaml unless told. A figure of a quiet machine is lower than one of
a busy one: compare the two trees' figures of one invocation, not figures of different times.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")
HERE = Path(__file__).resolve().parent


def cache_evaluations(rules: list) -> dict[str, int]:
    """Make each rule's class answer evaluate() from a cache filled by its first call for the
    same batch: the returned dict's "batch" (set by the caller before each batch) is the key,
    with the rule's name. Later passes then time the batch function without the rules."""
    cache: dict[tuple[int, str], object] = {}
    current = {"batch": 0}
    for rule in rules:
        real = type(rule).evaluate

        def cached(self, batch, real=real):
            key = (current["batch"], self.name)
            if key not in cache:
                cache[key] = real(self, batch)
            return cache[key]

        type(rule).evaluate = cached
    return current


def best_of(fn, reps: int = 5) -> float:
    best = float("inf")
    for _ in range(reps):
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return best


def measure(corpus: str, rules_path: str, batches: int) -> dict[str, float]:
    import curate  # noqa: F401, I001  (first, as the command line: polars' allocator)
    import polars as pl

    from curate import engine, pipeline
    from curate.config import load_ruleset
    from curate.io.readers import discover, read_shard
    from curate.stats import RunStats

    ruleset = load_ruleset(rules_path)
    shards, _ = discover([corpus], ruleset.text_column)
    tables = []
    for s in shards:
        tables += [t for t, _ in read_shard(s, ruleset.text_column) if t is not None]
        if len(tables) >= batches:
            break
    tables = tables[:batches]
    n = len(tables)
    out = {"batches": n}
    engine.collect_batches(ruleset, tables)
    out["pass 1"] = best_of(lambda: engine.collect_batches(ruleset, tables)) / n

    aggs = engine.collect_batches(ruleset, tables)
    rules = ruleset.build()
    corpus_results = {r.name: r.finish(aggs[r.name]) for r in rules if r.needs_corpus}
    current = cache_evaluations(rules)
    frames = [pl.from_arrow(t) for t in tables]

    def own_work(outputs: list | None = None) -> None:
        stats = RunStats()
        for i, df in enumerate(frames):
            current["batch"] = i
            bounds = pipeline.example_bounds(stats)
            res = pipeline.process_batch(
                rules, df, ruleset.text_column, corpus_results, ruleset.id_column, bounds
            )
            stats.merge(res.stats)
            if outputs is not None:
                outputs.append((res.kept, res.rejected))

    outputs: list = []
    own_work(outputs)  # fills the cache, and keeps the outputs for the writers below
    out["own work"] = best_of(own_work) / n
    import shutil
    import tempfile

    from curate.io.writers import write_output

    work = Path(tempfile.mkdtemp(dir=HERE / "_work"))
    try:
        costs = {"part writer": [], "write hf": []}
        for _ in range(5):
            # two batches a shard, as the 8 MB shards of a 382 MB file hold
            prefixes = [str(work / f"{i:06d}") for i in range(0, n, 2)]
            t = time.process_time()
            for j, prefix in enumerate(prefixes):
                parts = engine._PartWriter(prefix)
                for kept, rejected in outputs[2 * j : 2 * j + 2]:
                    parts.add(kept, rejected)
                parts.close()
            costs["part writer"].append(time.process_time() - t)
            t = time.process_time()
            write_output(prefixes, work / "out", "hf", ruleset.text_column)
            costs["write hf"].append(time.process_time() - t)
            shutil.rmtree(work / "out")
            for f in work.iterdir():
                f.unlink()
        out["part writer"] = min(costs["part writer"]) / n
        out["write hf"] = min(costs["write hf"]) / n
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out["discover"] = best_of(lambda: discover([corpus], ruleset.text_column), 3)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--reference", type=Path, help="the source tree to compare with")
    ap.add_argument("--rules", default=str(HERE / "heuristic.yaml"))
    ap.add_argument("--batches", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    corpus = str(Path(args.corpus).resolve())
    if args.child:
        print(json.dumps(measure(corpus, args.rules, args.batches)))
        return
    trees = [HERE.parent] + ([args.reference.resolve()] if args.reference else [])
    results: dict[str, list[dict[str, float]]] = {str(t): [] for t in trees}
    for _ in range(args.rounds):
        for tree in trees:
            env = dict(os.environ, PYTHONPATH=str(tree), POLARS_MAX_THREADS="1")
            cmd = [sys.executable, str(Path(__file__).resolve()), corpus, "--child"]
            cmd += ["--rules", str(Path(args.rules).resolve()), "--batches", str(args.batches)]
            # cwd /: the child imports curate from PYTHONPATH, not from a working directory
            res = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd="/")
            if res.returncode:
                sys.exit(f"{tree}: {res.stderr[-2000:]}")
            results[str(tree)].append(json.loads(res.stdout))
    print(f"# {corpus}, {args.rules}, load {os.getloadavg()[0]:.1f}; CPU per batch, best of rounds")
    for tree, runs in results.items():
        best = {k: min(r[k] for r in runs) for k in runs[0] if k != "batches"}
        print(
            f"{tree}: pass 1 {best['pass 1'] * 1e3:.2f} ms, own work {best['own work'] * 1e3:.2f}"
            f" ms, part writer {best['part writer'] * 1e3:.2f} ms, write hf"
            f" {best['write hf'] * 1e3:.2f} ms ({runs[0]['batches']} batches); discover"
            f" {best['discover']:.3f} s"
        )


if __name__ == "__main__":
    main()
