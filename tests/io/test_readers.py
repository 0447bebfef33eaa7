"""Every INPUT form of DESIGN.md reads the same rows; unreadable rows are counted with file and
line."""

from __future__ import annotations

import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from curate.errors import UsageError
from curate.io import readers
from curate.io.readers import Shard, discover, read_shard
from tests.conftest import write_jsonl

ROWS = [
    {"id": "a", "text": "Satu kalimat lengkap di sini."},
    {"id": "b", "text": "A second document.\nWith two lines."},
    {"id": "c", "text": ""},
]


def read_all(inputs, text_column="text"):
    shards, skipped = discover([str(i) for i in inputs], text_column)
    rows, bad = [], []
    for s in shards:
        for table, unreadable in read_shard(s, text_column, batch_rows=2):
            bad.extend(unreadable)
            if table is not None:
                rows.extend(table.to_pylist())
    return rows, bad, skipped


def texts(rows):
    return [r["text"] for r in rows]


def test_jsonl(tmp_path):
    rows, bad, _ = read_all([write_jsonl(tmp_path / "a.jsonl", ROWS)])
    assert texts(rows) == texts(ROWS) and not bad
    assert [r["__line"] for r in rows] == [1, 2, 3]


def test_jsonl_gz(tmp_path):
    p = tmp_path / "a.jsonl.gz"
    with gzip.open(p, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(r) + "\n" for r in ROWS)
    rows, bad, _ = read_all([p])
    assert texts(rows) == texts(ROWS) and not bad


def test_json_array_and_wrapper(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps(ROWS))
    (tmp_path / "b.json").write_text(json.dumps({"data": ROWS}))
    rows, bad, _ = read_all([tmp_path / "a.json", tmp_path / "b.json"])
    assert texts(rows) == texts(ROWS) * 2 and not bad


def test_parquet(tmp_path):
    p = tmp_path / "a.parquet"
    pq.write_table(pa.Table.from_pylist(ROWS), p, row_group_size=1)
    rows, bad, _ = read_all([p])
    assert texts(rows) == texts(ROWS) and not bad


@pytest.mark.parametrize("kind", ["dictionary", "string_view"])
def test_parquet_text_stored_as_a_dictionary_or_views_is_text(tmp_path, kind):
    # a pandas categorical column is a dictionary of strings; each of its rows was unreadable,
    # then the whole file a usage error ("not text")
    table = pa.Table.from_pylist(ROWS)
    text = table.column("text")
    text = text.dictionary_encode() if kind == "dictionary" else text.cast(pa.string_view())
    table = table.set_column(table.schema.get_field_index("text"), "text", text)
    p = tmp_path / f"{kind}.parquet"
    pq.write_table(table, p, store_schema=True)
    rows, bad, _ = read_all([p])
    assert texts(rows) == texts(ROWS) and not bad


def test_csv_with_multiline_field(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text(
        'id,text\na,"Satu kalimat lengkap di sini."\nb,"A second document.\nWith two lines."\nc,\n'
    )
    rows, bad, _ = read_all([p])
    assert texts(rows) == texts(ROWS) and not bad
    assert [r["__line"] for r in rows] == [2, 3, 5]


def test_txt_folder_one_document_per_file(tmp_path):
    for r in ROWS:
        (tmp_path / f"{r['id']}.txt").write_text(r["text"])
    rows, bad, _ = read_all([tmp_path])
    assert sorted(texts(rows)) == sorted(texts(ROWS))
    assert {r["id"] for r in rows} == {"a.txt", "b.txt", "c.txt"}


def test_save_to_disk_folder_and_dataset_dict(tmp_path):
    import datasets

    ds = datasets.Dataset.from_list(ROWS)
    ds.save_to_disk(str(tmp_path / "ds"))
    datasets.DatasetDict({"train": ds, "test": ds}).save_to_disk(str(tmp_path / "dd"))
    rows, bad, _ = read_all([tmp_path / "ds"])
    assert texts(rows) == texts(ROWS) and not bad
    rows, bad, _ = read_all([tmp_path / "dd"])
    assert sorted(texts(rows)) == sorted(texts(ROWS) * 2)


def test_hf_name_through_load_dataset(tmp_path):
    # a local folder of data files is a valid load_dataset name and needs no network
    folder = tmp_path / "hub"
    folder.mkdir()
    write_jsonl(folder / "train.jsonl", ROWS)
    rows, bad, _ = read_all([f"hf:{folder}"])
    assert sorted(texts(rows)) == sorted(texts(ROWS)) and not bad


def test_text_column_option(tmp_path):
    p = write_jsonl(tmp_path / "a.jsonl", [{"body": r["text"]} for r in ROWS])
    rows, _, _ = read_all([p], text_column="body")
    assert [r["body"] for r in rows] == texts(ROWS)
    with pytest.raises(UsageError, match="no column 'text'.*--text-column"):
        read_all([p])


def test_unreadable_rows_are_counted_with_file_and_line(tmp_path):
    p = tmp_path / "mixed.jsonl"
    p.write_bytes(
        b'{"id": "a", "text": "fine"}\n'
        b'{"id": "b", "text": "broken\n'
        b'{"id": "c", "text": "caf\xe9 \xff"}\n'
        b'{"id": "d", "text": null}\n'
        b'{"id": "e", "text": 12}\n'
        b"[1, 2]\n"
        b'{"id": "g"}\n'
        b"\n"
        b'{"id": "h", "text": ""}\n'
    )
    rows, bad, _ = read_all([p])
    assert [r["id"] for r in rows] == ["a", "h"]
    assert [(b.line, b.file) for b in bad] == [(n, str(p)) for n in (2, 3, 4, 5, 6, 7)]
    reasons = " | ".join(b.reason for b in bad)
    for word in ("broken JSON", "UTF-8", "null", "int", "not an object", "missing"):
        assert word in reasons
    # the parser's own "line 1" would contradict the row's line number
    assert "line 1 column" not in reasons and "at column" in bad[0].reason


def test_jsonl_byte_range_shards_cover_every_line_once(tmp_path):
    from curate.io import readers

    rows = [{"id": str(i), "text": f"document number {i} " * (i % 7)} for i in range(500)]
    p = write_jsonl(tmp_path / "big.jsonl", rows)
    shards = readers._jsonl_shards(p, target=2000)
    assert len(shards) > 5
    got = []
    for s in shards:
        for table, bad in read_shard(s, "text"):
            assert not bad
            if table is not None:
                got.extend(table.to_pylist())
    assert [r["id"] for r in got] == [r["id"] for r in rows]
    assert [r["__line"] for r in got] == list(range(1, 501))


def _shards_read_and_counted(path, target):
    """The plain definition of _jsonl_shards' cuts: read `target` bytes, finish the line with
    readline, count the newlines of both."""
    size = path.stat().st_size
    if size <= target:
        return [readers.Shard("jsonl", str(path))]
    shards, start, line = [], 0, 1
    with open(path, "rb") as f:
        while start < size:
            f.seek(start)
            block = f.read(target)
            if start + len(block) >= size:
                shards.append(readers.Shard("jsonl", str(path), start, -1, line))
                break
            rest = f.readline()
            end = start + len(block) + len(rest)
            shards.append(readers.Shard("jsonl", str(path), start, end, line))
            line += block.count(b"\n") + rest.count(b"\n")
            start = end
    return shards


def test_jsonl_cuts_are_read_and_count(tmp_path):
    import random

    rng = random.Random(12)
    p = tmp_path / "cut.jsonl"
    for trial in range(150):
        # lines of every length (empty ones, longer than a block and than a shard), CRLF, and
        # a last line with or without its newline
        lines = [
            rng.choice(["", "x", "\r", "abc" * rng.randint(1, 40)])
            for _ in range(rng.randint(1, 60))
        ]
        data = "\n".join(lines) + rng.choice(["", "\n", "\n\n"])
        p.write_bytes(data.encode())
        target = rng.choice([1, 2, 3, 5, 17, 64, 300, len(data) or 1])
        for block in (1, 2, 7, 64, 4096):
            got = readers._jsonl_shards(p, target=target, block=block)
            assert got == _shards_read_and_counted(p, target), (trial, target, block)


def test_cutting_a_big_jsonl_into_shards_does_not_hold_the_file_in_memory(tmp_path):
    """Finding the byte ranges of a JSONL file reads it a block at a time: the process's peak
    RSS must not grow by the file's size (a mapped file counts in RSS page by page, so a 10 GB
    input would have looked like a 10 GB process)."""
    import subprocess
    import sys

    p = tmp_path / "big.jsonl"
    line = (json.dumps({"text": "y" * 2000}) + "\n").encode()
    with open(p, "wb") as f:
        for _ in range(48):
            f.write(line * 512)  # 48 x ~1 MB
    code = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "from curate.io import readers\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "shards = readers._jsonl_shards(Path(sys.argv[1]), 4 << 20)\n"
        "grew = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before\n"
        "print(len(shards), grew)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(p)], capture_output=True, text=True, check=True
    ).stdout.split()
    size_kib = p.stat().st_size // 1024
    assert int(out[0]) > 10  # cut into shards
    assert int(out[1]) < size_kib // 4, (out, size_kib)


def test_corrupt_gzip_keeps_what_was_read(tmp_path):
    p = tmp_path / "a.jsonl.gz"
    data = gzip.compress("".join(json.dumps(r) + "\n" for r in ROWS * 200).encode())
    p.write_bytes(data[: len(data) // 2])
    rows, bad, _ = read_all([p])
    assert rows and len(bad) == 1 and "unreadable" in bad[0].reason


def test_missing_input_and_unknown_type(tmp_path):
    with pytest.raises(UsageError, match="no such file"):
        discover([str(tmp_path / "nope.jsonl")])
    (tmp_path / "x.docx").write_text("x")
    with pytest.raises(UsageError, match="unknown file type"):
        discover([str(tmp_path / "x.docx")])


def test_corrupt_parquet_is_a_usage_error(tmp_path):
    p = tmp_path / "bad.parquet"
    p.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(UsageError, match="parquet"):
        discover([str(p)])


def test_folder_mixing_formats_skips_unknown_files(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", ROWS[:1])
    (tmp_path / "b.txt").write_text("A text file document.")
    (tmp_path / "notes.docx").write_text("not an input")
    rows, bad, skipped = read_all([tmp_path])
    assert sorted(texts(rows)) == sorted([ROWS[0]["text"], "A text file document."])
    assert skipped == [str(tmp_path / "notes.docx")]


def test_shards_pickle_small():
    import pickle

    s = Shard("jsonl", "/x/y.jsonl", 10, 20, 3)
    assert pickle.loads(pickle.dumps(s)) == s


def test_gzip_size_estimates_the_uncompressed_bytes(tmp_path):
    import random

    from curate.io.readers import GZIP_SAMPLE, gzip_size

    rng = random.Random(0)
    words = ["alpha", "beta", "gamma", "delta", "sea", "été", "日本"]
    body = "".join(
        json.dumps({"text": " ".join(rng.choice(words) for _ in range(60))}) + "\n"
        for _ in range(4000)
    ).encode()
    one = tmp_path / "one.jsonl.gz"
    one.write_bytes(gzip.compress(body))
    assert len(body) > 3 * one.stat().st_size and one.stat().st_size > GZIP_SAMPLE
    # one member: at least the trailer's ISIZE, the exact size (the sampled ratio may say more)
    assert len(body) <= gzip_size(str(one)) < 1.2 * len(body)
    # several members (the trailer gives the last one's size only): the measured ratio
    many = tmp_path / "many.jsonl.gz"
    many.write_bytes(gzip.compress(body) + gzip.compress(body[:100]))
    assert 100 < 0.8 * len(body) < gzip_size(str(many)) < 1.2 * (len(body) + 100)
    small = tmp_path / "small.jsonl.gz"  # read whole: exact, every member counted
    small.write_bytes(gzip.compress(b"x" * 5000) + gzip.compress(b"y" * 300))
    assert gzip_size(str(small)) == 5300
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(b"not gzip at all" * 10)
    assert gzip_size(str(broken)) >= 150  # no sense made of it: at least its size
    # a file that is no whole gzip has no trailer: its last bytes are not read as a size
    assert gzip_size(str(broken)) < 10 * 150
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(gzip.compress(body[:3000])[:-20])
    assert gzip_size(str(cut)) < 10 * 3000
    junk = tmp_path / "junk.jsonl.gz"
    junk.write_bytes(gzip.compress(body[:3000]) + b"\xff" * 8)
    assert gzip_size(str(junk)) < 10 * 3000
    assert gzip_size(str(tmp_path / "gone.jsonl.gz")) == 0
