"""duplicate-documents' fast paths give exactly the values of their plain definitions: the band
hashes are compared across batches, shards and runs, so they must not change."""

from __future__ import annotations

import functools
import random

import numpy as np
import polars as pl
import pyarrow as pa
import pytest

from curate.checks import dedup
from curate.checks.base import DOC, Batch
from curate.checks.dedup import (
    _SEED,
    _UPPER_CODES,
    _byte_table,
    _needs_upper,
    _normalised,
    _permutation,
    _words,
)
from curate.checks.repetition import normalised
from curate.checks.words import CodePointMemo
from curate.config import load_ruleset
from tests.conftest import shared

WORDS = (
    "the harbour authority said on monday that old ferry terminal will close for repairs in "
    "march passengers board at north pier until work ends"
).split()


M64 = (1 << 64) - 1


def _fmix64(x: int) -> int:
    x ^= x >> 33
    x = (x * 0xFF51AFD7ED558CCD) & M64
    x ^= x >> 33
    x = (x * 0xC4CEB9FE1A85EC53) & M64
    return x ^ (x >> 33)


def shingles_plain(rule, frame: pl.DataFrame) -> pl.DataFrame:
    """(`__doc`, `_x`): the hash of each word `shingle_words`-gram of each document, in order;
    documents with fewer words have none. The definition, in Python integers (`_shingle_hashes` is
    faster): fmix64 of the polynomial h1 * P^(k-1) + ... + hk mod 2^64 of the words' hashes."""
    k = rule.params.shingle_words
    docs, xs = [], []
    for doc, text in frame.select(DOC, "_t").iter_rows():
        h = pl.Series(text.split(" ")).hash(_SEED).to_list()
        for r in range(len(h) - k + 1):
            acc = 0
            for v in h[r : r + k]:
                acc = (acc * 0x9E3779B97F4A7C15 + v) & M64
            docs.append(doc)
            xs.append(_fmix64(acc))
    return pl.DataFrame(
        [pl.Series(DOC, docs, dtype=frame.schema[DOC]), pl.Series("_x", xs, dtype=pl.UInt64)]
    )


def signature_plain(xs: list[int], k: int, seed: int) -> list[int]:
    """One-permutation MinHash with optimal densification of one document's shingle hashes, in
    Python: y = a*x + b mod 2^64 (one seeded permutation); bin i holds the smallest y whose
    (y >> 32) * k >> 32 is i; an empty bin i takes the value of the first filled bin in its
    order: the bins f sorted by fmix64(i * 2^32 + f + seed * 2^48)."""
    a, b = _permutation(seed)
    sig: dict[int, int] = {}
    for x in xs:
        y = (a * x + b) & M64
        i = ((y >> 32) * k) >> 32
        sig[i] = min(sig.get(i, y), y)
    out = []
    for i in range(k):
        if i not in sig:
            i = next(f for f in _order_plain(i, k, seed) if f in sig)
        out.append(sig[i])
    return out


@functools.cache
def _order_plain(i: int, k: int, seed: int) -> list[int]:
    """Bin i's order of the bins to borrow from: sorted by fmix64(i * 2^32 + f + seed * 2^48)."""
    return sorted(range(k), key=lambda f: _fmix64(((i << 32) + f + (seed << 48)) & M64))


def bands_plain(rule, frame: pl.DataFrame) -> pl.DataFrame:
    """The definition of the band hashes (`_signature_bands` computes the same values faster)."""
    p = rule.params
    k = p.bands * p.rows
    sh = shingles_plain(rule, frame)
    rows = {}
    for doc, x in sh.iter_rows():
        rows.setdefault(doc, []).append(x)
    sigs = {doc: signature_plain(xs, k, p.seed) for doc, xs in rows.items()}
    mins = pl.DataFrame(
        [pl.Series(DOC, list(sigs), dtype=sh.schema[DOC])]
        + [pl.Series(f"m{i}", [s[i] for s in sigs.values()], dtype=pl.UInt64) for i in range(k)]
    )
    # band j: polars' struct hash of bins j * rows .. j * rows + rows - 1, seeded _SEED + j
    return mins.select(
        DOC,
        *[
            pl.struct([f"m{j * p.rows + r}" for r in range(p.rows)]).hash(_SEED + j).alias(f"b{j}")
            for j in range(p.bands)
        ],
    )


TEXTS = [
    "",
    " ",
    "  \t\n ",
    "word",
    "two words",
    "three little words",
    "exactly four words here",
    "five words make one shingle",
    "Hello, world!!  Hello -- world... (again) $5 + 3 = 8; 1,000 vs 1000.",
    "  leading and trailing spaces, tabs\tand\nnew lines \u00a0 and no-break spaces  ",
    "Ünïcödé façade — naïve coöperation «quoted» ‹single› “curly” ‘marks’ … ellipsis",
    "Привет, мир! Это короткий текст на русском языке, с пунктуацией и цифрами 12 345.",
    "東京都は月曜日、新しい計画を発表した。市民は、駅の近くで説明会に参加できる。",
    "مرحبا بالعالم، هذا نص قصير باللغة العربية؛ فيه علامات ترقيم!",
    "Ελληνικά: ένα σύντομο κείμενο, με τόνους και σημεία στίξης· τέλος.",
    "İstanbul ılık ISPARTA ıı İİ ǅ ǈ ß ẞ ﬁ ﬀ Σσς",
    "emoji 🙂🙂 and symbols ©®™ €£¥ ±×÷ → ← and math ∑ ∫ √ ∞ <tag> {json: [1, 2]}",
    "a\u2028b\u2029c\u3000d\u200be\u205ff\u180eg",
    "!!! ??? ... --- ***",
    "repeat repeat repeat repeat repeat repeat repeat repeat repeat repeat",
]


def _many(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        words = [rng.choice(WORDS) for _ in range(rng.randint(0, 120))]
        seps = [rng.choice([" ", " ", " ", ", ", ". ", "  ", "\n", " - "]) for _ in words]
        out.append("".join(w + s for w, s in zip(words, seps, strict=True)))
    return out


def _rule(**params):
    rs = load_ruleset(
        {"name": "t", "rules": [{"rule": "duplicate-documents", "action": "drop", **params}]}
    )
    (rule,) = rs.build()
    return rule


def _split(rule, frame: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The shingle hashes of `frame`'s normalised texts (`_t`) and their count per document, by
    `shingle_hashes` over the batch's words (`_shingle_hashes`)."""
    words = frame["_t"].str.split(" ")
    nw = words.list.len().to_numpy().astype(np.int64)
    return _shingle_hashes(rule, nw, words.explode().hash(_SEED).to_numpy())


def _fast_shingles(rule, frame: pl.DataFrame) -> pl.DataFrame:
    """(`__doc`, `_x`): collect's shingle hashes of `frame`, a row per shingle."""
    x, count = _split(rule, frame)
    doc = np.repeat(frame[DOC].to_numpy(), count)
    return pl.DataFrame([pl.Series(DOC, doc).cast(frame.schema[DOC]), pl.Series("_x", x)])


def _fast_bands(rule, frame: pl.DataFrame) -> pl.DataFrame:
    """collect's band hashes (`_signature_bands`: from the word hashes) of `frame`'s documents."""
    words = frame["_t"].str.split(" ")
    nw = words.list.len().to_numpy().astype(np.int64)
    return _signature_bands(rule, frame[DOC], words.explode().hash(_SEED).to_numpy(), nw)


def _shingle_hashes(rule, nw: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(x, count): the hash of each word `shingle_words`-gram of each document, in order, and
    how many each document has: documents holding nw[d] words each, whose hashes (polars'
    seeded string hash) are `h`, in a row. dedup's `shingle_hashes` over the batch's words (row
    r: the shingle starting at word r), keeping the rows whose shingle lies inside one document
    (checked against `shingles_plain`)."""
    k = rule.params.shingle_words
    count = np.maximum(nw - k + 1, 0)
    n = len(h) - k + 1  # rows that start a shingle of k words inside the batch
    if n <= 0:
        return np.zeros(0, dtype=np.uint64), count
    g = dedup.shingle_hashes(h, k)
    # a document's last k - 1 words (all of them if it has fewer than k) start no shingle
    ends = np.cumsum(nw)
    back = np.arange(1, k)
    last = ends[:, None] - back
    keep = np.ones(len(h), dtype=bool)
    keep[last[back <= nw[:, None]]] = False
    return g[keep[:n]], count


def _signature_bands(rule, docs: pl.Series, h: np.ndarray, nw: np.ndarray) -> pl.DataFrame:
    """(`__doc`, b0..): the rule's `_bands` of `docs` holding nw[d] words each, whose hashes are
    `h` in a row, for those holding a shingle."""
    bands, has = rule._bands(h, nw)
    return pl.DataFrame([docs.gather(has).alias(DOC), *bands.get_columns()])


def _frame(texts: list[str | None]) -> pl.DataFrame:
    batch = Batch.from_texts(pl.Series("text", texts, dtype=pl.String))
    return batch.docs.select(DOC, normalised(pl.col("text")).alias("_t")).filter(pl.col("_t") != "")


def _plain_normalised(expr: pl.Expr) -> pl.Expr:
    """normalised's definition: every run of punctuation, symbols and whitespace is one space."""
    return (
        expr.str.to_uppercase()
        .str.to_lowercase()
        .str.replace_all(r"[\p{P}\p{S}\s]+", " ")
        .str.strip_chars()
    )


def test_fast_normalisation_is_the_plain_one():
    texts = [*TEXTS, None, *_many(200), "a  b", " a ", "a\u00a0b", "a , b", "x\t\ty", "-", "  "]
    s = pl.Series("t", texts, dtype=pl.String)
    fast = pl.select(normalised(pl.lit(s))).to_series()
    plain = pl.select(_plain_normalised(pl.lit(s))).to_series()
    assert fast.to_list() == plain.to_list()


# case mappings that upper-casing first changes, in running text and alone, and their neighbours
TRICKY = [
    "ı ıi Iı İstanbul ISPARTA ılık",
    "ß straße STRASSE ẞ",
    "ſ ſtraße longſ",
    "ﬁ ﬂ ﬀ ﬃ ﬆ oﬃce",
    "և եւ ԵՒ Երևան ﬓ ﬔ",
    "Σίσυφος ΟΔΥΣΣΕΥΣ σοφός ς ςa aς aσ b ΑΣ. Σ σ Σσς",
    "Ἀθῆναι ᾳ ᾼ ῳ ΐ ΰ ϐ ϑ ϕ ϖ ϰ ϱ ϵ",
    "µ micro µm μm",
    "ŉ ǰ ẖ ẗ ẘ ẙ ẚ ẛ",
    "ᲀ ᲁ ᲈ Cyrillic small letters",
    "e\u0301 a\u0308 i\u0307 I\u0307 \u0345 α\u0345 combining marks",
    "Ǆ ǅ ǆ ǈ Ⓐ ⓐ ａＢｃ 𐐀 𐐨",
    "Türkçe: KIRMIZI ışık, Iğdır; Ελληνικά: ΤΕΛΟΣ τέλος; Հայերեն՝ ԵՐԵՎԱՆ",
    "plain ascii, no case to fold",
]


def test_fast_case_is_upper_then_lower_for_every_code_point():
    """_UPPER_CODES is exactly the characters whose upper-then-lower case (polars) differs from
    their lower case, plus the three sigmas: if polars' case tables change, this fails."""
    cps = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    one = pl.Series([chr(c) for c in cps], dtype=pl.String)
    differs = one.str.to_uppercase().str.to_lowercase() != one.str.to_lowercase()
    found = {cps[i] for i in differs.arg_true().to_list()} | {0x3A3, 0x3C2, 0x3C3}
    assert set(_UPPER_CODES.tolist()) == found
    # the check reads every one of them from UTF-8 (2- and 3-byte forms), and none other
    texts = pl.Series([f"a{chr(c)}b" for c in sorted(found)] + ["a\u00e9\u2019\U0001f642b"])
    assert _needs_upper(texts).tolist() == list(range(len(found)))


@pytest.mark.parametrize("texts", ["tricky", "hand", "many"])
def test_fast_normalised_is_the_shared_one(texts):
    texts = {"tricky": TRICKY, "hand": [*TEXTS, None], "many": _many(300)}[texts]
    s = pl.Series("t", [*texts, *[t.upper() for t in texts if t], None], dtype=pl.String)
    assert _normalised(s).to_list() == pl.select(normalised(pl.lit(s))).to_series().to_list()
    # a slice (an offset into the Arrow buffers) reads the right bytes
    tail = s.slice(3)
    assert _normalised(tail).to_list() == pl.select(normalised(pl.lit(tail))).to_series().to_list()


def test_fast_normalised_is_the_shared_one_on_166_languages():
    path = shared("webcrawl", "oscar2019_samples_166_languages", "oscar2019_samples.jsonl")
    s = pl.read_ndjson(path).get_column("text")
    fast = _normalised(s)
    assert len(_needs_upper(s)) > 0  # both ways are taken
    assert fast.to_list() == pl.select(normalised(pl.lit(s))).to_series().to_list()


@pytest.mark.parametrize(
    "params",
    [{}, {"shingle_words": 1}, {"shingle_words": 3, "bands": 5, "rows": 3, "seed": 9}],
)
@pytest.mark.parametrize("texts", ["hand", "many"])
def test_fast_shingles_and_bands_are_the_plain_ones(params, texts):
    rule = _rule(**params)
    frame = _frame(TEXTS + _many(40) if texts == "hand" else _many(1000))
    fast, plain = _fast_shingles(rule, frame), shingles_plain(rule, frame)
    assert fast.schema == plain.schema
    assert fast.to_dicts() == plain.to_dicts()
    fast = _fast_bands(rule, frame).sort(DOC)
    plain = bands_plain(rule, frame).sort(DOC)
    assert fast.schema == plain.schema
    assert fast.height == plain.height > 0
    assert fast.to_dicts() == plain.to_dicts()


@pytest.mark.parametrize("kind", ["long", "empty", "short"])
def test_collect_is_its_plain_assembly(kind):
    """collect's rows: each document with a word, in batch order, its exact hash (the plain
    normalised text without spaces) and its band hashes (`bands_plain`; none for a document of
    fewer words than a shingle), whether every document has words and shingles (no filter, no
    join) or not."""
    texts = _many(60, seed=11)
    texts = [t + " one two three four five six" for t in texts]  # every one a shingle
    if kind == "empty":
        texts[3:3] = ["", None, " -- ", "!"]
    elif kind == "short":
        texts[5:5] = ["two words", "ONE", "a b c d"]
    rule = _rule()
    got = rule.collect(Batch.from_texts(pl.Series("text", texts, dtype=pl.String)))
    frame = _frame(texts)
    want = frame.select(
        pl.lit(0, pl.UInt32).alias("fid"),
        (pl.col(DOC).cast(pl.Int64) + 1).alias("line"),
        pl.col("_t").str.replace_all(" ", "", literal=True).hash(_SEED).alias("exact"),
        DOC,
    )
    want = want.join(bands_plain(rule, frame), on=DOC, how="left", maintain_order="left")
    assert got["files"] == [""]
    assert got["docs"].equals(want.drop(DOC))
    assert got["docs"]["b0"].null_count() == (3 if kind == "short" else 0)


def _words_plain(texts: pl.Series) -> tuple[list[list[str]], list[str]]:
    """The definition: each text's words are `normalised(text).split(" ")` (none when that is
    ""), and its exact hash's input is them joined by ""."""
    norm = pl.select(normalised(pl.lit(texts))).to_series().to_list()
    words = [t.split(" ") if t else [] for t in norm]
    return words, ["".join(w) for w in words]


def _assert_words_plain(texts: pl.Series) -> None:
    words, first, joined = _words(texts)
    plain, plain_joined = _words_plain(texts)
    flat = words.to_list()
    fast = [flat[a:b] for a, b in zip(first[:-1].tolist(), first[1:].tolist(), strict=True)]
    assert fast == plain
    kept = [i for i, w in enumerate(plain) if w]
    assert [joined[i] for i in kept] == [plain_joined[i] for i in kept]
    # the hashes collect takes of them are the hashes of the plain strings
    plain_words = pl.Series([w for ws in plain for w in ws], dtype=pl.String)
    assert words.hash(_SEED).to_list() == plain_words.hash(_SEED).to_list()
    plain_docs = pl.Series([plain_joined[i] for i in kept], dtype=pl.String)
    assert joined.gather(kept).hash(_SEED).to_list() == plain_docs.hash(_SEED).to_list()


def _random_unicode(n: int, seed: int = 5) -> list[str]:
    """Texts of random characters from every plane in use: letters of cased scripts, marks,
    punctuation, symbols, spaces, emoji, supplementary letters."""
    rng = random.Random(seed)
    ranges = [(0x20, 0x7E), (0xA0, 0x24F), (0x370, 0x52F), (0x1E00, 0x1FFF), (0x2000, 0x2BFF),
              (0x3000, 0x30FF), (0xFB00, 0xFB4F), (0xFF00, 0xFFEF), (0x10400, 0x1044F),
              (0x1D400, 0x1D7FF), (0x1F300, 0x1FAFF), (0x20000, 0x2A6DF)]  # fmt: skip
    out = []
    for _ in range(n):
        chars = []
        for _ in range(rng.randint(0, 60)):
            a, b = rng.choice(ranges)
            c = rng.randint(a, b)
            chars.append(" " if 0xD800 <= c <= 0xDFFF else chr(c))
        out.append("".join(chars))
    return out


@pytest.mark.parametrize("texts", ["hand", "tricky", "many", "unicode"])
def test_words_from_the_bytes_are_the_plain_split(texts):
    """`_words` reads from the UTF-8 bytes what normalised + split + join give: the same words,
    the same joined texts, the same hashes; a text that normalises to "" has no words."""
    texts = {
        "hand": [*TEXTS, None, "a  b", " a ", "a\u00a0b", "-", "  ", "AbC", "x,y"],
        "tricky": TRICKY + [t.upper() for t in TRICKY],
        "many": _many(300),
        "unicode": _random_unicode(400),
    }[texts]
    s = pl.Series("t", texts, dtype=pl.String)
    _assert_words_plain(s)
    _assert_words_plain(s.slice(3))  # an offset into the Arrow buffers
    _assert_words_plain(s.head(0))


@pytest.mark.parametrize("first", ["word", "separator", "empty"])
def test_words_end_at_each_text_edge(first):
    """The texts are not joined by a separator: a word ends where its text ends, when the next
    text starts with a word byte too (a mark before each text's first byte), next to empty
    texts, missing ones, texts of separators only and texts of one byte; the texts' first words
    are counted over starts and edges that coincide or not."""
    lead = {"word": ["Ab"], "separator": [" ab"], "empty": ["", None, ""]}[first]
    texts = [
        *lead,
        "cd",
        "ef",
        "",
        "-gh",
        "ij-",
        "kl",
        "",
        "",
        " ",
        "m",
        "n",
        "ß",
        "ÉO",
        "p",
        "",
        None,
    ]
    for cut in range(len(texts)):
        s = pl.Series("t", texts[cut:], dtype=pl.String)
        _assert_words_plain(s)
        _assert_words_plain(pl.Series("t", texts[: cut + 1], dtype=pl.String))
    words, first_word, _ = _words(pl.Series("t", texts, dtype=pl.String))
    assert "cdef" not in words.to_list() and "klm" not in words.to_list()


def test_characters_folded_in_place_take_no_fallback():
    """A character whose upper-then-lower case is its own size (ß: "ss", µ: "μ", ﬃ: "ffi") is
    written over in place (`_folded_in_place`): its text takes no fallback through polars, and its
    words are the plain ones, alone, next to letters in either case, with the other characters
    that change in upper case (ı, ſ, the sigmas: those texts take the fallback) and next to
    texts of neither."""
    folded = dedup._folded_in_place()
    assert {0xDF, 0xB5} <= set(folded) and not set(folded) & set(dedup._SIGMAS)
    alone = [f"{chr(c)} A{chr(c)}b {chr(c)}Z, {chr(c)}{chr(c)}." for c in folded]
    texts = [
        *alone,
        "Straße, Maß und 5 µm: GROẞ",
        "Maße; ΟΔΟΣ ὁδός Σ",
        "ıß ſß",
        "plain ASCII",
        "",
        "ß",
        "µ-ß",
    ]
    s = pl.Series("t", texts, dtype=pl.String)
    off, raw = dedup._text_bytes(s)
    _, fallback = dedup._prepare(off, raw)
    assert fallback.tolist() == [len(alone) + i for i in (0, 1, 2)]
    _assert_words_plain(s)
    _assert_words_plain(s.slice(len(alone)))


@pytest.mark.parametrize("iota", [1, 7, 64])
def test_words_with_positions_over_many_slices_of_the_range(monkeypatch, iota):
    """`_positions` filters slices of a kept range of `_IOTA` entries: a batch longer than the
    range (here 1, 7 or 64 entries) is read in parts, with the same words and joined texts."""
    monkeypatch.setattr(dedup, "_IOTA", iota)
    texts = [*TEXTS, None, "", " - ", *_random_unicode(40), *_many(40)]
    s = pl.Series("t", texts, dtype=pl.String)
    _assert_words_plain(s)
    _assert_words_plain(s.slice(5))


def test_a_batch_past_the_views_offsets_takes_the_plain_split(monkeypatch):
    """String views address 2 GiB: a batch of more text (here: a limit of 50 bytes) is split by
    polars, with the same words, joined texts and collect result."""
    texts = [*TEXTS, None, "", " - ", *_random_unicode(30), *_many(30)]
    batch = Batch.from_texts(pl.Series("text", texts, dtype=pl.String))
    rule = _rule()
    want = rule.collect(batch)
    monkeypatch.setattr(dedup, "_VIEW_BYTES", 50)
    monkeypatch.setattr(dedup, "_prepare", None)  # the bytes' way must not run
    _assert_words_plain(pl.Series("t", texts, dtype=pl.String))
    got = rule.collect(batch)
    assert got["files"] == want["files"]
    assert got["docs"].equals(want["docs"])


def test_text_that_grows_in_case_past_the_views_offsets_takes_the_plain_split(monkeypatch):
    """A text's upper-then-lower case can be longer than the text ("ΐ": 2 bytes, then 6): the
    limit holds for the bytes the views address, not only for the input's."""
    texts = pl.Series("t", ["ΐ" * 10 + " ab", "cd ef"], dtype=pl.String)
    assert texts.str.len_bytes().sum() <= 40
    split = []
    plain = dedup._words_split
    monkeypatch.setattr(dedup, "_VIEW_BYTES", 40)
    monkeypatch.setattr(dedup, "_words_split", lambda t: split.append(1) or plain(t))
    _assert_words_plain(texts)
    assert split


def test_supplementary_characters_past_the_cache_limit(monkeypatch):
    """Characters beyond the BMP are looked up once and kept, up to a limit; past it the cache
    starts again: the same words either way."""
    monkeypatch.setattr(dedup, "_SUPPLEMENTARY", CodePointMemo(dedup._find_case, limit=5))
    texts = [t for t in _random_unicode(200, seed=11) if any(ord(c) > 0xFFFF for c in t)]
    assert len(texts) > 50
    sizes = []
    for lo in range(0, len(texts), 3):
        _assert_words_plain(pl.Series("t", texts[lo : lo + 3], dtype=pl.String))
        sizes.append(len(dedup._SUPPLEMENTARY.known))
    assert any(b < a for a, b in zip(sizes, sizes[1:], strict=False))  # started again
    assert max(sizes) < 200  # a call's new characters at most, past the limit


def test_words_of_every_code_point_are_the_plain_split():
    """Every character (each plane's in use, every one of the Basic Multilingual Plane) alone
    and between letters, in upper case next to it: its case and whether it separates words
    are polars' own."""
    cps = [c for c in range(0x20, 0x10000) if not 0xD800 <= c <= 0xDFFF]
    cps += list(range(0x10000, 0x20000, 3)) + list(range(0xE0000, 0xE0080))
    texts = [f"{chr(c)} A{chr(c)}b {chr(c).upper()}" for c in cps]
    _assert_words_plain(pl.Series(texts, dtype=pl.String))


def test_words_on_166_languages_are_the_plain_split():
    path = shared("webcrawl", "oscar2019_samples_166_languages", "oscar2019_samples.jsonl")
    _assert_words_plain(pl.read_ndjson(path).get_column("text"))


def test_ascii_separators_are_the_regex_class():
    """The byte table makes the ASCII characters of the separator class 0xFF (never in UTF-8) and
    lower-cases ASCII; every byte beyond ASCII is left alone (`_prepare` handles those
    characters)."""
    ascii_chars = pl.Series([chr(c) for c in range(128)])
    sep = ascii_chars.str.contains(r"^[\p{P}\p{S}\s]$").to_list()
    low = [ord(c) for c in ascii_chars.str.to_lowercase().to_list()]
    want = [0xFF if sep[c] else low[c] for c in range(128)] + list(range(128, 256))
    assert list(_byte_table()) == want


def test_exact_hash_ignores_spaces_and_punctuation():
    """ "a b" and "ab" are exact duplicates (spaces do not count), "x y z" is not one of them."""
    _, first, joined = _words(pl.Series(["a b", "ab", "x y z", "A, B!"]))
    h = joined.hash(_SEED).to_list()
    assert h[0] == h[1] == h[3] != h[2]


def test_documents_shorter_than_a_shingle_have_no_bands():
    rule = _rule()
    frame = _frame(["one", "one two", "one two three four", "a b c d e"])
    assert _fast_shingles(rule, frame).to_dicts() == shingles_plain(rule, frame).to_dicts()
    assert _fast_bands(rule, frame)[DOC].to_list() == bands_plain(rule, frame)[DOC].to_list() == [3]
    short = _frame(["one", "one two three"])
    assert _fast_shingles(rule, short).height == 0
    assert _fast_bands(rule, short).height == bands_plain(rule, short).height == 0
    assert _fast_bands(rule, short).schema == bands_plain(rule, short).schema


def test_a_document_longer_than_a_block_matches_the_plain_one(monkeypatch):
    import curate.checks.dedup as dedup

    monkeypatch.setattr(dedup, "_BLOCK", 16)  # many blocks, and documents longer than one
    rule = _rule()
    frame = _frame(_many(60) + [" ".join(WORDS * 5)])
    fast, plain = _fast_bands(rule, frame).sort(DOC), bands_plain(rule, frame).sort(DOC)
    assert fast.height == plain.height and fast[DOC][-1] == frame[DOC][-1]
    assert fast.to_dicts() == plain.to_dicts()


@pytest.mark.parametrize("block", [7, 64, 1 << 16])
@pytest.mark.parametrize("w", [1, 2, 3, 4, 5, 6, 7, 8, 13, 16, 31, 32])
def test_word_signatures_are_those_of_horners_shingles(monkeypatch, w, block):
    """`word_signatures` grows each window's polynomial by doubling (`_window_steps`), block by
    block: the signatures of Horner's `shingle_hashes` of each document's words, for every
    number of words a shingle may have, documents shorter and longer than a shingle and a
    block, hash values near 2^64."""
    monkeypatch.setattr(dedup, "_BLOCK", block)
    rng = np.random.default_rng(w * 1000 + block)
    nw = rng.choice([0, 1, w - 1, w, w + 1, 3 * w, 90, 200], size=40).astype(np.int64)
    nw = nw[nw > 0]
    h = rng.integers(0, 1 << 64, int(nw.sum()), dtype=np.uint64, endpoint=False)
    h[::17] = np.uint64((1 << 64) - 1)
    k = 24
    sig, has = dedup.word_signatures(h, nw, w, k, 3)
    ends = np.cumsum(nw)
    x = [dedup.shingle_hashes(h[e - c : e], w) for e, c in zip(ends, nw, strict=True) if c >= w]
    starts = np.cumsum([0] + [len(v) for v in x[:-1]])
    assert has.tolist() == np.flatnonzero(nw >= w).tolist()
    if len(x):
        want = dedup.oph_signatures(np.concatenate(x), starts, k, 3)
        assert np.array_equal(sig, want)


def _merge_plain(a, b):
    """The merge's definition: the union of the file names, sorted, and both aggregates' documents
    with their file numbers rewritten to it, a's first."""
    if a is None or b is None:
        return b if a is None else a
    files = sorted(set(a["files"]) | set(b["files"]))
    fid = {f: i for i, f in enumerate(files)}

    def remap(agg):
        old = {i: fid[f] for i, f in enumerate(agg["files"])}
        return agg["docs"].with_columns(pl.col("fid").replace_strict(old, return_dtype=pl.UInt32))

    return {"files": files, "docs": pl.concat([remap(a), remap(b)], how="vertical_relaxed")}


def test_merge_is_its_plain_definition_whatever_the_files():
    rule = load_ruleset({"name": "t", "rules": [{"rule": "duplicate-documents"}]}).build()[0]
    line = 1
    aggs = []
    # one file batch after batch (the numbers never change), then files that sort before and
    # between the ones seen (the numbers shift)
    for file in ["m.jsonl", "m.jsonl", "m.jsonl", "b.jsonl", "m.jsonl", "x.jsonl", "c.jsonl"]:
        texts = [TEXTS[(line + i) % len(TEXTS)] + f" {line + i}" for i in range(5)]
        aggs.append(rule.collect(_batch(texts, file, line)))
        line += 5
    fast = plain = None
    for agg in aggs:
        fast, plain = rule.merge(fast, agg), _merge_plain(plain, agg)
        assert fast["files"] == plain["files"]
        assert fast["docs"].equals(plain["docs"]) and fast["docs"].schema == plain["docs"].schema


def _batch(texts, file, start):
    return Batch.from_texts(
        pl.Series(texts, dtype=pl.String),
        extra=pl.DataFrame(
            {"__file": [file] * len(texts), "__line": list(range(start, start + len(texts)))}
        ),
    )


def test_short_documents_densified_in_small_parts_match_the_plain_one(monkeypatch):
    """Documents of a few shingles leave nearly every bin empty; densified a few bins at a time
    (`_DENSIFY_CELLS`), they get the definition's values."""
    import curate.checks.dedup as dedup

    monkeypatch.setattr(dedup, "_DENSIFY_CELLS", 37 * 112)
    rng = random.Random(3)
    # 1 to 120 shingles: both ways of finding the bin to borrow from (by rank, by walking)
    texts = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 124))) for _ in range(150)]
    rule = _rule()
    frame = _frame(texts)
    fast, plain = _fast_bands(rule, frame).sort(DOC), bands_plain(rule, frame).sort(DOC)
    assert fast.height == plain.height == frame.height
    assert fast.to_dicts() == plain.to_dicts()


@pytest.mark.parametrize("walk_cost", [0, 100, 10**9])  # walk every document, the model, rank all
@pytest.mark.parametrize(
    "k,cells", [(112, "small"), (7, "small"), (300, "small"), (112, "large"), (7, "large")]
)
def test_both_ways_of_densifying_give_the_plain_signature(monkeypatch, walk_cost, k, cells):
    """Whichever way a document's empty bins are found (by rank, by walking the order; chosen
    per document by `_WALK_COST`), in small parts (`_DENSIFY_CELLS`) or, ranked, all documents
    at once (one masked 3-D minimum when documents x k x k fit `_DENSIFY_CELLS`), every
    signature value is the definition's: 1 shingle to more than the bins, and one document
    filling every bin."""
    import numpy as np

    import curate.checks.dedup as dedup

    monkeypatch.setattr(dedup, "_WALK_COST", walk_cost)
    monkeypatch.setattr(dedup, "_DENSIFY_CELLS", 53 * k if cells == "small" else 81 * k * k)
    rng = random.Random(k + walk_cost)
    docs = [[rng.getrandbits(64) for _ in range(rng.randint(1, 2 * k))] for _ in range(80)]
    docs.append([rng.getrandbits(64) for _ in range(40 * k)])
    x = np.array([v for xs in docs for v in xs], dtype=np.uint64)
    starts = np.cumsum([0] + [len(xs) for xs in docs[:-1]])
    fast = dedup.oph_signatures(x, starts, k, _SEED)
    for d, xs in enumerate(docs):
        assert fast[d].tolist() == signature_plain(xs, k, _SEED), d


def test_a_shingle_hashed_to_the_largest_value_fills_its_bin():
    """A bin is filled when a shingle falls in it, also when that shingle's value is 2^64 - 1
    (the empty bins' starting value): documents whose only shingle, or one of them, takes it get
    the definition's signature."""
    a, b = _permutation(_SEED)
    x_top = ((M64 - b) * pow(a, -1, 1 << 64)) & M64  # a * x + b == 2^64 - 1
    docs = [[x_top], [x_top, 12345, 678], [99, 98, 97], [x_top] * 3]
    x = np.array([v for xs in docs for v in xs], dtype=np.uint64)
    starts = np.cumsum([0] + [len(xs) for xs in docs[:-1]])
    for k in (7, 112):
        fast = dedup.oph_signatures(x, starts, k, _SEED)
        for d, xs in enumerate(docs):
            assert fast[d].tolist() == signature_plain(xs, k, _SEED), (k, d)


def _same_result(got, want) -> None:
    assert got.fired.equals(want.fired)
    assert list(got.signals) == list(want.signals)
    for name, s in want.signals.items():
        assert got.signals[name].name == s.name and got.signals[name].dtype == s.dtype
        assert got.signals[name].to_list() == s.to_list(), name


def test_evaluate_looks_up_what_the_joins_give():
    """evaluate finds a batch's rows of the clusters by binary search: the signals the joins of
    the batch's keys with them give (`_evaluate_joined`), for batches of one file or several,
    lines in any order, locations in no cluster, files the clusters do not hold, no file at all,
    and a location the clusters hold twice (the joins' answer, longer than the batch)."""
    rule = _rule()
    texts = [f"{TEXTS[8]} {i % 4}" if i % 3 else TEXTS[10] for i in range(12)]
    agg = None
    for file, start in (("b.jsonl", 1), ("a.jsonl", 1), ("b.jsonl", 13), ("c.jsonl", 5)):
        agg = rule.merge(agg, rule.collect(_batch(texts, file, start)))
    finished = rule.finish(agg)
    assert 0 < finished.height and finished["_rep"].sum() > 0
    mixed = pl.DataFrame(
        {
            "__file": ["b.jsonl", "a.jsonl", None, "z.jsonl", "b.jsonl", "c.jsonl", "a.jsonl"],
            "__line": [14, 3, 2, 1, 99, 7, None],
        }  # fmt: skip
    )
    batches = [
        _batch(texts[:6], "a.jsonl", 1),
        _batch(texts, "b.jsonl", 8),
        _batch(texts[:3], "z.jsonl", 1),
        Batch.from_texts(pl.Series(texts[:7]), extra=mixed),
        Batch.from_texts(pl.Series(texts[:5])),  # no file: row numbers
        Batch.from_texts(pl.Series(texts[5:8]), extra=mixed.reverse().head(3)),
    ]
    for clusters in (finished, finished.head(0), rule.finish(rule.collect(batches[4]))):
        for batch in batches:
            batch.corpus = {rule.name: clusters}
            want = rule._evaluate_joined(clusters, dedup._doc_keys(batch))
            _same_result(rule.evaluate(batch), want)
    twice = pl.concat([finished, finished.filter(pl.col("file") == "b.jsonl").head(1)])
    twice = twice.sort("file", "line")
    batch = _batch(texts, "b.jsonl", 1)
    batch.corpus = {rule.name: twice}
    want = rule._evaluate_joined(twice, dedup._doc_keys(batch))
    assert want.fired.len() == len(texts) + 1
    _same_result(rule.evaluate(batch), want)


@pytest.mark.parametrize("files", ["one", "mixed", "none"])
def test_collect_numbers_the_files_of_a_batch_sorted(files):
    """collect's rows name their file by its number among the batch's distinct file names,
    sorted ("" for a missing one), and their line (0 when missing; the row number without the
    reader's columns): one file, several with missing names and lines, or no file column."""
    texts = [f"{TEXTS[8]} number {i}" for i in range(6)]
    names = {"one": ["m.jsonl"] * 6, "mixed": ["b.jsonl", "a.jsonl", None, "b.jsonl", "c", None]}
    lines = [5, None, 7, 8, 9, None] if files == "mixed" else [1, 2, 3, 4, 5, 6]
    if files == "none":
        batch = Batch.from_texts(pl.Series("text", texts, dtype=pl.String))
        want_files, want_lines = [""], [1, 2, 3, 4, 5, 6]
        names["none"] = [""] * 6
    else:
        batch = _batch(texts, "x", 1)
        batch.docs = batch.docs.with_columns(
            pl.Series("__file", names[files], dtype=pl.String),
            pl.Series("__line", lines, dtype=pl.Int64),
        )
        want_files = sorted({n or "" for n in names[files]})
        want_lines = [ln or 0 for ln in lines]
    got = _rule().collect(batch)
    assert got["files"] == want_files
    assert got["docs"]["fid"].dtype == pl.UInt32 and got["docs"]["line"].dtype == pl.Int64
    assert [want_files[i] for i in got["docs"]["fid"].to_list()] == [n or "" for n in names[files]]
    assert got["docs"]["line"].to_list() == want_lines


def test_text_bytes_read_from_the_views_are_string_bytes(monkeypatch):
    """`_text_bytes` reads the texts' bytes from polars' views when they lie one after the other
    in one buffer (as a batch read from a file), else takes `string_bytes`: the same offsets and
    bytes for texts long and short, empty, missing, sliced, in several chunks."""
    from curate.checks.base import string_bytes

    long = [t for t in TEXTS if len(t.encode()) > 12] + _many(30)
    cases = {
        "long": pl.Series(long),
        "short": pl.Series([*long[:5], "ab", "", *long[5:]]),
        "empty": pl.Series(["", *long, ""]),
        "missing": pl.Series([*long[:3], None, *long[3:]]),
        "chunks": pl.concat([pl.Series(long[:10]), pl.Series(long[10:])], rechunk=False),
        "all empty": pl.Series(["", ""]),
        "none": pl.Series([], dtype=pl.String),
    }
    for name in ("long", "short", "empty", "missing", "all empty"):  # as the reader makes them
        texts = cases[name].to_list()
        cases[f"read {name}"] = pl.from_arrow(pa.array(texts, pa.large_string()))
    for name, s in cases.items():
        for part in (s, s.slice(2), s.slice(1, 5)):
            off, data = dedup._text_bytes(part)
            want_off, want = string_bytes(part)
            assert off.tolist() == want_off.tolist(), name
            assert data.tobytes() == want.tobytes(), name
    # a batch as the reader makes it takes the views
    read = pl.from_arrow(pa.table({"text": pa.array(long, pa.large_string())}))["text"]
    monkeypatch.setattr(dedup, "string_bytes", None)
    off, data = dedup._text_bytes(read)
    assert data.tobytes() == "".join(long).encode()


def _labels_plain(docs: pl.DataFrame, keys: list[str]) -> list[int]:
    """The clusters' definition: min-label propagation over every key's groups (polars windows;
    null values link nothing), each round followed by pointer jumping, until no label changes."""
    docs = docs.with_columns(pl.col("_i").alias("_label"))
    while True:
        lowest = [
            pl.when(pl.col(k).is_not_null())
            .then(pl.col("_label").min().over(k))
            .otherwise(pl.col("_label"))
            for k in keys
        ]
        new = docs.select(pl.min_horizontal(lowest).alias("_new"))["_new"]
        new = new.gather(new)
        if (new == docs["_label"]).all():
            return new.to_list()
        docs = docs.with_columns(new.alias("_label"))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_components_are_the_plain_propagation(seed):
    """`_components` labels each document with the smallest index of its cluster, as the plain
    propagation does: keys of few values (long chains across keys), nulls, singletons."""
    rng = np.random.default_rng(seed)
    n = 3000
    cols = {}
    for j, values in enumerate((n, 900, 2500, 40, n // 2)):
        v = rng.integers(0, values, size=n).astype(np.uint64)
        cols[f"b{j}"] = pl.Series(v).scatter(rng.choice(n, size=n // 5, replace=False), None)
    docs = pl.DataFrame(cols).with_row_index("_i")
    keys = list(cols)
    for ks in (keys, keys[:1], keys[2:3], keys[4:]):
        got = dedup._components(docs, ks)
        assert got.dtype == np.uint32
        assert got.tolist() == _labels_plain(docs, ks)
