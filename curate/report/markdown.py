"""`report.md`: the summary in a form that fits a pull-request comment."""

from __future__ import annotations

from typing import Any


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:.1f} %" if d else "-"


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(r: dict[str, Any]) -> str:
    d = r["documents"]
    c = r["characters"]
    run = r["run"]
    out = [
        f"# curate report: {_cell(run['name'])}",
        "",
        f"Rule set `{_cell(run['ruleset']['name'])}` (hash `{run['ruleset']['hash']}`), "
        f"curate {r['curate_version']}, {run['seconds']:.1f} s.",
        "",
        "| documents | count | share |",
        "|---|---:|---:|",
        f"| input | {d['input']:,} | |",
        f"| kept | {d['kept']:,} | {_pct(d['kept'], d['input'])} |",
        f"| dropped | {d['dropped']:,} | {_pct(d['dropped'], d['input'])} |",
        f"| unreadable | {d['unreadable']:,} | {_pct(d['unreadable'], d['input'])} |",
        "",
        f"Characters: {c['input']:,} in, {c['output']:,} out, {c['removed']:,} removed by strip "
        f"actions ({_pct(c['removed'], c['input'])}).",
        "",
        "| rule | action | fired | dropped | chars removed |",
        "|---|---|---:|---:|---:|",
    ]
    readable = d["input"] - d["unreadable"]
    for name, rule in r["rules"].items():
        out.append(f"| `{name}` | {rule['action']} | {rule['fired']:,} ({_pct(rule['fired'], readable)}) "
                   f"| {rule['dropped']:,} | {rule['chars_removed']:,} |")
    if r.get("languages"):
        out += ["", "| language | documents |", "|---|---:|"]
        for code, n in list(r["languages"].items())[:15]:
            out.append(f"| {_cell(code)} | {n:,} |")
    if r.get("gates"):
        out += ["", "| gate | level | threshold | value | verdict |", "|---|---|---:|---:|---|"]
        for g in r["gates"]:
            out.append(f"| {_cell(g['gate'])} | {g['level']} | {g['threshold']} | {g['value']} "
                       f"| {g['verdict']} |")
    if d["unreadable"]:
        out += ["", f"Unreadable rows ({d['unreadable']:,}; first 10):", ""]
        for row in r["unreadable"]["rows"][:10]:
            out.append(f"- `{_cell(row['file'])}` line {row['line']}: {_cell(row['reason'])}")
    return "\n".join(out) + "\n"
