"""boilerplate-lines' memo of lines met in earlier batches (`_LineMemo`): evaluate's codes and
collect's key hashes with the memo, batch after batch, are those computed afresh for each batch
(the plain definitions: `_code_array` without a memo, `_stripped_hashes`), whatever the lines
(blank, whitespace only, outside ASCII, invalid UTF-8 replaced, giant), with hashes that collide,
with a memo that fills up, and for rules and corpus results that differ."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from curate.checks import boilerplate as bp
from curate.checks import get_rule
from curate.checks.base import LINE, Batch, clear_run_caches
from curate.checks.words import distinct_lines
from tests.checks.test_boilerplate_speed import PAGE, _fuzz_lines

RULE = "boilerplate-lines"

ODD = [
    "",
    " ",
    "\t",
    "\u3000",
    "  Home  ",
    "\xa0Share this\xa0",
    "A A A",
    "(esn)",
    "By Jane Doe",
    "Baca juga: berita lain",
    "関連記事",
    "Главная",
    "ÉDITION",
    b"caf\xe9 menu".decode("utf-8", errors="replace"),
    "\ufffd\ufffd",
    "x" * 70_000,
    "Word " * 3000 + "end.",
    "Home | News | Sport",
    "18.11.2019",
]


def _rule(**params):
    cls = get_rule(RULE)
    return cls(cls.Params(**params), "strip")


def _batches(seed: int, n: int = 6) -> list[Batch]:
    """Batches of documents drawn from one pool of lines (each batch holds many lines of the
    batches before it, and some new ones), with empty documents and documents of blank lines."""
    rng = np.random.default_rng(seed)
    pool = _fuzz_lines(rng, 400) + ODD + PAGE.split("\n")
    out = []
    for b in range(n):
        docs = []
        for d in range(int(rng.integers(5, 40))):
            lines = list(rng.choice(pool, int(rng.integers(0, 25))))
            lines.insert(0, f"Document {b}.{d}.")  # a line of its own
            docs.append("\n".join(lines))
        docs += ["", "\n\n", " \n\t"]
        out.append(Batch.from_texts(pl.Series(docs, dtype=pl.String)))
    return out


def _recurring(batches: list[Batch]) -> pl.Series:
    lines = pl.concat([b.lines.get_column(LINE) for b in batches])
    key = bp.line_key(pl.col(LINE)).hash(seed=bp.HASH_SEED)
    some = lines.to_frame().unique().head(300)
    return some.select(key).to_series()


def _collide(strings: pl.Series) -> np.ndarray:
    # a hash most strings share with others (their length): the memo must tell them apart by
    # their texts
    return strings.str.len_bytes().fill_null(0).to_numpy().astype(np.uint64)


@pytest.fixture(autouse=True)
def _fresh_memos():
    clear_run_caches()
    yield
    clear_run_caches()


@pytest.mark.parametrize("hashes", ["polars", "colliding"])
@pytest.mark.parametrize(
    "params",
    [{}, {"short_max_words": 2, "recurring_sentences": True, "recurring_max_chars": 30}],
)
def test_codes_with_the_memo_are_the_codes_computed_afresh(monkeypatch, hashes, params):
    if hashes == "colliding":
        monkeypatch.setattr(bp, "_memo_hashes", _collide)
    batches = _batches(1)
    recurring = _recurring(batches)
    rule = _rule(**params)
    memo = rule._features_memo(recurring)
    for batch in batches:
        got = rule._code_array(batch.lines, recurring, None, memo)
        plain = rule._code_array(batch.lines, recurring)
        assert got.tolist() == plain.tolist()
    # the memo holds lines (a memo never read would not be tested here)
    assert memo.n > 0


@pytest.mark.parametrize(("lines", "size"), [(150, 10**7), (10**6, 20_000)])
def test_codes_with_the_memo_when_it_fills_up(monkeypatch, lines, size):
    # the memo starts afresh past either bound (on these batches: after the second batch by
    # lines, after the first by bytes), and holds lines again after that
    monkeypatch.setattr(bp, "MEMO_LINES", lines)
    monkeypatch.setattr(bp, "MEMO_BYTES", size)
    rule = _rule()
    memo = rule._features_memo(None)
    cleared = []
    clear = memo._clear
    memo._clear = lambda: cleared.append(memo.n) or clear()
    for batch in _batches(2):
        got = rule._code_array(batch.lines, None, None, memo)
        assert got.tolist() == rule._code_array(batch.lines, None).tolist()
        assert memo.n <= lines
    assert cleared and memo.n > 0


def test_evaluate_keeps_a_memo_per_rule_and_corpus_result():
    # the features depend on the rule's parameters and on the corpus pass' recurring hashes:
    # another rule, or another result, must not read this one's memo
    batches = _batches(3, n=2)
    recurring = _recurring(batches)
    a, b = _rule(), _rule(short_max_words=1, long_min_words=4, good_min_words=2)
    for rule, hashes in ((a, None), (b, None), (a, recurring), (b, recurring), (a, None)):
        for batch in batches:
            batch.corpus = {RULE: {"hashes": hashes}} if hashes is not None else {}
            got = rule.evaluate(batch).remove.to_numpy()
            plain = rule._code_array(batch.lines, hashes) > 0
            assert got.tolist() == plain.tolist()
    assert a._features_memo(None) is a._features_memo(None)
    assert a._features_memo(None) is not b._features_memo(None)
    assert a._features_memo(recurring) is not a._features_memo(None)


@pytest.mark.parametrize("hashes", ["polars", "colliding"])
def test_collect_hashes_with_the_memo_are_the_hashes_computed_afresh(monkeypatch, hashes):
    if hashes == "colliding":
        monkeypatch.setattr(bp, "_memo_hashes", _collide)
    for batch in _batches(4):
        raw, inverse = distinct_lines(batch.lines.get_column(LINE))
        got = bp._remembered_hashes(raw, inverse)
        plain = bp._stripped_hashes(raw)
        for g, p in zip(got, plain, strict=True):
            assert g.dtype == p.dtype
            assert g.tolist() == p.tolist()


def test_collect_with_the_memo_matches_its_plain_definition():
    from tests.checks.test_boilerplate_collect import _plain_collect

    rule = _rule()
    for batch in _batches(5) * 2:
        fast, plain = rule.collect(batch), _plain_collect(batch)
        for part in ("counts", "texts"):
            assert fast[part].sort("h").equals(plain[part].sort("h")), part


def test_memo_finds_exactly_the_lines_it_keeps(monkeypatch):
    monkeypatch.setattr(bp, "_memo_hashes", _collide)
    memo = bp._LineMemo({"v": np.int64})
    kept = pl.Series(["a", "bb", "ccc", "", "dddd"])
    rows, _ = memo.find(kept)
    assert rows.tolist() == [-1] * 5
    memo.add(kept, {"v": np.arange(5)})
    probe = pl.Series(["ccc", "zz", "a", "dddd", "ddde", "", "bb", "eeeee"])
    rows, got = memo.find(probe)
    hits = [s for s, r in zip(probe.to_list(), rows, strict=True) if r >= 0]
    found = dict(zip(hits, got["v"].tolist(), strict=True))
    assert found == {"ccc": 2, "a": 0, "dddd": 4, "": 3, "bb": 1}
    # a string whose hash a kept line has but whose text differs cannot be kept
    assert rows[1] == rows[4] == -2
    assert rows[7] == -1
    # strings sharing a hash among themselves are left out
    clash = pl.Series(["xyz12", "pq345", "abcdef"])
    assert memo.find(clash)[0].tolist() == [-1, -1, -1]
    memo.add(clash, {"v": np.array([7, 8, 9])})
    rows, got = memo.find(clash)
    assert rows.tolist() == [-1, -1, 5]
    assert got["v"].tolist() == [9]


def test_the_memo_keeps_its_texts_not_the_batches_they_came_from():
    """A line kept is a filter of a batch's lines, whose string views hold every buffer of that
    batch's text (estimated_size counts the views only): kept as it was, a corpus with few
    repeated lines held ~380 MB more at 200,000 documents (session 12)."""
    batch = pl.Series([f"line {i} " + "x" * 200 for i in range(50_000)] + ["a short line"])
    kept = batch.gather([50_000])  # one line of 16 bytes, its batch's ~10 MB behind it

    def held(s: pl.Series) -> int:
        arr = s.to_arrow(compat_level=pl.CompatLevel.newest())
        return sum(b.size for b in arr.buffers() if b is not None)

    assert held(kept) > 5_000_000  # the premise
    memo = bp._LineMemo({"v": np.int64})
    memo.add(kept, {"v": np.array([1])})
    assert held(memo.texts) < 10_000
    rows, values = memo.find(kept)
    assert rows.tolist() == [0] and values["v"].tolist() == [1]
