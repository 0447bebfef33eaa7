"""Charts for `report.html`: inline SVG written directly, no plotting library.

Each function takes a piece of the report dict and returns one `<svg>` element as a string, ready to
be placed in the page: no files, no network, no JavaScript. The charts are bars, axes, ticks and
labels, which SVG says in a few elements each: the page's charts cost milliseconds, where
matplotlib took ~0.15 CPU s a chart plus 0.6 s to import (4 of the ~8 CPU s a 20,000-document
`curate run` spent outside the rules; bench/results/throughput.md, session 2).

The SVG is deterministic, so the same report renders byte for byte the same page. Text stays text
(the browser's sans-serif font draws it) and the page's CSS scales a chart to its column; the
viewBox fixes the text/plot ratio. Text widths are estimated generously (no font metrics here).
Every chart's ids start with a hash of its content, so several charts share one page.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from html import escape
from typing import Any

# one palette for the whole page (colour-blind safe, from seaborn's "deep"); the headless-browser
# test looks for BLUE pixels to know the charts were drawn
BLUE = "#4c72b0"
ORANGE = "#dd8452"
RED = "#c44e52"
GREY = "#a0a7b0"
INK = "#333333"
AXIS = "#888888"

WIDTH = 720  # viewBox units; the page scales the chart to its column
FONT = 12
SMALL = 11
CHAR_W = 0.62  # mean advance of a sans-serif character, in font sizes (on the generous side)
TICK = 4


def _num(v: float) -> str:
    return f"{round(v, 10):g}"


def _width(s: str, size: float = FONT) -> float:
    return len(s) * size * CHAR_W


def _eng(v: float) -> str:
    """Counts with engineering suffixes: 950, 12k, 1.5M."""
    for div, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= div:
            return _num(round(v / div, 3)) + suffix
    return _num(v)


def _ticks(lo: float, hi: float, integer: bool = False, target: int = 6) -> list[float]:
    """Round ticks within [lo, hi]: steps of 1, 2, 2.5 or 5 times a power of ten."""
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / target
    mag = 10 ** math.floor(math.log10(raw))
    step = 10 * mag
    for m in (1, 2, 2.5, 5):
        if m * mag >= raw and not (integer and m == 2.5 and mag < 10):
            step = m * mag
            break
    if integer:
        step = max(1.0, float(round(step)))  # no "0.5 documents"
    first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
    return [round(k * step, 10) for k in range(first, last + 1)]


class _Counts:
    """A counts axis of `length` units: linear from 0, or log when small bars would vanish beside
    large ones (largest / smallest non-zero > 50). `margin` leaves room past the largest bar."""

    def __init__(self, values: list[int], length: float, margin: float = 0.05):
        nonzero = [v for v in values if v > 0]
        self.log = bool(nonzero) and max(nonzero) / min(nonzero) > 50
        self.length = length
        top = max(values, default=0) or 1
        if self.log:
            # the axis starts half a decade below the smallest bar, so that bar shows
            self.lo = math.log10(min(nonzero)) - 0.5
            self.hi = math.log10(top) + margin * (math.log10(top) - self.lo)
            self.ticks = [10.0**k for k in range(math.ceil(self.lo), math.floor(self.hi) + 1)]
        else:
            self.lo, self.hi = 0, top * (1 + margin)
            self.ticks = _ticks(0, self.hi, integer=True)
        self.label = "documents (log scale)" if self.log else "documents"

    def __call__(self, v: float) -> float:
        if self.log:
            return 0.0 if v <= 0 else self.length * (math.log10(v) - self.lo) / (self.hi - self.lo)
        return self.length * v / self.hi


class _Svg:
    """Elements in viewBox units; `svg(label)` wraps them with a title and content-hashed ids."""

    def __init__(self, height: float):
        self.height = height
        self.parts: list[str] = []

    def rect(self, x: float, y: float, w: float, h: float, fill: str, edge: bool = False) -> None:
        if w > 0 and h > 0:
            stroke = ' stroke="#ffffff" stroke-width="0.5"' if edge else ""
            self.parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" '
                f'fill="{fill}"{stroke}/>'
            )

    def line(self, x1, y1, x2, y2, colour: str = AXIS, width: float = 1, dash: str = "") -> None:
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" '
            f'stroke-width="{width}"{extra}/>'
        )

    def text(
        self, x, y, s: str, anchor: str = "start", size: float = FONT, rotate: float = 0
    ) -> None:
        turn = f' transform="rotate({rotate:g} {x:.1f} {y:.1f})"' if rotate else ""
        self.parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'dominant-baseline="central" fill="{INK}"{turn}>{escape(s)}</text>'
        )

    def legend(self, right: float, y: float, items: list[tuple[str, str]]) -> None:
        """(colour, label) entries ending at `right`; a label starting "threshold" is a dashed
        line, the others are boxes."""
        x = right
        for colour, label in reversed(items):
            x -= _width(label, SMALL)
            self.text(x, y, label, size=SMALL)
            x -= 22
            if label.startswith("threshold"):
                self.line(x, y, x + 17, y, colour, 1.6, "5 3")
            else:
                self.rect(x, y - 5, 17, 10, colour)
            x -= 14

    def svg(self, label: str) -> str:
        body = "".join(self.parts)
        cid = "c" + hashlib.sha1(f"{label}\n{body}".encode()).hexdigest()[:8]
        return (
            f'<svg class="chart" role="img" aria-label="{escape(label)}" id="{cid}" '
            f'viewBox="0 0 {WIDTH} {self.height:.0f}" xmlns="http://www.w3.org/2000/svg" '
            f'font-family="sans-serif"><title>{escape(label)}</title>{body}</svg>'
        )


def _x_counts(svg: _Svg, scale: _Counts, x0: float, y: float) -> None:
    svg.line(x0, y, x0 + scale.length, y)
    for t in scale.ticks:
        x = x0 + scale(t)
        svg.line(x, y, x, y + TICK)
        svg.text(x, y + TICK + 9, _eng(t), "middle", SMALL)
    svg.text(x0 + scale.length / 2, y + TICK + 28, scale.label, "middle")


def _y_counts(svg: _Svg, scale: _Counts, x: float, bottom: float) -> None:
    svg.line(x, bottom, x, bottom - scale.length)
    width = 0.0
    for t in scale.ticks:
        y = bottom - scale(t)
        svg.line(x - TICK, y, x, y)
        svg.text(x - TICK - 3, y, _eng(t), "end", SMALL)
        width = max(width, _width(_eng(t), SMALL))
    svg.text(x - TICK - width - 14, bottom - scale.length / 2, scale.label, "middle", rotate=-90)


def _hbars(
    names: list[str],
    series: list[tuple[str, str, list[int | None]]],
    bar_labels: list[list[str]],
    row: float,
    margin: float,
    label: str,
) -> str:
    """Horizontal bars: a row per name, a bar per series (None: that series has no bar there),
    each labelled at its end."""
    left = 8 + max((_width(n) for n in names), default=0) + 8
    longest = max((_width(s, SMALL) for labels in bar_labels for s in labels), default=0)
    top = 28 if len(series) > 1 else 8
    values = [v for _, _, vs in series for v in vs if v is not None]
    scale = _Counts(values, WIDTH - left - 12 - longest, margin)
    svg = _Svg(top + row * max(len(names), 1) + 48)
    if len(series) > 1:
        svg.legend(WIDTH - 10, 12, [(colour, name) for name, colour, _ in series])
    for i, name in enumerate(names):
        y = top + row * i
        svg.text(left - 8, y + row / 2, name, "end")
        bars = [(k, colour, vs[i]) for k, (_, colour, vs) in enumerate(series) if vs[i] is not None]
        h = row * 0.76 / max(len(bars), 1)
        for j, (k, colour, v) in enumerate(bars):
            by = y + row * 0.12 + h * j
            w = scale(v)
            svg.rect(left, by, w, h, colour)
            svg.text(left + w + 3, by + h / 2, bar_labels[k][i], size=SMALL)
    _x_counts(svg, scale, left, top + row * max(len(names), 1))
    return svg.svg(label)


def rules_chart(rules: dict[str, dict[str, Any]]) -> str:
    """Per rule, documents it fired on and documents it dropped (horizontal bars)."""
    names = list(rules)
    fired = [int(rules[n].get("fired", 0)) for n in names]
    dropping = [rules[n].get("action") == "drop" for n in names]
    # the dropped bar only where the rule can drop: a row of zeros says nothing
    dropped = [
        int(rules[n].get("dropped", 0)) if d else None for n, d in zip(names, dropping, strict=True)
    ]
    series: list[tuple[str, str, list[int | None]]] = [("fired", ORANGE, list(fired))]
    labels = [[f"{v:,}" for v in fired]]
    if any(dropping):
        series.append(("dropped", RED, dropped))
        labels.append([f"{v:,}" if v is not None else "" for v in dropped])
    row = 30 if any(dropping) else 22
    return _hbars(names, series, labels, row, 0.05, "documents each rule fired on and dropped")


def _bin_labels(edges: list[float]) -> list[str]:
    def f(v: float) -> str:
        return f"{v:g}"

    return [f"{f(a)}–{f(b)}" for a, b in itertools.pairwise(edges)] + [f"≥{f(edges[-1])}"]


def is_boolean(edges: list[float]) -> bool:
    """A yes/no signal is binned with edges [0, 0.5, 1]: counts[0] no, counts[2] yes."""
    return list(edges) == [0.0, 0.5, 1.0]


def _columns(
    height: float, counts: list[int], legend: list[tuple[str, str]]
) -> tuple[_Svg, _Counts, float, float, float]:
    """A chart of vertical bars: the svg, its counts axis, and the plot's left, right, bottom."""
    scale = _Counts(counts, height, 0.05)
    width = max((_width(_eng(t), SMALL) for t in scale.ticks), default=0)
    left = width + TICK + 34
    top = 26 if legend else 10
    svg = _Svg(top + height + 50)
    if legend:
        svg.legend(WIDTH - 10, 11, legend)
    bottom = top + height
    _y_counts(svg, scale, left, bottom)
    return svg, scale, left, WIDTH - 12, bottom


def signal_chart(signal: dict[str, Any], rule: str) -> str:
    """The distribution of a rule's main signal, with the rule-set threshold drawn on it."""
    name = signal["name"]
    edges = [float(e) for e in signal["edges"]]
    counts = [int(c) for c in signal["counts"]]
    threshold = signal.get("threshold")
    param = signal.get("param")
    label = f"distribution of {name} ({rule})"
    if is_boolean(edges):
        svg, scale, left, right, bottom = _columns(180, [counts[0], counts[-1]], [])
        slot = (right - left) / 2
        for i, (cat, n) in enumerate((("no", counts[0]), ("yes", counts[-1]))):
            x = left + slot * i + slot * 0.2
            svg.rect(x, bottom - scale(n), slot * 0.6, scale(n), BLUE)
            svg.text(x + slot * 0.3, bottom + TICK + 9, cat, "middle", SMALL)
        svg.line(left, bottom, right, bottom)
        svg.text((left + right) / 2, bottom + TICK + 28, name, "middle")
        return svg.svg(label)
    # bins sit at their true positions so the threshold line lands where the value is; the last
    # bin is open above and drawn as wide as the one before it
    widths = [b - a for a, b in itertools.pairwise(edges)]
    widths.append(widths[-1] if widths else 1.0)
    lo, hi = edges[0], edges[-1] + widths[-1]
    numeric = isinstance(threshold, int | float) and not isinstance(threshold, bool)
    legend = []
    if numeric:
        text = f"threshold {param} = {threshold:g}" if param else f"threshold {threshold:g}"
        legend = [(RED, text)]
    svg, scale, left, right, bottom = _columns(180, counts, legend)

    def x_of(v: float) -> float:
        return left + (right - left) * (v - lo) / ((hi - lo) or 1)

    for e, w, n in zip(edges, widths, counts, strict=True):
        svg.rect(x_of(e), bottom - scale(n), x_of(e + w) - x_of(e), scale(n), BLUE, edge=True)
    svg.line(left, bottom, right, bottom)
    for t in _ticks(lo, hi):
        svg.line(x_of(t), bottom, x_of(t), bottom + TICK)
        svg.text(x_of(t), bottom + TICK + 9, _num(t), "middle", SMALL)
    svg.text(
        (left + right) / 2, bottom + TICK + 28, f"{name}  (last bar: ≥ {edges[-1]:g})", "middle"
    )
    if numeric and lo <= float(threshold) <= hi:
        x = x_of(float(threshold))
        svg.line(x, bottom, x, bottom - scale.length, RED, 1.6, "5 3")
    return svg.svg(label)


def languages_chart(languages: dict[str, int], top: int = 12) -> str:
    """Documents per detected language: the `top` largest, the rest summed as `other`."""
    items = sorted(languages.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = items[:top]
    rest = sum(n for _, n in items[top:])
    if rest:
        shown.append((f"other ({len(items) - top})", rest))
    names = [k for k, _ in shown]
    values = [n for _, n in shown]
    total = sum(languages.values()) or 1
    labels = [f"{v:,} ({100 * v / total:.1f} %)" for v in values]
    return _hbars(
        names,
        [("documents", BLUE, list(values))],
        [labels],
        22,
        0.05,
        "documents per detected language",
    )


def _length_labels(edges: list[float]) -> list[str]:
    def f(v: float) -> str:
        v = int(v)
        for div, suffix in ((1_000_000, "M"), (1_000, "k")):
            if v >= div and v % div == 0:
                return f"{v // div}{suffix}"
        return str(v)

    out = []
    for a, b in itertools.pairwise(edges):
        out.append("empty" if (a, b) == (0, 1) else f(a) if b - a == 1 else f"{f(a)}–{f(b)}")
    return out + [f"≥{f(edges[-1])}"]


def lengths_chart(lengths: dict[str, Any]) -> str:
    """Documents per length bin (characters), before cleaning and after (kept documents)."""
    edges = lengths["edges"]
    before = [int(c) for c in lengths.get("before") or [0] * len(edges)]
    after = [int(c) for c in lengths.get("after") or [0] * len(edges)]
    labels = _length_labels(edges)
    # the empty bins at either end say nothing; the report's table keeps every bin
    used = [i for i in range(len(labels)) if before[i] or after[i]] or [0]
    lo, hi = used[0], used[-1] + 1
    labels, before, after = labels[lo:hi], before[lo:hi], after[lo:hi]
    legend = [(GREY, "before (every readable document)"), (BLUE, "after (kept documents)")]
    svg, scale, left, right, bottom = _columns(200, before + after, legend)
    slot = (right - left) / len(labels)
    svg.line(left, bottom, right, bottom)
    for i, (lab, b, a) in enumerate(zip(labels, before, after, strict=True)):
        x = left + slot * i
        svg.rect(x + slot * 0.1, bottom - scale(b), slot * 0.4, scale(b), GREY)
        svg.rect(x + slot * 0.5, bottom - scale(a), slot * 0.4, scale(a), BLUE)
        svg.line(x + slot / 2, bottom, x + slot / 2, bottom + TICK)
        svg.text(x + slot / 2, bottom + TICK + 9, lab, "middle", SMALL)
    svg.text((left + right) / 2, bottom + TICK + 28, "characters per document", "middle")
    return svg.svg("document length before and after cleaning")
