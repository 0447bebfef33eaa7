"""Charts for `report.html`, drawn by matplotlib as inline SVG.

Each function takes a piece of the report dict and returns one `<svg>` element as a string, ready to
be placed in the page: no files, no network, no JavaScript. matplotlib is imported here only, so
only the HTML report pays for it.

The SVG is deterministic (fixed hash salt, no date), so the same report renders byte for byte the
same page. Text stays text (`svg.fonttype: none`): the page is small and the browser's sans-serif
font draws the labels. Element ids get a per-chart prefix, because matplotlib numbers them from 1 in
every figure and several charts share one page.
"""

from __future__ import annotations

import functools
import hashlib
import io
import itertools
import re
from collections.abc import Callable
from html import escape
from typing import Any

# one palette for the whole page (colour-blind safe, from seaborn's "deep"); the headless-browser
# test looks for BLUE pixels to know the charts were drawn
BLUE = "#4c72b0"
ORANGE = "#dd8452"
RED = "#c44e52"
GREY = "#a0a7b0"
INK = "#333333"

_RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "curate-report",
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.edgecolor": "#888888",
    "axes.labelcolor": INK,
    "axes.titlesize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": INK,
    "ytick.color": INK,
    "legend.frameon": False,
}
_WIDTH = 7.2  # inches; the page scales the SVG to its column, this fixes the text/plot ratio


def _styled(chart: Callable[..., str]) -> Callable[..., str]:
    """Draw the chart under the report's style; the caller's matplotlib settings stay untouched."""

    @functools.wraps(chart)
    def wrapper(*args: Any, **kwargs: Any) -> str:
        import matplotlib as mpl

        with mpl.rc_context(_RC):
            return chart(*args, **kwargs)

    return wrapper


def _figure(
    height: float, left: float = 0.6, bottom: float = 0.5, top: float = 0.12, right: float = 0.2
):
    """A figure with fixed margins in inches. matplotlib's constrained layout would fit them to
    the labels, but it draws every chart twice and took most of the report's time (~0.12 s a
    chart, seconds for a report); the callers know their labels, so they size the margins."""
    from matplotlib.figure import Figure  # no pyplot: no GUI backend, no global state

    fig = Figure(figsize=(_WIDTH, height))
    fig.subplots_adjust(
        left=left / _WIDTH, right=1 - right / _WIDTH, bottom=bottom / height, top=1 - top / height
    )
    return fig


def _label_width(labels: list[str]) -> float:
    """Inches taken by the longest tick label at the report's 9 pt sans-serif, plus padding."""
    return 0.25 + 0.068 * max((len(s) for s in labels), default=1)


def _svg(fig, label: str) -> str:
    buf = io.StringIO()
    fig.savefig(
        buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None}
    )
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<style type=\"text/css\">.*?</style>", "", svg, flags=re.S)
    # content hash: charts with the same ids have the same content, so the ids never clash
    prefix = "c" + hashlib.sha1(svg.encode()).hexdigest()[:8] + "-"
    svg = svg.replace('id="', f'id="{prefix}').replace("url(#", f"url(#{prefix}")
    svg = svg.replace('href="#', f'href="#{prefix}')
    # width/height in pt would pin the size; the page's CSS scales the chart to its column instead
    svg = re.sub(
        r'<svg ([^>]*?)width="[^"]*" height="[^"]*"',
        rf'<svg class="chart" role="img" aria-label="{escape(label)}" \1',
        svg,
        count=1,
    )
    return svg.replace(">", f"><title>{escape(label)}</title>", 1).strip()


def _count_axis(ax, values: list[int], axis: str = "y") -> None:
    """Counts axis: engineering suffixes (12k, 3M); log scale when small bins would be invisible."""
    from matplotlib.ticker import EngFormatter, MaxNLocator, NullLocator

    nonzero = [v for v in values if v > 0]
    log = bool(nonzero) and max(nonzero) / min(nonzero) > 50
    target = ax.yaxis if axis == "y" else ax.xaxis
    if log:
        (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
    else:
        target.set_major_locator(MaxNLocator(integer=True))  # no "0.5 documents"
    target.set_major_formatter(EngFormatter(sep=""))
    # no minor ticks: a log axis would get eight per decade, and ticks are most of a chart's cost
    target.set_minor_locator(NullLocator())
    target.set_label_text("documents" + (" (log scale)" if log else ""))


@_styled
def rules_chart(rules: dict[str, dict[str, Any]]) -> str:
    """Per rule, documents it fired on and documents it dropped (horizontal bars)."""
    names = list(rules)
    fired = [int(rules[n].get("fired", 0)) for n in names]
    dropping = [rules[n].get("action") == "drop" for n in names]
    dropped = [int(rules[n].get("dropped", 0)) for n in names]
    ys = list(range(len(names)))
    # the dropped bar only where the rule can drop: a row of zeros says nothing
    h = 0.38 if any(dropping) else 0.6
    fig = _figure(
        0.9 + (0.42 if any(dropping) else 0.3) * max(len(names), 1),
        left=_label_width(names),
        top=0.35 if any(dropping) else 0.12,
        right=0.1,
    )
    ax = fig.add_subplot()
    off = h / 2 if any(dropping) else 0.0
    bars = ax.barh([y - off for y in ys], fired, h, color=ORANGE, label="fired")
    ax.bar_label(bars, labels=[f"{v:,}" for v in fired], padding=3, fontsize=8, color=INK)
    if any(dropping):
        drop_ys = [y + off for y, d in zip(ys, dropping, strict=True) if d]
        drop_vals = [v for v, d in zip(dropped, dropping, strict=True) if d]
        bars = ax.barh(drop_ys, drop_vals, h, color=RED, label="dropped")
        ax.bar_label(bars, labels=[f"{v:,}" for v in drop_vals], padding=3, fontsize=8, color=INK)
        ax.legend(loc="lower right", ncols=2, bbox_to_anchor=(1, 1))
    ax.set_yticks(ys, names)
    ax.invert_yaxis()
    _count_axis(ax, fired + dropped, axis="x")
    ax.margins(x=0.12)
    return _svg(fig, "documents each rule fired on and dropped")


def _bin_labels(edges: list[float]) -> list[str]:
    def f(v: float) -> str:
        return f"{v:g}"

    return [f"{f(a)}–{f(b)}" for a, b in itertools.pairwise(edges)] + [f"≥{f(edges[-1])}"]


def is_boolean(edges: list[float]) -> bool:
    """A yes/no signal is binned with edges [0, 0.5, 1]: counts[0] no, counts[2] yes."""
    return list(edges) == [0.0, 0.5, 1.0]


@_styled
def signal_chart(signal: dict[str, Any], rule: str) -> str:
    """The distribution of a rule's main signal, with the rule-set threshold drawn on it."""
    name = signal["name"]
    edges = [float(e) for e in signal["edges"]]
    counts = [int(c) for c in signal["counts"]]
    threshold = signal.get("threshold")
    param = signal.get("param")
    fig = _figure(2.4)
    ax = fig.add_subplot()
    if is_boolean(edges):
        ax.bar(["no", "yes"], [counts[0], counts[-1]], 0.6, color=BLUE)
        ax.set_xlabel(name)
    else:
        # bins sit at their true positions so the threshold line lands where the value is; the
        # last bin is open above and drawn as wide as the one before it
        widths = [b - a for a, b in itertools.pairwise(edges)]
        widths.append(widths[-1] if widths else 1.0)
        ax.bar(edges, counts, widths, align="edge", color=BLUE, edgecolor="white", linewidth=0.5)
        ax.set_xlim(edges[0], edges[-1] + widths[-1])
        ax.set_xlabel(f"{name}  (last bar: ≥ {edges[-1]:g})")
        if isinstance(threshold, int | float) and not isinstance(threshold, bool):
            label = f"threshold {param} = {threshold:g}" if param else f"threshold {threshold:g}"
            ax.axvline(float(threshold), color=RED, linestyle="--", linewidth=1.6, label=label)
            ax.legend(loc="upper right")
    _count_axis(ax, counts)
    return _svg(fig, f"distribution of {name} ({rule})")


@_styled
def languages_chart(languages: dict[str, int], top: int = 12) -> str:
    """Documents per detected language: the `top` largest, the rest summed as `other`."""
    items = sorted(languages.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = items[:top]
    rest = sum(n for _, n in items[top:])
    if rest:
        shown.append((f"other ({len(items) - top})", rest))
    labels = [k for k, _ in shown]
    values = [n for _, n in shown]
    total = sum(languages.values()) or 1
    fig = _figure(0.9 + 0.3 * len(shown), left=_label_width(labels), right=0.1)
    ax = fig.add_subplot()
    bars = ax.barh(labels, values, 0.7, color=BLUE)
    ax.bar_label(
        bars,
        labels=[f"{v:,} ({100 * v / total:.1f} %)" for v in values],
        padding=3,
        fontsize=8,
        color=INK,
    )
    ax.invert_yaxis()
    _count_axis(ax, values, axis="x")
    ax.margins(x=0.2)
    return _svg(fig, "documents per detected language")


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


@_styled
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
    xs = list(range(len(labels)))
    w = 0.4
    fig = _figure(2.8, bottom=0.85, top=0.35)
    ax = fig.add_subplot()
    ax.bar([x - w / 2 for x in xs], before, w, color=GREY, label="before (every readable document)")
    ax.bar([x + w / 2 for x in xs], after, w, color=BLUE, label="after (kept documents)")
    ax.set_xticks(xs, labels, rotation=30, ha="right", rotation_mode="anchor")
    ax.set_xlabel("characters per document")
    _count_axis(ax, before + after)
    ax.legend(loc="lower right", ncols=2, bbox_to_anchor=(1, 1))
    return _svg(fig, "document length before and after cleaning")
