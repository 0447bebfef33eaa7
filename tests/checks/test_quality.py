"""Quality family: each Gopher/C4/FineWeb heuristic on a hit, a miss, "", None and non-Latin text;
word splitting per script; stop words per language; the quality score; the built-in rule sets."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curate.checks import words
from curate.checks.base import LINE, Batch
from curate.checks.quality import (
    COMPONENTS,
    ELLIPSIS_END,
    SENTENCE,
    _bit_count,
    _distinct,
    _in_vocabulary,
    _javascript_lines,
    _lorem_ipsum,
    _lower_contains,
    _newlines,
    _referenced,
    _sentence_ends,
    _share,
    _share_series,
    _stats,
    _stop_word_bits,
    _word_bits,
    quality_score,
    signals_for,
)
from curate.checks.words import TOKEN, WORD, line_tokens, stop_words, token_frame
from curate.config import load_ruleset
from curate.pipeline import process_batch
from tests.checks.helpers import run_rule, strip_lines

PROSE = (
    "The city council met on Monday evening to discuss the new budget for the coming year. "
    "Members of the public were invited to speak, and many of them raised questions about the "
    "plans for schools and roads. The mayor said that the council would have to make difficult "
    "choices, but she promised that every decision would be explained with care."
)
# hand-written non-Latin prose: Russian, Chinese, Japanese, Thai, Indonesian
RU = (
    "Городской совет собрался в понедельник, чтобы обсудить новый бюджет. Жители задавали "
    "вопросы о школах и дорогах, и мэр сказал, что решения будут непростыми."
)
ZH = (
    "市政府今天宣布了新的预算计划。"
    "我们认为这个计划对学校和道路都有很大的影响，但是市民还有很多问题。"
)
JA = (
    "市議会は月曜日に新しい予算について話し合いました。"
    "市民からは学校や道路についての質問がありました。"
)
TH = "สภาเมืองประชุมกันในวันจันทร์เพื่อหารือเรื่องงบประมาณใหม่ และประชาชนมีคำถามมากมายเกี่ยวกับโรงเรียน"
ID = (
    "Pemerintah kota akan membangun jalan baru di pusat kota pada tahun depan. Menurut wali "
    "kota, proyek ini sudah direncanakan sejak lama dan akan selesai dalam dua tahun."
)


def fired(rule: str, texts: list[str | None], **params) -> list[bool]:
    rows, _ = run_rule(rule, texts, **params)
    return [rule in r["curate_flags"] for r in rows]


def signal(rule: str, name: str, texts: list[str | None], **params) -> list:
    rows, _ = run_rule(rule, texts, **params)
    return [r["curate_" + name] for r in rows]


# -- words -----------------------------------------------------------------------------------------


def words_of(text: str) -> list[str]:
    frame = token_frame(pl.DataFrame({"__doc": [0], "text": [text]}))
    return frame.filter(pl.col("is_word"))["tok"].to_list()


def test_words_split_on_spaces_with_punctuation_attached():
    assert words_of("Hello, world. -- It is 3.5 #1 !") == [
        "Hello,",
        "world.",
        "It",
        "is",
        "3.5",
        "#1",
    ]


def test_chinese_characters_are_words_one_by_one():
    assert words_of("我们的学校。") == ["我", "们", "的", "学", "校"]


def test_japanese_katakana_runs_are_one_word():
    assert words_of("コンピューターを使う") == ["コンピューター", "を", "使", "う"]


def test_thai_is_split_into_pseudo_words():
    # 2 dictionary words (ประเทศ ไทย), 6 consonant clusters -> 2 pseudo-words of up to 3
    assert len(words_of("ประเทศไทย")) == 2
    # TH is 19 dictionary words: สภา เมือง ประชุม กัน ใน วัน จันทร์ เพื่อ หารือ เรื่อง งบประมาณ
    # ใหม่ และ ประชาชน มี คำถาม มากมาย เกี่ยวกับ โรงเรียน
    assert 15 <= signals_for([TH])["words"][0] <= 25


def test_khmer_and_lao_are_not_one_giant_word():
    khmer = "ភាសាខ្មែរគឺជាភាសាផ្លូវការរបស់ប្រទេសកម្ពុជា"
    assert len(words_of(khmer)) > 3
    assert fired("mean-word-length", [khmer, "ສະບາຍດີປະເທດລາວ"]) == [False, False]


def test_mixed_scripts_keep_latin_words_whole():
    assert words_of("iPhone 15の価格") == ["iPhone", "15", "の", "価", "格"]


def test_stop_word_lists_are_shipped_for_main_languages():
    lists = stop_words()
    for code in ("en", "de", "fr", "es", "pt", "ru", "id", "ms", "zh", "ja", "th", "ar", "hi"):
        assert 15 <= len(lists[code]) <= 60, code
    assert set("the be to of and that have with".split()) <= set(lists["en"])


# -- the fast path equals the regex tokenizer ------------------------------------------------------
# The quality family splits lines on spaces and tests each distinct token once
# (words.line_tokens); `token_frame` applies the TOKEN regex to every text, as the module
# documentation defines words. Both must agree on every text, to the last count.

# characters and strings where the two paths could part: other whitespace, unspaced scripts,
# marks, edge punctuation, sentence terminals of several scripts, stop words
PIECES = (
    ["a", "B", "z", "é", "İ", "ſ", "K", "1", "٣", ".", "!", "?", "。", "！", "…", "...", "#", "-"]
    + ["'", '"', "»", ")", "(", "|", "{", " ", "  ", "\t", "\n", "\n\n", "\r\n", "\u00a0"]
    + ["\u3000", "\u2028", "\u0085", "的", "学", "の", "カ", "ー", "ก", "เ", "่", "ั", "ຍ", "ក"]
    + ["្", "។", "၊", "the", "The", "and", "ที่", "了", "😀", "\u0301", "Lorem ipsum", "javascript"]
)
FAST_TEXTS = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


def _reference(texts: list[str]) -> dict[str, list]:
    """Word and sentence counts the straightforward way: the TOKEN regex over each whole text."""
    docs = pl.DataFrame({"__doc": list(range(len(texts))), "text": texts})
    edge = r"[\p{P}\p{S}]"
    tok = pl.col("tok")
    split_off = (tok.str.contains("^" + edge).cast(pl.Int64) + tok.str.contains(edge + "$")).filter(
        pl.col("is_word")
    )
    per = (
        token_frame(docs)
        .group_by("__doc")
        .agg(
            pl.len().alias("tokens"),
            (pl.len() + split_off.sum()).alias("tokens_punct"),
            pl.col("is_word").sum().alias("words"),
            pl.col("has_letter").sum().alias("letter_tokens"),
            pl.col("bare")
            .str.len_chars()
            .filter(pl.col("is_word") & ~pl.col("unspaced"))
            .mean()
            .alias("mean_word_length"),
            pl.col("low").filter(pl.col("low").is_in(sorted(UNION))).n_unique().alias("union"),
            pl.col("low").filter(pl.col("low").is_in(sorted(UNION))).unique().alias("union_words"),
        )
    )
    out = docs.join(per, on="__doc", how="left", maintain_order="left").with_columns(
        pl.col("text").str.count_matches(SENTENCE).alias("sentences")
    )
    return {c: out[c].to_list() for c in out.columns}


UNION = {w for lang, ws in stop_words().items() if lang not in ("ja", "th", "zh") for w in ws}


@settings(max_examples=60, deadline=None)
@given(st.lists(FAST_TEXTS, min_size=1, max_size=5))
def test_fast_word_counts_equal_the_regex_tokenizer(texts):
    ours = signals_for(texts)
    ref = _reference(texts)
    for name in ("tokens", "tokens_punct", "words", "letter_tokens", "sentences"):
        assert ours[name] == [v or 0 for v in ref[name]], name
    assert ours["mean_word_length"] == pytest.approx(ref["mean_word_length"], abs=1e-12)
    # stop words of the space-delimited lists (the union), as whole lower-cased tokens
    lines = Batch.from_texts(pl.Series(texts, dtype=pl.String))
    union = tuple(sorted(UNION))
    bits = _stop_word_bits(lines, union)
    assert _bit_count(bits).tolist() == [v or 0 for v in ref["union"]]
    # the very words, read back from the bits
    held = [{w for i, w in enumerate(union) if int(row[i >> 6]) >> (i & 63) & 1} for row in bits]
    assert held == [set(v or []) for v in ref["union_words"]]


@settings(max_examples=40, deadline=None)
@given(st.lists(FAST_TEXTS, min_size=1, max_size=5))
def test_fast_line_words_equal_the_regex_tokenizer(texts):
    lines = Batch.from_texts(pl.Series(texts, dtype=pl.String)).lines[LINE]
    fast = line_tokens(lines)
    toks = lines.str.extract_all(TOKEN)
    words = toks.list.eval(pl.element().str.contains(WORD)).list.sum()
    long = toks.list.eval(pl.element().str.len_chars() > 2).list.sum()
    assert fast.words_per_line(len(lines)).tolist() == words.to_list()
    assert fast.long_tokens(len(lines), 2).tolist() == long.to_list()
    assert fast.long_tokens(len(lines), 1000).tolist() == [0] * len(lines)
    is_word = fast.vocab["is_word"].to_numpy()
    assert sorted(fast.where(is_word).tolist()) == [
        i for i, n in enumerate(words.to_list()) for _ in range(n)
    ]


def test_fast_path_on_whitespace_and_unspaced_scripts():
    texts = [
        "a\tb\u00a0c\r\nd  e \u3000f",
        "我们的学校。 他们 了",
        "ประเทศไทย และ\tที่",
        "  (the) «and» of—to ... …",
        "",
        "\r\n\r\n",
        "x。y。z。w。v！u。 end. One! Two?",
    ]
    ref = _reference(texts)
    ours = signals_for(texts)
    assert ours["words"] == [v or 0 for v in ref["words"]]
    assert ours["sentences"] == ref["sentences"]
    assert ours["words"][:3] == [6, 8, 4]


def test_counts_summed_in_one_integer_equal_a_sum_per_count(monkeypatch):
    # per_distinct_line sums small counts packed in fields of one integer; a line too long for
    # a field takes a bincount per count: both give the same
    texts = [
        "a\tb\u00a0c d.  e... 我们的学校。 «and» x。y",
        "One! Two? (three) four—five ... …\n\nplain words here",
        "",
    ]
    lt = line_tokens(Batch.from_texts(pl.Series(texts)).lines[LINE])
    ends = lt.vocab.get_column("tok").str.count_matches(SENTENCE).to_numpy()
    packed = lt.per_distinct_line(ends)
    monkeypatch.setattr(words, "_FIELD_BITS", 1)
    plain = lt.per_distinct_line(ends)
    assert packed.keys() == plain.keys()
    for name in plain:
        assert packed[name].tolist() == plain[name].tolist(), name
    assert packed["split_off"].any() and packed["pieces"].any() and packed["spaced_words"].any()


def test_lower_case_needles_match_as_lower_casing_would():
    # the dotted capital I lower-cases to "i" plus a combining dot, the long s stays itself: so
    # neither is "javascript" / "lorem ipsum" once lower-cased, though a case-insensitive
    # search would take the long s for an s
    texts = ["JAVASCRİPT off\nJavaScript on", "lorem ipſum, LOREM IPSUM and Lorem Ipsum"]
    assert signal("javascript-notice", "javascript_lines", texts) == [1, 0]
    assert signal("lorem-ipsum", "lorem_ipsum", texts) == [0, 2]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="jAvaSCRİPTtsſK\u212alorem IPSU\u0307", max_size=30), max_size=8))
def test_lower_case_needles_fast_path_is_the_definition(texts):
    series = pl.Series(texts, dtype=pl.String)
    lowered = series.str.to_lowercase()
    for needle in ("javascript", "lorem ipsum"):
        expected = lowered.str.count_matches(needle, literal=True)
        assert _lower_contains(series, needle, count=True).to_list() == expected.to_list()
        assert _lower_contains(series, needle).to_list() == (expected > 0).to_list()


# -- Gopher ----------------------------------------------------------------------------------------


def test_too_few_words():
    short = "Page not found. Go back home."
    texts = [short, PROSE, "", None, ZH * 2]
    assert fired("too-few-words", texts) == [True, False, True, True, False]
    assert signal("too-few-words", "words", [short, "", None])[:3] == [6, 0, 0]


def test_too_few_words_threshold_is_a_key():
    assert fired("too-few-words", ["one two three"], min_words=3) == [False]


def test_too_many_words():
    assert fired("too-many-words", [PROSE, "word " * 90, "", None, JA], max_words=80) == [
        False,
        True,
        False,
        False,
        False,
    ]


def test_mean_word_length():
    texts = ["a b c d e f g h", PROSE, "x" * 30 + " " + "y" * 30, "", None, ZH, RU]
    assert fired("mean-word-length", texts) == [True, False, True, False, False, False, False]
    values = signal("mean-word-length", "mean_word_length", texts)
    assert values[0] == 1.0 and 4 < values[1] < 6
    assert values[3] is None and values[5] is None  # no space-delimited words: not judged


def test_symbol_heavy():
    tags = "Summer with friends #summer #beach #sun #fun"
    teaser = "Read on... More soon... And then..."
    texts = [tags, teaser, PROSE, "", None, "#話題 #東京 #旅行 楽しい一日でした"]
    assert fired("symbol-heavy", texts) == [True, True, False, False, False, True]
    rows, _ = run_rule("symbol-heavy", [tags])
    assert rows[0]["curate_hash_ratio"] == pytest.approx(4 / 7)


def test_few_alphabetic_words():
    table = "2024 | 12.5 | 13.1 | 14.0 | total"
    texts = [table, PROSE, "", None, RU, ZH]
    assert fired("few-alphabetic-words", texts) == [True, False, False, False, False, False]
    # 1 of 9 tokens ("|" counts as a token without a letter)
    assert signal("few-alphabetic-words", "alpha_words_share", [table])[0] == pytest.approx(1 / 9)


def test_few_alphabetic_words_can_count_punctuation_like_datatrove():
    text = "Hello, world. (Yes)"
    assert signal("few-alphabetic-words", "alpha_words_share", [text]) == [1.0]
    assert signal(
        "few-alphabetic-words", "alpha_words_share", [text], punctuation_as_tokens=True
    ) == [pytest.approx(3 / 7)]


def test_bullet_and_ellipsis_lines():
    bullets = "- one thing\n- two things\n* three things\n• four things"
    teasers = "Ten tips for...\nWhy it fell…\nA full sentence here.\n\n\nAnother one."
    ja_bullets = "・東京の天気\n- 大阪の天気\n- 京都の天気\n- 札幌の天気"
    ru_teasers = "Новости дня…\nПогода на завтра…\nСпорт."
    texts = [bullets, teasers, PROSE, "", None, ja_bullets, ru_teasers, ZH]
    assert fired("bullet-lines", texts) == [True, False, False, False, False, False, False, False]
    assert fired("ellipsis-lines", texts) == [False, True, False, False, False, False, True, False]
    # "・" (katakana middle dot) is not a bullet here: 3 of 4 lines
    assert signal("bullet-lines", "bullet_lines_share", [ja_bullets]) == [0.75]
    # blank lines are not lines of content: 2 of 4 non-blank lines end in an ellipsis
    assert signal("ellipsis-lines", "ellipsis_lines_share", [teasers]) == [0.5]


# -- stop words per language -----------------------------------------------------------------------


def test_no_stop_words_without_language_uses_the_union():
    keywords = "cheap shoes online discount sneakers sale boots"
    texts = [keywords, PROSE, ID, RU, ZH, JA, TH, "", None]
    assert fired("no-stop-words", texts) == [
        True,
        False,
        False,
        False,
        False,
        False,
        False,
        False,
        False,
    ]
    assert signal("no-stop-words", "stop_words_list", [PROSE]) == ["*"]


def test_gopher_english_list_drops_other_languages_ours_does_not():
    gopher = fired(
        "no-stop-words",
        [PROSE, ID, RU],
        stop_words=["the", "be", "to", "of", "and", "that", "have", "with"],
    )
    assert gopher == [False, True, True]
    assert fired("no-stop-words", [PROSE, ID, RU]) == [False, False, False]


def test_no_stop_words_follows_the_detected_language():
    # an English keyword list that happens to contain Indonesian stop words is judged as English
    mixed = "yang dan di cheap shoes online discount sneakers sale boots trainers"
    rs = load_ruleset({"name": "t", "rules": [{"rule": "no-stop-words", "action": "flag"}]})
    batch = Batch.from_texts(pl.Series([ID, mixed, PROSE, "x y z"]))
    batch.signals["language"] = pl.Series(["id", "en", "id", "sw"])
    result = rs.build()[0].evaluate(batch)
    assert result.signals["stop_words"][0] >= 5
    assert result.signals["stop_words"][1] == 0  # English list: none of the, be, to ...
    assert result.signals["stop_words"][2] <= 1  # English prose judged by the Indonesian list
    assert result.signals["stop_words"][3] is None  # Swahili: no list shipped, not judged
    assert result.fired.to_list() == [False, True, True, None]
    assert result.signals["stop_words_list"].to_list() == ["id", "en", "id", None]


def test_no_stop_words_after_language_mismatch_in_a_rule_set():
    rs = load_ruleset(
        {
            "name": "t",
            "rules": [
                {"rule": "language-mismatch", "action": "flag"},
                {"rule": "no-stop-words", "action": "drop"},
            ],
        }
    )
    df = pl.DataFrame({"text": [ID, PROSE, "ok then"]})
    out = process_batch(rs.build(), df, "text")
    # too short to detect a language (`und`): no list to judge it by, not judged
    assert out.kept["curate_stop_words_list"].to_list() == ["id", "en", None]
    assert out.kept["curate_stop_words"].to_list()[2] is None
    assert out.rejected.height == 0


# -- C4 --------------------------------------------------------------------------------------------


def test_curly_braces_and_lorem_ipsum():
    code = "body { color: red; }"
    lorem = "Lorem ipsum dolor sit amet."
    texts = [code, lorem, PROSE, "", None, ZH]
    assert fired("curly-braces", texts) == [True, False, False, False, False, False]
    assert fired("lorem-ipsum", texts) == [False, True, False, False, False, False]


def test_javascript_notice_strips_only_that_line():
    text = PROSE + "\nPlease enable JavaScript to view the comments."
    rows, stats = run_rule("javascript-notice", [text, PROSE, "", None, JA], action="strip")
    assert rows[0]["text"] == PROSE
    assert rows[0]["curate_flags"] == ["javascript-notice"]
    assert [r["curate_flags"] for r in rows[1:]] == [[], [], [], []]
    assert stats.rules["javascript-notice"].lines_removed == 1


def test_unterminated_lines_strip_like_c4():
    text = "Home | News | Sport\nThe council met on Monday.\nShare\n" + JA + "\nWait for it..."
    rows, _ = run_rule("unterminated-lines", [text, "", None], action="strip")
    assert rows[0]["text"] == "The council met on Monday.\n" + JA
    assert rows[0]["curate_unterminated_lines"] == 3
    rows, _ = run_rule("unterminated-lines", [text], action="strip", require_terminal=False)
    assert rows[0]["text"] == "Home | News | Sport\nThe council met on Monday.\n" + JA + (
        "\nWait for it..."
    )


def test_too_few_sentences():
    texts = ["Welcome. Contact us.", PROSE + " One. Two.", "", None, ZH + ZH + ZH]
    assert fired("too-few-sentences", texts) == [True, False, True, True, False]


# -- FineWeb ---------------------------------------------------------------------------------------


def test_few_punctuated_and_short_lines():
    menu = "Home\nNews\nSport\nWeather\nContact us\nThe weather will be sunny in the north."
    texts = [menu, PROSE, "", None, TH]
    assert fired("few-punctuated-lines", [menu.replace(".", "")] + texts[1:]) == [
        True,
        False,
        False,
        False,
        True,
    ]
    assert fired("short-lines", texts) == [True, False, False, False, False]
    assert fired("few-punctuated-lines", [ZH, JA, RU, "The end.  "]) == [False] * 4


def test_duplicated_line_chars_and_list_like():
    dup = "Add to cart\nA warm wool sweater made by hand.\nAdd to cart\nLeather gloves."
    fruit = "apples\npears\nplums\ncherries\ngrapes"
    zh_dup = "加入购物车\n" + ZH + "\n加入购物车\n" + ZH
    zh_list = "苹果\n香蕉\n葡萄\n西瓜\n橙子"  # 10 characters (words), 4 newlines
    texts = [dup, fruit, PROSE, "", None, zh_dup, zh_list, ZH]
    assert fired("duplicated-line-chars", texts) == [
        True,
        False,
        False,
        False,
        False,
        True,
        False,
        False,
    ]
    assert fired("list-like", texts) == [False, True, False, False, False, False, True, False]
    share = signal("duplicated-line-chars", "dup_line_chars_share", [dup])[0]
    assert share == pytest.approx(11 / (len(dup) - 3))


# -- the quality score -----------------------------------------------------------------------------


def test_quality_score_is_below_half_exactly_when_a_published_threshold_fails():
    texts = [
        PROSE * 3,
        "Page not found.",
        "Home\nNews\nSport\nWeather",
        "#a #b #c #d",
        "Lorem ipsum dolor sit amet " * 20,
        "",
        None,
        ID * 4,
        ZH * 4,
    ]
    rs = load_ruleset("gopher").as_dict()
    # every Gopher/FineWeb rule with defaults, plus low-quality; stop words from the union
    rules = [
        {"rule": r, "action": "flag"}
        for r in (
            "too-few-words",
            "too-many-words",
            "mean-word-length",
            "symbol-heavy",
            "few-alphabetic-words",
            "no-stop-words",
            "bullet-lines",
            "ellipsis-lines",
            "few-punctuated-lines",
            "short-lines",
            "duplicated-line-chars",
            "list-like",
            "lorem-ipsum",
            "low-quality",
        )
    ]
    assert rs["name"] == "gopher"
    out = process_batch(
        load_ruleset({"name": "q", "rules": rules}).build(),
        pl.DataFrame({"text": pl.Series(texts, dtype=pl.String)}),
        "text",
    )
    for row in out.kept.to_dicts():
        others = [f for f in row["curate_flags"] if f != "low-quality"]
        assert 0.0 <= row["curate_quality"] <= 1.0
        assert (row["curate_quality"] < 0.5) == bool(others), (row["text"][:30], others)
    qualities = out.kept["curate_quality"].to_list()
    assert qualities[0] > 0.75 and qualities[1] < 0.5 and qualities[5] == 0.0


def test_quality_ranks_better_prose_higher():
    frame = pl.DataFrame({c: [None] for c in COMPONENTS}).with_columns(
        pl.lit(0).alias("lorem_ipsum")
    )
    assert quality_score(frame).to_list() == [1.0]
    scores = signals_for([PROSE, PROSE * 3, "Home\nNews\nSport"])["quality"]
    assert scores[2] < 0.5 < scores[0] <= scores[1]


def test_quality_distribution_reaches_the_report_statistics():
    rows, stats = run_rule("low-quality", [PROSE, "Home", "", None])
    rs = stats.rules["low-quality"]
    assert rs.signal == "quality" and sum(rs.hist) == 4 and rs.fired == 3


# -- rule sets -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["gopher", "c4", "fineweb", "web", "news"])
def test_builtin_rule_sets_load(name):
    rules = [s.rule for s in load_ruleset(name).rules]
    assert "low-quality" in rules


def test_gopher_rule_set_keeps_prose_and_drops_junk():
    rs = load_ruleset("gopher")
    df = pl.DataFrame({"text": [PROSE, "cheap shoes online sale " * 20, "- a\n- b\n- c"]})
    out = process_batch(rs.build(), df, "text")
    assert out.kept["text"].to_list() == [PROSE]
    assert out.rejected.height == 2


def test_c4_rule_set_strips_lines_then_judges_what_is_left():
    text = "Menu\n" + "\n".join(f"This is sentence number {n} of the page." for n in range(6))
    df = pl.DataFrame({"text": [text, "Menu\nOnly one sentence is here."]})
    out = process_batch(load_ruleset("c4").build(), df, "text")
    assert out.kept.height == 1 and not out.kept["text"][0].startswith("Menu")
    assert out.rejected["curate_dropped_by"].to_list() == [["too-few-sentences"]]


def test_every_quality_rule_documents_its_signals_and_sources():
    import dataclasses

    from curate.checks import all_rules

    rules = {n: c for n, c in all_rules().items() if c.family == "quality"}
    assert len(rules) == 18
    for name, cls in rules.items():
        doc = cls.__doc__ or ""
        assert "Signals:" in doc and "Why:" in doc and "Example:" in doc, name
        for f in dataclasses.fields(cls.Params):
            assert f.metadata["doc"] and f.metadata["source"], (name, f.name)


def test_signals_are_deterministic():
    texts = [PROSE, ID, ZH, JA, TH, RU, "", None]
    assert signals_for(texts) == signals_for(texts)


# lines repeat across the documents of a batch (menus, footers): the family tests each distinct
# line once; a document's counts must not depend on the others sharing its lines
SHARED = [
    "Home | News\nThe cat sat on the mat. It was happy.\nHome | News\n\nShare",
    "Share\nHome | News\nThe cat sat on the mat. It was happy.\nplease enable JavaScript",
    "Home | News",
    "",
    "The cat sat on the mat. It was happy.\nThe cat sat on the mat. It was happy.\n",
]


def test_counts_do_not_depend_on_documents_sharing_lines():
    together = signals_for(SHARED)
    for i, text in enumerate(SHARED):
        alone = signals_for([text])
        assert {k: v[i] for k, v in together.items()} == {k: v[0] for k, v in alone.items()}, i


@pytest.mark.parametrize("rule", ["unterminated-lines", "javascript-notice"])
def test_stripped_lines_do_not_depend_on_documents_sharing_lines(rule):
    together, _ = run_rule(rule, SHARED, action="strip")
    for i, text in enumerate(SHARED):
        alone, _ = run_rule(rule, [text], action="strip")
        assert together[i]["text"] == alone[0]["text"], i
    kept = {
        "unterminated-lines": "The cat sat on the mat. It was happy.",
        "javascript-notice": "Share\nHome | News\nThe cat sat on the mat. It was happy.",
    }
    assert together[1]["text"] == kept[rule]


def test_word_bits_of_documents_in_any_order_of_lines():
    # a document's set is the OR of its lines' sets, by runs when its lines are consecutive (as
    # in a batch) and one by one otherwise
    batch = Batch.from_texts(pl.Series(["the cat and the dog", "", "x y", "of The. And"]))
    words_ = ("and", "of", "the")
    want = [[0b101], [0], [0], [0b111]]
    assert _stop_word_bits(batch, words_).tolist() == want
    order = np.array([3, 0, 2, 1, 4, 5])[: batch.lines.height]
    shuffled = Batch(batch.docs, batch.lines[order], batch.corpus, {}, batch.original)
    assert _stop_word_bits(shuffled, words_).tolist() == want
    assert _bit_count(np.array(want, dtype=np.uint64)).tolist() == [2, 0, 0, 3]
    assert _word_bits(np.array([True] + [False] * 63 + [True])).tolist() == [1, 1]


def test_line_tokens_are_per_line_in_order_when_lines_repeat():
    # the contract repeated-paragraphs reads: `line` is each token's row, the first `kept`
    # tokens (whole pieces) in line order; pieces split again are listed by their line
    lines = pl.Series(["a b", "c", "a b", "x\ty 的", "c", "x\ty 的"])
    lt = line_tokens(lines)
    toks = lt.vocab["tok"].gather(lt.code[: lt.kept]).to_list()
    assert toks == ["a", "b", "c", "a", "b", "c"]
    assert lt.line[: lt.kept].tolist() == [0, 0, 1, 2, 2, 4]
    assert lt.split_line.tolist() == [3, 3, 5, 5]
    assert lt.words_per_line(len(lines)).tolist() == [2, 1, 2, 3, 1, 3]


# -- fast paths against their plain definitions ----------------------------------------------------


def test_line_tests_without_a_regex_or_with_a_prefilter_equal_the_plain_ones():
    lines = [
        "",
        "Wait...",
        "Wait…  ",
        "..",
        "a...b",
        "LOREM IPSUM dolor",
        "lorem\tipsum",
        "x市lorem ipsum",
        "Lorem Ipsum, lorem ipsum",
        "JavaScript",
        "\u212aJAVASCRİPT",
        "ja\u017fvascript",
        "Please enable javascript.",
        "tab\tJavaScript市",
    ]
    batch = Batch.from_texts(pl.Series(["\n".join(lines), "no such words here"]))
    distinct = _distinct(batch)[0]
    tokens = words.batch_line_tokens(batch)
    r = pl.col("l").str.strip_chars_end()
    frame = pl.DataFrame({"l": distinct}).select(
        (r.str.ends_with("...") | r.str.ends_with("…")).alias("fast"),
        r.str.contains(ELLIPSIS_END).alias("plain"),
    )
    assert frame["fast"].to_list() == frame["plain"].to_list()
    assert _lorem_ipsum(distinct, tokens).to_list() == (
        distinct.str.to_lowercase().str.count_matches("lorem ipsum", literal=True).to_list()
    )
    plain_js = distinct.str.to_lowercase().str.contains("javascript", literal=True)
    assert _javascript_lines(batch).to_list() == plain_js.gather(_distinct(batch)[1]).to_list()
    # and where the vocabulary holds neither word: nothing, without searching the lines
    none = Batch.from_texts(pl.Series(["plain text", "more of it"]))
    words.batch_line_tokens(none)
    assert not _javascript_lines(none).any()
    assert _lorem_ipsum(_distinct(none)[0], words.batch_line_tokens(none)).sum() == 0


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.lists(
            st.sampled_from(
                ["JavaScript", "javascrİpt", "LOREM", "Lorem", "ipsum", "IPſUM", "lorem", "Java"]
                + ["script", "x", " ", "  ", "\n", "\t", ".", "(", "的", "\u212a", "\u0307"]
            ),
            max_size=12,
        ).map("".join),
        max_size=6,
    )
)
def test_needle_in_the_vocabulary_is_never_missed(texts):
    # the vocabulary's bytes searched at once may say "maybe" wrongly, never "no" wrongly; the
    # counts per line it gates equal the plain ones
    batch = Batch.from_texts(pl.Series(texts, dtype=pl.String))
    tokens = words.batch_line_tokens(batch)
    vocab = tokens.vocab.get_column("tok")
    for needle in ("javascript", "lorem", "ipsum"):
        held = vocab.str.contains_any([needle], ascii_case_insensitive=True).any()
        assert _in_vocabulary(tokens, needle) or not held
    distinct = _distinct(batch)[0]
    assert _lorem_ipsum(distinct, tokens).to_list() == (
        distinct.str.to_lowercase().str.count_matches("lorem ipsum", literal=True).to_list()
    )
    plain_js = distinct.str.to_lowercase().str.contains("javascript", literal=True)
    assert _javascript_lines(batch).to_list() == plain_js.gather(_distinct(batch)[1]).to_list()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 2**40), st.integers(-1, 2**40) | st.sampled_from([0, 3, 7])),
        max_size=12,
    )
)
def test_shares_from_numpy_equal_the_polars_expression(pairs):
    num = np.array([a for a, _ in pairs], dtype=np.int64)
    den = np.array([b for _, b in pairs], dtype=np.int64)
    plain = pl.DataFrame({"n": num, "d": den}).select(_share(pl.col("n"), pl.col("d")))
    fast = _share_series("s", num, den)
    assert fast.dtype == pl.Float64
    assert fast.to_list() == plain.to_series().to_list()


@settings(max_examples=40, deadline=None)
@given(st.lists(FAST_TEXTS, min_size=1, max_size=5))
def test_unterminated_lines_reading_the_shared_counts_equal_counting_its_words_alone(texts):
    # with a quality rule after it, unterminated-lines reads the words from the counts the
    # statistics share (_line_counts); alone, it counts them itself
    rs = load_ruleset(
        {
            "name": "t",
            "rules": [
                {"rule": "unterminated-lines", "action": "flag", "min_words": 2},
                {"rule": "too-few-words", "action": "flag"},
            ],
        }
    )
    rule, later = rs.build()
    # lines whose words differ from their letter tokens or from their tokens
    texts = [*texts, "1 2.\n- | a.\na b.\nx 1"]
    results = []
    for after in ((), (later,)):
        batch = Batch.from_texts(pl.Series(texts, dtype=pl.String))
        batch.later = after
        results.append(rule.evaluate(batch))
        if after:
            assert _stats(batch).equals(_stats(Batch.from_texts(pl.Series(texts, dtype=pl.String))))
    alone, shared = results
    for name, values in alone.signals.items():
        assert values.equals(shared.signals[name]), name
    assert alone.remove.equals(shared.remove)


def test_newlines_from_the_lines_equal_counting_them_in_the_text():
    import random

    rng = random.Random(9)
    pool = ["", " ", "\t", "one line", "two words here", "x\r", "市场。"]
    texts = ["\n".join(rng.choice(pool) for _ in range(rng.randint(1, 8))) for _ in range(300)]
    batch = Batch.from_texts(pl.Series(texts))
    for _ in range(3):  # strips in a row, each removing random lines
        keep = np.array([rng.random() < 0.7 for _ in range(batch.lines.height)])
        batch = strip_lines(batch, keep)
        chars = batch.text.str.len_chars().to_numpy()
        # the distinct lines some line refers to, as the statistics pass them
        distinct, inverse, _ = _referenced(batch)
        got = _newlines(batch, chars, distinct.str.len_chars().to_numpy(), inverse)
        assert got.tolist() == batch.text.str.count_matches("\n", literal=True).to_list()
    assert (batch.text != pl.Series(texts)).any()


def test_stop_word_counts_per_language_match_the_plain_definition():
    # every document judged by its language's list (the union for no language; none for "und"
    # or a language without a list), counted the plain way: distinct whole tokens, lower-cased,
    # edge punctuation removed; Chinese, Japanese and Thai words as substrings of the text
    lists = stop_words()
    texts = [PROSE, ID, RU, ZH, JA, TH, "Der Hund und die Katze.", "", "x y z", PROSE, ID, ZH]
    langs = ["en", "id", "ru", "zh", "ja", "th", "de", "en", "sw", None, "und", "en"]
    batch = Batch.from_texts(pl.Series(texts))
    batch.signals["language"] = pl.Series(langs, dtype=pl.String)
    rs = load_ruleset({"name": "t", "rules": [{"rule": "no-stop-words", "action": "flag"}]})
    got = rs.build()[0].evaluate(batch).signals["stop_words"].to_list()
    union = {w for c, ws in lists.items() if c not in ("ja", "th", "zh") for w in ws}
    frame = token_frame(batch.docs)
    for i, (text, lang) in enumerate(zip(texts, langs, strict=True)):
        key = "*" if lang is None else lang
        if (
            key != "*"
            and key not in lists
            or not frame.filter(pl.col("__doc") == i)["is_word"].any()
        ):
            assert got[i] is None, i
            continue
        low = set(frame.filter(pl.col("__doc") == i)["low"].to_list())
        spaced = (
            union if key == "*" else set(lists[key]) if key not in ("ja", "th", "zh") else set()
        )
        want = len(low & spaced)
        for code in ("ja", "th", "zh"):
            if key in ("*", code):
                want += sum(1 for w in set(lists[code]) if w in text)
        assert got[i] == want, (i, lang)
    assert got[0] and got[3] and got[9] and got[10] is None


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_statistics_after_a_strip_equal_those_of_the_remaining_lines_alone(seed):
    # after a strip, the memo's distinct lines include some no line refers to: the statistics
    # and unterminated-lines test only the others, and say what a batch of the remaining lines
    # alone (no memo carried across the strip) says
    import random

    rng = random.Random(seed)
    pool = ["", "  ", "Home | News", "The cat sat. It was happy.", "Wait...", "- item", "#x {y}"]
    pool += ["市场。价格", "one two\tthree.", "Lorem ipsum dolor.", "“Quoted.”  ", "a b c d e"]
    # a line of the pool repeats, or is made distinct by a number (then a strip may remove it)
    texts = [
        "\n".join(rng.choice(pool) + rng.choice(["", f" {i}"]) for i in range(rng.randint(0, 9)))
        for _ in range(60)
    ]
    batch = Batch.from_texts(pl.Series(texts))
    words.batch_line_tokens(batch)  # the shared memos, computed before the strip
    keep = np.array([rng.random() < 0.6 for _ in range(batch.lines.height)])
    after = strip_lines(batch, keep)
    alone = Batch(after.docs, after.lines, after.corpus, after.signals, after.original)
    assert _referenced(after)[2] is not None and _referenced(alone)[2] is None
    assert _stats(after).equals(_stats(alone))
    rs = load_ruleset({"name": "t", "rules": [{"rule": "unterminated-lines", "action": "flag"}]})
    rule = rs.build()[0]
    a, b = rule.evaluate(after), rule.evaluate(alone)
    for name, values in a.signals.items():
        assert values.equals(b.signals[name]), name
    assert a.remove.equals(b.remove)


@settings(max_examples=80, deadline=None)
@given(st.lists(FAST_TEXTS, min_size=1, max_size=5))
def test_sentence_ends_of_the_vocabulary_equal_counting_sentence_in_each_string(texts):
    # (with the strings the split reads from their characters, whose sentence terminals it
    # notes, `LineTokens.terminal_free`, and without)
    for table_min in (words._TABLE_MIN, 1):
        saved = words._TABLE_MIN, words._TABLE_REUSE
        words._TABLE_MIN, words._TABLE_REUSE = table_min, False
        try:
            lt = words.batch_line_tokens(Batch.from_texts(pl.Series(texts, dtype=pl.String)))
        finally:
            words._TABLE_MIN, words._TABLE_REUSE = saved
        want = lt.vocab["tok"].str.count_matches(SENTENCE).to_list()
        assert _sentence_ends(lt).tolist() == want, table_min


def test_every_match_of_sentence_holds_a_sentence_terminal():
    # `LineTokens.terminal_free` strings count no sentence: SENTENCE's first alternative starts
    # with SENTENCE_TERMINAL, and the characters of its second are terminals too
    assert SENTENCE.startswith(words.SENTENCE_TERMINAL + "+")
    second = SENTENCE.rsplit("|", 1)[1]
    assert second.startswith("[") and second.endswith("]+")
    chars = pl.Series(list(second[1:-2]), dtype=pl.String)
    assert chars.str.contains(f"^{words.SENTENCE_TERMINAL}$").all()


def test_sentence_ends_on_closing_characters_and_other_whitespace():
    texts = ["a.) b.'\" c.x d... e!? f.]} g(.) h.\tx. (i) j?»", "k。l 的。 m.\u00a0n.", ""]
    # runs of closing characters longer than the bytes read one by one from the end, and
    # strings of closing characters alone
    texts += ["o.)))))))) p?\"'')]}) q)))))))))) ) '' r.'\" s\"')))))).)", "t. ) u! '' v? )]"]
    lt = words.batch_line_tokens(Batch.from_texts(pl.Series(texts)))
    want = lt.vocab["tok"].str.count_matches(SENTENCE).to_list()
    assert _sentence_ends(lt).tolist() == want
    assert sum(want) >= 14


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["a b", "c", "", " ", "a b ", "市场", "c"]), max_size=7)))
def test_duplicated_line_chars_equal_the_plain_definition(docs):
    # the characters of each non-blank line equal to an earlier non-blank line of its document
    texts = ["\n".join(lines) for lines in docs] or [""]
    want = []
    for text in texts:
        seen: set[str] = set()
        total = 0
        for line in text.split("\n"):
            if line.strip():
                total += len(line) if line in seen else 0
                seen.add(line)
        want.append(total)
    assert signals_for(texts)["dup_line_chars"] == want


def test_statistics_of_lines_in_any_order_equal_those_in_document_order():
    # per-document sums go by runs of a document's lines when they are consecutive (a batch),
    # else one line at a time: both give the same
    texts = ["a b.\n# x {\nWait...\n\n- item", "", "lorem ipsum.\na b.\na b.", "市场。 x"]
    batch = Batch.from_texts(pl.Series(texts))
    order = np.random.default_rng(5).permutation(batch.lines.height)
    shuffled = Batch(batch.docs, batch.lines[order], batch.corpus, {}, batch.original)
    assert not np.all(np.diff(shuffled.doc_of_line()) >= 0)
    assert _stats(shuffled).equals(_stats(batch))


def test_javascript_lines_after_strips_equal_a_search_of_the_remaining_lines():
    # the answer per distinct line is computed on the lines a stripped batch still refers to,
    # and read again after a later strip (which only removes lines)
    import random

    rng = random.Random(4)
    pool = ["", "Enable JavaScript.", "javascript:void(0)", "JAVA SCRIPT", "x", "Home | News"]
    # (numbered: most lines distinct, so that a strip leaves distinct lines nobody refers to)
    texts = [
        "\n".join(f"{rng.choice(pool)} {rng.randint(0, 99)}" for _ in range(rng.randint(1, 6)))
        for _ in range(100)
    ]
    batch = Batch.from_texts(pl.Series(texts))
    words.batch_distinct_lines(batch)  # the distinct lines before the strips, kept across them
    for step in range(3):
        keep = np.array([rng.random() < 0.7 for _ in range(batch.lines.height)])
        batch = strip_lines(batch, keep)
        if step == 0:
            first = _javascript_lines(batch)  # computed here, carried across the next strips
            assert first.len() == batch.lines.height
        lines = batch.lines.get_column("line")
        want = lines.str.to_lowercase().str.contains("javascript", literal=True)
        assert _javascript_lines(batch).to_list() == want.to_list()
