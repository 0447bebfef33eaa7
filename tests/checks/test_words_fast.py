"""Fast paths of curate.checks.words against their plain definitions."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from curate.checks.words import take_sorted


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=5)), max_size=40), st.integers(0, 2**32 - 1))
def test_take_sorted_is_gather(values, seed):
    series = pl.Series("s", values, dtype=pl.String)
    rows = np.flatnonzero(np.random.default_rng(seed).random(len(values)) < 0.4)
    assert take_sorted(series, rows).equals(series.gather(rows))
    assert take_sorted(series, rows).name == "s"
