"""The corpus pass of boilerplate-lines (collect) against its plain definition: every line
stripped, keyed by line_key and hashed, documents per hash by a group-by, the texts of the first
SAMPLE_TEXTS hashes by (count down, hash up)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from curate.checks import boilerplate as bp
from curate.checks import get_rule
from curate.checks.base import DOC, LINE, Batch
from tests.conftest import shared


def _rule():
    cls = get_rule("boilerplate-lines")
    return cls(cls.Params(), "strip")


def _plain_collect(batch: Batch) -> dict:
    t = pl.col("t")
    lines = batch.lines.select(DOC, pl.col(LINE).fill_null("").str.strip_chars().alias("t"))
    keyed = lines.filter(t != "").with_columns(bp.line_key(t).hash(seed=bp.HASH_SEED).alias("h"))
    counts = keyed.group_by("h").agg(pl.col(DOC).n_unique().cast(pl.UInt32).alias("n"))
    top = counts.sort(["n", "h"], descending=[True, False]).head(bp.SAMPLE_TEXTS).select("h")
    texts = (
        keyed.join(top, on="h", how="semi")
        .group_by("h")
        .agg(pl.col("t").min().str.slice(0, bp.SAMPLE_CHARS))
    )
    return {"documents": batch.n, "counts": counts, "texts": texts}


def _assert_same(texts: list[str | None]) -> None:
    batch = Batch.from_texts(pl.Series(texts, dtype=pl.String))
    fast, plain = _rule().collect(batch), _plain_collect(batch)
    assert fast["documents"] == plain["documents"]
    for part in ("counts", "texts"):
        a, b = fast[part].sort("h"), plain[part].sort("h")
        assert a.schema == b.schema
        assert a.equals(b), part


# characters the byte paths single out: ASCII (controls, DEL, digits, case), Unicode whitespace
# (every \s outside ASCII and their neighbours in UTF-8), caseless ranges and their edges, cased
# letters of other scripts, the final sigma, characters whose lower case is longer or ASCII
ALPHABET = (
    [chr(c) for c in range(128)]
    + list("\x85\xa0\u1680\u180e\u2000\u2005\u200a\u200b\u2028\u2029\u202f\u205f\u3000\u3001")
    + list("\u1fff\u2000\u201c\u201d\u2026\u207f\u2080\u2c00\u2fff\u3000\u30a2\u9fff\ua000")
    + list("ÀÉÖØÞßàéÿĀİıΣσςΑДЖжЯΩ\u212a\u2126ⅫⒶ日本語ไทย한국\U0001d400\U0001f600")
)


def test_collect_matches_its_plain_definition_on_fuzzed_lines():
    rng = np.random.default_rng(11)
    lines = []
    for _ in range(3000):
        k = int(rng.integers(1, 14))
        lines.append("".join(rng.choice(ALPHABET, k)))
    # recurring template lines in case, digit and spacing variants, across documents
    variants = ["Copyright 2024 Site", "copyright 1999 site", "COPYRIGHT  2000\tSITE"]
    docs = []
    for i in range(0, len(lines), 25):
        docs.append("\n".join([variants[i % 3], *lines[i : i + 25], variants[(i + 1) % 3], ""]))
    _assert_same([*docs, None, "", "\n\n", "  \t ", "Σ", "ΑΣ ΑΣ.", "İİ 12"])


@pytest.mark.parametrize(
    "texts",
    [
        [None, "", "\n", "   "],  # no non-blank line: empty aggregates
        ["one line"],
        ["a\na\na", "a"],  # a line twice in one document counts that document once
        [f"line {i}\nfooter" for i in range(300)],  # more hashes than SAMPLE_TEXTS, ties
        [f"Σ{i} x\nfooter\u00a0 one\nFOOTER ONE" for i in range(250)],
        ["日本語の文\u3000です\nไทย\n한국어 ΣΑΣ Ωμέγα", "日本語の文 です"],
    ],
)
def test_collect_matches_its_plain_definition_on_edge_cases(texts):
    _assert_same(texts)


def test_line_hashes_are_line_key_hashes_for_every_character():
    # each code point alone, between letters, doubled and next to spaces
    # (every code point up to U+3100 and after the caseless ranges' ends, every 7th between)
    chars = [chr(c) for c in [*range(1, 0x3100), *range(0x3100, 0xA000, 7), *range(0xA000, 0xB000)]]
    texts = pl.Series([f"a{c}B {c}{c}z 9" for c in chars if c not in "\n\r"]).str.strip_chars()
    plain = texts.to_frame("t").select(bp.line_key(pl.col("t")).hash(seed=bp.HASH_SEED))
    assert np.array_equal(bp._line_hashes(texts), plain.to_series().to_numpy())


def test_caseless_ranges_have_no_case_and_unicode_spaces_are_found():
    for lo, hi in bp._CASELESS:
        chars = pl.Series([chr(c) for c in range(lo, hi)])
        assert (chars.str.to_lowercase() == chars).all()
    # every \s character outside ASCII is found, none of its neighbours in the tables
    every = [chr(c) for c in range(0x80, 0x3100)]
    s = pl.Series(every)
    spaces = s.str.contains(r"^\s$").to_numpy()
    u = bp._Utf8(s)
    found = bp._unicode_spaces(u.data, u.start)
    assert found[spaces].all()
    assert {c for c, f in zip(every, found, strict=True) if f} - {"\u180e"} == {
        c for c, sp in zip(every, spaces, strict=True) if sp
    }


def test_first_by_count_is_the_head_of_the_sort():
    rng = np.random.default_rng(3)
    for size, k in ((0, 5), (3, 5), (1000, 200), (1000, 1), (500, 499)):
        n = rng.integers(1, 5, size)
        order = np.lexsort((np.arange(size), -n))[:k]
        expected = np.zeros(size, dtype=bool)
        expected[order] = True
        assert np.array_equal(bp._first_by_count(n, k), expected)


@pytest.mark.parametrize(
    ("lines", "docs", "keys", "in_order"),
    [
        (2000, 40, 300, False),
        (2000, 40, 300, True),  # lines in document order, as a batch holds them
        (5000, 900, 70_000, True),  # more keys than 16 bits: the two-pass radix order
        (3000, 3, 2**32 - 1, True),
        (1, 1, 1, True),
    ],
)
def test_documents_per_key_counts_distinct_documents(lines, docs, keys, in_order):
    rng = np.random.default_rng(lines + keys)
    doc = rng.integers(0, docs, lines)
    if in_order:
        doc.sort()
    # keys from a few values, so that most recur within and across documents
    key = rng.choice(rng.integers(0, keys, max(lines // 4, 1)), lines)
    if keys > 10**6:
        key[:2] = [0, keys - 1]
    plain = pl.DataFrame({"d": doc, "k": key}).group_by("k").agg(pl.col("d").n_unique())
    used = np.unique(key)
    got = bp._documents_per_key(doc, np.searchsorted(used, key), len(used))
    expected = np.zeros(len(used), dtype=np.int64)
    expected[np.searchsorted(used, plain["k"].to_numpy())] = plain["d"].to_numpy()
    assert np.array_equal(got, expected)
    # the radix order is numpy's stable sort, on the raw keys too
    assert np.array_equal(bp._stable_order(key), np.argsort(key, kind="stable"))


@pytest.mark.parametrize(
    "parts",
    [
        ("webcrawl", "oscar2019_samples_166_languages", "oscar2019_samples.jsonl"),
        ("webcrawl", "dolma_cc_test_docs", "cc_en_head-0091.jsonl"),
    ],
)
def test_collect_matches_its_plain_definition_on_real_text(parts):
    texts = pl.read_ndjson(shared(*parts)).get_column("text").head(600)
    _assert_same(texts.to_list())


def test_finish_lists_the_top_lines_of_a_full_sort():
    rule = _rule()
    rng = np.random.default_rng(9)
    counts = pl.DataFrame(
        {
            "h": pl.Series(rng.permutation(3000) * 7_919_000_003, dtype=pl.UInt64),
            "n": pl.Series(rng.integers(1, 6, 3000), dtype=pl.UInt32),
        }
    )
    texts = counts.head(500).select("h", pl.format("line {}", "h").alias("t"))
    finished = rule.finish({"documents": 1000, "counts": counts, "texts": texts})
    plain = (
        counts.sort(["n", "h"], descending=[True, False])
        .head(bp.TOP_LINES)
        .join(texts, on="h", how="left", maintain_order="left")
    )
    expected = [
        {"text": t if t is not None else "(text not sampled)", "documents": int(n)}
        for _, n, t in plain.iter_rows()
    ]
    assert finished["top"] == expected


def _plain_merge(a: dict, b: dict, max_tracked: int) -> dict:
    counts = pl.concat([a["counts"], b["counts"]]).group_by("h").agg(pl.col("n").sum())
    if counts.height > max_tracked:
        counts = counts.sort(["n", "h"], descending=[True, False]).head(max_tracked)
    texts = pl.concat([a["texts"], b["texts"]]).group_by("h").agg(pl.col("t").min())
    texts = (
        texts.join(counts, on="h", how="inner")
        .sort(["n", "h"], descending=[True, False])
        .head(bp.SAMPLE_TEXTS)
        .select("h", "t")
    )
    return {"documents": a["documents"] + b["documents"], "counts": counts, "texts": texts}


def _aggregate(rng, keys: int, rows: int, texts: int) -> dict:
    h = rng.choice(keys, rows, replace=False).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    words = ["Σίγμα", "zebra", "Zebra", "日本", "ä", "a", "", "ab\u00a0c", "\U0001f600"]
    t = [f"{rng.choice(words)}{rng.choice(words)}" for _ in range(texts)]
    t = [None if i % 17 == 0 else s for i, s in enumerate(t)]  # (a frame made elsewhere)
    return {
        "documents": int(rng.integers(1, 100)),
        "counts": pl.DataFrame(
            {"h": pl.Series(h, dtype=pl.UInt64), "n": pl.Series(rng.integers(1, 9, rows))}
        ).cast({"n": pl.UInt32}),
        "texts": pl.DataFrame(
            {
                "h": pl.Series(rng.choice(h, texts), dtype=pl.UInt64),
                "t": pl.Series(t, dtype=pl.String),
            }
        ),
    }


@pytest.mark.parametrize("in_order", [False, True])
@pytest.mark.parametrize("max_tracked", [10**6, 900, 50])
def test_merge_matches_its_plain_definition(max_tracked, in_order):
    # in_order: the hashes ascending, as collect and merge leave them (_merged_runs)
    rng = np.random.default_rng(max_tracked)
    rule = _rule()
    rule.params = type(rule.params)(max_tracked_lines=max_tracked)
    for rows_a, rows_b in [(700, 600), (0, 300), (300, 0), (1, 1), (0, 0)]:
        a = _aggregate(rng, 1500, rows_a, min(rows_a, 2) * 150)
        b = _aggregate(rng, 1500, rows_b, min(rows_b, 2) * 150)
        if in_order:
            a["counts"], b["counts"] = a["counts"].sort("h"), b["counts"].sort("h")
        fast, plain = rule.merge(a, b), _plain_merge(a, b, max_tracked)
        assert fast["documents"] == plain["documents"]
        for part in ("counts", "texts"):
            x, y = fast[part].sort("h"), plain[part].sort("h")
            assert x.schema == y.schema
            assert x.equals(y), part
        # and the same top lines once finished
        f, g = rule.finish(fast), rule.finish(plain)
        assert f["top"] == g["top"] and f["threshold"] == g["threshold"]
        assert f["hashes"].sort().equals(g["hashes"].sort())


def test_stripped_hashes_know_every_character_strip_chars_removes():
    # every character but the surrogates, at the start and at the end of a line, alone and
    # twice: the byte tables must name every string strip_chars changes
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    lines = pl.Series([f"{c}x" for c in chars] + [f"x{c}" for c in chars] + chars + ["", "a b"])
    hashed, filled = bp._stripped_hashes(lines)
    stripped = lines.str.strip_chars()
    assert np.array_equal(filled, (stripped != "").to_numpy())
    expected = np.zeros(len(lines), dtype=np.uint64)
    kept = stripped.filter(stripped != "").to_frame("t")
    expected[filled] = kept.select(bp.line_key(pl.col("t")).hash(seed=bp.HASH_SEED)).to_series()
    assert np.array_equal(hashed, expected)


@pytest.mark.parametrize("n", [0, 1, 7, 5000])
def test_numbered_matches_numpy_unique(n):
    # the distinct hashes ascending and each one's row among them, as np.unique gives them
    # (64-bit values, the top bit set in some, many repeats)
    rng = np.random.default_rng(n)
    values = rng.integers(0, 2**64 - 1, size=max(n // 3, 1), dtype=np.uint64, endpoint=True)
    values = rng.choice(values, size=n) if n else values[:0]
    distinct, rows = bp._numbered(values)
    want, inverse = np.unique(values, return_inverse=True)
    assert distinct.dtype == np.uint64
    assert distinct.tolist() == want.tolist()
    assert rows.tolist() == inverse.ravel().tolist()


@pytest.mark.parametrize("size", [0, 1, 50, 5000])
def test_most_frequent_is_the_head_of_the_sort(size):
    """The corpus pass past max_tracked_lines keeps the first k hashes by (count down, hash up):
    a selection that equals the head of the full sort, many counts tied."""
    rng = np.random.default_rng(size)
    h = np.unique(rng.integers(0, 2**63, size, dtype=np.uint64))
    n = rng.integers(1, 6, len(h)).astype(np.uint32)
    for k in {1, 2, len(h) // 3, len(h) // 2, len(h) - 1, len(h), len(h) + 5} - {0, -1}:
        want = np.sort(np.lexsort((h, -n.astype(np.int64)))[:k])
        assert bp._most_frequent(h, n, k).tolist() == want.tolist()


def test_merged_runs_are_the_sums_of_a_sort():
    rng = np.random.default_rng(8)
    top = np.iinfo(np.uint64).max
    for size_a, size_b in [(2000, 700), (0, 5), (5, 0), (0, 0), (1, 1), (300, 3000)]:
        pool = np.unique(rng.integers(0, 4000, size_a + size_b, dtype=np.uint64) * 7)
        pool = np.append(pool, np.array([0, top], dtype=np.uint64))  # both ends of the range
        ha = np.unique(rng.choice(pool, size_a))
        hb = np.unique(rng.choice(pool, size_b))
        # counts near 2**32: the UInt32 sums wrap as polars' do
        na = rng.integers(2**32 - 9, 2**32, len(ha), dtype=np.uint64).astype(np.uint32)
        nb = rng.integers(1, 20, len(hb)).astype(np.uint32)
        h, n = bp._merged_runs(ha, hb, na, nb)
        plain = (
            pl.DataFrame(
                {
                    "h": pl.Series(np.concatenate([ha, hb]), dtype=pl.UInt64),
                    "n": pl.Series(np.concatenate([na, nb]), dtype=pl.UInt32),
                }
            )
            .group_by("h")
            .agg(pl.col("n").sum())
            .sort("h")
        )
        assert h.tolist() == plain.get_column("h").to_list()
        assert n.dtype == np.uint32
        assert n.tolist() == plain.get_column("n").to_list()
    # hashes out of order or repeated: not runs (the sort decides)
    one = np.ones(2, dtype=np.uint32)
    up, down, same = (np.array(v, dtype=np.uint64) for v in ([1, 2], [5, 3], [4, 4]))
    assert bp._merged_runs(down, up, one, one) is None
    assert bp._merged_runs(up, same, one, one) is None


def _sparse_lines(seed: int, n: int) -> list[str]:
    """Mostly ASCII lines (English web text: the sparse path of _key_hashes), each of a few
    holding one character of ALPHABET (controls, Unicode spaces, E2 80/81 punctuation, cased
    and caseless letters, 4-byte characters), double spaces, tabs, digits, and lines starting
    or ending with spaces (kept unstripped: _stripped_hashes keys them again)."""
    rng = np.random.default_rng(seed)
    words = ["Read", "MORE", "news", "2024", "a", "Copyright", "x", "Site", "of", "the"]
    special = [c for c in ALPHABET if c not in "\n\r"]
    lines = []
    for i in range(n):
        line = " ".join(rng.choice(words, int(rng.integers(1, 12))))
        if i % 29 == 0:
            at = int(rng.integers(0, len(line) + 1))
            line = line[:at] + str(rng.choice(special)) + line[at:]
        if i % 31 == 0:
            line = line.replace(" ", "  ", 1)
        if i % 37 == 0:
            line = line.replace(" ", "\t", 1)
        if i % 41 == 0:
            line = line + " "
        if i % 43 == 0:
            line = " " + line
        lines.append(line)
    return lines


@pytest.mark.parametrize("n", [1, 40, 3000, 40000])
def test_sparse_key_marks_are_the_blocks_marks(n):
    # the same folded bytes and marks as the blocks, the sparse path taken (40,000 lines: more
    # than one block), stripped and not
    lines = pl.Series(_sparse_lines(n, n))
    for texts, stripped in ((lines.str.strip_chars(), True), (lines, False)):
        texts = texts.filter(texts != "")
        u = bp._Utf8(texts)
        sparse = np.zeros(len(u.data), dtype=np.uint8)
        blocks = np.zeros(len(u.data), dtype=np.uint8)
        got = bp._sparse_key_marks(u, sparse)
        want = bp._block_key_marks(u, blocks)
        assert got is not None
        assert np.array_equal(sparse, blocks)
        # bit 2 may differ on a line that starts or ends with a space (a pair across two
        # lines, a block's last byte): _stripped_hashes keys those lines again
        edge = np.asarray([t[0] == " " or t[-1] == " " for t in texts.to_list()], dtype=bool)
        assert stripped <= (not edge.any())
        assert np.array_equal(got[~edge], want[~edge])
        assert np.array_equal(got[edge] & 5, want[edge] & 5)


@pytest.mark.parametrize("sparse_high", [0, 64])
def test_key_hashes_are_line_key_hashes_on_sparse_and_dense_text(monkeypatch, sparse_high):
    monkeypatch.setattr(bp, "SPARSE_HIGH", sparse_high)
    # sparse (mostly ASCII), dense (every line outside ASCII) and a giant line
    dense = [f"Ω{c}ж {c}  x" for c in ALPHABET if c not in "\n\r"]
    for lines in (_sparse_lines(5, 20000), dense, ["ab " * 40000 + "é"], _sparse_lines(6, 3)):
        raw = pl.Series(lines, dtype=pl.String)
        hashed, filled = bp._stripped_hashes(raw)
        stripped = raw.str.strip_chars()
        assert np.array_equal(filled, (stripped != "").to_numpy())
        expected = np.zeros(len(raw), dtype=np.uint64)
        kept = stripped.filter(stripped != "").to_frame("t")
        key = bp.line_key(pl.col("t")).hash(seed=bp.HASH_SEED)
        expected[filled] = kept.select(key).to_series()
        assert np.array_equal(hashed, expected)


def test_sparse_key_marks_leave_dense_text_to_the_blocks():
    u = bp._Utf8(pl.Series(["Привет мир", "日本語のテキスト", "ab"] * 100))
    folded = np.zeros(len(u.data), dtype=np.uint8)
    assert bp._sparse_key_marks(u, folded) is None
    assert not folded.any()  # untouched
