"""Stop words across languages: how often `no-stop-words` fires on OSCAR's samples in 166
languages (documents of 50+ words), with Gopher's English list, the union of the shipped lists,
and the list of the language `language-mismatch` detects.

    PYTHONPATH=. /work/main/.venv/bin/python bench/quality_stopwords_oscar.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import polars as pl

from curate.checks.words import stop_words
from curate.config import load_ruleset
from curate.pipeline import process_batch

DATA = Path(os.environ.get("CURATE_SHARED_DATA", "/work/shared/data"))
OSCAR = DATA / "webcrawl" / "oscar2019_samples_166_languages" / "oscar2019_samples.jsonl"
GOPHER_STOP_WORDS = ["the", "be", "to", "of", "and", "that", "have", "with"]


def main() -> None:
    rows = [json.loads(line) for line in OSCAR.open(encoding="utf-8")]
    df = pl.DataFrame({"text": [r["text"] for r in rows], "lang": [r["lang"] for r in rows]})
    shipped = list(stop_words())
    words = {"rule": "too-few-words", "action": "flag"}
    setups = {
        "Gopher's English list": [
            words,
            {"rule": "no-stop-words", "action": "flag", "stop_words": GOPHER_STOP_WORDS},
        ],
        "union of shipped lists": [words, {"rule": "no-stop-words", "action": "flag"}],
        "detected language": [
            {"rule": "language-mismatch", "action": "flag"},
            words,
            {"rule": "no-stop-words", "action": "flag"},
        ],
    }
    for name, rules in setups.items():
        out = process_batch(load_ruleset({"name": "t", "rules": rules}).build(), df, "text")
        frame = pl.concat([out.kept, out.rejected], how="diagonal_relaxed")
        long = frame.filter(~pl.col("curate_flags").list.contains("too-few-words"))
        fires = long["curate_flags"].list.contains("no-stop-words")
        covered = long.filter(pl.col("lang").is_in(shipped))
        print(
            f"{name:24s} docs with 50+ words: {long.height}; no-stop-words fires: "
            f"{int(fires.sum())}; not judged: {long['curate_stop_words'].null_count()}; "
            f"in a shipped language: {covered.height} docs, fires on "
            f"{int(covered['curate_flags'].list.contains('no-stop-words').sum())}"
        )


if __name__ == "__main__":
    main()
