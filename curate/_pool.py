"""The local engine's worker processes (`--workers N`: N - 1 of them, the run's own process is
the Nth worker): started as soon as a run knows it wants them, so that each imports polars,
pyarrow and the rules (~0.35 CPU s, ~0.4 s from spawning) while this process is still loading
the rule set and listing the input; stopped without their interpreter's teardown.

Kept light (no polars, no pyarrow): the CLI calls `prestart` before it imports anything heavy.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from multiprocessing.context import SpawnContext, SpawnProcess
from pathlib import Path
from typing import Any

# how curate/io/readers.py cuts a JSONL file into byte ranges (its SHARD_BYTES, MIN_SHARD_BYTES,
# SHARDS_PER_FILE; tests/test_workers.py checks they agree): readers imports pyarrow
_SHARD_BYTES_SET = "CURATE_SHARD_BYTES" in os.environ
_SHARD_BYTES = int(os.environ.get("CURATE_SHARD_BYTES", 8 * 1024 * 1024))
_MIN_SHARD_BYTES = 4 * 1024 * 1024
_SHARDS_PER_FILE = 16


class _Process(SpawnProcess):
    """A pool worker that ends with os._exit once the pool has told it to stop (its last message
    is sent by then: the pool's result queue writes synchronously). A normal exit tore down the
    whole interpreter first, freeing every module and polars' and Arrow's allocators: ~0.14 s
    a worker at the end of a run of 200,000 documents, which the run waited for. A worker whose
    run raises exits the usual way, with its traceback (one whose initializer fails returns
    from run, as concurrent.futures makes it, and ends by os._exit(0) too: the pool reports
    it broken)."""

    def start(self) -> None:
        """Spawn the worker with SIGINT blocked, a mask it inherits through exec: Ctrl-C reaches
        the whole process group, and a worker still starting its interpreter or importing printed
        "Fatal Python error: init_import_site" and a traceback. Its initializer (_worker.init)
        then ignores SIGINT outside its tasks. Here a Ctrl-C waits until the process is started
        (with its pid, so stop() can kill it; raised halfway, it left a child that found its
        parent gone), then interrupts: blocking it in this thread is not enough, since another
        thread can take it and Python raises it here all the same."""
        previous = signal.getsignal(signal.SIGINT)
        if threading.current_thread() is not threading.main_thread() or not callable(previous):
            return self._start_blocked()  # (Python handles SIGINT in the main thread only)
        caught: list[int] = []
        signal.signal(signal.SIGINT, lambda signum, _frame: caught.append(signum))
        try:
            self._start_blocked()
        finally:
            signal.signal(signal.SIGINT, previous)
        if caught:  # delivered again, to the handler it was meant for
            signal.raise_signal(signal.SIGINT)

    def _start_blocked(self) -> None:
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            super().start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)

    def run(self) -> None:
        super().run()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (AttributeError, OSError, ValueError):  # closed or absent streams
                pass
        os._exit(0)


class _Context(SpawnContext):
    """The pool's spawn context: it keeps every process it made, so that stop() can kill them
    all, one the pool had not recorded yet included (a Ctrl-C pending while it was spawned
    interrupts the pool right after, before it notes the process)."""

    def __init__(self) -> None:
        super().__init__()
        self.processes: list[_Process] = []

    def Process(self, *args: Any, **kwargs: Any) -> _Process:  # noqa: N802 - multiprocessing's name
        proc = _Process(*args, **kwargs)
        # killed, not waited for, if this process exits with the pool never shut down: a worker
        # ignores Ctrl-C while it waits for a task (_worker.init), and multiprocessing's exit
        # handler waits for a process that is not a daemon. (A worker starts no process.)
        proc.daemon = True
        self.processes.append(proc)
        return proc


def new(processes: int) -> Any:
    """A process pool of `processes` spawned processes (fork after polars has started its threads
    can deadlock), each on one polars thread (_worker.init)."""
    from concurrent.futures import ProcessPoolExecutor

    from curate import _worker

    context = _Context()
    pool = ProcessPoolExecutor(
        processes, mp_context=context, initializer=_worker.init, initargs=(os.getpid(),)
    )
    pool.curate_context = context  # (stop)
    return pool


class _Started(threading.local):
    # (processes, working folder, pool) that no run took yet, per thread: the run that started it
    # (the CLI's, the engine's) takes or releases it in the same thread, and a run on another
    # thread of this process neither takes nor stops it
    pool: tuple[int, str, Any] | None = None


_started = _Started()


def start(processes: int) -> None:
    """Start a pool of `processes` processes now, each importing what a task needs: the next run
    that wants that many takes it (take), instead of spawning its own when its first pass
    begins. A pool no run takes is stopped by release()."""
    if _started.pool is not None or processes < 1:
        return
    from curate import _worker

    pool = new(processes)
    _started.pool = (processes, os.getcwd(), pool)  # before any spawn: release() stops what was
    # the pool spawns a process per task submitted while none is idle: one warm-up each
    for _ in range(processes):
        pool.submit(_worker.warm)


def take(processes: int) -> Any:
    """The pool start() started, if it has that many processes and was started from this
    working folder (its processes resolve relative paths from theirs): None when there is none
    (one that does not fit is stopped)."""
    if _started.pool is None:
        return None
    size, cwd, pool = _started.pool
    _started.pool = None
    if size != processes or cwd != os.getcwd():
        stop(pool, now=True)
        return None
    return pool


def release() -> None:
    """Stop a pool that start() started and no run took (a run of one shard, or one that failed
    or was interrupted before its first pass): at once, its processes may still be importing."""
    if _started.pool is not None:
        pool = _started.pool[2]
        _started.pool = None
        stop(pool, now=True)


def stop(pool: Any, now: bool = False) -> None:
    """Stop the pool's processes: once their tasks are done, or `now` (a run that failed or was
    interrupted, a pool no run took), killed wherever they are: starting up, importing, in a
    task. A killed task leaves no file a rerun would take for done (its files are written to
    temporary names, renamed once whole: --resume redoes the shard). Not killed, a worker
    waited for its imports (~0.4 s) or its shard, or outlived the run, its parent gone."""
    if now:
        for proc in pool.curate_context.processes:
            if proc.pid is not None and proc.exitcode is None:  # started, not reaped yet
                try:
                    proc.terminate()
                except (OSError, ValueError):  # gone meanwhile
                    pass
    # waited for even when killed (their manager thread sees them gone at once): left running,
    # that thread closed its wake-up pipe while the interpreter's exit wrote to it ("Exception
    # ignored in: <module 'threading'> ... Bad file descriptor", concurrent.futures' own race)
    pool.shutdown(wait=True, cancel_futures=True)


def prestart(inputs: list[str], workers: int, engine: str = "local") -> None:
    """start() the pool of a local run of `workers` workers (0: every core) over `inputs`, one
    per shard up to that, less this process, if they will likely make two shards or more (a run
    of one shard runs in this process alone): called by the CLI before it loads anything, so
    that the workers import while it does. The caller release()s it if the run never begins."""
    if engine != "local":
        return
    n = workers or os.cpu_count() or 1
    if n > 1:
        n = min(n, int(_shard_count(inputs, n)))
        if n > 1:
            start(n - 1)


def _shard_count(inputs: list[str], enough: int) -> float:
    """About the shards the inputs make, counted up to `enough`, from their names and sizes
    only (no file is read): a JSONL file's byte ranges, one per other data file, one per 2,000
    text files, a folder's files counted as discovery would. Hugging Face names (hf:) count for
    nothing: such a run starts its pool when it begins (engine.run, with the shards known)."""
    found = 0.0
    for ref in inputs:
        if ref.startswith("hf:"):
            continue
        path = Path(ref)
        try:
            if path.is_dir():
                found += _shards_in(path, enough - found)
            elif path.is_file():
                found += _shards_of(path.name, path)
        except OSError:  # the run reports it
            continue
        if found >= enough:
            break
    return found


_TXT_PER_SHARD = 2000  # text files a shard groups (curate/io/readers.py)
_DATA = (".jsonl", ".jsonl.gz", ".json", ".parquet", ".csv", ".txt")


def _shards_of(name: str, path: Path) -> float:
    if name.endswith(".txt"):
        return 1 / _TXT_PER_SHARD
    if name.endswith(".jsonl"):
        # the byte ranges readers.jsonl_shards cuts (at newlines: one more or less, at worst)
        size = path.stat().st_size
        target = (
            _SHARD_BYTES
            if _SHARD_BYTES_SET
            else min(_SHARD_BYTES, max(_MIN_SHARD_BYTES, size // _SHARDS_PER_FILE))
        )
        return max(1, -(-size // target))
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
