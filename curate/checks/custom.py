"""User patterns: lines matching regular expressions the rule set supplies."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from curate.checks import register
from curate.checks.base import LINE, Batch, Rule, RuleResult, line_chars, param
from curate.checks.words import DISTINCT_LINES_MEMO, referenced_lines

MAX_PATTERN_CHARS = 1000


def check_pattern(pattern: str) -> None:
    """Reject a pattern before any data is read.

    Patterns run on polars' regex engine (Rust `regex`), which guarantees time linear in the text:
    there is no backtracking, so a pattern such as `(a+)+$` cannot blow up on hostile text; features
    that need backtracking (look-around, back-references) are refused here with the engine's
    message, as are patterns whose compiled program is too large.
    """
    if len(pattern) > MAX_PATTERN_CHARS:
        raise ValueError(f"pattern is longer than {MAX_PATTERN_CHARS} characters")
    try:
        pl.Series([""], dtype=pl.String).str.contains(pattern)
    except pl.exceptions.ComputeError as e:
        first = str(e).strip().splitlines()
        detail = next((ln.strip() for ln in first if ln.strip().startswith("error:")), first[0])
        raise ValueError(f"invalid regular expression {pattern!r}: {detail}") from None


@register
class PatternLines(Rule):
    """Lines that match regular expressions you supply.

    Catches: site-specific chrome no list knows ("Diposting oleh ...", a newsletter footer), IDs,
    tracking lines; whatever your corpus repeats.

    Why: every corpus has its own boilerplate; a pattern is the quickest fix once you have seen it
    in the report.

    Example: `patterns: ["^Diposting oleh ", "(?i)^all photos: "]` with `action: strip` removes
    those lines.

    Patterns use the syntax of the Rust `regex` crate (like Python's `re` without look-around and
    back-references) and run in time linear in the text, so a hostile document cannot make a
    pattern take exponential time. A pattern matches anywhere in the line unless anchored.

    Signals:
      pattern_lines  number of matching lines (lines)
      pattern_share  characters in matching lines / characters in the document (0..1)

    Actions: `strip` removes matching lines (fires when it removes one); `flag`/`drop` fire when
    pattern_share > max_share.
    """

    name = "pattern-lines"
    family = "custom"
    actions = ("flag", "strip", "drop")
    main_signal = "pattern_share"
    threshold_param = "max_share"

    @dataclass(frozen=True)
    class Params:
        patterns: list[str] = param([], "regular expressions matched against each line")
        case_sensitive: bool = param(True, "false: patterns ignore case")
        max_share: float = param(
            0.0,
            "flag/drop documents whose matching share is above this",
            unit="fraction of characters",
            source="our choice: any match",
            min=0.0,
            max=1.0,
        )

        def validate(self) -> None:
            if not self.patterns:
                raise ValueError("patterns: give at least one regular expression")
            for p in self.patterns:
                check_pattern(p)

    def evaluate(self, batch: Batch) -> RuleResult:
        pattern = self._combined()
        memo = batch.memoized(DISTINCT_LINES_MEMO)
        if memo is not None:
            # the batch's distinct lines, when a rule before split them (boilerplate-lines,
            # language-mismatch): each searched once, those some line still refers to (a web
            # batch's lines hold the same few lines many times: a fifth of their bytes)
            distinct, at = referenced_lines(*memo)
            mask = pl.Series(LINE, distinct.str.contains(pattern).to_numpy()[at])
        else:
            mask = batch.lines.get_column(LINE).str.contains(pattern)
            if mask.null_count():
                mask = mask.fill_null(False)
        # the sums per document in numpy from each line's document row and length (both kept
        # by the batch): a group_by and two joins cost ~1.3 ms a web batch, this ~0.1
        # (tests/checks/test_custom.py checks `_pattern_signals_plain`); most batches of a
        # run match no line at all: zeros then
        m = mask.to_numpy()
        if m.any():
            doc = batch.doc_of_line()
            chars = line_chars(batch).astype(np.float64)
            n = np.bincount(doc[m], minlength=batch.n)
            # float64 sums of integers (exact below 2**53), divided as polars divides them
            hit = np.bincount(doc[m], weights=chars[m], minlength=batch.n)
            total = np.bincount(doc, weights=chars, minlength=batch.n)
            share_np = hit / np.maximum(total, 1.0)
        else:
            n = np.zeros(batch.n, dtype=np.int64)
            share_np = np.zeros(batch.n, dtype=np.float64)
        count = pl.Series("n", n, dtype=pl.Int64)
        share = pl.Series("share", share_np, dtype=pl.Float64)
        fired = count > 0 if self.action == "strip" else share > self.params.max_share
        return RuleResult(
            signals={"pattern_lines": count, "pattern_share": share}, fired=fired, remove=mask
        )

    def _combined(self) -> str:
        """The patterns as one alternation (the case flag on each)."""
        flags = "" if self.params.case_sensitive else "(?i)"
        return "|".join(f"{flags}(?:{p})" for p in self.params.patterns)
