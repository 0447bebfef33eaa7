"""boilerplate-lines' fast paths give exactly what their plain definitions give."""

from __future__ import annotations

import re
import threading

import numpy as np
import polars as pl
import pytest

from curate.checks import boilerplate as bp
from curate.checks import get_rule, regex_thread
from curate.checks.base import DOC, LINE, LN, OFF, Batch, fill_rows, on_rows
from tests.conftest import shared

# the polars types of boilerplate's text features (bp._FEATURE_ARRAYS holds them as numpy's)
_FEATURE_TYPES = {
    "_w": pl.Float64,
    "_t": pl.Boolean,
    "_caps": pl.Float64,
    "_long": pl.Boolean,
    "_why": pl.UInt8,
    "_colon": pl.Boolean,
    "_phr": pl.UInt8,
}

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
    result = rule.evaluate(batch)
    got = _signals(result)
    plain = _plain_signals(rule, batch)
    assert got.equals(plain)
    assert got["n"].sum() > 0
    # the struct as a select of pl.struct(REASONS) gives it, and the fired flags of each action
    reasons = plain.select(pl.struct(bp.REASONS)).to_series()
    assert result.signals["boilerplate_reasons"].name == reasons.name
    assert result.signals["boilerplate_reasons"].dtype == reasons.dtype
    assert result.fired.to_list() == (plain["n"] > 0).to_list()
    flag = _rule(max_share=0.15)
    flag.action = "flag"
    shares = plain["share"]
    assert flag.evaluate(batch).fired.to_list() == (shares > 0.15).to_list()
    assert 0 < (shares > 0.15).sum() < (plain["n"] > 0).sum()


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
    why = _features(_rule(), frame, recurring).get_column("_why")
    plain = frame.select(bp.line_key(s).hash(seed=bp.HASH_SEED).is_in(recurring.implode()))
    recurring_code = bp.REASONS.index("recurring") + 1
    assert (why == recurring_code).to_list() == plain.to_series().to_list()
    assert plain.to_series().to_list() == [True, True, True, True, False]
    # lines that are not simple for an odd token ("- x") are folded only where they hold two
    # spaces, a control character or a character outside ASCII
    texts = ["- Foo bar 12", "-  foo bar 13", "- foo\tbar 11", "-\u00a0foo bar 22", "- foo bar"]
    texts += [
        "| foo  bar 99",
        "- foo bar  ",
        "-   FOO   BAR   33",
        "- foo \u3000bar 44",
        "- fo bar 55",
    ]
    frame = pl.DataFrame({"_s": [t.strip() for t in texts]})
    keys = [bp.line_key(pl.lit(x)).hash(seed=bp.HASH_SEED) for x in ("- foo bar 00", "- foo bar")]
    recurring = pl.select(pl.concat_list(keys).explode()).to_series()
    why = _features(_rule(), frame, recurring).get_column("_why")
    plain = frame.select(bp.line_key(s).hash(seed=bp.HASH_SEED).is_in(recurring.implode()))
    assert (why == recurring_code).to_list() == plain.to_series().to_list()
    assert plain.to_series().to_list() == [True] * 5 + [False, True, True, True, False]


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


def _features(rule, lines: pl.DataFrame, recurring: pl.Series | None) -> pl.DataFrame:
    """The rule's `_feature_arrays` of `lines`' column `_s`, as a frame: `_s` and the features."""
    text = lines.get_column("_s")
    feats = rule._feature_arrays(text, recurring)
    return pl.DataFrame(
        [text, *(pl.Series(c, v, dtype=_FEATURE_TYPES[c]) for c, v in feats.items())]
    )


def _judge(rule, lines: pl.DataFrame | dict[str, np.ndarray]) -> pl.Series:
    """The rule's `_judge_array` as a Series (UInt8)."""
    return pl.Series(rule._judge_array(lines), dtype=pl.UInt8)


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
    # ... and the line right below the run's line that ends no sentence, ending it
    tail = (
        (prose & ~terminal).shift(1).fill_null(False)
        & terminal
        & ~(pl.col("_st") | pl.col("_after_blank"))
        & ~is_hard
    )
    lines = lines.with_columns(tail.alias("_tail"))
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
        .when(pl.col("_tail"))
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
        assert _judge(rule, lines).to_list() == _plain_judge(rule.params, lines).to_list()
    # and on the features of real lines
    batch = Batch.from_texts(
        pl.Series([PAGE, P1, "Home\nNews\n" + P1, PAGE + "\nTour dates:\nMay"])
    )
    frame = batch.lines.select(DOC, pl.col(LINE).str.strip_chars().alias("_s"))
    frame = frame.filter(pl.col("_s") != "")
    feats = _features(rule, frame.select("_s"), None).drop("_s")
    lines = frame.select(DOC).with_columns(pl.lit(False).alias("_after_blank")).hstack(feats)
    assert _judge(rule, lines).to_list() == _plain_judge(rule.params, lines).to_list()


def test_run_total_matches_the_polars_expressions():
    rng = np.random.default_rng(5)
    x = rng.random(300) * 40
    start = rng.random(300) < 0.2
    start[0] = True
    plain = pl.select(_plain_run_total(pl.lit(pl.Series(x)), pl.lit(pl.Series(start)))).to_series()
    assert np.array_equal(bp._run_total(x, start), plain.to_numpy())


# -- text features: the byte shortcuts against the regexes ----------------------------------------


def _plain_features(self, lines: pl.DataFrame, recurring: pl.Series | None) -> pl.DataFrame:
    """BoilerplateLines._features by its regexes alone, each on every line its limits leave
    (the definition the byte shortcuts are checked against)."""
    p = self.params
    rx = self._regexes()
    s = pl.col("_s")
    lines = lines.with_columns(
        s.str.to_lowercase().alias("_l"),
        (s.str.len_bytes() != s.str.len_chars()).alias("_u"),
    )
    # Words. On a line whose spaces are single and separate tokens that each hold a letter
    # or digit, without bp.CJK (most lines), bp.WORD matches once per token: the words are the
    # spaces + 1, found at a third of the regex's cost; the other lines take the regex.
    simple = lines.select(~s.str.contains(bp.ODD_SPACING)).to_series()
    (spaced,) = on_rows(lines, simple, [s.str.count_matches(" ") + 1], 0)
    (regexed,) = on_rows(lines, ~simple, [s.str.count_matches(bp.WORD)], 0)
    # bp.CJK and unspaced scripts: only lines with a non-ASCII character can hold them, and
    # few of those do
    (scripts,) = on_rows(lines, lines.get_column("_u"), [s.str.contains(bp.SCRIPTS)], False)
    cjk, unspaced = on_rows(
        lines, scripts, [s.str.count_matches(bp.CJK), s.str.count_matches(bp.UNSPACED)], 0
    )
    lines = lines.with_columns(
        (spaced + regexed).alias("_nw"), cjk.alias("_cjk"), unspaced.alias("_uns")
    )
    w = pl.col("_w")
    lines = lines.with_columns(
        (pl.col("_nw") + pl.col("_cjk") / 2 + pl.col("_uns") / 4).alias("_w"),
        (s.str.contains(bp.TERMINAL) & ~s.str.contains(bp.ELLIPSIS)).alias("_t"),
    )
    # share of the words that start upper-case (NaN without words: bp.CJK); it only matters
    # for lines of at least short_max_words words (headline or hard-wrapped prose: a
    # shorter line is short anyway), so it is counted only there
    (upper,) = on_rows(
        lines, lines.select(w >= p.short_max_words).to_series(), [s.str.count_matches(bp.CAP)], 0
    )
    caps = upper / lines.get_column("_nw")
    lines = lines.with_columns(caps.fill_nan(1.0).fill_null(1.0).alias("_caps"))
    w = pl.col("_w")
    terminal = pl.col("_t")
    lines = lines.with_columns(
        ((w >= p.long_min_words) | ((w >= p.good_min_words) & terminal)).alias("_long")
    )
    long = pl.col("_long")
    # the lines each word-limited reason can hit
    start_rows, notice_rows, short_rows, date_rows, open_rows = lines.select(
        (w <= p.phrase_max_words).alias("a"),
        (w <= p.notice_max_words).alias("b"),
        (w <= bp.SHORT_REASONS_MAX_WORDS).alias("c"),
        ((w <= 8) & ~terminal).alias("d"),
        (~terminal).alias("e"),
    ).iter_columns()

    def rx_hit(key: str, rows: pl.Series | None) -> pl.Series:
        # (the [start] alternation of ~500 phrases costs ~7 ms to compile: once per process
        # on the rule's own thread (regex_thread), then it matches 2.5x faster than a join
        # on the phrases' first characters did)
        pattern = rx[key]
        if pattern is None:
            return pl.repeat(False, lines.height, eager=True)
        hit = pl.col("_l").str.contains(pattern)
        return lines.select(hit).to_series() if rows is None else on(rows, hit, False)

    def on(rows: pl.Series, expr: pl.Expr, fill: object) -> pl.Series:
        return on_rows(lines, rows, [expr], fill)[0]

    is_recurring = pl.repeat(False, lines.height, eager=True)
    if recurring is not None and recurring.len() > 0:
        rows = lines.select(
            (s.str.len_chars() <= p.recurring_max_chars)
            # a full sentence found in many documents is syndicated or quoted text: the
            # duplicate rules decide about it, not the template detector
            & (pl.lit(True) if p.recurring_sentences else ~long)
        ).to_series()
        # the key (line_key); a line without whitespace but single spaces (simple) needs
        # no whitespace fold, and few lines have other whitespace
        known = recurring.implode()
        digits = pl.col("_l").str.replace_all(r"[0-9]", "0")
        is_recurring = on(rows & simple, digits.hash(seed=bp.HASH_SEED).is_in(known), False)
        is_recurring |= on(
            rows & ~simple, bp._fold(pl.col("_l")).hash(seed=bp.HASH_SEED).is_in(known), False
        )
    widget, byline = on_rows(
        lines, short_rows, [s.str.contains(bp.WIDGET), s.str.contains(bp.BYLINE) & (w <= 7)], False
    )
    # an editor tag is a short line in brackets: the regex and its length limit run there
    tag_rows = lines.select(
        pl.lit(short_rows) & s.str.starts_with("(") & s.str.ends_with(")")
    ).to_series()
    editor_tag = on(
        tag_rows,
        s.str.contains(bp.EDITOR_TAG)
        & (s.str.slice(1).str.strip_chars_start().str.len_chars() <= bp.EDITOR_TAG_MAX_CHARS + 1),
        False,
    )
    # an [anywhere] phrase in a sentence (a long line, or a sentence end after short_max_words
    # words) is a notice only with more evidence: a copyright sign or a word of the site's
    # voice, the phrase in the line's short tail, or a second phrase close by
    in_line = rx_hit("line", None)
    at_start = rx_hit("start", start_rows)
    other = in_line | at_start
    anywhere = rx_hit("anywhere", notice_rows)
    sentence = lines.select(long | (terminal & (w >= p.short_max_words))).to_series()
    doubt = anywhere & sentence & ~other
    low = pl.col("_l")
    evidence = on(
        doubt,
        low.str.contains(bp.NOTICE_SIGNS)
        | low.str.contains(rx["notice_end"])
        | low.str.contains(rx["notice_pair"]),
        False,
    )
    phrase = other | (anywhere & ~doubt) | evidence
    # the section of the phrase that hit: 1 [line], 2 [start], 3 [anywhere], 0 none
    section = np.select([in_line.to_numpy(), at_start.to_numpy(), phrase.to_numpy()], [1, 2, 3], 0)
    hard = {
        "phrase": phrase,
        "widget": widget,
        "symbols": ~lines.get_column("_s").str.contains(r"\p{L}"),
        "editor_tag": editor_tag,
        "byline": byline,
        "datetime": on(date_rows, s.str.contains(bp.DATETIME), False),
        "link_list": on(open_rows, s.str.count_matches(bp.LINK_SEPARATOR) >= 2, False),
        "recurring": is_recurring,
    }
    # the first reason that holds (a null counts as not holding), in numpy: a when/then
    # chain over eight literal series cost more
    why = np.zeros(lines.height, dtype=np.uint8)
    for reason in reversed(list(hard)):
        hit = hard[reason]
        hit = hit.fill_null(False) if hit.null_count() else hit
        why[hit.to_numpy()] = bp.REASONS.index(reason) + 1
    lines = lines.with_columns(
        pl.Series("_why", why, dtype=pl.UInt8),
        s.str.ends_with(":").alias("_colon"),
        pl.Series("_phr", section, dtype=pl.UInt8),
    )
    return lines.select("_s", "_w", "_t", "_caps", "_long", "_why", "_colon", "_phr")


# pieces of text that reach every shortcut's edge: ASCII controls and punctuation, other
# whitespace, CJK and unspaced scripts, case pairs outside ASCII, sentence ends and ellipses,
# phrases, bylines, dates, widgets, editor tags, link separators
PIECES = (
    [chr(c) for c in range(1, 128)]
    + ["  ", "\u00a0", "\u2003", "\u3000", "\u0085", "\u2028", "\u180e", "\u200b", "\ufeff"]
    + [" | ", " · ", " » ", " / ", " :: ", " > ", "x" * 40, "AA AA AA AA AA AA AA AA"]
    + (
        "word|Home|NEWS|By|by|Oleh:|von|Par|door|Автор|от|copyright|(c) Copyright|All rights "
        "reserved|read more|Baca juga|share|Cookie policy|10:30|2019|15/10/2014|3 hours ago|"
        "November 18, 2019|...|…|...)|…)|…\"|…'|…]|..)|....]|…”|”|’|»|「|」|。|！|।|中文|ひらがな|"
        "カタカナ|ไทย|ພາສາ|한국어|Дом|É|é|İ|ß|ẞ|٣|Ａ|©|ⓒ|⺀|⼀|\u2e7f|\u0e00|A A A|(esn)|(ant/dn)|"
        "AA AA AA AA AA AA AA A|A AA AA AA AA AA AA AA A|١٠:٣٠|१५/१०/२०१४|３ hours ago"
    ).split("|")
)
WORDS = ["the", "city", "council", "approved", "Budget", "on", "Tuesday", "after", "a", "debate"]


def _fuzz_lines(rng: np.random.Generator, n: int) -> list[str]:
    """n distinct stripped non-blank lines: short mixes of PIECES, and long prose lines with
    some of them inside (every word limit and both line ends)."""
    out: set[str] = set()
    while len(out) < n:
        if rng.random() < 0.7:
            parts = rng.choice(PIECES, rng.integers(1, 12))
        else:
            words = list(rng.choice(WORDS, rng.integers(4, 90)))
            for _ in range(rng.integers(0, 4)):
                words.insert(int(rng.integers(0, len(words) + 1)), str(rng.choice(PIECES)))
            parts = [" ".join(words), str(rng.choice(["", ".", "...", "…", "!", ":", "”"]))]
        line = "".join(parts).strip()
        if line:
            out.add(line)
    return sorted(out)


def _recurring(lines: list[str], rng: np.random.Generator) -> pl.Series:
    """Line keys of a random third of `lines`, as the corpus pass hands them."""
    some = [x for x in lines if rng.random() < 0.33] or lines[:1]
    key = bp.line_key(pl.col("l")).hash(seed=bp.HASH_SEED)
    return pl.DataFrame({"l": some}).select(key).to_series()


def _assert_features_match(rule, lines: list[str], recurring: pl.Series | None) -> None:
    frame = pl.DataFrame({"_s": lines}, schema={"_s": pl.String})
    got = _features(rule, frame, recurring)
    plain = _plain_features(rule, frame, recurring)
    assert got.columns == plain.columns
    assert got.schema == plain.schema
    for name in plain.columns:
        same = got.get_column(name) == plain.get_column(name)
        bad = [x for x, ok in zip(lines, same.to_list(), strict=True) if not ok]
        assert not bad, (name, bad[:5])


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"short_max_words": 2, "phrase_max_words": 3, "notice_max_words": 6},
        {"recurring_sentences": True, "recurring_max_chars": 20, "long_min_words": 8},
        {"extra_phrases": ["#", "x", "10:30"], "languages": ["en", "zh"]},
    ],
)
def test_text_features_from_bytes_match_the_regexes(params):
    rule = _rule(**params)
    rng = np.random.default_rng(3)
    lines = _fuzz_lines(rng, 3000)
    _assert_features_match(rule, lines, _recurring(lines, rng))
    _assert_features_match(rule, lines[:1], None)


def test_text_features_lower_case_every_row_a_question_reads():
    # _features lower-cases only the rows a phrase list or the recurring lines read: lines each
    # list reads and the others do not ([line]: a phrase among digits, more words than the
    # [start] and [anywhere] limits; [start]: more letters than any [line] phrase; recurring:
    # long in characters, few words)
    rule = _rule(notice_max_words=1, phrase_max_words=12, recurring_max_chars=400)
    rng = np.random.default_rng(9)
    digits = " ".join(str(i) for i in range(1, 15))
    mine = [f"Share {digits}", f"SHARE THIS {digits}", "Read more about " + "Abcdefghij" * 12]
    mine += ["Baca juga: " + "Xyz" * 40 + " today", "Ab" * 150, "(c) Copyright " + "Zz" * 100]
    lines = sorted(set(mine + _fuzz_lines(rng, 1000)))
    _assert_features_match(rule, lines, _recurring(lines, rng))
    recurring = pl.DataFrame({"l": ["Ab" * 150]}).select(
        bp.line_key(pl.col("l")).hash(seed=bp.HASH_SEED)
    )
    _assert_features_match(rule, lines, recurring.to_series())
    # (the lines above are what they claim: phrases the [anywhere] limit does not reach)
    why = _features(rule, pl.DataFrame({"_s": mine}), None).get_column("_why").to_list()
    assert why[:4] == [1, 1, 1, 1]


def test_text_features_with_user_phrase_files(tmp_path):
    # a [line] phrase without letters, a long one, a [start] phrase starting with a symbol
    phrases = tmp_path / "p.txt"
    # (the longest [line] phrase all letters: the letter bound is tight)
    phrases.write_text("[line]\n++\n" + "x" * 50 + "\n[start]\n#tag\n[anywhere]\n-- end --\n")
    rule = _rule(phrase_files=[str(phrases)])
    rng = np.random.default_rng(4)
    extra = ["++", "-- ++ --", "- " + "X" * 50 + " -", "x" * 51, "#Tag it", "x -- end --"]
    lines = _fuzz_lines(rng, 1500) + extra
    _assert_features_match(rule, lines, None)


def test_text_features_of_real_lines_match_the_regexes():
    # every language of the OSCAR samples and the seed article
    path = shared("webcrawl", "oscar2019_samples_166_languages", "oscar2019_samples.jsonl")
    texts = pl.read_ndjson(path).get_column("text").to_list()
    texts += [p.read_text(encoding="utf-8") for p in shared("seeds").glob("*.txt")]
    lines = sorted({x.strip() for t in texts for x in t.split("\n")} - {""})
    rng = np.random.default_rng(5)
    _assert_features_match(_rule(), lines, _recurring(lines, rng))


def _plain_facts(text: str) -> tuple:
    """_Facts of one string, byte by byte."""
    b = text.encode("utf-8")
    alnum = [chr(c).isascii() and chr(c).isalnum() for c in b]
    starts = [i for i in range(len(b)) if i == 0 or b[i - 1] == 32]
    odd = any(not alnum[i] and (b[i] == 32 or i + 1 == len(b) or not alnum[i + 1]) for i in starts)
    lead = any(
        c >= 0xE0 and (c != 0xE2 or (i + 1 < len(b) and b[i + 1] >= 0xB8)) for i, c in enumerate(b)
    )
    caseless = [(0x2000, 0x2080), (0x3000, 0xA000)]
    cased = any(
        ord(ch) >= 0x80 and not any(lo <= ord(ch) < hi for lo, hi in caseless) for ch in text
    )
    return (
        max(b) >= 128,
        b.count(b" "),
        odd,
        any(c < 14 for c in b),
        sum(65 <= b[i] <= 90 for i in starts),
        sum(chr(c).isascii() and chr(c).isalpha() for c in b),
        any(48 <= c <= 57 for c in b),
        lead,
        cased,
    )


def _plain_keys(text: str, fold_digits: bool) -> str:
    """A-Z to a-z, and 0-9 to 0 if fold_digits: what _Utf8.facts writes into `keys`."""
    out = "".join(ch.lower() if "A" <= ch <= "Z" else ch for ch in text)
    return re.sub("[0-9]", "0", out) if fold_digits else out


@pytest.mark.parametrize("block", [1, 7, 64, 1 << 16])
def test_byte_facts_match_their_definition_across_blocks(monkeypatch, block):
    # blocks of whole strings, a string longer than a block its own
    monkeypatch.setattr(bp, "BLOCK_BYTES", block)
    rng = np.random.default_rng(6)
    lines = _fuzz_lines(rng, 400) + ["x" * 300, "A", "é", "Z9 Ω 0a", " ⁿ　鿿"]
    for fold_digits in (True, False):
        u = bp._Utf8(pl.Series(lines))
        keys = np.full(len(u.data), 255, dtype=np.uint8)
        facts = u.facts(keys, fold_digits)
        got = list(zip(*(col.tolist() for col in facts), strict=True))
        assert got == [_plain_facts(x) for x in lines]
        assert pl.Series(bp._strings(u.offsets, keys, len(lines))).to_list() == [
            _plain_keys(x, fold_digits) for x in lines
        ]
    assert got == list(zip(*(col.tolist() for col in u.facts()), strict=True))
    assert bp._Utf8(pl.Series([], dtype=pl.String)).facts().non_ascii.shape == (0,)


def test_lines_without_a_cased_lead_byte_lower_case_as_ascii():
    # every code point (every 5th past U+3100), alone and between ASCII letters and digits:
    # where _Facts.cased is False, Unicode lower-casing is the ASCII map
    points = [*range(1, 0x3100), *range(0x3100, 0x110000, 5)]
    texts = [f"A{chr(c)}z" for c in points if not 0xD800 <= c <= 0xDFFF and c != 10]
    s = pl.Series(texts)
    cased = bp._Utf8(s).facts().cased
    ascii_lower = pl.Series([_plain_keys(x, False) for x in texts])
    same = (s.str.to_lowercase() == ascii_lower).to_numpy()
    assert not (~cased & ~same).any()
    assert cased.sum() > 100_000


def test_script_lead_bytes_cover_every_script_character():
    # every code point SCRIPTS matches starts with a byte _script_lead flags
    points = [c for c in range(0x80, 0x110000) if not 0xD800 <= c <= 0xDFFF]
    chars = pl.Series([chr(c) for c in points])
    hit = chars.str.contains(bp.SCRIPTS).to_numpy()
    lead = bp._Utf8(chars).facts().script_lead
    assert hit.sum() > 90_000
    assert not (hit & ~lead).any()


def test_ascii_byte_tables_match_the_regexes():
    for c in range(1, 128):
        ch = chr(c)
        line = pl.Series(["ab" + ch])
        assert bp._TERMINAL_ASCII[c] == line.str.contains(bp.TERMINAL).item(), ch
        assert bp._WHITESPACE_ASCII[c] == pl.Series([ch]).str.contains(r"^\s$").item(), ch
    for closer in "\"')]":
        assert pl.Series(["ab..." + closer]).str.contains(bp.ELLIPSIS).item()
        assert bp._ELLIPSIS_CLOSERS_ASCII[ord(closer)]


def test_byline_start_table_holds_every_ascii_start_of_a_byline():
    # a byline's first two characters, when ASCII: only the first two letters of the words, in
    # either case (and every such pair is one)
    pairs = [(a, b) for a in range(1, 128) for b in range(1, 128)]
    lines, at = [], []
    for a, b in pairs:
        for word in bp.BYLINE_WORDS:
            for rest in (word[2:], ""):
                lines.append(chr(a) + chr(b) + rest + " Jane")
                at.append((a, b))
    hit = pl.Series(lines).str.contains(bp.BYLINE).to_numpy()
    found = {at[i] for i in np.flatnonzero(hit)}
    table = {(a, b) for a, b in pairs if bp._BYLINE_START[a, b]}
    assert found == table
    names = ["Jane Doe", "Budi Santoso", "Jean-Luc Picard", "jane doe"]
    heads = ["By", "by:", "BY", "Oleh:", "Von", "PAR", "Door", "por", "Bye", "Автор:", "от", "B"]
    lines = [f"{h} {x}" for h in heads for x in names] + ["By", "B", "by "]
    _assert_features_match(_rule(), sorted({x.strip() for x in lines}), None)


def test_collect_samples_the_texts_of_the_first_hashes_by_count_then_hash():
    # top_k over (count down, hash up) is the set sort + head gives (hashes are distinct; many
    # counts tie)
    rng = np.random.default_rng(8)
    counts = pl.DataFrame(
        {
            "h": pl.Series(rng.permutation(5000) * 7_919_000_003, dtype=pl.UInt64),
            "n": pl.Series(rng.integers(1, 4, 5000), dtype=pl.UInt32),
        }
    )
    plain = counts.sort(["n", "h"], descending=[True, False]).head(bp.SAMPLE_TEXTS)
    fast = counts.top_k(bp.SAMPLE_TEXTS, by=["n", "h"], reverse=[False, True])
    assert set(fast.get_column("h").to_list()) == set(plain.get_column("h").to_list())
    texts = [f"item {chr(97 + i % 26)}" for i in range(400)]
    batch = Batch.from_texts(pl.Series(["\n".join(texts[i : i + 9]) for i in range(0, 400, 7)]))
    sampled = _rule().collect(batch)["texts"].get_column("t").to_list()
    assert sorted(sampled) == sorted(set(texts))


@pytest.mark.parametrize("block", [1, 7, 1 << 16])
@pytest.mark.parametrize("steps", [0, 1, 4, 100])
def test_ascii_words_and_odd_spacing_match_the_regexes(monkeypatch, block, steps):
    # every ASCII character, in tokens of any mix, across block boundaries; tokens beginning
    # with another byte resolved step by step, by the search, or both
    monkeypatch.setattr(bp, "BLOCK_BYTES", block)
    monkeypatch.setattr(bp, "ODD_TOKEN_STEPS", steps)
    rng = np.random.default_rng(12)
    alphabet = [chr(c) for c in range(1, 128)] + [" "] * 20 + ["a", "Z", "7", "-", "|"] * 5
    lines = ["".join(rng.choice(alphabet, rng.integers(1, 40))) for _ in range(3000)]
    odd = ["-", "(", "==", "|", "."]
    for _ in range(300):  # long tokens of odd bytes, with or without a letter at their end
        run = "".join(rng.choice(odd, rng.integers(1, 12)))
        lines.append(f"{run}{rng.choice(['', 'x', '7', ' ', ' y'])} {run}")
    lines += ["a", " x", "- -", "\t1\t", "(see) $5 ...", "------a", "-----", "((((((((b c"]
    lines = [x for x in lines if x]
    series = pl.Series(lines)
    want = series.str.count_matches(bp.WORD).to_list()
    words, other_spaces, two = bp._ascii_words(series)
    assert words.tolist() == want
    assert two.tolist() == series.str.contains("  ", literal=True).to_list()
    assert 0 < two.sum() < len(two)
    assert max(want) > 3 and min(want) == 0
    # ODD_SPACING: whitespace but the space, or a token without a letter or digit
    spaces = series.str.count_matches(" ", literal=True).to_numpy()
    odd = series.str.contains(bp.ODD_SPACING).to_list()
    assert (other_spaces | (words != spaces + 1)).tolist() == odd
    assert 0 < sum(odd) < len(odd) and 0 < other_spaces.sum() < sum(odd)


def _line_variants(phrase: str, rng: np.random.Generator) -> list[str]:
    """Lines around a [line] phrase: as it is, in other cases, between non-letters, with other
    spacing, and near misses (a letter more or less at either end)."""
    spaced = phrase.replace(" ", str(rng.choice(["  ", "\t", " \t "])))
    return [
        phrase,
        phrase.upper(),
        phrase.title(),
        spaced,
        f"» {phrase} «",
        f"1. {phrase}:",
        f"({phrase.upper()})",
        f"x{phrase}",
        f"{phrase}s",
        phrase[1:],
        phrase[:-1],
    ]


def test_line_phrase_table_keeps_every_ascii_line_the_regex_matches():
    # the [line] table (letters, first and last byte) never drops an ASCII line the regex
    # matches, for every shipped phrase and user phrases beginning or ending with a non-letter;
    # and it drops most lines that match none (else it would spare nothing)
    rng = np.random.default_rng(9)
    rule = _rule(extra_phrases=[])
    user = ("(c) notice", "terms!", "-- end --", "a", "ab c", "2 go", "x" * 40)
    phrases = dict(rule._phrases())
    phrases["line"] = (*phrases["line"], *user)
    items = tuple((k, tuple(sorted(v, key=lambda p: (-len(p), p)))) for k, v in phrases.items())
    pattern = bp.phrase_regexes(items)["line"]
    table = bp._line_table(items)
    lines = [v for p in phrases["line"] if p.isascii() for v in _line_variants(p, rng)]
    lines += [x for x in _fuzz_lines(rng, 3000) if x.isascii()]
    lines = sorted({x.strip() for x in lines} - {""})
    u = bp._Utf8(pl.Series(lines))
    letters = u.facts().letters
    inside = letters < len(table)
    first, last = u.data[u.start], u.last(1)
    kept = np.zeros(len(lines), dtype=bool)
    kept[inside] = table[
        letters[inside], bp._LETTER_SYMBOL[first[inside]], bp._LETTER_SYMBOL[last[inside]]
    ]
    hit = pl.Series(lines).str.to_lowercase().str.contains(pattern).to_numpy()
    assert hit.sum() > 1000
    missed = [x for x, h, k in zip(lines, hit, kept, strict=True) if h and not k]
    assert not missed, missed[:5]
    assert (kept & ~hit).sum() < 0.5 * (~hit).sum()


def test_text_features_with_line_phrases_at_every_ascii_edge():
    # _features (with the [line] table) against the regexes, on the shipped ASCII [line]
    # phrases and their near misses
    rng = np.random.default_rng(10)
    phrases = [p for p in _rule()._phrases()["line"] if p.isascii()]
    lines = [v for p in phrases[::3] for v in _line_variants(p, rng)]
    _assert_features_match(_rule(), sorted({x.strip() for x in lines} - {""}), None)


def _plain_phrase_regexes(monkeypatch, items):
    # phrase_regexes with each alternation written out phrase by phrase (its definition)
    with monkeypatch.context() as m:
        m.setattr(bp, "_either", lambda phrases: "|".join(map(bp._escape, phrases)))
        return bp.phrase_regexes.__wrapped__(items)


def test_phrase_alternations_as_prefix_trees_match_the_plain_alternations(monkeypatch):
    # _either shares the phrases' common prefixes: every section's regex must say what the
    # phrase-by-phrase alternation says, on every shipped phrase (each language), user phrases
    # that are prefixes of one another, with spaces, punctuation and regex metacharacters, in
    # their variants (other case and spacing, a letter more or less, between non-letters) and
    # on fuzzed lines
    rng = np.random.default_rng(23)
    rule = _rule(extra_phrases=[])
    user = ("read", "read more", "read more »", "read mor", "a.b", "a+b (c)", "$5 off", "é", "éé")
    phrases = {k: (*v, *user) for k, v in rule._phrases().items()}
    items = tuple((k, tuple(sorted(v, key=lambda p: (-len(p), p)))) for k, v in phrases.items())
    ours = bp.phrase_regexes(items)
    plain = _plain_phrase_regexes(monkeypatch, items)
    assert ours != plain  # (the trees are in use)
    lines = [v for ps in phrases.values() for p in ps for v in _line_variants(p, rng)]
    lines += [f"{a} {b}" for a, b in zip(user, reversed(user), strict=True)]
    lines += _fuzz_lines(rng, 2000)
    low = pl.Series("_l", sorted(set(lines))).str.to_lowercase()
    for section in bp.SECTIONS:
        got = low.str.contains(ours[section])
        want = low.str.contains(plain[section])
        assert got.sum() > 100
        assert (got == want).all(), low.filter(got != want).head(5).to_list()


def test_prefix_tree_matches_exactly_its_phrases():
    phrases = ("ab", "abc", "abd", "a", "b c", "x.y", "(z)", "日本")
    pattern = f"^(?:{bp._either(phrases)})$"
    near = ["", "abcd", "ac", "bc", "b  c", "b\tc", "xzy", "z", "日", "日本語", "abd "]
    got = pl.Series([*phrases, *near]).str.contains(pattern).to_list()
    assert got == [True] * len(phrases) + [False, False, False, False, True, True] + [False] * 5
    # nested up to TRIE_MAX_DEPTH: a tree the parser takes; deeper: the plain alternation (the
    # parser's nesting limit)
    chain = tuple("ab" * k for k in range(1, bp.TRIE_MAX_DEPTH // 2 + 1))
    assert bp._either(chain) != "|".join(chain)
    chained = [f"^(?:{bp._either(chain)})$", f"^[^\\p{{L}}]*(?:{bp._either(chain)})[^\\p{{L}}]*$"]
    for pattern in chained:
        assert pl.Series(["ab" * 50, "ab" * 51, "aba"]).str.contains(pattern).to_list() == [
            True,
            False,
            False,
        ]
    deep = tuple("a" * k for k in range(1, 300))
    assert bp._either(deep) == "|".join(deep)
    whole = f"^(?:{bp._either(deep)})$"
    assert pl.Series(["a" * 299, "a" * 300]).str.contains(whole).to_list() == [True, False]
    # a phrase longer than TRIE_MAX_CHARS: the plain alternation (no deep recursion)
    long = ("x" * 5000, "x" * 4999 + "y", "ab")
    assert bp._either(long) == "|".join(long)
    start = _rule(extra_phrases=["w" * 5000])._regexes()["start"]
    hit = pl.Series(["w" * 5000 + " x", "w" * 4999, "w" * 5001]).str.contains(start)
    assert hit.to_list() == [True, False, False]


def test_terminal_outside_ascii_matches_the_regexes_for_every_character():
    # every character outside ASCII (every 13th past U+FFFF) at a line's end, alone and after
    # a letter, a full stop, "..", "..." and "…" (the closers of an ellipsis)
    points = [*range(0x80, 0xD800), *range(0xE000, 0x10000), *range(0x10000, 0x110000, 13)]
    lines = [f"{before}{chr(c)}" for c in points for before in ("", "x", ".", "..", "...", "…")]
    s = pl.Series(lines)
    want = s.str.contains(bp.TERMINAL) & ~s.str.contains(bp.ELLIPSIS)
    u = bp._Utf8(s)
    got = bp._terminal_outside_ascii(u, np.arange(len(lines)))
    assert got.tolist() == want.to_list()
    assert 0 < got.sum() < len(lines) and (want & s.str.contains(bp.ELLIPSIS)).sum() == 0


def test_white_space_is_the_regexes_whitespace_for_every_character():
    # polars' \s (the Rust regex crate's White_Space) on every code point
    points = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    s = pl.Series([chr(c) for c in points])
    want = s.str.contains(r"^\s$").to_list()
    assert [bp._WHITE_SPACE_RUN.fullmatch(chr(c)) is not None for c in points] == want


@pytest.mark.parametrize("in_python", [0, 10**9])
def test_fold_few_is_the_whitespace_fold(monkeypatch, in_python):
    # in Python (few strings) or by the regex, runs of every kind of whitespace
    monkeypatch.setattr(bp, "FOLD_IN_PYTHON", in_python)
    rng = np.random.default_rng(8)
    spaces = [" ", "  ", "\t", "\n", "\v", "\f", "\r", "\x85", "\xa0", "\u1680", "\u180e"]
    spaces += [chr(c) for c in range(0x2000, 0x200C)] + ["\u2028", "\u202f", "\u205f", "\u3000"]
    pieces = spaces + ["a", "Ω", "中", "-", "\x1c", "\x1f"]
    texts = ["".join(rng.choice(pieces, rng.integers(1, 12))) for _ in range(500)]
    s = pl.Series("k", texts)
    want = s.to_frame().select(bp._fold_spaces(pl.col("k"))).to_series()
    assert bp._fold_few(s).to_list() == want.to_list()


@pytest.mark.parametrize("in_python", [0, 10**9])
def test_text_features_fold_the_recurring_keys_in_python_or_polars(monkeypatch, in_python):
    monkeypatch.setattr(bp, "FOLD_IN_PYTHON", in_python)
    rng = np.random.default_rng(9)
    lines = _fuzz_lines(rng, 1500)
    _assert_features_match(_rule(), lines, _recurring(lines, rng))


def test_text_features_of_sentences_with_notice_phrases_match_the_definition():
    # an [anywhere] phrase in a sentence needs more evidence (bp.NOTICE_SIGNS, the phrase in
    # the line's short tail, a second phrase close by): sentences with none, one or two
    # phrases, at every place, with and without a word of the site's voice or a copyright sign
    rng = np.random.default_rng(11)
    inserts = ["privacy policy", "Getty Images", "terms of use", "our", "You", "©", "Copyright"]
    # (and where a line's tail starts: a sentence end, a bracket, a separator)
    inserts += ["said.", "(AP Photo/Jane Roe)", "(credit:", "|", "Inc.", "this website"]
    lines = set()
    while len(lines) < 1500:
        words = list(rng.choice(WORDS, rng.integers(3, 40)))
        for _ in range(rng.integers(1, 4)):
            words.insert(int(rng.integers(0, len(words) + 1)), str(rng.choice(inserts)))
        lines.add(" ".join(words) + str(rng.choice([".", "", "!", ")"])))
    lines = sorted(lines)
    rule = _rule()
    _assert_features_match(rule, lines, None)
    # (every kind of line is there: phrases taken on their own, on evidence, and refused)
    why = _features(rule, pl.DataFrame({"_s": lines}), None).get_column("_why").to_numpy()
    low = pl.Series(lines).str.to_lowercase()
    rx = rule._regexes()
    anywhere = low.str.contains(rx["anywhere"]).to_numpy()
    two = (low.str.count_matches(rx["anywhere"]) >= 2).to_numpy()
    pair = low.str.contains(rx["notice_pair"]).to_numpy()
    signs = low.str.contains(bp.NOTICE_SIGNS).to_numpy()
    end = low.str.contains(rx["notice_end"]).to_numpy()
    sentence = np.array([x.endswith(".") and len(x.split()) >= 10 for x in lines])
    phrase = why == 1
    alone = sentence & anywhere & ~signs & ~end
    assert (phrase & alone & pair).sum() > 10
    assert (~phrase & alone & ~pair).sum() > 20
    # (two phrases far apart are no evidence; a phrase in the line's tail is)
    assert (~phrase & alone & two & ~pair).sum() > 5
    assert (phrase & sentence & end & ~signs & ~pair).sum() > 5
    assert (phrase & sentence & signs).sum() > 20
