"""A wall-time line of one `curate run --workers N`: when each process starts, imports, takes
shards, idles; what the parent does between the passes and at the end.

    PYTHONPATH=. /work/main/.venv/bin/python bench/pool_timeline.py bench/_work/web-200k.jsonl \
        [--workers 2] [--rules bench/heuristic.yaml] [--tree /work/wt/base14]

The run is the command `bench/throughput.py --workers-only` times (hf output, report, --quiet,
POLARS_MAX_THREADS=1), in a child process. A `sitecustomize` module put first on the child's
path (and so on every spawned worker's) records, per process, wall-clock events to a file:
interpreter up, the imports of polars, pyarrow and curate's modules (start, end), the worker
initialiser, every task (function, start, end), and in the parent the engine's phases (wrapped
functions of curate.engine and curate.cli). Nothing in the tree is changed; the hooks cost a
few microseconds an event. Printed: each process's line in seconds from the parent's start,
and per worker the time busy in tasks, importing and idle.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

SITECUSTOMIZE = r'''
import os, sys, time, atexit, importlib.abc, importlib.machinery
_DIR = os.environ["CURATE_TIMELINE_DIR"]
_T0 = time.time()
_f = open(os.path.join(_DIR, f"{os.getpid()}.log"), "a", buffering=1)
def ev(name, t=None):
    _f.write(f"{(t if t is not None else time.time()):.6f}\t{time.process_time():.6f}\t{name}\n")
ev("python up", _T0)
atexit.register(lambda: ev("exit"))

_IMPORTS = {"polars", "pyarrow", "numpy", "curate.engine", "curate.pipeline", "curate.checks",
            "curate.cli", "curate.io.readers", "curate.io.writers", "curate.report", "datasets",
            "curate.checks.dedup", "curate.checks.boilerplate", "curate.checks.language",
            "curate.checks.truncation"}

def _wrap(mod, attr, label):
    fn = getattr(mod, attr, None)
    if fn is None or getattr(fn, "_timed", False):
        return
    def timed(*a, **k):
        ev("start " + label)
        try:
            return fn(*a, **k)
        finally:
            ev("end " + label)
    timed._timed = True
    timed.__wrapped__ = fn
    timed.__name__ = getattr(fn, "__name__", attr)
    timed.__qualname__ = getattr(fn, "__qualname__", attr)
    timed.__module__ = getattr(fn, "__module__", None)
    setattr(mod, attr, timed)

def _task(fn, a):
    """A task's label: its function and its shard's first path and byte."""
    shard = a[1] if len(a) > 1 else None
    where = f"{os.path.basename(str(getattr(shard, 'path', '')))}:{getattr(shard, 'start', '')}"
    return f"{getattr(fn, '__name__', '?')} {where}"

def _wrap_task(mod, attr):
    fn = getattr(mod, attr)
    def timed(*a, **k):
        label = "task " + _task(fn, a)
        ev("start " + label)
        try:
            return fn(*a, **k)
        finally:
            ev("end " + label)
    timed.__name__ = timed.__qualname__ = attr
    timed.__module__ = mod.__name__
    setattr(mod, attr, timed)

def _after(name, mod):
    if name == "curate._worker":
        _wrap(mod, "init", "worker init")
        orig = mod.call
        def call(fn, *a):
            label = "task " + _task(fn, a)
            ev("start " + label)
            try:
                return orig(fn, *a)
            finally:
                ev("end " + label)
        call.__qualname__ = call.__name__ = "call"
        call.__module__ = "curate._worker"
        mod.call = call
        if hasattr(mod, "_resolve"):
            _wrap(mod, "_resolve", "load shared")
    elif name == "curate.engine" and os.environ.get("CURATE_TIMELINE_PARENT") == str(os.getpid()):
        for attr in ("discover", "fingerprint", "_spill_folders", "_run", "shard_bytes"):
            if attr != "shard_bytes":
                _wrap(mod, attr, attr)
        _wrap_task(mod, "collect_shard")
        _wrap_task(mod, "process_shard")
        R = mod.Runner
        for attr in ("map", "close", "_share"):
            _wrap(R, attr, "Runner." + attr)
        import pickle
    elif name in ("curate.checks.dedup", "curate.checks.boilerplate", "curate.checks.truncation"):
        if os.environ.get("CURATE_TIMELINE_PARENT") == str(os.getpid()):
            for cls in vars(mod).values():
                if isinstance(cls, type) and getattr(cls, "needs_corpus", False):
                    if cls.__module__ == mod.__name__:
                        _wrap(cls, "merge", "task merge")
                        _wrap(cls, "finish", "task finish")
    elif name == "curate.cli":
        _wrap(mod, "_build_report", "build report")
        _wrap(mod, "write_reports", "write reports") if hasattr(mod, "write_reports") else None
        _wrap(mod, "_prepare", "load ruleset")
    elif name == "curate.io.writers":
        _wrap(mod, "write_output", "write output")
    elif name == "curate.report":
        _wrap(mod, "write_reports", "write reports")

class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name not in _IMPORTS and name not in ("curate._worker",):
            return None
        for f in sys.meta_path:
            if f is self or not hasattr(f, "find_spec"):
                continue
            spec = f.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        exec_module = loader.exec_module
        def run(module, _exec=exec_module):
            if name in _IMPORTS:
                ev("start import " + name)
            try:
                _exec(module)
            finally:
                if name in _IMPORTS:
                    ev("end import " + name)
            _after(name, module)
        try:
            loader.exec_module = run
        except AttributeError:
            return None
        return spec

sys.meta_path.insert(0, _Finder())
'''


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rules", type=Path, default=HERE / "heuristic.yaml")
    ap.add_argument("--tree", type=Path, default=HERE.parent, help="the source tree to run")
    ap.add_argument("--format", default="hf")
    ap.add_argument("--json", type=Path, help="also write the events here")
    args = ap.parse_args()
    python = os.environ.get("CURATE_PYTHON", "/work/main/.venv/bin/python")
    with tempfile.TemporaryDirectory(dir=HERE / "_work") as tmp:
        tmp = Path(tmp)
        hook = tmp / "hook"
        logs = tmp / "logs"
        hook.mkdir()
        logs.mkdir()
        (hook / "sitecustomize.py").write_text(SITECUSTOMIZE)
        tree = str(args.tree.resolve())
        env = dict(
            os.environ,
            POLARS_MAX_THREADS="1",
            PYTHONPATH=f"{hook}{os.pathsep}{tree}",
            CURATE_TIMELINE_DIR=str(logs),
        )
        cmd = [
            python, "-c",
            "import os; os.environ['CURATE_TIMELINE_PARENT'] = str(os.getpid()); "
            "import sys; from curate.cli import main; sys.exit(main(sys.argv[1:]))",
            "run", str(args.corpus.resolve()), "--rules", str(args.rules.resolve()),
            "--out", str(tmp / "out"), "--report-dir", str(tmp / "report"), "--quiet",
            "--format", args.format, "--workers", str(args.workers),
        ]  # fmt: skip
        load = os.getloadavg()[0]
        t0 = time.time()
        proc = subprocess.Popen(cmd, env=env, cwd=tree, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.time() - t0
        if os.waitstatus_to_exitcode(status):
            raise SystemExit(proc.stderr.read().decode()[-3000:])
        events = {}
        for log in logs.iterdir():
            pid = int(log.stem)
            events[pid] = [
                (float(t) - t0, float(c), name)
                for t, c, name in (line.split("\t", 2) for line in log.read_text().splitlines())
            ]
    parent = proc.pid
    if args.json:
        args.json.write_text(json.dumps({"parent": parent, "events": events}))
    print(
        f"tree {tree}, {args.workers} workers, wall {wall:.2f} s, CPU of the tree "
        f"{usage.ru_utime + usage.ru_stime:.2f} s, load before {load:.2f}, after "
        f"{os.getloadavg()[0]:.2f}"
    )
    for pid in sorted(events, key=lambda p: (p != parent, events[p][0][0])):
        evs = sorted(events[pid])
        role = "parent" if pid == parent else "child"
        print(f"\n== {role} {pid}")
        _print_line(evs)
        if role == "child":
            _worker_summary(evs)


def _print_line(evs: list[tuple[float, float, str]]) -> None:
    """Events (wall from the parent's start, then CPU s of the span), with tasks folded: a run of
    consecutive tasks of one function is one line."""
    starts: dict[str, tuple[float, float]] = {}
    tasks: list[tuple[float, float, float, str]] = []
    for t, c, name in evs:
        if name.startswith("start "):
            starts[name[6:]] = (t, c)
        elif name.startswith("end "):
            what = name[4:]
            s, sc = starts.pop(what, (t, c))
            if what.startswith("task "):
                tasks.append((s, t, c - sc, what[5:].split(" ")[0]))
            elif what != "load shared" or t - s > 0.01:
                print(f"  {s:7.2f} - {t:7.2f}  {t - s:6.2f} wall {c - sc:6.2f} CPU  {what}")
        else:
            print(f"  {t:7.2f}            (CPU {c:5.2f})  {name}")
    run: list[tuple[float, float, float, str]] = []
    for task in [*tasks, (None, None, None, None)]:
        if run and task[3] != run[-1][3]:
            busy = sum(e - s for s, e, _, _ in run)
            cpu = sum(c for _, _, c, _ in run)
            print(
                f"  {run[0][0]:7.2f} - {run[-1][1]:7.2f}  {len(run):3d} x {run[0][3]}: busy "
                f"{busy:.2f} s wall, {cpu:.2f} CPU s, gaps {run[-1][1] - run[0][0] - busy:.2f} s,"
                f" tasks {min(e - s for s, e, _, _ in run):.2f}-"
                f"{max(e - s for s, e, _, _ in run):.2f} s"
            )
            run = []
        if task[0] is not None:
            run.append(task)


def _worker_summary(evs: list[tuple[float, float, str]]) -> None:
    up = evs[0][0]
    end, end_cpu = evs[-1][0], evs[-1][1]
    busy = 0.0
    starts: dict[str, float] = {}
    first_task = last_task_end = None
    for t, _, name in evs:
        if name.startswith("start task"):
            starts[name] = t
            first_task = t if first_task is None else first_task
        elif name.startswith("end task"):
            busy += t - starts.pop("start" + name[3:])
            last_task_end = t
    if first_task is None:
        return
    print(
        f"  up at {up:.2f}, first task {first_task:.2f} (ready after {first_task - up:.2f} s), "
        f"last task ends {last_task_end:.2f}, exit {end:.2f} (CPU {end_cpu:.2f}); in tasks "
        f"{busy:.2f} s, idle between first and last {last_task_end - first_task - busy:.2f} s"
    )


if __name__ == "__main__":
    main()
