"""boilerplate-lines' fast paths give exactly what their plain definitions give."""

from __future__ import annotations

import threading

import numpy as np
import polars as pl
import pytest

from curate.checks import boilerplate as bp
from curate.checks import get_rule, regex_thread
from curate.checks.base import DOC, LINE, LN, OFF, Batch

RULE = "boilerplate-lines"

P1 = (
    "The city council approved the new budget on Tuesday after a long debate about the cost "
    "of repairing the old bridge over the river."
)
PAGE = "\n".join(["Bridge budget", "Home", "News", "A A A", P1, "Share this", "", "(esn)"])


def _rule(**params):
    cls = get_rule(RULE)
    return cls(cls.Params(**params), "strip")


@pytest.mark.parametrize(
    ("values", "fill"),
    [
        (pl.Series([True, False, True], dtype=pl.Boolean), False),
        (pl.Series([3, 0, 7], dtype=pl.UInt32), 0),
        (pl.Series([1.5, 0.25, 2.0], dtype=pl.Float64), 0.0),
        (pl.Series([2, 5, 1], dtype=pl.UInt8), 0),
        (pl.Series([1, None, 3], dtype=pl.Int64), 0),  # nulls: polars' scatter
        (pl.Series(["a", "b", "c"], dtype=pl.String), ""),  # no numpy dtype: polars' scatter
    ],
)
def test_fill_rows_matches_repeat_and_scatter(values, fill):
    rows = pl.Series([False, True, None, True, False, True])
    plain = pl.repeat(fill, rows.len(), dtype=values.dtype, eager=True).scatter(
        rows.arg_true(), values
    )
    got = bp._fill_rows(rows, values, fill)
    assert got.dtype == values.dtype
    assert got.to_list() == plain.to_list()


def test_run_max_matches_max_over_runs():
    rng = np.random.default_rng(7)
    values = rng.integers(0, 50, 200).astype(np.float64) / 4
    start = rng.random(200) < 0.2
    start[0] = True
    frame = pl.DataFrame({"v": values, "run": np.cumsum(start)})
    plain = frame.select(pl.col("v").max().over("run")).to_series().to_numpy()
    assert np.array_equal(bp._run_max(values, start), plain)


def _plain_signals(rule, batch: Batch) -> pl.DataFrame:
    """The per-document signals as a group-by over the classified lines (the definition)."""
    finished = batch.corpus.get(RULE) or {}
    code = rule._codes(batch.lines, finished.get("hashes"))
    bad = pl.col("_why") > 0
    per_doc = (
        batch.lines.select(DOC, pl.col(LINE).str.len_chars().alias("_n"))
        .with_columns(code.alias("_why"))
        .group_by(DOC)
        .agg(
            bad.sum().alias("n"),
            pl.col("_n").filter(bad).sum().alias("bp_chars"),
            pl.col("_n").sum().alias("chars"),
            *[(pl.col("_why") == i + 1).sum().alias(r) for i, r in enumerate(bp.REASONS)],
        )
        .with_columns((pl.col("bp_chars") / pl.col("chars").clip(lower_bound=1)).alias("share"))
    )
    out = batch.docs.select(DOC).join(per_doc, on=DOC, how="left", maintain_order="left")
    return out.select(
        pl.col("n").fill_null(0).cast(pl.Int64),
        pl.col("share").fill_null(0.0).cast(pl.Float64),
        *[pl.col(r).fill_null(0).cast(pl.Int32) for r in bp.REASONS],
    )


def _signals(result) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "n": result.signals["boilerplate_lines"],
            "share": result.signals["boilerplate_share"],
        }
    ).hstack(result.signals["boilerplate_reasons"].struct.unnest())


def test_per_document_sums_match_a_group_by():
    rule = _rule()
    texts = [PAGE, "", None, P1, "Home\nNews\n" + P1 + "\nPrivacy Policy", "中文 关于我们\n" + P1]
    batch = Batch.from_texts(pl.Series(texts, dtype=pl.String))
    got = _signals(rule.evaluate(batch))
    assert got.equals(_plain_signals(rule, batch))
    assert got["n"].sum() > 0


def test_per_document_sums_when_documents_are_not_numbered_in_order():
    # after other rules, a batch's documents may carry any ids, and a document may have no
    # lines left: the sums go to the right rows, zero for the empty one
    rule = _rule()
    base = Batch.from_texts(pl.Series([PAGE, P1, "Home\nNews\n" + P1]))
    ids = {0: 7, 1: 3, 2: 11}
    docs = base.docs.with_columns(pl.col(DOC).replace_strict(ids, return_dtype=pl.UInt32))
    lines = base.lines.filter(pl.col(DOC) != 1).with_columns(
        pl.col(DOC).replace_strict(ids, return_dtype=pl.UInt32)
    )
    batch = Batch(docs, lines.select(DOC, LN, OFF, LINE), {})
    got = _signals(rule.evaluate(batch))
    assert got.equals(_plain_signals(rule, batch))
    assert got.row(1)[:2] == (0, 0.0)


def test_recurring_key_folds_whitespace_only_where_there_is_some():
    # simple lines skip the whitespace fold of the line key: every spelling below is the same
    # template line, found recurring exactly as line_key says
    texts = ["Foo bar 12", "foo  bar 13", "Foo\tbar 99", "foo\u00a0BAR 00", "foo bar baz"]
    s = pl.col("_s")
    frame = pl.DataFrame({"_s": texts})
    key = bp.line_key(pl.lit("foo bar 00")).hash(seed=bp.HASH_SEED)
    recurring = pl.select(key).to_series()
    why = _rule()._features(frame, recurring).get_column("_why")
    plain = frame.select(bp.line_key(s).hash(seed=bp.HASH_SEED).is_in(recurring.implode()))
    recurring_code = bp.REASONS.index("recurring") + 1
    assert (why == recurring_code).to_list() == plain.to_series().to_list()
    assert plain.to_series().to_list() == [True, True, True, True, False]


def test_classification_runs_on_its_own_thread_with_the_same_result():
    rule = _rule()
    batch = Batch.from_texts(pl.Series([PAGE, P1]))
    direct = rule._codes(batch.lines, None)
    threads: list[str] = []

    def codes(lines, recurring):
        threads.append(threading.current_thread().name)
        return rule._codes(lines, recurring)

    for _ in range(2):
        assert regex_thread.run_in_own_thread(RULE, codes, batch.lines, None).equals(direct)
    # one thread, kept from call to call (its regex cache is the point), not the caller's
    assert len(set(threads)) == 1 and threads[0] != threading.current_thread().name
    assert rule.evaluate(batch).remove.to_list() == (direct > 0).to_list()


def test_own_thread_propagates_errors_and_is_renewed_in_a_new_process(monkeypatch):
    def boom():
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        regex_thread.run_in_own_thread("test-key", boom)
    first = regex_thread._THREADS["test-key"][1]
    # a forked process inherits the dict but not the thread: a new one is started there
    monkeypatch.setattr(regex_thread.os, "getpid", lambda: -1)
    assert regex_thread.run_in_own_thread("test-key", lambda x: x + 1, 1) == 2
    assert regex_thread._THREADS["test-key"][1] is not first
    first.shutdown()


def test_distinct_line_path_feeds_every_rule_set_parameter_variant():
    # the per-distinct-line path joins features back by a categorical's codes: with a line
    # repeated across and inside documents, both paths agree for a non-default rule set
    rule = _rule(span_max_gap=0, colon_lists=False, prose_min_run=1)
    texts = [PAGE, PAGE + "\nHome", "Home\n" + P1 + "\nHome"] * 3
    batch = Batch.from_texts(pl.Series(texts))
    per_distinct = rule._codes(batch.lines, None)
    old = bp.DEDUP_MAX_SHARE
    try:
        bp.DEDUP_MAX_SHARE = -1.0
        per_line = rule._codes(batch.lines, None)
    finally:
        bp.DEDUP_MAX_SHARE = old
    assert per_distinct.to_list() == per_line.to_list()
