"""Reading JSONL and the batch function build their Arrow arrays from buffers (curate.arrays):
pa.array (of numpy values or Python objects) and pa.scalar import pandas, ~0.25-0.4 CPU s of
every process of a run that would not import it otherwise."""

from __future__ import annotations

import json
import os
import subprocess
import sys

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


RUN = """
import json, sys
from curate import cli
try:
    cli.main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps("pandas" in sys.modules))
"""


def test_a_whole_run_with_every_rule_imports_no_pandas(tmp_path):
    # pyarrow's to_numpy, pa.array, pa.scalar and compute calls given a Python scalar import
    # pandas (~0.25 CPU s a process, each worker's too): the rules use curate.arrays instead
    texts = [
        "Breaking news from the city council today.\nShare this\nThe vote was close (7 to 6",
        "Ein kurzer deutscher Text über das Wetter.\nEs regnet seit Tagen in Berlin.",
        "lorem ipsum dolor sit amet\n{ var x = 1; }\n• item one\n• item two...",
    ]
    data = tmp_path / "in.jsonl"
    data.write_text(
        "".join(json.dumps({"text": t * (1 + i % 3)}) + "\n" for i, t in enumerate(texts * 40))
    )
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            RUN,
            "run",
            str(data),
            "--rules",
            str(ROOT / "bench" / "every.yaml"),
            "--out",
            str(tmp_path / "out"),
            "--report-dir",
            str(tmp_path / "rep"),
            "--workers",
            "1",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
    )
    assert (tmp_path / "out" / "dataset_dict.json").exists()
    assert json.loads(out.stdout.strip().splitlines()[-1]) is False
