"""The Python API runs the same engine on in-memory data."""

from __future__ import annotations

import datasets
import polars as pl
import pytest

import curate

DOCS = [
    {"id": "1", "text": "Judul berita\nA\nA\nA\nIsi berita yang lengkap dan jelas untuk pembaca."},
    {"id": "2", "text": "A complete English sentence about the weather today."},
    {"id": "3", "text": "Kalimat ini terpotong di tengah karena batas panj"},
]
TEXTS_2 = ["Another complete sentence about the sea.", "A third sentence about the hills."]
RULES = {
    "name": "api",
    "rules": [
        {"rule": "boilerplate-lines", "action": "strip"},
        {"rule": "truncated-text", "action": "drop"},
    ],
}


def test_clean_polars_dataframe():
    out = curate.clean(pl.DataFrame(DOCS), RULES)
    assert out["train"]["id"].to_list() == ["1", "2"]
    assert out["rejected"]["id"].to_list() == ["3"]
    assert "\nA\n" not in out["train"]["text"][0]
    assert out["rejected"]["curate_dropped_by"].to_list() == [["truncated-text"]]


def test_clean_dataset_and_dataset_dict_give_a_dataset_dict():
    ds = datasets.Dataset.from_list(DOCS)
    out = curate.clean(ds, RULES)
    assert curate.clean(ds.select([1]), RULES)["train"]["id"] == ["2"]  # a view, not its table
    assert isinstance(out, datasets.DatasetDict)
    assert len(out["train"]) == 2 and len(out["rejected"]) == 1
    dd = datasets.DatasetDict({"a": ds.select([0, 1]), "b": ds.select([2])})
    out = curate.clean(dd, RULES)
    assert sorted(list(out["train"]["id"]) + list(out["rejected"]["id"])) == ["1", "2", "3"]


def test_evaluate_and_check():
    report = curate.evaluate(pl.DataFrame(DOCS), RULES)
    assert report["documents"] == {"input": 3, "kept": 2, "dropped": 1, "unreadable": 0}
    assert report["rules"]["truncated-text"]["fired"] == 1
    gated = {**RULES, "gates": {"max_dropped_fraction": 0.1}}
    ok, results = curate.check(pl.DataFrame(DOCS), gated)
    assert not ok and results[0].gate == "max_dropped_fraction"


def test_null_text_rows_are_counted_not_lost():
    df = pl.DataFrame({"id": ["1", "2"], "text": ["Satu kalimat lengkap.", None]})
    report = curate.evaluate(df, RULES)
    assert report["documents"]["input"] == 2 and report["documents"]["unreadable"] == 1


def test_clean_gives_back_every_row_an_unreadable_one_in_its_own_split():
    """A row whose text is null is not lost: it comes back, as given, in split `unreadable` with
    the reason and its row number (as report.json lists it), and a warning says so."""
    df = pl.DataFrame({"id": ["1", "2", "3", "4"], "text": [DOCS[1]["text"], None, *TEXTS_2]})
    with pytest.warns(UserWarning, match=r"1 of 4 rows unreadable .*'unreadable'"):
        out = curate.clean(df, RULES)
    assert list(out) == ["train", "rejected", "unreadable"]
    assert out["train"].height + out["rejected"].height + out["unreadable"].height == 4
    lost = out["unreadable"]
    assert lost["id"].to_list() == ["2"] and lost["text"].to_list() == [None]
    assert lost["curate_unreadable"].to_list() == ["text column 'text' is null"]
    assert lost["curate_row"].to_list() == [2]
    assert curate.evaluate(df, RULES)["unreadable"]["rows"][0]["line"] == 2


def test_clean_a_dataset_gives_a_dataset_dict_with_an_unreadable_split():
    ds = datasets.Dataset.from_list(
        [{"id": "1", "text": DOCS[1]["text"]}, {"id": "2", "text": None}]
    )
    with pytest.warns(UserWarning, match="1 of 2 rows unreadable"):
        out = curate.clean(ds, RULES)
    assert list(out) == ["train", "rejected", "unreadable"]
    assert out["unreadable"]["id"] == ["2"] and out["unreadable"]["curate_row"] == [2]


def test_clean_a_non_text_column_gives_back_every_row(recwarn):
    df = pl.DataFrame({"id": ["1", "2"], "text": [1, 2]})
    out = curate.clean(df, RULES)
    assert out["unreadable"]["id"].to_list() == ["1", "2"]
    assert (
        out["unreadable"]["curate_unreadable"].to_list()
        == ["text column 'text' is int64, not text"] * 2
    )
    assert out["train"].height == out["rejected"].height == 0


def test_clean_without_unreadable_rows_is_silent_and_its_split_empty(recwarn):
    out = curate.clean(pl.DataFrame(DOCS), RULES)
    assert out["unreadable"].height == 0 and "curate_unreadable" in out["unreadable"].columns
    assert not [w for w in recwarn if "unreadable" in str(w.message)]


def test_import_is_cheap():
    import subprocess
    import sys

    heavy = "('datasets', 'langdetect', 'ray', 'polars')"
    code = f"import sys, curate; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_in_memory_batches_honour_the_byte_budget(monkeypatch):
    """Long documents cut a batch before BATCH_ROWS, as they do for a run's readers (memory
    follows a batch's text bytes); the output and the report do not depend on the cut."""
    from curate import api

    long = "Satu kalimat yang cukup panjang untuk mengisi batas byte.\n" * 40
    texts = [long + f"Dokumen nomor {i}." for i in range(12)] + [DOCS[2]["text"], None]
    df = pl.DataFrame({"id": [str(i) for i in range(len(texts))], "text": texts})
    whole = curate.evaluate(df, RULES)
    with pytest.warns(UserWarning, match="1 of 14 rows unreadable"):
        whole_clean = curate.clean(df, RULES)

    monkeypatch.setattr(api, "BATCH_BYTES", 3 * len(long.encode()))
    sizes = [t.num_rows if t is not None else 0 for t, _ in api._batches(df.to_arrow(), "text")]
    assert len(sizes) > 3 and max(sizes) <= 4 and sum(sizes) == len(texts) - 1
    cut = curate.evaluate(df, RULES)
    for key in ("documents", "rules"):
        assert cut[key] == whole[key]
    assert cut["unreadable"] == whole["unreadable"]
    with pytest.warns(UserWarning, match="row 14: text column 'text' is null"):
        cut_clean = curate.clean(df, RULES)
    for split in ("train", "rejected", "unreadable"):
        assert cut_clean[split].equals(whole_clean[split])
