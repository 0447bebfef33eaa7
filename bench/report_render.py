"""How long rendering the reports takes, and how big they are, for a report.json.

    PYTHONPATH=. python bench/report_render.py reports/sample/report.json [--scale 54645]

--scale multiplies every count (documents, rule counts, histograms, languages) to show that a
report of a 10-million-document run costs the same to render and weighs the same as a small one:
the report holds aggregates and a bounded sample, never one element per document.
"""

from __future__ import annotations

import argparse
import json
import time


def scaled(r: dict, k: int) -> dict:
    r = json.loads(json.dumps(r))
    r["documents"] = {key: v * k for key, v in r["documents"].items()}
    r["characters"] = {key: v * k for key, v in r["characters"].items()}
    for rule in r["rules"].values():
        for key in ("fired", "dropped", "chars_removed", "lines_removed"):
            rule[key] *= k
        if rule.get("signal"):
            rule["signal"]["counts"] = [c * k for c in rule["signal"]["counts"]]
    r["languages"] = {c: n * k for c, n in r["languages"].items()}
    for key in ("before", "after"):
        r["lengths"][key] = [c * k for c in r["lengths"][key]]
    return r


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("report")
    ap.add_argument("--scale", type=int, default=1)
    args = ap.parse_args()
    r = scaled(json.load(open(args.report, encoding="utf-8")), args.scale)

    t0 = time.perf_counter()
    import matplotlib  # noqa: F401  (the one-off import cost, paid only by the HTML)

    t_import = time.perf_counter() - t0
    from curate.report.card import render_card
    from curate.report.html import render_html
    from curate.report.markdown import render_markdown

    for name, fn in (
        ("report.html", render_html),
        ("report.md", render_markdown),
        ("README.md (card)", lambda x: render_card(x, "hf")),
    ):
        fn(r)  # warm
        t = time.perf_counter()
        out = fn(r)
        print(f"{name:<18} {time.perf_counter() - t:6.2f} s  {len(out.encode()):>9,} bytes")
    print(f"{'report.json':<18} {'':>8}  {len(json.dumps(r, indent=2).encode()):>9,} bytes")
    print(f"documents: {r['documents']['input']:,}; matplotlib import {t_import:.2f} s")


if __name__ == "__main__":
    main()
