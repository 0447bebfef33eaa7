"""pattern-lines: user regular expressions, validated before any data is read, linear-time."""

from __future__ import annotations

import time

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curate.checks.base import DOC, LINE, Batch
from curate.config import load_ruleset
from curate.errors import RuleSetError
from tests.checks.helpers import run_rule


def test_hit_strips_matching_lines():
    rows, stats = run_rule(
        "pattern-lines",
        ["Judul\nDiposting oleh admin\nIsi berita lengkap."],
        action="strip",
        patterns=["^Diposting oleh "],
    )
    assert rows[0]["text"] == "Judul\nIsi berita lengkap."
    assert rows[0]["curate_flags"] == ["pattern-lines"]
    assert rows[0]["curate_pattern_lines"] == 1
    assert stats.rules["pattern-lines"].chars_removed == len("Diposting oleh admin\n")


def test_miss_empty_none_and_non_latin():
    texts = ["Nothing to see here.", "", None, "新闻内容。\n作者：张三"]
    rows, _ = run_rule("pattern-lines", texts, action="strip", patterns=["^Diposting", "^作者："])
    assert [r["curate_flags"] for r in rows] == [[], [], [], ["pattern-lines"]]
    assert rows[0]["text"] == "Nothing to see here."
    assert rows[3]["text"] == "新闻内容。"


def test_case_insensitive_and_drop_by_share():
    rows, _ = run_rule(
        "pattern-lines",
        ["ALL PHOTOS: AP\nA real sentence that is long enough."],
        action="drop",
        patterns=["^all photos:"],
        case_sensitive=False,
        max_share=0.2,
    )
    assert rows[0]["dropped"] and rows[0]["curate_dropped_by"] == ["pattern-lines"]


@pytest.mark.parametrize(
    "pattern, words",
    [
        ("(?<=x)y", "look-around"),
        (r"(\w)\1", "backreferences"),
        ("(unclosed", "unclosed group"),
        ("x" * 2000, "longer than"),
    ],
)
def test_bad_patterns_are_rejected_before_reading(pattern, words):
    with pytest.raises(RuleSetError, match=words):
        load_ruleset({"name": "x", "rules": [{"rule": "pattern-lines", "patterns": [pattern]}]})


def test_no_patterns_is_an_error():
    with pytest.raises(RuleSetError, match="at least one"):
        load_ruleset({"name": "x", "rules": [{"rule": "pattern-lines"}]})


def test_catastrophic_pattern_runs_in_linear_time():
    # (a+)+$ backtracks exponentially in Python's re on "aaaa...b"; the linear engine does not.
    # The bound is generous: this asserts "finishes", not a speed.
    hostile = "a" * 50_000 + "b"
    start = time.monotonic()
    rows, _ = run_rule("pattern-lines", [hostile], action="flag", patterns=["(a+)+$"])
    assert time.monotonic() - start < 60
    assert rows[0]["curate_flags"] == []


_LINE_TEXT = st.text(alphabet="Pos tedbyAL:é作者\t", max_size=14)


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(st.lists(_LINE_TEXT, min_size=1, max_size=5), min_size=1, max_size=6),
    keep_seed=st.integers(0, 2**32 - 1),
    strip_first=st.booleans(),
    case_sensitive=st.booleans(),
    distinct_first=st.booleans(),
)
def test_fast_signals_equal_the_group_by_definition(
    texts, keep_seed, strip_first, case_sensitive, distinct_first
):
    # the numpy sums per document against `_pattern_signals_plain`, also after a strip (a
    # document may have lost every line) and when no line matches; with the distinct lines
    # of a rule before (searched once each, kept across the strip) and without
    from curate.checks import words
    from tests.checks.helpers import strip_lines

    batch = Batch.from_texts(pl.Series(["\n".join(t) for t in texts], dtype=pl.String))
    if distinct_first:
        words.batch_distinct_lines(batch)
    if strip_first:
        keep = np.random.default_rng(keep_seed).random(batch.lines.height) < 0.6
        batch = strip_lines(batch, keep)
    rule = load_ruleset(
        {
            "name": "t",
            "rules": [
                {
                    "rule": "pattern-lines",
                    "action": "flag",
                    "patterns": ["^Posted by", "(?i)^all ", "作者", "^$"],
                    "case_sensitive": case_sensitive,
                }
            ],
        }
    ).build()[0]
    result = rule.evaluate(batch)
    assert (batch.memoized(words.DISTINCT_LINES_MEMO) is not None) == distinct_first
    count, share, mask = _pattern_signals_plain(batch, rule._combined())
    assert result.signals["pattern_lines"].to_list() == count.to_list()
    fast_share = result.signals["pattern_share"].to_numpy()
    assert fast_share.tobytes() == share.to_numpy().tobytes()  # bit for bit
    assert result.remove.to_list() == mask.to_list()
    assert result.fired.to_list() == (share > 0.0).to_list()


def test_no_match_gives_zeros():
    rows, _ = run_rule("pattern-lines", ["a\nb", "", None], action="flag", patterns=["^zzz"])
    assert [r["curate_pattern_lines"] for r in rows] == [0, 0, 0]
    assert [r["curate_pattern_share"] for r in rows] == [0.0, 0.0, 0.0]


def _pattern_signals_plain(batch: Batch, combined: str) -> tuple[pl.Series, pl.Series, pl.Series]:
    """(pattern_lines, pattern_share, the lines' mask) by their definition, a group_by of the
    lines per document (the definition the numpy sums are tested against)."""
    mask = batch.lines.select(pl.col(LINE).str.contains(combined).fill_null(False)).to_series()
    lines = batch.lines.with_columns(mask.alias("_m"), pl.col(LINE).str.len_chars().alias("_n"))
    per_doc = lines.group_by(DOC).agg(
        pl.col("_m").sum().alias("n"),
        (pl.col("_n").filter(pl.col("_m")).sum() / pl.col("_n").sum().clip(lower_bound=1)).alias(
            "share"
        ),
    )
    count = batch.per_doc(per_doc, "n").cast(pl.Int64)
    share = batch.per_doc(per_doc, "share", 0.0).cast(pl.Float64)
    return count, share, mask
