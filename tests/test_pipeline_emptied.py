"""A document that strip actions leave without text is rejected, not kept as an empty row.

Its `curate_dropped_by` names the strip rules that removed its text, and those rules' `dropped`
counts it; kept + rejected == input still holds, whichever engine runs the batch."""

from __future__ import annotations

import json
import subprocess
import sys

import polars as pl

from curate import api
from curate.config import load_ruleset
from curate.pipeline import process_batch
from tests.checks.helpers import run_rule

# a page that is nothing but its site's chrome (hand-written)
CHROME = "\n".join(
    [
        "Home | World | Business | Sport",
        "Subscribe",
        "Share",
        "Print",
        "Privacy policy",
        "© 2025 Daily Example Ltd. All rights reserved.",
    ]
)
ARTICLE = (
    "The committee met on Friday and agreed to raise the grant for the library by a fifth, "
    "its chair told reporters after the vote."
)
ENGLISH = (
    ARTICLE + "\n\nThe new reading room will open in the spring, and the old one will become a "
    "space for children's events and school visits."
)
INDONESIAN = (
    "Panitia bertemu pada hari Jumat dan sepakat untuk menaikkan dana perpustakaan kota, kata "
    "ketuanya kepada wartawan setelah pemungutan suara.\n\nRuang baca yang baru akan dibuka pada "
    "musim semi, dan ruang lama akan dipakai untuk acara anak-anak dan kunjungan sekolah."
)


def test_a_page_that_is_only_chrome_is_rejected_by_the_rule_that_emptied_it():
    rows, stats = run_rule("boilerplate-lines", [CHROME, ARTICLE], "strip")
    emptied, article = rows
    assert emptied["dropped"]
    assert emptied["curate_dropped_by"] == ["boilerplate-lines"]
    assert emptied["text"] == CHROME  # the rejected split holds the original text
    assert not article["dropped"] and article["text"] == ARTICLE
    assert (stats.input, stats.kept, stats.dropped) == (2, 1, 1)
    assert stats.rules["boilerplate-lines"].dropped == 1


def test_a_wholly_foreign_text_stripped_by_language_is_rejected():
    rows, stats = run_rule("language-mismatch", [ENGLISH, INDONESIAN], "strip", expected=["id"])
    english, indonesian = rows
    assert english["dropped"] and english["curate_dropped_by"] == ["language-mismatch"]
    assert not indonesian["dropped"] and indonesian["text"] == INDONESIAN
    assert stats.rules["language-mismatch"].dropped == 1


def test_every_strip_rule_that_removed_text_is_named():
    rs = load_ruleset(
        {
            "name": "t",
            "rules": [
                {"rule": "boilerplate-lines", "action": "strip"},
                {"rule": "language-mismatch", "action": "strip", "expected": ["id"]},
            ],
        }
    )
    df = pl.DataFrame({"text": [CHROME + "\n\n" + ENGLISH, INDONESIAN]})
    out = process_batch(rs.build(), df, "text")
    assert out.kept["text"].to_list() == [INDONESIAN]
    assert out.rejected["curate_dropped_by"].to_list() == [
        ["boilerplate-lines", "language-mismatch"]
    ]
    assert out.stats.rules["boilerplate-lines"].dropped == 1
    assert out.stats.rules["language-mismatch"].dropped == 1


def test_a_document_that_was_empty_on_input_stays_kept():
    rows, stats = run_rule("boilerplate-lines", ["", ARTICLE], "strip")
    assert [r["dropped"] for r in rows] == [False, False]
    assert rows[0]["text"] == "" and stats.rules["boilerplate-lines"].dropped == 0


def test_a_drop_rule_and_an_emptying_strip_are_both_reasons():
    rs = load_ruleset(
        {
            "name": "t",
            "rules": [
                {"rule": "boilerplate-lines", "action": "strip"},
                {"rule": "too-few-words", "action": "drop"},
            ],
        }
    )
    out = process_batch(rs.build(), pl.DataFrame({"text": [CHROME]}), "text")
    assert out.kept.height == 0
    assert out.rejected["curate_dropped_by"].to_list() == [["boilerplate-lines", "too-few-words"]]
    assert out.stats.dropped == 1


def test_the_python_api_has_no_empty_text_in_train():
    out = api.clean(pl.DataFrame({"text": [CHROME, ARTICLE]}), "news")
    assert out["train"]["text"].to_list() == [ARTICLE]
    assert out["rejected"]["curate_dropped_by"].to_list() == [["boilerplate-lines"]]


def test_workers_give_the_same_rejection(tmp_path):
    src = tmp_path / "in.jsonl"
    texts = [CHROME, ARTICLE] * 3
    src.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts)))
    splits = []
    for workers in ("1", "2"):
        out = tmp_path / f"out{workers}"
        cmd = [sys.executable, "-m", "curate", "run", str(src), "--rules", "news"]
        cmd += ["--out", str(out), "--format", "jsonl", "--workers", workers]
        done = subprocess.run(cmd, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        splits.append({name: _rows(out / f"{name}.jsonl") for name in ("train", "rejected")})
    one, two = splits
    assert one == two
    assert [r["text"] for r in one["train"]] == [ARTICLE] * 3
    assert [r["curate_dropped_by"] for r in one["rejected"]] == [["boilerplate-lines"]] * 3


def _rows(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]
