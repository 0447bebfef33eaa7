"""report.md: fits a pull-request comment at any corpus size; corpus text cannot break it."""

from __future__ import annotations

from curate.report.markdown import MD_LANGUAGES, MD_TOP_LINES, render_markdown
from tests.report.helpers import real_report


def test_summary_tables():
    md = render_markdown(real_report())
    assert "| kept | 4 | 57.1 % |" in md
    assert "| `language-mismatch` | drop | 1 (20.0 %) | 1 | 0 |" in md
    assert "| 3 | 60.0 % | Share this |" in md  # most repeated lines
    assert "| max_dropped_fraction | error | error 0.1 | 0.2 | FAIL |" in md
    assert "| warn 0.5 | not measured | skip (no \\<b\\>language\\</b\\> rule) |" in md
    assert "data/part-\\<1\\>.jsonl line 7" in md


def test_corpus_text_cannot_inject_markup():
    r = real_report()
    r["corpus"]["boilerplate-lines"]["top_lines"] = [
        {"text": "| a | b |\n# heading **bold** [link](x) <img src=x>", "documents": 2}
    ]
    md = render_markdown(r)
    line = next(ln for ln in md.splitlines() if "heading" in ln)
    assert line.count("|") - line.count("\\|") == 4  # still one row of three cells
    assert "\\<img src=x\\>" in line and "\\*\\*bold\\*\\*" in line and "\\[link\\](x)" in line
    assert "\n#" not in md.replace("\n# curate report", "")  # no heading from the corpus


def test_stays_comment_sized_for_a_huge_run():
    r = real_report()
    n = 10_000_000
    r["documents"] = {"input": n, "kept": n - 5, "dropped": 3, "unreadable": 2}
    r["languages"] = {f"l{i:03d}": 1000 + i for i in range(300)}
    r["corpus"]["boilerplate-lines"]["top_lines"] = [
        {"text": "x" * 10_000, "documents": 5} for _ in range(5000)
    ]
    r["unreadable"]["rows"] = r["unreadable"]["rows"] * 500
    md = render_markdown(r)
    assert len(md) < 10_000  # GitHub comments hold 65,536 characters
    assert md.count("| 5 | <0.1 % |") == MD_TOP_LINES
    assert f"| {300 - MD_LANGUAGES} others |" in md
    assert "| dropped | 3 | <0.1 % |" in md


def test_a_line_in_one_document_is_not_called_repeated():
    r = real_report()
    r["corpus"]["boilerplate-lines"]["top_lines"] = [{"text": "Only here once", "documents": 1}]
    md = render_markdown(r)
    assert "Only here once" not in md and "Most repeated lines" not in md


def test_per_rule_characters_removed_are_reconciled_with_the_total():
    r = real_report()
    per_rule = sum(v["chars_removed"] for v in r["rules"].values())
    r["characters"]["removed"] = per_rule + 158
    md = render_markdown(r)
    assert f"The rules' figures add up to {per_rule:,} characters" in md and "158" in md


def test_files_skipped_for_their_type_are_named():
    # a folder of .html pages read as nothing: report.md said nothing of it (trial 14 #4)
    r = real_report()
    r["skipped_files"] = [f"pages/p{i}.html" for i in range(25)] + ["pages/a|b.html"]
    md = render_markdown(r)
    assert "Skipped 26 files of other types (not inputs)" in md
    assert "- pages/p0.html" in md and "- pages/a\\|b.html" not in md  # the first 10 only
    assert "… and 16 more" in md
    r["skipped_files"] = []
    assert "Skipped" not in render_markdown(r)


def test_files_skipped_past_the_list_cap_are_counted():
    # report.json lists 1,000 of them: report.md said "Skipped 1,000 files" of 5,000
    r = real_report()
    r["skipped_files"] = [f"pages/p{i}.html" for i in range(1000)]
    r["skipped_count"] = 5000
    md = render_markdown(r)
    assert "Skipped 5,000 files of other types (not inputs)" in md
    assert "… and 4,990 more" in md


def test_a_report_from_before_the_skipped_count_is_rendered():
    r = real_report()
    r.pop("skipped_count", None)
    r["skipped_files"] = ["pages/a.html", "pages/b.html"]
    assert "Skipped 2 files of other types" in render_markdown(r)
