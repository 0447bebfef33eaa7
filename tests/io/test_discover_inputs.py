"""discover: each file read once, never what the run itself writes, and the columns a user named
checked before any row is read (trial 14)."""

from __future__ import annotations

import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from curate.errors import UsageError
from curate.io.readers import discover, read_shard
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


def _json_forms(tmp_path) -> dict[str, object]:
    """A .json or .jsonl.gz file in each form the readers take, every record with text and id."""
    array = tmp_path / "array.json"
    array.write_text(json.dumps(ROWS, indent=2))
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps({"version": 2, "data": ROWS}))
    one = tmp_path / "one.json"
    one.write_text(json.dumps(ROWS[0]))
    lines = tmp_path / "lines.json"  # JSON lines saved as .json: read as .jsonl
    lines.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    gz = tmp_path / "a.jsonl.gz"
    with gzip.open(gz, "wt", encoding="utf-8") as f:
        f.write("not json\n" + "".join(json.dumps(r) + "\n" for r in ROWS))
    return {"array": array, "wrapped": wrapped, "one": one, "lines": lines, "gz": gz}


@pytest.mark.parametrize("form", ["array", "wrapped", "one", "lines", "gz"])
def test_named_columns_are_checked_in_json_and_jsonl_gz(tmp_path, form):
    # a misspelt --id-column passed silently for these two formats (review of trial 14 #10)
    src = str(_json_forms(tmp_path)[form])
    discover([src], "text", "id")
    with pytest.raises(
        UsageError, match=r"no column 'nope' \(columns: id, text\); use --id-column"
    ):
        discover([src], "text", "nope")
    with pytest.raises(UsageError, match="no column 'body'.*use --text-column"):
        discover([src], "body")


def test_a_json_file_is_checked_from_its_first_record_only(tmp_path):
    # the check reads the head of the file: a .json broken further on still runs, and its reader
    # reports it unreadable as before
    src = tmp_path / "a.json"
    src.write_text(json.dumps(ROWS)[:-30])
    shards, _ = discover([str(src)], "text", "id")
    with pytest.raises(UsageError, match="no column 'nope'"):
        discover([str(src)], "text", "nope")
    batches = list(read_shard(shards[0], "text"))
    assert [t for t, _ in batches] == [None]
    assert "broken JSON" in batches[0][1][0].reason


@pytest.mark.parametrize("content", ["[]", "", "[1, 2]", '"text"', "[{", "\xff"])
def test_a_json_file_without_a_first_record_is_left_to_its_reader(tmp_path, content):
    # no record to take columns from: the rows' reader says what is wrong with it, as before
    src = tmp_path / "a.json"
    src.write_bytes(content.encode("latin-1"))
    discover([str(src)], "text", "nope")


def test_a_json_object_of_records_follows_the_readers_choice(tmp_path):
    # an object with the text column is one record, not a wrapper of the list beside it
    src = tmp_path / "a.json"
    src.write_text(json.dumps({"text": "Satu.", "tags": [{"x": 1}]}))
    discover([str(src)], "text", "tags")
    with pytest.raises(UsageError, match=r"\(columns: text, tags\)"):
        discover([str(src)], "text", "x")


@pytest.mark.parametrize("wrap", [list, lambda rows: {"data": rows}])
def test_a_json_first_record_longer_than_the_head_read_is_checked(tmp_path, wrap):
    # the first record runs past the first 64 KiB read, cut inside a two-byte character
    src = tmp_path / "a.json"
    src.write_text(json.dumps(wrap([{"text": "é" * 50_001, "id": "a"}, *ROWS]), ensure_ascii=False))
    discover([str(src)], "text", "id")
    with pytest.raises(UsageError, match="no column 'nope'"):
        discover([str(src)], "text", "nope")
