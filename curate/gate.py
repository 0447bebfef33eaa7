"""Quality gates for `curate check`: thresholds on the report's numbers, at warn and error level.

In the rule set:
  gates:
    max_dropped_fraction: 0.10               # a number: an error-level gate
    max_unreadable: {warn: 0, error: 100}    # or both levels
    min_documents: 1000
    max_chars_removed_fraction: 0.30
    rules:
      truncated-text: {max_fired_fraction: 0.02, max_fired: 50}
    languages:
      min_share: {id: 0.95}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

OVERALL = {
    "max_dropped_fraction": "fraction",
    "max_unreadable": "count",
    "min_documents": "count",
    "max_chars_removed_fraction": "fraction",
}
PER_RULE = {"max_fired_fraction": "fraction", "max_fired": "count",
            "max_dropped_fraction": "fraction"}
LEVELS = ("warn", "error")


@dataclass
class GateResult:
    gate: str
    level: str
    threshold: float
    value: float
    passed: bool

    @property
    def verdict(self) -> str:
        return "pass" if self.passed else ("WARN" if self.level == "warn" else "FAIL")

    def as_dict(self) -> dict[str, Any]:
        return {"gate": self.gate, "level": self.level, "threshold": self.threshold,
                "value": round(self.value, 6), "verdict": self.verdict}


def _levels(value: Any, where: str, kind: str, fail) -> dict[str, float]:
    if isinstance(value, dict):
        bad = [k for k in value if k not in LEVELS]
        if bad or not value:
            fail(f"gates.{where}: levels are {', '.join(LEVELS)}, got {', '.join(map(str, bad)) or 'none'}")
        levels = dict(value)
    else:
        levels = {"error": value}
    for lvl, v in levels.items():
        if isinstance(v, bool) or not isinstance(v, int | float):
            fail(f"gates.{where}.{lvl}: {v!r} is not a number")
        if v < 0 or (kind == "fraction" and v > 1):
            rng = "[0, 1]" if kind == "fraction" else ">= 0"
            fail(f"gates.{where}: {v} is out of range {rng}")
    return levels


def validate_gates(gates: dict[str, Any], rule_names: set[str], fail) -> None:
    valid = [*OVERALL, "rules", "languages"]
    for key, value in gates.items():
        if key in OVERALL:
            _levels(value, key, OVERALL[key], fail)
        elif key == "rules":
            if not isinstance(value, dict):
                fail("gates.rules must map rule names to gates")
            for rule, gs in value.items():
                if rule not in rule_names:
                    fail(f"gates.rules: {rule!r} is not in this rule set "
                         f"(rules: {', '.join(sorted(rule_names))})")
                if not isinstance(gs, dict):
                    fail(f"gates.rules.{rule} must be a mapping of gates")
                for g, v in gs.items():
                    if g not in PER_RULE:
                        fail(f"gates.rules.{rule}: unknown gate {g!r}; valid: {', '.join(PER_RULE)}")
                    _levels(v, f"rules.{rule}.{g}", PER_RULE[g], fail)
        elif key == "languages":
            if not isinstance(value, dict) or set(value) - {"min_share"}:
                fail("gates.languages takes min_share: {CODE: fraction}")
            shares = value.get("min_share", {})
            if not isinstance(shares, dict):
                fail("gates.languages.min_share must map language codes to fractions")
            for code, v in shares.items():
                _levels(v, f"languages.min_share.{code}", "fraction", fail)
        else:
            fail(f"gates: unknown key {key!r}; valid keys: {', '.join(valid)}")


def evaluate_gates(gates: dict[str, Any], report: dict[str, Any]) -> list[GateResult]:
    d = report["documents"]
    readable = max(1, d["input"] - d["unreadable"])
    measured_overall = {
        "max_dropped_fraction": d["dropped"] / readable,
        "max_unreadable": d["unreadable"],
        "min_documents": d["input"],
        "max_chars_removed_fraction": report["characters"]["removed"]
        / max(1, report["characters"]["input"]),
    }
    results: list[GateResult] = []

    def add(name: str, spec: Any, value: float, minimum: bool = False) -> None:
        for level, threshold in _levels(spec, name, "any", _raise).items():
            ok = value >= threshold if minimum else value <= threshold
            results.append(GateResult(name, level, threshold, value, ok))

    for key in OVERALL:
        if key in gates:
            add(key, gates[key], measured_overall[key], minimum=key.startswith("min_"))
    for rule, gs in (gates.get("rules") or {}).items():
        r = report["rules"].get(rule, {"fired": 0, "dropped": 0})
        values = {"max_fired_fraction": r["fired"] / readable, "max_fired": r["fired"],
                  "max_dropped_fraction": r["dropped"] / readable}
        for g, spec in gs.items():
            add(f"{rule}.{g}", spec, values[g])
    langs = report.get("languages") or {}
    total = max(1, sum(langs.values()))
    for code, spec in ((gates.get("languages") or {}).get("min_share") or {}).items():
        add(f"language.{code}.min_share", spec, langs.get(code, 0) / total, minimum=True)
    return results


def _raise(msg: str):
    raise ValueError(msg)


def junit_xml(results: list[GateResult], suite: str = "curate check") -> str:
    from xml.sax.saxutils import quoteattr

    failures = sum(1 for r in results if not r.passed and r.level == "error")
    cases = []
    for r in results:
        name = quoteattr(f"{r.gate} ({r.level})")
        body = ""
        if not r.passed:
            msg = quoteattr(f"{r.gate}: measured {r.value:.6g}, threshold {r.threshold:g}")
            tag = "failure" if r.level == "error" else "system-out"
            body = f"<{tag} message={msg}/>" if tag == "failure" else f"<system-out>warning: {msg[1:-1]}</system-out>"
        cases.append(f'  <testcase classname="curate.gates" name={name}>{body}</testcase>')
    return (f'<?xml version="1.0" encoding="utf-8"?>\n'
            f'<testsuite name={quoteattr(suite)} tests="{len(results)}" failures="{failures}" errors="0">\n'
            + "\n".join(cases) + "\n</testsuite>\n")
