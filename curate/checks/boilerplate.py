"""Boilerplate: the page around the article (menus, widgets, "read more", cookie and copyright lines)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from curate.checks import register
from curate.checks.base import DOC, LINE, Batch, Rule, RuleResult, param

# Lines that are nothing but short tokens: font-size widgets ("A", "A A A", "A+ A-"), pagers,
# separators ("+ -", "|", "***"). Every token is at most 2 characters long.
WIDGET = r"^\s*(?:\S{1,2}\s*){1,6}$"
# Editor and reporter tags at the end of Indonesian/Malay news: "(esn)", "(ant/dn)", "(*)".
EDITOR_TAG = r"^\s*\(\s*[\w*/.,\- ]{1,12}\)\s*$"
# Phrases that make a short line boilerplate, lower-cased, matched at the start of the line. A
# first version covering English and Indonesian/Malay; the boilerplate issue grows this into
# per-language data files.
PHRASES = (
    "read more", "read also", "see also", "related:", "related articles", "related stories",
    "share this", "share on", "share", "tweet", "print", "email", "comments", "leave a comment",
    "subscribe", "sign up", "log in", "sign in", "advertisement", "sponsored", "cookie",
    "we use cookies", "this site uses cookies", "accept cookies", "privacy policy",
    "terms of use", "terms of service", "all rights reserved", "copyright", "©",
    "scroll to continue with content", "click here", "follow us", "tags:", "tag:", "photo:",
    "baca juga", "baca selengkapnya", "lihat juga", "simak juga", "berita terkait", "bagikan",
    "artikel terkait", "hak cipta", "ikuti kami", "tonton juga", "saksikan video",
    "video pilihan", "klik di sini", "foto:", "editor:", "penulis:", "reporter:", "sumber:",
)
# a phrase line is boilerplate only while it is short: a real sentence may start with "Share"
PHRASE_MAX_WORDS = 12


def _phrase_regex(phrases: tuple[str, ...]) -> str:
    import re

    alternation = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return rf"(?i)^\s*(?:{alternation})(?:\W|$)"


@register
class BoilerplateLines(Rule):
    """Lines that belong to the page, not to the document.

    Catches: font-size and share widgets (`A`, `A A A`, `+ -`), "Read more" / "Baca juga" links,
    cookie, copyright and privacy lines, bylines and editor tags such as `(esn)`, "SCROLL TO
    CONTINUE WITH CONTENT".

    Why: web text keeps the page chrome around the article; a model trained on it learns menus.

    Example: in a scraped news article, the three lines `A` after the title are a font-size widget;
    `strip` removes them and keeps every body line.

    Signals:
      boilerplate_lines   number of lines classified as boilerplate (lines)
      boilerplate_share   characters in those lines / characters in the document (0..1)

    Actions: `strip` removes the lines (the rule fires when it removes one); `flag` and `drop` fire
    when boilerplate_share > max_share.
    """

    name = "boilerplate-lines"
    family = "boilerplate"
    actions = ("flag", "strip", "drop")
    main_signal = "boilerplate_share"
    threshold_param = "max_share"

    @dataclass(frozen=True)
    class Params:
        max_share: float = param(
            0.5, "flag/drop documents whose boilerplate share is above this", unit="fraction of characters",
            source="our choice: above half, the page is mostly chrome", min=0.0, max=1.0)
        phrase_max_words: int = param(
            PHRASE_MAX_WORDS, "a line starting with a boilerplate phrase counts only up to this many words",
            unit="words", source="our choice", min=1)

    def line_mask(self, lines: pl.DataFrame) -> pl.Series:
        text = pl.col(LINE)
        words = text.str.split(" ").list.len()
        is_phrase = text.str.contains(_phrase_regex(PHRASES)) & (words <= self.params.phrase_max_words)
        is_widget = text.str.contains(WIDGET) & text.str.contains(r"[^\s]")
        is_tag = text.str.contains(EDITOR_TAG)
        return lines.select((is_phrase | is_widget | is_tag).fill_null(False)).to_series()

    def evaluate(self, batch: Batch) -> RuleResult:
        mask = self.line_mask(batch.lines)
        lines = batch.lines.with_columns(mask.alias("_bp"), pl.col(LINE).str.len_chars().alias("_n"))
        per_doc = lines.group_by(DOC).agg(
            pl.col("_bp").sum().alias("n"),
            pl.col("_n").filter(pl.col("_bp")).sum().alias("bp_chars"),
            pl.col("_n").sum().alias("chars"),
        ).with_columns((pl.col("bp_chars") / pl.col("chars").clip(lower_bound=1)).alias("share"))
        count = batch.per_doc(per_doc, "n").cast(pl.Int64)
        share = batch.per_doc(per_doc, "share", 0.0).cast(pl.Float64)
        if self.action == "strip":
            fired = count > 0
        else:
            fired = share > self.params.max_share
        return RuleResult(
            signals={"boilerplate_lines": count, "boilerplate_share": share},
            fired=fired,
            remove=mask,
        )
