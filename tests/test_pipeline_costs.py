"""The batch function's fast paths give what their plain definitions give: the rebuilt text of
the documents a strip touched, and the examples a batch builds once the run has better ones."""

from __future__ import annotations

import random

import numpy as np
import polars as pl

from curate import pipeline
from curate.checks.base import DOC, LINE, OFF, Batch


def rebuild_text_plain(docs: pl.DataFrame, lines: pl.DataFrame, touched: pl.Series) -> pl.Series:
    """The definition: per touched document, its remaining lines joined by newlines, blank lines
    first, last or following a blank dropped; the others' text as it was."""
    if not touched.any():
        return docs["text"]
    mask = touched.to_numpy()[lines[DOC].to_numpy()]
    sub = lines.filter(pl.Series(mask)).select(DOC, LINE)
    blank = pl.col(LINE).str.strip_chars() == ""
    first = pl.col(DOC) != pl.col(DOC).shift(1)
    last = pl.col(DOC) != pl.col(DOC).shift(-1)
    sub = sub.with_columns(blank.alias("_b"))
    sub = sub.filter(~(pl.col("_b") & (first | pl.col("_b").shift(1)).fill_null(True)))
    sub = sub.filter(~(pl.col("_b") & last.fill_null(True)))
    joined = sub.group_by(DOC, maintain_order=True).agg(pl.col(LINE).str.join("\n").alias("_t"))
    new = docs.select(DOC, "text", touched.alias("_touched")).join(
        joined, on=DOC, how="left", maintain_order="left"
    )
    return (
        new.select(
            pl.when(pl.col("_touched")).then(pl.col("_t").fill_null("")).otherwise(pl.col("text"))
        )
        .to_series()
        .alias("text")
    )


PIECES = ["", " ", "\t", "\u00a0", "\u3000 ", "a", "Some words.", "Слово", "日本語の行", "\r", "x "]


def _texts(rng: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        k = rng.choice([0, 1, 1, 2, 3, 5, 8, 13])
        out.append("\n".join(rng.choice(PIECES) for _ in range(k)))
    return out + ["", "\n", "\n\n\n", "only one line", "a\n\n\nb\n\n"]


def test_rebuild_text_is_its_plain_definition():
    rng = random.Random(7)
    for trial in range(60):
        batch = Batch.from_texts(pl.Series(_texts(rng, rng.choice([1, 5, 40, 300]))))
        lines = batch.lines
        if trial % 3 == 1:  # after an earlier strip: some documents have lost every line
            lines = lines.filter(pl.Series([rng.random() < 0.7 for _ in range(lines.height)]))
        keep = pl.Series([rng.random() < 0.6 for _ in range(lines.height)])
        kept = lines.filter(keep)
        touched = np.zeros(batch.n, dtype=bool)
        touched[lines.filter(~keep)[DOC].to_numpy()] = True
        if trial % 5 == 0:  # documents touched without a line removed, and none touched
            touched[rng.randrange(batch.n)] = True
        if trial % 7 == 0:
            touched[:] = False
        t = pl.Series(touched)
        got = pipeline.rebuild_text(batch.docs, kept, t)
        want = rebuild_text_plain(batch.docs, kept, t)
        assert got.dtype == want.dtype and got.name == want.name == "text"
        assert got.to_list() == want.to_list(), trial
        assert batch.docs["text"].to_list() == batch.text.to_list()  # the docs are left alone


def test_examples_a_run_would_drop_are_not_built_and_the_statistics_are_the_same():
    from curate.config import load_ruleset
    from curate.engine import process_batches
    from curate.stats import MAX_EXAMPLES, RunStats

    rs = load_ruleset("default").with_overrides(id_column="id")
    rng = random.Random(3)
    words = ["the", "sea", "and", "of", "Click", "here", "cookies", "...", "{", "•", "word"]
    tables = []
    for b in range(6):
        texts = [
            "\n".join(
                " ".join(rng.choice(words) for _ in range(rng.randint(1, 30)))
                for _ in range(rng.randint(1, 6))
            )
            for _ in range(80)
        ]
        tables.append(pl.DataFrame({"text": texts, "id": [f"{b}-{i}" for i in range(80)]}))
    rules = rs.build()
    plain = RunStats()
    built = []
    for t in tables:  # the definition: every batch's picks built, merged
        out = pipeline.process_batch(rules, t, "text", {}, "id")
        plain.merge(out.stats)
        built.append(sum(len(r.examples) for r in out.stats.rules.values()))
    _, _, stats = process_batches(rs, [(t.to_arrow(), []) for t in tables], {}, keep_rows=False)
    assert stats.to_dict() == plain.to_dict()
    assert sum(len(r.examples) for r in stats.rules.values()) > 0
    # and the bounds did cut: a later batch of the run built fewer examples than alone
    bounds = pipeline.example_bounds(plain)
    assert bounds and all(len(plain.rules[n].examples) == MAX_EXAMPLES for n in bounds)
    out = pipeline.process_batch(rules, tables[-1], "text", {}, "id", bounds)
    assert sum(len(r.examples) for r in out.stats.rules.values()) < built[-1]


def test_blank_lines_is_strip_chars_empty():
    # empty, ASCII spaces and controls, non-ASCII spaces (NBSP, ideographic, NEL, em space),
    # letters after them, short strings (inline in their view) and long ones (> 12 bytes)
    pieces = ["", " ", "\t", "\r", "\x0b", "\x1c", "\x00", "\x7f", "\u00a0", "\u3000", "\x85"]
    pieces += ["\u2003", "a", "Слово", "日本", "-", "~", "!", "x" * 20, " " * 20, "\u00a0" * 9]
    rng = random.Random(11)
    lines = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 4))) for _ in range(3000)]
    text = pl.Series(lines)
    want = (text.str.strip_chars() == "").to_numpy()
    assert want.any() and not want.all()
    assert (pipeline._blank_lines(text) == want).all()
    # a slice (the views start at an offset) and a gathered series
    assert (pipeline._blank_lines(text.slice(7, 500)) == want[7:507]).all()
    rows = pl.Series(list(range(0, 3000, 3)), dtype=pl.UInt32)
    assert (pipeline._blank_lines(text.gather(rows)) == want[::3]).all()
    assert len(pipeline._blank_lines(pl.Series([], dtype=pl.String))) == 0
    # the lines at given rows (any order), read where they are: text[rows] without a gather
    some = np.array([rng.randrange(3000) for _ in range(700)])
    for at in (some, np.sort(some), np.arange(3000), np.array([], dtype=np.int64)):
        assert (pipeline._blank_lines(text, at) == want[at]).all()
        assert (pipeline._blank_lines(text.slice(7, 500), at % 500) == want[7:507][at % 500]).all()
    # the plain path (a series with nulls is not read from its views): the same rows
    with_null = pl.Series([*lines, None])
    assert (pipeline._blank_lines(with_null, some) == want[some]).all()


def test_example_picks_are_the_smallest_digests_in_row_order():
    import heapq

    import xxhash

    from curate.stats import MAX_EXAMPLES

    rng = random.Random(5)
    # repeated texts give equal digests: ties go to the earlier row
    texts = pl.Series(
        [rng.choice(["a", "b", "Слово", "", "x\ny", "long " * 9]) for _ in range(400)]
    )
    texts = pl.concat([texts, pl.Series([f"doc {i}" for i in range(400)])])
    fired = [np.array([rng.random() < p for _ in range(len(texts))]) for p in (0.9, 0.3, 0.01, 0)]
    everyone = np.ones(len(texts), dtype=bool)  # every row fired on: the rows are the indices
    picker = pipeline._ExamplePicker(texts, fired)
    every_picker = pipeline._ExamplePicker(texts, [*fired, everyone])
    assert not picker._every and every_picker._every
    encoded = [t.encode() for t in texts.to_list()]
    for rule in ("a-rule", "other"):
        for f in [*fired, everyone]:
            seed = xxhash.xxh64_intdigest(rule.encode())
            plain = heapq.nsmallest(
                MAX_EXAMPLES,
                ((xxhash.xxh64_intdigest(encoded[i], seed), i) for i in np.flatnonzero(f)),
            )
            want = [(f"{k:016x}", int(i)) for k, i in plain]
            assert every_picker.pick(rule, f) == want
            if f is not everyone:
                assert picker.pick(rule, f) == want
            for bound in (0, 2**63, 2**64 - 1, plain[2][0] if len(plain) > 2 else 1):
                got = every_picker.pick(rule, f, bound)
                assert got == [(h, i) for h, i in want if int(h, 16) < bound]
                if f is not everyone:
                    assert picker.pick(rule, f, bound) == got
    assert pipeline._ExamplePicker(texts, []).pick("a-rule", fired[3]) == []


def test_text_bytes_are_the_texts_encoded():
    import pyarrow as pa

    rng = random.Random(11)
    # short texts (12 bytes or fewer: held in the view), long ones (in a data buffer), non-ASCII
    words = ["", "a", "twelve bytes", "thirteen byte", "Слово", "long " * 30, "日本語のテキスト"]
    plain = [rng.choice(words) + str(i) * rng.randint(0, 3) for i in range(600)]
    from_python = pl.Series(plain)
    from_arrow = pl.from_arrow(pa.array(plain, pa.string()))  # the reader's buffer, viewed
    two_chunks = pl.concat([from_python.slice(0, 300), from_arrow.slice(300)], rechunk=False)
    with_nulls = pl.Series([None if i % 7 == 0 else t for i, t in enumerate(plain)])
    cases = [
        (from_python, plain),
        (from_arrow, plain),
        (two_chunks, plain),
        (from_arrow.slice(5, 400), plain[5:405]),
        (from_python.gather(pl.Series(range(0, 600, 3))), plain[::3]),
        (with_nulls, ["" if i % 7 == 0 else t for i, t in enumerate(plain)]),
        (pl.Series(["only a short"] * 5), ["only a short"] * 5),
    ]
    for texts, want in cases:
        for rows in (np.arange(len(want)), np.array([len(want) - 1, 3, 0]), np.array([], int)):
            got = pipeline._text_bytes(texts, rows)
            assert [bytes(v) for v in got] == [want[i].encode() for i in rows]


def test_line_chars_follow_the_strips_as_the_lines_do():
    from curate.checks.base import line_chars

    rng = random.Random(9)
    for trial in range(20):
        batch = Batch.from_texts(pl.Series(_texts(rng, rng.choice([1, 7, 90]))))
        for _ in range(trial % 4):  # strips in a row: their masks compose
            keep = np.array([rng.random() < 0.7 for _ in range(batch.lines.height)], dtype=bool)
            batch = batch.stripped(batch.docs, batch.lines.filter(pl.Series(keep)), keep)
        want = batch.lines.get_column(LINE).str.len_chars().to_numpy()
        assert line_chars(batch).tolist() == want.tolist()
    # a batch built without the split (its lines given) measures them
    lines = pl.DataFrame({DOC: pl.Series([0, 0], dtype=pl.UInt32), LINE: ["ab", "Слово"]})
    plain = Batch(pl.DataFrame({DOC: pl.Series([0], dtype=pl.UInt32), "text": ["x"]}), lines, {})
    assert line_chars(plain).tolist() == [2, 5]


def test_removed_spans_are_the_removed_lines_with_their_newlines():
    from curate.config import load_ruleset

    rs = load_ruleset("default")
    rng = random.Random(2)
    words = ["the", "sea", "and", "Click", "here", "cookies", "Слово", "•", "  ", ""]
    texts = [
        "\n".join(
            " ".join(rng.choice(words) for _ in range(rng.randint(0, 12)))
            for _ in range(rng.randint(1, 9))
        )
        for _ in range(300)
    ] + ["Share this\nShare this\nShare this"] * 40
    out = pipeline.process_batch(rs.build(), pl.DataFrame({"text": texts}), "text", {})
    assert out.removed is not None and out.removed.height
    assert out.removed.schema["len"] == pl.UInt32
    for d, off, size in out.removed.select(DOC, "__off", "len").iter_rows():
        span = texts[d][off : off + size]
        assert span.endswith("\n") or off + size == len(texts[d]) + 1
        assert "\n" not in span[:-1]


def test_rebuild_text_of_documents_in_any_order():
    # the documents' rows in another order than their lines (every one touched, or some)
    rng = random.Random(8)
    for trial in range(20):
        batch = Batch.from_texts(pl.Series(_texts(rng, 60)))
        docs = batch.docs.sample(fraction=1.0, shuffle=True, seed=trial)
        keep = pl.Series([rng.random() < 0.6 for _ in range(batch.lines.height)])
        kept = batch.lines.filter(keep)
        touched = pl.Series([trial % 2 == 0 or rng.random() < 0.5 for _ in range(docs.height)])
        got = pipeline.rebuild_text(docs, kept, touched)
        # the plain definition reads `touched` by __doc: give it the documents in that order
        order = docs.get_column(DOC).to_numpy()
        by_doc = np.zeros(docs.height, dtype=bool)
        by_doc[order] = touched.to_numpy()
        want = rebuild_text_plain(batch.docs, kept, pl.Series(by_doc)).to_numpy()[order]
        assert got.to_list() == want.tolist(), trial


def test_bool_masks_are_fill_null_false():
    import pyarrow as pa

    rng = random.Random(4)
    for n in (0, 1, 7, 8, 9, 100, 1001):
        values = [rng.choice([True, False, None]) for _ in range(n)]
        valid = np.array([v is not None for v in values], dtype=bool)
        for s in (
            pl.Series(values, dtype=pl.Boolean),
            pl.Series([v is True for v in values]),  # no nulls
            pl.Series([None] * n),  # polars' Null type
            pl.Series([None] * 3 + values, dtype=pl.Boolean).slice(3),  # at an offset
            # nulls whose value bits are set (Arrow leaves them undefined)
            pl.from_arrow(
                pa.BooleanArray.from_buffers(
                    pa.bool_(),
                    n,
                    [
                        pa.py_buffer(np.packbits(valid, bitorder="little")),
                        pa.py_buffer(np.packbits(valid | ~valid, bitorder="little")),
                    ],
                )
            ),
            pl.from_arrow(
                pa.chunked_array(
                    [pa.array(values[: n // 2], pa.bool_()), pa.array(values[n // 2 :], pa.bool_())]
                )
            ),
        ):
            true, false = pipeline._bool_masks(s)
            want_true = s.cast(pl.Boolean).fill_null(False).to_numpy()
            want_false = (~s.cast(pl.Boolean)).fill_null(False).to_numpy()
            assert true.dtype == bool and false.dtype == bool
            assert true.tolist() == want_true.tolist()
            assert false.tolist() == want_false.tolist()


def test_doc_chars_is_len_chars():
    rng = random.Random(6)
    pieces = ["", "\n", "\n\n", "a", "Слово", "日本", " ", "\r\n", "end\n", "🙂"]
    for n in (0, 1, 2, 50, 700):
        texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(n)]
        for series in (pl.Series(texts, dtype=pl.String), pl.Series([None, *texts, None])):
            batch = Batch.from_texts(series)
            got = pipeline.doc_chars(batch)
            assert got.dtype == pl.UInt32
            assert got.to_list() == series.fill_null("").str.len_chars().to_list()


def test_histogram_is_histogram_series():
    from curate.stats import histogram_series

    rng = np.random.default_rng(4)
    edges_sets = [
        tuple(i / 20 for i in range(21)),
        (0.0, 0.5, 1.0),
        (0, 1, 10, 100, 1000),
        (5.0,),
        (),
    ]
    floats = np.concatenate(
        [rng.normal(0.5, 1, 500), [np.nan, np.inf, -np.inf, -1.0, 0.0, 0.05, 1.0, 1e300]]
    )
    series = [
        pl.Series(floats),
        pl.Series(floats, dtype=pl.Float32),
        pl.Series(rng.integers(-20, 2000, 500)),
        pl.Series(rng.integers(0, 2000, 500), dtype=pl.UInt32),
        pl.Series(rng.integers(0, 200, 500), dtype=pl.UInt8),
        pl.Series([2**62 + 1, 2**63 - 1, -(2**63), 0], dtype=pl.Int64),
        pl.Series([2**64 - 1, 0], dtype=pl.UInt64),
        pl.Series(rng.random(300) < 0.3),
        pl.Series([], dtype=pl.Float64),
        pl.Series([1.5, 2.5], dtype=pl.Decimal(10, 2)),
        # nulls are left out (the pipeline's histograms are of the values a rule gave)
        pl.Series([0.5, None, np.nan, 2.0, None]),
        pl.Series([3, None, 2**62 + 1, 7], dtype=pl.Int64),
        pl.Series([None, 200, 0], dtype=pl.UInt8),
        pl.Series([True, None, False, True]),
        pl.Series([None, None], dtype=pl.Float64),
        pl.Series([None, 1.5], dtype=pl.Decimal(10, 2)),
    ]
    for edges in edges_sets:
        for s in series:
            want = histogram_series(edges, s.drop_nulls())
            assert pipeline._histogram(edges, s) == want, (edges, s.dtype, s.null_count())


def test_spans_are_the_removed_lines_of_each_document_in_text_order():
    rng = random.Random(3)
    n = 400
    removed = pl.DataFrame(
        {
            DOC: pl.Series([rng.randrange(60) for _ in range(n)], dtype=pl.UInt32),
            OFF: pl.Series(rng.sample(range(100_000), n), dtype=pl.UInt32),
            "len": pl.Series([rng.randint(1, 90) for _ in range(n)], dtype=pl.UInt32),
        }
    )

    def plain(docs: list[int]) -> dict[int, list[list[int]]]:
        out: dict[int, list[list[int]]] = {}
        rows = removed.filter(pl.col(DOC).is_in(docs)).sort(DOC, OFF)
        for d, o, ln in rows.select(DOC, OFF, "len").iter_rows():
            out.setdefault(d, []).append([o, o + ln])
        return out

    for docs in ([3, 1, 59], list(range(60)), [200], [7], []):
        assert pipeline._spans_of(removed, docs) == plain(docs)
    assert pipeline._spans_of(None, [1]) == {}


def test_frame_steps_without_queries_are_the_queries():
    df = pl.DataFrame(
        {"a": [1, None, 3, 4], "text": ["x", "y", None, "zz"], "c": [[1], [], None, [2, 3]]}
    )
    mask = pl.Series([True, False, None, True])
    assert pipeline._drop(df, ["text"]).equals(df.drop("text"))
    assert pipeline._drop(df, ["text", "a"]).equals(df.drop("text", "a"))
    assert pipeline._drop(df, []).equals(df)
    assert pipeline._filter(df, mask).equals(df.filter(mask))
    assert pipeline._filter(df, mask.fill_null(True)).equals(df.filter(mask.fill_null(True)))
    new = pl.Series("text", ["p", "q", "r", "s"])
    assert pipeline._replace(df, new).equals(df.with_columns(new))
    assert pipeline._replace(df, new).columns == df.columns
    assert df["text"].to_list() == ["x", "y", None, "zz"]  # the frame given is left alone
