"""`curate check` as a CI job runs it: the real process on clean and degraded corpora, its exit
codes, its table and its JUnit XML (read back with xml.etree, as a CI test reporter would)."""

from __future__ import annotations

import gzip
import json
import re
import shlex
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, curate_cli, write_jsonl, write_rules

# Hand-written Indonesian and English sentences; documents are built from them.
ID_SENTENCES = [
    "Pemerintah kota mengumumkan jadwal perbaikan jalan untuk bulan depan.",
    "Warga diminta memakai jalur alternatif selama pekerjaan berlangsung.",
    "Kepala dinas mengatakan proyek itu akan selesai sebelum musim hujan.",
    "Para pedagang pasar berharap akses ke toko mereka tetap terbuka.",
    "Dana perbaikan berasal dari anggaran daerah tahun ini.",
    "Petugas akan berjaga di setiap persimpangan yang ditutup sementara.",
]
EN_SENTENCES = [
    "The city council announced a schedule of road repairs for next month.",
    "Residents are asked to use other routes while the work is under way.",
    "The head of the department said the project would be finished before the rainy season.",
    "Market traders hope that access to their shops will remain open.",
    "The money for the repairs comes from this year's regional budget.",
]


def id_doc(i: int) -> str:
    s = ID_SENTENCES
    return f"Berita nomor {i}. " + " ".join(s[(i + k) % len(s)] for k in range(4))


def en_doc(i: int) -> str:
    s = EN_SENTENCES
    return f"Report number {i}. " + " ".join(s[(i + k) % len(s)] for k in range(4))


def truncated(text: str) -> str:
    return text[: len(text) * 2 // 3].rstrip(" .")  # cut mid-sentence, as a length cap does


def corpus(path: Path, n: int = 40, cut_every: int = 0, english_every: int = 0) -> Path:
    rows = []
    for i in range(n):
        text = en_doc(i) if english_every and i % english_every == 0 else id_doc(i)
        if cut_every and i % cut_every == 1:
            text = truncated(text)
        rows.append({"id": f"doc-{i}", "text": text})
    return write_jsonl(path, rows)


GATES = """name: news-gate
rules:
  - rule: language-mismatch
    action: flag
    expected: [id]
  - rule: truncated-text
    action: flag
gates:
  min_documents: 20
  max_unreadable: 0
  rules:
    truncated-text: {max_fired_fraction: {warn: 0.05, error: 0.20}}
    language-mismatch: {max_fired_fraction: 0.10}
  languages:
    min_share: {id: {warn: 0.95, error: 0.85}}
  baseline:
    tolerance: 0.05
"""

# for tests not about languages: no language detection to load
LIGHT = """name: light
rules:
  - rule: truncated-text
    action: flag
gates:
  max_unreadable: 0
  rules:
    truncated-text: {max_fired_fraction: 0.20}
"""


def table_rows(stdout: str) -> dict[str, tuple[str, str, str]]:
    """gate -> (threshold, value, verdict) from the printed table."""
    lines = stdout.splitlines()
    assert re.match(r"gate\s+threshold\s+value\s+verdict$", lines[0]), stdout
    rows = {}
    for line in lines[1:]:
        m = re.match(
            r"(\S+(?: vs baseline)?)\s{2,}(.+?)\s{2,}(\S+)\s{2}(pass|WARN|FAIL|skip.*)$", line
        )
        if m:
            rows[m[1]] = (m[2], m[3], m[4])
    return rows


def junit(path: Path) -> dict[str, ET.Element]:
    root = ET.parse(path).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    assert suite is not None
    return {tc.get("name"): tc for tc in suite.iter("testcase")}


def test_clean_corpus_passes(tmp_path):
    data = corpus(tmp_path / "clean.jsonl")
    rules = write_rules(tmp_path / "gates.yaml", GATES)
    res = curate_cli("check", data, "--rules", rules, "--junit", tmp_path / "out" / "junit.xml")
    assert res.returncode == 0, res.stdout + res.stderr
    rows = table_rows(res.stdout)
    assert rows["truncated-text.max_fired_fraction"] == ("warn <= 0.05, error <= 0.2", "0", "pass")
    assert rows["language.id.min_share"][1:] == ("1", "pass")
    assert rows["min_documents"] == (">= 20", "40", "pass")
    assert "40 documents" in res.stdout and "0 failed" in res.stdout
    cases = junit(tmp_path / "out" / "junit.xml")
    assert set(cases) == {
        "min_documents",
        "max_unreadable",
        "truncated-text.max_fired_fraction",
        "language-mismatch.max_fired_fraction",
        "language.id.min_share",
    }
    assert not [tc for tc in cases.values() if tc.find("failure") is not None]


def test_truncated_corpus_fails_with_junit_failure(tmp_path):
    data = corpus(tmp_path / "cut.jsonl", cut_every=4)  # 10 of 40 cut off: 25 %
    rules = write_rules(tmp_path / "gates.yaml", GATES)
    res = curate_cli(
        "check",
        data,
        "--rules",
        rules,
        "--junit",
        tmp_path / "junit.xml",
        "--report-dir",
        tmp_path / "rep",
    )
    assert res.returncode == 1, res.stdout + res.stderr
    assert res.stderr == ""
    rows = table_rows(res.stdout)
    assert rows["truncated-text.max_fired_fraction"][1:] == ("0.25", "FAIL")
    assert rows["language.id.min_share"][2] == "pass"
    root = ET.parse(tmp_path / "junit.xml").getroot()
    assert root.get("failures") == "1"
    cases = junit(tmp_path / "junit.xml")
    failure = cases["truncated-text.max_fired_fraction"].find("failure")
    assert failure is not None and "0.25" in failure.get("message")
    failed = [name for name, tc in cases.items() if tc.find("failure") is not None]
    assert failed == ["truncated-text.max_fired_fraction"]
    report = json.loads((tmp_path / "rep" / "report.json").read_text())
    verdicts = {g["gate"]: g["verdict"] for g in report["gates"]}
    assert verdicts["truncated-text.max_fired_fraction"] == "FAIL"
    assert "| truncated-text.max_fired_fraction |" in (tmp_path / "rep" / "report.md").read_text()


def test_wrong_language_share_warns_then_fails(tmp_path):
    rules = write_rules(
        tmp_path / "gates.yaml",
        GATES.replace("max_fired_fraction: 0.10", "max_fired_fraction: 0.50"),
    )
    # 4 English documents in 40: share of id 0.90, between error (0.85) and warn (0.95)
    res = curate_cli(
        "check",
        corpus(tmp_path / "some.jsonl", english_every=10),
        "--rules",
        rules,
        "--junit",
        tmp_path / "warn.xml",
    )
    assert res.returncode == 0, res.stdout + res.stderr
    rows = table_rows(res.stdout)
    assert rows["language.id.min_share"] == ("warn >= 0.95, error >= 0.85", "0.9", "WARN")
    assert "1 warned" in res.stdout
    warned = junit(tmp_path / "warn.xml")["language.id.min_share"]
    assert warned.find("failure") is None
    assert "WARNING" in warned.find("system-out").text

    # 10 English documents in 40: share of id 0.75
    res = curate_cli(
        "check",
        corpus(tmp_path / "many.jsonl", english_every=4),
        "--rules",
        rules,
        "--junit",
        tmp_path / "fail.xml",
    )
    assert res.returncode == 1, res.stdout + res.stderr
    assert table_rows(res.stdout)["language.id.min_share"][1:] == ("0.75", "FAIL")
    assert junit(tmp_path / "fail.xml")["language.id.min_share"].find("failure") is not None


def test_baseline_regression(tmp_path):
    rules = write_rules(tmp_path / "gates.yaml", GATES)
    base = curate_cli(
        "check", corpus(tmp_path / "old.jsonl"), "--rules", rules, "--report-dir", tmp_path / "old"
    )
    assert base.returncode == 0, base.stdout + base.stderr
    # 4 of 40 truncated: 0.10 is within the absolute gate (error 0.20) but 0.10 worse than the
    # baseline's 0, beyond the tolerance of 0.05
    res = curate_cli(
        "check",
        corpus(tmp_path / "new.jsonl", cut_every=10),
        "--rules",
        rules,
        "--baseline",
        tmp_path / "old" / "report.json",
        "--junit",
        tmp_path / "j.xml",
    )
    assert res.returncode == 1, res.stdout + res.stderr
    rows = table_rows(res.stdout)
    assert rows["truncated-text.max_fired_fraction"][1:] == ("0.1", "WARN")
    assert rows["truncated-text.max_fired_fraction vs baseline"] == (
        "<= 0.05 (baseline 0 + 0.05)",
        "0.1",
        "FAIL",
    )
    assert rows["language.id.min_share vs baseline"][2] == "pass"
    cases = junit(tmp_path / "j.xml")
    failed = sorted(n for n, tc in cases.items() if tc.find("failure") is not None)
    assert failed == ["truncated-text.max_fired_fraction vs baseline"]


def test_baseline_without_tolerance_is_a_usage_error(tmp_path):
    rules = write_rules(
        tmp_path / "gates.yaml", GATES.replace("  baseline:\n    tolerance: 0.05\n", "")
    )
    old = tmp_path / "old.json"
    old.write_text(
        json.dumps({"documents": {"input": 1, "kept": 1, "dropped": 0, "unreadable": 0}})
    )
    res = curate_cli(
        "check",
        corpus(tmp_path / "c.jsonl", n=3),
        "--rules",
        rules,
        "--baseline",
        old,
        "--junit",
        tmp_path / "j.xml",
    )
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1 and "tolerance" in res.stderr
    assert not (tmp_path / "j.xml").exists()


def _gz_truncated(p: Path) -> Path:
    blob = gzip.compress(
        b"".join(json.dumps({"text": id_doc(i)}).encode() + b"\n" for i in range(50))
    )
    p.write_bytes(blob[: len(blob) // 2])
    return p


def _bad_parquet(p: Path) -> Path:
    p.write_bytes(b"PAR1 this is not really parquet")
    return p


def _broken_json(p: Path) -> Path:
    p.write_text('[{"text": "Satu dokumen."}, {"text": ', encoding="utf-8")
    return p


def _binary_jsonl(p: Path) -> Path:
    p.write_bytes(bytes(range(128, 256)) * 4 + b"\n" + b"\xff\xfe\x00\n")
    return p


def _empty_folder(p: Path) -> Path:
    p.mkdir()
    return p


@pytest.mark.parametrize(
    "make, name, says",
    [
        (lambda p: p, "missing.jsonl", "no such file"),
        (_gz_truncated, "cut.jsonl.gz", "the gates cannot measure this file"),
        (_bad_parquet, "bad.parquet", "not a readable parquet file"),
        (_broken_json, "broken.json", "broken JSON"),
        (_binary_jsonl, "binary.jsonl", "none of the 2 rows could be read"),
        (_empty_folder, "empty", "no documents found"),
    ],
)
def test_unreadable_input_exits_2(tmp_path, make, name, says):
    data = make(tmp_path / name)
    rules = write_rules(tmp_path / "gates.yaml", LIGHT)
    res = curate_cli("check", data, "--rules", rules, "--junit", tmp_path / "j.xml")
    assert res.returncode == 2, res.stdout + res.stderr
    assert says in res.stderr and res.stderr.count("\n") == 1, res.stderr
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "j.xml").exists()


def test_broken_rows_are_gated_not_fatal(tmp_path):
    data = corpus(tmp_path / "rows.jsonl", n=30)
    with data.open("a", encoding="utf-8") as f:
        f.write('{"id": "x", "text": "broken\n')
    res = curate_cli("check", data, "--rules", write_rules(tmp_path / "gates.yaml", LIGHT))
    assert res.returncode == 1, res.stdout + res.stderr
    assert table_rows(res.stdout)["max_unreadable"] == ("<= 0", "1", "FAIL")


def test_bad_gate_key_is_one_line_naming_file_and_key(tmp_path):
    rules = write_rules(
        tmp_path / "gates.yaml",
        GATES.replace("max_fired_fraction: 0.10", "max_fired_fration: 0.10"),
    )
    res = curate_cli("check", tmp_path / "nothing-read.jsonl", "--rules", rules)
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1
    assert str(rules) in res.stderr
    assert "gates.rules.language-mismatch" in res.stderr and "max_fired_fraction" in res.stderr


# -- the documented CI recipes run the real command line ----------------------------------------


def _check_argv(command: str) -> list[str]:
    argv = shlex.split(command[command.index("curate check") :])
    return argv[2:]


def test_docs_workflow_and_hook_are_valid():
    from curate.cli import build_parser

    doc = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", doc, re.S)
    workflow = next(yaml.safe_load(b) for b in blocks if "runs-on" in b)
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    runs = [s["run"] for s in steps if "curate check" in s.get("run", "")]
    assert runs
    for run in runs:
        args = build_parser().parse_args(["check", *_check_argv(run)])
        assert args.junit and args.baseline and args.rules

    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["entry"] == "curate check" and hook["pass_filenames"] is False
    config = next(yaml.safe_load(b) for b in blocks if "repos:" in b)
    hooks = [h for r in config["repos"] for h in r["hooks"]]
    assert hook["id"] in [h["id"] for h in hooks]
    for h in hooks:
        entry = h.get("entry", hook["entry"] if h["id"] == hook["id"] else "")
        args = build_parser().parse_args(["check", *_check_argv(entry), *h.get("args", [])])
        assert args.rules == "quality/rules.yaml" and args.inputs == ["data/"]
