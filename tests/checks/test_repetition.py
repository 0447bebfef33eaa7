"""repeated-paragraphs: stripping repeats inside a document, and the Gopher repetition signals."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from curate.checks import repetition
from curate.checks.base import DOC, LINE, Batch
from curate.checks.words import batch_distinct_lines, batch_line_tokens, line_tokens
from tests.checks.helpers import run_rule
from tests.conftest import shared

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "gopher_repetition.json"

# hand-written paragraphs, each well over min_chars (120 normalised characters)
P1 = (
    "The council met on Tuesday to discuss the new cycle lanes along the harbour road, which "
    "shop owners say have cut the number of parking spaces by half."
)
P2 = (
    "Residents who spoke at the meeting were divided: some welcomed safer routes to school, "
    "others asked why the work had started before the consultation closed."
)
P3 = (
    "A final decision is expected next month, after the transport office publishes its "
    "count of cyclists and cars on the road during the summer holidays."
)
ARTICLE = f"Harbour road cycle lanes\n{P1}\n{P2}\n{P3}"
ARTICLE_PARAS = f"{P1}\n\n{P2}\n\n{P3}"

GOPHER = [
    "dup_line_frac",
    "dup_line_char_frac",
    "dup_para_frac",
    "dup_para_char_frac",
    "top_2gram_char_frac",
    "top_3gram_char_frac",
    "top_4gram_char_frac",
    *[f"dup_{n}gram_char_frac" for n in range(5, 11)],
]


def strip(*texts):
    rows, stats = run_rule("repeated-paragraphs", list(texts), action="strip")
    return rows, stats


# -- strip ----------------------------------------------------------------------------------------


def test_article_pasted_twice_is_kept_once():
    # the scraper's paste: the body again after the first copy, without the title
    doc = ARTICLE + "\n" + f"{P1}\n{P2}\n{P3}"
    rows, stats = strip(doc)
    assert rows[0]["text"] == ARTICLE
    assert rows[0]["curate_flags"] == ["repeated-paragraphs"]
    assert rows[0]["curate_repeated_chars"] == len(P1) + len(P2) + len(P3) + 3
    assert stats.rules["repeated-paragraphs"].chars_removed == len(doc) - len(ARTICLE)


def test_article_twice_in_blank_line_paragraphs():
    rows, _ = strip(ARTICLE_PARAS + "\n\n" + ARTICLE_PARAS)
    assert rows[0]["text"] == ARTICLE_PARAS


def test_one_paragraph_twice_keeps_the_first_copy():
    rows, _ = strip(f"{P1}\n\n{P2}\n\n{P1}\n\n{P3}")
    assert rows[0]["text"] == ARTICLE_PARAS


def test_near_identical_paragraph_case_whitespace_punctuation():
    near = P2.upper().replace(",", "").replace(" ", "  ").replace(":", " -")
    rows, _ = strip(f"{P1}\n\n{P2}\n\n{near}\n\n{P3}")
    assert rows[0]["text"] == ARTICLE_PARAS


def test_repeated_multiline_paragraph_with_other_line_breaks():
    # the same paragraph, wrapped at other places: no single line repeats, the paragraph does
    a = (
        "The harbour lanes were painted\nin June, and the first cyclists used them\nthe next day"
        " without waiting for the signs to be fixed to the posts along the old road."
    )
    b = (
        "The harbour lanes were painted in June,\nand the first cyclists used them the next day\n"
        "without waiting for the signs to be fixed to the posts along the old road."
    )
    rows, _ = strip(f"{a}\n\n{P3}\n\n{b}")
    assert rows[0]["text"] == f"{a}\n\n{P3}"


def test_short_repeated_lines_are_kept():
    # a heading and a question that real documents repeat: below min_chars, never stripped
    doc = (
        "Ingredients\nTwo eggs and a cup of flour.\nWhat do you cook at home?\nPasta, mostly.\n"
        "Ingredients\nA spoon of sugar.\nWhat do you cook at home?\nSoup in winter."
    )
    rows, _ = strip(doc)
    assert rows[0]["text"] == doc
    assert rows[0]["curate_flags"] == []
    assert rows[0]["curate_dup_line_frac"] == pytest.approx(2 / 8)


def test_min_chars_is_a_rule_set_key():
    doc = "a short line that repeats\nsomething else\na short line that repeats"
    rows, _ = run_rule("repeated-paragraphs", [doc], action="strip", min_chars=10)
    assert rows[0]["text"] == "a short line that repeats\nsomething else"


def test_prose_without_repeats_is_untouched():
    rows, _ = strip(ARTICLE, ARTICLE_PARAS)
    assert [r["text"] for r in rows] == [ARTICLE, ARTICLE_PARAS]
    assert all(r["curate_flags"] == [] for r in rows)
    assert all(r["curate_repeated_chars"] == 0 for r in rows)


def test_repeats_do_not_cross_documents():
    # the same paragraph in two documents is not a repeat inside either (dedup's job)
    rows, _ = strip(ARTICLE_PARAS, ARTICLE_PARAS, f"{P1}\n\n{P1}")
    assert [r["text"] for r in rows] == [ARTICLE_PARAS, ARTICLE_PARAS, P1]
    assert rows[0]["curate_dup_para_frac"] == 0.0
    assert rows[2]["curate_dup_para_frac"] == 0.5


def test_empty_and_none():
    rows, _ = strip("", None, "\n\n\n")
    assert [r["curate_flags"] for r in rows] == [[], [], []]
    for r in rows:
        assert all(r[f"curate_{s}"] == 0.0 for s in GOPHER)


def test_empty_batch():
    batch = Batch.from_texts(pl.Series([], dtype=pl.String))
    for action in ("strip", "drop"):
        rule = repetition.RepeatedParagraphs(repetition.RepeatedParagraphs.Params(), action)
        result = rule.evaluate(batch)
        assert result.fired.dtype == pl.Boolean and result.fired.len() == 0
        assert all(v.len() == 0 for v in result.signals.values())


def test_non_latin_paragraphs():
    ru = (
        "Городской совет обсудил новые велосипедные дорожки вдоль портовой дороги; владельцы "
        "магазинов говорят, что парковочных мест стало вдвое меньше."
    )
    zh = (
        "市议会周二讨论了沿港口道路修建的新自行车道。店主们说停车位减少了一半。"
        "居民们意见不一，有人欢迎更安全的上学路线。"
    )
    zh = zh * 3  # one long line of Chinese, over min_chars without a space
    # an upper-cased copy: lower case alone keeps Turkic dotless "ı" apart from "i"
    az = (
        "Şəhər şurası sahil yolu boyunca yeni velosiped zolaqlarını müzakirə etdi; mağaza "
        "sahibləri deyir ki, qısa müddətdə park yerlərinin sayı iki dəfə azalıb."
    )
    rows, _ = strip(f"{ru}\n\n{P3}\n\n{ru}", f"{zh}\n{zh}", f"{az}\n{P3}\n{az.upper()}")
    assert rows[0]["text"] == f"{ru}\n\n{P3}"
    assert rows[1]["text"] == zh
    assert rows[2]["text"] == f"{az}\n{P3}"


# -- Gopher signals and flag/drop ----------------------------------------------------------------


def test_gopher_thresholds_flag_and_drop():
    spam = "buy cheap watches now " * 12 + "today"
    rows, _ = run_rule("repeated-paragraphs", [spam, ARTICLE, f"{P1}\n{P1}\n{P1}"], action="drop")
    assert [r["dropped"] for r in rows] == [True, False, True]
    assert rows[0]["curate_top_4gram_char_frac"] > 0.16
    assert rows[2]["curate_dup_line_frac"] == pytest.approx(2 / 3)
    # a threshold is a rule-set key
    rows, _ = run_rule(
        "repeated-paragraphs",
        [f"{P1}\n\n{P2}\n\n{P1}"],
        action="flag",
        max_dup_para_frac=0.5,
        max_dup_para_char_frac=0.5,
        max_dup_line_frac=0.5,
        max_dup_line_char_frac=0.5,
        **{f"max_dup_{n}gram_char_frac": 0.5 for n in range(5, 11)},
    )
    assert rows[0]["curate_flags"] == []


# The golden file holds datatrove's values (bench/golden_repetition.py). Where we differ on
# purpose, the pair (text, signal) is listed here with the reason.
INTENTIONAL = {
    # a whitespace-only line separates paragraphs for us and is no line at all; datatrove needs
    # "\n\n" to split paragraphs and counts " " as a line
    ("blank_ws_line", "dup_para_frac"): "whitespace-only line is blank",
    ("blank_ws_line", "dup_para_char_frac"): "whitespace-only line is blank",
    ("blank_ws_line", "dup_line_frac"): "whitespace-only line is blank",
}


def _golden():
    return json.loads(GOLDEN.read_text(encoding="utf-8"))["texts"]


def test_gopher_parity_with_datatrove():
    golden = _golden()
    rows, _ = run_rule("repeated-paragraphs", [g["text"] for g in golden])
    checked = 0
    for g, row in zip(golden, rows, strict=True):
        # words: datatrove's helpers run with a whitespace split, our definition of a word
        ref = g["datatrove_whitespace"]
        for sig in GOPHER:
            if sig not in ref or (g["name"], sig) in INTENTIONAL:
                continue
            n = sig[4] if sig.startswith("top_") else None
            if n and ref[f"top_{n}gram_count"] < 2:
                # datatrove takes the most frequent n-gram even when it occurs once (every short
                # text then exceeds the threshold); ours is 0 unless an n-gram repeats
                assert row[f"curate_{sig}"] == 0.0
                continue
            assert row[f"curate_{sig}"] == pytest.approx(ref[sig], abs=1e-12), (g["name"], sig)
            checked += 1
    assert checked >= 150


def test_gopher_parity_intentional_differences_are_real():
    # each listed difference still differs: the list cannot go stale silently
    golden = {g["name"]: g for g in _golden()}
    rows, _ = run_rule("repeated-paragraphs", [golden[name]["text"] for name, _ in INTENTIONAL])
    for (name, sig), row in zip(INTENTIONAL, rows, strict=True):
        assert row[f"curate_{sig}"] != pytest.approx(golden[name]["datatrove_whitespace"][sig])


def test_datatrove_default_tokenizer_differs_only_on_words():
    # datatrove's default English words come from spaCy, which splits punctuation off ("well,"
    # -> "well" ","); line and paragraph signals do not depend on words and match it directly
    golden = _golden()
    rows, _ = run_rule("repeated-paragraphs", [g["text"] for g in golden])
    for g, row in zip(golden, rows, strict=True):
        for sig in ("dup_line_frac", "dup_line_char_frac", "dup_para_frac", "dup_para_char_frac"):
            if sig in g["datatrove"] and (g["name"], sig) not in INTENTIONAL:
                assert row[f"curate_{sig}"] == pytest.approx(g["datatrove"][sig]), (g["name"], sig)
    punct = next(i for i, g in enumerate(golden) if g["name"] == "punctuation")
    assert golden[punct]["datatrove"]["top_4gram_char_frac"] != pytest.approx(
        golden[punct]["datatrove_whitespace"]["top_4gram_char_frac"]
    )


# -- the fast paths compute the same thing as the plain definitions ------------------------------


def _reference_ngrams(text: str) -> dict[str, int]:
    """The n-gram numerators as the docstring defines them, one document at a time in Python."""
    words = text.split()  # str.split() splits on the same Unicode spaces as `\s`
    out = {}
    for n in (2, 3, 4):
        grams = [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]
        counts = Counter(grams)
        best = max(((c, -grams.index(g), g) for g, c in counts.items() if c > 1), default=None)
        out[f"top_{n}gram_chars"] = (sum(map(len, best[2])) + n - 1) * best[0] if best else 0
    for n in range(5, 11):
        grams = [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]
        later = [i for i, g in enumerate(grams) if g in grams[:i]]
        total, rank = 0, 0
        for j, i in enumerate(later):
            rank = rank + 1 if j and later[j - 1] == i - 1 else 0
            if rank % n == 0:
                total += sum(map(len, grams[i]))
        out[f"dup_{n}gram_chars"] = total
    return out


def _ngrams(batch: Batch, tokens: bool = False) -> dict[str, np.ndarray]:
    """The rule's n-gram numerators of a batch, its words split once per distinct line
    (`tokens`: read from the quality family's line tokens, the hashes through each word's row,
    `repetition._RowHashes`, as the rule reads them in a run with quality rules)."""
    if tokens:
        words, inverse = repetition.token_line_words(batch_line_tokens(batch))
    else:
        distinct, inverse = batch_distinct_lines(batch)
        words = repetition.line_words(distinct)
    return repetition.ngrams_from_lines(words, inverse, batch.doc_of_line(), batch.n)


def test_ngram_signals_match_the_plain_definition():
    rng = random.Random(7)
    vocab = ["a", "bb", "ccc", "the", "Über", "naïve", "市", "x.", "—"]
    texts = ["", "one", "one two", " \t lone\u3000word "]
    for _ in range(150):
        size = rng.choice([3, 12, 40, 120])
        seps = rng.choice([[" "], [" ", "\n"], [" ", "\t", "\xa0", "\u2003", "\r\n", "  "]])
        words = [rng.choice(vocab[: rng.randint(2, len(vocab))]) for _ in range(size)]
        texts.append("".join(w + rng.choice(seps) for w in words).strip(" "))
    got = _ngrams(Batch.from_texts(pl.Series(texts)))
    for i, text in enumerate(texts):
        for name, value in _reference_ngrams(text).items():
            assert got[name][i] == value, (i, name)


def _spread_plain(count: np.ndarray, inverse: np.ndarray) -> tuple[list[int], list[int]]:
    """`_spread` by its definition: for each row of `inverse` in turn, the entries of its
    distinct row."""
    start = np.cumsum(count) - count
    at = [int(start[r]) + k for r in inverse.tolist() for k in range(int(count[r]))]
    return at, [int(count[r]) for r in inverse.tolist()]


@pytest.mark.parametrize(
    ("count", "inverse"),
    [
        ([3, 0, 2, 1], [0, 1, 2, 0, 3, 1, 2, 2]),
        ([0, 0], [1, 0, 1]),  # no entries at all
        ([2, 5], [1]),  # a distinct row no line refers to
        ([4], []),
        ([1, 2, 3], [0, 1, 2]),  # every row once, in order
    ],
)
def test_spread_matches_the_plain_definition(count, inverse):
    count, inverse = np.array(count, dtype=np.int64), np.array(inverse, dtype=np.int64)
    # a larger call first: the kept buffer then holds stale entries beyond the second's size
    repetition._spread(np.array([9, 9], dtype=np.int64), np.arange(2).repeat(50))
    at, per = repetition._spread(count, inverse)
    assert (at.tolist(), per.tolist()) == _spread_plain(count, inverse)


def test_ngram_seeds_skip_documents_without_words():
    # documents without words before, between and after others (their 2-gram seeds are steps
    # of a running sum), a one-word document last (it starts no 2-gram), and a smaller batch
    # after a larger one (kept buffers longer than the batch)
    a = "x y x y x y z w z w z w q r q r q r s t"
    texts = ["", "", a, "", " ", a + " " + a, "solo", "", a.upper(), "last"]
    for batch_texts in (texts * 20, texts, texts[:3], ["", "a b a b"], ["one"]):
        got = _ngrams(Batch.from_texts(pl.Series(batch_texts)))
        for i, text in enumerate(batch_texts):
            for name, value in _reference_ngrams(text).items():
                assert got[name][i] == value, (i, name)


def test_words_split_on_every_unicode_space():
    # every White_Space character but the newline (lines hold none): `\s`, not Python's isspace
    spaces = "".join(
        chr(c) for c in range(0x110000) if chr(c).isspace() and chr(c) not in "\n\x1c\x1d\x1e\x1f"
    )
    line = "x" + "y".join(spaces) + "z  w"
    ref = pl.select(pl.lit(line).str.extract_all(r"\S+")).item().to_list()
    count, chars, hashes = repetition.line_words(pl.Series([line, "", "a b"]))
    assert count.tolist() == [len(ref), 0, 2]
    assert chars.tolist() == [len(w) for w in ref] + [1, 1]
    assert hashes.tolist()[: len(ref)] == pl.Series(ref).hash(repetition._SEED).to_list()


def test_fold_counts_survive_normalisation():
    # a line is normalised only when its counts of these letters equal another line's: so the
    # count must be the same before and after `normalised`, for every character
    chars = pl.Series([chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000])
    frame = pl.DataFrame({"c": chars}).with_columns(repetition.normalised(pl.col("c")).alias("k"))
    for cls in repetition._FOLD_COUNTS:
        letter = cls[1]  # "[eE]" counts "e" once normalised
        bad = frame.filter(
            pl.col("c").str.count_matches(cls)
            != pl.col("k").str.count_matches(letter, literal=True)
        )
        assert bad.height == 0, (cls, bad.head(5).rows())


def test_line_prefilter_changes_nothing(monkeypatch):
    # with no letters counted every line of a document is normalised: the same results
    rng = random.Random(3)
    pool = [
        P1,
        P2,
        P3,
        P1.upper(),
        P2.replace(",", " ,"),
        "Straße und Weg",
        "STRASSE UND WEG",
        "***",
        "* * *",
        "home",
        "Home!",
        "",
        " ",
        "menu",
        P3[:60],
        P3[60:],
    ]
    texts = ["\n".join(rng.choice(pool) for _ in range(rng.randint(1, 14))) for _ in range(200)]
    batch = Batch.from_texts(pl.Series(texts))
    fast = repetition.line_repeats(batch.lines, batch.n, 120)
    tokens = line_tokens(batch.lines.get_column(LINE))
    from_tokens = repetition.line_repeats(batch.lines, batch.n, 120, tokens)
    distinct = batch_line_tokens(batch)  # once per distinct line, not expanded
    assert len(distinct.distinct) < batch.lines.height
    from_distinct = repetition.line_repeats(batch.lines, batch.n, 120, distinct)
    monkeypatch.setattr(repetition, "_FOLD_COUNTS", ())
    full = repetition.line_repeats(batch.lines, batch.n, 120)
    for got in (
        fast,
        from_tokens,
        from_distinct,
        repetition.line_repeats(batch.lines, batch.n, 120, tokens),
        repetition.line_repeats(batch.lines, batch.n, 120, distinct),
    ):
        assert got[1].tolist() == full[1].tolist()
        for name in full[0]:
            assert got[0][name].tolist() == full[0][name].tolist(), name
    assert fast[1].any() and fast[0]["dup_para_frac"].any()


def _mixed_texts(seed: int, count: int) -> list[str]:
    """Random documents of repeated words and lines, with every kind of whitespace and pieces the
    quality family's tokenizer splits again (CJK, tabs, "\r\n", no-break spaces)."""
    rng = random.Random(seed)
    vocab = ["a", "bb", "Ccc", "the", "Über", "naïve", "市场", "x.", "—", "ΑΣ", "ß", "***", "home"]
    texts = ["", " ", "one", "\n\n", "a\tb a\tb", "市 市\r\n市 市"]
    for _ in range(count):
        seps = rng.choice([[" "], [" ", "\n"], [" ", "\n", "\n\n", "\t", "\xa0", "\u2003", "\r\n"]])
        size = rng.choice([3, 12, 40, 120])
        words = [rng.choice(vocab[: rng.randint(2, len(vocab))]) for _ in range(size)]
        text = "".join(w + rng.choice(seps) for w in words)
        if rng.random() < 0.5:  # a pasted block
            text += "\n" + text[: len(text) // 2]
        texts.append(text)
    return texts


@pytest.mark.parametrize("repeated_words", [0, 2, 10**9])
def test_ngrams_from_distinct_lines_match_the_plain_definition(monkeypatch, repeated_words):
    # with the tokens' codes, the hashes are gathered per distinct line first (0: always) or
    # per word first (10**9: always): the same words either way
    monkeypatch.setattr(repetition, "_REPEATED_WORDS", repeated_words)
    texts = _mixed_texts(11, 200)
    batch = Batch.from_texts(pl.Series(texts))
    plain = [_reference_ngrams(text) for text in texts]
    doc_of_line = batch.doc_of_line()
    every = np.arange(batch.lines.height)
    distinct, inverse = batch_distinct_lines(batch)
    assert len(distinct) < batch.lines.height
    tokens = batch_line_tokens(batch)  # once per distinct line, not expanded
    assert len(tokens.split_line)
    expanded = line_tokens(batch.lines.get_column(LINE))
    for words, inv in (
        (repetition.line_words(batch.lines.get_column(LINE)), every),
        (repetition.line_words(distinct), inverse),
        repetition.token_line_words(tokens),
        repetition.token_line_words(expanded),
    ):
        got = repetition.ngrams_from_lines(words, inv, doc_of_line, batch.n)
        for name in got:
            assert got[name].tolist() == [p[name] for p in plain], name
    # the words of each line, from the tokens or split again: the same
    (count, vocab_chars, vocab_hashes, code), rows = repetition.token_line_words(tokens)
    chars, hashes = vocab_chars[code], vocab_hashes[code]
    assert len(count) > len(tokens.distinct)  # lines split again have rows of their own
    per_line, line_chars, line_hashes = repetition.line_words(batch.lines.get_column(LINE))
    start = np.cumsum(count) - count
    for i, row in enumerate(rows.tolist()):
        at = slice(start[row], start[row] + count[row])
        assert count[row] == per_line[i]
        first = per_line[:i].sum()
        assert chars[at].tolist() == line_chars[first : first + count[row]].tolist()
        assert hashes[at].tolist() == line_hashes[first : first + count[row]].tolist()
    assert any(p["top_2gram_chars"] for p in plain) and any(p["dup_5gram_chars"] for p in plain)


@pytest.mark.parametrize(
    "lines",
    [
        ["", " ", "a  b\tc", "\xa0x\u3000y ", "市场 市场", "Über\r"],
        ["a b", "市场", "Ü"],  # no empty piece: nothing to drop
        ["", ""],
        [],
    ],
)
def test_line_words_are_the_words_of_the_text(lines):
    count, chars, hashes = repetition.line_words(pl.Series(lines, dtype=pl.String))
    words = [w for line in lines for w in line.split()]
    assert count.tolist() == [len(line.split()) for line in lines]
    assert chars.tolist() == [len(w) for w in words]
    assert hashes.tolist() == pl.Series(words, dtype=pl.String).hash(repetition._SEED).to_list()


def _groups_plain(g: np.ndarray) -> tuple[list[int], list[int]]:
    """`_repeat_groups` by its definition: positions of the values seen more than once, by value
    then position, and where each value's group starts."""
    where: dict[int, list[int]] = {}
    for i, v in enumerate(g.tolist()):
        where.setdefault(v, []).append(i)
    pos, starts = [], []
    for v in sorted(where):
        if len(where[v]) > 1:
            starts.append(len(pos))
            pos += where[v]
    return pos, starts


def test_repeat_groups_match_the_plain_definition(monkeypatch):
    rng = np.random.default_rng(5)
    cases = [np.zeros(0, np.uint64), np.array([7], np.uint64), np.array([7, 7], np.uint64)]
    for size in (3, 50, 1000, 5000):
        cases.append(rng.integers(0, 2**64, size, dtype=np.uint64))
        # few distinct values: most repeat
        cases.append(rng.integers(0, 2**64, 20, dtype=np.uint64)[rng.integers(0, 20, size)])
        # values equal but for their low bits (where the positions go): the exact fallback
        base = rng.integers(0, 2**64, 10, dtype=np.uint64)[rng.integers(0, 10, size)]
        cases.append(base ^ rng.integers(0, 2, size, dtype=np.uint64))
        # keys already in order (a sort may hand back their memory, which must stay unwritten)
        cases.append(np.sort(rng.integers(0, 2**64, 8, dtype=np.uint64))[rng.integers(0, 8, size)])
        cases[-1].sort()
    fallbacks = []
    real = repetition._repeat_groups_exact
    monkeypatch.setattr(
        repetition, "_repeat_groups_exact", lambda g: fallbacks.append(1) or real(g)
    )
    for g in cases:
        pos, starts = repetition._repeat_groups(g)
        assert (pos.tolist(), starts.tolist()) == _groups_plain(g)
        assert repetition._repeated(g).tolist() == [(g == v).sum() > 1 for v in g.tolist()]
    assert len(fallbacks) >= 4


def _chunk_groups(pos: np.ndarray, starts: np.ndarray) -> list[list[int]]:
    """The groups of `_repeat_groups`' answer, each a list of positions."""
    ends = [*starts.tolist()[1:], len(pos)]
    return [pos[a:b].tolist() for a, b in zip(starts.tolist(), ends, strict=True)]


def test_repeat_groups_in_chunks_match_the_plain_definition(monkeypatch):
    # chunks of documents (no hash shared by two chunks, as seeded n-grams), sorted apart (the
    # small ones by numpy, runs of large ones by polars): the same groups, each group's
    # positions in order
    monkeypatch.setattr(repetition, "_NUMPY_SORT_KEYS", 64)
    rng = np.random.default_rng(9)
    fallbacks = []
    real = repetition._repeat_groups_exact
    monkeypatch.setattr(
        repetition, "_repeat_groups_exact", lambda g: fallbacks.append(1) or real(g)
    )
    for sizes in ([1, 300, 2, 0, 90], [500], [3] * 200, [70, 65, 200, 1, 1, 40]):
        chunks = []
        for size in sizes:
            values = rng.integers(0, 2**64, max(size // 3, 1), dtype=np.uint64)
            chunks.append(values[rng.integers(0, len(values), size)])
        g = np.concatenate(chunks)
        bounds = np.unique(np.concatenate(([0], np.cumsum(sizes))))
        pos, starts = repetition._repeat_groups(g, bounds)
        want_pos, want_starts = _groups_plain(g)
        want = _chunk_groups(np.array(want_pos), np.array(want_starts, dtype=np.int64))
        got = _chunk_groups(pos, starts)
        assert sorted(got) == sorted(want)
        assert len(got) == len(want)
    # values equal but for their low bits: the exact fallback, the same groups
    g = rng.integers(0, 2**64, 10, dtype=np.uint64)[rng.integers(0, 10, 400)]
    g ^= rng.integers(0, 2, 400, dtype=np.uint64)
    pos, starts = repetition._repeat_groups(g, np.array([0, 400]))
    assert (pos.tolist(), starts.tolist()) == _groups_plain(g)
    assert fallbacks


def test_doc_chunks_split_no_document(monkeypatch):
    monkeypatch.setattr(repetition, "_CHUNK_KEYS", 10)
    per_doc = np.array([3, 0, 25, 4, 4, 4, 0, 1, 12, 2, 0], dtype=np.int64)
    ends = np.cumsum(per_doc)
    size = int(ends[-1]) - 1
    bounds = repetition._doc_chunks(ends, size)
    assert bounds[0] == 0 and bounds[-1] == size
    assert set(bounds.tolist()) <= {0, size, *ends.tolist()}
    assert (np.diff(bounds) > 0).all()
    # the i-th boundary lies at or past the i-th multiple of _CHUNK_KEYS
    assert all(b >= 10 * (i + 1) for i, b in enumerate(bounds[1:-1].tolist()))
    assert repetition._doc_chunks(ends, 10) is None


def test_rule_gives_the_same_with_or_without_the_quality_tokens():
    texts = _mixed_texts(5, 120)
    for action in ("strip", "flag"):
        rule = repetition.RepeatedParagraphs(
            repetition.RepeatedParagraphs.Params(min_chars=20), action
        )
        plain = Batch.from_texts(pl.Series(texts))
        memo = Batch.from_texts(pl.Series(texts))
        batch_line_tokens(memo)
        assert repetition.shared_line_tokens(plain) is None
        assert repetition.shared_line_tokens(memo) is not None
        a, b = rule.evaluate(plain), rule.evaluate(memo)
        assert a.fired.to_list() == b.fired.to_list()
        assert a.remove.to_list() == b.remove.to_list()
        assert a.remove.any()
        for name in a.signals:
            assert a.signals[name].to_list() == b.signals[name].to_list(), name


def test_quality_rules_share_the_memoised_tokens():
    # the key repeated-paragraphs reads is the one the quality family writes
    from curate.checks import quality

    batch = Batch.from_texts(pl.Series(["one two", "three"]))
    tokens = quality._line_tokens(batch)
    assert repetition.shared_line_tokens(batch) is tokens


def test_case_folding_that_changes_length_still_repeats():
    # "ß" upper-cases to "SS": the two lines share a key, and their letter counts agree
    line = P1.replace("harbour road", "Hafenstraße")
    rows, _ = strip(f"{line}\n{P2}\n{line.upper()}")
    assert rows[0]["text"] == f"{line}\n{P2}"


# -- real data -----------------------------------------------------------------------------------


def test_seed_article_body_kept_once():
    raw = next(shared("seeds").glob("*.txt")).read_text(encoding="utf-8")
    rows, _ = strip(raw)
    text = rows[0]["text"]
    body = [ln for ln in raw.splitlines() if len(ln) > 150]
    assert body and all(text.count(ln) == 1 for ln in body)
    assert text.splitlines()[0] == raw.splitlines()[0]
    assert text.splitlines()[-1] == raw.splitlines()[-1]  # the editor tag is not a repeat
    assert rows[0]["curate_dup_line_frac"] > 0.3


def _strip_then_quality(texts: list[str], monkeypatch, carry: bool) -> dict[str, list]:
    """Every signal, flag and cleaned text of a rule set whose strips run before and between the
    word-reading rules; carry=False rebuilds each stripped batch from scratch (no memo follows)."""
    from curate.checks import base, words
    from curate.config import load_ruleset
    from curate.pipeline import process_batch

    if not carry:
        monkeypatch.setattr(
            base.Batch,
            "stripped",
            lambda self, docs, lines, keep: Batch(
                docs, lines, self.corpus, self.signals, self.original
            ),
        )
    calls = []
    real = words.distinct_line_tokens
    monkeypatch.setattr(words, "distinct_line_tokens", lambda *a: calls.append(1) or real(*a))
    rules = [
        {"rule": "repeated-paragraphs", "action": "strip", "min_chars": 20},
        {"rule": "javascript-notice", "action": "strip"},
        {"rule": "too-few-words", "action": "flag"},
        {"rule": "unterminated-lines", "action": "strip"},
        {"rule": "no-stop-words", "action": "flag"},
        {"rule": "mean-word-length", "action": "flag"},
        {"rule": "too-few-sentences", "action": "flag"},
        {"rule": "duplicated-line-chars", "action": "flag"},
        {"rule": "low-quality", "action": "flag"},
    ]
    rs = load_ruleset({"name": "t", "rules": rules})
    out = process_batch(rs.build(), pl.DataFrame({"text": texts}), "text")
    # one split of the words for the whole rule set when the tokens follow the strips
    assert (len(calls) == 1) == carry
    # (the documents the strips emptied are rejected: both splits are compared)
    return pl.concat([out.kept, out.rejected]).to_dict(as_series=False)


def test_tokens_kept_across_strips_give_what_splitting_again_gives(monkeypatch):
    js = "Please enable JavaScript to view the comments"
    texts = [t + f"\n{js}\n" + t[: len(t) // 3] for t in _mixed_texts(3, 60)]
    texts += [f"{P1}\n\n{P2}\n{js}\n\n{P1}\nHome | News\n{P2}", "市场 市场。\n市场 市场。"]
    with monkeypatch.context() as m:
        carried = _strip_then_quality(texts, m, carry=True)
    with monkeypatch.context() as m:
        fresh = _strip_then_quality(texts, m, carry=False)
    assert carried == fresh
    assert carried["text"] != texts and any(carried["curate_repeated_chars"])


def test_repeated_paragraphs_splits_the_words_for_a_later_quality_rule():
    from curate.checks import words
    from curate.checks.quality import TooFewWords

    texts = _mixed_texts(4, 20)
    rule = repetition.RepeatedParagraphs(repetition.RepeatedParagraphs.Params(), "strip")
    alone, before = Batch.from_texts(pl.Series(texts)), Batch.from_texts(pl.Series(texts))
    before.later = [TooFewWords(TooFewWords.Params(), "flag")]
    a, b = rule.evaluate(alone), rule.evaluate(before)
    assert alone.memoized(words.DISTINCT_LINE_TOKENS_MEMO) is None
    assert before.memoized(words.DISTINCT_LINE_TOKENS_MEMO) is not None
    assert a.remove.to_list() == b.remove.to_list()
    for name in a.signals:
        assert a.signals[name].to_list() == b.signals[name].to_list(), name


def _fingerprint_plain(text: str, classes: tuple[str, ...]) -> int:
    """`_letter_fingerprints` by its definition: the counts of each class, weighted, mod 2**32."""
    mult = int(repetition._MULT)
    total = sum(
        sum(text.count(c) for c in cls[1:-1]) * pow(mult, len(classes) - 1 - i, 1 << 32)
        for i, cls in enumerate(classes)
    )
    return total % (1 << 32)


def test_letter_fingerprints_match_the_plain_definition():
    rng = random.Random(9)
    alphabet = "eEoOrRdDcCuUmMpPxé市 \t"
    cases = [
        [],
        [""],
        ["", ""],
        ["e"],
        ["", "Ee", ""],  # empty strings first, between and last (reduceat's edge cases)
        ["ab", ""],
        ["éE市", "PPP", "", "x"],
    ]
    cases += [
        ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(50)]
        for _ in range(20)
    ]
    for strings in cases:
        series = pl.Series(strings, dtype=pl.String)
        for sliced in (series, series.slice(1)):  # an Arrow array with an offset
            got = repetition._letter_fingerprints(sliced, repetition._FOLD_COUNTS)
            assert got.dtype == np.uint32
            want = [_fingerprint_plain(s, repetition._FOLD_COUNTS) for s in sliced.to_list()]
            assert got.tolist() == want, strings
    # the tokens' fingerprints summed per line: those of the lines themselves
    batch = Batch.from_texts(pl.Series(_mixed_texts(13, 60)))
    tokens = batch_line_tokens(batch)
    distinct = tokens.distinct
    used = np.unique(tokens.inverse)
    from_tokens = repetition.token_fingerprints(tokens)[used]
    from_lines = repetition._letter_fingerprints(distinct, repetition._FOLD_COUNTS)[used]
    assert from_tokens.tolist() == from_lines.tolist()


def test_buffers_too_large_to_keep_give_the_same_signals(monkeypatch):
    # above _SCRATCH_KEPT_BYTES a work array is a fresh one, not kept for the process's life
    rng = random.Random(7)
    words = ["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta"]
    texts = [
        "\n".join(" ".join(rng.choice(words) for _ in range(rng.randint(3, 30))) for _ in range(6))
        for _ in range(40)
    ] + ["", "one line", "same line\nsame line\nsame line"]
    kept, _ = run_rule("repeated-paragraphs", texts)
    repetition._SCRATCH.bufs = {}
    monkeypatch.setattr(repetition, "_SCRATCH_KEPT_BYTES", 0)
    fresh, _ = run_rule("repeated-paragraphs", texts)
    assert fresh == kept
    assert repetition._SCRATCH.bufs == {}  # nothing was kept


def _plain_signals(rule, batch):
    """evaluate()'s signals and fired flags as the polars expressions they were first written
    as (per_doc from the same line and n-gram functions)."""
    p = rule.params
    text_len = batch.text.str.len_chars().cast(pl.Float64)
    denom = text_len.clip(lower_bound=1)
    distinct, inverse = batch_distinct_lines(batch)
    per_doc, _ = repetition.line_repeats(
        batch.lines, batch.n, p.min_chars, None, (distinct, inverse)
    )
    words = repetition.line_words(distinct)
    per_doc |= repetition.ngrams_from_lines(words, inverse, batch.doc_of_line(), batch.n)
    signals = {}
    for name in ("dup_line_frac", "dup_para_frac"):
        signals[name] = pl.Series(name, per_doc[name], dtype=pl.Float64)
    for name in (
        ["dup_line_chars", "dup_para_chars"]
        + [f"top_{n}gram_chars" for n in repetition.TOP_NS]
        + [f"dup_{n}gram_chars" for n in repetition.DUP_NS]
    ):
        frac = name.replace("_chars", "_char_frac")
        signals[frac] = (pl.Series(per_doc[name], dtype=pl.Float64) / denom).alias(frac)
    signals = {k: signals[k] for k in repetition.SIGNALS}
    repeated = pl.Series("repeated_chars", per_doc["repeated_chars"], dtype=pl.Int64)
    signals["repeated_chars"] = repeated
    if rule.action == "strip":
        fired = repeated > 0
    else:
        fired = pl.Series([False] * batch.n, dtype=pl.Boolean)
        for name, values in signals.items():
            limit = getattr(p, f"max_{name}", None)
            if limit is not None:
                fired = fired | (values > limit)
    return signals, fired


@pytest.mark.parametrize("action", ["flag", "strip"])
def test_signals_in_numpy_match_the_polars_definition(action):
    # documents with and without each kind of repeat, the limits set so that some fire and some
    # do not
    rng = random.Random(11)
    vocab = ["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta", "é", "日本"]
    texts = ["", " ", ARTICLE, f"{P1}\n{P1}\n{P2}", f"{P1}\n\n{P2}\n\n{P1}"]
    for _ in range(120):
        lines = [
            " ".join(rng.choices(vocab, k=rng.randint(0, 9))) for _ in range(rng.randint(1, 8))
        ]
        texts.append("\n".join(lines))
    cls = repetition.RepeatedParagraphs
    batch = Batch.from_texts(pl.Series(texts))
    # each limit is a value some document has exactly (`>`, not `>=`, decides there)
    values, _ = _plain_signals(cls(cls.Params(), action), batch)
    limits = {}
    for name in repetition.SIGNALS:
        hit = sorted(v for v in values[name].to_list() if v > 0)
        limits[f"max_{name}"] = hit[len(hit) // 2] if hit else 0.05
    rule = cls(cls.Params(**limits), action)
    want, want_fired = _plain_signals(rule, batch)
    got = rule.evaluate(batch)
    assert list(got.signals) == list(want)
    for name, values in want.items():
        assert got.signals[name].dtype == values.dtype, name
        assert got.signals[name].to_list() == values.to_list(), name
    assert got.fired.to_list() == want_fired.to_list()
    assert 0 < sum(want_fired.to_list()) < batch.n


def test_line_repeats_from_the_shared_tokens_and_split_lengths_match_the_plain_way():
    # blank lines read from the tokens (none, also after a split on other whitespace), lengths
    # from the split: the same signals and strip mask as from the strings themselves
    rng = random.Random(8)
    pool = [
        P1,
        P2,
        "\t",
        " \t ",
        "\u3000",
        "\u00a0 \u2003",
        "",
        " ",
        "a\tb",
        "x\u3000y",
        "日本語のテキスト、です",
        "Home",
        "home!",
        P3[:70] + "\t" + P3[70:140],
    ]
    texts = ["\n".join(rng.choice(pool) for _ in range(rng.randint(1, 16))) for _ in range(300)]
    batch = Batch.from_texts(pl.Series(texts))
    plain = repetition.line_repeats(batch.lines, batch.n, 20)
    lt = batch_line_tokens(batch)
    count = repetition._tokens_per_line(lt, len(lt.distinct))
    chars = batch.lines.get_column(LINE).str.len_chars().to_numpy()
    for got in (
        repetition.line_repeats(batch.lines, batch.n, 20, lt, (lt.distinct, lt.inverse)),
        repetition.line_repeats(batch.lines, batch.n, 20, lt, None, chars, count),
    ):
        assert got[1].tolist() == plain[1].tolist()
        for k, v in plain[0].items():
            assert np.asarray(got[0][k]).tolist() == np.asarray(v).tolist(), k
    assert plain[1].any() and plain[0]["dup_line_frac"].max() > 0


def test_few_line_words_match_line_words():
    # every whitespace character (and some that are not: U+200B, U+1C-U+1F, U+180E) between
    # words, CJK, emoji, empty and blank lines
    other = "\u200b\x1c\x1d\x1e\x1f\u180e"
    spaces = list(repetition._LINE_WHITESPACE) + [" ", "  "] + list(other)
    rng = random.Random(4)
    pieces = ["a", "Wort", "日本語", "x\u0301", "😀", "", "---", "ı"]
    lines = ["", " ", "\t", "a b", "\u3000x\u3000"]
    for _ in range(400):
        parts = [rng.choice(pieces) + rng.choice(spaces) for _ in range(rng.randint(0, 9))]
        lines.append("".join(parts))
    series = pl.Series(lines)
    few = repetition.few_line_words(series)
    plain = repetition.line_words(series)
    for a, b in zip(few, plain, strict=True):
        assert a.dtype == b.dtype
        assert a.tolist() == b.tolist()
    assert few[0].sum() > 1000


def _candidate_repeats_plain(
    cand: pl.DataFrame,
    keys: pl.Series,
    cdoc: np.ndarray,
    cpara: np.ndarray,
    in_cp: np.ndarray,
    follows: np.ndarray,
    cchars: np.ndarray,
) -> repetition.CandidateRepeats:
    """`_candidate_repeats` by polars' exact string comparisons (the definition its test
    compares it with)."""
    L = pl.col(LINE)
    sub = cand.with_columns(pl.Series(DOC, cdoc), pl.Series("_para", cpara), keys).with_columns(
        repetition._key_without_spaces(), pl.col("_k").str.len_chars().cast(pl.Int64).alias("_klen")
    )
    gdup = sub.select(~pl.struct(DOC, LINE).is_first_distinct()).to_series().to_numpy()
    krep = sub.select(~pl.struct(DOC, "_kk").is_first_distinct()).to_series().to_numpy()
    pairs = sub.select(pl.col(DOC), pl.col("_kk").shift(1).alias("_prev"), pl.col("_kk")).filter(
        pl.Series(follows)
    )
    seen = ~pairs.select(pl.struct(pl.all()).is_first_distinct()).to_series().to_numpy()
    paras = (
        sub.filter(pl.Series(in_cp))
        .group_by("_para", maintain_order=True)
        .agg(
            pl.col(DOC).first(),
            L.str.join("\n").alias("_text"),
            pl.col("_kk").str.join("").alias("_pk"),
        )
        .select(
            "_para",
            pl.col(DOC),
            pl.col("_text").str.len_chars().cast(pl.Int64).alias("_pn"),
            (~pl.struct(DOC, "_text").is_first_distinct()).alias("_pdup"),
            (~pl.struct(DOC, "_pk").is_first_distinct()).alias("_prep"),
        )
    )
    return (
        gdup,
        krep,
        sub.get_column("_klen").to_numpy(),
        seen,
        *(paras.get_column(c).to_numpy() for c in ("_para", DOC, "_pn", "_pdup", "_prep")),
    )


def test_candidate_repeats_by_hashes_match_the_string_comparisons(monkeypatch):
    # the candidates' duplicates, repeats, seen pairs and paragraphs from 64-bit hashes equal
    # polars' exact string comparisons: keys split differently across lines ("ab" + "c" and
    # "a" + "bc" join to one key), lines of punctuation alone (raw text keys), case and
    # punctuation variants, non-Latin text, paragraphs of one line and of several
    rng = random.Random(17)
    pool = [
        "ab",
        "c",
        "a",
        "bc",
        "A-b",
        "***",
        "* * *",
        "Straße",
        "STRASSE",
        "市场 市场",
        "ΑΣ",
        "home",
        "Home!",
        P1[:50],
        P1[:50].upper(),
        "x",
        "x y",
        "xy",
        "",
        " ",
        "-",
    ]
    texts = []
    for _ in range(300):
        paras = [
            "\n".join(rng.choice(pool) for _ in range(rng.randint(1, 3)))
            for _ in range(rng.randint(1, 8))
        ]
        if rng.random() < 0.3:
            paras += paras[: rng.randint(1, len(paras))]
        texts.append(rng.choice(["\n\n", "\n", "\n \n"]).join(paras))
    batch = Batch.from_texts(pl.Series(texts))
    calls = []
    real = repetition._candidate_repeats

    def both(*args):
        fast, plain = real(*args), _candidate_repeats_plain(*args)
        for a, b in zip(fast, plain, strict=True):
            assert np.asarray(a).tolist() == np.asarray(b).tolist()
        calls.append(len(args[0]))
        return fast

    monkeypatch.setattr(repetition, "_candidate_repeats", both)
    out, remove = repetition.line_repeats(batch.lines, batch.n, 5)
    assert calls and calls[0] > 100
    assert remove.any() and out["dup_para_frac"].any() and out["dup_line_frac"].any()
    # and the rule's answers with the plain comparisons
    monkeypatch.setattr(repetition, "_candidate_repeats", _candidate_repeats_plain)
    plain_out, plain_remove = repetition.line_repeats(batch.lines, batch.n, 5)
    assert remove.tolist() == plain_remove.tolist()
    for name in out:
        assert out[name].tolist() == plain_out[name].tolist(), name


@pytest.mark.parametrize(
    ("hash_bits", "chunk", "collide"),
    [
        (0xFFFF_FC00, 512, False),  # as run
        (0x0000_0C00, 512, False),  # 2 hash bits: nearly every run of keys mixes 2-grams
        (0xFFFF_FC00, 16, False),  # documents past 16 words: the long documents' keys
        (0x0000_0400, 16, False),  # both
        # documents' seeds 1, 2, 3, ... and no flip at a document's end: the keys of one
        # 2-gram in two documents, or across two, collide too
        (0x0000_0C00, 512, True),
        (0x0000_0400, 16, True),
    ],
)
@pytest.mark.parametrize("tokens", [False, True])
def test_pair_keys_match_the_plain_definition(monkeypatch, hash_bits, chunk, collide, tokens):
    # the 2-grams grouped by 32-bit keys in chunks of documents, their collisions regrouped by
    # the 64-bit hashes and documents, long documents keyed apart: the plain definition's
    # numerators, with documents that end on a 2-gram the next one starts with ("a b" | "b")
    monkeypatch.setattr(repetition, "_PAIR_HASH", np.uint32(hash_bits))
    monkeypatch.setattr(repetition, "_PAIR_CHUNK", chunk)
    if collide:
        monkeypatch.setattr(repetition, "_SEED32", np.uint32(1 << repetition._PAIR_BITS))
        monkeypatch.setattr(repetition, "_SEED32_INV", np.uint32(1))
        monkeypatch.setattr(repetition, "_BOUNDARY32", np.uint32(0))
    rng = random.Random(23)
    vocab = ["a", "b", "cc", "the", "Über", "市", "x."]
    texts = ["", "a b", "b a b", "one", "a b a b"]
    for _ in range(120):
        size = rng.choice([2, 5, 15, 16, 17, 40, 120])
        texts.append(" ".join(rng.choice(vocab[: rng.randint(2, 7)]) for _ in range(size)))
    got = _ngrams(Batch.from_texts(pl.Series(texts)), tokens)
    for i, text in enumerate(texts):
        for name, value in _reference_ngrams(text).items():
            assert got[name][i] == value, (i, name)


@pytest.mark.parametrize(
    ("hash_bits", "huge"),
    [
        (0xFFFF_FC00, 1 << 20),  # as run: documents of 600-1,100 words keyed apart
        (0xFFFF_FC00 & ~(0xFFF << 10), 1 << 20),  # their keys: 2 hash bits left, regrouped
        (0x0000_0C00, 1 << 20),
        (0xFFFF_FC00, 700),  # documents past 700 2-grams: grouped by their 64-bit hashes
    ],
)
@pytest.mark.parametrize("tokens", [False, True])
def test_long_documents_match_the_plain_definition(monkeypatch, hash_bits, huge, tokens):
    # documents longer than a chunk (512 2-grams) take keys of their own with fewer hash bits;
    # past _HUGE 2-grams, the 64-bit hashes: the plain definition's numerators either way
    monkeypatch.setattr(repetition, "_PAIR_HASH", np.uint32(hash_bits))
    monkeypatch.setattr(repetition, "_HUGE", huge)
    rng = random.Random(29)
    vocab = ["a", "b", "cc", "the", "Über", "市", "x."]
    texts = ["a b a b", ""]
    for _ in range(14):
        size = rng.choice([5, 600, 700, 701, 1100])
        texts.append(" ".join(rng.choice(vocab[: rng.randint(2, 7)]) for _ in range(size)))
    got = _ngrams(Batch.from_texts(pl.Series(texts)), tokens)
    for i, text in enumerate(texts):
        for name, value in _reference_ngrams(text).items():
            assert got[name][i] == value, (i, name)


def test_pair_bounds_pack_whole_documents():
    rng = np.random.default_rng(4)
    per_doc = rng.choice([0, 1, 3, 100, 300, 511, 512, 513, 2000], 400)
    ends = np.cumsum(per_doc)
    size = int(ends[-1]) - 1
    bounds = repetition._pair_bounds(ends, size)
    assert bounds[0] == 0 and bounds[-1] == size
    assert set(bounds) <= {0, size, *ends.tolist()}
    assert all(b > a for a, b in zip(bounds[:-1], bounds[1:], strict=True))
    big = repetition._PAIR_CHUNK
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        # a chunk past the limit is one document; one within it could take no more
        inside = ends[(ends > a) & (ends < b)]
        assert b - a <= big or len(inside) == 0, (a, b)
        after = ends[ends > b]
        assert b == size or not len(after) or after[0] - a > big, (a, b)


@pytest.mark.parametrize("repeat_lines", [False, True])
@pytest.mark.parametrize("tokens", [False, True])
def test_ngrams_of_a_batch_counted_in_slices_of_documents(monkeypatch, repeat_lines, tokens):
    # more documents than the keys' seeds tell apart: slices of documents, the same numerators
    # (lengths as an array when every line is distinct, else read through a function)
    monkeypatch.setattr(repetition, "_MAX_DOCS", 4)
    a = "x y x y x y z w z w z w q r q r q r s t"
    texts = ["", a, "", "a b a b", a + " " + a, "solo", "", a.upper(), "last", "b a b a b"]
    if repeat_lines:
        texts = [t + "\nshared line here\nshared line here" for t in texts]
    got = _ngrams(Batch.from_texts(pl.Series(texts)), tokens)
    for i, text in enumerate(texts):
        for name, value in _reference_ngrams(text).items():
            assert got[name][i] == value, (i, name)


def test_candidate_keys_kept_between_batches_match_the_regex(monkeypatch):
    # the keys of candidate lines, kept from batch to batch, against the regex on every line:
    # repeats within and across calls, a cache emptied when full (5 keys), lines too long to
    # keep (12 characters), more candidates than are looked up (the regex on all), null, empty,
    # blank and non-ASCII lines, case folds that change the length, a giant line
    monkeypatch.setattr(repetition, "_KEY_CACHE", {})
    monkeypatch.setattr(repetition, "_KEY_CACHE_SIZE", 5)
    monkeypatch.setattr(repetition, "_KEY_CACHE_LINES", 40)
    monkeypatch.setattr(repetition, "_KEY_CACHE_CHARS", 12)
    pool = [
        "Hello, World!",
        "hello   world",
        "",
        " \t ",
        "***",
        None,
        "İstanbul ıi",
        "ǅemal ﬁne STRASSE ß",
        "Ünïcödé — “quotes” …",
        "市场 市场。",
        "x" * 5000 + " Y",
        "\ufffd bad \ufffd",
    ]
    calls = []
    real = repetition.run_in_own_thread
    monkeypatch.setattr(
        repetition, "run_in_own_thread", lambda *a: calls.append(a[2].height) or real(*a)
    )
    rng = random.Random(5)
    for size in (1, 3, 12, 12, 30, 41, 0, 7, 12, 2):
        frame = pl.DataFrame(
            {LINE: [rng.choice(pool) for _ in range(size)]}, schema={LINE: pl.String}
        )
        got = repetition._candidate_keys(frame)
        assert got.dtype == pl.String and got.name == "_k"
        assert got.to_list() == repetition._normalised_lines(frame).to_list()
    # (hits: fewer lines went to the regex than were asked for)
    assert sum(calls) < 1 + 3 + 12 + 12 + 30 + 41 + 7 + 12 + 2


def test_words_whose_hashes_share_their_top_32_bits_are_different_2grams():
    """Two different words whose 64-bit hashes agree in their top 32 bits (found by searching
    generated words, in a second) make different 2-grams. Checked by 32 bits a word, "w243784 x"
    and "w284810 x" were one 2-gram, repeated (top_2gram_char_frac 0.947 where it is 0, and the
    document dropped)."""
    a, b = "w243784", "w284810"
    hashes = pl.Series([a, b]).hash(repetition._SEED).to_numpy()
    assert hashes[0] >> 32 == hashes[1] >> 32 and hashes[0] != hashes[1]  # the premise
    texts = [f"{a} x {b} x", f"{a} x w999999 x", f"{a} x {a} x"]
    got = _ngrams(Batch.from_texts(pl.Series(texts)))
    for i, text in enumerate(texts):
        for name, value in _reference_ngrams(text).items():
            assert got[name][i] == value, (i, name)
    assert got["top_2gram_chars"][0] == 0 and got["top_2gram_chars"][2] > 0
