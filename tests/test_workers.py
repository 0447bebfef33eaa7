"""The local process pool (`--workers N`): started before the run needs it, results folded in
order, workers ending without their interpreter's teardown; the same output whichever process
did which shard."""

from __future__ import annotations

import os
import pickle

import pytest

from curate import _pool, _worker, engine
from curate.config import load_ruleset
from tests.conftest import write_jsonl
from tests.test_run_costs import _add, _Counted  # an argument that counts its picklings


def _pid_of(x: int) -> tuple[int, int]:
    return x, os.getpid()


@pytest.fixture(autouse=True)
def _no_started_pool_left():
    yield
    _pool.release()


def _fail_on(x: int, bad: int) -> int:
    if x == bad:
        raise ValueError(f"task {x} failed")
    return x


def test_the_pool_folds_results_in_the_order_of_the_tasks():
    runner = engine.Runner(load_ruleset("default"), engine.RunOptions(workers=2))
    folded, shown = [], []
    try:
        out = runner.map(
            _pid_of,
            [(i,) for i in range(12)],
            progress=lambda w, r: shown.append(w),
            weights=[1, 9, 1, 9, 1, 9, 1, 9, 1, 9, 1, 9],  # the large ones go first
            on_result=lambda i, r: folded.append(i),
        )
    finally:
        runner.close()
    assert [x for x, _ in out] == list(range(12))
    # this process is one of the two workers: it took tasks, and so did the pool's one process
    assert len({pid for _, pid in out}) == 2 and os.getpid() in {pid for _, pid in out}
    assert folded == list(range(12))  # each once, in the order of the tasks
    assert sorted(shown) == sorted([1, 9] * 6)


def _die() -> None:
    os._exit(1)


def test_a_pool_broken_before_the_pass_fails_it_instead_of_hanging():
    # a pool process that died before the pass (killed, out of memory): the task handed to it
    # was lost, and the pass waited for its result forever
    import threading
    from concurrent.futures.process import BrokenProcessPool

    runner = engine.Runner(load_ruleset("default"), engine.RunOptions(workers=2))
    runner._pool = _pool.new(1)
    with pytest.raises(BrokenProcessPool):
        runner._pool.submit(_die).result()
    outcome = {}

    def the_pass():
        try:
            outcome["result"] = runner.map(_pid_of, [(i,) for i in range(4)])
        except BaseException as e:  # what the pass raised is the test's
            outcome["error"] = e

    t = threading.Thread(target=the_pass, daemon=True)
    t.start()
    t.join(60)
    assert not t.is_alive(), "the pass hung"
    assert isinstance(outcome.get("error"), BrokenProcessPool)
    assert runner._pool is None  # closed


@pytest.mark.parametrize("bad", [0, 5])
def test_a_failing_task_fails_the_pass_and_leaves_no_process(bad):
    runner = engine.Runner(load_ruleset("default"), engine.RunOptions(workers=2))
    with pytest.raises(ValueError, match=f"task {bad} failed"):
        runner.map(_fail_on, [(i, bad) for i in range(8)])
    assert runner._pool is None  # closed: its processes were joined


def _marker_at_exit(path: str) -> None:
    import atexit

    atexit.register(lambda: open(path, "w").close())


def test_pool_workers_end_without_the_interpreter_teardown(tmp_path):
    # the teardown (atexit handlers, freeing every module) cost ~0.14 s a worker that the run
    # waited for; a worker ends by os._exit(0) once the pool has told it to stop
    pool = _pool.new(1)
    marker = tmp_path / "atexit-ran"
    pool.submit(_marker_at_exit, str(marker)).result()
    (proc,) = pool._processes.values()
    pool.shutdown(wait=True)
    assert proc.exitcode == 0
    assert not marker.exists()


def test_a_started_pool_no_run_takes_is_stopped(tmp_path):
    _pool.start(2)
    procs = list(_pool._started.pool[2]._processes.values())
    assert procs  # spawned at once, importing while the run gets ready
    src = write_jsonl(tmp_path / "one.jsonl", [{"text": "One short document. It ends."}])
    engine.run([str(src)], load_ruleset("default"), engine.RunOptions(workers=2), None)
    assert _pool._started.pool is None  # one shard: the run needed no pool and released it
    from multiprocessing.connection import wait

    # a process's sentinel is ready once it has ended (is_alive() can race the pool's own
    # thread reaping it)
    pending = {p.sentinel for p in procs}
    while pending:
        ready = wait(list(pending), timeout=60)
        assert ready, "a started worker is still running a minute after its pool was released"
        pending -= set(ready)


def test_a_started_pool_of_another_size_is_not_taken():
    _pool.start(2)
    assert _pool.take(3) is None
    assert _pool._started.pool is None


def test_an_object_pickled_in_a_file_of_the_run_is_read_from_there(tmp_path):
    # the corpus pass's results are in corpus.pkl already: pass 2's workers read that file
    # instead of the runner pickling them a second time (~20 MB with duplicate-documents)
    big = _Counted(10)
    path = tmp_path / "corpus.pkl"
    path.write_bytes(pickle.dumps(big))
    runner = engine.Runner(load_ruleset("default"), engine.RunOptions(workers=2))
    runner.pickled_in(big, str(path))
    _Counted.dumps = 0
    try:
        assert runner.map(_add, [(big, i) for i in range(4)]) == [10, 11, 12, 13]
    finally:
        runner.close()
    assert _Counted.dumps == 0


def test_shared_references_resolve_per_pass(tmp_path):
    a, b = tmp_path / "a.pkl", tmp_path / "b.pkl"
    a.write_bytes(pickle.dumps(("rules", "corpus")))
    b.write_bytes(pickle.dumps({"corpus": 1}))
    assert _worker._resolve(_worker.Shared(str(a), 1, 7)) == "corpus"
    assert _worker._resolve(_worker.Shared(str(b), None, 7)) == {"corpus": 1}
    assert set(_worker._loaded) == {str(a), str(b)}  # one pass: both kept
    assert _worker._resolve(_worker.Shared(str(b), None, 8)) == {"corpus": 1}
    assert set(_worker._loaded) == {str(b)}  # the next pass drops the earlier one's


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"a.jsonl": 100}, False),
        ({"a.jsonl": 5000}, True),  # larger than a shard
        ({"a.jsonl": 100, "b.csv": 100}, True),
        ({"d/a.parquet": 10, "d/b.jsonl": 10}, True),
        ({"d/a.txt": 10, "d/b.txt": 10}, False),  # text files: 2,000 to a shard
        ({"d/.hidden.jsonl": 10, "d/a.jsonl": 10}, False),
        ({"d/state.json": 10, "d/dataset_info.json": 10, "d/data-0.arrow": 10}, False),
    ],
)
def test_the_pool_is_started_early_only_for_several_shards(tmp_path, monkeypatch, files, expected):
    monkeypatch.setattr(_pool, "_MIN_SHARD_BYTES", 1000)
    inputs = set()
    for name, size in files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x" * size)
        inputs.add(str(tmp_path / name.split("/")[0]))
    assert (_pool._shard_count(sorted(inputs), 2) >= 2) is expected


def test_hub_names_do_not_start_the_pool_early():
    assert _pool._shard_count(["hf:someone/some-set"], 2) == 0


def test_the_shard_sizes_are_the_readers():
    from curate.io import readers

    assert _pool._SHARD_BYTES_SET == readers._SHARD_BYTES_SET
    assert _pool._SHARD_BYTES == readers.SHARD_BYTES
    assert _pool._MIN_SHARD_BYTES == readers.MIN_SHARD_BYTES
    assert _pool._SHARDS_PER_FILE == readers.SHARDS_PER_FILE
    assert _pool._TXT_PER_SHARD == readers.TXT_PER_SHARD


@pytest.mark.parametrize("mb", [3, 9, 40])
def test_a_jsonl_files_shards_are_counted_as_the_reader_cuts_them(tmp_path, mb):
    from curate.io import readers

    path = tmp_path / "a.jsonl"
    line = b'{"text": "' + b"x" * 990 + b'"}\n'
    path.write_bytes(line * (mb * 1024 * 1024 // len(line)))
    cut = len(readers.discover([str(path)])[0])
    assert abs(_pool._shard_count([str(path)], 10_000) - cut) <= 1


def test_the_early_pool_has_a_process_per_shard_not_per_core(tmp_path):
    # two small files on a machine of many cores: two workers, this process and one other,
    # not one per core
    inputs = [write_jsonl(tmp_path / f"{k}.jsonl", [{"text": "a b c"}]) for k in "ab"]
    _pool.prestart([str(p) for p in inputs], workers=16)
    assert _pool._started.pool is not None and _pool._started.pool[0] == 1


def test_a_pool_started_from_another_folder_is_not_taken(tmp_path, monkeypatch):
    # its processes resolve relative input paths from the folder they started in
    _pool.start(2)
    monkeypatch.chdir(tmp_path)
    assert _pool.take(2) is None
    assert _pool._started.pool is None


def test_a_usage_error_after_the_early_start_stops_the_pool(tmp_path, monkeypatch):
    from curate import cli

    inputs = [write_jsonl(tmp_path / f"{k}.jsonl", [{"text": "a b c"}]) for k in "ab"]
    (tmp_path / "out").mkdir()  # exists, no --overwrite: a usage error before the run
    started = []
    real = _pool.start
    monkeypatch.setattr(_pool, "start", lambda n: (started.append(n), real(n)))
    argv = ["run", *map(str, inputs), "--rules", "default", "--out", str(tmp_path / "out")]
    assert cli.main([*argv, "--workers", "2", "--quiet"]) == 2
    assert started == [1] and _pool._started.pool is None


def test_a_run_gives_the_same_output_whichever_process_did_which_shard(tmp_path, monkeypatch):
    from curate.io import readers

    monkeypatch.setattr(readers, "_SHARD_BYTES_SET", True)
    monkeypatch.setattr(readers, "SHARD_BYTES", 1500)
    import random

    rng = random.Random(7)
    words = "river stone green quiet market lamp winter bread garden letter music paper".split()

    def line() -> str:
        return " ".join(rng.choice(words) for _ in range(rng.randint(4, 12))).capitalize() + "."

    rows = [{"text": "\n".join(line() for _ in range(rng.randint(1, 5)))} for _ in range(80)]
    rows += [{"text": "Subscribe to our newsletter.\n" + rows[i]["text"]} for i in range(20)]
    rows += rows[:5]  # duplicates
    src = write_jsonl(tmp_path / "c.jsonl", rows)
    rules = load_ruleset("default")
    outs = []
    for workers in (1, 2):
        work = tmp_path / f"w{workers}"
        result, prefixes = engine.run([str(src)], rules, engine.RunOptions(workers=workers), work)
        assert result.shards > 4 and result.stats.kept and result.stats.chars_out
        parts = [
            (work / "parts" / f"{p.rsplit('/', 1)[1]}.{s}.arrow").read_bytes()
            for p in prefixes
            for s in ("train", "rejected")
        ]
        outs.append((parts, result.stats.to_dict()))
    assert outs[1] == outs[0]


@pytest.mark.parametrize(("size", "started"), [(5000, [2]), (100, [])])
def test_prestart(tmp_path, monkeypatch, size, started):
    monkeypatch.setattr(_pool, "_MIN_SHARD_BYTES", 1000)
    calls: list[int] = []
    monkeypatch.setattr(_pool, "start", calls.append)
    src = tmp_path / "a.jsonl"
    src.write_bytes(b"x" * size)
    _pool.prestart([str(src)], 3)
    _pool.prestart([str(src)], 3, engine="ray")  # Ray runs no local pool
    _pool.prestart([str(src)], 1)  # one worker: this process
    assert calls == started


def test_a_pool_started_on_another_thread_is_neither_taken_nor_stopped(tmp_path, monkeypatch):
    """Two runs on two threads of one process: each takes or releases only the pool its own
    thread started (one shared pool ran both runs' tasks, and one run's end stopped it)."""
    import threading

    monkeypatch.chdir(tmp_path)
    _pool.start(2)
    mine = _pool._started.pool[2]
    seen = {}

    def other_thread():
        seen["taken"] = _pool.take(2)
        _pool.release()

    t = threading.Thread(target=other_thread)
    t.start()
    t.join()
    assert seen["taken"] is None
    assert _pool.take(2) is mine  # still there for this thread's run
    _pool.stop(mine, now=True)


class _SwallowedByNativeCode:
    """Its finaliser raises KeyboardInterrupt where nothing can catch it: as a Ctrl-C that lands
    in a Python callback of polars' native code, which Python prints as "Exception ignored in"
    and goes on."""

    def __del__(self):
        raise KeyboardInterrupt


def _task_interrupted_in_native_code(x: int) -> int:
    _SwallowedByNativeCode()  # (gone at once: its finaliser runs here)
    return x


@pytest.mark.parametrize("workers", [1, 2])
def test_a_ctrl_c_native_code_swallowed_still_ends_the_pass_quietly(capfd, workers):
    # a two-worker run's own process runs tasks now: a Ctrl-C in a polars callback printed a
    # traceback ("Exception ignored in: 'DataTypeClass'") and the run went on
    runner = engine.Runner(load_ruleset("default"), engine.RunOptions(workers=workers))
    try:
        with engine._interrupts_kept(), pytest.raises(KeyboardInterrupt):
            runner.map(_task_interrupted_in_native_code, [(i,) for i in range(6)])
    finally:
        runner.close(now=True)
    assert "Exception ignored" not in capfd.readouterr().err


def _slow_then_mark(x: int, marker: str) -> int:
    import time

    if x == 0:  # (the pool's process takes task 0)
        time.sleep(0.5)
        open(marker, "w").close()
        return x
    raise ValueError("this process's task failed")


def test_a_failed_pass_lets_the_pool_s_task_under_way_come_in_before_killing(tmp_path):
    # a process killed while it wrote its task's result (a Ctrl-C interrupts its task, which
    # sends the error back at once) left the pool's thread waiting for the rest of the message
    # for ever: the run hung after Ctrl-C. The pass now waits for the tasks under way first.
    marker = tmp_path / "came-in"
    runner = engine.Runner(load_ruleset("default"), engine.RunOptions(workers=2))
    with pytest.raises(ValueError, match="this process's task failed"):
        runner.map(_slow_then_mark, [(0, str(marker)), (1, str(marker))])
    assert marker.exists()
    assert runner._pool is None
