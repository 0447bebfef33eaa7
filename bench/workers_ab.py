"""`--workers 2` against `--workers 1`, wall and CPU, for two source trees in alternation: the
measure of `bench/throughput.py --workers-only` (a whole `curate run`: heuristic rules, hf
output, report, --quiet, POLARS_MAX_THREADS=1, each in a child process), taken round by round
for this tree and a reference tree, so that both see the same minutes of a shared host.

    PYTHONPATH=. /work/main/.venv/bin/python bench/workers_ab.py bench/_work/web-200k.jsonl \
        --reference /work/wt/base14 [--rounds 3] [--rules bench/heuristic.yaml] [--workers 2]

Each round runs, for each tree, one worker then N (the trees' order alternates round by round,
ABBA), and prints each tree's speed-up (wall of one worker / wall of N), both runs' wall and CPU
seconds and the load average before each run; then the medians. Wall time is what the speed-up
is about, and it is noise under load: compare the two trees' figures of one round.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from throughput import CURATE_PYTHON, RULES, child, curate_run  # noqa: E402


def running() -> int:
    """Processes running or runnable on the host now, this one left out."""
    with open("/proc/loadavg") as f:
        return int(f.read().split()[3].split("/")[0]) - 1


def wait_quiet(limit: float, most: int = 0) -> float:
    """Wait (up to `limit` s) until, for 2 s of samples every 0.1 s, at most `most` other
    processes were runnable at once on average; returns the mean count seen in the last window."""
    start = time.monotonic()
    while True:
        seen = []
        for _ in range(20):
            seen.append(running())
            time.sleep(0.1)
        mean = sum(seen) / len(seen)
        if mean <= most + 0.5 or time.monotonic() - start > limit:
            return mean


QUIET = [0.0]  # seconds to wait for a quiet host before each run (--quiet-wait)
TMP = [str(HERE / "_work")]  # where the runs write (--tmp)


def run_once(tree: str, corpus: Path, workers: int, rules: Path) -> tuple[float, float, float]:
    """(wall s, CPU s, load before) of one `curate run --workers N` of `tree`. The load is the
    1-minute load average, or with --quiet-wait the mean count of other runnable processes in
    the 2 s before the run."""
    env = dict(os.environ, POLARS_MAX_THREADS="1", PYTHONPATH=tree)
    load = wait_quiet(QUIET[0]) if QUIET[0] else os.getloadavg()[0]
    with tempfile.TemporaryDirectory(dir=TMP[0]) as tmp:
        cpu, wall, _ = child(curate_run(corpus, Path(tmp), workers, rules), env)
    return wall, cpu, load


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--reference", required=True, help="the other source tree")
    ap.add_argument("--tree", default=str(HERE.parent), help="this source tree")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--rules", type=Path, default=RULES)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument(
        "--quiet-wait",
        type=float,
        default=0.0,
        help="before each run, wait up to this many seconds for a host with no other runnable "
        "process (2 s of samples)",
    )
    ap.add_argument("--tmp", default=TMP[0], help="the folder the runs write in")
    args = ap.parse_args()
    QUIET[0] = args.quiet_wait
    TMP[0] = args.tmp
    corpus, rules = args.corpus.resolve(), args.rules.resolve()
    trees = {"reference": args.reference, "this": args.tree}
    print(
        f"python {CURATE_PYTHON}; corpus {corpus.name}; rules {rules.name}; cores {os.cpu_count()}"
    )
    speedups: dict[str, list[float]] = {k: [] for k in trees}
    walls: dict[str, list[tuple[float, float]]] = {k: [] for k in trees}
    cpus: dict[str, list[tuple[float, float]]] = {k: [] for k in trees}
    for r in range(args.rounds):
        order = list(trees) if r % 2 == 0 else list(trees)[::-1]
        for name in order:
            one = run_once(trees[name], corpus, 1, rules)
            many = run_once(trees[name], corpus, args.workers, rules)
            speedups[name].append(one[0] / many[0])
            walls[name].append((one[0], many[0]))
            cpus[name].append((one[1], many[1]))
            print(
                f"round {r + 1} {name:9s}: {one[0] / many[0]:.2f}x wall  (--workers 1: "
                f"{one[0]:5.2f} s wall, {one[1]:5.2f} CPU s, load {one[2]:.1f}; "
                f"--workers {args.workers}: {many[0]:5.2f} s wall, {many[1]:5.2f} CPU s, "
                f"load {many[2]:.1f})",
                flush=True,
            )
    for name in trees:
        w1 = statistics.median(w[0] for w in walls[name])
        wn = statistics.median(w[1] for w in walls[name])
        c1 = statistics.median(c[0] for c in cpus[name])
        cn = statistics.median(c[1] for c in cpus[name])
        print(
            f"{name:9s} ({trees[name]}): speed-up median {statistics.median(speedups[name]):.2f}x "
            f"(rounds {', '.join(f'{s:.2f}' for s in speedups[name])}); median wall {w1:.2f} -> "
            f"{wn:.2f} s, CPU {c1:.2f} -> {cn:.2f} s"
        )


if __name__ == "__main__":
    main()
