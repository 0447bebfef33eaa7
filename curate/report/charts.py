"""Charts for `report.html`: inline SVG written here, with no plotting library.

Each chart function takes a piece of the report dict and returns one `<svg>` element as a string,
ready to be placed in the page: no files, no network, no JavaScript, no element ids (nothing on the
page can clash). The page's CSS scales a chart to its column (`viewBox`, no fixed size); text stays
text, drawn by the browser's sans-serif font. The output is a pure function of the data (no date,
no hash salt, numbers rounded to 0.01), so the same report renders byte for byte the same page.

Every label (rule, signal and parameter names, languages, values) can come from a user's rule set
or from the data: it goes through `_esc`, which also drops the characters XML does not allow.

Layout needs text widths, which only a browser knows: `_text_width` estimates them on the
generous side, so that margins and label spacing err towards room to spare.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
import unicodedata
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
GRID = "#e8e8e8"

W = 720  # viewBox width; the page scales it to the column (at most 52rem: a 12-unit font ~13 px)
FONT = 13  # tick labels, axis titles, legends
SMALL = 12  # the value printed at the end of a bar
MAX_LABEL_SHARE = (
    0.4  # of the width, for category labels (rule names, languages): longer ones get …
)

# characters XML 1.0 does not allow (C0 controls but tab/newline/CR, lone surrogates, U+FFFE/F)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _esc(value: Any) -> str:
    """Text or a quoted attribute value, safe in HTML and in XML."""
    return escape(_NOT_XML.sub("\ufffd", str(value)), quote=True)


def _f(x: float) -> str:
    """A coordinate: at most two decimals, no trailing zeros (short and deterministic)."""
    s = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


def _text_width(s: str, size: float = FONT) -> float:
    """Width of `s` in a sans-serif font, a little wider than most fonts draw it."""
    em = 0.0
    for ch in s:
        if unicodedata.east_asian_width(ch) in "WF":
            em += 1.0
        elif unicodedata.combining(ch):
            continue
        elif ch in "mwMW@%":
            em += 0.9
        elif ch.isupper() or ch in "–—…≥":
            em += 0.7
        elif ch in "ijlrtf.,:;'|!() ":
            em += 0.35
        else:
            em += 0.6
    return em * size


def _fit(s: str, width: float, size: float = FONT) -> str:
    """`s`, cut with … to fit `width`."""
    if _text_width(s, size) <= width:
        return s
    while s and _text_width(s + "…", size) > width:
        s = s[:-1]
    return s + "…"


def _eng(v: float) -> str:
    """A count with an SI suffix, as on the axes: 950, 1.5k, 12k, 3M."""
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= div:
            return f"{v / div:.3g}{suffix}"
    return f"{v:.3g}"


def _num(v: float) -> str:
    """A bin edge: 0.05, 25, 10k, 1M."""
    if v == int(v) and abs(v) >= 1000:
        for div, suffix in ((1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")):
            if int(v) % div == 0:
                return f"{int(v) // div}{suffix}"
    return f"{v:g}"


class _Svg:
    """A tiny SVG builder: shapes and text appended in drawing order."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def rect(self, x: float, y: float, w: float, h: float, fill: str, tip: str = "") -> None:
        end = f"><title>{_esc(tip)}</title></rect>" if tip else "/>"
        self.parts.append(
            f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(max(w, 0))}" height="{_f(max(h, 0))}" '
            f'fill="{fill}"{end}'
        )

    def line(
        self, x1: float, y1: float, x2: float, y2: float, stroke: str, width: float = 1, dash=""
    ) -> None:
        self.parts.append(
            f'<line x1="{_f(x1)}" y1="{_f(y1)}" x2="{_f(x2)}" y2="{_f(y2)}" stroke="{stroke}" '
            f'stroke-width="{_f(width)}"' + (f' stroke-dasharray="{dash}"' if dash else "") + "/>"
        )

    def text(
        self,
        x: float,
        y: float,
        s: str,
        anchor: str = "start",
        size: float = FONT,
        rotate: float = 0,
        tip: str = "",
    ) -> None:
        """`s` with its baseline at y (callers put it ~0.3 em below a mark's middle to centre it);
        `tip`: a tooltip, the full text of a label cut with …"""
        attrs = f'x="{_f(x)}" y="{_f(y)}"'
        if anchor != "start":
            attrs += f' text-anchor="{anchor}"'
        if size != FONT:
            attrs += f' font-size="{_f(size)}"'
        if rotate:
            attrs += f' transform="rotate({_f(rotate)} {_f(x)} {_f(y)})"'
        title = f"<title>{_esc(tip)}</title>" if tip else ""
        self.parts.append(f"<text {attrs}>{title}{_esc(s)}</text>")

    def legend(self, items: list[tuple[str, str, bool]], right: float, y: float) -> None:
        """Swatches and names in a row ending at `right`, centred on y. An item is (name, colour,
        is_line): a dashed line for a threshold, a square for bars."""
        widths = [24 + _text_width(name) for name, _, _ in items]
        x = right - sum(widths) + 10
        for (name, colour, is_line), w in zip(items, widths, strict=True):
            if is_line:
                self.line(x, y, x + 14, y, colour, 1.6, "4 2")
            else:
                self.rect(x + 2, y - 5, 10, 10, colour)
            self.text(x + 18, y + 4, name)
            x += w

    def render(self, height: float, label: str) -> str:
        return (
            f'<svg class="chart" role="img" aria-label="{_esc(label)}" '
            f'viewBox="0 0 {W} {_f(height)}" xmlns="http://www.w3.org/2000/svg" '
            f'font-family="sans-serif" font-size="{FONT}" fill="{INK}">'
            f"<title>{_esc(label)}</title>" + "".join(self.parts) + "</svg>"
        )


class _Counts:
    """The documents axis: 0 to a round number with integer ticks (1, 2 or 5 times a power of
    ten), or a log scale with a tick per decade when small bins would be invisible beside big ones
    (largest non-zero over smallest above 50). at() maps a count to 0..1 along the axis."""

    def __init__(self, values: list[int]) -> None:
        nonzero = [v for v in values if v > 0]
        self.log = bool(nonzero) and max(nonzero) / min(nonzero) > 50
        self.title = "documents" + (" (log scale)" if self.log else "")
        if self.log:
            # a bar of the smallest count keeps a third of a decade: a single document shows
            self.lo = math.log10(min(nonzero)) - 0.3
            self.hi = math.log10(max(nonzero)) + 0.1
            decades = range(max(math.ceil(self.lo), 0), math.floor(self.hi) + 1)
            self.ticks = [(10.0**d, _eng(10**d)) for d in decades]
        else:
            top = max(values, default=0) or 1
            raw = top / 5
            mag = 10 ** math.floor(math.log10(raw))
            step = max(1, next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw))
            step = int(round(step))
            self.lo, self.hi = 0.0, float(math.ceil(top / step) * step)
            self.ticks = [(float(t), _eng(t)) for t in range(0, int(self.hi) + 1, step)]

    def at(self, v: float) -> float:
        if self.log:
            return 0.0 if v <= 0 else (math.log10(v) - self.lo) / (self.hi - self.lo)
        return (v - self.lo) / (self.hi - self.lo)

    def thinned(self, length: float, vertical: bool) -> list[tuple[float, str]]:
        """The ticks whose labels have room along an axis `length` long (every other decade...):
        a label takes its width along a horizontal axis, its height along a vertical one."""
        extent = FONT if vertical else max((_text_width(s) for _, s in self.ticks), default=0)
        k = 1
        while k < len(self.ticks) and length / max(len(self.ticks) - 1, 1) * k < extent + 10:
            k += 1
        return self.ticks[::k]


def _columns_frame(
    svg: _Svg, counts: _Counts, left: float, top: float, plot_w: float, plot_h: float
) -> None:
    """Gridlines, the documents axis on the left (ticks, labels, title) and the base line."""
    for v, s in counts.thinned(plot_h, vertical=True):
        y = top + plot_h * (1 - counts.at(v))
        svg.line(left, y, left + plot_w, y, GRID)
        svg.line(left - 4, y, left, y, AXIS)
        svg.text(left - 7, y + 4, s, anchor="end")
    svg.text(14, top + plot_h / 2, counts.title, anchor="middle", rotate=-90)
    svg.line(left, top, left, top + plot_h, AXIS)
    svg.line(left, top + plot_h, left + plot_w, top + plot_h, AXIS)


def _left_margin(counts: _Counts) -> float:
    return 30 + max((_text_width(s) for _, s in counts.ticks), default=8)


def _x_labels(svg: _Svg, labels: list[str], xs: list[float], slot: float, y: float) -> float:
    """Category labels centred under xs, turned 35° when the widest does not fit its slot; returns
    the height they take."""
    widest = max((_text_width(s) for s in labels), default=0)
    if widest + 6 <= slot:
        for x, s in zip(xs, labels, strict=True):
            svg.text(x, y + 14, s, anchor="middle")
        return 18
    for x, s in zip(xs, labels, strict=True):
        svg.text(x + 4, y + 12, s, anchor="end", rotate=-35)
    return 14 + widest * math.sin(math.radians(35))


def _hbars(
    names: list[str],
    series: list[tuple[str, str, list[int | None]]],
    value_labels: list[list[str]],
    label: str,
    legend: bool,
) -> str:
    """Horizontal bars, a row per name and a bar per series in it (None: no bar), the value
    printed at the end of each bar, the documents axis at the bottom."""
    values = [v for _, _, vs in series for v in vs if v is not None]
    counts = _Counts(values)
    shown = [_fit(n, W * MAX_LABEL_SHARE) for n in names]
    left = 16 + max((_text_width(s) for s in shown), default=0)
    right = 12 + max((_text_width(s, SMALL) for vs in value_labels for s in vs), default=0)
    bar = 17 if len(series) == 1 else 12
    row = bar * len(series) + 9
    top = 30 if legend else 10
    plot_w = W - left - right
    plot_h = row * max(len(names), 1)
    height = top + plot_h + 44
    svg = _Svg()
    for v, s in counts.thinned(plot_w, vertical=False):
        x = left + plot_w * counts.at(v)
        svg.line(x, top, x, top + plot_h, GRID)
        svg.line(x, top + plot_h, x, top + plot_h + 4, AXIS)
        svg.text(x, top + plot_h + 17, s, anchor="middle")
    svg.text(left + plot_w / 2, top + plot_h + 36, counts.title, anchor="middle")
    for i, (name, text) in enumerate(zip(names, shown, strict=True)):
        y0 = top + i * row + 4.5
        svg.text(left - 8, y0 + row / 2 - 0.5, text, anchor="end", tip=name if text != name else "")
        for j, (sname, colour, vs) in enumerate(series):
            v = vs[i]
            if v is None:
                continue
            y = y0 + j * bar
            w = plot_w * counts.at(v)
            svg.rect(left, y, w, bar - 1, colour, tip=f"{name}, {sname}: {v:,}")
            svg.text(left + w + 4, y + bar / 2 + 3, value_labels[j][i], size=SMALL)
    svg.line(left, top, left, top + plot_h, AXIS)
    svg.line(left, top + plot_h, left + plot_w, top + plot_h, AXIS)
    if legend:
        svg.legend([(s, c, False) for s, c, _ in series], W - 10, 14)
    return svg.render(height, label)


def rules_chart(rules: dict[str, dict[str, Any]]) -> str:
    """Per rule, documents it fired on and documents it dropped (horizontal bars)."""
    names = list(rules)
    fired = [int(rules[n].get("fired", 0)) for n in names]
    # the dropped bar only where the rule can drop (a drop rule, or a strip rule that emptied a
    # document, which is then rejected): a row of zeros says nothing
    dropping = [
        rules[n].get("action") == "drop" or int(rules[n].get("dropped", 0)) > 0 for n in names
    ]
    dropped = [
        int(rules[n].get("dropped", 0)) if can else None
        for n, can in zip(names, dropping, strict=True)
    ]
    series: list[tuple[str, str, list[int | None]]] = [("fired", ORANGE, list(fired))]
    labels = [[f"{v:,}" for v in fired]]
    if any(dropping):
        series.append(("dropped", RED, dropped))
        labels.append(["" if v is None else f"{v:,}" for v in dropped])
    return _hbars(
        names, series, labels, "documents each rule fired on and dropped", legend=any(dropping)
    )


def languages_chart(languages: dict[str, int], top: int = 12) -> str:
    """Documents per detected language: the `top` largest, the rest summed as `other`."""
    items = sorted(languages.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = items[:top]
    rest = sum(n for _, n in items[top:])
    if rest:
        shown.append((f"other ({len(items) - top})", rest))
    values = [int(n) for _, n in shown]
    total = sum(languages.values()) or 1
    labels = [f"{v:,} ({100 * v / total:.1f} %)" for v in values]
    return _hbars(
        [str(k) for k, _ in shown],
        [("documents", BLUE, list(values))],
        [labels],
        "documents per detected language",
        legend=False,
    )


def is_boolean(edges: list[float]) -> bool:
    """A yes/no signal is binned with edges [0, 0.5, 1]: counts[0] no, counts[2] yes."""
    return list(edges) == [0.0, 0.5, 1.0]


def signal_chart(signal: dict[str, Any], rule: str) -> str:
    """The distribution of a rule's main signal, with the rule-set threshold drawn on it.

    Bins are drawn equally wide whatever their edges (word counts are binned 0, 10, 25 ... 100k:
    at true scale all but the last bars would be slivers); the ticks name the edges, the last bin
    is open above, and the threshold sits where its value falls inside its bin."""
    name = str(signal["name"])
    edges = [float(e) for e in signal["edges"]]
    counts = [int(c) for c in signal["counts"]]
    threshold = signal.get("threshold")
    param = signal.get("param")
    boolean = is_boolean(edges)
    bars = [counts[0], counts[-1]] if boolean else counts[: len(edges)]
    scale = _Counts(bars)
    has_threshold = (
        not boolean
        and bool(edges)
        and isinstance(threshold, int | float)
        and not isinstance(threshold, bool)
        and math.isfinite(threshold)
    )
    top = 30 if has_threshold else 12
    left = _left_margin(scale)
    plot_w, plot_h = W - left - 16, 170
    height = top + plot_h + 46
    svg = _Svg()
    _columns_frame(svg, scale, left, top, plot_w, plot_h)
    base = top + plot_h
    if boolean:
        slot = plot_w / 2
        for i, (cat, v) in enumerate(zip(("no", "yes"), bars, strict=True)):
            h = plot_h * scale.at(v)
            tip = f"{name} {cat}: {v:,} documents"
            svg.rect(left + slot * (i + 0.2), base - h, slot * 0.6, h, BLUE, tip=tip)
        _x_labels(svg, ["no", "yes"], [left + slot / 2, left + slot * 1.5], slot, base)
        svg.text(left + plot_w / 2, height - 8, name, anchor="middle")
        return svg.render(height, f"distribution of {name} ({rule})")
    slot = plot_w / max(len(bars), 1)
    bin_names = _bin_labels(edges) if edges else []
    for i, v in enumerate(bars):
        h = plot_h * scale.at(v)
        tip = f"{name} {bin_names[i]}: {v:,} documents"
        svg.rect(left + slot * i + 0.5, base - h, slot - 1, h, BLUE, tip=tip)
    if not any(bars):
        svg.text(left + plot_w / 2, top + plot_h / 2, "no values", anchor="middle")
    # an edge's value under its tick, as many as have room
    ticks = [_num(v) for v in edges]
    widest = max((_text_width(s) for s in ticks), default=0)
    k = 1
    while slot * k < widest + 8:
        k += 1
    for i in range(0, len(ticks), k):
        x = left + slot * i
        svg.line(x, base, x, base + 4, AXIS)
        svg.text(x, base + 17, ticks[i], anchor="middle")
    last = f"  (last bar: ≥ {_num(edges[-1])})" if edges else ""
    svg.text(left + plot_w / 2, height - 8, name + last, anchor="middle")
    if has_threshold:
        x = left + slot * _bin_position(edges, float(threshold))
        svg.line(x, top - 4, x, base, RED, 1.6, "5 3")
        text = f"threshold {param} = {threshold:g}" if param else f"threshold {threshold:g}"
        svg.legend([(text, RED, True)], W - 10, 14)
    return svg.render(height, f"distribution of {name} ({rule})")


def _bin_position(edges: list[float], v: float) -> float:
    """Where v falls on an axis of equal-width bins, in bins from the first edge: the bin holding
    v plus v's share of that bin; the last bin (open above) as wide as the one before it."""
    if v <= edges[0]:
        return 0.0
    i = bisect.bisect_right(edges, v) - 1
    lo = edges[i]
    hi = edges[i + 1] if i + 1 < len(edges) else lo + (lo - edges[i - 1] if i else 1.0)
    return i + min(1.0, (v - lo) / (hi - lo))


def _bin_labels(edges: list[float]) -> list[str]:
    return [f"{_num(a)}–{_num(b)}" for a, b in itertools.pairwise(edges)] + [f"≥{_num(edges[-1])}"]


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
    scale = _Counts(before + after)
    left = _left_margin(scale)
    top, plot_w, plot_h = 30, W - left - 16, 180
    slot = plot_w / len(labels)
    base = top + plot_h
    svg = _Svg()
    _columns_frame(svg, scale, left, top, plot_w, plot_h)
    w = slot * 0.38
    for i, lab in enumerate(labels):
        for j, (v, colour, when) in enumerate(
            ((before[i], GREY, "before"), (after[i], BLUE, "after"))
        ):
            h = plot_h * scale.at(v)
            x = left + slot * i + slot / 2 - w + j * w
            svg.rect(x, base - h, w, h, colour, tip=f"{lab} characters, {when}: {v:,} documents")
    xs = [left + slot * (i + 0.5) for i in range(len(labels))]
    used_h = _x_labels(svg, labels, xs, slot, base)
    height = base + used_h + 30
    svg.text(left + plot_w / 2, height - 8, "characters per document", anchor="middle")
    svg.legend(
        [
            ("before (every readable document)", GREY, False),
            ("after (kept documents)", BLUE, False),
        ],
        W - 10,
        14,
    )
    return svg.render(height, "document length before and after cleaning")
