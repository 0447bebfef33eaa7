"""From per-language scores to a language code and a confidence; `und` for what is too short."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np

from curate.langid.model import SCALE, model
from curate.langid.model import score as _score

UND = "und"
# Naive Bayes over overlapping n-grams counts every character several times, so its raw posterior
# is far too sure of itself (langdetect says 0.9998 for the line "A"). Dividing the log-likelihoods
# by 2 calibrates it: on the even lines of lingua's word pairs, labels with confidence >= 0.85
# were right 97 % of the time (bench/results/language.md).
TEMPERATURE = 2.0

# ISO 639 variants and langdetect's regional codes folded to the ISO 639-1 code users write.
ALIASES = {
    "in": "id",
    "iw": "he",
    "ji": "yi",
    "jw": "jv",
    "zh-cn": "zh",
    "zh-tw": "zh",
    "zh-hans": "zh",
    "zh-hant": "zh",
    "zh-hk": "zh",
    "zh-sg": "zh",
    "cmn": "zh",
    "ind": "id",
    "eng": "en",
    "msa": "ms",
    "may": "ms",
    "zsm": "ms",
    "deu": "de",
    "ger": "de",
    "fra": "fr",
    "fre": "fr",
    "spa": "es",
    "por": "pt",
    "ita": "it",
    "nld": "nl",
    "dut": "nl",
    "rus": "ru",
    "zho": "zh",
    "chi": "zh",
    "jpn": "ja",
    "kor": "ko",
    "ara": "ar",
    "hin": "hi",
    "tha": "th",
    "vie": "vi",
    "tur": "tr",
    "pol": "pl",
    "ukr": "uk",
    "swe": "sv",
    "nor": "no",
    "nob": "nb",
    "nno": "nn",
    "fil": "tl",
    "tgl": "tl",
    "afr": "af",
    "bul": "bg",
    "ben": "bn",
    "cat": "ca",
    "ces": "cs",
    "cze": "cs",
    "cym": "cy",
    "wel": "cy",
    "dan": "da",
    "ell": "el",
    "gre": "el",
    "est": "et",
    "fas": "fa",
    "per": "fa",
    "fin": "fi",
    "guj": "gu",
    "heb": "he",
    "hrv": "hr",
    "hun": "hu",
    "kan": "kn",
    "lit": "lt",
    "lav": "lv",
    "mkd": "mk",
    "mac": "mk",
    "mal": "ml",
    "mar": "mr",
    "nep": "ne",
    "pan": "pa",
    "ron": "ro",
    "rum": "ro",
    "slk": "sk",
    "slo": "sk",
    "slv": "sl",
    "som": "so",
    "sqi": "sq",
    "alb": "sq",
    "swa": "sw",
    "tam": "ta",
    "tel": "te",
    "urd": "ur",
    "bos": "bs",
    "srp": "sr",
    "hbs": "sh",
}


def normalise_code(code: str | None) -> str:
    """`in` -> `id`, `zh-CN` -> `zh`, `ind` -> `id`, `pt_BR` -> `pt`; empty -> `und`."""
    if not code or not code.strip():
        return UND
    c = code.strip().lower().replace("_", "-")
    if c in ALIASES:
        return ALIASES[c]
    base = c.split("-")[0]
    return ALIASES.get(base, base)


@functools.cache  # the profiles never change within a process
def codes() -> tuple[str, ...]:
    """The code of each score column (langdetect's zh-cn and zh-tw are both `zh`)."""
    return tuple(normalise_code(lang) for lang in model().langs)


def score(texts: Sequence[str], lens: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per-language scores (int64[n, languages], 1/64 nat) and letters per text; see model.py
    (`lens`: the texts' lengths in characters, when known)."""
    return _score(texts, lens)


def posteriors(scores: np.ndarray, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Index (into `codes()`) of the most probable language of each row, and its probability.

    The probability is summed over columns that share a code (zh-cn + zh-tw), so a Chinese text is
    not made uncertain by the two Chinese profiles. `rows`: only these rows of `scores` (the
    result is then posteriors(scores[rows]), without that copy).
    """
    n = scores.shape[0] if rows is None else len(rows)
    best = np.zeros(n, dtype=np.int64)
    conf = np.zeros(n, dtype=np.float64)
    # each row depends on that row alone: blocks of rows keep the float64 temporaries in cache
    # (7.6 MB each for a batch's 17k distinct lines, every pass a trip to memory otherwise); the
    # same operations on every row, so the same bits
    for lo in range(0, n, POSTERIOR_ROWS):
        at = slice(lo, lo + POSTERIOR_ROWS)
        block = scores[at] if rows is None else scores.take(rows[at], axis=0)
        best[at], conf[at] = _posteriors(block)
    return best, conf


# rows of scores per block in posteriors: 55 float64 columns, 0.9 MB a temporary (measured on a
# web batch's 15,887 distinct lines, min of 40: 1<<30 rows 10.8 ms, 256 8.5, 1024 7.5, 2048 7.3)
POSTERIOR_ROWS = 2048


# np.exp(x) is exactly 0.0 for every x below -745.1332 (half the smallest subnormal), but numpy's
# vectorised exp takes a slow path for every argument below about -708 (5x slower): a document's
# scores put most languages thousands of nats below the best one (71 % of a web-20k batch's
# document rows). Those below UNDERFLOW are given 0.0 without calling exp on them.
UNDERFLOW = -746


def _relative_exp(scores: np.ndarray) -> np.ndarray:
    """exp(x - max(x) of the row) for x = scores / (SCALE * TEMPERATURE), float64, bit for bit
    np.exp's: below UNDERFLOW, where np.exp gives 0.0, 0.0 without calling it."""
    # the differences to the row's best as integers, then scaled: the same floats as scaling
    # first (every score and difference is an integer below 2^53 divided by a power of two:
    # exact either way)
    d = scores - scores.max(axis=1, keepdims=True)
    keep = d >= UNDERFLOW * SCALE * TEMPERATURE
    # exp of the values kept alone (a third of a web batch's document values), gathered into
    # one array and put back: exp costs 1.6 ns a value even where it is given 0.0 (each value's
    # exp is the same wherever it lies in an array: tests/langid/test_speed.py)
    p = np.zeros(d.shape, dtype=np.float64)
    p[keep] = np.exp(d[keep] / (SCALE * TEMPERATURE))  # (as float64, then divided)
    return p


def _posteriors(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """posteriors of a block of rows: softmax(scores / (SCALE * TEMPERATURE)) per row, the
    columns that share a code summed; (argmax, its probability)."""
    p = _relative_exp(scores)
    p /= p.sum(axis=1, keepdims=True)
    for same in _shared_columns():
        p[:, same[0]] = p[:, same].sum(axis=1)
        p[:, same[1:]] = 0.0
    best = p.argmax(axis=1)
    return best, p[np.arange(len(best)), best]


# confident(): a row's best score must lead the others by at least this (in posterior units,
# score / (SCALE * TEMPERATURE)) to be decided without its probabilities: above ln 2, two
# columns that share a code (their probabilities summed) cannot overtake the best
DECIDED_GAP = 1.0
# and its probability's lower bound must pass min_confidence by this relative margin (the float
# computation of the probability is within a few 1e-16 of the true value)
DECIDED_MARGIN = 1e-9


def confident(
    scores: np.ndarray, min_confidence: float, rows: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(posteriors' best of each row, whether its probability is at least min_confidence): the
    same answers, bit for bit, without computing the probabilities of the rows whose scores
    decide both. A row whose best score leads every other by g (score / (SCALE * TEMPERATURE))
    has a best probability of at least 1 / (1 + (columns - 1) e^-g): a row whose best leads by
    the g where that bound passes min_confidence (and by DECIDED_GAP) is decided; the others
    get posteriors. Web lines mostly lead by far (99 % of a web-20k batch's distinct lines, 73 %
    of web-unique's): a maximum, a count of the columns near it and an argmax instead of a
    softmax with exp. `rows`: as in posteriors."""
    n = scores.shape[0] if rows is None else len(rows)
    best = np.zeros(n, dtype=np.int64)
    sure = np.zeros(n, dtype=bool)
    first = np.arange(scores.shape[1])  # the column posteriors gives for a best column
    for same in _shared_columns():
        first[same] = same[0]
    # the lead that decides: (columns - 1) e^-g <= 1 / c - 1 for c = min_confidence with the
    # margin, in score units, rounded up (a larger lead only sends more rows to posteriors)
    c = max(min_confidence, 0.0) * (1 + DECIDED_MARGIN)
    if c >= 1:
        lead = None  # no bound below 1 passes it: every row gets posteriors
    else:
        g = math.log((scores.shape[1] - 1) * c / (1 - c)) if c > 0 else -math.inf
        lead = math.ceil(max(g, DECIDED_GAP) * SCALE * TEMPERATURE) + 1
    for lo in range(0, n, POSTERIOR_ROWS):
        at = slice(lo, lo + POSTERIOR_ROWS)
        block = scores[at] if rows is None else scores.take(rows[at], axis=0)
        if lead is None:
            decided = np.zeros(len(block), dtype=bool)
        else:
            near = block > block.max(axis=1, keepdims=True) - lead
            decided = np.count_nonzero(near, axis=1) == 1  # the best alone
            best[at] = first[block.argmax(axis=1)]
            sure[at] = decided
        if not decided.all():
            other = np.flatnonzero(~decided)
            b, conf = _posteriors(block[other])
            best[lo + other] = b
            sure[lo + other] = conf >= min_confidence
    return best, sure


@functools.cache
def _shared_columns() -> tuple[list[int], ...]:
    """The columns of each code that several profiles share (zh-cn and zh-tw)."""
    cols = codes()
    shared = sorted({c for c in cols if cols.count(c) > 1})
    return tuple([i for i, c in enumerate(cols) if c == code] for code in shared)


def detect(
    texts: Sequence[str], min_letters: int = 2, min_confidence: float = 0.85
) -> tuple[list[str], np.ndarray]:
    """Language code (or `und`) and confidence of each text.

    `und` when the text has fewer than `min_letters` letters in words of two or more letters (the
    widget line "A A A" has none) or its most probable language has a probability below
    `min_confidence`. Texts are read up to 2,000 characters.
    """
    scores, letters = _score(texts)
    best, conf = posteriors(scores)
    cols = np.array(codes() + (UND,), dtype=object)
    undetermined = (letters < max(min_letters, 1)) | (conf < min_confidence)
    best = np.where(undetermined, len(cols) - 1, best)
    return cols[best].tolist(), np.where(letters < max(min_letters, 1), 0.0, conf)
