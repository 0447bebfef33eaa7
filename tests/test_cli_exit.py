"""A command whose work is complete exits with its own code: Ctrl-C in the moments after (the
summary, the interpreter's teardown) does not turn a finished run into exit 130 (trial 14). Python
restores SIGINT's default action before it frees its modules, so a Ctrl-C there killed the
process without a word (-2, which a shell shows as 130)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT, SAMPLE

# as the `curate` script calls it (main() reads sys.argv), then Ctrl-C as soon as it returns
DRIVER = (
    "import os, signal, sys; from curate.cli import main; sys.argv[0] = 'curate'; "
    "rc = main(); os.kill(os.getpid(), signal.SIGINT); sum(range(100000)); sys.exit(rc)"
)


@pytest.mark.parametrize("command", ["run", "report", "check"])
def test_ctrl_c_after_a_complete_command_keeps_its_exit_code(tmp_path, command):
    args = [command, str(SAMPLE), "--rules", "default", "--workers", "1", "--quiet"]
    if command == "run":
        args += ["--out", str(tmp_path / "out")]
    if command != "check":
        args += ["--report-dir", str(tmp_path / "rep")]
    res = subprocess.run(
        [sys.executable, "-c", DRIVER, *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert res.returncode == 0, (res.returncode, res.stderr)
    assert "Traceback" not in res.stderr and "interrupted" not in res.stderr


def test_ctrl_c_is_still_taken_when_main_is_called_as_a_function(tmp_path):
    """A program that calls main(argv) goes on after it: its Ctrl-C is left alone."""
    code = (
        "import signal; from curate.cli import main; "
        "main(['rules', 'web']); "
        "assert signal.getsignal(signal.SIGINT) is signal.default_int_handler"
    )
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": str(ROOT)}
    )
    assert res.returncode == 0, res.stderr
