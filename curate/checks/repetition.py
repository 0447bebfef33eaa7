"""Repetition inside one document: the article pasted twice, repeated paragraphs and lines, and the
Gopher repetition signals (Rae et al. 2021, "Scaling Language Models", appendix A, table A1)."""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa

from curate.checks import register
from curate.checks.base import (
    DOC,
    LINE,
    Batch,
    Rule,
    RuleResult,
    line_chars,
    param,
    run_cache,
    string_bytes,
)
from curate.checks.regex_thread import run_in_own_thread
from curate.checks.words import (
    DISTINCT_LINE_TOKENS_MEMO,
    LineTokens,
    batch_distinct_lines,
    batch_line_tokens,
    distinct_lines,
    segment_sums,
    take_sorted,
    text_chars,
    wanted_later,
)

# Gopher's n-gram signals: the top n-gram share for n = 2..4, the duplicate n-gram share for 5..10
TOP_NS = (2, 3, 4)
DUP_NS = (5, 6, 7, 8, 9, 10)
# the Gopher signals, in the order they are reported
SIGNALS = (
    "dup_line_frac",
    "dup_line_char_frac",
    "dup_para_frac",
    "dup_para_char_frac",
    *[f"top_{n}gram_char_frac" for n in TOP_NS],
    *[f"dup_{n}gram_char_frac" for n in DUP_NS],
)
# fixed seed: word hashes only decide equality, never which document wins, but keep runs identical
_SEED = 0x5EED


# Every run of punctuation, symbols and whitespace (`[\p{P}\p{S}\s]+`) becomes one space, written
# without the matches that change nothing: a run of two or more, or one character other than the
# space. A lone space (most matches: every gap between words) is left as it is, which is what
# replacing it by a space gives; a match still starts only at the start of a run, so every run
# becomes one space as before. 2.6x faster (bench/results/repetition.md, dedup speed, session 3).
PUNCT_RUN = r"[\p{P}\p{S}\s]{2,}|[[\p{P}\p{S}\s]--[ ]]"


def normalised(expr: pl.Expr) -> pl.Expr:
    """Case, whitespace and punctuation do not make two lines different. Upper then lower case:
    lower case alone keeps "ı" and "i", "և" and "եվ" apart, which upper-casing a copy merges."""
    return (
        expr.str.to_uppercase().str.to_lowercase().str.replace_all(PUNCT_RUN, " ").str.strip_chars()
    )


# Unicode White_Space but "\n" (lines hold none), the characters `\s` matches: a word is a run of
# anything else. Every one but the space is turned into a space before splitting on spaces (one
# pass, no regex).
_LINE_WHITESPACE = (
    "\t\x0b\x0c\r\x85\xa0\u1680"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000"
)


# run_in_own_thread's key for line_repeats' normalising regex: one thread for every instance of
# the rule, whose regex cache then holds that pattern alone
_KEY_THREAD = "repeated-paragraphs"


def _normalised_lines(lines: pl.DataFrame) -> pl.Series:
    """`normalised` of the column LINE of `lines`, as `_k`."""
    return lines.select_seq(normalised(pl.col(LINE)).alias("_k")).to_series()


# candidate lines' keys kept between batches (`_candidate_keys`) of a run (emptied when a run
# starts and ends): a line of at most _KEY_CACHE_CHARS characters -> its `normalised` text, at
# most _KEY_CACHE_SIZE of them (then emptied: a few MB at most)
_KEY_CACHE: dict[str | None, str | None] = run_cache()
_KEY_CACHE_SIZE = 1 << 12
_KEY_CACHE_CHARS = 256
# candidates from which `_candidate_keys` normalises every one with the regex (no cache)
_KEY_CACHE_LINES = 256


def _candidate_keys(cand: pl.DataFrame) -> pl.Series:
    """`_normalised_lines(cand)`, the regex run only for the lines whose key no earlier batch
    found (a few candidate lines, mostly the same from batch to batch on web pages: "Reply",
    "Share this", a byline; the regex's query and the hand-over to its thread cost ~0.3 ms a
    batch however few they are). Many candidates (`_KEY_CACHE_LINES`) go to the regex at once.
    A key is the regex's answer for that very string (tests/checks/test_repetition.py); longer
    lines (`_KEY_CACHE_CHARS`), a paragraph pasted twice, are not kept."""
    if cand.height > _KEY_CACHE_LINES:
        return run_in_own_thread(_KEY_THREAD, _normalised_lines, cand)
    cache = _KEY_CACHE
    lines = cand.get_column(LINE).to_list()
    # (the keys read into a dict of this call's own: the cache may be emptied meanwhile)
    known, missing = {}, []
    for line in dict.fromkeys(lines):
        key = cache.get(line, _NO_KEY)
        if key is _NO_KEY:
            missing.append(line)
        else:
            known[line] = key
    if missing:
        frame = pl.DataFrame({LINE: missing}, schema={LINE: pl.String})
        found = run_in_own_thread(_KEY_THREAD, _normalised_lines, frame).to_list()
        new = dict(zip(missing, found, strict=True))
        known |= new
        kept = {k: v for k, v in new.items() if k is None or len(k) <= _KEY_CACHE_CHARS}
        if len(cache) + len(kept) > _KEY_CACHE_SIZE:
            cache.clear()
        cache.update(kept)
    return pl.Series("_k", [known[line] for line in lines], dtype=pl.String)


# (a line the cache has no key for)
_NO_KEY = object()


def line_words(lines: pl.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The whitespace-separated words of each of `lines` (strings without "\\n"), flat and in
    order: (how many each line has, each word's length in characters, its hash), as numpy
    arrays. The words of a text are those of its lines in order."""
    ws = list(_LINE_WHITESPACE)
    split = lines.str.replace_many(ws, [" "] * len(ws)).str.split(" ")
    pieces = split.explode()
    # measured and hashed before the empty pieces are dropped: numpy drops them from the numbers
    # without copying the strings
    per = pieces.to_frame("p").select(
        pl.col("p").str.len_chars().cast(pl.Int64).alias("n"), pl.col("p").hash(_SEED).alias("h")
    )
    chars = per.get_column("n").to_numpy()
    hashes = per.get_column("h").to_numpy()
    pieces_per_line = split.list.len().to_numpy().astype(np.int64)
    # splitting on single spaces leaves empty strings between consecutive spaces: not words
    word = chars > 0
    if word.all():
        return pieces_per_line, chars, hashes
    # a line's words: the words among the pieces before its end, less those before its start
    words_before = np.zeros(word.size + 1, dtype=np.int64)
    np.cumsum(word, out=words_before[1:])
    return (
        np.diff(words_before[np.cumsum(pieces_per_line)], prepend=0),
        chars[word],
        hashes[word],
    )


# line_words by Python's str methods up to this many bytes of lines (few_line_words)
FEW_LINE_BYTES = 1 << 16


def few_line_words(lines: pl.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """line_words of a few lines (none holds "\\n"): the same split (every character of
    _LINE_WHITESPACE made a space, then split on spaces, empty pieces dropped) by str.replace
    and str.split, and the words hashed by polars in one call. On a few hundred short lines
    (web-unique's 182 lines split again) 0.45 ms instead of polars' half-dozen queries' 0.75
    (tests/checks/test_repetition.py compares the two)."""
    # (the lines joined by "\n", which none holds: each replace is one C pass over them all)
    text = "\n".join(line or "" for line in lines.to_list())
    for ch in _LINE_WHITESPACE:
        if ch in text:
            text = text.replace(ch, " ")
    count: list[int] = []
    words: list[str] = []
    for line in text.split("\n") if len(lines) else ():
        pieces = [w for w in line.split(" ") if w]
        count.append(len(pieces))
        words.extend(pieces)
    chars = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    hashes = pl.Series(words, dtype=pl.String).hash(_SEED).to_numpy()
    return np.array(count, dtype=np.int64), chars, hashes


# 0, 1, 2, ... as uint64, kept between calls (read only): a batch's word positions, written once
# per process instead of once per use (an np.arange as long as the 2-grams costs a tenth of
# their sort)
_POSITIONS = np.zeros(0, dtype=np.uint64)


def _positions(n: int) -> np.ndarray:
    """np.arange(n, dtype=np.uint64), without writing it again on every call."""
    global _POSITIONS
    p = _POSITIONS  # read once: another thread may replace it meanwhile
    if p.size < n:
        p = np.arange(n + n // 4, dtype=np.uint64)
        p.flags.writeable = False
        _POSITIONS = p
    return p[:n]


# Work arrays kept per thread between calls, one per name: a batch's arrays of words or 2-grams
# (5 MB each on a web-20k batch) lie far above glibc's 128 KiB mmap threshold, so a fresh one is
# a fresh mapping that page-faults on first write and is handed back when freed, on every call:
# a fifth of the rule's CPU on web-20k (bench/results/repetition.md, session 5 round 2). Each
# name is used by one function for one purpose, and a buffer never leaves the call that fills
# it except as documented (`_spread`'s result lives until its next call).
_SCRATCH = threading.local()


# a buffer above this is not kept: one giant batch would otherwise leave its size resident in the
# worker for good (web batches need ~5-10 MB a buffer, nine buffers)
_SCRATCH_KEPT_BYTES = 64 * 2**20


def _scratch(name: str, n: int, dtype: type) -> np.ndarray:
    """An uninitialised array of `n` values of `dtype`: the buffer kept under `name` (replaced by
    one of 1.25 n when too small), or a fresh array when that would exceed _SCRATCH_KEPT_BYTES."""
    bufs = getattr(_SCRATCH, "bufs", None)
    if bufs is None:
        bufs = _SCRATCH.bufs = {}
    buf = bufs.get(name)
    if buf is None or buf.size < n or buf.dtype != dtype:
        size = max(n + n // 4, 1 << 12)
        if size * np.dtype(dtype).itemsize > _SCRATCH_KEPT_BYTES:
            bufs.pop(name, None)
            return np.empty(n, dtype=dtype)
        buf = bufs[name] = np.empty(size, dtype=dtype)
    return buf[:n]


def _spread(count: np.ndarray, inverse: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Entries kept per distinct row (`count[r]` consecutive entries for row r, rows in order),
    given to the rows of `inverse` in turn: (the entry each position copies, entries per row of
    `inverse`). The first array is a work buffer, valid until the next call."""
    start = np.cumsum(count) - count
    per = count[inverse]
    offset = np.cumsum(per) - per
    # each position copies start[row] + (its rank in the row): the rank is the position less
    # the row's offset. Written as a running sum of the jumps at rows' offsets (in the kept
    # buffer) instead of np.repeat (a fresh array)
    total = int(offset[-1] + per[-1]) if per.size else 0
    at = _scratch("spread", total, np.int64)
    if total == 0:
        return at, per
    some = per > 0
    shift = (start[inverse] - offset)[some]
    at.fill(0)
    at[offset[some]] = np.diff(shift, prepend=0)
    np.cumsum(at, out=at)
    at += _positions(total).view(np.int64)
    return at, per


def _is_identity(inverse: np.ndarray, n: int) -> bool:
    return len(inverse) == n and np.array_equal(inverse, np.arange(n))


def ngrams_from_lines(
    words: tuple[np.ndarray, ...],
    inverse: np.ndarray,
    doc_of_line: np.ndarray,
    n_docs: int,
) -> dict[str, np.ndarray]:
    """Per document: top_{2,3,4}gram_chars and dup_{5..10}gram_chars (numerators; the caller
    divides by the document's length), from the whitespace words of its text.

    The documents' lines are the rows `inverse` of some distinct lines (line i in document
    `doc_of_line[i]`; a document's lines consecutive and in order), whose words `words` holds:
    (count, length, hash) as `line_words` gives them, or (count, length, hash, code) as
    `token_line_words` gives them, where the lengths and hashes are a vocabulary's and `code` is
    each word's row in it. The words of a text are those of its lines in order ("\\n" is
    whitespace, and a blank line the rebuilt text drops has none), so each distinct line is
    split and hashed once (web pages repeat their menus and footers: a fifth of web-20k's line
    bytes are in distinct lines), then each line takes its words.
    """
    count, vl, vh, *code = words
    if code and _is_identity(inverse, len(count)):
        per_line, row = count, code[0]
    elif code:
        at, per_line = _spread(count, inverse)
        if len(code[0]) * _REPEATED_WORDS < len(at):
            # lines repeat (web-20k: the distinct lines hold a fifth of the words): the distinct
            # lines' hashes and lengths, then each word's, gathered in order from those
            vh, vl, row = vh[code[0]], vl[code[0]], at
        else:
            # lines do not repeat: each word's vocabulary row, then its hash (one gather of
            # hashes)
            # mode="clip" (the indices are in range): numpy's default "raise" fills a temporary
            # of its own and copies it into `out`
            row = np.take(code[0], at, out=_scratch("row", at.size, code[0].dtype), mode="clip")
    elif _is_identity(inverse, len(count)):
        return _ngrams_per_doc(doc_of_line, count, n_docs, vl, vh)
    else:
        at, per_line = _spread(count, inverse)
        row = at

    # hashes and lengths are read through `row`: the 2-gram keys take 32 bits of each word's
    # hash from a table (`_RowHashes.high`), and the whole hashes and the lengths are read only
    # where a 2-gram repeats (a tenth of the words)
    def wl(pos: np.ndarray) -> np.ndarray:
        return vl[row[pos]]

    return _ngrams_per_doc(doc_of_line, per_line, n_docs, wl, _RowHashes(vh, row))


# `ngrams_from_lines` gathers the distinct lines' hashes first when the text has more than this
# many times their words (the lines repeat), else each word's vocabulary row first
_REPEATED_WORDS = 2


class _RowHashes:
    """The words' 64-bit hashes `table[row]`, without writing them out: `ngram_numerators` reads
    the whole hashes of the few words where a 2-gram repeats (`wh[pos]`), and of every word only
    the top 32 bits its 2-gram keys keep (`high`, gathered from a table of the distinct
    hashes' bits): a gather of 64-bit hashes for every word (4.4 MB on a web-200k batch of
    550,000 words) and a strided pass over them cost more than that gather of 32 bits.
    `ngram_numerators` takes it where it takes the hashes as an array, with the same answers
    (tests/checks/test_repetition.py)."""

    def __init__(self, table: np.ndarray, row: np.ndarray) -> None:
        self.table = table
        self.row = row
        self.size = row.size

    def __getitem__(self, pos: np.ndarray | slice) -> np.ndarray | _RowHashes:
        if isinstance(pos, slice):
            return _RowHashes(self.table, self.row[pos])
        return self.table[self.row[pos]]

    def high(self, out: np.ndarray) -> np.ndarray:
        """Each word's hash's top 32 bits (uint32, into `out`)."""
        return np.take(_high_bits(self.table), self.row, out=out, mode="clip")


def _high_bits(wh: np.ndarray) -> np.ndarray:
    """The top 32 bits of each of the 64-bit hashes `wh`, as a (strided) uint32 view."""
    return wh.view(np.uint32)[1::2] if _LITTLE else wh.view(np.uint32)[0::2]


def _ngrams_per_doc(
    doc_of_line: np.ndarray,
    per_line: np.ndarray,
    n_docs: int,
    wl: np.ndarray | Callable[[np.ndarray], np.ndarray],
    wh: np.ndarray | _RowHashes,
) -> dict[str, np.ndarray]:
    """`ngram_numerators` of the words in text order (`per_line` words in each line, lines in
    documents `doc_of_line`)."""
    per_doc = np.bincount(doc_of_line, weights=per_line, minlength=n_docs).astype(np.int64)
    return ngram_numerators(per_doc, wl, wh)


def shared_line_tokens(batch: Batch) -> LineTokens | None:
    """The batch's line tokens (once per distinct line) when they are shared: a rule before this
    one already split them (kept across strips), or a rule after this one will (the quality
    family: `words.wanted_later`), so that this rule's words come from the same one split. Else
    None: computed here alone, they cost more than the words they save (on a corpus whose lines
    do not repeat, twice as much)."""
    lt = batch.memoized(DISTINCT_LINE_TOKENS_MEMO)
    if lt is None and wanted_later(batch):
        lt = batch_line_tokens(batch)
    return lt if isinstance(lt, LineTokens) else None


def _tokens_per_line(lt: LineTokens, n_lines: int) -> np.ndarray:
    """How many of the first `lt.kept` tokens (those in line order) each line has (each row of
    `lt.distinct`: `n_lines` of them)."""
    # (a count per row: linear, where a search per line costs a third more)
    return np.bincount(lt.line[: lt.kept], minlength=n_lines)


def token_line_words(
    lt: LineTokens, count: np.ndarray | None = None
) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """The words of the lines of `lt`, read from the quality family's line tokens: ((words per
    distinct line, each vocabulary row's length and hash, each word's vocabulary row), each
    line's row among those distinct lines), as `ngrams_from_lines` takes them.

    The first `lt.kept` tokens, in line order, are the lines' pieces split on " " that hold no
    other whitespace and no unspaced-script character: exactly their whitespace words. A line
    with a piece split again (a tab, "\\r", CJK) is split here again (`line_words`): its words
    are appended as a row of their own, which its lines then refer to instead, and as
    vocabulary rows of their own (only the codes are copied, not hashes and lengths). Each
    distinct string is hashed and measured once. `count`: `_tokens_per_line(lt, ...)`, when
    the caller has it."""
    n = len(lt.distinct)
    code = lt.code[: lt.kept]
    tok = lt.vocab.select_seq(
        pl.col("tok").hash(_SEED).alias("h"), pl.col("chars").cast(pl.Int64).alias("n")
    )
    vh = tok.get_column("h").to_numpy()
    vl = tok.get_column("n").to_numpy()
    if count is None:
        count = _tokens_per_line(lt, n)
    if not len(lt.split_line):
        return (count, vl, vh, code), lt.inverse
    redo = np.unique(lt.split_line)
    # (ascending, without repeats: a filter, where a gather is a polars query)
    again = take_sorted(lt.distinct, redo)
    # (a few lines, as on most batches: split in Python, without polars' fixed cost per query)
    few = again.str.len_bytes().sum() <= FEW_LINE_BYTES
    again_count, again_len, again_hash = (few_line_words if few else line_words)(again)
    code = np.concatenate([code, np.arange(len(vh), len(vh) + len(again_hash), dtype=code.dtype)])
    row = np.arange(n)
    row[redo] = n + np.arange(len(redo))
    words = (
        np.concatenate([count, again_count]),
        np.concatenate([vl, again_len]),
        np.concatenate([vh, again_hash]),
        code,
    )
    return words, row[lt.inverse]


# _repeat_groups with chunks: chunks of at most this many keys are sorted by numpy, in place, and
# larger ones by polars (numpy's sort of 256 uint64 keys runs in the first-level cache: ~9 ns a
# key, where polars' sort of a whole batch's 550,000 costs ~15 and numpy's ~45;
# bench/results/repetition.md, session 9)
_NUMPY_SORT_KEYS = 2048
# ngram_numerators sorts the n-grams in chunks of whole documents of about this many n-grams
_CHUNK_KEYS = 256


def _doc_chunks(ends: np.ndarray, size: int) -> np.ndarray | None:
    """Boundaries (ascending, from 0 to `size`) of chunks of the positions 0 .. size - 1 that
    split no document (`ends`: each document's exclusive end, ascending; the last one at least
    `size`), each chunk about _CHUNK_KEYS positions or one document; None where one chunk
    holds them all."""
    if size <= _CHUNK_KEYS:
        return None
    # the end of the document holding each multiple of _CHUNK_KEYS (the first end past it)
    cut = ends[np.searchsorted(ends, np.arange(_CHUNK_KEYS, size, _CHUNK_KEYS), side="right")]
    bounds = np.concatenate(([0], np.minimum(cut, size), [size]))
    # (ascending: its repeats dropped by a comparison, where np.unique hashes them, ~1 ms)
    return bounds[np.concatenate(([True], bounds[1:] != bounds[:-1]))]


def _doc_ends(doc: np.ndarray) -> np.ndarray:
    """Each document's exclusive end among positions whose documents are `doc` (ascending)."""
    return np.append(np.flatnonzero(doc[1:] != doc[:-1]) + 1, doc.size)


def _sort_chunks(key: np.ndarray, bounds: np.ndarray) -> None:
    """Sort each chunk key[bounds[i]:bounds[i + 1]] in place (consecutive large chunks may be
    sorted as one: their hashes differ all the same)."""
    # (a loop over the chunks, ~1 us each: a batch's documents are a few thousand)
    big = -1  # where the current run of large chunks starts (-1: none)
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        if hi - lo > _NUMPY_SORT_KEYS:
            big = lo if big < 0 else big
            continue
        if big >= 0:
            # (one polars sort for the run: a call per large document costs ~20 us more)
            key[big:lo] = pl.Series(key[big:lo]).sort().to_numpy()
            big = -1
        key[lo:hi].sort()
    if big >= 0:
        key[big:] = pl.Series(key[big:]).sort().to_numpy()


def _repeat_groups(
    g: np.ndarray, bounds: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The hashes that occur more than once, grouped: (their positions in `g`, ordered by hash
    and, among equal hashes, by position; where each group of equal hashes starts in that
    order).

    `bounds` (_doc_chunks): chunks of `g` no two of whose hashes are equal (one document's
    n-grams each, seeded by the document): each chunk is grouped alone (a sort of each, or of
    a run of large ones; the groups then come chunk after chunk, ordered by hash within a
    chunk or run, each group's positions in order).

    One sort of the hashes with each one's position written into its low bits (the bits a
    position needs: 20 for a batch's 700,000 2-grams), so that the sorted keys give the groups,
    each group's positions in order, and its first position, without a second pass to find
    the positions of the repeated values (a lookup costing half the sort), an arg-sort
    (twice the sort) or numpy's sort (three times). Equal high bits are checked to be equal
    hashes; where two are not (a chance of 2**-44 per pair), the hashes themselves are sorted.
    """
    size = g.size
    empty = np.zeros(0, dtype=np.int64)
    if size < 2:
        return empty, empty
    bits = int(size - 1).bit_length()
    low = np.uint64((1 << bits) - 1)
    key = np.bitwise_and(g, ~low, out=_scratch("key", size, np.uint64))
    key |= _positions(size)
    if bounds is None:
        sk = pl.Series(key).sort().to_numpy()
    else:
        _sort_chunks(key, bounds)
        sk = key
    # neighbours with the same high bits: their keys differ in the position bits alone (the
    # difference is written over the unsorted keys, unless the sort handed back their memory or
    # sorted them in place). Two neighbours from two chunks have unequal hashes: where their
    # high bits are equal, the check below sorts the hashes themselves.
    shared = np.may_share_memory(sk, key)
    out = _scratch("diff", size - 1, np.uint64) if shared else key[:-1]
    diff = np.bitwise_xor(sk[1:], sk[:-1], out=out)
    same = np.less_equal(diff, low, out=_scratch("same", size - 1, np.bool_))
    if not same.any():
        return empty, empty
    # the members of a group: sorted keys equal to their left or right neighbour's
    member = _scratch("member", size, np.bool_)
    member[:-1] = same
    member[-1] = False
    member[1:] |= same
    at = np.flatnonzero(member)
    pos = (sk[at] & low).astype(np.int64)
    # a group starts where a member's left neighbour is not of it (the first key has none)
    start = ~same[np.maximum(at, 1) - 1]
    if at[0] == 0:
        start[0] = True
    gm = g[pos]
    if not np.array_equal(gm[1:][~start[1:]], gm[:-1][~start[1:]]):
        return _repeat_groups_exact(g)
    return pos, np.flatnonzero(start)


def _repeat_groups_exact(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`_repeat_groups`, by sorting the hashes themselves (by hash, then position)."""
    order = np.lexsort((np.arange(g.size), g))
    sg = g[order]
    same = sg[1:] == sg[:-1]
    member = np.zeros(g.size, dtype=bool)
    member[:-1] = same
    member[1:] |= same
    start = ~np.concatenate(([False], same))[member]
    return order[member].astype(np.int64), np.flatnonzero(start)


def _repeated(g: np.ndarray) -> np.ndarray:
    """Which of the hashes occur more than once."""
    rep = np.zeros(g.size, dtype=bool)
    rep[_repeat_groups(g)[0]] = True
    return rep


# odd 64-bit multiplier of the polynomial n-gram hash (the golden ratio's bits, as in splitmix64)
_MULT = np.uint64(0x9E3779B97F4A7C15)


# _MULT ** 2 (mod 2 ** 64): the step between consecutive documents' 2-gram seeds
_MULT2 = np.uint64(int(_MULT) ** 2 % (1 << 64))
# flips the hash of a "2-gram" across two documents, so that it equals no 2-gram of either
_BOUNDARY = np.uint64(0xA5A5_5A5A_C3C3_3C3C)


# -- 2-grams as 32-bit keys ------------------------------------------------------------------------
# The batch's 2-grams are grouped by sorting, chunk by chunk of whole documents, keys of 32 bits:
# 22 bits of a hash of the 2-gram's words and its document, then the position modulo 1024.
# numpy sorts up to 512 such keys in registers (chunks of 256-512 keys: ~2 ns a key, where
# 64-bit keys cost ~6 in chunks of 200-300 and ~9 in chunks of 256-512; bench/results/
# repetition.md, session 10), so the documents are packed into chunks of at most _PAIR_CHUNK
# 2-grams; a longer document is a chunk of its own, keyed again with as many position bits as it
# needs. 22 bits can collide: every run of equal keys is checked against its members' words'
# 64-bit hashes (the members are a tenth of the 2-grams) and the few that mix two 2-grams
# regrouped, so that the groups are those of equal words (up to a 64-bit hash collision, as the
# n-gram hashes of the walk after). (Not each word's top 32 bits, which the keys read: two words
# agreeing there are found in a second, and made one 2-gram of two.)
_PAIR_BITS = 10
_PAIR_CHUNK = 1 << (_PAIR_BITS - 1)
# the bits a key keeps of the mix of its two words' hashes' top 32 bits (the top 22; tests
# narrow it to make keys collide)
_PAIR_HASH = np.uint32(0xFFFF_FC00)
_MULT32 = np.uint32(0x9E37_79B9)
# a document's seed is (document + 1) * _SEED32 (its low bits zero, above the position's);
# _SEED32 >> _PAIR_BITS is odd, so its inverse mod 2**22 reads the document back from a seed
_SEED32 = np.uint32(0x2F_5A6B << _PAIR_BITS)
_SEED32_INV = np.uint32(pow(int(_SEED32) >> _PAIR_BITS, -1, 1 << (32 - _PAIR_BITS)))
# flips the key of a "2-gram" across two documents, as _BOUNDARY its hash
_BOUNDARY32 = np.uint32(0x25_A5C3 << _PAIR_BITS)
_LITTLE = sys.byteorder == "little"
# ngram_numerators counts a batch of more documents than this in slices of this many
_MAX_DOCS = (1 << (32 - _PAIR_BITS)) - 2

# a document of more 2-grams than this is grouped by its 64-bit hashes (`_repeat_groups`), not
# by keys: a long document's keys keep one position bit more than its length needs, and past 2**30
# positions no hash bit is left (tests lower it)
_HUGE = 1 << 20

# (position mod 1024) as uint32, kept between calls (read only), as _positions
_LOW_BITS = np.zeros(0, dtype=np.uint32)


def _low_bits(n: int) -> np.ndarray:
    """(np.arange(n) % 1024) as uint32, without writing it again on every call (up to
    _SCRATCH_KEPT_BYTES: a larger one is made for the call)."""
    global _LOW_BITS
    p = _LOW_BITS  # read once: another thread may replace it meanwhile
    if p.size < n:
        p = (np.arange(n + n // 4, dtype=np.int64) & ((1 << _PAIR_BITS) - 1)).astype(np.uint32)
        if p.nbytes > _SCRATCH_KEPT_BYTES:
            return p[:n]
        p.flags.writeable = False
        _LOW_BITS = p
    return p[:n]


def _pair_bounds(ends: np.ndarray, size: int) -> list[int]:
    """Boundaries (ascending, from 0 to `size`) of chunks of the 2-gram positions 0 .. size - 1
    that split no document (`ends`: each document's exclusive end, ascending), packed greedily:
    each chunk the most whole documents that fit in _PAIR_CHUNK positions, or one longer
    document."""
    b = np.minimum(ends, size)
    b = np.concatenate(([0], b[np.concatenate(([True], b[1:] != b[:-1]))]))
    b = b[np.concatenate(([True], b[1:] != b[:-1]))]  # (0 once, if the first documents are empty)
    # from each boundary, the farthest one within a chunk's reach, or the next one
    reach = np.searchsorted(b, b + _PAIR_CHUNK, side="right") - 1
    here = np.arange(b.size)
    reach = np.where(reach == here, here + 1, reach).tolist()
    # (a walk of a few thousand steps at most: a batch's documents)
    bounds = [0]
    i, last = 0, b.size - 1
    while i < last:
        i = reach[i]
        bounds.append(i)
    return b[bounds].tolist()


def _pair_hashes(
    wh: np.ndarray | _RowHashes, pos: np.ndarray, doc: np.ndarray, ends: np.ndarray
) -> np.ndarray:
    """The 64-bit hashes of the 2-grams at positions `pos` (documents `doc`): ((doc + 1) * _MULT
    + first word) * _MULT + second word, flipped by _BOUNDARY at a document's last word."""
    g = wh[pos] * _MULT
    g += wh[pos + 1]
    g += (doc + 1).astype(np.uint64) * _MULT2
    g[pos == ends[doc] - 1] ^= _BOUNDARY
    return g


def _seed_doc32(seed: np.ndarray) -> np.ndarray:
    """The documents of 2-gram keys' seeds ((document + 1) * _SEED32 + position bits), int64."""
    d = seed >> np.uint32(_PAIR_BITS)
    d *= _SEED32_INV
    d &= np.uint32((1 << (32 - _PAIR_BITS)) - 1)
    return d.astype(np.int64) - 1


def _pair_groups(
    per_doc: np.ndarray, ends: np.ndarray, wh: np.ndarray | _RowHashes
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The repeated 2-grams of a batch's words (`per_doc` words per document ending at `ends`,
    hashes `wh`), grouped: (each member's position; where each group starts among them; each
    position's key seed, (document + 1) * _SEED32 + position bits, as a work buffer). Groups
    come in no particular order, a group's members neither."""
    n = wh.size
    size = n - 1
    # each word's hash's top 32 bits: the keys keep _PAIR_HASH of a mix of two
    w = _scratch("w32", n, np.uint32)
    if isinstance(wh, _RowHashes):
        wh.high(w)
    else:
        np.copyto(w, _high_bits(wh))
    # seed: the document's, plus the position bits (np.repeat: 0.06 ms a web batch, where a
    # running sum of steps costs 0.3)
    seed_doc = np.arange(1, per_doc.size + 1, dtype=np.uint32)
    seed_doc *= _SEED32
    seed = np.repeat(seed_doc, per_doc)
    seed += _low_bits(n)
    key = np.multiply(w[:-1], _MULT32, out=_scratch("key32", size, np.uint32))
    key += w[1:]
    key &= _PAIR_HASH
    key += seed[:-1]
    last = ends[(per_doc > 0) & (ends < n)] - 1
    key[last] ^= _BOUNDARY32
    edge = _scratch("edge", size, np.bool_)
    edge.fill(False)
    edge[last] = True
    bounds = _pair_bounds(ends, size)
    small, large, huge = [], [], []
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        n_pos = hi - lo
        (small if n_pos <= _PAIR_CHUNK else large if n_pos <= _HUGE else huge).append((lo, hi))
    parts = []
    for lo, hi in huge:  # one document each: its 64-bit hashes, sorted
        pos = np.arange(lo, hi)
        doc = np.full(pos.size, int(np.searchsorted(ends, lo, side="right")))
        at, first = _repeat_groups(_pair_hashes(wh, pos, doc, ends))
        start = np.zeros(at.size, dtype=bool)
        start[first] = True
        parts.append((pos[at], start))
    if small:
        at, start = _sorted_runs(key, small, _PAIR_BITS, large + huge)
        parts.append(_checked(at, start, wh, seed, edge))
    if large:
        # each long document's keys again, with as many position bits as its length needs
        # (fewer hash bits: more collisions, which the check regroups), in an array of their own
        # (`where`: each one's position)
        sizes = [hi - lo for lo, hi in large]
        bits = max(sizes).bit_length() + 1
        where = np.concatenate([np.arange(lo, hi) for lo, hi in large])
        mask = np.uint32((1 << bits) - 1)
        lkey = key[where] & ~np.uint32((1 << max(bits, _PAIR_BITS)) - 1)
        lkey |= np.arange(where.size, dtype=np.uint32) & mask
        lb = np.concatenate(([0], np.cumsum(sizes))).tolist()
        at, start = _sorted_runs(lkey, list(zip(lb[:-1], lb[1:], strict=True)), bits)
        parts.append(_checked(where[at], start, wh, seed, edge, docs=True))
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), seed
    pos, start = (np.concatenate(x) for x in zip(*parts, strict=True))
    return pos, np.flatnonzero(start), seed


def _sorted_runs(
    key: np.ndarray, chunks: list[tuple[int, int]], bits: int, skip: list[tuple[int, int]] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """Sort each chunk of `key` in place (keys of 32 bits: hash bits, then `bits` bits of
    their index; a chunk at most 2 ** (bits - 1) keys) and find the runs of keys whose hash
    bits are equal, but in the chunks `skip` (their keys unsorted) and between two chunks by
    chance (the check drops those): (each run member's index, whether it starts a run)."""
    # (a loop over the chunks, ~0.4 us each plus the sort)
    for lo, hi in chunks:
        key[lo:hi].sort()
    size = key.size
    if size < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    diff = np.bitwise_xor(key[1:], key[:-1], out=_scratch("diff32", size - 1, np.uint32))
    same = np.less(diff, np.uint32(1 << bits), out=_scratch("same", size - 1, np.bool_))
    for lo, hi in skip:
        same[max(lo - 1, 0) : hi] = False
    s = np.flatnonzero(same)
    # each run of consecutive neighbour pairs s[a] .. s[b] is a run of keys s[a] .. s[b] + 1
    run_end = np.ones(s.size, dtype=bool)
    run_end[:-1] = s[1:] != s[:-1] + 1
    slot = np.arange(s.size) + (np.cumsum(run_end) - run_end)
    at = np.empty(s.size + int(run_end.sum()), dtype=np.int64)
    at[slot] = s
    at[slot[run_end] + 1] = s[run_end] + 1
    run_start = np.ones(s.size, dtype=bool)
    run_start[1:] = run_end[:-1]
    start = np.zeros(at.size, dtype=bool)
    start[slot[run_start]] = True
    # each key's index from its place in its sorted chunk: both lie in the chunk, so they
    # differ by less than half the index bits' range
    mask = (1 << bits) - 1
    half = 1 << (bits - 1)
    low = (key[at] & np.uint32(mask)).astype(np.int64)
    return at + ((low - at + half) & mask) - half, start


def _checked(
    pos: np.ndarray,
    start: np.ndarray,
    wh: np.ndarray | _RowHashes,
    seed: np.ndarray,
    edge: np.ndarray,
    docs: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """The groups of equal 2-grams among runs of equal 32-bit keys (`pos` each member's
    position, `start` whether it starts a run): (positions, whether each starts a group).

    Two 2-grams are equal when their words' 64-bit hashes (first times _MULT plus second,
    flipped by _BOUNDARY at a document's last word, where `edge`) and their documents (the
    seeds' high bits) are: what equal 64-bit hashes of the n-gram walk say. In a run, equal
    words mean one document (their keys' equal hash bits hold the same words' bits plus each
    one's seed, (document + 1) * _SEED32: distinct mod 2**32 for documents fewer than 2**22
    apart; `docs`: keys of fewer hash bits, whose documents are compared too). A run whose
    words differ mixes 2-grams whose keys collide: regrouped by words and document, its
    2-grams seen once dropped."""
    a = wh[pos] * _MULT
    a += wh[pos + 1]
    a[edge[pos]] ^= _BOUNDARY
    bad = (a[1:] != a[:-1]) & ~start[1:]
    if docs:
        d = seed[pos] >> np.uint32(_PAIR_BITS)
        bad |= (d[1:] != d[:-1]) & ~start[1:]
    if not bad.any():
        return pos, start
    run = np.cumsum(start) - 1
    bad_run = np.zeros(int(run[-1]) + 1, dtype=bool)
    bad_run[run[1:][bad]] = True
    redo = bad_run[run]
    rp, ra = pos[redo], a[redo]
    rd = seed[rp] >> np.uint32(_PAIR_BITS)
    order = np.lexsort((rp, ra, rd))
    rp, ra, rd = rp[order], ra[order], rd[order]
    eq = (ra[1:] == ra[:-1]) & (rd[1:] == rd[:-1])
    member = np.zeros(rp.size, dtype=bool)
    member[:-1] = eq
    member[1:] |= eq
    first = member & ~np.concatenate(([False], eq))
    keep = ~redo
    return (
        np.concatenate([pos[keep], rp[member]]),
        np.concatenate([start[keep], first[member]]),
    )


def ngram_numerators(
    per_doc: np.ndarray,
    wl: np.ndarray | Callable[[np.ndarray], np.ndarray],
    wh: np.ndarray | _RowHashes,
) -> dict[str, np.ndarray]:
    """The n-gram numerators of `ngrams_from_lines`, from the batch's words in order: `per_doc`
    words per document, then each word's length (an array, or a function of word positions) and
    hash.

    The hash of an n-gram is the (n-1)-gram's hash times an odd constant plus the next word's hash
    (wrapping 64-bit arithmetic), seeded with the document's index so that equal hashes mean the
    same n-gram in the same document. Only an n-gram that occurs twice can be a duplicate or the
    top n-gram, and an (n+1)-gram at position i occurs twice only where the n-grams at i and at
    i + 1 do: each n is computed on those positions alone (a twentieth of the words for n = 3,
    fewer after), so the batch's words are grouped once, for the 2-grams (`_pair_groups`).
    """
    n_docs = per_doc.size
    if n_docs > _MAX_DOCS:
        # (the 2-gram keys' seeds tell at most 2**22 documents apart: documents are
        # independent, so a larger batch is counted in slices of them)
        parts = []
        for lo in range(0, n_docs, _MAX_DOCS):
            skip = int(per_doc[:lo].sum())
            part = per_doc[lo : lo + _MAX_DOCS]
            used = int(part.sum())
            words = wh[skip : skip + used]
            if callable(wl):
                parts.append(ngram_numerators(part, lambda p, s=skip: wl(p + s), words))
            else:
                parts.append(ngram_numerators(part, wl[skip : skip + used], words))
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    length = wl if callable(wl) else wl.__getitem__
    out = {f"top_{n}gram_chars": np.zeros(n_docs, np.int64) for n in TOP_NS}
    out |= {f"dup_{n}gram_chars": np.zeros(n_docs, np.int64) for n in DUP_NS}
    if wh.size < 2:
        return out
    # exclusive end (position after its last word) of each document
    ends = np.cumsum(per_doc)
    size = wh.size - 1
    members, starts, seed = _pair_groups(per_doc, ends, wh)
    if members.size == 0:
        return out
    # top 2-gram: characters of the most frequent 2-gram (its words joined by a space) times
    # its count; ties go to the 2-gram seen first, as in datatrove's Counter.most_common
    cnt = np.diff(np.append(starts, members.size))
    first = np.minimum.reduceat(members, starts)
    gdoc = _seed_doc32(seed[members[starts]])
    # (the characters of the groups that win a document only: lengths are read through the
    # words' rows, a gather from a batch-sized array each, for a tenth of the groups)
    _top(
        out["top_2gram_chars"],
        gdoc,
        cnt,
        first,
        size,
        lambda best: length(first[best]) + length(first[best] + 1),
        2,
    )
    # the positions where the 2-grams at i and i + 1 both repeat: only there can a 3-gram
    rep = _scratch("rep", size, np.bool_)
    rep.fill(False)
    rep[members] = True
    both = np.logical_and(rep[:-1], rep[1:], out=_scratch("both", size - 1, np.bool_))
    idx = np.flatnonzero(both)
    doc = _seed_doc32(seed[idx])
    g = _pair_hashes(wh, idx, doc, ends)
    chars = length(idx) + length(idx + 1)
    for n in range(3, max(DUP_NS) + 1):
        g = g * _MULT + wh[idx + (n - 1)]
        chars += length(idx + (n - 1))
        # (sorted in chunks of whole documents: the positions are those of `doc`, in order)
        members, starts = _repeat_groups(g, _doc_chunks(_doc_ends(doc), g.size))
        if members.size == 0:
            break
        # the first position of each group of equal n-grams (the groups' positions are in order)
        first = members[starts]
        if n in TOP_NS:
            cnt = np.diff(np.append(starts, members.size))
            _top(out[f"top_{n}gram_chars"], doc[first], cnt, first, g.size, chars[first], n)
        rep = np.zeros(g.size, dtype=bool)
        rep[members] = True
        if n in DUP_NS:
            # duplicate n-grams, as datatrove's find_all_duplicate walks them: scanning left to
            # right, an n-gram seen before counts its n words and the scan jumps past them.
            # Positions whose n-gram appeared earlier (every one of a group but its first) form
            # runs; the walk takes every n-th start of a run. (Exact except where two runs are
            # closer than n words, or a jump skips an n-gram that recurs later: there
            # datatrove's walk depends on where the previous jump landed.)
            later = rep.copy()
            later[first] = False
            pos = idx[later]
            k = np.arange(pos.size)
            new_run = np.concatenate(([True], np.diff(pos) != 1))
            rank = k - np.maximum.accumulate(np.where(new_run, k, 0))
            taken = rank % n == 0
            out[f"dup_{n}gram_chars"] = np.bincount(
                doc[later][taken], weights=chars[later][taken], minlength=n_docs
            ).astype(np.int64)
        # the next n: where the n-grams at i and i + 1 both repeat (`idx` is in order)
        nxt = np.flatnonzero(rep[:-1] & rep[1:] & (idx[1:] == idx[:-1] + 1))
        idx, g, chars, doc = idx[nxt], g[nxt], chars[nxt], doc[nxt]
    return out


def _top(
    out: np.ndarray,
    gdoc: np.ndarray,
    cnt: np.ndarray,
    first: np.ndarray,
    size: int,
    gchars: np.ndarray | Callable[[np.ndarray], np.ndarray],
    n: int,
) -> None:
    """Write into `out` (per document) the characters of each document's most frequent n-gram
    times its count, given each group's document, count, first position (below `size`) and
    characters (an array, or a function of the groups asked for): per document the highest
    count, then the first seen."""
    key = cnt * (size + 1) + (size - first)
    top = np.full(out.size, -1, dtype=np.int64)
    np.maximum.at(top, gdoc, key)
    best = np.flatnonzero(key == top[gdoc])
    chars = gchars(best) if callable(gchars) else gchars[best]
    out[gdoc[best]] = (chars + (n - 1)) * cnt[best]


# Characters whose count in a line survives `normalised` unchanged: a letter that no other
# character folds into ("E" and "e" both become "e"; tests/checks/test_repetition.py checks every
# code point). Two lines (or paragraphs) whose counts differ cannot share a key.
# Read from the bytes in one pass (a weight per byte), every such letter and digit costs what one
# does: the 24 (the other ASCII letters have a character folding into them, "ﬁ" into "fi", "K"
# into "k") leave a third of the candidates that eight letters left on web-unique.
_FOLD_COUNTS = (
    *("[eE]", "[oO]", "[rR]", "[dD]", "[cC]", "[uU]", "[mM]", "[pP]"),
    *("[bB]", "[gG]", "[qQ]", "[vV]", "[xX]", "[zZ]"),
    *(f"[{d}]" for d in "0123456789"),
)


@functools.cache
def _fold_weights(classes: tuple[str, ...]) -> np.ndarray:
    """A uint32 weight per byte value: the letters of class i weigh _MULT ** (len - 1 - i).
    Built once per set of classes (read only)."""
    weight = np.zeros(256, dtype=np.uint32)
    for i, cls in enumerate(classes):
        w = np.uint32(pow(int(_MULT), len(classes) - 1 - i, 1 << 32))
        for letter in cls[1:-1]:
            weight[ord(letter)] = w
    weight.flags.writeable = False
    return weight


def _letter_fingerprints(strings: pl.Series, classes: tuple[str, ...]) -> np.ndarray:
    """Each string's counts of `classes` (each "[xX]" or "[0]": ASCII) as one uint32, linear in
    the counts (wrapping arithmetic: a line's fingerprint is the sum of its pieces'), read from
    the strings' UTF-8 bytes at once (`_byte_fingerprints`)."""
    return _byte_fingerprints(*string_bytes(strings), classes)


def _byte_fingerprints(
    offsets: np.ndarray, data: np.ndarray, classes: tuple[str, ...]
) -> np.ndarray:
    """`_letter_fingerprints` of the strings whose UTF-8 bytes are data[offsets[i] :
    offsets[i + 1]]: an ASCII byte is never part of another character, so a per-byte weight
    summed per string gives every count in one pass (a regex count per class and string costs
    ten times more on a vocabulary of short strings).

    Two strings with equal counts get equal fingerprints; unequal counts can collide (2**-32),
    which only makes a line a candidate for the exact comparison. 32 bits, not 64: the weight
    per byte is read with `take` into a uint32 running sum (wrapping: the difference of two of
    its values is still the sum between them, mod 2**32), read at the strings' ends: 0.9 ms
    for a web batch's 580 KB of vocabulary, where `reduceat` per string took 1.6 and the 64-bit
    running sum 3 (bench/results/repetition.md)."""
    n = len(offsets) - 1
    if not len(data):
        return np.zeros(n, dtype=np.uint32)
    return _run_sums(np.take(_fold_weights(classes), data, mode="wrap"), offsets)


def _run_sums(values: np.ndarray, offsets: np.ndarray, name: str = "runsum") -> np.ndarray:
    """The uint32 sums (wrapping) of values[offsets[i] : offsets[i + 1]] for each i, as the
    differences of a running sum (in a kept buffer `name`) at the runs' ends: a third cheaper
    than `np.add.reduceat` on runs of a few values."""
    run = _scratch(name, len(values) + 1, np.uint32)
    run[0] = 0
    np.add.accumulate(values, dtype=np.uint32, out=run[1:])
    return run[offsets[1:]] - run[offsets[:-1]]


def token_fingerprints(lt: LineTokens, count: np.ndarray | None = None) -> np.ndarray:
    """Per distinct line of `lt`, `_letter_fingerprints` of its counts of _FOLD_COUNTS, summed
    over its tokens: every character but whitespace is in exactly one token, and counting each
    distinct token once reads a twentieth of the bytes that counting the lines does.
    `count`: `_tokens_per_line(lt, len(lt.distinct))`, when the caller has it."""
    # (the vocabulary's bytes as the quality family read them: `utf8` is kept with the tokens)
    fv = _byte_fingerprints(*lt.utf8, _FOLD_COUNTS)
    if fv.size == 0:
        return np.zeros(len(lt.distinct), dtype=np.uint32)
    # the first `kept` tokens are in line order; the rest (pieces split again) are added apart
    if count is None:
        count = _tokens_per_line(lt, len(lt.distinct))
    k = lt.kept
    tok = np.take(fv, lt.code[:k], out=_scratch("tokfp", k, np.uint32), mode="clip")
    ends = np.zeros(len(count) + 1, dtype=np.int64)
    np.cumsum(count, out=ends[1:])
    fp = _run_sums(tok, ends)
    if len(lt.code) > k:
        np.add.at(fp, lt.line[k:], fv[lt.code[k:]])
    return fp


def _key_without_spaces() -> pl.Expr:
    """A candidate line's key as its repeats compare it (`_kk`): its normalised text `_k`
    without spaces, or, for a line of nothing but punctuation ("***"), its raw text stripped."""
    k = pl.col("_k")
    return (
        pl.when(k == "")
        .then(pl.col(LINE).str.strip_chars())
        .otherwise(k.str.replace_all(" ", "", literal=True))
        .alias("_kk")
    )


# the answers of `_candidate_repeats`: per candidate line, then per candidate paragraph
CandidateRepeats = tuple[
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
]


def _candidate_repeats(
    cand: pl.DataFrame,
    keys: pl.Series,
    cdoc: np.ndarray,
    cpara: np.ndarray,
    in_cp: np.ndarray,
    follows: np.ndarray,
    cchars: np.ndarray,
) -> CandidateRepeats:
    """Which candidate lines (`cand`: column LINE; `keys`: their `normalised` text as `_k`;
    `cdoc`, `cpara`: their documents and paragraphs, in text order) repeat earlier ones.

    Per candidate line: a Gopher duplicate (the same text earlier in its document), a repeat
    (the same key `_kk` earlier), its key's length in characters, and, for the lines where
    `follows`, whether the pair (key before, key) was seen earlier in the document. Per
    candidate paragraph (the lines where `in_cp`, every line of each such paragraph): its
    number, document, characters (lines joined by "\\n"), whether its text and whether its
    joined keys appeared earlier in its document.

    The strings are compared by their 64-bit polars hashes, in numpy: one query for the keys and
    hashes, where comparing the strings took six (two distinct-tests, the pairs', a paragraph
    group-by joining the texts and keys: ~3 ms on a batch of web-unique, whose 1,700 candidate
    lines this answers in ~1 ms). A paragraph's text is the sequence of its lines' hashes, its
    joined keys hashed as one string (their bytes are consecutive in the keys' buffer).
    Equal strings have equal hashes; two unequal ones share one with a chance of 2**-64. (A
    paragraph's hash is linear in its lines' hashes, so a writer could build two paragraphs that
    share one; every comparison is within one document, so such a text only changes its own
    document's signals, as writing the repeat itself would.)"""
    sub = cand.with_columns(keys).select_seq(
        _key_without_spaces(),
        pl.col("_k").str.len_chars().cast(pl.Int64).alias("_klen"),
        pl.col(LINE).hash(_SEED).alias("_hl"),
    )
    kk = sub.get_column("_kk")
    hk = kk.hash(_SEED).to_numpy()
    hl = sub.get_column("_hl").to_numpy()
    gdup = _seen_before(cdoc, hl)
    krep = _seen_before(cdoc, hk)
    f = np.flatnonzero(follows)
    seen = _seen_before(cdoc[f], hk[f - 1], hk[f])
    sel = np.flatnonzero(in_cp)
    if sel.size == 0:
        none, no = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
        return gdup, krep, sub.get_column("_klen").to_numpy(), seen, none, none, none, no, no
    ps = cpara[sel]
    start = np.flatnonzero(np.concatenate(([True], ps[1:] != ps[:-1])))
    lines = np.diff(np.append(start, sel.size))
    p_doc = cdoc[sel][start]
    p_chars = np.add.reduceat(cchars[sel], start) + lines - 1
    # the text: its lines' hashes, each times _MULT ** (its place + 1), summed
    rank = np.arange(sel.size) - np.repeat(start, lines)
    power = np.multiply.accumulate(np.full(int(lines.max()), _MULT, dtype=np.uint64))
    p_text = np.add.reduceat(hl[sel] * power[rank], start, dtype=np.uint64)
    # the joined keys: the bytes of a paragraph's keys lie one after the other in the keys'
    # buffer (its lines are consecutive candidates), gathered into one string each
    off, data = string_bytes(kk)
    lo, hi = off[sel[start]], off[sel[start] + lines]
    size = hi - lo
    p_off = np.zeros(size.size + 1, dtype=np.int64)
    np.cumsum(size, out=p_off[1:])
    at = np.repeat(lo - p_off[:-1], size) + np.arange(int(p_off[-1]))
    joined = pa.LargeStringArray.from_buffers(
        size.size, pa.py_buffer(p_off), pa.py_buffer(np.ascontiguousarray(data[at]))
    )
    p_key = pl.Series(joined).hash(_SEED).to_numpy()
    return (
        gdup,
        krep,
        sub.get_column("_klen").to_numpy(),
        seen,
        ps[start],
        p_doc,
        p_chars,
        _seen_before(p_doc, p_text),
        _seen_before(p_doc, p_key),
    )


def _seen_before(*cols: np.ndarray) -> np.ndarray:
    """Per row: whether an earlier row has the same values in every one of `cols` (polars'
    `~is_first_distinct` of their struct)."""
    n = cols[0].size
    out = np.zeros(n, dtype=bool)
    if n < 2:
        return out
    # (lexsort is stable: equal rows stay in order, the first one first)
    order = np.lexsort(cols[::-1])
    same = np.ones(n - 1, dtype=bool)
    for c in cols:
        s = c[order]
        same &= s[1:] == s[:-1]
    out[order[1:][same]] = True
    return out


def line_repeats(
    lines: pl.DataFrame,
    n_docs: int,
    min_chars: int,
    tokens: LineTokens | None = None,
    distinct: tuple[pl.Series, np.ndarray] | None = None,
    chars: np.ndarray | None = None,
    count: np.ndarray | None = None,
) -> tuple[dict, np.ndarray]:
    """The line and paragraph repeats of a batch: per document (arrays of n_docs) dup_line_frac,
    dup_line_chars, dup_para_frac, dup_para_chars and repeated_chars, and the strip mask per row
    of `lines`.

    Keys (`normalised` text) are computed only for the lines that can repeat: those whose counts
    of a few letters (_FOLD_COUNTS) equal another line's of the same document, or that lie in a
    paragraph whose counts equal another paragraph's. Counting them costs a fifth of normalising
    every line, and leaves about 3 % of web text's characters to normalise.
    The per-line measures (length, blank, letter counts) are taken once per distinct line:
    `distinct` (words.distinct_lines of `lines`: the strings and each line's row among them),
    or those of `tokens` (the line tokens of `lines`, expanded or not; the letters are then
    counted once per distinct token), or else computed here.
    `__doc` is the document's row in the batch (Batch's contract): per-document sums are
    bincounts. `chars`: each row's length in characters (base.line_chars), and `count`:
    `_tokens_per_line(tokens, ...)`, when known.
    """
    L = pl.col(LINE)
    if tokens is not None:
        strings, inverse = tokens.distinct, tokens.inverse
        if count is None:
            count = _tokens_per_line(tokens, len(strings))
        fp_d = token_fingerprints(tokens, count)
    else:
        strings, inverse = distinct or distinct_lines(lines.get_column(LINE))
        fp_d = _letter_fingerprints(strings, _FOLD_COUNTS)
    n_counts = len(_FOLD_COUNTS)
    if tokens is not None:
        # a line is blank (strip_chars leaves nothing) when it has no token: every character
        # that is not whitespace (polars' \s, the White_Space strip_chars removes) is in one
        # (of its pieces split on " ", or of those split again: the entries after `kept`)
        blank_d = count == 0
        blank_d[tokens.line[tokens.kept :]] = False
    else:
        # (select_seq: a cheap expression, run on this thread rather than on polars' pool)
        blank_d = (
            pl.DataFrame(strings.alias(LINE))
            .select_seq(L.str.strip_chars() == "")
            .to_series()
            .to_numpy()
        )
    blank = blank_d[inverse]
    # the non-blank lines (rows of `lines`) and each one's paragraph number within the batch
    nb_rows = np.flatnonzero(~blank)
    pid = np.cumsum(blank)[nb_rows]
    inv_nb = inverse[nb_rows]
    doc = lines.get_column(DOC).to_numpy().astype(np.int64)[nb_rows]
    if chars is None:
        n = strings.str.len_chars().to_numpy().astype(np.int64)[inv_nb]
    else:
        n = np.asarray(chars, dtype=np.int64)[nb_rows]
    m = doc.size
    remove = np.zeros(lines.height, dtype=bool)
    zero = np.zeros(n_docs)
    out = {
        "dup_line_frac": zero,
        "dup_line_chars": zero,
        "dup_para_frac": zero,
        "dup_para_chars": zero,
        "repeated_chars": np.zeros(n_docs, dtype=np.int64),
    }
    if m == 0:
        return out, remove
    first_line = np.concatenate(([True], doc[1:] != doc[:-1]))
    same_para = ~first_line & np.concatenate(([False], pid[1:] == pid[:-1]))
    # paragraphs: blocks of non-blank lines between blank lines
    para = np.cumsum(~same_para) - 1
    n_para = int(para[-1]) + 1
    pdoc = doc[~same_para]
    lines_per_doc = np.bincount(doc, minlength=n_docs)
    paras_per_doc = np.bincount(pdoc, minlength=n_docs)

    # lines (and paragraphs) that can repeat
    # (a hash of document and counts: two lines with equal counts get equal hashes, and a
    # collision only adds a candidate)
    # (the document times _MULT ** n_counts plus the 32-bit fingerprint; a paragraph's is the
    # wrapping sum of its lines', the fingerprint of its counts)
    fp = fp_d[inv_nb] if fp_d.size else np.zeros(m, np.uint32)
    scale = np.uint64(pow(int(_MULT), n_counts, 1 << 64))
    line_key = (doc + 1).astype(np.uint64) * scale + fp
    # (fp is not read again: segment_sums may overwrite it with its running sum)
    para_fp = segment_sums(fp, np.bincount(para, minlength=n_para))
    para_key = (pdoc + 1).astype(np.uint64) * scale + para_fp
    # (times an odd constant, a one-to-one map: counts differing by a few would otherwise differ
    # in the low bits alone, which _repeat_groups keeps for positions)
    line_cand = _repeated(line_key * _MULT)
    para_cand = _repeated(para_key * _MULT)
    cand = line_cand | para_cand[para]
    e = np.flatnonzero(cand)
    if e.size == 0:
        return out, remove

    # keys of the candidates; a line of nothing but punctuation ("***") keys on its raw text: it
    # can repeat, but adds no characters towards min_chars
    # (rows ascending: a filter, where a select and a gather are two polars queries)
    cand = take_sorted(lines.get_column(LINE), nb_rows[e]).to_frame()
    # (the normalising regex on this rule's own thread, where it stays compiled from batch to
    # batch: on polars' pool thread, or the calling thread, the other rules' regexes evict it
    # from the 32 polars keeps per thread, and compiling it costs ~0.5 ms)
    keys = _candidate_keys(cand)
    # every copy of a paragraph is a candidate paragraph; a line follows the one before it when
    # both are candidates of one document, in a row (a pair can have been seen only there: a
    # line that is not a candidate has a key of its own)
    in_cp = para_cand[para[e]]
    follows = np.concatenate(([False], (np.diff(e) == 1) & ~first_line[e[1:]]))
    gdup, krep, klen_e, seen, p_para, p_doc, p_chars, pdup, p_rep = _candidate_repeats(
        cand, keys, doc[e], para[e], in_cp, follows, n[e]
    )
    prep = np.zeros(n_para, dtype=bool)
    prep[p_para] = p_rep
    pdup_doc = p_doc[pdup]

    # -- strip: runs of near-exact repeats -------------------------------------------------------
    rep = np.zeros(m, dtype=bool)
    rep[e] = krep | prep[para[e]]
    # A repeat continues the run of the line before it only when the two lines also followed each
    # other earlier (the pair of keys was seen before) or lie in one repeated paragraph: a copied
    # block. Otherwise a natural repeat at the end of the first copy (a heading, a signature)
    # would join the pasted second copy and be removed with it.
    pair_seen = np.zeros(m, dtype=bool)
    pair_seen[e[follows]] = seen
    prev_rep = np.concatenate(([False], rep[:-1]))
    cont = rep & prev_rep & ~first_line & (pair_seen | (prep[para] & same_para))
    run = np.cumsum(~cont) - 1
    klen = np.zeros(m, dtype=np.int64)
    klen[e] = klen_e
    run_chars = np.bincount(run, weights=klen * rep)
    removed = rep & (run_chars[run] >= min_chars)
    remove[nb_rows[removed]] = True

    # -- Gopher line and paragraph signals -------------------------------------------------------
    dup_doc = doc[e][gdup]
    with np.errstate(invalid="ignore", divide="ignore"):
        line_frac = np.bincount(dup_doc, minlength=n_docs) / lines_per_doc
        para_frac = np.bincount(pdup_doc, minlength=n_docs) / paras_per_doc
    out = {
        "dup_line_frac": np.where(lines_per_doc > 0, line_frac, 0.0),
        "dup_line_chars": np.bincount(dup_doc, weights=n[e][gdup], minlength=n_docs),
        "dup_para_frac": np.where(paras_per_doc > 0, para_frac, 0.0),
        "dup_para_chars": np.bincount(pdup_doc, weights=p_chars[pdup], minlength=n_docs),
        "repeated_chars": np.bincount(doc[removed], weights=n[removed] + 1, minlength=n_docs)
        .round()
        .astype(np.int64),
    }
    return out, remove


@register
class RepeatedParagraphs(Rule):
    """Lines and paragraphs repeated inside one document, and Gopher's repetition signals.

    Catches: a scraper that pasted the whole article twice, a paragraph or line that appears again
    (compared after folding case, whitespace and punctuation: "Hello, World!" repeats
    "hello world"), and text that keeps repeating the same words (Gopher's n-gram signals).

    Why: repeats teach a model to repeat, and weigh one text twice.

    Example: an article whose five body paragraphs appear twice; `strip` keeps the first copy of
    each and removes the second, so the cleaned text is the article once.

    What `strip` removes: a non-blank line is a repeat when its normalised text (lower case,
    without punctuation, symbols and whitespace) appeared on an earlier line of the document, or
    when its paragraph (a block of lines between blank lines) repeats an earlier paragraph.
    Consecutive repeats that also followed each other earlier form a run (a copied
    block); a run is removed when it holds at least `min_chars` normalised characters. Short
    lone repeats ("Photo: Reuters", a heading repeated above a table, a question asked in every
    interview) are kept: real documents repeat them (3.9 % of 1,076 real web and news documents
    repeat a line of 20+ characters, 0.4 % one of 120+). The first copy is never removed, so no
    sentence of the document is lost.

    Signals (the Gopher family as published, Rae et al. 2021 table A1, computed as datatrove's
    GopherRepetitionFilter computes them; every "characters" denominator is the length of the
    document's text in characters, newlines included):
      dup_line_frac         duplicate lines / non-blank lines (a duplicate is an exact copy of an
                            earlier line; the first copy is not counted)
      dup_line_char_frac    characters in duplicate lines / characters in the document
      dup_para_frac         duplicate paragraphs / paragraphs (blocks between blank lines)
      dup_para_char_frac    characters in duplicate paragraphs / characters in the document
      top_{2,3,4}gram_char_frac
                            characters of the most frequent word n-gram (words joined by one
                            space) x its count / characters in the document; 0 when no n-gram
                            occurs twice
      dup_{5..10}gram_char_frac
                            characters (spaces not counted) of duplicate word n-grams / characters
                            in the document; as datatrove walks them, an n-gram seen earlier
                            counts its n words and the walk jumps past them, so overlapping
                            duplicates are not counted twice
      repeated_chars        characters `strip` removes (lines, newline included)
    Words are whitespace-separated tokens. Intentional differences from datatrove (the golden
    test lists them): whitespace-only lines count as blank; words are split on whitespace, not by
    spaCy (which also splits punctuation off); the top n-gram must occur at least twice (datatrove
    counts a unique n-gram, so every short document exceeds the threshold).

    Actions: `strip` removes the repeats described above (the rule fires when it removes one);
    `flag` and `drop` fire when any Gopher signal is above its threshold (the `max_*` keys,
    defaults from Gopher table A1).
    """

    name = "repeated-paragraphs"
    family = "repetition"
    actions = ("flag", "strip", "drop")
    main_signal = "dup_line_char_frac"
    threshold_param = "max_dup_line_char_frac"

    @dataclass(frozen=True)
    class Params:
        min_chars: int = param(
            120,
            "a run of repeated lines (or a repeated paragraph) is stripped only when it holds "
            "at least this many normalised characters",
            unit="characters",
            source="our measurement (bench/repetition_eval.py): natural repeats of 100-120 chars "
            "touch 0.4-0.7 % of real documents, shorter thresholds up to 1.4 %",
            min=1,
        )
        max_dup_line_frac: float = param(
            0.30,
            "flag/drop above this fraction of duplicate lines",
            unit="fraction of lines",
            source="Gopher (Rae et al. 2021, table A1)",
            min=0.0,
            max=1.0,
        )
        max_dup_para_frac: float = param(
            0.30,
            "flag/drop above this fraction of duplicate paragraphs",
            unit="fraction of paragraphs",
            source="Gopher (Rae et al. 2021, table A1)",
            min=0.0,
            max=1.0,
        )
        max_dup_line_char_frac: float = param(
            0.20,
            "flag/drop above this share of characters in duplicate lines",
            unit="fraction of characters",
            source="Gopher (Rae et al. 2021, table A1)",
            min=0.0,
            max=1.0,
        )
        max_dup_para_char_frac: float = param(
            0.20,
            "flag/drop above this share of characters in duplicate paragraphs",
            unit="fraction of characters",
            source="Gopher (Rae et al. 2021, table A1)",
            min=0.0,
            max=1.0,
        )
        max_top_2gram_char_frac: float = param(
            0.20,
            "flag/drop above this share of characters in the most frequent 2-gram",
            unit="fraction of characters",
            source="Gopher (Rae et al. 2021, table A1)",
            min=0.0,
            max=1.0,
        )
        max_top_3gram_char_frac: float = param(
            0.18,
            "flag/drop above this share of characters in the most frequent 3-gram",
            unit="fraction of characters",
            source="Gopher (Rae et al. 2021, table A1)",
            min=0.0,
            max=1.0,
        )
        max_top_4gram_char_frac: float = param(
            0.16,
            "flag/drop above this share of characters in the most frequent 4-gram",
            unit="fraction of characters",
            source="Gopher (Rae et al. 2021, table A1)",
            min=0.0,
            max=1.0,
        )
        max_dup_5gram_char_frac: float = param(
            0.15,
            "flag/drop above this share of characters in duplicate 5-grams",
            unit="fraction of characters",
            source="Gopher (Rae et al. 2021, table A1)",
            min=0.0,
            max=1.0,
        )
        max_dup_6gram_char_frac: float = param(
            0.14,
            "flag/drop above this share of characters in duplicate 6-grams",
            unit="fraction of characters",
            source="Gopher (Rae et al. 2021, table A1)",
            min=0.0,
            max=1.0,
        )
        max_dup_7gram_char_frac: float = param(
            0.13,
            "flag/drop above this share of characters in duplicate 7-grams",
            unit="fraction of characters",
            source="Gopher (Rae et al. 2021, table A1)",
            min=0.0,
            max=1.0,
        )
        max_dup_8gram_char_frac: float = param(
            0.12,
            "flag/drop above this share of characters in duplicate 8-grams",
            unit="fraction of characters",
            source="Gopher (Rae et al. 2021, table A1)",
            min=0.0,
            max=1.0,
        )
        max_dup_9gram_char_frac: float = param(
            0.11,
            "flag/drop above this share of characters in duplicate 9-grams",
            unit="fraction of characters",
            source="Gopher (Rae et al. 2021, table A1)",
            min=0.0,
            max=1.0,
        )
        max_dup_10gram_char_frac: float = param(
            0.10,
            "flag/drop above this share of characters in duplicate 10-grams",
            unit="fraction of characters",
            source="Gopher (Rae et al. 2021, table A1)",
            min=0.0,
            max=1.0,
        )

    def evaluate(self, batch: Batch) -> RuleResult:
        p = self.params
        # the signals and the fired flags in numpy: the same IEEE divisions and comparisons as
        # the polars expressions they replaced (two dozen small queries on every batch, a fixed
        # cost of ~0.5 ms; tests/checks/test_repetition.py keeps those as the definition)
        text_len = text_chars(batch).to_numpy().astype(np.float64)
        denom = np.maximum(text_len, 1.0)

        lt = shared_line_tokens(batch)
        # each line's row among the batch's distinct lines: every per-line measure is taken once
        # per distinct line (those of the shared tokens, or words.batch_distinct_lines, which
        # the quality family shares and which follows strips)
        count = None
        if lt is not None:
            distinct, inverse = lt.distinct, lt.inverse
            # (tokens per distinct line: the words' and the fingerprints' count)
            count = lt.kept_per_line
            words, word_rows = token_line_words(lt, count)
        else:
            distinct, inverse = batch_distinct_lines(batch)
            words, word_rows = line_words(distinct), inverse
        per_doc, remove = line_repeats(
            batch.lines, batch.n, p.min_chars, lt, (distinct, inverse), line_chars(batch), count
        )
        per_doc |= ngrams_from_lines(words, word_rows, batch.doc_of_line(), batch.n)
        values: dict[str, np.ndarray] = {}
        for name in ("dup_line_frac", "dup_para_frac"):
            values[name] = np.asarray(per_doc[name], dtype=np.float64)
        for name in (
            ["dup_line_chars", "dup_para_chars"]
            + [f"top_{n}gram_chars" for n in TOP_NS]
            + [f"dup_{n}gram_chars" for n in DUP_NS]
        ):
            frac = name.replace("_chars", "_char_frac")
            values[frac] = np.asarray(per_doc[name], dtype=np.float64) / denom
        repeated = np.asarray(per_doc["repeated_chars"], dtype=np.int64)
        if self.action == "strip":
            fired = repeated > 0
        else:
            fired = np.zeros(batch.n, dtype=bool)
            for name in SIGNALS:
                fired |= values[name] > getattr(p, f"max_{name}")
        signals = {k: pl.Series(k, values[k], dtype=pl.Float64) for k in SIGNALS}
        signals["repeated_chars"] = pl.Series("repeated_chars", repeated, dtype=pl.Int64)
        return RuleResult(
            signals=signals, fired=pl.Series(fired, dtype=pl.Boolean), remove=pl.Series(remove)
        )
