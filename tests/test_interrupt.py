"""Ctrl-C during a run with worker processes: the terminal sends SIGINT to the whole process
group, so the workers get it too, at whatever they are doing (starting their interpreter,
importing, waiting for a task, in a task). The user sees one line and exit code 130 (or the
finished run, if the signal came after it), never a worker's traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT, SAMPLE

pytestmark = pytest.mark.skipif(not hasattr(os, "killpg"), reason="process groups are POSIX")


def _children(pid: int) -> list[str]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    return found.stdout.split()


# after the workers are spawned (before, Ctrl-C interrupts curate's own interpreter starting up,
# as any Python program's): from their interpreters starting ("Fatal Python error:
# init_import_site" and a traceback before the mend) and importing to the middle of the run
@pytest.mark.parametrize("delay", [0.0, 0.1, 0.3, 0.6, 1.5])
def test_ctrl_c_at_any_moment_of_a_run_prints_no_traceback(tmp_path, delay):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_bytes(SAMPLE.read_bytes() * 20)  # ~20 shards of 50 kB: the pool starts early
    out, rep = tmp_path / "out", tmp_path / "rep"
    env = dict(os.environ, CURATE_SHARD_BYTES="50000", PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "curate", "run", str(corpus), "--rules", "default"]
        + ["--workers", "2", "--out", str(out), "--report-dir", str(rep)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
        start_new_session=True,  # its own process group: the signal reaches curate's alone
    )
    deadline = time.monotonic() + 60
    while not _children(proc.pid) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(delay)
    try:
        os.killpg(proc.pid, signal.SIGINT)
    except ProcessLookupError:  # the run was over already
        pass
    try:
        _, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:  # a run that hangs after Ctrl-C fails here, killed
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    err = err.decode(errors="replace")
    # nothing from a worker: one still starting up printed "Fatal Python error: init_import_site"
    # or a spawn traceback, one importing or waiting for a task a traceback of its own
    for mark in ("Fatal Python error", "multiprocessing/spawn.py", "_process_worker", "_worker.py"):
        assert mark not in err, err
    if proc.returncode == 130:  # as a user sees it
        assert err.splitlines() == ["curate: interrupted; rerun with --resume to continue"], err
    # (otherwise the run finished first (0), or Ctrl-C landed where CPython or polars, in this
    # process, handle it their own way, seldom: killed by it on exit (-2, which a shell reports
    # as 130), a panic in polars' lazy numpy import (1))
    if proc.returncode != 0:
        # nothing half-written where the dataset goes (whole, if the report was being written)
        assert not out.exists() or (out / "README.md").exists()
    # every worker is gone with the run (a dead one its new parent has not reaped yet is gone)
    time.sleep(0.2)
    group = subprocess.run(
        ["pgrep", "-g", str(proc.pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    assert [pid for pid in group if _state(pid) not in ("Z", "X", None)] == []


def _state(pid: str) -> str | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:  # gone since, or no /proc
        return None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl's parent-death signal")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_workers_end_with_a_run_that_is_killed(tmp_path, sig):
    """A run killed (a scheduler's SIGTERM, SIGKILL, the OOM killer) runs no clean-up: its
    workers, idle ones ignoring Ctrl-C and waiting on a queue they hold both ends of, lived on."""
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_bytes(SAMPLE.read_bytes() * 20)
    env = dict(os.environ, CURATE_SHARD_BYTES="50000", PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "curate", "run", str(corpus), "--rules", "default"]
        + ["--workers", "2", "--out", str(tmp_path / "out"), "--report-dir", str(tmp_path / "r")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=tmp_path,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        # the pool's one worker (the run's own process is the other) and the resource tracker
        while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.5)  # the workers past their start-up
        proc.send_signal(sig)
        proc.wait(timeout=60)
        deadline = time.monotonic() + 10
        while _alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _alive(proc.pid) == []
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _alive(group: int) -> list[str]:
    found = subprocess.run(["pgrep", "-g", str(group)], capture_output=True, text=True, check=False)
    return [pid for pid in found.stdout.split() if _state(pid) not in ("Z", "X", None)]
