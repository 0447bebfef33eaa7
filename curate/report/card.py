"""The dataset card (`README.md`) written with the cleaned dataset: Hugging Face card metadata in a
YAML header (what `huggingface_hub.DatasetCard` parses), then the quality summary and how the data
was cleaned, rendered from the same report dict as `report.json`."""

from __future__ import annotations

from typing import Any

import yaml

from curate.report.markdown import _cell, _text, languages_lines, summary_lines, top_lines_lines

# a language detected on fewer than this share of documents is noise for the card's metadata
# (a stray misdetection in a million documents must not make the dataset "multilingual")
MIN_LANGUAGE_SHARE = 0.01
MAX_CARD_LANGUAGES = 50


def _size_category(n: int) -> str:
    for limit, label in (
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
        (10_000_000, "1M<n<10M"),
        (100_000_000, "10M<n<100M"),
        (1_000_000_000, "100M<n<1B"),
    ):
        if n < limit:
            return label
    return "n>1B"


def card_languages(languages: dict[str, int]) -> list[str]:
    """ISO 639 codes for the `language` field: detector codes like `zh-cn` become `zh`; `und` and
    languages under MIN_LANGUAGE_SHARE of the documents are left out."""
    total = sum(languages.values())
    out: list[str] = []
    for code, n in sorted(languages.items(), key=lambda kv: (-kv[1], kv[0])):
        base = str(code).split("-")[0].split("_")[0].lower()
        if base == "und" or not base.isalpha() or len(base) not in (2, 3):
            continue
        if total and n / total < MIN_LANGUAGE_SHARE:
            continue
        if base not in out:
            out.append(base)
    return out[:MAX_CARD_LANGUAGES]


def card_metadata(report: dict[str, Any], fmt: str) -> dict[str, Any]:
    langs = card_languages(report.get("languages") or {})
    meta: dict[str, Any] = {"pretty_name": f"{report['run']['name']} (cleaned with curate)"}
    if langs:
        meta["language"] = langs
        meta["multilinguality"] = "multilingual" if len(langs) > 1 else "monolingual"
    meta["size_categories"] = [_size_category(report["documents"]["kept"])]
    sources = [i[3:] for i in report["run"].get("inputs", []) if str(i).startswith("hf:")]
    if sources:
        meta["source_datasets"] = [s.split("@")[0].split(":")[0] for s in sources]
    meta["tags"] = ["curate", "text-cleaning"]
    if fmt == "hf":
        files = {"train": "train/*.arrow", "rejected": "rejected/*.arrow"}
    else:
        files = {"train": f"train.{fmt}", "rejected": f"rejected.{fmt}"}
    meta["configs"] = [
        {
            "config_name": "default",
            "data_files": [{"split": k, "path": v} for k, v in files.items()],
        }
    ]
    return meta


def _how_cleaned(report: dict[str, Any]) -> list[str]:
    out = []
    for name, rule in report["rules"].items():
        doc = f": {_text(rule['doc'])}" if rule.get("doc") else ""
        out.append(f"- `{_cell(name)}` ({_cell(rule['action'])}){doc}")
    if not out:
        out.append("- no rules: the data was only read and counted")
    spec = [
        {"rule": n, "action": r["action"], **(r.get("params") or {})}
        for n, r in report["rules"].items()
    ]
    out += [
        "",
        "The rule set, defaults filled in:",
        "",
        "```yaml",
        yaml.safe_dump(
            {"name": report["run"]["ruleset"]["name"], "rules": spec},
            sort_keys=False,
            allow_unicode=True,
        ).rstrip(),
        "```",
    ]
    return out


def render_card(report: dict[str, Any], fmt: str) -> str:
    header = yaml.safe_dump(card_metadata(report, fmt), sort_keys=False, allow_unicode=True)
    run = report["run"]
    rs = run["ruleset"]
    lines = [
        f"---\n{header}---",
        "",
        f"# {_text(run['name'])}",
        "",
        f"This dataset was cleaned with curate "
        f"{report['curate_version']} and the rule set `{_cell(rs['name'])}` (hash `{rs['hash']}`)"
        + (f": {_text(rs['description'])}" if rs.get("description") else "."),
        "",
        "## Splits and columns",
        "",
        "- `train`: the kept documents, text cleaned by the `strip` actions.",
        "- `rejected`: the dropped documents, with their original text.",
        "- `curate_flags`: every rule that fired on the row; `curate_dropped_by`: the `drop` rules "
        "that fired and the `strip` rules that left it with no text (empty in `train`); "
        "`curate_*`: the signals behind them.",
        "",
        "## How it was cleaned",
        "",
        *_how_cleaned(report),
        "",
        "## Quality summary",
        "",
        *summary_lines(report),
        *top_lines_lines(report),
        *languages_lines(report),
        "",
        (
            f"Input fingerprint `{run['input_fingerprint']}`. "
            if run.get("input_fingerprint")
            else ""
        )
        + "The full report (`report.json`, `report.html`) was written beside the run.",
    ]
    return "\n".join(lines) + "\n"
