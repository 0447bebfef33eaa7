"""Repetition inside one document: the article pasted twice, repeated paragraphs and lines."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from curate.checks import register
from curate.checks.base import DOC, LINE, Batch, Rule, RuleResult, param


def normalised(expr: pl.Expr) -> pl.Expr:
    """Case, whitespace and punctuation do not make two lines different."""
    return (
        expr.str.to_lowercase()
        .str.replace_all(r"[\p{P}\p{S}\s]+", " ")
        .str.strip_chars()
    )


@register
class RepeatedParagraphs(Rule):
    """Lines and paragraphs repeated inside one document.

    Catches: a scraper that pasted the whole article twice, a paragraph or line that appears again
    (compared after folding case, whitespace and punctuation).

    Why: repeats teach a model to repeat, and weigh one text twice.

    Example: an article whose five body paragraphs appear twice; `strip` keeps the first copy of
    each and removes the second.

    Signals:
      dup_line_frac       repeated lines / non-blank lines (Gopher's dup_line_frac)
      dup_line_char_frac  characters in repeated lines / characters in non-blank lines
                          (Gopher's dup_line_char_frac)

    Actions: `strip` removes every repeat after the first copy (the rule fires when it removes
    one); `flag` and `drop` fire when dup_line_frac > max_dup_line_frac or dup_line_char_frac >
    max_dup_line_char_frac.
    """

    name = "repeated-paragraphs"
    family = "repetition"
    actions = ("flag", "strip", "drop")
    main_signal = "dup_line_char_frac"
    threshold_param = "max_dup_line_char_frac"

    @dataclass(frozen=True)
    class Params:
        min_chars: int = param(
            20, "lines shorter than this (after normalisation) are never treated as repeats",
            unit="characters", source="our choice: short lines (\"Yes.\", dates) legitimately repeat",
            min=1)
        max_dup_line_frac: float = param(
            0.30, "flag/drop above this fraction of repeated lines", unit="fraction of lines",
            source="Gopher (Rae et al. 2021, table A1)", min=0.0, max=1.0)
        max_dup_line_char_frac: float = param(
            0.20, "flag/drop above this fraction of characters in repeated lines",
            unit="fraction of characters", source="Gopher (Rae et al. 2021, table A1)",
            min=0.0, max=1.0)

    def evaluate(self, batch: Batch) -> RuleResult:
        key = normalised(pl.col(LINE))
        lines = batch.lines.with_columns(key.alias("_k"), pl.col(LINE).str.len_chars().alias("_n"))
        nonblank = pl.col("_k") != ""
        dup = (~pl.col("_k").is_first_distinct().over(DOC)) & nonblank
        lines = lines.with_columns(dup.alias("_dup"))
        removable = lines.select(pl.col("_dup") & (pl.col("_k").str.len_chars() >= self.params.min_chars)).to_series()
        per_doc = lines.group_by(DOC).agg(
            (pl.col("_dup").sum() / nonblank.sum().clip(lower_bound=1)).alias("frac"),
            (pl.col("_n").filter(pl.col("_dup")).sum() / pl.col("_n").filter(nonblank).sum().clip(lower_bound=1)).alias("cfrac"),
            pl.col("_dup").and_(pl.col("_k").str.len_chars() >= self.params.min_chars).sum().alias("removable"),
        )
        frac = batch.per_doc(per_doc, "frac", 0.0).cast(pl.Float64)
        cfrac = batch.per_doc(per_doc, "cfrac", 0.0).cast(pl.Float64)
        if self.action == "strip":
            fired = batch.per_doc(per_doc, "removable", 0) > 0
        else:
            fired = (frac > self.params.max_dup_line_frac) | (cfrac > self.params.max_dup_line_char_frac)
        return RuleResult(
            signals={"dup_line_frac": frac, "dup_line_char_frac": cfrac},
            fired=fired,
            remove=removable,
        )
