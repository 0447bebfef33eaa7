"""Boilerplate: the page around the article (menus, widgets, "read more", cookie, copyright).

`boilerplate-lines` is a line classifier. Each non-blank line gets a *shape* (long sentence-like
text, medium, short) and may carry a *hard* boilerplate reason (a phrase from the multilingual
lists, a widget of tiny tokens, a line without letters, an editor tag, a byline or dateline, a list
of links, a line recurring across the corpus). Short and medium lines without a hard reason are
then judged by their context, as jusText does: a short line between two content paragraphs is a
subheading or a list item, a short line among menus is a menu. Everything runs over all the
batch's lines at once (polars expressions, numpy over the lines' bytes); the corpus pass counts
line hashes, never keeps texts beyond a small sample of the most frequent lines for the report.
Within a run, what both passes compute per line is kept for the lines met again in later batches
(a bounded memo in the process: `_LineMemo`).
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

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
    large_strings,
    line_chars,
    param,
    run_cache,
    string_bytes,
    unicode_space,
)
from curate.checks.regex_thread import run_in_own_thread
from curate.checks.words import (
    batch_distinct_lines,
    distinct_lines,
    probe,
    referenced_lines,
    take_sorted,
)

# -- line shapes -----------------------------------------------------------------------------------

# scripts written without spaces between words: a character counts as half a word (a Chinese word
# is about two characters long)
CJK = r"[\p{Han}\p{Hiragana}\p{Katakana}]"
# scripts written without spaces at all between words (Thai, Lao, Khmer, Burmese, Tibetan): four
# characters count as a word (about a syllable and a half)
UNSPACED = r"[\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}\p{Tibetan}]"
# a run of non-space, non-CJK characters starting at a letter or digit is one word
WORD = r"[\p{L}\p{N}][^\s\p{Han}\p{Hiragana}\p{Katakana}]*"
# C4 keeps lines ending in . ? ! " ' (Raffel et al. 2020); we add the closing quotes, brackets and
# full stops of other scripts (CJK, Devanagari, Arabic, Ethiopic, Burmese, Tibetan, Khmer). An
# ellipsis is no sentence end (C4 too): it ends teasers.
TERMINAL = r"[.!?\"'”’»」』)\]。！？।॥۔؟።။།។៕]$"
ELLIPSIS = r"(?:\.\.\.|…)[\"'”’»)\]]?$"
# Lines of tiny tokens only: font-size and share widgets ("A", "A A A", "A+ A-"), pagers
# ("1 2 3 4"), separators ("+ -", "|", "***"). Every token is at most 2 characters long, and
# CJK characters are excluded (two Chinese characters are a word).
_TINY = r"[^\s\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]{1,2}"
WIDGET = rf"^{_TINY}(?:\s+{_TINY}){{0,7}}$"
# a widget on a line with single spaces only: 8 tokens of 2 characters and 7 spaces
WIDGET_MAX_BYTES = 8 * 2 + 7
# ... and at most 8 tokens of 2 characters in all
WIDGET_MAX_CHARS = 8 * 2
# Editor and reporter tags at the end of Indonesian/Malay news: "(esn)", "(ant/dn)", "(*)".
# ("{1,12}" is checked apart, by EDITOR_TAG_MAX_CHARS: twelve copies of the Unicode \w class made
# the regex cost 4 ms to compile, paid in every batch; see _feature_arrays)
EDITOR_TAG = r"^\(\s*[\w*/.,\- ]+\)$"
EDITOR_TAG_MAX_CHARS = 12
# What `(?i)\p{L}` matches (U+0345 folds to a Greek iota): written out, case-insensitive matching
# is needed only for the keywords, and the regexes compile several times faster (polars keeps few
# compiled regexes, so every batch compiles them again)
LETTER = r"[\p{L}\x{345}]"
# Bylines: "By Jane Doe", "Oleh: Budi", "Von Max Muster", "Par Jean Dupont", "Por Ana Ruiz",
# "Door Jan Jansen", "Автор: Иван Петров" (a name follows; the whole line stays short).
BYLINE_WORDS = ("by", "oleh", "von", "par", "por", "door", "автор", "от")
BYLINE = (
    rf"^(?i:{'|'.join(BYLINE_WORDS)})\s*:?\s+"
    rf"\p{{Lu}}{LETTER}*(?:[\s.,'&-]+{LETTER}+){{0,5}}\s*$"
)
# Datelines and timestamps: a short line made of a date or a time and a few words
# ("Rabu, 15 Oktober 2014 10:30 WIB", "November 18, 2019 11:03 PM", "18.11.2019", "3 hours ago").
# (?-u:\b): ASCII word boundaries keep the regex on the fast DFA path (digits are ASCII here)
# (the month name of "November 18, 2019" needs no upper bound: three letters before the day are
# a match wherever a longer name is)
DATETIME = (
    r"(?:(?-u:\b)\d{1,2}[:.]\d{2}(?-u:\b)"  # 10:30, 11.03
    r"|(?-u:\b)\d{1,4}[/.\-]\d{1,2}[/.\-]\d{2,4}(?-u:\b)"  # 15/10/2014, 2019-11-18
    rf"|(?-u:\b)\d{{1,2}}\.?\s+{LETTER}{{3,12}}\.?,?\s+(?:19|20)\d{{2}}(?-u:\b)"  # 15 Oktober 2014
    rf"|{LETTER}{{3}}\.?\s+\d{{1,2}},?\s+(?:19|20)\d{{2}}(?-u:\b)"  # November 18, 2019
    r"|(?-u:\b)\d+\s*(?i:min|mins|minutes?|hours?|hrs?|days?|weeks?|jam|menit|hari)\s+"
    r"(?i:ago|lalu)(?-u:\b))"
)
# Lines of WIDGET, EDITOR_TAG and BYLINE have at most this many words: 8 tokens of at most 2
# characters (WORD counts each once, unspaced scripts add a quarter word a character); 12
# characters in an editor tag, each a CJK word and a half
SHORT_REASONS_MAX_WORDS = 18
# Text features are computed once per distinct line when at most this share of a batch's
# non-blank lines are distinct (below it the saving outweighs the join back)
DEDUP_MAX_SHARE = 0.8
# Any of the scripts whose characters CJK and UNSPACED count
SCRIPTS = r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}\p{Tibetan}]"
# A line where WORD does not simply count the spaces + 1: whitespace other than single spaces,
# a token without a letter or digit ("-", "|", "***"), or a CJK character (a word of its own)
ODD_SPACING = r"[^\S ]|(?:^|\s)[^\s\p{L}\p{N}]*(?:\s|$)|[\p{Han}\p{Hiragana}\p{Katakana}]"
# a word starting upper-case
CAP = r"(?:^|\s)\p{Lu}"
# Lists of links flattened into one line: "Home | News | Sport", "Home » World » Asia".
LINK_SEPARATOR = r"\s(?:\||·|•|»|›|>|/|::)\s"


def _questions() -> dict[str, pl.Expr]:
    """The regex questions `_feature_arrays` asks of the stripped lines `_s`, built once (they
    depend on no parameter; building a dozen expressions cost ~0.2 ms a batch)."""
    s = pl.col("_s")
    return {
        "odd_spacing": s.str.contains(ODD_SPACING),
        "words": s.str.count_matches(WORD),
        "scripts": s.str.contains(SCRIPTS),
        "cjk": s.str.count_matches(CJK),
        "unspaced": s.str.count_matches(UNSPACED),
        "terminal": s.str.contains(TERMINAL) & ~s.str.contains(ELLIPSIS),
        "caps": s.str.count_matches(CAP),
        "widget": s.str.contains(WIDGET),
        "byline": s.str.contains(BYLINE),
        "editor_tag": s.str.contains(EDITOR_TAG)
        & (s.str.slice(1).str.strip_chars_start().str.len_chars() <= EDITOR_TAG_MAX_CHARS + 1),
        "letter": s.str.contains(r"\p{L}"),
        "datetime": s.str.contains(DATETIME),
        "link_list": s.str.count_matches(LINK_SEPARATOR) >= 2,
    }


@lru_cache(maxsize=32)
def _at_most_chars(limit: int) -> pl.Expr:
    return pl.col("_s").str.len_chars() <= limit


@lru_cache(maxsize=32)
def _lower_contains(pattern: str) -> pl.Expr:
    return pl.col("_l").str.contains(pattern)


_Q = _questions()

# the features' columns (`_feature_arrays`) and their types, as numpy arrays
_FEATURE_ARRAYS = {
    "_w": np.float64,
    "_t": np.bool_,
    "_caps": np.float64,
    "_long": np.bool_,
    "_why": np.uint8,
    "_colon": np.bool_,
    "_phr": np.uint8,
}
REASONS = (
    "phrase",
    "widget",
    "symbols",
    "editor_tag",
    "byline",
    "datetime",
    "link_list",
    "recurring",
    "context",
)

# -- phrase lists ----------------------------------------------------------------------------------

SECTIONS = ("line", "start", "anywhere")
DATA_PREFIX = "boilerplate-"


def _data_dir() -> Path:
    from importlib.resources import files

    return Path(str(files("curate.data")))


def shipped_languages() -> tuple[str, ...]:
    """Languages with a phrase list in the package (curate/data/boilerplate-<lang>.txt)."""
    return tuple(
        sorted(p.stem[len(DATA_PREFIX) :] for p in _data_dir().glob(DATA_PREFIX + "*.txt"))
    )


def parse_phrase_file(text: str, source: str = "<phrases>") -> dict[str, list[str]]:
    """A phrase file: `[line]`, `[start]`, `[anywhere]` sections, a phrase a line, `#` comments."""
    out: dict[str, list[str]] = {s: [] for s in SECTIONS}
    section = "start"
    for i, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r"\[(\w+)\]", line)
        if m:
            if m.group(1) not in SECTIONS:
                raise ValueError(
                    f"{source}:{i}: unknown section [{m.group(1)}]; valid: {', '.join(SECTIONS)}"
                )
            section = m.group(1)
            continue
        out[section].append(line.lower())
    return out


@lru_cache(maxsize=32)
def load_phrases(
    languages: tuple[str, ...], files: tuple[str, ...], extra: tuple[str, ...]
) -> dict[str, tuple[str, ...]]:
    """Merged phrase lists: the shipped languages (all when empty), the user's files, and extra
    [start] phrases."""
    merged: dict[str, set[str]] = {s: set() for s in SECTIONS}
    shipped = shipped_languages()
    for lang in languages or shipped:
        path = _data_dir() / f"{DATA_PREFIX}{lang}.txt"
        if not path.exists():
            raise ValueError(
                f"no boilerplate phrase list for language {lang!r}; shipped: {', '.join(shipped)}"
            )
        for sec, items in parse_phrase_file(path.read_text("utf-8"), str(path)).items():
            merged[sec].update(items)
    for f in files:
        try:
            text = Path(f).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise ValueError(f"phrase file {f}: cannot read it ({e.__class__.__name__})") from None
        for sec, items in parse_phrase_file(text, f).items():
            merged[sec].update(items)
    merged["start"].update(p.lower().strip() for p in extra if p.strip())
    # longest first, so that the regex alternation prefers the longer phrase
    return {s: tuple(sorted(v, key=lambda p: (-len(p), p))) for s, v in merged.items()}


def _escape(phrase: str) -> str:
    return re.escape(phrase).replace(r"\ ", r"\s+")


# a prefix tree nested deeper than this (groups and repetitions): the plain alternation instead
# (the regex parser refuses nesting past 250); and for a phrase longer than TRIE_MAX_CHARS (the
# tree is written by recursion, a character a level)
TRIE_MAX_DEPTH = 100
TRIE_MAX_CHARS = 400


def _either(phrases: list[str] | tuple[str, ...]) -> str:
    """A regex matching exactly `phrases` (each as _escape writes it): '|'.join(map(_escape,
    phrases)) as a prefix tree ("read more|read on" as "read\\s+(?:more|on)"), the same
    language. Speed: every polars query starts the regex's lazy DFA empty (measured:
    bench/results/boilerplate.md), so building its states is most of a batch's phrase
    questions; with the phrases' common prefixes shared, a state holds one NFA state per
    distinct prefix instead of one per phrase (bench/bp_phrase_ab.py: 12-21 % less a batch)."""
    if any(len(phrase) > TRIE_MAX_CHARS for phrase in phrases):
        return "|".join(map(_escape, phrases))
    root: dict[str, dict] = {}
    for phrase in phrases:
        node = root
        for ch in phrase:
            node = node.setdefault(_escape(ch), {})
        node[""] = {}  # a phrase ends here
    body, depth = _tree(root)
    return body if depth <= TRIE_MAX_DEPTH else "|".join(map(_escape, phrases))


def _tree(node: dict[str, dict]) -> tuple[str, int]:
    """(the regex of the prefix tree below `node`, its nesting depth: groups and repetitions)."""
    alts, depth = [], 0
    for unit, child in sorted(node.items()):
        if unit:
            rest, d = _tree(child)
            alts.append(unit + rest)
            depth = max(depth, d)
    if not alts:
        return "", 0
    body = alts[0] if len(alts) == 1 else f"(?:{'|'.join(alts)})"
    depth += len(alts) > 1
    if "" in node:  # a phrase ends here, longer ones go on (a group in a repetition)
        return f"(?:{body})?", depth + 2
    return body, depth


def _alternation(phrases: tuple[str, ...]) -> str:
    # a phrase ending in a letter or digit must end at a word boundary ("share" must not match
    # "shared"); phrases ending in CJK characters or punctuation need none. One boundary for the
    # whole group keeps the compiled regex small.
    bounded = [p for p in phrases if _bounded(p)]
    is_bounded = set(bounded)
    free = [p for p in phrases if p not in is_bounded]
    parts = []
    if bounded:
        parts.append(f"(?:{_either(bounded)})(?:[^\\p{{L}}\\p{{N}}]|$)")
    if free:
        parts.append(f"(?:{_either(free)})")
    return "|".join(parts)


def _bounded(phrase: str) -> bool:
    # a phrase ending in a letter or digit must end at a word boundary (see _alternation)
    return re.search(r"[^\W\u3040-\u30ff\u4e00-\u9fff]$", phrase) is not None


@lru_cache(maxsize=32)
def phrase_regexes(phrases: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[str, str | None]:
    """Regexes over the lower-cased line, one per section (None when a section is empty)."""
    table = dict(phrases)
    out: dict[str, str | None] = {
        section: _section_regex(section, table[section]) if table.get(section) else None
        for section in ("line", "start", "anywhere")
    }
    out["notice_end"] = out["notice_pair"] = None
    if out["anywhere"]:
        alt = _alternation(table["anywhere"])
        out["notice_end"] = _notice_end(alt)
        out["notice_pair"] = _notice_pair(out["anywhere"], alt)
    return out


def _section_regex(section: str, items: tuple[str, ...], capture: bool = False) -> str:
    """The regex of one section's phrases over the lower-cased line: the whole line (`line`),
    its first words (`start`), anywhere between words (`anywhere`). `capture`: the phrase in
    group 1 (_which_phrase reads back which one hit)."""
    body = _either(items) if section == "line" else _alternation(items)
    group = f"({body})" if capture else f"(?:{body})"
    if section == "line":
        return rf"^[^\p{{L}}]*{group}[^\p{{L}}]*$"
    if section == "start":
        return rf"^[^\p{{L}}©ⓒ]*{group}"
    return rf"(?:^|[^\p{{L}}\p{{N}}]){group}"


# where the tail of a line may start: a sentence end, an opening bracket, a separator (and the
# line's start); a word of the tail holds none of them, nor ends with a sentence's end
_TAIL_START = r"(?:^|[.!?]\s|[(\[|•·–—])"
_TAIL_WORD = r"[^\s(\[|•·–—]*[^\s.!?(\[|•·–—]"


def _notice_end(alt: str) -> str:
    """An [anywhere] phrase (`alt`, _alternation's) closing the line: in the line's tail (after
    its last sentence end, opening bracket or separator, or the whole line) with at most
    NOTICE_LEAD_WORDS words before it there and NOTICE_END_WORDS after it: a photo credit
    ("... on Sunday. (AP Photo/Jane Roe)"), a footer's "All rights reserved.", a short line, but
    not the end of an article's sentence ("... broke its own privacy policy.")."""
    lead = rf"(?:\s*{_TAIL_WORD}\s+){{0,{NOTICE_LEAD_WORDS}}}(?:[^\s(\[|•·–—]*[^\p{{L}}\p{{N}}])?"
    return rf"{_TAIL_START}{lead}(?:{alt})\S*(?:\s+\S+){{0,{NOTICE_END_WORDS}}}$"


def _notice_pair(anywhere: str, alt: str) -> str:
    """Two [anywhere] phrases at most NOTICE_GAP_WORDS words apart (a word: a run of letters and
    digits): links in a row ("Terms of Service | Privacy Policy"), a run of trademark notices;
    not two phrases in different clauses of an article's sentence."""
    gap = rf"[^\p{{L}}\p{{N}}]*(?:[\p{{L}}\p{{N}}]+[^\p{{L}}\p{{N}}]+){{0,{NOTICE_GAP_WORDS}}}"
    return rf"{anywhere}{gap}(?:{alt})"


# An [anywhere] phrase in a sentence-like (long) line is a notice only with more evidence: an
# article sentence names a privacy policy, a photo agency or an affiliate commission too ("Under
# the new rules, brokers earn a commission only when ...", trial 14; "... had broken its own
# privacy policy.", "... and the privacy policy of the firm must say so", its review). The
# evidence (measured: bench/results/boilerplate.md, "Notices and article sentences"): a second
# phrase close by (_notice_pair), a copyright sign, the phrase in the line's short tail
# (_notice_end), or a word in which the site speaks as itself or to the reader (articles tell
# in the third person). NOTICE_VOICE holds those words of the languages with [anywhere] phrases
# written in Latin script, and the site naming itself ("this website"; not "this page", which
# the labellers of a ZDNet disclosure kept); the others need the other evidence.
NOTICE_END_WORDS = 3
NOTICE_LEAD_WORDS = 3
NOTICE_GAP_WORDS = 5
NOTICE_VOICE = (
    # en; id, ms; de; fr; es; pt; it; nl
    "we|our|you|your|kami|anda|wir|unser|unsere|unserer|unseren|nous|notre|nos|vous|votre|vos"
    "|nuestro|nuestra|nuestros|nuestras|usted|nosso|nossa|nossos|nossas|você|nostro|nostra"
    "|nostri|nostre|wij|onze"
    # the site naming itself, in the same languages
    "|this site|this website|situs ini|diese website|dieser website|ce site web|ce site internet"
    "|este sitio web|este site|questo sito web|deze website"
)
NOTICE_SIGNS = rf"[©ⓒ]|(?:^|[^\p{{L}}\p{{N}}])(?:copyright|{NOTICE_VOICE})(?:[^\p{{L}}\p{{N}}]|$)"


def _which_phrase(
    phrases: dict[str, tuple[str, ...]], section: str, low: pl.Series
) -> list[str | None]:
    """The phrase of `section` each of the lower-cased lines `low` holds where that section's
    regex (phrase_regexes) finds it: the same regex with the phrases captured, the capture read
    back as the phrase it spells (its spaces folded; a phrase ending in a letter or digit is
    captured with the character after it)."""
    items = phrases.get(section, ())
    if not items:
        return [None] * low.len()
    pattern = _section_regex(section, items, capture=True)
    known = set(items)
    out: list[str | None] = []
    for got in low.str.extract(pattern, 1).to_list():
        spelt = re.sub(r"\s+", " ", got) if got is not None else None
        if spelt is not None and spelt not in known and spelt[:-1] in known:
            spelt = spelt[:-1]
        out.append(spelt)
    return out


# -- the rule --------------------------------------------------------------------------------------


@register
class BoilerplateLines(Rule):
    """Lines that belong to the page, not to the document.

    Catches: menus and link lists, font-size and share widgets (`A`, `A A A`, `+ -`), "Read more" /
    "Baca juga" / "Lesen Sie auch" / "相关阅读" links, cookie, privacy and copyright notices,
    bylines, datelines and editor tags such as `(esn)`, "SCROLL TO CONTINUE WITH CONTENT", and
    lines that recur in many documents of the corpus (site templates, in any language).

    Why: web text keeps the page chrome around the article; a model trained on it learns menus.
    The usual answer, C4's line rules, also throws away much of the article (every line without
    a full stop: subheadings, list items, quotes): on human-labelled pages C4 loses about 40 % of
    the content lines. This rule removes as much chrome while keeping the article.

    How a line is judged (one line at a time, but in its context):
      1. hard reasons, each enough on its own: a phrase from the lists (`[line]`: the line is the
         phrase; `[start]`: a short line starts with it; `[anywhere]`: a notice-length line
         contains it; but a sentence (a sentence end after short_max_words words or more, or a
         long line), which an article may hold too ("Under the new rules, brokers earn a
         commission only when ...", "... had broken its own privacy policy."), counts only
         with more evidence: a second phrase at most 5 words away ("Terms of Service | Privacy
         Policy"; not one in another clause of the sentence), a copyright sign, the phrase in
         the line's short tail (after its last sentence end, bracket or separator, or in a
         short line: at most 3 words before the phrase there and 3 after it, as in a photo
         credit "(AP Photo/...)" or "All rights reserved."; not the end of a longer sentence),
         or a word in the site's or the reader's voice such as we, our, you, your, this website
         (NOTICE_VOICE: en, id, ms, de, fr, es, pt, it, nl)); a widget of tokens of at most 2
         characters, a line without any letter, an editor tag, a byline, a short dateline, a
         link list (`Home | News | Sport`), a line recurring across the corpus (first pass: see
         below). explain_phrases: true names the phrases that fired (boilerplate_phrases).
      2. otherwise its shape: *long* (at least good_min_words words and a sentence end, or at
         least long_min_words words: C4's and FineWeb's sentence signals) is content, and so is
         a run of prose_min_run sentence-case medium lines (a hard-wrapped paragraph), and the
         line right below it that ends its last sentence, however short; *short*
         (fewer than short_max_words words, or every word capitalised: a headline) and *medium*
         lines are judged by context.
      3. context (jusText, Pomikálek 2011): the nearest long line or hard boilerplate line above
         and below, with the start and end of the document counting as boilerplate. A medium
         line with content on one side is content; a short line only with content on both sides
         (subheadings, list items), so leading and trailing blocks of short lines (menus,
         footers) go. Inside the article's span (its largest cluster of long lines) every line
         without a hard reason is content, and so is a list introduced by a line ending in `:`
         right after content. The first line (the title, by convention) is kept unless a hard
         reason hits it. A document without any long line gives no context: its short and
         medium lines are kept (keep_without_content).
    Phrase lists live in curate/data/boilerplate-<lang>.txt (en, id, ms, de, fr, es, pt, it, nl,
    ru, zh, ja, ko, pl, tr); add your own with `phrase_files` (same format) or `extra_phrases`.

    Corpus pass (recurring lines): every line is normalised (case, digits, spaces folded) and
    hashed; the first pass counts in how many documents each hash occurs (bounded memory:
    hashes and counts, at most max_tracked_lines of them). A line found in at least
    max(recurring_min_documents, recurring_min_fraction x documents) documents and at most
    recurring_max_chars long is boilerplate, unless it is a long sentence-like line (syndicated
    text: see recurring_sentences). The report lists the 20 most recurring lines. Set
    recurring_lines: false to skip the first pass.

    Example: in a scraped news article, the three lines `A` after the title are a font-size widget
    and `(esn)` at the end is an editor tag; `strip` removes them and keeps the title and every
    body line.

    Signals:
      boilerplate_lines    number of lines classified as boilerplate (lines)
      boilerplate_share    characters in those lines / characters in the document (0..1)
      boilerplate_reasons  per reason, the number of boilerplate lines it explains (a line counts
                           once, under its first reason in the order phrase, widget, symbols,
                           editor_tag, byline, datetime, link_list, recurring, context)
      boilerplate_phrases  only with explain_phrases: true; the phrases behind the `phrase`
                           count, each once, as `[section] phrase` (`[anywhere] privacy policy`):
                           what to look up in the lists or to leave out of your own

    Actions: `strip` removes the lines (the rule fires when it removes one); `flag` and `drop` fire
    when boilerplate_share > max_share.

    Defaults: tuned on the Zyte article-extraction benchmark (181 pages, human article bodies) and
    on Indonesian portal pages, measured by bench/boilerplate_eval.py (see
    bench/results/boilerplate.md): line F1 0.93 while losing 7 % of the content lines (C4's
    line rules: 0.95 and 37 %); 0.98 and 6 % on the Indonesian pages.
    """

    name = "boilerplate-lines"
    family = "boilerplate"
    actions = ("flag", "strip", "drop")
    main_signal = "boilerplate_share"
    threshold_param = "max_share"
    needs_corpus = True

    @dataclass(frozen=True)
    class Params:
        max_share: float = param(
            0.5,
            "flag/drop documents whose boilerplate share is above this",
            unit="fraction of characters",
            source="our choice: above half, the page is mostly chrome",
            min=0.0,
            max=1.0,
        )
        languages: list[str] = param(
            [],
            "phrase lists to use (empty: every shipped list)",
            unit="language codes",
            source="curate/data/boilerplate-<lang>.txt",
        )
        phrase_files: list[str] = param(
            [], "extra phrase files, in the format of the shipped lists", unit="paths"
        )
        extra_phrases: list[str] = param(
            [], "extra phrases matched at the start of short lines", unit="phrases"
        )
        phrase_max_words: int = param(
            12,
            "a line starting with a [start] phrase counts only up to this many words",
            unit="words",
            source="our measurement (bench/boilerplate_eval.py)",
            min=1,
        )
        notice_max_words: int = param(
            80,
            "a line holding an [anywhere] phrase (cookie, copyright notices) counts only up to "
            "this many words",
            unit="words",
            source="our measurement",
            min=1,
        )
        good_min_words: int = param(
            10,
            "a line ending a sentence with at least this many words is content",
            unit="words",
            source="our measurement; C4 keeps sentence lines of 3+ words",
            min=1,
        )
        long_min_words: int = param(
            30,
            "a line with at least this many words is content, sentence end or not",
            unit="words",
            source="our measurement",
            min=1,
        )
        short_max_words: int = param(
            5,
            "lines with fewer words are short: content only between content lines",
            unit="words",
            source="our measurement; jusText's length_low is 70 characters",
            min=1,
        )
        medium_max_gap: int = param(
            1000,
            "a medium line is content when a content line is at most this many lines away",
            unit="non-blank lines",
            source="our measurement",
            min=1,
        )
        headline_min_caps: float = param(
            1.0,
            "a medium line without a sentence end whose words start upper-case at least this "
            "often reads like a headline and is judged like a short line",
            unit="fraction of words",
            source="our measurement",
            min=0.0,
            max=1.0,
        )
        span_max_gap: int = param(
            6,
            "the article spans its longest cluster of long lines; a cluster ends after more "
            "than this many lines without a long one; undecided lines inside it are content "
            "(0: off)",
            unit="non-blank lines",
            source="our measurement",
            min=0,
        )
        colon_lists: bool = param(
            True, "lines after a line ending in ':' that follows content are a list: content"
        )
        prose_max_caps: float = param(
            0.5,
            "runs of prose_min_run medium lines whose words start upper-case less often than "
            "this are hard-wrapped paragraphs: content",
            unit="fraction of words",
            source="our measurement (Indonesian press releases)",
            min=0.0,
            max=1.0,
        )
        prose_min_run: int = param(
            3,
            "consecutive prose-like medium lines that make a hard-wrapped paragraph",
            unit="lines",
            source="our measurement",
            min=1,
        )
        keep_without_content: bool = param(
            True,
            "in a document without any long line there is no context to judge by: keep "
            "its short and medium lines (short texts, titles, Q&A) instead of removing them",
            source="our choice: losing text is the worse error; on portal index pages (all "
            "chrome) it lowers the lines removed from 88 % to 72 %",
        )
        keep_first_line: bool = param(
            True, "keep the first line (the title) unless a hard reason hits it"
        )
        recurring_lines: bool = param(
            True,
            "find lines recurring across the corpus (a first pass over the input counts "
            "line hashes); off: one pass, no recurring-line signal",
        )
        recurring_min_documents: int = param(
            5,
            "a line recurring in at least this many documents can be boilerplate",
            unit="documents",
            source="our choice",
            min=2,
        )
        recurring_min_fraction: float = param(
            0.001,
            "... and in at least this fraction of the corpus' documents",
            unit="fraction of documents",
            source="our choice; CCNet removes every repeated line",
            min=0.0,
            max=1.0,
        )
        recurring_max_chars: int = param(
            200,
            "longer recurring lines are left to the duplicate rules (syndicated paragraphs)",
            unit="characters",
            source="our choice",
            min=1,
        )
        recurring_sentences: bool = param(
            False,
            "also treat recurring long, sentence-like lines as boilerplate (CCNet removes "
            "every repeated paragraph; by default they are left to the duplicate rules)",
        )
        explain_phrases: bool = param(
            False,
            "add the signal boilerplate_phrases: per document, the list phrases that made "
            "its lines boilerplate, as `[section] phrase` (a column in the output and a line in "
            "the report's examples; off: the output's columns stay as they were)",
        )
        max_tracked_lines: int = param(
            1_000_000,
            "distinct line hashes the corpus pass keeps (the most frequent)",
            unit="hashes",
            source="bounded memory: about 16 bytes each",
            min=1000,
        )

        def validate(self) -> None:
            # a misspelt language or an unreadable phrase file is a rule-set error, found before
            # any data is read
            load_phrases(tuple(self.languages), tuple(self.phrase_files), tuple(self.extra_phrases))

    def __init__(self, params: Any, action: str, options: dict[str, Any] | None = None):
        super().__init__(params, action, options)
        # the engine runs the corpus pass only for rules that ask for it
        self.needs_corpus = bool(params.recurring_lines)

    # -- per-line classification --------------------------------------------------------------

    def _phrases(self) -> dict[str, tuple[str, ...]]:
        p = self.params
        return load_phrases(tuple(p.languages), tuple(p.phrase_files), tuple(p.extra_phrases))

    def _regexes(self) -> dict[str, str | None]:
        return phrase_regexes(tuple(self._phrases().items()))

    def classify(self, lines: pl.DataFrame, recurring: pl.Series | None = None) -> pl.DataFrame:
        """`lines` (`__doc`, `__ln`, `line`, each document's lines in order) with `_bp`
        (boilerplate or not) and `_why` (the first reason; null for content and blank lines)."""
        code = self._codes(lines, recurring)
        names = pl.Series([None, *REASONS], dtype=pl.String)
        return lines.with_columns((code > 0).alias("_bp"), names.gather(code).alias("_why"))

    def _codes(
        self,
        lines: pl.DataFrame,
        recurring: pl.Series | None,
        distinct: tuple[pl.Series, np.ndarray] | None = None,
    ) -> pl.Series:
        """Per row of `lines`: 0 for content and blank lines, else 1 + the index of the line's
        reason in REASONS. `distinct`: the distinct strings of `lines[LINE]` and each line's row
        among them (words.distinct_lines; evaluate() passes the batch's shared memo,
        words.batch_distinct_lines), computed here when not given.

        Speed (bench/bp_speed.py, bench/results/boilerplate.md): the lines of a batch are in
        document order, so every per-document window (previous line, nearest anchor above and
        below, runs, clusters) is a global shift, fill or cumulative sum with the document's
        first and last row as bounds instead of an `over(__doc)`; the text features (the line
        stripped, blank or not, words, hard reasons) are computed once per distinct line (the
        batch's distinct lines, shared with the other rules) and read per line by its row
        among them; the costly regexes run only on the lines their limits leave (pl.when
        evaluates every row); evaluate() runs this on a thread of its own so that the rule's
        regexes stay compiled from batch to batch (regex_thread). The classification is the
        one described in the class docstring, unchanged (bench/bp_classify_dump.py,
        bench/compare_signals.py compare)."""
        return pl.Series(self._code_array(lines, recurring, distinct), dtype=pl.UInt8)

    def _code_array(
        self,
        lines: pl.DataFrame,
        recurring: pl.Series | None,
        distinct: tuple[pl.Series, np.ndarray] | None = None,
        memo: _LineMemo | None = None,
        sections: bool = False,
    ) -> Any:
        """_codes as a numpy array (uint8): evaluate reads it so, the features and the
        judgement stay numpy arrays between the steps (no frame built and read back). `memo`
        (evaluate's, `_features_memo`): the text features of the lines met in earlier batches
        are taken from it, the others computed and kept there (`_remembered_features`; the same
        codes: tests/checks/test_boilerplate_memo.py). `sections`: (the codes, per line the
        phrase list's section that made it boilerplate: 1 + its index in SECTIONS, 0 for a
        line that is content or boilerplate for another reason)."""
        if distinct is None:
            distinct = distinct_lines(lines.get_column(LINE))
        strings, inverse = referenced_lines(*distinct)
        if memo is not None:
            filled, feats = self._remembered_features(strings, inverse, recurring, memo)
            keep = filled[inverse]
            if not keep.any():
                return _no_codes(lines.height, sections)
            line_rows = inverse[keep]
            return self._judged(lines, keep, {c: v[line_rows] for c, v in feats.items()}, sections)
        stripped = strings.str.strip_chars()
        filled = (stripped != "").to_numpy()
        keep = filled[inverse]
        if not keep.any():
            return _no_codes(lines.height, sections)
        rows = np.flatnonzero(filled)
        if len(rows) <= DEDUP_MAX_SHARE * np.count_nonzero(keep):
            # once per distinct non-blank line, then per line by its row among them (in numpy:
            # the judgement reads numpy arrays); (a filter by mask: a fifth of a gather's cost)
            text = stripped if len(rows) == len(strings) else stripped.filter(pl.Series(filled))
            feats = self._feature_arrays(text.alias("_s"), recurring)
            at = np.zeros(len(strings), dtype=np.int64)
            at[rows] = np.arange(len(rows))
            line_rows = at[inverse[keep]]
        else:  # the plain way, line by line (tests compare the two)
            feats = self._feature_arrays(stripped.gather(inverse[keep]).alias("_s"), recurring)
            line_rows = slice(None)
        return self._judged(lines, keep, {c: v[line_rows] for c, v in feats.items()}, sections)

    def _judged(
        self, lines: pl.DataFrame, keep: np.ndarray, columns: dict, sections: bool = False
    ) -> Any:
        """Each line's code: `_judge_array` of the non-blank lines (`keep`; `columns` their text
        features, in line order), 0 for the blank ones. Blank lines are never boilerplate and
        never context: a line after a blank line (or first in its document) starts a block.
        `sections`: and each line's phrase section (see _code_array)."""
        doc = lines.get_column(DOC).to_numpy()
        after_blank = np.ones(len(doc), dtype=bool)
        after_blank[1:] = ~keep[:-1] | (doc[1:] != doc[:-1])
        code = np.zeros(len(doc), dtype=np.uint8)
        code[keep] = self._judge_array(
            {DOC: doc[keep], "_after_blank": after_blank[keep], **columns}
        )
        if not sections:
            return code
        section = np.zeros(len(doc), dtype=np.uint8)
        section[keep] = columns["_phr"]
        section[code != REASONS.index("phrase") + 1] = 0
        return code, section

    def _distinct_features(
        self, strings: pl.Series, recurring: pl.Series | None
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """(whether each of `strings` is non-blank once stripped, the text features of each,
        `_feature_arrays` of the stripped non-blank ones, zero on the blank ones)."""
        stripped = strings.str.strip_chars()
        filled = (stripped != "").to_numpy()
        rows = np.flatnonzero(filled)
        out = {c: np.zeros(len(strings), dtype=t) for c, t in _FEATURE_ARRAYS.items()}
        if len(rows):
            text = stripped if len(rows) == len(strings) else stripped.filter(pl.Series(filled))
            for c, v in self._feature_arrays(text.alias("_s"), recurring).items():
                out[c][rows] = v
        return filled, out

    def _features_memo(self, recurring: pl.Series | None) -> _LineMemo:
        """The run's memo of this rule's text features per line (they depend on the rule's
        parameters and the corpus pass's recurring hashes: kept for this rule instance and this
        result)."""
        return _memo(("features", id(self)), self, recurring, {"filled": bool, **_FEATURE_ARRAYS})

    def _remembered_features(
        self,
        strings: pl.Series,
        inverse: np.ndarray,
        recurring: pl.Series | None,
        memo: _LineMemo,
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """`_distinct_features(strings, recurring)` (`strings` distinct, `inverse` each line's
        row among them), those of the lines `memo` holds taken from it, the others computed and
        those repeated in the batch kept (_worth_keeping)."""
        rows, got = memo.find(strings)
        new = rows < 0
        old = np.flatnonzero(~new)
        if len(old) == len(strings):
            return got.pop("filled"), got
        part = strings if not len(old) else strings.filter(pl.Series(new))
        filled, feats = self._distinct_features(part, recurring)
        fresh = _worth_keeping(rows, inverse)[new]
        memo.add(
            part if fresh.all() else part.filter(pl.Series(fresh)),
            {"filled": filled[fresh], **{c: v[fresh] for c, v in feats.items()}},
        )
        if not len(old):
            return filled, feats
        out = {}
        for c, v in (("filled", filled), *feats.items()):
            out[c] = np.empty(len(strings), dtype=v.dtype)
            out[c][new] = v
            out[c][old] = got[c]
        return out.pop("filled"), out

    def _feature_arrays(self, text: pl.Series, recurring: pl.Series | None) -> dict[str, Any]:
        """Per line text `_s` (stripped, not blank): words `_w`, sentence end `_t`, share of
        capitalised words `_caps`, long line `_long`, hard reason `_why` (0: none, else 1 +
        index in REASONS), ends in a colon `_colon`.

        Speed: most lines are ASCII, and on ASCII text a regex's question is often one about
        bytes. numpy answers it over the lines' UTF-8 bytes (`_Utf8.facts`: a few passes over
        the bytes for all the answers, without a regex search's cost per line), and each regex
        runs only on the lines the bytes leave open (a line without a digit holds no date, a
        single-spaced ASCII line of more than 23 bytes is no widget, ...). Each shortcut gives
        exactly what the regex gives (tests/checks/test_boilerplate_speed.py keeps the regexes
        alone as the definition and compares)."""
        p = self.params
        rx = self._regexes()
        n = text.len()
        u = _Utf8(text)
        # (the lines' bytes lower-cased as ASCII, and digits folded, along with the facts: see
        # `low` below)
        phrases = tuple(self._phrases().items())
        fold_digits = not _has_digit(phrases)
        keys = np.empty(len(u.data), dtype=np.uint8)
        f = u.facts(keys, fold_digits)
        non_ascii = f.non_ascii
        last = u.last(1)
        first = u.data[u.start] if n else np.zeros(0, dtype=np.uint8)

        # Words. On a line whose spaces are single and separate tokens that each hold a letter
        # or digit, without CJK (most lines), WORD matches once per token: the words are the
        # spaces + 1 (`simple`: ODD_SPACING finds nothing). An ASCII line whose whitespace is
        # single spaces between tokens that start with a letter or digit is simple, and so is a
        # line with characters outside ASCII when none starts a token (`plain`) and none is
        # whitespace or of SCRIPTS (CJK); the regex decides on the others, and WORD counts the
        # words of the lines that are not simple.
        plain = non_ascii & ~(f.odd_start | f.controls | f.script_lead | _WHITESPACE_ASCII[last])
        plain[plain] = ~_unicode_spaces_of(text, plain)
        # On the ASCII lines left, both questions are answered from the bytes (_ascii_words: the
        # words are the tokens holding a letter or digit; ODD_SPACING finds whitespace other
        # than a space, or a token without one, i.e. fewer words than spaces + 1).
        rows = (non_ascii & ~plain) | f.odd_start | f.controls | _WHITESPACE_ASCII[last]
        simple = ~rows
        ascii_rows = rows & ~non_ascii
        rows &= non_ascii
        simple[rows] = ~_on(text, rows, _Q["odd_spacing"], False)[rows]
        nw = np.where(simple, f.spaces.astype(np.int64) + 1, 0)
        rows = ~simple & non_ascii
        nw[rows] = _on(text, rows, _Q["words"], 0)[rows]
        # (and where an ASCII line holds two spaces in a row: the recurring key's fold reads it)
        two_spaces = np.zeros(n, dtype=bool)
        if ascii_rows.any():
            words, other_spaces, two = _ascii_words(text.filter(pl.Series(ascii_rows)))
            simple[ascii_rows] = ~other_spaces & (words == f.spaces[ascii_rows] + 1)
            nw[ascii_rows] = words
            two_spaces[ascii_rows] = two
        # CJK and unspaced scripts: only lines with a byte that can start such a character
        # (_script_lead) can hold them, and few of those do
        scripts = _on(text, f.script_lead, _Q["scripts"], False)
        cjk, unspaced = _on(text, scripts, [_Q["cjk"], _Q["unspaced"]], 0)
        w = nw + cjk / 2 + unspaced / 4
        # sentence end: TERMINAL and ELLIPSIS read the line's last characters; a line ending in
        # an ASCII character is answered from its last four bytes (an ellipsis is "..." or the
        # three bytes of "…", then maybe a closing character; read on the lines ending in "."
        # or a closing character only: the others end in none), the others from their last six
        # (_terminal_outside_ascii)
        at = np.flatnonzero((last == 46) | _ELLIPSIS_CLOSERS_ASCII[last])
        b0 = last[at]
        b1, b2, b3 = u.last(2, at), u.last(3, at), u.last(4, at)
        ellipsis = np.zeros(n, dtype=bool)
        ellipsis[at] = ((b0 == 46) & (b1 == 46) & (b2 == 46)) | (
            _ELLIPSIS_CLOSERS_ASCII[b0]
            & (
                ((b3 == 46) & (b2 == 46) & (b1 == 46))
                | ((b3 == 0xE2) & (b2 == 0x80) & (b1 == 0xA6))
            )
        )
        terminal = _TERMINAL_ASCII[last] & ~ellipsis
        rows = np.flatnonzero(last >= 128)
        if len(rows):
            terminal[rows] = _terminal_outside_ascii(u, rows)
        # share of the words that start upper-case (NaN without words: CJK); it only matters
        # for lines of at least short_max_words words (headline or hard-wrapped prose: a
        # shorter line is short anyway), so it is counted only there; on an ASCII line, CAP
        # matches at each A-Z first or after a space (its only whitespace without controls),
        # and so it does on a plain line (every token starts with an ASCII letter or digit)
        cap_rows = w >= p.short_max_words
        rows = cap_rows & ((non_ascii & ~plain) | f.controls)
        upper = np.where(cap_rows & ~rows, f.upper_starts, 0).astype(np.int64)
        upper[rows] = _on(text, rows, _Q["caps"], 0)[rows]
        with np.errstate(divide="ignore", invalid="ignore"):
            caps = upper / nw
        caps[np.isnan(caps)] = 1.0
        long = (w >= p.long_min_words) | ((w >= p.good_min_words) & terminal)

        # the rows each lower-case question reads: the phrase lists' (see below) and the
        # recurring lines'
        line_rows = f.letters <= _longest(phrases, "line")
        start_rows = w <= p.phrase_max_words
        notice_rows = w <= p.notice_max_words
        recurring_rows = None
        if recurring is not None and recurring.len() > 0:
            # a line has at most as many characters as bytes, as many on an ASCII line
            recurring_rows = u.size <= p.recurring_max_chars
            longer = non_ascii & ~recurring_rows
            recurring_rows |= _on(text, longer, _at_most_chars(p.recurring_max_chars), False)
            # a full sentence found in many documents is syndicated or quoted text: the
            # duplicate rules decide about it, not the template detector
            if not p.recurring_sentences:
                recurring_rows &= ~long
        # the lines lower-cased: by the bytes' map (`keys`, filled with the facts: A-Z to a-z,
        # digits to 0 when no phrase holds a digit), then by polars on the lines with a cased
        # character outside ASCII where a question reads them (`need`: long paragraphs, more
        # than notice_max_words words, are read by none). Unicode lower-casing changes no digit
        # and no ASCII letter, and the other characters of the other lines have no case
        # (_cased_lead), so this is line_key's lower-casing and digit fold. The phrase
        # regexes read digits only as [^\p{L}] or \p{N} (a phrase without digits), so the
        # digits folded to 0 change none of their answers.
        need = line_rows | notice_rows | start_rows
        if recurring_rows is not None:
            need |= recurring_rows
        cased = need & f.cased
        low = pl.Series("_l", _strings(u.offsets, keys, n))
        if cased.any():
            some = low.filter(pl.Series(cased, dtype=pl.Boolean)).str.to_lowercase()
            low = low.scatter(np.flatnonzero(cased), some)

        def lower(rows: np.ndarray, expr: pl.Expr) -> np.ndarray:
            # `expr` over pl.col("_l") on `rows` (a subset of `need`), False elsewhere
            return _on(low, rows, expr, False)

        def rx_hit(key: str, rows: np.ndarray) -> np.ndarray:
            # (the [start] alternation of ~500 phrases costs ~7 ms to compile: once per process
            # on the rule's own thread (regex_thread), then it matches 2.5x faster than a join
            # on the phrases' first characters did)
            pattern = rx[key]
            if pattern is None:
                return np.zeros(n, dtype=bool)
            return lower(rows, _lower_contains(pattern))

        # [line]: the line is a phrase between non-letters, so it has as many letters as the
        # phrase: a line with more ASCII letters than the longest phrase has characters is none;
        # an ASCII line has the letters of an ASCII phrase, and begins (ends) with the phrase's
        # first (last) letter if it begins (ends) with a letter (_line_table)
        ascii_line = line_rows & ~non_ascii
        if ascii_line.any():
            table = _line_table(phrases)
            count = np.minimum(f.letters, len(table) - 1)
            line_rows = line_rows & (
                non_ascii | table[count, _LETTER_SYMBOL[first], _LETTER_SYMBOL[last]]
            )
        in_line = rx_hit("line", line_rows)
        at_start = rx_hit("start", start_rows)
        phrase = in_line | at_start
        # an article sentence may name what a notice names: a sentence (a long line, or a
        # sentence end after short_max_words words or more) needs more evidence (_notices)
        sentence = long | (terminal & (w >= p.short_max_words))
        phrase |= self._notices(low, rx_hit("anywhere", notice_rows), phrase, sentence)
        # the section of the phrase that hit (1 + its index in SECTIONS; 0: none), for
        # explain_phrases
        section = np.where(in_line, 1, np.where(at_start, 2, np.where(phrase, 3, 0)))

        is_recurring = np.zeros(n, dtype=bool)
        if recurring_rows is not None and recurring_rows.any():
            rows = recurring_rows
            # the key (line_key): lower-cased and digits folded as above (when a phrase holds
            # a digit, the digits here: the regex's [0-9] are the bytes 0x30-0x39 of UTF-8,
            # each a character of its own), then the whitespace fold where it may find
            # something (_fold's order)
            keys = low.filter(pl.Series(rows, dtype=pl.Boolean))
            if not fold_digits:
                keys = _digits_to_zero(keys)
            # the fold changes only a line with whitespace other than single spaces (a line
            # that is not simple): a control character (\t ... \r are below 14), a character
            # outside ASCII (a Unicode space) or two spaces in a row (an ASCII line that is not
            # simple: _ascii_words); most lines that are not simple are so for an odd token
            # ("- x", "a | b") and are left as they are (the fold found something on 3 of ~780
            # such rows a web-20k batch); few are left (_fold_few)
            spaced = (~simple & (non_ascii | f.controls | two_spaces))[rows]
            if spaced.any():
                some = _fold_few(keys.filter(pl.Series(spaced, dtype=pl.Boolean)))
                keys = keys.scatter(np.flatnonzero(spaced), some)
            is_recurring[rows] = keys.hash(seed=HASH_SEED).is_in(_known(recurring)).to_numpy()
        short = w <= SHORT_REASONS_MAX_WORDS
        # a widget has at most 8 tokens of at most 2 characters: on a simple ASCII line (single
        # spaces), at most WIDGET_MAX_BYTES bytes
        rows = short & (non_ascii | ~simple | (u.size <= WIDGET_MAX_BYTES))
        # ... and at most 16 characters outside its whitespace: on an ASCII line without
        # control characters (whose only whitespace is spaces), bytes - spaces
        rows &= non_ascii | f.controls | (u.size - f.spaces <= WIDGET_MAX_CHARS)
        widget = _on(text, rows, _Q["widget"], False)
        # a byline starts with one of BYLINE_WORDS, in any case: an ASCII line with the first
        # two letters of an ASCII one
        second = u.data[np.minimum(u.start + 1, len(u.data) - 1)] if n else first
        rows = (w <= 7) & (non_ascii | (_BYLINE_START[first, second] & (u.size >= 2)))
        byline = _on(text, rows, _Q["byline"], False)
        # an editor tag is a short line in brackets: the regex and its length limit run there
        rows = short & (first == 40) & (last == 41)
        editor_tag = _on(text, rows, _Q["editor_tag"], False)
        # a line with an ASCII letter has a letter; a line without one asks the regex if it
        # has other characters
        rows = f.letters == 0
        symbols = rows & ~_on(text, rows & non_ascii, _Q["letter"], False)
        # a date or a time has a digit (\d is Unicode's: on an ASCII line, 0-9)
        rows = (w <= 8) & ~terminal & (non_ascii | f.digits)
        datetime = _on(text, rows, _Q["datetime"], False)
        # a separator is a token (after whitespace) of characters that are no letter or digit:
        # on an ASCII line, one after a control character or an odd start (_Facts)
        rows = ~terminal & (non_ascii | f.controls | f.odd_start)
        link_list = _on(text, rows, _Q["link_list"], False)
        hard = {
            "phrase": phrase,
            "widget": widget,
            "symbols": symbols,
            "editor_tag": editor_tag,
            "byline": byline,
            "datetime": datetime,
            "link_list": link_list,
            "recurring": is_recurring,
        }
        # the first reason that holds
        why = np.zeros(n, dtype=np.uint8)
        for reason in reversed(list(hard)):
            why[hard[reason]] = REASONS.index(reason) + 1
        return {
            "_w": w.astype(np.float64, copy=False),
            "_t": terminal,
            "_caps": caps,
            "_long": long,
            "_why": why,
            "_colon": last == 58,
            "_phr": section.astype(np.uint8),
        }

    def _notices(
        self, low: pl.Series, anywhere: np.ndarray, other: np.ndarray, sentence: np.ndarray
    ) -> np.ndarray:
        """The lines whose [anywhere] phrase (`anywhere`: the lines holding one, `low` the lines
        lower-cased) makes them a notice: every one that is no `sentence`, and a sentence only
        with more evidence (NOTICE_SIGNS, a second phrase close by, the phrase in the line's
        short tail: notice_pair and notice_end of phrase_regexes).
        `other`: the lines a [line] or [start] phrase already hits (no question asked of
        them)."""
        doubt = anywhere & sentence & ~other
        if not doubt.any():
            return anywhere
        rx = self._regexes()
        evidence = (
            _lower_contains(NOTICE_SIGNS)
            | _lower_contains(rx["notice_end"])
            | _lower_contains(rx["notice_pair"])
        )
        return (anywhere & ~doubt) | _on(low, doubt, evidence, False)

    def _judge_array(self, lines: pl.DataFrame | dict[str, np.ndarray]) -> np.ndarray:
        """The code of each non-blank line (`_codes`) from `lines`: `__doc`, `_after_blank` and
        the line's text features (`_feature_arrays`), each document's lines in order (a
        frame, or its columns as numpy arrays).

        In numpy: every per-document window is a fill or a cumulative sum over the whole batch
        bounded by the document's first and last row (f, e), as the polars expressions it
        replaces did (a dozen queries on every batch; tests/checks/test_boilerplate_speed.py
        keeps them as the definition and compares)."""
        p = self.params

        def col(name: str) -> np.ndarray:
            return (
                lines.get_column(name).to_numpy()
                if isinstance(lines, pl.DataFrame)
                else lines[name]
            )

        doc = col(DOC)
        w = col("_w").astype(np.float64)
        terminal = col("_t")
        caps = col("_caps")
        why = col("_why")
        n = len(doc)
        j = np.arange(n, dtype=np.int64)
        st = np.ones(n, dtype=bool)  # first judged line of a document
        st[1:] = doc[1:] != doc[:-1]
        # the document's first and last row
        starts = np.flatnonzero(st)
        size = np.diff(np.append(starts, n))
        f = np.repeat(starts, size)
        e = np.repeat(starts + size - 1, size)
        is_hard = why > 0
        # a medium line in Title Case without a sentence end reads like a headline (related
        # articles, teasers): it is judged like a short line
        short = (w < p.short_max_words) | ((caps >= p.headline_min_caps) & ~terminal)
        # hard-wrapped text (press releases, e-mails, plain-text archives): runs of at least
        # prose_min_run consecutive medium lines in sentence case are one paragraph; a blank
        # line ends a run (hard-wrapped lines follow each other directly)
        pr = (caps < p.prose_max_caps) & (w >= p.short_max_words) & ~is_hard
        run_start = st | col("_after_blank")
        run_start[1:] |= pr[1:] != pr[:-1]
        prose = pr & (_run_total(pr.astype(np.int64), run_start) >= p.prose_min_run)
        # ... and the line that ends such a paragraph's last sentence, however short: right
        # below a line of the run that ends no sentence, ending one ("... sponsorship dari" /
        # "Kepresidenan Turki.")
        tail = np.zeros(n, dtype=bool)
        tail[1:] = prose[:-1] & ~terminal[:-1]
        tail &= terminal & ~(st | col("_after_blank")) & ~is_hard
        # shape: content (long line or prose), hard boilerplate, or undecided (short or medium)
        content_anchor = ~is_hard & (col("_long") | prose)
        anchored = is_hard | content_anchor
        # nearest anchor above and below (within the document) and how many non-blank lines
        # away it is; the document edges count as boilerplate
        above, below = _neighbours(anchored)
        has_p = above >= f
        has_q = below <= e
        near_p = has_p & content_anchor[np.where(has_p, above, 0)]
        near_q = has_q & content_anchor[np.where(has_q, below, 0)]
        # clusters of long lines: a new cluster starts after more than span_max_gap non-blank
        # lines without a long one; the main cluster (most words) spans the article. An
        # undecided line further than span_max_gap from the long line above belongs to no
        # cluster's inside either way: the next long line, if any, starts a new cluster.
        is_long = content_anchor
        last_long, next_long = _neighbours(is_long)
        gap = np.where(last_long >= f, j - last_long - 1, 10**9)
        new = is_long & (gap > p.span_max_gap)
        total = np.cumsum(new, dtype=np.int64)
        cid = total - (total - new)[f]
        cw = _run_total(np.where(is_long, w, 0.0), st | new)
        nl = np.where(is_long, j, next_long)  # the next long line, this one included
        has_next = nl <= e
        cnext = cid[np.where(has_next, nl, 0)]
        # the most words of a cluster in the line's document
        most = _run_max(cw, st)
        inside = has_next & (cid == cnext) & (cid > 0) & (cw == most) & (p.span_max_gap > 0)
        # a list introduced by a colon right after content ("Tour dates:", "You will need:") is
        # content down to the next long or hard line
        colon = col("_colon").astype(np.int64)
        seen = np.cumsum(colon) - colon
        block = st | anchored
        block_start = np.where(block, j, _neighbours(block)[0])  # row 0 starts a block
        listed = ((seen - seen[block_start]) > 0) & near_p & p.colon_lists
        medium_ok = (near_p & (j - above <= p.medium_max_gap)) | (
            near_q & (below - j <= p.medium_max_gap)
        )
        short_ok = near_p & near_q
        first = j == f
        # a document with a long (content) line: its largest cluster has words (every line with
        # anchor 1 has at least short_max_words >= 1 of them)
        has_long = most > 0
        content = np.where(
            anchored,
            content_anchor,
            (p.keep_first_line & first)
            | tail
            | inside
            | listed
            | np.where(~has_long, p.keep_without_content, np.where(short, short_ok, medium_ok)),
        )
        context = REASONS.index("context") + 1
        return np.where(content, 0, np.where(is_hard, why, context)).astype(np.uint8)

    def evaluate(self, batch: Batch) -> RuleResult:
        finished = batch.corpus.get(self.name) or {}
        recurring = finished.get("hashes")
        # batch.lines holds each document's lines in order (split_lines, then filters): the
        # context expressions rely on it
        # on a thread of its own: the rule's ~20 regexes stay compiled there from batch to batch
        # (see regex_thread; the whole rule set uses more than polars caches per thread)
        # the batch's distinct lines (shared with the other rules, kept across strips) are
        # numbered here, on the calling thread, where the memo lives
        distinct = batch_distinct_lines(batch)
        # (the text features of lines met in earlier batches of the run: `_features_memo`)
        memo = self._features_memo(recurring)
        explain = self.params.explain_phrases
        code = run_in_own_thread(
            self.name, self._code_array, batch.lines, recurring, distinct, memo, explain
        )
        if explain:
            code, section = code
        # per document: lines per code and characters, as sums over the lines in numpy (one
        # pass each, no group-by and no joins back to the documents); the sums are integers,
        # exact in float64, and the share is the same IEEE division polars makes
        doc = batch.doc_of_line()
        codes = code.astype(np.int64)
        width = len(REASONS) + 1
        per_code = np.bincount(doc * width + codes, minlength=batch.n * width)
        per_code = per_code.reshape(batch.n, width)
        # characters per line: the split's measure, kept through the strips (base.line_chars;
        # the same count as len_chars on the batch's lines)
        chars = line_chars(batch).astype(np.float64)
        total = np.bincount(doc, weights=chars, minlength=batch.n)
        bp_chars = np.bincount(doc, weights=chars * (codes > 0), minlength=batch.n)
        lines = per_code[:, 1:].sum(axis=1)
        share = bp_chars / np.maximum(total, 1.0)
        # (the struct straight from the frame: no query; the same Series as a select of
        # pl.struct(REASONS), named after its first field; the counts as int32 rows of one
        # array, each column without a copy of its own: half the cost of nine casts)
        counts = np.ascontiguousarray(per_code[:, 1:].T, dtype=np.int32)
        reasons = pl.DataFrame(
            [pl.Series(r, counts[i], dtype=pl.Int32) for i, r in enumerate(REASONS)]
        ).to_struct(REASONS[0])
        if self.action == "strip":
            fired = lines > 0
        else:
            fired = share > self.params.max_share
        signals = {
            "boilerplate_lines": pl.Series("n", lines, dtype=pl.Int64),
            "boilerplate_share": pl.Series("share", share, dtype=pl.Float64),
            "boilerplate_reasons": reasons,
        }
        if explain:
            signals["boilerplate_phrases"] = self._phrases_fired(batch, doc, section)
        return RuleResult(
            signals=signals,
            fired=pl.Series("n" if self.action == "strip" else "share", fired, dtype=pl.Boolean),
            remove=pl.Series("_bp", code > 0, dtype=pl.Boolean),
        )

    def _phrases_fired(self, batch: Batch, doc: np.ndarray, section: np.ndarray) -> pl.Series:
        """Per document, the phrases that made its lines boilerplate (`section`: per line of
        the batch, 1 + the index in SECTIONS of the list that hit, 0 for none), each once, in
        the order of the lines, as `[section] phrase`."""
        rows = np.flatnonzero(section)
        found: list[list[str]] = [[] for _ in range(batch.n)]
        if len(rows):
            text = batch.lines.get_column(LINE).gather(rows).str.strip_chars().str.to_lowercase()
            names = np.asarray(section[rows])
            which = np.full(len(rows), None, dtype=object)
            for i, name in enumerate(SECTIONS, 1):
                at = names == i
                if at.any():
                    which[at] = _which_phrase(self._phrases(), name, text.filter(pl.Series(at)))
            for d, sec, phrase in zip(doc[rows].tolist(), names.tolist(), which, strict=True):
                label = f"[{SECTIONS[sec - 1]}] {phrase}"
                if label not in found[d]:
                    found[d].append(label)
        return pl.Series("phrases", found, dtype=pl.List(pl.String))

    # -- corpus pass: lines recurring across documents ------------------------------------------

    def collect(self, batch: Batch) -> dict[str, Any]:
        """Per line key (line_key), in how many of the batch's documents it occurs, and the texts
        of the SAMPLE_TEXTS most frequent keys.

        Speed (bench/results/boilerplate.md): each distinct line is keyed once, from its bytes
        where stripping would not change it (_stripped_hashes; _line_hashes: numpy over the
        bytes of the ASCII lines, the regexes only on the others), the documents per key are
        counted in numpy over the keys' rows, and the few sampled texts reduced in Python (the
        plain definition, a group-by over every line's hash, is kept in
        tests/checks/test_boilerplate_collect.py)."""
        raw, inverse = distinct_lines(batch.lines.get_column(LINE))
        # each distinct line's key hash: the lines strip_chars leaves as they are (all but a few)
        # are keyed straight from their bytes, the others stripped first (_stripped_hashes)
        # (of the lines met in earlier batches of the run: from the memo, _remembered_hashes)
        hashed, filled = _remembered_hashes(raw, inverse)
        rows = np.flatnonzero(filled)
        # each distinct key once (sorted by hash), each text's and each non-blank line's row
        # among them
        hashes, key_of_text = _numbered(hashed[rows])
        at = np.full(len(raw), -1, dtype=np.int64)
        at[rows] = key_of_text
        key = at[inverse]
        nonblank = key >= 0
        key = key[nonblank]
        doc = batch.lines.get_column(DOC).to_numpy()[nonblank]
        n = _documents_per_key(doc, key, len(hashes))
        counts = pl.DataFrame(
            {"h": pl.Series(hashes, dtype=pl.UInt64), "n": pl.Series(n, dtype=pl.UInt32)}
        )
        # texts only for the few most frequent lines of the batch: the report names them (the
        # smallest text of a hash, so that any order of batches keeps the same one)
        sampled = _first_by_count(n, SAMPLE_TEXTS)[key_of_text]
        picked = np.zeros(len(raw), dtype=bool)
        picked[rows[sampled]] = True
        texts = (
            pl.DataFrame(
                [
                    pl.Series("h", hashes[key_of_text[sampled]], dtype=pl.UInt64),
                    raw.filter(pl.Series(picked, dtype=pl.Boolean)).alias("t"),
                ]
            )
            .group_by("h")
            .agg(pl.col("t").str.strip_chars().min().str.slice(0, SAMPLE_CHARS))
        )
        return {"documents": batch.n, "counts": counts, "texts": texts}

    def merge(self, a: Any, b: Any) -> Any:
        if a is None or b is None:
            return a if b is None else b
        # in numpy (the frames are small, a few polars queries cost more than their work):
        # bench/results/boilerplate.md; the plain definition (group-by, sort, join) is kept in
        # tests/checks/test_boilerplate_collect.py
        h, n = _summed(
            [a["counts"].get_column("h"), b["counts"].get_column("h")],
            [a["counts"].get_column("n"), b["counts"].get_column("n")],
        )
        if len(h) > self.params.max_tracked_lines:
            # bounded memory: keep the most frequent hashes (a line recurring across the corpus is
            # frequent in the shards too); ties broken by hash, so every engine agrees
            keep = _most_frequent(h, n, self.params.max_tracked_lines)
            h, n = h[keep], n[keep]
        counts = pl.DataFrame(
            {"h": pl.Series(h, dtype=pl.UInt64), "n": pl.Series(n, dtype=pl.UInt32)}
        )
        texts = _top_texts(a["texts"], b["texts"], h, n)
        return {"documents": a["documents"] + b["documents"], "counts": counts, "texts": texts}

    def finish(self, aggregate: Any) -> dict[str, Any] | None:
        if aggregate is None:
            return None
        docs = int(aggregate["documents"])
        threshold = max(
            self.params.recurring_min_documents,
            math.ceil(self.params.recurring_min_fraction * docs),
        )
        counts = aggregate["counts"]
        # the first TOP_LINES by (count down, hash up): top_k finds that set (the hashes are
        # distinct) without sorting every hash, a sort orders it
        top = (
            counts.top_k(TOP_LINES, by=["n", "h"], reverse=[False, True])
            .sort(["n", "h"], descending=[True, False])
            .join(aggregate["texts"], on="h", how="left", maintain_order="left")
        )
        return {
            "documents": docs,
            "threshold": threshold,
            "hashes": counts.filter(pl.col("n") >= threshold).get_column("h"),
            "top": [
                {"text": t if t is not None else "(text not sampled)", "documents": int(n)}
                for _, n, t in top.iter_rows()
            ],
        }

    def corpus_summary(self, finished: Any) -> dict[str, Any]:
        if not finished:
            return {"top_lines": []}
        return {
            "top_lines": finished["top"],
            "documents": finished["documents"],
            "threshold_documents": finished["threshold"],
            "recurring_lines": int(finished["hashes"].len()),
        }


# -- bytes: what numpy answers for ASCII text (see _feature_arrays) ---------------------------


class _Utf8:
    """A column of non-empty strings as its UTF-8 bytes (`data`), each string's first byte
    (`start`) and length in bytes (`size`)."""

    def __init__(self, strings: pl.Series | None, raw: tuple[np.ndarray, ...] = ()) -> None:
        # (`raw`: the (offsets, bytes) of the strings, already read; strings is then None)
        self.offsets, self.data = raw if strings is None else string_bytes(strings)
        self.start = self.offsets[:-1]
        self.size = np.diff(self.offsets)
        if not self.size.all():
            raise ValueError("_Utf8 needs non-empty strings")

    def last(self, k: int, rows: np.ndarray | None = None) -> np.ndarray:
        """Per string (or per string of `rows`, indices), its k-th byte from the end (0 when it
        has fewer bytes)."""
        end, size = self.offsets[1:], self.size
        if rows is not None:
            end, size = end[rows], size[rows]
        if not len(self.data):
            return np.zeros(len(size), dtype=np.uint8)
        at = np.maximum(end - k, 0)
        return np.where(size >= k, self.data[at], 0).astype(np.uint8)

    def blocks(self) -> list[tuple[int, int, int, int]]:
        """(first string, end string, first byte, end byte) of blocks of whole strings, cut at the
        first string end past each multiple of BLOCK_BYTES (a string longer than that makes its
        block longer: it holds the string and the short ones after it, up to the next mark)."""
        n = len(self.size)
        cuts = np.searchsorted(self.offsets, np.arange(0, len(self.data), BLOCK_BYTES), "right")
        bounds = np.unique(np.concatenate([[0], cuts - 1, [n]])).tolist()
        ends = self.offsets[bounds].tolist()
        return list(zip(bounds[:-1], bounds[1:], ends[:-1], ends[1:], strict=True))

    def facts(self, keys: np.ndarray | None = None, fold_digits: bool = True) -> _Facts:
        """What the strings' bytes tell (see _Facts), computed a block of strings at a time: the
        temporary arrays stay small, in the CPU's cache and in memory the allocator reuses
        (whole-column arrays cost more in page faults than in arithmetic). `keys` (as long as
        `data`): filled with the strings' bytes A-Z to a-z, and 0-9 to 0 if `fold_digits`
        (_block_facts); the bytes outside the strings to 0."""
        if keys is not None and len(self.data):
            keys[: self.offsets[0]] = 0
            keys[self.offsets[-1] :] = 0
        parts = []
        for i0, i1, o0, o1 in self.blocks():
            out = None if keys is None else keys[o0:o1]
            parts.append(_block_facts(self.data[o0:o1], self.start[i0:i1] - o0, out, fold_digits))
        if not parts:
            return _Facts(*(np.zeros(0, dtype=t) for t in _Facts.types()))
        return _Facts(*(np.concatenate(col) for col in zip(*parts, strict=True)))


class _Facts(NamedTuple):
    """Per string, from its bytes; exact on every string, whatever its characters (the ASCII
    bytes of UTF-8 text are its ASCII characters and nothing else)."""

    non_ascii: np.ndarray  # holds a byte >= 128 (a character outside ASCII)
    spaces: np.ndarray  # " " characters
    odd_start: np.ndarray  # a token (first, or after a space) starts with neither an ASCII
    # letter nor a digit, nor with another character then one
    controls: np.ndarray  # holds a control character up to \r (\t \n \v \f \r among them)
    upper_starts: np.ndarray  # A-Z first or after a space
    letters: np.ndarray  # ASCII letters
    digits: np.ndarray  # holds a digit 0-9
    script_lead: np.ndarray  # holds a byte that can start a character of SCRIPTS (_script_lead)
    cased: np.ndarray  # holds a character outside ASCII that may have a case (_cased_lead)

    @staticmethod
    def types() -> tuple[type, ...]:
        return (bool, np.int32, bool, bool, np.int32, np.int32, bool, bool, bool)


# bytes per block of _Utf8.facts: its temporary arrays stay below glibc's thresholds for memory
# of their own and for handing freed memory back (128 KiB each: above them, every array costs a
# fresh mapping and its page faults, measured 2-3x the arithmetic on whole-batch arrays)
BLOCK_BYTES = 1 << 16
_U8 = np.uint8


def _block_facts(
    d: np.ndarray, starts: np.ndarray, keys: np.ndarray | None = None, fold_digits: bool = True
) -> tuple[np.ndarray, ...]:
    """_Facts of the strings starting at `starts` in the bytes `d` (uint8 arithmetic wraps:
    `d - 65 < 26` is A-Z); `keys` (as long as `d`): filled with `d`, A-Z to a-z, and 0-9 to 0
    if `fold_digits` (from the masks the facts compute anyway)."""
    # a block of at most 65535 bytes counts in 16 bits
    dtype = np.uint16 if len(d) <= 0xFFFF else np.int32

    def count(mask: np.ndarray) -> np.ndarray:
        return np.add.reduceat(mask.view(np.uint8), starts, dtype=dtype).astype(np.int32)

    sp = d == 32
    after = np.empty(len(d), dtype=bool)  # first in its string or after a space
    after[1:] = sp[:-1]
    after[starts] = True
    letter = ((d | _U8(32)) - _U8(97)) < 26
    digit = (d - _U8(48)) < 10
    alnum = letter | digit
    odd = after > alnum
    # a token starting with another character (not a space: two spaces are an empty token) and
    # then a letter or digit ("(see", "$5") holds one too (a string's last byte has no next)
    then = np.zeros(len(d), dtype=bool)
    then[:-1] = alnum[1:]
    then[starts[1:] - 1] = False
    odd &= sp | ~then
    upper = (d - _U8(65)) < 26
    if keys is not None:
        np.multiply(upper, _U8(32), out=keys)
        keys += d
        if fold_digits:
            value = d - _U8(48)
            value *= digit  # a digit's value, 0 elsewhere
            keys -= value
    upper &= after
    # the five yes/no facts as bits of one byte, then one reduction for all (a reduction over
    # the strings costs more than the bits: ~20 % of the facts' time)
    flags = odd.view(_U8)  # bit 1: an odd start
    flags += (d < 14).view(_U8) * _U8(2)  # bit 2: a control character
    flags += digit.view(_U8) * _U8(4)  # bit 4: a digit
    top = int(d.max()) if len(d) else 0
    if top >= 0xE0:
        flags += _script_lead(d).view(_U8) * _U8(8)  # bit 8: a script's lead byte
    if top >= 0xC0:
        flags += _cased_lead(d).view(_U8) * _U8(32)  # bit 32: a cased character's lead byte
    flags += (d >= 128).view(_U8) * _U8(16)  # bit 16: outside ASCII
    bits = np.bitwise_or.reduceat(flags, starts)
    return (
        (bits & 16) != 0,
        count(sp),
        (bits & 1) != 0,
        (bits & 2) != 0,
        count(upper),
        count(letter),
        (bits & 4) != 0,
        (bits & 8) != 0,
        (bits & 32) != 0,
    )


def _cased_lead(d: np.ndarray) -> np.ndarray:
    """Per byte of the UTF-8 bytes `d`: does it start a character outside ASCII that may have a
    case, i.e. a lead byte (C0 and above) but those of _CASELESS: E3-E9, and E2 before 80 or 81
    (U+2000-U+207F). A string without one lower-cases as ASCII does (its other characters are
    ASCII or caseless)."""
    cased = d >= 0xC0
    cased &= (d - _U8(0xE3)) >= 7
    if len(d) > 1:
        e2 = d[:-1] == 0xE2
        e2 &= (d[1:] - _U8(0x80)) < 2
        cased[:-1] &= ~e2
    return cased


def _on(strings: pl.Series, rows: np.ndarray, exprs: pl.Expr | list[pl.Expr], fill: Any) -> Any:
    """`exprs` (over pl.col(strings.name)) on the rows of `strings` where `rows` holds, `fill`
    elsewhere, as numpy arrays (one, or a list for a list of expressions): a costly test runs
    only on the rows that can need it."""
    many = isinstance(exprs, list)
    exprs = exprs if many else [exprs]
    out = [np.full(len(rows), fill) for _ in exprs]
    if rows.any():
        # (a filter by mask costs a fifth of a gather by index)
        part = strings.filter(pl.Series(rows, dtype=pl.Boolean)).to_frame()
        # (select_seq: on this thread, whose regex cache keeps the rule's patterns; a select of
        # several expressions runs them on polars' pool, whose cache every rule shares)
        part = part.select_seq(e.alias(f"_{i}") for i, e in enumerate(exprs))
        for o, col in zip(out, part.iter_columns(), strict=True):
            o[rows] = col.to_numpy()
    return out if many else out[0]


def _script_lead(data: np.ndarray) -> np.ndarray:
    """Per byte: can it start a character of SCRIPTS? Those scripts lie in U+0E00-U+1FFF and
    from U+2E80 on (tests/checks/test_boilerplate_speed.py checks every code point): UTF-8 lead
    bytes E0-E1 and E3-F4, or E2 followed by B8-BF (U+2E00-U+2FFF); not the general
    punctuation of Latin text (quotes, dashes, the ellipsis: E2 80-9F)."""
    high = data >= 0xE0
    e2 = data == 0xE2
    lead = high ^ e2  # 0xE0 and above but 0xE2
    if len(data) > 1:
        after_e2 = data[1:] >= 0xB8
        after_e2 &= e2[:-1]
        lead[:-1] |= after_e2
    return lead


def _byte_table(chars: str) -> np.ndarray:
    table = np.zeros(256, dtype=bool)
    table[list(chars.encode("ascii"))] = True
    return table


# the ASCII characters of TERMINAL's class, and the closing characters after an ELLIPSIS
_TERMINAL_ASCII = _byte_table(".!?\"')]")
_ELLIPSIS_CLOSERS_ASCII = _byte_table("\"')]")
# ... the others, as UTF-8 (tests/checks/test_boilerplate_speed.py checks them against the
# regexes' classes, and every character at a line's end)
_TERMINAL_WIDE = tuple(ch.encode() for ch in "”’»」』。！？।॥۔؟።။།។៕")
_ELLIPSIS_CLOSERS_WIDE = tuple(ch.encode() for ch in "”’»")
_ELLIPSES = (b"...", "…".encode())


def _terminal_outside_ascii(u: _Utf8, rows: np.ndarray) -> np.ndarray:
    """TERMINAL and not ELLIPSIS (both anchored at the end) on the strings `rows` (indices) of
    `u`, each ending in a character outside ASCII, from their last six bytes: the string ends in
    one of TERMINAL's characters outside ASCII (valid UTF-8: when its last k bytes are the k
    bytes of a character, that character ends it), and not in a closing character of ELLIPSIS
    after "..." or "…" (an ellipsis itself is not in TERMINAL)."""
    back = [u.last(k, rows) for k in range(1, 7)]  # back[0]: the last byte (0: none)

    def ends(seq: bytes, shift: int = 0) -> np.ndarray:
        # do the string's bytes end in `seq`, `shift` bytes before the end?
        hit = np.ones(len(rows), dtype=bool)
        for i, byte in enumerate(reversed(seq)):
            hit &= back[shift + i] == byte
        return hit

    terminal = np.zeros(len(rows), dtype=bool)
    for ch in _TERMINAL_WIDE:
        terminal |= ends(ch)
    for closer in _ELLIPSIS_CLOSERS_WIDE:
        after = ends(closer)
        if after.any():
            dots = np.zeros(len(rows), dtype=bool)
            for ellipsis in _ELLIPSES:
                dots |= ends(ellipsis, len(closer))
            terminal &= ~(after & dots)
    return terminal


# the ASCII first two letters of BYLINE_WORDS, either case, as [first byte, second byte]
_BYLINE_START = np.zeros((256, 256), dtype=bool)
for _w in BYLINE_WORDS:
    if _w.isascii():
        for _a in {_w[0], _w[0].upper()}:
            for _b in {_w[1], _w[1].upper()}:
                _BYLINE_START[ord(_a), ord(_b)] = True


@lru_cache(maxsize=32)
def _longest(phrases: tuple[tuple[str, tuple[str, ...]], ...], section: str) -> int:
    """The most characters of a phrase of `section`."""
    return max(map(len, dict(phrases).get(section, ())), default=0)


# ASCII whitespace (\s on ASCII)
_WHITESPACE_ASCII = _byte_table(" \t\n\v\f\r")

# per byte: an ASCII letter's index in the alphabet (either case), 26 for any other byte
_LETTER_SYMBOL = np.full(256, 26, dtype=np.intp)
_LETTER_SYMBOL[65:91] = _LETTER_SYMBOL[97:123] = np.arange(26)


def _ascii_letter(ch: str) -> int | None:
    return ord(ch) - 97 if "a" <= ch <= "z" else None


@lru_cache(maxsize=32)
def _line_table(phrases: tuple[tuple[str, tuple[str, ...]], ...]) -> np.ndarray:
    """Which ASCII lines the [line] regex can match, by [ASCII letters, symbol of the first
    byte, symbol of the last byte] (symbol: _LETTER_SYMBOL). On an ASCII line (lower-cased as
    ASCII) the regex matches non-letters, an ASCII phrase (its spaces as whitespace), then
    non-letters: the line has the phrase's letters, and a line beginning (ending) with a letter
    begins (ends) with the phrase, whose first (last) character is that letter."""
    items = dict(phrases).get("line", ())
    table = np.zeros((max(map(len, items), default=0) + 1, 27, 27), dtype=bool)
    for phrase in items:
        if not phrase.isascii():
            continue
        count = sum("a" <= ch <= "z" for ch in phrase)
        firsts = [26, _ascii_letter(phrase[0])]
        lasts = [26, _ascii_letter(phrase[-1])]
        for a in firsts:
            for b in lasts:
                if a is not None and b is not None:
                    table[count, a, b] = True
    return table


HASH_SEED = 0x5EED
SAMPLE_CHARS = 200  # characters kept of a sampled line's text
SAMPLE_TEXTS = 200  # line texts kept per aggregate (the most frequent lines)
TOP_LINES = 20


def line_key(expr: pl.Expr) -> pl.Expr:
    """Lines that differ only in case, digits or spacing are the same template line."""
    return _fold(expr.str.strip_chars().str.to_lowercase())


def _line_hashes(texts: pl.Series) -> np.ndarray:
    """line_key(text).hash(seed=HASH_SEED) of each of `texts` (non-empty and stripped), as
    uint64. Every line's bytes are mapped in numpy (A-Z to a-z, 0-9 to 0), a block of lines at
    a time; that is the whole key of an ASCII line without whitespace but single spaces. On the
    other lines polars lower-cases the mapped text (Unicode case mapping changes no digit and no
    case of an ASCII letter, so mapping first changes nothing) and folds the whitespace."""
    if not len(texts):
        return np.zeros(0, dtype=np.uint64)
    return _key_hashes(_Utf8(texts))


def _key_hashes(u: _Utf8) -> np.ndarray:
    """_line_hashes of the strings of `u` (non-empty, stripped)."""
    n = len(u.size)
    folded = np.empty(len(u.data), dtype=np.uint8)
    # per line, bit 1: a character outside ASCII that may have a case (_CASELESS): lower-case it
    # in polars; bit 2: a control character (\t ... \r among them) or two spaces in a row: fold
    # its whitespace; bit 4: a byte outside ASCII (look for other whitespace)
    marks = _sparse_key_marks(u, folded) if n and SPARSE_HIGH else None
    if marks is None:
        marks = _block_key_marks(u, folded)
    keys = pl.Series(
        pa.Array.from_buffers(
            pa.large_string(), n, [None, pa.py_buffer(u.offsets), pa.py_buffer(folded)]
        )
    )
    hashes = keys.hash(seed=HASH_SEED).to_numpy().copy()
    rows = marks != 0
    if rows.any():
        part = keys.filter(pl.Series(rows, dtype=pl.Boolean))
        fold = (marks[rows] & 2) != 0
        pu = _Utf8(part)
        for i0, i1, o0, o1 in pu.blocks():
            fold[i0:i1] |= _unicode_spaces(pu.data[o0:o1], pu.start[i0:i1] - o0)
        lower = (marks[rows] & 1) != 0
        hashed = hashes[rows]
        t = pl.col("t").str.to_lowercase()
        for sub, key in ((lower & ~fold, t), (fold, _fold_spaces(t))):
            if sub.any():
                some = part.filter(pl.Series(sub, dtype=pl.Boolean)).to_frame("t")
                hashed[sub] = some.select(key.hash(seed=HASH_SEED)).to_series().to_numpy()
        hashes[rows] = hashed
    return hashes


def _fold_ascii(d: np.ndarray, out: np.ndarray, t: np.ndarray, mask: np.ndarray) -> None:
    """out = the bytes d with A-Z made a-z and 0-9 made 0 (t, mask: scratch arrays of d's size;
    t is left holding each digit's value, 0 elsewhere)."""
    # (uint8 arithmetic wraps: d - 65 < 26 is A-Z)
    np.subtract(d, _U8(65), out=t)
    np.less(t, 26, out=mask)
    np.multiply(mask, _U8(32), out=out)
    out += d
    np.subtract(d, _U8(48), out=t)
    np.less(t, 10, out=mask)
    np.multiply(t, mask, out=t)  # a digit's value
    out -= t


def _block_key_marks(u: _Utf8, folded: np.ndarray) -> np.ndarray:
    """_key_hashes' marks of the strings of `u`, with `folded` (as long as `u.data`) filled with
    their bytes A-Z to a-z and 0-9 to 0, a block of strings at a time, every byte read."""
    marks = np.empty(len(u.size), dtype=np.uint8)
    for i0, i1, o0, o1 in u.blocks():
        d = u.data[o0:o1]
        starts = u.start[i0:i1] - o0
        out = folded[o0:o1]
        t, mask = np.empty_like(d), np.empty(len(d), dtype=np.bool_)
        _fold_ascii(d, out, t, mask)
        # a lead byte (C0 and above) but those of _CASELESS: E3-E9, E2 before 80 or 81
        cased = d >= 0xC0
        np.subtract(d, _U8(0xE3), out=t)
        cased &= t >= 7
        if len(d) > 1:
            np.subtract(d[1:], _U8(0x80), out=t[:-1])
            e2 = d[:-1] == 0xE2
            e2 &= t[:-1] < 2
            cased[:-1] &= ~e2
        mark = np.multiply(d >= 0x80, _U8(4))
        mark |= cased.view(np.uint8)
        # two spaces in a row (a stripped line neither starts nor ends with one: no pair spans
        # two lines)
        np.equal(d, 32, out=mask)
        mask[:-1] &= mask[1:]
        mask |= d < 32
        mark += mask * _U8(2)
        marks[i0:i1] = np.bitwise_or.reduceat(mark, starts)
    return marks


# _key_hashes reads the bytes outside ASCII at their positions, not in the dozen passes over
# every byte that find its marks' bits 1 and 4, where at most one byte in SPARSE_HIGH is one
# (English web text: one in 130 on web-20k-distinct; bench/results/boilerplate.md, session 13):
# the marks 3.5 vs 4.4 ms a 4 MB batch. Each such byte then costs a search for its string
# (~15 ns), so denser text (web-unique: one in 18, 4.5 vs 3.2 ms) takes the blocks. (0: the
# blocks always.)
SPARSE_HIGH = 64
SPARSE_STRIDE = 61
# (a run cache: a process that ran a run keeps no scratch arrays after it)
_KEY_SCRATCH: dict[str, tuple[np.ndarray, np.ndarray]] = run_cache()
_KEY_SCRATCH_LOCK = threading.Lock()
# scratch arrays above this size are made for the call and not kept (one giant batch must not
# leave a process holding twice its size)
_KEY_SCRATCH_KEPT_BYTES = 64 * 2**20


def _key_scratch(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Two byte arrays of at least `n` bytes (used under _KEY_SCRATCH_LOCK), kept from batch to
    batch: fresh arrays of several MB cost more in new pages than the arithmetic."""
    have = _KEY_SCRATCH.get("arrays")
    if have is None or len(have[0]) < n:
        size = max(n, 1 << 20)
        have = (np.empty(size, dtype=np.uint8), np.empty(size, dtype=np.uint8))
        if size <= _KEY_SCRATCH_KEPT_BYTES:
            _KEY_SCRATCH["arrays"] = have
    return have


def _sparse_key_marks(u: _Utf8, folded: np.ndarray) -> np.ndarray | None:
    """_block_key_marks(u, folded) with the bytes outside ASCII read at their positions, or None
    (`folded` untouched) where more than one byte in SPARSE_HIGH looks like one. The strings'
    bytes are one array (the scratch arrays hold the temporaries). The same bits: 4 where a
    string holds a byte outside ASCII, 1 where one is a cased lead (an E2 lead's next byte is in
    its string: valid UTF-8), 2 for two spaces in a row or a control character; bit 2 of a
    string that starts or ends with a space may differ (a pair across two strings, a space at a
    block's end), but such a string is not stripped: its key is made again by the caller
    (_stripped_hashes). Tests: tests/checks/test_boilerplate_collect.py."""
    o0 = int(u.offsets[0])
    d = u.data[o0 : int(u.offsets[-1])]
    size = len(d)
    starts = u.start - o0
    # (decided on every SPARSE_STRIDE-th byte: a count over all of them costs a tenth of the
    # blocks' time; the choice changes the cost, not the marks)
    sample = d[::SPARSE_STRIDE]
    if np.count_nonzero(sample >= 0x80) * SPARSE_HIGH > len(sample):
        return None
    with _KEY_SCRATCH_LOCK:
        a, b = _key_scratch(size)
        t, mask = a[:size], b[:size].view(np.bool_)
        np.greater_equal(d, _U8(0x80), out=mask)
        hi = np.flatnonzero(mask)
        out = folded[o0 : o0 + size]
        _fold_ascii(d, out, t, mask)
        # two spaces in a row, or a control character (into the scratch arrays: `mask[:-1] &=
        # mask[1:]` would copy its overlapping operand into a fresh array of the batch's size)
        pair = t.view(np.bool_)
        np.equal(d, _U8(32), out=mask)
        np.logical_and(mask[:-1], mask[1:], out=pair[:-1])
        pair[-1] = mask[-1]
        np.less(d, _U8(32), out=mask)
        mask |= pair
        marks = np.bitwise_or.reduceat(mask.view(np.uint8), starts) * _U8(2)
    if len(hi):
        lead = d[hi]
        # a lead byte (C0 and above) but those of _CASELESS: E3-E9, E2 before 80 or 81
        cased = (lead >= 0xC0) & ((lead - _U8(0xE3)) >= 7)
        e2 = np.flatnonzero(lead == 0xE2)
        if len(e2):
            after = d[np.minimum(hi[e2] + 1, size - 1)]
            cased[e2[(after - _U8(0x80)) < 2]] = False
        bits = np.where(cased, _U8(5), _U8(4))
        # each byte's string (the bytes ascending, so their strings too), the bits or-ed per
        # string
        row = np.searchsorted(starts, hi, "right") - 1
        first = np.flatnonzero(np.diff(row, prepend=-1))
        marks[row[first]] |= np.bitwise_or.reduceat(bits, first)
    return marks


def _stripped_hashes(raw: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """Per string of `raw` (no nulls): the key hash of its stripped text (line_key's hash, as
    _line_hashes gives it) and whether that text is non-empty (the hash is 0 where not).

    strip_chars changes only a string that starts or ends with whitespace (_edge_space): every
    other non-empty string is already stripped. Their bytes are keyed
    as they lie in `raw` (every non-empty string's, the few others' results are dropped: the
    strings are not copied out), and the few others are stripped by polars and keyed apart
    (tests/checks/test_boilerplate_collect.py tries every Unicode character at both ends)."""
    offsets, data = string_bytes(raw)
    filled = offsets[1:] > offsets[:-1]
    full = np.flatnonzero(filled)
    hashed = np.zeros(len(raw), dtype=np.uint64)
    if not len(full):
        return hashed, filled
    # (the empty strings hold no bytes: leaving their offsets out keeps the others' ranges)
    u = _Utf8(None, (np.append(offsets[full], offsets[-1]), data))
    # (a byte table first, the exact test on the few strings it leaves)
    end = u.offsets[1:]
    near = np.flatnonzero(_MAY_START_SPACE[data[u.start]] | _MAY_END_SPACE[data[end - 1]])
    edge = np.zeros(len(raw), dtype=bool)
    edge[full[near]] = _edge_space(data, u.start[near], end[near])
    hashed[full] = _key_hashes(u)
    if edge.any():
        # (the plain definition, one query on the few lines)
        part = raw.filter(pl.Series(edge, dtype=pl.Boolean)).to_frame("t").select(_EDGE_KEYS)
        kept = part.get_column("k").to_numpy()
        rows = np.flatnonzero(edge)
        filled[rows] = kept
        hashed[rows] = np.where(kept, part.get_column("h").to_numpy(), 0)
    return hashed, filled


def _remembered_hashes(raw: pl.Series, inverse: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """_stripped_hashes(raw) (`raw` distinct, `inverse` each line's row among them): those of
    the lines met in earlier batches of the run taken from collect's memo (`_LineMemo`), the
    others computed and those repeated in the batch kept (_worth_keeping;
    tests/checks/test_boilerplate_memo.py compares)."""
    memo = _memo("collect", None, None, {"h": np.uint64, "filled": np.bool_})
    rows, got = memo.find(raw)
    new = rows < 0
    old = np.flatnonzero(~new)
    if len(old) == len(raw):
        return got["h"], got["filled"]
    part = raw if not len(old) else raw.filter(pl.Series(new))
    hashed, filled = _stripped_hashes(part)
    fresh = _worth_keeping(rows, inverse)[new]
    memo.add(
        part if fresh.all() else part.filter(pl.Series(fresh)),
        {"h": hashed[fresh], "filled": filled[fresh]},
    )
    if not len(old):
        return hashed, filled
    all_hashed = np.empty(len(raw), dtype=np.uint64)
    all_filled = np.empty(len(raw), dtype=bool)
    all_hashed[new], all_filled[new] = hashed, filled
    all_hashed[old], all_filled[old] = got["h"], got["filled"]
    return all_hashed, all_filled


def _byte_set(values: list[int]) -> np.ndarray:
    table = np.zeros(256, dtype=bool)
    table[values] = True
    return table


# the bytes that can start a whitespace character (Unicode White_Space, what strip_chars
# removes: U+0009-U+000D, U+0020, U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F,
# U+205F, U+3000) in UTF-8, and those that can end one
_MAY_START_SPACE = _byte_set([*range(9, 14), 32, 0xC2, 0xE1, 0xE2, 0xE3])
_MAY_END_SPACE = _byte_set(
    [*range(9, 14), 32, 0x85, 0xA0, 0x8E, *range(0x80, 0x8B), 0xA8, 0xA9, 0xAF, 0x9F]
)


def _edge_space(data: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Per non-empty string data[start:end] of valid UTF-8: may it start or end with a
    whitespace character (Unicode White_Space, what strip_chars removes)? Exact for the first
    character; at the end, the last byte tested as ASCII, the last two and the last three as a
    character outside ASCII (a read before the string's start only adds strings to strip)."""

    def at(i: np.ndarray) -> np.ndarray:
        return np.take(data, i, mode="clip")

    first = data[start]
    edge = ((first - _U8(9)) < 5) | (first == 32)
    edge |= _space_char(first, at(start + 1), at(start + 2))
    last = data[end - 1]
    edge |= ((last - _U8(9)) < 5) | (last == 32)
    edge |= _space_char(at(end - 2), last, last) & (at(end - 2) == 0xC2)
    edge |= _space_char(at(end - 3), at(end - 2), last)
    return edge


# Characters without a case (Unicode lower-cases them to themselves, and none is a capital
# sigma): U+2000-U+207F (general punctuation: curly quotes, dashes; super- and subscripts) and
# U+3000-U+9FFF (CJK punctuation, kana, CJK ideographs), UTF-8 E2 80-81 xx and E3-E9 xx xx
# (tests/checks/test_boilerplate_speed.py checks every one of them)
_CASELESS = ((0x2000, 0x2080), (0x3000, 0xA000))


def _unicode_spaces(d: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Per string starting at `starts` in the UTF-8 bytes `d`: does it hold a whitespace
    character outside ASCII (\\s: U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F,
    U+205F, U+3000; and U+180E, whitespace in older Unicode)? Checked at the bytes that can
    lead one (C2, E1-E3), with the one or two bytes after them."""
    out = np.zeros(len(starts), dtype=bool)
    lead = np.flatnonzero((d == 0xC2) | ((d - _U8(0xE1)) < 3))
    if not len(lead):
        return out
    # (valid UTF-8: a lead byte's next byte is in its string; only a two-byte character's
    # third byte may be past the end)
    hit = _space_char(d[lead], d[lead + 1], np.take(d, lead + 2, mode="clip"))
    out[np.searchsorted(starts, lead[hit], "right") - 1] = True
    return out


def _space_char(b0: np.ndarray, b1: np.ndarray, b2: np.ndarray) -> np.ndarray:
    """Do the bytes b0 b1 b2 start with a whitespace character outside ASCII (see
    _unicode_spaces)? base.unicode_space, and U+180E (E1 A0 8E)."""
    return unicode_space(b0, b1, b2) | ((b0 == 0xE1) & (b1 == 0xA0) & (b2 == 0x8E))


def _digits_to_zero(strings: pl.Series) -> pl.Series:
    """strings.str.replace_all("[0-9]", "0") (non-empty strings), in numpy a block at a time."""
    u = _Utf8(strings)
    out = np.empty(len(u.data), dtype=np.uint8)
    first = int(u.offsets[0]) if len(u.offsets) else 0
    out[:first] = 0  # (bytes before the first string: none of them)
    for _, _, o0, o1 in u.blocks():
        d = u.data[o0:o1]
        t = d - _U8(48)
        t *= t < 10  # a digit's value, 0 elsewhere
        np.subtract(d, t, out=out[o0:o1])
    return pl.Series(
        strings.name,
        pa.Array.from_buffers(
            pa.large_string(), len(u.size), [None, pa.py_buffer(u.offsets), pa.py_buffer(out)]
        ),
    )


def _strings(offsets: np.ndarray, data: np.ndarray, n: int) -> pa.LargeStringArray:
    """The n strings of the UTF-8 `data` at `offsets`, as an Arrow array (no copy)."""
    return pa.Array.from_buffers(
        pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )


@lru_cache(maxsize=32)
def _has_digit(phrases: tuple[tuple[str, tuple[str, ...]], ...]) -> bool:
    """Does a phrase of any section hold a digit 0-9?"""
    return any(ch in "0123456789" for _, items in phrases for p in items for ch in p)


_KNOWN: dict[int, tuple[pl.Series, pl.Series]] = {}


def _known(recurring: pl.Series) -> pl.Series:
    """recurring.implode() (is_in's argument), made once per corpus-pass result: evaluate gets
    the same Series with every batch, and imploding it cost ~0.2 ms a batch."""
    hit = _KNOWN.get(id(recurring))
    if hit is None or hit[0] is not recurring:
        _KNOWN.clear()
        hit = _KNOWN[id(recurring)] = (recurring, recurring.implode())
    return hit[1]


def _ascii_words(strings: pl.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per string of `strings` (non-empty, ASCII): WORD's matches, whether it holds whitespace
    other than a space (\\t \\n \\v \\f \\r), and whether it holds two spaces in a row
    (where the recurring key's whitespace fold finds something). On ASCII text WORD matches once per
    token between whitespace (\\s: _WHITESPACE_ASCII) that holds a letter or digit (its first
    one starts the match, which runs to the token's end). A token whose first byte is a letter
    or digit is one (most: counted per string from the bytes at once); a token beginning with
    another byte (an odd start) is looked at byte by byte up to its first letter, digit or
    whitespace, a few steps for the odd tokens of a block at once, then the long ones by a
    search (tests/checks/test_boilerplate_speed.py compares with the regexes)."""
    u = _Utf8(strings)
    words = np.zeros(len(u.size), dtype=np.int64)
    other = np.zeros(len(u.size), dtype=bool)
    double = np.zeros(len(u.size), dtype=bool)
    for i0, i1, o0, o1 in u.blocks():
        d = u.data[o0:o1]
        starts = u.start[i0:i1] - o0
        # whitespace: the space and \t \n \v \f \r (uint8 arithmetic wraps: d - 9 < 5 is 9-13)
        ws = (d - _U8(9)) < 5
        # bit 1: whitespace other than the space; bit 2: two spaces in a row (not across two
        # strings: a string's last byte has no next)
        flags = ws.astype(_U8)
        sp = d == 32
        pair = sp[1:] & sp[:-1]
        pair[starts[1:] - 1] = False
        flags[:-1] += pair.view(_U8) * _U8(2)
        bits = np.bitwise_or.reduceat(flags, starts)
        other[i0:i1] = (bits & 1) != 0
        double[i0:i1] = (bits & 2) != 0
        ws |= sp
        alnum = ((d | _U8(32)) - _U8(97)) < 26
        alnum |= (d - _U8(48)) < 10
        # a token's first byte: not whitespace, first in its string or after whitespace
        lead = np.empty(len(d), dtype=bool)
        lead[0] = True
        lead[1:] = ws[:-1]
        lead[starts] = True
        lead &= ~ws
        dtype = np.uint16 if len(d) <= 0xFFFF else np.int32
        words[i0:i1] = np.add.reduceat((lead & alnum).view(_U8), starts, dtype=dtype)
        odd = np.flatnonzero(lead > alnum)
        if len(odd):
            string = np.searchsorted(starts, odd, "right") - 1
            has = _odd_token_words(d, ws, alnum, odd, np.append(starts, len(d))[string + 1])
            words[i0:i1] += np.bincount(string[has], minlength=i1 - i0)
    return words, other, double


# bytes _odd_token_words reads one step at a time before it searches
ODD_TOKEN_STEPS = 4


def _odd_token_words(
    d: np.ndarray, ws: np.ndarray, alnum: np.ndarray, at: np.ndarray, end: np.ndarray
) -> np.ndarray:
    """Per token of the bytes `d` beginning at `at` with a byte neither whitespace nor a letter
    or digit (its string ends at `end`): does a letter or digit follow before whitespace or the
    string's end? The next ODD_TOKEN_STEPS bytes of every such token at once (most are short:
    "-", "|", "(see"), then the first letter, digit or whitespace of the others by a search."""
    has = np.zeros(len(at), dtype=bool)
    rows = np.arange(len(at))
    pos = at
    for _ in range(ODD_TOKEN_STEPS):
        pos = pos + 1
        inside = pos < end
        byte = np.minimum(pos, len(d) - 1)
        found = inside & alnum[byte]
        has[rows[found]] = True
        going = inside & ~found & ~ws[byte]
        rows, pos, end = rows[going], pos[going], end[going]
        if not len(rows):
            return has
    # the first letter, digit or whitespace at or after each one's position
    marks = np.flatnonzero(ws | alnum)
    nxt = np.searchsorted(marks, pos)
    q = marks[np.minimum(nxt, len(marks) - 1)] if len(marks) else pos
    has[rows] = (nxt < len(marks)) & (q < end) & alnum[np.minimum(q, len(d) - 1)]
    return has


def _unicode_spaces_of(strings: pl.Series, rows: np.ndarray) -> np.ndarray:
    """_unicode_spaces of the strings where `rows` holds (non-empty), in their order."""
    if not rows.any():
        return np.zeros(0, dtype=bool)
    u = _Utf8(strings.filter(pl.Series(rows, dtype=pl.Boolean)))
    return np.concatenate(
        [_unicode_spaces(u.data[o0:o1], u.start[i0:i1] - o0) for i0, i1, o0, o1 in u.blocks()]
    )


def _documents_per_key(doc: np.ndarray, key: np.ndarray, keys: int) -> np.ndarray:
    """Per key 0..keys-1, in how many distinct documents `doc` it occurs (`key` per line): the
    lines ordered by key, then document (a stable radix sort by key of lines in document
    order), and the first line of each (key, document) run counted (three times cheaper than
    a hashed unique of the pairs)."""
    if not keys:
        return np.zeros(0, dtype=np.int64)
    if len(doc) > 1 and (doc[1:] < doc[:-1]).any():
        by_doc = np.argsort(doc, kind="stable")
        doc, key = doc[by_doc], key[by_doc]
    order = _stable_order(key)
    k, d = key[order], doc[order]
    first = np.ones(len(k), dtype=bool)
    first[1:] = (k[1:] != k[:-1]) | (d[1:] != d[:-1])
    return np.bincount(k[first], minlength=keys)


def _stable_order(values: np.ndarray) -> np.ndarray:
    """np.argsort(values, kind="stable") of non-negative integers below 2**32, as numpy's radix
    sort does it (numpy sorts 16-bit integers by radix, wider ones by timsort): one pass for
    values below 2**16, else two (low half, then high half, each stable)."""
    if not len(values) or int(values.max()) < 1 << 16:
        return np.argsort(values.astype(np.uint16), kind="stable")
    v = values.astype(np.uint32)
    low = np.argsort((v & 0xFFFF).astype(np.uint16), kind="stable")
    high = np.argsort((v[low] >> 16).astype(np.uint16), kind="stable")
    return low[high]


def _min_texts(hashes: list[int], texts: list[str | None]) -> dict[int, str | None]:
    """Per distinct hash of `hashes` (one per text of `texts`), its smallest text (nulls left
    out): a group-by's `pl.col("t").min()`, in Python over the few sampled texts (a polars query
    costs more). Python orders strings by code points, polars by UTF-8 bytes: the same order."""
    best: dict[int, str | None] = {}
    for h, t in zip(hashes, texts, strict=True):
        if h not in best:
            best[h] = t
        elif t is not None:
            old = best[h]
            if old is None or t < old:
                best[h] = t
    return best


def _texts_frame(hashes: list[int], texts: list[str | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {"h": pl.Series(hashes, dtype=pl.UInt64), "t": pl.Series(texts, dtype=pl.String)}
    )


def _summed(hashes: list[pl.Series], counts: list[pl.Series]) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct hashes in ascending order, each one's summed count): the group-by
    `agg(pl.col("n").sum())` of the frames' rows, by one sort (UInt32 sums, as polars)."""
    if len(hashes) == 2:
        merged = _merged_runs(
            *(s.to_numpy().astype(np.uint64, copy=False) for s in hashes),
            *(s.to_numpy().astype(np.uint32, copy=False) for s in counts),
        )
        if merged is not None:
            return merged
    h = np.concatenate([s.to_numpy() for s in hashes]).astype(np.uint64, copy=False)
    n = np.concatenate([s.to_numpy() for s in counts]).astype(np.uint32, copy=False)
    if not len(h):
        return h, n
    # (stable: timsort, which merges the two runs when both frames come sorted, as collect and
    # merge leave them)
    order = np.argsort(h, kind="stable")
    h = h[order]
    starts = np.flatnonzero(np.concatenate(([True], h[1:] != h[:-1])))
    return h[starts], np.add.reduceat(n[order], starts, dtype=np.uint32)


def _merged_runs(
    ha: np.ndarray, hb: np.ndarray, na: np.ndarray, nb: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """_summed of two frames whose hashes `ha`, `hb` each ascend without repeats (as collect
    and merge leave them; None otherwise): each hash of b found in a by a binary search, its
    count added there (UInt32, wrapping as the sums do), the others inserted in order. Linear
    in the hashes kept, where the sort of both costs ~5x more (a crawl's merges hold up to
    max_tracked_lines hashes; tests/checks/test_boilerplate_collect.py compares)."""
    if (ha[1:] <= ha[:-1]).any() or (hb[1:] <= hb[:-1]).any():
        return None
    at = np.searchsorted(ha, hb)
    found = at < len(ha)
    found[found] = ha[at[found]] == hb[found]
    n = na.copy()
    n[at[found]] += nb[found]
    new = ~found
    return np.insert(ha, at[new], hb[new]), np.insert(n, at[new], nb[new])


def _most_frequent(h: np.ndarray, n: np.ndarray, k: int) -> np.ndarray:
    """The positions, ascending, of the k first of the hashes `h` (ascending, distinct) by (count
    `n` down, hash up): those counted more than the k-th largest count, then as many of those
    counted exactly that as are missing, the smallest hashes first. A selection, not a sort: a
    crawl past max_tracked_lines merges at that size after every batch (a million hashes: ~4 ms,
    where the lexsort of the definition took ~110)."""
    if k >= len(h):
        return np.arange(len(h))
    cut = np.partition(n, len(n) - k)[len(n) - k]  # the k-th largest count
    keep = n > cut
    tied = np.flatnonzero(n == cut)  # ascending positions: ascending hashes
    keep[tied[: k - int(np.count_nonzero(keep))]] = True
    return np.flatnonzero(keep)


def _top_texts(a: pl.DataFrame, b: pl.DataFrame, h: np.ndarray, n: np.ndarray) -> pl.DataFrame:
    """The smallest text per hash of the frames `a` and `b` (columns h, t), for the hashes among
    `h` (ascending; `n` their counts), the first SAMPLE_TEXTS by (count down, hash up): a
    group-by, an inner join with the counts, a sort and a head, in Python over a few hundred
    rows."""
    best = _min_texts(
        a.get_column("h").to_list() + b.get_column("h").to_list(),
        a.get_column("t").to_list() + b.get_column("t").to_list(),
    )
    th = np.fromiter(best, dtype=np.uint64, count=len(best))
    at = np.minimum(np.searchsorted(h, th), len(h) - 1) if len(h) else np.zeros(0, np.int64)
    rows = np.flatnonzero(h[at] == th) if len(h) else np.zeros(0, np.int64)
    order = sorted(zip((-n[at[rows]].astype(np.int64)).tolist(), th[rows].tolist(), strict=True))
    keys = [k for _, k in order[:SAMPLE_TEXTS]]
    return _texts_frame(keys, [best[k] for k in keys])


def _first_by_count(n: np.ndarray, k: int) -> np.ndarray:
    """Per row: is it among the first k rows by (n down, row up)? (The rows of collect's
    counts are in hash order: the set a sort by (count down, hash up) and a head of k give,
    found from the counts' histogram without sorting.)"""
    if len(n) <= k:
        return np.ones(len(n), dtype=bool)
    # the k-th largest count: rows above it are in, rows at it in row order until k
    at_least = np.cumsum(np.bincount(n)[::-1])[::-1]  # rows with a count >= c
    cut = int(np.flatnonzero(at_least >= k)[-1])
    chosen = n > cut
    ties = np.flatnonzero(n == cut)[: k - np.count_nonzero(chosen)]
    chosen[ties] = True
    return chosen


def _numbered(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct values in ascending order, each value's row among them): np.unique with
    return_inverse, as polars' dense rank (each value's row + 1) and a scatter of the values to
    their rows (a third cheaper than numpy's argsort of 64-bit values here)."""
    if not len(values):
        return values.copy(), np.zeros(0, dtype=np.int64)
    rows = pl.Series(values).rank("dense").to_numpy().astype(np.int64)
    rows -= 1
    distinct = np.empty(int(rows.max()) + 1, dtype=values.dtype)
    distinct[rows] = values
    return distinct, rows


def _fold(lower: pl.Expr) -> pl.Expr:
    # `\s+` -> " " rewritten as: any whitespace run other than a single space -> " " (the same
    # string; most lines have only single spaces, so almost nothing is replaced: 4x faster)
    return _fold_spaces(lower.str.replace_all(r"[0-9]", "0"))


def _fold_spaces(text: pl.Expr) -> pl.Expr:
    return text.str.replace_all(r"\s\s+|[^\S ]", " ")


# the characters of polars' (the Rust regex crate's) `\s`: Unicode White_Space
# (tests/checks/test_boilerplate_speed.py checks every code point)
WHITE_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_WHITE_SPACE_RUN = re.compile(f"[{WHITE_SPACE}]+")
# at most this many strings are folded in Python (_fold_few): below it a polars query (its
# regex's matching state built anew, ~0.2 ms) costs more than Python's loop
FOLD_IN_PYTHON = 64


def _fold_few(strings: pl.Series) -> pl.Series:
    """_fold_spaces of `strings` (no nulls): each run of whitespace to one space (what `\\s\\s+|
    [^\\S ]` -> " " does: a run of two or more, or one character other than a space). In Python
    for a few strings, by the polars regex for more."""
    if strings.len() > FOLD_IN_PYTHON:
        return strings.to_frame("k").select_seq(_fold_spaces(pl.col("k"))).to_series()
    folded = [_WHITE_SPACE_RUN.sub(" ", t) for t in strings.to_list()]
    return pl.Series(strings.name, folded, dtype=pl.String)


# _stripped_hashes on the lines that may start or end with whitespace: the key hash (line_key
# strips) and whether the stripped line is non-empty
_EDGE_KEYS = (
    line_key(pl.col("t")).hash(seed=HASH_SEED).alias("h"),
    (pl.col("t").str.strip_chars() != "").alias("k"),
)


def _run_max(values: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Per row, the maximum of `values` over its run: the rows from the last row where `start`
    holds to the row before the next one (`start` holds on the first row; no NaN)."""
    starts = np.flatnonzero(start)
    return np.repeat(np.maximum.reduceat(values, starts), np.diff(np.append(starts, len(values))))


def _neighbours(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the last row before it where `mask` holds (-1 if none) and the next row after
    it where `mask` holds (len(mask) if none): a shifted forward and backward fill, from one
    running count (the k-th row where `mask` holds is a lookup)."""
    rows = np.flatnonzero(mask)
    seen = np.cumsum(mask)  # rows up to and including this one where mask holds
    before = np.concatenate(([-1], rows))[seen - mask]
    after = np.append(rows, len(mask))[seen]
    return before, after


def _no_codes(n: int, sections: bool) -> Any:
    """_code_array of n lines that are all blank."""
    code = np.zeros(n, dtype=np.uint8)
    return (code, code.copy()) if sections else code


def _run_total(x: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Per row, the sum of `x` over its run: the rows from the last row where `start` holds to
    the row before the next one (`start` holds on the first row). A running sum and two
    differences, the arithmetic of the polars expressions it replaced (bit for bit the same
    floats: tests/checks/test_boilerplate_speed.py)."""
    starts = np.flatnonzero(start)
    total = np.cumsum(x)
    last = np.append(starts[1:] - 1, len(x) - 1)
    per_run = total[last] - (total - x)[starts]
    return np.repeat(per_run, np.diff(np.append(starts, len(x))))


# -- lines met in earlier batches ------------------------------------------------------------------

# A run meets most of its lines again and again: site templates, menus, footers and syndicated
# text recur across documents and so across batches (web-200k: 205k distinct lines in 3.4M; each
# batch's 7.3k distinct lines are ~70 % lines of earlier batches). What collect and evaluate
# compute per distinct line is a function of the line's text alone (and, for evaluate, of the
# rule's parameters and the corpus pass's recurring hashes), so each is computed once per run and
# kept per line (`_LineMemo`), looked up by the exact text (a hash finds a candidate, the strings
# are compared: a shared hash cannot mix two lines up). Only lines met twice in their batch are
# kept (_worth_keeping). Bounded: at most MEMO_LINES lines and MEMO_BYTES bytes of their texts
# (~30 MB a memo in all, with the table and the values; web-200k's hold ~5k lines); past either,
# the memo starts afresh. Emptied when a run starts and ends (base.run_cache; a Ray worker, which
# outlives runs, holds at most MEMO_CONTEXTS of them). The same results with or without it
# (tests/checks/test_boilerplate_memo.py; classify and _codes run without one).
MEMO_LINES = 1 << 18
MEMO_BYTES = 16 << 20
# memos kept at once (one per rule instance and corpus-pass result, and collect's): a rule set with
# several boilerplate-lines rules keeps one each; past this many, all are dropped
MEMO_CONTEXTS = 4
# the memo's text chunks are joined into one when they reach this many (a gather across many
# chunks costs ~4x one over a single chunk)
MEMO_CHUNKS = 16
_MEMOS: dict[Any, tuple[Any, Any, _LineMemo]] = run_cache()
_MEMOS_LOCK = threading.Lock()


def _memo(key: Any, owner: Any, context: Any, columns: dict[str, Any]) -> _LineMemo:
    """The run's memo for `key`, kept while `owner` and `context` are the objects it was made
    for (a new rule instance or a new corpus-pass result starts a new one)."""
    with _MEMOS_LOCK:
        hit = _MEMOS.get(key)
        if hit is None or hit[0] is not owner or hit[1] is not context:
            if len(_MEMOS) >= MEMO_CONTEXTS:
                _MEMOS.clear()
            hit = _MEMOS[key] = (owner, context, _LineMemo(columns))
        return hit[2]


class _LineMemo:
    """Values per distinct line text (`columns`: name -> numpy dtype), kept across batches. The
    texts' polars hashes sit in an open-addressing table (a slot holds a kept line's row, -1 when
    free; a hash's home slot is its top `bits` bits, a line sits in the first free slot from its
    home on); every kept hash is distinct (lines whose hash another line has are not kept)."""

    def __init__(self, columns: dict[str, Any]) -> None:
        self.columns = columns
        self.lock = threading.Lock()
        self._clear()

    def _clear(self) -> None:
        self.n = 0
        self.bits = 12
        self.table = np.full(1 << self.bits, -1, dtype=np.int32)
        self.h = np.zeros(0, dtype=np.uint64)
        self.values = {c: np.zeros(0, dtype=t) for c, t in self.columns.items()}
        self.texts: pl.Series | None = None

    def find(self, strings: pl.Series) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """For `strings` (distinct, no nulls): each one's row among the kept lines (-1 when not
        kept, -2 when its hash is a kept line's but its text is not: it cannot be kept), and the
        kept values of those found (rows >= 0), in their order (read at once: a later `add` may
        start the memo afresh). (An empty memo hashes nothing: a corpus without repeated lines
        pays little.)"""
        with self.lock:
            if not self.n:
                rows = np.full(len(strings), -1, dtype=np.int64)
                return rows, {c: v[:0] for c, v in self.values.items()}
            rows = self._probe(_memo_hashes(strings))
            hit = np.flatnonzero(rows >= 0)
            if len(hit):
                same = (self.texts.gather(rows[hit]) == take_sorted(strings, hit)).to_numpy()
                rows[hit[~same]] = -2
            found = rows[rows >= 0]
            return rows, {c: v[found] for c, v in self.values.items()}

    def _probe(self, h: np.ndarray) -> np.ndarray:
        if not self.n or not len(h):
            return np.full(len(h), -1, dtype=np.int64)
        return probe(self.table, self.h, self.bits, h)

    def add(self, strings: pl.Series, values: dict[str, np.ndarray]) -> None:
        """Keep `strings` (distinct, none kept, none with the hash of a kept line: rows -1 of
        `find`) and their `values`; those sharing a hash are left out."""
        if not strings.len():
            return
        h = _memo_hashes(strings)
        hs = np.sort(h)
        if (hs[1:] == hs[:-1]).any():  # (a hash two of them share: rare, found by a sort)
            order = np.argsort(h, kind="stable")
            hs = h[order]
            alone = np.ones(len(h), dtype=bool)
            alone[1:] = hs[1:] != hs[:-1]
            alone[:-1] &= hs[1:] != hs[:-1]
            rows = np.sort(order[alone])
            strings, h = take_sorted(strings, rows), h[rows]
            values = {c: v[rows] for c, v in values.items()}
        k = len(h)
        with self.lock:
            size = 0 if self.texts is None else self.texts.estimated_size()
            if self.n + k > MEMO_LINES or size + strings.estimated_size() > MEMO_BYTES:
                self._clear()
                if k > MEMO_LINES or strings.estimated_size() > MEMO_BYTES:
                    return
            n = self.n + k
            self.h = _grown(self.h, n)
            self.h[self.n : n] = h
            for c, v in values.items():
                self.values[c] = _grown(self.values[c], n)
                self.values[c][self.n : n] = v
            # a copy of the texts alone: `strings` is a filter of a batch's lines, whose views
            # keep every buffer of that batch's text alive (estimated_size counts the views
            # only): kept as they were, a corpus of few repeated lines held ~380 MB more
            own = pl.Series("", large_strings(strings))
            if self.texts is None:
                self.texts = own
            else:
                self.texts.append(own)
                if self.texts.n_chunks() >= MEMO_CHUNKS:
                    self.texts = self.texts.rechunk()
            if MEMO_LOAD * n > len(self.table):
                bits = max(12, (MEMO_LOAD * n - 1).bit_length())
                self.bits, self.table = bits, np.full(1 << bits, -1, dtype=np.int32)
                self._place(np.arange(n))
            else:
                self._place(np.arange(self.n, n))
            self.n = n

    def _place(self, rows: np.ndarray) -> None:
        # each of `rows` (hash self.h[row], in no slot yet) in the first free slot from its home
        # (several claiming one free slot: one write wins, the others go on)
        mask = (1 << self.bits) - 1
        slot = (self.h[rows] >> np.uint64(64 - self.bits)).astype(np.intp)
        rows = rows.astype(np.int32)
        pending = np.arange(len(rows))
        while len(pending):
            s = slot[pending]
            free = self.table[s] < 0
            self.table[s[free]] = rows[pending[free]]
            pending = pending[self.table[s] != rows[pending]]
            slot[pending] = (slot[pending] + 1) & mask


def _worth_keeping(rows: np.ndarray, inverse: np.ndarray) -> np.ndarray:
    """Per distinct line (`rows`: `_LineMemo.find`'s answer; `inverse`: each line's row among
    the distinct lines), is it one to keep in the memo: not kept yet, not sharing a kept line's
    hash, and found more than once in the batch. (A line met twice in one batch is a template's
    or a quote's, likely met again; the lines met once, most of a crawl's, would fill the memo
    and be looked up in vain: web-200k's "Document N." lines, 30 % of a batch's distinct lines,
    cost ~0.4 ms a batch to keep.)"""
    return (rows == -1) & (np.bincount(inverse, minlength=len(rows)) > 1)


def _memo_hashes(strings: pl.Series) -> np.ndarray:
    """The memo's hash of each string (uint64)."""
    return strings.hash(seed=0).to_numpy()


# the memo's table has at least this many slots per kept line (a lookup walks ~12 slots past the
# home slot at most at a half-full table, ~5 at a quarter: each step is a round of numpy calls)
MEMO_LOAD = 4


def _grown(a: np.ndarray, n: int) -> np.ndarray:
    """`a`, or a copy with room for at least n values (doubled), the first ones kept."""
    if len(a) >= n:
        return a
    out = np.zeros(max(n, 2 * len(a), 1024), dtype=a.dtype)
    out[: len(a)] = a
    return out
