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


def strip_lines(batch, keep):
    """The batch after a strip that keeps the lines where `keep` (a bool array per line), its
    text rebuilt as the pipeline rebuilds it."""
    import numpy as np

    from curate.pipeline import rebuild_text

    lines = batch.lines.filter(pl.Series(keep))
    hit = np.zeros(batch.n, dtype=bool)
    hit[batch.lines.get_column("__doc").to_numpy()[~keep]] = True
    docs = batch.docs.with_columns(rebuild_text(batch.docs, lines, pl.Series(hit)))
    return batch.stripped(docs, lines, keep)
