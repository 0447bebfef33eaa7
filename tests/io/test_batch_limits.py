"""Batches end at a number of rows or of text bytes, whichever comes first (peak memory follows a
batch's text): a long document never drags thousands of others into its batch, and however a
corpus is cut into batches, the output and the report are the same."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from curate import engine
from curate.config import load_ruleset
from curate.io.readers import discover, read_shard
from curate.io.writers import SPLITS, _read_part, normal_types
from tests.conftest import sample_corpus, write_jsonl

TEXTS = [
    "short one",
    "x" * 300,
    "Ünïcödé text, two bytes a letter: " + "é" * 100,
    "",
    "日本語の文書です。" * 20,
    "a line\nanother line\n" * 10,
    "tail",
]


def _batches(path, batch_rows, batch_bytes):
    shards, _ = discover([str(path)])
    return [
        t
        for s in shards
        for t, _ in read_shard(s, "text", batch_rows, batch_bytes)
        if t is not None
    ]


def _sizes(table: pa.Table) -> list[int]:
    return [len(t.encode()) for t in table.column("text").to_pylist()]


@pytest.mark.parametrize("kind", ["jsonl", "parquet"])
@pytest.mark.parametrize("batch_bytes", [1, 200, 400, 10_000])
def test_a_batch_ends_at_the_row_that_reaches_the_byte_budget(tmp_path, kind, batch_bytes):
    rows = [{"id": i, "text": t} for i, t in enumerate(TEXTS * 3)]
    if kind == "jsonl":
        path = write_jsonl(tmp_path / "c.jsonl", rows)
    else:
        path = tmp_path / "c.parquet"
        pq.write_table(pa.Table.from_pylist(rows), path)
    tables = _batches(path, 4, batch_bytes)
    # every row once, in order, with its own line number
    assert [i for t in tables for i in t.column("id").to_pylist()] == list(range(len(rows)))
    assert [n for t in tables for n in t.column("__line").to_pylist()] == list(
        range(1, len(rows) + 1)
    )
    for t in tables:
        sizes = _sizes(t)
        assert t.num_rows <= 4
        # only its last row may reach the budget (evened out over a byte range: within 1.5x)
        assert sum(sizes[:-1]) < 1.5 * batch_bytes
    if batch_bytes == 1:  # every non-empty text is a batch of its own
        assert all(sum(_sizes(t)[:-1]) == 0 for t in tables)
    if batch_bytes == 10_000:  # the row limit alone
        assert [t.num_rows for t in tables] == [4, 4, 4, 4, 4, 1]


def _run(tmp_path, corpus, rules, name, **limits):
    work = tmp_path / name
    result, prefixes = engine.run(
        [str(corpus)], rules, engine.RunOptions(workers=1, **limits), work
    )
    out = {}
    for split in SPLITS:
        parts = [_read_part(f"{p}.{split}.arrow") for p in prefixes]
        out[split] = pa.concat_tables(
            [t for t in parts if t.num_rows] or parts[:1], promote_options="default"
        )
    return out, result.stats.to_dict()


def test_small_batches_give_the_output_of_one_batch(tmp_path):
    corpus = sample_corpus(tmp_path, 2)  # 366 documents, one shard
    rules = load_ruleset("web")  # strip, drop and flag actions; three corpus passes
    one, one_stats = _run(tmp_path, corpus, rules, "one", batch_rows=100_000, batch_bytes=1 << 40)
    small, small_stats = _run(tmp_path, corpus, rules, "small", batch_rows=4096, batch_bytes=16384)
    assert len(_batches(corpus, 4096, 16384)) > 10
    for split in SPLITS:
        assert small[split].equals(one[split]), split
    assert small_stats == one_stats


@pytest.mark.parametrize("block", [1, 7, 64, 1 << 20])
def test_jsonl_read_in_blocks_gives_every_line(tmp_path, monkeypatch, block):
    from curate.io import readers

    monkeypatch.setattr(readers, "READ_BLOCK", block)
    lines = [
        '{"text": "first"}\r\n',
        "\n",  # a blank line still counts in the line numbers
        '{"text": "' + "long " * 40 + '"}\n',
        "not json\n",
        '{"text": "é, 日本"}\n',
        '{"text": "last, no newline"}',
    ]
    path = tmp_path / "c.jsonl"
    path.write_bytes("".join(lines).encode())
    # byte ranges cut at line ends, as discover does for large files
    cuts = [0, len("".join(lines[:3]).encode()), path.stat().st_size]
    shards = [
        readers.Shard("jsonl", str(path), a, b if b < cuts[-1] else -1, first)
        for a, b, first in ((cuts[0], cuts[1], 1), (cuts[1], cuts[2], 4))
    ]
    texts, lines_seen, bad = [], [], []
    for s in shards:
        for t, b in read_shard(s, "text"):
            bad += [(u.line, u.reason[:11]) for u in b]
            if t is not None:
                texts += t.column("text").to_pylist()
                lines_seen += t.column("__line").to_pylist()
    assert texts == ["first", "long " * 40, "é, 日本", "last, no newline"]
    assert lines_seen == [1, 3, 5, 6] and bad == [(4, "broken JSON")]


def test_a_shard_is_written_batch_by_batch_as_one_concat_would(tmp_path):
    import polars as pl

    # a column whose type changes between batches: ints, then text, then absent
    rows = [{"text": f"Document {i}. " + "word " * 30, "meta": i} for i in range(6)]
    rows += [{"text": f"Later {i}. " + "word " * 30, "meta": f"m{i}"} for i in range(6)]
    rows += [{"text": "Short.", "extra": True}]
    corpus = write_jsonl(tmp_path / "c.jsonl", rows)
    (shard,), _ = discover([str(corpus)])
    rules = load_ruleset("web")
    tables = list(read_shard(shard, "text", 4, 1 << 20))
    assert len(tables) == 4
    kept, rejected, _ = engine.process_batches(rules, tables, {}, keep_rows=True)
    engine.process_shard(rules, shard, {}, str(tmp_path / "p"), 4, 1 << 20)
    for split, frames in (("train", kept), ("rejected", rejected)):
        # (in the types the output is written in: string, not polars' large_string)
        expected = normal_types(pl.concat(frames, how="diagonal_relaxed").to_arrow())
        assert _read_part(str(tmp_path / f"p.{split}.arrow")).equals(expected), split
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "c.jsonl",
        "p.rejected.arrow",
        "p.stats.json",
        "p.train.arrow",
    ]  # no temporary file left


def test_a_byte_range_is_cut_into_even_batches(tmp_path):
    rows = [{"text": "y" * 1000} for _ in range(41)]  # 41 kB of text
    tables = _batches(write_jsonl(tmp_path / "c.jsonl", rows), 4096, 20_000)
    # two batches of ~21 kB, not 20 + 20 + 1
    assert [t.num_rows for t in tables] == [21, 20]
