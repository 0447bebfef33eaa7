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


def _same(a, b) -> bool:
    """Equal aggregates; frames in any row order (a group_by's order is not fixed)."""
    if isinstance(a, pl.DataFrame):
        return isinstance(b, pl.DataFrame) and a.sort(a.columns).equals(b.sort(b.columns))
    if isinstance(a, pl.Series):
        return isinstance(b, pl.Series) and a.equals(b)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    return a == b


def test_the_corpus_batch_has_the_lines_without_positions_and_collects_the_same():
    from curate import checks

    rng = random.Random(12)
    texts = [
        "\n".join(
            rng.choice(PIECES + ["Share this page", "Cookies"]) for _ in range(rng.randint(1, 9))
        )
        for _ in range(400)
    ] + ["", "\n\n", None]
    extra = pl.DataFrame({"id": [str(i) for i in range(len(texts))]})
    full = Batch.from_texts(pl.Series(texts, dtype=pl.String), extra=extra)
    corpus = Batch.for_corpus(pl.Series(texts, dtype=pl.String), extra=extra)
    assert corpus.docs.equals(full.docs)
    assert corpus.lines.equals(full.lines.select(DOC, LINE))
    rules = [cls for cls in checks.all_rules().values() if cls.needs_corpus]
    assert rules
    for cls in rules:
        rule = cls(cls.Params(), cls.actions[0])
        fresh = Batch.for_corpus(pl.Series(texts, dtype=pl.String), extra=extra)
        assert _same(rule.collect(fresh), rule.collect(full)), cls.name


def _docs_plain(texts: pl.Series, extra: pl.DataFrame | None) -> pl.DataFrame:
    """The definition of a batch's docs frame, by queries."""
    text = texts.fill_null("").alias("text")
    docs = pl.DataFrame({DOC: pl.int_range(0, len(text), dtype=pl.UInt32, eager=True)})
    docs = docs.with_columns(text)
    if extra is not None:
        docs = docs.hstack(extra.drop([c for c in extra.columns if c in docs.columns]))
    return docs


def test_the_docs_frame_is_built_as_its_queries_build_it():
    from curate.checks.base import _docs

    texts = ["a\nb", "", "日本語\n", "x" * 40]
    cases = [
        pl.Series("t", texts),  # text without a null: taken as it is, renamed
        pl.Series("t", [*texts, None]),  # a null: ""
        pl.Series("t", [None, None]),  # all null (polars' Null type): "" as String
        pl.Series("t", [], dtype=pl.String),
        pl.Series("t", []),  # empty, of the Null type
    ]
    for texts in cases:
        n = len(texts)
        extras = [
            None,
            pl.DataFrame({"id": list(range(n))}),
            pl.DataFrame({"id": list(range(n)), "text": ["o"] * n, DOC: [9] * n}),  # clashes
        ]
        for extra in extras:
            got, want = _docs(texts, extra), _docs_plain(texts, extra)
            assert got.schema == want.schema and got.equals(want), (texts, extra)
