"""Truncation: documents cut off mid-sentence, mid-word, or with a "read more" tail."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from curate.checks import register
from curate.checks.base import DOC, LINE, Batch, Rule, RuleResult, param

# Sentence-final punctuation across scripts, optionally followed by closing quotes or brackets.
TERMINAL = r"[.!?。！？।॥؟۔…:;]['\"”’»)\]]*\s*$"
ELLIPSIS_TAIL = r"(?:\.\.\.|…|\[\.\.\.\]|\[…\])\s*$"
# A trailing line that is not prose: a tag like (esn), a date, a URL, a hashtag, a separator, a
# number, a short heading. The end of the *content* is judged on the last prose line before it.
NON_PROSE = (
    r"^\s*(?:\(.{0,20}\)|https?://\S+|www\.\S+|#\S+(?:\s+#\S+)*|[\W\d_]+|"
    r"\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}.*)\s*$"
)
# a line of this many words or fewer with no terminal punctuation is a heading or a byline
MIN_PROSE_WORDS = 5


@register
class TruncatedText(Rule):
    """Documents that were cut off.

    Catches: text ending mid-sentence or mid-word (a scraper's length cap, a database column
    limit, a paywall), and explicit tails such as `...`, `…` or `[...]`.

    Why: training on text cut mid-sentence teaches a model to stop mid-thought.

    The end of the *content* is judged, not the last line: trailing non-prose lines (an editor tag
    such as `(esn)`, a date, a URL, a hashtag, a separator, a short heading or byline) are skipped.

    Example: `Para ahli meni` at the end of an article is unterminated; an article ending in
    `... tambahnya.` followed by `(esn)` is complete.

    Signals:
      truncated_unterminated  the last prose line does not end with sentence-final punctuation
      truncated_ellipsis      the text ends with `...`, `…` or `[...]`

    The rule fires when either signal holds.
    """

    name = "truncated-text"
    family = "truncation"
    actions = ("flag", "drop")
    main_signal = "truncated"
    bins = (0.0, 0.5, 1.0)

    @dataclass(frozen=True)
    class Params:
        min_prose_words: int = param(
            MIN_PROSE_WORDS, "trailing lines with fewer words and no final punctuation are "
            "treated as headings or bylines and skipped", unit="words", source="our choice", min=1)

    def evaluate(self, batch: Batch) -> RuleResult:
        line = pl.col(LINE).str.strip_chars()
        words = line.str.split(" ").list.len()
        terminal = line.str.contains(TERMINAL)
        prose = (line != "") & ~line.str.contains(NON_PROSE) & (
            terminal | (words >= self.params.min_prose_words)
        )
        last = (
            batch.lines.filter(prose)
            .group_by(DOC)
            .agg(pl.col(LINE).last().str.strip_chars().alias("last"))
        )
        last_line = batch.per_doc(last, "last", "")
        tail = batch.text.str.strip_chars()
        ellipsis = tail.str.contains(ELLIPSIS_TAIL)
        unterminated = (last_line != "") & ~last_line.str.contains(TERMINAL)
        truncated = ellipsis | unterminated
        return RuleResult(
            signals={
                "truncated": truncated,
                "truncated_unterminated": unterminated,
                "truncated_ellipsis": ellipsis,
            },
            fired=truncated,
        )
