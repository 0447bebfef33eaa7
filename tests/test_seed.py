"""The canonical dirty document (../shared/data/seeds) through the real CLI, as DESIGN.md says."""

from __future__ import annotations

import json

from datasets import load_from_disk

from tests.conftest import curate_cli, shared, write_rules


def test_seed_article_cleaned(tmp_path):
    seeds = shared("seeds")
    raw = next(seeds.glob("*.txt")).read_text()
    res = curate_cli(
        "run",
        seeds,
        "--rules",
        "default",
        "--out",
        tmp_path / "out",
        "--report-dir",
        tmp_path / "rep",
    )
    assert res.returncode == 0, res.stderr
    out = load_from_disk(str(tmp_path / "out"))
    assert set(out) == {"train", "rejected"}
    assert len(out["train"]) == 1 and len(out["rejected"]) == 0
    row = out["train"][0]
    lines = [ln.strip() for ln in row["text"].splitlines()]
    assert "A" not in lines
    assert lines[0] == raw.splitlines()[0]  # the title is kept
    for para in {ln.strip() for ln in raw.splitlines() if len(ln) > 80}:
        assert row["text"].count(para) == 1, para[:40]
    assert "boilerplate-lines" in row["curate_flags"]
    assert "repeated-paragraphs" in row["curate_flags"]
    assert "truncated-text" not in row["curate_flags"]
    assert row["curate_language"] == "id"
    report = json.loads((tmp_path / "rep" / "report.json").read_text())
    assert report["languages"] == {"id": 1}
    docs = report["documents"]
    assert docs["input"] == docs["kept"] + docs["dropped"] + docs["unreadable"] == 1


def test_seed_expecting_english_is_flagged(tmp_path):
    seeds = shared("seeds")
    rules = write_rules(
        tmp_path / "en.yaml",
        "name: en\nrules:\n  - rule: language-mismatch\n    action: flag\n    expected: [en]\n",
    )
    res = curate_cli(
        "run", seeds, "--rules", rules, "--out", tmp_path / "out", "--report-dir", tmp_path / "rep"
    )
    assert res.returncode == 0, res.stderr
    row = load_from_disk(str(tmp_path / "out"))["train"][0]
    assert row["curate_flags"] == ["language-mismatch"]
    assert row["curate_language"] == "id"
