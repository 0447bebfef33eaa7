"""A UTF-8 byte order mark (BOM) at the start of a file, as Excel and Notepad save one, is not part
of the data: the first row reads as the others and the first column is named without it (trial
14)."""

from __future__ import annotations

import gzip

import pytest

from curate.io import readers
from curate.io.readers import discover, read_shard
from tests.conftest import curate_cli

BOM = b"\xef\xbb\xbf"
JSONL = b'{"id": "a", "text": "Satu kalimat."}\n{"id": "b", "text": "Dua kalimat."}\n'


def _read(path, **batch):
    shards, _ = discover([str(path)])
    rows, bad = [], []
    for s in shards:
        for table, unreadable in read_shard(s, "text", **batch):
            bad.extend(unreadable)
            if table is not None:
                rows.extend(table.to_pylist())
    return [(r["id"], r["text"]) for r in rows], bad


@pytest.mark.parametrize("fast", [True, False])
def test_jsonl_with_a_bom(tmp_path, monkeypatch, fast):
    if not fast:  # the line-by-line parse (the fast path takes whole blocks of "{...}" lines)
        monkeypatch.setattr(readers._ArrowRows, "_parse", lambda *a: False)
    src = tmp_path / "bom.jsonl"
    src.write_bytes(BOM + JSONL)
    assert _read(src) == ([("a", "Satu kalimat."), ("b", "Dua kalimat.")], [])


def test_jsonl_cut_in_byte_ranges_with_a_bom(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "SHARD_BYTES", 40)
    monkeypatch.setattr(readers, "_SHARD_BYTES_SET", True)
    src = tmp_path / "bom.jsonl"
    src.write_bytes(BOM + JSONL * 3)
    shards, _ = discover([str(src)])
    assert len(shards) > 1
    rows, bad = _read(src)
    assert bad == [] and rows == [("a", "Satu kalimat."), ("b", "Dua kalimat.")] * 3


def test_jsonl_gz_with_a_bom(tmp_path):
    src = tmp_path / "bom.jsonl.gz"
    src.write_bytes(gzip.compress(BOM + JSONL))
    assert _read(src) == ([("a", "Satu kalimat."), ("b", "Dua kalimat.")], [])


def test_json_with_a_bom(tmp_path):
    src = tmp_path / "bom.json"
    src.write_bytes(BOM + b'[{"id": "a", "text": "Satu kalimat."}]')
    assert _read(src) == ([("a", "Satu kalimat.")], [])


@pytest.mark.parametrize("bad_line", [False, True])
def test_csv_with_a_bom(tmp_path, bad_line):
    src = tmp_path / "bom.csv"
    body = b'text,id\r\n"Satu kalimat.",a\r\n'
    if bad_line:  # (a line of invalid UTF-8 sends the file down the line-by-line decode)
        body += b'"caf\xff",b\r\n'
    src.write_bytes(BOM + body)
    rows, bad = _read(src)
    assert rows == [("a", "Satu kalimat.")]
    assert len(bad) == bad_line


def test_txt_with_a_bom(tmp_path):
    src = tmp_path / "note.txt"
    src.write_bytes(BOM + b"Satu kalimat.\n")
    assert _read(src) == ([("note.txt", "Satu kalimat.\n")], [])


def test_run_reads_a_csv_saved_by_excel(tmp_path):
    src = tmp_path / "bom.csv"
    src.write_bytes(BOM + b'text,id\r\n"Satu kalimat yang lengkap.",a\r\n')
    res = curate_cli(
        "report", src, "--rules", "default", "--report-dir", tmp_path / "rep", "--workers", "1"
    )
    assert res.returncode == 0, res.stderr
    assert "1 documents: 1 kept" in res.stdout
