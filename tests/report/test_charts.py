"""The inline SVG charts: drawn by matplotlib, safe to put several on one page, readable at any
count."""

from __future__ import annotations

import re
from collections import Counter

from curate.report import charts
from curate.report.html import _removed_lines

SIGNAL = {
    "name": "boilerplate_share",
    "edges": [i / 20 for i in range(21)],
    "counts": [5, 2, 1] + [0] * 18,
    "threshold": 0.5,
    "param": "max_share",
}


def _texts(svg: str) -> list[str]:
    return [t.strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def test_ids_do_not_clash_between_charts():
    svgs = [
        charts.signal_chart(SIGNAL, "boilerplate-lines"),
        charts.languages_chart({"en": 3, "id": 2}),
        charts.rules_chart({"a": {"action": "drop", "fired": 3, "dropped": 1}}),
    ]
    ids = Counter(i for svg in svgs for i in re.findall(r'\bid="([^"]+)"', svg))
    assert ids and max(ids.values()) == 1
    for svg in svgs:  # every reference points inside its own chart
        own = set(re.findall(r'\bid="([^"]+)"', svg))
        assert set(re.findall(r'(?:url\(#|href="#)([^")]+)', svg)) <= own


def test_threshold_is_drawn_and_labelled():
    svg = charts.signal_chart(SIGNAL, "boilerplate-lines")
    assert svg.startswith('<svg class="chart" role="img"')
    assert "threshold max_share = 0.5" in _texts(svg)
    no_threshold = charts.signal_chart({**SIGNAL, "threshold": None}, "x")
    assert not any(t.startswith("threshold") for t in _texts(no_threshold))


def test_boolean_signal_is_drawn_as_no_and_yes():
    svg = charts.signal_chart(
        {"name": "truncated", "edges": [0.0, 0.5, 1.0], "counts": [7, 0, 3], "threshold": None},
        "truncated-text",
    )
    assert {"no", "yes"} <= set(_texts(svg))


def test_counts_read_well_small_and_huge():
    small = _texts(charts.languages_chart({"en": 1, "id": 2}))
    assert not any(t.endswith("m") for t in small)  # no "500m" documents
    huge = _texts(
        charts.rules_chart(
            {
                "a": {"action": "flag", "fired": 9_000_000, "dropped": 0},
                "b": {"action": "flag", "fired": 12, "dropped": 0},
            }
        )
    )
    assert "9,000,000" in huge and "documents (log scale)" in huge


def test_lengths_chart_keeps_the_used_bins():
    edges = [0, 1, 10, 30, 100, 300, 1_000, 3_000, 10_000, 30_000, 100_000, 1_000_000]
    svg = charts.lengths_chart(
        {
            "edges": edges,
            "before": [0, 0, 0, 0, 4, 9, 0, 1, 0, 0, 0, 0],
            "after": [0, 0, 0, 0, 5, 8, 0, 0, 0, 0, 0, 0],
        }
    )
    labels = _texts(svg)
    assert "100–300" in labels and "3k–10k" in labels and "1–10" not in labels


def test_removed_lines_found_by_line_diff():
    before = "Title\nA A A\nBody one.\nShare this\nBody two cut he"
    after = "Title\nBody one.\nBody two cut here and more"
    spans = _removed_lines(before, after, complete=False)
    assert [before[a:b] for a, b in spans] == ["A A A\n", "Share this\n"]  # not the cut last line


def test_labels_are_escaped_in_the_svg():
    svg = charts.languages_chart({"<script>x</script>": 3})
    assert "<script" not in svg and "&lt;script&gt;x&lt;/script&gt;" in svg
