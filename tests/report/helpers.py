"""A report from a real (in-memory) run over hand-written documents, for the renderers' tests.

The documents are built to exercise every part of the page: stripped lines, a repeated paragraph,
a dropped foreign-language document, a truncated one, and hostile markup in text, ids and repeated
lines (the corpus is untrusted: all of it must show as text).
"""

from __future__ import annotations

import copy
from typing import Any

SCRIPT = "<script>document.body.appendChild(document.createElement('xss-ran'))</script>"
HOSTILE_ID = '"><img src=x onerror="document.title=\'pwned\'">'

PARA = (
    "The council approved the new budget on Monday after a long debate about the cost of "
    "repairing the old bridge over the river."
)

TEXTS = [
    f"Bridge repairs approved\nA\nA A\nA A A\n{PARA}\n{SCRIPT} was pasted into this page by a "
    "careless editor, the mayor said later that week.\nShare this\nRead more",
    f"Budget news\n{PARA}\nThe vote was close, with seven members in favour and five against.\n"
    f"{PARA}",
    "Jembatan tua di pusat kota akan diperbaiki tahun depan setelah dewan kota menyetujui "
    "anggaran baru pada hari Senin.\nBaca juga: Harga beras naik lagi",
    "The mayor said that the work would begin in the spring and that the bridge would stay open "
    "during most of the repairs, although the",
    "Weather: sunny in the morning, with clouds later in the day and a light breeze from the "
    "west. Temperatures will reach twenty degrees.",
]

RULES = {
    "name": "report-test",
    "rules": [
        {"rule": "boilerplate-lines", "action": "strip"},
        {"rule": "repeated-paragraphs", "action": "strip"},
        {"rule": "language-mismatch", "action": "drop", "expected": ["en"]},
        {"rule": "truncated-text", "action": "flag"},
    ],
}

_CACHE: dict[str, Any] = {}


def real_report() -> dict[str, Any]:
    """The report dict of the hand-written documents, plus what other producers add: the corpus'
    repeated lines, unreadable rows and gates. A fresh copy each call."""
    if "r" not in _CACHE:
        import polars as pl

        import curate

        ids = [f"doc-{i}" for i in range(len(TEXTS))]
        ids[3] = HOSTILE_ID  # the truncated document: an example of truncated-text
        df = pl.DataFrame({"id": ids, "text": TEXTS})
        rules = dict(RULES, id_column="id")
        r = curate.evaluate(df, rules, name="report <test>")
        r["corpus"]["boilerplate-lines"] = {
            "top_lines": [
                {"text": "Share this", "documents": 3},
                {"text": "<b>Read more</b> " + SCRIPT, "documents": 2},
            ],
            "recurring_lines": 2,
        }
        r["documents"]["unreadable"] += 2
        r["documents"]["input"] += 2
        r["unreadable"] = {
            "count": 2,
            "rows": [
                {"file": "data/part-<1>.jsonl", "line": 7, "reason": "invalid JSON: " + SCRIPT},
                {"file": "data/part-2.jsonl", "line": 12, "reason": "not UTF-8"},
            ],
        }
        r["gates"] = [  # the shape curate.gate.GateResult.as_dict gives
            {
                "gate": "max_dropped_fraction",
                "level": "error",
                "threshold": "error 0.1",
                "value": 0.2,
                "verdict": "FAIL",
                "warn": None,
                "error": 0.1,
            },
            {
                "gate": "languages.min_share.id",
                "level": "warn",
                "threshold": "warn 0.5",
                "value": None,
                "verdict": "skip",
                "warn": 0.5,
                "error": None,
                "note": "no <b>language</b> rule",
                "baseline": 0.4,
            },
        ]
        _CACHE["r"] = r
    return copy.deepcopy(_CACHE["r"])


def expected_charts(r: dict[str, Any]) -> int:
    """Charts the page draws: rules, one per rule with a signal, languages, lengths."""
    signals = sum(1 for v in r["rules"].values() if v.get("signal") and sum(v["signal"]["counts"]))
    return 1 + signals + bool(r["languages"]) + bool(sum(r["lengths"]["before"]))
