"""language-mismatch's fast paths give exactly what their plain definitions give: lines scored
once per distinct line of the batch's shared memo (kept across strips), a one-line paragraph
labelled from its distinct line's posterior, documents summed from the lines."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from curate.checks import language
from curate.checks.base import DOC, LINE, Batch, line_chars
from curate.checks.language import UND, paragraphs
from curate.checks.words import batch_distinct_lines, referenced_lines
from curate.config import load_ruleset

# hand-written texts
ID = "Pemerintah kota mengumumkan bahwa jalan utama akan ditutup selama dua minggu."
ID2 = "Warga diminta menggunakan jalur alternatif dan mengikuti petunjuk petugas di lapangan."
EN = "The city council announced that the main road will be closed for two weeks for repairs."
EN2 = "Residents are asked to use other routes and to follow the instructions of the staff."
DE = "Der Stadtrat hat angekündigt, dass die Hauptstraße zwei Wochen lang gesperrt wird."
RU = "Городской совет объявил, что главная дорога будет закрыта на две недели."
NAV = "Home | News | Sport"
TEXTS = [
    f"{NAV}\n{ID}\n{ID2}\n{EN}",  # no blank line: every line its own paragraph
    f"{ID}\n{ID2}\n\n{EN}\n{EN2}\n\n{NAV}",  # blank-line paragraphs of two lines
    f"{NAV}\n{EN}\n\n\n{DE}\n{RU}\n  \n{ID}",
    f"{EN} {EN2} {DE}\n{EN}",  # a long line, then its prefix
    "A A A\n\n1 2 3",  # undetermined
    "",
    f"{NAV}\n{ID}\n{ID2}\n{EN}",
    f"{RU}\n\n{RU}\n{NAV}\n{ID}",
]


def _rule(**params):
    spec = {"rule": "language-mismatch", "action": "strip", "expected": ["id"], **params}
    return load_ruleset({"name": "t", "rules": [spec]}).build()[0]


def _plain_detect(rule, batch: Batch, vocab: list[str]):
    """Every read line scored on its own, summed into paragraphs and documents by loops."""
    from curate.langid import codes, posteriors, score

    p = rule.params
    par = paragraphs(batch.lines, p.max_chars)
    lines = batch.lines.get_column(LINE).to_list()
    read = np.flatnonzero(par.read)
    scores, letters = score([lines[i][: p.line_chars] for i in read])
    n_units = len(par.unit_doc)
    unit_scores = np.zeros((n_units, scores.shape[1]), dtype=np.int64)
    unit_letters = np.zeros(n_units, dtype=np.int64)
    for k, i in enumerate(read):
        unit_scores[par.line_unit[i]] += scores[k]
        unit_letters[par.line_unit[i]] += letters[k]
    doc_scores = np.zeros((batch.n, scores.shape[1]), dtype=np.int64)
    doc_letters = np.zeros(batch.n, dtype=np.int64)
    for u, d in enumerate(par.unit_doc):
        doc_scores[d] += unit_scores[u]
        doc_letters[d] += unit_letters[u]
    col = np.array([vocab.index(c) for c in codes()] + [vocab.index(UND)])

    def label(s, n):
        best, conf = posteriors(s)
        short = n < p.min_letters
        und = short | (conf < p.min_confidence)
        return col[np.where(und, len(col) - 1, best)], np.where(short, 0.0, conf)

    unit_lang, _ = label(unit_scores, unit_letters)
    doc_lang, doc_conf = label(doc_scores, doc_letters)
    return par, unit_lang, doc_lang, doc_conf


def _fast_detect(rule, batch: Batch, vocab: list[str]):
    distinct = referenced_lines(*batch_distinct_lines(batch))
    # the lines' lengths as the split measured them (base.line_chars), as evaluate() passes them
    par = paragraphs(batch.lines, rule.params.max_chars, distinct, line_chars(batch))
    return (par, *rule._detect_ngram(batch, par, vocab, distinct))


def _vocab() -> list[str]:
    from curate.langid import codes

    return sorted(set(codes())) + [UND]


def _assert_same(fast, plain):
    par_f, unit_f, doc_f, conf_f = fast
    par_p, unit_p, doc_p, conf_p = plain
    for name in ("line_unit", "read", "unit_doc", "unit_chars", "chars"):
        assert np.array_equal(getattr(par_f, name), getattr(par_p, name)), name
    assert np.array_equal(unit_f, unit_p)
    assert np.array_equal(doc_f, doc_p)
    assert np.array_equal(conf_f, conf_p)  # bit for bit


@pytest.mark.parametrize(
    "params", [{}, {"line_chars": 50, "max_chars": 150}, {"min_letters": 0, "min_confidence": 0.0}]
)
# the distinct lines no line read refers to (blank ones, those past max_chars) scored with the
# others (FEW_UNREAD_CHARS large) or left out (0)
@pytest.mark.parametrize("few_unread", [None, 0, 1 << 30])
def test_distinct_line_scores_and_one_line_paragraphs_match_the_plain_sums(
    monkeypatch, params, few_unread
):
    if few_unread is not None:
        monkeypatch.setattr(language, "FEW_UNREAD_CHARS", few_unread)
    rule = _rule(**params)
    # blank lines of white space, and a page whose lines past max_chars are read by no line
    tail = "\n".join(f"Zeile {i} einer langen deutschen Seite über das Wetter." for i in range(9))
    batch = Batch.from_texts(pl.Series([*TEXTS, " \t", f"{EN}\n  \n{tail}"] * 2, dtype=pl.String))
    vocab = _vocab()
    fast = _fast_detect(rule, batch, vocab)
    _assert_same(fast, _plain_detect(rule, batch, vocab))
    # the texts give both kinds of paragraph, and some of each are determined
    assert (np.bincount(fast[0].line_unit[fast[0].read]) > 1).any()
    assert len(set(fast[1].tolist())) > 2


def test_after_a_strip_the_shared_distinct_lines_give_the_plain_result():
    # the memo was computed before the strip (by an earlier rule): its distinct lines include
    # strings no line refers to any more, which are not scored
    rule = _rule()
    batch = Batch.from_texts(pl.Series(TEXTS, dtype=pl.String))
    strings, _ = batch_distinct_lines(batch)
    keep = ~batch.lines.get_column(LINE).is_in([ID, NAV]).to_numpy()
    lines = batch.lines.filter(pl.Series(keep))
    text = lines.group_by(DOC, maintain_order=True).agg(pl.col(LINE).str.join("\n"))
    docs = batch.docs.drop("text").join(text.rename({LINE: "text"}), on=DOC, how="left")
    stripped = batch.stripped(docs.with_columns(pl.col("text").fill_null("")), lines, keep)
    vocab = _vocab()
    fast = _fast_detect(rule, stripped, vocab)
    _assert_same(fast, _plain_detect(rule, stripped, vocab))
    used, _ = referenced_lines(*batch_distinct_lines(stripped))
    assert len(used) < len(strings) and ID not in used.to_list()
    plain_labels = np.array(vocab, dtype=object)[fast[2]].tolist()
    assert rule.evaluate(stripped).signals["language"].to_list() == plain_labels


def test_referenced_lines_are_the_rows_in_use():
    strings = pl.Series(["a", "b", "c", "d"])
    inverse = np.array([3, 1, 3, 3])
    used, at = referenced_lines(strings, inverse)
    assert used.to_list() == ["b", "d"]
    assert [used.to_list()[i] for i in at] == [strings.to_list()[i] for i in inverse]
    same, rows = referenced_lines(strings, np.array([0, 1, 2, 3, 0]))
    assert same is strings and rows.tolist() == [0, 1, 2, 3, 0]
    empty, none = referenced_lines(strings, np.zeros(0, dtype=np.int64))
    assert empty.to_list() == [] and none.tolist() == []


@pytest.mark.parametrize("block", [1, 1000, 1 << 30])
def test_summed_rows_packed_or_int64_are_the_plain_sums(monkeypatch, block):
    # summed a row, a few runs or everything at a time (langid.model.block_sums)
    from curate.checks.language import _Rows
    from curate.langid import model

    monkeypatch.setattr(model, "SUM_BYTES", block)

    rng = np.random.default_rng(11)
    values = rng.integers(0, 5000, size=(300, 55))
    extra = rng.integers(0, 2000, size=300)  # the lines' letters, in the lane left free
    rows = rng.integers(0, 300, size=1000)
    owner = np.sort(rng.integers(0, 80, size=1000))
    # the second overflows 32 bits in a run (the third by its extra values alone); odd and even
    # numbers of columns
    cases = ((1, 1, True), (1 << 21, 1, False), (1, 1 << 21, False), (1 << 10, 1 << 10, True))
    for scale, extra_scale, narrow in cases:
        v = values * scale if scale != 1 << 10 else values[:, :54] * scale
        x = extra * extra_scale
        plain = np.zeros((90, v.shape[1]), dtype=np.int64)
        plain_x = np.zeros(90, dtype=np.int64)
        for r, o in zip(rows.tolist(), owner.tolist(), strict=True):
            plain[o] += v[r]
            plain_x[o] += x[r]
        summed = _Rows(v, x)
        got, got_x = summed.sum(rows, owner, 90)
        assert got.dtype == np.int64 and np.array_equal(got, plain)
        assert got_x.dtype == np.int64 and np.array_equal(got_x, plain_x)
        assert (summed.packed is not None) == narrow
        # a second sum over other rows of the same values (as the multi-line paragraphs are)
        got, got_x = summed.sum(rows[:10], np.arange(10), 10)
        assert np.array_equal(got, v[rows[:10]]) and np.array_equal(got_x, x[rows[:10]])
    got, got_x = _Rows(values, extra).sum(rows[:0], owner[:0], 3)
    assert np.array_equal(got, np.zeros((3, 55))) and np.array_equal(got_x, np.zeros(3))
    got, got_x = _Rows(values[:0], extra[:0]).sum(rows[:0], owner[:0], 2)
    assert got.shape == (2, 55) and got_x.shape == (2,)


def _plain_paragraphs(lines: pl.DataFrame, max_chars: int):
    """paragraphs() by a loop over each document's lines: a paragraph is a block of text lines
    between blank lines when the document has a blank line between two text lines, else a line."""
    from curate.checks.base import OFF

    docs = lines.get_column(DOC).to_list()
    texts = lines.get_column(LINE).to_list()
    offs = lines.get_column(OFF).to_list()
    line_unit, unit_doc, unit_chars = [-1] * len(texts), [], []
    i = 0
    while i < len(texts):
        j = i
        while j < len(texts) and docs[j] == docs[i]:
            j += 1
        rows = range(i, j)
        text = [r for r in rows if texts[r].strip(" \t\u00a0")]
        has_par = any(b - a > 1 for a, b in zip(text, text[1:], strict=False))
        for k, r in enumerate(text):
            if k == 0 or not has_par or r - text[k - 1] > 1:
                unit_doc.append(docs[r])
                unit_chars.append(len(texts[r]))
            else:
                unit_chars[-1] += 1 + len(texts[r])
            line_unit[r] = len(unit_doc) - 1
        i = j
    read = [u >= 0 and o < max_chars for u, o in zip(line_unit, offs, strict=True)]
    return line_unit, read, unit_doc, unit_chars


@pytest.mark.parametrize("max_chars", [20000, 60])
def test_paragraphs_are_the_plain_blocks_of_text_lines(max_chars):
    # documents with and without blank lines between text lines, blank lines first and last,
    # runs of blank lines (spaces, tabs, no-break spaces), one-line and empty documents; then
    # with some lines stripped (their line numbers leave gaps, the frame has none)
    rng = np.random.default_rng(5)
    pieces = ["", " ", "\t \u00a0", "Home", "Some text here.", "x" * 70, "Über uns"]
    texts = ["\n".join(rng.choice(pieces, size=rng.integers(0, 12))) for _ in range(300)]
    texts += ["", "one line", "\n\nA\n\nB\n\n", "A\nB\nC", "A\n\nB\nC\n \nD"]
    batch = Batch.from_texts(pl.Series(texts, dtype=pl.String))
    keep = rng.random(batch.lines.height) < 0.8
    for lines in (batch.lines, batch.lines.filter(pl.Series(keep))):
        par = paragraphs(lines, max_chars)
        line_unit, read, unit_doc, unit_chars = _plain_paragraphs(lines, max_chars)
        assert par.line_unit.tolist() == line_unit
        assert par.read.tolist() == read
        assert par.unit_doc.tolist() == unit_doc
        assert par.unit_chars.tolist() == unit_chars


def test_codes_are_the_strings_of_the_vocabulary_rows():
    from curate.arrays import strings
    from curate.checks.language import _codes, _vocab

    vocab = (*_vocab(), "zh-tw", "é")  # codes of 2, 3, 5 bytes and a non-ASCII one
    idx = np.random.default_rng(3).integers(0, len(vocab), size=500)
    for rows in (idx, idx[:1], idx[:0]):
        assert _codes(vocab, rows).equals(strings([vocab[i] for i in rows.tolist()]))


def test_expected_share_of_one_or_two_languages_is_the_plain_sum():
    from curate.checks.language import _expected_share

    rng = np.random.default_rng(8)
    chars = rng.integers(0, 4000, size=(400, 56)) * (rng.random((400, 56)) < 0.2)
    chars[:50] = 0  # nothing determined
    shares = chars / np.maximum(chars.sum(axis=1), 1)[:, None]
    for k in (0, 1, 2, 3, 7):
        row = np.zeros(56, dtype=bool)
        row[rng.choice(55, size=k, replace=False)] = True
        acc = np.tile(row, (400, 1))
        want = (shares * acc).sum(axis=1)
        for uniform in (True, False):
            got = _expected_share(shares, acc, uniform)
            assert np.array_equal(got.view(np.int64), want.view(np.int64))
    acc = rng.random((400, 56)) < 0.05  # a row's own languages (expected_column)
    want = (shares * acc).sum(axis=1)
    assert np.array_equal(_expected_share(shares, acc, False).view(np.int64), want.view(np.int64))
    assert _expected_share(shares[:0], acc[:0], True).shape == (0,)


def test_shares_column_is_each_documents_shares_largest_first_ties_alphabetical():
    from curate.checks.language import _shares_column, _vocab

    vocab = _vocab()
    rng = np.random.default_rng(5)
    shares = np.zeros((300, len(vocab)))
    for i in range(300):  # none, one, or several languages; equal shares (ties) often
        k = int(rng.integers(0, 5))
        cols = rng.choice(len(vocab) - 1, size=k, replace=False)
        shares[i, cols] = rng.choice([0.25, 0.5, 1 / 3, 0.1 + 0.2, 0.3, 1.0], size=k)
    got = _shares_column(shares, vocab).to_list()
    for i in range(300):
        pairs = [(vocab[j], shares[i, j]) for j in range(len(vocab)) if shares[i, j] > 0]
        want = sorted(pairs, key=lambda p: (-p[1], p[0]))
        assert [(s["language"], s["share"]) for s in got[i]] == want
    assert _shares_column(shares[:0], vocab).to_list() == []
