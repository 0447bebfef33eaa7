"""expected_column: a language's name counts as its code; a value that names no language leaves
the row unjudged and says so in `curate_expected_language_unknown`."""

from __future__ import annotations

import polars as pl

from curate.config import load_ruleset
from curate.pipeline import process_batch

INDONESIAN = (
    "Panitia bertemu pada hari Jumat dan sepakat untuk menaikkan dana perpustakaan kota, kata "
    "ketuanya kepada wartawan setelah pemungutan suara. Ruang baca yang baru akan dibuka pada "
    "musim semi, dan ruang lama akan dipakai untuk acara anak-anak dan kunjungan sekolah."
)
ENGLISH = (
    "The committee met on Friday and agreed to raise the grant for the library by a fifth, "
    "its chair told reporters after the vote. The new reading room will open in the spring."
)


def _run(langs: list[str | None], texts: list[str]) -> pl.DataFrame:
    rs = load_ruleset(
        {
            "name": "t",
            "rules": [{"rule": "language-mismatch", "action": "drop", "expected_column": "lang"}],
        }
    )
    df = pl.DataFrame({"i": list(range(len(texts))), "text": texts, "lang": langs})
    out = process_batch(rs.build(), df, "text")
    return pl.concat(
        [
            out.kept.with_columns(pl.lit(False).alias("dropped")),
            out.rejected.with_columns(pl.lit(True).alias("dropped")),
        ]
    ).sort("i")


def test_a_language_name_counts_as_its_code():
    rows = _run(
        ["id", "Indonesian", "indonesian", "id"], [INDONESIAN, INDONESIAN, INDONESIAN, ENGLISH]
    )
    assert rows["dropped"].to_list() == [False, False, False, True]
    assert rows["curate_expected_language_unknown"].to_list() == [None] * 4


def test_a_value_that_names_no_language_is_not_judged_and_shown():
    rows = _run(["klingon", "xx", None], [INDONESIAN, ENGLISH, ENGLISH])
    assert rows["dropped"].to_list() == [False, False, False]
    assert rows["curate_expected_language_unknown"].to_list() == ["klingon", "xx", None]


def test_known_and_unknown_values_in_any_order():
    # a batch whose first value names a language and a later one does not crashed the run
    # (polars could not build the signal from numpy's object array: exit 3)
    rows = _run(["id", "unknown", "en", "N/A"], [INDONESIAN, INDONESIAN, ENGLISH, ENGLISH])
    assert rows["dropped"].to_list() == [False, False, False, False]
    assert rows["curate_expected_language_unknown"].to_list() == [None, "unknown", None, "N/A"]


def test_a_language_name_of_two_words_counts_as_its_code():
    # "Scottish Gaelic" is one language, not the two values "Scottish" and "Gaelic"
    rows = _run(["Scottish Gaelic", "id, en"], [ENGLISH, INDONESIAN])
    assert rows["curate_expected_language_unknown"].to_list() == [None, None]
    assert rows["dropped"].to_list() == [True, False]
