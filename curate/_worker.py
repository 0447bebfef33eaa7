"""Process-pool worker side: the initialiser, and the arguments every task of a pass shares. Kept
free of heavy imports so that it runs before polars loads."""

import os
import pickle
import signal
import sys
from collections.abc import Callable
from typing import Any


def init(parent: int | None = None) -> None:
    _end_with(parent)
    # one polars thread per worker process: the pool already uses every core. The same for
    # numpy's BLAS (the language scorer's 1-gram sums are matrix products, kept below OpenBLAS'
    # threading threshold; another BLAS may thread sooner). Only effective before they load.
    for var in ("POLARS_MAX_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    # Ctrl-C reaches every process of the group: the parent reports it and stops the pool. A
    # worker takes it only inside a task (call), where it ends the task as an error the parent
    # reads; waiting for one, or importing (warm), it ignores it. SIGINT was blocked from the
    # spawn on (curate._pool._Process.start): ignoring it discards one pending, then unblock.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


# prctl's option: the signal a process gets when the thread that started it ends (Linux)
_PR_SET_PDEATHSIG = 1


def _end_with(parent: int | None) -> None:
    """Have the kernel kill this worker when `parent` (the process that started it) dies: killed
    (SIGKILL, SIGTERM, the OOM killer) it runs no clean-up, and its idle workers, which ignore
    Ctrl-C and wait on a queue whose write end they hold themselves, lived on. Linux only; a
    parent already gone ends the worker at once."""
    if parent is None or not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no prctl in this C library
        return
    if os.getppid() != parent:
        os._exit(1)


def warm() -> None:
    """Import what every task needs (polars, pyarrow, the engine, the pipeline and every rule
    family: ~0.35 CPU s), as a pool's first task: a pool started before the run's first pass
    (curate._pool.start) does it while the run is still getting ready; else the first task
    (call)."""
    import gc

    from curate import engine, pipeline  # noqa: F401
    from curate.checks import all_rules

    all_rules()
    # the objects alive now (the modules: ~1M objects) live as long as the worker: frozen, the
    # collector's full collections skip them, as engine.run has them skipped in its own process
    # (a shard with one took 0.38 CPU s in a worker, against 0.17 s in one process: 200,000
    # documents, every rule)
    if not _warm[0]:
        _warm[0] = True
        gc.freeze()


_warm = [False]


class Shared:
    """Stands, in a task's arguments, for an argument every task of a pass gets (the rule set,
    the corpus pass's results): the parent pickles those once into the file `path`, as a tuple
    (index: the argument's place in it), or finds one pickled alone in a file of the run's
    already (index None: corpus.pkl), and each worker reads the file once. Sent with every
    task, the corpus results were pickled and unpickled once per shard: duplicate-documents'
    clusters of a 200,000-document corpus are ~18 MB (~0.08 CPU s a shard), and they grow with
    the corpus as the shards do. Every task of a worker then gets the same objects: tasks treat
    them as read-only (the rules do; a one-process run shares them too)."""

    __slots__ = ("index", "path", "stamp")

    def __init__(self, path: str, index: int | None, stamp: int = 0) -> None:
        self.path = path
        self.index = index
        self.stamp = stamp  # the pass: a worker drops what earlier passes shared


_loaded: dict[str, Any] = {}  # the current pass's shared arguments, by file
_stamp: list[int] = [0]


def call(fn: Callable, *args: Any) -> Any:
    """fn(*args), with each Shared argument replaced by the object it stands for; Ctrl-C
    interrupts it (init)."""
    if not _warm[0]:  # (a pool start() did not warm)
        warm()
    from curate.engine import _interrupts_kept, _raise_if_interrupted

    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        # (a Ctrl-C that polars swallowed in a Python callback ends the task all the same)
        with _interrupts_kept():
            out = fn(*[_resolve(a) if isinstance(a, Shared) else a for a in args])
            _raise_if_interrupted()
            return out
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _resolve(ref: Shared) -> Any:
    if ref.stamp != _stamp[0]:
        _loaded.clear()  # an earlier pass's arguments are done with
        _stamp[0] = ref.stamp
    if ref.path not in _loaded:
        with open(ref.path, "rb") as f:
            _loaded[ref.path] = pickle.load(f)
    value = _loaded[ref.path]
    return value if ref.index is None else value[ref.index]
