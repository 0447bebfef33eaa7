"""How long rendering the reports takes, and how big they are, for a report.json.

    PYTHONPATH=. python bench/report_render.py reports/sample/report.json [--scale 54645]

CPU seconds (time.process_time) of each renderer on a warm second call, and of the first call to
render_reports in this process (the renderers' imports included: what a `curate run` pays, as it
renders the report in its own process).

--scale multiplies every count (documents, rule counts, histograms, languages) to show that a
report of a 10-million-document run costs the same to render and weighs the same as a small one:
the report holds aggregates and a bounded sample, never one element per document.
"""

from __future__ import annotations

import argparse
import json
import re
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

    t0 = time.process_time()
    from curate.report import render_reports

    render_reports(r)
    t_first = time.process_time() - t0
    from curate.report.card import render_card
    from curate.report.html import render_html
    from curate.report.markdown import render_markdown

    for name, fn in (
        ("report.html", render_html),
        ("report.md", render_markdown),
        ("README.md (card)", lambda x: render_card(x, "hf")),
    ):
        fn(r)  # warm
        t = time.process_time()
        out = fn(r)
        print(f"{name:<18} {time.process_time() - t:6.3f} CPU s  {len(out.encode()):>9,} bytes")
    print(f"{'report.json':<18} {'':>12}  {len(json.dumps(r, indent=2).encode()):>9,} bytes")
    charts = len(re.findall('<svg class="chart"', render_html(r)))
    print(
        f"documents: {r['documents']['input']:,}; {charts} charts; first render_reports "
        f"(imports included) {t_first:.3f} CPU s"
    )


if __name__ == "__main__":
    main()
