"""The dataset card: metadata that huggingface_hub's card loader parses, then the quality
summary."""

from __future__ import annotations

import pytest

from curate.report.card import card_languages, render_card
from tests.conftest import curate_cli, write_jsonl
from tests.report.helpers import real_report

huggingface_hub = pytest.importorskip("huggingface_hub")


def test_card_metadata_parses(tmp_path):
    r = real_report()
    text = render_card(r, "hf")
    card = huggingface_hub.DatasetCard(text)
    meta = card.data.to_dict()
    assert meta["language"] == ["en", "id"]
    assert meta["multilinguality"] == "multilingual"
    assert meta["size_categories"] == ["n<1K"]
    assert meta["configs"][0]["data_files"][0] == {"split": "train", "path": "train/*.arrow"}
    path = tmp_path / "README.md"
    path.write_text(text, encoding="utf-8")
    assert huggingface_hub.repocard.metadata_load(path) == meta
    # the body: how the data was cleaned and the quality summary
    assert "## How it was cleaned" in card.text and "`language-mismatch` (drop)" in card.text
    assert "expected:\n  - en" in card.text  # the rule set, defaults filled in
    assert "| dropped | 1 | 14.3 % |" in card.text
    assert "Share this" in card.text  # the most repeated lines
    assert "<script>" not in card.text  # corpus text is escaped in Markdown too


def test_card_languages_are_iso_codes_without_noise():
    langs = {"en": 9_000, "zh-cn": 900, "und": 50, "de": 40, "xx-yy-zz": 10}
    assert card_languages(langs) == ["en", "zh"]  # de under 1 %: a stray detection


def test_run_writes_a_card_the_hub_loads(tmp_path):
    rows = [
        {"text": "The council approved the new budget on Monday after a long debate."},
        {"text": "Dewan kota menyetujui anggaran baru pada hari Senin setelah debat panjang."},
    ]
    data = write_jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "out"
    res = curate_cli(
        "run",
        data,
        "--rules",
        "default",
        "--out",
        out,
        "--format",
        "jsonl",
        "--report-dir",
        tmp_path / "rep",
        "--workers",
        "1",
    )
    assert res.returncode == 0, res.stderr
    card = huggingface_hub.DatasetCard.load(out / "README.md")
    assert card.data.pretty_name == "out (cleaned with curate)"
    assert card.data.configs[0]["data_files"][0]["path"] == "train.jsonl"
    assert "## Quality summary" in card.text
