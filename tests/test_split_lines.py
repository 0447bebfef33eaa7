"""Batch's line split (numpy offsets) gives what its windowed polars definition gives."""

from __future__ import annotations

import random

import polars as pl

from curate.checks.base import DOC, LINE, LN, OFF, Batch, split_lines


def split_lines_plain(docs: pl.DataFrame) -> pl.DataFrame:
    """The definition: every document's lines, each with its index and its character offset in
    the document (the lengths of the lines before it, each plus its newline)."""
    lines = (
        docs.select(DOC, pl.col("text").str.split("\n").alias(LINE))
        .explode(LINE)
        .with_columns(pl.col(LINE).fill_null(""))
        .with_columns(pl.int_range(pl.len(), dtype=pl.UInt32).over(DOC).alias(LN))
    )
    return lines.with_columns(
        (pl.col(LINE).str.len_chars() + 1)
        .cum_sum()
        .over(DOC)
        .sub(pl.col(LINE).str.len_chars() + 1)
        .cast(pl.UInt32)
        .alias(OFF)
    ).select(DOC, LN, OFF, LINE)


PIECES = ["", " ", "a", "Words here.", "日本語", "Слово", "é\u0301", "\r", "😀 emoji", "\t"]


def test_split_lines_is_its_plain_definition():
    rng = random.Random(11)
    for n in (0, 1, 2, 7, 300):
        texts = [
            "\n".join(rng.choice(PIECES) for _ in range(rng.choice([1, 1, 2, 4, 9])))
            for _ in range(n)
        ]
        texts += ["", "\n", "\n\n", "no newline", "ends with newline\n"] if n else []
        batch = Batch.from_texts(pl.Series(texts))
        got, want = batch.lines, split_lines_plain(batch.docs)
        assert got.schema == want.schema
        assert got.equals(want), n
    # a null text (Batch fills them; split_lines on its own gives one empty line)
    docs = pl.DataFrame({DOC: pl.Series([0, 1], dtype=pl.UInt32), "text": ["a\nb", None]})
    assert split_lines(docs).equals(split_lines_plain(docs))
