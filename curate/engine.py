"""Running a rule set over shards: one process, a process pool (`--workers`) or Ray
(`--engine ray`).

Every engine calls the same two pure functions on shards:
  collect_shard  - the corpus-level first pass (hashes and counts), only when a rule needs it;
  process_shard  - read the shard, apply the rules batch by batch, write the shard's part files.
A shard's part files are written atomically and its statistics file last, so a shard with a
statistics file is finished: `--resume` (and a Ray retry) redo only the shards without one.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import pickle
import queue
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from curate.config import RuleSet
from curate.errors import UsageError
from curate.io.readers import BATCH_BYTES, BATCH_ROWS, Shard, discover, gzip_size, read_shard
from curate.io.writers import normal_types
from curate.stats import MAX_EXAMPLES, RunStats

MANIFEST = "manifest.json"


@dataclass
class RunOptions:
    workers: int = 0  # 0: every core
    engine: str = "local"
    ray_address: str | None = None
    progress: bool = False
    # a batch ends at batch_rows rows or batch_bytes bytes of text (curate/io/readers.py says why)
    batch_rows: int = BATCH_ROWS
    batch_bytes: int = BATCH_BYTES
    # called once in this process as worker processes start on the first pass, which take the
    # tasks it would have taken meanwhile: work the run needs later (the CLI loads datasets
    # there, for a version whose metadata the `hf` writer does not write itself)
    while_waiting: Callable[[], None] | None = None
    # what the run writes (--out, its work folders, the report files), each with the option that
    # names it: never read as input (readers.discover)
    own_paths: dict[str, str] = field(default_factory=dict)


@dataclass
class RunResult:
    stats: RunStats
    seconds: float
    shards: int
    inputs: list[str]
    skipped_files: list[str] = field(default_factory=list)
    fingerprint: str = ""


# -- the pure per-shard functions ------------------------------------------------------------------


def collect_batches(ruleset: RuleSet, tables: Iterable) -> dict[str, Any]:
    """First pass: each corpus rule's aggregate over some batches (hashes and counts, never
    texts)."""
    import polars as pl

    from curate.checks.base import Batch
    from curate.pipeline import _drop

    rules = [r for r in ruleset.build() if r.needs_corpus]
    aggs: dict[str, Any] = {r.name: None for r in rules}
    for table in tables:
        if table is None:
            continue
        df = pl.from_arrow(table)
        batch = Batch.for_corpus(
            df.get_column(ruleset.text_column), extra=_drop(df, [ruleset.text_column])
        )
        for r in rules:
            aggs[r.name] = r.merge(aggs[r.name], r.collect(batch))
    return aggs


def process_batches(
    ruleset: RuleSet,
    batches: Iterable,
    corpus: dict[str, Any],
    keep_rows: bool,
    on_batch: Callable[[int, Any], None] | None = None,
    sink: Callable[[Any, Any], None] | None = None,
    known_bounds: dict[str, int] | None = None,
):
    """Second pass over (table, unreadable) batches: kept and rejected frames and the statistics.
    With a sink, each batch's (kept, rejected) frames go to it instead of the returned lists.
    known_bounds: per rule, a key that no example of these batches needs to reach: an example at
    or above it ranks after MAX_EXAMPLES fired documents of the run with smaller keys
    (_SeenExamples), so the run's merge never keeps it.
    The batches build no example at or above it, nor above their own statistics' bound."""
    import polars as pl

    from curate.pipeline import example_bounds, process_batch

    rules = ruleset.build()
    stats = RunStats()
    kept, rejected = [], []
    for table, bad in batches:
        if bad:
            stats.add_unreadable([b.as_dict() for b in bad])
        if table is not None:
            bounds = example_bounds(stats)
            for name, bound in (known_bounds or {}).items():
                bounds[name] = min(bound, bounds.get(name, bound))
            out = process_batch(
                rules,
                pl.from_arrow(table),
                ruleset.text_column,
                corpus,
                ruleset.id_column,
                bounds,
            )
            stats.merge(out.stats)
            if sink is not None:
                sink(out.kept, out.rejected)
            elif keep_rows:
                kept.append(out.kept)
                rejected.append(out.rejected)
            if on_batch:
                on_batch(table.num_rows, table)
    return kept, rejected, stats


def collect_shard(
    ruleset: RuleSet,
    shard: Shard,
    batch_rows: int = BATCH_ROWS,
    batch_bytes: int = BATCH_BYTES,
    spill: str | None = None,
    on_batch: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """The corpus pass over one shard. With a spill folder, the batches it parsed are also written
    there as Arrow files, for process_shard to map instead of parsing the input again."""
    batches = read_shard(shard, ruleset.text_column, batch_rows, batch_bytes)
    if spill is not None:
        batches = _spilled(batches, spill)
    return collect_batches(ruleset, _tables(batches, ruleset.text_column, on_batch))


# Inputs whose parsing costs more than writing and mapping an Arrow copy: JSON, CSV and text are
# parsed row by row in Python (~0.012 ms a 2 KB document, 2.5 CPU s of 200,000); parquet and Arrow
# inputs are read as columns already.
SPILL_KINDS = ("jsonl", "jsonl.gz", "json", "csv", "txt")


def _spilled(batches: Iterable, folder: str):
    """Pass the (table, unreadable) batches through, writing each table to `<folder>/NNNN.arrow`
    and, once the last is written, the list of batches to `<folder>/batches` (a spill without it
    is unfinished and never read). One batch at a time: memory does not grow with the shard.
    The folder is the shard's own (its parent, the run's `input` folder, must exist): removing a
    spill lists only its own files, not every shard's."""
    index: list[tuple[str | None, list]] | None = []
    try:
        _remove_spill(folder)  # an unfinished spill of a run that was killed (--resume)
        os.mkdir(folder)
    except OSError:  # a folder this node does not see: pass 2 reads the input again
        index = None
    for table, bad in batches:
        if index is not None:
            path = None
            try:
                if table is not None:
                    path = os.path.join(folder, f"{len(index):04d}.arrow")
                    _write_arrow(path, table)
                rows = table.num_rows if table is not None else 0
                index.append((os.path.basename(path) if path else None, rows, bad))
            except OSError:  # a full disk: read the input again
                index = None
        yield table, bad
    if index is None:
        _remove_spill(folder)
        return
    tmp = os.path.join(folder, "batches.tmp")
    try:
        with open(tmp, "wb") as f:
            pickle.dump(index, f)
        os.replace(tmp, os.path.join(folder, "batches"))
    except OSError:  # the disk filled at the last step: pass 2 reads the input again
        _remove_spill(folder)


def _spill_done(folder: str) -> bool:
    """Whether the spill is finished and its tables hold the rows its index lists: nothing is
    synced to the disk, and after a machine crash the index can be there without its tables
    (--resume then reads the shard's input). Counted from the tables' batch headers."""
    from curate.io.writers import _part_rows

    try:
        with open(os.path.join(folder, "batches"), "rb") as f:
            index = pickle.load(f)
        return all(
            name is None or _part_rows(os.path.join(folder, name)) == rows
            for name, rows, _ in index
        )
    except (OSError, ValueError, TypeError, EOFError, pickle.UnpicklingError):
        return False


def _read_spill(folder: str):
    """The (table, unreadable) batches _spilled wrote, each table memory-mapped: the same tables,
    columns and types the reader gave, without parsing the input again."""
    import pyarrow as pa

    with open(os.path.join(folder, "batches"), "rb") as f:
        index = pickle.load(f)
    for name, _, bad in index:
        table = None
        if name is not None:
            with pa.memory_map(os.path.join(folder, name)) as src:
                table = pa.ipc.open_stream(src).read_all()
        yield table, bad


def _remove_spill(folder: str) -> None:
    """Remove one shard's spill folder: its own files only (a shared folder listed once per shard
    cost shards x files, nearly quadratic at 100,000 shards)."""
    try:
        names = os.listdir(folder)
    except OSError:  # never written, or removed already
        return
    for name in names:
        try:
            os.remove(os.path.join(folder, name))
        except FileNotFoundError:  # pragma: no cover - a retried task removed it first
            pass
    try:
        os.rmdir(folder)
    except OSError:  # pragma: no cover - a retried task is writing it again
        pass


def _tables(batches: Iterable, text_column: str, on_batch: Callable[[int, int], None] | None):
    """The tables of (table, unreadable) batches, reporting (rows, text bytes) of each to on_batch
    (the progress bar of a run in this process)."""
    for table, _ in batches:
        if table is not None and on_batch:
            on_batch(table.num_rows, table.column(text_column).nbytes)
        yield table


def process_shard(
    ruleset: RuleSet,
    shard: Shard,
    corpus: dict[str, Any],
    part_prefix: str | None,
    batch_rows: int = BATCH_ROWS,
    batch_bytes: int = BATCH_BYTES,
    spill: str | None = None,
    run: str | None = None,
    on_batch: Callable[[int, int], None] | None = None,
) -> RunStats:
    """Read one shard, apply the rules, write `<prefix>.train.arrow` / `.rejected.arrow` and, last,
    `<prefix>.stats.json`. Returns the shard's statistics. Pure apart from those files and this
    process's _SeenExamples. A finished spill of the shard's batches (collect_shard) is read
    instead of the input, and removed once the shard is done. on_batch(rows, text bytes) is told
    of every batch done (the progress bar).

    run: the run's token (Runner.token). The shards of a run done in this process before this one,
    in any order, give it their example bounds (_SeenExamples): its statistics then lack only
    examples that the run's merge drops. Without them each shard's first batch built ~100 such
    examples (texts cut, signals made plain, written in the statistics file): ~7 CPU ms a shard,
    and ~1 CPU s of a 46-shard run in all (the memory they took was page-faulted in afresh;
    tests/test_run_costs.py compares the merged statistics, bench/run_bounds_pair.py the CPU)."""
    if spill is not None and _spill_done(spill):
        batches = _read_spill(spill)
    else:
        batches = read_shard(shard, ruleset.text_column, batch_rows, batch_bytes)
    text_column = ruleset.text_column
    done = (
        (lambda rows, table: on_batch(rows, table.column(text_column).nbytes)) if on_batch else None
    )
    parts = _PartWriter(part_prefix) if part_prefix else None
    try:
        _, _, stats = process_batches(
            ruleset,
            batches,
            corpus,
            keep_rows=False,
            on_batch=done,
            sink=parts.add if parts else None,
            known_bounds=_SEEN.bounds(run),
        )
        stats.bytes_in = shard_bytes(shard)
        if parts:
            parts.close()
            # last, and not synced to the disk (_finished checks a shard's files on --resume)
            _atomic_write_text(f"{part_prefix}.stats.json", stats.to_json(), durable=False)
    finally:
        if parts:
            parts.discard()
    if spill is not None:
        _remove_spill(spill)
    _SEEN.add(run, shard, stats)
    return stats


class _PartWriter:
    """A shard's kept and rejected rows, written batch by batch, so memory holds one batch's
    output, not the shard's (a shard of a parquet or Arrow input can hold 50,000 rows or a whole
    file). The part files get the columns one polars concat of all the frames
    (diagonal_relaxed) would give, in the types the output is written in (`normal_types`:
    string, not polars' large_string), so that the writers copy their batches as they are.

    While every batch's frame has the schema of the first, its rows go straight into the part
    file's stream (the common case: one reader, one set of columns). The first batch whose schema
    differs (a column absent, or null in one batch and text in another) turns what was written so
    far into a spill file: from then on each batch is spilled, and close() rewrites the spills
    into the part file with the unified schema, streaming them through one at a time. Writing
    every batch twice cost ~1.1 CPU s of a 47 s run of 200,000 documents."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.spilled: dict[str, list[str]] = {"train": [], "rejected": []}
        self.schemas: dict[str, list[Any]] = {"train": [], "rejected": []}
        # split -> (sink, writer, Arrow schema) of the part file written directly
        self.direct: dict[str, tuple[Any, Any, Any]] = {}
        self.mixed: set[str] = set()  # splits whose batches did not all have one schema

    def add(self, kept, rejected) -> None:
        import pyarrow as pa

        for split, frame in (("train", kept), ("rejected", rejected)):
            empty = frame.clear()
            if self.schemas[split] and split not in self.mixed:
                if empty.schema != self.schemas[split][0].schema:
                    self._to_spill(split)
            self.schemas[split].append(empty)
            if not frame.height:
                continue
            table = normal_types(frame.to_arrow())
            if split in self.mixed:
                path = f"{self.prefix}.{split}.{len(self.spilled[split]):05d}.spill"
                _write_arrow(path, table)
                self.spilled[split].append(path)
                continue
            if split not in self.direct:
                sink = _output_file(f"{self.prefix}.{split}.arrow.tmp")
                self.direct[split] = (sink, pa.ipc.new_stream(sink, table.schema), table.schema)
            sink, writer, schema = self.direct[split]
            if table.schema != schema:  # same polars schema, other Arrow types: spill after all
                self._to_spill(split)
                path = f"{self.prefix}.{split}.{len(self.spilled[split]):05d}.spill"
                _write_arrow(path, table)
                self.spilled[split].append(path)
                continue
            writer.write_table(table)

    def _to_spill(self, split: str) -> None:
        """The part file written so far becomes the first spill of a split of mixed schemas."""
        self.mixed.add(split)
        if split in self.direct:
            sink, writer, _ = self.direct.pop(split)
            writer.close()
            sink.close()
            path = f"{self.prefix}.{split}.{len(self.spilled[split]):05d}.spill"
            os.replace(f"{self.prefix}.{split}.arrow.tmp", path)
            self.spilled[split].append(path)

    def close(self) -> None:
        import polars as pl
        import pyarrow as pa

        for split, empties in self.schemas.items():
            path = f"{self.prefix}.{split}.arrow"
            if split in self.direct:  # one schema throughout: the stream is the part file
                sink, writer, _ = self.direct.pop(split)
                writer.close()
                sink.close()
                os.replace(path + ".tmp", path)
                continue
            if not empties:
                _atomic_write_arrow(path, None)
                continue
            unified = pl.concat(empties, how="diagonal_relaxed")
            tmp = path + ".tmp"
            with (
                _output_file(tmp) as sink,
                pa.ipc.new_stream(sink, normal_types(unified.to_arrow()).schema) as writer,
            ):
                for spill in self.spilled[split]:
                    with pa.memory_map(spill) as src:
                        frame = pl.from_arrow(pa.ipc.open_stream(src).read_all())
                    frame = pl.concat([unified, frame], how="diagonal_relaxed")
                    writer.write_table(normal_types(frame.to_arrow()))
            os.replace(tmp, path)

    def discard(self) -> None:
        for split, (sink, writer, _) in list(self.direct.items()):
            writer.close()
            sink.close()
            if os.path.exists(f"{self.prefix}.{split}.arrow.tmp"):
                os.remove(f"{self.prefix}.{split}.arrow.tmp")
        self.direct.clear()
        for paths in self.spilled.values():
            for p in paths:
                if os.path.exists(p):
                    os.remove(p)


def shard_bytes(shard: Shard) -> int:
    if shard.kind == "txt":
        return sum(os.path.getsize(p) for p in shard.paths)
    if shard.kind == "jsonl" and shard.end >= 0:
        return shard.end - shard.start
    try:
        size = os.path.getsize(shard.path)
    except OSError:
        return 0
    if shard.kind == "jsonl":  # the last byte range of a file runs to its end
        return size - shard.start
    if shard.kind == "parquet" and shard.end >= 0:
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(shard.path).metadata
        total = meta.num_row_groups or 1
        return size * (shard.end - shard.start) // total
    return size


def _atomic_write_arrow(path: str, frame) -> None:
    import pyarrow as pa

    tmp = path + ".tmp"
    _write_arrow(tmp, normal_types(frame.to_arrow()) if frame is not None else pa.table({}))
    os.replace(tmp, path)


def _write_arrow(path: str, table) -> None:
    import pyarrow as pa

    # (the parts arrive in normal_types' types; the spill keeps polars' large_string/large_list)
    with _output_file(path) as sink, pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)


def _output_file(path: str):
    """A file an Arrow stream is written to. Buffered: a record batch is a write per buffer
    (~200 for a batch with every rule's signals), and the small ones (validity maps, offsets,
    numbers) go out together; a buffer larger than the 64 KiB is written through (Arrow's
    BufferedOutputStream), not copied (~0.35 ms a batch of 4 MB)."""
    import pyarrow as pa

    return pa.BufferedOutputStream(pa.OSFile(path, "wb"), 1 << 16)


def _atomic_write_text(path: str, text: str, durable: bool = True) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        if durable:
            f.flush()
            os.fsync(f.fileno())
    os.replace(tmp, path)


def _finished(prefix: str) -> bool:
    """Whether an earlier run finished this shard.

    A shard's statistics file is written last, so after a killed process it is there only when
    the part files are complete. After a machine crash the files' data may not have reached the
    disk (nothing is synced per shard: two workers waited ~0.3 s of a 200,000-document run in
    fsync): the statistics must parse and the part files must hold, by their batch headers, the
    rows the statistics count; else the shard is done again. (A file system that leaves pages of
    zeros inside a file of the right length is not caught: ext4 in its default mode cuts the file
    short instead.)"""
    from curate.io.writers import _part_rows

    try:
        stats = json.loads(Path(f"{prefix}.stats.json").read_text())
        rows = {split: _part_rows(f"{prefix}.{split}.arrow") for split in ("train", "rejected")}
        return rows == {"train": stats["kept"], "rejected": stats["dropped"]}
    except (OSError, ValueError, KeyError, TypeError):  # (pyarrow's errors are OSError, ValueError)
        return False


def _save_corpus_results(corpus: dict[str, Any], path: Path) -> None:
    """Pickle the corpus pass's results to `path`, streamed (the near-duplicate rule's frame,
    ~20 MB at 200,000 documents, is not copied into one bytes object first), then their xxh64
    to `<path>.xxh64`: the file is not synced, and _corpus_results checks it on --resume."""
    import xxhash

    digest = xxhash.xxh64()

    class _Hashed:  # a file that hashes what is written to it
        def __init__(self, f):
            self.f = f

        def write(self, data):
            digest.update(data)
            return self.f.write(data)

    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as f:
        pickle.dump(corpus, _Hashed(f), protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    _atomic_write_text(f"{path}.xxh64", digest.hexdigest(), durable=False)


def _corpus_results(path: Path) -> dict[str, Any] | None:
    """The corpus pass's results an earlier run saved, or None when they are missing or are not
    the bytes that were written (a machine crash can cut the file short or leave pages of zeros
    in it: a pickle of zeroed bytes can load as other results)."""
    import xxhash

    try:
        data = path.read_bytes()
        if xxhash.xxh64_hexdigest(data) != Path(f"{path}.xxh64").read_text():
            return None
        return pickle.loads(data)
    except Exception:  # (missing; or the bytes match and do not load: computed again)
        return None


# -- scheduling ------------------------------------------------------------------------------------


def fingerprint(shards: list[Shard]) -> str:
    """Identifies the input: paths, byte ranges, sizes and modification times of every shard."""
    import hashlib

    h = hashlib.sha256()
    for s in shards:
        for p in s.paths or (s.path,):
            try:
                st = os.stat(p)
                h.update(f"{p}|{s.start}|{s.end}|{st.st_size}|{int(st.st_mtime)}\n".encode())
            except OSError:
                h.update(f"{p}|missing\n".encode())
    return h.hexdigest()[:16]


# how long a pass that failed or was interrupted waits for the pool's tasks under way before it
# kills their processes (Ctrl-C reaches them too: they end their tasks in milliseconds)
STOP_GRACE_SECONDS = 2.0


class _Interrupted(threading.local):
    # a Ctrl-C that native code swallowed while it ran a Python callback, this run (None: no
    # run of this thread is keeping them)
    swallowed: list[bool] | None = None


_interrupted = _Interrupted()


@contextlib.contextmanager
def _interrupts_kept():
    """While a run goes on in this process: a KeyboardInterrupt raised in Python code that native
    code called (polars calls back into Python for some types) cannot travel on from there:
    Python prints it as "Exception ignored in: ..." with a traceback and the run goes on. Here
    it is kept, unprinted, and _raise_if_interrupted raises it once the task ends. (A Ctrl-C
    anywhere else is raised where it lands, as ever.)"""
    previous_hook = sys.unraisablehook
    outer = _interrupted.swallowed
    _interrupted.swallowed = swallowed = []

    def hook(unraisable) -> None:
        if unraisable.exc_type is not None and issubclass(unraisable.exc_type, KeyboardInterrupt):
            swallowed.append(True)
            return
        previous_hook(unraisable)

    sys.unraisablehook = hook
    try:
        yield
    finally:
        sys.unraisablehook = previous_hook
        _interrupted.swallowed = outer


def _raise_if_interrupted() -> None:
    if _interrupted.swallowed:
        _interrupted.swallowed.clear()
        raise KeyboardInterrupt


class _Tasks:
    """The tasks of one map() not taken yet, shared by this process and the pool's thread that
    hands them to the pool's processes, and the pool's results as they come in."""

    def __init__(self, order: Iterable[int]):
        self._todo = collections.deque(order)
        self._lock = threading.Lock()
        self._done: queue.SimpleQueue = queue.SimpleQueue()
        self._stopped = False
        self._in_flight: set[Any] = set()  # the pool's futures not come in yet

    def take(self) -> int | None:
        with self._lock:
            return None if self._stopped or not self._todo else self._todo.popleft()

    def stop(self) -> None:
        """Hand out no more tasks (the map failed or was interrupted)."""
        with self._lock:
            self._stopped = True

    def sent(self, future: Any) -> None:
        with self._lock:
            self._in_flight.add(future)

    def wait_in_flight(self, seconds: float) -> None:
        """Wait, up to `seconds`, for the pool's tasks under way. A task that the same Ctrl-C
        interrupted sends its error back at once: its process killed while it wrote that
        message, the pool's thread waited for the rest of it for ever (and the run with it)."""
        from concurrent.futures import wait

        with self._lock:
            running = list(self._in_flight)
        wait(running, timeout=seconds)

    def came_in(self, i: int, future: Any, feed: Callable[[], None]) -> None:
        # (on the pool's thread) a failed or cancelled task's process gets no other
        with self._lock:
            self._in_flight.discard(future)
        self._done.put((i, future))
        if not future.cancelled() and future.exception() is None:
            feed()

    def not_sent(self, i: int, error: BaseException) -> None:
        """Task i could not be handed to the pool (broken: a process died; or shut down): it
        fails the map, as a task that failed in the pool would."""
        from concurrent.futures import Future

        future: Future = Future()
        future.set_exception(error)
        self._done.put((i, future))

    def finished(self, block: bool) -> tuple[int, Any] | None:
        """(index, result) of a pool task that came in (raising its error), or None."""
        try:
            i, future = self._done.get(block=block)
        except queue.Empty:
            return None
        return i, future.result()


class Runner:
    """Runs the two passes over the shards with the chosen engine."""

    def __init__(self, ruleset: RuleSet, options: RunOptions):
        self.ruleset = ruleset
        self.options = options
        self.workers = options.workers or os.cpu_count() or 1
        self._ray = None
        self._pool = None
        self._shared_dir = None  # the pool's shared arguments (_share)
        self._passes = 0
        self._files: dict[int, tuple[Any, str]] = {}  # id -> (object, the file it is pickled in)
        # names this run to the processes its shards run in (process_shard's _SeenExamples)
        self.token = os.urandom(8).hex()

    def map(
        self,
        fn: Callable,
        args: list[tuple],
        progress=None,
        weights=None,
        on_result: Callable[[int, Any], None] | None = None,
    ) -> list[Any]:
        """fn(*a) for every a, results in order. Ray tasks, a process pool, or this process.
        on_result(i, result) is called for every task in the order of args, each as soon as it
        and every task before it are done (the caller folds the results while later tasks run)."""
        weights = weights or [1] * len(args)
        if self.options.engine == "ray":
            out = self._map_ray(fn, args, progress, weights)
            for i, r in enumerate(out if on_result else ()):
                on_result(i, r)
            return out
        return self._map_local(fn, args, progress, weights, on_result)

    def _map_local(self, fn, args, progress, weights, on_result) -> list[Any]:
        """map() in this process and, for more than one worker, a pool of workers - 1 processes:
        this process is a worker too, and takes the next task whenever it finishes one, as each
        pool process does. (It used to wait while a pool of `workers` processes worked, so a
        two-worker run had three processes importing polars and the rules on two cores, and
        one process idle between its result merges.)"""
        n = len(args)
        children = max(0, min(self.workers, n) - 1)
        # the largest tasks first: the pass does not end with one large task on one core while
        # the others have nothing left to do. Sizes within an eighth of the largest are one
        # class, kept in their order (a file's shards differ by a few bytes; in order, on_result
        # folds each result as it comes in). In this process alone, simply in order.
        top = max(weights, default=0) or 1
        order = sorted(range(n), key=lambda i: -((8 * weights[i]) // top)) if children else range(n)
        tasks = _Tasks(order)
        results: list[Any] = [None] * n
        ready = [False] * n
        told = 0  # on_result has been called for the tasks before this one
        waiting = n

        def land(i: int, result: Any) -> None:
            nonlocal told, waiting
            results[i], ready[i] = result, True
            waiting -= 1
            if progress:
                progress(weights[i], result)
            while on_result and told < n and ready[told]:
                on_result(told, results[told])
                told += 1

        # in this process the bar moves batch by batch, not only shard by shard
        bar = getattr(progress, "__self__", None)
        on_batch = bar.batch if isinstance(bar, _Progress) and bar.bar else None
        try:
            pool = self._feed_pool(fn, args, tasks, children) if children else None
            if pool is not None and self.options.while_waiting is not None:
                idle, self.options.while_waiting = self.options.while_waiting, None
                idle()
            while (i := tasks.take()) is not None:
                land(i, fn(*args[i], on_batch=on_batch) if on_batch else fn(*args[i]))
                _raise_if_interrupted()
                # the pool's results that came in meanwhile (tasks are 0.1-0.5 s)
                while (got := tasks.finished(block=False)) is not None:
                    land(*got)
            while waiting:
                land(*tasks.finished(block=True))
        except BaseException:
            tasks.stop()
            tasks.wait_in_flight(STOP_GRACE_SECONDS)  # (then no process is killed mid-message)
            self.close(now=True)
            raise
        return results

    def _feed_pool(self, fn, args, tasks: _Tasks, children: int) -> Any:
        """Start the pool's processes on the tasks: each gets one and, each time it finishes one,
        the next (from the pool's own thread, as its result comes in). None queued ahead: at the
        end of a pass a queued task would wait for a process while this one had nothing to do."""
        from curate import _pool, _worker

        if self._pool is None:
            # one pool for both passes: each worker process pays for its imports (polars, the
            # rules) once, not once per pass; started before the run when it could be (_pool)
            self._pool = _pool.take(children) or _pool.new(children)
        pool = self._pool
        sent = self._share(args)

        def feed() -> None:
            i = tasks.take()
            if i is None:
                return
            try:
                future = pool.submit(_worker.call, fn, *sent[i])
            except BaseException as e:  # broken (a process died), shut down, a spawn that failed
                # (on the pool's thread, an error is only logged: the pass would wait for i)
                tasks.not_sent(i, e)
                return
            tasks.sent(future)
            future.add_done_callback(lambda f: tasks.came_in(i, f, feed))

        for _ in range(children):
            feed()
        return pool

    def _share(self, args: list[tuple]) -> list[tuple]:
        """args with each argument that is the same object in every task (the rule set, the
        corpus pass's results) replaced by a `_worker.Shared`: pickled once into a file of the
        runner's own, read once by each worker (Ray puts them in its object store instead)."""
        import pickle
        import tempfile

        from curate import _worker

        width = len(args[0])
        same = [k for k in range(width) if all(a[k] is args[0][k] for a in args)]
        if not same:
            return args
        self._passes += 1
        # an argument pickled in a file of the run's already (pickled_in) is read from there
        files = {k: self._files.get(id(args[0][k])) for k in same}
        refs = {
            k: _worker.Shared(f[1], None, self._passes)
            for k, f in files.items()
            if f is not None and f[0] is args[0][k]
        }
        same = [k for k in same if k not in refs]
        if not same:
            return [tuple(refs.get(k, a[k]) for k in range(width)) for a in args]
        if self._shared_dir is None:
            self._shared_dir = tempfile.TemporaryDirectory(prefix="curate-shared-")
        for old in os.listdir(self._shared_dir.name):  # an earlier pass's: its tasks are done
            os.remove(os.path.join(self._shared_dir.name, old))
        path = os.path.join(self._shared_dir.name, f"pass{self._passes}.pkl")
        with open(path, "wb") as f:
            pickle.dump(tuple(args[0][k] for k in same), f, protocol=pickle.HIGHEST_PROTOCOL)
        refs.update({k: _worker.Shared(path, j, self._passes) for j, k in enumerate(same)})
        return [tuple(refs.get(k, a[k]) for k in range(width)) for a in args]

    def pickled_in(self, obj: Any, path: str) -> None:
        """obj is pickled (alone, with pickle.dump) in the file `path`, which lasts as long as
        the run: a pass whose tasks all get obj has the workers read it from there instead of
        pickling it again (the corpus pass's results: ~20 MB at 200,000 documents with
        duplicate-documents, 0.05-0.1 CPU s a pickling, while the workers wait)."""
        self._files[id(obj)] = (obj, path)

    def close(self, now: bool = False) -> None:
        """Stop the worker processes (a run calls it when its last pass is done), and a pool
        started for this run that it did not need. `now`: the run failed or was interrupted;
        the workers are killed rather than waited for (_pool.stop)."""
        from curate import _pool

        _pool.release()
        # let go first: a second Ctrl-C while stopping leaves no pool for the next close to wait for
        pool, self._pool = self._pool, None
        if pool is not None:
            _pool.stop(pool, now=now)
        if self._shared_dir is not None:
            self._shared_dir.cleanup()
            self._shared_dir = None

    def _map_ray(self, fn, args, progress, weights):
        # plain Ray tasks over our shards; joining, auth, retries and failures: curate/_ray.py
        from curate import _ray

        return _ray.map_tasks(fn, args, progress, weights, self.options.ray_address, self.workers)


def run(
    inputs: list[str],
    ruleset: RuleSet,
    options: RunOptions,
    work_dir: Path | None,
    resume: bool = False,
) -> tuple[RunResult, list[str]]:
    """Run the rule set over the inputs. With a work_dir, every shard's part files land in
    work_dir/parts and the list of part prefixes is returned in shard order."""
    import gc

    from curate.checks.base import clear_run_caches

    # the objects alive now (the modules of polars, pyarrow and the rules: a million or so) live
    # on past the run: frozen, the collector's full collections skip them (2-3 in a run of
    # 200,000 documents, ~0.07 CPU s each). Unfrozen when the run returns.
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    clear_run_caches()
    runner = Runner(ruleset, options)
    try:
        with _interrupts_kept():
            result = _run(inputs, ruleset, options, work_dir, resume, runner)
            _raise_if_interrupted()
            return result
    except BaseException:
        runner.close(now=True)  # a run that fails between its passes leaves no workers or files
        raise
    finally:
        runner.close()  # (after close(now=True), nothing is left to stop)
        clear_run_caches()
        if freeze:
            gc.unfreeze()


def _run(
    inputs: list[str],
    ruleset: RuleSet,
    options: RunOptions,
    work_dir: Path | None,
    resume: bool,
    runner: Runner,
) -> tuple[RunResult, list[str]]:
    t0 = time.perf_counter()
    shards, skipped = discover(inputs, ruleset.text_column, ruleset.id_column, options.own_paths)
    if options.engine != "ray" and runner.workers > 1 and len(shards) > 1:
        from curate import _pool

        # the workers import while this process gets ready (one per shard, up to --workers)
        _pool.start(min(runner.workers, len(shards)) - 1)
    fp = fingerprint(shards)
    if options.engine == "ray":  # join (or start) Ray before anything is written
        from curate import _ray

        _ray.connect(options.ray_address, runner.workers)
    rules = ruleset.build()
    corpus_rules = [r for r in rules if r.needs_corpus]
    sizes = [shard_bytes(s) for s in shards]  # (a parquet shard's size reads its metadata)
    bar = _Progress(options.progress, sum(sizes) * (1 + bool(corpus_rules)))

    prefixes: list[str] = []
    done: set[int] = set()  # the shards an earlier run finished (--resume)
    if work_dir is not None:
        parts = work_dir / "parts"
        manifest = {"ruleset": ruleset.hash, "fingerprint": fp, "shards": len(shards)}
        mpath = work_dir / MANIFEST
        if resume and mpath.exists():
            old = json.loads(mpath.read_text())
            if old != manifest:
                raise UsageError(
                    f"--resume: the unfinished run in {work_dir} used other inputs or rules; "
                    "use --overwrite to start over"
                )
            done = {i for i in range(len(shards)) if _finished(str(parts / f"{i:06d}"))}
        else:
            if work_dir.exists():
                shutil.rmtree(work_dir)
            parts.mkdir(parents=True)  # only now: a usage error above leaves nothing behind
            _atomic_write_text(str(mpath), json.dumps(manifest))
        prefixes = [str(parts / f"{i:06d}") for i in range(len(shards))]

    # pass 1 parses the input and pass 2 would parse it again: pass 1 writes the batches it
    # parsed to work_dir/input as Arrow files, which pass 2 maps (and removes shard by shard)
    spills: list[str | None] = [None] * len(shards)
    if corpus_rules and work_dir is not None:
        spills = _spill_folders(work_dir / "input", shards, sizes, done)

    # pass 1: corpus-level aggregates
    corpus: dict[str, Any] = {}
    if corpus_rules:
        cpath = work_dir / "corpus.pkl" if work_dir is not None else None
        saved = _corpus_results(cpath) if cpath is not None and resume else None
        if saved is not None:
            corpus = saved
            runner.pickled_in(corpus, str(cpath))
            bar.update(sum(sizes))
        else:
            bar.set_description("corpus pass")
            aggs: dict[str, Any] = {r.name: None for r in corpus_rules}

            def fold(i: int, part: dict[str, Any]) -> None:
                # shard by shard in shard order, as each comes in: merge(merge(a0, a1), a2)...
                # as a fold after the pass would, while the workers are still collecting
                for r in corpus_rules:
                    aggs[r.name] = r.merge(aggs[r.name], part[r.name])

            runner.map(
                collect_shard,
                [
                    (ruleset, s, options.batch_rows, options.batch_bytes, spills[i])
                    for i, s in enumerate(shards)
                ],
                bar.update,
                sizes,
                on_result=fold,
            )
            for r in corpus_rules:
                corpus[r.name] = r.finish(aggs.pop(r.name))
            if cpath is not None:
                _save_corpus_results(corpus, cpath)
                runner.pickled_in(corpus, str(cpath))  # pass 2's workers read it from there

    # pass 2: the rules
    bar.set_description("curate")
    todo = [i for i in range(len(shards)) if i not in done]
    args = [
        (
            ruleset,
            shards[i],
            corpus,
            prefixes[i] if prefixes else None,
            options.batch_rows,
            options.batch_bytes,
            spills[i],
            runner.token,
        )
        for i in todo
    ]
    new_stats = runner.map(process_shard, args, bar.update, [sizes[i] for i in todo])
    runner.close()
    by_index = dict(zip(todo, new_stats, strict=True))
    stats = RunStats()
    for i in range(len(shards)):
        if i in by_index:
            s = by_index[i]
        else:  # (read here, one at a time: a resumed run of many shards holds no list of them)
            s = RunStats.from_dict(json.loads(Path(prefixes[i] + ".stats.json").read_text()))
        stats.merge(s)
    for r in corpus_rules:
        stats.corpus[r.name] = r.corpus_summary(corpus.get(r.name))
    bar.close()
    result = RunResult(
        stats=stats,
        seconds=time.perf_counter() - t0,
        shards=len(shards),
        inputs=list(inputs),
        skipped_files=skipped,
        fingerprint=fp,
    )
    return result, prefixes


class _SeenExamples:
    """Per process: the MAX_EXAMPLES smallest example keys, per rule, of the shards of one run that
    this process has finished (a run in one process, a pool worker, a Ray worker), for the example
    bounds of the next (process_shard).

    The bound is the largest of those keys plus one. An example above that largest key ranks after
    MAX_EXAMPLES examples with smaller keys in the run's merge, whatever the order of their shards,
    so a shard needs to build no example at or above the bound; an example with the largest key
    itself may still be needed (the merge keeps the earlier shard's of equal keys, and a worker's
    shards are not all before the next one). The argument counts MAX_EXAMPLES distinct documents
    with keys up to the largest: a shard done twice in one process (none is today) counts once.
    Only the keys are kept, a few per rule, and the shards' hashes (a collision only leaves a
    shard's keys out: a looser bound)."""

    def __init__(self):
        self._lock = threading.Lock()  # (a run on another thread of this process)
        self._run: str | None = None
        self._keys: dict[str, list[int]] = {}
        self._shards: set[int] = set()  # hash() of the run's shards whose keys are in _keys

    def bounds(self, run: str | None) -> dict[str, int]:
        with self._lock:
            if run is None or run != self._run:
                return {}
            # (a bound past the largest uint64 key would bound nothing)
            return {
                n: k[-1] + 1
                for n, k in self._keys.items()
                if len(k) >= MAX_EXAMPLES and k[-1] < _TOP
            }

    def add(self, run: str | None, shard: Shard, stats: RunStats) -> None:
        if run is None:
            return
        with self._lock:
            if run != self._run:  # a new run: an earlier run's keys say nothing about it
                self._run, self._keys, self._shards = run, {}, set()
            if hash(shard) in self._shards:
                return
            self._shards.add(hash(shard))
            for name, rs in stats.rules.items():
                if rs.examples:
                    keys = self._keys.get(name, []) + [int(e["key"], 16) for e in rs.examples]
                    self._keys[name] = sorted(keys)[:MAX_EXAMPLES]


_TOP = (1 << 64) - 1
_SEEN = _SeenExamples()


def _spill_folders(
    folder: Path, shards: list[Shard], sizes: list[int], done: set[int]
) -> list[str | None]:
    """The folder where pass 1 writes each shard's parsed batches for pass 2 (one per shard, in
    `folder`): shards of text formats not done yet, when the disk has room for them twice over
    (an Arrow copy takes about the input's uncompressed size; a shard without a spill is simply
    read again)."""
    todo = [i for i, s in enumerate(shards) if s.kind in SPILL_KINDS and i not in done]
    if not todo:
        return [None] * len(shards)
    need = sum(_spill_bytes(shards[i], sizes[i]) for i in todo)
    folder.mkdir(parents=True, exist_ok=True)
    if shutil.disk_usage(folder).free < 2 * need:
        return [None] * len(shards)
    wanted = set(todo)
    return [str(folder / f"{i:06d}") if i in wanted else None for i in range(len(shards))]


def _spill_bytes(shard: Shard, size: int) -> int:
    """About the bytes of a shard's Arrow copy: its size, uncompressed (a .jsonl.gz shard's text
    takes 3-5x its compressed size)."""
    if shard.kind == "jsonl.gz":
        return max(size, gzip_size(shard.path))
    return size


class _Progress:
    """A progress bar on a terminal: bytes (with MB/s and ETA) and documents; silent otherwise.

    Shards finishing in worker processes move it shard by shard; a run in this process moves it
    batch by batch (by the batch's text bytes, made exact when its shard finishes).
    """

    def __init__(self, enabled: bool, total_bytes: int):
        self.bar = None
        self.docs = 0
        self._credited = 0  # bytes of the current shard already shown batch by batch
        self._shard_docs = 0
        self._t_main = time.perf_counter()
        self._main = True
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(
                total=total_bytes,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc="curate",
                leave=False,
                dynamic_ncols=True,
                mininterval=0.5,
            )

    def batch(self, rows: int, nbytes: int) -> None:
        """A batch of the shard being processed in this process is done."""
        if not self.bar:
            return
        self._credited += nbytes
        if self._main:  # documents count in the main pass, not the corpus pass
            self._shard_docs += rows
            self._show_docs(self.docs + self._shard_docs)
        self.bar.update(nbytes)

    def update(self, n: int, result: Any = None) -> None:
        """A shard of n bytes is done; result is what its function returned."""
        if not self.bar:
            return
        docs = getattr(result, "input", None)
        if isinstance(docs, int):
            self.docs += docs
            self._show_docs(self.docs)
        else:
            self.docs += self._shard_docs
        self.bar.update(n - self._credited)  # may step back a little: text bytes are an estimate
        self._credited, self._shard_docs = 0, 0

    def _show_docs(self, docs: int) -> None:
        rate = docs / max(1e-9, time.perf_counter() - self._t_main)
        self.bar.set_postfix_str(f"{docs:,} docs, {rate:,.0f} docs/s", refresh=False)

    def set_description(self, d: str) -> None:
        self._t_main = time.perf_counter()
        self._main = d == "curate"
        if self.bar:
            self.bar.set_description(d)

    def close(self) -> None:
        if self.bar:
            self.bar.close()
