"""The hf writer streams the parts into a folder `datasets.load_from_disk` reads back unchanged."""

from __future__ import annotations

import json

import datasets
import polars as pl
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
