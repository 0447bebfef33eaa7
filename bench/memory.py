"""Peak memory of `curate run` against corpus size: the same run on N and 10*N documents.

    python bench/make_corpus.py --docs 200000 --out bench/_work/web-200k.jsonl
    PYTHONPATH=. /work/main/.venv-bench/bin/python bench/memory.py \
        bench/_work/web-20k.jsonl bench/_work/web-200k.jsonl --workers 1

Each run is a subprocess (`curate run CORPUS --rules bench/heuristic.yaml --format hf`). Peak RSS
is sampled every 0.1 s over the whole process tree (the main process plus its workers, summed);
the kernel's own peak (ru_maxrss of the largest single process) is printed beside it. Target:
the larger corpus peaks at no more than 1.3x the smaller one.
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
# the interpreter that runs `curate run` (curate's own environment: the report needs matplotlib,
# which the peers' environment lacks); this script itself may run from the peers' environment
CURATE_PYTHON = os.environ.get("CURATE_PYTHON", "/work/main/.venv/bin/python")
if not Path(CURATE_PYTHON).exists():
    CURATE_PYTHON = sys.executable
RULES = HERE / "heuristic.yaml"


def tree_rss(pid: int) -> int:
    """Resident KiB of pid and its descendants (from /proc)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
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
            str(corpus),
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
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        peak, trace, last = 0, [], 0.0
        while proc.poll() is None:
            rss = tree_rss(proc.pid)
            peak = max(peak, rss)
            now = time.perf_counter() - t
            if now - last >= 10:  # the curve: does memory climb with the documents read?
                trace.append(f"{now:.0f}s:{rss / 1024:.0f}")
                last = now
            time.sleep(0.1)
        print(f"  RSS MiB over time: {' '.join(trace)}")
        wall = time.perf_counter() - t
        _, _, _ = proc.returncode, proc.stderr, None
        if proc.returncode != 0:
            raise SystemExit(f"{cmd} failed: {proc.stderr.read().decode()[-2000:]}")
        shutil.rmtree(f"{tmp}/out", ignore_errors=True)
    return {"peak_mib": peak / 1024, "wall": wall}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("small", type=Path)
    ap.add_argument("large", type=Path)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--format", default="hf")
    args = ap.parse_args()
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.1f}; --workers {args.workers} --format {args.format}"
    )
    res = {}
    for corpus in (args.small, args.large):
        r = measure(corpus, args.workers, args.format)
        res[corpus] = r
        print(
            f"{corpus} ({corpus.stat().st_size / 1e6:.0f} MB): peak RSS {r['peak_mib']:.0f} MiB "
            f"(process tree), {r['wall']:.0f} s wall"
        )
    ratio = res[args.large]["peak_mib"] / res[args.small]["peak_mib"]
    print(f"peak RSS ratio large/small: {ratio:.2f}x (target <= 1.3x)")


if __name__ == "__main__":
    main()
