"""The inline SVG charts: valid SVG, safe to put several on one page, every label text (never
markup), the same bytes for the same report, and readable from one document to millions."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from curate.report import charts
from curate.report.html import _removed_lines, render_html
from tests.report.helpers import real_report

NS = "{http://www.w3.org/2000/svg}"
SIGNAL = {
    "name": "boilerplate_share",
    "edges": [i / 20 for i in range(21)],
    "counts": [5, 2, 1] + [0] * 18,
    "threshold": 0.5,
    "param": "max_share",
}
WORD_EDGES = [0, 10, 25, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 100_000]
LENGTH_EDGES = [0, 1, 10, 30, 100, 300, 1_000, 3_000, 10_000, 30_000, 100_000, 1_000_000]
HOSTILE = "<script>alert('x')</script> & \"q\" \x00\ud800"


def _tree(svg: str) -> ET.Element:
    """The chart parsed as XML: it must be a well-formed SVG document on its own."""
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    return root


def _shown(text: ET.Element) -> str:
    """What a text element shows (entities decoded; a <title> inside is its tooltip)."""
    return ((text.text or "") + "".join(child.tail or "" for child in text)).strip()


def _texts(svg: str) -> list[str]:
    return [_shown(t) for t in _tree(svg).iter(f"{NS}text")]


def _every_kind(label: str = "x") -> list[str]:
    return [
        charts.signal_chart({**SIGNAL, "name": label, "param": label}, label),
        charts.signal_chart(
            {"name": label, "edges": [0.0, 0.5, 1.0], "counts": [7, 0, 3], "threshold": None}, label
        ),
        charts.languages_chart({label: 3, "en": 2}),
        charts.rules_chart({label: {"action": "drop", "fired": 3, "dropped": 1}}),
        charts.lengths_chart(
            {"edges": LENGTH_EDGES, "before": [0, 1, 2] + [0] * 9, "after": [0, 1, 1] + [0] * 9}
        ),
    ]


def test_every_chart_kind_is_a_titled_scalable_svg():
    for svg in _every_kind():
        root = _tree(svg)
        assert svg.startswith('<svg class="chart" role="img"')
        # no fixed size: the page's CSS scales the chart to its column, keeping its proportions
        assert "width" not in root.attrib and "height" not in root.attrib
        assert re.fullmatch(r"0 0 \d+ [\d.]+", root.attrib["viewBox"])
        title = root.find(f"{NS}title")
        assert title is not None and title.text and title.text == root.attrib["aria-label"]
        assert "script" not in svg.lower() and "href" not in svg  # nothing runs, nothing loads


def test_ids_on_the_page_never_clash():
    page = render_html(real_report())
    svgs = re.findall(r"<svg\b.*?</svg>", page, flags=re.S)
    assert len(svgs) >= 3
    ids = Counter(re.findall(r'\bid="([^"]+)"', page))
    assert not ids or max(ids.values()) == 1
    for svg in svgs:  # a reference inside a chart points inside that chart
        own = set(re.findall(r'\bid="([^"]+)"', svg))
        assert set(re.findall(r'(?:url\(#|href="#)([^")]+)', svg)) <= own


def test_hostile_labels_end_up_as_text():
    *labelled, lengths = _every_kind(HOSTILE)  # the lengths chart has no label from outside
    for svg in labelled:
        assert "<script" not in svg and "\x00" not in svg
        tree = _tree(svg)  # still well-formed: quotes, & and characters XML forbids handled
        shown = " ".join(_texts(svg)) + tree.attrib["aria-label"]
        assert "<script>alert('x')</script> &" in shown


def test_the_same_report_renders_the_same_bytes():
    assert _every_kind() == _every_kind()
    assert render_html(real_report()) == render_html(real_report())


def test_threshold_is_drawn_and_labelled():
    svg = charts.signal_chart(SIGNAL, "boilerplate-lines")
    assert "threshold max_share = 0.5" in _texts(svg)
    assert svg.count('stroke-dasharray="5 3"') == 1  # the line on the plot (the legend's is 4 2)
    no_threshold = charts.signal_chart({**SIGNAL, "threshold": None}, "x")
    assert not any(t.startswith("threshold") for t in _texts(no_threshold))
    assert "stroke-dasharray" not in no_threshold


def test_unequal_bins_are_drawn_equally_wide_with_the_threshold_inside_its_bin():
    # word counts binned 0, 10, 25 ... 100k: the threshold 50 sits on the tick of the edge 50,
    # 75 halfway between the ticks 50 and 100, and one beyond the last edge at the axis' end
    def position(threshold: float) -> float:
        svg = charts.signal_chart(
            {
                "name": "words",
                "edges": WORD_EDGES,
                "counts": [1] * 12,
                "threshold": threshold,
                "param": "p",
            },
            "r",
        )
        line = re.search(r'<line x1="([\d.]+)"[^>]*stroke-dasharray="5 3"', svg)
        return float(line.group(1))

    svg = charts.signal_chart(
        {"name": "words", "edges": WORD_EDGES, "counts": [1] * 12, "threshold": None}, "r"
    )
    rects = [r for r in _tree(svg).iter(f"{NS}rect")]
    widths = {round(float(r.attrib["width"]), 1) for r in rects}
    assert len(rects) == 12 and len(widths) == 1
    xs = [float(r.attrib["x"]) - 0.5 for r in rects]  # each bar's left edge (a 1-unit gap)
    assert position(50) == pytest.approx(xs[3], abs=0.01)
    assert position(75) == pytest.approx((xs[3] + xs[4]) / 2, abs=0.01)
    assert position(10**9) == pytest.approx(xs[-1] + (xs[1] - xs[0]), abs=0.01)
    assert position(-5) == pytest.approx(xs[0], abs=0.01)
    labels = _texts(svg)
    assert {"0", "10", "50", "1k", "100k"} <= set(labels)  # the edges' values, readable
    assert "words  (last bar: ≥ 100k)" in labels


def test_boolean_signal_is_drawn_as_no_and_yes():
    svg = charts.signal_chart(
        {"name": "truncated", "edges": [0.0, 0.5, 1.0], "counts": [7, 0, 3], "threshold": 0.5},
        "truncated-text",
    )
    assert {"no", "yes", "truncated"} <= set(_texts(svg))
    bars = [r for r in _tree(svg).iter(f"{NS}rect")]
    assert [b.find(f"{NS}title").text for b in bars] == [
        "truncated no: 7 documents",
        "truncated yes: 3 documents",
    ]
    assert "stroke-dasharray" not in svg  # a yes/no signal has no threshold line


@pytest.mark.parametrize(
    "edges,counts",
    [
        ([], []),  # nothing binned
        ([0.0, 0.5, 1.0, 2.0], [0, 0, 0, 0]),  # every value null: no counts
        ([0.0, 1.0, 2.0], [0, 9, 0]),  # one value
        ([5.0], [4]),  # a single, open bin
    ],
)
def test_degenerate_histograms_still_draw(edges, counts):
    svg = charts.signal_chart(
        {"name": "s", "edges": edges, "counts": counts, "threshold": 1.5, "param": "p"}, "r"
    )
    texts = _texts(svg)
    assert "documents" in texts
    assert ("no values" in texts) == (not any(counts))
    heights = [float(r.attrib["height"]) for r in _tree(svg).iter(f"{NS}rect")]
    assert len(heights) == len(counts) and sum(h > 0 for h in heights) == sum(c > 0 for c in counts)


def _ticks(svg: str) -> list[str]:
    """The documents axis' tick labels of a vertical chart (right-aligned beside the axis)."""
    return re.findall(r'<text x="[\d.]+" y="[\d.]+" text-anchor="end">([^<]*)</text>', svg)


def test_count_axis_has_round_integer_ticks():
    for top in (1, 3, 7, 10, 99, 1234, 20_000, 123_456_789):
        svg = charts.signal_chart({**SIGNAL, "counts": [top // 2 + 1, top] + [0] * 19}, "x")
        ticks = _ticks(svg)
        assert ticks[0] == "0" and 2 <= len(ticks) <= 11, (top, ticks)
        values = [_parse(t) for t in ticks]
        steps = {b - a for a, b in zip(values, values[1:], strict=False)}
        assert len(steps) == 1 and values[-1] >= top, (top, ticks)
        step = steps.pop()
        assert step >= 1 and str(int(step)).rstrip("0") in ("1", "2", "5"), (top, ticks)


def _parse(tick: str) -> float:
    mult = {"k": 1e3, "M": 1e6, "G": 1e9}.get(tick[-1], 1)
    return float(tick.rstrip("kMG")) * mult


def test_counts_read_well_small_and_huge():
    small = _texts(charts.languages_chart({"en": 1, "id": 2}))
    assert not any(t.endswith("m") for t in small)  # no "500m" documents
    assert "0.5" not in small  # no half documents
    huge = _texts(
        charts.rules_chart(
            {
                "a": {"action": "flag", "fired": 9_000_000, "dropped": 0},
                "b": {"action": "flag", "fired": 12, "dropped": 0},
            }
        )
    )
    assert "9,000,000" in huge and "documents (log scale)" in huge
    assert {"10", "100", "1k", "10k", "100k", "1M"} & set(huge)  # decades, as SI counts


def test_only_dropping_rules_get_a_dropped_bar():
    svg = charts.rules_chart(
        {
            "strips": {"action": "strip", "fired": 5},
            "drops": {"action": "drop", "fired": 4, "dropped": 3},
        }
    )
    tips = [t.text for t in _tree(svg).iter(f"{NS}title")][1:]
    assert tips == ["strips, fired: 5", "drops, fired: 4", "drops, dropped: 3"]
    assert {"fired", "dropped"} <= set(_texts(svg))  # the legend
    alone = charts.rules_chart({"strips": {"action": "strip", "fired": 5}})
    assert "dropped" not in _texts(alone)
    # a strip rule that left documents with no text rejected them: it drops, and shows it
    emptied = charts.rules_chart({"strips": {"action": "strip", "fired": 5, "dropped": 2}})
    tips = [t.text for t in _tree(emptied).iter(f"{NS}title")][1:]
    assert tips == ["strips, fired: 5", "strips, dropped: 2"]


def test_many_languages_and_long_names_fit():
    langs = {f"l{i:02d}": 100 + i for i in range(40)}
    svg = charts.languages_chart(langs)
    texts = _texts(svg)
    assert "other (28)" in texts and "l39" in texts and "l00" not in texts
    long = "a-rule-name-that-goes-on-" * 8
    svg = charts.rules_chart({long: {"action": "flag", "fired": 3}, "short": {"fired": 1}})
    label = next(t for t in _tree(svg).iter(f"{NS}text") if _shown(t).endswith("…"))
    assert label.find(f"{NS}title").text == long  # the full name on hover
    assert long.startswith(_shown(label)[:-1]) and len(_shown(label)) < 60


def test_lengths_chart_keeps_the_used_bins():
    svg = charts.lengths_chart(
        {
            "edges": LENGTH_EDGES,
            "before": [0, 0, 0, 0, 4, 9, 0, 1, 0, 0, 0, 0],
            "after": [0, 0, 0, 0, 5, 8, 0, 0, 0, 0, 0, 0],
        }
    )
    labels = _texts(svg)
    assert "100–300" in labels and "3k–10k" in labels and "1–10" not in labels
    assert {"before (every readable document)", "after (kept documents)"} <= set(labels)


def test_removed_lines_found_by_line_diff():
    before = "Title\nA A A\nBody one.\nShare this\nBody two cut he"
    after = "Title\nBody one.\nBody two cut here and more"
    spans = _removed_lines(before, after, complete=False)
    assert [before[a:b] for a, b in spans] == ["A A A\n", "Share this\n"]  # not the cut last line


def test_labels_are_escaped_in_the_svg():
    svg = charts.languages_chart({"<script>x</script>": 3})
    assert "<script" not in svg and "&lt;script&gt;x&lt;/script&gt;" in svg
