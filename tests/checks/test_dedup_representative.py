"""duplicate-documents keeps no copy of a cluster whose representative another rule drops, as its
documentation says, and the two-run recipe it gives keeps one copy of the documents that pass."""

from __future__ import annotations

import polars as pl

import curate.api
from curate.checks.dedup import DuplicateDocuments

# a teaser (too short for too-few-words) and the full story, which starts with the same words
TEASER = (
    "The harbour authority said on Monday that the old ferry terminal will close for repairs "
    "in March, and passengers will board at the north pier until the work ends."
)
FULL = TEASER + " The bus from the station will stop there every twenty minutes, it said."
DEDUP = {"rule": "duplicate-documents", "action": "drop"}
SHORT = {"rule": "too-few-words", "action": "drop", "min_words": 30}


def test_a_dropped_representative_takes_the_whole_cluster_with_it():
    out = curate.api.clean(
        pl.DataFrame({"text": [TEASER, FULL]}), {"name": "t", "rules": [SHORT, DEDUP]}
    )
    assert out["train"].height == 0
    teaser, full = out["rejected"].to_dicts()
    assert teaser["curate_dropped_by"] == ["too-few-words"]
    assert full["curate_dropped_by"] == ["duplicate-documents"]
    assert full["curate_duplicate_of"] == "<memory>:1"  # the teaser, itself rejected


def test_filtering_first_then_deduplicating_keeps_one_copy():
    first = curate.api.clean(
        pl.DataFrame({"text": [TEASER, FULL]}), {"name": "f", "rules": [SHORT]}
    )
    second = curate.api.clean(first["train"].select("text"), {"name": "d", "rules": [DEDUP]})
    assert second["train"]["text"].to_list() == [FULL]


def test_the_documentation_says_so():
    doc = " ".join(DuplicateDocuments.__doc__.split())
    assert "no copy of the cluster is kept" in doc
    assert "deduplicate the `train` split" in doc
