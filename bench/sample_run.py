"""Where a whole `curate run --workers 1` spends its CPU, by sampling its Python stack.

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/sample_run.py \
        bench/_work/web-200k.jsonl [--rules bench/heuristic.yaml] [--interval 0.002] [--top 40]

Runs the real command line (curate.cli.main) in this process with a CPU-time timer
(ITIMER_PROF): at every tick the main thread's stack is recorded, weighted by the CPU seconds
(time.process_time, every thread) spent since the previous tick, so a long call into polars or
Arrow that delays the tick is charged in full to the Python line that made it. Unlike cProfile
this adds no cost per Python call, and it charges garbage collection, page faults and frees to
where they happen.

Prints, outside the rules (any frame in a rule's evaluate() or collect() is the rules' own):
the CPU per phase (with its system CPU and minor page faults, from getrusage at every tick)
and, for the frames of curate's engine, pipeline, readers, writers, stats and base.py, the
inclusive CPU per source line (the lines that made the calls) and per function, and the minor
faults per line.
The report's helper process is not sampled (its CPU is printed from RUSAGE_CHILDREN).
"""

from __future__ import annotations

import argparse
import collections
import os
import resource
import signal
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")
HERE = Path(__file__).resolve().parent
OURS = ("curate/engine.py", "curate/pipeline.py", "curate/io/", "curate/stats.py", "base.py")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--rules", default=str(HERE / "heuristic.yaml"))
    ap.add_argument("--interval", type=float, default=0.002)
    ap.add_argument("--top", type=int, default=40)
    args = ap.parse_args()

    t_start = time.process_time()
    import curate  # noqa: F401, I001  (first, as the command line: polars' allocator)
    import datasets  # noqa: F401
    import polars  # noqa: F401
    import pyarrow  # noqa: F401

    from curate import checks, cli

    checks.all_rules()
    imports = time.process_time() - t_start

    phase_cost: collections.Counter[str] = collections.Counter()
    line_cost: collections.Counter[str] = collections.Counter()
    func_cost: collections.Counter[str] = collections.Counter()
    last = [time.process_time()]
    # minor page faults (RUSAGE_SELF) since the previous tick, charged like the CPU
    phase_faults: collections.Counter[str] = collections.Counter()
    line_faults: collections.Counter[str] = collections.Counter()
    phase_sys: collections.Counter[str] = collections.Counter()
    last_flt = [resource.getrusage(resource.RUSAGE_SELF).ru_minflt]
    last_sys = [0.0]

    def classify(frames: list) -> str:
        names = [(f.f_code.co_filename, f.f_code.co_name) for f in frames]
        for file, name in names:
            if "/curate/checks/" in file and not file.endswith("base.py"):
                if name == "collect" or any(n == "collect_batches" for _, n in names):
                    return "rules: collect()"
                return "rules: evaluate()"
        for file, name in names:
            if file.endswith("writers.py") and name == "write_output":
                return "output: write"
            if "/curate/report/" in file:
                return "report"
        for file, name in names:
            if name in ("add", "close") and file.endswith("engine.py"):
                return "pass 2: part writer"
        for _file, name in reversed(names):
            if name == "process_batch":
                return "pass 2: batch function's own work"
            if name == "read_shard" or name.startswith("_read_") or name == "_jsonl_lines":
                return "read"
            if name == "_write_arrow":
                return "spill/part write"
            if name == "discover":
                return "discover"
            if name == "collect_batches":
                return "pass 1: outside collect()"
            if name in ("process_batches", "process_shard"):
                return "pass 2: outside process_batch"
        for _file, name in names:
            if name == "run" and "engine.py" in _file:
                return "engine.run: other"
        return "outside engine.run"

    gc_cost = collections.Counter()
    gc_start = [0.0]

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            gc_start[0] = time.process_time()
        else:
            gc_cost[f"gen{info['generation']}"] += time.process_time() - gc_start[0]
            gc_cost[f"gen{info['generation']} n"] += 1

    import gc

    gc.callbacks.append(on_gc)

    def tick(signum, frame) -> None:
        now = time.process_time()
        w = now - last[0]
        last[0] = now
        usage = resource.getrusage(resource.RUSAGE_SELF)
        faults = usage.ru_minflt - last_flt[0]
        last_flt[0] = usage.ru_minflt
        sys_s = usage.ru_stime - last_sys[0]
        last_sys[0] = usage.ru_stime
        frames = []
        f = frame
        while f is not None:
            frames.append(f)
            f = f.f_back
        frames.reverse()  # outermost first
        phase = classify(frames)
        phase_cost[phase] += w
        phase_faults[phase] += faults
        phase_sys[phase] += sys_s
        if phase.startswith("rules"):
            return
        seen_l, seen_f = set(), set()
        for f in frames:
            file = f.f_code.co_filename
            if not any(o in file for o in OURS):
                continue
            short = file.split("/curate/")[-1]
            key_l = f"{short}:{f.f_lineno} {f.f_code.co_name}"
            key_f = f"{short}:{f.f_code.co_name}"
            if key_l not in seen_l:
                seen_l.add(key_l)
                line_cost[key_l] += w
                line_faults[key_l] += faults
            if key_f not in seen_f:
                seen_f.add(key_f)
                func_cost[key_f] += w

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
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        signal.signal(signal.SIGPROF, tick)
        last[0] = time.process_time()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        last_flt[0], last_sys[0] = usage.ru_minflt, usage.ru_stime
        t0 = last[0]
        signal.setitimer(signal.ITIMER_PROF, args.interval, args.interval)
        try:
            rc = cli.main(argv)
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0, 0)
        cmd = time.process_time() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if rc != 0:
        sys.exit(f"curate run failed: {rc}")
    helper = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)
    print(f"# {args.corpus}: imports {imports:.2f}, command {cmd:.2f}, helper {helper:.2f} CPU s")
    print("garbage collection:", {k: round(v, 3) for k, v in gc_cost.items()})
    print(f"{'phase':<50} {'CPU s':>7} {'of it sys':>9} {'minor faults':>13}")
    for label, secs in phase_cost.most_common():
        print(f"{label:<50} {secs:7.2f} {phase_sys[label]:9.2f} {phase_faults[label]:13,}")
    print("\n# inclusive CPU s per function (outside the rules)")
    for label, secs in func_cost.most_common(args.top):
        print(f"{secs:7.3f}  {label}")
    print("\n# inclusive CPU s per line (outside the rules)")
    for label, secs in line_cost.most_common(args.top * 2):
        print(f"{secs:7.3f}  {label}")
    print("\n# minor page faults per line (outside the rules)")
    for label, n in line_faults.most_common(args.top):
        print(f"{n:9,}  {label}")


if __name__ == "__main__":
    main()
