"""`import curate` and `curate --help` stay cheap: no datasets, langdetect or ray (each costs
seconds to import). Checked in a fresh interpreter, since this test process imports everything."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

HEAVY = ("datasets", "langdetect", "ray")

PROBE = """
import json, sys
{body}
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def _loaded(body: str) -> list[str]:
    code = PROBE.format(body=body, heavy=HEAVY)
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


HELP = """
import contextlib, io
from curate import cli
with contextlib.redirect_stdout(io.StringIO()):
    try:
        cli.main({argv!r})
    except SystemExit:
        pass
"""


def test_import_curate_loads_no_heavy_module():
    assert _loaded("import curate") == []


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["check", "--help"], ["rules"]])
def test_help_and_rules_load_no_heavy_module(argv):
    assert _loaded(HELP.format(argv=argv)) == []
