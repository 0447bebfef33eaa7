"""Document quality: the published heuristics of Gopher, C4 and FineWeb, multilingual, in one place.

Every rule here is one heuristic with its published default threshold. They share one pass over
the batch (tokens from `curate.checks.words`, line statistics from `batch.lines`), cached on the
batch, so a rule set with all of them splits each document once.

Sources:
  Gopher   Rae et al. 2021, "Scaling Language Models: Methods, Analysis & Insights from Training
           Gopher", appendix A.1.1 (quality filters); defaults as in datatrove's
           GopherQualityFilter.
  C4       Raffel et al. 2020, "Exploring the Limits of Transfer Learning ...", section 2.2;
           tensorflow_datasets c4_utils.clean_page; datatrove's C4QualityFilter.
  FineWeb  Penedo et al. 2024, "The FineWeb Datasets", section 3.3 (custom filters); datatrove's
           FineWebQualityFilter.

Conventions (see bench/results/quality.md for every difference from datatrove):
  words   tokens holding a letter or a digit (curate.checks.words: whitespace-delimited tokens
          with punctuation attached; Chinese/Japanese characters and Thai pseudo-words counted
          one by one).
  lines   the document's non-blank lines (split on "\\n"): blank lines separate paragraphs, they
          are not lines of content, and counting them would halve every line share of a text with
          blank lines between paragraphs.
  A share whose denominator is empty (no words, no lines) is null: there is nothing to judge, the
  rule does not fire, and `too-few-words` is the rule that catches the empty document.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from curate.arrays import numbers, strings, to_numpy
from curate.checks import register
from curate.checks.base import DOC, LINE, Batch, Rule, RuleResult, param, string_bytes
from curate.checks.words import (
    DISTINCT_LINE_TOKENS_MEMO,
    SUBSTRING_LANGUAGES,
    LineTokens,
    _char_class,
    _decode,
    batch_distinct_lines,
    batch_line_tokens,
    char_at,
    referenced_rows,
    segment_sums,
    stop_word_table,
    stop_words,
    take_sorted,
    text_chars,
)

GOPHER = "Gopher (Rae et al. 2021, appendix A.1.1)"
C4 = "C4 (Raffel et al. 2020, section 2.2; tfds c4_utils)"
FINEWEB = "FineWeb (Penedo et al. 2024, section 3.3; datatrove FineWebQualityFilter)"

# Gopher bullets are "•" and "-" (datatrove); markdown "*" and other bullet glyphs are as common
_BULLET_CLASS = r"[-•*‣◦▪●■–·]"
BULLET = rf"^\s*{_BULLET_CLASS}"
ELLIPSIS_END = r"(?:\.\.\.|…)$"
# a sentence terminal of any script (Unicode Sentence_Terminal: . ! ? 。 । ؟ ...), optionally
# followed by closing quotes or brackets ("He left." and (see above.) are punctuated lines)
_TERMINAL = r"\p{Sentence_Terminal}"
_CLOSING = r"[\p{Pf}\p{Pe}\"']"
PUNCTUATED_END = rf"{_TERMINAL}{_CLOSING}*$"
# C4 keeps a line ending in . ? ! " ' and not in an ellipsis; we accept every script's terminals
_C4_END_CHAR = r"\p{Sentence_Terminal}|[\"'\p{Pf}]"
C4_END = rf"(?:{_C4_END_CHAR})$"
# a sentence: terminal punctuation followed by a space or the end of the line; CJK full stops need
# no space after them
SENTENCE = r"\p{Sentence_Terminal}+[\"'\p{Pf}\p{Pe}]*(?:\s|$)|[。！？｡]+"
SHORT_LINE_CHARS = 30
_ELLIPSES = r"\.\.\.|…"


def _share(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    return pl.when(den > 0).then(num / den).otherwise(None).cast(pl.Float64)


def _stats(batch: Batch) -> pl.DataFrame:
    """Per-document word and line statistics shared by the quality rules (computed once per
    batch: Batch.memo)."""
    return batch.memo("quality_stats", lambda: _compute_stats(batch))


def _compute_stats(batch: Batch) -> pl.DataFrame:
    # each test once per distinct line (lines repeat a lot in web crawls: menus, footers), then
    # weighted sums per document; only the distinct lines some line still refers to (a strip
    # before leaves many unreferenced)
    distinct, inverse, _ = _referenced(batch)
    line = pl.col(LINE)
    # the tests on the lines without trailing whitespace, answered from their bytes (the same
    # lines unterminated-lines judges)
    ends = _line_end_tests(_line_ends(batch), _line_end_bytes(batch))
    # (select_seq: the same columns on the calling thread; a select of several expressions
    # hands them to polars' pool, whose hand-off cost ~0.2-0.5 ms of CPU a batch for a few
    # lines' worth of work: bench/results/quality.md, session 13)
    tests = pl.DataFrame([distinct.alias(LINE)]).select_seq(
        line.str.len_chars().alias("_chars"),
        line.str.count_matches("#", literal=True).alias("hashes"),
        # "..." and "…" (no match of one overlaps one of the other: one search counts both)
        line.str.count_matches(_ELLIPSES).alias("ellipses"),
        line.str.count_matches("{", literal=True).alias("curly_braces"),
        _lorem_ipsum(distinct, _line_tokens(batch)).alias("lorem_ipsum"),
    )
    doc_of_line = batch.doc_of_line()
    nonblank = ends["nonblank"][inverse]
    doc_nb = doc_of_line[nonblank]
    inv_nb = inverse[nonblank]

    # a line repeating an earlier non-blank line of its document: all but the first occurrence
    # of each (document, distinct line)
    # (only a line whose distinct line is some other non-blank line's too can repeat one: a
    # sort of those alone)
    shared = (np.bincount(inv_nb, minlength=len(distinct)) > 1)[inv_nb]
    maybe = np.flatnonzero(shared)
    dup = np.zeros(len(doc_nb), dtype=bool)
    if len(maybe):
        _, first = np.unique(doc_nb[maybe] * len(distinct) + inv_nb[maybe], return_index=True)
        dup[maybe] = True
        dup[maybe[first]] = False
    chars = tests.get_column("_chars").to_numpy().astype(np.int64)
    # sums per document over its non-blank lines: the line tests, and the needles (they hold
    # no newline and no blank line holds them, so a text's count is the sum over its lines, also
    # after a strip, which tidies away only blank lines); newlines and characters are counted
    # on the text, which a strip may have rebuilt
    names = ("bullet_lines", "ellipsis_lines", "punctuated_lines", "short_lines")
    needles = ("hashes", "ellipses", "curly_braces", "lorem_ipsum")
    table = np.stack(
        [ends[c].astype(np.int64) for c in names]
        + [tests.get_column(c).to_numpy().astype(np.int64) for c in needles]
    )
    values = np.take(table, inv_nb, axis=1)
    values = np.concatenate(
        [values, np.ones((1, len(inv_nb)), dtype=np.int64), (chars[inv_nb] * dup)[None]]
    )
    sums = _sums_per_doc(values, doc_nb, batch.n)
    per_line = {"lines": sums[len(names) + len(needles)]}
    per_line |= {c: sums[i] for i, c in enumerate(names)}
    per_line["dup_line_chars"] = sums[-1]
    in_lines = {c: sums[len(names) + i] for i, c in enumerate(needles)}
    # "javascript" is never in a blank line
    per_line["javascript_lines"] = _javascript_per_doc(batch)
    # words and sentences: a document's are those of its lines (neither spans a newline)
    lt = _line_tokens(batch)
    # a sentence ends at a space or stays inside a piece of a line split on spaces: counted on
    # the distinct pieces (a search of some 30,000 short strings) instead of over every text
    words = lt.group_sums(_line_counts(batch), batch.doc_of_line(), batch.n)
    chars = text_chars(batch)
    newlines = _newlines(batch, chars.to_numpy(), tests.get_column("_chars").to_numpy(), inverse)
    # the frame at once, from numpy (a polars call per step costs more than its work here)
    doc_chars = chars.to_numpy().astype(np.int64)
    w = {name: counts.astype(np.int64) for name, counts in words.items()}
    tokens_punct = w["tokens"] + w["split_off"]
    n_words = w["words"]
    columns = [
        batch.docs.get_column(DOC),
        pl.Series("hashes", in_lines["hashes"], dtype=pl.UInt32),
        pl.Series("ellipses", in_lines["ellipses"], dtype=pl.UInt32),
        pl.Series("newlines", newlines, dtype=pl.UInt32),
        chars.alias("chars"),
        pl.Series("curly_braces", in_lines["curly_braces"], dtype=pl.UInt32),
        pl.Series("lorem_ipsum", in_lines["lorem_ipsum"], dtype=pl.UInt32),
        pl.Series("sentences", w["pieces"], dtype=pl.UInt32),
        pl.Series("tokens", w["tokens"], dtype=pl.Int64),
        pl.Series("tokens_punct", tokens_punct, dtype=pl.Int64),
        pl.Series("words", n_words, dtype=pl.Int64),
        pl.Series("letter_tokens", w["letter_tokens"], dtype=pl.Int64),
        _share_series("mean_word_length", w["spaced_word_chars"], w["spaced_words"]),
    ]
    columns += [
        pl.Series(c, per_line[c], dtype=pl.Int64)
        for c in (
            "lines",
            "bullet_lines",
            "ellipsis_lines",
            "punctuated_lines",
            "short_lines",
            "dup_line_chars",
            "javascript_lines",
        )
    ]
    lines = per_line["lines"]
    hash_ratio = _share_series("hash_ratio", in_lines["hashes"], n_words)
    ellipsis_ratio = _share_series("ellipsis_ratio", in_lines["ellipses"], n_words)
    columns += [
        hash_ratio,
        ellipsis_ratio,
        _share_series("alpha_words_share", w["letter_tokens"], w["tokens"]),
        _share_series("alpha_words_share_punct", w["letter_tokens"], tokens_punct),
        _share_series("bullet_lines_share", per_line["bullet_lines"], lines),
        _share_series("ellipsis_lines_share", per_line["ellipsis_lines"], lines),
        _share_series("punctuated_lines_share", per_line["punctuated_lines"], lines),
        _share_series("short_lines_share", per_line["short_lines"], lines),
        # FineWeb's denominator: every character except the newlines
        _share_series("dup_line_chars_share", per_line["dup_line_chars"], doc_chars - newlines),
        _share_series("newline_ratio", newlines, n_words),
        # (both ratios share their denominator: null together)
        pl.Series(
            "symbol_ratio",
            np.fmax(hash_ratio.to_numpy(), ellipsis_ratio.to_numpy()),
            nan_to_null=True,
        ),
    ]
    stats = pl.DataFrame(columns)
    return stats


def _share_series(name: str, num: np.ndarray, den: np.ndarray) -> pl.Series:
    """`_share` in numpy: num / den as Float64, null where den is not positive (the integers
    converted to float64 and divided, as polars divides them)."""
    out = np.full(len(den), np.nan)
    ok = den > 0
    out[ok] = num[ok].astype(np.float64) / den[ok].astype(np.float64)
    return pl.Series(name, out, nan_to_null=True)


def _line_counts(batch: Batch) -> dict[str, np.ndarray]:
    """`LineTokens.per_distinct_line` of the batch's tokens with the sentences of each piece
    (`_sentence_ends`): once per batch, shared by the statistics and unterminated-lines (which
    reads the words), and kept across strips (counts per distinct line: a strip changes which
    lines refer to them, not their tokens)."""

    def compute() -> dict[str, np.ndarray]:
        lt = _line_tokens(batch)
        return lt.per_distinct_line(_sentence_ends(lt))

    return batch.memo("quality_line_counts", compute, after_strip=lambda counts, _: counts)


def _sums_per_doc(values: np.ndarray, doc: np.ndarray, n_docs: int) -> np.ndarray:
    """Sums of each row of `values` (integers, a column per line) per document: `doc[i]` is line
    i's. By runs when a document's lines are consecutive (as in a batch), else a bincount per
    row (float64 sums of integers: exact below 2**53)."""
    if not len(doc) or np.all(doc[1:] >= doc[:-1]):
        return segment_sums(values, np.bincount(doc, minlength=n_docs))
    return np.stack(
        [
            np.bincount(doc, weights=row.astype(np.float64), minlength=n_docs).astype(np.int64)
            for row in values
        ]
    )


def _sentence_ends(lt: LineTokens) -> np.ndarray:
    """Per vocabulary row of `lt`: the matches of SENTENCE in the string.

    A string without whitespace (every string but the pieces split again) holds a match of
    SENTENCE's first alternative only at its end, and an ASCII one none of the second (CJK full
    stops): it holds one match exactly when a sentence terminal is followed by closing
    characters only up to its end (`_ascii_sentence_end`), which its last bytes answer: the
    closing ones are skipped from the end, a byte a round for the strings still in a run of
    them (a run longer than a few bytes is left to the end-anchored pattern), and the byte
    before them is a terminal or not. The others are counted with SENTENCE, but for those the
    split found to hold no sentence terminal (`LineTokens.terminal_free`: every match of either
    alternative holds one) (tests/checks/test_quality.py checks both against it)."""
    tok = lt.vocab.get_column("tok")
    off, data = lt.utf8
    start, end = off[:-1], off[1:]
    simple = end - start == lt.vocab.get_column("chars").to_numpy()
    simple[lt.split_code] = False
    out = np.zeros(len(tok), dtype=np.uint32)
    terminal, closing = _ascii_sentence_bytes()
    rows = np.flatnonzero(simple & (end > start))
    pos = end[rows] - 1
    # the strings ending in a closing character (a few) step back over their run
    run = np.flatnonzero(closing[data[pos]])
    for _ in range(_CLOSING_ROUNDS):
        if not len(run):
            break
        pos[run] -= 1
        # (a string of closing characters alone holds no terminal: its position stays on the
        # string's first byte, a closing one)
        inside = pos[run] >= start[rows[run]]
        pos[run[~inside]] += 1
        run = run[inside]
        run = run[closing[data[pos[run]]]]
    if len(run):
        # still in a run of closing characters: the pattern answers those
        long = rows[run]
        keep = np.ones(len(rows), dtype=bool)
        keep[run] = False
        rows, pos = rows[keep], pos[keep]
        out[long] = take_sorted(tok, long).str.contains(_ascii_sentence_end()).to_numpy()
    out[rows] = terminal[data[pos]]
    # (a string known to hold no sentence terminal holds no match: 0)
    other = np.flatnonzero(~simple & ~lt.terminal_free)
    if len(other):
        out[other] = take_sorted(tok, other).str.count_matches(SENTENCE).to_numpy()
    return out


# closing characters read back from the end of a string before the pattern answers
_CLOSING_ROUNDS = 4
# leading whitespace characters read forward from the start of a line before the pattern answers
_LEADING_ROUNDS = 4


@functools.cache
def _ascii_sentence_bytes() -> tuple[np.ndarray, np.ndarray]:
    """Per byte value: is it an ASCII sentence terminal, an ASCII closing character (the classes
    of `_ascii_sentence_end`, from SENTENCE's own)."""
    ascii_chars = pl.Series([chr(i) for i in range(128)], dtype=pl.String)
    out = []
    for pattern in (r"\p{Sentence_Terminal}", r"[\"'\p{Pf}\p{Pe}]"):
        hit = np.zeros(256, dtype=bool)
        hit[:128] = ascii_chars.str.contains(f"^{pattern}$").to_numpy()
        out.append(hit)
    # (skipping the closing characters first finds the terminal only if none is both)
    assert not (out[0] & out[1]).any()
    return out[0], out[1]


@functools.cache
def _ascii_sentence_end() -> str:
    """SENTENCE at the end of an ASCII string without whitespace: a terminal, then closing
    characters, both classes read from SENTENCE's own classes."""
    ascii_chars = pl.Series([chr(i) for i in range(128)], dtype=pl.String)

    def members(pattern: str) -> str:
        hit = ascii_chars.filter(ascii_chars.str.contains(f"^{pattern}$"))
        return "".join("\\" + c if not c.isalnum() else c for c in hit)

    terminal = members(r"\p{Sentence_Terminal}")
    closing = members(r"[\"'\p{Pf}\p{Pe}]")
    return f"[{terminal}][{closing}]*$"


def _newlines(
    batch: Batch, text_chars: np.ndarray, distinct_chars: np.ndarray, inverse: np.ndarray
) -> np.ndarray:
    """Per document: the "\\n" in its text. A text that is its lines joined by "\\n" (every text
    no strip touched) has one fewer than it has lines; it is that text exactly when its length
    is that of its lines plus one per line but the last, since a text a strip rebuilt is some
    of its lines joined, and each line it leaves out (a blank line tidied away) makes it at
    least one character (the newline) shorter. Only the other texts are searched.
    `distinct_chars`: the characters of some distinct lines, line i's at `inverse[i]`."""
    doc = batch.doc_of_line()
    n_lines = np.bincount(doc, minlength=batch.n)
    line_chars = np.bincount(
        doc, weights=distinct_chars.astype(np.float64)[inverse], minlength=batch.n
    ).astype(np.int64)
    out = n_lines - 1
    other = np.flatnonzero(line_chars + n_lines - 1 != text_chars)
    if len(other):
        found = take_sorted(batch.text, other).str.count_matches("\n", literal=True)
        out[other] = found.to_numpy()
    return out


def _line_end_tests(ends: pl.Series, utf8: tuple[np.ndarray, np.ndarray]) -> dict[str, np.ndarray]:
    """Per line without its trailing whitespace (`ends`, its `string_bytes` `utf8`): is it
    nonblank, a bullet line (BULLET), an ellipsis line (ELLIPSIS_END), a punctuated line
    (PUNCTUATED_END), a short line (at most SHORT_LINE_CHARS characters): `_line_end_tests_plain`
    answered by the characters at the string's ends, decoded from its bytes and looked up in
    tables of every character of the Basic Multilingual Plane (`_char_class`), the patterns
    searching only the strings those leave open (tests/checks/test_quality_fast.py checks both
    agree):
    - bullet: the first character after the leading whitespace (read forward over it) is a
      bullet or not (BULLET's class);
    - ellipsis: the last three bytes are "..." or the UTF-8 bytes of "…";
    - punctuated: read back from the end over closing characters (a few at most);
    - short: at most SHORT_LINE_CHARS bytes is short, more than 4 bytes a character beyond it is
      not (a character is 1 to 4 bytes); the characters of the others are counted."""
    off, data = utf8
    start, end = off[:-1], off[1:]
    n = len(ends)
    size = end - start
    nonblank = size > 0
    rows = np.flatnonzero(nonblank)
    bullet = np.zeros(n, dtype=bool)
    ellipsis = np.zeros(n, dtype=bool)
    punctuated = np.zeros(n, dtype=bool)
    pattern_rows: dict[str, list[np.ndarray]] = {"bullet": [], "punctuated": []}
    if len(rows):
        # the first character after the leading whitespace (read forward, a few characters
        # at most) is a bullet or not; one outside the table (four bytes) is neither whitespace
        # nor a bullet, which are all in the Basic Multilingual Plane
        at, pos = rows, start[rows]
        for _ in range(_LEADING_ROUNDS + 1):
            cp, width = char_at(data, pos)
            known = cp >= 0
            blank = np.zeros(len(at), dtype=bool)
            blank[known] = _in_class(r"\s", cp[known])
            first = known & ~blank
            bullet[at[first]] = _in_class(_BULLET_CLASS, cp[first])
            pos = pos + width
            more = blank & (pos < end[at])
            at, pos = at[more], pos[more]
            if not len(at):
                break
        # (still in a run of whitespace: the pattern answers)
        pattern_rows["bullet"].append(at)
        # the last three bytes (a string of fewer bytes ends in neither)
        three = rows[size[rows] >= 3]
        e = end[three]
        b1, b2, b3 = data[e - 3], data[e - 2], data[e - 1]
        ellipsis[three] = ((b1 == 0x2E) & (b2 == 0x2E) & (b3 == 0x2E)) | (
            (b1 == 0xE2) & (b2 == 0x80) & (b3 == 0xA6)
        )
        # PUNCTUATED_END: a terminal followed by closing characters only. From the end, the
        # characters are read back while they are closing ones: the first terminal met (closing
        # or not) matches, the first character neither terminal nor closing does not (it would
        # stand between any earlier terminal and the end), nor does reaching the start
        at, e = rows, end[rows]
        for _ in range(_CLOSING_ROUNDS + 1):
            cp, first_byte = _char_before(data, start[at], e)
            known = cp >= 0
            pattern_rows["punctuated"].append(at[~known])
            at, e, cp, first_byte = at[known], e[known], cp[known], first_byte[known]
            hit = _in_class(_TERMINAL, cp)
            punctuated[at[hit]] = True
            more = ~hit & _in_class(_CLOSING, cp) & (first_byte > start[at])
            at, e = at[more], first_byte[more]
            if not len(at):
                break
        # (still in a run of closing characters: the pattern answers)
        pattern_rows["punctuated"].append(at)
    for name, pattern, out in (
        ("bullet", BULLET, bullet),
        ("punctuated", PUNCTUATED_END, punctuated),
    ):
        todo = np.sort(np.concatenate(pattern_rows[name])) if pattern_rows[name] else ()
        if len(todo):
            out[todo] = take_sorted(ends, todo).str.contains(pattern).to_numpy()
    short = size <= SHORT_LINE_CHARS
    maybe = np.flatnonzero(~short & (size <= 4 * SHORT_LINE_CHARS))
    if len(maybe):
        short[maybe] = take_sorted(ends, maybe).str.len_chars().to_numpy() <= SHORT_LINE_CHARS
    return {
        "nonblank": nonblank,
        "bullet_lines": bullet,
        "ellipsis_lines": ellipsis,
        "punctuated_lines": punctuated,
        "short_lines": short,
    }


def _line_end_tests_plain(ends: pl.Series) -> dict[str, np.ndarray]:
    """`_line_end_tests` by their definitions, the patterns on every string (for the tests)."""
    r = pl.col("_r")
    tests = pl.DataFrame(ends.alias("_r")).select(
        # a line holding a non-whitespace character holds one before its trailing whitespace
        (r != "").alias("nonblank"),
        r.str.contains(BULLET).alias("bullet_lines"),
        (r.str.ends_with("...") | r.str.ends_with("…")).alias("ellipsis_lines"),
        r.str.contains(PUNCTUATED_END).alias("punctuated_lines"),
        (r.str.len_chars() <= SHORT_LINE_CHARS).alias("short_lines"),
    )
    return {c: tests.get_column(c).to_numpy() for c in tests.columns}


def _in_class(pattern: str, cp: np.ndarray) -> np.ndarray:
    """Per code point of `cp` (of the Basic Multilingual Plane): is that one character a match
    of `pattern`? Looked up in `_ascii_char_class` when every one is ASCII (a line end usually
    is), so that a worker whose batches end their lines in ASCII never builds `_char_class`'s
    table of every character (~25 CPU ms a process); the two tables agree on ASCII, being read
    from the same pattern."""
    if not len(cp) or cp.max() < 128:
        return _ascii_char_class(pattern)[cp]
    return _char_class(pattern)[cp]


@functools.cache
def _ascii_char_class(pattern: str) -> np.ndarray:
    """`_char_class` of the 128 ASCII characters alone."""
    ascii_chars = pl.Series([chr(i) for i in range(128)], dtype=pl.String)
    return ascii_chars.str.contains(f"^(?:{pattern})$").to_numpy()


def _char_before(
    data: np.ndarray, start: np.ndarray, end: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For byte ranges of UTF-8 text (`end` > `start`): the code point of the character ending
    at `end` (-1 outside the Basic Multilingual Plane: four bytes) and the byte it starts at."""
    at = end - 1
    for _ in range(3):
        # continuation bytes (10xxxxxx) are stepped over to the character's first byte
        cont = ((data[at] & 0xC0) == 0x80) & (at > start)
        if not cont.any():
            break
        at = at - cont
    return _decode(data, at, end - at), at


def _line_end_bytes(batch: Batch) -> tuple[np.ndarray, np.ndarray]:
    """`string_bytes` of `_line_ends`, once per batch."""
    return batch.memo("quality_line_end_bytes", lambda: string_bytes(_line_ends(batch)))


def _line_tokens(batch: Batch) -> LineTokens:
    """The tokens of every line of the batch, once per distinct line (words.batch_line_tokens:
    shared with repeated-paragraphs, and kept across strips)."""
    return batch_line_tokens(batch)


def _distinct(batch: Batch) -> tuple[pl.Series, np.ndarray]:
    """The batch's distinct lines and each line's row among them (words.batch_distinct_lines)."""
    return batch_distinct_lines(batch)


def _referenced(batch: Batch) -> tuple[pl.Series, np.ndarray, np.ndarray | None]:
    """`_distinct` without the distinct lines no line of the batch refers to any more (after a
    strip: the lines of the memo are those before it): (those lines, each line's row among them,
    their rows in `_distinct`, None when they are all of them). Once per batch."""

    def compute() -> tuple[pl.Series, np.ndarray, np.ndarray | None]:
        distinct, inverse = _distinct(batch)
        rows, at = referenced_rows(len(distinct), inverse)
        if rows is None:
            return distinct, inverse, None
        return take_sorted(distinct, rows), at, rows

    return batch.memo("quality_referenced_lines", compute)


def _line_ends(batch: Batch) -> pl.Series:
    """The lines of `_referenced` without their trailing whitespace (named "_r"), once per batch:
    the end-anchored tests of unterminated-lines and of the statistics read them."""
    return batch.memo(
        "quality_line_ends", lambda: _referenced(batch)[0].str.strip_chars_end().alias("_r")
    )


def _javascript_distinct(batch: Batch) -> np.ndarray:
    """Per distinct line of the batch (`_distinct`): does it contain "javascript" in any case
    (C4). The distinct lines stay those of the batch before a strip (only which lines refer to
    them changes), so the answer follows strips as it is."""

    def compute() -> np.ndarray:
        distinct, inverse = _distinct(batch)
        found = np.zeros(len(distinct), dtype=bool)
        # the vocabulary answers "none" cheaply, when a rule before split the tokens
        tokens = batch.memoized(DISTINCT_LINE_TOKENS_MEMO)
        if isinstance(tokens, LineTokens) and not _in_vocabulary(tokens, "javascript"):
            return found
        # only the distinct lines some line refers to (after a strip, the memo's distinct
        # lines hold those it removed: some 40 % of a web batch's after boilerplate-lines);
        # the others are never read, here or after a later strip, which removes lines only
        rows, _ = referenced_rows(len(distinct), inverse)
        lines = distinct if rows is None else take_sorted(distinct, rows)
        hit = _lower_contains(lines, "javascript").cast(pl.Boolean).to_numpy()
        found[slice(None) if rows is None else rows] = hit
        return found

    return batch.memo("quality_javascript_distinct", compute, after_strip=lambda found, _: found)


def _javascript_lines(batch: Batch) -> pl.Series:
    """Per line of the batch: does it contain "javascript" in any case (C4)."""
    found = _javascript_distinct(batch)
    inverse = _distinct(batch)[1]
    # typed: an empty batch's list of no values would make a Null Series, not a Boolean one
    return pl.Series(found[inverse] if found.any() else np.zeros(len(inverse), dtype=bool))


def _javascript_per_doc(batch: Batch) -> np.ndarray:
    """Per document: its lines containing "javascript" in any case."""
    found = _javascript_distinct(batch)
    if not found.any():
        return np.zeros(batch.n, dtype=np.int64)
    hit = found[_distinct(batch)[1]]
    return np.bincount(batch.doc_of_line()[hit], minlength=batch.n).astype(np.int64)


def _lorem_ipsum(text: pl.Series, tokens: LineTokens) -> pl.Series:
    """Per line of `text` (the lines `tokens` splits): occurrences of "lorem ipsum" in any case."""
    if not _in_vocabulary(tokens, "lorem"):
        return pl.Series(text.name, np.zeros(len(text), dtype=np.uint32))
    return _lower_contains(text, "lorem ipsum", count=True)


def _in_vocabulary(tokens: LineTokens, word: str) -> bool:
    """Can a line of `tokens` hold the lower-case ASCII `word` (no space in it) in any case? Only
    if one of the distinct pieces of the lines split on " " holds it ASCII-case-insensitively
    (see _lower_contains): a search of the vocabulary, a third of the distinct lines' bytes.
    True may be a false alarm (never False for a word that is there)."""
    # (the vocabulary's bytes lower-cased, searched at once: a match across two strings only
    # makes the caller search the lines, which answer exactly; a tenth of a search per string)
    return word.encode() in tokens.ascii_lower_bytes


def _lower_contains(texts: pl.Series, needle: str, count: bool = False) -> pl.Series:
    """Occurrences (count=True) or presence of the lower-case ASCII `needle` in each lower-cased
    text. Lower-casing every text costs a copy of the batch; an ASCII-case-insensitive search
    (Aho-Corasick: no regex to compile again in every batch) first finds the few texts that can
    match, and only those are lower-cased. Sound because whatever lower-cases into the needle
    also matches it ASCII-case-insensitively: the only characters that lower-case to ASCII
    letters are A-Z, U+212A Kelvin (to "k": no "k" in the needle) and U+0130 dotted I (to "i"
    and a combining dot, which no ASCII needle has after an "i")."""
    assert needle.isascii() and needle == needle.lower() and "k" not in needle
    assert not needle.endswith("i")
    maybe = texts.str.contains_any([needle], ascii_case_insensitive=True)
    out = pl.Series(texts.name, np.zeros(len(texts), dtype=np.uint32))
    if maybe.any():
        low = texts.filter(maybe).str.to_lowercase()
        hits = (
            low.str.count_matches(needle, literal=True)
            if count
            else low.str.contains(needle, literal=True).cast(pl.UInt32)
        )
        out = out.scatter(maybe.arg_true(), hits)
    return out


def _col(batch: Batch, name: str) -> pl.Series:
    return _stats(batch).get_column(name).alias(name)


# -- stop words ------------------------------------------------------------------------------------


def _stop_word_bits(batch: Batch, words: tuple[str, ...]) -> np.ndarray:
    """Which of `words` (lower-case) each document holds as a whole token (lower-cased, edge
    punctuation removed): a set of word indices per document, as bits (word i is bit i % 64 of
    column i // 64 of the document's row; uint64)."""

    def compute() -> np.ndarray:
        lt = _line_tokens(batch)
        # the stop word of each distinct token (-1: none), matched on the vocabulary only: the
        # few tokens that are one found first (a set probe), then numbered
        _, imploded = _word_series(words)
        low = lt.vocab.get_column("low")
        ids = np.full(len(low), -1, dtype=np.int32)
        hit = np.flatnonzero(low.is_in(imploded).to_numpy())
        if len(hit):
            # (the few hits, some hundreds, numbered by a dict of the words: a replace_strict
            # costs ~0.3 ms a web batch; tests/checks/test_quality_fast.py checks both agree)
            index = _word_index(words)
            found = take_sorted(low, hit).to_list()
            ids[hit] = np.fromiter((index[w] for w in found), dtype=np.int32, count=len(hit))
        tok_id = np.take(ids, lt.code)
        found = np.flatnonzero(tok_id >= 0)
        # the set of each distinct line (an OR per token: no sort or bitmap of (line, word)
        # pairs), then of each document: the OR of its lines'
        n_lines, width = len(lt.distinct), _bit_width(len(words))
        fid = tok_id[found]
        per_line = np.zeros(n_lines * width, dtype=np.uint64)
        np.bitwise_or.at(
            per_line,
            lt.line[found].astype(np.int64) * width + (fid >> 6),
            np.left_shift(np.uint64(1), (fid & 63).astype(np.uint64)),
        )
        rows = np.take(per_line.reshape(n_lines, width), lt.inverse, axis=0)
        doc = batch.doc_of_line()
        out = np.zeros((batch.n, width), dtype=np.uint64)
        if len(doc) and np.all(doc[1:] >= doc[:-1]):
            # a document's lines are consecutive: one OR per run
            starts = np.flatnonzero(np.diff(doc, prepend=-1))
            out[doc[starts]] = np.bitwise_or.reduceat(rows, starts, axis=0)
        elif len(doc):
            np.bitwise_or.at(out, doc, rows)
        return out

    return batch.memo("quality_stop_words:" + "\n".join(words), compute)


@functools.lru_cache(maxsize=16)
def _word_series(words: tuple[str, ...]) -> tuple[pl.Series, pl.Series]:
    """`words` as a String Series and imploded (one list value, as `is_in` takes it): built once
    per list, not in every batch (the implode is a polars query)."""
    wanted = pl.Series("low", list(words), dtype=pl.String)
    return wanted, wanted.implode()


@functools.lru_cache(maxsize=16)
def _word_index(words: tuple[str, ...]) -> dict[str, int]:
    """Each of `words` (distinct) -> its index in `words`: built once per list."""
    return {w: i for i, w in enumerate(words)}


def _bit_width(n_words: int) -> int:
    """uint64 columns of a set of `n_words` words as bits (at least one)."""
    return max(1, (n_words + 63) // 64)


def _word_bits(member: np.ndarray) -> np.ndarray:
    """A bool per word as the bits of `_stop_word_bits` (one row, uint64)."""
    bits = np.zeros(_bit_width(len(member)), dtype=np.uint64)
    for i in np.flatnonzero(member):
        bits[i >> 6] |= np.uint64(1) << np.uint64(i & 63)
    return bits


def _bit_count(bits: np.ndarray) -> np.ndarray:
    """Per row: the bits set (the words of the set)."""
    return np.bitwise_count(bits).sum(axis=1, dtype=np.int64)


def stop_word_counts(batch: Batch, explicit: list[str]) -> tuple[pl.Series, pl.Series]:
    """(distinct stop words found, the list used) per document.

    `explicit` non-empty: that list for every document (Gopher's eight English words). Otherwise
    the list of the language `language-mismatch` detected (it must run earlier in the rule set);
    the union of every shipped list when it did not run or said `und`; null (not judged) for a
    detected language without a shipped list.
    """
    lang = batch.signals.get("language")
    # no-stop-words and low-quality ask the same question: answer it once per batch (the language
    # signal is held, so that `is` compares the very series, not a recycled id)
    memo = batch.memo("quality_stop_word_counts", list)
    for words, language, result in memo:
        if words == explicit and language is lang:
            return result
    result = _stop_word_counts(batch, explicit, lang)
    memo.append((list(explicit), lang, result))
    return result


def _docs_with_first_chars(batch: Batch, code: str) -> np.ndarray:
    """Per document (bool): does its text hold the first character of one of the stop words of
    `code` (a language matched by substring)? A document without one holds none of the words.
    Every character but whitespace is in exactly one token, so the batch's distinct tokens
    answer, far cheaper than any search over every text."""
    lt = _line_tokens(batch)

    def candidates() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        # the distinct tokens holding a first character of any such language (a few, if any),
        # the languages whose first characters each holds (bits, `_first_chars`), and where
        # they occur: (vocabulary rows, their languages, their code and line per occurrence).
        # The characters of the tokens' bytes looked up in a table (`_first_char_bits`), where
        # a search of the non-ASCII tokens for some thousand characters, then one per language,
        # cost four times more; the searches (`_first_char_bits_plain`) when a first character
        # is ASCII (none of the shipped lists' is)
        held = _first_char_bits(lt.vocab.get_column("tok"), lt.utf8)
        rare = np.flatnonzero(held)
        bits = held[rare]
        if not len(rare):
            return rare, bits, np.zeros(0, dtype=lt.code.dtype), np.zeros(0, dtype=lt.line.dtype)
        is_rare = np.zeros(len(held), dtype=bool)
        is_rare[rare] = True
        rows = np.flatnonzero(is_rare[lt.code])
        return rare, bits, lt.code[rows], lt.line[rows]

    rare, bits, codes, lines = batch.memo("quality_substring_candidates", candidates)
    docs = np.zeros(batch.n, dtype=bool)
    if len(rare):
        hit = np.zeros(len(lt.vocab), dtype=bool)
        hit[rare] = (bits & np.uint8(1 << SUBSTRING_LANGUAGES.index(code))) > 0
        held = np.zeros(len(lt.distinct), dtype=bool)
        held[lines[hit[codes]]] = True
        docs[batch.doc_of_line()[held[lt.inverse]]] = True
    return docs


def _first_char_bits(strings: pl.Series, utf8: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Per string (uint8): the languages (bit i: SUBSTRING_LANGUAGES[i]) whose stop words start
    with a character the string holds. `utf8`: the strings' `string_bytes`. Each character of
    two bytes or more (every first character is one) is decoded from its first byte on and
    looked up in a table per code point (`_first_char_table`): what `contains_any` of each
    language's first characters says (`_first_char_bits_plain`; a character's UTF-8 bytes are
    found in a string exactly where the character is)."""
    chars, _, ascii_free = _first_chars()
    if not ascii_free:  # pragma: no cover - the shipped lists' first characters are not ASCII
        return _first_char_bits_plain(strings)
    off, data = utf8
    out = np.zeros(len(strings), dtype=np.uint8)
    table = _first_char_table()
    pos = np.flatnonzero(data >= 0xC0)
    if not len(pos) or not len(table):
        return out
    last = len(data) - 1
    b0 = data[pos].astype(np.int64)
    follow = [(data[np.minimum(pos + k, last)] & 0x3F).astype(np.int64) for k in (1, 2, 3)]
    cp = np.where(
        b0 < 0xE0,
        ((b0 & 0x1F) << 6) | follow[0],
        np.where(
            b0 < 0xF0,
            ((b0 & 0x0F) << 12) | (follow[0] << 6) | follow[1],
            ((b0 & 0x07) << 18) | (follow[0] << 12) | (follow[1] << 6) | follow[2],
        ),
    )
    inside = np.flatnonzero(cp < len(table))
    bits = table[cp[inside]]
    found = bits != 0
    if found.any():
        string = np.searchsorted(off, pos[inside][found], side="right") - 1
        np.bitwise_or.at(out, string, bits[found])
    return out


def _first_char_bits_plain(strings: pl.Series) -> np.ndarray:
    """`_first_char_bits` by `contains_any` of each language's first characters (the plain
    definition, for the tests)."""
    chars, langs, _ = _first_chars()
    out = np.zeros(len(strings), dtype=np.uint8)
    for i in range(len(SUBSTRING_LANGUAGES)):
        mine = [c for c, lang in zip(chars, langs, strict=True) if lang >> i & 1]
        if mine:
            out |= strings.str.contains_any(mine).to_numpy().astype(np.uint8) << np.uint8(i)
    return out


@functools.cache
def _first_char_table() -> np.ndarray:
    """Per code point up to the largest first character: `_first_chars`' language bits (uint8,
    0 for a character no stop word starts with)."""
    chars, langs, _ = _first_chars()
    table = np.zeros(max((ord(c) for c in chars), default=-1) + 1, dtype=np.uint8)
    for c, lang in zip(chars, langs, strict=True):
        table[ord(c)] = lang
    return table


@functools.cache
def _first_chars() -> tuple[list[str], list[int], bool]:
    """The first characters of the stop words of the languages matched by substring (sorted),
    per character the languages whose words start with it (bit i: SUBSTRING_LANGUAGES[i]), and
    whether none of them is ASCII: built once, not in every batch."""
    lists = stop_words()
    langs: dict[str, int] = {}
    for i, code in enumerate(SUBSTRING_LANGUAGES):
        for word in lists.get(code, ()):
            langs[word[0]] = langs.get(word[0], 0) | (1 << i)
    chars = sorted(langs)
    return chars, [langs[c] for c in chars], all(not c.isascii() for c in chars)


@functools.cache
def _union_stop_words() -> tuple[tuple[str, ...], dict[str, np.ndarray]]:
    """The union of the space-delimited languages' stop-word lists (words.stop_word_table), and
    per language which of the union's words are on its list (`_word_bits`): built once, not in
    every batch."""
    table = stop_word_table()
    union = tuple(table.filter(pl.col("lang") == "*").get_column("bare"))
    index = {w: i for i, w in enumerate(union)}
    on_list: dict[str, np.ndarray] = {}
    for lang, word in table.filter(pl.col("lang") != "*").iter_rows():
        on_list.setdefault(lang, np.zeros(len(union), dtype=bool))[index[word]] = True
    return union, {lang: _word_bits(member) for lang, member in on_list.items()}


def _stop_word_counts(
    batch: Batch, explicit: list[str], lang: pl.Series | None
) -> tuple[pl.Series, pl.Series]:
    # nothing to judge in a document without words (nor, below, in a language without a list)
    no_words = _stats(batch).get_column("words").to_numpy() == 0
    if explicit:
        wanted = tuple(sorted({w.lower() for w in explicit}))
        count = _with_nulls(_bit_count(_stop_word_bits(batch, wanted)), no_words)
        return count, pl.Series(["custom"] * batch.n, dtype=pl.String)

    lists = stop_words()
    keys = _stop_word_keys(batch.n, lang)
    keys = keys.without(_uncovered_script_docs(batch, ~keys.null))
    union, on_list = _union_stop_words()
    bits = _stop_word_bits(batch, union)
    star = keys.star
    if not star.all():
        # keep a word only when it is on the list of the document's language ("*": any list; a
        # language matched by substring, or none, keeps none here)
        langs = sorted(on_list)
        allowed = np.zeros((len(langs) + 2, bits.shape[1]), dtype=np.uint64)
        for i, code in enumerate(langs):
            allowed[i] = on_list[code]
        allowed[len(langs)] = ~np.uint64(0)  # "*"
        bits = bits & allowed[keys.rows(langs)]
    count = _bit_count(bits)
    # languages written without spaces: stop words are substrings of the text
    text = batch.text
    for code in SUBSTRING_LANGUAGES:
        use = star.copy() if star.all() else star | keys.equal(code)
        if not use.any() or code not in lists:
            continue
        words = list(lists[code])
        # extract_many only where a word can be: most documents hold none of their first
        # characters
        use &= _docs_with_first_chars(batch, code)
        if not use.any():
            continue
        hits = text.filter(pl.Series(use)).str.extract_many(words, overlapping=True).list.n_unique()
        count[use] += hits.to_numpy()
    # (the key is "*" for every document without a language signal: no null in it)
    count = _with_nulls(count, keys.null | no_words)
    return count, keys.series()


# The scripts the shipped stop-word lists are written in (Japanese text mixes Han, Hiragana and
# Katakana; tests/checks/test_quality_unknown_language.py checks that every list's words are in
# one of them). A word whose first letter is in another script (Armenian, Georgian, Greek, ...)
# can hold none of the words: `_uncovered_script_docs`.
COVERED_SCRIPTS = ("Latin", "Cyrillic", "Arabic", "Devanagari", "Hangul", "Han", "Hiragana")
COVERED_SCRIPTS += ("Katakana", "Thai")
# a token whose first letter is in none of COVERED_SCRIPTS (Rust regex: letters minus those)
UNCOVERED_FIRST_LETTER = (
    r"^\P{L}*[\p{L}--[" + "".join(rf"\p{{{name}}}" for name in COVERED_SCRIPTS) + "]]"
)


def _uncovered_script_docs(batch: Batch, judged: np.ndarray) -> np.ndarray:
    """Per document (bool): among `judged`, those more than half of whose words (tokens with a
    letter) begin in a script none of the shipped lists is written in (COVERED_SCRIPTS): no list
    (the union, or the detected language's: an Armenian text with a few Latin letters has been
    detected as Ukrainian) holds a word of that text's language, so none can judge it. Decided
    on the batch's distinct tokens, the pattern tried on those with a non-ASCII character alone
    (a few hundred in a batch of English pages); nothing per token when none is in such a
    script (most batches)."""
    out = np.zeros(batch.n, dtype=bool)
    if not judged.any():
        return out
    lt = _line_tokens(batch)
    off, data = lt.utf8
    # the tokens holding a non-ASCII character: those holding the first byte of one
    lead = np.flatnonzero(data >= 0xC0)
    if not len(lead):
        return out
    wide = np.zeros(len(lt.vocab), dtype=bool)
    wide[np.searchsorted(off, lead, side="right") - 1] = True
    rows = np.flatnonzero(wide)
    tokens = take_sorted(lt.vocab.get_column("tok"), rows)
    rows = rows[tokens.str.contains(UNCOVERED_FIRST_LETTER).to_numpy()]
    if not len(rows):
        return out
    uncovered = np.zeros(len(lt.vocab), dtype=bool)
    uncovered[rows] = True
    # per distinct line, its words in an uncovered script; then per document
    per_line = lt.count_per_distinct_line(uncovered)
    per_doc = np.bincount(batch.doc_of_line(), weights=per_line[lt.inverse], minlength=batch.n)
    words = _stats(batch).get_column("letter_tokens").to_numpy()
    return judged & (per_doc * 2 > words)


@dataclass(frozen=True)
class _StopWordKeys:
    """The stop-word list of each document (`_stop_word_keys`): `names` the keys (the shipped
    languages, then "*", then None: no list), `at[i]` document i's row of `names`."""

    names: tuple[str | None, ...]
    at: np.ndarray

    @property
    def star(self) -> np.ndarray:
        return self.at == len(self.names) - 2

    @property
    def null(self) -> np.ndarray:
        return self.at == len(self.names) - 1

    def equal(self, code: str) -> np.ndarray:
        """Per document: is its key `code`?"""
        if code not in self.names[:-2]:
            return np.zeros(len(self.at), dtype=bool)
        return self.at == self.names.index(code)

    def rows(self, langs: list[str]) -> np.ndarray:
        """Per document: its key's place in `langs` + ["*"], len(langs) + 1 for another key or
        none."""
        place = {code: i for i, code in enumerate([*langs, "*"])}
        table = np.array([place.get(k, len(langs) + 1) for k in self.names], dtype=np.intp)
        table[-1] = len(langs) + 1
        return table[self.at]

    def without(self, docs: np.ndarray) -> _StopWordKeys:
        """These keys, but no list (None) for the documents `docs` (bool)."""
        if not docs.any():
            return self
        return _StopWordKeys(self.names, np.where(docs, len(self.names) - 1, self.at))

    def series(self) -> pl.Series:
        """The keys as the String signal `stop_words_list` (null: no list)."""
        names = strings(list(self.names))
        return pl.Series("stop_words_list", names.take(numbers(self.at)), dtype=pl.String)


def _stop_word_keys(n: int, lang: pl.Series | None) -> _StopWordKeys:
    """Each document's stop-word list: its language's when one is shipped, "*" (the union) when
    there is no language signal or it says null, None otherwise: a language without a list, and
    "und" (too short, too mixed, or a language the detector does not know: the union would judge
    Armenian prose by words it cannot hold). (One Arrow call, where a when/then select, a
    replace_strict and a comparison per language cost ten, ~1 ms a batch.)"""
    names = (*stop_words(), "*", None)
    star = len(names) - 2
    if lang is None:
        return _StopWordKeys(names, np.full(n, star, dtype=np.intp))
    other = len(names) - 1
    # each value's row among the shipped languages by Arrow's `index_in`, one call (a dict probe
    # per value cost ~0.2 ms a batch): a value found nowhere ("und" too) is `other`, a null `star`
    arr = lang.cast(pl.String).to_arrow()
    found = pc.index_in(arr, value_set=_key_values())
    # (polars' fill_null: Arrow's takes a pa.scalar, which imports pandas)
    at = pl.Series(found).fill_null(other).to_numpy().astype(np.intp)
    if arr.null_count:
        at[to_numpy(arr.is_null())] = star
    return _StopWordKeys(names, at)


@functools.cache
def _key_values() -> pa.Array:
    """The shipped languages (a row of `_stop_word_keys`' names each)."""
    return strings(list(stop_words()))


def _with_nulls(count: np.ndarray, null: np.ndarray) -> pl.Series:
    """The stop-word counts as an Int64 series, null where `null`."""
    out = pl.Series("stop_words", count, dtype=pl.Int64)
    return out.scatter(np.flatnonzero(null), None) if null.any() else out


# -- the quality score -----------------------------------------------------------------------------

# Each component maps one signal to 0..1 through straight lines between (value, score) points:
# 1 where the signal is comfortably fine, exactly 0.5 at the published threshold, 0 far beyond.
# Components of one signal with two thresholds take the smaller of their two ramps.
COMPONENTS: dict[str, tuple[tuple[tuple[float, float], ...], ...]] = {
    "words": (((0, 0.0), (50, 0.5), (200, 1.0)), ((50_000, 1.0), (100_000, 0.5), (200_000, 0.0))),
    "mean_word_length": (((0, 0.0), (3, 0.5), (4, 1.0)), ((7, 1.0), (10, 0.5), (15, 0.0))),
    "symbol_ratio": (((0, 1.0), (0.1, 0.5), (0.2, 0.0)),),
    "alpha_words_share": (((0.4, 0.0), (0.8, 0.5), (0.95, 1.0)),),
    "stop_words": (((0, 0.0), (2, 0.5), (4, 1.0)),),
    "bullet_lines_share": (((0.5, 1.0), (0.9, 0.5), (1.0, 0.0)),),
    "ellipsis_lines_share": (((0, 1.0), (0.3, 0.5), (0.6, 0.0)),),
    "punctuated_lines_share": (((0, 0.0), (0.12, 0.5), (0.5, 1.0)),),
    "short_lines_share": (((0.3, 1.0), (0.67, 0.5), (1.0, 0.0)),),
    "dup_line_chars_share": (((0, 1.0), (0.01, 0.5), (0.1, 0.0)),),
    "newline_ratio": (((0.1, 1.0), (0.3, 0.5), (1.0, 0.0)),),
}


def ramp(x: pl.Expr, points: tuple[tuple[float, float], ...]) -> pl.Expr:
    """Piecewise-linear interpolation through `points` (sorted by value), flat outside them."""
    (x0, y0), *rest = points
    expr = pl.when(x.is_null()).then(None).when(x <= x0).then(pl.lit(y0))
    for (xa, ya), (xb, yb) in zip(points, rest, strict=False):
        expr = expr.when(x <= xb).then(ya + (x - xa) * (yb - ya) / (xb - xa))
    return expr.otherwise(pl.lit(points[-1][1])).cast(pl.Float64)


def quality_score(frame: pl.DataFrame) -> pl.Series:
    """0..1 per document from the columns named in COMPONENTS (nulls are left out).

    When a component is below 0.5 (a published threshold is crossed), the score is the smallest
    component, so quality < 0.5 exactly when at least one heuristic fails. Otherwise it is the mean
    of the components: documents that pass everything are ranked by how comfortably they pass.
    A "lorem ipsum" placeholder scores 0.
    """
    comps, score = _score_exprs()
    # the components first, in their own select: the min and the mean below then read columns,
    # where one expression would evaluate every ramp twice
    return frame.select(comps).select(score).to_series()


def _quality_score_fast(columns: dict[str, pl.Series]) -> pl.Series:
    """`quality_score` of a frame whose columns are `columns` (a Series per name of COMPONENTS,
    and lorem_ipsum), the components computed in numpy (`_ramp_numpy`): the 13 ramps evaluated
    by polars cost a query planned over some 60 when/then branches, 1.1 ms even for one
    document. The score from the components in numpy too, but for the mean: polars'
    `mean_horizontal` (it sums the components in an order of its own). A column holding NaN
    (not a null; the statistics hold none) is left to `quality_score`
    (tests/checks/test_quality_fast.py checks both agree)."""
    comps = []
    for name, ramps in COMPONENTS.items():
        signal = columns[name]
        x = signal.to_numpy()
        if x.dtype.kind == "f":
            if np.count_nonzero(np.isnan(x)) != signal.null_count():
                frame = pl.DataFrame([columns[c] for c in (*COMPONENTS, "lorem_ipsum")])
                return quality_score(frame)
        else:
            x = x.astype(np.float64)
        parts = [_ramp_numpy(x, points) for points in ramps]
        comp = parts[0]
        for part in parts[1:]:
            comp = np.fmin(comp, part)
        comps.append(comp)
    # the score's branches in numpy, the mean by polars: the smallest component (NaN: null,
    # which min_horizontal leaves out as fmin does; no component is -0.0), below 0.5 the
    # score, else the mean (mean_horizontal itself, on the same columns), 0 for lorem ipsum,
    # 1 where every component is null, rounded by polars (a when/then query of the whole
    # score cost ~0.3 ms a batch more)
    lowest = comps[0].copy()
    for comp in comps[1:]:
        np.fmin(lowest, comp, out=lowest)
    failing = lowest < 0.5
    score = lowest
    if not failing.all():
        frame = pl.DataFrame(
            [pl.Series(n, c, nan_to_null=True) for n, c in zip(COMPONENTS, comps, strict=True)]
        )
        # (select_seq: on the calling thread, as in _compute_stats)
        mean = frame.select_seq(pl.mean_horizontal(list(COMPONENTS))).to_series()
        score = np.where(failing, lowest, mean.to_numpy())
    lorem = columns["lorem_ipsum"]
    score[(lorem.fill_null(0) if lorem.null_count() else lorem).to_numpy() > 0] = 0.0
    score[np.isnan(score)] = 1.0
    return pl.Series("quality", score, dtype=pl.Float64).round(6)


def _ramp_numpy(x: np.ndarray, points: tuple[tuple[float, float], ...]) -> np.ndarray:
    """`ramp` in numpy, bit for bit (x float64, NaN for null; NaN out for null): polars
    evaluates `ya + (x - xa) * (yb - ya) / (xb - xa)` with the two literals' quotient taken
    first, `(x - xa) * ((yb - ya) / (xb - xa))`."""
    (x0, y0), *rest = points
    out = np.full(len(x), float(points[-1][1]))
    # the when/then chain's first true branch wins: the segments applied last to first
    with np.errstate(invalid="ignore"):
        for (xa, ya), (xb, yb) in reversed(list(zip(points, rest, strict=False))):
            at = x <= xb
            out[at] = ya + (x[at] - xa) * ((yb - ya) / (xb - xa))
        out[x <= x0] = y0
    out[np.isnan(x)] = np.nan
    return out


@functools.cache
def _score_exprs() -> tuple[list[pl.Expr], pl.Expr]:
    """The expressions of `quality_score`: the components (and the lorem ipsum count), then the
    score from them. Built once: building the 13 ramps' when/then chains cost as much as
    evaluating them on a batch."""
    comps = []
    for name, ramps in COMPONENTS.items():
        parts = [ramp(pl.col(name), pts) for pts in ramps]
        comps.append((pl.min_horizontal(parts) if len(parts) > 1 else parts[0]).alias(name))
    comps.append(pl.col("lorem_ipsum").alias("__lorem"))
    names = list(COMPONENTS)
    lowest = pl.min_horizontal(names)
    score = pl.when(lowest < 0.5).then(lowest).otherwise(pl.mean_horizontal(names))
    score = pl.when(pl.col("__lorem") > 0).then(0.0).otherwise(score)
    return comps, score.fill_null(1.0).round(6).alias("quality")


# -- rules ----------------------------------------------------------------------------------------

WORD_BINS = (0, 10, 25, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 100_000)
LENGTH_BINS = tuple(float(i) for i in range(16))
RATIO_BINS = (0, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0)
COUNT_BINS = (0, 1, 2, 3, 5, 10, 20, 50)


class _QualityRule(Rule):
    family = "quality"
    actions = ("flag", "drop")
    # Rule.reads_line_tokens: every rule of the family but javascript-notice reads the tokens
    reads_line_tokens: ClassVar[bool] = True


@register
class TooFewWords(_QualityRule):
    """Documents with too few words to be prose.

    Catches: empty pages, a title and a date, a one-line error page, a photo caption.

    Why: Gopher keeps documents of 50 to 100,000 words; below 50 there is too little text to
    learn from and most such pages are navigation or stubs.

    Example: `Page not found. Go back home.` has 6 words and fires.

    Signals:
      words   tokens holding a letter or digit (words; Chinese/Japanese characters and Thai
              pseudo-words count one each, see curate.checks.words)

    Fires when words < min_words. The empty document fires (0 words).
    """

    name = "too-few-words"
    main_signal = "words"
    threshold_param = "min_words"
    bins = WORD_BINS

    @dataclass(frozen=True)
    class Params:
        min_words: int = param(50, "fire below this many words", unit="words", source=GOPHER, min=0)

    def evaluate(self, batch: Batch) -> RuleResult:
        words = _col(batch, "words")
        return RuleResult(signals={"words": words}, fired=words < self.params.min_words)


@register
class TooManyWords(_QualityRule):
    """Documents with too many words to be one document.

    Catches: concatenated dumps, whole books or logs scraped as one page, word lists.

    Why: Gopher drops documents above 100,000 words; they are rarely a single coherent text and
    weigh one source heavily.

    Example: a 250,000-word server log pasted into a page fires.

    Signals:
      words   tokens holding a letter or digit (words; see too-few-words)

    Fires when words > max_words.
    """

    name = "too-many-words"
    main_signal = "words"
    threshold_param = "max_words"
    bins = WORD_BINS

    @dataclass(frozen=True)
    class Params:
        max_words: int = param(
            100_000, "fire above this many words", unit="words", source=GOPHER, min=1
        )

    def evaluate(self, batch: Batch) -> RuleResult:
        words = _col(batch, "words")
        return RuleResult(signals={"words": words}, fired=words > self.params.max_words)


@register
class MeanWordLength(_QualityRule):
    """Documents whose mean word length is outside the range of natural language.

    Catches: runs of single letters or digits (tables, OCR debris, `a b c d`), and long
    unbroken strings (URLs, base64, hashes, concatenated identifiers).

    Why: Gopher drops documents whose mean word length is outside 3..10 characters.

    Example: `x1 y2 z3 ...` (mean 2 characters) fires; ordinary English prose averages 4-5.

    Signals:
      mean_word_length  characters per word, over space-delimited words with leading and
                        trailing punctuation removed (`world.` has 5). Chinese/Japanese
                        characters and Thai pseudo-words are left out: their length is fixed by
                        the splitting, not by the text. Null when the document has no such
                        words (a purely Chinese text): the rule does not fire.

    Fires when mean_word_length < min_length or > max_length.
    """

    name = "mean-word-length"
    main_signal = "mean_word_length"
    threshold_param = "min_length"
    bins = LENGTH_BINS

    @dataclass(frozen=True)
    class Params:
        min_length: float = param(
            3.0, "fire below this mean", unit="characters per word", source=GOPHER, min=0.0
        )
        max_length: float = param(
            10.0, "fire above this mean", unit="characters per word", source=GOPHER, min=0.0
        )

    def evaluate(self, batch: Batch) -> RuleResult:
        mean = _col(batch, "mean_word_length")
        p = self.params
        return RuleResult(
            signals={"mean_word_length": mean}, fired=(mean < p.min_length) | (mean > p.max_length)
        )


@register
class SymbolHeavy(_QualityRule):
    """Documents crowded with hash signs or ellipses.

    Catches: hashtag spam (`#win #free #giveaway`), truncated-snippet listings (`Click here...`)
    and markdown-heading dumps.

    Why: Gopher drops documents whose symbol-to-word ratio is above 0.1 for the hash symbol or
    the ellipsis.

    Example: `#love #instagood #photooftheday #fashion` has 4 hashes per 4 words and fires.

    Signals:
      hash_ratio      `#` characters / words
      ellipsis_ratio  (`...` + `…`) occurrences / words
      symbol_ratio    the larger of the two
    All null when the document has no words.

    Fires when symbol_ratio > max_ratio.
    """

    name = "symbol-heavy"
    main_signal = "symbol_ratio"
    threshold_param = "max_ratio"
    bins = RATIO_BINS

    @dataclass(frozen=True)
    class Params:
        max_ratio: float = param(
            0.1,
            "fire above this many hashes or ellipses per word",
            unit="symbols per word",
            source=GOPHER,
            min=0.0,
        )

    def evaluate(self, batch: Batch) -> RuleResult:
        ratio = _col(batch, "symbol_ratio")
        return RuleResult(
            signals={
                "hash_ratio": _col(batch, "hash_ratio"),
                "ellipsis_ratio": _col(batch, "ellipsis_ratio"),
                "symbol_ratio": ratio,
            },
            fired=ratio > self.params.max_ratio,
        )


@register
class FewAlphabeticWords(_QualityRule):
    """Documents where too few tokens contain a letter.

    Catches: tables of numbers, price lists, code and markup, separator art (`| | |`, `----`).

    Why: Gopher requires that 80 % of words contain at least one alphabetic character. Letters
    of every script count (`\\p{L}`: Cyrillic, Arabic, Han, Thai ...).

    Example: `2024 | 12.5 | 13.1 | 14.0 | total` fires: 1 of 10 tokens has a letter.

    Signals:
      alpha_words_share  tokens with a letter / all tokens (tokens as in curate.checks.words,
                         including those of punctuation or symbols alone); null without tokens.
                         With `punctuation_as_tokens: true`, the punctuation at the start or end
                         of a word counts as one more token (as datatrove's spaCy tokens do:
                         `Hello, world.` is then 2 of 4, not 2 of 2).

    Fires when alpha_words_share < min_share.

    The two denominators order documents the same way but move the cut: on the 499 DCLM
    human-labelled pages, the 0.8 threshold drops 3 documents with whitespace tokens and 108
    (87 labelled low quality) with punctuation counted (bench/results/quality.md). The `gopher`
    and `fineweb` rule sets count punctuation, to reproduce datatrove.
    """

    name = "few-alphabetic-words"
    main_signal = "alpha_words_share"
    threshold_param = "min_share"

    @dataclass(frozen=True)
    class Params:
        min_share: float = param(
            0.8,
            "fire below this share of tokens with a letter",
            unit="fraction of tokens",
            source=GOPHER,
            min=0.0,
            max=1.0,
        )
        punctuation_as_tokens: bool = param(
            False,
            "count punctuation at a word's edges as tokens of their own (datatrove)",
            source="our choice: the Gopher paper counts words, not punctuation",
        )

    def evaluate(self, batch: Batch) -> RuleResult:
        column = (
            "alpha_words_share_punct"
            if self.params.punctuation_as_tokens
            else ("alpha_words_share")
        )
        share = _col(batch, column).alias("alpha_words_share")
        return RuleResult(signals={"alpha_words_share": share}, fired=share < self.params.min_share)


@register
class NoStopWords(_QualityRule):
    """Documents without the function words every sentence of a language uses.

    Catches: keyword lists, tag clouds, product specs, machine-generated word salad: text that
    has words but no sentences.

    Why: Gopher requires at least two of `the, be, to, of, and, that, have, with`. That list drops
    every non-English document, so here the list follows the language: with `language-mismatch`
    earlier in the rule set, each document is judged by the stop words of its detected language
    (an Indonesian article by `yang, dan, di, ...`); without that rule, by the union of all
    shipped lists, which never drops a document for being in another of those languages. Not
    judged (null): a detected language without a shipped list; `und` (too short, too mixed, or
    in a script no language profile has, such as Armenian or Georgian); and a text most of whose
    words are in a script none of the lists is written in (Armenian, Georgian, Greek, ...),
    whatever language was detected. A language the detector has no profile for but whose script
    it knows gets the nearest language's code (Kazakh and Mongolian `ru`, Maori and Basque `id`)
    and is judged by that list: `language_confidence` does not tell such a guess apart.
    Lists: curate/data/stopwords/<lang>.txt (about 20-40 frequent function words for each of 23
    languages). Chinese, Japanese and Thai stop words are matched as substrings;
    the others as whole tokens, case-insensitively.

    Example: `Buy cheap shoes online discount sneakers sale` has no stop word and fires.

    Signals:
      stop_words       distinct stop words found (words)
      stop_words_list  the list used: a language code, `*` (union) or `custom`
    stop_words is null (not judged) for a document without words or without a list (above).

    Fires when stop_words < min_stop_words. Set `stop_words` to one list for every document
    (the gopher rule set sets Gopher's eight English words).
    """

    name = "no-stop-words"
    main_signal = "stop_words"
    threshold_param = "min_stop_words"
    bins = COUNT_BINS

    @dataclass(frozen=True)
    class Params:
        min_stop_words: int = param(
            2,
            "fire below this many distinct stop words",
            unit="distinct words",
            source=GOPHER,
            min=0,
        )
        stop_words: list[str] = param(
            [],
            "one stop-word list for every document (empty: the list of the detected "
            "language, or the union of all shipped lists)",
            source="our choice",
        )

    def evaluate(self, batch: Batch) -> RuleResult:
        count, used = stop_word_counts(batch, self.params.stop_words)
        return RuleResult(
            signals={"stop_words": count, "stop_words_list": used},
            fired=count < self.params.min_stop_words,
        )


@register
class BulletLines(_QualityRule):
    """Documents that are mostly bullet points.

    Catches: navigation menus, link lists, tables of contents, product feature lists.

    Why: Gopher drops documents with more than 90 % of lines starting with a bullet point.

    Example: ten lines each starting with `- ` fire.

    Signals:
      bullet_lines_share  non-blank lines starting (after spaces) with one of `- • * ‣ ◦ ▪ ● ■ – ·`
                          / non-blank lines; null without lines

    Fires when bullet_lines_share > max_share.
    """

    name = "bullet-lines"
    main_signal = "bullet_lines_share"
    threshold_param = "max_share"

    @dataclass(frozen=True)
    class Params:
        max_share: float = param(
            0.9,
            "fire above this share of bullet lines",
            unit="fraction of non-blank lines",
            source=GOPHER,
            min=0.0,
            max=1.0,
        )

    def evaluate(self, batch: Batch) -> RuleResult:
        share = _col(batch, "bullet_lines_share")
        return RuleResult(
            signals={"bullet_lines_share": share}, fired=share > self.params.max_share
        )


@register
class EllipsisLines(_QualityRule):
    """Documents whose lines end in ellipses.

    Catches: search-result pages and feeds of truncated teasers (`Ten tips for...`).

    Why: Gopher drops documents with more than 30 % of lines ending with an ellipsis.

    Example: four teaser lines ending in `...` out of five fire.

    Signals:
      ellipsis_lines_share  non-blank lines ending (before trailing spaces) in `...` or `…`
                            / non-blank lines; null without lines

    Fires when ellipsis_lines_share > max_share.
    """

    name = "ellipsis-lines"
    main_signal = "ellipsis_lines_share"
    threshold_param = "max_share"

    @dataclass(frozen=True)
    class Params:
        max_share: float = param(
            0.3,
            "fire above this share of lines ending in an ellipsis",
            unit="fraction of non-blank lines",
            source=GOPHER,
            min=0.0,
            max=1.0,
        )

    def evaluate(self, batch: Batch) -> RuleResult:
        share = _col(batch, "ellipsis_lines_share")
        return RuleResult(
            signals={"ellipsis_lines_share": share}, fired=share > self.params.max_share
        )


@register
class CurlyBraces(_QualityRule):
    """Documents containing curly braces: code, templates, JSON.

    Catches: pages that are source code, CSS/JS leaked into text, unrendered templates
    (`{{ title }}`), JSON blobs.

    Why: C4 removed any page that contained a curly bracket, since braces appear in code and
    rarely in natural language. It is a blunt rule: use `flag` for corpora where code is wanted.
    C4 looked only at the lines its line filter kept; in the `c4` rule set this rule runs after
    `unterminated-lines` strips, so it sees the same lines.

    Example: `body { color: red; }` fires.

    Signals:
      curly_braces  number of `{` characters in the document

    Fires when curly_braces > max_braces.
    """

    name = "curly-braces"
    main_signal = "curly_braces"
    threshold_param = "max_braces"
    bins = COUNT_BINS

    @dataclass(frozen=True)
    class Params:
        max_braces: int = param(0, "fire above this many `{`", unit="characters", source=C4, min=0)

    def evaluate(self, batch: Batch) -> RuleResult:
        n = _col(batch, "curly_braces")
        return RuleResult(signals={"curly_braces": n}, fired=n > self.params.max_braces)


@register
class LoremIpsum(_QualityRule):
    """Documents containing "lorem ipsum" placeholder text.

    Catches: web templates and mock-ups published before their text was written.

    Why: C4 removed any page where the phrase "lorem ipsum" appeared.

    Example: `Lorem ipsum dolor sit amet, consectetur adipiscing elit.` fires.

    Signals:
      lorem_ipsum  occurrences of "lorem ipsum" (any case)

    Fires when lorem_ipsum > 0.
    """

    name = "lorem-ipsum"
    main_signal = "lorem_ipsum"
    bins = COUNT_BINS

    def evaluate(self, batch: Batch) -> RuleResult:
        n = _col(batch, "lorem_ipsum")
        return RuleResult(signals={"lorem_ipsum": n}, fired=n > 0)


@register
class JavascriptNotice(_QualityRule):
    """Lines mentioning JavaScript: "please enable JavaScript" notices.

    Catches: `This site requires JavaScript to run`, `JavaScript is disabled in your browser`.

    Why: C4 removed any line with the word "javascript": on crawled pages it is almost always a
    browser notice, not content. Pages about programming lose those lines too (as in C4): use
    `flag` on code-heavy corpora.

    Example: in an article with a `Please enable JavaScript to view the comments.` line, `strip`
    removes that line and keeps the rest.

    Signals:
      javascript_lines  non-blank lines containing "javascript" (any case)

    Actions: `strip` removes those lines (the rule fires when it removes one); `flag` and `drop`
    fire when javascript_lines > 0.
    """

    name = "javascript-notice"
    reads_line_tokens = False
    actions = ("flag", "strip", "drop")
    main_signal = "javascript_lines"
    bins = COUNT_BINS

    def evaluate(self, batch: Batch) -> RuleResult:
        # not from _stats: a strip rebuilds the batch, and the statistics of the batch before it
        # would be computed for this one count
        n = pl.Series("javascript_lines", _javascript_per_doc(batch), dtype=pl.Int64)
        remove = _javascript_lines(batch).alias(LINE)
        return RuleResult(signals={"javascript_lines": n}, fired=n > 0, remove=remove)


@register
class UnterminatedLines(_QualityRule):
    """Lines that are not sentences: no terminal punctuation, or too few words (C4's line filter).

    Catches: menus, headings, button labels, bylines, dates, "Share" lines: C4 kept only lines
    ending in terminal punctuation with at least three words.

    Why: C4 "only retained lines that ended in a terminal punctuation mark" and "that contained
    at least 3 words", and dropped lines with a word over 1,000 characters. It is aggressive
    (headings go too); we accept the sentence terminals of every script (`。`, `।`, `؟` ...)
    and closing quotes, where C4 accepted `. ? ! " '` only, and count words as the rest of this
    family does (C4's whitespace split sees a Chinese line as one word). Lines ending in `...`
    count as unterminated, as in C4.

    Example: `Home | News | Sport` is removed; `The council met on Monday.` is kept.

    Signals:
      unterminated_lines        non-blank lines C4 would remove
      unterminated_lines_share  those / non-blank lines; null without lines

    Actions: `strip` removes those lines (the rule fires when it removes one); `flag` and `drop`
    fire when unterminated_lines_share > max_share.
    """

    name = "unterminated-lines"
    actions = ("flag", "strip", "drop")
    main_signal = "unterminated_lines_share"
    threshold_param = "max_share"

    @dataclass(frozen=True)
    class Params:
        min_words: int = param(
            3, "lines with fewer words are removed", unit="words", source=C4, min=0
        )
        max_word_chars: int = param(
            1000, "lines with a longer word are removed", unit="characters", source=C4, min=1
        )
        require_terminal: bool = param(
            True,
            "remove lines without terminal punctuation (FineWeb ran C4's filter with "
            "this off, keeping only the word-count part)",
            source=C4,
        )
        max_share: float = param(
            0.5,
            "flag/drop above this share of unterminated lines",
            unit="fraction of non-blank lines",
            source="our choice",
            min=0.0,
            max=1.0,
        )

    def evaluate(self, batch: Batch) -> RuleResult:
        p = self.params
        # once per distinct line some line refers to, then per line and per document
        lt = _line_tokens(batch)
        _, inverse, rows = _referenced(batch)
        # the words per distinct line: with the statistics' other counts when a rule after this
        # one reads them (one pass over the tokens for both), else alone
        if any(isinstance(r, _QualityRule) and r.reads_line_tokens for r in batch.later):
            words = _line_counts(batch)["words"]
        else:
            words = lt.words_per_distinct_line()
        long = lt.long_tokens_per_distinct_line(p.max_word_chars)
        if rows is not None:
            words, long = words[rows], long[rows]
        ends = _line_ends(batch)
        nonblank, unpunctuated = _c4_line_ends(ends, _line_end_bytes(batch))
        if not p.require_terminal:
            unpunctuated[:] = False
        bad = nonblank & (unpunctuated | (words < p.min_words) | (long > 0))
        bad_line = bad[inverse]
        doc_of_line = batch.doc_of_line()
        n_bad = np.bincount(doc_of_line[bad_line], minlength=batch.n).astype(np.int64)
        n_nonblank = np.bincount(doc_of_line[nonblank[inverse]], minlength=batch.n)
        n = pl.Series(n_bad)
        share = _share_series("", n_bad, n_nonblank.astype(np.int64))
        fired = n > 0 if self.action == "strip" else share > p.max_share
        return RuleResult(
            signals={"unterminated_lines": n, "unterminated_lines_share": share},
            fired=fired,
            remove=pl.Series("_bad", bad_line),
        )


def _c4_line_ends(
    ends: pl.Series, utf8: tuple[np.ndarray, np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Per line without its trailing whitespace (`_line_ends`): (is it non-blank, does it end
    unpunctuated for C4: not in C4_END, or in "..."), the plain definition `_c4_line_ends_plain`
    answered by each string's last character, decoded from its bytes: C4_END matches exactly
    when that one character does, which a table of every character of the Basic Multilingual
    Plane says (`_char_class`); a string ending outside it is searched with C4_END
    (tests/checks/test_quality_fast.py checks both agree)."""
    off, data = string_bytes(ends) if utf8 is None else utf8
    start, end = off[:-1], off[1:]
    nonblank = end > start
    # ("" holds no match of C4_END)
    unpunctuated = ~nonblank
    rows = np.flatnonzero(nonblank)
    if not len(rows):
        return nonblank, unpunctuated
    cp, _ = _char_before(data, start[rows], end[rows])
    known = cp >= 0
    unpunctuated[rows[known]] = ~_in_class(_C4_END_CHAR, cp[known])
    # "...": its last three bytes (no character of a longer UTF-8 sequence holds a "." byte)
    dots = rows[(end[rows] - start[rows] >= 3) & (cp == 0x2E)]
    if len(dots):
        e = end[dots]
        unpunctuated[dots[(data[e - 2] == 0x2E) & (data[e - 3] == 0x2E)]] = True
    other = rows[~known]
    if len(other):
        unpunctuated[other] = ~take_sorted(ends, other).str.contains(C4_END).to_numpy()
    return nonblank, unpunctuated


def _c4_line_ends_plain(ends: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """`_c4_line_ends` by its definition, the regexes on every string (for the tests)."""
    r = pl.col("_r")
    tests = pl.DataFrame(ends.alias("_r")).select(
        (r != "").alias("nonblank"),
        (~r.str.contains(C4_END) | r.str.ends_with("...")).alias("unpunctuated"),
    )
    return tests.get_column("nonblank").to_numpy(), tests.get_column("unpunctuated").to_numpy()


@register
class TooFewSentences(_QualityRule):
    """Documents with too few sentences.

    Catches: pages whose text is headings, labels and fragments; after `unterminated-lines`
    strips (as in C4's order), pages with almost nothing left.

    Why: C4 "discarded any page with fewer than 5 sentences" (counted on the lines it kept).

    Example: `Welcome. Contact us.` (2 sentences) fires.

    Signals:
      sentences  sentence-final punctuation of any script followed by a space or the end of a
                 line (`Dr. Smith` counts one: a known overcount); runs of `。！？` count one
                 each, with or without a following space

    Fires when sentences < min_sentences.
    """

    name = "too-few-sentences"
    main_signal = "sentences"
    threshold_param = "min_sentences"
    bins = COUNT_BINS

    @dataclass(frozen=True)
    class Params:
        min_sentences: int = param(
            5, "fire below this many sentences", unit="sentences", source=C4, min=0
        )

    def evaluate(self, batch: Batch) -> RuleResult:
        n = _col(batch, "sentences")
        return RuleResult(signals={"sentences": n}, fired=n < self.params.min_sentences)


@register
class FewPunctuatedLines(_QualityRule):
    """Documents where few lines end like sentences.

    Catches: menus, lists of links or products, tables, scraped UI: text made of lines that
    never end in a full stop.

    Why: FineWeb drops documents where the share of lines ending in terminal punctuation is
    below 0.12 (line_punct_thr).

    Example: a page of twenty product names, none ending in `.`, fires.

    Signals:
      punctuated_lines_share  non-blank lines ending (before trailing spaces) in a sentence
                              terminal of any script (Unicode Sentence_Terminal), optionally
                              followed by closing quotes or brackets / non-blank lines; null
                              without lines

    Fires when punctuated_lines_share < min_share.
    """

    name = "few-punctuated-lines"
    main_signal = "punctuated_lines_share"
    threshold_param = "min_share"

    @dataclass(frozen=True)
    class Params:
        min_share: float = param(
            0.12,
            "fire below this share of punctuated lines",
            unit="fraction of non-blank lines",
            source=FINEWEB,
            min=0.0,
            max=1.0,
        )

    def evaluate(self, batch: Batch) -> RuleResult:
        share = _col(batch, "punctuated_lines_share")
        return RuleResult(
            signals={"punctuated_lines_share": share}, fired=share < self.params.min_share
        )


@register
class ShortLines(_QualityRule):
    """Documents made mostly of short lines.

    Catches: menus, lists, poems of boilerplate, scraped forms and tables.

    Why: FineWeb drops documents where more than 67 % of lines are at most 30 characters long
    (short_line_thr, short_line_length).

    Example: a page of navigation links, one short label per line, fires.

    Signals:
      short_lines_share  non-blank lines of at most 30 characters (trailing spaces not
                         counted) / non-blank lines; null without lines

    Fires when short_lines_share > max_share.
    """

    name = "short-lines"
    main_signal = "short_lines_share"
    threshold_param = "max_share"

    @dataclass(frozen=True)
    class Params:
        max_share: float = param(
            0.67,
            "fire above this share of short lines",
            unit="fraction of non-blank lines",
            source=FINEWEB,
            min=0.0,
            max=1.0,
        )

    def evaluate(self, batch: Batch) -> RuleResult:
        share = _col(batch, "short_lines_share")
        return RuleResult(signals={"short_lines_share": share}, fired=share > self.params.max_share)


@register
class DuplicatedLineChars(_QualityRule):
    """Documents whose characters sit in lines repeated verbatim.

    Catches: a line, menu or notice repeated down the page; templated listings.

    Why: FineWeb drops documents where more than 1 % of the characters are in duplicated lines
    (char_duplicates_ratio 0.01). Stricter than Gopher's fraction, and exact: lines must be
    byte-identical (`repeated-paragraphs` compares after folding case and punctuation).

    Example: a 2,000-character page repeating the line `Add to cart` five times fires.

    Signals:
      dup_line_chars_share  characters of non-blank lines that repeat an earlier line
                            of the document / characters of the document except newlines; null
                            for the empty document

    Fires when dup_line_chars_share > max_share.
    """

    name = "duplicated-line-chars"
    main_signal = "dup_line_chars_share"
    threshold_param = "max_share"
    bins = RATIO_BINS

    @dataclass(frozen=True)
    class Params:
        max_share: float = param(
            0.01,
            "fire above this share of characters in repeated lines",
            unit="fraction of characters (newlines excluded)",
            source=FINEWEB,
            min=0.0,
            max=1.0,
        )

    def evaluate(self, batch: Batch) -> RuleResult:
        share = _col(batch, "dup_line_chars_share")
        return RuleResult(
            signals={"dup_line_chars_share": share}, fired=share > self.params.max_share
        )


@register
class ListLike(_QualityRule):
    """Documents with a line break every few words: lists, not prose.

    Catches: word lists, lists of names or links, one-word-per-line layouts.

    Why: FineWeb drops documents whose ratio of newlines to words is above 0.3 (new_line_ratio):
    prose has several words per line.

    Example: twenty lines of one or two words each fire.

    Signals:
      newline_ratio  `\\n` characters / words; null without words

    Fires when newline_ratio > max_ratio.
    """

    name = "list-like"
    main_signal = "newline_ratio"
    threshold_param = "max_ratio"
    bins = RATIO_BINS

    @dataclass(frozen=True)
    class Params:
        max_ratio: float = param(
            0.3,
            "fire above this many newlines per word",
            unit="newlines per word",
            source=FINEWEB,
            min=0.0,
        )

    def evaluate(self, batch: Batch) -> RuleResult:
        ratio = _col(batch, "newline_ratio")
        return RuleResult(signals={"newline_ratio": ratio}, fired=ratio > self.params.max_ratio)


@register
class LowQuality(_QualityRule):
    """A quality score per document (0..1) combining the Gopher and FineWeb heuristics.

    Why: one number to rank and sample by, not only to drop with: every document gets a score,
    the report draws its distribution, and a training mix can take the top of it.

    How it is computed: each of eleven signals (words, mean_word_length, symbol_ratio,
    alpha_words_share, stop_words, bullet_lines_share, ellipsis_lines_share,
    punctuated_lines_share, short_lines_share, dup_line_chars_share, newline_ratio; defined as
    in their rules) is mapped to a component in 0..1 by straight lines between fixed points:
    1 where the signal is comfortably fine, exactly 0.5 at the published threshold, 0 far beyond
    (the points are in curate.checks.quality.COMPONENTS; e.g. stop words 0 -> 0, 2 -> 0.5,
    4+ -> 1; words 0 -> 0, 50 -> 0.5, 200+ -> 1). Then:
      - if any component is below 0.5 (a published threshold is crossed), quality is the
        smallest component: how badly the worst heuristic fails;
      - otherwise quality is the mean of the components: how comfortably the document passes.
    So quality < 0.5 exactly when at least one Gopher/FineWeb heuristic fails at its published
    default. A null signal (nothing to judge) is left out. "lorem ipsum" scores 0.
    Stop words follow the detected language as in `no-stop-words`.

    Example: a 300-word article of ordinary prose scores 1.0 (the Russian, Indonesian and
    Chinese news paragraphs of the tests, repeated to ~100-180 words: 0.94-0.99); a menu of
    ten one-word lines scores 0 (too few words, no stop words, no punctuated line). On DCLM's
    human quality labels the score ranks a high-quality page above a low-quality one with
    probability 0.84 (bench/results/quality.md).

    Signals:
      quality  the score (0..1)

    Fires when quality < min_quality.
    """

    name = "low-quality"
    main_signal = "quality"
    threshold_param = "min_quality"

    @dataclass(frozen=True)
    class Params:
        min_quality: float = param(
            0.5,
            "fire below this score",
            unit="score 0..1",
            source="0.5 = at least one published Gopher/FineWeb threshold crossed",
            min=0.0,
            max=1.0,
        )

    def evaluate(self, batch: Batch) -> RuleResult:
        count, _ = stop_word_counts(batch, [])
        score = _score_of(_stats(batch), count)
        return RuleResult(signals={"quality": score}, fired=score < self.params.min_quality)


def _score_of(stats: pl.DataFrame, stop_word_count: pl.Series) -> pl.Series:
    """`quality_score` of the statistics with the stop words counted (`_quality_score_fast`)."""
    columns = {c: stats.get_column(c) for c in (*COMPONENTS, "lorem_ipsum") if c != "stop_words"}
    columns["stop_words"] = stop_word_count.alias("stop_words")
    return _quality_score_fast(columns)


def signals_for(
    texts: list[str | None],
    language: list[str] | None = None,
    stop_word_list: list[str] | None = None,
) -> dict[str, Any]:
    """Every quality signal of `texts` as plain lists (used by the golden parity test)."""
    batch = Batch.from_texts(pl.Series(texts, dtype=pl.String))
    if language is not None:
        batch.signals["language"] = pl.Series(language, dtype=pl.String)
    stats = _stats(batch)
    out = {c: stats.get_column(c).to_list() for c in stats.columns if c != DOC}
    count = stop_word_counts(batch, stop_word_list or [])[0]
    out["stop_words"] = count.to_list()
    out["quality"] = _score_of(stats, count).to_list()
    return out
