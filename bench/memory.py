"""Peak memory of `curate run` against corpus size: the same run on N and 10*N documents.

    python bench/make_corpus.py --docs 200000 --out bench/_work/web-200k.jsonl
    PYTHONPATH=. /work/main/.venv-bench/bin/python bench/memory.py \
        bench/_work/web-20k.jsonl bench/_work/web-200k.jsonl [MORE ...] --workers 1

Each run is a subprocess (`curate run CORPUS --rules bench/heuristic.yaml --format hf`). Peak RSS
is sampled every 0.1 s over the whole process tree (the main process plus its workers, summed).
Every further corpus is compared with the first. Target: the larger corpus peaks at no more than
1.3x the smaller one.

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/memory.py \
        bench/_work/web-5k.jsonl --batch-cpu 4096x0,1024x0,4096x2,4096x1,512x0

times, in this process, the batch function (every rule of bench/heuristic.yaml) on the first
corpus cut into batches of ROWSxMB (rows, MB of text; 0: no byte limit), repeated --repeat times
(the least CPU time of each is printed: other load only adds), against the first setting.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# the interpreter that runs `curate run` (curate's own environment, with curate's own dependencies
# and nothing of the peers'); this script itself may run from the peers' environment
CURATE_PYTHON = os.environ.get("CURATE_PYTHON", "/work/main/.venv/bin/python")
if not Path(CURATE_PYTHON).exists():
    CURATE_PYTHON = sys.executable
RULES = HERE / "heuristic.yaml"


def tree_rss(pid: int, parts: dict[int, int] | None = None) -> int:
    """Resident KiB of pid and its descendants (from /proc); with parts, each process's too."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        if parts is not None:
                            parts[p] = int(line.split()[1])
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            continue
    return total


def measure(corpus: Path, workers: int, fmt: str) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=os.environ.get("PYTHONPATH", str(HERE.parent)))
    with tempfile.TemporaryDirectory(dir=HERE / "_work") as tmp:
        cmd = [
            CURATE_PYTHON,
            "-m",
            "curate",
            "run",
            str(corpus.resolve()),
            "--rules",
            str(RULES),
            "--out",
            f"{tmp}/out",
            "--report-dir",
            f"{tmp}/report",
            "--quiet",
            "--workers",
            str(workers),
            "--format",
            fmt,
        ]
        t = time.perf_counter()
        # `python -m` puts the working directory first on sys.path, before PYTHONPATH: run in the
        # PYTHONPATH tree (the paths given are absolute)
        cwd = env["PYTHONPATH"].split(os.pathsep)[0] or str(HERE.parent)
        proc = subprocess.Popen(
            cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd
        )
        peak, trace, last, at_peak = 0, [], 0.0, ""
        while proc.poll() is None:
            parts: dict[int, int] = {}
            rss = tree_rss(proc.pid, parts)
            if rss > peak:  # which processes make the peak, and when
                peak = rss
                others = sorted((v for p, v in parts.items() if p != proc.pid), reverse=True)
                at_peak = (
                    f"at {time.perf_counter() - t:.0f}s: main {parts.get(proc.pid, 0) / 1024:.0f}"
                    + "".join(f" + {v / 1024:.0f}" for v in others)
                    + " MiB"
                )
            now = time.perf_counter() - t
            if now - last >= 10:  # the curve: does memory climb with the documents read?
                trace.append(f"{now:.0f}s:{rss / 1024:.0f}")
                last = now
            time.sleep(0.1)
        print(f"  RSS MiB over time: {' '.join(trace)}; peak {at_peak}")
        wall = time.perf_counter() - t
        _, _, _ = proc.returncode, proc.stderr, None
        if proc.returncode != 0:
            raise SystemExit(f"{cmd} failed: {proc.stderr.read().decode()[-2000:]}")
        shutil.rmtree(f"{tmp}/out", ignore_errors=True)
    return {"peak_mib": peak / 1024, "wall": wall}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpora", type=Path, nargs="+")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--format", default="hf")
    ap.add_argument("--batch-cpu", help="ROWSxMB,...: CPU time of the rules per batch limit")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if args.batch_cpu:
        batch_cpu(args.corpora[0], args.batch_cpu, args.repeat)
        return
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.1f}; --workers {args.workers} --format {args.format}"
    )
    res = {}
    for corpus in args.corpora:
        r = measure(corpus, args.workers, args.format)
        res[corpus] = r
        print(
            f"{corpus} ({corpus.stat().st_size / 1e6:.0f} MB): peak RSS {r['peak_mib']:.0f} MiB "
            f"(process tree), {r['wall']:.0f} s wall"
        )
    first = args.corpora[0]
    for corpus in args.corpora[1:]:
        ratio = res[corpus]["peak_mib"] / res[first]["peak_mib"]
        print(f"peak RSS {corpus.name} / {first.name}: {ratio:.2f}x (target <= 1.3x)")


def batch_cpu(corpus: Path, settings: str, repeat: int) -> None:
    """CPU seconds of the second pass (process_batches, every rule) per batch limit."""
    os.environ.setdefault("POLARS_MAX_THREADS", "1")
    import pyarrow as pa

    from curate import engine
    from curate.config import load_ruleset
    from curate.io.readers import _Limit, discover, read_shard

    rs = load_ruleset(RULES)
    shards, _ = discover([str(corpus)])
    # the whole corpus as one table, cut afresh for each setting (not by the shards)
    whole = pa.concat_tables(
        t for s in shards for t, _ in read_shard(s, rs.text_column, 1 << 40, 1 << 40) if t
    )
    corpus_rules = [r for r in rs.build() if r.needs_corpus]
    aggs = engine.collect_batches(rs, [whole])
    done = {r.name: r.finish(aggs[r.name]) for r in corpus_rules}
    limits = [tuple(x.split("x")) for x in settings.split(",")]
    best: dict[str, float] = {}
    for _ in range(repeat):
        for rows, mb in limits:
            limit = _Limit(int(rows), int(float(mb) * 1024 * 1024) or 1 << 40)
            cuts = limit.cuts(whole.column(rs.text_column))
            batches = ((whole.slice(off, n), []) for off, n in cuts)
            t = time.process_time()
            engine.process_batches(rs, batches, done, keep_rows=True)
            cpu = time.process_time() - t
            key = f"{rows} rows x {mb} MB ({len(cuts)} batches)"
            best[key] = min(best.get(key, cpu), cpu)
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {corpus} "
        f"({whole.num_rows} docs), least of {repeat}, load {os.getloadavg()[0]:.1f}"
    )
    base = next(iter(best.values()))
    for key, cpu in best.items():
        print(f"  {key:36s} {cpu:6.2f} CPU s  {100 * (cpu / base - 1):+5.1f}%")


if __name__ == "__main__":
    main()
