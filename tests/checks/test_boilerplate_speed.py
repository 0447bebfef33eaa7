"""boilerplate-lines' fast paths give exactly what their plain definitions give."""

from __future__ import annotations

import threading

import numpy as np
import polars as pl
import pytest

from curate.checks import boilerplate as bp
from curate.checks import get_rule, regex_thread
from curate.checks.base import DOC, LINE, LN, OFF, Batch, fill_rows

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
    got = fill_rows(rows, values, fill)
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


def _plain_run_total(x: pl.Expr, start: pl.Expr) -> pl.Expr:
    """Per row, the sum of `x` over its run (the rows from the last row where `start` holds to
    the row before the next one), as polars expressions."""
    total = x.cum_sum()
    before = pl.when(start).then(total - x).forward_fill()
    last = start.shift(-1).fill_null(True)
    return pl.when(last).then(total).backward_fill() - before


def _plain_judge(p, lines: pl.DataFrame) -> pl.Series:
    """boilerplate-lines' context judgement as polars expressions (the definition its numpy
    version in BoilerplateLines._judge follows, kept here to compare)."""
    d = pl.col(DOC)
    row = pl.int_range(pl.len(), dtype=pl.Int64)
    start = (d != d.shift(1)).fill_null(True)  # first judged line of a document
    lines = lines.with_columns(
        row.alias("_j"),
        start.alias("_st"),
        (d != d.shift(-1)).fill_null(True).alias("_end"),
    )
    lines = lines.with_columns(
        pl.when("_st").then("_j").forward_fill().alias("_f"),
        pl.when("_end").then("_j").backward_fill().alias("_e"),
    )
    w = pl.col("_w")
    terminal = pl.col("_t")
    long = pl.col("_long")
    is_hard = pl.col("_why") > 0
    short = w < p.short_max_words
    # a medium line in Title Case without a sentence end reads like a headline (related
    # articles, teasers): it is judged like a short line
    caps = pl.col("_caps")
    headline = (caps >= p.headline_min_caps) & ~terminal
    # hard-wrapped text (press releases, e-mails, plain-text archives): runs of at least
    # prose_min_run consecutive medium lines in sentence case are one paragraph
    prose = (caps < p.prose_max_caps) & (w >= p.short_max_words) & ~is_hard
    lines = lines.with_columns(prose.alias("_pr"))
    # a blank line ends a run: hard-wrapped lines follow each other directly
    pr = pl.col("_pr")
    run_start = (pr != pr.shift(1)).fill_null(True) | pl.col("_st") | pl.col("_after_blank")
    prose = pr & (_plain_run_total(pr.cast(pl.Int64), run_start) >= p.prose_min_run)
    # shape: 1 content, 0 hard boilerplate, null undecided (short or medium)
    anchor = (
        pl.when(is_hard)
        .then(pl.lit(0, dtype=pl.Int8))
        .when(long | prose)
        .then(pl.lit(1, dtype=pl.Int8))
        .otherwise(None)
    )
    lines = lines.with_columns(anchor.alias("_a"), (short | headline).alias("_short"))
    # nearest anchor above and below (within the document) and how many non-blank lines
    # away it is; the document edges count as boilerplate
    j, f, e = pl.col("_j"), pl.col("_f"), pl.col("_e")
    at = pl.when(pl.col("_a").is_not_null()).then(j)
    above = at.shift(1).forward_fill()
    below = at.shift(-1).backward_fill()
    is_long = (pl.col("_a") == 1).fill_null(False)
    last_long = pl.when(is_long).then(j).shift(1).forward_fill()
    lines = lines.with_columns(
        pl.when(above >= f).then(above).alias("_pi"),
        pl.when(below <= e).then(below).alias("_ni"),
        pl.when(last_long >= f).then(last_long).alias("_ll"),
        is_long.alias("_il"),
    )
    # clusters of long lines: a new cluster starts after more than span_max_gap non-blank
    # lines without a long one; the main cluster (most words) spans the article. An
    # undecided line further than span_max_gap from the long line above belongs to no
    # cluster's inside either way: the next long line, if any, starts a new cluster.
    is_long = pl.col("_il")
    new = is_long & ((j - pl.col("_ll") - 1).fill_null(10**9) > p.span_max_gap)
    lines = lines.with_columns(
        pl.col("_a").gather(pl.col("_pi")).fill_null(0).alias("_p"),
        pl.col("_a").gather(pl.col("_ni")).fill_null(0).alias("_q"),
        (j - pl.col("_pi")).alias("_dp"),
        (pl.col("_ni") - j).alias("_dq"),
        new.alias("_new"),
    )
    new = pl.col("_new")
    total = new.cast(pl.Int64).cum_sum()
    lines = lines.with_columns(
        (total - pl.when("_st").then(total - new.cast(pl.Int64)).forward_fill()).alias("_cid"),
        _plain_run_total(pl.when(is_long).then(w).otherwise(0.0), pl.col("_st") | new).alias("_cw"),
        pl.when(is_long).then(j).backward_fill().alias("_nl"),
    )
    cnext = pl.when(pl.col("_nl") <= e).then(pl.col("_cid").gather(pl.col("_nl")))
    # the most words of a cluster in the line's document: a maximum over each document's
    # rows, which are consecutive (numpy's reduceat, not a group-by of `over`)
    most = bp._run_max(lines.get_column("_cw").to_numpy(), lines.get_column("_st").to_numpy())
    lines = lines.with_columns(pl.Series("_cwm", most, dtype=lines.schema["_cw"]))
    main = pl.col("_cw") == pl.col("_cwm")
    inside = (pl.col("_cid") == cnext) & (pl.col("_cid") > 0) & main
    inside = inside.fill_null(False) & (p.span_max_gap > 0)
    # a list introduced by a colon right after content ("Tour dates:", "You will need:") is
    # content down to the next long or hard line
    colon = pl.col("_colon").cast(pl.Int64)
    block = pl.col("_st") | pl.col("_a").is_not_null()
    seen = colon.cum_sum() - colon
    listed = (
        ((seen - pl.when(block).then(seen).forward_fill()) > 0)
        & (pl.col("_p") == 1)
        & (p.colon_lists)
    )
    near_p = (pl.col("_p") == 1) & (pl.col("_dp") <= p.medium_max_gap)
    near_q = (pl.col("_q") == 1) & (pl.col("_dq") <= p.medium_max_gap)
    medium_ok = near_p | near_q
    short_ok = (pl.col("_p") == 1) & (pl.col("_q") == 1)
    first = j == f
    # a document with a long (content) line: its largest cluster has words (every line with
    # anchor 1 has at least short_max_words >= 1 of them)
    has_long = pl.col("_cwm") > 0
    content = (
        pl.when(pl.col("_a").is_not_null())
        .then(pl.col("_a") == 1)
        .when(p.keep_first_line & first)
        .then(True)
        .when(inside)
        .then(True)
        .when(listed)
        .then(True)
        .when(~has_long)
        .then(p.keep_without_content)
        .when(pl.col("_short"))
        .then(short_ok)
        .otherwise(medium_ok)
    )
    context = bp.REASONS.index("context") + 1
    code = (
        pl.when(content)
        .then(pl.lit(0, dtype=pl.UInt8))
        .when(pl.col("_why") > 0)
        .then(pl.col("_why"))
        .otherwise(pl.lit(context, dtype=pl.UInt8))
    )
    return lines.select(code).to_series()


def _judge_inputs(rng: np.random.Generator, n: int) -> pl.DataFrame:
    """Random features of n non-blank lines in documents of 1-12 lines: every branch of the
    judgement occurs (long, prose, headline, hard, colon lists, clusters)."""
    doc = np.repeat(np.arange(n), rng.integers(1, 13, n))[:n]
    w = rng.integers(0, 40, n) + rng.choice([0.0, 0.25, 0.5], n)
    terminal = rng.random(n) < 0.4
    return pl.DataFrame(
        {
            DOC: pl.Series(doc, dtype=pl.UInt32),
            "_after_blank": rng.random(n) < 0.3,
            "_w": w,
            "_t": terminal,
            "_caps": rng.choice([0.0, 0.2, 0.5, 0.7, 1.0], n),
            "_long": (w >= 30) | ((w >= 10) & terminal),
            "_why": pl.Series(
                np.where(rng.random(n) < 0.2, rng.integers(1, 9, n), 0), dtype=pl.UInt8
            ),
            "_colon": rng.random(n) < 0.1,
        }
    )


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"span_max_gap": 0, "colon_lists": False, "prose_min_run": 1},
        {"medium_max_gap": 2, "keep_first_line": False, "keep_without_content": False},
        {"short_max_words": 12, "headline_min_caps": 0.5, "prose_max_caps": 0.8},
    ],
)
def test_context_judged_in_numpy_matches_its_polars_definition(params):
    rule = _rule(**params)
    rng = np.random.default_rng(11)
    for n in (1, 2, 7, 400):
        lines = _judge_inputs(rng, n)
        assert rule._judge(lines).to_list() == _plain_judge(rule.params, lines).to_list()
    # and on the features of real lines
    batch = Batch.from_texts(
        pl.Series([PAGE, P1, "Home\nNews\n" + P1, PAGE + "\nTour dates:\nMay"])
    )
    frame = batch.lines.select(DOC, pl.col(LINE).str.strip_chars().alias("_s"))
    frame = frame.filter(pl.col("_s") != "")
    feats = rule._features(frame.select("_s"), None).drop("_s")
    lines = frame.select(DOC).with_columns(pl.lit(False).alias("_after_blank")).hstack(feats)
    assert rule._judge(lines).to_list() == _plain_judge(rule.params, lines).to_list()


def test_run_total_matches_the_polars_expressions():
    rng = np.random.default_rng(5)
    x = rng.random(300) * 40
    start = rng.random(300) < 0.2
    start[0] = True
    plain = pl.select(_plain_run_total(pl.lit(pl.Series(x)), pl.lit(pl.Series(start)))).to_series()
    assert np.array_equal(bp._run_total(x, start), plain.to_numpy())
