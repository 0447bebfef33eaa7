"""Reports: one dict (`report.json`) built from the run statistics; Markdown, HTML and the dataset
card are renderings of that dict, so they can never disagree with it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1


def render_reports(report: dict[str, Any]) -> dict[str, str]:
    """The text of each report file, by file name (report.json, report.md, report.html)."""
    from curate.report.html import render_html
    from curate.report.markdown import render_markdown

    return {
        "report.json": json.dumps(report, indent=2, ensure_ascii=False, sort_keys=False) + "\n",
        "report.md": render_markdown(report),
        "report.html": render_html(report),
    }


def write_reports(report: dict[str, Any], report_dir: Path) -> None:
    """Render the report and write its files into report_dir."""
    texts = render_reports(report)
    report_dir.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        _write(report_dir / name, text)


def _write(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    # a file name that is not UTF-8 reaches us with surrogate escapes; written as \udcXX it stays
    # a valid JSON escape and readable text instead of failing the whole run at the last step
    tmp.write_text(text, encoding="utf-8", errors="backslashreplace")
    tmp.replace(path)
