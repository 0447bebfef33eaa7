"""`--engine ray`: the engine's per-shard functions as plain Ray tasks, one task per shard.

Why plain tasks over our own shards and not Ray Data: Ray Data chose its own task count for
parquet (one task for the whole input in Ray 2.60), while our shards already are the unit that
`--resume` skips and that writes its own part files.

Joining and starting:
- `--ray-address HOST:PORT` joins a running cluster (`ray start --head` on the head node). Ray 2.60
  clusters use token authentication by default; when a token is at hand (RAY_AUTH_TOKEN,
  RAY_AUTH_TOKEN_PATH or ~/.ray/auth_token) the driver switches to RAY_AUTH_MODE=token itself,
  because Ray only does that for `address="auto"` and a driver without it fails with
  InvalidAuthToken. A token sent to a cluster without authentication is ignored.
- Without an address, a private local instance (`address="local"`: a bare `ray.init()` can attach
  to a stale local cluster and hang) with a token of its own held in the environment, so nothing
  is written to ~/.ray.

What reaches the workers: only task arguments. Environment variables of the driver do not reach
cluster workers, so the test hook below is read here and passed along. The rule set and the
corpus aggregate are the same for every task: they are put in the object store once, and each
worker process unpickles them once for all the tasks it runs (tasks treat them as read-only, as
in the local process pool).

Failure semantics: a task whose worker process or node dies is retried (RETRIES times) on any
node. A shard writes its part files atomically and its statistics file last, so a retried shard
overwrites whatever its killed attempt left and the output is the same as an undisturbed run. An
exception raised by the rules is not retried (it would fail again): the run stops with that error,
the finished shards stay in the work folder and `curate run --resume` redoes only the others.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from curate.errors import UsageError

RETRIES = 3
# Test hook: a folder. The first task of each function (collect_shard, process_shard) to finish
# creates a marker file there and kills its own worker process before returning its result, so
# Ray has to retry it. Read by the driver and passed as a task argument.
KILL_ONCE_ENV = "CURATE_TEST_RAY_KILL_ONCE"
NO_RAY = "--engine ray needs Ray: pip install 'curate[ray]' (or pip install 'ray[default]')"
_TOKEN_FILE = Path.home() / ".ray" / "auth_token"


def connect(address: str | None, num_cpus: int):
    """The `ray` module, connected to the cluster at address or to a new private local one."""
    import importlib.util
    import logging

    if importlib.util.find_spec("ray") is None:
        raise UsageError(NO_RAY)
    loaded = sys.modules.get("ray")
    if loaded is not None and loaded.is_initialized():  # an API user who called ray.init()
        return loaded
    # Ray reads its authentication mode when it loads: decide it first
    if address:
        if "RAY_AUTH_MODE" not in os.environ and _token_at_hand():
            os.environ["RAY_AUTH_MODE"] = "token"
    elif "RAY_AUTH_MODE" not in os.environ:
        import secrets

        os.environ["RAY_AUTH_MODE"] = "token"
        os.environ.setdefault("RAY_AUTH_TOKEN", secrets.token_hex(32))
    try:
        import ray
    except ImportError:
        raise UsageError(NO_RAY) from None
    if loaded is not None:
        _refresh_config()
    quiet = {"log_to_driver": False, "logging_level": logging.WARNING}
    if address:
        _probe(address)
        try:
            ray.init(address=address, **quiet)
        except (ConnectionError, ValueError, RuntimeError) as e:
            raise UsageError(_join_error(address, e)) from None
    else:
        ray.init(address="local", num_cpus=num_cpus, include_dashboard=False, **quiet)
    return ray


def _probe(address: str) -> None:
    """A plain TCP connection first: Ray takes some 40 s to say that nobody listens."""
    import socket

    host, _, port = address.rpartition(":")
    if not host or not port.isdigit() or "/" in host:
        return  # "auto" and other forms Ray understands: Ray answers
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=5).close()
    except OSError as e:
        raise UsageError(
            f"--ray-address {address}: no Ray cluster answers there ({e.strerror or e}); start one "
            "with `ray start --head --port=PORT` (see docs/ray.md)"
        ) from None


def _token_at_hand() -> bool:
    return bool(
        os.environ.get("RAY_AUTH_TOKEN")
        or os.environ.get("RAY_AUTH_TOKEN_PATH")
        or _TOKEN_FILE.exists()
    )


def _refresh_config() -> None:
    # Ray caches RAY_AUTH_MODE in its config: re-read it (what ray does when it enables tokens)
    try:
        from ray._raylet import Config

        Config.initialize("")
    except (ImportError, AttributeError):
        pass


def _join_error(address: str, e: BaseException) -> str:
    chain, cur = [], e
    while cur is not None and len(chain) < 10:
        chain.append(f"{type(cur).__name__}: {cur}")
        cur = cur.__cause__ or cur.__context__
    text = " ".join(chain)
    if "InvalidAuthToken" in text or "AuthenticationError" in text:
        return (
            f"--ray-address {address}: the cluster refused this machine's token "
            "(InvalidAuthToken); copy the head's token (`ray get-auth-token` there) into "
            "RAY_AUTH_TOKEN or ~/.ray/auth_token here (see docs/ray.md)"
        )
    if isinstance(e, ValueError):
        return f"--ray-address {address}: not a Ray address; use HOST:PORT of `ray start --head`"
    return (
        f"--ray-address {address}: no Ray cluster answers there ({type(e).__name__}); "
        "start one with `ray start --head --port=PORT` (see docs/ray.md)"
    )


def map_tasks(
    fn: Callable,
    args: list[tuple],
    progress: Callable[[int], None] | None,
    weights: list[int],
    address: str | None,
    num_cpus: int,
) -> list[Any]:
    """fn(*a) for every a as Ray tasks, results in the order of args."""
    ray = connect(address, num_cpus)
    if not args:
        return []
    width = len(args[0])
    # An argument that is the same object in every task (the rule set, the corpus aggregate) goes
    # to the object store once instead of once per task. Everything is pickled here and unpickled
    # by _task, so the worker can set itself up before the rules load polars.
    shared = {
        k: _Shared(ray.put(pickle.dumps(args[0][k], protocol=pickle.HIGHEST_PROTOCOL)))
        for k in range(width)
        if len(args) > 1 and all(a[k] is args[0][k] for a in args)
    }
    kill_dir = os.environ.get(KILL_ONCE_ENV)
    remote = ray.remote(num_cpus=1, max_retries=RETRIES, retry_exceptions=False)(_task)
    # relative input and output paths mean what they mean here
    setup = (os.getcwd(), kill_dir)
    refs = [
        remote.remote(
            fn,
            setup,
            *[
                shared[k] if k in shared else pickle.dumps(a[k], protocol=pickle.HIGHEST_PROTOCOL)
                for k in range(width)
            ],
        )
        for a in args
    ]
    index = {r: i for i, r in enumerate(refs)}
    results: list[Any] = [None] * len(refs)
    pending = list(refs)
    try:
        while pending:
            # whatever finished within the half second (one wait per result is slow with
            # thousands of shards)
            done, pending = ray.wait(pending, num_returns=len(pending), timeout=0.5)
            for r, value in zip(done, ray.get(done), strict=True):
                results[index[r]] = value
                if progress:
                    progress(weights[index[r]])
    except ray.exceptions.RayTaskError as e:
        _cancel(ray, pending)
        # the rules' own exception, as the local engine would raise it
        cause = getattr(e, "cause", None)
        if isinstance(cause, Exception):
            raise cause from None
        raise
    except ray.exceptions.RayError as e:
        _cancel(ray, pending)
        first = str(e).splitlines()[0] if str(e) else ""
        raise RuntimeError(
            f"a Ray task failed {RETRIES + 1} times ({type(e).__name__}: {first}); "
            "the finished shards are kept: rerun with --resume"
        ) from e
    return results


def _cancel(ray, refs) -> None:
    for r in refs:
        try:
            ray.cancel(r, force=True)
        except Exception:  # best effort: the driver exits next and Ray ends the job anyway
            pass


class _Shared:
    """An argument every task of a pass gets, by its object reference: wrapped, so that Ray hands
    the task the reference itself and not the bytes, and a worker unpickles the object once for
    all the tasks it runs (`_unpickled`) instead of once per task (duplicate-documents' clusters
    of a 200,000-document corpus: ~18 MB, ~18 ms a shard)."""

    __slots__ = ("ref",)

    def __init__(self, ref: Any) -> None:
        self.ref = ref


# in a Ray worker process: the shared arguments of the tasks it runs now, by object id
_unpickled: dict[bytes, Any] = {}


def _arguments(blobs: tuple[bytes | _Shared, ...]) -> list[Any]:
    """The task's arguments: pickled bytes, or a `_Shared` reference read once per worker. Only
    the current task's references stay cached (a finished pass's results are let go)."""
    ids = {b.ref.binary() for b in blobs if isinstance(b, _Shared)}
    for gone in set(_unpickled) - ids:
        del _unpickled[gone]
    out = []
    for b in blobs:
        if isinstance(b, _Shared):
            key = b.ref.binary()
            if key not in _unpickled:
                import ray

                _unpickled[key] = pickle.loads(ray.get(b.ref))
            out.append(_unpickled[key])
        else:
            out.append(pickle.loads(b))
    return out


def _task(fn: Callable, setup: tuple[str, str | None], *blobs: bytes | _Shared) -> Any:
    """Runs in a Ray worker: set the worker up, then fn(*args)."""
    cwd, kill_dir = setup
    try:
        os.chdir(cwd)
    except OSError:
        import socket

        raise UsageError(
            f"the folder {cwd} does not exist on Ray node {socket.gethostname()}: inputs and "
            "--out must be on a filesystem every node mounts at the same path (see docs/ray.md)"
        ) from None
    # One polars thread per task, as in the local process pool: Ray gives each task one CPU.
    # Effective only before polars loads, hence the pickled arguments.
    os.environ.setdefault("POLARS_MAX_THREADS", "1")
    out = fn(*_arguments(blobs))
    if kill_dir:
        _kill_once(Path(kill_dir) / fn.__name__)
    return out


def _kill_once(marker: Path) -> None:
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return
    os.write(fd, str(os.getpid()).encode())
    os.close(fd)
    os.kill(os.getpid(), signal.SIGKILL)
