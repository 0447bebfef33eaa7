"""duplicate-documents: exact and near duplicates across the corpus, one representative kept."""

from __future__ import annotations

import json
import pickle

import polars as pl
import pytest

import curate.api
from curate.checks.base import Batch
from curate.config import load_ruleset
from tests.conftest import curate_cli, write_jsonl, write_rules

STORY = (
    "The harbour authority said on Monday that the old ferry terminal will close for repairs "
    "in March. Passengers will board at the north pier until the work ends, probably in "
    "late summer, and the bus from the station will stop there every twenty minutes."
)
OTHER = (
    "A school choir from the valley won the regional contest on Saturday with a programme of "
    "folk songs, and its conductor thanked the parents who drove the children to every "
    "rehearsal through the winter."
)
THIRD = (
    "Farmers in the east of the county expect a late harvest after the wet spring; the "
    "cooperative has hired extra drivers for September and asks members to book the dryer "
    "early this year."
)


def clean(texts, **params):
    df = pl.DataFrame({"i": list(range(len(texts))), "text": pl.Series(texts, dtype=pl.String)})
    rs = {"name": "t", "rules": [{"rule": "duplicate-documents", "action": "drop", **params}]}
    out = curate.api.clean(df, rs)
    rows = (
        pl.concat(
            [
                out["train"].with_columns(pl.lit(False).alias("dropped")),
                out["rejected"].with_columns(pl.lit(True).alias("dropped")),
            ],
            how="diagonal_relaxed",
        )
        .sort("i")
        .to_dicts()
    )
    return rows, curate.api.evaluate(df, rs)


def test_exact_duplicates_keep_the_first():
    variant = STORY.upper().replace(",", "").replace(" ", "  ")  # same normalised text
    rows, report = clean([OTHER, STORY, THIRD, STORY, variant])
    assert [r["dropped"] for r in rows] == [False, False, False, True, True]
    assert rows[3]["curate_duplicate_of"] == "<memory>:2"
    assert rows[4]["curate_duplicate_of"] == "<memory>:2"
    assert [r["curate_duplicate_kind"] for r in rows] == [None, None, None, "exact", "exact"]
    assert [r["curate_duplicate_cluster_size"] for r in rows] == [1, 3, 1, 3, 3]
    summary = report["corpus"]["duplicate-documents"]
    assert summary["clusters"] == 1 and summary["duplicates"] == 2
    assert summary["largest"] == [{"size": 3, "representative": "<memory>:2"}]
    assert report["rules"]["duplicate-documents"]["dropped"] == 2


LONG = " ".join([STORY, OTHER, THIRD])  # about 120 words


def test_near_duplicate_light_edit():
    # one word in 120 changed: Jaccard of the 5-word shingles about 0.92, linked with p > 0.999
    edited = LONG.replace("Monday", "Tuesday")
    rows, _ = clean([LONG, OTHER, edited])
    assert [r["dropped"] for r in rows] == [False, False, True]
    assert rows[2]["curate_duplicate_kind"] == "near"
    assert rows[2]["curate_duplicate_of"] == "<memory>:1"


def test_near_off_finds_exact_only():
    edited = STORY.replace("Monday", "Tuesday")
    rows, _ = clean([STORY, edited, STORY], near=False)
    assert [r["dropped"] for r in rows] == [False, False, True]


def test_unrelated_documents_are_kept():
    rows, report = clean([STORY, OTHER, THIRD])
    assert not any(r["dropped"] for r in rows)
    assert all(r["curate_duplicate_of"] is None for r in rows)
    assert report["corpus"]["duplicate-documents"]["clusters"] == 0


def test_empty_and_short_documents():
    rows, _ = clean(["", "", "  ", "Yes.", "yes", "No."])
    # empty text is never a duplicate; short texts match exactly (after normalisation) only
    assert [r["dropped"] for r in rows] == [False, False, False, False, True, False]


def test_non_latin():
    ru = (
        "Портовое управление сообщило в понедельник, что старый паромный терминал закроется на "
        "ремонт в марте, а пассажиры будут садиться у северного причала до конца работ."
    )
    ru = " ".join([ru] * 3) + " Конец."  # long enough that one edit leaves most shingles
    rows, _ = clean([ru, ru.replace("Конец", "Всё"), OTHER])
    assert [r["dropped"] for r in rows] == [False, True, False]


def _batch(texts, file, start=1):
    return Batch.from_texts(
        pl.Series(texts, dtype=pl.String),
        extra=pl.DataFrame(
            {"__file": [file] * len(texts), "__line": list(range(start, start + len(texts)))}
        ),
    )


def test_signature_does_not_depend_on_the_neighbouring_documents():
    # bug: shingles were hashed after dropping each document's last words, so the last shingles
    # of a document took words from the next one and light edits went unnoticed
    rule = load_ruleset({"name": "t", "rules": [{"rule": "duplicate-documents"}]}).build()[0]
    alone = rule.collect(_batch([STORY], "a"))["docs"]
    among = rule.collect(_batch([STORY, OTHER, THIRD], "a"))["docs"]
    bands = [f"b{j}" for j in range(14)]
    assert alone.select(bands).row(0) == among.filter(pl.col("line") == 1).select(bands).row(0)


def test_merge_order_and_pickling_do_not_change_the_clusters():
    rule = load_ruleset({"name": "t", "rules": [{"rule": "duplicate-documents"}]}).build()[0]
    a = rule.collect(_batch([OTHER, STORY], "b.jsonl"))
    b = rule.collect(_batch([STORY, THIRD, STORY], "a.jsonl"))
    b = pickle.loads(pickle.dumps(b))  # aggregates travel between processes
    one = rule.finish(rule.merge(a, b))
    two = rule.finish(rule.merge(b, rule.merge(None, a)))
    key = ["file", "line"]
    assert one.sort(key).equals(two.sort(key))
    # the representative is the first by input order: file path, then line
    assert set(one["duplicate_of"].to_list()) == {"a.jsonl:1"}
    assert one.filter(pl.col("_rep")).select(key).rows() == [("a.jsonl", 1)]
    # memory: the aggregate holds hashes per document, never text
    assert set(a["docs"].columns) == {"fid", "line", "exact", *[f"b{j}" for j in range(14)]}


def test_cli_duplicates_across_files(tmp_path):
    data = tmp_path / "in"
    data.mkdir()
    write_jsonl(data / "a.jsonl", [{"id": "a1", "text": STORY}, {"id": "a2", "text": OTHER}])
    write_jsonl(
        data / "b.jsonl",
        [
            {"id": "b1", "text": THIRD},
            {"id": "b2", "text": STORY + " "},
            # one word changed near the end: Jaccard 28/30 of the 5-word shingles, linked with
            # p > 0.9999 (a change in the middle, 24/34, would link with p = 0.62 only)
            {"id": "b3", "text": OTHER.replace("winter", "year")},
        ],
    )
    rules = write_rules(
        tmp_path / "r.yaml", "name: d\nrules:\n  - rule: duplicate-documents\n    action: drop\n"
    )
    res = curate_cli(
        "run",
        data,
        "--rules",
        rules,
        "--out",
        tmp_path / "out",
        "--format",
        "jsonl",
        "--workers",
        "1",
        "--report-dir",
        tmp_path / "rep",
    )
    assert res.returncode == 0, res.stderr
    text = next((tmp_path / "out").glob("rejected*")).read_text(encoding="utf-8")
    rejected = [json.loads(ln) for ln in text.splitlines()]
    got = {r["id"]: r["curate_duplicate_of"] for r in rejected}
    assert set(got) == {"b2", "b3"}
    assert got["b2"].endswith("a.jsonl:1") and got["b3"].endswith("a.jsonl:2")
    report = json.loads((tmp_path / "rep" / "report.json").read_text())
    assert report["documents"]["dropped"] == 2
    assert report["corpus"]["duplicate-documents"]["duplicates"] == 2


def test_rule_documentation_names_the_lsh_parameters():
    res = curate_cli("rules", "duplicate-documents")
    assert res.returncode == 0, res.stderr
    for word in ("bands", "rows", "shingle_words", "0.72", "duplicate_of"):
        assert word in res.stdout


@pytest.mark.parametrize("key,value", [("bands", 0), ("rows", "8"), ("shingles", 5)])
def test_bad_parameters_are_rejected(key, value):
    from curate.errors import RuleSetError

    with pytest.raises(RuleSetError):
        load_ruleset({"name": "t", "rules": [{"rule": "duplicate-documents", key: value}]})


def test_a_batch_looks_up_only_its_own_rows_of_the_clusters():
    # bug: every batch joined its keys with every clustered document of the corpus, so the main
    # pass grew with corpus size x batches (200k web documents: 34 ms a batch, 5 at 20k)
    from curate.checks.dedup import _doc_keys, _rows_of

    rule = load_ruleset({"name": "t", "rules": [{"rule": "duplicate-documents"}]}).build()[0]
    texts = [STORY, OTHER, THIRD, STORY, OTHER, THIRD, STORY]
    agg = None
    for file in ("b.jsonl", "a.jsonl", "c.jsonl"):  # files met out of path order
        agg = rule.merge(agg, rule.collect(_batch(texts, file, start=5)))
    finished = rule.finish(agg)
    assert finished.height == 21  # every document is in a cluster
    batch = _batch(texts[3:6], "a.jsonl", start=8)  # lines 8-10 of a.jsonl
    keys = _doc_keys(batch)
    rows = _rows_of(finished, keys)
    assert rows.select("file", "line").rows() == [("a.jsonl", 8), ("a.jsonl", 9), ("a.jsonl", 10)]
    # a batch of two files, one of its lines in no cluster
    other = pl.DataFrame({"__doc": [3, 4], "file": ["c.jsonl", "c.jsonl"], "line": [11, 99]})
    rows = _rows_of(finished, pl.concat([keys, other.cast(keys.schema)]))
    assert rows.select("file", "line").rows() == [
        ("a.jsonl", 8),
        ("a.jsonl", 9),
        ("a.jsonl", 10),
        ("c.jsonl", 11),
    ]
    # evaluate gives the batch the signals of the whole frame
    batch.corpus = {rule.name: finished}
    signals = rule.evaluate(batch).signals
    assert signals["duplicate_of"].to_list() == ["a.jsonl:5", "a.jsonl:6", "a.jsonl:7"]
    assert signals["duplicate_cluster_size"].to_list() == [9, 6, 6]
