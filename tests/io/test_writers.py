"""The hf writer streams the parts into a folder `datasets.load_from_disk` reads back unchanged."""

from __future__ import annotations

import json

import datasets
import polars as pl
import pyarrow as pa
import pytest

from curate import engine
from curate.io import writers


def _parts(tmp_path, frames: list[tuple[pl.DataFrame | None, pl.DataFrame | None]]) -> list[str]:
    prefixes = []
    for i, (train, rejected) in enumerate(frames):
        prefix = str(tmp_path / f"{i:06d}")
        engine._atomic_write_arrow(prefix + ".train.arrow", train)
        engine._atomic_write_arrow(prefix + ".rejected.arrow", rejected)
        prefixes.append(prefix)
    return prefixes


def _frame(texts: list[str], flags: list[list[str]], extra=None) -> pl.DataFrame:
    cols = {"text": texts, "curate_flags": flags, "curate_dropped_by": [[] for _ in texts]}
    return pl.DataFrame({**cols, **(extra or {})})


@pytest.mark.parametrize("max_bytes", [writers.MAX_SHARD_BYTES, 1])
def test_hf_output_loads_back_with_every_row_in_order(tmp_path, monkeypatch, max_bytes):
    monkeypatch.setattr(writers, "MAX_SHARD_BYTES", max_bytes)  # 1: a data file per part
    parts = _parts(
        tmp_path,
        [
            (_frame(["one", "two"], [[], ["a"]], {"n": [1, 2]}), None),  # a shard with no rejects
            (_frame(["three"], [[]], {"n": [None]}), _frame(["bad"], [["b"]], {"n": [7]})),
            (None, None),  # a shard with no rows at all
            (_frame(["four"], [["a", "c"]]), None),  # a part without the column n
        ],
    )
    counts = writers.write_output(parts, tmp_path / "out", "hf", "text")
    assert counts == {"train": 4, "rejected": 1}
    dd = datasets.load_from_disk(str(tmp_path / "out"))
    assert dd["train"]["text"] == ["one", "two", "three", "four"]
    assert dd["train"]["n"] == [1, 2, None, None]
    assert dd["train"]["curate_flags"] == [[], ["a"], [], ["a", "c"]]
    assert dd["rejected"]["text"] == ["bad"]
    files = json.loads((tmp_path / "out" / "train" / "state.json").read_text())["_data_files"]
    assert len(files) == (1 if max_bytes > 1 else 3)
    assert not list((tmp_path / "out").rglob("*.tmp"))


def test_hf_output_of_an_empty_split_loads_back(tmp_path):
    parts = _parts(tmp_path, [(_frame(["only"], [[]]), None)])
    writers.write_output(parts, tmp_path / "out", "hf", "text")
    dd = datasets.load_from_disk(str(tmp_path / "out"))
    assert len(dd["train"]) == 1 and len(dd["rejected"]) == 0
    assert dd["rejected"].column_names == dd["train"].column_names


def _stream_bytes(tables, schema) -> bytes:
    """What a stream writer writes for these tables (the plain definition of a data file)."""
    import pyarrow as pa

    buf = pa.BufferOutputStream()
    with pa.ipc.new_stream(buf, schema) as w:
        for t in tables:
            if t.schema.remove_metadata() == schema.remove_metadata():
                w.write_table(pa.Table.from_arrays(t.columns, schema=schema))
            else:
                w.write_table(t.cast(schema))
    return buf.getvalue().to_pybytes()


@pytest.mark.parametrize("max_bytes", [writers.MAX_SHARD_BYTES, 1])
def test_hf_data_files_are_what_a_stream_writer_writes(tmp_path, monkeypatch, max_bytes):
    # parts in the writers' types are copied byte for byte; parts in polars' own types (a part
    # of an older run, resumed) or without a column are converted: every file must be the bytes
    # a stream writer writes for the conformed parts
    import pyarrow as pa

    monkeypatch.setattr(writers, "MAX_SHARD_BYTES", max_bytes)
    frames = [
        _frame(["one", "two"], [[], ["a"]], {"n": [1, 2]}),
        _frame(["é日本", ""], [["b"], []], {"n": [None, 3]}),
        _frame(["three " * 50], [["a", "c"]]),  # no column n
        _frame(["four", "five", "six"], [[], [], ["d"]], {"n": [4, 5, 6]}),
    ]
    prefixes = []
    for i, frame in enumerate(frames):
        prefix = str(tmp_path / f"{i:06d}")
        if i == 1:  # polars' large types, as a part written before the writers' types
            engine._write_arrow(prefix + ".train.arrow", frame.to_arrow())
        else:
            engine._atomic_write_arrow(prefix + ".train.arrow", frame)
        engine._atomic_write_arrow(prefix + ".rejected.arrow", None)
        prefixes.append(prefix)
    writers.write_output(prefixes, tmp_path / "out", "hf", "text")
    paths = [p + ".train.arrow" for p in prefixes]
    schema = writers.unified_schema(paths, "text")
    folder = tmp_path / "out" / "train"
    names = [f["filename"] for f in json.loads((folder / "state.json").read_text())["_data_files"]]
    with pa.memory_map(str(folder / names[0])) as src:
        hf_schema = pa.ipc.open_stream(src).schema
    tables = [writers._conform(writers._read_part(p), schema) for p in paths]
    assert len(names) == (1 if max_bytes > 1 else len(tables))
    for name in names:  # each file holds the next parts, whole, in order
        rows = writers._part_rows(str(folder / name))
        mine = []
        while rows > 0:
            mine.append(tables.pop(0))
            rows -= mine[-1].num_rows
        assert rows == 0
        assert (folder / name).read_bytes() == _stream_bytes(mine, hf_schema), name
    assert tables == []
    dd = datasets.load_from_disk(str(tmp_path / "out"))
    assert dd["train"]["text"] == ["one", "two", "é日本", "", "three " * 50, "four", "five", "six"]
    assert dd["train"]["n"] == [1, 2, None, 3, None, 4, 5, 6]


@pytest.mark.parametrize("how", ["missing", "refused", "partial"])
def test_hf_data_files_are_the_same_without_copy_file_range(tmp_path, monkeypatch, how):
    # copy_file_range is Linux-only and fails between file systems (EXDEV): the parts' bytes are
    # then read and written by Python, from where the kernel stopped, to the same files
    import errno
    import os

    frames = [
        (_frame(["one", "two"], [[], ["a"]], {"n": [1, 2]}), None),
        (_frame(["é日本 " * 3000, ""], [["b"], []], {"n": [None, 3]}), None),
    ]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    writers.write_output(_parts(tmp_path / "a", frames), tmp_path / "kernel", "hf", "text")
    real = os.copy_file_range
    if how == "missing":
        monkeypatch.delattr(os, "copy_file_range")
    else:
        calls = []

        def copy(src, dst, count, offset):
            calls.append(offset)
            if how == "partial" and len(calls) == 1:  # some bytes, then a refusal
                return real(src, dst, min(count, 1000), offset)
            raise OSError(errno.EXDEV, "cross-device link")

        monkeypatch.setattr(os, "copy_file_range", copy)
    writers.write_output(_parts(tmp_path / "b", frames), tmp_path / "python", "hf", "text")
    data = sorted((tmp_path / "kernel" / "train").glob("*.arrow"))
    assert data
    for path in data:
        assert (tmp_path / "python" / "train" / path.name).read_bytes() == path.read_bytes()


def _normal_types_plain(table: pa.Table) -> pa.Table:
    """normal_types as it was defined before its plans were kept (the definition)."""
    schema = writers.normal_schema(table.schema)
    if schema == table.schema:
        return table
    return pa.Table.from_arrays(
        [
            c if c.type == f.type else c.cast(f.type)
            for c, f in zip(table.columns, schema, strict=True)
        ],
        schema=schema,
    )


def test_normal_types_is_its_plain_definition_batch_after_batch():
    """normal_types keeps a plan per schema (_normal_plan): every table, the first of its schema or
    a later one, and tables whose schemas differ only in metadata (which pa.Schema's == and hash
    leave out), come out as the plain definition makes them, metadata included."""
    writers._NORMAL_PLANS.clear()
    frames = [
        pl.DataFrame({"text": ["a", "", "ü" * 300, None], "n": [1, 2, None, 4]}),
        pl.DataFrame({"text": ["x"] * 4, "n": [1, 2, 3, 4]}),
        pl.DataFrame(
            {
                "text": ["a", "b"],
                "flags": [["r1", "r2"], []],
                "shares": [[{"language": "en", "share": 0.5}], []],
                "reasons": [{"phrase": 1, "w": None}, {"phrase": None, "w": 2}],
            }
        ),
        pl.DataFrame({"n": [1.5, None], "b": [True, None]}),  # nothing to cast
        pl.DataFrame(
            {"text": [], "flags": []}, schema={"text": pl.String, "flags": pl.List(pl.String)}
        ),
    ]
    tables = []
    for frame in frames:
        t = frame.to_arrow()
        tables += [t, frame.to_arrow()]  # the second of a schema: its plan is kept
        meta = pa.schema(
            [f.with_metadata({b"k": f.name.encode()}) for f in t.schema], metadata={b"m": b"1"}
        )
        tables.append(pa.Table.from_arrays(t.columns, schema=meta))
        other = pa.schema([f.with_metadata({b"k": b"other"}) for f in t.schema])
        tables.append(pa.Table.from_arrays(t.columns, schema=other))
    tables += tables  # every plan kept now
    for t in tables:
        got, want = writers.normal_types(t), _normal_types_plain(t)
        assert got.schema.equals(want.schema, check_metadata=True)
        assert got.equals(want)
