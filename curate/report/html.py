"""`report.html`: a minimal, self-contained page (the rich report with charts has its own issue).

Every string that comes from the corpus is escaped: the documents are untrusted web content.
"""

from __future__ import annotations

from html import escape
from typing import Any

from curate.report.markdown import _pct


def render_html(r: dict[str, Any]) -> str:
    d = r["documents"]
    run = r["run"]
    rows = "".join(
        f"<tr><td><code>{escape(n)}</code></td><td>{escape(v['action'])}</td><td>{v['fired']:,}</td>"
        f"<td>{v['dropped']:,}</td><td>{v['chars_removed']:,}</td></tr>"
        for n, v in r["rules"].items()
    )
    langs = "".join(f"<tr><td>{escape(k)}</td><td>{v:,}</td></tr>" for k, v in r["languages"].items())
    examples = []
    for name, v in r["rules"].items():
        for ex in v["examples"][:2]:
            examples.append(
                f"<h3>{escape(name)}: {escape(str(ex.get('id') or ex.get('file')))}</h3>"
                f"<details><summary>before / after</summary><pre>{escape(ex['before'])}</pre>"
                f"<pre>{escape(ex['after'])}</pre></details>")
    unread = "".join(
        f"<li><code>{escape(str(u['file']))}</code> line {u['line']}: {escape(u['reason'])}</li>"
        for u in r["unreadable"]["rows"][:50])
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>curate report: {escape(run['name'])}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.2rem .5rem}}
pre{{white-space:pre-wrap;background:#f6f6f6;padding:.5rem}}</style></head><body>
<h1>curate report: {escape(run['name'])}</h1>
<p>A minimal report: counts and examples only. <code>report.json</code> holds every number.</p>
<p>Rule set <code>{escape(run['ruleset']['name'])}</code> ({escape(run['ruleset']['hash'])}),
curate {escape(r['curate_version'])}, {run['seconds']:.1f} s.</p>
<table><tr><th>input</th><th>kept</th><th>dropped</th><th>unreadable</th></tr>
<tr><td>{d['input']:,}</td><td>{d['kept']:,} ({_pct(d['kept'], d['input'])})</td>
<td>{d['dropped']:,}</td><td>{d['unreadable']:,}</td></tr></table>
<h2>Rules</h2><table><tr><th>rule</th><th>action</th><th>fired</th><th>dropped</th>
<th>chars removed</th></tr>{rows}</table>
<h2>Languages</h2><table>{langs}</table>
<h2>Examples</h2>{''.join(examples)}
<h2>Unreadable rows</h2><ul>{unread}</ul>
</body></html>
"""
