"""`report.html`: one self-contained page that answers what is wrong with a corpus, how bad, where,
and shows it.

The page is rendered from the report dict alone (the same numbers as `report.json`). It needs no
network and runs no script: charts are inline SVG written by `curate.report.charts`,
styles are inline. Its size does not grow with the corpus: the report already holds histograms
and a bounded sample of examples, and the page caps every list it shows.

Every string that can come from the corpus or the command line (document text, ids, file names,
repeated lines, reasons, run names) goes through `escape`: the documents are untrusted web content,
and a document holding `<script>` must show as text.
"""

from __future__ import annotations

from html import escape
from typing import Any

from curate.report.charts import is_boolean

MAX_TOP_LINES = 50  # repeated lines listed
MAX_LINE_CHARS = 300  # of one repeated line shown
MAX_LANGUAGES = 200  # rows of the language table
MAX_UNREADABLE = 100  # unreadable rows listed (report.json lists up to 1000)
MAX_SKIPPED = 100


def e(value: Any) -> str:
    """Escape anything for HTML text or a quoted attribute."""
    return escape(str(value), quote=True)


def _n(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else e(value)


def _many(n: int, noun: str) -> str:
    return f"{_n(n)} {noun}" + ("" if n == 1 else "s")


def _docs(n: int) -> str:
    return _many(n, "document")


def pct(n: int | float, d: int | float) -> str:
    """A share that stays readable from 10 documents to 10 million: never '0.0 %' for a non-zero."""
    if not d:
        return "–"
    p = 100 * n / d
    if 0 < p < 0.1:
        return "<0.1 %"
    if 99.9 < p < 100:
        return ">99.9 %"
    return f"{p:.1f} %"


def _readable(r: dict[str, Any]) -> int:
    d = r["documents"]
    return d["input"] - d["unreadable"]


# -- pieces ----------------------------------------------------------------------------------------


def _cards(r: dict[str, Any]) -> str:
    d = r["documents"]
    c = r.get("characters", {})
    items = [
        ("input", _n(d["input"]), "rows seen"),
        ("kept", _n(d["kept"]), pct(d["kept"], d["input"])),
        ("dropped", _n(d["dropped"]), pct(d["dropped"], d["input"])),
        ("unreadable", _n(d["unreadable"]), pct(d["unreadable"], d["input"])),
        (
            "characters removed",
            _n(c.get("removed", 0)),
            pct(c.get("removed", 0), c.get("input", 0)) + " of " + _n(c.get("input", 0)),
        ),
    ]
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card {e(k.split()[0])}"><div class="k">{e(k)}</div>'
            f'<div class="v">{v}</div><div class="s">{s}</div></div>'
            for k, v, s in items
        )
        + "</div>"
    )


def _findings(r: dict[str, Any]) -> str:
    readable = _readable(r)
    out = []
    order = sorted(r["rules"].items(), key=lambda kv: (-kv[1].get("fired", 0), kv[0]))
    for name, rule in order:
        fired = rule.get("fired", 0)
        text = (
            f'<a href="#rule-{e(name)}"><code>{e(name)}</code></a> ({e(rule["action"])}) '
            f"fired on {_docs(fired)} ({pct(fired, readable)})"
        )
        if rule.get("dropped"):
            text += f" and dropped {_n(rule['dropped'])}"
        if rule.get("chars_removed"):
            text += (
                f" and removed {_many(rule.get('lines_removed', 0), 'line')}, "
                f"{_n(rule['chars_removed'])} characters"
            )
        out.append(text + ".")
    langs = r.get("languages") or {}
    if langs:
        total = sum(langs.values())
        top = ", ".join(f"{e(k)} {pct(v, total)}" for k, v in list(langs.items())[:4])
        out.append(
            f'<a href="#languages">Languages</a>: {top}'
            + (f" and {len(langs) - 4} more" if len(langs) > 4 else "")
            + "."
        )
    top_line = next(iter(repeated_lines(r)), None)
    if top_line:
        rule, line = top_line
        out.append(
            f'The <a href="#repeated">most repeated line</a>, '
            f'<q class="corpus">{e(_clip(line.get("text", ""), 80))}</q>, is in '
            f"{_docs(line.get('documents', 0))} ({pct(line.get('documents', 0), readable)})."
        )
    if r["documents"]["unreadable"]:
        out.append(
            f'<a href="#unreadable">{_many(r["documents"]["unreadable"], "row")}</a> '
            "could not be read."
        )
    return '<ul class="findings">' + "".join(f"<li>{x}</li>" for x in out) + "</ul>"


def _run_facts(r: dict[str, Any]) -> str:
    run = r["run"]
    rs = run.get("ruleset", {})
    inputs = run.get("inputs") or []
    rows = [
        (
            "rule set",
            f"<code>{e(rs.get('name'))}</code> · hash <code>{e(rs.get('hash'))}</code>"
            + (f" · {e(rs.get('source'))}" if rs.get("source") else ""),
        ),
        (
            "input",
            "<br>".join(f"<code>{e(i)}</code>" for i in inputs[:20])
            + (f"<br>… and {len(inputs) - 20} more" if len(inputs) > 20 else ""),
        ),
        (
            "input fingerprint",
            f"<code>{e(run.get('input_fingerprint', ''))}</code>"
            f" · {_n(run.get('shards', 0))} shard(s)",
        ),
        (
            "time",
            f"{run.get('seconds', 0):,.1f} s · engine {e(run.get('engine', 'local'))}, "
            f"{_n(run.get('workers', 1))} worker(s)",
        ),
        (
            "curate",
            f"{e(r.get('curate_version', '?'))} · report schema {e(r.get('schema_version', '?'))}",
        ),
        ("command", f"<code>{e(run.get('command', ''))}</code>"),
    ]
    return (
        '<table class="facts">'
        + "".join(f"<tr><th>{e(k)}</th><td>{v}</td></tr>" for k, v in rows)
        + "</table>"
    )


def _rules_table(r: dict[str, Any]) -> str:
    readable = _readable(r)
    body = "".join(
        f'<tr><td><a href="#rule-{e(n)}"><code>{e(n)}</code></a></td><td>{e(v["action"])}</td>'
        f'<td class="num">{_n(v.get("fired", 0))}</td>'
        f'<td class="num">{pct(v.get("fired", 0), readable)}</td>'
        f'<td class="num">{_n(v.get("dropped", 0))}</td>'
        f'<td class="num">{_n(v.get("lines_removed", 0))}</td>'
        f'<td class="num">{_n(v.get("chars_removed", 0))}</td></tr>'
        for n, v in r["rules"].items()
    )
    note = chars_removed_note(r)
    return (
        '<table class="grid"><thead><tr><th>rule</th><th>action</th><th>fired</th>'
        "<th>share</th><th>dropped</th><th>lines removed</th><th>chars removed</th></tr></thead>"
        f"<tbody>{body}</tbody></table>" + (f'<p class="muted">{e(note)}</p>' if note else "")
    )


def chars_removed_note(r: dict[str, Any]) -> str:
    """Why the rules' "chars removed" do not add up to the run's "characters removed", or "" when
    they do. A rule counts the lines it removed, each with its line break; the run counts the
    characters the documents lost, which also takes the blank lines a removal left doubled, first
    or last (tidied away, no rule's), and not the missing line break after a document's last
    line when every line of it was removed."""
    per_rule = sum(int(v.get("chars_removed", 0)) for v in r["rules"].values())
    total = int((r.get("characters") or {}).get("removed", 0))
    if total == per_rule:
        return ""
    head = f"The rules' figures add up to {per_rule:,} characters, the total removed is {total:,}: "
    if total > per_rule:
        return head + (
            f"the other {total - per_rule:,} characters are blank lines that the removals left "
            "doubled or at the start or end of a document, tidied away."
        )
    return head + (
        "a rule counts each line it removed with its line break, and a document whose every line "
        "was removed has none after its last line."
    )


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _marked(text: str, spans: list[tuple[int, int, str]]) -> str:
    """`text` escaped, with each (start, end, css class) span wrapped in <mark>. Character offsets;
    spans may overlap (the first one listed wins)."""
    out, pos = [], 0
    for start, end, cls in sorted((max(0, int(a)), min(len(text), int(b)), c) for a, b, c in spans):
        if end <= pos:
            continue
        start = max(start, pos)
        out.append(e(text[pos:start]))
        out.append(f'<mark class="{cls}">{e(text[start:end])}</mark>')
        pos = end
    out.append(e(text[pos:]))
    return "".join(out)


def _removed_lines(before: str, after: str, complete: bool) -> list[tuple[int, int]]:
    """Character spans of the lines of `before` that are gone from `after`: what every strip rule
    (and the tidying of blank lines) removed, found by a line diff. A bounded loop: examples hold
    at most a few thousand characters. When `before` is cut short, its last line is partial and
    left out."""
    import difflib

    lines = before.split("\n")
    offsets, pos = [], 0
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1
    last = len(lines) if complete else len(lines) - 1
    matcher = difflib.SequenceMatcher(None, lines, after.split("\n"), autojunk=False)
    out = []
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag in ("delete", "replace"):
            for i in range(i1, min(i2, last)):
                out.append((offsets[i], offsets[i] + len(lines[i]) + 1))
    return out


def _signal_value(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, list):
        return e(_clip(", ".join(map(str, v)), 80))
    return e(_clip(str(v), 80))


def _example(rule: str, rule_info: dict[str, Any], ex: dict[str, Any], i: int) -> str:
    before = ex.get("before") or ""
    after = ex.get("after") or ""
    spans = ex.get("spans") or []
    where = []
    if ex.get("id") is not None:
        where.append(f"id <code>{e(ex['id'])}</code>")
    if ex.get("file"):
        where.append(
            f"<code>{e(ex['file'])}</code>" + (f" line {_n(ex['line'])}" if ex.get("line") else "")
        )
    full = ex.get("before_chars", len(before))
    verdict = (
        '<span class="badge dropped">dropped</span>'
        if ex.get("dropped")
        else '<span class="badge kept">kept</span>'
    )
    main = (rule_info.get("signal") or {}).get("name")
    sigs = "".join(
        f'<span class="sig{" main" if k == main else ""}">{e(k)} = {_signal_value(v)}</span>'
        for k, v in (ex.get("signals") or {}).items()
    )
    cut = (
        f" · showing the first {_n(len(before))} of {_n(full)} characters"
        if full > len(before)
        else f" · {_n(full)} characters"
    )
    if ex.get("dropped_by"):  # (on the closed card too: what dropped it is the first question)
        verdict += f" by {_rule_names(ex['dropped_by'])} ·"
    head = f"{verdict} {' · '.join(where) or 'document'}{cut}"
    rules_line = (
        f'<div class="rules-hit">rules fired: {_rule_names(ex.get("flags"))}</div>'
        if "flags" in ex
        else ""
    )
    marks = [(a, b, "this") for a, b in spans]
    if after != before:
        mine = {a for a, _ in spans}
        marks += [
            (a, b, "other")
            for a, b in _removed_lines(before, after, full <= len(before))
            if a not in mine
        ]
    legend = []
    if spans:
        removed = sum(min(b, len(before)) - a for a, b in spans if a < len(before))
        legend.append(
            f'<mark class="this">removed by <code>{e(rule)}</code></mark> '
            f"({_many(len(spans), 'line')}, {_many(removed, 'character')})"
        )
    if len(marks) > len(spans):
        legend.append('<mark class="other">removed by other strip rules</mark>')
    legend_html = f'<span class="legend">{" · ".join(legend)}</span>' if legend else ""
    if after == before:
        panes = (
            f'<div class="pane"><div class="ph">text (unchanged by strip rules)</div>'
            f'<pre class="corpus">{_marked(before, marks)}</pre></div>'
        )
    else:
        panes = (
            f'<div class="pane"><div class="ph">before{": " if legend else ""}{legend_html}</div>'
            f'<pre class="corpus">{_marked(before, marks)}</pre></div>'
            f'<div class="pane"><div class="ph">after (every strip rule applied'
            f"{'; the document was dropped' if ex.get('dropped') else ''})</div>"
            f'<pre class="corpus">{e(after)}</pre></div>'
        )
    return (
        f'<details class="example"{" open" if i == 0 else ""}><summary>{head}</summary>'
        f'{rules_line}<div class="sigs">{sigs}</div><div class="panes">{panes}</div></details>'
    )


def _rule_names(names: Any) -> str:
    """Rule names from a row (`curate_flags`, `curate_dropped_by`), escaped, or "none"."""
    return ", ".join(f"<code>{e(name)}</code>" for name in names or []) or "none"


def _params(params: dict[str, Any]) -> str:
    if not params:
        return ""
    return (
        '<div class="params">'
        + " ".join(
            f"<span><code>{e(k)}</code> = {e(_param_value(v))}</span>" for k, v in params.items()
        )
        + "</div>"
    )


PARAM_ITEMS = 8  # a list parameter (phrase lists run to dozens) shows this many items, then a count


def _param_value(v: Any) -> str:
    if not isinstance(v, list):
        return str(v)
    shown = ", ".join(map(str, v[:PARAM_ITEMS])) or "[]"
    return shown + (f", … (+{len(v) - PARAM_ITEMS} more)" if len(v) > PARAM_ITEMS else "")


def _rule_section(name: str, rule: dict[str, Any], readable: int) -> str:
    from curate.report.charts import signal_chart

    parts = [
        f'<section class="rule" id="rule-{e(name)}"><h3><code>{e(name)}</code> '
        f'<span class="badge action">{e(rule["action"])}</span></h3>'
    ]
    if rule.get("doc"):
        parts.append(f'<p class="doc">{e(rule["doc"])}</p>')
    stat = (
        f"Fired on {_n(rule.get('fired', 0))} of {_docs(readable)} "
        f"({pct(rule.get('fired', 0), readable)})"
    )
    if rule.get("action") == "drop":
        stat += f", dropped {_n(rule.get('dropped', 0))}"
    if rule.get("action") == "strip":
        stat += (
            f", removed {_many(rule.get('lines_removed', 0), 'line')} and "
            f"{_n(rule.get('chars_removed', 0))} characters"
        )
    parts.append(f"<p>{stat}.</p>{_params(rule.get('params') or {})}")
    signal = rule.get("signal")
    if signal and signal.get("counts") and sum(signal["counts"]):
        parts.append(
            f"<figure>{signal_chart(signal, name)}<figcaption>Distribution of "
            f"<code>{e(signal['name'])}</code> over every readable document"
            + (
                ""
                if is_boolean(signal["edges"]) or signal.get("threshold") is None
                else "; the dashed line is the rule-set threshold"
            )
            + ".</figcaption></figure>"
        )
    examples = rule.get("examples") or []
    if examples:
        parts.append(
            f"<h4>Examples ({len(examples)}, chosen by hash so every run picks the same)</h4>"
        )
        parts += [_example(name, rule, ex, i) for i, ex in enumerate(examples)]
    elif rule.get("fired"):
        parts.append('<p class="muted">No examples recorded.</p>')
    return "".join(parts) + "</section>"


def repeated_lines(r: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(rule, line) for each corpus pass's most frequent lines that recur: a line in a single
    document is not repeated, though a pass lists it when the corpus has nothing more frequent
    (one document, or no line twice)."""
    out = []
    for rule, summary in (r.get("corpus") or {}).items():
        if isinstance(summary, dict):
            for line in summary.get("top_lines") or []:
                if isinstance(line, dict) and _count(line.get("documents")) >= 2:
                    out.append((rule, line))
    return out


def _count(v: Any) -> int:
    return v if isinstance(v, int) and not isinstance(v, bool) else 0


def _repeated(r: dict[str, Any]) -> str:
    lines = repeated_lines(r)
    if not lines:
        return ""
    readable = _readable(r)
    body = "".join(
        f'<tr><td class="num">{i}</td><td class="num">{_n(line.get("documents", 0))}</td>'
        f'<td class="num">{pct(line.get("documents", 0), readable)}</td>'
        f'<td><code class="corpus line">'
        f"{e(_clip(str(line.get('text', '')), MAX_LINE_CHARS))}</code>"
        + (f' <span class="muted">({e(rule)})</span>' if len({x for x, _ in lines}) > 1 else "")
        + "</td></tr>"
        for i, (rule, line) in enumerate(lines[:MAX_TOP_LINES], 1)
    )
    more = (
        f'<p class="muted">{len(lines) - MAX_TOP_LINES} more in report.json.</p>'
        if len(lines) > MAX_TOP_LINES
        else ""
    )
    return (
        '<section id="repeated"><h2>Most repeated lines across the corpus</h2>'
        "<p>Lines found in many documents are usually navigation, widgets or footers. Found by "
        "counting across the whole corpus, not by a list.</p>"
        '<table class="grid lines"><thead><tr><th>#</th><th>documents</th><th>share</th>'
        f"<th>line</th></tr></thead><tbody>{body}</tbody></table>{more}</section>"
    )


MAX_CORPUS_ITEMS = 20  # per list in a corpus summary


def _scalar(v: Any) -> bool:
    return isinstance(v, int | float | str | bool) or v is None


def _corpus_other(r: dict[str, Any]) -> str:
    """What the corpus passes found beyond the repeated lines (length spikes, clusters ...), shown
    generically so a new corpus rule appears without touching this page: numbers as a table, lists
    of sentences as bullets, lists of records as small tables; every list capped."""
    figures, parts = [], []
    for rule, summary in (r.get("corpus") or {}).items():
        if not isinstance(summary, dict):
            continue
        for k, v in summary.items():
            if k == "top_lines":
                continue
            if _scalar(v):
                figures.append(
                    f"<tr><td><code>{e(rule)}</code></td><td>{e(k)}</td>"
                    f'<td class="num">{_n(v)}</td></tr>'
                )
            elif isinstance(v, list) and v and all(isinstance(x, str) for x in v):
                items = "".join(f"<li>{e(_clip(x, 300))}</li>" for x in v[:MAX_CORPUS_ITEMS])
                parts.append(f"<h3><code>{e(rule)}</code>: {e(k)}</h3><ul>{items}</ul>")
            elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
                cols = list(dict.fromkeys(c for x in v[:MAX_CORPUS_ITEMS] for c in x))
                head = "".join(f"<th>{e(c)}</th>" for c in cols)
                body = "".join(
                    "<tr>"
                    + "".join(
                        f"<td>{_n(x.get(c)) if _scalar(x.get(c)) else '…'}</td>" for c in cols
                    )
                    + "</tr>"
                    for x in v[:MAX_CORPUS_ITEMS]
                )
                parts.append(
                    f'<h3><code>{e(rule)}</code>: {e(k)}</h3><table class="grid">'
                    f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
                )
    if not figures and not parts:
        return ""
    table = (
        '<table class="grid"><thead><tr><th>rule</th><th>figure</th><th>value</th></tr></thead>'
        "<tbody>" + "".join(figures[:200]) + "</tbody></table>"
        if figures
        else ""
    )
    return f'<section id="corpus"><h2>Corpus-level findings</h2>{table}{"".join(parts)}</section>'


def _languages(r: dict[str, Any]) -> str:
    from curate.report.charts import languages_chart

    langs = r.get("languages") or {}
    if not langs:
        return ""
    total = sum(langs.values())
    rows = "".join(
        f'<tr><td>{e(k)}</td><td class="num">{_n(v)}</td><td class="num">{pct(v, total)}</td></tr>'
        for k, v in list(langs.items())[:MAX_LANGUAGES]
    )
    return (
        '<section id="languages"><h2>Language mix</h2>'
        f"<figure>{languages_chart(langs)}<figcaption>Detected language of every readable "
        "document; <code>und</code>: too short or too mixed to judge, or in a language the "
        "detector does not know.</figcaption></figure>"
        f'<details><summary>table ({len(langs)} languages)</summary><table class="grid">'
        "<thead><tr><th>language</th><th>documents</th><th>share</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></details></section>"
    )


def _lengths(r: dict[str, Any]) -> str:
    from curate.report.charts import _length_labels, lengths_chart

    lengths = r.get("lengths") or {}
    if not lengths.get("edges") or not (
        sum(lengths.get("before") or []) or sum(lengths.get("after") or [])
    ):
        return ""
    labels = _length_labels(lengths["edges"])
    before = lengths.get("before") or [0] * len(labels)
    after = lengths.get("after") or [0] * len(labels)
    rows = "".join(
        f'<tr><td>{e(lab)}</td><td class="num">{_n(b)}</td><td class="num">{_n(a)}</td></tr>'
        for lab, b, a in zip(labels, before, after, strict=False)
    )
    return (
        '<section id="lengths"><h2>Document length</h2>'
        f"<figure>{lengths_chart(lengths)}<figcaption>Characters per document: every readable "
        "document before cleaning, the kept documents after strip actions.</figcaption></figure>"
        '<details><summary>table</summary><table class="grid"><thead><tr><th>characters</th>'
        f"<th>before</th><th>after</th></tr></thead><tbody>{rows}</tbody></table></details>"
        "</section>"
    )


def _unreadable(r: dict[str, Any]) -> str:
    u = r.get("unreadable") or {}
    count = u.get("count", r["documents"]["unreadable"])
    if not count:
        return ""
    rows = u.get("rows") or []
    body = "".join(
        f'<tr><td><code>{e(x.get("file"))}</code></td><td class="num">{_n(x.get("line"))}'
        f"</td><td>{e(_clip(str(x.get('reason', '')), 300))}</td></tr>"
        for x in rows[:MAX_UNREADABLE]
    )
    shown = min(len(rows), MAX_UNREADABLE)
    note = f'<p class="muted">Showing {shown:,} of {count:,}.</p>' if shown < count else ""
    return (
        '<section id="unreadable"><h2>Unreadable rows</h2><p>Rows that could not be read at all '
        "are counted in the input, kept out of both splits and listed here.</p>"
        '<table class="grid"><thead><tr><th>file</th><th>line</th><th>reason</th></tr></thead>'
        f"<tbody>{body}</tbody></table>{note}</section>"
    )


def skipped_count(r: dict[str, Any]) -> int:
    """How many files the run skipped for their type: report.json lists at most 1,000 of them;
    a report from before `skipped_count` has only that list."""
    return max(r.get("skipped_count") or 0, len(r.get("skipped_files") or []))


def _skipped(r: dict[str, Any]) -> str:
    files = r.get("skipped_files") or []
    count = skipped_count(r)
    if not count:
        return ""
    shown = files[:MAX_SKIPPED]
    items = "".join(f"<li><code>{e(f)}</code></li>" for f in shown)
    more = f"<li>… and {count - len(shown):,} more</li>" if count > len(shown) else ""
    return (
        f'<section id="skipped"><h2>Skipped files</h2><p>{count:,} '
        f"file{'s' if count > 1 else ''} in the input folders that "
        f"{'are' if count > 1 else 'is'} not a known input type.</p>"
        f"<ul>{items}{more}</ul></section>"
    )


def _gates(r: dict[str, Any]) -> str:
    gates = r.get("gates")
    if not gates:
        return ""
    body = "".join(
        f'<tr class="{ {"FAIL": "fail", "WARN": "warn"}.get(g["verdict"], "") }">'
        f"<td><code>{e(g['gate'])}</code></td><td>{e(g['level'])}</td>"
        f'<td class="num">{e(g["threshold"])}</td>'
        f'<td class="num">{"not measured" if g.get("value") is None else e(g["value"])}</td>'
        f"<td>{e(g['verdict'])}{' (' + e(g['note']) + ')' if g.get('note') else ''}</td></tr>"
        for g in gates
    )
    return (
        '<section id="gates"><h2>Gates</h2><table class="grid"><thead><tr><th>gate</th>'
        "<th>level</th><th>threshold</th><th>value</th><th>verdict</th></tr></thead>"
        f"<tbody>{body}</tbody></table></section>"
    )


# no script, no fetch of any kind: even a corpus string that escaped escaping could not run
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
CSS = """
:root{--ink:#222;--muted:#666;--line:#ddd;--bg:#fafafa;--blue:#4c72b0;--red:#c44e52;
--orange:#dd8452;--mark:#ffd6d6}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);
margin:0;background:#fff}
main{max-width:72rem;margin:0 auto;padding:1rem 1.5rem 4rem}
header{border-bottom:1px solid var(--line);margin-bottom:1rem}
h1{font-size:1.6rem;margin:.5rem 0 .2rem}h2{font-size:1.3rem;margin:2.2rem 0 .6rem;
border-bottom:1px solid var(--line);padding-bottom:.2rem}h3{font-size:1.1rem;margin:1.6rem 0 .3rem}
h4{font-size:.95rem;margin:1rem 0 .4rem}
nav{position:sticky;top:0;background:#fff;padding:.4rem 0;border-bottom:1px solid var(--line);
z-index:1;font-size:.9rem}nav a{margin-right:1rem;text-decoration:none;color:var(--blue)}
a{color:var(--blue)}code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;
font-size:.88em}
.muted,.sub{color:var(--muted)}.sub{margin:0 0 .6rem}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(9.5rem,1fr));gap:.6rem;
margin:1rem 0}
.card{border:1px solid var(--line);border-radius:6px;padding:.5rem .8rem;background:var(--bg)}
.card .k{font-size:.8rem;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}
.card .v{font-size:1.5rem;font-weight:600}.card .s{font-size:.85rem;color:var(--muted)}
.card.dropped .v{color:var(--red)}.card.kept .v{color:var(--blue)}
.findings li{margin:.15rem 0}
table{border-collapse:collapse;margin:.4rem 0}
.grid th,.grid td,.facts th,.facts td{border-bottom:1px solid var(--line);padding:.25rem .6rem;
text-align:left;vertical-align:top}
.grid thead th{background:var(--bg);font-weight:600}.num{text-align:right;
font-variant-numeric:tabular-nums;white-space:nowrap}
.facts th{color:var(--muted);font-weight:normal;white-space:nowrap}.facts td{word-break:break-all}
tr.fail td{background:#fde2e2}tr.warn td{background:#fff3d6}
figure{margin:.6rem 0}figcaption{font-size:.85rem;color:var(--muted)}
svg.chart{width:100%;max-width:52rem;height:auto;display:block}
svg.chart *{stroke-linejoin:round;stroke-linecap:butt}
.badge{font-size:.75rem;padding:.05rem .45rem;border-radius:999px;border:1px solid var(--line);
font-weight:normal;vertical-align:middle}
.rules-hit{padding:.3rem .7rem 0;font-size:.85rem}
.badge.dropped{background:#fde2e2;border-color:#f3b5b5}.badge.kept{background:#e3ecf8;
border-color:#bcd0ec}.badge.action{background:var(--bg)}
.doc{margin:.2rem 0 .4rem}
.params{font-size:.82rem;color:var(--muted);margin:.3rem 0}.params span{margin-right:1rem;
display:inline-block;max-width:100%;overflow-wrap:anywhere}
details.example{border:1px solid var(--line);border-radius:6px;margin:.5rem 0;background:#fff}
details.example>summary{cursor:pointer;padding:.4rem .7rem;background:var(--bg);font-size:.9rem;
overflow-wrap:anywhere}
.sigs{padding:.3rem .7rem;font-size:.78rem;color:var(--muted);display:flex;flex-wrap:wrap;
gap:.2rem 1rem}
.sig.main{color:var(--ink);font-weight:600}
.panes{display:grid;grid-template-columns:repeat(auto-fit,minmax(22rem,1fr));gap:.6rem;
padding:0 .7rem .7rem}
.ph{font-size:.8rem;color:var(--muted);margin:.2rem 0}
pre.corpus{white-space:pre-wrap;overflow-wrap:anywhere;max-height:36rem;overflow:auto;margin:0;
padding:.5rem .6rem;background:var(--bg);border:1px solid var(--line);border-radius:4px;
font-size:.8rem;line-height:1.45;unicode-bidi:plaintext}
.corpus{unicode-bidi:isolate}
mark.this{background:var(--mark);color:#700;text-decoration:line-through;
text-decoration-color:#c88}mark.other{background:#e8e8e8;color:#666;text-decoration:line-through;
text-decoration-color:#aaa}.legend mark{text-decoration:none;padding:0 .2rem}
.lines td:last-child{overflow-wrap:anywhere}
code.line{white-space:pre-wrap}
@media (max-width:40rem){main{padding:.5rem}.panes{grid-template-columns:1fr}}
"""


def render_html(r: dict[str, Any]) -> str:
    run = r["run"]
    readable = _readable(r)
    rs = run.get("ruleset", {})
    nav = [("summary", "Summary"), ("rules", "Rules")]
    repeated = _repeated(r)
    if repeated:
        nav.append(("repeated", "Repeated lines"))
    languages = _languages(r)
    if languages:
        nav.append(("languages", "Languages"))
    lengths = _lengths(r)
    if lengths:
        nav.append(("lengths", "Lengths"))
    unreadable = _unreadable(r)
    if unreadable:
        nav.append(("unreadable", "Unreadable"))
    gates = _gates(r)
    if gates:
        nav.append(("gates", "Gates"))
    rules_part = ""
    if r["rules"]:
        from curate.report.charts import rules_chart

        rules_part = (
            f"<figure>{rules_chart(r['rules'])}<figcaption>Documents each rule fired on, "
            "and documents it dropped (a drop rule, or a strip rule that left a document with no "
            "text).</figcaption>"
            f"</figure>{_rules_table(r)}"
            + "".join(_rule_section(n, v, readable) for n, v in r["rules"].items())
        )
    else:
        rules_part = "<p>The rule set has no rules.</p>"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>curate report: {e(run["name"])}</title>
<style>{CSS}</style></head><body><main>
<header><h1>curate report: {e(run["name"])}</h1>
<p class="sub">rule set <code>{e(rs.get("name"))}</code> (hash <code>{e(rs.get("hash"))}</code>) ·
curate {e(r.get("curate_version"))} · {run.get("seconds", 0):,.1f} s · input fingerprint
<code>{e(run.get("input_fingerprint", ""))}</code></p></header>
<nav>{"".join(f'<a href="#{k}">{e(v)}</a>' for k, v in nav)}</nav>
<section id="summary"><h2>Summary</h2>{_cards(r)}{_findings(r)}{gates}
<details><summary>run details</summary>{_run_facts(r)}</details></section>
<section id="rules"><h2>Rules</h2>{rules_part}</section>
{repeated}{_corpus_other(r)}{languages}{lengths}{unreadable}{_skipped(r)}
<footer><p class="muted">Every number on this page comes from <code>report.json</code> (schema
version {e(r.get("schema_version"))}) written beside it.</p></footer>
</main></body></html>
"""
