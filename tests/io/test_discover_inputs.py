"""discover: each file read once, never what the run itself writes, and the columns a user named
checked before any row is read (trial 14)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from curate.errors import UsageError
from curate.io.readers import discover
from tests.conftest import write_jsonl

ROWS = [{"id": "a", "text": "Satu kalimat."}, {"id": "b", "text": "Dua kalimat."}]


def test_a_file_reached_through_a_link_is_the_same_file(tmp_path):
    src = write_jsonl(tmp_path / "a.jsonl", ROWS)
    (tmp_path / "b.jsonl").symlink_to(src)
    with pytest.raises(UsageError, match="given more than once"):
        discover([str(src), str(tmp_path / "b.jsonl")])
    assert len(discover([str(src)])[0]) == 1  # (one INPUT: nothing to compare)


def test_a_folder_walk_passes_over_what_the_run_writes(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", ROWS)
    (tmp_path / "clean").mkdir()  # an earlier run's --out
    write_jsonl(tmp_path / "clean" / "train.jsonl", ROWS)
    (tmp_path / "report.json").write_text('{"documents": {}}')
    (tmp_path / "report.md").write_text("# report")
    own = {str(tmp_path / "clean"): "--out", str(tmp_path / "report.json"): "--report-dir"}
    own[str(tmp_path / "report.md")] = "--report-dir"
    shards, skipped = discover([str(tmp_path)], own_paths=own)
    assert [s.path for s in shards] == [str(tmp_path / "a.jsonl")]
    assert skipped == []
    with pytest.raises(UsageError, match="--out"):
        discover([str(tmp_path / "clean" / "train.jsonl")], own_paths=own)


def test_named_columns_are_checked_in_every_format(tmp_path):
    jsonl = write_jsonl(tmp_path / "a.jsonl", ROWS)
    csv = tmp_path / "a.csv"
    csv.write_text("text,id\nSatu kalimat.,a\n")
    parquet = tmp_path / "a.parquet"
    pq.write_table(pa.table({"text": ["Satu kalimat."], "id": ["a"], "n": [1]}), parquet)
    for src in (jsonl, csv, parquet):
        discover([str(src)], "text", "id")
        with pytest.raises(UsageError, match="no column 'nope'.*--id-column"):
            discover([str(src)], "text", "nope")
    with pytest.raises(UsageError, match="column 'n' is int64, not text"):
        discover([str(parquet)], "n")
