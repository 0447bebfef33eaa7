"""Batch memos (computed once per batch; a memo of the lines alone follows strip actions) and the
byte-level helpers the rules share."""

from __future__ import annotations

import numpy as np
import polars as pl

from curate.checks.base import LINE, Batch, unicode_space


def _strip(batch: Batch, keep: list[bool]) -> Batch:
    mask = np.array(keep)
    return batch.stripped(batch.docs, batch.lines.filter(pl.Series(mask)), mask)


def test_memo_is_computed_once():
    batch = Batch.from_texts(pl.Series(["a\nb"]))
    calls = []
    for _ in range(2):
        assert batch.memo("k", lambda: calls.append(1) or len(calls)) == 1
    assert batch.memoized("k") == 1 and batch.memoized("other") is None


def test_memo_of_the_lines_follows_strips_and_others_end():
    batch = Batch.from_texts(pl.Series(["a\nb\nc", "d\ne"]))
    lines = batch.memo(
        "lines",
        lambda: batch.lines.get_column(LINE).to_list(),
        after_strip=lambda v, keep: [x for x, k in zip(v, keep, strict=True) if k],
    )
    assert lines == ["a", "b", "c", "d", "e"]
    batch.memo("text", lambda: "derived from the text")
    once = _strip(batch, [True, False, True, True, True])
    twice = _strip(once, [True, True, False, True])
    # a chain of strips composes its masks: the value is filtered once, when first read
    assert twice.memoized("lines") == ["a", "c", "e"] == twice.lines.get_column(LINE).to_list()
    assert twice.memoized("text") is None and once.memoized("text") is None
    assert once.memo("lines", lambda: None) == ["a", "c", "d", "e"]
    # a memo never computed before the strip is computed on the stripped batch
    assert twice.memoized("never") is None
    assert twice.memo("new", lambda: twice.lines.height) == 3


def test_doc_of_line_gives_each_line_its_document_row():
    batch = Batch.from_texts(pl.Series(["a\nb", "", "c"]))
    rows = batch.doc_of_line()
    assert rows.tolist() == batch.lines.get_column("__doc").to_list()
    assert rows.dtype == np.int64
    # documents numbered otherwise (not their rows): each line still gets its document's row
    docs = batch.docs.with_columns((pl.col("__doc") * 10 + 5).alias("__doc"))
    lines = batch.lines.with_columns((pl.col("__doc") * 10 + 5).alias("__doc"))
    other = Batch(docs, lines, {})
    assert other.doc_of_line().tolist() == rows.tolist()


def test_unicode_space_is_what_polars_calls_white_space_for_every_character():
    # boilerplate-lines and truncated-text read white space from the UTF-8 bytes with this test:
    # it must agree with polars' \s (and so strip_chars) on every character outside ASCII
    chars = [chr(c) for c in range(0x80, 0x110000) if not 0xD800 <= c <= 0xDFFF]
    enc = np.array([list((c.encode() + b"\0\0")[:3]) for c in chars], dtype=np.uint8)
    got = unicode_space(enc[:, 0], enc[:, 1], enc[:, 2])
    want = pl.Series(chars).str.contains(r"^\s$").to_numpy()
    assert got.tolist() == want.tolist()
    assert 15 < want.sum() < 30
