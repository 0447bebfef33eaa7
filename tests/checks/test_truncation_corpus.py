"""truncated-text with `corpus_dictionary`: the corpus as the dictionary of the mid-word test."""

from __future__ import annotations

import polars as pl
import pytest

import curate
from curate.checks.base import Batch
from curate.checks.truncation import END_CHARS
from curate.config import load_ruleset

RULE = "truncated-text"
# documents that use "validation" whole; none of them ends in a cut word
CORPUS = [
    f"Study {i} describes a validation of the method. The validation used new data."
    for i in range(6)
]
CUT = "The component is involved in the discovery and validatio"
WHOLE = "The component is involved in the discovery and validation"


def spec(**params) -> dict:
    # the strict point: only strong evidence fires, so the mid-word signal decides
    rule = {"rule": RULE, "action": "flag", "missing_stop_fires": False, **params}
    return {"name": "t", "rules": [rule]}


def judged(texts: list[str | None], **params) -> list[dict]:
    df = pl.DataFrame({"i": list(range(len(texts))), "text": pl.Series(texts, dtype=pl.String)})
    out = curate.clean(df, spec(**params))
    rows = pl.concat([out["train"], out["rejected"]], how="diagonal_relaxed").sort("i")
    return rows.select("curate_truncated", "curate_truncated_mid_word").to_dicts()


def test_a_word_the_corpus_only_knows_longer_is_cut():
    texts = [*CORPUS, CUT, WHOLE]
    on = judged(texts, corpus_dictionary=True)
    assert on[-2] == {"curate_truncated": True, "curate_truncated_mid_word": True}
    assert on[-1] == {"curate_truncated": False, "curate_truncated_mid_word": False}
    # off by default: the document alone does not hold "validation", so nothing fires
    off = judged(texts)
    assert not off[-2]["curate_truncated"] and not off[-2]["curate_truncated_mid_word"]


def test_a_word_seen_whole_often_enough_is_not_cut():
    # "valid" starts "validation" 12 times and occurs whole 3 times: below 10 to 1 it stands
    texts = [*CORPUS, "It is valid.", "It is valid.", "It is valid.", "The ticket is valid"]
    assert not judged(texts, corpus_dictionary=True)[-1]["curate_truncated"]
    assert judged(texts, corpus_dictionary=True, corpus_prefix_ratio=2.0)[-1]["curate_truncated"]


def test_the_documents_own_words_do_not_count():
    # a single document: its own "validations" are no evidence against its last word
    text = "The validations were long. Two validations failed. We did one validation"
    assert judged([text], corpus_dictionary=True) == [
        {"curate_truncated": False, "curate_truncated_mid_word": False}
    ]


def test_empty_missing_and_unspaced_scripts_never_fire():
    texts = [*CORPUS, "", "   ", "这是一个完整的句子。研究", "Студия провела валидацию"]
    rows = judged(texts, corpus_dictionary=True)[len(CORPUS) :]
    assert len(rows) == 4
    for row in rows:
        assert not row["curate_truncated"] and not row["curate_truncated_mid_word"]
    # a missing text is not judged at all: it comes back in the unreadable split
    df = pl.DataFrame({"text": pl.Series([*CORPUS, None], dtype=pl.String)})
    with pytest.warns(UserWarning, match="unreadable"):
        out = curate.clean(df, spec(corpus_dictionary=True))
    assert out["unreadable"].height == 1


def test_word_counts_merge_in_any_order():
    rule = load_ruleset(spec(corpus_dictionary=True)).build()[0]
    texts = [*CORPUS, CUT, WHOLE, "Another page about validating data"]
    parts = [rule.collect(Batch.from_texts(pl.Series(texts[i::3]))) for i in range(3)]
    whole = rule.finish(rule.collect(Batch.from_texts(pl.Series(texts))))
    forward = rule.finish(rule.merge(rule.merge(parts[0], parts[1]), parts[2]))
    backward = rule.finish(rule.merge(None, rule.merge(parts[2], rule.merge(parts[1], parts[0]))))
    for got in (forward, backward):
        assert got["spikes"] == whole["spikes"]
        for table in ("whole", "prefix"):
            assert got["words"][table].sort("h").equals(whole["words"][table].sort("h"))


def test_off_by_default_the_corpus_pass_counts_no_words():
    rule = load_ruleset(spec()).build()[0]
    finished = rule.finish(rule.collect(Batch.from_texts(pl.Series([*CORPUS, CUT]))))
    assert finished == {"spikes": []}


def _plain(texts: list[str], ratio: float = 10.0) -> list[bool]:
    """The plain definition: count every word and every 2-12 letter start of a longer word over
    all texts, take each text's own out, and compare for its last word."""
    import collections
    import re

    word = re.compile(r"[^\W\d_]+")
    own = [collections.Counter(w.lower() for w in word.findall(t)) for t in texts]
    whole: collections.Counter[str] = collections.Counter()
    for c in own:
        whole.update(c)

    def starts(counts: collections.Counter[str], w: str) -> int:
        return sum(n for v, n in counts.items() if len(v) > len(w) and v.startswith(w))

    out = []
    for t, mine in zip(texts, own, strict=True):
        m = re.search(r"(?:^|[\s\"'“‘(\[¿¡])([^\W\d_]{2,})$", t)
        if not m or len(m.group(1)) > 12:
            out.append(False)
            continue
        w = m.group(1).lower()
        others_whole = whole[w] - mine[w]
        others_prefix = starts(whole, w) - starts(mine, w)
        out.append(others_prefix > 0 and others_prefix > ratio * others_whole)
    return out


def test_the_fast_path_matches_the_plain_definition():
    import random

    rng = random.Random(6)
    vocab = [
        "valid",
        "validation",
        "valida",
        "the",
        "there",
        "them",
        "and",
        "android",
        "cat",
        "cats",
        "catalogue",
        "pro",
        "program",
        "programs",
        "progress",
        "sa",
        "said",
        "sat",
    ]
    texts = []
    for _ in range(120):
        words = [rng.choice(vocab) for _ in range(rng.randint(1, 12))]
        text = " ".join(words)
        if rng.random() < 0.5:  # cut inside the last word
            text = text[: len(text) - rng.randint(1, 3)]
        texts.append(text)
    rule = load_ruleset(spec(corpus_dictionary=True)).build()[0]
    batch = Batch.from_texts(pl.Series(texts))
    batch.corpus = {RULE: rule.finish(rule.collect(batch))}
    got = rule._corpus_mid_word(batch, batch.text.str.tail(END_CHARS)).to_list()
    assert got == _plain(texts)
    assert 5 < sum(got) < len(texts) - 5  # both verdicts occur
