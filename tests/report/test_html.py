"""report.html: self-contained, every corpus string escaped, charts inline, bounded at any size."""

from __future__ import annotations

import copy
import re

import pytest

from curate.report.html import MAX_TOP_LINES, MAX_UNREADABLE, PARAM_ITEMS, render_html
from tests.conftest import curate_cli, shared
from tests.report.helpers import expected_charts, real_report


@pytest.fixture(scope="module")
def html() -> str:
    return render_html(real_report())


def test_corpus_strings_are_escaped(html):
    assert "<script" not in html.lower()
    assert "&lt;script&gt;document.body.appendChild" in html  # shown as text, in examples
    assert "<img" not in html and "onerror=&quot;document.title" in html  # the hostile id
    assert "<b>Read more</b>" not in html and "&lt;b&gt;Read more&lt;/b&gt;" in html  # top line
    assert "data/part-&lt;1&gt;.jsonl" in html  # unreadable file name
    assert "<title>curate report: report &lt;test&gt;</title>" in html  # run name


def test_works_offline_and_runs_no_script(html):
    assert not re.search(r"<(script|link|iframe|object|embed|img)\b", html, re.I)
    assert not re.search(r"<[^>]*\b(src|srcset)\s*=", html, re.I)
    assert "@import" not in html and "url(http" not in html
    # the only absolute URLs are SVG/XML namespace names, which are never fetched
    for url in re.findall(r"https?://[^\s\"')<]+", html):
        assert url.startswith(("http://www.w3.org/", "http://purl.org/", "http://creativecommons"))
    assert "default-src 'none'" in html  # and the page forbids fetching anything


def test_every_section_is_drawn(html):
    r = real_report()
    # one chart for the rules, one per rule signal, the language mix and the lengths
    assert html.count('<svg class="chart"') == expected_charts(r) >= 1 + 2 + 2
    for rule in r["rules"]:
        assert f'id="rule-{rule}"' in html
    for section in ("summary", "rules", "repeated", "languages", "lengths", "unreadable", "gates"):
        assert f'id="{section}"' in html
    assert "threshold max_share = 0.5" in html  # the threshold is drawn on the signal chart
    assert ">Share this</code>" in html  # the most repeated line, with its count
    assert ">7</td><td>invalid JSON: &lt;script&gt;" in html.replace('<td class="num">', "<td>")
    assert "not measured</td><td>skip (no &lt;b&gt;language&lt;/b&gt; rule)</td>" in html


def test_removed_spans_are_highlighted(html):
    marks = re.findall(r'<mark class="this">(.*?)</mark>', html, re.S)
    assert "Read more\n" in marks or any("Read more" in m for m in marks)
    assert any(m.startswith("A A A") for m in marks)  # the font-size widget line
    # the pasted-twice paragraph: removed once, by repeated-paragraphs
    assert any(m.startswith("The council approved") for m in marks)


def test_same_report_renders_the_same_bytes(html):
    assert render_html(copy.deepcopy(real_report())) == html


def test_huge_run_stays_bounded():
    r = real_report()
    n = 10_000_000
    r["documents"] = {
        "input": n,
        "kept": n - 123_456 - 1000,
        "dropped": 123_456,
        "unreadable": 1000,
    }
    r["languages"] = {f"l{i:03d}": n // 400 for i in range(400)}
    r["corpus"]["boilerplate-lines"]["top_lines"] = [
        {"text": f"line {i} " + "x" * 5000, "documents": n - i} for i in range(1000)
    ]
    r["unreadable"] = {
        "count": 1000,
        "rows": [{"file": "f.jsonl", "line": i, "reason": "bad"} for i in range(1000)],
    }
    html = render_html(r)
    assert len(html) < 1_000_000
    assert "10,000,000" in html
    assert html.count('<tr><td class="num">') >= MAX_TOP_LINES
    assert f"line {MAX_TOP_LINES} x" not in html  # only the first MAX_TOP_LINES lines
    assert f"Showing {MAX_UNREADABLE:,} of 1,000" in html
    assert "other (388)" in html  # languages beyond the chart's dozen are summed


@pytest.mark.parametrize(("n", "words"), [(1, "1 row"), (1000, "1,000 rows")])
def test_unreadable_rows_are_counted_in_the_summary(n, words):
    r = real_report()
    r["documents"]["unreadable"] = n
    assert f'<a href="#unreadable">{words}</a> could not be read.' in render_html(r)


def test_long_list_parameters_are_cut_to_a_count():
    # a phrase list of 60 entries once made one unbreakable line 6,000 px wide
    r = real_report()
    rule = next(iter(r["rules"].values()))
    rule["params"] = {"phrases": [f"phrase number {i}" for i in range(60)], "max_share": 0.5}
    html = render_html(r)
    assert f"phrase number {PARAM_ITEMS - 1}" in html
    assert f"phrase number {PARAM_ITEMS}," not in html
    assert f"(+{60 - PARAM_ITEMS} more)" in html
    assert "<code>max_share</code> = 0.5" in html


def test_empty_run_renders():
    r = real_report()
    r["documents"] = {"input": 0, "kept": 0, "dropped": 0, "unreadable": 0}
    r["characters"] = {"input": 0, "output": 0, "removed": 0}
    r["rules"] = {}
    r["languages"] = {}
    r["lengths"] = {"edges": r["lengths"]["edges"], "before": [], "after": []}
    r["corpus"] = {}
    r["unreadable"] = {"count": 0, "rows": []}
    r.pop("gates")
    html = render_html(r)
    assert "The rule set has no rules." in html and "<svg" not in html


def test_cli_report_writes_all_three(tmp_path):
    data = tmp_path / "in.jsonl"
    data.write_text(
        '{"text": "Share this\\nA <script>alert(1)</script> story about a bridge, '
        'told at length so that it reads like prose."}\n{broken\n',
        encoding="utf-8",
    )
    res = curate_cli(
        "report", data, "--rules", "default", "--report-dir", tmp_path / "rep", "--workers", "1"
    )
    assert res.returncode == 0, res.stderr
    html = (tmp_path / "rep" / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;alert(1)" in html
    assert 'id="unreadable"' in html and "in.jsonl" in html
    assert (tmp_path / "rep" / "report.md").exists()


def test_seed_article_shows_the_widget_lines_removed(tmp_path):
    seeds = shared("seeds")
    res = curate_cli(
        "report", seeds, "--rules", "default", "--report-dir", tmp_path / "rep", "--workers", "1"
    )
    assert res.returncode == 0, res.stderr
    html = (tmp_path / "rep" / "report.html").read_text(encoding="utf-8")
    marks = re.findall(r'<mark class="this">(.*?)</mark>', html, re.S)
    assert "A\n" in marks
    assert html.count('<svg class="chart"') >= 3


def test_other_corpus_findings_are_shown_escaped_and_capped():
    r = real_report()
    r["corpus"]["truncated-text"] = {
        "spikes": [{"unit": "chars", "length": 512 + i, "documents": 40} for i in range(100)],
        "notes": [f"40 documents are exactly {512 + i} characters <b>long</b>" for i in range(100)],
    }
    html = render_html(r)
    assert "<td>chars</td><td>512</td><td>40</td>" in html
    assert "<li>40 documents are exactly 512 characters &lt;b&gt;long&lt;/b&gt;</li>" in html
    assert "exactly 531 characters" in html and "exactly 532 characters" not in html


def test_a_line_in_one_document_is_not_called_repeated():
    # a one-document corpus: the boilerplate pass still lists its lines, each in 1 document
    r = real_report()
    r["corpus"]["boilerplate-lines"]["top_lines"] = [
        {"text": "Only here once", "documents": 1},
        {"text": "Also only once", "documents": 1},
    ]
    page = render_html(r)
    assert "Only here once" not in page and "most repeated line" not in page
    r["corpus"]["boilerplate-lines"]["top_lines"].insert(0, {"text": "Twice", "documents": 2})
    page = render_html(r)
    assert ">Twice</code>" in page and "Only here once" not in page


def test_the_und_caption_says_an_unknown_language_is_und_too(html):
    caption = html.split('id="languages"')[1].split("</figcaption>")[0]
    assert "too short or too mixed" in caption and "does not know" in caption


def test_per_rule_characters_removed_are_reconciled_with_the_total():
    """Per-rule "chars removed" counts the lines each rule removed; the total also counts the
    blank lines those removals leave doubled or at an end, which are tidied away: the page says so
    where the numbers are, with the figures."""
    r = real_report()
    per_rule = sum(v["chars_removed"] for v in r["rules"].values())
    r["characters"]["removed"] = per_rule + 158
    page = render_html(r)
    assert f"{per_rule:,}" in page and "158 characters" in page and "blank lines" in page
    r["characters"]["removed"] = per_rule
    assert "blank lines" not in render_html(r)


def test_example_cards_say_which_rules_dropped_and_fired():
    r = real_report()
    ex = r["rules"]["truncated-text"]["examples"][0]
    ex.update(dropped=True, dropped_by=["too-few-<words>"], flags=["truncated-text", "x&y"])
    page = render_html(r)
    card = page.split('id="rule-truncated-text"')[1].split("</details>")[0]
    summary = card.split("<summary>")[1].split("</summary>")[0]  # seen with the card closed
    assert "dropped</span> by <code>too-few-&lt;words&gt;</code>" in summary
    assert "rules fired: <code>truncated-text</code>, <code>x&amp;y</code>" in card


def test_a_run_s_examples_carry_the_rules_that_fired_and_dropped():
    r = real_report()
    dropped = r["rules"]["language-mismatch"]["examples"][0]
    assert dropped["dropped_by"] == ["language-mismatch"]
    assert "language-mismatch" in dropped["flags"]
    assert "dropped</span> by <code>language-mismatch</code>" in render_html(r)


def test_files_skipped_past_the_list_cap_are_counted():
    r = real_report()
    r["skipped_files"] = [f"pages/p{i}.html" for i in range(1000)]
    r["skipped_count"] = 5000
    section = re.search(r'<section id="skipped">.*?</section>', render_html(r)).group(0)
    assert "5,000 files in the input folders" in section
    assert "… and 4,900 more" in section  # (100 named)
    r.pop("skipped_count")  # a report from before the count: its list
    section = re.search(r'<section id="skipped">.*?</section>', render_html(r)).group(0)
    assert "1,000 files in the input folders" in section and "… and 900 more" in section
