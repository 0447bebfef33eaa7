"""Run one rule over a few texts and read back its verdicts and signals."""

from __future__ import annotations

import polars as pl

from curate.config import load_ruleset
from curate.pipeline import process_batch


def run_rule(rule: str, texts: list[str | None], action: str = "flag", **params):
    """Process `texts` with a one-rule rule set. Returns (rows, stats): rows is a list of dicts in
    input order with `text` (cleaned, or original when dropped), `dropped`, flags and signals."""
    rs = load_ruleset({"name": "t", "rules": [{"rule": rule, "action": action, **params}]})
    df = pl.DataFrame({"i": list(range(len(texts))), "text": pl.Series(texts, dtype=pl.String)})
    out = process_batch(rs.build(), df, "text")
    kept = out.kept.with_columns(pl.lit(False).alias("dropped"))
    rej = out.rejected.with_columns(pl.lit(True).alias("dropped"))
    rows = pl.concat([kept, rej], how="diagonal_relaxed").sort("i").to_dicts()
    return rows, out.stats
