"""The dataset card (`README.md`) written with the cleaned dataset: Hugging Face card metadata in a
YAML header, then the quality summary and how the data was cleaned."""

from __future__ import annotations

from typing import Any

import yaml

from curate.report.markdown import render_markdown


def _size_category(n: int) -> str:
    for limit, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                         (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M"),
                         (100_000_000, "10M<n<100M"), (1_000_000_000, "100M<n<1B")):
        if n < limit:
            return label
    return "n>1B"


def render_card(report: dict[str, Any], fmt: str) -> str:
    langs = [k for k in report.get("languages", {}) if k != "und" and len(k) in (2, 3)]
    meta: dict[str, Any] = {
        "pretty_name": f"{report['run']['name']} (cleaned with curate)",
        "tags": ["curate", "text-cleaning"],
        "size_categories": [_size_category(report["documents"]["kept"])],
    }
    if langs:
        meta["language"] = langs[:50]
    if fmt == "hf":
        meta["configs"] = [{"config_name": "default",
                            "data_files": [{"split": "train", "path": "train/*.arrow"},
                                           {"split": "rejected", "path": "rejected/*.arrow"}]}]
    else:
        meta["configs"] = [{"config_name": "default",
                            "data_files": [{"split": "train", "path": f"train.{fmt}"},
                                           {"split": "rejected", "path": f"rejected.{fmt}"}]}]
    header = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
    rules = report["rules"]
    how = "\n".join(f"- `{name}` ({r['action']})" for name, r in rules.items())
    return (
        f"---\n{header}---\n\n"
        f"This dataset was cleaned with curate {report['curate_version']} and the rule set "
        f"`{report['run']['ruleset']['name']}` (hash `{report['run']['ruleset']['hash']}`).\n\n"
        "Splits: `train` holds the kept documents (text cleaned by `strip` actions), `rejected` "
        "the dropped ones with their original text. Every row has `curate_flags` (every rule that "
        "fired) and `curate_dropped_by` (the `drop` rules that fired), plus the signals behind "
        "them as `curate_*` columns.\n\n"
        f"## How it was cleaned\n\n{how}\n\n"
        "## Quality summary\n\n" + render_markdown(report).split("\n", 2)[2]
    )
