"""no-stop-words on text in a language no shipped list covers: not judged (null), never fired.

The union of the shipped lists holds no Armenian or Georgian word: judging such prose by it drops
every document of those languages under a reason ("no stop words") that names the wrong cause.
"""

from __future__ import annotations

import polars as pl

from curate.checks.base import Batch
from curate.config import load_ruleset
from curate.pipeline import process_batch
from tests.checks.helpers import run_rule

# hand-written prose in scripts that none of the shipped lists is written in
ARMENIAN = (
    "Երևանի քաղաքային խորհուրդը երկուշաբթի հավաքվեց՝ քննարկելու նոր բյուջեն։ Բնակիչները "
    "հարցեր տվեցին դպրոցների և ճանապարհների մասին, և քաղաքապետը ասաց, որ որոշումները "
    "հեշտ չեն լինելու։"
)
GEORGIAN = (
    "თბილისის საკრებულო ორშაბათს შეიკრიბა ახალი ბიუჯეტის განსახილველად. მოქალაქეებმა "
    "დასვეს კითხვები სკოლებისა და გზების შესახებ, და მერმა თქვა, რომ გადაწყვეტილებები "
    "ადვილი არ იქნება."
)
KEYWORDS = "cheap shoes online discount sneakers sale boots"
PROSE = (
    "The city council met on Monday evening to discuss the new budget for the coming year. "
    "The mayor said that the council would have to make difficult choices."
)


def _no_stop_words(texts: list[str], langs: list[str | None] | None) -> dict[str, list]:
    rs = load_ruleset({"name": "t", "rules": [{"rule": "no-stop-words", "action": "flag"}]})
    batch = Batch.from_texts(pl.Series(texts))
    if langs is not None:
        batch.signals["language"] = pl.Series(langs, dtype=pl.String)
    result = rs.build()[0].evaluate(batch)
    return {
        "stop_words": result.signals["stop_words"].to_list(),
        "list": result.signals["stop_words_list"].to_list(),
        "fired": result.fired.to_list(),
    }


def test_und_is_not_judged():
    # `und`: the detector could not tell the language (too short, too mixed, or one it does not
    # know): there is no list to judge it by, as for a detected language without a list
    got = _no_stop_words([ARMENIAN, GEORGIAN, KEYWORDS, PROSE], ["und", "und", "und", "en"])
    assert got["stop_words"][:3] == [None, None, None]
    assert got["list"] == [None, None, None, "en"]
    assert got["fired"] == [None, None, None, False]


def test_without_a_language_signal_text_in_an_uncovered_script_is_not_judged():
    # no language-mismatch in the rule set: the union of the lists judges the text, unless most
    # of its words are in a script none of the lists is written in
    mostly = ARMENIAN + " the and of"  # three English stop words among 25 Armenian words
    got = _no_stop_words([ARMENIAN, GEORGIAN, mostly, KEYWORDS, PROSE], None)
    assert got["stop_words"][:3] == [None, None, None]
    assert got["list"] == [None, None, None, "*", "*"]
    assert got["fired"] == [None, None, None, True, False]


def test_mostly_covered_text_with_a_few_uncovered_words_is_still_judged():
    # an English keyword list with an Armenian and a Georgian word in it is English text
    salad = KEYWORDS + " Երևան თბილისი"
    got = _no_stop_words([salad], None)
    assert got == {"stop_words": [0], "list": ["*"], "fired": [True]}


def test_web_rule_set_does_not_drop_armenian_or_georgian_prose_for_its_stop_words():
    rs = load_ruleset(
        {
            "name": "t",
            "rules": [
                {"rule": "language-mismatch", "action": "flag"},
                {"rule": "no-stop-words", "action": "drop"},
            ],
        }
    )
    out = process_batch(rs.build(), pl.DataFrame({"text": [ARMENIAN, GEORGIAN, PROSE]}), "text")
    assert out.rejected.height == 0
    assert out.kept["curate_language"].to_list() == ["und", "und", "en"]
    assert out.kept["curate_stop_words"].to_list()[:2] == [None, None]


def test_the_rule_run_alone_on_armenian_does_not_fire():
    rows, _ = run_rule("no-stop-words", [ARMENIAN, GEORGIAN, KEYWORDS])
    assert ["no-stop-words" in r["curate_flags"] for r in rows] == [False, False, True]


def test_every_shipped_stop_word_begins_in_a_covered_script():
    # a list in a script COVERED_SCRIPTS leaves out would have its own language's text set aside
    import re

    from curate.checks.quality import COVERED_SCRIPTS, UNCOVERED_FIRST_LETTER
    from curate.checks.words import stop_words

    words = pl.Series([w for ws in stop_words().values() for w in ws])
    assert not words.str.contains(UNCOVERED_FIRST_LETTER).any()
    assert (
        pl.Series(["Երևան", "თბილისი", "ελλάδα", "שלום"]).str.contains(UNCOVERED_FIRST_LETTER).all()
    )
    assert all(re.fullmatch(r"[A-Z][a-z]+", name) for name in COVERED_SCRIPTS)


def test_a_detected_language_does_not_judge_text_mostly_in_another_script():
    # the trial: an Armenian document with a few Latin letters in it was detected as Ukrainian
    # (0.92) and judged by the Ukrainian list, which can hold none of its words
    got = _no_stop_words([ARMENIAN, "«DNA 15-15» " + GEORGIAN, PROSE], ["uk", "en", "en"])
    assert got["stop_words"][:2] == [None, None]
    assert got["list"] == [None, None, "en"]
    assert got["fired"] == [None, None, False]
