"""Local vs Ray on this machine: throughput, Ray's overhead, and how the work splits into shards.

One invocation writes a corpus of real web documents (the DCLM Common Crawl sample in
../shared/data, cycled, each copy numbered; hand-generated documents when that is absent) as FILES
jsonl files (one shard each), then times `curate run` with the same rule set four ways:
  serial       --engine local --workers 1      (one process: the cost of the rules alone)
  pool         --engine local --workers N      (the process pool)
  ray-local    --engine ray --workers N        (a private Ray instance started by curate)
  ray-cluster  --engine ray --ray-address A    (a running `ray start --head`, N CPUs)
It checks that every run wrote the same report counts, and times each shard alone (in this
process) to show how the work splits. Figures for bench/results/ray.md:

    PYTHONPATH=. python bench/ray_bench.py --docs 8000 --files 8 --workers 2
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.ray_cluster import Cluster, with_this_checkout  # noqa: E402

DATA = [
    Path(p)
    for p in (
        os.environ.get("CURATE_SHARED_DATA"),
        ROOT.parent / "shared" / "data",
        ROOT.parents[1] / "shared" / "data",
    )
    if p
]  # a worktree is one deeper
DCLM = next(
    (
        d / "webcrawl/dclm_human_quality/majority_data.jsonl.gz"
        for d in DATA
        if (d / "webcrawl").exists()
    ),
    Path("absent"),
)


def source_texts() -> tuple[list[str], str]:
    if DCLM.exists():
        import gzip

        with gzip.open(DCLM, "rt", encoding="utf-8") as f:
            texts = [json.loads(line)["text"] for line in f]
        return [t for t in texts if t.strip()], "DCLM Common Crawl sample (shared/data), cycled"
    import random

    from tests.test_ray import _document

    rng = random.Random(1)
    return [t for i in range(2000) if (t := _document(rng, i))], "hand-generated (tests/test_ray)"


def write_corpus(folder: Path, docs: int, files: int) -> tuple[int, str]:
    """FILES jsonl files; every document unique (a numbered first line). Returns the bytes."""
    texts, what = source_texts()
    folder.mkdir(parents=True)
    per = -(-docs // files)
    total = 0
    for k in range(files):
        with open(folder / f"part-{k:03d}.jsonl", "w", encoding="utf-8") as f:
            for i in range(k * per, min(docs, (k + 1) * per)):
                line = (
                    json.dumps(
                        {"id": f"doc-{i}", "text": f"Document {i}.\n{texts[i % len(texts)]}"},
                        ensure_ascii=False,
                    )
                    + "\n"
                )
                total += len(line.encode())
                f.write(line)
    return total, what


def curate(
    work: Path, corpus: str, name: str, rules: str, *engine: str, env=None
) -> tuple[float, dict]:
    t0 = time.perf_counter()
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "curate",
            "run",
            corpus,
            "--rules",
            rules,
            "--out",
            name,
            "--report-dir",
            f"{name}-report",
            "--name",
            "bench",
            "--quiet",
            *engine,
        ],
        cwd=work,
        capture_output=True,
        text=True,
        env=env or with_this_checkout(dict(os.environ)),
    )
    seconds = time.perf_counter() - t0
    if res.returncode != 0:
        raise SystemExit(f"{name} failed:\n{res.stderr[-3000:]}")
    return seconds, json.loads((work / f"{name}-report" / "report.json").read_text())


def counts(report: dict) -> dict:
    return {
        "documents": report["documents"],
        "characters": report["characters"],
        "rules": {
            k: (v["fired"], v["dropped"], v["chars_removed"]) for k, v in report["rules"].items()
        },
    }


def per_shard(folder: Path, rules: str) -> list[tuple[int, int, float, float]]:
    """(documents, bytes, wall s, CPU s) of each shard, alone in this process, nothing written."""
    from curate.config import load_ruleset
    from curate.engine import process_shard
    from curate.io.readers import discover

    os.environ.setdefault("POLARS_MAX_THREADS", "1")  # as in a pool worker or a Ray task
    ruleset = load_ruleset(rules)
    shards, _ = discover([str(folder)], ruleset.text_column)
    process_shard(ruleset, shards[0], {}, None)  # warm: imports and the language profiles
    out = []
    for s in shards:
        t0, c0 = time.perf_counter(), time.process_time()
        st = process_shard(ruleset, s, {}, None)
        out.append(
            (st.input, os.path.getsize(s.path), time.perf_counter() - t0, time.process_time() - c0)
        )
    return out


def ray_task_overhead(address: str, token: str, tasks: int = 200) -> float:
    """Milliseconds per empty task on the running cluster (a fresh driver, warm workers)."""
    code = (
        "import os, time, ray, logging\n"
        f"ray.init(address={address!r}, log_to_driver=False, logging_level=logging.WARNING)\n"
        "f = ray.remote(lambda: None)\n"
        "ray.get([f.remote() for _ in range(20)])\n"
        "t = time.perf_counter()\n"
        f"ray.get([f.remote() for _ in range({tasks})])\n"
        f"print((time.perf_counter() - t) * 1000 / {tasks})\n"
    )
    env = dict(os.environ, RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=token)
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )
    return float(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=8000)
    ap.add_argument("--files", type=int, default=8, help="jsonl files = shards = Ray tasks")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--rules", default="default")
    args = ap.parse_args()

    import ray

    work = Path(tempfile.mkdtemp(prefix="curate-ray-bench-"))
    size, what = write_corpus(work / "corpus", args.docs, args.files)
    write_corpus(work / "tiny", 20, 2)  # fixed costs: start-up, imports, joining, writing
    mb = size / 1e6
    print(
        f"corpus: {args.docs:,} documents, {mb:.1f} MB, {args.files} jsonl files (shards), "
        f"{what}; rules {args.rules}; {os.cpu_count()} cores; ray {ray.__version__}; "
        f"python {sys.version.split()[0]}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        flush=True,
    )

    engines = {
        "serial": ("--workers", "1"),
        "pool": ("--workers", str(args.workers)),
        "ray-local": ("--engine", "ray", "--workers", str(args.workers)),
    }
    runs: dict[str, tuple[float, float, dict, float]] = {}

    def measure(name: str, *engine: str, env=None) -> None:
        load = os.getloadavg()[0]
        tiny, _ = curate(work, "tiny", f"{name}-tiny", args.rules, *engine, env=env)
        full, report = curate(work, "corpus", name, args.rules, *engine, env=env)
        runs[name] = (full, tiny, report, (load + os.getloadavg()[0]) / 2)
        print(f"  {name}: {full:.1f} s (20-document run: {tiny:.1f} s)", flush=True)

    for name, engine in engines.items():
        measure(name, *engine)
    t0 = time.perf_counter()
    cluster = Cluster(num_cpus=args.workers)
    try:
        address = cluster.address
        start_s = time.perf_counter() - t0
        measure(
            "ray-cluster", "--engine", "ray", "--ray-address", address, env=cluster.driver_env()
        )
        overhead_ms = ray_task_overhead(address, cluster.token)
    finally:
        cluster.stop()
    same = all(counts(r[2]) == counts(runs["serial"][2]) for r in runs.values())
    shards = per_shard(work / "corpus", args.rules)

    print(
        f"\n{'run':<12} {'seconds':>8} {'docs/s':>7} {'MB/s':>6} {'vs serial':>9} "
        f"{'20-doc run':>10} {'load':>5}"
    )
    base = runs["serial"][0]
    for name, (full, tiny, _, load) in runs.items():
        print(
            f"{name:<12} {full:>8.1f} {args.docs / full:>7.0f} {mb / full:>6.2f} "
            f"{base / full:>8.2f}x {tiny:>9.1f}s {load:>5.1f}"
        )
    print(f"same report counts in every run: {same}")
    print(
        f"ray start --head (one node, {args.workers} CPUs): {start_s:.1f} s; "
        f"an empty Ray task on it: {overhead_ms:.2f} ms"
    )
    walls = [w for _, _, w, _ in shards]
    cpus = [c for _, _, _, c in shards]
    docs = sum(d for d, _, _, _ in shards)
    size_sh = sum(b for _, b, _, _ in shards)
    print(
        f"\nper shard, alone in one process: {len(shards)} shards of "
        f"{size_sh / len(shards) / 1e6:.2f} MB / {docs / len(shards):.0f} documents; "
        f"wall median {statistics.median(walls):.2f} s (min {min(walls):.2f}, max "
        f"{max(walls):.2f}); CPU median {statistics.median(cpus):.2f} s"
    )
    print(
        f"CPU cost: {1000 * sum(cpus) / docs:.2f} ms per document, "
        f"{size_sh / 1e6 / sum(cpus):.2f} MB per CPU-second"
    )
    print(f"work folder: {work}")


if __name__ == "__main__":
    main()
