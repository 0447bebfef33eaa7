"""Reliability: interrupted runs leave nothing half-written and resume to the same result; runs
are deterministic; hostile input (NUL bytes, giant documents, odd types) loses nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from datasets import load_from_disk

from tests.conftest import ROOT, curate_cli, run_and_load, sample_corpus, write_jsonl


def comparable(report_path):
    rep = json.loads(report_path.read_text())
    for key in ("seconds", "command", "workers", "name"):
        rep["run"].pop(key, None)
    return rep


def test_killed_run_leaves_no_output_and_resume_gives_the_same_result(tmp_path):
    src = sample_corpus(tmp_path, 10)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CURATE_SHARD_BYTES": "20000"}
    out, work = tmp_path / "out", tmp_path / ".out.curate-tmp"
    args = [
        sys.executable,
        "-m",
        "curate",
        "run",
        str(src),
        "--rules",
        "default",
        "--out",
        str(out),
        "--report-dir",
        str(tmp_path / "rep"),
        "--workers",
        "1",
    ]
    log = tmp_path / "killed.log"
    with open(log, "wb") as err:
        proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.time() + 120
    while time.time() < deadline and len(list((work / "parts").glob("*.stats.json"))) < 3:
        assert proc.poll() is None, log.read_text()
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = len(list((work / "parts").glob("*.stats.json")))
    total = json.loads((work / "manifest.json").read_text())["shards"]
    assert 3 <= done < total, (done, total)
    assert not out.exists()  # nothing half-written where the user looks

    res = curate_cli(
        "run",
        src,
        "--rules",
        "default",
        "--out",
        out,
        "--report-dir",
        tmp_path / "rep",
        "--workers",
        "1",
        "--resume",
        env={"CURATE_SHARD_BYTES": "20000"},
    )
    assert res.returncode == 0, res.stderr
    assert not work.exists()
    clean = curate_cli(
        "run",
        src,
        "--rules",
        "default",
        "--out",
        tmp_path / "clean",
        "--report-dir",
        tmp_path / "clean-rep",
        "--workers",
        "1",
        env={"CURATE_SHARD_BYTES": "20000"},
    )
    assert clean.returncode == 0, clean.stderr
    a, b = load_from_disk(str(out)), load_from_disk(str(tmp_path / "clean"))
    for split in ("train", "rejected"):
        assert a[split].to_list() == b[split].to_list()
    assert comparable(tmp_path / "rep" / "report.json") == comparable(
        tmp_path / "clean-rep" / "report.json"
    )


def test_resume_refuses_a_different_rule_set(tmp_path):
    src = sample_corpus(tmp_path, 2)
    work = tmp_path / ".out.curate-tmp"
    (work / "parts").mkdir(parents=True)
    (work / "manifest.json").write_text(
        json.dumps({"ruleset": "other", "fingerprint": "x", "shards": 1})
    )
    res = curate_cli("run", src, "--rules", "default", "--out", tmp_path / "out", "--resume")
    assert res.returncode == 2 and "--overwrite" in res.stderr


def test_same_input_same_output_and_report(tmp_path):
    src = sample_corpus(tmp_path, 1)
    for n in ("a", "b"):
        res = curate_cli(
            "run",
            src,
            "--rules",
            "web",
            "--out",
            tmp_path / n,
            "--report-dir",
            tmp_path / f"rep-{n}",
            "--workers",
            "1",
        )
        assert res.returncode == 0, res.stderr
    a, b = load_from_disk(str(tmp_path / "a")), load_from_disk(str(tmp_path / "b"))
    for split in ("train", "rejected"):
        assert a[split].to_list() == b[split].to_list()
    assert comparable(tmp_path / "rep-a" / "report.json") == comparable(
        tmp_path / "rep-b" / "report.json"
    )


def test_hostile_rows_lose_nothing(tmp_path):
    big = ("Kalimat panjang yang diulang untuk membuat dokumen raksasa. " * 900_000)[:50_000_000]
    rows = [
        {"id": "nul", "text": "before\x00after. A line with a NUL byte."},
        {"id": "big", "text": big},
        {"id": "list", "text": ["not", "text"]},
        {"id": "num", "text": 3.5},
        {"id": "empty", "text": ""},
        {
            "id": "rtl",
            "text": "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd. \u202eevil\u202c",
        },
        {"id": "script", "text": "<script>alert('x')</script> Ini teks biasa."},
        {"id": "mixed-id", "text": "A row whose id is an int elsewhere."},
        {"id": 7, "text": "A row whose id is a number."},
    ]
    src = write_jsonl(tmp_path / "hostile.jsonl", rows)
    out, rep = run_and_load(tmp_path, src, "web", "--workers", "1")
    assert rep["documents"]["unreadable"] == 2
    assert len(out["train"]) + len(out["rejected"]) == len(rows) - 2
    ids = {str(r["id"]) for s in out for r in out[s]}
    assert {"nul", "big", "empty", "rtl", "script", "7"} <= ids
    html = (tmp_path / "out-rep" / "report.html").read_text()
    assert "<script>alert" not in html
