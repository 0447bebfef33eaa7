"""Repetition inside one document: the article pasted twice, repeated paragraphs and lines, and the
Gopher repetition signals (Rae et al. 2021, "Scaling Language Models", appendix A, table A1)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from curate.checks import register
from curate.checks.base import DOC, LINE, LN, Batch, Rule, RuleResult, param

# Gopher's n-gram signals: the top n-gram share for n = 2..4, the duplicate n-gram share for 5..10
TOP_NS = (2, 3, 4)
DUP_NS = (5, 6, 7, 8, 9, 10)
# fixed seed: word hashes only decide equality, never which document wins, but keep runs identical
_SEED = 0x5EED


def normalised(expr: pl.Expr) -> pl.Expr:
    """Case, whitespace and punctuation do not make two lines different. Upper then lower case:
    lower case alone keeps "ı" and "i", "և" and "եվ" apart, which upper-casing a copy merges."""
    return (
        expr.str.to_uppercase()
        .str.to_lowercase()
        .str.replace_all(r"[\p{P}\p{S}\s]+", " ")
        .str.strip_chars()
    )


def compact(expr: pl.Expr) -> pl.Expr:
    """The key two repeats share: the normalised text without any space, so that "1,000" and
    "1000", or a paragraph wrapped at other places, compare equal."""
    return normalised(expr).str.replace_all(" ", "", literal=True)


def words_frame(docs: pl.DataFrame) -> pl.DataFrame:
    """One row per whitespace-separated word: `__doc`, `_pos` (index in its document), `_nw`
    (words in the document), `_wl` (characters) and `_h` (hash of the word)."""
    w = (
        docs.select(DOC, pl.col("text").str.extract_all(r"\S+").alias("_w"))
        .explode("_w")
        .drop_nulls("_w")
    )
    return w.select(
        DOC,
        pl.int_range(pl.len(), dtype=pl.UInt32).over(DOC).alias("_pos"),
        pl.len().over(DOC).cast(pl.UInt32).alias("_nw"),
        pl.col("_w").str.len_chars().cast(pl.UInt32).alias("_wl"),
        pl.col("_w").hash(_SEED).alias("_h"),
    )


# odd 64-bit multiplier of the polynomial n-gram hash (the golden ratio's bits, as in splitmix64)
_MULT = 0x9E3779B97F4A7C15


def gopher_ngram_signals(batch: Batch) -> pl.DataFrame:
    """Per document (`__doc`): top_{2,3,4}gram_chars and dup_{5..10}gram_chars (numerators; the
    caller divides by the document's length). Vectorised over the batch's words: the hash of an
    n-gram is the (n-1)-gram's hash times an odd constant plus the next word's hash (wrapping
    64-bit arithmetic), seeded with the document's index so that equal hashes mean the same
    n-gram in the same document. Global shifts are masked where they would cross into the next
    document."""
    w = words_frame(batch.docs)
    if w.height == 0:
        return pl.DataFrame(schema={DOC: pl.UInt32})
    mult = pl.lit(_MULT, pl.UInt64)
    h = pl.col("_h")
    g = (pl.col(DOC).cast(pl.UInt64) + 1) * mult + h
    grams: dict[int, pl.Expr] = {}
    for n in range(2, max(DUP_NS) + 1):
        g = g * mult + h.shift(-(n - 1))
        grams[n] = g
    cum = pl.col("_wl").cast(pl.UInt64).cum_sum()
    w = w.with_columns(
        *[grams[n].alias(f"_g{n}") for n in grams],
        *[(cum.shift(-(n - 1)) - cum + pl.col("_wl")).alias(f"_c{n}") for n in grams],
    )
    valid = {n: (pl.col("_pos") + n <= pl.col("_nw")) for n in grams}
    # duplicate n-grams, as datatrove's find_all_duplicate walks them: scanning left to right, an
    # n-gram seen before counts its n words and the scan jumps past them. Positions whose n-gram
    # appeared earlier form runs; the walk takes every n-th start of a run. (Exact except where two
    # runs are closer than n words, or a jump skips an n-gram that recurs later: there datatrove's
    # walk depends on where the previous jump landed.)
    dup = {n: valid[n] & ~pl.col(f"_g{n}").is_first_distinct() for n in DUP_NS}
    w = w.with_columns(*[dup[n].alias(f"_d{n}") for n in DUP_NS])
    # rank of a start inside its run: duplicates so far minus duplicates before the run began
    seen = {n: pl.col(f"_d{n}").cast(pl.UInt32).cum_sum() for n in DUP_NS}
    rank = {
        n: seen[n] - pl.when(~pl.col(f"_d{n}")).then(seen[n]).otherwise(None).forward_fill()
        for n in DUP_NS
    }
    w = w.with_columns(
        *[(pl.col(f"_d{n}") & ((rank[n] - 1) % n == 0)).alias(f"_k{n}") for n in DUP_NS]
    )
    out = w.group_by(DOC).agg(
        pl.col(f"_c{n}").filter(pl.col(f"_k{n}")).sum().alias(f"dup_{n}gram_chars") for n in DUP_NS
    )
    # top n-gram: characters of the most frequent n-gram (its words joined by single spaces) times
    # its count; ties go to the n-gram seen first, as in datatrove's Counter.most_common. Only
    # n-grams that occur twice are grouped.
    for n in TOP_NS:
        gn = f"_g{n}"
        top = (
            w.filter(valid[n])
            .filter(pl.col(gn).is_duplicated())
            .group_by(gn)
            .agg(
                pl.col(DOC).first(),
                pl.len().alias("_cnt"),
                pl.col("_pos").min().alias("_first"),
                pl.col(f"_c{n}").first().alias("_chars"),
            )
            .group_by(DOC)
            .agg(
                ((pl.col("_chars") + (n - 1)) * pl.col("_cnt"))
                .sort_by(["_cnt", "_first"], descending=[True, False])
                .first()
                .alias(f"top_{n}gram_chars")
            )
        )
        out = out.join(top, on=DOC, how="left")
    return out


@register
class RepeatedParagraphs(Rule):
    """Lines and paragraphs repeated inside one document, and Gopher's repetition signals.

    Catches: a scraper that pasted the whole article twice, a paragraph or line that appears again
    (compared after folding case, whitespace and punctuation: "Hello, World!" repeats
    "hello world"), and text that keeps repeating the same words (Gopher's n-gram signals).

    Why: repeats teach a model to repeat, and weigh one text twice.

    Example: an article whose five body paragraphs appear twice; `strip` keeps the first copy of
    each and removes the second, so the cleaned text is the article once.

    What `strip` removes: a non-blank line is a repeat when its normalised text (lower case,
    without punctuation, symbols and whitespace) appeared on an earlier line of the document, or
    when its paragraph (a block of lines between blank lines) repeats an earlier paragraph.
    Consecutive repeats that also followed each other earlier form a run (a copied
    block); a run is removed when it holds at least `min_chars` normalised characters. Short
    lone repeats ("Photo: Reuters", a heading repeated above a table, a question asked in every
    interview) are kept: real documents repeat them (3.9 % of 1,076 real web and news documents
    repeat a line of 20+ characters, 0.4 % one of 120+). The first copy is never removed, so no
    sentence of the document is lost.

    Signals (the Gopher family as published, Rae et al. 2021 table A1, computed as datatrove's
    GopherRepetitionFilter computes them; every "characters" denominator is the length of the
    document's text in characters, newlines included):
      dup_line_frac         duplicate lines / non-blank lines (a duplicate is an exact copy of an
                            earlier line; the first copy is not counted)
      dup_line_char_frac    characters in duplicate lines / characters in the document
      dup_para_frac         duplicate paragraphs / paragraphs (blocks between blank lines)
      dup_para_char_frac    characters in duplicate paragraphs / characters in the document
      top_{2,3,4}gram_char_frac
                            characters of the most frequent word n-gram (words joined by one
                            space) x its count / characters in the document; 0 when no n-gram
                            occurs twice
      dup_{5..10}gram_char_frac
                            characters (spaces not counted) of duplicate word n-grams / characters
                            in the document; as datatrove walks them, an n-gram seen earlier
                            counts its n words and the walk jumps past them, so overlapping
                            duplicates are not counted twice
      repeated_chars        characters `strip` removes (lines, newline included)
    Words are whitespace-separated tokens. Intentional differences from datatrove (the golden
    test lists them): whitespace-only lines count as blank; words are split on whitespace, not by
    spaCy (which also splits punctuation off); the top n-gram must occur at least twice (datatrove
    counts a unique n-gram, so every short document exceeds the threshold).

    Actions: `strip` removes the repeats described above (the rule fires when it removes one);
    `flag` and `drop` fire when any Gopher signal is above its threshold (the `max_*` keys,
    defaults from Gopher table A1).
    """

    name = "repeated-paragraphs"
    family = "repetition"
    actions = ("flag", "strip", "drop")
    main_signal = "dup_line_char_frac"
    threshold_param = "max_dup_line_char_frac"

    @dataclass(frozen=True)
    class Params:
        min_chars: int = param(
            120,
            "a run of repeated lines (or a repeated paragraph) is stripped only when it holds "
            "at least this many normalised characters",
            unit="characters",
            source="our measurement (bench/repetition_eval.py): natural repeats of 100-120 chars "
            "touch 0.4-0.7 % of real documents, shorter thresholds up to 1.4 %",
            min=1,
        )
        max_dup_line_frac: float = param(
            0.30,
            "flag/drop above this fraction of duplicate lines",
            unit="fraction of lines",
            source="Gopher (Rae et al. 2021, table A1)",
            min=0.0,
            max=1.0,
        )
        max_dup_para_frac: float = param(
            0.30,
            "flag/drop above this fraction of duplicate paragraphs",
            unit="fraction of paragraphs",
            source="Gopher (Rae et al. 2021, table A1)",
            min=0.0,
            max=1.0,
        )
        max_dup_line_char_frac: float = param(
            0.20,
            "flag/drop above this share of characters in duplicate lines",
            unit="fraction of characters",
            source="Gopher (Rae et al. 2021, table A1)",
            min=0.0,
            max=1.0,
        )
        max_dup_para_char_frac: float = param(
            0.20,
            "flag/drop above this share of characters in duplicate paragraphs",
            unit="fraction of characters",
            source="Gopher (Rae et al. 2021, table A1)",
            min=0.0,
            max=1.0,
        )
        max_top_2gram_char_frac: float = param(
            0.20,
            "flag/drop above this share of characters in the most frequent 2-gram",
            unit="fraction of characters",
            source="Gopher (Rae et al. 2021, table A1)",
            min=0.0,
            max=1.0,
        )
        max_top_3gram_char_frac: float = param(
            0.18,
            "flag/drop above this share of characters in the most frequent 3-gram",
            unit="fraction of characters",
            source="Gopher (Rae et al. 2021, table A1)",
            min=0.0,
            max=1.0,
        )
        max_top_4gram_char_frac: float = param(
            0.16,
            "flag/drop above this share of characters in the most frequent 4-gram",
            unit="fraction of characters",
            source="Gopher (Rae et al. 2021, table A1)",
            min=0.0,
            max=1.0,
        )
        max_dup_5gram_char_frac: float = param(
            0.15,
            "flag/drop above this share of characters in duplicate 5-grams",
            unit="fraction of characters",
            source="Gopher (Rae et al. 2021, table A1)",
            min=0.0,
            max=1.0,
        )
        max_dup_6gram_char_frac: float = param(
            0.14,
            "flag/drop above this share of characters in duplicate 6-grams",
            unit="fraction of characters",
            source="Gopher (Rae et al. 2021, table A1)",
            min=0.0,
            max=1.0,
        )
        max_dup_7gram_char_frac: float = param(
            0.13,
            "flag/drop above this share of characters in duplicate 7-grams",
            unit="fraction of characters",
            source="Gopher (Rae et al. 2021, table A1)",
            min=0.0,
            max=1.0,
        )
        max_dup_8gram_char_frac: float = param(
            0.12,
            "flag/drop above this share of characters in duplicate 8-grams",
            unit="fraction of characters",
            source="Gopher (Rae et al. 2021, table A1)",
            min=0.0,
            max=1.0,
        )
        max_dup_9gram_char_frac: float = param(
            0.11,
            "flag/drop above this share of characters in duplicate 9-grams",
            unit="fraction of characters",
            source="Gopher (Rae et al. 2021, table A1)",
            min=0.0,
            max=1.0,
        )
        max_dup_10gram_char_frac: float = param(
            0.10,
            "flag/drop above this share of characters in duplicate 10-grams",
            unit="fraction of characters",
            source="Gopher (Rae et al. 2021, table A1)",
            min=0.0,
            max=1.0,
        )

    def evaluate(self, batch: Batch) -> RuleResult:
        p = self.params
        text_len = batch.text.str.len_chars().cast(pl.Float64)
        denom = text_len.clip(lower_bound=1)

        lines = batch.lines.with_columns(
            pl.col(LINE).str.len_chars().alias("_n"),
            (pl.col(LINE).str.strip_chars() == "").alias("_blank"),
        ).with_columns(pl.col("_blank").cast(pl.UInt32).cum_sum().alias("_pid"))
        nb = lines.filter(~pl.col("_blank")).with_columns(normalised(pl.col(LINE)).alias("_k"))
        # a line of nothing but punctuation ("***") keys on its raw text: it can repeat, but adds
        # no characters towards min_chars
        nb = nb.with_columns(
            pl.when(pl.col("_k") == "")
            .then(pl.col(LINE).str.strip_chars())
            .otherwise(pl.col("_k").str.replace_all(" ", "", literal=True))
            .alias("_kk"),
            (~pl.struct(DOC, LINE).is_first_distinct()).alias("_gdup"),
        )

        # paragraphs: blocks of non-blank lines between blank lines
        paras = (
            nb.group_by(DOC, "_pid", maintain_order=True)
            .agg(
                pl.col(LINE).str.join("\n").alias("_text"),
                pl.col("_kk").str.join("").alias("_pk"),
            )
            .with_columns(
                pl.col("_text").str.len_chars().alias("_pn"),
                (~pl.struct(DOC, "_text").is_first_distinct()).alias("_pdup"),
                (~pl.struct(DOC, "_pk").is_first_distinct()).alias("_prep"),
            )
        )

        # -- strip: runs of near-exact repeats ---------------------------------------------------
        nb = nb.join(
            paras.select(DOC, "_pid", "_prep"), on=[DOC, "_pid"], how="left", maintain_order="left"
        )
        rep = (~pl.struct(DOC, "_kk").is_first_distinct()) | pl.col("_prep")
        # A repeat continues the run of the line before it only when the two lines also followed
        # each other earlier (the pair of keys was seen before) or lie in one repeated paragraph:
        # a copied block. Otherwise a natural repeat at the end of the first copy (a heading, a
        # signature) would join the pasted second copy and be removed with it.
        first_line = pl.col(DOC) != pl.col(DOC).shift(1)
        prev_k = pl.when(first_line).then(None).otherwise(pl.col("_kk").shift(1))
        same_para = (~first_line) & (pl.col("_pid") == pl.col("_pid").shift(1))
        nb = nb.with_columns(
            rep.alias("_rep"),
            (~pl.struct(DOC, prev_k.alias("_pk"), "_kk").is_first_distinct() & ~first_line).alias(
                "_pair_seen"
            ),
            same_para.alias("_same_para"),
        )
        cont = (
            pl.col("_rep")
            & pl.col("_rep").shift(1, fill_value=False)
            & ~first_line
            & (pl.col("_pair_seen") | (pl.col("_prep") & pl.col("_same_para")))
        )
        nb = nb.with_columns((~cont).cast(pl.UInt32).cum_sum().alias("_run"))
        nb = nb.with_columns(
            pl.col("_k")
            .str.len_chars()
            .filter(pl.col("_rep"))
            .sum()
            .over("_run")
            .alias("_run_chars")
        ).with_columns((pl.col("_rep") & (pl.col("_run_chars") >= p.min_chars)).alias("_remove"))
        remove = (
            lines.select(DOC, LN)
            .join(nb.select(DOC, LN, "_remove"), on=[DOC, LN], how="left", maintain_order="left")
            .get_column("_remove")
            .fill_null(False)
        )

        # -- Gopher line and paragraph signals ---------------------------------------------------
        line_doc = nb.group_by(DOC).agg(
            (pl.col("_gdup").sum() / pl.len()).alias("dup_line_frac"),
            pl.col("_n").filter(pl.col("_gdup")).sum().alias("_dlc"),
            (pl.col("_n") + 1).filter(pl.col("_remove")).sum().alias("repeated_chars"),
        )
        para_doc = paras.group_by(DOC).agg(
            (pl.col("_pdup").sum() / pl.len()).alias("dup_para_frac"),
            pl.col("_pn").filter(pl.col("_pdup")).sum().alias("_dpc"),
        )
        signals: dict[str, pl.Series] = {
            "dup_line_frac": batch.per_doc(line_doc, "dup_line_frac", 0.0).cast(pl.Float64),
            "dup_line_char_frac": batch.per_doc(line_doc, "_dlc", 0).cast(pl.Float64) / denom,
            "dup_para_frac": batch.per_doc(para_doc, "dup_para_frac", 0.0).cast(pl.Float64),
            "dup_para_char_frac": batch.per_doc(para_doc, "_dpc", 0).cast(pl.Float64) / denom,
        }
        grams = gopher_ngram_signals(batch)
        for col in [f"top_{n}gram_chars" for n in TOP_NS] + [f"dup_{n}gram_chars" for n in DUP_NS]:
            if col in grams.columns:
                values = batch.per_doc(grams, col, 0).cast(pl.Float64)
            else:  # a batch without a single word
                values = pl.repeat(0.0, batch.n, eager=True)
            signals[col.replace("_chars", "_char_frac")] = values / denom
        signals = {k: v.alias(k) for k, v in signals.items()}
        repeated = batch.per_doc(line_doc, "repeated_chars", 0).cast(pl.Int64)
        signals["repeated_chars"] = repeated

        if self.action == "strip":
            fired = repeated > 0
        else:
            fired = pl.Series([False] * batch.n)
            for name, values in signals.items():
                limit = getattr(p, f"max_{name}", None)
                if limit is not None:
                    fired = fired | (values > limit)
        return RuleResult(signals=signals, fired=fired, remove=remove)
