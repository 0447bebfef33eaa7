"""langdetect's language profiles as numpy tables, and the vectorised scorer that reads them.

langdetect estimates a text's language by drawing n-grams at random from it and multiplying their
smoothed per-language probabilities, seven times over, until one language passes 0.99999. We read
the same profiles and the same smoothing, but score *every* 1-gram and 3-gram of the text once:
the sum of log(1 + p(gram | lang) / FLOOR) per language (naive Bayes; the constant log(FLOOR) per
gram is the same for every language and cancels). No sampling: no seed, no run-to-run variation.

Why 1- and 3-grams without 2-grams: on lingua's sentences (the 52 languages langdetect knows) the
1+3 sum is right 98.24 % of the time, 1+2+3 98.12 %, 2+3 97.26 % (bench/results/language.md); and
each 2-gram would cost as much as a 3-gram.

How it stays fast in numpy:
- characters become small ids through one table (langdetect's own normalisation) and a text's
  character counts (letters, Latin letters, ...) come from one table of packed counters; 3-grams
  become 36-bit keys found in a direct-mapped hash table (vectorised gathers, no probing loop),
  or for small ids (web text) read from a direct table;
- log-probabilities are quantised (1/64 nat for 1-grams, 1/16 for 3-grams: the same accuracy) and
  packed as integers into uint64 lanes, so summing a 3-gram adds 8 words (32 Latin-script
  languages, one cache line) instead of 55 floats; a scored 3-gram's row also carries the 1-grams
  of its last character and, at a word's start, of its first letter (_comb): one gather per
  position, the few 1-grams no scored 3-gram carries added with rows of their own; the rows
  gathered and summed a cache-sized block at a time (block_sums);
- a text is scored against the languages of its script only (Latin or the others; both for mixed
  text);
- past a text's first 512 characters only one 3-gram in four is scored (every 1-gram still is):
  by then the language is settled. lingua's test texts are all shorter.
Integer sums are exact, so a text's scores never depend on the other texts in its batch or on the
order of additions: the same text gets the same scores in any batch, worker or machine.

Loaded once per process (thread-safe), on the first detection (`import curate` loads nothing):
from profile_tables.npz, the compact tables computed from the profiles shipped inside the
`langdetect` package (about 45 ms of CPU with the model's assembly), or, when that file is not
of the installed profiles, from the profiles themselves (0.25-0.4 CPU s); the same tables either
way.
"""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
import json
import math
import threading
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, compress
from pathlib import Path

import numpy as np

# langdetect's smoothing: every n-gram probability is floored by alpha / BASE_FREQ (0.5 / 10000).
FLOOR = 0.5 / 10000
SCALE = 64  # scores are integers in 1/SCALE nat
UNI_FIELD = 21  # 1-grams: bits per language, three languages to a uint64 word
TRI_SCALE = 16  # 3-grams are quantised more coarsely (1/16 nat: no change in accuracy, measured)
TRI_FIELD = 16  # 3-grams: four languages to a word; 32 Latin lanes fill one 64-byte cache line
TRI_RUN = 256  # 3-gram sums run over at most this many grams before unpacking (no lane overflow)
MAX_CHARS = 2000  # per text: a 21-bit lane holds 2000 1-grams of the largest value
SPACE = 1  # character ids start at 1 so that packed 3-gram keys never collide with shorter ones
BITS = 12  # bits per character id in a packed 3-gram key (the profiles use 3,160 characters)
TABLE_BITS = 18  # direct-mapped hash table of 3-gram keys (58,012 keys: 22 % load)
ROW_BITS = 20  # a table slot holds the 36-bit key and the 3-gram's row
FULL_CHARS = 512  # every 3-gram of a text's first 512 characters is scored (all lingua's)
THIN = 4  # and one in four after that (FULL_CHARS must be a multiple of THIN: _thinned)
MIXED = 10  # a text is scored against a script's languages when 1/MIXED of its letters are in it
COUNT_FIELD = 12  # per-text character counts: 12 bits each (a text is at most MAX_CHARS + 2)
COUNT_SHIFTS = np.arange(0, 5 * COUNT_FIELD, COUNT_FIELD, dtype=np.uint64)  # the 5 counts' fields
CHUNK_CHARS = 1 << 17  # texts are scored in chunks of about this many characters (cache-sized)
DENSE_BITS = 6  # 3-grams of character ids < 64 (space, A-Z, a-z, ...) have a direct table
DENSE = 1 << DENSE_BITS
DENSE_BAD = 8  # a chunk with more than 1/8 of its 3-grams outside it uses the hash table alone
# block_sums gathers and sums rows about this many bytes at a time (a core's L2 holds them).
# Measured on web-20k-distinct's chunks (64-byte rows) against one gather and one reduceat of every
# row: 1,024 rows -0.5 %, 2,048 -5 %, 4,096 -8 %, 8,192 (512 KB) -11 %, 16,384 -4 %, 32,768 -3 %
SUM_BYTES = 1 << 19
# a script group's 3-grams are selected (their texts' ranges) unless the texts not scored for it
# hold less than 1/FEW_UNSCORED of the chunk's characters: those are then summed with the others,
# dropped
FEW_UNSCORED = 8


@dataclass(frozen=True)
class Model:
    langs: tuple[str, ...]  # langdetect's profile names, in column order
    char_id: np.ndarray  # uint16[65536]: BMP code point -> character id (after normalisation)
    cp_id: np.ndarray  # uint16[0x110000]: the same for every code point (above the BMP: U+FFFF's)
    cp_counts: np.ndarray  # uint64[0x110000]: what a code point adds to a text's counts (_counts)
    cp_upper: np.ndarray  # bool[0x110000]: upper[cp_id] (read by code point, as the two above)
    upper: np.ndarray  # bool[4096]: the character is upper case (langdetect skips ALL-CAPS words)
    latin_letter: np.ndarray  # bool[4096]: the character is a Latin letter
    latin: np.ndarray  # bool[65536]: 'A'..'z' (langdetect's test for Latin text)
    non_latin: np.ndarray  # bool[65536]: >= U+0300 outside Latin Extended Additional
    uni: np.ndarray  # int32[4096]: character id -> row of its 1-gram in the profiles, or -1
    table: np.ndarray  # uint64[2^TABLE_BITS]: 3-gram key | row, at the key's hash
    spill: np.ndarray  # bool[2^TABLE_BITS]: another key of this slot is in keys2
    keys2: np.ndarray  # uint64[]: sorted keys that collided in the table
    rows2: np.ndarray  # int32[]: their rows
    groups: tuple[np.ndarray, np.ndarray]  # language columns scored for Latin / other texts
    order: np.ndarray  # argsort of the groups' columns side by side: language order
    # uint64[rows, words] per group, 16 bits a language, in 1/SCALE nat: what one position of a
    # text adds (see _comb): rows [0, absent) the 3-grams (row r: 3-gram r of the profiles),
    # rows absent + id a character's 1-gram alone, rows pairs + b * DENSE + c a 3-gram
    # (space, b, c) of small ids that no profile has
    comb: tuple[np.ndarray, np.ndarray]
    absent: int  # the number of profile 3-grams: the row of "no 3-gram, the 1-gram of id 0"
    pairs: int
    dense: np.ndarray  # uint16[DENSE^3]: comb row of the 3-gram of ids (a, b, c) < DENSE
    # sums of comb rows run over at most this many positions before they are widened: as many
    # as the largest row allows without a 16-bit lane overflow (39 for langdetect's profiles)
    run: int


def langdetect_dir() -> Path:
    """The installed langdetect package folder, found without importing langdetect."""
    spec = importlib.util.find_spec("langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("language detection needs the langdetect package (for its profiles)")
    return Path(next(iter(spec.submodule_search_locations)))


def _hash(keys: np.ndarray) -> np.ndarray:
    # Fibonacci hashing: multiply by 2^64 / golden ratio, keep the top bits (an array's integer
    # arithmetic wraps without a warning: no errstate, ~5 us a call, wanted)
    return (keys * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(64 - TABLE_BITS)


def _pack(q: np.ndarray, field: int, extra: int = 0) -> np.ndarray:
    """uint64[rows, lanes] -> uint64[rows, words], 64 // field lanes to a word (and `extra` more
    rows of zeros)."""
    per = 64 // field
    words = -(-q.shape[1] // per)
    if field == 16:  # four little-endian uint16 lanes are one uint64
        padded = np.zeros((q.shape[0] + extra, words * per), dtype="<u2")
        padded[: q.shape[0], : q.shape[1]] = q
        return padded.view("<u8").astype(np.uint64, copy=False)
    padded = np.zeros((q.shape[0] + extra, words * per), dtype=np.uint64)
    padded[: q.shape[0], : q.shape[1]] = q
    lanes = padded.reshape(q.shape[0] + extra, words, per)
    out = np.zeros((q.shape[0] + extra, words), dtype=np.uint64)
    for f in range(per):
        out |= lanes[:, :, f] << np.uint64(field * f)
    return out


def _unpack(x: np.ndarray, field: int, lanes: int) -> np.ndarray:
    """uint64[n, words] -> int64[n, lanes]."""
    if field == 16:  # four little-endian uint16 lanes to a word: a view, not four shifts
        lanes16 = np.ascontiguousarray(x).astype("<u8", copy=False).view("<u2")
        return lanes16.reshape(x.shape[0], -1)[:, :lanes].astype(np.int64)
    per = 64 // field
    mask = np.uint64((1 << field) - 1)
    out = np.stack([(x >> np.uint64(field * f)) & mask for f in range(per)], axis=2)
    return out.reshape(x.shape[0], -1)[:, :lanes].astype(np.int64)


def _normalised() -> np.ndarray:
    """uint32[65536]: every BMP code point after langdetect's `NGram.normalize`, block by block
    from langdetect's own block table and constants. A vectorised copy of that function (calling it
    65,536 times took a third of a second per process); tests check it on every code point."""
    from langdetect.utils import unicode_block as ub
    from langdetect.utils.ngram import NGram

    cp = np.arange(65536, dtype=np.uint32)
    out = cp.copy()
    blocks = {name: (lo, hi) for name, lo, hi in ub._unicode_blocks}

    def block(name: int) -> np.ndarray:
        lo, hi = blocks[name]
        return (cp >= lo) & (cp <= hi)

    space = ord(" ")
    # Basic Latin (unicode_block: every code point <= 0x7F): only A-Z and a-z are kept
    letter = ((cp >= ord("A")) & (cp <= ord("Z"))) | ((cp >= ord("a")) & (cp <= ord("z")))
    out[(cp <= 0x7F) & ~letter] = space
    excluded = np.array([ord(c) for c in NGram.LATIN1_EXCLUDED], dtype=np.uint32)
    out[block(ub.UNICODE_LATIN_1_SUPPLEMENT) & np.isin(cp, excluded)] = space
    ext_b = block(ub.UNICODE_LATIN_EXTENDED_B)
    out[ext_b & (cp == 0x219)] = 0x15F  # Romanian s and t with comma below -> with cedilla
    out[ext_b & (cp == 0x21B)] = 0x163
    out[block(ub.UNICODE_GENERAL_PUNCTUATION)] = space
    out[block(ub.UNICODE_ARABIC) & (cp == 0x6CC)] = 0x64A  # Farsi yeh -> Arabic yeh
    out[block(ub.UNICODE_LATIN_EXTENDED_ADDITIONAL) & (cp >= 0x1EA0)] = 0x1EC3
    out[block(ub.UNICODE_HIRAGANA)] = 0x3042
    out[block(ub.UNICODE_KATAKANA)] = 0x30A2
    out[block(ub.UNICODE_BOPOMOFO) | block(ub.UNICODE_BOPOMOFO_EXTENDED)] = 0x3105
    src = np.array([ord(c) for c in NGram.CJK_MAP], dtype=np.int64)
    rep = np.array([ord(c) for c in NGram.CJK_MAP.values()], dtype=np.uint32)
    inside = (src < 65536) & block(ub.UNICODE_CJK_UNIFIED_IDEOGRAPHS)[np.minimum(src, 65535)]
    out[src[inside]] = rep[inside]
    out[block(ub.UNICODE_HANGUL_SYLLABLES)] = 0xAC00
    return out


def _counts(
    cp_id: np.ndarray, latin: np.ndarray, non_latin: np.ndarray, latin_letter: np.ndarray
) -> np.ndarray:
    """uint64[0x110000]: five 12-bit counters per code point, summed per text in one pass: 'A'..'z'
    (langdetect's Latin test), other scripts (>= U+0300 outside Latin Extended Additional; above
    the BMP too), letters (not a space to the profiles), Latin letters, ASCII letters."""
    if MAX_CHARS + 2 >= 1 << COUNT_FIELD:
        raise RuntimeError("a text's character counts overflow their fields")
    # above the BMP every code point counts as U+FFFF does (an unknown character, another script)
    bmp_id = cp_id[:65536]
    letter = bmp_id != SPACE
    fields = (latin, non_latin, letter, latin_letter[bmp_id], latin & letter)
    bmp = np.zeros(65536, dtype=np.uint64)
    for f, field in enumerate(fields):
        bmp |= field.astype(np.uint64) << np.uint64(COUNT_FIELD * f)
    out = np.full(0x110000, bmp[0xFFFF], dtype=np.uint64)
    out[:65536] = bmp
    return out


def profile_parts() -> dict[str, np.ndarray]:
    """The compact tables that `_assemble` turns into a Model, computed from langdetect's profiles:
    what TABLES_FILE holds (written by `python -m curate.langid.build_tables`)."""
    profiles = []
    for path in sorted((langdetect_dir() / "profiles").iterdir()):
        if not path.name.startswith("."):
            data = json.loads(path.read_text(encoding="utf-8"))
            profiles.append((data["name"], data["freq"], data["n_words"]))
    langs = tuple(name for name, _, _ in profiles)

    # every gram of every profile as numpy UCS-4 strings (no gram is longer than 3 or holds a
    # NUL): sorted and deduplicated in C, in the order Python sorts them
    keys = [list(freq) for _, freq, _ in profiles]
    if max(map(len, chain.from_iterable(keys))) > 3:
        raise RuntimeError("langdetect's profiles hold n-grams longer than 3")
    grams, inverse = np.unique(
        np.array(list(chain.from_iterable(keys)), dtype="<U3"), return_inverse=True
    )
    gram_cps = grams.view(np.uint32).reshape(-1, 3)
    size = (gram_cps != 0).sum(axis=1)
    alphabet_cps = np.unique(gram_cps[(gram_cps != 0) & (gram_cps != ord(" "))])
    alphabet = [chr(c) for c in alphabet_cps.tolist()]
    unknown = len(alphabet) + 2  # a character no profile has: breaks n-grams, never matches
    if unknown >= 1 << BITS:
        raise RuntimeError("langdetect's profiles use more characters than the key packing allows")

    def char_ids(cps: np.ndarray) -> np.ndarray:
        """Profile characters' code points -> ids: ' ' is SPACE, the alphabet 2, 3, ..."""
        return np.where(cps == ord(" "), SPACE, np.searchsorted(alphabet_cps, cps) + 2)

    # code point -> id of its normalised character: the profiles' characters, other white space
    # is a space, the rest unknown
    white = np.fromiter(map(str.isspace, map(chr, range(65536))), dtype=bool, count=65536)
    id_of = np.where(white, SPACE, unknown).astype(np.uint16)
    id_of[ord(" ")] = SPACE
    bmp = alphabet_cps < 65536
    id_of[alphabet_cps[bmp]] = np.flatnonzero(bmp) + 2
    char_id = id_of[_normalised()]
    char_id[0xFFFF] = unknown  # code points above the BMP are clipped to U+FFFF
    upper = np.zeros(1 << BITS, dtype=bool)
    latin_letter = np.zeros(1 << BITS, dtype=bool)
    for i, c in enumerate(alphabet, start=2):
        upper[i] = c.isupper()
        latin_letter[i] = unicodedata.name(c, "").startswith("LATIN")

    unigrams, trigrams = grams[size == 1], grams[size == 3]
    # each gram's row among the 1-grams / 3-grams (sorted)
    rank = np.where(size == 1, np.cumsum(size == 1) - 1, np.cumsum(size == 3) - 1)[inverse]
    uni_row = dict(zip(unigrams.tolist(), range(len(unigrams)), strict=True))
    uni_lp = np.zeros((len(unigrams), len(langs)))
    latin_mass = np.zeros(len(langs))
    is1 = (size[inverse] == 1).tolist()
    start = 0
    for j, (_, freq, n_words) in enumerate(profiles):
        # in the profile's own order: latin_mass is a float sum
        for g in compress(keys[j], is1[start : start + len(keys[j])]):
            f = freq[g]
            uni_lp[uni_row[g], j] = math.log1p(f / n_words[0] / FLOOR)
            latin_mass[j] += f * unicodedata.name(g, "").startswith("LATIN") / n_words[0]
        start += len(keys[j])
    # by language first: each profile fills one contiguous row
    tri_lp_t = np.zeros((len(langs), len(trigrams)))
    lang = np.repeat(np.arange(len(langs)), [len(k) for k in keys])
    freqs = np.fromiter(
        chain.from_iterable(freq.values() for _, freq, _ in profiles),
        dtype=np.float64,
        count=len(lang),
    )
    n3 = np.array([n_words[2] for _, _, n_words in profiles], dtype=np.float64)
    is3 = size[inverse] == 3
    # numpy's division is Python's (IEEE, correctly rounded); its log1p is not always
    # math.log1p to the last bit, hence math.log1p
    prob = freqs[is3] / n3[lang[is3]] / FLOOR
    tri_lp_t[lang[is3], rank[is3]] = list(map(math.log1p, prob.tolist()))
    uq = np.rint(uni_lp * SCALE).astype(np.uint64)
    tq_t = np.rint(tri_lp_t * TRI_SCALE)
    if int(uq.max()) * MAX_CHARS >= 1 << UNI_FIELD or int(tq_t.max()) * TRI_RUN >= 1 << TRI_FIELD:
        raise RuntimeError("quantised log-probabilities overflow the packed lanes")
    # 3-grams are scored against the languages of the text's script: Latin-script languages (31
    # of langdetect's 55) or the others. That halves the work on Latin text; a language of the
    # other script never wins there anyway (same accuracy on lingua's sentences, measured)
    is_latin = latin_mass > 0.5
    uni = np.full(1 << BITS, -1, dtype=np.int32)
    uni[char_ids(unigrams.view(np.uint32).reshape(-1, 3)[:, 0])] = np.arange(len(unigrams))
    # the commonest 3-grams go into the table first, so that the few that collide are rare ones
    tri_lp = np.ascontiguousarray(tri_lp_t.T)  # rows summed as they always were, bit for bit
    tri_rows = np.argsort(-(tri_lp.sum(axis=1)), kind="stable").astype(np.int32)
    # the characters of each 3-gram (code points, via numpy's UCS-4 strings) -> their ids
    cid = char_ids(trigrams.view(np.uint32).reshape(-1, 3))
    cid = cid.astype(np.uint64)
    keys = (cid[:, 0] << np.uint64(2 * BITS)) | (cid[:, 1] << np.uint64(BITS)) | cid[:, 2]
    return {
        "langs": np.array(langs),
        "char_id": char_id,
        "upper": upper,
        "latin_letter": latin_letter,
        "uni": uni,
        "uq": uq.astype(np.uint16),  # < 2^UNI_FIELD / MAX_CHARS (checked above)
        "tq": tq_t.T.astype(np.uint8),  # < 2^TRI_FIELD / TRI_RUN (checked above)
        "is_latin": is_latin,
        "keys": keys,  # 3-gram keys by row (the rows of tq)
        "tri_rows": tri_rows,  # the rows in the order they go into the hash table
    }


def _assemble(parts: dict[str, np.ndarray]) -> Model:
    """The Model from its compact tables: packing, hash table and code point tables (cheap)."""
    langs = tuple(parts["langs"].tolist())
    char_id, latin_letter = parts["char_id"], parts["latin_letter"]
    uq, tq, tri_rows = parts["uq"], parts["tq"], parts["tri_rows"]
    if int(uq.max()) * MAX_CHARS >= 1 << UNI_FIELD or int(tq.max()) * TRI_RUN >= 1 << TRI_FIELD:
        raise RuntimeError("quantised log-probabilities overflow the packed lanes")
    cps = np.arange(65536)
    latin = (cps >= ord("A")) & (cps <= ord("z"))
    non_latin = (cps >= 0x300) & ~((cps >= 0x1E00) & (cps <= 0x1EFF))
    groups = (np.flatnonzero(parts["is_latin"]), np.flatnonzero(~parts["is_latin"]))
    tri_keys = parts["keys"][tri_rows]
    # a key lives at its hash slot unless another key took it first; the few that collided are
    # kept sorted and found by bisection (vectorised gathers, no probing loop). One uint64 per
    # slot: bits 20..55 = the key, bits 0..19 = its row; `spill` marks the slots that overflowed.
    slot = _hash(tri_keys).astype(np.int64)
    _, first = np.unique(slot, return_index=True)
    table = np.zeros(1 << TABLE_BITS, dtype=np.uint64)
    entry = (tri_keys << np.uint64(ROW_BITS)) | tri_rows.astype(np.uint64)
    table[slot[first]] = entry[first]
    rest = np.ones(len(tri_keys), dtype=bool)
    rest[first] = False
    rest = np.flatnonzero(rest)
    spill = np.zeros(1 << TABLE_BITS, dtype=bool)
    spill[slot[rest]] = True
    order = np.argsort(tri_keys[rest])
    cp_id = np.full(0x110000, char_id[0xFFFF], dtype=np.uint16)
    cp_id[:65536] = char_id
    c = [(parts["keys"] >> np.uint64(BITS * s)) & np.uint64((1 << BITS) - 1) for s in (2, 1, 0)]
    comb, dense, run = _comb(uq, tq, parts["uni"], c, groups, int(char_id.max()) + 1)
    return Model(
        langs=langs,
        char_id=char_id,
        cp_id=cp_id,
        cp_counts=_counts(cp_id, latin, non_latin, latin_letter),
        cp_upper=parts["upper"][cp_id],
        upper=parts["upper"],
        latin_letter=latin_letter,
        latin=latin,
        non_latin=non_latin,
        uni=parts["uni"],
        table=table,
        spill=spill,
        keys2=tri_keys[rest][order],
        rows2=tri_rows[rest][order],
        groups=groups,
        order=np.argsort(np.concatenate(groups)),
        comb=comb,
        absent=len(tq),
        pairs=len(tq) + int(char_id.max()) + 1,
        dense=dense,
        run=run,
    )


def _comb(
    uq: np.ndarray,
    tq: np.ndarray,
    uni: np.ndarray,
    chars: list[np.ndarray],
    groups: tuple[np.ndarray, np.ndarray],
    n_ids: int,
) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray, int]:
    """(comb per group, dense, run): the rows a text's positions add, 1-grams folded into 3-grams.

    A text's score is the sum of the 1-grams of its characters (but the second and later letters
    of an ALL-CAPS word) and of its scored 3-grams. Each scored 3-gram (a, b, c) ends on a
    character c whose 1-gram counts (langdetect skips both or neither): its row carries that
    1-gram too, and when a is a space (b begins a word) b's 1-gram as well, so a word's letters
    need no 1-gram rows of their own. The positions left, read with a 1-gram row alone (row
    absent + id): the letters whose 3-gram is thinned out past FULL_CHARS, the first letter of a
    word whose next 3-gram is not scored, and of a word whose first 3-gram, holding a large id,
    no profile has (for small ids, rows `pairs` carry both 1-grams of such a 3-gram). One gather
    of a 64-byte row per position instead of 3-gram rows plus a (text, character) count of the
    1-grams. 3-grams are quantised in 1/TRI_SCALE nat: scaled here to 1/SCALE (x4, exact)."""
    n_tri, n_langs = tq.shape
    if int(tq.max()) * (SCALE // TRI_SCALE) + 3 * int(uq.max()) >= 1 << 16:
        raise RuntimeError("the combined rows overflow their 16-bit lanes")
    # (in uint16: every value and sum below fits, checked above; a third of int64's build time)
    uni_of = np.zeros((1 << BITS, n_langs), dtype=np.uint16)  # a character id's 1-gram values
    has = uni >= 0
    uni_of[has] = uq[uni[has]]
    a, b, c = (x.astype(np.intp) for x in chars)
    vals = np.empty((n_tri + n_ids + DENSE * DENSE, n_langs), dtype=np.uint16)
    folded = vals[:n_tri]
    np.multiply(tq, SCALE // TRI_SCALE, out=folded, dtype=np.uint16)
    folded += uni_of[c]
    starts = np.flatnonzero(a == SPACE)
    folded[starts] += uni_of[b[starts]]
    vals[n_tri : n_tri + n_ids] = uni_of[:n_ids]
    pair = vals[n_tri + n_ids :].reshape(DENSE, DENSE, n_langs)
    np.add(uni_of[:DENSE, None, :], uni_of[None, :DENSE, :], out=pair)
    top = int(vals.max())
    # (a text's sums, widened to 32-bit lanes, hold MAX_CHARS + 2 positions: checked too)
    if len(vals) > 1 << 16 or top * (MAX_CHARS + 2) >= 1 << 32:
        raise RuntimeError("the combined rows overflow the direct table or their lanes")
    comb = tuple(_pack(vals.take(g, axis=1), 16) for g in groups)
    # the direct table: every 3-gram of small ids has a row (a profile's, or 1-grams alone)
    dense = np.empty((DENSE, DENSE, DENSE), dtype=np.uint16)  # [a, b, c]
    dense[:] = n_tri + np.arange(DENSE)
    dense[SPACE] = (n_tri + n_ids + np.arange(DENSE * DENSE)).reshape(DENSE, DENSE)
    dense = dense.ravel()
    small = np.flatnonzero((a < DENSE) & (b < DENSE) & (c < DENSE))
    dense[(a[small] << 2 * DENSE_BITS) | (b[small] << DENSE_BITS) | c[small]] = small
    return comb, dense, ((1 << 16) - 1) // max(top, 1)


# The compact tables, built from langdetect's profiles by `python -m curate.langid.build_tables`
# and shipped with the package: loading them takes about 20-30 ms of CPU, building them from the
# profiles 0.25-0.4 CPU s per process (every worker paid it). Used only when they were built
# from the very profiles installed (digest of their files) with the same layout (FORMAT and the
# constants that shape them); otherwise the tables are built from the profiles, as they always
# were. tests/langid/test_model.py checks that the file is what profile_parts() gives.
TABLES_FILE = Path(__file__).with_name("profile_tables.npz")
FORMAT = 1
SPARSE = ("uq", "tq")  # stored as (shape, positions, values) of their non-zeros
LAYOUT = (FORMAT, SCALE, UNI_FIELD, TRI_SCALE, TRI_FIELD, TRI_RUN, MAX_CHARS, SPACE, BITS)


def profiles_digest() -> str:
    """sha256 of langdetect's profile files (names and bytes, in name order): about 3 ms."""
    h = hashlib.sha256()
    for path in sorted((langdetect_dir() / "profiles").iterdir()):
        if not path.name.startswith("."):
            h.update(path.name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def write_tables(path: Path = TABLES_FILE) -> None:
    """Write profile_parts() of the installed profiles, with their digest and the layout."""
    parts = profile_parts()
    meta = {"layout": np.array(LAYOUT, dtype=np.int64), "digest": np.array(profiles_digest())}
    # the quantised tables are mostly zeros (124k values of 3.2 M): kept as their non-zero
    # values, so that loading inflates 0.5 MB, not 3.5 (a third of the load's time)
    for name in SPARSE:
        q = parts.pop(name)
        at = np.flatnonzero(q)
        if len(q.ravel()) >= 1 << 32:
            raise RuntimeError(f"{name} is too large for uint32 positions")
        parts |= {f"{name}.shape": np.array(q.shape), f"{name}.at": at.astype(np.uint32)}
        parts[f"{name}.values"] = q.ravel()[at]
    np.savez_compressed(path, **meta, **parts)


def load_tables(path: Path = TABLES_FILE) -> dict[str, np.ndarray] | None:
    """The shipped tables, or None when they are missing, unreadable or not those of the
    installed profiles (the tables are then built from the profiles)."""
    if not path.is_file():
        return None
    try:
        # opened here: np.load leaves a file it opened itself open when the zip is damaged
        with open(path, "rb") as f, np.load(f, allow_pickle=False) as z:
            if tuple(z["layout"].tolist()) != LAYOUT or str(z["digest"]) != profiles_digest():
                return None
            parts = {k: z[k] for k in z.files if k not in ("layout", "digest")}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):  # a damaged file
        return None
    for name in SPARSE:
        shape, at, values = (parts.pop(f"{name}.{k}") for k in ("shape", "at", "values"))
        q = np.zeros(tuple(shape.tolist()), dtype=values.dtype)
        q.ravel()[at] = values
        parts[name] = q
    return parts


def _build() -> Model:
    parts = load_tables()
    return _assemble(profile_parts() if parts is None else parts)


_lock = threading.Lock()
_model: Model | None = None


def model() -> Model:
    """The tables, built on first use and shared by every thread of the process."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = _build()
    return _model


def _lookup(m: Model, keys: np.ndarray) -> np.ndarray:
    """Row of each packed 3-gram key among the profiles' 3-grams (its row of m.comb), m.absent
    when no profile has it. A key is never 0 (character ids start at 1), so an empty slot never
    matches."""
    slot = _hash(keys).view(np.intp)
    e = m.table.take(slot)
    found = (e >> np.uint64(ROW_BITS)) == keys
    rows = (e & np.uint64((1 << ROW_BITS) - 1)).view(np.int64)
    miss = np.flatnonzero(~found)  # few: web text is 2-3 % of 3-grams no profile has
    if len(miss):
        rows[miss] = m.absent
        # only a slot that overflowed can hide the key elsewhere
        miss = miss[m.spill.take(slot[miss])]
        k = keys[miss]
        pos = np.minimum(np.searchsorted(m.keys2, k), len(m.keys2) - 1)
        there = m.keys2[pos] == k
        rows[miss[there]] = m.rows2[pos[there]]
    return rows


def _rows3(m: Model, ids: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row in m.comb of the 3-gram ids[e], ids[e + 1], ids[e + 2] of each e in `end`, the
    positions e + 1 whose 1-gram that row does not carry). A profile's 3-gram: its row (what
    _lookup gives for its packed key). Another: the row of the 1-gram of its last character, or
    for (space, b, c) of small ids the row of both 1-grams; for such a 3-gram holding a large id,
    the 1-gram of b is left to the caller (the positions returned: a word's first letter). Most
    web text is written in ids below DENSE (space, ASCII letters): those 3-grams are read from
    m.dense (one gather from a 512 KB table, no hashing: half the time), the others from the
    hash table."""
    big = np.flatnonzero(ids >= DENSE)
    if len(big) * 3 * DENSE_BAD > len(end):  # say Cyrillic text: the hash table for every 3-gram
        k = ids.astype(np.uint64)
        k3 = (k[:-2] << np.uint64(2 * BITS)) | (k[1:-1] << np.uint64(BITS)) | k[2:]
        return _absent_rows(m, ids, end, _lookup(m, k3[end]))
    # (in int32: half the bytes of intp through these passes; 3 x DENSE_BITS bits fit)
    i = np.bitwise_and(ids, DENSE - 1, dtype=np.int32)  # big ids are masked, then overwritten
    at = i[:-2] << 2 * DENSE_BITS
    at |= i[1:-1] << DENSE_BITS
    at |= i[2:]
    # (mode="wrap": every index is in range, `end` of at's positions and at below DENSE^3, the
    # table's length; no check of each index, as in _score_chunk)
    rows = m.dense.take(at.take(end, mode="wrap"), mode="wrap").astype(np.intp)
    lone = np.zeros(0, dtype=np.intp)
    if len(big):
        bad = _holding(big, end)
        if len(bad):
            e = end[bad]
            k = (ids[e].astype(np.uint64) << np.uint64(2 * BITS)) | (
                ids[e + 1].astype(np.uint64) << np.uint64(BITS)
            )
            rows[bad], lone = _absent_rows(m, ids, e, _lookup(m, k | ids[e + 2]))
    return rows, lone


def _absent_rows(
    m: Model, ids: np.ndarray, end: np.ndarray, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """_lookup's rows of the 3-grams starting at `end` with the absent ones given the 1-gram row
    of their last character; and the middle positions of the absent ones starting with a space
    (their first letter's 1-gram is in no row)."""
    miss = np.flatnonzero(rows == m.absent)
    if len(miss) == 0:
        return rows, np.zeros(0, dtype=np.intp)
    e = end[miss]
    rows[miss] += ids[e + 2]
    return rows, e[ids[e] == SPACE] + 1


def _holding(pos: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Indices into `end` (ascending starts of 3-grams) of the 3-grams holding one of the
    positions `pos` (ascending, few): flatnonzero((big[:-2] | big[1:-1] | big[2:])[end]) for
    big = a mask of pos. The grams starting at pos - 2 .. pos are a range of `end`, found by
    bisection; a range starts where the previous one ends at the latest (neighbouring positions
    share grams): a few passes over the positions, none over the chunk's characters."""
    lo = np.searchsorted(end, pos - 2)
    hi = np.searchsorted(end, pos, side="right")
    np.maximum(lo[1:], hi[:-1], out=lo[1:])
    return _ranges(lo, np.maximum(hi - lo, 0))


def _runs(
    at: np.ndarray, count: np.ndarray, texts: np.ndarray, run: int
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """The runs summing the rows of `texts`, text i's rows being the `count[i]` from `at[i]`
    (ranges in order, one after the other): (start of every run, cut every `run` rows of a
    text; the first run of each text, None when every text has one run; the texts with rows, in
    order)."""
    has = count > 0
    if not has.all():
        at, count, texts = at[has], count[has], texts[has]
    per = -(-count // run)  # runs of each text
    if len(per) == 0 or per.max() == 1:  # a run per text
        return at, None, texts
    first = np.cumsum(per) - per
    # run j (of all) of text i starts at at[i] + (j - first[i]) * run
    runs = np.repeat(at - first * run, per)
    runs += np.arange(0, len(runs) * run, run)
    return runs, first, texts


def _thinned(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Indices of the characters of texts (start, length) whose 3-grams are not scored: past the
    first FULL_CHARS, all but one in THIN (position within the text % THIN == 0 is kept). Made
    THIN characters at a time (FULL_CHARS is a multiple of THIN): the THIN - 1 thinned positions
    after each kept one, those of a text's last group past its end dropped; a third of the passes
    over the tails that a range of every position and a remainder would take
    (tests/langid/test_speed.py compares it with that definition)."""
    groups = -(-(lengths - FULL_CHARS) // THIN)
    before = np.cumsum(groups) - groups
    # the kept position of each group: start + FULL_CHARS + THIN * (the group's rank in its text)
    kept = np.arange(0, THIN * int(before[-1] + groups[-1]), THIN)
    kept += np.repeat(starts + FULL_CHARS - THIN * before, groups)
    idx = kept[:, None] + np.arange(1, THIN)
    return idx[idx < np.repeat(starts + lengths, groups)[:, None]]


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The indices start, start + 1, ..., start + length - 1 of every (start, length), in order."""
    before = np.cumsum(lengths) - lengths
    return np.arange(lengths.sum()) - np.repeat(before - starts, lengths)


def _add_rows(
    acc: list[np.ndarray | None], n: int, g: int, rows: np.ndarray, sums: np.ndarray
) -> None:
    """acc[g][rows] += sums, rows distinct and ascending, acc[g] (int64[n texts of the chunk,
    group g's languages]) made on first use. Every row of the chunk (the usual case): the first
    sums become acc[g] (a fresh array: not copied), the next are a plain add, no fancy indexing.
    The chunk's sums of a group are added to the group's scores once (_score_chunk)."""
    if len(rows) == n:
        if acc[g] is None:
            acc[g] = sums
        else:
            acc[g] += sums
        return
    if acc[g] is None:
        acc[g] = np.zeros((n, sums.shape[1]), dtype=np.int64)
    acc[g][rows] += sums


def _score_chunk(
    m: Model, cps: np.ndarray, lens: np.ndarray, out: list[np.ndarray], letters: np.ndarray
) -> None:
    """Adds the scores of the texts of lengths `lens` to `out` (per script group g,
    int64[texts, the group's languages m.groups[g]]) and their letters in words of two or more
    letters to `letters`. `cps`: their code points joined by "\n", with a "\n" before the first
    and after the last ("\n" is a space to the profiles: it pads every text on both sides)."""
    n = len(lens)
    acc: list[np.ndarray | None] = [None] * len(m.groups)  # the sums per group (_add_rows)
    # text i owns its characters and the "\n" after it; the leading "\n" goes to text 0
    # (np.concatenate rather than np.r_, here and below: 2-3 us less a call)
    ends = np.cumsum(lens + 1)
    starts = np.concatenate(([0], ends[:-1] + 1))
    bounds_at = np.concatenate((starts, [len(cps)]))  # the texts' starts and the chunk's end
    # the code points as indices once: numpy's take converts other index types on every call
    # (three tables are read by code point). mode="wrap" in these takes: the same values for
    # indices in range, as every code point is (below 0x110000, the tables' length); numpy's
    # default "raise" checks each index (a fifth of a take's time)
    cpi = cps.astype(np.intp)
    ids = m.cp_id.take(cpi, mode="wrap")
    # langdetect skips the n-grams ending in the second and later letters of an ALL-CAPS word
    up = m.cp_upper.take(cpi, mode="wrap")
    # per text, from one table: 'A'..'z', other scripts, letters, Latin letters, ASCII letters
    counts = np.add.reduceat(m.cp_counts.take(cpi, mode="wrap"), starts)
    lat, non_latin, n_letters, n_latin, ascii_letters = (
        (counts >> COUNT_SHIFTS[:, None]) & np.uint64((1 << COUNT_FIELD) - 1)
    ).astype(np.int64)
    # langdetect drops the Latin letters of a text mostly written in another script
    drop = lat * 2 < non_latin
    if drop.any():
        idx = _ranges(starts[drop], np.diff(bounds_at)[drop])
        idx = idx[m.latin.take(np.minimum(cps[idx], 0xFFFF))]
        ids[idx] = SPACE
        up[idx] = False  # (what upper[ids] gives now)
        n_letters -= ascii_letters * drop
        n_latin -= ascii_letters * drop
    letter = ids != SPACE
    # letters of words of two or more letters: the widget line "A A A" has none
    # (the chunk's first and last characters are "\n"s, no letters: only the inner ones can
    # count; the mask built in place, summed as bytes: 44 against 68 us on a chunk of web lines)
    counted = np.zeros(len(letter), dtype=bool)
    np.bitwise_or(letter[:-2], letter[2:], out=counted[1:-1])
    counted[1:-1] &= letter[1:-1]
    # (summed in uint16, a text's at most MAX_CHARS + 2: numpy's reduceat of bytes into uint16 is
    # 4x faster than into int64)
    letters += np.add.reduceat(counted.view(np.uint8), starts, dtype=np.uint16)
    # the script groups a text is scored against: Latin, the others, or both for mixed text
    scored = (n_latin * MIXED >= n_letters, (n_letters - n_latin) * MIXED >= n_letters)
    # (the gram starting at e is skipped when ids[e + 1] and ids[e + 2] are both upper case)
    skipped = up[1:-1] & up[2:]

    # 3-grams: every one (few repeat within a text); the middle character must be a letter.
    # Each scored 3-gram's row carries the 1-grams of its last character and, when it begins a
    # word, of its middle one (_comb): the positions whose 1-gram no scored 3-gram carries are
    # added with a row of their 1-gram alone (`lone`)
    scored3 = letter[1:-1] > skipped  # (a & ~b) by the gram's first index; it ends at index + 2
    lone = np.zeros(len(ids), dtype=bool)
    # ALL-CAPS words: their first letter's next 3-gram is skipped
    caps = np.flatnonzero(skipped)  # the gram starting here ends on a letter that is skipped
    lone[caps[ids[caps] == SPACE] + 1] = True
    # past the first FULL_CHARS characters of a text, one 3-gram in THIN is scored: by then the
    # text's language is settled, the rest only adds to a certainty
    # (positions count from the text's first character: the first text of a chunk used to count
    # from the "\n" before it, so its scores depended on where it fell in the batch)
    span = lens + 1  # the text and the "\n" after it
    long = np.flatnonzero(span > FULL_CHARS)
    if len(long):
        first_char = ends - lens
        thinned = _thinned(first_char[long] - 2, span[long])  # as gram starts (e = char - 2)
        lost = thinned[scored3[thinned]]  # scored 3-grams thinned out: their 1-grams stay
        scored3[lost] = False
        lone[lost[letter[lost + 2]] + 2] = True  # the last character's
        lone[lost[ids[lost] == SPACE] + 1] = True  # a word's first letter's
    end = np.flatnonzero(scored3)
    r3, first_letters = _rows3(m, ids, end)
    lone[first_letters] = True
    alone = np.flatnonzero(lone)
    r1 = m.absent + ids.take(alone).astype(np.intp)
    # the grams of text k, a range of `end`: those whose last character, e + 2, is one of its
    # characters (starts[k] <= e + 2 < starts[k + 1]); found by bisection of the texts' starts,
    # not by the text of every gram and a pass comparing neighbours. The lone positions likewise
    bounds = np.searchsorted(end, bounds_at - 2)
    bounds1 = np.searchsorted(alone, bounds_at)
    for g, cols in enumerate(m.groups):
        if not scored[g].any():
            continue
        # the few texts not scored for a group that holds nearly all the chunk (a Cyrillic line
        # among Latin ones) are summed with the others and dropped after: cheaper than selecting
        # the grams of all the others (identical sums for the texts kept)
        every = scored[g].all()
        few = every or lens[~scored[g]].sum() * FEW_UNSCORED < lens.sum()
        for rows_all, bnd in ((r3, bounds), (r1, bounds1)):
            first_gram, n_grams = bnd[:-1], bnd[1:] - bnd[:-1]
            if few:
                texts, rows, at = np.arange(n), rows_all, first_gram
                count = n_grams
            else:
                texts = np.flatnonzero(scored[g])
                count = n_grams[texts]
                rows = rows_all[_ranges(first_gram[texts], count)]
                at = np.cumsum(count) - count
            if len(rows) == 0:
                continue
            sums, owner = _sum_rows(m.comb[g], rows, at, count, texts, m.run, len(cols))
            if not every:
                kept = scored[g][owner]
                sums, owner = sums[kept], owner[kept]
            _add_rows(acc, n, g, owner, sums)
    for g, sums in enumerate(acc):
        if sums is not None:
            out[g] += sums


def block_sums(table: np.ndarray, rows: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """np.add.reduceat(table.take(rows, axis=0), starts, axis=0) for `starts` strictly ascending
    (every run holds a row) and `rows` in range (not checked: mode="wrap"), gathered and summed a
    block of runs at a time, about SUM_BYTES of rows, into one buffer that stays in the core's
    cache. numpy's reduceat over runs of rows goes column by column: over a whole chunk's rows
    gathered (6 MB on web text) each of its strided passes was a trip to memory. The same sums,
    each run's in the same order (tests/langid/test_speed.py: blocks of one run, of runs cut
    across texts, against the plain definition)."""
    # (64-bit tables only: reduceat sums a narrower integer table in 64 bits when it makes its
    # own output, and in the table's type into `out`)
    assert table.dtype.itemsize == 8, table.dtype
    n = len(starts)
    block = max(SUM_BYTES // (table.itemsize * table.shape[1]), 1)
    if n == 0:
        return np.empty((0, table.shape[1]), dtype=table.dtype)
    if len(rows) <= block:  # one block (a small batch): no buffer, no cuts
        return np.add.reduceat(table.take(rows, axis=0, mode="wrap"), starts, axis=0)
    out = np.empty((n, table.shape[1]), dtype=table.dtype)
    # the block from run a to run b: the runs starting in [k * block, (k + 1) * block) (a run
    # ends where the next starts, the last at len(rows), as reduceat reads them). A dozen cuts
    # a chunk: in Python lists, not numpy calls on tiny arrays
    cuts = sorted(set(np.searchsorted(starts, np.arange(0, len(rows), block)).tolist()) - {n})
    edges = [*starts.take(cuts).tolist(), len(rows)]
    cuts.append(n)
    size = max(hi - lo for lo, hi in itertools.pairwise(edges))
    buffer = np.empty((size, table.shape[1]), dtype=table.dtype)
    for a, b, lo, hi in zip(cuts, cuts[1:], edges, edges[1:], strict=False):
        # (mode="wrap": no check of each row; numpy's default "raise" would also copy `out`)
        x = table.take(rows[lo:hi], axis=0, out=buffer[: hi - lo], mode="wrap")
        np.add.reduceat(x, starts[a:b] - lo, axis=0, out=out[a:b])
    return out


def _sum_rows(
    table: np.ndarray,
    rows: np.ndarray,
    at: np.ndarray,
    count: np.ndarray,
    texts: np.ndarray,
    run: int,
    lanes: int,
) -> tuple[np.ndarray, np.ndarray]:
    """(int64[texts with rows, lanes] the sums of table's rows `rows` of each text, text i's being
    the count[i] from at[i]; those texts). Summed as packed 16-bit lanes over runs of at most
    `run` rows (no lane overflows), the runs of a text of several then widened to 32-bit lanes
    (a text's sums stay below 2^32, checked by _comb) and summed once more."""
    runs, lead, owner = _runs(at, count, texts, run)
    sums = block_sums(table, rows, runs)
    if lead is None:
        return _unpack(sums, 16, lanes), owner
    wide = sums.view("<u2").astype("<u4").view("<u8")
    total = np.add.reduceat(wide, lead, axis=0)
    return total.view("<u4")[:, :lanes].astype(np.int64), owner


def score(texts: Sequence[str], lens: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Naive-Bayes log-likelihood of each text under each of langdetect's languages.

    Returns (scores int64[len(texts), len(langs)] in 1/SCALE nat above the floor, letters
    int64[len(texts)]: letters in words of two or more letters). A text is scored
    against the languages of the script(s) it is written in (Latin or not: the others keep 0, they
    would not win) and read up to MAX_CHARS. `lens`: the texts' lengths in characters, when the
    caller has them (checked against the texts joined: each text's end must fall on its "\n").
    """
    m = model()
    n = len(texts)
    # summed per script group, each in an array of its own (a chunk's rows of it are one
    # contiguous block), put in language order once at the end: integers, same sums
    out = [np.zeros((n, len(cols)), dtype=np.int64) for cols in m.groups]
    letters = np.zeros(n, dtype=np.int64)
    if lens is None:
        lens = np.fromiter(map(len, texts), count=n, dtype=np.int64)
    else:
        lens = np.array(lens, dtype=np.int64)
    if (lens > MAX_CHARS).any():
        texts = [t[:MAX_CHARS] for t in texts]
        np.minimum(lens, MAX_CHARS, out=lens)
    # chunks of at least CHUNK_CHARS characters (each text counts its "\n"), the last of the rest:
    # a chunk ends at the first text that brings it to CHUNK_CHARS. Each chunk is joined and
    # encoded on its own: one string of the whole batch measured slower (a 10 MB UCS-4 string
    # and its encoding are fresh pages; a polars-joined one is decoded from UTF-8 at 3 ns a
    # character, twice the list of strings)
    ends = np.cumsum(lens + 1)
    start = 0
    while start < n:
        before = ends[start - 1] if start else 0
        stop = min(int(np.searchsorted(ends, before + CHUNK_CHARS)) + 1, n)
        chunk = slice(start, stop)
        # one string for the chunk; "\n" (a space to the profiles) pads every text on both sides
        # (one join with empty ends: "\n" + join + "\n" copied the chunk twice more)
        joined = "\n".join(["", *texts[chunk], ""])
        if len(joined) != ends[stop - 1] - before + 1:
            raise ValueError("score: lens are not the lengths of the texts")
        cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        # each text's "\n"s where its lens put them: lengths that are wrong but add up to the
        # chunk's (two swapped) would otherwise score wrong slices without a word
        if (cps[ends[chunk] - before] != 10).any():
            raise ValueError("score: lens are not the lengths of the texts")
        _score_chunk(m, cps, lens[chunk], [o[chunk] for o in out], letters[chunk])
        start = stop
    # the groups' columns side by side, then in language order: one take along the rows (0.9 ms
    # a web batch) rather than a strided column assignment per group (1.6 ms)
    return np.concatenate(out, axis=1).take(m.order, axis=1), letters
