"""Duplicates across the corpus: the same document (or nearly the same) appearing more than once."""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from curate.arrays import numbers
from curate.checks import register
from curate.checks.base import (
    DOC,
    Batch,
    Rule,
    RuleResult,
    param,
    string_bytes,
    view_layout,
)
from curate.checks.repetition import PUNCT_RUN
from curate.checks.words import CodePointMemo, _bmp_chars, _char_class

FILE_COL = "__file"  # the reader's location columns (curate.io.readers)
LINE_COL = "__line"
_SEED = 0xD0C5
# shingles per numpy block of the one-permutation minimums (`minimum.at`; a block's cells: 512
# KiB): oph_signatures on web-unique, CPU ms, best of 15: 2048 6.4, 8192 5.2, 32768 5.2, 65536
# 4.9, the whole batch at once 5.7
_BLOCK = 1 << 16
# bins (documents x bins) densified at a time: a few arrays of 8 x 2^20 bytes
_DENSIFY_CELLS = 1 << 20
# a document with m of k bins filled densifies by rank (m rows of k keys) when m * m <=
# _WALK_COST * (k - m), else by walking its empty bins' orders (about k / m steps each): measured
# at k = 112 on 4,000 documents (CPU ms, walk / rank, best of 9): m = 8 93 / 6.7, 32 26 / 7.4,
# 56 12.0 / 11.1, 64 9.1 / 8.2, 72 6.9 / 12.5, 80 5.0 / 9.7, 96 2.1 / 15.3: the crossover,
# m ~ 66, gives ~95; 100 walks from m = 68 up
_WALK_COST = 100
# the dense documents' walk along a bin's order: the first _STEPS places one by one, then
# attempts [t0, t1), widths doubling up to 64
_STEPS = 4
_SPANS = ((4, 6), (6, 14), (14, 30), (30, 62), *((t, t + 64) for t in range(62, 2048, 64)))
_M64 = (1 << 64) - 1


# The characters c whose upper-then-lower case differs from their lower case (polars' case
# mappings, checked over every code point by tests/checks/test_dedup_speed.py), and the Greek
# sigmas (lower-casing Σ, σ or ς depends on its neighbours: a final ς): code point ranges. A text
# holding none of them lower-cases to `normalised`'s upper-then-lower case (only the sigmas
# upper-case to a Σ, and each other character maps alone).
_UPPER_MATTERS = (
    (0x00B5, 0x00B5), (0x00DF, 0x00DF), (0x0131, 0x0131), (0x0149, 0x0149), (0x017F, 0x017F),
    (0x01F0, 0x01F0), (0x0345, 0x0345), (0x0390, 0x0390), (0x03A3, 0x03A3), (0x03B0, 0x03B0),
    (0x03C2, 0x03C3), (0x03D0, 0x03D1), (0x03D5, 0x03D6), (0x03F0, 0x03F1), (0x03F5, 0x03F5),
    (0x0587, 0x0587), (0x1C80, 0x1C88), (0x1E96, 0x1E9B), (0x1F50, 0x1F50), (0x1F52, 0x1F52),
    (0x1F54, 0x1F54), (0x1F56, 0x1F56), (0x1F80, 0x1FAF), (0x1FB2, 0x1FB4), (0x1FB6, 0x1FB7),
    (0x1FBC, 0x1FBC), (0x1FBE, 0x1FBE), (0x1FC2, 0x1FC4), (0x1FC6, 0x1FC7), (0x1FCC, 0x1FCC),
    (0x1FD2, 0x1FD3), (0x1FD6, 0x1FD7), (0x1FE2, 0x1FE4), (0x1FE6, 0x1FE7), (0x1FF2, 0x1FF4),
    (0x1FF6, 0x1FF7), (0x1FFC, 0x1FFC), (0xFB00, 0xFB06), (0xFB13, 0xFB17),
)  # fmt: skip
_UPPER_CODES = np.concatenate([np.arange(a, b + 1) for a, b in _UPPER_MATTERS]).astype(np.int64)


def _needs_upper(texts: pl.Series) -> np.ndarray:
    """The positions in `texts` of the texts holding a character of `_UPPER_MATTERS`, read from
    the UTF-8 bytes (`_utf8_chars`: the characters beyond ASCII, web text holds few)."""
    off, b = string_bytes(texts)
    at, cp, _ = _utf8_chars(b)
    hit = at[np.isin(cp, _UPPER_CODES)]
    return np.unique(np.searchsorted(off, hit, side="right") - 1).astype(np.int64)


def _normalised(texts: pl.Series) -> pl.Series:
    """`normalised` (curate.checks.repetition) of `texts`, the same strings: upper-then-lower
    case only for the texts holding a character whose case that changes (`_needs_upper`), lower
    case alone for the others (polars maps case character by character in any text holding a
    non-ASCII one), then every run of punctuation, symbols and whitespace one space, stripped.
    The plain way of `_words` (`_words_split`)."""
    low = texts.str.to_lowercase()
    idx = _needs_upper(texts)
    if len(idx):
        upper = texts.gather(idx).str.to_uppercase().str.to_lowercase()
        low = low.scatter(idx, upper)
    return low.str.replace_all(PUNCT_RUN, " ").str.strip_chars()


# -- the words of the normalised texts, from their bytes -------------------------------------------
# A word of `_normalised(text).split(" ")` is a maximal run of characters outside
# [\p{P}\p{S}\s] (PUNCT_RUN's class) of the lower-cased text: `_words` reads them from the UTF-8
# bytes instead of polars' case mapping, regex, strip, split and join (bench/results/dedup.md)
_SEPARATOR = r"[\p{P}\p{S}\s]"


def _empty(n: int, dtype: Any) -> np.ndarray:
    """An uninitialised array from Arrow's memory pool: numpy's own large arrays are fresh pages
    from the system every time (page faults: ~1.4 us per 4 KiB), the pool's are reused."""
    dtype = np.dtype(dtype)
    return np.frombuffer(pa.allocate_buffer(max(n, 1) * dtype.itemsize), dtype=dtype)[:n]


# positions of a polars mask are a slice of one kept range filtered by it (polars' filter
# kernel; `arg_true` is 30x slower, numpy's flatnonzero 4x): range entries kept (4 MiB)
_IOTA = 1 << 20


@functools.cache
def _iota() -> pl.Series:
    """0, 1, ..., `_IOTA` - 1 (UInt32), made once: a new range per call is fresh pages."""
    return pl.int_range(0, _IOTA, dtype=pl.UInt32, eager=True)


def _positions(mask: pl.Series, extra: int = 0) -> np.ndarray:
    """`np.flatnonzero(mask)` (a Boolean Series without nulls, shorter than 2^32) as uint32,
    followed by `extra` entries left for the caller to write (no copy into a longer array)."""
    n = len(mask)
    if n <= _IOTA:
        idx = _iota().slice(0, n).filter(mask).to_numpy()
        if not extra:
            return idx
        out = _empty(len(idx) + extra, np.uint32)
        out[: len(idx)] = idx
        return out
    out = _empty(int(mask.sum()) + extra, np.uint32)
    at = 0
    for lo in range(0, n, _IOTA):
        part = mask.slice(lo, _IOTA)
        idx = _iota().slice(0, len(part)).filter(part).to_numpy()
        np.add(idx, lo, out=out[at : at + len(idx)])
        at += len(idx)
    return out


def _flat_true(mask: np.ndarray) -> np.ndarray:
    """`np.flatnonzero(mask)` (int64) of a numpy bool array, by polars' filter (`_positions`)
    when it is shorter than 2^32."""
    if len(mask) >= 1 << 32:
        return np.flatnonzero(mask)
    return _positions(pl.Series(mask)).astype(np.int64)


def _utf8_chars(data: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(start, code point, size) of every character of UTF-8 `data` beyond ASCII (lead bytes
    0xC2 and up; intp, int32, uint8): the lead byte's bits and the next three bytes' low 6
    (past the end: the last byte), shifted right by 6 per byte beyond the character's, so the
    bytes after a character's last byte never count. The starts are polars' filter of the
    positions (web-unique: 0.4 ms against 0.7 for numpy's flatnonzero), and the arithmetic in
    small types (int64 temporaries of 78 k characters were fresh pages: 4.1 ms against 1.2)."""
    n_all = len(data)
    starts = _positions(pl.Series(data) >= 0xC2)
    n = len(starts)
    at = _empty(n, np.intp)  # numpy indexes by intp: other index types are converted each time
    at[:] = starts
    b0 = data[at]
    size = np.full(n, 2, dtype=np.uint8)
    size += b0 >= 0xE0
    size += b0 >= 0xF0
    cp = _empty(n, np.int32)
    if n == 0:
        return at, cp, size
    np.bitwise_and(b0, np.right_shift(0x7F, size), out=cp, casting="unsafe")
    idx = _empty(n, np.intp)
    clip = at[-1] + 3 >= n_all  # a character in the last 3 bytes: read past the end as the last
    for i in (1, 2, 3):
        np.add(at, i, out=idx)
        if clip:
            np.minimum(idx, n_all - 1, out=idx)
        b = data[idx]
        b &= 0x3F
        cp <<= 6
        cp |= b
    cp >>= np.multiply(np.subtract(4, size), 6, dtype=np.uint8)
    return at, cp, size


@functools.cache
def _bmp_case() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per code point c of the Basic Multilingual Plane: (lower, sep_lower, sep): the code point
    of c's lower case (polars) when that is one character of c's UTF-8 size and c's case is
    context-free (not in `_UPPER_MATTERS`), else -1; is that lower case, and is c, a
    `_SEPARATOR`. Built once per process from polars' own case mapping and regex."""
    chars = _bmp_chars()
    sep = _char_class(_SEPARATOR)
    off, low = string_bytes(chars.str.to_lowercase())
    size = np.diff(off)
    cp = np.zeros(len(size), dtype=np.int64)
    one = np.flatnonzero(size == 1)
    cp[one] = low[off[one]]
    at, cps, sizes = _utf8_chars(low)
    starts = np.flatnonzero(size > 1)
    # one character whose size is the whole string's
    first = np.searchsorted(at, off[starts])
    ok = (first < len(at)) & (at[np.minimum(first, len(at) - 1)] == off[starts])
    ok &= sizes[np.minimum(first, len(at) - 1)] == size[starts]
    cp[starts[ok]] = cps[first[ok]]
    one_char = size == 1
    one_char[starts[ok]] = True
    own = np.arange(len(size))
    own_size = 1 + (own >= 0x80) + (own >= 0x800)
    lower = np.where(one_char & (size == own_size), cp, -1).astype(np.int32)
    lower[_UPPER_CODES[_UPPER_CODES < 0x10000]] = -1
    sep_lower = sep[np.maximum(lower, 0)] & (lower >= 0)
    return lower, sep_lower, sep


# a byte that never occurs in UTF-8: every separator byte becomes _GAP (`_byte_table`)
_GAP = 0xFF


@functools.cache
def _byte_table() -> bytes:
    """A `bytes.translate` table: the ASCII separators (the space among them) to `_GAP`, ASCII
    upper case to lower case, every other byte unchanged."""
    sep = _bmp_case()[2][:128]
    return bytes(_GAP if c < 128 and sep[c] else c + 32 if 65 <= c <= 90 else c for c in range(256))


def _find_case(new: list[int]) -> list[tuple[int, bool, bool]]:
    """`_bmp_case`'s three values of code points beyond the Basic Multilingual Plane, from
    polars' own case mapping and regex."""
    chars = pl.Series([chr(c) for c in new], dtype=pl.String)
    low = chars.str.to_lowercase()
    sep_low = low.str.contains(f"^{_SEPARATOR}$").to_list()
    sep = chars.str.contains(f"^{_SEPARATOR}$").to_list()
    out = []
    for lc, sl, s in zip(low.to_list(), sep_low, sep, strict=True):
        same = len(lc) == 1 and len(lc.encode()) == 4
        out.append((ord(lc) if same else -1, sl and same, s))
    return out


# (lower, sep_lower, sep) of the characters beyond the Basic Multilingual Plane met so far
_SUPPLEMENTARY = CodePointMemo(_find_case)


def _supplementary_case(cp: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`_bmp_case`'s three values for code points beyond the Basic Multilingual Plane."""
    distinct, inverse = np.unique(cp, return_inverse=True)
    rows = np.array(_SUPPLEMENTARY.values(distinct.tolist()), dtype=np.int64).reshape(-1, 3)
    rows = rows[inverse.reshape(-1)]
    return rows[:, 0], rows[:, 1].astype(bool), rows[:, 2].astype(bool)


def _case_of(cp: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lower, sep_lower, sep) of code points (`_bmp_case`, `_supplementary_case`)."""
    table = _bmp_case()
    bmp = np.minimum(cp, 0xFFFF)
    lower, sep_lower, sep = (t[bmp] for t in table)
    far = np.flatnonzero(cp > 0xFFFF)
    if len(far):
        lower[far], sep_lower[far], sep[far] = _supplementary_case(cp[far])
    return lower, sep_lower, sep


def _blank(data: np.ndarray, at: np.ndarray, size: np.ndarray) -> None:
    """Every byte of the characters at `at` (of `size` bytes) of `data` made a space."""
    for i in range(4):
        data[at[size > i] + i] = 0x20


@functools.cache
def _bmp_edit() -> np.ndarray:
    """Per code point c of the Basic Multilingual Plane, what `_prepare` writes over c's UTF-8
    bytes (uint32, byte i at bits 8i; as many bytes as c's): spaces when c's lower case is a
    `_SEPARATOR`, else the UTF-8 bytes of c's lower case (`_bmp_case`: the same size, or c
    itself when its case needs the fallback), or of its upper-then-lower case when that is c's
    size (`_folded_in_place`); bit 31 set when its case needs the fallback."""
    lower, sep_lower, _ = _bmp_case()
    c = np.arange(0x10000, dtype=np.uint32)
    lc = np.where(lower >= 0, lower, c).astype(np.uint32)
    two = (0xC0 | lc >> 6) | (0x80 | lc & 0x3F) << 8
    three = (0xE0 | lc >> 12) | (0x80 | lc >> 6 & 0x3F) << 8 | (0x80 | lc & 0x3F) << 16
    edit = np.where(c < 0x800, two, three)
    edit[sep_lower] = 0x202020
    edit[lower < 0] |= np.uint32(1 << 31)
    for code, folded in _folded_in_place().items():
        edit[code] = int.from_bytes(folded, "little")
    return edit


# the sigmas: their lower case depends on the neighbours (a final ς)
_SIGMAS = (0x3A3, 0x3C2, 0x3C3)


@functools.cache
def _folded_in_place() -> dict[int, bytes]:
    """The characters c of `_UPPER_MATTERS` in the Basic Multilingual Plane, but the sigmas, whose
    upper-then-lower case (polars) is as many UTF-8 bytes as c and holds no `_SEPARATOR`: those
    bytes (ß: "ss", µ: "μ", ﬃ: "ffi"). A text holding c takes `_normalised`'s upper-then-lower
    case, which maps every character alone but the sigmas, and is each other character's lower
    case (`_UPPER_MATTERS`): `_prepare` writes these over c's bytes instead of taking the text's
    case from polars (a German text holds a ß; tested in tests/checks/test_dedup_speed.py)."""
    codes = [c for c in _UPPER_CODES.tolist() if c < 0x10000 and c not in _SIGMAS]
    chars = pl.Series([chr(c) for c in codes], dtype=pl.String)
    folded = chars.str.to_uppercase().str.to_lowercase()
    out = {}
    for c, f in zip(codes, folded.to_list(), strict=True):
        sep = [ord(x) > 0xFFFF or _bmp_case()[2][ord(x)] for x in f]  # (none beyond the BMP)
        if len(f.encode()) == len(chr(c).encode()) and not any(sep):
            out[c] = f.encode()
    return out


def _prepare(off: np.ndarray, raw: np.ndarray) -> tuple[bytearray, np.ndarray]:
    """(bytes, fallback) of texts' UTF-8 bytes `raw` (text d: raw[off[d]:off[d + 1]]),
    lower-cased beyond ASCII (ASCII is lower-cased later, in `_words`'s one translate), every
    separator character beyond ASCII blanked to spaces (`_GAP` after the translate): a copy (a
    bytearray, which `bytearray.translate` takes) after one `_GAP` (`_words` reads the bytes
    before the texts' bytes from it).
    fallback: the texts holding a character whose lower case is not one character of its size
    or depends on its neighbours or on upper case (`_bmp_case`; but those whose upper-then-lower
    case is their size, `_folded_in_place`): for these the bytes are junk,
    and `_words` reads their upper-then-lower case from polars. Every character's bytes are
    written over from one table (`_bmp_edit`; beyond the Basic Multilingual Plane
    `_supplementary_case`), changed or not: fewer passes than selecting the ones that change."""
    out = bytearray((_GAP,))
    out += memoryview(raw)  # (a numpy array would take `+=` as its own addition)
    data = np.frombuffer(out, dtype=np.uint8)[1:]
    at, cp, size = _utf8_chars(raw)
    n = len(at)
    if n == 0:
        return out, at
    far = np.flatnonzero(size == 4)  # beyond the plane: few (emoji), written last
    far_cp = cp[far]
    edit = _empty(n, np.uint32)
    np.take(_bmp_edit(), np.minimum(cp, 0xFFFF, out=cp), out=edit)
    idx = _empty(n, np.intp)
    byte = _empty(n, np.uint8)
    for i in (0, 1):
        np.add(at, i, out=idx)
        np.right_shift(edit, 8 * i, out=byte, casting="unsafe")  # its low byte
        data[idx] = byte
    three = np.flatnonzero(size >= 3)
    data[at[three] + 2] = (edit[three] >> 16) & 0xFF
    odd = at[edit >= 1 << 31]
    if len(far):
        lower, sep_lower, _ = _supplementary_case(far_cp)
        lc = np.where(lower >= 0, lower, far_cp)
        for i, b in enumerate((0xF0 | lc >> 18, 0x80 | lc >> 12 & 0x3F, 0x80 | lc >> 6 & 0x3F)):
            data[at[far] + i] = np.where(sep_lower, 0x20, b)
        data[at[far] + 3] = np.where(sep_lower, 0x20, 0x80 | lc & 0x3F)
        odd = np.concatenate([odd, at[far][lower < 0]])
    return out, np.unique(np.searchsorted(off, odd, side="right") - 1)


# string views hold 32-bit offsets into a buffer (signed in Arrow's layout, which its cast
# writes): a batch whose texts hold more bytes (a document of gigabytes) takes the plain way,
# `_words_split`
_VIEW_BYTES = (1 << 31) - 64


def _text_bytes(texts: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """`string_bytes(texts)`, read from polars' own string views when every non-empty text lies
    in one buffer, in order, one after the other (a batch as the reader makes it): no cast to
    large strings (web-unique: ~0.4 ms of a collect in the flow). Otherwise `string_bytes`."""
    arr = texts.to_arrow(compat_level=pl.CompatLevel.newest())
    if (
        not isinstance(arr, pa.StringViewArray)
        or len(arr.buffers()) != 3
        or arr.null_count
        or len(arr) == 0
    ):
        return string_bytes(texts)
    length, buf, start = view_layout(arr)
    off = np.zeros(len(arr) + 1, dtype=np.int64)
    np.cumsum(length, out=off[1:])
    used = np.flatnonzero(length)
    if len(used) == 0:
        return string_bytes(texts)
    at = start[used[0]] - off[used[0]]  # where text 0 would start in the buffer
    if not ((buf[used] == 0).all() and (start[used] == off[used] + at).all()):
        return string_bytes(texts)
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)
    return off, data[at : at + off[-1]]


def _words_split(texts: pl.Series) -> tuple[pl.Series, np.ndarray, pl.Series]:
    """`_words` by its definition, in polars: `_normalised`, split on " ", joined by ""."""
    norm = _normalised(texts).fill_null("")
    lists = norm.str.split(" ")
    nw = np.where((norm != "").to_numpy(), lists.list.len().to_numpy(), 0).astype(np.int64)
    first = np.zeros(len(nw) + 1, dtype=np.int64)
    np.cumsum(nw, out=first[1:])
    words = lists.filter(norm != "").explode()
    return words, first, lists.list.join("")


def _words(texts: pl.Series) -> tuple[pl.Series, np.ndarray, pl.Series]:
    """(words, first, joined): the words of `_normalised(texts)` (each text's
    `.str.split(" ")`, none for a text that normalises to ""), text d's being
    words[first[d]:first[d + 1]], and each text's words joined by "" (the exact hash's input):
    the same strings, read from the bytes. Every separator character beyond ASCII is blanked and
    the rest lower-cased (`_prepare`, a copy), one `bytearray.translate` of it makes the ASCII
    separators `_GAP` and lower-cases ASCII; a word is a run of other bytes within a text (a
    word byte starts one when the byte before it is a `_GAP` or in the text before), and the
    word bytes kept in a row ARE the joined texts (offsets) and the words (Arrow's cast of their
    offsets to string views). The compaction and the word starts are polars' filter kernels
    (`_positions`; web-unique, 3.1 MB: 0.2 and 0.3 ms against 3.5 and 3.6 for numpy's compress
    and flatnonzero), the views Arrow's cast (2.7 ms against 5 for a numpy gather of 16 bytes and
    masks; bench/results/dedup.md). (Views hold 32-bit offsets: a batch of more text than
    `_VIEW_BYTES` takes `_words_split`.) The same words and joined texts as the definition:
    tests/checks/test_dedup_speed.py (`_assert_words_plain`; texts' edges: test_words_end_at_
    each_text_edge)."""
    off, raw = _text_bytes(texts)
    if off[-1] > _VIEW_BYTES:
        return _words_split(texts)
    data, fallback = _prepare(off, raw)
    n_docs = len(off) - 1
    if len(fallback):  # their bytes from polars' case mapping, separators blanked alike
        mv = memoryview(data)[1:]
        # a view per text, joined by `bytearray.join` (C copies): web-unique's 1,641 texts in
        # 0.33 ms, where a numpy scatter of the bytes to their joined places took 6.6
        pieces = [mv[a:b] for a, b in zip(off[:-1].tolist(), off[1:].tolist(), strict=True)]
        # the few texts from their bytes (polars' gather of them took ~0.25 ms a web batch)
        few = [raw[off[d] : off[d + 1]].tobytes().decode() for d in fallback.tolist()]
        upper = pl.Series(few, dtype=pl.String).str.to_uppercase()
        f_off, f_raw = string_bytes(upper.str.to_lowercase())
        f_data = f_raw.copy()
        at, cp, size = _utf8_chars(f_raw)
        if len(at):
            sep = _case_of(cp)[2]
            _blank(f_data, at[sep], size[sep])
        f_mv = memoryview(f_data)
        for i, d in enumerate(fallback.tolist()):
            pieces[d] = f_mv[f_off[i] : f_off[i + 1]]
        off = np.zeros(n_docs + 1, dtype=np.int64)
        np.cumsum([len(p) for p in pieces], out=off[1:])
        del mv
        data = bytearray().join([bytes((_GAP,)), *pieces])
        if len(data) > _VIEW_BYTES:  # (a text's upper-then-lower case can be 3x as long: "ΐ")
            return _words_split(texts)
    # a `_GAP`, then the texts' bytes: the bytes before each byte are a view of the same
    both = np.frombuffer(data.translate(_byte_table()), dtype=np.uint8)
    text = both[1:]
    size = len(text)
    # the texts' first bytes (each once, in order: the offsets ascend; numpy's unique took
    # ~0.2 ms), as a mask: Arrow's bitmap of them (`pl.from_arrow`: `pl.Series` of a Boolean
    # array took ~0.14 ms)
    edges = off[:-1][off[:-1] < size]
    edges = edges[np.append(True, edges[1:] != edges[:-1])[: len(edges)]]
    bits = np.zeros(size // 8 + 1, dtype=np.uint8)
    np.bitwise_or.at(bits, edges >> 3, np.left_shift(1, edges & 7).astype(np.uint8))
    edge = pl.from_arrow(pa.Array.from_buffers(pa.bool_(), size, [None, pa.py_buffer(bits)]))
    chars = pl.Series(text)
    word = chars < _GAP
    # a word's first byte: a word byte after a `_GAP` or at a text's edge (polars' shift of a
    # mask took ~0.5 ms a web batch)
    start = word & ((pl.Series(both[:-1]) == _GAP) | edge)
    # where the words start among the word bytes (kept in a row: the words and the joined texts
    # are their slices, int32 offsets)
    kept = chars.filter(word).to_numpy()
    at = _positions(start.filter(word), extra=1)
    n = len(at) - 1
    at[n] = len(kept)
    at = at.view(np.int32)
    # text d's first word: the number of words starting before its first byte, read among the
    # word starts and edges (positions over fewer entries than the bytes): edge j stands after
    # the words starting before it and the edges before it that start no word
    words_before = _positions(edge.filter(start | edge)).astype(np.int64)
    no_word = text[edges] >= _GAP
    words_before[1:] -= np.cumsum(no_word[:-1])
    first = np.full(n_docs + 1, n, dtype=np.int64)
    inside = off < size
    first[inside] = words_before[np.searchsorted(edges, off[inside])]
    buf = pa.py_buffer(kept)
    words = pa.StringArray.from_buffers(n, pa.py_buffer(at), buf).cast(pa.string_view())
    joined_docs = pa.StringArray.from_buffers(n_docs, pa.py_buffer(at[first]), buf)
    return pl.Series(words), first, pl.Series(joined_docs)


def _doc_keys(batch: Batch) -> pl.DataFrame:
    """Where each document of the batch comes from: the reader's file and line (row) number. They
    are the same in the corpus pass and the main pass, whatever the rules before this one stripped.
    Without them (a bare DataFrame handed to process_batch) the position in the batch stands in."""
    cols = batch.docs.columns
    file = pl.col(FILE_COL).cast(pl.String) if FILE_COL in cols else pl.lit("", pl.String)
    line = pl.col(LINE_COL).cast(pl.Int64) if LINE_COL in cols else pl.col(DOC).cast(pl.Int64) + 1
    return batch.docs.select(DOC, file.fill_null("").alias("file"), line.fill_null(0).alias("line"))


# the shingle hash: a polynomial of the word hashes mod 2^64 (an odd multiplier: a shingle that
# differs from another in one word never hashes the same), then murmur3's 64-bit finaliser, which
# spreads every input bit over the whole value (MinHash takes minimums of it)
_POLY = np.uint64(0x9E3779B97F4A7C15)
_FMIX = (np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53))


def shingle_hashes(h: np.ndarray, k: int) -> np.ndarray:
    """The hash of every run of `k` consecutive values of `h` (uint64 word hashes): for the run
    starting at r, fmix64(h[r] * P^(k-1) + h[r+1] * P^(k-2) + ... + h[r+k-1]) mod 2^64 (P =
    `_POLY`; fmix64: x ^= x >> 33, x *= F1, x ^= x >> 33, x *= F2, x ^= x >> 33), in numpy: a
    few passes over the words, where polars' struct-hash chain took four hashes of pairs
    (web-unique: 3 ms against 16)."""
    n = len(h) - k + 1
    x = h[:n].copy()
    for i in range(1, k):
        np.multiply(x, _POLY, out=x)  # wraps mod 2^64
        np.add(x, h[i : i + n], out=x)
    return _fmix(x)


def _fmix(x: np.ndarray) -> np.ndarray:
    """murmur3's 64-bit finaliser of `x` (uint64), in place: x ^= x >> 33, x *= F1,
    x ^= x >> 33, x *= F2, x ^= x >> 33."""
    t = np.empty_like(x)
    for m in (*_FMIX, None):
        np.right_shift(x, np.uint64(33), out=t)
        np.bitwise_xor(x, t, out=x)
        if m is not None:
            np.multiply(x, m, out=x)
    return x


def _permutation(seed: int) -> tuple[int, int]:
    """(a, b) of the hash h(x) = (a*x + b) mod 2^64 (odd a) that orders the shingles."""
    rng = random.Random(seed)
    return rng.getrandbits(64) | 1, rng.getrandbits(64)


@functools.lru_cache(maxsize=2)  # ~100 KB at the default 112 bins, ~32 MB at the most (2048)
def _borrow_order(k: int, seed: int) -> np.ndarray:
    """Each bin's order of the k bins to borrow from when it is empty: bin j's order sorts the
    bins f by fmix64(j * 2^32 + f + seed * 2^48) (distinct keys: fmix64 is a bijection), the
    same for every document. order[j, t] is the t-th bin of j's order (int64, k x k). Built once
    per (k, seed)."""
    j = np.arange(k, dtype=np.uint64)[:, None] << np.uint64(32)
    keys = _fmix(j + np.arange(k, dtype=np.uint64) + np.uint64((seed << 48) & _M64))
    return np.argsort(keys, axis=1)


@functools.lru_cache(maxsize=2)
def _borrow_places(k: int, seed: int) -> np.ndarray:
    """`_borrow_order` transposed: places[t, j] is the t-th bin of bin j's order (contiguous
    rows)."""
    return np.ascontiguousarray(_borrow_order(k, seed).T)


@functools.lru_cache(maxsize=2)
def _rank_keys(k: int, seed: int) -> tuple[np.ndarray, int]:
    """(key, bits): key[f, j] = (place of f in bin j's order + 1) * 2^bits + f, and j itself for
    f = j (k x k; bits: enough for k - 1; int16 when the keys fit, as at 112 bins, else int32:
    half the bytes to gather): the smallest key among a document's filled bins f names, in its
    low bits, the bin that bin j takes its value from (j itself when filled). Built once per
    (k, seed)."""
    order = _borrow_order(k, seed)
    place = np.empty((k, k), dtype=np.int32)  # place[j, f]: where f stands in j's order
    np.put_along_axis(place, order, np.arange(k, dtype=np.int32)[None, :], axis=1)
    bits = max(1, (k - 1).bit_length())
    f = np.arange(k, dtype=np.int32)[:, None]
    key = ((place.T + 1) << bits) | f
    np.fill_diagonal(key, np.arange(k, dtype=np.int32))
    if (k << bits) < 1 << 15:
        key = key.astype(np.int16)
    return key, bits


def _densify(sig: np.ndarray, filled: np.ndarray, k: int, seed: int) -> None:
    """Fill the empty bins of `sig` (documents x k, flat; `filled` says which bins hold a
    minimum) in place: an empty bin j takes the value of the first filled bin of its order
    (`_borrow_order`). Found two ways, with the same answer, whichever is cheaper for the
    document (`_WALK_COST`): a document with few filled bins (short documents leave most bins
    empty) takes, for all its bins at once, the smallest of its m filled bins' rows of
    `_rank_keys` (m x k look-ups, running minimums over all documents of the same m at once);
    the others walk each empty bin's order until a filled bin (about k / m steps, few empty
    bins)."""
    full = filled.reshape(-1, k)
    # the empty bins (polars' filter: a web batch's 183 k bins in ~30 us, numpy's flatnonzero
    # ~190), their documents and how many each has (a count over the rows took ~100 us)
    empty = _flat_true(~filled)
    if len(empty) == 0:
        return
    doc = empty // k
    m = k - np.bincount(doc, minlength=len(full))
    ranked = (m * m <= _WALK_COST * (k - m)) & (m < k)
    docs = np.flatnonzero(ranked)
    if len(docs):
        walks = ~ranked[doc]  # the documents that walk their orders
        empty, doc = empty[walks], doc[walks]
        (key, bits), sig2 = _rank_keys(k, seed), sig.reshape(-1, k)
        if len(docs) * k * k <= _DENSIFY_CELLS:
            # few documents (a web batch has a few short ones): each bin's smallest key over the
            # document's filled bins, one masked 3-D minimum for all of them (web-unique, 8
            # documents: ~60 us against ~280 for a group per number of filled bins)
            keys = np.where(full[docs][:, :, None], key[None], np.iinfo(key.dtype).max)
            src = np.bitwise_and(keys.min(axis=1), (1 << bits) - 1, dtype=np.int64)
            src += (docs * k)[:, None]
            sig2[docs] = sig[src]  # filled bins only
            docs = docs[:0]
        # by number of filled bins w: a (documents x w) matrix of them and w running minimums of
        # k keys (one 2-D `minimum.reduceat` over the documents' rows took 4x longer: 6.6 ms
        # against 1.7 for 4,000 documents of 1-8 filled bins)
        docs = docs[np.argsort(m[docs], kind="stable")]
        edges = np.flatnonzero(np.diff(m[docs])) + 1
        per = max(1, _DENSIFY_CELLS // k)  # documents at a time: bounded memory
        for a, b in zip(np.append(0, edges), np.append(edges, len(docs)), strict=True):
            if a == b:
                continue
            w = int(m[docs[a]])
            for lo in range(a, b, per):
                dd = docs[lo : min(lo + per, b)]
                # 1-D flatnonzero: 2-D nonzero took 4x longer
                f = (np.flatnonzero(full[dd]) % k).reshape(len(dd), w)
                # few documents: one 3-D gather (the loop's w steps cost ~7 us each whatever
                # the documents)
                if len(dd) * w * k <= _DENSIFY_CELLS:
                    best = key[f].min(axis=1)
                else:
                    best = key[f[:, 0]]
                    part = np.empty_like(best)
                    for t in range(1, w):
                        np.take(key, f[:, t], axis=0, out=part, mode="clip")
                        np.minimum(best, part, out=best)
                src = np.bitwise_and(best, (1 << bits) - 1, dtype=np.int64)
                src += (dd * k)[:, None]
                sig2[dd] = sig[src]  # filled bins only
    # the other documents' empty bins, 2^14 at a time (up to 64 look-ups each)
    order = _borrow_order(k, seed)
    places = _borrow_places(k, seed)
    for lo in range(0, len(empty), _DENSIFY_CELLS // 64):
        part = empty[lo : lo + _DENSIFY_CELLS // 64]
        d = doc[lo : lo + _DENSIFY_CELLS // 64]
        base = d * k
        j = part - base
        # the first _STEPS places one at a time, in 1-D (a dense document fills most bins: about
        # 15 in 16 empty bins of a web page stop at the first place, which every bin tries),
        # then spans of doubling width; place t of every bin's order is a row of
        # `_borrow_places` (a 1-D gather: order[j, t] took 3x as long)
        src = base + places[0][j]
        at = np.flatnonzero(~filled[src])
        base, jj = base[at], j[at]
        for t in range(1, min(_STEPS, k)):
            if len(at) == 0:
                break
            cell = base + places[t][jj]
            ok = filled[cell]
            src[at[ok]] = cell[ok]
            miss = ~ok
            base, jj, at = base[miss], jj[miss], at[miss]
        pend = at
        for t0, t1 in _SPANS:  # widths doubling: about twice the look-ups a bin needs
            if len(pend) == 0 or t0 >= k:
                break
            cell = (d[pend] * k)[:, None] + order[j[pend], t0 : min(t1, k)]
            ok = filled[cell]
            hit = ok.any(axis=1)
            first = ok.argmax(axis=1)
            src[pend[hit]] = cell[hit, first[hit]]
            pend = pend[~hit]
        sig[part] = sig[src]  # src: filled bins only, never one written here


def oph_signatures(x: np.ndarray, starts: np.ndarray, k: int, seed: int) -> np.ndarray:
    """One-permutation MinHash with optimal densification (Shrivastava 2017, "Optimal
    Densification for Fast and Accurate Minwise Hashing"): a (documents x k) uint64 signature of
    the shingle hashes `x`, document d holding x[starts[d]:starts[d + 1]]. Each shingle is hashed
    once, y = (a*x + b) mod 2^64 (`_permutation`); its bin is the top bits, (y >> 32) * k >> 32,
    and bin i of the signature is the smallest y that falls in it. An empty bin i takes the value
    of the first filled bin in i's own fixed order of the bins (`_borrow_order`; the paper's
    probe sequence, without repeats). Two documents agree on a bin with probability their
    Jaccard similarity, as with k permutations, for one hash per shingle instead of k
    (web-unique: ~13 ms against 29.5). collect computes the same from the word hashes
    (`word_signatures`)."""
    n_docs = len(starts)
    # each shingle's first cell of the signature: its document's
    base = np.repeat(
        np.arange(0, n_docs * k, k, dtype=np.int64), np.diff(np.append(starts, len(x)))
    )

    def shingles(lo: int, hi: int, out: np.ndarray) -> None:
        np.copyto(out, x[lo:hi])

    return _signatures(shingles, len(x), base, n_docs, k, seed)


def word_signatures(
    h: np.ndarray, nw: np.ndarray, w: int, k: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """(sig, has): `oph_signatures` of the `shingle_hashes` (w words) of documents holding nw[d]
    words each, whose hashes are `h` in a row, for the documents holding a shingle (`has`, their
    positions; sig: a row each). A block of shingles is hashed, permuted, binned and minimised
    while it is in the cache (separate passes over the whole batch took ~0.8 ms more a web
    batch), and a run of w words that crosses into the next document falls in a spare row of
    bins (no compaction of the shingles)."""
    count = np.maximum(nw - w + 1, 0)
    has = np.flatnonzero(count)
    n = len(h) - w + 1  # runs of w words inside the batch
    if len(has) == 0 or n <= 0:
        return np.zeros((0, k), dtype=np.uint64), has
    spare = len(has) * k
    first = np.full(len(nw), spare, dtype=np.int64)
    first[has] = np.arange(0, spare, k, dtype=np.int64)
    base = np.repeat(first, nw)  # the cells of the document of each word's run
    # a document's last w - 1 words (all of them if it has fewer than w) start no shingle
    ends = np.cumsum(nw)
    back = np.arange(1, w)
    last = ends[:, None] - back
    base[last[back <= nw[:, None]]] = spare

    steps = _window_steps(w)
    spans = [np.empty(min(_BLOCK, n) + w, dtype=np.uint64) for _ in range(2)]

    def shingles(lo: int, hi: int, out: np.ndarray) -> None:
        # `shingle_hashes` of the block: the polynomials of windows of m words, m from 1 to w
        # (`_window_steps`; numpy's multiplications wrap mod 2^64), then fmix64
        cur, m = h[lo : hi + w - 1], 1
        for i, (double, pw) in enumerate(steps):
            size = hi - lo + w - (2 * m if double else m + 1)  # windows of the next m
            dst = out if i == len(steps) - 1 else spans[i % 2][:size]
            np.multiply(cur[:size], pw, out=dst)
            np.add(dst, cur[m : m + size] if double else h[lo + m : lo + m + size], out=dst)
            cur, m = dst, 2 * m if double else m + 1
        if not steps:
            np.copyto(out, cur)
        _fmix(out)

    return _signatures(shingles, n, base, len(has), k, seed), has


@functools.lru_cache(maxsize=4)
def _window_steps(w: int) -> list[tuple[bool, np.uint64]]:
    """How `word_signatures` grows the polynomial of a window of m words, A_m[r] = h[r] P^(m-1)
    + h[r+1] P^(m-2) + ... + h[r+m-1] mod 2^64 (`shingle_hashes`' before fmix64), from m = 1 to
    w: (True, P^m), doubling, A_2m[r] = A_m[r] P^m + A_m[r+m]; (False, P), one word more,
    A_m+1[r] = A_m[r] P + h[r+m]; by w's bits, as a power by squaring: two passes a step, 6 for
    5 words where Horner's rule takes 8 (640 k words: ~0.85 -> ~0.7 ms)."""
    poly = int(_POLY)
    steps, m = [], 1
    for bit in bin(w)[3:]:
        steps.append((True, np.uint64(pow(poly, m, 1 << 64))))
        m *= 2
        if bit == "1":
            steps.append((False, _POLY))
            m += 1
    return steps


def _signatures(
    shingles: Callable[[int, int, np.ndarray], None],
    n: int,
    base: np.ndarray,
    n_docs: int,
    k: int,
    seed: int,
) -> np.ndarray:
    """The signatures (n_docs x k) of n shingles, made `_BLOCK` at a time by
    shingles(lo, hi, out) (their hashes x into `out`): shingle r falls in cell base[r] + its
    bin (base[r] >= n_docs * k: a spare row, dropped). `oph_signatures`' definition."""
    a, b = _permutation(seed)
    a, b = np.uint64(a), np.uint64(b)
    top = np.iinfo(np.uint64).max
    sig = _empty(n_docs * k + k, np.uint64)  # (numpy: fresh pages every batch)
    sig.fill(top)
    y = np.empty(min(_BLOCK, n), dtype=np.uint64)
    cell = np.empty(min(_BLOCK, n), dtype=np.uint64)
    tops = []  # the cells of shingles whose y is 2^64 - 1 (a cell below it is filled)
    for lo in range(0, n, _BLOCK):
        hi = min(lo + _BLOCK, n)
        yy, c = y[: hi - lo], cell[: hi - lo]
        shingles(lo, hi, yy)
        np.multiply(yy, a, out=yy)
        np.add(yy, b, out=yy)
        np.right_shift(yy, np.uint64(32), out=c)
        np.multiply(c, np.uint64(k), out=c)
        np.right_shift(c, np.uint64(32), out=c)
        c = c.view(np.int64)
        c += base[lo:hi]
        # the minimum of each cell: numpy's `minimum.at` (web-unique: ~1.5 ms; the stable sort by
        # bin, three gathers and `minimum.reduceat` per block it replaces took ~10)
        np.minimum.at(sig, c, yy)
        if yy.max() == top:
            tops.append(c[yy == top])
    sig = sig[: n_docs * k]
    # a cell is filled when a shingle fell in it: its minimum is below 2^64 - 1, or a y of
    # 2^64 - 1 fell there (a scatter of every shingle's cell cost ~0.5 ms a web batch)
    filled = sig != top
    for c in tops:
        filled[c[c < n_docs * k]] = True
    _densify(sig, filled, k, seed)
    return sig.reshape(n_docs, k)


def _rows_of(finished: pl.DataFrame, keys: pl.DataFrame) -> pl.DataFrame:
    """The rows of `finished` (sorted by file, then line) that can match `keys`: for each file of
    the batch, those between its first and last line. A batch then joins its own few rows, not
    every clustered document of the corpus: a join per batch against the whole frame made the
    main pass quadratic in corpus size (200k web documents, nearly all in clusters: 3.1 of a
    run's 41 CPU s)."""
    if finished.height == 0 or keys.height == 0:
        return finished
    files = finished.get_column("file")
    lines = finished.get_column("line")
    parts = []
    span = keys.group_by("file").agg(pl.col("line").min().alias("lo"), pl.col("line").max())
    for file, lo, hi in span.sort("file").iter_rows():
        f0 = int(files.search_sorted(file, side="left"))
        f1 = int(files.search_sorted(file, side="right"))
        if f0 == f1:
            continue
        in_file = lines.slice(f0, f1 - f0)
        r0 = f0 + int(in_file.search_sorted(lo, side="left"))
        r1 = f0 + int(in_file.search_sorted(hi, side="right"))
        parts.append(finished.slice(r0, r1 - r0))
    return pl.concat(parts) if parts else finished.head(0)


@functools.lru_cache(maxsize=4)
def _band_names(bands: int) -> tuple[str, ...]:
    return tuple(f"b{j}" for j in range(bands))


@functools.lru_cache(maxsize=4)
def _bin_names(k: int) -> list[str]:
    return [f"m{i}" for i in range(k)]


@functools.lru_cache(maxsize=4)
def _band_exprs(bands: int, rows: int) -> tuple[pl.Expr, ...]:
    """Band j's hash: polars' struct hash of bins m{j x rows} .. m{j x rows + rows - 1}, seeded
    _SEED + j (built once: building the expressions took ~0.2 ms a batch)."""
    return tuple(
        pl.struct(_bin_names(bands * rows)[j * rows : (j + 1) * rows]).hash(_SEED + j).alias(b)
        for j, b in enumerate(_band_names(bands))
    )


def _file_line(batch: Batch) -> tuple[pl.Series, pl.Series]:
    """`_doc_keys`' file and line columns, as Series (a select of them costs more)."""
    docs = batch.docs
    cols = docs.columns
    if FILE_COL in cols:
        file = docs.get_column(FILE_COL).cast(pl.String)
        file = file.fill_null("") if file.has_nulls() else file  # (a fill costs ~30 us)
    else:
        file = pl.repeat("", docs.height, dtype=pl.String, eager=True)
    if LINE_COL in cols:
        line = docs.get_column(LINE_COL).cast(pl.Int64)
        line = line.fill_null(0) if line.has_nulls() else line
    else:
        line = docs.get_column(DOC).cast(pl.Int64) + 1
    return file.alias("file"), line.alias("line")


def _file_numbers(file: pl.Series) -> tuple[list[str], pl.Series]:
    """(files, fid): the distinct file names, sorted, and each row's number among them (UInt32).
    A batch is read from one file, mostly: then every number is 0."""
    if len(file) and (file == file[0]).all():
        return [file[0]], pl.Series("fid", np.zeros(len(file), dtype=np.uint32))
    files = sorted(set(file.to_list()))
    fid = {f: i for i, f in enumerate(files)}
    return files, file.replace_strict(fid, return_dtype=pl.UInt32).alias("fid")


def _finished_rows(finished: pl.DataFrame, file: pl.Series, line: pl.Series) -> np.ndarray | None:
    """The row of `finished` (sorted by file, then line) holding each (file, line) of a batch,
    -1 where none does (int64), by binary search within each file's rows; None when a location
    the batch holds appears twice in `finished` (a join would repeat the batch's row: the caller
    takes the joins' way)."""
    rows = np.full(len(file), -1, dtype=np.int64)
    if finished.height == 0 or len(file) == 0:
        return rows
    files = finished.get_column("file")
    lines = finished.get_column("line").to_numpy()
    q = line.to_numpy()
    if (file == file[0]).all():  # a batch is read from one file, mostly
        groups = [(file[0], None)]
    else:
        groups = [(f, np.flatnonzero((file == f).to_numpy())) for f in file.unique().to_list()]
    for f, pos in groups:
        f0 = int(files.search_sorted(f, side="left"))
        f1 = int(files.search_sorted(f, side="right"))
        if f0 == f1:
            continue
        fl = lines[f0:f1]
        qq = q if pos is None else q[pos]
        i = np.minimum(np.searchsorted(fl, qq), len(fl) - 1)
        hit = fl[i] == qq
        nxt = np.minimum(i + 1, len(fl) - 1)
        if (hit & (nxt > i) & (fl[nxt] == qq)).any():
            return None
        if pos is None:
            rows[hit] = f0 + i[hit]
        else:
            rows[pos[hit]] = f0 + i[hit]
    return rows


def _components(docs: pl.DataFrame, keys: list[str]) -> np.ndarray:
    """Each document's label (uint32): the smallest row index `_i` of the documents it is linked
    to, directly or through others, by an equal non-null value of one of `keys` (connected
    components). Min-label propagation until no label changes, each round followed by pointer
    jumping (a label is a document: take that document's label). The groups of equal values are
    found once (each row's group representative: the group's smallest `_i`, one window per key),
    the rounds run in numpy (`minimum.at` over the representatives): a polars window per key
    per round took ~40 ms a round at 200k documents. Every round lowers labels to a document
    of the same component and stops only when every group holds one label, so the labels are
    each component's smallest index, however the rounds go."""
    n = docs.height
    i = pl.col("_i")
    reps = docs.select_seq(
        pl.when(pl.col(k).is_not_null()).then(i.min().over(k)).otherwise(i).alias(k) for k in keys
    )
    reps = [reps.get_column(k).to_numpy().astype(np.intp) for k in keys]
    label = np.arange(n, dtype=np.intp)
    for r in reps:  # the first round: each group's smallest label is its representative
        np.minimum(label, r, out=label)
    label = label[label]
    low = np.empty(n, dtype=np.intp)
    while True:
        new = label.copy()
        for r in reps:
            low.fill(n)
            np.minimum.at(low, r, label)  # each group's smallest label, at its representative
            np.minimum(new, low[r], out=new)
        new = new[new]
        if np.array_equal(new, label):
            return label.astype(np.uint32)
        label = new


def location(file: str, line: int) -> str:
    return f"{file}:{line}" if file else f"row {line}"


@register
class DuplicateDocuments(Rule):
    """Documents that duplicate, exactly or nearly, a document seen elsewhere in the corpus.

    Catches: the same story syndicated to many sites, mirrors, a page crawled twice, templated
    pages that differ in a few words.

    Why: duplicates weigh one text many times in training and leak between train and test splits.

    Example: three copies of one news article, one with a different byline; the first (by input
    order) is the cluster's representative, the two others fire with `duplicate_of` naming it.

    The representative is chosen before any other rule judges the documents, and this rule never
    fires on it; the other rules still judge it. When another `drop` rule rejects it (a teaser
    too short for too-few-words, a copy in the wrong language), the other copies are rejected
    all the same, as its duplicates: no copy of the cluster is kept. To keep one copy of the
    documents that pass the other rules, run those rules first, then deduplicate the `train`
    split they kept (`curate run OUT/train --rules dedup.yaml`, with this rule alone).

    How: two passes. The corpus pass collects, per document, a hash of its normalised text
    (lower case, without punctuation, symbols or whitespace) and, with `near`, a MinHash
    signature of its word `shingle_words`-grams (words: the text lower-cased, punctuation and
    symbols turned into spaces) of which only the `bands` band hashes are kept: memory is about
    8 x (bands + 2) bytes per document, never its text. Each shingle is hashed once (a
    polynomial of its words' hashes mod 2^64, murmur3's 64-bit finaliser, then one seeded
    multiply-shift permutation); the signature is one-permutation MinHash with optimal
    densification (Shrivastava 2017): the hashes fall into `bands` x `rows` bins by their top
    bits, each bin keeps its smallest hash, and an empty bin (a short document) borrows the
    value of the first filled bin in its own fixed order of the bins, the same for every
    document. Band j hashes bins j x rows to j x rows + rows - 1. Documents sharing the exact
    hash or any band hash are linked; linked documents form a cluster (connected components).
    The representative of a cluster is its first document in input order (file path, then line or
    row number), so the choice does not depend on sharding or workers. Runs are deterministic
    (fixed seeds; word hashes are polars' seeded hash, stable for a given polars version).

    LSH: two documents agree on a bin with probability their Jaccard similarity s (as with one
    permutation per bin), and become candidates with probability 1 - (1 - s^rows)^bands
    (measured: bench/dedup_eval.py, bench/results/dedup.md). With the defaults (14 bands x 8
    rows = 112 bins, 5-word shingles, as datatrove's MinHash defaults) the threshold
    (1/bands)^(1/rows) is 0.72: s = 0.9 links with p = 0.998, s = 0.8 with 0.92, s = 0.7 with
    0.60, s = 0.5 with 0.05. With fewer shingles than bins (short documents), borrowed bins make
    a band's rows agree together a little more often: measured, up to 0.03 above the curve on
    its slope. Candidates are not verified (only band hashes are kept), so chains
    of near duplicates can join a cluster. Documents with fewer words than `shingle_words` are
    matched exactly only; empty documents are never duplicates.

    Signals:
      duplicate_of            location (`file:line`) of the cluster's representative (which
                              other rules may have dropped); empty for documents that are not
                              duplicates and for the representatives
      duplicate_cluster_size  documents in the cluster (1: unique)
      duplicate_kind          `exact` (same normalised text as the kept one), `near`, or empty

    Actions: `flag` and `drop` fire on every document of a cluster but its representative.
    """

    name = "duplicate-documents"
    family = "dedup"
    actions = ("flag", "drop")
    needs_corpus = True
    main_signal = "duplicate_cluster_size"
    bins = (1, 2, 3, 5, 10, 100, 1000, 10**9)

    @dataclass(frozen=True)
    class Params:
        near: bool = param(
            True,
            "also find near duplicates (MinHash + LSH); false: exact only",
            source="our choice",
        )
        shingle_words: int = param(
            5,
            "words per shingle",
            unit="words",
            source="datatrove MinhashConfig (n_grams=5)",
            min=1,
            max=32,
        )
        bands: int = param(
            14,
            "LSH bands",
            unit="bands",
            source="datatrove MinhashConfig (num_buckets=14)",
            min=1,
            max=64,
        )
        rows: int = param(
            8,
            "MinHash values (bins of the one-permutation signature) per band",
            unit="bins",
            source="datatrove MinhashConfig (hashes_per_bucket=8)",
            min=1,
            max=32,
        )
        seed: int = param(
            1, "seed of the MinHash permutation and densification", source="our choice", min=0
        )

    # -- corpus pass ---------------------------------------------------------------------------
    def collect(self, batch: Batch) -> Any:
        """Per document with a word: its file's number, line, exact hash and band hashes. Built
        as Series and one DataFrame (a batch's fixed cost: the frame of keys, joins, concat and
        select it replaces took ~1 ms a batch whatever its size; bench/results/dedup.md)."""
        p = self.params
        # the words of the normalised texts, and each text's words joined by "": from the bytes
        words, first, joined = _words(batch.docs.get_column("text"))
        nw = np.diff(first)
        kept = nw > 0  # the texts that normalise to "" have no words: never duplicates
        file, line = _file_line(batch)
        if not kept.all():  # keys and texts are row for row the batch's: filter both
            keep = pl.Series(kept)
            file, line, joined = file.filter(keep), line.filter(keep), joined.filter(keep)
            nw = nw[kept]
        files, fid = _file_numbers(file)
        # exact: the text without case, punctuation or spaces ("1,000" == "1000")
        cols = [fid, line, joined.hash(_SEED).alias("exact")]
        n = len(nw)
        if p.near and n:
            bands, has = self._bands(words.hash(_SEED).to_numpy(), nw)
            if len(has) < n:  # rows for every document, null for those without a shingle
                at = np.zeros(n, dtype=np.uint32)
                at[has] = np.arange(len(has), dtype=np.uint32)
                none = np.ones(n, dtype=bool)
                none[has] = False
                at = pl.from_arrow(numbers(at, none))
                bands = bands.select(pl.all().gather(at))
            cols += bands.get_columns()
        else:
            none = pl.repeat(None, n, dtype=pl.UInt64, eager=True)
            cols += [none.alias(c) for c in _band_names(p.bands)]
        return {"files": files, "docs": pl.DataFrame(cols)}

    def _bands(self, h: np.ndarray, nw: np.ndarray) -> tuple[pl.DataFrame, np.ndarray]:
        """(bands, has): the band hashes (b0..b{bands-1}) of the one-permutation MinHash
        signatures (`word_signatures`) of documents holding nw[d] words each, whose hashes are
        `h` in a row, for the documents holding a shingle (`has`, their positions): the values of
        the definition (`bands_plain` in tests/checks/test_dedup_speed.py)."""
        p = self.params
        k = p.bands * p.rows
        sig, has = word_signatures(h, nw, p.shingle_words, k, p.seed)
        if len(has) == 0:
            return pl.DataFrame(schema=dict.fromkeys(_band_names(p.bands), pl.UInt64)), has
        # bin i's column: a contiguous row of the transposed signature, a slice of one Series of
        # them all (`pl.from_numpy` took ~0.55 ms a web batch for its 112 columns, ~0.3 this);
        # the expressions are built once
        n = len(has)
        every = pl.Series(np.ascontiguousarray(sig.T).reshape(-1))
        mins = pl.DataFrame([every.slice(i * n, n).alias(c) for i, c in enumerate(_bin_names(k))])
        # on the calling thread (a multi-expression select runs on polars' pool, whose thread then
        # spins: ~0.3 ms of CPU a batch more)
        return mins.select_seq(_band_exprs(p.bands, p.rows)), has

    def merge(self, a: Any, b: Any) -> Any:
        if a is None:
            return b
        if b is None:
            return a
        files = sorted(set(a["files"]) | set(b["files"]))
        fid = {f: i for i, f in enumerate(files)}

        def remap(agg: dict) -> pl.DataFrame:
            old = {i: fid[f] for i, f in enumerate(agg["files"])}
            if all(i == j for i, j in old.items()):  # the same numbers: nothing to rewrite (a
                # shard's running aggregate grows batch by batch; rewriting it at every merge
                # cost batches x documents)
                return agg["docs"]
            return agg["docs"].with_columns(
                pl.col("fid").replace_strict(old, return_dtype=pl.UInt32)
            )

        return {"files": files, "docs": pl.concat([remap(a), remap(b)], how="vertical_relaxed")}

    def finish(self, aggregate: Any) -> Any:
        """Clusters: connected components of documents sharing the exact hash or a band hash.
        Returns the documents of clusters of two or more, with their representative."""
        empty = pl.DataFrame(
            schema={
                "file": pl.String,
                "line": pl.Int64,
                "duplicate_of": pl.String,
                "duplicate_cluster_size": pl.Int64,
                "duplicate_kind": pl.String,
                "_rep": pl.Boolean,
            }
        )
        if aggregate is None or aggregate["docs"].height == 0:
            return empty
        files = aggregate["files"]
        # input order: files are sorted by path, so fid order is path order
        docs = aggregate["docs"].sort("fid", "line").with_row_index("_i")
        keys = ["exact", *[c for c in docs.columns if c.startswith("b") and c[1:].isdigit()]]
        keys = [k for k in keys if docs[k].null_count() < docs.height]
        docs = docs.with_columns(pl.Series("_label", _components(docs, keys), dtype=pl.UInt32))
        docs = docs.with_columns(pl.len().over("_label").alias("duplicate_cluster_size"))
        clustered = docs.filter(pl.col("duplicate_cluster_size") > 1)
        rep = clustered.filter(pl.col("_i") == pl.col("_label")).select(
            pl.col("_i").alias("_label"),
            pl.col("fid").alias("_rfid"),
            pl.col("line").alias("_rline"),
            pl.col("exact").alias("_rexact"),
        )
        clustered = clustered.join(rep, on="_label", how="left", maintain_order="left")
        names = pl.Series(files, dtype=pl.String)
        out = clustered.select(
            pl.col("fid")
            .map_batches(lambda s: names.gather(s), return_dtype=pl.String)
            .alias("file"),
            "line",
            pl.col("_rfid")
            .map_batches(lambda s: names.gather(s), return_dtype=pl.String)
            .alias("_rfile"),
            "_rline",
            "duplicate_cluster_size",
            pl.when(pl.col("exact") == pl.col("_rexact"))
            .then(pl.lit("exact"))
            .otherwise(pl.lit("near"))
            .alias("duplicate_kind"),
            (pl.col("_i") == pl.col("_label")).alias("_rep"),
        )
        out = out.with_columns(
            pl.when(pl.col("_rfile") != "")
            .then(pl.format("{}:{}", "_rfile", "_rline"))
            .otherwise(pl.format("row {}", "_rline"))
            .alias("duplicate_of")
        ).drop("_rfile", "_rline")
        # sorted by location: evaluate finds a batch's rows by binary search (`_finished_rows`)
        return out.select(empty.columns).sort("file", "line")

    def corpus_summary(self, finished: Any) -> dict[str, Any]:
        if finished is None or finished.height == 0:
            return {"clusters": 0, "duplicates": 0, "exact": 0, "near": 0, "largest": []}
        dups = finished.filter(~pl.col("_rep"))
        # the largest first; of one size, the first in input order (file, then line as a number)
        reps = finished.filter(pl.col("_rep")).sort(
            ["duplicate_cluster_size", "file", "line"],
            descending=[True, False, False],
            nulls_last=True,
        )
        top = reps.head(10).select("file", "line", "duplicate_cluster_size")
        largest = [
            {"size": int(size), "representative": location(f, ln)}
            for f, ln, size in top.iter_rows()
        ]
        kinds = dict(dups["duplicate_kind"].value_counts().iter_rows())
        p = self.params
        return {
            "clusters": reps.height,
            "duplicates": dups.height,
            "exact": int(kinds.get("exact", 0)),
            "near": int(kinds.get("near", 0)),
            "largest": largest,
            "minhash": {
                "near": p.near,
                "shingle_words": p.shingle_words,
                "bands": p.bands,
                "rows": p.rows,
                "threshold": round((1 / p.bands) ** (1 / p.rows), 3),
            },
        }

    # -- main pass -----------------------------------------------------------------------------
    def evaluate(self, batch: Batch) -> RuleResult:
        finished = batch.corpus.get(self.name)
        if finished is None:
            finished = self.finish(None)
        file, line = _file_line(batch)
        rows = _finished_rows(finished, file, line)
        if rows is None:  # a location twice among the clusters: the joins' answer
            return self._evaluate_joined(finished, _doc_keys(batch))
        # the batch's rows of `finished` looked up by binary search, gathered by index (two joins
        # per batch took ~2.3 ms of a 200k-document run's batch; bench/results/dedup.md)
        found = rows >= 0
        at = rows.astype(np.uint32)
        size = finished.get_column("duplicate_cluster_size").gather(
            pl.from_arrow(numbers(at, ~found))
        )
        rep = finished.get_column("_rep").gather(pl.Series(at[found])).to_numpy()
        dup = found.copy()
        dup[found] = ~rep  # the kept representative is no duplicate
        dup_at = pl.from_arrow(numbers(at, ~dup))
        dup_of = finished.get_column("duplicate_of").gather(dup_at).alias("duplicate_of")
        return RuleResult(
            signals={
                "duplicate_of": dup_of,
                "duplicate_cluster_size": size.fill_null(1)
                .cast(pl.Int64)
                .alias("duplicate_cluster_size"),
                "duplicate_kind": finished.get_column("duplicate_kind")
                .gather(dup_at)
                .alias("duplicate_kind"),
            },
            fired=dup_of.is_not_null(),
        )

    def _evaluate_joined(self, finished: pl.DataFrame, keys: pl.DataFrame) -> RuleResult:
        """evaluate by joining the batch's keys with its rows of `finished` (the definition)."""
        finished = _rows_of(finished, keys)
        joined = keys.join(
            finished.filter(~pl.col("_rep")), on=["file", "line"], how="left", maintain_order="left"
        )
        size = keys.join(
            finished.select("file", "line", "duplicate_cluster_size"),
            on=["file", "line"],
            how="left",
            maintain_order="left",
        )
        dup_of = joined["duplicate_of"].alias("duplicate_of")
        return RuleResult(
            signals={
                "duplicate_of": dup_of,
                "duplicate_cluster_size": size["duplicate_cluster_size"]
                .fill_null(1)
                .cast(pl.Int64)
                .alias("duplicate_cluster_size"),
                "duplicate_kind": joined["duplicate_kind"].alias("duplicate_kind"),
            },
            fired=dup_of.is_not_null(),
        )
