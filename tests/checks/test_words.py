"""The fast paths of curate/checks/words.py against their plain definitions."""

from __future__ import annotations

import contextlib
import dataclasses
import string
from collections.abc import Iterator

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curate.checks import words
from curate.checks.base import string_bytes
from curate.checks.words import distinct_line_tokens, distinct_lines

# characters where the fast paths could part from the plain ones: ASCII and other punctuation and
# symbols at the edges, letters, digits, marks, other whitespace, unspaced scripts
PIECES = (
    ["a", "B", "é", "İ", "ſ", "1", "٣", ".", "!", "?", "(", ")", "'", '"', "«", "»", "“", "”"]
    + ["¿", "—", "…", "$", "+", "^", "`", "|", "~", "€", "©", "😀", "\u0301", "_", "\\"]
    + [" ", "  ", "\t", "\u00a0", "\u3000", "的", "の", "カ", "ー", "ก", "เ", "่", "ຍ", "ក", "្"]
    + ["\U00020000", "\U0001d400", "\U0001d7cf", "\U0001f130", "\U00010300"]
)
LINES = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)


def test_ascii_punctuation_is_the_ascii_part_of_the_punctuation_and_symbol_classes():
    ascii_chars = pl.Series([chr(i) for i in range(128)])
    in_class = ascii_chars.str.contains(words._PUNCT).to_list()
    assert [c for c, hit in zip(ascii_chars, in_class, strict=True) if hit] == list(
        string.punctuation
    )
    assert words._ASCII_PUNCT == string.punctuation


def _check_vocabulary(lines: list[str]) -> None:
    # both ways of answering the non-ASCII strings: the regexes (fewer than _TABLE_MIN of them)
    # and their characters read in `_char_table` (from one string on)
    s = pl.Series(lines, dtype=pl.String)
    for table_min in (words._TABLE_MIN, 1):
        with _table_min(table_min):
            lt = distinct_line_tokens(*distinct_lines(s))
        plain = words._plain_vocab_properties(lt.vocab.get_column("tok"))
        assert lt.vocab.columns == plain.columns
        assert lt.vocab.dtypes == plain.dtypes
        for name in plain.columns:
            got, want = lt.vocab.get_column(name).to_list(), plain.get_column(name).to_list()
            assert got == want, (name, table_min)


# characters beyond the Basic Multilingual Plane: an emoji, a rare Han character (unspaced), a
# mathematical letter and digit, an enclosed letter (a symbol), an Old Italic letter, a Pf quote
SUPPLEMENTARY = ["😀", "\U00020000", "\U0001d400", "\U0001d7cf", "\U0001f130", "\U00010300"]


def test_characters_beyond_the_table_read_the_patterns_bits():
    chars = SUPPLEMENTARY + ["a", "的", "»", "\u00a0"]
    s = pl.Series(chars, dtype=pl.String)
    props = words._char_props(string_bytes(s), s.str.len_chars().to_numpy())
    for bit, pattern in words._CHAR_BITS:
        want = s.str.contains(f"^(?:{pattern})$").to_list()
        assert [(b & bit) > 0 for b in props.any_.tolist()] == want, pattern
    # remembered: the same bits a second time
    again = words._char_props(string_bytes(s), s.str.len_chars().to_numpy())
    assert props.any_.tolist() == again.any_.tolist()


def test_remembered_characters_beyond_the_table_are_bounded(monkeypatch):
    # hostile text may hold every supplementary code point: the memory is forgotten at the cap,
    # and the bits stay those of the patterns, repeated characters included
    monkeypatch.setattr(words, "_SUPPLEMENTARY", words.CodePointMemo(words._find_bits, limit=4))
    cps = np.array([ord(c) for c in SUPPLEMENTARY * 2], dtype=np.int64)
    chars = pl.Series(SUPPLEMENTARY * 2, dtype=pl.String)
    want = np.zeros(len(cps), dtype=np.uint8)
    for bit, pattern in words._CHAR_BITS:
        want |= chars.str.contains(f"^(?:{pattern})$").to_numpy().astype(np.uint8) * np.uint8(bit)
    assert words._supplementary_bits(cps[:3]).tolist() == want[:3].tolist()
    assert words._supplementary_bits(cps).tolist() == want.tolist()  # 6 distinct: over the cap
    assert len(words._SUPPLEMENTARY.known) <= 6


@contextlib.contextmanager
def _table_min(n: int) -> Iterator[None]:
    # (the table built, a run reads it for any number of strings: off here, so that fewer than
    # `n` strings take the regexes' way)
    saved = words._TABLE_MIN, words._TABLE_REUSE
    words._TABLE_MIN, words._TABLE_REUSE = n, False
    try:
        yield
    finally:
        words._TABLE_MIN, words._TABLE_REUSE = saved


def test_vocabulary_properties_equal_every_test_on_every_string():
    _check_vocabulary(
        [
            "(a) «b» “c” ¿Qué? ...! — x... $5 ~y~ ©2024 😀ok 😀",
            "e\u0301. 的学 の!カー! «的» ประเทศไทย\tที่ ສະບາຍ ភាសា",
            "",
            "plain words only",
            "...",
        ]
    )


@settings(max_examples=80, deadline=None)
@given(st.lists(LINES, min_size=1, max_size=6))
def test_vocabulary_properties_equal_the_plain_ones_on_any_lines(lines):
    _check_vocabulary(lines)


@settings(max_examples=60, deadline=None)
@given(st.lists(LINES, min_size=1, max_size=8), st.data())
def test_tokens_of_the_referenced_lines_count_as_those_of_all_lines(lines, data):
    # after a strip, `inverse` refers to some of the distinct lines only: those alone are split,
    # and every count read through `inverse` is what splitting them all gives
    distinct, inverse = distinct_lines(pl.Series(lines, dtype=pl.String))
    keep = np.array(data.draw(st.lists(st.booleans(), min_size=len(lines), max_size=len(lines))))
    inverse = inverse[keep]
    fast = distinct_line_tokens(distinct, inverse)
    # every distinct line split, then the same lines referring to them
    full = dataclasses.replace(
        distinct_line_tokens(distinct, np.arange(len(distinct))), inverse=inverse
    )
    assert fast.words_per_line(len(inverse)).tolist() == full.words_per_line(len(inverse)).tolist()
    assert fast.long_tokens(len(inverse), 2).tolist() == full.long_tokens(len(inverse), 2).tolist()
    ends = {
        id(lt): lt.vocab.get_column("tok").str.count_matches(r"[.!?]").to_numpy()
        for lt in (fast, full)
    }
    group = np.arange(len(inverse)) % 3
    a = fast.per_group(group, 3, ends[id(fast)])
    b = full.per_group(group, 3, ends[id(full)])
    assert a.keys() == b.keys()
    for name in a:
        assert a[name].tolist() == b[name].tolist(), name
    # the tokens of each referenced line, in order, as the expanded tokens give them
    fe, ue = fast.expanded(), full.expanded()
    assert fe.vocab["tok"].gather(fe.code[: fe.kept]).to_list() == (
        ue.vocab["tok"].gather(ue.code[: ue.kept]).to_list()
    )
    assert fe.line[: fe.kept].tolist() == ue.line[: ue.kept].tolist()
    # no token of a line no line refers to
    used = np.zeros(len(distinct), dtype=bool)
    used[inverse] = True
    assert used[fast.line].all() and used[fast.split_line].all()


def test_byte_classes_of_a_slice_and_of_empty_strings():
    strings = pl.Series(["x", "", "Ab.", "(é", "", "\t1"], dtype=pl.String)
    whole = words._byte_classes(strings)
    part = words._byte_classes(strings.slice(1, 4))
    for a, b in zip(whole, part, strict=True):
        assert a[1:5].tolist() == b.tolist()
    any_, first, last = whole
    assert any_[1] == first[1] == last[1] == 0
    assert any_[2] & words._UPPER and any_[2] & words._LETTER and last[2] & words._PUNCT_BIT
    assert first[3] & words._PUNCT_BIT and any_[3] & words._NON_ASCII
    assert any_[5] & words._SPLIT and any_[5] & words._WORD and not any_[5] & words._LETTER
    assert words._byte_classes(pl.Series([], dtype=pl.String))[0].tolist() == []


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "b", "ab", "", "的", "x y"]), max_size=8, unique=True),
    st.lists(st.sampled_from(["a", "b", "ab", "ba", "", "的", "の", "x"]), max_size=10),
)
def test_appended_codes_equal_encoding_the_vocabulary_and_the_new_strings_together(vocab, more):
    vocab_s = pl.Series("tok", vocab, dtype=pl.String)
    more_s = pl.Series("tok", more, dtype=pl.String)
    code, extended = words._append_codes(vocab_s, more_s)
    both, plain = words._encode(pl.concat([vocab_s, more_s]))
    assert extended.to_list() == plain.to_list()
    assert code.tolist() == both[len(vocab) :].tolist()


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "b", "ab", "", "的", "x y", "A"]), min_size=1, max_size=12),
    st.lists(st.sampled_from(["a", "b", "ab", "ba", "", "的", "の", "x", "A"]), max_size=10),
    st.booleans(),
)
def test_appended_codes_by_the_encoding_table_equal_encoding_both(values, more, one_slot):
    # the fast path (the table that encoded the vocabulary probed for the new strings) against
    # the plain definition (`_encode` of the vocabulary followed by the new strings); with
    # `one_slot`, every hash is a small number, so that all share the home slot and probe
    s = pl.Series("tok", values, dtype=pl.String)
    more_s = pl.Series("tok", more, dtype=pl.String)
    universe = sorted(set(values) | set(more))
    if one_slot:
        h = np.array([universe.index(v) for v in values], dtype=np.uint64)
        h_more = np.array([universe.index(v) for v in more], dtype=np.uint64)
        code, vocab, index = words._hash_encode_indexed(s, h)
    else:
        code, vocab, index = words._encode_indexed(s)
        h_more = more_s.hash().to_numpy()
    assert index is not None
    both, plain = words._encode(pl.concat([vocab, more_s]))
    fast = words._append_by_index(vocab, more_s, h_more, index)
    assert fast is not None
    assert fast[1].to_list() == plain.to_list()
    assert fast[0].tolist() == both[len(vocab) :].tolist()
    if not one_slot:  # (an index built on made-up hashes is probed with those alone)
        through = words._append_codes(vocab, more_s, index)
        assert through[1].to_list() == plain.to_list()
        assert through[0].tolist() == both[len(vocab) :].tolist()


def test_appended_codes_by_the_encoding_table_refuse_a_shared_hash():
    # a new string given the hash of a vocabulary string is compared with it: refused (the
    # caller then takes the plain way), and `_append_codes` still answers right
    s = pl.Series("tok", ["a", "b", "a"], dtype=pl.String)
    code, vocab, index = words._hash_encode_indexed(s, np.array([1, 2, 1], dtype=np.uint64))
    more = pl.Series("tok", ["c", "a"], dtype=pl.String)
    assert words._append_by_index(vocab, more, np.array([2, 1], dtype=np.uint64), index) is None
    assert index.lookup(np.array([2, 1, 3], dtype=np.uint64)).tolist() == [1, 0, -1]
    ok = words._append_by_index(vocab, more, np.array([3, 1], dtype=np.uint64), index)
    assert ok[0].tolist() == [2, 0] and ok[1].to_list() == ["a", "b", "c"]


STRINGS = st.lists(st.sampled_from(["a", "b", "ab", "", "的", "x y", "A", "a "]), max_size=40)


@settings(max_examples=80, deadline=None)
@given(STRINGS)
def test_encoding_by_hashes_equals_arrows_dictionary_encoding(values):
    # (by the hash table, and by a dict of the strings: a few values)
    s = pl.Series("tok", values, dtype=pl.String)
    plain_code, plain_vocab = words._plain_encode(s)
    saved = words._SMALL_ENCODE
    for small in (0, len(values)):
        words._SMALL_ENCODE = small
        try:
            code, vocab = words._encode(s)
        finally:
            words._SMALL_ENCODE = saved
        assert code.dtype == plain_code.dtype == np.uint32
        assert code.tolist() == plain_code.tolist()
        assert vocab.name == plain_vocab.name and vocab.to_list() == plain_vocab.to_list()
        assert vocab.dtype == pl.String


@settings(max_examples=60, deadline=None)
@given(STRINGS.filter(len), st.data())
def test_hash_encoding_probes_shared_slots_and_refuses_shared_hashes(values, data):
    s = pl.Series(values, dtype=pl.String)
    plain_code, plain_vocab = words._plain_encode(s)
    # distinct hashes in one slot (the table is indexed by the top bits): every value probes
    # (the hash of a value is any distinct number per distinct value)
    distinct = list(dict.fromkeys(values))
    order = data.draw(st.permutations(range(len(distinct))))
    h = np.array([order[distinct.index(v)] for v in values], dtype=np.uint64)
    code, vocab = words._hash_encode(s, h)
    assert code.tolist() == plain_code.tolist() and vocab.to_list() == plain_vocab.to_list()
    # one hash for all: refused when the values are not all equal (then `_encode` falls back)
    same = words._hash_encode(s, np.zeros(len(values), dtype=np.uint64))
    if len(distinct) > 1:
        assert same is None
    else:
        assert same[0].tolist() == plain_code.tolist()


def _plain_per_distinct_line(lt: words.LineTokens, piece_counts: np.ndarray) -> dict:
    """LineTokens.per_distinct_line by definition: a sum over every token entry per count."""
    v = lt.vocab
    word = v["is_word"].to_numpy()
    spaced = word & ~v["unspaced"].to_numpy()
    per_vocab = {
        "words": word,
        "letter_tokens": v["has_letter"].to_numpy(),
        "spaced_words": spaced,
        "split_off": word * (v["lead"].to_numpy().astype(int) + v["trail"].to_numpy()),
        "spaced_word_chars": v["bare_chars"].to_numpy() * spaced,
    }
    n = len(lt.distinct)

    def total(line: np.ndarray, weights: np.ndarray) -> list[int]:
        out = [0] * n
        for i, w in zip(line.tolist(), weights.tolist(), strict=True):
            out[i] += int(w)
        return out

    out = {"tokens": total(lt.line, np.ones(len(lt.line)))}
    for name, w in per_vocab.items():
        out[name] = total(lt.line, w[lt.code])
    # pieces: the whole pieces kept, and the pieces split again (not their tokens)
    kept = total(lt.line[: lt.kept], piece_counts[lt.code[: lt.kept]])
    split = total(lt.split_line, piece_counts[lt.split_code])
    out["pieces"] = [a + b for a, b in zip(kept, split, strict=True)]
    return out


@settings(max_examples=80, deadline=None)
@given(st.lists(LINES, min_size=1, max_size=8))
def test_tokens_of_each_line_are_the_token_patterns_matches(lines):
    # the split on " " and the pieces split again (chosen by `_RETOKENIZE`, searched or read
    # from the characters in `_char_table`) give each line TOKEN's matches
    s = pl.Series(lines, dtype=pl.String)
    want = [sorted(m) for m in s.str.extract_all(words.TOKEN).to_list()]
    for table_min in (words._TABLE_MIN, 1):
        with _table_min(table_min):
            lt = distinct_line_tokens(*distinct_lines(s)).expanded()
        tok = lt.vocab.get_column("tok").to_list()
        got: list[list[str]] = [[] for _ in lines]
        for line, code in zip(lt.line.tolist(), lt.code.tolist(), strict=True):
            got[line].append(tok[code])
        assert [sorted(g) for g in got] == want, table_min


@settings(max_examples=80, deadline=None)
@given(st.lists(LINES, min_size=1, max_size=8), st.data())
def test_counts_per_line_and_group_equal_a_sum_over_every_token(lines, data):
    distinct, inverse = distinct_lines(pl.Series(lines, dtype=pl.String))
    lt = distinct_line_tokens(distinct, inverse)
    ends = lt.vocab["tok"].str.count_matches(r"[.!?。]").to_numpy()
    plain = _plain_per_distinct_line(lt, ends)
    fast = lt.per_distinct_line(ends)
    assert fast.keys() == plain.keys()
    for name in plain:
        assert fast[name].dtype == np.int64 and fast[name].tolist() == plain[name], name
    # narrower fields: lines too long for two integers a row (three), or with too many tokens
    # for packed fields at all (a sum per count)
    bits, two_rows = words._FIELD_BITS, words._TWO_ROWS_MIN
    try:
        for narrow in (7, 4, 2):
            for words._TWO_ROWS_MIN in (0, 1 << 30):
                words._FIELD_BITS = narrow
                fast = lt.per_distinct_line(ends)
                for name in plain:
                    assert fast[name].tolist() == plain[name], (narrow, name)
    finally:
        words._FIELD_BITS, words._TWO_ROWS_MIN = bits, two_rows
    # groups of consecutive lines (a batch's documents, some without lines) and in any order
    n = len(lines)
    for group in (
        np.sort(np.array(data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)))),
        np.array(data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))),
    ):
        sums = lt.per_group(group, 5, ends)
        for name in plain:
            want = [0] * 5
            for g, row in zip(group.tolist(), inverse.tolist(), strict=True):
                want[g] += plain[name][row]
            assert sums[name].tolist() == want, name


def test_segment_sums_of_runs_with_empty_ones():
    values = np.array([[1, 2, 3, 4, 5], [10, 20, 30, 40, 50]], dtype=np.uint64)
    sums = words.segment_sums(values.copy(), np.array([0, 2, 0, 3, 0]))
    assert sums.tolist() == [[0, 3, 0, 12, 0], [0, 30, 0, 120, 0]]
    empty = words.segment_sums(np.zeros(0, dtype=np.int64), np.array([0, 0]))
    assert empty.tolist() == [0, 0]
    # wrapping running sums give the exact sums back
    big = np.array([2**63, 2**63, 5], dtype=np.uint64)
    assert words.segment_sums(big, np.array([1, 2])).tolist() == [2**63, 2**63 + 5]


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.integers(0, 4), max_size=12),
    st.sampled_from([np.uint32, np.int64, np.uint64]),
    st.data(),
)
def test_segment_sums_equal_a_sum_per_run(lengths, dtype, data):
    n = sum(lengths)
    big = int(np.iinfo(dtype).max)
    rows = [data.draw(st.lists(st.integers(0, big), min_size=n, max_size=n)) for _ in range(2)]
    values = np.array(rows, dtype=dtype)
    sums = words.segment_sums(values.copy(), np.array(lengths, dtype=np.int64))
    assert sums.dtype == dtype and sums.shape == (2, len(lengths))
    ends = np.cumsum(lengths)
    for r, row in enumerate(rows):
        # the exact sum, wrapped to the dtype as numpy integers wrap
        want = [
            sum(row[e - k : e]) % (1 << values.itemsize * 8)
            for k, e in zip(lengths, ends, strict=True)
        ]
        got = [int(v) % (1 << values.itemsize * 8) for v in sums[r]]
        assert got == want


EDGES = ["a", "É", "的", ".", "«", "»", "—", "€", "😀", "(", "1", "\u0301", "¿", "”"]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(EDGES)))
def test_edge_runs_removed_one_after_the_other_equal_the_edge_pattern(chars):
    # _vocab_properties removes a non-ASCII string's leading run of punctuation and symbols,
    # then its trailing run: what replacing EDGE_PUNCT everywhere does
    # (by the regexes, and by the characters' runs, `_char_props`)
    s = pl.Series(["".join(chars)], dtype=pl.String)
    for table_min in (words._TABLE_MIN, 1):
        with _table_min(table_min):
            lt = distinct_line_tokens(*distinct_lines(s))
        plain = words._plain_vocab_properties(lt.vocab.get_column("tok"))
        assert lt.vocab["low"].to_list() == plain["low"].to_list()
        assert lt.vocab["bare_chars"].to_list() == plain["bare_chars"].to_list()


@pytest.mark.parametrize(
    "lines",
    [["a b  c", "x", ""], ["日本語 テキスト", "a\tb c"], [], ["tab\there", "plain words only"]],
)
def test_line_tokens_bytes_are_the_vocabularys(lines):
    """LineTokens.utf8, kept from the split where no token was appended, reads as the
    vocabulary's own bytes."""
    import numpy as np

    from curate.checks.base import string_bytes
    from curate.checks.words import distinct_line_tokens, distinct_lines

    lt = distinct_line_tokens(*distinct_lines(pl.Series(lines, dtype=pl.String)))
    fresh = string_bytes(lt.vocab.get_column("tok"))
    assert all(np.array_equal(a, b) for a, b in zip(lt.utf8, fresh, strict=True))


@settings(max_examples=40, deadline=None)
@given(STRINGS.filter(len))
def test_hash_encoding_compares_every_block(values):
    # the comparison runs a block at a time: with blocks of 3 values, a hash shared by two
    # distinct values is refused wherever they are, and equal values are encoded as Arrow does
    s = pl.Series(values, dtype=pl.String)
    plain_code, plain_vocab = words._plain_encode(s)
    block = words._COMPARE_BLOCK
    words._COMPARE_BLOCK = 3
    try:
        code, vocab = words._hash_encode(s, s.hash().to_numpy())
        assert code.tolist() == plain_code.tolist() and vocab.to_list() == plain_vocab.to_list()
        # one hash for the last value and any other distinct one: refused
        h = plain_code.astype(np.uint64) + 1
        other = [i for i, v in enumerate(values) if v != values[-1]]
        if other:
            h[np.array(values) == values[-1]] = plain_code[other[0]] + 1
            assert words._hash_encode(s, h) is None
    finally:
        words._COMPARE_BLOCK = block


def test_counts_per_line_in_narrow_fields_never_carry():
    # many sentence ends and long words in a short line: each count needs every bit of its field
    # (one line a batch: the batch's longest line sets which layout is used)
    lines = ["a. b. c. d. e. f. g.", "Wonderful! Marvellous!", "!!!!!!!!!!!", "!!!! ?? ...", "x"]
    bits, two_rows = words._FIELD_BITS, words._TWO_ROWS_MIN
    words._TWO_ROWS_MIN = 0
    try:
        for line in lines:
            distinct, inverse = distinct_lines(pl.Series([line, ""], dtype=pl.String))
            lt = distinct_line_tokens(distinct, inverse)
            ends = lt.vocab["tok"].str.count_matches(r"[.!?]").to_numpy()
            plain = _plain_per_distinct_line(lt, ends)
            for narrow in range(2, 8):
                words._FIELD_BITS = narrow
                fast = lt.per_distinct_line(ends)
                for name in plain:
                    assert fast[name].tolist() == plain[name], (line, narrow, name)
    finally:
        words._FIELD_BITS, words._TWO_ROWS_MIN = bits, two_rows


@settings(max_examples=60, deadline=None)
@given(st.lists(LINES, min_size=1, max_size=8), st.data())
def test_kept_tokens_per_line_and_bytes_set_by_the_split_equal_their_definitions(lines, data):
    # LineTokens.kept_per_line and .utf8, set by distinct_line_tokens from what it read, equal
    # a count of the first `kept` tokens per line and the vocabulary's own bytes
    from curate.checks.base import string_bytes

    distinct, inverse = distinct_lines(pl.Series(lines, dtype=pl.String))
    keep = np.array(data.draw(st.lists(st.booleans(), min_size=len(lines), max_size=len(lines))))
    lt = distinct_line_tokens(distinct, inverse[keep])
    want = np.bincount(lt.line[: lt.kept].astype(np.int64), minlength=len(lt.distinct))
    assert lt.kept_per_line.tolist() == want.tolist()
    off, chars = string_bytes(lt.vocab.get_column("tok"))
    assert lt.utf8[0].tolist() == off.tolist() and lt.utf8[1].tobytes() == chars.tobytes()


def test_a_built_table_answers_any_number_of_non_ascii_strings(monkeypatch):
    # once `_char_table` is built, a batch with few non-ASCII strings reads it too (the regexes
    # compile again in most batches of a run); with the reuse off they search; both give the
    # plain properties
    s = pl.Series(["¿Qué tal? «ok» the end", "naïve café…"], dtype=pl.String)
    words._char_table()
    calls: list[int] = []
    real = words._char_props

    def counted(*args):
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(words, "_char_props", counted)
    monkeypatch.setattr(words, "_TABLE_MIN", 1000)
    for reuse in (True, False):
        monkeypatch.setattr(words, "_TABLE_REUSE", reuse)
        calls.clear()
        lt = distinct_line_tokens(*distinct_lines(s))
        assert bool(calls) == reuse
        plain = words._plain_vocab_properties(lt.vocab.get_column("tok"))
        assert lt.vocab.to_dict(as_series=False) == plain.to_dict(as_series=False)


# characters of every kind `_retokenize` reads (spaced runs, whitespace, Han, Hiragana, Katakana
# with and without the prolonged sound mark, half-width Katakana, Hangul), and those it leaves to
# TOKEN (Thai, Lao, Khmer, a combining mark, beyond the Basic Multilingual Plane)
_READ_CHARS = "ab1.,()·\t\u00a0\u3000 漢字かなカナーｶﾞ한국"
_PATTERN_CHARS = "ไทยລາວខ្មែ\u0301😀\U00020000"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(alphabet=_READ_CHARS, max_size=12), max_size=6)
    | st.lists(st.text(alphabet=_READ_CHARS + _PATTERN_CHARS, max_size=12), max_size=6)
)
def test_retokenize_gives_the_token_patterns_matches(pieces):
    s = pl.Series(pieces, dtype=pl.String)
    tokens, per_piece = words._retokenize(s)
    want = s.str.extract_all(words.TOKEN)
    assert tokens.to_list() == want.explode().drop_nulls().to_list()
    assert per_piece.tolist() == want.list.len().to_list()


def test_retokenize_reads_japanese_and_whitespace_without_the_pattern(monkeypatch):
    # (the pieces a web batch splits again: a tab, a no-break space, Japanese)
    s = pl.Series(["(にゅ),", "·\tHani", "カタカナーの\u00a0テストー", "ーカー"], dtype=pl.String)
    want = s.str.extract_all(words.TOKEN)
    monkeypatch.setattr(words, "TOKEN", "(?!)")  # a pattern that never matches
    tokens, per_piece = words._retokenize(s)
    assert tokens.to_list() == want.explode().drop_nulls().to_list()
    assert per_piece.tolist() == want.list.len().to_list()
