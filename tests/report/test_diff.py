"""curate diff: what got better or worse between two runs, per rule and overall."""

from __future__ import annotations

import json

from curate.report.diff import diff_reports, render_markdown, render_text
from tests.conftest import curate_cli
from tests.report.helpers import real_report


def _run(n: int, dropped: int, fired: dict[str, int], **rules) -> dict:
    r = real_report()
    r["documents"] = {"input": n, "kept": n - dropped, "dropped": dropped, "unreadable": 0}
    r["characters"] = {"input": 1000 * n, "output": 990 * n, "removed": 10 * n}
    for name, k in fired.items():
        r["rules"][name]["fired"] = k
    for name, params in rules.items():
        r["rules"][name.replace("_", "-")]["params"].update(params)
    return r


def _verdict(d: dict, rule: str, metric: str) -> str:
    rows = d["overall"] if rule == "overall" else [x for x in d["rules"] if x["rule"] == rule]
    return next(x["verdict"] for x in rows if x["metric"] == metric)


def test_same_report_is_unchanged():
    r = real_report()
    r["run"]["input_fingerprint"] = "0123456789abcdef"
    d = diff_reports(r, r)
    assert d["summary"]["better"] == d["summary"]["worse"] == 0
    assert {x["verdict"] for x in d["overall"] + d["rules"]} <= {"=", ""}
    assert any("same input" in n for n in d["notes"])


def test_better_and_worse_per_rule_and_overall():
    a = _run(10_000, 500, {"boilerplate-lines": 2_000, "truncated-text": 300})
    b = _run(20_000, 400, {"boilerplate-lines": 6_000, "truncated-text": 610})
    d = diff_reports(a, b)
    assert _verdict(d, "boilerplate-lines", "fired") == "worse"  # 20 % -> 30 %
    assert _verdict(d, "overall", "dropped") == "better"  # 5 % -> 2 %
    assert _verdict(d, "truncated-text", "fired") == "~"  # 3 % -> 3.05 %: noise
    assert _verdict(d, "overall", "documents") == ""  # a count, no verdict
    text = render_text(d)
    assert "boilerplate-lines" in text and "+10.00 pp" in text and "worse" in text
    assert text.rstrip().endswith("(shares; lower is better)")


def test_small_samples_are_not_called_trends():
    a = _run(10, 1, {"boilerplate-lines": 2})
    b = _run(10, 2, {"boilerplate-lines": 3})
    d = diff_reports(a, b)
    assert _verdict(d, "overall", "dropped") == "~"
    assert _verdict(d, "boilerplate-lines", "fired") == "~"


def test_rule_set_changes_are_noted():
    a = real_report()
    b = _run(7, 1, {}, boilerplate_lines={"max_share": 0.3})
    b["run"]["ruleset"]["hash"] = "0" * 16
    b["rules"]["new-rule"] = dict(b["rules"]["truncated-text"])
    del b["rules"]["truncated-text"]
    notes = diff_reports(a, b)["notes"]
    assert any(n.startswith("the rule sets differ") for n in notes)
    assert "rule boilerplate-lines: max_share 0.5 -> 0.3" in notes
    assert "rule truncated-text only in A" in notes and "rule new-rule only in B" in notes


def test_markdown_format_escapes_names():
    a = real_report()
    b = real_report()
    b["run"]["name"] = "run <img src=x> | two"
    md = render_markdown(diff_reports(a, b))
    assert "\\<img src=x\\> \\| two" in md
    assert "| overall | dropped |" in md


def test_cli_diff(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "report.json").write_text(json.dumps(_run(1000, 10, {"boilerplate-lines": 100})))
    (b / "report.json").write_text(json.dumps(_run(1000, 80, {"boilerplate-lines": 100})))
    res = curate_cli("diff", a / "report.json", b)
    assert res.returncode == 0, res.stderr
    assert "overall" in res.stdout and "worse" in res.stdout
    res = curate_cli("diff", a, b, "--format", "md")
    assert res.returncode == 0 and res.stdout.startswith("## curate diff")
    res = curate_cli("diff", a, b, "--format", "json")
    assert json.loads(res.stdout)["summary"]["worse"] >= 1


def test_cli_diff_bad_input_is_one_line_exit_2(tmp_path):
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "other.json").write_text('{"hello": 1}')
    for args in (
        ("diff", tmp_path / "missing", tmp_path / "bad.json"),
        ("diff", tmp_path / "bad.json", tmp_path / "bad.json"),
        ("diff", tmp_path / "other.json", tmp_path / "other.json"),
    ):
        res = curate_cli(*args)
        assert res.returncode == 2
        assert res.stderr.count("\n") == 1 and res.stderr.startswith("curate: error: ")


def test_a_language_mix_one_run_did_not_measure_is_not_a_fall_to_zero():
    a = real_report()
    b = real_report()
    b["languages"] = {}  # B's rule set has no language rule
    d = diff_reports(a, b)
    assert d["languages"] and all(x["b"] is None and x["change"] is None for x in d["languages"])
    assert any("languages: not measured in B" in n for n in d["notes"])
    text = render_text(d)
    assert "80.00 % -> not measured" in text and "-> 0.00 %" not in text
    assert "| not measured |" in render_markdown(d)


def test_an_unreadable_row_is_never_noise():
    """The max_unreadable gate fails on one unreadable row: diff must not call it noise."""
    a = _run(1000, 10, {})
    b = _run(1000, 10, {})
    b["documents"] = {**b["documents"], "unreadable": 1, "kept": b["documents"]["kept"] - 1}
    d = diff_reports(a, b)
    assert _verdict(d, "overall", "unreadable") == "worse"
    assert _verdict(diff_reports(b, a), "overall", "unreadable") == "better"
    assert "noise" not in next(x for x in render_text(d).splitlines() if "unreadable" in x)


def test_unreadable_rows_are_judged_by_their_count_not_their_share():
    # 1 of 100 rows, then 2 of 1,000: one row more is lost, though the share fell
    small = _run(100, 10, {})
    small["documents"] = {**small["documents"], "unreadable": 1}
    large = _run(1000, 10, {})
    large["documents"] = {**large["documents"], "unreadable": 2}
    assert _verdict(diff_reports(small, large), "overall", "unreadable") == "worse"
    assert _verdict(diff_reports(large, small), "overall", "unreadable") == "better"


def test_a_report_from_before_the_skipped_count_is_compared(tmp_path):
    # report.json gained skipped_count: a report written before it is still read
    old, new = real_report(), real_report()
    old.pop("skipped_count", None)
    (tmp_path / "old.json").write_text(json.dumps(old))
    (tmp_path / "new.json").write_text(json.dumps(new))
    res = curate_cli("diff", tmp_path / "old.json", tmp_path / "new.json")
    assert res.returncode == 0, res.stderr
    assert "overall" in res.stdout
