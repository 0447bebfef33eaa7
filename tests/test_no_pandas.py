"""Reading JSONL and the batch function build their Arrow arrays from buffers: pa.array (of numpy
values or Python objects) and pa.scalar import pandas, ~0.4 CPU s of every process of a run that
would not import it otherwise. The arrays they build are pa.array's."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pyarrow as pa

from curate import pipeline
from tests.conftest import ROOT

PROBE = """
import json, sys
import polars as pl
from curate.config import load_ruleset
from curate.io.readers import discover, read_shard
from curate.pipeline import process_batch
rs = load_ruleset(sys.argv[1])
rules = rs.build()
shards, _ = discover([sys.argv[2]])
for s in shards:
    for table, _ in read_shard(s, "text"):
        if table is not None:
            process_batch(rules, pl.from_arrow(table), "text")
print(json.dumps("pandas" in sys.modules))
"""

RULES = """
name: probe
text_column: text
rules:
  - rule: boilerplate-lines
    action: strip
  - rule: too-few-words
    action: drop
  - rule: bullet-lines
    action: drop
"""


def test_reading_jsonl_and_the_batch_function_import_no_pandas(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    rows = [
        {"id": str(i), "text": f"Document {i} has a few words.\nCookie policy\n- a bullet"}
        for i in range(300)
    ]
    data = tmp_path / "in.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(rules), str(data)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) is False


def test_arrays_from_buffers_are_pa_arrays():
    for values in ([], [0], [3, -1, 2**40], list(range(1000))):
        got = pipeline._int64_array(np.asarray(values, dtype=np.int64))
        assert got.equals(pa.array(values, type=pa.int64()))
    # (a strided view and another integer type are made contiguous int64 first)
    strided = np.arange(10, dtype=np.int32)[::3]
    assert pipeline._int64_array(strided).equals(pa.array([0, 3, 6, 9], type=pa.int64()))
    for texts in ([], [""], ["\n"], ["a", "", "日本語", "Слово 😀", "x" * 5000]):
        got = pipeline._large_strings(texts)
        assert got.equals(pa.array(texts, type=pa.large_string()))
