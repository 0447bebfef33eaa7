"""The batch function's own work and the part writer, this tree against another, in ONE process,
alternated batch set by batch set (paired: a busy machine slows both alike).

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/run_pair.py \
        bench/_work/web-200k.jsonl --reference /work/wt/base12 [--rules bench/every.yaml] \
        [--batches 20] [--rounds 10]

The reference tree's curate/pipeline.py, curate/engine.py and curate/io/writers.py are loaded
as modules of their own beside this tree's (the rules, curate/checks, are this tree's for both:
only the code outside the rules is compared). Reads the first --batches batches, runs the corpus
pass, answers every rule's evaluate() from a cache filled once, then per round, in alternating
order: each tree's process_batch over every batch (own work, with RunStats merges and example
bounds as process_batches has them), and each tree's _PartWriter writing those batches' outputs
(two batches a shard) into a scratch folder. Prints CPU ms per batch (time.process_time): the
median of the rounds per tree and the median of the paired differences.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")
HERE = Path(__file__).resolve().parent


def load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--reference", type=Path, required=True)
    ap.add_argument("--rules", default=str(HERE / "every.yaml"))
    ap.add_argument("--batches", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument(
        "--full",
        action="store_true",
        help="the rules' evaluate() run every time, not cached (what the batch function's output "
        "costs the rules after it: the frames a strip leaves them)",
    )
    args = ap.parse_args()

    import curate  # noqa: F401, I001  (first, as the command line: polars' allocator)
    import polars as pl

    from curate import engine, pipeline
    from curate.config import load_ruleset
    from curate.io.readers import discover, read_shard
    from curate.stats import RunStats
    from run_overhead import cache_evaluations

    ref = args.reference.resolve() / "curate"
    ref_writers = load(ref / "io" / "writers.py", "ref_writers")
    ref_pipeline = load(ref / "pipeline.py", "ref_pipeline")
    ref_engine = load(ref / "engine.py", "ref_engine")
    ref_engine.normal_types = ref_writers.normal_types  # (bound at its import: this tree's)
    trees = {"this": (pipeline, engine), "reference": (ref_pipeline, ref_engine)}

    ruleset = load_ruleset(args.rules)
    shards, _ = discover([args.corpus], ruleset.text_column)
    tables = []
    for s in shards:
        tables += [t for t, _ in read_shard(s, ruleset.text_column) if t is not None]
        if len(tables) >= args.batches:
            break
    tables = tables[: args.batches]
    n = len(tables)
    aggs = engine.collect_batches(ruleset, tables)
    rules = ruleset.build()
    corpus = {r.name: r.finish(aggs[r.name]) for r in rules if r.needs_corpus}
    current = cache_evaluations([] if args.full else rules)
    frames = [pl.from_arrow(t) for t in tables]

    def own_work(mod) -> tuple[list, RunStats]:
        stats, outputs = RunStats(), []
        for i, df in enumerate(frames):
            current["batch"] = i
            out = mod.process_batch(
                rules, df, ruleset.text_column, corpus, ruleset.id_column, mod.example_bounds(stats)
            )
            stats.merge(out.stats)
            outputs.append((out.kept, out.rejected))
        return outputs, stats

    outputs = {}
    for label, (mod, _) in trees.items():
        outputs[label], stats = own_work(mod)  # fills the cache; the outputs for the writers
        print(f"{label}: {stats.kept} kept, {stats.dropped} dropped", flush=True)
    for (ka, ra), (kb, rb) in zip(outputs["this"], outputs["reference"], strict=True):
        assert ka.equals(kb) and ra.equals(rb), "the two trees' outputs differ"

    work = Path(tempfile.mkdtemp(dir=HERE / "_work"))

    def part_writer(eng, outs) -> None:
        for j in range(0, n, 2):
            parts = eng._PartWriter(str(work / f"{j:06d}"))
            for kept, rejected in outs[j : j + 2]:
                parts.add(kept, rejected)
            parts.close()
        for f in work.iterdir():
            f.unlink()

    costs: dict[str, dict[str, list[float]]] = {
        label: {"own work": [], "part writer": []} for label in trees
    }
    faults: dict[str, list[int]] = {label: [] for label in trees}  # minor page faults, own work
    try:
        for r in range(args.rounds):
            order = list(trees) if r % 2 == 0 else list(trees)[::-1]
            for label in order:
                mod, eng = trees[label]
                t, f = time.process_time(), resource.getrusage(resource.RUSAGE_SELF).ru_minflt
                own_work(mod)
                costs[label]["own work"].append((time.process_time() - t) / n)
                faults[label].append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f)
            for label in order:
                mod, eng = trees[label]
                t = time.process_time()
                part_writer(eng, outputs[label])
                costs[label]["part writer"].append((time.process_time() - t) / n)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"# {args.corpus}, {args.rules}, {n} batches, {args.rounds} rounds, load "
        f"{os.getloadavg()[0]:.1f}: CPU ms a batch, median of rounds"
    )
    for what in ("own work", "part writer"):
        a, b = costs["this"][what], costs["reference"][what]
        diff = statistics.median(x - y for x, y in zip(a, b, strict=True))
        print(
            f"{what:12} this {statistics.median(a) * 1e3:7.2f}  reference "
            f"{statistics.median(b) * 1e3:7.2f}  paired difference {diff * 1e3:+7.2f} "
            f"({diff / statistics.median(b):+.0%})"
        )
    print(
        "minor faults a batch, own work: "
        + ", ".join(f"{k} {statistics.median(v) / n:,.0f}" for k, v in faults.items())
    )


if __name__ == "__main__":
    main()
