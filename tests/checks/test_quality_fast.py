"""The quality family's fast paths against their plain definitions: each must give the very same
values (bit for bit), on random inputs and at the edges (breakpoints, nulls, empty)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curate.checks import words
from curate.checks.base import string_bytes
from curate.checks.quality import (
    _BULLET_CLASS,
    COMPONENTS,
    _c4_line_ends,
    _c4_line_ends_plain,
    _first_char_bits,
    _first_char_bits_plain,
    _first_chars,
    _line_end_tests,
    _line_end_tests_plain,
    _quality_score_fast,
    _ramp_numpy,
    _stop_word_keys,
    quality_score,
    ramp,
)


def _signal_frame(n: int, seed: int, null_share: float = 0.15) -> pl.DataFrame:
    """Random values of every COMPONENTS signal, around and exactly at its breakpoints, some
    null; words and stop_words as Int64 (as the statistics hold them)."""
    rng = np.random.default_rng(seed)
    columns = []
    for name, ramps in COMPONENTS.items():
        points = np.array(sorted({x for r in ramps for x, _ in r}), dtype=np.float64)
        lo, hi = points[0], points[-1]
        span = hi - lo
        values = np.concatenate(
            [rng.uniform(lo - 0.2 * span, hi + 0.2 * span, n - n // 3), rng.choice(points, n // 3)]
        )
        rng.shuffle(values)
        if name in ("words", "stop_words"):
            series = pl.Series(name, np.round(values).astype(np.int64))
        else:
            series = pl.Series(name, values)
        null = np.flatnonzero(rng.random(n) < null_share)
        columns.append(series.scatter(null, None) if len(null) else series)
    lorem = (rng.random(n) < 0.02).astype(np.uint32)
    columns.append(pl.Series("lorem_ipsum", lorem))
    return pl.DataFrame(columns)


def _same(a: pl.Series, b: pl.Series) -> bool:
    """Equal values, bit for bit, and nulls in the same places."""
    if a.dtype != b.dtype or a.len() != b.len():
        return False
    if not (a.is_null() == b.is_null()).all():
        return False
    x, y = a.drop_nulls().to_numpy(), b.drop_nulls().to_numpy()
    return np.array_equal(x.view(np.uint64), y.view(np.uint64))


@pytest.mark.parametrize("name", list(COMPONENTS))
def test_ramp_numpy_is_ramp_bit_for_bit(name):
    frame = _signal_frame(20_000, seed=1)
    x = frame.get_column(name)
    for points in COMPONENTS[name]:
        plain = frame.select(ramp(pl.col(name), points)).to_series()
        fast = pl.Series(_ramp_numpy(x.cast(pl.Float64).to_numpy(), points), nan_to_null=True)
        assert _same(plain, fast.alias(plain.name))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_quality_score_fast_is_quality_score(seed):
    frame = _signal_frame(20_000, seed=seed, null_share=0.1 * seed)
    plain = quality_score(frame)
    fast = _quality_score_fast({c: frame.get_column(c) for c in frame.columns})
    assert _same(plain, fast)


def test_quality_score_fast_on_no_rows_and_all_null():
    for frame in (_signal_frame(0, seed=3), _signal_frame(50, seed=4, null_share=1.0)):
        plain = quality_score(frame)
        fast = _quality_score_fast({c: frame.get_column(c) for c in frame.columns})
        assert _same(plain, fast)


def test_quality_score_fast_leaves_nan_to_the_plain_path():
    # a NaN is not a null: polars compares it as the largest float, numpy not at all
    frame = _signal_frame(100, seed=5).with_columns(
        pl.Series("symbol_ratio", [float("nan")] * 50 + [0.05] * 50)
    )
    plain = quality_score(frame)
    fast = _quality_score_fast({c: frame.get_column(c) for c in frame.columns})
    assert _same(plain, fast)


# line ends of every kind: ASCII and other terminals, closing quotes, ellipses, blank
_ENDS = [
    "",
    "The council met.",
    "He left...",
    "Wait..",
    "..",
    "...",
    "…",
    "Really?!",
    'He said "yes."',
    "He said 'no'",
    "Home | News",
    "结束了。",
    "क्या हुआ।",
    "هل أنت؟",
    "«Да»",
    "Price: 5$",
    "a)",
    ".",
    "x" * 40 + "!",
]


def test_c4_line_ends_fast_is_plain_on_chosen_ends():
    ends = pl.Series("_r", _ENDS, dtype=pl.String)
    fast, plain = _c4_line_ends(ends), _c4_line_ends_plain(ends)
    assert all(np.array_equal(a, b) for a, b in zip(fast, plain, strict=True))


_C4_CHARS = list('ab .!?\'")"…。।؟»”…x\u00e9😀‼」\U00011047')


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from(_C4_CHARS), max_size=8).map(str.rstrip),
        max_size=30,
    )
)
def test_c4_line_ends_fast_is_plain(texts):
    ends = pl.Series("_r", texts, dtype=pl.String)
    fast, plain = _c4_line_ends(ends), _c4_line_ends_plain(ends)
    assert all(np.array_equal(a, b) for a, b in zip(fast, plain, strict=True))


# (non-BMP characters: a leading one is neither space nor bullet, a final one goes to the pattern)
_LINE_CHARS = list('ab .!?\'")"…。।؟»”x\u00e9-*•·–\t\u00a0\u3000😀\U00011047') + [
    "...",
    "x" * 28,
    "é" * 9,
    "中" * 10,
]


def _assert_line_end_tests_agree(texts: list[str]) -> None:
    ends = pl.Series("_r", texts, dtype=pl.String)
    fast = _line_end_tests(ends, string_bytes(ends))
    plain = _line_end_tests_plain(ends)
    assert fast.keys() == plain.keys()
    for name in plain:
        assert np.array_equal(fast[name], plain[name]), name


def test_line_end_tests_fast_is_plain_on_chosen_lines():
    lines = [*_ENDS, "- item", "  * item", "\t• item", "• item", "–dash", "·dot", " ", "-"]
    lines += ['He said "yes!")', "Ok.)))))))", "))))", "结束。」", "x" * 31, "é" * 16, "é" * 15]
    lines += ["…", "a…", "..", "a...", "\u00a0- item", "\u3000* x", "中" * 25, "中" * 31]
    lines += ["😀" * 30, "😀" * 31, "😀", "a😀", "😀.", ".😀", "\U00011047", "-😀", "😀- x"]
    lines += ["‼", "a‼»", "a.」", "a.」」」」」」", "a」", "\u2029- x", "x\u2029"]
    lines += [
        "\u0964",
        "a\u0964”",
        "     - x",
        "      - x",
        "\t\t\t\t\t\t\t- x",
        " 😀 x",
        " \u2003• x",
    ]
    _assert_line_end_tests_agree(lines)
    _assert_line_end_tests_agree([])
    _assert_line_end_tests_agree([""])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_LINE_CHARS), max_size=12).map("".join), max_size=30))
def test_line_end_tests_fast_is_plain(texts):
    _assert_line_end_tests_agree(texts)
    stripped = pl.Series(texts, dtype=pl.String).str.strip_chars_end().to_list()
    _assert_line_end_tests_agree(stripped)


def test_whitespace_and_bullets_are_all_in_the_basic_multilingual_plane():
    # _line_end_tests takes a character of four UTF-8 bytes for neither whitespace nor a bullet
    chars = pl.Series([chr(i) for i in range(0x10000, 0x110000)], dtype=pl.String)
    for pattern in (r"\s", _BULLET_CLASS):
        assert not chars.str.contains(f"^(?:{pattern})$").any()


def test_all_ascii_line_ends_build_no_table_of_every_character():
    # the per-code-point tables (~25 CPU ms a process) only when a line ends outside ASCII
    words._bmp_chars.cache_clear()
    words._char_class.cache_clear()
    ascii_lines = ["- item", "He left.", "Home | News", 'He said "yes."', "  * x", "a...", ""]
    _assert_line_end_tests_agree(ascii_lines)
    ends = pl.Series("_r", ascii_lines, dtype=pl.String)
    fast, plain = _c4_line_ends(ends), _c4_line_ends_plain(ends)
    assert all(np.array_equal(a, b) for a, b in zip(fast, plain, strict=True))
    assert words._bmp_chars.cache_info().currsize == 0
    # one line ending in a non-ASCII character: the tables, and the same answers
    mixed = [*ascii_lines, "结束了。", "«Да»", "\u00a0- item"]
    _assert_line_end_tests_agree(mixed)
    ends = pl.Series("_r", mixed, dtype=pl.String)
    fast, plain = _c4_line_ends(ends), _c4_line_ends_plain(ends)
    assert all(np.array_equal(a, b) for a, b in zip(fast, plain, strict=True))
    assert words._bmp_chars.cache_info().currsize == 1


def _assert_first_char_bits_agree(texts: list[str]) -> None:
    strings = pl.Series(texts, dtype=pl.String)
    fast = _first_char_bits(strings, string_bytes(strings))
    assert np.array_equal(fast, _first_char_bits_plain(strings))


# every first character of the substring languages' stop words, neighbours of theirs (one code
# point off), ASCII, other scripts and four-byte characters
_FIRST = _first_chars()[0]
_NEAR = [chr(ord(c) + d) for c in _FIRST[:: max(1, len(_FIRST) // 8)] for d in (-1, 1)]
_STOP_CHARS = [*_FIRST, *_NEAR, "a", " ", ".", "\u00e9", "Ж", "😀", "\U00020000", "\U0002a6d6"]


def test_first_char_bits_is_contains_any_on_chosen_strings():
    assert _FIRST and all(not c.isascii() for c in _FIRST)
    _assert_first_char_bits_agree(["", "abc", *_FIRST, "".join(_FIRST), "x" + _FIRST[0] + "y"])
    _assert_first_char_bits_agree([])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_STOP_CHARS), max_size=8).map("".join), max_size=30))
def test_first_char_bits_is_contains_any(texts):
    _assert_first_char_bits_agree(texts)


def _plain_stop_word_keys(lang: pl.Series | None, n: int) -> pl.Series:
    """Each document's stop-word list, the plain way (a when/then over the language signal)."""
    if lang is None:
        return pl.Series(["*"] * n, dtype=pl.String)
    lang = lang.cast(pl.String)
    return pl.select(
        pl.when(lang.is_in(list(words.stop_words())))
        .then(lang)
        .when(lang.is_null())
        .then(pl.lit("*"))
        .otherwise(None)
    ).to_series()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.sampled_from(["en", "de", "ja", "th", "zh", "und", "xx", "*", "", "EN"]),
            st.text(max_size=4),
        ),
        max_size=30,
    )
)
def test_stop_word_keys_are_the_plain_keys(values):
    lang = pl.Series(values, dtype=pl.String)
    keys = _stop_word_keys(len(values), lang)
    plain = _plain_stop_word_keys(lang, len(values))
    assert keys.series().to_list() == plain.to_list()
    assert keys.series().dtype == pl.String and keys.series().name == "stop_words_list"
    assert keys.star.tolist() == (plain == "*").fill_null(False).to_list()
    assert keys.null.tolist() == plain.is_null().to_list()
    for code in ("ja", "th", "zh", "en", "xx"):
        assert keys.equal(code).tolist() == (plain == code).fill_null(False).to_list()
    langs = ["de", "en", "fr"]
    plain_rows = (
        plain.replace_strict([*langs, "*"], list(range(len(langs) + 1)), default=len(langs) + 1)
        .fill_null(len(langs) + 1)
        .to_list()
    )
    assert keys.rows(langs).tolist() == plain_rows


def test_stop_word_keys_without_a_language_signal_are_the_union():
    keys = _stop_word_keys(3, None)
    assert keys.series().to_list() == ["*", "*", "*"]
    assert keys.star.all() and not keys.null.any()
    assert _stop_word_keys(0, pl.Series([], dtype=pl.String)).series().to_list() == []


@settings(max_examples=40, deadline=None)
@given(
    docs=st.lists(
        st.lists(
            st.tuples(st.integers(0, 10**6), st.sampled_from(["", ".", "(", "A", "!!"])),
            max_size=12,
        ),
        min_size=1,
        max_size=6,
    )
)
def test_stop_word_bits_are_the_plain_sets(docs):
    # the bits of each document (its words numbered by the dict of `_word_index`) against the
    # set of whole tokens, lower-cased, edge punctuation removed, that are on the list
    from curate.checks.base import Batch
    from curate.checks.quality import _bit_width, _stop_word_bits, _union_stop_words

    union, _ = _union_stop_words()
    texts = []
    for doc in docs:
        toks = []
        for pick, edge in doc:
            word = union[pick % len(union)] if pick % 3 else f"zz{pick}"
            word = word.upper() if edge == "A" else word
            toks.append(f"{edge}{word}{edge}" if edge != "A" else word)
        texts.append(" ".join(toks[:6]) + "\n" + " ".join(toks[6:]))
    batch = Batch.from_texts(pl.Series(texts, dtype=pl.String))
    bits = _stop_word_bits(batch, union)
    frame = words.token_frame(batch.docs)
    index = {w: i for i, w in enumerate(union)}
    want = np.zeros((len(texts), _bit_width(len(union))), dtype=np.uint64)
    for doc, low in frame.select("__doc", "low").iter_rows():
        if low in index:
            i = index[low]
            want[doc, i >> 6] |= np.uint64(1) << np.uint64(i & 63)
    assert np.array_equal(bits, want)
