"""Gates: rule-set validation, measuring a report, warn/error verdicts, regression against a
baseline, JUnit XML, and telling unreadable files from unreadable rows."""

from __future__ import annotations

import gzip
import json
import re
import xml.etree.ElementTree as ET

import pytest

from curate import gate
from curate.config import load_ruleset
from curate.errors import RuleSetError, UsageError
from curate.gate import GateResult, evaluate_gates, junit_xml, unreadable_inputs

RULES = [
    {"rule": "truncated-text"},
    {"rule": "language-mismatch", "expected": ["id"]},
    {"rule": "boilerplate-lines", "action": "strip"},
]


def ruleset(gates):
    return load_ruleset({"name": "t", "rules": RULES, "gates": gates})


def report(
    input=100,
    dropped=0,
    unreadable=0,
    fired=0,
    chars_in=10_000,
    removed=0,
    languages=None,
    rule_removed=0,
):
    readable = input - unreadable
    return {
        "documents": {
            "input": input,
            "kept": readable - dropped,
            "dropped": dropped,
            "unreadable": unreadable,
        },
        "characters": {"input": chars_in, "output": chars_in - removed, "removed": removed},
        "rules": {
            "truncated-text": {"action": "flag", "fired": fired, "dropped": 0, "chars_removed": 0},
            "language-mismatch": {"action": "flag", "fired": 0, "dropped": 0, "chars_removed": 0},
            "boilerplate-lines": {
                "action": "strip",
                "fired": 3,
                "dropped": 0,
                "chars_removed": rule_removed,
            },
        },
        "languages": {"id": readable} if languages is None else languages,
        "unreadable": {"count": unreadable, "rows": []},
    }


def verdicts(gates, rep, baseline=None):
    return {r.gate: r.verdict for r in evaluate_gates(ruleset(gates).gates, rep, baseline)}


# -- validation: one line naming the file and the key ----------------------------------------------


@pytest.mark.parametrize(
    "gates, says",
    [
        ({"max_dropped_fraction": 1.5}, "gates.max_dropped_fraction: 1.5 is out of range [0, 1]"),
        ({"max_droped_fraction": 0.1}, "did you mean 'max_dropped_fraction'?"),
        ({"min_documents": 10.5}, "gates.min_documents: 10.5 is not a whole number"),
        ({"max_unreadable": True}, "gates.max_unreadable: True is not a number"),
        (
            {"max_dropped_fraction": {"warn": 0.2, "error": 0.1}},
            "warn (0.2) must be <= error (0.1)",
        ),
        ({"rules": {"truncated-txt": {"max_fired": 1}}}, "did you mean 'truncated-text'?"),
        ({"rules": {"repeated-paragraphs": {"max_fired": 1}}}, "is not in this rule set"),
        (
            {"rules": {"truncated-text": {"max_fired_fration": 0.1}}},
            "gates.rules.truncated-text: unknown gate 'max_fired_fration'",
        ),
        ({"rules": {"truncated-text": None}}, "gates.rules.truncated-text must map gates"),
        (
            {"rules": {"truncated-text": {"max_fired_fraction": {"eror": 0.1}}}},
            "gates.rules.truncated-text.max_fired_fraction: unknown key 'eror'",
        ),
        ({"languages": {"min_share": {False: 0.9}}}, "quote it, e.g. 'no'"),
        ({"languages": {"min_share": {"ind": 0.9}}}, "'ind' is reported as 'id'"),
        (
            {"languages": {"min_share": {"id": {"warn": 0.8, "error": 0.9}}}},
            "gates.languages.min_share.id: warn (0.8) must be >= error (0.9)",
        ),
        ({"baseline": {"tolerence": 0.1}}, "gates.baseline: unknown key 'tolerence'"),
        ({"baseline": {"tolerance": -0.1}}, "gates.baseline.tolerance: -0.1 is out of range"),
        (
            {"rules": {"truncated-text": {"max_fired_fraction": {"max_regression": 2}}}},
            "gates.rules.truncated-text.max_fired_fraction.max_regression: 2 is out of range [0, 1]",
        ),
        (
            {"rules": {"truncated-text": {"max_fired_fraction": {"max_regression": "a"}}}},
            "max_regression: 'a' is not a number",
        ),
    ],
)
def test_bad_gates_rejected_in_one_line(gates, says):
    with pytest.raises(RuleSetError) as e:
        ruleset(gates)
    msg = str(e.value)
    assert msg.startswith("rules file <dict>: ") and "\n" not in msg
    assert says in msg, msg


def test_language_gates_need_the_language_rule():
    with pytest.raises(RuleSetError, match="needs the language-mismatch rule"):
        load_ruleset(
            {
                "name": "t",
                "rules": [{"rule": "truncated-text"}],
                "gates": {"languages": {"min_share": {"id": 0.9}}},
            }
        )


def test_every_documented_form_is_accepted():
    rs = ruleset(
        {
            "min_documents": 1000,
            "max_unreadable": {"warn": 0, "error": 100},
            "max_unreadable_fraction": 0.01,
            "max_dropped_fraction": 0.1,
            "max_chars_removed_fraction": {"warn": 0.2, "error": 0.3, "max_regression": 0.05},
            "rules": {
                "truncated-text": {
                    "max_fired_fraction": {"warn": 0.02, "error": 0.05},
                    "max_fired": {"max_regression": 0.5},
                },
                "boilerplate-lines": {
                    "max_chars_removed_fraction": {"max_regression": None, "error": 0.2}
                },
            },
            "languages": {"min_share": {"id": 0.95}, "max_share": {"und": 0.05}},
            "baseline": {"tolerance": {"warn": 0.01, "error": 0.02}},
        }
    )
    gates = {g.name: g for g in gate.parse_gates(rs.gates, {s.rule for s in rs.rules}, None)}
    assert gates["max_dropped_fraction"].regression == {"warn": 0.01, "error": 0.02}
    assert gates["max_chars_removed_fraction"].regression == {"error": 0.05}
    assert gates["boilerplate-lines.max_chars_removed_fraction"].regression is None
    assert gates["truncated-text.max_fired"].levels == {}
    assert gates["language.und.max_share"].minimum is False
    assert gates["language.id.min_share"].minimum is True


def test_shipped_example_rule_sets_are_valid():
    from tests.conftest import ROOT

    for path in sorted((ROOT / "examples").glob("*.yaml")):
        assert load_ruleset(path).gates, path


# -- measuring and verdicts ------------------------------------------------------------------------


def test_warn_and_error_levels():
    gates = {"rules": {"truncated-text": {"max_fired_fraction": {"warn": 0.02, "error": 0.05}}}}
    name = "truncated-text.max_fired_fraction"
    assert verdicts(gates, report(fired=2))[name] == "pass"  # at the threshold passes
    assert verdicts(gates, report(fired=3))[name] == "WARN"
    assert verdicts(gates, report(fired=6))[name] == "FAIL"


def test_overall_measures():
    rep = report(input=110, unreadable=10, dropped=20, removed=2500, rule_removed=1000)
    results = {
        r.gate: r.value
        for r in evaluate_gates(
            ruleset(
                {
                    "min_documents": 1,
                    "max_unreadable": 1,
                    "max_unreadable_fraction": 1.0,
                    "max_dropped_fraction": 1.0,
                    "max_chars_removed_fraction": 1.0,
                    "rules": {
                        "boilerplate-lines": {"max_chars_removed_fraction": 1.0, "max_fired": 5}
                    },
                }
            ).gates,
            rep,
        )
    }
    assert results == {
        "min_documents": 100,  # readable documents: unreadable rows do not count
        "max_unreadable": 10,
        "max_unreadable_fraction": 10 / 110,
        "max_dropped_fraction": 0.2,
        "max_chars_removed_fraction": 0.25,
        "boilerplate-lines.max_chars_removed_fraction": 0.1,
        "boilerplate-lines.max_fired": 3,
    }


def test_min_gates_fail_below():
    gates = {
        "min_documents": {"warn": 1000, "error": 50},
        "languages": {"min_share": {"id": 0.9}, "max_share": {"und": 0.05}},
    }
    v = verdicts(gates, report(input=100, languages={"id": 85, "en": 5, "und": 10}))
    assert v == {
        "min_documents": "WARN",
        "language.id.min_share": "FAIL",
        "language.und.max_share": "FAIL",
    }
    assert verdicts(gates, report(input=20))["min_documents"] == "FAIL"


def test_empty_input_does_not_divide_by_zero():
    gates = {"max_dropped_fraction": 0.1, "rules": {"truncated-text": {"max_fired_fraction": 0}}}
    assert set(verdicts(gates, report(input=0, chars_in=0)).values()) == {"pass"}


def test_float_rounding_does_not_fail_a_gate_at_its_threshold():
    r = GateResult("g", gate.FRACTION, False, 0.1 + 0.2, error=0.3)
    assert r.verdict == "pass"


def test_api_check_treats_warnings_as_passing():
    import polars as pl

    from curate.api import check

    df = pl.DataFrame(
        {
            "text": [
                "Kalimat ini lengkap dan berakhir dengan titik.",
                "Para ahli menilai langkah itu sangat pent",
            ]
        }
    )
    rules = {
        "name": "t",
        "rules": [{"rule": "truncated-text"}],
        "gates": {"rules": {"truncated-text": {"max_fired_fraction": {"warn": 0.1, "error": 0.6}}}},
    }
    passed, results = check(df, rules)
    assert passed and [r.verdict for r in results] == ["WARN"]
    rules["gates"]["rules"]["truncated-text"]["max_fired_fraction"] = 0.4
    passed, results = check(df, rules)
    assert not passed and [r.verdict for r in results] == ["FAIL"]


# -- regression against a baseline -----------------------------------------------------------------


def test_regression_fractions_are_absolute_points():
    gates = {
        "rules": {"truncated-text": {"max_fired_fraction": 0.5}},
        "baseline": {"tolerance": 0.02},
    }
    name = "truncated-text.max_fired_fraction vs baseline"
    base = report(fired=1)
    assert verdicts(gates, report(fired=3), base)[name] == "pass"  # 0.03 <= 0.01 + 0.02
    assert verdicts(gates, report(fired=4), base)[name] == "FAIL"
    assert verdicts(gates, report(fired=4), base)["truncated-text.max_fired_fraction"] == "pass"


def test_regression_counts_are_relative():
    gates = {
        "max_unreadable": {"error": 1000, "max_regression": 0.10},
        "min_documents": {"error": 1, "max_regression": {"warn": 0.05, "error": 0.2}},
    }
    base = report(input=1000, unreadable=400)
    v = verdicts(gates, report(input=1000, unreadable=440), base)
    assert v["max_unreadable vs baseline"] == "pass"  # 440 <= 400 * 1.1
    v = verdicts(gates, report(input=1000, unreadable=441), base)
    assert v["max_unreadable vs baseline"] == "FAIL"
    # min_documents: 600 readable in the baseline; fewer is worse
    assert verdicts(gates, report(input=560), base)["min_documents vs baseline"] == "WARN"
    assert verdicts(gates, report(input=470), base)["min_documents vs baseline"] == "FAIL"
    assert verdicts(gates, report(input=5000), base)["min_documents vs baseline"] == "pass"


def test_regression_from_a_zero_count_allows_no_increase():
    gates = {"max_unreadable": {"max_regression": 0.5}}
    assert verdicts(gates, report(unreadable=1), report())["max_unreadable vs baseline"] == "FAIL"


def test_regression_min_share_worse_is_lower():
    gates = {"languages": {"min_share": {"id": {"error": 0.5, "max_regression": 0.03}}}}
    base = report(languages={"id": 96, "en": 4})
    name = "language.id.min_share vs baseline"
    assert verdicts(gates, report(languages={"id": 93, "en": 7}), base)[name] == "pass"
    assert verdicts(gates, report(languages={"id": 92, "en": 8}), base)[name] == "FAIL"


def test_regression_only_gate_and_skips():
    gates = {
        "rules": {"truncated-text": {"max_fired": {"max_regression": 0.1}}},
        "max_dropped_fraction": {"error": 0.5, "max_regression": None},
        "baseline": {"tolerance": 0.01},
    }
    without = evaluate_gates(ruleset(gates).gates, report(fired=50))
    assert [(r.gate, r.verdict, r.note) for r in without] == [
        ("max_dropped_fraction", "pass", ""),
        ("truncated-text.max_fired vs baseline", "skip", "no --baseline given"),
    ]
    base = report(fired=10)
    del base["rules"]["truncated-text"]  # the baseline did not run the rule
    res = evaluate_gates(ruleset(gates).gates, report(fired=50), base)
    assert [(r.gate, r.verdict) for r in res] == [
        ("max_dropped_fraction", "pass"),
        ("truncated-text.max_fired vs baseline", "skip"),
    ]
    assert res[1].note == "not measured in the baseline"
    base["rules"]["truncated-text"] = {"action": "flag"}  # a report of another schema
    res = evaluate_gates(ruleset(gates).gates, report(fired=50), base)
    assert res[1].verdict == "skip"
    assert gate.has_regression_gates(ruleset(gates).gates, {"truncated-text"})
    assert not gate.has_regression_gates({"max_dropped_fraction": 0.1}, set())


def test_load_baseline(tmp_path):
    good = tmp_path / "report.json"
    good.write_text(json.dumps(report()))
    assert gate.load_baseline(good)["documents"]["input"] == 100
    bad = tmp_path / "bad.json"
    for content, says in [
        ("{", "not JSON"),
        ('{"documents": 3}', "not a curate report.json"),
        ("[]", "not a curate report.json"),
    ]:
        bad.write_text(content)
        with pytest.raises(UsageError, match=says):
            gate.load_baseline(bad)
    with pytest.raises(UsageError, match="no such file"):
        gate.load_baseline(tmp_path / "none.json")
    with pytest.raises(UsageError, match="is a folder"):
        gate.load_baseline(tmp_path)


def test_baseline_notes_name_rules_run_differently():
    now, base = report(), report()
    base["rules"]["truncated-text"]["action"] = "drop"
    notes = gate.baseline_notes(now, base)
    assert len(notes) == 1 and notes[0].startswith("truncated-text ran with other settings")


# -- JUnit -----------------------------------------------------------------------------------------


def test_junit_one_testcase_per_gate():
    results = [
        GateResult("a.max_fired_fraction", gate.FRACTION, False, 0.25, error=0.05),
        GateResult('b <&> "q"', gate.FRACTION, False, 0.03, warn=0.02, error=0.05),
        GateResult("c", gate.COUNT, True, 500, error=100),
        GateResult("d vs baseline", gate.COUNT, False, None, note="no --baseline given"),
    ]
    root = ET.fromstring(junit_xml(results, "curate check t", {"ruleset": "t"}))
    suite = root.find("testsuite")
    assert suite.get("tests") == "4" and suite.get("failures") == "1"
    assert suite.get("skipped") == "1" and suite.get("errors") == "0"
    assert suite.find("properties/property").attrib == {"name": "ruleset", "value": "t"}
    cases = {tc.get("name"): tc for tc in suite.iter("testcase")}
    assert list(cases) == ["a.max_fired_fraction", 'b <&> "q"', "c", "d vs baseline"]
    fail = cases["a.max_fired_fraction"].find("failure")
    assert fail.get("message") == "a.max_fired_fraction = 0.25, threshold <= 0.05: FAIL"
    assert cases['b <&> "q"'].find("failure") is None
    assert cases['b <&> "q"'].find("system-out").text.startswith("WARNING: ")
    assert cases["c"].find("failure") is None
    assert cases["d vs baseline"].find("skipped").get("message") == "no --baseline given"


def test_table_shows_threshold_value_verdict():
    results = [
        GateResult("max_dropped_fraction", gate.FRACTION, False, 0.125, warn=0.05, error=0.2),
        GateResult(
            "min_documents vs baseline",
            gate.COUNT,
            True,
            900,
            error=950.0,
            baseline=1000,
            tolerance={"error": 0.05},
        ),
    ]
    lines = gate.table(results).splitlines()
    assert lines[0].split() == ["gate", "threshold", "value", "verdict"]
    assert lines[1].split() == [
        "max_dropped_fraction",
        "warn",
        "<=",
        "0.05,",
        "error",
        "<=",
        "0.2",
        "0.125",
        "WARN",
    ]
    assert "(baseline 1,000 - 5 %)" in lines[2] and lines[2].endswith("900  FAIL")


# -- unreadable files versus unreadable rows, as the readers report them --------------------------


def _unreadable(paths):
    from curate.io.readers import discover, read_shard

    shards, _ = discover([str(p) for p in paths])
    rows = [u.as_dict() for s in shards for _, bad in read_shard(s, "text") for u in bad]
    readable = 0
    for s in shards:
        readable += sum(t.num_rows for t, _ in read_shard(s, "text") if t is not None)
    rep = {
        "documents": {
            "input": readable + len(rows),
            "kept": readable,
            "dropped": 0,
            "unreadable": len(rows),
        },
        "unreadable": {"count": len(rows), "rows": rows},
    }
    return unreadable_inputs(rep)


def test_unreadable_files_are_told_from_unreadable_rows(tmp_path):
    good = tmp_path / "good.jsonl"
    good.write_text("".join(json.dumps({"text": f"Dokumen {i}."}) + "\n" for i in range(5)))
    rows = tmp_path / "rows.jsonl"
    rows.write_bytes(b'{"text": "Baik."}\n{"text": "rusak\n\xff\xfe\n{"text": null}\n')
    assert _unreadable([good, rows]) == []  # broken rows: counted, gated by max_unreadable

    gz = tmp_path / "cut.jsonl.gz"
    blob = gzip.compress(good.read_bytes() * 50)
    gz.write_bytes(blob[: len(blob) // 2])
    notgz = tmp_path / "not.jsonl.gz"
    notgz.write_bytes(b"plain text")
    whole = tmp_path / "whole.json"
    whole.write_text('[{"text": "a"}, {"text": ')
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'[{"text": "caf\xe9"}]')
    for bad in (gz, notgz, whole, latin):
        problems = _unreadable([good, bad])
        assert len(problems) == 1 and problems[0].startswith(f"input {bad}"), problems


def test_nothing_readable_or_nothing_at_all():
    rep = report(input=3, unreadable=3)
    rep["unreadable"]["rows"] = [
        {"file": "x.jsonl", "line": 1, "reason": "invalid UTF-8 at byte 0"}
    ]
    assert unreadable_inputs(rep) == [
        "input: none of the 3 rows could be read (first: x.jsonl line 1: invalid UTF-8 at byte 0)"
    ]
    assert unreadable_inputs(report(input=0))[0].startswith("input: no documents found")
    assert unreadable_inputs(report()) == []


def test_a_warn_only_gate_says_warn_in_its_threshold():
    """`max_unreadable: {warn: 0}` only warns: its threshold must not read as an error's."""
    (only_warn,) = evaluate_gates(
        ruleset({"max_unreadable": {"warn": 0}}).gates, report(unreadable=1)
    )
    assert only_warn.verdict == "WARN"
    assert only_warn.threshold_text() == "warn <= 0"
    assert only_warn.as_dict()["threshold"] == "warn <= 0"
    assert gate.table([only_warn]).splitlines()[1].split() == [
        "max_unreadable", "warn", "<=", "0", "1", "WARN"
    ]  # fmt: skip
    (only_error,) = evaluate_gates(ruleset({"max_unreadable": 0}).gates, report(unreadable=1))
    assert only_error.threshold_text() == "<= 0"


def test_a_gate_language_is_checked_as_the_rule_checks_it():
    for code, says in (
        ("xx", "'xx' is not a language code (ISO 639-1, e.g. en, id, zh)"),
        ("english", "'english' is not a language code; write 'en' (English)"),
    ):
        data = {
            "name": "t",
            "rules": [{"rule": "language-mismatch", "expected": ["id"]}],
            "gates": {"languages": {"min_share": {code: 0.9}}},
        }
        with pytest.raises(RuleSetError, match=re.escape(f"gates.languages.min_share: {says}")):
            load_ruleset(data)
