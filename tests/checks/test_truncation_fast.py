"""truncated-text's fast paths for small batches against their plain definitions: the queries
skipped where their rows are none (SKIP_EMPTY) and the verdicts assembled in numpy
(FAST_VERDICTS)."""

from __future__ import annotations

import random

import polars as pl
import pytest

from curate.checks import truncation
from curate.checks.base import Batch
from curate.config import load_ruleset

RULE = "truncated-text"

PROSE = [
    "The council met on Monday to discuss the budget for the coming year.",
    "The council met on Monday to discuss the budget for the coming year",
    "The new park will open next spring and the",
    "He said the vote would take place next month (after the",
    'She said "the plan is',
    "Read the full report at https://example.com/report",
    "Para ahli meni",
    "It was a long day for the members of the",
    "Всё закончилось хорошо.",
    "会议在星期一举行。",
    "They left the hall. (esn)",
    "The mayor thanked the residents for coming.",
    "Nothing was decided, and the meeting ended at nine.",
    "¿Quién ganó el partido?",
]
TRAILER = [
    "",
    "Share this",
    "Tags: council, budget",
    "----",
    "#news #local",
    "Related Stories And More Headlines",
    "Home | About | Contact",
    "```",
    "- item",
    "Short line",
]
ENDINGS = [""] * 12 + [
    " ",
    "...",
    "…",
    " and…",
    " Read more...",
    "\nRead more",
    " [...]",
    "&amp",
    "-",
]


def random_texts(seed: int, n: int) -> list[str | None]:
    rng = random.Random(seed)
    texts: list[str | None] = [None, "", "   \n", "Done."]
    for _ in range(n):
        lines = [rng.choice(PROSE) for _ in range(rng.randint(0, 4))]
        lines += [rng.choice(TRAILER) for _ in range(rng.randint(0, 4))]
        if rng.random() < 0.5:
            lines.append(rng.choice(PROSE[-4:] if rng.random() < 0.6 else PROSE))
        texts.append("\n".join(lines) + rng.choice(ENDINGS))
    # lengths on round caps in each unit, cut or complete
    body = "The council discussed the budget at length and heard many residents speak. " * 30
    texts += [body[:512], body[:1000], body[:991] + " The end.", " ".join(["word"] * 255)]
    texts.append(("Zürich café ünd " * 40).encode()[:256].decode("utf-8", "ignore"))
    return texts


def build(**params):
    rs = load_ruleset({"name": "t", "rules": [{"rule": RULE, "action": "flag", **params}]})
    (rule,) = rs.build()
    return rule


def signals(rule, texts: list[str | None], corpus: dict | None = None) -> dict[str, list]:
    batch = Batch.from_texts(pl.Series(texts, dtype=pl.String), corpus=corpus or {})
    result = rule.evaluate(batch)
    out = {k: v.to_list() for k, v in result.signals.items()}
    out["fired"] = result.fired.to_list()
    return out


PARAMS = [
    {},
    {"ellipsis_alone": True},
    {"round_cap_alone": True, "spike_alone": True},
    {"missing_stop_fires": False, "trailing_space_fires": False},
    {"judge_original": False},
]


def test_small_batches_count_tokens_with_the_regex_as_whitespace_tokens(monkeypatch):
    # 255 tokens apart by white space of several kinds: a cap in tokens
    capped = "".join(f"w{i}" + " \u3000\u00a0\u2028\x85\t"[i % 6] for i in range(254)) + "end"
    texts = random_texts(2, 60) + ["a\u3000b\u00a0c \u200bd", "\u2028x\x85y", capped]
    rule = build()
    small = [signals(rule, texts[i : i + 3]) for i in range(0, len(texts), 3)]
    monkeypatch.setattr(truncation, "REGEX_TOKENS_BYTES", -1)
    plain = [signals(rule, texts[i : i + 3]) for i in range(0, len(texts), 3)]
    assert small == plain
    assert small[-1]["truncated_round_cap"][-1] == "255 tokens"


@pytest.mark.parametrize("params", PARAMS)
def test_numpy_verdicts_equal_the_expressions(params, monkeypatch):
    texts = random_texts(3, 300)
    rule = build(**params)
    # spikes at lengths some texts have, in two units
    spikes = [
        {"unit": "chars", "length": len(texts[5] or ""), "documents": 10, "around": 0.1},
        {"unit": "tokens", "length": 255, "documents": 10, "around": 0.1},
        {"unit": "bytes", "length": 10**9, "documents": 10, "around": 0.1},
    ]
    for corpus in ({}, {RULE: {"spikes": spikes}}):
        fast = signals(rule, texts, corpus)
        monkeypatch.setattr(truncation, "FAST_VERDICTS", False)
        plain = signals(rule, texts, corpus)
        monkeypatch.setattr(truncation, "FAST_VERDICTS", True)
        assert fast == plain
    # every signal is exercised
    for name, values in plain.items():
        assert any(v not in (None, False) for v in values), name
    assert not all(plain["fired"])


@pytest.mark.parametrize("size", [1, 2, 3])
def test_skipping_the_queries_without_rows_equals_running_them(size, monkeypatch):
    # small batches: the ones where every document is decided by its last line, where no line
    # is a candidate for the skip tests, where no text ends in a bare ellipsis or a bracket
    texts = random_texts(5 + size, 40 * size)
    rule = build()
    batches = [texts[i : i + size] for i in range(0, len(texts), size)]
    tails = []
    split = truncation._tail_lines
    monkeypatch.setattr(
        truncation, "_tail_lines", lambda docs, **k: tails.append(1) or split(docs, **k)
    )
    fast = [signals(rule, b) for b in batches]
    skipped = len(batches) - len(tails)
    monkeypatch.setattr(truncation, "SKIP_EMPTY", False)
    plain = [signals(rule, b) for b in batches]
    assert fast == plain
    # the skips happened: batches whose tails were never split
    assert skipped > 5 and len(tails) > 5
    verdicts = [v for b in plain for v in b["fired"]]
    assert sum(verdicts) > 10 and len(verdicts) - sum(verdicts) > 10


def test_is_in_equals_numpy_isin():
    import numpy as np

    from curate.checks.truncation import _is_in, _sorted_values

    rng = np.random.default_rng(4)
    v = rng.integers(0, 70_000, 5000).astype(np.int64)
    for values in [(), (5,), tuple(truncation.ROUND_CAPS), tuple(int(x) for x in v[:50]) * 2]:
        got = _is_in(v, _sorted_values(values))
        assert got.tolist() == np.isin(v, np.asarray(values, dtype=np.int64)).tolist()
    assert _is_in(np.zeros(0, dtype=np.int64), _sorted_values((1,))).tolist() == []


def test_brackets_counted_in_numpy_equal_the_expressions():
    from curate.checks.truncation import _bracket_chars, _unbalanced, _unbalanced_counted

    rng = random.Random(8)
    alphabet = "ab .()[]{}«»「」『』《》（）\"“”„'’ "
    lines = [None, "", "“There", 'He said "yes', '4" x 9"']
    lines += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))) for _ in range(3000)]
    frame = pl.DataFrame({"last": pl.Series(lines, dtype=pl.String)}).with_columns(
        _bracket_chars(pl.col("last")).alias("_chars")
    )
    plain = frame.select(
        pl.when(pl.col("_chars").list.len() > 0)
        .then(_unbalanced(pl.col("last"), pl.col("_chars")))
        .otherwise(False)
    ).to_series()
    counted = _unbalanced_counted(frame.get_column("last"), frame.get_column("_chars"))
    assert counted.to_list() == plain.to_list()
    assert 300 < plain.sum() < len(lines) - 300
    # a slice, several chunks, no rows
    part = frame.slice(11, 700)
    got = _unbalanced_counted(part.get_column("last"), part.get_column("_chars"))
    assert got.to_list() == plain.slice(11, 700).to_list()
    two = pl.concat([frame.slice(0, 50), frame.slice(50, 50)], rechunk=False)
    got = _unbalanced_counted(two.get_column("last"), two.get_column("_chars"))
    assert got.to_list() == plain.head(100).to_list()
    assert _unbalanced_counted(frame.head(0)["last"], frame.head(0)["_chars"]).to_list() == []


def test_values_written_at_their_rows_equal_the_join(monkeypatch):
    texts = [t for t in random_texts(11, 300) if t is None or "```" not in t]
    rule = build()
    fenced = texts + ["Code:\n```\nprint(1)"]
    for batch in (texts, fenced, texts[6:7], texts[10:13]):
        fast = signals(rule, batch)
        monkeypatch.setattr(truncation, "SCATTER_BY_DOC", False)
        plain = signals(rule, batch)
        monkeypatch.setattr(truncation, "SCATTER_BY_DOC", True)
        assert fast == plain
    # documents not numbered by their rows take the join
    batch = Batch.from_texts(pl.Series(texts, dtype=pl.String))
    order = list(range(len(texts)))
    random.Random(1).shuffle(order)
    docs = batch.docs.with_columns(pl.Series("__doc", order, dtype=batch.docs["__doc"].dtype))
    shuffled = Batch(docs, batch.lines.clear(), {})
    assert not truncation._in_order(docs["__doc"])
    got = rule.evaluate(shuffled).fired.to_list()
    assert got == signals(rule, texts)["fired"]


def test_case_exceptions_are_every_character_ascii_lower_casing_misreads():
    """ASCII_LOWER leaves the characters outside ASCII as they are: exact for the mid-word test
    only where no character's lower case (polars' str.to_lowercase) holds an ASCII letter or
    changes whether it is a word character, but those of CASE_EXCEPTIONS (checked on every
    code point, against the regex classes the test uses)."""
    chars = [chr(c) for c in range(0x80, 0x110000) if not 0xD800 <= c <= 0xDFFF]
    word = truncation.WORD_CHAR
    found = (
        pl.DataFrame({"c": chars})
        .with_columns(lower=pl.col("c").str.to_lowercase())
        .filter(
            pl.col("lower").str.contains("[A-Za-z]")
            | (pl.col("c").str.contains(f"^{word}$") != pl.col("lower").str.contains(f"^{word}"))
            | (pl.col("c").str.contains(f"^{word}$") != pl.col("lower").str.contains(f"{word}$"))
        )
        .get_column("c")
        .to_list()
    )
    assert sorted(found) == sorted(truncation.CASE_EXCEPTIONS)
    ascii_lower = pl.Series([chr(c) for c in range(128)]).str.to_lowercase().to_list()
    assert ascii_lower == [chr(c).lower() for c in range(128)]


def test_mid_word_on_ascii_lowered_texts_equals_polars_lower_casing(monkeypatch):
    rng = random.Random(21)
    stems = ["par", "PAR", "Para", "pArA", "ΟΔΟΣ", "οδός", "İs", "is", "IS", "sa", "Sa", "SA"]
    stems += ["\u212aey", "key", "K", "\ua7d2x", "\ua7d3x", "café", "CAFÉ", "ß", "Straße", "thr"]
    glue = [" ", " ", "\n", ".", "'", "3", "s", "S", "ss", "-", "“", "’", "\u00a0", "é"]
    texts = [
        "".join(rng.choice(stems + glue) for _ in range(rng.randint(1, 16))) for _ in range(3000)
    ]
    texts += ["x İs is", "The partial pa", "KEY key \u212aey ke", "Σ σ ς Σς"]
    batch = Batch.from_texts(pl.Series(texts, dtype=pl.String))
    rule = build()
    end = batch.text.str.slice(-truncation.END_CHARS)
    fast = rule._mid_word(batch, end).to_list()
    monkeypatch.setattr(truncation, "ASCII_LOWER", False)
    plain = rule._mid_word(batch, end).to_list()
    assert fast == plain
    assert 100 < sum(plain) < len(texts) - 100  # the texts exercise the test


def test_the_ellipsis_tests_in_one_query_equal_a_query_each(monkeypatch):
    texts = random_texts(17, 300)
    texts += ["He said the\n… and…", "Read more...", "One of the...", "It ends well...", "and…"]
    # an ellipsis on the last prose line above a trailer: after a continuing word or not
    texts += ["The council met and the...\nShare this", "It all ended well...\nShare this"]
    for params in ({}, {"ellipsis_alone": True}):
        rule = build(**params)
        for batch in (texts, texts[:40], ["No ellipsis here."], ["Ends in the..."]):
            fast = signals(rule, batch)
            monkeypatch.setattr(truncation, "ONE_ELLIPSIS_QUERY", False)
            plain = signals(rule, batch)
            monkeypatch.setattr(truncation, "ONE_ELLIPSIS_QUERY", True)
            assert fast == plain
    assert sum(plain["truncated_tail"]) == 1  # "Ends in the..." is reported
    fired = signals(build(), texts[-2:])["fired"]
    assert fired == [True, False]


def test_title_case_counts_in_numpy_equal_the_regex_counts(monkeypatch):
    rng = random.Random(13)
    pieces = list("aAbZz '\"(-\t\x0b\x0c\r\x1c.,:!") + ["Hello", "world", "“", "‘", "’", "É"]
    pieces += ["é", "\u00a0", "ÿ", "x1", "Ab'c", "AB-CD", "(Word", "'Tis", "“Quoted”", "\n"]
    lines = [""] + [
        "".join(rng.choice(pieces) for _ in range(rng.randint(1, 30))) for _ in range(6000)
    ]
    # one line longer than a block, ASCII and not
    lines += ["The Big Red Dog " * 4000, "The Big Red Dog É " * 4000]
    series = pl.Series("s", lines, dtype=pl.String)
    got = truncation._title_counts(series)
    counts = truncation._line_kind_exprs(0.5, 1, 1)["counts"]
    plain = pl.DataFrame([series]).select_seq(**counts)
    for name, values in got.items():
        assert values.tolist() == plain.get_column(name).to_list(), name
    assert (got["_cap"] > 0).sum() > 1000 and (got["_cased_any"] == 0).sum() > 300
    # a line above TITLE_LONG is left to the regexes (numpy would need arrays of its size)
    blocks = []
    numpy_counts = truncation._ascii_title_counts
    monkeypatch.setattr(
        truncation, "_ascii_title_counts", lambda b, o: blocks.append(len(b)) or numpy_counts(b, o)
    )
    monkeypatch.setattr(truncation, "TITLE_LONG", 1000)
    again = truncation._title_counts(series)
    for name, values in got.items():
        assert again[name].tolist() == values.tolist(), name
    assert blocks and max(blocks) < 64_000  # the two long lines (64,000 bytes and more): regexes
    # the rule's verdicts, and lines split over several blocks
    texts = random_texts(19, 300)
    for block in (48 * 1024, 64):
        monkeypatch.setattr(truncation, "TITLE_BLOCK", block)
        rule = build()
        fast = signals(rule, texts)
        monkeypatch.setattr(truncation, "NUMPY_TITLE", False)
        plain_signals = signals(rule, texts)
        monkeypatch.setattr(truncation, "NUMPY_TITLE", True)
        assert fast == plain_signals


def test_token_counts_kept_from_collect_equal_counting_them(monkeypatch):
    """evaluate takes the whitespace token counts collect() made of the same texts; texts of the
    same number, bytes and characters but other words are counted again."""
    monkeypatch.setattr(truncation, "_SHARED", {})
    capped = " ".join(["word"] * 255)
    texts = random_texts(23, 300) + [capped]
    # the same lengths as `texts`, other tokens: a space moved onto a word's other side
    moved = [t.replace(" w", "w ", 1) if t else t for t in texts]
    assert moved != texts
    rule = build()
    plain = {}
    monkeypatch.setattr(truncation, "SHARE_TOKENS", False)
    for name, batch in (("texts", texts), ("moved", moved)):
        plain[name] = signals(rule, batch)
    monkeypatch.setattr(truncation, "SHARE_TOKENS", True)
    rule.collect(Batch.for_corpus(pl.Series(texts, dtype=pl.String)))
    assert len(truncation._SHARED) == 1
    counted = []
    count = truncation._tokens
    monkeypatch.setattr(truncation, "_tokens", lambda *a: counted.append(1) or count(*a))
    assert signals(rule, texts) == plain["texts"]
    assert counted == []  # the kept counts were taken
    assert truncation._SHARED == {}  # and freed: the main pass evaluates a batch once
    rule.collect(Batch.for_corpus(pl.Series(texts, dtype=pl.String)))
    assert signals(rule, moved) == plain["moved"]
    assert counted == [1]  # the kept counts are another batch's
    assert plain["texts"]["truncated_round_cap"][-1] == "255 tokens"
    # at most SHARED_TOKENS_TEXTS texts are kept: the first batches, met first in the main pass
    truncation._SHARED.clear()
    monkeypatch.setattr(truncation, "SHARED_TOKENS_TEXTS", 15)
    rule.collect(Batch.for_corpus(pl.Series(moved[:10], dtype=pl.String)))
    rule.collect(Batch.for_corpus(pl.Series(moved[10:21], dtype=pl.String)))
    assert [k[0] for k in truncation._SHARED] == [10]
    rule.collect(Batch.for_corpus(pl.Series(moved[10:15], dtype=pl.String)))
    assert [k[0] for k in truncation._SHARED] == [10, 5]
    # a rule judging the cleaned texts keeps none (its evaluate counts those)
    truncation._SHARED.clear()
    build(judge_original=False).collect(Batch.for_corpus(pl.Series(moved[:5], dtype=pl.String)))
    assert truncation._SHARED == {}


def test_brackets_counted_in_the_bytes_equal_those_taken_out_by_the_regex(monkeypatch):
    from curate.checks.truncation import _bracket_chars, _unbalanced_bytes, _unbalanced_counted

    rng = random.Random(10)
    # the counted characters, others sharing their first bytes (« » „ “ ” 「 」 （ ）), ASCII
    # neighbours of the counted ones, and characters that end a line on a lead byte's neighbour
    alphabet = "ab .()[]{}«»「」『』《》（）\"“”„'’ é€\u3001\u3010\uff08\uff5b\u00a0\u201a_YyZ\x7f"
    lines = [None, "", "“There", 'He said "yes', '4" x 9"', "«", "»a", "「", "\u3000", "é"]
    lines += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))) for _ in range(4000)]
    lines.append("ends on a two-byte one «")  # its next bytes are past the end of the buffer
    series = pl.Series("last", lines, dtype=pl.String)
    chars = pl.DataFrame([series]).select(_bracket_chars(pl.col("last"))).to_series()
    plain = _unbalanced_counted(series, chars)
    assert _unbalanced_bytes(series).to_list() == plain.to_list()
    assert 300 < plain.sum() < len(lines) - 300
    for part in (series.slice(7, 900), series.head(0), series.head(1)):
        chars_part = pl.DataFrame([part]).select(_bracket_chars(pl.col("last"))).to_series()
        assert _unbalanced_bytes(part).to_list() == _unbalanced_counted(part, chars_part).to_list()
    texts = random_texts(29, 200) + ["He said (that it was", "« Oui", "She wrote „Nein"]
    rule = build()
    fast = signals(rule, texts)
    monkeypatch.setattr(truncation, "BRACKET_BYTES", False)
    assert signals(rule, texts) == fast
    assert sum(fast["truncated_unbalanced"]) > 3


def test_splitting_the_tails_in_the_line_tests_query_equals_splitting_them_first(monkeypatch):
    texts = random_texts(31, 300)
    for params in ({}, {"judge_original": False}):
        rule = build(**params)
        fast = signals(rule, texts)
        monkeypatch.setattr(truncation, "SPLIT_WITH_TESTS", False)
        assert signals(rule, texts) == fast
        monkeypatch.setattr(truncation, "PRUNE_ABOVE", False)
        assert signals(rule, texts) == fast
        monkeypatch.setattr(truncation, "SPLIT_WITH_TESTS", True)
        assert signals(rule, texts) == fast
        monkeypatch.setattr(truncation, "PRUNE_ABOVE", True)
    assert sum(fast["truncated_unterminated"]) > 20


def test_mid_word_read_from_bytes_equals_the_pieces_tested_by_regexes(monkeypatch):
    """MID_WORD_BYTES (the occurrences of the last word from the split's piece lengths, the
    characters around them from the bytes) against the plain definition's pieces and regexes:
    adjacent occurrences, plurals, the text's start and end, and neighbours of one to four
    bytes (accented and Greek letters, combining marks, curly quotes, ideographs, emoji)."""
    rng = random.Random(29)
    stems = ["par", "Par", "PAR", "para", "pars", "s", "sa", "Sa", "key", "ke", "café", "caf"]
    stems += ["οδ", "οδός", "İs", "is", "\u212aey", "ß", "stra", "Straße", "thr", "\u4e2d\u6587"]
    glue = [" ", " ", "\n", ".", "'", "3", "s", "S", "s.", "ss", "-", "“", "’", "\u00a0", "é"]
    glue += ["\u0301", "\u2019s", "😀", "\u4e2d", "_", "¿", "("]
    texts = [
        "".join(rng.choice(stems + glue) for _ in range(rng.randint(1, 18))) for _ in range(4000)
    ]
    texts += ["parpar par", "pars par", "par pars", "paras par", "par", "s s", "par\u0301 par"]
    texts += ["caféx café", "ke😀 keys ke", "\u4e2d\u6587par par", "Σ σ ς Σς", "thrs thr"]
    rule = build()
    for ascii_lower in (True, False):
        monkeypatch.setattr(truncation, "ASCII_LOWER", ascii_lower)
        batch = Batch.from_texts(pl.Series(texts, dtype=pl.String))
        end = batch.text.str.slice(-truncation.END_CHARS)
        fast = rule._mid_word(batch, end).to_list()
        monkeypatch.setattr(truncation, "MID_WORD_BYTES", False)
        plain = rule._mid_word(batch, end).to_list()
        monkeypatch.setattr(truncation, "MID_WORD_BYTES", True)
        assert fast == plain
        assert 150 < sum(plain) < len(texts) - 150  # the texts exercise the test
    # documents not numbered by their rows take the join
    batch = Batch.from_texts(pl.Series(texts, dtype=pl.String))
    order = list(range(len(texts)))
    random.Random(3).shuffle(order)
    docs = batch.docs.with_columns(pl.Series("__doc", order, dtype=batch.docs["__doc"].dtype))
    shuffled = Batch(docs, batch.lines.clear(), {})
    end = shuffled.text.str.slice(-truncation.END_CHARS)
    assert rule._mid_word(shuffled, end).to_list() == plain


def test_word_points_equal_the_regex_class():
    """_word_points' ASCII table and General Punctuation shortcut against WORD_CHAR, on every
    code point up to U+3000 and a few beyond."""
    points = [c for c in range(0x3000) if not 0xD800 <= c <= 0xDFFF]
    points += [0x4E2D, 0x1F600, 0x10FFFD, 0xE0001, 0x1D400]
    truncation._WORD_POINTS.clear()
    got = truncation._word_points(pl.Series(points, dtype=pl.Int64).to_numpy()).tolist()
    want = pl.Series([chr(c) for c in points]).str.contains(f"^{truncation.WORD_CHAR}$")
    assert got == want.to_list()


def test_per_document_values_in_numpy_equal_the_grouped_query(monkeypatch):
    """NUMPY_PER_DOC (each document's values from its tail lines in numpy, the ellipsis tail
    tested on the lines ending in one of its last characters) against the group_by query:
    documents that punctuate or not, with and without sentences before the last, tails after
    the last prose line, documents numbered out of order and with a code fence (the join)."""
    texts = random_texts(37, 400)
    long = "The council met on Monday to discuss the budget for the coming year and more"
    texts += [
        f"{long}.\n{long}.\n{long}\nShare this",
        f"{long}\n{long}\n{long}.\n{long}",
        f"{long}.\n{long}\n{long}\nTags: a, b",
        f"{long}.\nHe said (more)",
        f"{long}...\n----",
        "Read on [...]\n#news",
        "```\ncode",
        "   \n\n",
    ]
    for params in ({}, {"min_terminated_share": 0.9}, {"min_prose_words": 2}):
        rule = build(**params)
        for batch in (texts, texts[-8:], texts[:50]):
            fast = signals(rule, batch)
            monkeypatch.setattr(truncation, "NUMPY_PER_DOC", False)
            plain = signals(rule, batch)
            monkeypatch.setattr(truncation, "NUMPY_PER_DOC", True)
            assert fast == plain
    plain = signals(build(), texts)
    assert 60 < sum(plain["truncated_unterminated"]) < len(texts) - 60  # exercised
    # documents not numbered by their rows
    batch = Batch.from_texts(pl.Series(texts, dtype=pl.String))
    order = list(range(len(texts)))
    random.Random(5).shuffle(order)
    docs = batch.docs.with_columns(pl.Series("__doc", order, dtype=batch.docs["__doc"].dtype))
    shuffled = Batch(docs, batch.lines.clear(), {})
    got = {k: v.to_list() for k, v in build().evaluate(shuffled).signals.items()}
    assert got == {k: v for k, v in plain.items() if k != "fired"}


def test_no_ideograph_below_the_first_code_point_looked_up():
    """_separators looks up only the characters at IDEOGRAPH_FIRST or above: no code point
    below it is in IDEOGRAPH (polars' regex class), and the first one is."""
    points = [c for c in range(0x80, truncation.IDEOGRAPH_FIRST + 1) if not 0xD800 <= c <= 0xDFFF]
    found = pl.Series([chr(c) for c in points]).str.contains(f"^{truncation.IDEOGRAPH}$")
    assert found.to_list() == [False] * (len(points) - 1) + [True]


SEPARATED = [
    "word",
    " ",
    "a b",
    "会议在星期一举行。",
    "日本語のテキストとカタカナ",
    "\U00020000\U0002a6df\U00016fe2 x",  # four-byte Han, a Han mark of the Ideographic Symbols
    "\u2e80\u2e7f\u2e9a\u3005\u3006\u3007 ｦｱ ",  # class edges: U+2E7F, U+2E9A, U+3006 are not
    "’quoted’ “words” — and… dashes",  # E2 80 xx: below U+2E80
    "\u00a0nbsp\u3000ideographic\tspace\u2003em",  # white space that is not U+0020
    "Всё закончилось хорошо, и все ушли домой.",
    "한국어 문장입니다",
    "\ufffd broken",
]


def test_separators_equal_the_word_regexes(monkeypatch):
    """_separators(s) >= n - 1 is _at_least_words(s, n) for n = 2 ... 9, on lines of spaces,
    ideographs of three and four bytes, kana, the class's edges, punctuation of E2 80 xx,
    other white space, other scripts, U+FFFD, empty lines and lines of ~64 KB across the
    packed words' edges; and the rule's signals equal the regexes'."""
    rng = random.Random(23)
    pieces = [*SEPARATED, "x", "  ", "é", "\n", "中", "の", "ア", ".", ""]
    lines = ["", *SEPARATED]
    lines += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(3000)]
    lines += ["中 " * 20_000, "word" * 16_000 + " a", " " * 63 + "中" + " " * 70]
    series = pl.Series("s", lines, dtype=pl.String)
    truncation._IDEOGRAPH_POINTS.clear()
    count = truncation._separators(series)
    for n in range(2, 10):
        plain = pl.DataFrame([series]).select(truncation._at_least_words(pl.col("s"), n))
        assert (count >= n - 1).tolist() == plain.to_series().to_list(), n
    assert count.max() >= 40_000 and (count == 0).sum() > 100
    # a Series sliced out of a larger one: its bytes start inside the buffer
    assert truncation._separators(series.slice(5, 40)).tolist() == count[5:45].tolist()
    texts = random_texts(29, 300)
    texts += ["\n".join(rng.choice(SEPARATED + PROSE) for _ in range(6)) for _ in range(200)]
    for params in PARAMS[:2] + [{"min_prose_words": 1, "min_last_line_words": 1}]:
        rule = build(**params)
        fast = signals(rule, texts)
        for prune in (True, False):
            monkeypatch.setattr(truncation, "PRUNE_ABOVE", prune)
            monkeypatch.setattr(truncation, "NUMPY_SEPARATORS", False)
            plain_signals = signals(rule, texts)
            monkeypatch.setattr(truncation, "NUMPY_SEPARATORS", True)
            assert signals(rule, texts) == plain_signals == fast
        monkeypatch.setattr(truncation, "PRUNE_ABOVE", True)


def long_last_line_texts(seed: int, n: int) -> list[str | None]:
    """Texts whose last line is longer than the window (END_CHARS) or about as long, ending in a
    stop or not, never prose or not, after lines that punctuate or not."""
    rng = random.Random(seed)
    words = ["the", "council", "met", "and", "Zürich", "café", "会议", "“quoted”", "(aside", "x"]
    stops = [".", "!", "?”", ".)", "…", "。", ".*", "", ",", " and", " 12", ". (esn)"]
    heads = ["", "[", "(", "#tag ", "https://example.com/", "www.", "- ", "Tags: ", "“"]
    texts: list[str | None] = []
    for _ in range(n):
        size = rng.choice([390, 399, 400, 401, 402, 420, 900, 3000])
        body = ""
        while len(body) < size:
            body += rng.choice(words) + rng.choice([" ", " ", " ", "\u00a0", "\u2028", "-"])
        last = rng.choice(heads) + body[:size] + rng.choice(stops)
        if rng.random() < 0.1:
            last += "*" * rng.choice([5, 399, 450])  # a window of closers alone
        if rng.random() < 0.1:
            last = rng.choice(["#a ", "http://x.org/", "["]) * (size // 4) + rng.choice(stops)
        above = [rng.choice(PROSE + TRAILER) for _ in range(rng.randint(0, 6))]
        tail = rng.choice(["", "\n", "\n\n \u00a0\n", "\r\n", " ", "\n" + " " * 400, "\n" * 3])
        sep = rng.choice(["\n", "\r\n", "\n\n", "\n" + " " * rng.randint(1, 500)])
        texts.append(sep.join([*above, last]) + tail)
    return texts


def test_judging_the_whole_last_line_equals_judging_the_tail(monkeypatch):
    """With WHOLE_LAST_LINE, a document whose last line is longer than the window and ends in a
    stop is judged by that line without its tail: the same signals as the tail's, and some
    documents are judged so."""
    texts = long_last_line_texts(31, 1500) + random_texts(37, 300)
    decided = []
    judged = truncation._whole_last_lines

    def counted(ends, last):
        out = judged(ends, last)
        decided.append(0 if out is None else len(out[0]))
        return out

    # (and the documents it judges are not split into their tails)
    tails: list[int] = []
    split = truncation._tail_lines

    def tail_docs(docs, *a, **k):
        tails.append(docs.lazy().select(pl.len()).collect().item())
        return split(docs, *a, **k)

    monkeypatch.setattr(truncation, "_whole_last_lines", counted)
    monkeypatch.setattr(truncation, "_tail_lines", tail_docs)
    for params in PARAMS:
        rule = build(**params)
        fast = signals(rule, texts)
        monkeypatch.setattr(truncation, "WHOLE_LAST_LINE", False)
        plain = signals(rule, texts)
        monkeypatch.setattr(truncation, "WHOLE_LAST_LINE", True)
        assert fast == plain
        assert sum(plain["truncated_unterminated"]) > 100
        assert tails[-2] + decided[-1] == tails[-1]
    assert decided and min(decided[:4]) > 150


@pytest.mark.parametrize("whole_last_line", [True, False])
def test_finishing_only_the_whole_last_lines_equals_finishing_all(whole_last_line, monkeypatch):
    """LAST_LINE_ONLY_WHOLE: LINE_FINISHED on the last lines that are whole and may be prose
    alone gives the signals of running it on every last line without a stop, and sends no more
    documents to their tails (a last line left unfinished would: its tail judges it right, but
    at the cost the shortcut is there to spare)."""
    monkeypatch.setattr(truncation, "WHOLE_LAST_LINE", whole_last_line)
    tails: list[int] = []
    split = truncation._tail_lines

    def tail_docs(docs, *a, **k):
        tails.append(docs.lazy().select(pl.len()).collect().item())
        return split(docs, *a, **k)

    monkeypatch.setattr(truncation, "_tail_lines", tail_docs)
    texts = long_last_line_texts(41, 600) + random_texts(43, 600)
    # last lines finished by LINE_FINISHED alone (a URL, a number, an editor's tag), whole or
    # longer than the window, prose or never prose
    finished = ["See https://example.com/a", "Call 555 1234", "It rained. (esn)", "(12)", "[1]"]
    texts += [
        "\n".join([rng_line, *(["x " * 300] if k % 2 else [])]) + end
        for k, rng_line in enumerate(PROSE * 3)
        for end in ["\n" + finished[k % 5], " " + finished[k % 5], ""]
    ]
    for params in PARAMS:
        rule = build(**params)
        fast = signals(rule, texts)
        monkeypatch.setattr(truncation, "LAST_LINE_ONLY_WHOLE", False)
        plain = signals(rule, texts)
        monkeypatch.setattr(truncation, "LAST_LINE_ONLY_WHOLE", True)
        assert fast == plain
        assert tails[-1] == tails[-2] > 100
