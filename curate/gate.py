"""Quality gates for `curate check`: thresholds on the report's numbers, at warn and error level,
and regression gating against an earlier report.

In the rule set (every key optional):

  gates:
    min_documents: 1000                      # readable documents
    max_unreadable: {warn: 0, error: 100}    # unreadable rows (count)
    max_unreadable_fraction: 0.01            # unreadable rows / rows seen
    max_dropped_fraction: 0.10               # dropped / readable documents
    max_chars_removed_fraction: 0.30         # characters stripped / input characters
    rules:
      truncated-text: {max_fired_fraction: {warn: 0.02, error: 0.05}, max_fired: 500}
      boilerplate-lines: {max_chars_removed_fraction: 0.20}
      language-mismatch: {max_dropped_fraction: 0.05}
    languages:                               # needs the language-mismatch rule in the rule set
      min_share: {id: 0.95}                  # documents detected as `id` / readable documents
      max_share: {und: 0.05}
    baseline:                                # used by `curate check --baseline OLD/report.json`
      tolerance: 0.02                        # the max_regression of every gate without its own

A gate's value is a number (its error level) or a mapping of `warn`, `error` and `max_regression`.
`max_*` gates fail above their threshold, `min_*` gates below it; a `warn` level only prints.
Fractions are in [0, 1]; counts are whole numbers.

Regression gating (`--baseline report.json`, any report.json that curate wrote): each gate with a
`max_regression` (its own, else `baseline.tolerance`) gets a second gate, "<gate> vs baseline", that
fails when the value measured now is worse than the baseline's by more than the tolerance:
  fractions  absolute points: baseline 0.01, tolerance 0.02 -> fails above 0.03
  counts     relative to the baseline: baseline 400, tolerance 0.10 -> fails above 440 (a baseline
             of 0 allows no increase at all)
"Worse" is up for `max_*` gates and down for `min_*` gates. `max_regression` takes a number (error
level) or `{warn: x, error: y}`; `max_regression: null` exempts a gate from `baseline.tolerance`.
A gate with only `max_regression` (no warn/error) gates nothing but the regression. Without
`--baseline` regression gates are skipped; `--baseline` with no tolerance anywhere is a usage error.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from curate.errors import UsageError

FRACTION, COUNT = "fraction", "count"
LEVELS = ("warn", "error")
REGRESSION = "max_regression"
# comparisons allow for float rounding: 0.1 + 0.2 must not fail a gate set at 0.3
EPS = 1e-9

Fail = Callable[[str], NoReturn]


@dataclass(frozen=True)
class Measure:
    kind: str  # FRACTION or COUNT
    doc: str

    @staticmethod
    def is_min(key: str) -> bool:
        return key.startswith("min_")


OVERALL = {
    "min_documents": Measure(COUNT, "readable documents"),
    "max_unreadable": Measure(COUNT, "unreadable rows"),
    "max_unreadable_fraction": Measure(FRACTION, "unreadable rows / rows seen"),
    "max_dropped_fraction": Measure(FRACTION, "dropped documents / readable documents"),
    "max_chars_removed_fraction": Measure(
        FRACTION, "characters removed by strip actions / input characters"
    ),
}
PER_RULE = {
    "max_fired_fraction": Measure(FRACTION, "documents the rule fired on / readable documents"),
    "max_fired": Measure(COUNT, "documents the rule fired on"),
    "max_dropped_fraction": Measure(FRACTION, "documents the rule dropped / readable documents"),
    "max_chars_removed_fraction": Measure(
        FRACTION, "characters the rule stripped / input characters"
    ),
}
PER_LANGUAGE = {
    "min_share": Measure(FRACTION, "documents detected in the language / readable documents"),
    "max_share": Measure(FRACTION, "documents detected in the language / readable documents"),
}
LANGUAGE_RULE = "language-mismatch"
SECTIONS = ("rules", "languages", "baseline")
VALID_KEYS = (*OVERALL, *SECTIONS)


# -- the parsed gates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gate:
    """One gate of the rule set: what it measures and its levels."""

    name: str  # shown in the table and as the JUnit test name
    where: tuple[str, ...]  # ("overall", key) | ("rule", rule, key) | ("language", key, code)
    measure: Measure
    minimum: bool
    levels: dict[str, float]  # warn/error thresholds (may be empty: regression-only)
    regression: dict[str, float] | None  # warn/error tolerances; None: no regression gate


def parse_gates(
    gates: dict[str, Any] | None, rule_names: set[str] | list[str], fail: Fail
) -> list[Gate]:
    """The gates of a rule set's `gates:` mapping, in a stable order; mistakes go to `fail` as one
    line naming the key."""
    gates = gates or {}
    if not isinstance(gates, dict):
        fail("gates must be a mapping")
    for key in gates:
        if key not in VALID_KEYS:
            fail(
                f"gates: unknown key {key!r}{_suggest(key, VALID_KEYS)}; "
                f"valid keys: {', '.join(VALID_KEYS)}"
            )
    default_tol = _baseline_section(gates.get("baseline"), fail)
    out: list[Gate] = []

    def add(
        name: str, where: tuple[str, ...], key: str, measure: Measure, spec: Any, path: str
    ) -> None:
        levels, regression = _spec(spec, path, measure, Measure.is_min(key), fail)
        if regression is _DEFAULT:
            regression = default_tol
        out.append(Gate(name, where, measure, Measure.is_min(key), levels, regression))

    for key, m in OVERALL.items():
        if key in gates:
            add(key, ("overall", key), key, m, gates[key], f"gates.{key}")

    rules = gates.get("rules")
    if rules is not None:
        if not isinstance(rules, dict):
            fail(
                "gates.rules must map rule names to gates, e.g. "
                "{truncated-text: {max_fired_fraction: 0.02}}"
            )
        for rule, gs in rules.items():
            if rule not in rule_names:
                fail(
                    f"gates.rules: {rule!r} is not in this rule set"
                    f"{_suggest(str(rule), rule_names)}; rules: {', '.join(sorted(rule_names))}"
                )
            if not isinstance(gs, dict) or not gs:
                fail(
                    f"gates.rules.{rule} must map gates to thresholds; gates: {', '.join(PER_RULE)}"
                )
            for g, spec in gs.items():
                if g not in PER_RULE:
                    fail(
                        f"gates.rules.{rule}: unknown gate {g!r}{_suggest(str(g), PER_RULE)}; "
                        f"valid: {', '.join(PER_RULE)}"
                    )
                add(
                    f"{rule}.{g}",
                    ("rule", rule, g),
                    g,
                    PER_RULE[g],
                    spec,
                    f"gates.rules.{rule}.{g}",
                )

    langs = gates.get("languages")
    if langs is not None:
        if not isinstance(langs, dict) or not langs:
            fail("gates.languages takes min_share and max_share: {CODE: fraction}")
        if LANGUAGE_RULE not in rule_names:
            fail(
                f"gates.languages needs the {LANGUAGE_RULE} rule in the rule set "
                "(it detects the languages)"
            )
        for g, shares in langs.items():
            if g not in PER_LANGUAGE:
                fail(
                    f"gates.languages: unknown gate {g!r}{_suggest(str(g), PER_LANGUAGE)}; "
                    f"valid: {', '.join(PER_LANGUAGE)}"
                )
            if not isinstance(shares, dict) or not shares:
                fail(f"gates.languages.{g} must map language codes to fractions, e.g. {{id: 0.95}}")
            for code, spec in shares.items():
                _check_code(code, f"gates.languages.{g}", fail)
                add(
                    f"language.{code}.{g}",
                    ("language", g, code),
                    g,
                    PER_LANGUAGE[g],
                    spec,
                    f"gates.languages.{g}.{code}",
                )
    return out


def validate_gates(gates: dict[str, Any], rule_names: set[str], fail: Fail) -> None:
    """Reject a bad `gates:` mapping before any data is read (called by config.parse_ruleset)."""
    parse_gates(gates, rule_names, fail)


class _Default:
    """Marks a gate that sets no max_regression of its own: `baseline.tolerance` applies."""


_DEFAULT: Any = _Default()


def _baseline_section(value: Any, fail: Fail) -> dict[str, float] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        fail("gates.baseline must be a mapping, e.g. {tolerance: 0.02}")
    for key in value:
        if key != "tolerance":
            fail(f"gates.baseline: unknown key {key!r}; valid keys: tolerance")
    if value.get("tolerance") is None:
        return None
    # counts take relative tolerances, so the shared default is not capped at 1
    return _levels(value["tolerance"], "gates.baseline.tolerance", COUNT, fail, integer=False)


def _spec(spec: Any, path: str, measure: Measure, minimum: bool, fail: Fail):
    """(levels, regression) of one gate; regression is _DEFAULT when the gate sets none."""
    if isinstance(spec, dict):
        if not spec:
            fail(f"{path}: give a threshold, or {{warn: x, error: y}}")
        bad = [k for k in spec if k not in (*LEVELS, REGRESSION)]
        if bad:
            fail(
                f"{path}: unknown key {bad[0]!r}{_suggest(str(bad[0]), (*LEVELS, REGRESSION))};"
                f" valid keys: warn, error, {REGRESSION}"
            )
        raw: Any = {k: spec[k] for k in LEVELS if k in spec}
        regression: Any = _DEFAULT
        if REGRESSION in spec:
            r = spec[REGRESSION]
            # counts regress relatively (0.1 = 10 % more), so their tolerance may exceed 1
            regression = (
                None
                if r is None
                else _levels(r, f"{path}.{REGRESSION}", measure.kind, fail, integer=False)
            )
    else:
        raw, regression = spec, _DEFAULT
    levels = _levels(raw, path, measure.kind, fail) if raw != {} else {}
    if "warn" in levels and "error" in levels:
        w, e = levels["warn"], levels["error"]
        if (w < e) if minimum else (w > e):
            side = ">=" if minimum else "<="
            fail(f"{path}: warn ({w:g}) must be {side} error ({e:g}), or the warning never shows")
    return levels, regression


def _levels(
    value: Any, path: str, kind: str, fail: Fail, *, integer: bool = True
) -> dict[str, float]:
    if isinstance(value, dict):
        bad = [k for k in value if k not in LEVELS]
        if bad:
            fail(f"{path}: unknown level {bad[0]!r}; levels: {', '.join(LEVELS)}")
        if not value:
            fail(f"{path}: give a number, or {{warn: x, error: y}}")
        levels = dict(value)
    else:
        levels = {"error": value}
    for lvl, v in levels.items():
        at = f"{path}.{lvl}" if isinstance(value, dict) else path
        if isinstance(v, bool) or not isinstance(v, int | float):
            fail(f"{at}: {v!r} is not a number")
        if kind == COUNT and integer and v != int(v):
            fail(f"{at}: {v!r} is not a whole number (this gate counts documents)")
        if v < 0 or (kind == FRACTION and v > 1):
            rng = "[0, 1]" if kind == FRACTION else ">= 0"
            fail(f"{at}: {v!r} is out of range {rng}")
    return {k: levels[k] for k in LEVELS if k in levels}


def _check_code(code: Any, path: str, fail: Fail) -> None:
    if not isinstance(code, str):
        # YAML 1.1 reads the Norwegian code `no` as false
        fail(f"{path}: {code!r} is not a language code; quote it, e.g. 'no'")
    try:
        from curate.checks.language import normalise_code
    except ImportError:  # pragma: no cover - the language rule moved: accept the code as written
        return
    norm = normalise_code(code)
    if norm != code:
        fail(f"{path}: {code!r} is reported as {norm!r}; write {norm!r}")
    from curate.config import language_code, language_code_hint

    # the rule set's language codes have one definition (config.language_code); `und` is the
    # share of documents the rule could not judge
    if code != "und" and language_code(code) is None:
        fail(f"{path}: {code!r} is not a language code{language_code_hint(code)}")


def _suggest(key: str, valid: Any) -> str:
    hint = difflib.get_close_matches(str(key), [str(v) for v in valid], n=1)
    return f" (did you mean {hint[0]!r}?)" if hint else ""


# -- measuring -------------------------------------------------------------------------------------


def measure(report: dict[str, Any], where: tuple[str, ...]) -> float | None:
    """The value a gate reads from a report dict; None when the report cannot say (a rule it did
    not run, no language detection)."""
    d = report["documents"]
    readable = d["input"] - d["unreadable"]
    chars = (report.get("characters") or {}).get("input", 0)
    if where[0] == "overall":
        key = where[1]
        if key == "min_documents":
            return readable
        if key == "max_unreadable":
            return d["unreadable"]
        if key == "max_unreadable_fraction":
            return d["unreadable"] / d["input"] if d["input"] else 0.0
        if key == "max_dropped_fraction":
            return d["dropped"] / readable if readable else 0.0
        if key == "max_chars_removed_fraction":
            return report["characters"]["removed"] / chars if chars else 0.0
    if where[0] == "rule":
        _, rule, key = where
        r = (report.get("rules") or {}).get(rule)
        field_ = {
            "max_fired": "fired",
            "max_fired_fraction": "fired",
            "max_dropped_fraction": "dropped",
            "max_chars_removed_fraction": "chars_removed",
        }
        n = r.get(field_[key]) if isinstance(r, dict) else None
        if not isinstance(n, int | float):  # not run, or a report from another schema
            return None
        if key == "max_fired":
            return n
        denominator = chars if key == "max_chars_removed_fraction" else readable
        return n / denominator if denominator else 0.0
    if where[0] == "language":
        _, _, code = where
        langs = report.get("languages") or {}
        if LANGUAGE_RULE not in (report.get("rules") or {}):
            return None
        # every readable document gets a language (`und` when undetermined)
        total = sum(langs.values()) or readable
        return langs.get(code, 0) / total if total else 0.0
    raise ValueError(f"unknown gate location {where}")


# -- results ---------------------------------------------------------------------------------------


@dataclass
class GateResult:
    """One gate's verdict: FAIL (error level broken), WARN (warn level broken), pass, or skip
    (nothing to measure, e.g. a regression gate without --baseline)."""

    gate: str
    kind: str
    minimum: bool
    value: float | None
    warn: float | None = None
    error: float | None = None
    baseline: float | None = None  # regression gates: the baseline's value
    tolerance: dict[str, float] = field(default_factory=dict)  # regression gates: per level
    note: str = ""

    def _broken(self, limit: float | None) -> bool:
        if limit is None or self.value is None:
            return False
        return self.value < limit - EPS if self.minimum else self.value > limit + EPS

    @property
    def verdict(self) -> str:
        if self.value is None:
            return "skip"
        if self._broken(self.error):
            return "FAIL"
        return "WARN" if self._broken(self.warn) else "pass"

    @property
    def passed(self) -> bool:
        """No error-level failure (a warning passes)."""
        return self.verdict != "FAIL"

    @property
    def level(self) -> str:
        """The level that broke, else the strictest level the gate has."""
        v = self.verdict
        if v in ("FAIL", "WARN"):
            return "error" if v == "FAIL" else "warn"
        return "error" if self.error is not None else "warn"

    @property
    def threshold(self) -> float | None:
        return self.error if self.error is not None else self.warn

    def threshold_text(self) -> str:
        side = ">=" if self.minimum else "<="
        parts = []
        if self.warn is not None:  # always named: a bare threshold reads as the error level
            parts.append(f"warn {side} {fmt(self.warn, self.kind)}")
        if self.error is not None:
            parts.append(
                f"{side} {fmt(self.error, self.kind)}"
                if self.warn is None
                else f"error {side} {fmt(self.error, self.kind)}"
            )
        text = ", ".join(parts) or "-"
        if self.baseline is not None:
            sign = "-" if self.minimum else "+"
            how = {
                lvl: fmt(t, FRACTION) if self.kind == FRACTION else f"{t * 100:g} %"
                for lvl, t in self.tolerance.items()
            }
            tol = (
                " / ".join(f"{lvl} {h}" for lvl, h in how.items())
                if len(how) > 1
                else next(iter(how.values()), "0")
            )
            text += f" (baseline {fmt(self.baseline, self.kind)} {sign} {tol})"
        return text

    def message(self) -> str:
        value = "not measured" if self.value is None else fmt(self.value, self.kind)
        msg = f"{self.gate} = {value}, threshold {self.threshold_text()}: {self.verdict}"
        return f"{msg} ({self.note})" if self.note else msg

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "gate": self.gate,
            "level": self.level,
            "threshold": self.threshold_text(),
            "value": None if self.value is None else round(self.value, 6),
            "verdict": self.verdict,
            "warn": self.warn,
            "error": self.error,
        }
        if self.baseline is not None:
            d["baseline"] = round(self.baseline, 6)
        if self.note:
            d["note"] = self.note
        return d


def fmt(v: float | None, kind: str) -> str:
    if v is None:
        return "-"
    if kind == COUNT:
        return f"{int(v):,}" if float(v).is_integer() else f"{v:,.1f}"
    return f"{v:.4g}"


def _regression_limit(minimum: bool, kind: str, base: float, tol: float) -> float:
    if kind == FRACTION:
        return base - tol if minimum else base + tol
    return base * (1 - tol) if minimum else base * (1 + tol)


def evaluate_gates(
    gates: dict[str, Any],
    report: dict[str, Any],
    baseline: dict[str, Any] | None = None,
    rule_names: set[str] | None = None,
) -> list[GateResult]:
    """Every gate's result on a report dict; with a baseline report, the regression gates too
    (each right after its gate)."""
    names = rule_names if rule_names is not None else set(report.get("rules") or {})
    results: list[GateResult] = []
    for g in parse_gates(gates, names, _raise):
        value = measure(report, g.where)
        if g.levels:
            results.append(
                GateResult(
                    g.name,
                    g.measure.kind,
                    g.minimum,
                    value,
                    g.levels.get("warn"),
                    g.levels.get("error"),
                )
            )
        if g.regression is None:
            continue
        name = f"{g.name} vs baseline"
        if baseline is None:
            if not g.levels:  # a regression-only gate stays visible as skipped
                results.append(
                    GateResult(name, g.measure.kind, g.minimum, None, note="no --baseline given")
                )
            continue
        base = measure(baseline, g.where)
        if base is None or value is None:
            results.append(
                GateResult(
                    name,
                    g.measure.kind,
                    g.minimum,
                    None,
                    note="not measured in the baseline"
                    if base is None
                    else "not measured in this run",
                )
            )
            continue
        limits = {
            lvl: _regression_limit(g.minimum, g.measure.kind, base, t)
            for lvl, t in g.regression.items()
        }
        results.append(
            GateResult(
                name,
                g.measure.kind,
                g.minimum,
                value,
                limits.get("warn"),
                limits.get("error"),
                baseline=base,
                tolerance=g.regression,
            )
        )
    return results


def has_regression_gates(gates: dict[str, Any], rule_names: set[str]) -> bool:
    return any(g.regression is not None for g in parse_gates(gates, rule_names, _raise))


def _raise(msg: str) -> NoReturn:
    raise ValueError(msg)


# -- inputs and baselines --------------------------------------------------------------------------


def load_baseline(path: Path) -> dict[str, Any]:
    """A report.json written by curate, for `--baseline`; a bad one is a usage error."""
    try:
        data = json.loads(Path(path).read_bytes())
    except FileNotFoundError:
        raise UsageError(f"--baseline {path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"--baseline {path}: is a folder; give its report.json") from None
    except OSError as e:
        raise UsageError(f"--baseline {path}: cannot read it ({e.strerror or e})") from None
    except ValueError:
        raise UsageError(
            f"--baseline {path}: not JSON; give a report.json written by curate"
        ) from None
    docs = data.get("documents") if isinstance(data, dict) else None
    if not isinstance(docs, dict) or not all(
        isinstance(docs.get(k), int) for k in ("input", "kept", "dropped", "unreadable")
    ):
        raise UsageError(f"--baseline {path}: not a curate report.json (no documents counts)")
    return data


def baseline_notes(report: dict[str, Any], baseline: dict[str, Any]) -> list[str]:
    """Why a comparison with the baseline may not be like for like."""
    notes = []
    base_rules = baseline.get("rules") or {}
    for name, r in (report.get("rules") or {}).items():
        b = base_rules.get(name)
        if b is None:
            continue
        if b.get("action") != r.get("action") or (
            "params" in b and b.get("params") != r.get("params")
        ):
            notes.append(
                f"{name} ran with other settings in the baseline; its comparison is "
                "not like for like"
            )
    return notes


# The readers turn a broken row into an "unreadable" record and go on; these reasons mean the file
# itself (or all of its rest) could not be read, so its rows were never measured.
_FILE_LEVEL = ("the rest is unreadable", "cannot read")


def unreadable_inputs(
    report: dict[str, Any], consequence: str = "the gates cannot measure this file"
) -> list[str]:
    """Input files the gates could not measure: one line each, ending in `consequence` where a
    file is at fault (`curate check` exits 2 on them; `run` and `report` too, with their own)."""
    problems: list[str] = []
    seen: set[str] = set()
    for row in (report.get("unreadable") or {}).get("rows") or []:
        file, reason = str(row.get("file")), str(row.get("reason", ""))
        whole_json = file.lower().endswith(".json") and (
            reason.startswith("broken JSON") or reason.startswith("invalid UTF-8")
        )
        if (any(k in reason for k in _FILE_LEVEL) or whole_json) and file not in seen:
            seen.add(file)
            at = f" line {row['line']}" if row.get("line") is not None else ""
            problems.append(f"input {file}{at}: {reason}; {consequence}")
    d = report["documents"]
    if not problems and d["input"] == 0:
        problems.append("input: no documents found (no rows in the given files or folders)")
    elif not problems and d["input"] == d["unreadable"]:
        rows = (report.get("unreadable") or {}).get("rows") or [{}]
        first = rows[0]
        problems.append(
            f"input: none of the {d['input']:,} rows could be read (first: "
            f"{first.get('file')} line {first.get('line')}: {first.get('reason')})"
        )
    return problems


# -- output ----------------------------------------------------------------------------------------


def table(results: list[GateResult]) -> str:
    """The short table `curate check` prints: gate, threshold, value, verdict."""
    rows = [("gate", "threshold", "value", "verdict")]
    for r in results:
        value = "-" if r.value is None else fmt(r.value, r.kind)
        verdict = f"{r.verdict} ({r.note})" if r.note else r.verdict
        rows.append((r.gate, r.threshold_text(), value, verdict))
    w = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(f"{a:<{w[0]}}  {b:<{w[1]}}  {c:>{w[2]}}  {d}".rstrip() for a, b, c, d in rows)


def junit_xml(
    results: list[GateResult], suite: str = "curate check", properties: dict[str, Any] | None = None
) -> str:
    """JUnit XML, one testcase per gate: an error-level failure is a <failure>, a warning passes
    with its message in <system-out> (shown by CI test reporters), a skip is <skipped>."""
    import xml.etree.ElementTree as ET

    failures = sum(r.verdict == "FAIL" for r in results)
    skipped = sum(r.verdict == "skip" for r in results)
    counts = {
        "tests": str(len(results)),
        "failures": str(failures),
        "errors": "0",
        "skipped": str(skipped),
    }
    root = ET.Element("testsuites", {"name": "curate check", **counts})
    ts = ET.SubElement(root, "testsuite", {"name": suite, **counts, "time": "0"})
    if properties:
        props = ET.SubElement(ts, "properties")
        for k, v in properties.items():
            ET.SubElement(props, "property", {"name": str(k), "value": str(v)})
    for r in results:
        tc = ET.SubElement(
            ts, "testcase", {"classname": "curate.gates", "name": r.gate, "time": "0"}
        )
        msg = r.message()
        if r.verdict == "FAIL":
            ET.SubElement(tc, "failure", {"type": "error", "message": msg}).text = msg
        elif r.verdict == "skip":
            ET.SubElement(tc, "skipped", {"message": r.note or "not measured"})
        elif r.verdict == "WARN":
            ET.SubElement(tc, "system-out").text = f"WARNING: {msg}"
        else:
            ET.SubElement(tc, "system-out").text = msg
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
