"""`curate diff REPORT_A REPORT_B`: what got better or worse from run A to run B, overall and per
rule, from two `report.json` files.

Shares are compared, not counts, so runs over corpora of different sizes compare. A change gets a
verdict (better/worse) only when it is larger than chance would make it: for shares of documents a
two-proportion z-test (|z| >= 1.96, about 95 %), so 1 document out of 10 is not called a trend;
for the share of characters removed, a change of at least CHARS_TOLERANCE (characters are not
independent draws, so no test applies). Everything else is "~" (within noise) or "=" (identical).

Unreadable rows are the exception: one more is worse, one fewer better, whatever the sample size
(a `max_unreadable: 0` gate fails on a single row; no row of input should be lost).

Lower is better for every share compared (dropped, unreadable, characters removed, documents a
rule fired on): a rule firing less means cleaner data. The language mix has no better or worse; its
largest moves are listed. A run whose rule set has no language rule has no language mix: its side
is "not measured", not a fall to zero.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from curate.errors import UsageError

Z_CRITICAL = 1.96
CHARS_TOLERANCE = 0.001  # 0.1 percentage point of all characters
MAX_LANGUAGES = 8


def load_report(path: str | Path) -> dict[str, Any]:
    """A report.json, or a report folder holding one. A bad path or file is a UsageError."""
    p = Path(path)
    if p.is_dir():
        p = p / "report.json"
    if not p.is_file():
        raise UsageError(f"{path}: no such report (give a report.json or the folder holding it)")
    try:
        report = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise UsageError(f"{p}: not a readable report.json ({err})") from None
    if not isinstance(report, dict) or not {"documents", "rules", "run"} <= set(report):
        raise UsageError(f"{p}: not a curate report (needs the keys documents, rules and run)")
    from curate.report import SCHEMA_VERSION

    version = report.get("schema_version")
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise UsageError(
            f"{p}: report schema version {version!r}; this curate reads up to "
            f"{SCHEMA_VERSION} (upgrade curate)"
        )
    return report


def _z(k1: int, n1: int, k2: int, n2: int) -> float:
    """Two-proportion z statistic (pooled); 0 when either side is empty or nothing varies."""
    if n1 <= 0 or n2 <= 0:
        return 0.0
    p = (k1 + k2) / (n1 + n2)
    se = math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    return 0.0 if se == 0 else (k2 / n2 - k1 / n1) / se


def _share(k: int, n: int) -> float | None:
    return k / n if n else None


def _row(metric: str, k1: int, n1: int, k2: int, n2: int, is_noise) -> dict[str, Any]:
    a, b = _share(k1, n1), _share(k2, n2)
    if a is None or b is None:
        verdict = ""
    elif k1 * n2 == k2 * n1:
        verdict = "="
    elif is_noise(a, b):
        verdict = "~"
    else:
        verdict = "better" if b < a else "worse"
    return {
        "metric": metric,
        "kind": "share",
        "a": a,
        "b": b,
        "a_count": k1,
        "b_count": k2,
        "change": None if a is None or b is None else b - a,
        "verdict": verdict,
    }


def _docs_row(metric: str, k1: int, n1: int, k2: int, n2: int) -> dict[str, Any]:
    """Shares of documents: a change is real when a two-proportion z-test says so."""
    return _row(metric, k1, n1, k2, n2, lambda a, b: abs(_z(k1, n1, k2, n2)) < Z_CRITICAL)


def _chars_row(metric: str, k1: int, n1: int, k2: int, n2: int) -> dict[str, Any]:
    """Shares of characters (not independent draws): a change of CHARS_TOLERANCE or more."""
    return _row(metric, k1, n1, k2, n2, lambda a, b: abs(b - a) < CHARS_TOLERANCE)


def _every_row_row(metric: str, k1: int, n1: int, k2: int, n2: int) -> dict[str, Any]:
    """Rows that should be none (unreadable rows): judged by their count, not their share (1 of
    100 rows then 2 of 1,000 is one row more lost: worse, though the share fell)."""
    row = _row(metric, k1, n1, k2, n2, lambda a, b: False)
    if row["verdict"]:
        row["verdict"] = "=" if k1 == k2 else ("better" if k2 < k1 else "worse")
    return row


def _readable(r: dict[str, Any]) -> int:
    d = r["documents"]
    return int(d.get("input", 0)) - int(d.get("unreadable", 0))


def _side(r: dict[str, Any]) -> dict[str, Any]:
    run = r.get("run", {})
    rs = run.get("ruleset", {})
    return {
        "name": run.get("name"),
        "ruleset": rs.get("name"),
        "ruleset_hash": rs.get("hash"),
        "input_fingerprint": run.get("input_fingerprint"),
        "curate_version": r.get("curate_version"),
        "documents": r["documents"].get("input", 0),
    }


def diff_reports(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """The comparison as a dict (what `--format json` prints)."""
    da, db = a["documents"], b["documents"]
    na, nb = int(da.get("input", 0)), int(db.get("input", 0))
    ra, rb = _readable(a), _readable(b)
    ca, cb = a.get("characters") or {}, b.get("characters") or {}
    notes = []
    sa, sb = _side(a), _side(b)
    if sa["ruleset_hash"] != sb["ruleset_hash"]:
        notes.append(
            f"the rule sets differ ({sa['ruleset']} {sa['ruleset_hash']} vs "
            f"{sb['ruleset']} {sb['ruleset_hash']}): a change may come from the rules, "
            "not the data"
        )
    if sa["input_fingerprint"] and sa["input_fingerprint"] == sb["input_fingerprint"]:
        notes.append(
            "same input (fingerprints match): every change comes from the rules or the code"
        )
    if sa["curate_version"] != sb["curate_version"]:
        notes.append(f"curate versions differ ({sa['curate_version']} vs {sb['curate_version']})")

    overall = [
        {
            "metric": "documents",
            "kind": "count",
            "a": na,
            "b": nb,
            "change": nb - na,
            "verdict": "",
        },
        _docs_row("dropped", int(da.get("dropped", 0)), na, int(db.get("dropped", 0)), nb),
        _every_row_row(
            "unreadable", int(da.get("unreadable", 0)), na, int(db.get("unreadable", 0)), nb
        ),
        _chars_row(
            "characters removed",
            int(ca.get("removed", 0)),
            int(ca.get("input", 0)),
            int(cb.get("removed", 0)),
            int(cb.get("input", 0)),
        ),
    ]

    rules = []
    rules_a, rules_b = a.get("rules") or {}, b.get("rules") or {}
    for name in [*rules_a, *(n for n in rules_b if n not in rules_a)]:
        x, y = rules_a.get(name), rules_b.get(name)
        if x is None or y is None:
            notes.append(f"rule {name} only in {'B' if x is None else 'A'}")
            continue
        if x.get("action") != y.get("action"):
            notes.append(f"rule {name}: action {x.get('action')} -> {y.get('action')}")
        px, py = x.get("params") or {}, y.get("params") or {}
        for key in [*px, *(k for k in py if k not in px)]:
            if px.get(key) != py.get(key):
                notes.append(f"rule {name}: {key} {px.get(key)!r} -> {py.get(key)!r}")
        rules.append(
            {
                "rule": name,
                **_docs_row("fired", int(x.get("fired", 0)), ra, int(y.get("fired", 0)), rb),
            }
        )
        if "drop" in (x.get("action"), y.get("action")):
            rules.append(
                {
                    "rule": name,
                    **_docs_row(
                        "dropped", int(x.get("dropped", 0)), ra, int(y.get("dropped", 0)), rb
                    ),
                }
            )
        if "strip" in (x.get("action"), y.get("action")):
            rules.append(
                {
                    "rule": name,
                    **_chars_row(
                        "characters removed",
                        int(x.get("chars_removed", 0)),
                        int(ca.get("input", 0)),
                        int(y.get("chars_removed", 0)),
                        int(cb.get("input", 0)),
                    ),
                }
            )

    langs, unmeasured = _language_moves(a, b)
    if unmeasured:
        notes.append(
            f"languages: not measured in {unmeasured} (its rule set has no language rule): "
            "the language mix is not compared"
        )

    verdicts = [r["verdict"] for r in overall + rules]
    return {
        "a": sa,
        "b": sb,
        "notes": notes,
        "overall": overall,
        "rules": rules,
        "languages": langs,
        "summary": {
            "better": verdicts.count("better"),
            "worse": verdicts.count("worse"),
            "within_noise": verdicts.count("~"),
            "unchanged": verdicts.count("="),
        },
    }


def _language_moves(a: dict[str, Any], b: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
    """The largest moves of language shares, and the side ("A", "B" or "") that did not measure
    languages: a report with readable documents and no language mix ran no language rule. Its
    shares are None ("not measured"), the other side's listed largest first."""
    la, lb = a.get("languages") or {}, b.get("languages") or {}
    ta, tb = sum(la.values()), sum(lb.values())
    unmeasured = "".join(
        side for side, counts, r in (("A", la, a), ("B", lb, b)) if not counts and _readable(r)
    )
    if unmeasured in ("A", "B"):
        shares = {code: _share(n, ta or tb) for code, n in (la or lb).items()}
        langs = [
            {
                "language": code,
                "a": None if unmeasured == "A" else x,
                "b": None if unmeasured == "B" else x,
                "change": None,
            }
            for code, x in shares.items()
        ]
        langs.sort(key=lambda r: (-(r["a"] or r["b"] or 0.0), r["language"]))
        return langs[:MAX_LANGUAGES], unmeasured
    langs = []
    for code in {*la, *lb}:
        x, y = _share(la.get(code, 0), ta) or 0.0, _share(lb.get(code, 0), tb) or 0.0
        if x != y:
            langs.append({"language": code, "a": x, "b": y, "change": y - x})
    langs.sort(key=lambda r: (-abs(r["change"]), r["language"]))
    return langs[:MAX_LANGUAGES], ""


def _language_share(v: float | None) -> str:
    return "not measured" if v is None else f"{100 * v:.2f} %"


def _language_change(v: float | None) -> str:
    return "" if v is None else f"{100 * v:+.2f} pp"


# -- rendering -------------------------------------------------------------------------------------


def _fmt(row: dict[str, Any], key: str) -> str:
    v = row.get(key)
    if v is None:
        return "-"
    if row.get("kind") == "count":
        return f"{v:+,}" if key == "change" else f"{v:,}"
    if key == "change":
        return f"{100 * v:+.2f} pp"
    return f"{100 * v:.2f} %"


def _verdict(v: str) -> str:
    return {"~": "~ (noise)", "=": "="}.get(v, v)


def _rows(d: dict[str, Any]) -> list[list[str]]:
    out = [
        [
            "overall",
            r["metric"],
            _fmt(r, "a"),
            _fmt(r, "b"),
            _fmt(r, "change"),
            _verdict(r["verdict"]),
        ]
        for r in d["overall"]
    ]
    out += [
        [
            r["rule"],
            r["metric"],
            _fmt(r, "a"),
            _fmt(r, "b"),
            _fmt(r, "change"),
            _verdict(r["verdict"]),
        ]
        for r in d["rules"]
    ]
    return out


HEAD = ["", "", "A", "B", "change", "verdict"]


def _summary_line(d: dict[str, Any]) -> str:
    s = d["summary"]
    return (
        f"{s['better']} better, {s['worse']} worse, {s['within_noise']} within noise, "
        f"{s['unchanged']} unchanged (shares; lower is better)"
    )


def _title(d: dict[str, Any], side: str) -> str:
    s = d[side]
    return (
        f"{side.upper()}: {s['name']} (rule set {s['ruleset']} {s['ruleset_hash']}, "
        f"{s['documents']:,} documents)"
    )


def render_text(d: dict[str, Any]) -> str:
    rows = _rows(d)
    widths = [max(len(r[i]) for r in [HEAD, *rows]) for i in range(len(HEAD))]
    right = {2, 3, 4}

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    out = [_title(d, "a"), _title(d, "b"), ""]
    out += [f"note: {n}" for n in d["notes"]]
    if d["notes"]:
        out.append("")
    out.append(line(HEAD))
    out += [line(r) for r in rows]
    if d["languages"]:
        moves = all(r["change"] is not None for r in d["languages"])
        out += ["", f"languages ({'largest moves' if moves else 'largest'}, share of documents):"]
        out += [
            f"  {r['language']:<8} {_language_share(r['a']):>8} -> {_language_share(r['b']):>8}"
            + (f"  ({_language_change(r['change'])})" if r["change"] is not None else "")
            for r in d["languages"]
        ]
    out += ["", _summary_line(d)]
    return "\n".join(out) + "\n"


def render_markdown(d: dict[str, Any]) -> str:
    from curate.report.markdown import _text

    out = ["## curate diff", "", f"- {_text(_title(d, 'a'))}", f"- {_text(_title(d, 'b'))}", ""]
    out += [f"> note: {_text(n)}" for n in d["notes"]]
    if d["notes"]:
        out.append("")
    out += ["| | metric | A | B | change | verdict |", "|---|---|---:|---:|---:|---|"]
    for r in _rows(d):
        scope = r[0] if r[0] == "overall" else f"`{r[0]}`"
        out.append(f"| {scope} | {r[1]} | {r[2]} | {r[3]} | {r[4]} | {_text(r[5])} |")
    if d["languages"]:
        out += ["", "| language | A | B | change |", "|---|---:|---:|---:|"]
        out += [
            f"| {_text(r['language'])} | {_language_share(r['a'])} | {_language_share(r['b'])} | "
            f"{_language_change(r['change'])} |"
            for r in d["languages"]
        ]
    out += ["", _summary_line(d)]
    return "\n".join(out) + "\n"
