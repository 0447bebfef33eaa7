"""report.json: every key documented in docs/report-schema.md; bounded whatever the corpus size."""

from __future__ import annotations

import re
from pathlib import Path

from curate.config import load_ruleset
from curate.engine import RunResult
from curate.report.build import MAX_LINE_CHARS, MAX_TOP_LINES, build_report
from curate.stats import RunStats
from tests.report.helpers import real_report

SCHEMA_DOC = Path(__file__).resolve().parents[2] / "docs" / "report-schema.md"


def _keys(r: dict) -> set[str]:
    rule = next(iter(r["rules"].values()))
    keys = set(r) | set(r["run"]) | set(r["run"]["ruleset"]) | set(rule) | set(rule["signal"])
    keys |= set(rule["examples"][0]) | set(r["lengths"]) | set(r["unreadable"])
    keys |= (
        set(r["unreadable"]["rows"][0]) | {k for g in r["gates"] for k in g} | set(r["documents"])
    )
    return keys | set(r["characters"])


def test_every_key_is_documented():
    doc = SCHEMA_DOC.read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z_]+)`", doc)) | set(re.findall(r"\{([a-z_, ]+)\}", doc))
    documented = {k.strip() for part in documented for k in part.split(",")}
    missing = sorted(k for k in _keys(real_report()) if k not in documented)
    assert not missing, f"add to docs/report-schema.md: {missing}"
    assert "version 1" in doc.splitlines()[0]


def test_repeated_lines_are_capped():
    stats = RunStats(input=3, kept=3)
    stats.corpus = {
        "boilerplate-lines": {
            "top_lines": [{"text": "x" * 10_000, "documents": 3} for _ in range(5000)],
            "recurring": 5000,
        }
    }
    result = RunResult(
        stats=stats,
        seconds=0.0,
        shards=1,
        inputs=["x"],
        skipped_files=[f"f{i}.bin" for i in range(5000)],
    )
    r = build_report(result, load_ruleset("default"), name="big", command="curate report")
    lines = r["corpus"]["boilerplate-lines"]["top_lines"]
    assert len(lines) == MAX_TOP_LINES and len(lines[0]["text"]) == MAX_LINE_CHARS
    assert r["corpus"]["boilerplate-lines"]["recurring"] == 5000
    assert len(r["skipped_files"]) == 1000 and r["skipped_count"] == 5000
    assert stats.corpus["boilerplate-lines"]["top_lines"][0]["text"] == "x" * 10_000  # untouched


def test_the_largest_clusters_listed_are_the_first_in_line_order():
    """12 clusters of 2: the 10 listed are those of rows 1 to 10 (not 1-7, 10, 11, 12)."""
    import polars as pl

    import curate

    texts = [
        f"Document number {i} is about topic{i}, with words alpha{i} beta{i} gamma{i} delta{i} "
        "and enough other words after them to make a few shingles."
        for i in range(12)
    ]
    rules = {"name": "d", "rules": [{"rule": "duplicate-documents", "action": "drop"}]}
    r = curate.evaluate(pl.DataFrame({"text": texts + texts}), rules)
    listed = [x["representative"] for x in r["corpus"]["duplicate-documents"]["largest"]]
    assert listed == [f"<memory>:{i}" for i in range(1, 11)]
