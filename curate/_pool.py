"""The local engine's worker processes (`--workers N`): started as soon as a run knows it wants
them, so that each imports polars, pyarrow and the rules (~0.35 CPU s, ~0.4 s from spawning)
while this process is still loading the rule set and listing the input; stopped without their
interpreter's teardown.

Kept light (no polars, no pyarrow): the CLI calls `prestart` before it imports anything heavy.
"""

from __future__ import annotations

import os
import sys
from multiprocessing.context import SpawnContext, SpawnProcess
from pathlib import Path
from typing import Any

# a single JSONL file is cut into shards of at least this many bytes (curate/io/readers.py,
# MIN_SHARD_BYTES; CURATE_SHARD_BYTES sets the size itself): a larger one makes two or more
_MIN_SHARD_BYTES = int(os.environ.get("CURATE_SHARD_BYTES", 4 * 1024 * 1024))


class _Process(SpawnProcess):
    """A pool worker that ends with os._exit once the pool has told it to stop (its last message
    is sent by then: the pool's result queue writes synchronously). A normal exit tore down the
    whole interpreter first, freeing every module and polars' and Arrow's allocators: ~0.14 s
    a worker at the end of a run of 200,000 documents, which the run waited for. A worker that
    fails (run raises) exits the usual way, with its exit code and traceback."""

    def run(self) -> None:
        super().run()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (AttributeError, OSError, ValueError):  # closed or absent streams
                pass
        os._exit(0)


class _Context(SpawnContext):
    Process = _Process


def new(workers: int) -> Any:
    """A process pool of `workers` spawned processes (fork after polars has started its threads
    can deadlock), each on one polars thread (_worker.init)."""
    from concurrent.futures import ProcessPoolExecutor

    from curate import _worker

    return ProcessPoolExecutor(workers, mp_context=_Context(), initializer=_worker.init)


_started: tuple[int, Any] | None = None  # (workers, pool) started before a run took it


def start(workers: int) -> None:
    """Start a pool of `workers` processes now, each importing what a task needs: the next run
    with that many workers takes it (take), instead of spawning its own when its first pass
    begins. A pool no run takes is stopped by release()."""
    global _started
    if _started is not None or workers <= 1:
        return
    from curate import _worker

    pool = new(workers)
    # the pool spawns a process per task submitted while none is idle: one warm-up each
    for _ in range(workers):
        pool.submit(_worker.warm)
    _started = (workers, pool)


def take(workers: int) -> Any:
    """The pool start() started, if it has `workers` processes (else it is stopped): None when
    there is none."""
    global _started
    if _started is None:
        return None
    size, pool = _started
    _started = None
    if size != workers:
        pool.shutdown(wait=False, cancel_futures=True)
        return None
    return pool


def release() -> None:
    """Stop a pool that start() started and no run took (a run of one shard, or one that failed
    before its first pass). Not waited for: its processes end once they have imported."""
    global _started
    if _started is not None:
        _, pool = _started
        _started = None
        pool.shutdown(wait=False, cancel_futures=True)


def prestart(inputs: list[str], workers: int, engine: str = "local") -> None:
    """start() the pool of a local run of `workers` processes (0: every core) over `inputs`, if
    they will likely make two shards or more (a run of one shard runs in this process): called
    by the CLI before it loads anything, so that the workers import while it does."""
    if engine != "local":
        return
    n = workers or os.cpu_count() or 1
    if n > 1 and _several_shards(inputs):
        start(n)


def _several_shards(inputs: list[str]) -> bool:
    """Whether the inputs will likely make two shards or more, from their names and sizes only
    (no file is read): a JSONL file larger than a shard, two data files (or 2,000 text files,
    which make one shard), counting a folder's files as discovery would. Hugging Face names
    (hf:) count for nothing: such a run starts its pool when it begins."""
    found = 0.0
    for ref in inputs:
        if ref.startswith("hf:"):
            continue
        path = Path(ref)
        try:
            if path.is_dir():
                found += _shards_in(path, 2 - found)
            elif path.is_file():
                found += _shards_of(path.name, path)
        except OSError:  # the run reports it
            continue
        if found >= 2:
            return True
    return False


_TXT_PER_SHARD = 2000  # text files a shard groups (curate/io/readers.py)
_DATA = (".jsonl", ".jsonl.gz", ".json", ".parquet", ".csv", ".txt")


def _shards_of(name: str, path: Path) -> float:
    if name.endswith(".txt"):
        return 1 / _TXT_PER_SHARD
    if name.endswith(".jsonl"):
        return 2 if path.stat().st_size > _MIN_SHARD_BYTES else 1
    return 1 if name.endswith(_DATA) else 0


def _shards_in(folder: Path, enough: float) -> float:
    """About the shards of a folder's files (hidden ones left out, as discovery does; a saved
    dataset's Arrow files), counting up to `enough`."""
    found = 0.0
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        saved = "state.json" in files or "dataset_dict.json" in files
        for name in files:
            if saved:
                found += name.endswith(".arrow")
            elif not name.startswith("."):
                found += _shards_of(name, Path(root) / name)
            if found >= enough:
                return found
    return found
