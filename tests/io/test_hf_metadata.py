"""The hf writer's own metadata files are the ones `datasets.save_to_disk` writes, without
importing datasets; a column type (or a datasets version) outside its mapping goes through
datasets itself, and every folder loads back with `datasets.load_from_disk`."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import subprocess
import sys
from pathlib import Path

import datasets
import numpy as np
import pyarrow as pa
import pytest

from curate import engine
from curate.io import writers
from tests.conftest import ROOT, SAMPLE


def _col(t: pa.DataType, values: list) -> tuple[pa.DataType, pa.Array]:
    return t, pa.array(values, type=t)


# every type hf_features claims, each with a null, nested where datasets nests them
COLUMNS = {
    "text": _col(pa.string(), ["one", "é日本", None]),
    "null": _col(pa.null(), [None, None, None]),
    "bool": _col(pa.bool_(), [True, False, None]),
    **{
        str(t): _col(t, [1, 2, None])
        for t in (pa.int8(), pa.int16(), pa.int32(), pa.int64())
        + (pa.uint8(), pa.uint16(), pa.uint32(), pa.uint64())
    },
    "float16": (pa.float16(), pa.array(np.array([1.5, -2.0, 0.0], dtype=np.float16))),
    "float32": _col(pa.float32(), [1.5, -0.0, None]),
    "float64": _col(pa.float64(), [0.25, float("inf"), None]),
    "binary": _col(pa.binary(), [b"\x00a", b"", None]),
    "large_binary": _col(pa.large_binary(), [b"\xffb", b"", None]),
    "date32": _col(pa.date32(), [dt.date(2024, 2, 29), None, dt.date(1970, 1, 1)]),
    "date64": _col(pa.date64(), [dt.date(2024, 2, 29), None, dt.date(1970, 1, 1)]),
    **{
        f"ts_{unit}": _col(pa.timestamp(unit), [dt.datetime(2024, 1, 2, 3, 4, 5), None, None])
        for unit in ("s", "ms", "us", "ns")
    },
    "ts_tz": _col(
        pa.timestamp("us", tz="Europe/Paris"),
        [dt.datetime(2024, 1, 2, tzinfo=dt.UTC), None, None],
    ),
    "duration": _col(pa.duration("ms"), [dt.timedelta(seconds=3), None, dt.timedelta(0)]),
    "time32": _col(pa.time32("s"), [dt.time(1, 2, 3), None, dt.time(0)]),
    "time64": _col(pa.time64("ns"), [dt.time(1, 2, 3, 4), None, dt.time(0)]),
    "decimal128": _col(pa.decimal128(10, 2), [decimal.Decimal("3.14"), None, decimal.Decimal(0)]),
    "decimal256": _col(pa.decimal256(40, 3), [decimal.Decimal("-1.5"), None, None]),
    "curate_flags": _col(pa.list_(pa.string()), [[], ["a", "b"], None]),
    "list_list": _col(pa.list_(pa.list_(pa.int64())), [[[1], []], None, [[2, None]]]),
    "fixed_list": _col(pa.list_(pa.int32(), 3), [[1, 2, 3], None, [None, 5, 6]]),
    "struct": _col(
        pa.struct([("b", pa.list_(pa.string())), ("a", pa.struct([("x", pa.float64())]))]),
        [{"b": ["u"], "a": {"x": 1.0}}, None, {"b": None, "a": None}],
    ),
    "list_struct": _col(
        pa.list_(pa.struct([("k", pa.string()), ("v", pa.int64())])),
        [[{"k": "a", "v": 1}], [], None],
    ),
    "naïve 名前": _col(pa.string(), ["x", "y", "z"]),  # JSON escapes non-ASCII column names
}


def _table(names: list[str]) -> pa.Table:
    return pa.table({n: COLUMNS[n][1] for n in names})


def _write(tmp_path: Path, train: pa.Table, name: str = "out") -> Path:
    """`writers.write_output` (format hf) of one part holding `train` and an empty rejected
    split, as a run writes them (the same part path every time: the fingerprint hashes it)."""
    prefix = str(tmp_path / "part")
    engine._write_arrow(prefix + ".train.arrow", train)
    engine._write_arrow(prefix + ".rejected.arrow", pa.table({}))
    writers.write_output([prefix], tmp_path / name, "hf", "text")
    return tmp_path / name


def _datasets_save(folder: Path, train: pa.Table) -> None:
    """What datasets itself writes for the same rows (the reference)."""
    datasets.disable_progress_bars()
    dd = datasets.DatasetDict(
        {
            "train": datasets.Dataset(train),
            "rejected": datasets.Dataset(train.slice(0, 0)),
        }
    )
    dd.save_to_disk(str(folder), num_shards={"train": 1, "rejected": 1})


def _data_schema(folder: Path) -> pa.Schema:
    name = json.loads((folder / "state.json").read_text())["_data_files"][0]["filename"]
    with pa.memory_map(str(folder / name)) as src:
        return pa.ipc.open_stream(src).schema


def assert_same_as_datasets(mine: Path, ref: Path) -> None:
    """mine (curate's folder) holds the metadata files datasets wrote into ref, byte for byte,
    and loads back with the same rows and features."""
    assert (mine / "dataset_dict.json").read_bytes() == (ref / "dataset_dict.json").read_bytes()
    for split in ("train", "rejected"):
        a, b = mine / split, ref / split
        assert (a / "dataset_info.json").read_bytes() == (b / "dataset_info.json").read_bytes()
        # the fingerprint differs legitimately: datasets draws a random one for a dataset built in
        # memory; curate's hashes the schema and the parts' paths and rows, so that a run gives
        # the same bytes twice (test_the_folder_is_the_same_bytes_twice). The data files' names
        # are the same here (one part, one file).
        state_a = json.loads((a / "state.json").read_text())
        state_b = json.loads((b / "state.json").read_text())
        assert isinstance(state_a.pop("_fingerprint"), str) and state_b.pop("_fingerprint")
        assert state_a == state_b
        text_a = (a / "state.json").read_text()
        assert text_a == json.dumps(json.loads(text_a), indent=2, sort_keys=True)  # datasets' dump
        # the schema message of the data files, with the features as its metadata, byte for byte
        assert _data_schema(a).serialize() == _data_schema(b).serialize()
    got, want = datasets.load_from_disk(str(mine)), datasets.load_from_disk(str(ref))
    for split in ("train", "rejected"):
        assert got[split].features == want[split].features
        assert got[split].data.table.equals(want[split].data.table)


def _no_datasets_fallback(monkeypatch) -> None:
    def refuse(*_):
        raise AssertionError("took the datasets fallback")

    monkeypatch.setattr(writers, "_hf_skeleton_by_datasets", refuse)


SCHEMAS = {
    "flat": [n for n, (t, _) in COLUMNS.items() if not pa.types.is_nested(t)],
    "nested": ["text", "curate_flags", "list_list", "fixed_list", "struct", "list_struct"],
    "all": list(COLUMNS),
}


@pytest.mark.parametrize("schema", list(SCHEMAS))
def test_own_metadata_is_what_datasets_writes(tmp_path, monkeypatch, schema):
    _no_datasets_fallback(monkeypatch)  # every column type of the matrix is in the mapping
    train = _table(SCHEMAS[schema])
    mine = _write(tmp_path, train)
    monkeypatch.undo()
    _datasets_save(tmp_path / "ref", train)
    assert_same_as_datasets(mine, tmp_path / "ref")
    # the same folder, byte for byte, as the datasets fallback makes (state.json included: both
    # fingerprints are curate's)
    monkeypatch.setattr(writers, "_datasets_major", lambda: 3)
    by_datasets = _write(tmp_path, train, "by-datasets")
    files = sorted(p.relative_to(mine) for p in mine.rglob("*"))
    assert files == sorted(p.relative_to(by_datasets) for p in by_datasets.rglob("*"))
    for f in files:
        if (mine / f).is_file():
            assert (mine / f).read_bytes() == (by_datasets / f).read_bytes(), f


@pytest.mark.parametrize(
    "t",
    [
        pa.dictionary(pa.int32(), pa.string()),  # a categorical column of a parquet input
        pa.list_(pa.field("element", pa.int64()), 2),  # datasets names a list's items "item"
    ],
    ids=str,
)
def test_a_type_outside_the_mapping_goes_through_datasets(tmp_path, monkeypatch, t):
    assert writers.hf_features(t) is None
    values = {
        pa.types.is_dictionary(t): ["a", "b", None],
        pa.types.is_fixed_size_list(t): [[1, 2], [None, 3], None],
    }[True]
    train = pa.table({"text": ["x", "y", "z"], "col": pa.array(values, type=t)})
    used = []
    real = writers._hf_skeleton_by_datasets
    monkeypatch.setattr(writers, "_hf_skeleton_by_datasets", lambda *a: used.append(1) or real(*a))
    out = _write(tmp_path, train)
    assert used == [1]
    dd = datasets.load_from_disk(str(out))
    assert dd["train"]["text"] == ["x", "y", "z"]
    assert dd["train"]["col"] == train.column("col").to_pylist()
    assert len(dd["rejected"]) == 0


@pytest.mark.parametrize("major", [None, 3, 6])
def test_a_datasets_version_the_writer_does_not_know_goes_through_datasets(
    tmp_path, monkeypatch, major
):
    used = []
    real = writers._hf_skeleton_by_datasets
    monkeypatch.setattr(writers, "_datasets_major", lambda: major)
    monkeypatch.setattr(writers, "_hf_skeleton_by_datasets", lambda *a: used.append(1) or real(*a))
    _write(tmp_path, _table(["text", "curate_flags"]))
    assert used == [1]


def test_the_folder_is_the_same_bytes_twice(tmp_path):
    train = _table(list(COLUMNS))
    first, second = _write(tmp_path, train, "first"), _write(tmp_path, train, "second")
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert len(files) == 7  # dataset_dict.json; per split: info, state, one data file
    for f in files:
        assert (first / f).read_bytes() == (second / f).read_bytes(), f


def test_the_installed_datasets_is_one_the_writer_serves():
    # else every run pays the import again: HF_OWN_METADATA needs the new version's format
    assert writers._datasets_major() in writers.HF_OWN_METADATA
    assert not writers.hf_needs_datasets()


@pytest.mark.parametrize("workers", ["1", "2"])
def test_curate_run_format_hf_does_not_import_datasets(tmp_path, workers):
    # with two workers the sample is cut in shards of 50 kB, so that the pool really runs
    out = tmp_path / "out"
    code = (
        "import sys; from curate.cli import main; "
        f"rc = main(['run', {str(SAMPLE)!r}, '--rules', 'default', '--out', {str(out)!r}, "
        f"'--report-dir', {str(tmp_path / 'rep')!r}, '--format', 'hf', '--workers', {workers!r}, "
        "'--quiet']); "
        "print(rc, 'datasets' in sys.modules)"
    )
    res = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "CURATE_SHARD_BYTES": "50000"},
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["0", "False"]
    report = json.loads((tmp_path / "rep" / "report.json").read_text())
    dd = datasets.load_from_disk(str(out))
    assert len(dd["train"]) + len(dd["rejected"]) == report["documents"]["input"]
    assert {"text", "curate_flags", "curate_dropped_by"} <= set(dd["train"].column_names)
    # a real run's schema (signal columns included): the files datasets writes for it
    for split in ("train", "rejected"):
        assert _data_schema(out / split).metadata is not None
    train = dd["train"].data.table.replace_schema_metadata(None)
    assert dd["rejected"].data.table.replace_schema_metadata(None).schema == train.schema
    mine = _write(tmp_path, train, "again")  # same rows through the writer, in one part
    _datasets_save(tmp_path / "ref", train)
    assert_same_as_datasets(mine, tmp_path / "ref")
    assert (out / "train" / "dataset_info.json").read_bytes() == (
        tmp_path / "ref" / "train" / "dataset_info.json"
    ).read_bytes()
