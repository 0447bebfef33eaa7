"""Truncation: documents cut off mid-sentence or mid-word, with a "read more" tail, on a round
length cap, or on a spike of the corpus' length histogram."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from curate.arrays import strings, to_numpy
from curate.checks import register
from curate.checks.base import (
    DOC,
    LINE,
    Batch,
    Rule,
    RuleResult,
    on_rows,
    param,
    run_cache,
    string_bytes,
    unicode_space,
    view_layout,
)
from curate.checks.regex_thread import run_in_own_thread

# The rule's lazy queries (a chain of DataFrame methods as one query: each eager method is a query
# of its own, 30-100 us of planning and Python whatever the batch) run as the eager methods do: on
# polars' in-memory engine ("auto" picks the streaming engine, twice the cost on these frames) and
# without the query optimisations (planning them costs more than they save here)
COLLECT: dict[str, Any] = {
    "engine": "in-memory",
    "optimizations": pl.QueryOptFlags.none(simplify_expression=True),
}

# The rule evaluates on threads of its own (regex_thread), its regexes with it: polars keeps 32
# compiled regexes per thread (least recently used out), and on a thread shared with the other
# rules of a set every one of the rule's 31 patterns is compiled again in every batch (~20 ms of
# web-unique's 40). 31 patterns used in the same order every batch overflow one thread's cache
# too, so the line tests (_line_kinds: 16 patterns) run on a second thread, the rest (19) on the
# first. A query runs a multi-expression select or with_columns on polars' pool thread (as do a
# join's two sides, unless allow_parallel=False, and a group_by's aggregations); a single
# expression, a filter, a Series method or a `*_seq` method runs on the calling thread: the
# rule's regexes are in the latter. (False: all on the calling thread; the results are the same.)
OWN_THREAD = True


def _on_thread(key: str, fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` on the thread kept for `key` (OWN_THREAD), or here."""
    return run_in_own_thread(key, fn, *args) if OWN_THREAD else fn(*args)


T = TypeVar("T")

# -- what a sentence end looks like ----------------------------------------------------------------
# Sentence-final punctuation across scripts: Latin and Greek (. ! ? ; :), CJK full-width and
# half-width (。！？．｡), Devanagari danda (। ॥), Arabic and Urdu (؟ ۔), Armenian (։), Ethiopic (።),
# Myanmar (။), Tibetan (།), Khmer (។), the ellipsis; then any closing quotes or brackets.
TERMINAL_PUNCT = r"[.!?;:。！？．｡।॥؟۔…‼⁉։።။།។]"
CLOSERS = r"[\"'”’»›」』》〉）)\]}*]"
# What may follow a sentence end on the same line without reopening the sentence: a footnote
# marker, emoji and other symbols, an emoticon, hashtags and handles, an editor or agency tag
# such as "(esn)", "[Reuters]" or "PTI", a widget label glued to the stop ("...Earth.ReplyDelete"),
# the last letter of an abbreviation ("R.I").
DECORATION = (
    r"(?:\s+|\[\d{1,3}\]|[\p{So}\p{Sk}\p{Cf}\x{FE0F}]|[:;=]-?[)(DPpOo3]|\s[#@][\w.]+|"
    r"\s*[(\[][^()\[\]\n]{1,60}[)\]]|\s\p{Lu}{2,6})"
)
TERMINATED = rf"{TERMINAL_PUNCT}{CLOSERS}*(?:\p{{Lu}}\p{{L}}*)?{DECORATION}*$"
# a line that ends with a URL, an e-mail address or a number/date is finished as it is, and so
# is one in Thai or Lao, which end sentences with a space, not a mark
ENDS_FINISHED = r"(?:(?:https?://|www\.)\S+|\S+@\S+\.\w+|\d|[\p{Thai}\p{Lao}])\W{0,2}$"

# -- lines that are not prose (skipped at the end of a document) -----------------------------------
BLANK_OR_SYMBOLS = r"^[^\p{L}]*$"  # separators, numbers, dates, prices, phone numbers
BRACKETED = r"^[(\[{<].*[)\]}>]$"  # "(esn)", "[ Wired ]", "(Reporting by ...; Editing by ...)"
HASHTAGS_OR_LINK = r"^(?:[#@]\S+\s*)+$|^(?:\S+:\s*)?(?:https?://|www\.)\S+$"
# bullets, "1.", "a)", "[2]", "— Name"; and "Label: value" lines ("Source: ...", "Tags: ...")
LIST_ITEM = r"^(?:[-–—*•·▪►◦‣>|+»]|\d{1,3}[.)]|\p{L}[)]|\[\d{1,3}\])\s*"
KEY_VALUE = r"^\p{L}[\p{L}\p{M}'’&/-]*(?:\s[\p{L}\p{M}'’&/-]+){0,3}(?:\s\([^)]{1,20}\))?\s?:\s"
# calls to action: "Watch the video", "Read the full story on ...", "Subscribe", "Tonton juga"
PROMO = (
    r"(?i)^(?:watch|read|click|tap|see|view|follow|subscribe|sign up|sign in|log in|login|share|"
    r"download|listen|visit|join|buy|shop|order|leave a|post a|add to|learn more|find out|"
    r"check out|don't miss|like us|tonton|baca|lihat|simak|saksikan|ikuti|klik|unduh|dengarkan|"
    r"kunjungi|cek)\b"
)
NAV_OR_RIGHTS = (
    r"\s\|\s|^\||©|(?i:copyright|all rights reserved)"
    # cookie banners: "We use cookies to improve your experience. Accept cookies"
    r"|(?i:(?:use|accept|allow|enable|reject)\s+(?:all\s+)?cookies|cookie (?:policy|settings))"
    # script notices (javascript-notice strips them, but the end is judged as it came in)
    r"|(?i:enable javascript|javascript is (?:disabled|required|turned off))"
)
# a word starting with an upper-case letter; Title Case lines (headings, lists of names) have many
# (words of four letters or more: "on", "a", "of" stay lower-case in Title Case)
CAPITALISED = r"(?:^|\s)[\"'“‘(]?\p{Lu}[\p{L}\p{M}'’-]{3,}"
CASED_WORD = r"(?:^|\s)[\"'“‘(]?[\p{Lu}\p{Ll}][\p{L}\p{M}'’-]{3,}"
CAPITALISED_ANY = r"(?:^|\s)[\"'“‘(]?\p{Lu}"
CASED_ANY = r"(?:^|\s)[\"'“‘(]?[\p{Lu}\p{Ll}]"

# Words that cannot end a sentence, a heading or a byline in the main web languages (articles,
# prepositions, conjunctions, relative pronouns, auxiliaries), and characters that announce more
# text: a line ending in one is cut, however short or capitalised it is. Words that end phrases
# in another language ("die", "do", "no", "van", "den", "by", "more") are left out.
CONTINUING_WORDS = (
    "the",
    "a",
    "an",
    "of",
    "to",
    "for",
    "with",
    "from",
    "into",
    "onto",
    "and",
    "or",
    "but",
    "nor",
    "because",
    "although",
    "though",
    "whereas",
    "whether",
    "unless",
    "than",
    "which",
    "whose",
    "whom",
    "is",
    "are",
    "was",
    "were",
    "has",
    "have",
    "had",
    "been",
    "would",
    "could",
    "should",
    "shall",
    "their",
    "our",
    "your",
    "its",
    "my",
    "very",
    "such",
    "between",
    "among",
    "yang",
    "dan",
    "di",
    "ke",
    "dari",
    "untuk",
    "dengan",
    "pada",
    "atau",
    "karena",
    "bahwa",
    "para",
    "sebagai",
    "dalam",
    "akan",
    "adalah",
    "serta",
    "oleh",
    "namun",
    "tetapi",
    "agar",
    "de",
    "la",
    "el",
    "los",
    "las",
    "le",
    "les",
    "des",
    "du",
    "un",
    "una",
    "une",
    "et",
    "y",
    "que",
    "con",
    "por",
    "para",
    "del",
    "al",
    "dos",
    "das",
    "em",
    "na",
    "com",
    "il",
    "lo",
    "gli",
    "di",
    "della",
    "che",
    "und",
    "der",
    "das",
    "dem",
    "ein",
    "eine",
    "einer",
    "zu",
    "mit",
    "von",
    "für",
    "auf",
    "oder",
    "aber",
    "dass",
    "het",
    "een",
    "qui",
    "dans",
    "sur",
    "avec",
    "pour",
    "и",
    "в",
    "на",
    "с",
    "по",
    "для",
    "что",
    "к",
    "от",
    "из",
    # subject pronouns, modals and subordinators: "... the score was 14-7 at", "... and then he"
    "at",
    "as",
    "i",
    "he",
    "she",
    "we",
    "they",
    "be",
    "will",
    "may",
    "can",
    "must",
    "might",
    "when",
    "while",
    "if",
    "these",
    "those",
    "his",
    "during",
    "despite",
    "including",
    "featuring",
    "towards",
    "toward",
    "via",
    "per",
    "regarding",
    "whilst",
    "whereby",
    "amongst",
    "unlike",
)
CONTINUING_CHARS = r"(?:[,，、&(]|\s[–—-])"

# Words of one or two Latin letters in the main web languages: any other such last token is what is
# left of a cut word ("... the minister sa"), wherever its stem occurs in the document.
SHORT_WORDS = (
    "a",
    "e",
    "i",
    "o",
    "u",
    "y",
    "x",
    "à",
    "é",
    "ä",
    "ö",
    "ü",
    "an",
    "as",
    "at",
    "be",
    "by",
    "do",
    "go",
    "he",
    "hi",
    "if",
    "in",
    "is",
    "it",
    "me",
    "my",
    "no",
    "of",
    "oh",
    "ok",
    "on",
    "or",
    "so",
    "to",
    "up",
    "us",
    "we",
    "ya",
    "ye",
    "di",
    "ke",
    "ia",
    "de",
    "el",
    "la",
    "lo",
    "le",
    "en",
    "es",
    "un",
    "se",
    "su",
    "tu",
    "mi",
    "ni",
    "si",
    "al",
    "da",
    "em",
    "na",
    "os",
    "ao",
    "um",
    "du",
    "et",
    "il",
    "je",
    "ne",
    "ce",
    "sa",
    "ou",
    "au",
    "er",
    "im",
    "ob",
    "um",
    "zu",
    "wo",
    "ja",
    "ed",
    "ha",
    "ho",
    "ti",
    "ci",
    "vi",
    "op",
    "te",
    "ik",
    "ze",
    "nu",
    "om",
    "og",
    "av",
    "på",
    "är",
    "så",
    "ei",
    "ja",
    "ma",
    "mu",
    "ve",
    "bu",
    "ki",
    "ne",
    "mr",
    "ms",
    "dr",
    "st",
    "vs",
    "pm",
    "am",
    "tv",
    "id",
    "uk",
    "eu",
    "un",
    "ad",
    "ex",
    "pc",
    "km",
    "kg",
)
VOWELLESS = r"^[B-DF-HJ-NP-TV-XZb-df-hj-np-tv-xz][b-df-hj-np-tv-xz]{2,3}$"
# three or four lower-case letters without a vowel are a stub too ("... the thr"), except units,
# abbreviations and interjections
VOWELLESS_WORDS = (
    "mrs",
    "hrs",
    "pts",
    "lbs",
    "mph",
    "kph",
    "kwh",
    "mls",
    "cms",
    "kms",
    "pcs",
    "yrs",
    "wks",
    "www",
    "http",
    "html",
    "pdf",
    "rss",
    "gbp",
    "cpr",
    "dvd",
    "bbq",
    "hmm",
    "shh",
    "brr",
    "tsk",
    "nth",
    "pst",
    "cst",
    "mst",
    "gmt",
    "mdt",
    "cdt",
    "pdt",
    "bcc",
    "ftp",
    "xml",
    "css",
    "sms",
    "mms",
    "tv",
    "cv",
    "vs",
    "ps",
    "pps",
    "nb",
    "rpm",
    "mm",
    "cm",
    "ml",
    "mg",
    "kg",
    "km",
)
# -- explicit tails --------------------------------------------------------------------------------
ELLIPSIS_TAIL = (
    r"(?i)(?:\.\.\.|…|\[\s*(?:\.\.\.|…)\s*\]|\(\s*(?:\.\.\.|…)\s*\)|"
    r"[(\[](?:continued|cont\.|cont'd|to be continued|more)[)\]])$"
)
# a bare ellipsis (no brackets, no "read more" after it): a writer trailing off ("She paused..."),
# a forum widget ("John says...") or an excerpt; it decides alone only after a word that cannot
# end a sentence ("and then…")
BARE_ELLIPSIS = r"(?:\.{3,}|…)$"
AFTER_WORD = (
    rf"(?i)(?:(?:^|\s)(?:{'|'.join(CONTINUING_WORDS)})|{CONTINUING_CHARS})"
    rf"\s*{BARE_ELLIPSIS}"
)
# a line that ends in a word that cannot end a sentence or in a character announcing more
CONTINUING_END = rf"(?i)(?:(?:^|\s)(?:{'|'.join(CONTINUING_WORDS)})|{CONTINUING_CHARS})$"
# "Read more" and its equivalents in the main web languages, as the last words of the text
# (optionally after an ellipsis and followed by an arrow or bracket).
TAIL_PHRASES = (
    "read more",
    "read the rest",
    "read full story",
    "read the full story",
    "read full article",
    "read the full article",
    "continue reading",
    "keep reading",
    "to be continued",
    "more",
    "click here to read more",
    "see more",
    "show more",
    "baca selengkapnya",
    "selengkapnya",
    "baca lebih lanjut",
    "lanjut baca",
    "baca lagi",
    "lihat selengkapnya",
    "leer más",
    "seguir leyendo",
    "continuar leyendo",
    "ver más",
    "lire la suite",
    "lire plus",
    "en savoir plus",
    "weiterlesen",
    "mehr lesen",
    "mehr",
    "leggi tutto",
    "leggi di più",
    "continua a leggere",
    "leia mais",
    "continue lendo",
    "continuar lendo",
    "lees meer",
    "lees verder",
    "czytaj więcej",
    "czytaj dalej",
    "читать далее",
    "читать полностью",
    "подробнее",
    "далее",
    "devamını oku",
    "devamı",
    "đọc thêm",
    "xem thêm",
    "đọc tiếp",
    "อ่านต่อ",
    "อ่านเพิ่มเติม",
    "اقرأ المزيد",
    "المزيد",
    "ادامه مطلب",
    "ادامه‌ی خواندن",
    "और पढ़ें",
    "आगे पढ़ें",
    "阅读全文",
    "查看全文",
    "閱讀全文",
    "阅读更多",
    "更多",
    "続きを読む",
    "もっと見る",
    "더보기",
    "자세히 보기",
    "läs mer",
    "les mer",
    "læs mere",
    "lue lisää",
    "číst dále",
    "citește mai mult",
    "περισσότερα",
    "докладніше",
    "читати далі",
)
ROUND_CAPS = [
    255,
    256,
    500,
    512,
    1000,
    1024,
    2000,
    2048,
    3000,
    4000,
    4096,
    5000,
    8192,
    10000,
    16384,
    20000,
    32767,
    32768,
    50000,
    65535,
    65536,
    100000,
]
# one character of a script written without spaces (Chinese, Japanese) counts as a word
IDEOGRAPH = r"[\p{Han}\p{Hiragana}\p{Katakana}]"
# lines of at least this many words tell how a document punctuates its sentences
SENTENCE_WORDS = 8
# the end of a document is judged on its last non-blank lines (its punctuation style too): enough
# to get past any footer, and it keeps long documents cheap
TAIL_LINES = 40
# the last line is judged first: where it is prose and ends with a stop or a word such as "the",
# the verdict needs no other line (the other documents' tails are judged whole; False judges
# every line of every tail, the plain definition)
LAST_LINE_FIRST = True
END_CHARS = 400
# a word character for the mid-word test: letters, marks and digits (apostrophes and hyphens
# split words)
WORD_CHAR = r"[\p{L}\p{M}\p{N}]"
# The text stops on a space or tab after its last word ("... will credit "): a cap in characters
# or bytes cuts after a space as often as after any letter, while a complete text, as published
# or extracted, ends on its last mark or a line break (none of the 756 complete documents of
# bench/truncation_eval.py does, 54 of its 755 cut ones do).
TRAILING_SPACE = r"\S[\p{Zs}\t]+$"
# The last line opens something and stops, wherever its prose is: a quote with nothing closing
# it ("“There"), or a lone bullet or bracket ("-", "[") with no item after it.
OPEN_LAST_LINE = r'(?:^["“„«][^"“”„»]*$|^[-–•*\[({“"«]$)'


@cache
def _tail_regex(phrases: tuple[str, ...]) -> str:
    alternation = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    # "...Read More", "… more", "Continue reading →", "[Read more...]", "| Baca selengkapnya »",
    # or the phrase alone on the last line; not after an ordinary word ("find out more.")
    return (
        rf"(?i)(?:^|\n|(?:\.\.\.|…|[|>»\[(•·:\-–—])\s*)[\s\[(]*(?:{alternation})"
        r"\s*(?:\.\.\.|…)?\s*[\]\)»›>→⟶➔➜▶:.!]*\s*$"
    )


@cache
def _phrase_ellipsis_regex(phrases: tuple[str, ...]) -> str:
    """A "read more" phrase of two words or more followed by an ellipsis is an excerpt's tail
    even glued to a cut word ("... on the roo Read more...")."""
    long = [p for p in phrases if " " in p]
    alternation = "|".join(re.escape(p) for p in sorted(long, key=len, reverse=True))
    return rf"(?i)(?:^|\s)(?:{alternation})\s*(?:\.\.\.|…)\s*$" if long else r"$^"


# a double quote that opens (follows a space, precedes a word) with no quote after it
QUOTE_OPENS = r'(?:^|[\s(\[])["“„][^"“”„\s][^"“”„]*$'
# the bracket pairs and the double quotes (straight or curly) _unbalanced counts
BRACKETS = ("()", "[]", "{}", "«»", "「」", "『』", "《》", "（）")
QUOTES = '"“”„'
_BRACKETS_AND_QUOTES = "[" + re.escape("".join(BRACKETS) + QUOTES) + "]"


# _line_kinds drops, before its tests, a line that is not a sentence (not `long`) above a line
# that is prose whatever they say (False: every line is tested, the plain definition)
PRUNE_ABOVE = True


def _prose_below(lines: pl.DataFrame) -> pl.Series:
    """Per line of `lines` (`__doc` with each document's lines consecutive, top to bottom, and
    `term`, `cont`, `never`): whether a line below it in its document is prose whatever the
    skip tests say (terminated or continuing, and not never prose). Such a line, or one below
    it, is the document's last prose line, so a line above it that is not a sentence counts
    for nothing: whether it is skipped is not asked (_line_kinds)."""
    n = lines.height
    if not PRUNE_ABOVE or n == 0:
        return pl.Series(np.zeros(n, dtype=np.bool_))
    # (Series operators are direct calls, where a select is a query)
    get = lines.get_column
    return pl.Series(_below(get("term") | get("cont"), get("never"), get(DOC)))


def _below(sure: pl.Series, never: pl.Series, doc: pl.Series) -> np.ndarray:
    """Per row (documents' rows consecutive, `doc` their `__doc`), whether a row below it in its
    document holds `sure` and not `never` (nulls as false)."""
    n = len(sure)
    if n == 0:
        return np.zeros(0, dtype=np.bool_)
    sure = sure & ~never
    if sure.null_count():
        sure = sure.fill_null(False)
    # sure rows from each row to the end of the batch, and from the row after each row's
    # document's last row
    after = np.zeros(n + 1, dtype=np.int64)
    after[:n] = np.cumsum(sure.to_numpy()[::-1])[::-1]
    ids = doc.to_numpy()
    last = np.flatnonzero(np.append(ids[1:] != ids[:-1], True))
    last_of_row = np.repeat(last, np.diff(np.append(-1, last)))
    return after[1:] - after[last_of_row + 1] > 0


def _bracket_chars(line: pl.Expr) -> pl.Expr:
    """The brackets and double quotes of a line, in order (a list of one-character strings),
    for _unbalanced."""
    return line.str.extract_all(_BRACKETS_AND_QUOTES)


def _unbalanced(line: pl.Expr, chars: pl.Expr) -> pl.Expr:
    """Per line (`chars`: its _bracket_chars), more brackets of a pair opened than closed, or an
    odd count of double quotes (straight or curly: web text mixes them) whose last one opens
    (follows a space, precedes a word; inch marks as in 4" x 9" and closing quotes do not);
    false for a null line. The brackets and quotes are taken out in one pass and counted in
    that list, where counting each in the line costs a pass per character."""
    count = chars.list.count_matches
    odd = pl.sum_horizontal(*(count(q) for q in QUOTES)) % 2 == 1
    return pl.any_horizontal(
        *(count(o) > count(c) for o, c in BRACKETS), odd & line.str.contains(QUOTE_OPENS)
    ).fill_null(False)


# the characters _bracket_chars takes out, by index: the openers, the closers, the quotes
_COUNTED = [o for o, _ in BRACKETS] + [c for _, c in BRACKETS] + list(QUOTES)


def _unbalanced_counted(line: pl.Series, chars: pl.Series) -> pl.Series:
    """`_unbalanced(line, chars)` per row (false where `chars` is empty or null), counted in
    numpy from the lists' Arrow buffers: one pass over the characters taken out, where the
    expressions count each of the 20 characters in every list (a query of 21 expressions:
    ~0.5 ms of planning on a batch of one document). The quote test's regex runs on the lines
    with an odd count of quotes alone."""
    n, k = len(chars), len(_COUNTED)
    arr = chars.to_arrow(compat_level=pl.CompatLevel.oldest())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    flat = arr.flatten()
    counts = np.zeros((n, k), dtype=np.int64)
    if len(flat):
        at = pc.index_in(
            flat, value_set=strings(list(_COUNTED), large=pa.types.is_large_string(flat.type))
        )
        row = pc.list_parent_indices(arr).to_numpy().astype(np.int64)
        code = to_numpy(at).astype(np.int64)
        counts = np.bincount(row * k + code, minlength=n * k).reshape(n, k)
    return _opened(line, counts)


# _last_prose counts the brackets and quotes of the last prose lines in their UTF-8 bytes
# (False: taken out with a regex first, _bracket_chars, and counted in that list: the plain
# definition; tests/checks/test_truncation_fast.py compares them)
BRACKET_BYTES = True
# each counted character's UTF-8 bytes as one number (first byte << 16 | second << 8 | third,
# the bytes it lacks 0), sorted, and its index in _COUNTED
_COUNTED_KEYS = sorted(
    (int.from_bytes(c.encode().ljust(3, b"\0"), "big"), i) for i, c in enumerate(_COUNTED)
)
_KEYS = np.array([k for k, _ in _COUNTED_KEYS], dtype=np.int64)
_KEY_CODES = np.array([i for _, i in _COUNTED_KEYS], dtype=np.int64)
# the first bytes of the counted characters as 1, the other bytes as 0 (for bytes.translate: a
# numpy look-up costs several times as much)
_FIRST_BYTE = bytes(int(i in set((_KEYS >> 16).tolist())) for i in range(256))


def _unbalanced_bytes(line: pl.Series) -> pl.Series:
    """`_unbalanced(line, _bracket_chars(line))` per row (false where `line` is null), the
    brackets and quotes counted in the lines' UTF-8 bytes: the bytes that can begin one of them
    (bytes.translate), then each candidate's character read from it and the (at most two) bytes
    after it, inside its line (valid UTF-8: a character's bytes lie in its string), where the
    regex that takes them out costs ~0.6 us a line."""
    n, k = len(line), len(_COUNTED)
    offsets, b = string_bytes(line)
    counts = np.zeros((n, k), dtype=np.int64)
    at = np.flatnonzero(np.frombuffer(b.tobytes().translate(_FIRST_BYTE), dtype=np.bool_))
    if len(at):
        end = offsets[np.searchsorted(offsets, at, "right")]
        key = b[at].astype(np.int64) << 16
        lead = key >= 0xC0 << 16
        for step in (1, 2):
            more = lead & (at + step < end)
            key[more] |= b[at[more] + step].astype(np.int64) << (16 - 8 * step)
        # a two-byte character's key has no third byte
        key[lead & (key >> 16 < 0xE0)] &= ~0xFF
        where = np.minimum(np.searchsorted(_KEYS, key), len(_KEYS) - 1)
        hit = _KEYS[where] == key
        row = np.searchsorted(offsets, at[hit], "right") - 1
        counts = np.bincount(row * k + _KEY_CODES[where[hit]], minlength=n * k).reshape(n, k)
    return _opened(line, counts)


def _opened(line: pl.Series, counts: np.ndarray) -> pl.Series:
    """_unbalanced per row from the counts of the _COUNTED characters of each line (a row per
    line, a column per character)."""
    pairs = len(BRACKETS)
    opened = (counts[:, :pairs] > counts[:, pairs : 2 * pairs]).any(axis=1)
    odd = counts[:, 2 * pairs :].sum(axis=1) % 2 == 1
    if odd.any():
        at = np.flatnonzero(odd)
        # (a Series method: it runs on this thread, as the plain definition's select)
        opens = line.gather(at).str.contains(QUOTE_OPENS).fill_null(False).to_numpy()
        opened[at] |= opens
    return pl.Series(opened)


def _at_least_words(expr: pl.Expr, n: int) -> pl.Expr:
    """Whether a line has at least `n` words: spaces, plus one per character of the scripts written
    without them (`n - 1` spaces or ideographs; the regex stops at the `n - 1`th, where counting
    them all costs a match per word)."""
    if n <= 1:
        return pl.lit(True)
    return expr.str.contains(rf"^(?:[^ {IDEOGRAPH[1:-1]}]*[ {IDEOGRAPH[1:-1]}]){{{n - 1}}}")


# _line_kinds counts each tail line's word separators (spaces and ideographs) once in numpy and
# reads `long` and `short` from the count: `_at_least_words(s, n)` is `count >= n - 1` (n > 1).
# The regexes cost polars' floor of ~50 ns a line each (`long` on every tail line, `short`'s two
# on the candidates, in a query of their own); the count is two passes over the lines' bytes.
# (False: the regexes, the plain definition; tests/checks/test_truncation_fast.py compares them)
NUMPY_SEPARATORS = True
# the code points of IDEOGRAPH met so far: code point -> the class holds (polars' regex decides
# each once per process, as _WORD_POINTS). Every code point of the class is U+2E80 or above
# (tests/checks/test_truncation_fast.py scans the ones below): the others are never looked up.
_IDEOGRAPH_POINTS: dict[int, bool] = {}
IDEOGRAPH_FIRST = 0x2E80


def _ideograph_points(cp: np.ndarray) -> np.ndarray:
    """Per code point of `cp` (int64, each >= IDEOGRAPH_FIRST), whether IDEOGRAPH holds."""
    distinct, inverse = np.unique(cp, return_inverse=True)
    known = _in_class(distinct.tolist(), IDEOGRAPH, _IDEOGRAPH_POINTS)
    return np.array([known[c] for c in distinct.tolist()], dtype=np.bool_)[inverse.ravel()]


def _in_class(points: list[int], cls: str, cache: dict[int, bool]) -> dict[int, bool]:
    """Whether each of the distinct code points `points` is in the regex class `cls`: polars'
    regex decides each once per process, kept in `cache` (emptied past _WORD_POINTS_KEPT)."""
    # (read into a dict of this call's own: another thread may clear the shared one)
    known = {c: cache.get(c) for c in points}
    new = [c for c, v in known.items() if v is None]
    if new:
        # (a Series method: it runs on this thread, see OWN_THREAD)
        found = pl.Series([chr(c) for c in new]).str.contains(f"^{cls}$").to_list()
        known.update(zip(new, found, strict=True))
        if len(cache) > _WORD_POINTS_KEPT:
            cache.clear()
        cache.update(zip(new, found, strict=True))
    return known


def _separators(lines: pl.Series) -> np.ndarray:
    """Per line (no null), how many of its characters are a space (U+0020) or an ideograph
    (IDEOGRAPH): what _at_least_words' regex counts (`_at_least_words(s, n)` is
    `_separators(s) >= n - 1` for n > 1). The spaces by their bytes, packed into bits and
    counted a word at a time (as _scratch_tokens); the ideographs decoded from the first bytes of
    the characters at U+2E80 or above (E2 BA-BF, E3-EF, F0-F4) and looked up once per code
    point."""
    n = len(lines)
    offsets, data = string_bytes(lines)
    size = len(data)
    if size == 0:
        return np.zeros(n, dtype=np.int64)
    words = size // 64 + 2
    # (one caller at a time uses the scratch arrays, see _range_tokens)
    with _SCRATCH_LOCK:
        flags = _scratch(8 * words * 8)[1][: 64 * words].view(np.bool_)
        flags[size:] = False
        np.equal(data, 32, out=flags[:size])
        packed = np.packbits(flags, bitorder="little").view("<u8")
        np.greater_equal(data, 0xE2, out=flags[:size])
        lead = _true_positions(flags)
    total = np.zeros(len(packed) + 1, dtype=np.int64)
    np.cumsum(np.bitwise_count(packed), out=total[1:])
    # spaces before each offset: the whole words before it, and its word's bits below it
    at, within = offsets >> 6, (offsets & 63).astype(np.uint64)
    below = (np.uint64(1) << within) - np.uint64(1)
    count = np.diff(total[at] + np.bitwise_count(packed[at] & below).astype(np.int64))
    if len(lead):
        # (IDEOGRAPH_FIRST, U+2E80, in bytes: E2 starts U+2000-U+2FFF, at U+2E80 or above from
        # its second byte BA on)
        second = data[np.minimum(lead + 1, size - 1)]
        lead = lead[(data[lead] > 0xE2) | (second >= 0xBA)]
        if len(lead):
            cp = _code_points(data, lead)
            hit = lead[_ideograph_points(cp)]
            if len(hit):
                count += np.bincount(
                    np.searchsorted(offsets, hit, "right") - 1, minlength=n
                ).astype(np.int64)
    return count


def _with_separators(lines: pl.DataFrame) -> pl.DataFrame:
    """`lines` (`s` a column) with `long` (a sentence: _at_least_words(s, SENTENCE_WORDS)) and
    `_w` (_separators(s)), with NUMPY_SEPARATORS."""
    count = _separators(lines.get_column("s"))
    # (the columns put together directly: `with_columns` is a query of its own)
    return pl.DataFrame(
        [
            *lines.iter_columns(),
            pl.Series("long", count >= SENTENCE_WORDS - 1),
            pl.Series("_w", count),
        ]
    )


def whitespace_tokens(text: pl.Series) -> pl.Series:
    r"""Per text, the number of whitespace-separated tokens: `str.count_matches(r"\S+")` (null
    text counts 0), computed on the UTF-8 bytes with numpy in a fraction of its time (a regex
    pays for every match, i.e. every word). The bytes are read where polars keeps them (its
    string views point into a few data buffers, or hold a text of 12 bytes or less
    themselves), not copied into one Arrow string array, unless they are spread over more than
    VIEW_BUFFERS buffers."""
    # (fill_null is a query of its own, ~40 us: only where a text is null)
    text = (text.fill_null("") if text.null_count() else text).rechunk()
    arr = text.to_arrow(compat_level=pl.CompatLevel.newest())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.type == pa.string_view() and len(arr.buffers()) <= 2 + VIEW_BUFFERS:
        return pl.Series(_view_tokens(arr), dtype=pl.Int64)
    offsets, data = string_bytes(text)
    return pl.Series(_range_tokens(data, offsets[:-1], offsets[1:]), dtype=pl.Int64)


# evaluate counts the whitespace tokens of a batch of at most this many bytes of text with the
# regex (one pass over a few texts, ~0.1 ms) where whitespace_tokens' numpy costs ~0.3-0.5 ms
# whatever the batch (measured on web-unique: the regex costs as much at ~32 KB)
REGEX_TOKENS_BYTES = 16 * 1024


def _tokens(text: pl.Series, size: pl.Series) -> pl.Series:
    """whitespace_tokens(text) (no text null; `size` their lengths in bytes), by its plain
    definition, the regex count, where the batch is small (REGEX_TOKENS_BYTES). (A Series
    method: the regex runs on the calling thread, the rule's own in evaluate.)"""
    if size.sum() <= REGEX_TOKENS_BYTES:
        return text.str.count_matches(r"\S+").cast(pl.Int64)
    return whitespace_tokens(text)


# evaluate takes the whitespace token counts collect() made of the same texts (the corpus pass
# of the run, in this process: the same batches, read again or from the spill), where counting
# them again costs ~4 ms a batch of 3 MB. The counts are kept per batch of texts, found by the
# batch's number of texts, bytes and characters, and taken only where every text's hash and
# length in bytes equal those collect() saw. (False: evaluate counts them, the plain
# definition; tests/checks/test_truncation_fast.py compares them.)
SHARE_TOKENS = True
# the counts kept at most, for this many texts (24 bytes a text). Once full, later batches are
# not kept: the main pass meets the batches in the corpus pass's order, so the first ones kept
# are the first ones taken (and freed), whatever the corpus size
SHARED_TOKENS_TEXTS = 2_000_000
_SHARED: dict[tuple[int, int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = run_cache()
_SHARED_LOCK = threading.Lock()


def _keep_tokens(
    chars: np.ndarray, size: np.ndarray, tokens: np.ndarray, hashes: np.ndarray
) -> None:
    """Keep a batch's token counts for evaluate (_shared_tokens): `chars`, `size` (bytes),
    `tokens` and `hashes` (polars' hash, seed 0) of its texts (nulls as "")."""
    if not SHARE_TOKENS or len(tokens) > SHARED_TOKENS_TEXTS:
        return
    key = (len(tokens), int(size.sum()), int(chars.sum()))
    with _SHARED_LOCK:
        _SHARED.pop(key, None)
        if sum(len(v[0]) for v in _SHARED.values()) + len(tokens) <= SHARED_TOKENS_TEXTS:
            _SHARED[key] = (hashes.copy(), size.copy(), tokens.copy())


def _shared_tokens(text: pl.Series, size: pl.Series, chars: pl.Series) -> pl.Series:
    """_tokens(text, size): the counts collect() kept for the same texts (_keep_tokens), or
    counted. `text`: no text null; `size`, `chars`: their lengths in bytes and characters."""
    if SHARE_TOKENS and _SHARED:
        key = (len(text), int(size.sum()), int(chars.sum()))
        with _SHARED_LOCK:
            have = _SHARED.get(key)
        if have is not None:
            hashes, kept_size, tokens = have
            if np.array_equal(kept_size, size.to_numpy()) and np.array_equal(
                hashes, text.hash(seed=0).to_numpy()
            ):
                with _SHARED_LOCK:  # taken once: the main pass evaluates a batch once
                    _SHARED.pop(key, None)
                return pl.Series(tokens, dtype=pl.Int64)
    return _tokens(text, size)


# _range_tokens narrows its lead bytes to those of white space characters (C2, E1-E3) when more
# than one 8-byte word in DENSE_WORDS holds a lead byte (C2-FF: text in Cyrillic, CJK and other
# scripts; English web text has about one lead in 400 bytes)
DENSE_WORDS = 16

# whitespace_tokens reads a string view array in place when its texts lie in at most this many
# data buffers (a batch read from a file has one; numpy's fixed cost per buffer adds up past it)
VIEW_BUFFERS = 4


def _view_tokens(arr: pa.Array) -> np.ndarray:
    """whitespace_tokens of an Arrow string view array, each string read where its view says
    (base.view_layout: in the view itself, or in one of the data buffers)."""
    buffers = arr.buffers()
    length, which, start = view_layout(arr)
    counts = np.zeros(len(arr), dtype=np.int64)
    # (an inline string's bytes are in the views' buffer, among lengths, prefixes, indexes and
    # offsets: the ranges read only the string's own bytes)
    for b in np.unique(which).tolist():
        here = which == b
        data = np.frombuffer(buffers[1] if b < 0 else buffers[2 + b], dtype=np.uint8)
        counts[here] = _range_tokens(data, start[here], start[here] + length[here])
    return counts


def _range_tokens(data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """whitespace_tokens of the texts `data[starts[i]:ends[i]]` (UTF-8; they may lie apart, in
    any order, or overlap). A byte is white space when it is ASCII white space or belongs to one
    of the multi-byte White_Space characters (U+0085, U+00A0, U+1680, U+2000-200A, U+2028,
    U+2029, U+202F, U+205F, U+3000); a token starts at a byte that is not white space and
    follows white space or the start of its text."""
    if len(starts) == 0:
        return np.zeros(0, dtype=np.int64)
    # (one caller at a time uses the scratch arrays: the rule's evaluate runs on a thread of its
    # own, the corpus pass on the caller's, and arrays per thread would double their memory)
    with _SCRATCH_LOCK:
        return _scratch_tokens(data, starts, ends)


def _scratch_tokens(data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """_range_tokens in the scratch arrays (their lock held)."""
    lo = int(starts.min())
    b = data[lo : int(ends.max())]
    starts, ends = starts - lo, ends - lo
    n = len(b)
    # Three byte arrays of the batch's size, reused from batch to batch: fresh
    # arrays of several MB for each operation cost more in new memory pages than the arithmetic.
    # The flags are read below as 8-byte words, so they run to the next whole word past `n`,
    # and the bytes past `n` are zero (no lead byte).
    words = n // 8 + 1
    scratch = _scratch(8 * (words + 1))
    work, flags, space = (a[: 8 * words] for a in scratch)
    flags, space = flags.view(np.bool_), space.view(np.bool_)
    flags[n:] = False
    # ASCII white space: tab, line feed, vertical tab, form feed, carriage return (9-13; the
    # subtraction wraps the bytes below 9 round to 247-255) and space; arithmetic, where a lookup
    # table costs five times as much
    np.equal(b, 32, out=space[:n])
    np.subtract(b, np.uint8(9), out=work[:n])
    np.less(work[:n], 5, out=flags[:n])
    space |= flags
    # the lead bytes of multi-byte characters (C2-FF: C0 and C1 are not UTF-8), one pass; valid
    # UTF-8: a lead byte's continuation bytes lie inside its own text (and none begins a text,
    # so a byte outside the texts that looks like a lead marks none of theirs)
    np.greater_equal(b, 0xC2, out=flags[:n])
    # (the words holding a lead byte: how many says whether leads are dense, and where they are
    # not, they are where _true_positions looks for them: one scan of the words for both)
    holding = flags.view("<u8") != 0
    hit: np.ndarray | None = None
    if np.count_nonzero(holding) * DENSE_WORDS > words:
        # Where leads are dense (Cyrillic, Greek, Arabic, accented Latin, Indic scripts, CJK),
        # only those of the white space characters are kept, C2 and E1-E3 (three passes more,
        # where each position costs several passes' worth of gathers)
        np.subtract(b, np.uint8(0xE1), out=work[:n])
        np.less_equal(work[:n], 2, out=flags[:n])
        c2 = work.view(np.bool_)[:n]
        np.equal(b, 0xC2, out=c2)
        flags[:n] |= c2
    else:
        hit = np.flatnonzero(holding)
    lead = _true_positions(flags, hit)
    if len(lead):
        l0 = b[lead]
        b1 = b[np.minimum(lead + 1, n - 1)]
        b2 = b[np.minimum(lead + 2, n - 1)]
        hit = unicode_space(l0, b1, b2)
        two = hit & (l0 == 0xC2)
        three = hit & ~two
        for width, at in ((2, lead[two]), (3, lead[three])):
            for k in range(width):
                space[at + k] = True
    filled = starts < ends
    first = np.zeros(len(starts), dtype=np.int64)
    first[filled] = ~space[starts[filled]]
    # A token starts inside a text where a byte that is not white space follows one that is,
    # and at the text's first byte when that is not white space (whatever precedes it). The
    # white space flags packed into bits (byte i is bit i % 64 of 64-bit word i // 64): the
    # starts are two shifts and a mask per 64 bytes, counted a word at a time (where the flags
    # a byte each cost a pass per step over eight times the memory).
    packed = np.packbits(space[:n], bitorder="little")
    # (in the scratch array `work`, free again: it holds at least 8 * (n // 8 + 2) bytes)
    bits = scratch[0][: 8 * (n // 64 + 2)]
    bits[: len(packed)] = packed
    bits[len(packed) :] = 0
    w = bits.view("<u8")
    # white space before each byte: the word shifted by one, and the previous word's top bit
    # (none before the first byte); past `n` no byte is white space, so no start is counted
    # below a position at most n
    before = w << np.uint64(1)
    before[1:] |= w[:-1] >> np.uint64(63)
    start = np.bitwise_and(before, ~w, out=before)
    total = np.zeros(len(w) + 1, dtype=np.int64)
    np.cumsum(np.bitwise_count(start), out=total[1:])

    def upto(x: np.ndarray) -> np.ndarray:
        at, within = x >> 6, (x & 63).astype(np.uint64)
        below = (np.uint64(1) << within) - np.uint64(1)
        return total[at] + np.bitwise_count(start[at] & below).astype(np.int64)

    return upto(ends) - upto(np.minimum(starts + 1, ends)) + first


def _true_positions(flags: np.ndarray, hit: np.ndarray | None = None) -> np.ndarray:
    """`np.flatnonzero(flags)` for a bool array of whole 8-byte words, found among the words
    holding any (a scan of an eighth of the size where few bytes are set). `hit`: those words'
    indexes, where the caller found them already."""
    if hit is None:
        hit = np.flatnonzero(flags.view("<u8") != 0)
    if len(hit) == 0:
        return hit
    at = np.flatnonzero(flags.reshape(-1, 8)[hit])
    return hit[at >> 3] * 8 + (at & 7)


_SCRATCH: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
_SCRATCH_LOCK = threading.Lock()
_SCRATCH_KEPT_BYTES = 64 * 2**20


def _scratch(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Three byte arrays of at least `n` bytes for whitespace_tokens, kept for the process
    (three times the largest batch's text, ~12 MB for 4 MB batches; used under _SCRATCH_LOCK).
    Arrays above _SCRATCH_KEPT_BYTES are made for the call and not kept: one giant document
    must not leave each worker holding three times its size."""
    have = _SCRATCH.get("arrays")
    if have is None or len(have[0]) < n:
        size = max(n, 1 << 20)
        have = tuple(np.empty(size, dtype=np.uint8) for _ in range(3))
        if size <= _SCRATCH_KEPT_BYTES:
            _SCRATCH["arrays"] = have
    return have


def _on_some_rows(
    frame: pl.DataFrame, rows: pl.Series, exprs: list[pl.Expr], fill: Any
) -> list[pl.Series]:
    """base.on_rows for boolean `exprs` and `fill`, without its query where no row holds
    (`fill` everywhere: the rare tests' rows are often none, and a query costs 50-500 us
    whatever the rows)."""
    if SKIP_EMPTY and not rows.any():
        return [
            pl.Series(f"_{i}", np.full(rows.len(), fill), pl.Boolean) for i in range(len(exprs))
        ]
    return on_rows(frame, rows, exprs, fill)


# _on_some_rows and the rule's other steps skip the queries whose rows are none (False: every
# query runs, on no rows where there are none; the plain definition, test_truncation_fast.py)
SKIP_EMPTY = True


def _whole_line(pattern: str) -> str:
    """The same test as `contains(pattern)`, anchored at the start behind any prefix. On lines
    without final punctuation, the end patterns searched unanchored restart at every
    punctuation mark (three to seven times the cost of one anchored pass over the line)."""
    return rf"^(?s:.*)(?:{pattern})"


# a line ends as a sentence (TERMINATED) or is finished as it is (ENDS_FINISHED): one pattern,
# one pass per line
LINE_FINISHED = _whole_line(f"(?:{TERMINATED})|(?:{ENDS_FINISHED})")


# a text that ends in a broken character, a half HTML entity or a hyphenated word break
BROKEN_END = r"(?:\x{FFFD}|&#?\w{1,8}|\p{L}-)$"


@cache
def _word_list(words: tuple[str, ...]) -> pl.Series:
    """`words` as the one-element list Series `is_in` takes (built once, not per batch)."""
    return pl.Series(words).implode()


@cache
def _broken_tests(column: str) -> list[pl.Expr]:
    """_broken_end's two tests of the column `column` (the texts' ends): `_broken`, and `_amp`
    (a `&` among the last ten characters)."""
    e = pl.col(column)
    return [
        e.str.contains(r"(?:\x{FFFD}|\p{L}-)$").alias("_broken"),
        e.str.tail(10).str.contains("&", literal=True).fill_null(False).alias("_amp"),
    ]


def _broken_end(end: pl.Series, tests: pl.DataFrame | None = None) -> pl.Series:
    r"""`end.str.contains(BROKEN_END)`. The half entity (`&#?\w{1,8}$`, the costliest pattern
    of the rule to compile: eight copies of the Unicode word class) needs a `&` among the last
    ten characters, so it runs on those texts alone, and not at all in a batch without one.
    `tests`: _broken_tests' columns of `end` where a query computed them already."""
    if tests is None:
        # (both tests in one query: a Series method is a query of its own)
        tests = pl.DataFrame([end.alias("e")]).select_seq(*_broken_tests("e"))
    broken, amp = tests.get_column("_broken"), tests.get_column("_amp")
    if amp.any():
        at = amp.arg_true()
        half = end.gather(at).str.contains(r"&#?\w{1,8}$")
        broken = broken.scatter(at, broken.gather(at) | half)
    return broken


def _after_word(text: Any) -> Any:
    """`text.str.contains(AFTER_WORD)` (a Series or an expression) without its own pattern:
    the text ends in a bare ellipsis and, without it and the white space before it, in a word
    that cannot end a sentence (CONTINUING_END, the pattern the line kinds compile anyway). The
    ellipsis is one `…`, or the whole run of dots: a shorter run would leave a dot before it,
    which no continuing word or character ends with."""
    before = (
        pl.when(text.str.ends_with("…"))
        .then(text.str.strip_suffix("…"))
        .otherwise(text.str.strip_chars_end("."))
    )
    after = text.str.contains(BARE_ELLIPSIS) & before.str.strip_chars_end().str.contains(
        CONTINUING_END
    )
    return pl.select(after).to_series() if isinstance(text, pl.Series) else after


# _mid_word lower-cases the texts whose last word is ASCII by ASCII rules alone, in numpy
# (False: polars' str.to_lowercase for every text, the plain definition; tests compare them)
ASCII_LOWER = True
# The characters outside ASCII whose lower case holds an ASCII letter (U+0130 "İ" lower-cases to
# "i" and a combining dot, U+212A the Kelvin sign to "k"), or whose lower case is a word
# character where the character is not (U+A7D2, U+A7D4: Rust's case tables are of a newer
# Unicode than the regex crate's classes): polars' str.to_lowercase checked on every code point
# (tests/checks/test_truncation_fast.py). A text holding one is lower-cased by polars.
CASE_EXCEPTIONS = "\u0130\u212a\ua7d2\ua7d4"


def _lowered_texts(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` (`text`, `raw` and other columns) with `text` lower-cased as far as _mid_word's
    test of the last word `raw` can tell, its rows in any order (about four times cheaper than
    polars' str.to_lowercase, ~2.6 ns a byte and most of the mid-word test). Where `raw` is
    ASCII, the test reads of the lower-cased text only the occurrences of the lower-cased word
    (ASCII letters, which lower-case from ASCII letters alone outside CASE_EXCEPTIONS: the same
    occurrences, split the same way), whether an "s" follows one, and whether the characters
    around them are word characters (WORD_CHAR), which lower-casing keeps outside
    CASE_EXCEPTIONS: so A-Z are lowered in the UTF-8 bytes and the rest is left as it is. Where
    `raw` is not ASCII or the text holds one of CASE_EXCEPTIONS, polars lower-cases the text."""
    text = frame.get_column("text")
    full = frame.select_seq(
        (pl.col("raw").str.len_bytes() != pl.col("raw").str.len_chars())
        | pl.col("text").str.contains(f"[{CASE_EXCEPTIONS}]")
    ).to_series()
    rest = None
    if full.any():
        # (the two parts by Series.filter, direct calls; a Series' scatter of strings costs
        # more than lower-casing them all)
        rest = pl.DataFrame(
            [
                c.filter(full).str.to_lowercase() if c.name == "text" else c.filter(full)
                for c in frame.iter_columns()
            ]
        )
        frame = pl.DataFrame([c.filter(~full) for c in frame.iter_columns()])
        text = frame.get_column("text")
    offsets, data = string_bytes(text)
    # A-Z (65-90; the subtraction wraps the bytes below 65 round) get bit 5, a-z; a byte of a
    # multi-byte character is 128 or more. (The result is a fresh array, polars may keep it; the
    # flags go to a scratch array: a fresh temporary of a MB costs more in new pages than the
    # arithmetic.)
    lowered = np.subtract(data, np.uint8(65))
    with _SCRATCH_LOCK:
        if len(data) > _SCRATCH_KEPT_BYTES:  # a giant text: one array for this call, not three
            upper = np.empty(len(data), dtype=np.bool_)
        else:
            upper = _scratch(len(data))[0][: len(data)].view(np.bool_)
        np.less(lowered, 26, out=upper)
        np.left_shift(upper.view(np.uint8), np.uint8(5), out=lowered)
    np.bitwise_or(lowered, data, out=lowered)
    lowered_text = pl.Series(
        "text",
        pa.LargeStringArray.from_buffers(len(text), pa.py_buffer(offsets), pa.py_buffer(lowered)),
        dtype=pl.String,
    )
    frame = pl.DataFrame([lowered_text if c.name == "text" else c for c in frame.iter_columns()])
    return frame if rest is None else pl.concat([frame, rest], rechunk=False)


# _mid_word finds the occurrences of the last word from the lengths of the pieces a split of the
# lower-cased text at it leaves, and reads the characters around them in the text's UTF-8 bytes,
# where the plain definition (False; tests/checks/test_truncation_fast.py compares them) tests
# every piece with three regexes, numbers the pieces and groups them by document in a query
# with two joins: the mid-word test 3.8 vs 4.6 ms a web-20k batch (bench/results/truncation.md)
MID_WORD_BYTES = True
# whether each ASCII character is a word character (WORD_CHAR: letters, marks, digits)
_ASCII_WORD = np.array([chr(c).isascii() and chr(c).isalnum() for c in range(128)])
# the word characters outside ASCII met so far: code point -> WORD_CHAR holds (polars' regex
# class decides each once; the characters around a word are few: a script's letters and marks)
_WORD_POINTS: dict[int, bool] = {}
_WORD_POINTS_KEPT = 1 << 16


def _word_points(cp: np.ndarray) -> np.ndarray:
    """Per code point of `cp` (int64), whether WORD_CHAR holds for its character: ASCII by a
    table, General Punctuation (U+2000-U+203F: spaces, dashes, quotes, none a word character) at
    once, the others by polars' regex class (once per code point, _WORD_POINTS)."""
    out = np.zeros(len(cp), dtype=np.bool_)
    low = cp < 128
    out[low] = _ASCII_WORD[cp[low]]
    other = ~low & ((cp < 0x2000) | (cp > 0x203F))
    if other.any():
        known = _in_class(np.unique(cp[other]).tolist(), WORD_CHAR, _WORD_POINTS)
        at = np.flatnonzero(other)
        out[at] = [known[c] for c in cp[at].tolist()]
    return out


def _code_points(data: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The code points of the UTF-8 characters whose first byte is `data[at]` (valid UTF-8:
    the character's bytes lie in `data`; an index past its end reads its last byte: the
    callers discard those)."""
    if len(data) == 0:
        return np.zeros(len(at), dtype=np.int64)
    last = len(data) - 1
    b = [data[np.minimum(at + i, last)].astype(np.int64) for i in range(4)]
    cp = b[0].copy()
    two = (b[0] >= 0xC0) & (b[0] < 0xE0)
    three = (b[0] >= 0xE0) & (b[0] < 0xF0)
    four = b[0] >= 0xF0
    cp[two] = ((b[0][two] & 0x1F) << 6) | (b[1][two] & 0x3F)
    cp[three] = ((b[0][three] & 0x0F) << 12) | ((b[1][three] & 0x3F) << 6) | (b[2][three] & 0x3F)
    cp[four] = (
        ((b[0][four] & 0x07) << 18)
        | ((b[1][four] & 0x3F) << 12)
        | ((b[2][four] & 0x3F) << 6)
        | (b[3][four] & 0x3F)
    )
    return cp


def _mid_by_bytes(lowered: pl.DataFrame) -> np.ndarray:
    """_mid_word_exprs' `mid` (null as false) per row of `lowered` (`text` lower-cased, `w` its
    last word lower-cased). The pieces of a split at `w` give the occurrences (a left-to-right
    scan, as the plain definition's pieces): occurrence k starts where piece k ends. It begins a
    word when piece k is the text's empty start or ends in a character that is not a word
    character; it continues into a longer word when piece k + 1 starts with a word character
    or is empty but not the last; "s" then the end of the text, or "s" then a character that is
    not a word character inside piece k + 1, is a plural. A text that holds `w` fewer than
    twice and ends with it (the plain definition skips it) has no occurrence that continues:
    false either way."""
    n = lowered.height
    text = lowered.get_column("text")
    # (select_seq runs on this thread, see OWN_THREAD)
    split = lowered.select_seq(
        pl.col("text").str.split(pl.col("w"), literal=True).list.eval(pl.element().str.len_bytes()),
        pl.col("w").str.len_bytes().cast(pl.Int64).alias("_n"),
    )
    arr = split.to_series().to_arrow()
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    m = to_numpy(pc.list_value_length(arr)).astype(np.int64)
    size = to_numpy(pc.list_flatten(arr)).astype(np.int64)
    if len(size) == 0:
        return np.zeros(n, dtype=np.bool_)
    row = np.repeat(np.arange(n), m)
    wlen = split.get_column("_n").to_numpy()[row]
    first = np.cumsum(m) - m
    k = np.arange(len(size)) - first[row]
    step = size + wlen
    before = np.cumsum(step) - step
    begin = before - before[first][row]  # each piece's first byte in its text
    occ = np.flatnonzero(k + 1 < m[row])  # a piece followed by an occurrence
    if len(occ) == 0:
        return np.zeros(n, dtype=np.bool_)
    offsets, data = string_bytes(text)
    r, kk, here, after = row[occ], k[occ], size[occ], size[occ + 1]
    at = offsets[r] + begin[occ] + here  # the occurrence's first byte
    last_next = kk + 2 == m[r]
    # the character before the occurrence: back from the byte before it over continuation bytes
    lead = np.maximum(at - 1, 0)
    for _ in range(3):
        cont = (data[np.minimum(lead, len(data) - 1)] & 0xC0) == 0x80
        lead = np.where(cont & (lead > 0), lead - 1, lead)
    nxt = at + wlen[occ]
    # the characters before, after and second after each occurrence, decoded at once
    word = _word_points(_code_points(data, np.concatenate([lead, nxt, nxt + 1])))
    q = len(occ)
    starts = np.where(here == 0, kk == 0, ~word[:q])
    longer = np.where(after == 0, ~last_next, word[q : 2 * q])
    s = (after > 0) & (data[np.minimum(nxt, len(data) - 1)] == ord("s"))
    plural = (s & (after == 1) & last_next) | (s & (after >= 2) & ~word[2 * q :])
    whole = np.bincount(r, weights=starts & ~longer, minlength=n)
    cut = np.bincount(r, weights=starts & longer & ~plural, minlength=n)
    return (whole <= 1) & (cut > 0)


# Positions within a document's rows, for frames whose documents' rows are consecutive (lines
# split from the texts in order): marks where `__doc` changes, where `over(__doc)` groups every
# row by hash (several times the cost).
def _first_of_doc() -> pl.Expr:
    return (pl.col(DOC) != pl.col(DOC).shift(1)).fill_null(True)


def _from_start() -> pl.Expr:
    """`pl.int_range(pl.len()).over(DOC)`: a row's position in its document."""
    pos = pl.int_range(pl.len(), dtype=pl.Int64)
    return pos - pl.when(_first_of_doc()).then(pos).forward_fill()


def _from_end() -> pl.Expr:
    """`pl.len().over(DOC) - 1 - pl.int_range(pl.len()).over(DOC)`: a row's position from the
    last row of its document."""
    pos = pl.int_range(pl.len(), dtype=pl.Int64)
    last = (pl.col(DOC) != pl.col(DOC).shift(-1)).fill_null(True)
    return pl.when(last).then(pos).backward_fill() - pos


# a DataFrame or a LazyFrame: _numbered builds the same query on either
FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)


def _tail_lines(
    docs: pl.DataFrame | pl.LazyFrame, n: int = TAIL_LINES, lazy: bool = False
) -> pl.DataFrame | pl.LazyFrame:
    """The last `n` non-blank lines of each text (`__doc`, `text`; a frame or a lazy one),
    stripped, in order: `__doc`, `s` the line, `_r` its position from the end (0 is the last
    line). `lazy`: the query, not collected (_line_kinds' first tests join it)."""
    # (one lazy query: each eager DataFrame method is a query of its own, 30-100 us of planning)
    pieces = docs.lazy().select(DOC, pl.col("text").str.split("\n").alias("s")).explode("s")
    numbered = _numbered(pieces, n)
    return numbered if lazy else numbered.collect(**COLLECT)


# _last_prose splits the tails into lines in the query of _line_kinds' first tests, on the lines'
# thread (False: a query of its own first, the plain definition)
SPLIT_WITH_TESTS = True


def _is_lazy(frame: pl.DataFrame | pl.LazyFrame) -> bool:
    return isinstance(frame, pl.LazyFrame)


def _numbered(pieces: FrameT, n: int) -> FrameT:
    """Lines (`__doc`, `s`) stripped, without the blank ones, numbered from the end (`_r`), the
    last `n` of each document kept (a DataFrame or a LazyFrame, as `pieces`)."""
    return (
        pieces.with_columns(pl.col("s").str.strip_chars())
        .filter(pl.col("s") != "")
        .with_columns(_from_end().alias("_r"))
        .filter(pl.col("_r") < n)
    )


# A line ending in a stop, then closing quotes or brackets if any, is terminated (TERMINATED with
# nothing after its closers): this end pattern is searched from the end of the line, where
# LINE_FINISHED reads every character of it; LINE_FINISHED runs on the other lines alone
# (_finished). Most of the characters of web text lie in such lines: the two passes cost a third
# to a half less than LINE_FINISHED on every line.
STOPPED = rf"{TERMINAL_PUNCT}{CLOSERS}*$"


def _line_ends(s: pl.Expr) -> dict[str, pl.Expr]:
    """How a stripped line ends: `term` (a sentence end, or finished as it is: LINE_FINISHED;
    here only where the line ends in a stop, STOPPED: _finished completes it), `never` (never
    prose: symbols alone, a bracketed tag, hashtags or a link; one regex of the three
    alternatives, as a call per pattern costs more than the matching) and `cont` (a word or
    character that continues: CONTINUING_END)."""
    return {
        "term": s.str.contains(STOPPED),
        "never": s.str.contains(rf"(?:{BLANK_OR_SYMBOLS})|(?:{BRACKETED})|(?:{HASHTAGS_OR_LINK})"),
        "cont": s.str.contains(CONTINUING_END),
    }


def _finished(frame: pl.DataFrame, line: str, only: pl.Series | None = None) -> pl.DataFrame:
    """`frame` (with _line_ends' columns of its column `line`) with `term` completed:
    LINE_FINISHED on the lines that do not end in a stop (and where `only` holds, if given: the
    other rows' `term` is read by no one)."""
    again = ~frame.get_column("term")
    if only is not None:
        again = again & only
    if not again.any():
        return frame
    (whole,) = _on_some_rows(frame, again, [pl.col(line).str.contains(LINE_FINISHED)], False)
    # (the columns put together directly: `with_columns` is a query of its own)
    return pl.DataFrame([c | whole if c.name == "term" else c for c in frame.iter_columns()])


def _whole_last_line() -> pl.Expr:
    """Whether `last_line` (the last line of `stripped`, the text's last END_CHARS characters
    stripped) is the text's whole last non-blank line, stripped: `stripped` holds a line break
    before it or is all of the text (`all_end`). (The blank lines after it are the white space
    `stripped` lost; it ends on a character that is not white space, so it is not blank.)"""
    return pl.col("stripped").str.contains("\n", literal=True) | pl.col("all_end")


@cache
def _sorted_values(values: tuple[int, ...]) -> np.ndarray:
    """`values` sorted, without repeats, as int64 (for _is_in; built once per list)."""
    return np.unique(np.asarray(values, dtype=np.int64))


def _is_in(v: np.ndarray, sorted_values: np.ndarray) -> np.ndarray:
    """`np.isin(v, sorted_values)` for int64 `v` and sorted distinct values: a binary search
    (np.isin sorts and makes unique both arrays every call, ~25 us on one document)."""
    if len(sorted_values) == 0:
        return np.zeros(len(v), dtype=np.bool_)
    at = np.searchsorted(sorted_values, v)
    np.minimum(at, len(sorted_values) - 1, out=at)
    return sorted_values[at] == v


# _last_prose writes its per-document values at their rows in numpy where the documents are
# numbered by their rows, as Batch.from_texts numbers them (False: a left join on `__doc`, the
# plain definition, whose nulls are false to its readers)
SCATTER_BY_DOC = True


def _in_order(ids: pl.Series) -> bool:
    """Whether `ids` (`__doc`) are 0, 1, 2 ... in order."""
    values = ids.to_numpy()
    return bool(np.array_equal(values, np.arange(len(values))))


def _bools(values: pl.Series) -> np.ndarray:
    """A Boolean Series' values, null as false (from its Arrow array: a Series' fill_null is a
    query of its own)."""
    if not values.null_count():
        return values.to_numpy()
    arr = values.to_arrow()
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return to_numpy(pc.fill_null(arr, False))


# expressions built once per process (per parameters): building a query's expressions in Python
# costs about a third of what planning and running it costs on a small batch
_EXPRS: dict[tuple, Any] = {}


def _exprs(key: tuple, build: Callable[[], T]) -> T:
    """`build()`, kept under `key` (hashable: the parameters the expressions depend on); polars
    expressions are immutable, so one is shared by every batch."""
    have = _EXPRS.get(key)
    if have is None:
        have = _EXPRS[key] = build()
    return have


@cache
def _mid_word_exprs() -> dict[str, Any]:
    """The expressions of _mid_word's queries (built once, see _exprs)."""
    x: dict[str, Any] = {}
    x["last_word"] = [
        # the last whitespace token, when it is all letters: "B&Bs", "R.I", "info@eun.org" and
        # numbers are never fragments
        DOC,
        pl.col("text").str.extract(r"(?:^|[\s\"'“‘(\[¿¡])([\p{L}\p{M}]+)$", 1).alias("raw"),
    ]
    x["lower"] = pl.col("raw").str.to_lowercase().alias("w")
    x["has_word"] = pl.col("w").is_not_null()
    # one or two Latin letters (lower case, or "Th") that are not a word of the main web
    # languages, or three or four without a vowel ("thr", "Sch"); never all capitals ("UK")
    x["stub"] = (
        (
            pl.col("raw").str.contains(r"^(?:[a-zà-ÿ]|[A-Za-zÀ-ÿ][a-zà-ÿ])$")
            & ~pl.col("w").is_in(_word_list(SHORT_WORDS))
        )
        | (pl.col("raw").str.contains(VOWELLESS) & ~pl.col("w").is_in(_word_list(VOWELLESS_WORDS)))
    ).alias("stub")
    # Splitting a whole document (below) is the costly part: it is done only where the last word
    # can be a prefix of another, i.e. where the lower-cased text holds it twice (the prefix and
    # the last word do not overlap: a non-letter precedes the last word), or where that argument
    # does not hold (the last word is not the lower-cased text's end, or it fills all of `end`,
    # so nothing is known to precede it).
    x["lowered"] = pl.col("text").str.to_lowercase()
    x["twice"] = (
        (pl.col("text").str.count_matches(pl.col("w"), literal=True) >= 2)
        | ~pl.col("text").str.ends_with(pl.col("w"))
        | (pl.col("raw").str.len_chars() >= END_CHARS)
    )
    # The lower-cased text split at each occurrence of the last word (the occurrences a
    # left-to-right scan finds: one that begins a word never overlaps an earlier one, which would
    # hold the non-letter before it). An occurrence begins a word when the piece before it is the
    # text's empty start or ends in a non-word character, and continues into a longer word when
    # the piece after it starts with a word character or is empty but not the last (the next
    # occurrence follows). Same verdicts as splitting the documents into words
    # (tests/checks/test_truncation.py), without a string per word.
    word_char = WORD_CHAR
    # (the piece after the last one of a document is never read: its rows are dropped)
    # (`after` is a column: an expression read six times in one query is computed six times)
    piece, after = pl.col("p"), pl.col("_a")
    k, last_next = pl.col("_k"), pl.col("_k") + 2 == pl.col("_m")
    x["split"] = [DOC, pl.col("text").str.split(pl.col("w"), literal=True).alias("p")]
    x["count"] = pl.col("p").list.len().alias("_m")
    x["numbered"] = [_from_start().alias("_k"), pl.col("p").shift(-1).alias("_a")]
    starts = ((k == 0) & (piece == "")) | piece.str.contains(rf"[^{word_char[1:-1]}]$")
    longer = ((after != "") & after.str.contains(rf"^{word_char}")) | ((after == "") & ~last_next)
    # "s" then a character that is not a word character (the pattern `longer` compiles)
    second = after.str.slice(1, 1)
    plural = ((after == "s") & last_next) | (
        after.str.starts_with("s") & (second != "") & ~second.str.contains(rf"^{word_char}")
    )
    x["kinds"] = [starts.alias("start"), longer.alias("longer"), plural.alias("plural")]
    x["not_last"] = k + 1 < pl.col("_m")
    x["mid"] = (
        ((pl.col("start") & ~pl.col("longer")).sum() <= 1)
        # a longer word that starts with it; a plural "s" is an inflection, not a cut
        # ("comment" / "comments")
        & (pl.col("start") & pl.col("longer") & ~pl.col("plural")).any()
    ).alias("mid")
    x["found"] = (pl.col("stub") | pl.col("mid").fill_null(False)).fill_null(False)
    return x


@cache
def _line_kind_exprs(
    max_title_case_share: float, min_last_line_words: int, min_prose_words: int
) -> dict[str, Any]:
    """The expressions of _line_kinds (built once per parameters, see _exprs)."""
    s = pl.col("s")
    # Only unpunctuated lines can be headings, bylines, list items or widgets; the costlier
    # tests run on those alone.
    # Title Case: mostly capitalised words, one sentence at most, no more than one comma
    # (the counts are columns first: the test reads two of them twice, and an expression
    # read twice in one query is computed twice)
    counts = {
        "_cased": s.str.count_matches(CASED_WORD),
        "_cased_any": s.str.count_matches(CASED_ANY),
        "_cap": s.str.count_matches(CAPITALISED),
        "_cap_any": s.str.count_matches(CAPITALISED_ANY),
    }
    cased, cased_any = pl.col("_cased"), pl.col("_cased_any")
    share = max_title_case_share
    title = ((cased >= 2) & (pl.col("_cap") >= share * cased)) | (
        (cased_any >= 1) & (pl.col("_cap_any") >= share * cased_any)
    )
    one_sentence = ~s.str.contains(r"[.!?。！？]\s+\S") & (
        s.str.count_matches(",", literal=True) <= 1
    )
    # a short line is a heading or a label when more lines follow it; as the very last line
    # it may be what is left of a cut sentence, so only one-word lines are skipped there
    labelled = (
        s.str.contains(LIST_ITEM)
        | s.str.contains(KEY_VALUE)
        | s.str.contains(PROMO)
        | s.str.contains(NAV_OR_RIGHTS)
    )
    # a line too short to be prose is skipped whatever it says: the pattern tests (the costliest
    # part of the rule, bench/truncation_parity.py) run on the longer lines alone, and the
    # Title Case counts on those that are neither labelled nor more than one sentence
    short = (
        pl.when(pl.col("_r") == 0)
        .then(~_at_least_words(s, min_last_line_words))
        .otherwise(~_at_least_words(s, min_prose_words))
    )
    return {
        "ends": _line_ends(s),
        "long": _at_least_words(s, SENTENCE_WORDS),
        "opened": ~pl.col("term") & ~pl.col("never"),
        "counts": counts,
        "title": title,
        "one_sentence": one_sentence,
        "labelled": labelled,
        "short": short,
    }


# _line_kinds counts the Title Case words of ASCII lines in numpy (False: the four regex counts
# on every line, the plain definition; tests/checks/test_truncation_fast.py compares them)
NUMPY_TITLE = True


def _title_counts(lines: pl.Series) -> dict[str, np.ndarray]:
    """_line_kind_exprs' `counts` of each line (stripped, not empty): the words (after the
    start or white space, and an optional quote or bracket) that start with a cased letter
    (`_cased_any`) or an upper-case one (`_cap_any`), and those of them with three more word
    characters or more (`_cased`, `_cap`). The regex counts cost ~25 ns a byte (a search per
    word); on an ASCII line the same counts are read from its bytes in numpy, and only the other
    lines are counted by the regexes. On ASCII text a word starts at the line's start or after
    a white space byte (9-13, 32), and at most one quote or bracket (" ' `(`) stands between;
    the letters are A-Z and a-z, the word characters letters, `'` and `-`; no match of the
    patterns holds white space but its first character, so they do not overlap."""
    n = len(lines)
    counts = {k: np.zeros(n, dtype=np.int64) for k in ("_cased", "_cased_any", "_cap", "_cap_any")}
    if n == 0:
        return counts
    offsets, data = string_bytes(lines)
    ascii_line = np.ones(n, dtype=np.bool_)
    # the lines in blocks of about TITLE_BLOCK bytes (numpy's temporaries above 128 KiB are
    # fresh memory pages at every operation, which cost more than the arithmetic); a line
    # longer than TITLE_LONG is a block of its own and left to the regexes, whose memory does
    # not grow with it (a tail of megabytes of minified code would need ten arrays its size)
    cuts = np.searchsorted(offsets, np.arange(TITLE_BLOCK, offsets[-1], TITLE_BLOCK))
    long = np.flatnonzero(np.diff(offsets) > TITLE_LONG)
    cuts = np.unique(np.concatenate([[0], cuts, long, long + 1, [n]]))
    for lo, hi in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True):
        if lo == hi:
            continue
        if offsets[hi] - offsets[lo] > TITLE_LONG and hi - lo == 1:
            ascii_line[lo] = False
            continue
        off = offsets[lo : hi + 1]
        block = _ascii_title_counts(data[off[0] : off[-1]], off - off[0])
        ascii_line[lo:hi] = block.pop("ascii")
        for name, values in block.items():
            counts[name][lo:hi] = values
    if not ascii_line.all():
        other = np.flatnonzero(~ascii_line)
        found = pl.DataFrame([lines.gather(other).alias("s")]).select_seq(
            **_line_kind_exprs(0.5, 1, 1)["counts"]
        )
        for name in counts:
            counts[name][other] = found.get_column(name).to_numpy()
    return counts


TITLE_BLOCK = 48 * 1024
TITLE_LONG = 4 * TITLE_BLOCK


def _ascii_title_counts(b: np.ndarray, offsets: np.ndarray) -> dict[str, np.ndarray]:
    """_title_counts of the lines `b[offsets[i]:offsets[i + 1]]` read as ASCII, and whether each
    is ASCII (`ascii`)."""
    n = len(offsets) - 1
    first, filled = offsets[:-1], np.diff(offsets) > 0
    # (np.maximum.reduceat reads one byte of an empty line's neighbour: those are left out)
    ascii_line = np.ones(n, dtype=np.bool_)
    if len(b):
        ascii_line[filled] = np.maximum.reduceat(b, first[filled]) < 0x80
    # the first byte of each line (a start, as after white space)
    line_start = np.zeros(len(b) + 3, dtype=np.bool_)
    line_start[first[filled]] = True
    upper = (b - np.uint8(65)) < 26
    letter = ((b | np.uint8(32)) - np.uint8(97)) < 26
    space = (b == 32) | ((b - np.uint8(9)) < 5)
    quote = (b == 34) | (b == 39) | (b == 40)
    word = letter | (b == 39) | (b == 45)
    # after white space of its line or at its line's start (`open`), a letter, or a quote then
    # a letter
    open_ = line_start[: len(b)].copy()
    open_[1:] |= space[:-1]
    at = open_ & letter
    at[1:] |= open_[:-1] & quote[:-1] & letter[1:] & ~line_start[1 : len(b)]
    # three word characters more, in the same line
    longer = np.zeros(len(b), dtype=np.bool_)
    longer[:-3] = word[1:-2] & word[2:-1] & word[3:]
    longer &= ~(line_start[1:-2] | line_start[2:-1] | line_start[3:])
    # the line of each word start (an empty line's first byte is the next line's)
    pos = np.flatnonzero(at)
    line = np.searchsorted(first, pos, "right") - 1
    up, more = upper[pos], longer[pos]
    return {
        "ascii": ascii_line,
        "_cased_any": np.bincount(line, minlength=n),
        "_cap_any": np.bincount(line[up], minlength=n),
        "_cased": np.bincount(line[more], minlength=n),
        "_cap": np.bincount(line[up & more], minlength=n),
    }


def _title_case(lines: pl.Series, share: float) -> np.ndarray:
    """_line_kind_exprs' `title` of each line, from _title_counts."""
    c = _title_counts(lines)
    cased, cased_any = c["_cased"], c["_cased_any"]
    return ((cased >= 2) & (c["_cap"] >= share * cased)) | (
        (cased_any >= 1) & (c["_cap_any"] >= share * cased_any)
    )


def clear_exprs() -> None:
    """Forget the expressions built once (tests: to see them built, and on which thread)."""
    _EXPRS.clear()
    for built in (
        _by_last_exprs,
        _tail_aggs,
        _per_doc_exprs_for,
        _strong_tail,
        _mid_word_exprs,
        _broken_tests,
        _line_kind_exprs,
        _whole_last_line_exprs,
    ):
        built.cache_clear()


# evaluate's verdicts and signals in numpy from the per-document columns (False: in polars
# expressions, the plain definition; tests/checks/test_truncation_fast.py compares them)
FAST_VERDICTS = True


# -- _last_prose's expressions, built once (see _exprs) ------------------------------------------


@cache
def _by_last_exprs() -> tuple[pl.Expr, list[Any], pl.Expr]:
    """The documents decided by their last line alone (a filter), their columns as _tail_aggs
    gives them, and the others (a filter)."""
    alone = pl.col("_whole") & ~pl.col("never") & (pl.col("term") | pl.col("cont"))
    decided = [
        DOC,
        pl.col("last_line").alias("last"),
        pl.col("term").alias("last_term"),
        pl.col("cont").alias("last_cont"),
        (~pl.col("term") & ~pl.col("never")).alias("last_line_open"),
        pl.lit(False).alias("last_long"),
        pl.lit(None, dtype=pl.List(pl.Boolean)).alias("recent"),
        pl.lit(0, dtype=pl.Int64).alias("n_long"),
        pl.lit(0, dtype=pl.Int64).alias("t_long"),
    ]
    return alone, decided, ~alone.fill_null(False)


@cache
def _tail_aggs() -> list[pl.Expr]:
    """Per document, from its tail's line kinds: the last prose line and how it ends, whether the
    last line is open, and the counts of how its sentences end."""
    long_prose = pl.col("prose") & pl.col("long")
    return [
        pl.col("s").filter(pl.col("prose")).last().alias("last"),
        pl.col("term").filter(pl.col("prose")).last().alias("last_term"),
        pl.col("cont").filter(pl.col("prose")).last().alias("last_cont"),
        pl.col("open").last().alias("last_line_open"),
        pl.col("long").filter(pl.col("prose")).last().fill_null(False).alias("last_long"),
        pl.col("term").filter(long_prose).tail(2).alias("recent"),
        long_prose.sum().cast(pl.Int64).alias("n_long"),
        (long_prose & pl.col("term")).sum().cast(pl.Int64).alias("t_long"),
    ]


def _per_doc_exprs(min_terminated_share: float) -> list[pl.Expr]:
    """`unterminated`, `tail` and (without BRACKET_BYTES) `_chars` of _last_prose's
    documents."""
    return _per_doc_exprs_for(min_terminated_share, BRACKET_BYTES)


@cache
def _per_doc_exprs_for(min_terminated_share: float, bracket_bytes: bool) -> list[pl.Expr]:
    """_per_doc_exprs (built once per parameters)."""
    # How the document punctuates its other sentence-like lines: overall (a poem, a product
    # sheet or Thai text does not, so a missing stop at its end says nothing) and in the line
    # just before the last one (a document ending in a block of unpunctuated lines, such as a
    # list of links, ends like that on purpose).
    last_is_long = pl.col("last_long").cast(pl.Int64)
    others = pl.col("n_long") - last_is_long
    others_terminated = pl.col("t_long") - (pl.col("last_long") & pl.col("last_term"))
    previous = (
        pl.when(pl.col("last_long"))
        .then(pl.col("recent").list.reverse().list.get(1, null_on_oob=True))
        .otherwise(pl.col("recent").list.last())
    )
    punctuates = (
        (others < 3) | (others_terminated.cast(pl.Int64) >= min_terminated_share * others)
    ) & previous.fill_null(True)
    return [
        (
            pl.col("last").is_not_null() & ~pl.col("last_term") & (pl.col("last_cont") | punctuates)
        ).alias("unterminated"),
        pl.col("last").fill_null("").str.contains(ELLIPSIS_TAIL).alias("tail"),
        *([] if bracket_bytes else [_bracket_chars(pl.col("last")).alias("_chars")]),
    ]


@cache
def _strong_tail() -> pl.Expr:
    """Whether the last prose line's ellipsis fires: it is not bare, or it follows a word that
    cannot end a sentence."""
    text = pl.col("last").fill_null("")
    return ~text.str.contains(BARE_ELLIPSIS) | _after_word(text)


def _ellipsis_word_exprs() -> list[pl.Expr]:
    s = pl.col("s")
    return [_after_word(s).alias("after"), (~s.str.contains(BARE_ELLIPSIS)).alias("not_bare")]


# _ellipsis_words runs both tests in one query (False: a query each, on_rows; the plain
# definition, tests/checks/test_truncation_fast.py)
ONE_ELLIPSIS_QUERY = True


def _ellipsis_words(ends: pl.DataFrame, per_doc: pl.DataFrame) -> tuple[pl.Series, pl.Series]:
    """`after_word` per row of `ends` (evaluate's frame: _after_word of `stripped` where `bare`,
    false elsewhere) and `tail_strong` per row of `per_doc` (_last_prose's: _strong_tail where
    `tail`, false elsewhere). The rows are few (one document in a hundred ends in an ellipsis),
    so both run in one query on the rows of the two: inside a rule set's pass each query costs
    0.5-1 ms whatever its rows (its regexes' first use in the batch)."""
    bare, tail = ends.get_column("bare"), per_doc.get_column("tail")
    if not ONE_ELLIPSIS_QUERY:
        after = _exprs(("after_word",), lambda: _after_word(pl.col("stripped")))
        (after_word,) = _on_some_rows(ends, bare, [after], False)
        (tail_strong,) = _on_some_rows(per_doc, tail, [_strong_tail()], False)
        return after_word, tail_strong
    at_bare, at_tail = _bools(bare), _bools(tail)
    after_word = np.zeros(len(at_bare), dtype=np.bool_)
    tail_strong = np.zeros(len(at_tail), dtype=np.bool_)
    n = int(at_bare.sum())
    if n or at_tail.any() or not SKIP_EMPTY:
        texts = pl.concat(
            [
                ends.get_column("stripped").filter(pl.Series(at_bare)),
                per_doc.get_column("last").filter(pl.Series(at_tail)).fill_null(""),
            ]
        )
        # (select_seq runs on this thread, see OWN_THREAD; _strong_tail is `not bare or after`)
        found = pl.DataFrame([texts.alias("s")]).select_seq(
            *_exprs(("ellipsis_words",), _ellipsis_word_exprs)
        )
        after = found.get_column("after").to_numpy()
        after_word[at_bare] = after[:n]
        tail_strong[at_tail] = (found.get_column("not_bare").to_numpy() | after)[n:]
    return pl.Series(after_word), pl.Series(tail_strong)


# _last_prose completes a last line's `term` with LINE_FINISHED only where it is read: the line is
# whole and not never prose (False: on every last line without a stop, the plain definition;
# tests/checks/test_truncation_fast.py compares them)
LAST_LINE_ONLY_WHOLE = True

# _last_prose judges by its whole last line a document whose last line is longer than the window
# (END_CHARS) and ends in a stop, without its tail (False: its tail, the plain definition;
# tests/checks/test_truncation_fast.py compares them). About one web document in six: two in
# five of those whose tail is split, and as many of the tail lines.
WHOLE_LAST_LINE = True


@cache
def _whole_last_line_exprs() -> tuple[pl.Expr, list[pl.Expr]]:
    """The whole last non-blank line of `text`, stripped (`s`: the last line _tail_lines makes,
    the pieces after it are blank), and its _line_ends tests `term` (a stop, STOPPED), `never`
    and `cont`."""
    last = pl.col("text").str.strip_chars_end().str.split("\n").list.last().str.strip_chars()
    ends = _line_ends(pl.col("s"))
    return last.alias("s"), [ends[k].alias(k) for k in ("term", "never", "cont")]


# the documents _whole_last_lines judges: their rows in `last`, their whole last lines, and
# whether each ends in a word that continues (`cont`)
WholeLines = tuple[np.ndarray, pl.Series, np.ndarray]


def _whole_last_lines(ends: pl.DataFrame, last: pl.DataFrame) -> WholeLines | None:
    """The documents of `last` (_last_prose's frame: evaluate's `ends` with `term` completed by
    _finished) to judge as decided by their last line, that line being their whole last line:
    it ends in a stop and is not never prose, and the window's line (`last_line`) is not all of
    it. The tail would find the same: that line is its last line (`_r` 0), a stop makes it
    prose whatever the skip tests say (not a candidate), so it is the last prose line,
    terminated, and the counts of how the document punctuates are not read (_per_doc_numpy, as
    for the documents decided by their last line). Tried on the documents whose line in the
    window is not whole and ends in a stop (`ends`' `term`, STOPPED before _finished: the
    window's line is a suffix of the whole line, so the whole line ends in the same stop but
    where the window holds nothing but closers, whose documents keep their tail). None where
    there is none."""
    get = last.get_column
    whole, never, term, cont = (_bools(get(c)) for c in ("_whole", "never", "term", "cont"))
    stopped, empty = _bools(ends.get_column("term")), _bools(ends.get_column("empty"))
    alone = whole & ~never & (term | cont)
    at = np.flatnonzero(~alone & ~whole & stopped & ~empty)
    if len(at) == 0:
        return None
    line, tests = _whole_last_line_exprs()
    # (one query; the `_seq` stages run on this thread, see OWN_THREAD)
    lines = (
        pl.DataFrame([get("text").gather(at)])
        .lazy()
        .select_seq(line)
        .with_columns_seq(*tests)
        .collect(**COLLECT)
    )
    ok = _bools(lines.get_column("term")) & ~_bools(lines.get_column("never"))
    if not ok.any():
        return None
    rows = np.flatnonzero(ok)
    return at[rows], lines.get_column("s").gather(rows), _bools(lines.get_column("cont"))[rows]


# _last_prose gathers each document's values from its tail lines in numpy (its lines are
# consecutive, in order) and tests the ellipsis tail on the last prose lines that end in one of
# its last characters, where the plain definition (False; tests/checks/test_truncation_fast.py
# compares them) groups the lines by document and computes the values in a query
NUMPY_PER_DOC = True
_DOTS = np.frombuffer(b"...", dtype=np.uint8)
_ELLIPSIS_CHAR = np.frombuffer("…".encode(), dtype=np.uint8)


def _ellipsis_tail(last: pl.Series) -> pl.Series:
    """`last.fill_null("").str.contains(ELLIPSIS_TAIL)`, the pattern run only on the lines that
    end in "...", "…", "]" or ")" (every match ends in one)."""
    offsets, data = string_bytes(last)
    size = np.diff(offsets)
    end = offsets[1:]
    out = np.zeros(len(last), dtype=np.bool_)
    if len(data) == 0:
        return pl.Series(out)
    lastb = data[np.maximum(end - 1, 0)]
    can = (size >= 1) & ((lastb == ord("]")) | (lastb == ord(")")))
    three = size >= 3
    tail3 = [data[np.maximum(end - k, 0)] for k in (3, 2, 1)]
    for pattern in (_DOTS, _ELLIPSIS_CHAR):
        can |= (
            three & (tail3[0] == pattern[0]) & (tail3[1] == pattern[1]) & (tail3[2] == pattern[2])
        )
    if can.any():
        at = np.flatnonzero(can)
        # (a Series method: it runs on this thread, see OWN_THREAD)
        out[at] = last.gather(at).str.contains(ELLIPSIS_TAIL).to_numpy()
    return pl.Series(out)


def _per_doc_numpy(
    last: pl.DataFrame,
    full: pl.DataFrame | None,
    share: float,
    whole_lines: WholeLines | None = None,
) -> pl.DataFrame:
    """_last_prose's `per_doc` (`__doc`, `last`, `unterminated`, `last_cont`, `tail`,
    `last_line_open`; a row per document decided by its last line or holding a tail line, in
    the order of `last`'s rows; false where the plain definition's values are null): `last` is
    evaluate's frame with the last line's tests completed, `full` the tail lines of the others
    (_line_kinds), each document's consecutive, or None; `whole_lines` the documents decided by
    their whole last line (_whole_last_lines), or None."""
    n = last.height
    get = last.get_column
    term_a, cont_a, never_a = (_bools(get(c)) for c in ("term", "cont", "never"))
    whole_a = _bools(get("_whole"))
    if whole_lines is not None:
        # their last line is whole, ends in a stop and is not never prose
        at, _, cont_w = whole_lines
        whole_a, term_a, never_a, cont_a = (a.copy() for a in (whole_a, term_a, never_a, cont_a))
        whole_a[at], term_a[at], never_a[at], cont_a[at] = True, True, False, cont_w
    alone = whole_a & ~never_a & (term_a | cont_a)
    # a document decided by its last line ends in a stop or a continuing word: unterminated
    # where it has no stop (its other sentences count for nothing)
    unterminated = alone & ~term_a
    last_cont = alone & cont_a
    line_open = alone & ~term_a & ~never_a
    index = np.full(n, -1, dtype=np.int64)
    index[alone] = np.flatnonzero(alone)
    lines = 0 if full is None else full.height
    if lines:
        doc = full.get_column(DOC).to_numpy()
        prose, term, long, cont, opened = (
            _bools(full.get_column(c)) for c in ("prose", "term", "long", "cont", "open")
        )
        starts = _starts(doc)
        groups = len(starts)
        stops = np.append(starts[1:], lines) - 1  # each document's last line
        group = np.repeat(np.arange(groups), stops - starts + 1)
        row = np.arange(lines)
        lp = np.maximum.reduceat(np.where(prose, row, -1), starts)  # the last prose line
        has = lp >= 0
        at = np.maximum(lp, 0)
        g_term, g_cont, g_long = term[at] & has, cont[at] & has, long[at] & has
        sentence = prose & long
        n_long = np.add.reduceat(sentence.astype(np.int64), starts)
        t_long = np.add.reduceat((sentence & term).astype(np.int64), starts)
        # the sentences' ranks from the end of their document (1: the last)
        after = np.zeros(lines + 1, dtype=np.int64)
        after[:lines] = np.cumsum(sentence[::-1])[::-1]
        rank = after[:lines] - after[stops[group] + 1]
        ranked = [np.ones(groups, dtype=np.bool_) for _ in range(2)]  # null reads as true
        for r in (1, 2):
            hit = np.flatnonzero(sentence & (rank == r))
            ranked[r - 1][group[hit]] = term[hit]
        previous = np.where(g_long, ranked[1], ranked[0])
        others = n_long - g_long
        others_term = t_long - (g_long & g_term)
        punctuates = ((others < 3) | (others_term >= share * others)) & previous
        ids = get(DOC).to_numpy()
        if np.array_equal(ids, np.arange(n)):
            rows = doc[starts]
        else:
            order = np.argsort(ids, kind="stable")
            rows = order[np.searchsorted(ids, doc[starts], sorter=order)]
        unterminated[rows] = has & ~g_term & (g_cont | punctuates)
        last_cont[rows] = g_cont
        line_open[rows] = opened[stops]
        index[rows[has]] = n + lp[has]
        alone[rows] = True  # (present: a row of per_doc)
    texts = [get("last_line")]
    if lines:
        texts.append(full.get_column("s"))
    if whole_lines is not None:
        at, whole_text, _ = whole_lines
        index[at] = n + lines + np.arange(len(at))
        texts.append(whole_text)
    index[index < 0] = sum(len(t) for t in texts)
    texts.append(pl.Series([None], dtype=pl.String))
    present = np.flatnonzero(alone)
    text = pl.concat(texts, rechunk=False).gather(index[present]).alias("last")
    return pl.DataFrame(
        [
            get(DOC).gather(present),
            text,
            pl.Series("unterminated", unterminated[present]),
            pl.Series("last_cont", last_cont[present]),
            _ellipsis_tail(text).alias("tail"),
            pl.Series("last_line_open", line_open[present]),
        ]
    )


# -- the corpus as the dictionary of the mid-word test (corpus_dictionary) -----------------------
WORDS_KEY = "__words"
# the aggregate's length histograms (a Histogram)
LENGTHS_KEY = "lengths"
WORDS_SEED = 6
# a word's prefixes of 2 to 12 letters are counted: a cut word's stub is rarely longer
MAX_PREFIX = 12
# bounded memory: the most frequent hashes of each table are kept (about 16 bytes each)
MAX_WORD_HASHES = 2_000_000


def _collect_words(text: pl.Series) -> dict[str, pl.DataFrame]:
    """Occurrences of every lower-cased word of the texts, and of every prefix of 2 to 12
    letters of those words (as the start of a longer word), as hashes and counts."""
    words = (
        pl.DataFrame({"t": text.str.to_lowercase()})
        .select(pl.col("t").str.extract_all(r"[\p{L}\p{M}]+").alias("w"))
        .explode("w")
        .drop_nulls()
        .group_by("w")
        .agg(pl.len().cast(pl.Int64).alias("n"))
    )
    whole = words.select(pl.col("w").hash(seed=WORDS_SEED).alias("h"), "n")
    size = pl.col("w").str.len_chars()
    prefix = (
        words.filter(size > 2)
        .with_columns(pl.int_ranges(2, pl.min_horizontal(size, MAX_PREFIX + 1)).alias("k"))
        .explode("k")
        .select(pl.col("w").str.slice(0, pl.col("k")).hash(seed=WORDS_SEED).alias("h"), "n")
        .group_by("h")
        .agg(pl.col("n").sum())
    )
    return {"whole": whole, "prefix": prefix}


def _merge_words(a: dict | None, b: dict | None) -> dict | None:
    if a is None or b is None:
        return b if a is None else a
    out = {}
    for key in ("whole", "prefix"):
        counts = pl.concat([a[key], b[key]]).group_by("h").agg(pl.col("n").sum())
        if counts.height > MAX_WORD_HASHES:
            counts = counts.sort(["n", "h"], descending=[True, False]).head(MAX_WORD_HASHES)
        out[key] = counts
    return out


def _contained(small: tuple[int, ...], big: tuple[int, ...]) -> bool:
    """Whether a set whose smallest hashes are `small` lies inside one whose are `big`."""
    below = [h for h in small if h <= max(big, default=-1)]
    return bool(below) and set(below) <= set(big)


# -- the length histograms of the spike test (collect, merge, finish) ------------------------------
# the units, in the order _lengths gives them; a length is kept as a key: its unit's index times
# 2**UNIT_SHIFT plus the length (one histogram for the three: each numpy call of a merge costs
# microseconds whatever its size, and a merge makes about thirty)
UNITS = ("chars", "bytes", "tokens")
UNIT_SHIFT = 40


@dataclass(frozen=True, eq=False)
class Histogram:
    """The length histograms: the keys `n` (unit and length, ascending, distinct), the documents
    of each `c`, how many distinct text hashes each keeps `k` (its HASHES smallest), and those
    hashes `h`, key after key, each key's ascending. In numpy arrays: a Python object per
    length costs more than the rest of the corpus pass (building them from polars' lists,
    merging them one length at a time)."""

    n: np.ndarray  # int64
    c: np.ndarray  # int64
    k: np.ndarray  # int64
    h: np.ndarray  # uint64

    def __eq__(self, other: object) -> bool:
        # (equal aggregates compare equal, as the dicts of Python numbers they replace did)
        return isinstance(other, Histogram) and all(
            x.dtype == y.dtype and np.array_equal(x, y)
            for x, y in zip(self.arrays(), other.arrays(), strict=True)
        )

    __hash__ = None  # type: ignore[assignment]

    def arrays(self) -> tuple[np.ndarray, ...]:
        return self.n, self.c, self.k, self.h


def _starts(n: np.ndarray) -> np.ndarray:
    """Where each run of equal values of `n` starts."""
    if len(n) == 0:
        return np.zeros(0, dtype=np.int64)
    first = np.empty(len(n), dtype=np.bool_)
    first[0] = True
    np.not_equal(n[1:], n[:-1], out=first[1:])
    return np.flatnonzero(first)


def _runs(starts: np.ndarray, size: int) -> np.ndarray:
    """The lengths of the runs starting at `starts` in an array of `size`."""
    return np.diff(np.append(starts, size))


def _within(counts: np.ndarray) -> np.ndarray:
    """Per element of consecutive groups of `counts` elements, its position in its group."""
    total = int(counts.sum())
    return np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)


def _histogram(keys: np.ndarray, hashes: np.ndarray, drop: np.ndarray, k: int) -> Histogram:
    """The Histogram of the documents' `keys`, one row per unit (`hashes` their texts', one per
    document; `drop` the keys left out): the documents sorted by hash once, then the keys by a
    stable sort, where sorting the pairs by key and hash (np.lexsort) sorts each hash three
    times."""
    by_hash = np.argsort(hashes, kind="stable")
    keep = ~drop[:, by_hash].ravel()
    n = keys[:, by_hash].ravel()[keep]
    h = np.tile(hashes[by_hash], len(keys))[keep]
    order = np.argsort(n, kind="stable")
    n, h = n[order], h[order]
    starts = _starts(n)
    lengths, c = n[starts], _runs(starts, len(n))
    # the distinct hashes of each key, the k smallest
    if len(n):
        new = np.empty(len(n), dtype=np.bool_)
        new[0] = True
        np.not_equal(n[1:], n[:-1], out=new[1:])
        new[1:] |= h[1:] != h[:-1]
        n, h = n[new], h[new]
    distinct = _runs(_starts(n), len(n))
    kept = np.minimum(distinct, k)
    h = h[_within(distinct) < k]
    return Histogram(lengths, c, kept, h)


HASH_PAD = np.uint64(2**64 - 1)


def _merge_hashes(
    a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray], k: int
) -> tuple[np.ndarray, np.ndarray]:
    """The `k` smallest distinct hashes of both sets of keys, key by key (`a` and `b` each the
    counts and hashes of the same keys, as in a Histogram): each key's hashes of both in a row
    of 2k, padded with HASH_PAD, the rows sorted apart (a sort of 2k values per key, where
    sorting the pairs by key and hash, np.lexsort, sorts all of them by hash). A real hash
    equal to HASH_PAD counts once where either set holds it. Returns the counts and hashes."""
    rows = len(a[0])
    grid = np.full((rows, 2 * k), HASH_PAD, dtype=np.uint64)
    padded = np.zeros(rows, dtype=np.bool_)
    for column, (counts, h) in ((0, a), (k, b)):
        row = np.repeat(np.arange(rows), counts)
        grid[row, column + _within(counts)] = h
        padded[row[h == HASH_PAD]] = True
    grid.sort(axis=1)
    new = np.ones(grid.shape, dtype=np.bool_)
    np.not_equal(grid[:, 1:], grid[:, :-1], out=new[:, 1:])
    new &= (grid != HASH_PAD) | padded[:, None]
    keep = new & (np.cumsum(new, axis=1) <= k)
    return keep.sum(axis=1), grid[keep]


def _merge_histograms(a: Histogram, b: Histogram, k: int) -> Histogram:
    """The Histogram of both: the counts of a key both hold are added, its hashes are the `k`
    smallest of both; the other keys' are copied. Sorting work in proportion to the keys both
    hold (the rest is copies and one sort of the keys)."""
    both, ia, ib = np.intersect1d(a.n, b.n, assume_unique=True, return_indices=True)
    only_a = np.ones(len(a.n), dtype=np.bool_)
    only_a[ia] = False
    only_b = np.ones(len(b.n), dtype=np.bool_)
    only_b[ib] = False
    pairs_a, pairs_b = np.repeat(only_a, a.k), np.repeat(only_b, b.k)
    kept, h = _merge_hashes((a.k[ia], a.h[~pairs_a]), (b.k[ib], b.h[~pairs_b]), k)
    # the keys of a alone, of b alone, of both (each run ascending), then in order
    n = np.concatenate([a.n[only_a], b.n[only_b], both])
    c = np.concatenate([a.c[only_a], b.c[only_b], a.c[ia] + b.c[ib]])
    kept = np.concatenate([a.k[only_a], b.k[only_b], kept])
    h = np.concatenate([a.h[pairs_a], b.h[pairs_b], h])
    order = np.argsort(n, kind="stable")
    # each key's hashes where they lie in h, moved with it
    start = (np.cumsum(kept) - kept)[order]
    kept = kept[order]
    at = np.repeat(start, kept) + _within(kept)
    return Histogram(n[order], c[order], kept, h[at])


# collect's query of the texts: their lengths in characters and bytes, and their hashes (those
# _keep_tokens keeps: polars' hash, seed 0, as evaluate's Series.hash)
_SIZED_EXPRS = (
    pl.first().str.len_chars().cast(pl.Int64).alias("chars"),
    pl.first().str.len_bytes().cast(pl.Int64).alias("bytes"),
    pl.first().hash(seed=0).alias("hash"),
)


@register
class TruncatedText(Rule):
    """Documents that were cut off.

    Catches: text that stops mid-sentence or mid-word (a scraper's length cap, a database column
    limit, a paywall, a feed excerpt), explicit tails (`...`, `…`, `[...]`, `(continued)`,
    "Read more", "Baca selengkapnya", "Lire la suite", "続きを読む" ...), quotes, brackets or code
    fences left open at the end, lengths sitting exactly on a round cap, and documents sharing one
    length with many others (a spike in the corpus' length histogram: a cap nobody documented).

    Why: training on text cut mid-sentence teaches a model to stop mid-thought, and truncation
    comes in batches (a length cap, a column limit, a paywall), so the corpus-level pattern
    matters as much as the verdict per document.

    Complete documents often end without a full stop: a promo line, a heading, a byline or editor
    tag such as `(esn)`, a list item, a date, a URL, a separator, a number, a hashtag. So the rule
    judges the end of the *content*, not the last line. Over the last 40 non-blank lines it skips
    those that are not prose: symbol-only lines (rules, numbers, dates), bracketed tags, links,
    hashtags, and, unless they end with final punctuation, list items, "Label: value" lines, calls
    to action ("Watch the video"), navigation and copyright lines, Title Case lines, lines shorter
    than `min_prose_words` (`min_last_line_words` for the very last line). It decides on the last
    prose line that is left. A line ending in a word that cannot end a sentence ("the", "of",
    "dan", "yang", "de", "und" ...) or in a comma is never skipped. A missing stop counts only in
    a document that punctuates: most of its other sentence-like lines (8 words or more) and the
    one just before end with final punctuation, so a poem, a product sheet or a list of links is
    not called cut. Thai and Lao, written without sentence marks, are not judged on them.

    The end is judged on the text as it came in (`judge_original`): a strip rule before this one
    (boilerplate-lines) removes the short unfinished line a cut leaves more often than a widget
    this rule would misread, so judging the cleaned text loses cut documents (measured in
    bench/results/truncation.md).

    Example: an article whose last prose line reads `Para ahli meni` is cut; one ending in
    `... tambahnya.` followed by `(esn)` is complete.

    Signals (one per document; all false or null for empty text):
      truncated               the rule's verdict: any of the signals below
      truncated_unterminated  the last prose line lacks sentence-final punctuation (`. ! ? ; :`,
                              `。！？`, `।`, `؟`, `۔`, `…` and others, optionally followed by
                              closing quotes or brackets, a footnote mark, an emoji or an editor
                              tag), in a document that punctuates (see above)
      truncated_mid_word      the text ends inside a word: its last word is a proper prefix of a
                              longer word of the same document (the document is its own
                              dictionary, in any language) and occurs nowhere else whole; or it
                              ends in a broken character (U+FFFD), a half HTML entity or a
                              hyphen; or its last word is one or two lower-case Latin letters
                              that are not a word of the main web languages ("... he sa");
                              with `corpus_dictionary` (off by default), also when longer words
                              of the other documents of the corpus start with the last word far
                              more often than it occurs whole there ("... and validatio")
      truncated_unbalanced    the last prose line leaves a bracket or quote open (more `(`, `[`,
                              `«`, `「` than closers; an odd number of double quotes whose last
                              one opens), the document leaves a code fence (```) open, or its
                              last line, prose or not, opens a quote and stops (`“There`) or is
                              a lone bullet or bracket (`-`, `[`)
      truncated_trailing_space  the text stops on a space or tab after its last word, with no
                              line break: a cap in characters or bytes cuts after a space as
                              often as after a letter, a complete text ends on its last mark or
                              a line break (`trailing_space_fires: false` only reports it)
      truncated_tail          the content ends with `...`, `…`, `[...]`, `(continued)` or a
                              "read more" phrase (`tail_phrases`, after a line break, an ellipsis
                              or a separator, not after an ordinary word: "find out more." is not);
                              a bare `...` or `…` is reported but fires only after a word that
                              cannot end a sentence (`ellipsis_alone` makes it fire by itself)
      truncated_round_cap     the cap the length sits on, e.g. "2048 chars" (units: chars,
                              bytes of UTF-8, whitespace tokens; caps from `round_caps`), or null;
                              it fires when the last line is also unfinished (or always, with
                              `round_cap_alone`)
      truncated_length_spike  the length is a spike of the corpus' length histogram (corpus
                              pass); it fires when the last line is also unfinished (or always,
                              with `spike_alone`)

    The corpus pass counts document lengths in each unit. A spike is a length shared by at least
    `min_spike_documents` distinct documents (duplicates of one text are not a cap), at least
    `spike_factor` times the average count of the lengths within 5 % around it, and the highest
    count within 1 %. The report names each one: `{"spikes": [{"unit": "chars", "length": 2048,
    "documents": 412}], "notes": ["412 documents are exactly 2,048 characters long"]}`.

    Defaults and their measured effect: bench/truncation_eval.py, bench/results/truncation.md
    (complete web and news documents as published, whole or cut at seeded positions, against the
    naive "last character is not terminal punctuation"). `missing_stop_fires: false` trades recall
    for fewer complete documents flagged: it fires on the strong evidence only (a cut word, a
    dangling word or comma, an open bracket or quote, a trailing space, an explicit tail, a cap or
    a spike). No other sign of the end tested so far tells a cut sentence from a complete page
    that ends without a stop well enough to be evidence (bench/results/truncation.md, rounds 3
    and 4: a corpus-level "can a text end after this word" model, recurring widget lines).

    `corpus_dictionary: true` (off by default) adds a corpus pass over every word so that the
    mid-word test knows the words of the whole corpus, not only of the document. Measured with
    the evaluation documents inside a background corpus (round 4): on the tuning half F1 0.885 ->
    0.900 at the same 13.8 % of complete documents flagged, held-out 0.865 -> 0.878 with 17.6 ->
    18.7 % flagged; with `missing_stop_fires: false`, held-out recall 0.641 -> 0.755 with 6.3 ->
    7.6 % flagged. It is off because it costs more CPU than the rest of the rule, flags more
    complete documents on the held-out half, and relies on word counts of a corpus of many
    documents from many sites (measured on 1,511 web and news documents, alone or with 576 more
    as background; never on one site's pages, where a site's own words may be rare).
    """

    name = "truncated-text"
    family = "truncation"
    actions = ("flag", "drop")
    main_signal = "truncated"
    bins = (0.0, 0.5, 1.0)
    needs_corpus = True

    @dataclass(frozen=True)
    class Params:
        min_prose_words: int = param(
            5,
            "a line with fewer words and no final punctuation, followed by more lines, is a "
            "heading or a label, and is skipped",
            unit="words",
            source="our measurement (bench/truncation_eval.py, tuning half)",
            min=1,
        )
        min_last_line_words: int = param(
            2,
            "the same for the last line of the document: shorter, it is a byline or a widget; "
            "longer, it may be what is left of a cut sentence",
            unit="words",
            source="our measurement (bench/truncation_eval.py, tuning half)",
            min=1,
        )
        max_title_case_share: float = param(
            0.75,
            "a trailing line without final punctuation whose share of capitalised words is "
            "at least this is a heading or a list of names, and is skipped",
            unit="fraction of cased words",
            source="our measurement",
            min=0.0,
            max=1.0,
        )
        min_terminated_share: float = param(
            0.5,
            "call a document unterminated only when at least this share of its other prose "
            "lines end with final punctuation (documents that never punctuate are not judged)",
            unit="fraction of prose lines",
            source="our measurement",
            min=0.0,
            max=1.0,
        )
        round_caps: list[int] = param(
            ROUND_CAPS,
            "lengths that are typical truncation caps",
            unit="chars, bytes or tokens",
            source="common column, buffer and API limits (powers of two, their predecessors, "
            "round thousands)",
        )
        missing_stop_fires: bool = param(
            True,
            "an unterminated last sentence fires by itself; false fires only on stronger "
            "evidence (a sentence ending in a word such as 'the' or 'dan' or in a comma, a cut "
            "word, an open quote, a trailing space, a tail, a cap, a spike): fewer complete "
            "documents flagged, "
            "fewer cut ones found",
            source="our measurement (bench/results/truncation.md)",
        )
        round_cap_alone: bool = param(
            False,
            "a length on a round cap fires by itself; by default it needs the text to "
            "end without final punctuation too (a cap alone also hits complete documents)",
            source="our measurement",
        )
        spike_alone: bool = param(
            False,
            "a length on a spike of the corpus' length histogram fires by itself; by "
            "default it needs the text to end without final punctuation too (templated complete "
            "documents share lengths as well)",
            source="our measurement",
        )
        min_spike_documents: int = param(
            10,
            "a length shared by fewer distinct documents is never a spike",
            unit="documents",
            source="our choice",
            min=2,
        )
        spike_factor: float = param(
            10.0,
            "a spike holds this many times more documents than the average length around "
            "it (within 5 %)",
            unit="ratio",
            source="our choice",
            min=1.0,
        )
        min_spike_length: int = param(
            100,
            "lengths below this are never spikes (short texts share lengths naturally)",
            unit="chars, bytes or tokens",
            source="our choice",
            min=1,
        )
        ellipsis_alone: bool = param(
            False,
            "a bare `...` or `…` at the end fires by itself; by default it is reported "
            "(truncated_tail) but fires only after a word such as 'the' or 'and' (complete "
            "pages end in one too: 'John says...', 'No comments yet ...', a writer trailing "
            "off); `[...]`, `(continued)` and 'read more' phrases always fire",
            source="our measurement (bench/results/truncation.md, tuning half: 13 of 376 "
            "complete documents fired on a tail, none of the cut ones needed it)",
        )
        judge_original: bool = param(
            True,
            "judge the end of the text as it came in, before the strip actions of the "
            "rules before this one: a strip rule removes the unfinished fragment a cut leaves "
            "(a short last line looks like a widget) more often than a trailing widget this "
            "rule would misread; false judges the cleaned text",
            source="our measurement (bench/results/truncation.md, 'as in the default rule set')",
        )
        trailing_space_fires: bool = param(
            True,
            "a text that stops on a space or tab after its last word (no line break) is cut; "
            "false only reports it (truncated_trailing_space), for corpora whose complete "
            "texts keep trailing spaces",
            source="our measurement (bench/results/truncation.md: 54 of 755 cut documents, "
            "none of 756 complete ones)",
        )
        tail_phrases: list[str] = param(
            list(TAIL_PHRASES),
            "phrases that mark an excerpt when they end the text",
            source="common 'read more' links of the main web languages",
        )
        corpus_dictionary: bool = param(
            False,
            "the mid-word test also takes the whole corpus as its dictionary: the text ends in "
            "a word that longer words of the other documents start with more than "
            "corpus_prefix_ratio times as often as it occurs whole there ('validatio'). Costs a "
            "corpus pass over every word (about 1.3 CPU s per 20,000 documents of 2 KB, more than "
            "the rest of the rule's 0.8 s) and a corpus of many documents from many sites",
            source="our measurement (bench/results/truncation.md, round 4, idea 3)",
        )
        corpus_prefix_ratio: float = param(
            10.0,
            "with corpus_dictionary: how many times more often the last word must start a "
            "longer word of the other documents than occur whole in them",
            unit="ratio of word occurrences",
            source="our measurement (bench/results/truncation.md, round 4, tuning half)",
            min=1.0,
        )

    # -- per document ------------------------------------------------------------------------------

    def evaluate(self, batch: Batch) -> RuleResult:
        return _on_thread(self.name, self._evaluate, batch)

    def _evaluate(self, batch: Batch) -> RuleResult:
        p = self.params
        original = batch.original
        # (the frames are put together from Series directly and fill_null runs only where a
        # text is null: each DataFrame or Series method is a query of its own, 30-100 us)
        text = original.fill_null("") if original.null_count() else original
        if p.judge_original:
            # the rule reads only the documents' texts (it splits the lines it needs itself, see
            # _last_prose): a batch of the original texts, without lines (whether a strip changed
            # them or not: comparing the texts costs more than taking them)
            docs = pl.DataFrame([batch.docs.get_column(DOC), text.alias("text")])
            batch = Batch(docs, batch.lines.clear(), batch.corpus, batch.signals, original)
        select, stripped, tests, last_line = _exprs(
            ("ends", p.judge_original, tuple(p.tail_phrases), LAST_LINE_FIRST), self._ends_exprs
        )
        ends = (
            batch.docs.lazy()
            .select(*select)
            .with_columns(*stripped)
            .with_columns_seq(*tests)
            # the last line's tests for _last_prose in the same query (a query of its own costs
            # ~0.1 ms of planning and frames whatever the batch)
            .with_columns_seq(*last_line)
            .collect(**COLLECT)
        )
        end = ends.get_column("end")
        # (a text ending in a word that continues before its bare ellipsis ends in one)
        # (_last_prose finds whether a continuing word comes before a bare ellipsis at the end
        # of the text, `after_word`, with its own ellipsis test: one query for both)
        prose, after_word = self._last_prose(batch, ends)
        mid_word = self._mid_word(batch, end, ends)
        if p.corpus_dictionary:
            mid_word = mid_word | self._corpus_mid_word(batch, end)
        if p.judge_original:
            lengths = {
                "chars": ends.get_column("len_chars"),
                "bytes": ends.get_column("len_bytes"),
                "tokens": _shared_tokens(
                    text, ends.get_column("len_bytes"), ends.get_column("len_chars")
                ),
            }
        else:
            lengths = self._lengths(text)
        spikes = (batch.corpus.get(self.name) or {}).get("spikes", [])
        verdicts = self._verdicts if FAST_VERDICTS else self._verdicts_plain
        return verdicts(ends, prose, mid_word, after_word, lengths, spikes)

    def _ends_exprs(self) -> tuple[list[Any], list[pl.Expr], list[pl.Expr], list[pl.Expr]]:
        """The expressions of evaluate's query, stage by stage (built once per parameters, see
        _exprs)."""
        p = self.params
        col = pl.col
        # a cap applies to the text as it came in, before strip actions removed lines: where the
        # batch's texts are those, their lengths in characters and bytes come with `ends`
        sized = (
            [
                col("text").str.len_chars().cast(pl.Int64).alias("len_chars"),
                col("text").str.len_bytes().cast(pl.Int64).alias("len_bytes"),
            ]
            if p.judge_original
            else []
        )
        select = [
            DOC,
            "text",
            # end-anchored patterns only need the end of the text (a regex scans all of it)
            col("text").str.tail(END_CHARS).alias("end"),
            col("text").str.contains("```", literal=True).alias("fenced"),
            *sized,
        ]
        stripped = [
            col("end").str.strip_chars().alias("stripped"),
            # (the length in characters computed once: an expression written twice in a query
            # is computed twice)
            ((col("len_chars") if sized else col("text").str.len_chars()) <= END_CHARS).alias(
                "all_end"
            ),
        ]
        phrases = tuple(p.tail_phrases)
        tests = [
            # the text after the last line break (a regex for it retries at every position)
            col("stripped").str.split("\n").list.last().str.strip_chars().alias("last_line"),
            (
                col("stripped").str.contains(_tail_regex(phrases))
                | col("stripped").str.contains(_phrase_ellipsis_regex(phrases))
            ).alias("phrase"),
            col("stripped").str.contains(ELLIPSIS_TAIL).alias("ellipsis"),
            col("stripped").str.contains(BARE_ELLIPSIS).alias("bare"),
            col("end").str.contains(TRAILING_SPACE).fill_null(False).alias("trailing_space"),
            (col("stripped") == "").alias("empty"),
            # _mid_word's tests of a broken end
            *_broken_tests("end"),
        ]
        # (_verdicts' test of the last line in the same query: a Series method is a query of
        # its own)
        open_last = pl.col("last_line").str.contains(OPEN_LAST_LINE).alias("open_last")
        return select, stripped, tests, [*self._last_line_tests(), open_last]

    def _verdicts_plain(
        self,
        ends: pl.DataFrame,
        prose: pl.DataFrame,
        mid_word: pl.Series,
        after_word: pl.Series,
        lengths: dict[str, pl.Series],
        spikes: list[dict[str, Any]],
    ) -> RuleResult:
        """The signals and the verdict from the per-document columns: `ends` (evaluate's query),
        `prose` (_last_prose), `mid_word`, `after_word` (a bare ellipsis after a continuing
        word), the `lengths` per unit and the corpus' `spikes`. (In polars expressions: the
        plain definition of _verdicts.)"""
        p = self.params
        col = pl.col
        # (ends holds the lengths in characters and bytes when the text is judged as it came in)
        sized = "len_chars" in ends.columns
        caps = pl.Series(p.round_caps, dtype=pl.Int64).implode()
        # (the values read twice below are computed once)
        frame = ends.hstack(
            [
                *(c for c in prose.iter_columns() if c.name != DOC),
                mid_word.alias("mid_word"),
                after_word.alias("after_word"),
                *(
                    v.alias(f"len_{unit}")
                    for unit, v in lengths.items()
                    if not sized or unit == "tokens"
                ),
            ]
        ).with_columns_seq(
            # (the prose columns filled in the same query)
            pl.col([c for c in prose.columns if c != DOC]).fill_null(False),
            col("last_line").str.contains(OPEN_LAST_LINE).fill_null(False).alias("open_last"),
            pl.any_horizontal(col(f"len_{unit}").is_in(caps) for unit in lengths).alias("on_cap"),
        )
        # a bare ellipsis decides only after a word that cannot end a sentence
        bare = col("bare") & ~col("phrase")
        tail_fires = (
            ((col("ellipsis") | col("phrase")) & (~bare | col("after_word") | p.ellipsis_alone))
            | col("tail_strong")
            | (col("tail") & p.ellipsis_alone)
        )
        unbalanced = col("unbalanced") | col("fence_open") | col("open_last")
        # the first unit whose length is a cap names it
        round_cap = pl.coalesce(
            pl.lit(None, dtype=pl.String),
            *(
                pl.when(col(f"len_{unit}").is_in(caps)).then(
                    col(f"len_{unit}").cast(pl.String) + f" {unit}"
                )
                for unit in lengths
            ),
        )
        cap_fires = col("on_cap") & (col("last_line_open") | p.round_cap_alone)
        spike = pl.lit(False)
        for unit in lengths:
            at = [s["length"] for s in spikes if s["unit"] == unit]
            if at:
                spike = spike | col(f"len_{unit}").is_in(pl.Series(at, dtype=pl.Int64).implode())
        spike_fires = spike & (col("last_line_open") | p.spike_alone)
        filled = ~col("empty")
        truncated = (
            (
                (col("unterminated") & (col("last_cont") | p.missing_stop_fires))
                | col("mid_word")
                | unbalanced
                | (col("trailing_space") & p.trailing_space_fires)
                | tail_fires
                | cap_fires
                | spike_fires
            )
            & filled
        ).fill_null(False)
        signals = frame.select(
            truncated.alias("truncated"),
            (col("unterminated") & filled).alias("truncated_unterminated"),
            (col("mid_word") & filled).alias("truncated_mid_word"),
            (unbalanced & filled).alias("truncated_unbalanced"),
            (col("trailing_space") & filled).alias("truncated_trailing_space"),
            ((col("ellipsis") | col("phrase") | col("tail")) & filled).alias("truncated_tail"),
            round_cap.alias("truncated_round_cap"),
            (spike & filled).alias("truncated_length_spike"),
        )
        return RuleResult(
            signals={n: signals.get_column(n) for n in signals.columns},
            fired=signals.get_column("truncated"),
        )

    def _verdicts(
        self,
        ends: pl.DataFrame,
        prose: pl.DataFrame,
        mid_word: pl.Series,
        after_word: pl.Series,
        lengths: dict[str, pl.Series],
        spikes: list[dict[str, Any]],
    ) -> RuleResult:
        """The signals and the verdict from the per-document columns (evaluate's plain
        definition with FAST_VERDICTS off), in numpy on the columns' values: the same boolean
        algebra on columns without nulls (false where the plain definition fills them), where
        each expression of a query costs 5-30 us of planning whatever the batch. The round cap
        is named in a query only where a length is on one."""
        p = self.params

        pr = {c.name: _bools(c) for c in prose.iter_columns() if c.name != DOC}
        e = {c: _bools(ends.get_column(c)) for c in ("phrase", "ellipsis", "bare", "empty")}
        trailing = _bools(ends.get_column("trailing_space"))
        # (a Series method runs on this thread, as the plain definition's with_columns_seq)
        open_last = _bools(ends.get_column("open_last"))
        after, mid = _bools(after_word), _bools(mid_word)
        n = len(e["empty"])
        # a bare ellipsis decides only after a word that cannot end a sentence
        bare = e["bare"] & ~e["phrase"]
        tail_fires = (
            ((e["ellipsis"] | e["phrase"]) & (~bare | after | p.ellipsis_alone))
            | pr["tail_strong"]
            | (pr["tail"] & p.ellipsis_alone)
        )
        unbalanced = pr["unbalanced"] | pr["fence_open"] | open_last
        lens = {unit: v.to_numpy() for unit, v in lengths.items()}
        caps = _sorted_values(tuple(p.round_caps))
        on_cap = np.zeros(n, dtype=np.bool_)
        for v in lens.values():
            on_cap |= _is_in(v, caps)
        cap_fires = on_cap & (pr["last_line_open"] | p.round_cap_alone)
        spike = np.zeros(n, dtype=np.bool_)
        for unit, v in lens.items():
            at = [s["length"] for s in spikes if s["unit"] == unit]
            if at:
                spike |= _is_in(v, _sorted_values(tuple(at)))
        spike_fires = spike & (pr["last_line_open"] | p.spike_alone)
        filled = ~e["empty"]
        truncated = (
            (pr["unterminated"] & (pr["last_cont"] | p.missing_stop_fires))
            | mid
            | unbalanced
            | (trailing & p.trailing_space_fires)
            | tail_fires
            | cap_fires
            | spike_fires
        ) & filled
        if on_cap.any():
            # the first unit whose length is a cap names it (the few lengths on a cap written
            # here: the expressions' query cost ~0.4 ms a batch)
            names: list[str | None] = [None] * n
            named = np.zeros(n, dtype=np.bool_)
            for unit, v in lens.items():
                hit = _is_in(v, caps)
                for i in np.flatnonzero(hit & ~named).tolist():
                    names[i] = f"{int(v[i])} {unit}"
                named |= hit
            round_cap = pl.Series("truncated_round_cap", names, dtype=pl.String)
        else:
            round_cap = pl.Series("truncated_round_cap", [None] * n, dtype=pl.String)
        flags = {
            "truncated": truncated,
            "truncated_unterminated": pr["unterminated"] & filled,
            "truncated_mid_word": mid & filled,
            "truncated_unbalanced": unbalanced & filled,
            "truncated_trailing_space": trailing & filled,
            "truncated_tail": (e["ellipsis"] | e["phrase"] | pr["tail"]) & filled,
            "truncated_round_cap": None,
            "truncated_length_spike": spike & filled,
        }
        signals = {
            k: round_cap if v is None else pl.Series(k, v, dtype=pl.Boolean)
            for k, v in flags.items()
        }
        return RuleResult(signals=signals, fired=signals["truncated"])

    @staticmethod
    def _last_line_tests() -> list[pl.Expr]:
        """The tests _last_prose makes on the last line of every document (with
        LAST_LINE_FIRST; evaluate's query computes them): `_whole` (_whole_last_line) and
        _line_ends' columns."""
        if not LAST_LINE_FIRST:
            return []
        ends = _line_ends(pl.col("last_line"))
        return [_whole_last_line().alias("_whole"), *(e.alias(k) for k, e in ends.items())]

    def _last_prose(self, batch: Batch, ends: pl.DataFrame) -> tuple[pl.DataFrame, pl.Series]:
        """Per document, in the batch's order (`__doc`, then each a bool, null where false):
        is the last prose line unterminated (`unterminated`), does it end in a word that
        continues (`last_cont`), does it leave a quote or bracket open (`unbalanced`), is a code
        fence left open (`fence_open`), does the last prose line end in an ellipsis (`tail`,
        `tail_strong`: one that fires), and does the last non-blank line look unfinished
        (`last_line_open`: neither punctuated nor a tag, link or rule). `ends`: per document of
        the batch, `__doc`, `text`, `stripped` and `last_line` (evaluate), `all_end` (the text
        is no longer than END_CHARS) and `fenced` (it holds ```). With it, `after_word` per
        row of `ends` (_ellipsis_words)."""
        p = self.params
        # Most documents end in a prose line that is punctuated (or ends in a word such as "the"):
        # the verdict is then that line's alone, so the last line is judged first, and the whole
        # tail (how the document punctuates its other lines) only where it is needed. The result
        # is the same as judging every line of the tail (tests/checks/test_truncation.py). The
        # last line comes from the end of the text, not from splitting all of it (six documents
        # in ten of web text end in a punctuated line that is not a rule, a tag or a link: it is
        # their last prose line, whatever the skip tests say). Judging the last two lines of the
        # others next (session 3) costs more than it spares on the whole tails (one stage of
        # polars calls and line patterns more: 6 % of the rule on web-20k, 13 % on web-unique).
        # (the frames are lazy where they feed another query: each eager DataFrame method is a
        # query of its own, 30-100 us of planning and Python whatever the batch)
        by_last = []
        docs_left = ends.lazy().select(DOC, "text")
        whole_lines = None
        if LAST_LINE_FIRST:
            if "_whole" not in ends.columns:
                ends = ends.with_columns_seq(*self._last_line_tests())
            # (a last line's `term` counts only where the line is whole and may be prose: the
            # documents decided by their last line, see _by_last_exprs; LAST_LINE_ONLY_WHOLE)
            only = ends.get_column("_whole") & ~ends.get_column("never")
            last = _finished(ends, "last_line", only if LAST_LINE_ONLY_WHOLE else None)
            if WHOLE_LAST_LINE and NUMPY_PER_DOC and BRACKET_BYTES:
                whole_lines = _whole_last_lines(ends, last)
            alone, decided_select, left = _by_last_exprs()
            by_last = [last.lazy().filter(alone).select(*decided_select)]
            # (the same test on the Series, direct calls: does any document need its tail)
            get = last.get_column
            decided = (get("_whole") & ~get("never") & (get("term") | get("cont"))).fill_null(False)
            if whole_lines is not None:
                judged = np.zeros(last.height, dtype=np.bool_)
                judged[whole_lines[0]] = True
                left = left & ~pl.lit(pl.Series(judged))
                decided = decided | pl.Series(judged)
            docs_left = last.lazy().filter(left).select(DOC, "text")
            any_left = not decided.all()
        else:
            any_left = True
        numpy = NUMPY_PER_DOC and LAST_LINE_FIRST and BRACKET_BYTES
        full = None
        if any_left or not SKIP_EMPTY:
            # (the line tests on a thread of their own: see OWN_THREAD)
            tails = _tail_lines(docs_left, lazy=SPLIT_WITH_TESTS)
            full = _on_thread(f"{self.name}/lines", self._line_kinds, tails)
        if numpy:
            per_doc = _per_doc_numpy(last, full, p.min_terminated_share, whole_lines)
        else:
            if full is not None:
                tails = full.lazy().group_by(DOC).agg(*_tail_aggs())
                per_doc = pl.concat([*by_last, tails])
            else:
                # every document is decided by its last line: no tail is split or tested
                (per_doc,) = by_last
            per_doc = per_doc.with_columns_seq(*_per_doc_exprs(p.min_terminated_share)).collect(
                **COLLECT
            )
        # The rarer tests run on the lines they can hold for alone, and are written back by row:
        # whether a tail fires (one document in a hundred ends in one), and which brackets or
        # quotes are left open (only a line holding one can leave one open).
        after_word, tail_strong = _ellipsis_words(ends, per_doc)
        if BRACKET_BYTES:
            unbalanced = _unbalanced_bytes(per_doc.get_column("last"))
        else:
            unbalanced = _unbalanced_counted(
                per_doc.get_column("last"), per_doc.get_column("_chars")
            )
        # only a document holding ``` can leave a code fence open: its lines alone are counted
        fenced = ends.filter(pl.col("fenced")) if ends.get_column("fenced").any() else None
        ids = batch.docs.get_column(DOC)
        if SCATTER_BY_DOC and fenced is None and _in_order(ids):
            # the documents are numbered by their rows: each value is written at its row
            rows = per_doc.get_column(DOC).to_numpy()
            columns = {c: per_doc.get_column(c) for c in ("unterminated", "last_cont", "tail")}
            columns["last_line_open"] = per_doc.get_column("last_line_open")
            columns["tail_strong"], columns["unbalanced"] = tail_strong, unbalanced
            out = [ids]
            for name, values in columns.items():
                full = np.zeros(len(ids), dtype=np.bool_)
                full[rows] = _bools(values)
                out.append(pl.Series(name, full))
            out.append(pl.Series("fence_open", np.zeros(len(ids), dtype=np.bool_)))
            return pl.DataFrame(out), after_word
        per_doc = per_doc.lazy().select(
            DOC,
            "unterminated",
            "last_cont",
            "tail",
            "last_line_open",
            tail_strong.alias("tail_strong"),
            unbalanced.alias("unbalanced"),
            *([] if fenced is not None else [pl.lit(None, dtype=pl.Boolean).alias("fence_open")]),
        )
        if fenced is not None:
            fences = (
                fenced.lazy()
                .select(DOC, pl.col("text").str.split("\n").alias(LINE))
                .explode(LINE)
                .group_by(DOC)
                .agg(
                    (
                        pl.col(LINE).str.strip_chars_start().str.starts_with("```").sum() % 2 == 1
                    ).alias("fence_open")
                )
            )
            per_doc = per_doc.join(fences, on=DOC, how="left")
        aligned = (
            batch.doc_index.lazy()
            .join(per_doc, on=DOC, how="left", maintain_order="left")
            .collect(**COLLECT)
        )
        return aligned, after_word

    def _line_kinds(self, lines: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
        """Per line (`__doc`, `s` the stripped non-blank line, `_r` its position from the end of
        its document; each document's lines consecutive, top to bottom; a frame or the query
        that makes it), in the same order: is
        it prose, terminated, long (a sentence), does it end in a word that continues, and is
        it open (neither punctuated nor a tag or link). With PRUNE_ABOVE, a line that is not
        long, above a line that is prose whatever the skip tests say, is dropped before the
        tests (_pruned, _prose_below: it can be neither the last prose line nor counted), so
        fewer rows may come back; without it, every line, in the same order."""
        p = self.params
        s = pl.col("s")
        x = _line_kind_exprs(p.max_title_case_share, p.min_last_line_words, p.min_prose_words)
        ends, labelled, one_sentence = x["ends"], x["labelled"], x["one_sentence"]
        short, counts, title, opened = x["short"], x["counts"], x["title"], x["opened"]
        if not PRUNE_ABOVE:
            first = {**ends} if NUMPY_SEPARATORS else {**ends, "long": x["long"]}
            tested = lines.with_columns_seq(**first)
            lines = _finished(tested.collect(**COLLECT) if _is_lazy(tested) else tested, "s")
            if NUMPY_SEPARATORS:
                lines = _with_separators(lines)
        else:
            lines = self._pruned(lines, ends)
        # the skipped lines, written by row (where joining the three sets back costs a hash join)
        skip = np.zeros(lines.height, dtype=np.bool_)
        if NUMPY_SEPARATORS:
            # the candidates and `short` from the columns and the separators' count, in numpy
            # (the plain definition's query below)
            get = lines.get_column
            term, never, cont, long = (_bools(get(c)) for c in ("term", "never", "cont", "long"))
            maybe = ~term & ~never & ~cont & (long | ~_prose_below(lines).to_numpy())
            at = np.flatnonzero(maybe)
            seps = get("_w").to_numpy()[at]
            # _at_least_words(s, n) is seps >= n - 1 (and true for n <= 1: never short)
            need = np.where(
                get("_r").to_numpy()[at] == 0, p.min_last_line_words - 1, p.min_prose_words - 1
            )
            short_at = seps < need
            skip[at] = short_at
            rows = at[~short_at]
            longer = None
            # (the query runs only where rows are left: see SKIP_EMPTY)
            if len(rows) or not SKIP_EMPTY:
                longer = (
                    pl.DataFrame([pl.Series("_i", rows, dtype=pl.UInt32), get("s").gather(rows)])
                    .lazy()
                    .with_columns_seq(labelled.alias("labelled"), one_sentence.alias("one"))
                    .collect(**COLLECT)
                )
        else:
            # (each frame is one lazy query: each eager DataFrame method is a query of its own)
            candidates = (
                lines.lazy()
                .with_row_index("_i")
                .filter(
                    ~pl.col("term")
                    & ~pl.col("never")
                    & ~pl.col("cont")
                    & (pl.col("long") | ~pl.lit(_prose_below(lines)))
                )
                .with_columns(short.alias("short"))
                .collect(**COLLECT)
            )
            longer = None
            # (the next query runs only where the last one left rows: see SKIP_EMPTY)
            if candidates.height or not SKIP_EMPTY:
                at = candidates.get_column("_i").to_numpy()
                skip[at] = candidates.get_column("short").to_numpy()
                longer = (
                    candidates.lazy()
                    .filter(~pl.col("short"))
                    .with_columns_seq(labelled.alias("labelled"), one_sentence.alias("one"))
                    .collect(**COLLECT)
                )
        if longer is not None:
            skip[longer.get_column("_i").to_numpy()] = longer.get_column("labelled").to_numpy()
            if (longer.height or not SKIP_EMPTY) and NUMPY_TITLE:
                # (the rows by Series operations, direct calls; the counts in numpy)
                rows = ~longer.get_column("labelled") & longer.get_column("one")
                at = longer.get_column("_i").filter(rows).to_numpy()
                skip[at] = _title_case(longer.get_column("s").filter(rows), p.max_title_case_share)
            elif longer.height or not SKIP_EMPTY:
                titled = (
                    longer.lazy()
                    .filter(~pl.col("labelled") & pl.col("one"))
                    .select_seq("_i", **counts)
                    .select("_i", title.alias("t"))
                    .collect(**COLLECT)
                )
                skip[titled.get_column("_i").to_numpy()] = titled.get_column("t").to_numpy()
        lines = lines.select(
            DOC,
            s,
            (~pl.col("never") & ~pl.lit(pl.Series(skip))).alias("prose"),
            pl.col("term"),
            pl.col("long"),
            pl.col("cont"),
            opened.alias("open"),
        )
        return lines

    @staticmethod
    def _pruned(lines: pl.DataFrame | pl.LazyFrame, ends: dict[str, pl.Expr]) -> pl.DataFrame:
        """_line_kinds' lines with _line_ends' columns and `long`, without the lines that count
        for nothing, and `term` completed (_finished) only where it counts. A line that is not
        long, above a line that ends in a stop and is not never prose (which is prose whatever
        the skip tests say: _prose_below), is neither its document's last prose line nor its
        last line nor counted among the sentences: it is dropped before the other tests
        (a third of web-unique's tail lines). Whether a line is finished (LINE_FINISHED) counts
        only where it can be the last prose line or a sentence: not for a line that is never
        prose, nor for one that is not long above a line that is prose whatever the skip tests
        say."""
        s = pl.col("s")
        first = {"term": ends["term"], "never": ends["never"]}
        if not NUMPY_SEPARATORS:
            first["long"] = _at_least_words(s, SENTENCE_WORDS)
        tested = lines.with_columns_seq(**first)
        lines = tested.collect(**COLLECT) if _is_lazy(tested) else tested
        if NUMPY_SEPARATORS:
            lines = _with_separators(lines)
        term, never, long = (lines.get_column(c) for c in ("term", "never", "long"))
        drop = _below(term, never, lines.get_column(DOC)) & ~long.to_numpy()
        if drop.any():
            lines = lines.filter(pl.Series(~drop))
        # (a single expression: it runs on this thread, see OWN_THREAD)
        lines = lines.with_columns(cont=ends["cont"])
        term, never, long, cont = (lines.get_column(c) for c in ("term", "never", "long", "cont"))
        below = pl.Series(_below(term | cont, never, lines.get_column(DOC)))
        again = (long | ~below) & ~term & ~never
        if not again.any():
            return lines
        (whole,) = _on_some_rows(lines, again, [s.str.contains(LINE_FINISHED)], False)
        return lines.with_columns(term | whole)

    def _mid_word(
        self, batch: Batch, end: pl.Series, ends: pl.DataFrame | None = None
    ) -> pl.Series:
        """The last word is a fragment of a longer word of the same document (the document is its
        own dictionary, in any language that separates words), or the text ends in a broken
        character, a half HTML entity or a hyphenated word break. `end`: the texts' last
        END_CHARS characters (`ends`: evaluate's frame, with _broken_tests' columns)."""
        broken = _broken_end(end, ends)
        x = _mid_word_exprs()
        # (each frame is one lazy query: each eager DataFrame method is a query of its own)
        docs = (
            pl.DataFrame([batch.docs.get_column(DOC), end.alias("text")])
            .lazy()
            .select_seq(*x["last_word"])
            .with_columns(x["lower"])
            .filter(x["has_word"])
            .with_columns(x["stub"])
            .collect(**COLLECT)
        )
        if docs.height == 0:
            return broken
        if MID_WORD_BYTES:
            return broken | self._mid_word_bytes(batch, docs)
        if ASCII_LOWER:
            # (the texts lower-cased outside the query: most in numpy, see _lowered_texts)
            joined = (
                batch.docs.lazy()
                .select(DOC, "text")
                .join(docs.lazy(), on=DOC, how="inner")
                .collect(**COLLECT)
            )
            lowered = _lowered_texts(joined).lazy().filter(x["twice"])
        else:
            lowered = (
                batch.docs.lazy()
                .join(docs.lazy(), on=DOC, how="inner")
                .with_columns(x["lowered"])
                .filter(x["twice"])
            )
        pieces = (
            lowered.select(*x["split"])
            .with_columns(x["count"])
            .explode("p")
            .with_columns(*x["numbered"])
        )
        per_doc = (
            pieces.with_columns_seq(*x["kinds"]).filter(x["not_last"]).group_by(DOC).agg(x["mid"])
        )
        stub = docs.lazy().select(DOC, "stub")
        # two left joins align both to the batch (the cut words' documents are among the stubs')
        # (not in parallel: a join's two sides otherwise run on polars' pool thread, per_doc's
        # regexes with them, see evaluate)
        found = (
            batch.doc_index.lazy()
            .join(
                stub.join(per_doc, on=DOC, how="left", allow_parallel=False),
                on=DOC,
                how="left",
                maintain_order="left",
                allow_parallel=False,
            )
            .select(x["found"])
            .collect(**COLLECT)
            .to_series()
        )
        return broken | found

    @staticmethod
    def _mid_word_bytes(batch: Batch, docs: pl.DataFrame) -> pl.Series:
        """_mid_word's `found` per document of the batch, with MID_WORD_BYTES: `docs` (`__doc`,
        `raw`, `w`, `stub`) the documents whose text ends in a word."""
        ids = batch.docs.get_column(DOC)
        in_order = _in_order(ids)
        rows = docs.get_column(DOC)
        if in_order:
            # the documents are numbered by their rows: their texts taken by row (no join)
            text = batch.docs.get_column("text").gather(rows)
            joined = pl.DataFrame([rows, text, *(docs.get_column(c) for c in ("raw", "w", "stub"))])
        else:
            joined = (
                batch.docs.lazy()
                .select(DOC, "text")
                .join(docs.lazy(), on=DOC, how="inner")
                .collect(**COLLECT)
            )
        if ASCII_LOWER:
            lowered = _lowered_texts(joined)
        else:
            lowered = joined.with_columns_seq(_mid_word_exprs()["lowered"])
        found = _bools(lowered.get_column("stub")) | _mid_by_bytes(lowered)
        if in_order:
            full = np.zeros(len(ids), dtype=np.bool_)
            full[lowered.get_column(DOC).to_numpy()] = found
            return pl.Series(full)
        frame = pl.DataFrame([lowered.get_column(DOC), pl.Series("found", found)])
        aligned = batch.doc_index.join(frame, on=DOC, how="left", maintain_order="left")
        return pl.Series(_bools(aligned.get_column("found")))

    def _corpus_mid_word(self, batch: Batch, end: pl.Series) -> pl.Series:
        """The text ends in a word (two letters or more after a space, a quote or a bracket)
        that longer words of the other documents start with more than `corpus_prefix_ratio`
        times as often as it occurs whole in them: the corpus as the dictionary of the mid-word
        test. The document's own occurrences are taken out of both counts. `end`: the texts'
        last END_CHARS characters."""
        words = (batch.corpus.get(self.name) or {}).get("words")
        none = pl.Series([False] * batch.n, dtype=pl.Boolean)
        if not words:
            return none
        docs = (
            batch.docs.select(
                DOC,
                end.str.extract(r"(?:^|[\s\"'“‘(\[¿¡])([\p{L}\p{M}]{2,})$", 1)
                .str.to_lowercase()
                .alias("w"),
            )
            .filter(pl.col("w").is_not_null())
            .with_columns(pl.col("w").hash(seed=WORDS_SEED).alias("h"))
        )
        if docs.height == 0:
            return none
        whole = words["whole"].rename({"n": "whole"})
        prefix = words["prefix"].rename({"n": "prefix"})
        ratio = self.params.corpus_prefix_ratio
        totals = (
            docs.join(whole, on="h", how="left")
            .join(prefix, on="h", how="left")
            .with_columns(pl.col("whole").fill_null(0), pl.col("prefix").fill_null(0))
            .filter(pl.col("prefix") > 0)
            .join(batch.docs.select(DOC, "text"), on=DOC, how="left")
            # only the candidates' texts are lower-cased
            .with_columns(pl.col("text").str.to_lowercase())
        )
        # The document's own occurrences come out of both counts. Counting them needs a regex
        # per document; a literal count (which also finds the word inside longer words) bounds
        # them from above, and only the documents that can still fire with it are counted exactly.
        bound = pl.col("text").str.count_matches(pl.col("w"), literal=True)
        totals = totals.filter(pl.col("prefix") > ratio * (pl.col("whole") - bound))
        letters = r"\p{L}\p{M}"
        before = pl.lit(f"(?:^|[^{letters}])")
        judged = totals.with_columns(
            (
                pl.col("whole")
                - pl.col("text").str.count_matches(
                    pl.concat_str(before, "w", pl.lit(f"(?:$|[^{letters}])"))
                )
            )
            .clip(0)
            .alias("whole"),
            (
                pl.col("prefix")
                - pl.col("text").str.count_matches(
                    pl.concat_str(before, "w", pl.lit(f"[{letters}]"))
                )
            )
            .clip(0)
            .alias("prefix"),
        ).with_columns(
            ((pl.col("prefix") > 0) & (pl.col("prefix") > ratio * pl.col("whole"))).alias("cut")
        )
        return batch.per_doc(judged, "cut", False)

    @staticmethod
    def _lengths(text: pl.Series) -> dict[str, pl.Series]:
        # (the two lengths in one query: a Series method is a query of its own)
        both = pl.DataFrame([text]).select(*_SIZED_EXPRS[:2])
        return {
            "chars": both.get_column("chars"),
            "bytes": both.get_column("bytes"),
            "tokens": whitespace_tokens(text),
        }

    # -- corpus pass: spikes in the length histogram -----------------------------------------------
    # collect: per unit, a Histogram: length -> (documents, up to 8 smallest text hashes). The
    # hashes tell a cap (many different texts of one length) from a pile of duplicates (one text
    # many times).
    HASHES = 8

    def collect(self, batch: Batch) -> dict[str, Any]:
        original = batch.original
        text = original.fill_null("") if original.null_count() else original
        # the lengths and the hashes in one query (a Series method is a query of its own)
        sized = pl.DataFrame([text]).select(*_SIZED_EXPRS)
        keys = np.empty((len(UNITS), len(text)), dtype=np.int64)
        keys[0] = sized.get_column("chars").to_numpy()
        keys[1] = sized.get_column("bytes").to_numpy()
        keys[2] = whitespace_tokens(text).to_numpy()
        hashes = sized.get_column("hash").to_numpy()
        if self.params.judge_original:
            # (evaluate counts the tokens of the texts as it came in only when it judges those)
            _keep_tokens(keys[0], keys[1], keys[2], hashes)
        low = keys < self.params.min_spike_length
        keys += (np.arange(len(UNITS), dtype=np.int64) << UNIT_SHIFT)[:, None]
        out: dict[str, Any] = {LENGTHS_KEY: _histogram(keys, hashes, low, self.HASHES)}
        if self.params.corpus_dictionary:
            out[WORDS_KEY] = _collect_words(text)
        return out

    def merge(self, a: Any, b: Any) -> Any:
        if a is None or b is None:
            return b if a is None else a
        out = {LENGTHS_KEY: _merge_histograms(a[LENGTHS_KEY], b[LENGTHS_KEY], self.HASHES)}
        words = _merge_words(a.get(WORDS_KEY), b.get(WORDS_KEY))
        if words is not None:
            out[WORDS_KEY] = words
        return out

    def finish(self, aggregate: Any) -> dict[str, Any]:
        """Spikes: lengths shared by many distinct documents, far above the lengths around them
        (within 5 %), and the highest count within 1 % (a cap at 1,500 characters also piles up
        documents at 1,504 bytes: only the first is the cause)."""
        p = self.params
        found = []
        words = (aggregate or {}).get(WORDS_KEY)
        empty = np.zeros((len(UNITS), 0), dtype=np.int64)
        hist = (aggregate or {}).get(LENGTHS_KEY) or _histogram(
            empty, np.zeros(0, dtype=np.uint64), empty == 0, self.HASHES
        )
        # the documents within a window are a difference of two running totals of the counts,
        # its lengths found by bisection, for all lengths at once; the few spikes left are
        # checked against the lengths near them one by one (the units' keys lie 2**UNIT_SHIFT
        # apart: no window reaches another unit)
        n, c = hist.n, hist.c
        kept = hist.k
        offset = np.cumsum(kept) - kept
        at = np.flatnonzero((c >= p.min_spike_documents) & (kept >= np.minimum(self.HASHES, c)))
        total = np.zeros(len(n) + 1, dtype=np.int64)
        np.cumsum(c, out=total[1:])
        key, count = n[at], c[at]
        length = key & ((1 << UNIT_SHIFT) - 1)
        window = np.maximum(10, length // 20)
        lo = np.searchsorted(n, key - window, "left")
        hi = np.searchsorted(n, key + window, "right")
        # (the counts around n: those of the window but n's own)
        expected = (total[hi] - total[lo] - count) / (2 * window)
        tall = count >= p.spike_factor * expected
        near = np.maximum(10, length // 100)
        lo = np.searchsorted(n, key - near, "left")
        hi = np.searchsorted(n, key + near, "right")
        for i in np.flatnonzero(tall).tolist():
            m, cm = n[lo[i] : hi[i]], c[lo[i] : hi[i]]
            km, cn = key[i], count[i]
            if not ((cm < cn) | ((cm == cn) & (m > km)) | (m == km)).all():
                continue
            first = offset[at[i]]
            found.append(
                {
                    "unit": UNITS[km >> UNIT_SHIFT],
                    "length": int(length[i]),
                    "documents": int(cn),
                    "around": round(float(expected[i]), 3),
                    "hashes": tuple(hist.h[first : first + kept[at[i]]].tolist()),
                }
            )
        # The documents of a cap pile up in the other units too when they are alike (ASCII text
        # has as many bytes as characters). A spike whose documents all belong to a larger one is
        # the same spike: its smallest hashes below the larger spike's largest kept hash are all
        # among the larger spike's (the kept hashes are the smallest of each set).
        found.sort(key=lambda s: (-s["documents"], s["unit"] != "chars", s["unit"], s["length"]))
        spikes: list[dict[str, Any]] = []
        for s in found:
            if not any(_contained(s["hashes"], big["hashes"]) for big in spikes):
                spikes.append(s)
        finished: dict[str, Any] = {
            "spikes": [{k: v for k, v in s.items() if k != "hashes"} for s in spikes]
        }
        if words is not None:
            finished["words"] = words
        return finished

    def corpus_summary(self, finished: Any) -> dict[str, Any]:
        spikes = (finished or {}).get("spikes", [])
        unit_words = {"chars": "characters", "bytes": "bytes", "tokens": "whitespace tokens"}
        return {
            "spikes": [{k: s[k] for k in ("unit", "length", "documents")} for s in spikes],
            "notes": [
                f"{s['documents']:,} documents are exactly {s['length']:,} "
                f"{unit_words[s['unit']]} long"
                for s in spikes
            ],
        }
