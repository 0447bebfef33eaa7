"""`report.md`: the summary in a form that fits a pull-request comment (short tables, no images).

Corpus strings (repeated lines, file names, reasons) are untrusted: `_text` escapes them so that a
line holding `<img ...>`, `|` or `**` shows as written instead of breaking the comment. The length
is bounded whatever the corpus size: every list is capped.
"""

from __future__ import annotations

import re
from typing import Any

from curate.report.html import chars_removed_note, repeated_lines, skipped_count
from curate.report.html import pct as _pct

MD_TOP_LINES = 10
MD_LANGUAGES = 10
MD_UNREADABLE = 10
MD_SKIPPED = 10
MD_LINE_CHARS = 80

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#!~&])")


def _text(value: Any, limit: int | None = None) -> str:
    """Untrusted text for a Markdown table cell: one line, clipped, Markdown and HTML escaped."""
    s = " ".join(str(value).split())
    if limit and len(s) > limit:
        s = s[: limit - 1] + "…"
    return _MD_SPECIAL.sub(r"\\\1", s)


def _cell(text: Any) -> str:
    """Trusted text (rule names, codes) in a table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def summary_lines(r: dict[str, Any]) -> list[str]:
    """Documents, characters and the per-rule table: the core every rendering shares."""
    d = r["documents"]
    c = r.get("characters", {})
    out = [
        "| documents | count | share |",
        "|---|---:|---:|",
        f"| input | {d['input']:,} | |",
        f"| kept | {d['kept']:,} | {_pct(d['kept'], d['input'])} |",
        f"| dropped | {d['dropped']:,} | {_pct(d['dropped'], d['input'])} |",
        f"| unreadable | {d['unreadable']:,} | {_pct(d['unreadable'], d['input'])} |",
        "",
        f"Characters: {c.get('input', 0):,} in, {c.get('output', 0):,} out, "
        f"{c.get('removed', 0):,} removed by strip actions "
        f"({_pct(c.get('removed', 0), c.get('input', 0))}).",
    ]
    if r["rules"]:
        out += [
            "",
            "| rule | action | fired | dropped | chars removed |",
            "|---|---|---:|---:|---:|",
        ]
        readable = d["input"] - d["unreadable"]
        for name, rule in r["rules"].items():
            out.append(
                f"| `{_cell(name)}` | {_cell(rule['action'])} | {rule['fired']:,} "
                f"({_pct(rule['fired'], readable)}) | {rule['dropped']:,} "
                f"| {rule['chars_removed']:,} |"
            )
        note = chars_removed_note(r)
        if note:
            out += ["", _text(note)]
    return out


def top_lines_lines(r: dict[str, Any], limit: int = MD_TOP_LINES) -> list[str]:
    lines = [line for _, line in repeated_lines(r)]
    if not lines:
        return []
    readable = r["documents"]["input"] - r["documents"]["unreadable"]
    out = [
        "",
        "Most repeated lines across the corpus:",
        "",
        "| documents | share | line |",
        "|---:|---:|---|",
    ]
    for line in lines[:limit]:
        n = line.get("documents", 0)
        out.append(
            f"| {n:,} | {_pct(n, readable)} | {_text(line.get('text', ''), MD_LINE_CHARS)} |"
        )
    return out


def languages_lines(r: dict[str, Any], limit: int = MD_LANGUAGES) -> list[str]:
    langs = r.get("languages") or {}
    if not langs:
        return []
    total = sum(langs.values())
    out = ["", "| language | documents | share |", "|---|---:|---:|"]
    for code, n in list(langs.items())[:limit]:
        out.append(f"| {_text(code)} | {n:,} | {_pct(n, total)} |")
    if len(langs) > limit:
        rest = sum(list(langs.values())[limit:])
        out.append(f"| {len(langs) - limit} others | {rest:,} | {_pct(rest, total)} |")
    return out


def render_markdown(r: dict[str, Any]) -> str:
    d = r["documents"]
    run = r["run"]
    out = [
        f"# curate report: {_text(run['name'])}",
        "",
        f"Rule set `{_cell(run['ruleset']['name'])}` (hash `{run['ruleset']['hash']}`), "
        f"curate {r['curate_version']}, {run['seconds']:.1f} s"
        + (
            f", input fingerprint `{run['input_fingerprint']}`."
            if run.get("input_fingerprint")
            else "."
        ),
        "",
        *summary_lines(r),
        *top_lines_lines(r),
        *languages_lines(r),
    ]
    if r.get("gates"):
        out += ["", "| gate | level | threshold | value | verdict |", "|---|---|---:|---:|---|"]
        for g in r["gates"]:
            value = "not measured" if g.get("value") is None else g["value"]
            note = f" ({_text(g['note'])})" if g.get("note") else ""
            out.append(
                f"| {_cell(g['gate'])} | {_cell(g['level'])} | {_cell(g['threshold'])} "
                f"| {value} | {_cell(g['verdict'])}{note} |"
            )
    if d["unreadable"]:
        rows = r["unreadable"]["rows"][:MD_UNREADABLE]
        out += ["", f"Unreadable rows ({d['unreadable']:,}; first {len(rows)}):", ""]
        for row in rows:
            out.append(f"- {_text(row['file'])} line {row['line']}: {_text(row['reason'], 200)}")
    skipped = skipped_count(r)  # (report.json lists at most 1,000 of them)
    if skipped:
        shown = (r.get("skipped_files") or [])[:MD_SKIPPED]
        files = "files" if skipped > 1 else "file"
        out += ["", f"Skipped {skipped:,} {files} of other types (not inputs):", ""]
        out += [f"- {_text(f, 200)}" for f in shown]
        if skipped > len(shown):
            out.append(f"- … and {skipped - len(shown):,} more")
    out += ["", "Examples, charts and the distribution of every signal: `report.html`."]
    return "\n".join(out) + "\n"
