"""`import curate` configures polars' allocator before polars loads, unless the caller did."""

from __future__ import annotations

import os
import subprocess
import sys


def _conf_seen(env: dict[str, str]) -> str:
    code = "import os, curate; print(os.environ.get('_RJEM_MALLOC_CONF', ''))"
    res = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return res.stdout.strip()


def test_polars_allocator_keeps_large_blocks_unless_told_otherwise():
    env = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"}
    assert _conf_seen(env) == "oversize_threshold:0,dirty_decay_ms:5000,muzzy_decay_ms:5000"
    assert _conf_seen({**env, "_RJEM_MALLOC_CONF": "narenas:2"}) == "narenas:2"
