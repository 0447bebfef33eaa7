"""Property tests: any Unicode text, any rule. Nothing crashes, nothing is lost, and strip only
removes what it reports."""

from __future__ import annotations

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curate.checks import all_rules
from curate.config import load_ruleset
from curate.pipeline import process_batch

# Arrow strings are UTF-8: lone surrogates cannot reach a rule (readers count such rows as
# unreadable), so the alphabet is every code point but surrogates.
CHARS = st.characters(blacklist_categories=("Cs",))
LINE = st.one_of(
    st.text(CHARS, max_size=80),
    st.sampled_from(
        [
            "A",
            "A A A",
            "Baca juga: x",
            "Read more...",
            "",
            "   ",
            "\u200f\u05d0\u05d1",
            "e\u0301\u0301",
            "👍🏽" * 5,
            "中文句子。",
            "x" * 3000,
            "(esn)",
            "…",
        ]
    ),
)
TEXT = st.lists(LINE, max_size=12).map("\n".join)
DOCS = st.lists(TEXT, min_size=1, max_size=6)


def full_ruleset(action_for_strip: str = "strip"):
    rules = []
    for name, cls in all_rules().items():
        if cls.needs_corpus:
            continue  # corpus rules need the two-pass engine; covered by the pipeline tests
        action = action_for_strip if "strip" in cls.actions else "flag"
        spec = {"rule": name, "action": action}
        if name == "pattern-lines":
            spec["patterns"] = ["^Read more", "(a+)+$"]
        rules.append(spec)
    return load_ruleset({"name": "all", "rules": rules})


STRIP_ALL = full_ruleset("strip")
DROP_ALL = full_ruleset("drop")


def run(ruleset, texts):
    df = pl.DataFrame({"i": list(range(len(texts))), "text": pl.Series(texts, dtype=pl.String)})
    return process_batch(ruleset.build(), df, "text")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCS)
def test_every_document_is_kept_or_rejected_once(texts):
    for rs in (STRIP_ALL, DROP_ALL):
        out = run(rs, texts)
        ids = sorted(out.kept["i"].to_list() + out.rejected["i"].to_list())
        assert ids == list(range(len(texts)))
        assert out.stats.input == out.stats.kept + out.stats.dropped == len(texts)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCS)
def test_strip_removes_only_the_lines_it_reports(texts):
    out = run(STRIP_ALL, texts)
    removed = (
        out.removed
        if out.removed is not None
        else pl.DataFrame(schema={"__doc": pl.UInt32, "__off": pl.UInt32, "len": pl.UInt32})
    )
    for row in out.kept.iter_rows(named=True):
        i = row["i"]
        original = texts[i]
        spans = removed.filter(pl.col("__doc") == i).select("__off", "len").rows()
        # rebuild the text from the original minus the reported spans (whole lines)
        expected, pos = [], 0
        for off, ln in sorted(spans):
            expected.append(original[pos:off])
            pos = off + ln
        expected.append(original[pos:])
        kept_lines = [ln for ln in "".join(expected).split("\n") if ln.strip()]
        out_lines = [ln for ln in row["text"].split("\n") if ln.strip()]
        # strip never adds text and never removes text outside the spans it reports; only blank
        # lines left behind by a removal are tidied
        assert out_lines == kept_lines
        assert len(row["text"]) <= len(original)
        if not spans:
            assert row["text"] == original


def test_an_empty_batch_passes_every_rule():
    # a batch of no documents (the CLI and curate.evaluate skip empty batches; a library caller
    # of process_batch need not) went through flag and drop, but javascript-notice's strip built
    # its line mask as a Null-typed Series and crashed
    for ruleset in (STRIP_ALL, DROP_ALL):
        out = run(ruleset, [])
        assert out.kept.height == 0 and out.rejected.height == 0
        assert out.stats.input == 0
