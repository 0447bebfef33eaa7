"""The command line as a user meets it: outputs, conservation of rows, formats, and mistakes."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import polars as pl
import pytest
from datasets import load_from_disk

from tests.conftest import (
    ROOT,
    SAMPLE,
    assert_usage_error,
    curate_cli,
    run_and_load,
    sample_corpus,
    sample_rows,
    write_jsonl,
    write_rules,
)


def test_sample_run_conserves_rows_and_writes_everything(tmp_path):
    out, rep = run_and_load(tmp_path, SAMPLE, "web", "--workers", "1")
    n = len(sample_rows())
    assert len(out["train"]) + len(out["rejected"]) == n
    assert rep["documents"]["input"] == n
    assert rep["documents"]["kept"] == len(out["train"])
    assert rep["documents"]["dropped"] == len(out["rejected"]) > 0
    # every rejected row says which drop rule rejected it and keeps its original text
    originals = {r["id"]: r["text"] for r in sample_rows()}
    for row in out["rejected"]:
        assert row["curate_dropped_by"] and set(row["curate_dropped_by"]) <= set(
            row["curate_flags"]
        )
        assert row["text"] == originals[row["id"]]
    for row in out["train"]:
        assert row["curate_dropped_by"] == []
        assert set(row) >= {"id", "lang", "problem", "text", "curate_flags", "curate_language"}
    assert (tmp_path / "out" / "README.md").read_text().startswith("---\n")
    for name in ("report.json", "report.md", "report.html"):
        assert (tmp_path / "out-rep" / name).stat().st_size > 0


def test_untouched_documents_keep_their_text_byte_for_byte(tmp_path):
    res = curate_cli(
        "run",
        SAMPLE,
        "--rules",
        "default",
        "--out",
        tmp_path / "out",
        "--report-dir",
        tmp_path / "rep",
        "--workers",
        "1",
    )
    assert res.returncode == 0, res.stderr
    originals = {r["id"]: r["text"] for r in sample_rows()}
    for row in load_from_disk(str(tmp_path / "out"))["train"]:
        if not {"boilerplate-lines", "repeated-paragraphs"} & set(row["curate_flags"]):
            assert row["text"] == originals[row["id"]]
        else:
            assert len(row["text"]) < len(originals[row["id"]])


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_file_formats_write_the_same_rows(tmp_path, fmt):
    res = curate_cli(
        "run",
        SAMPLE,
        "--rules",
        "web",
        "--out",
        tmp_path / "out",
        "--format",
        fmt,
        "--report-dir",
        tmp_path / "rep",
        "--workers",
        "1",
    )
    assert res.returncode == 0, res.stderr
    read = (
        pl.read_parquet if fmt == "parquet" else partial(pl.read_ndjson, infer_schema_length=None)
    )
    train, rejected = (
        read(tmp_path / "out" / f"train.{fmt}"),
        read(tmp_path / "out" / f"rejected.{fmt}"),
    )
    assert train.height + rejected.height == len(sample_rows())
    assert "curate_flags" in train.columns


def test_workers_give_the_same_output_as_one(tmp_path):
    # enough rows for several shards, so two processes really split the work
    src = sample_corpus(tmp_path, 15)
    from curate.io import readers

    assert len(readers._jsonl_shards(src, target=100_000)) > 2
    outs = {}
    for w in ("1", "2"):
        res = curate_cli(
            "run",
            src,
            "--rules",
            "web",
            "--out",
            tmp_path / f"out{w}",
            "--report-dir",
            tmp_path / f"rep{w}",
            "--workers",
            w,
            env={"CURATE_SHARD_BYTES": "100000"},
        )
        assert res.returncode == 0, res.stderr
        outs[w] = load_from_disk(str(tmp_path / f"out{w}"))
    for split in ("train", "rejected"):
        assert outs["1"][split].to_list() == outs["2"][split].to_list()
    r1, r2 = (json.loads((tmp_path / f"rep{w}" / "report.json").read_text()) for w in ("1", "2"))
    assert r1["run"]["shards"] > 2
    for key in ("documents", "characters", "rules", "languages", "lengths"):
        assert r1[key] == r2[key]


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize(("user_setting", "threads"), [(None, 1), ("2", 2)])
def test_the_calling_process_runs_on_one_polars_thread(tmp_path, user_setting, threads, workers):
    # the calling process is one of the run's workers (the only one with `--workers 1`): its
    # polars pool gets one thread, as every worker process's does, unless the user chose
    # POLARS_MAX_THREADS themselves
    import os
    import subprocess
    import sys

    src = sample_corpus(tmp_path, 1)
    argv = [
        "run",
        str(src),
        "--rules",
        "default",
        "--out",
        str(tmp_path / "out"),
        "--workers",
        workers,
    ]
    argv += ["--report-dir", str(tmp_path / "rep"), "--quiet"]
    code = (
        "import sys; from curate.cli import main; rc = main(sys.argv[1:]); "
        "import polars; print(rc, polars.thread_pool_size())"
    )
    env = {k: v for k, v in os.environ.items() if k != "POLARS_MAX_THREADS"}
    env["PYTHONPATH"] = str(ROOT)
    if user_setting:
        env["POLARS_MAX_THREADS"] = user_setting
    res = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, env=env, timeout=300
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["0", str(threads)]


def test_unreadable_rows_reported_with_file_and_line(tmp_path):
    src = tmp_path / "mixed.jsonl"
    src.write_bytes(
        b'{"id": "a", "text": "Kalimat pertama yang lengkap."}\n{"id": "b", "text": "bro\n'
        b'{"id": "c", "text": "caf\xe9 \xff"}\n{"id": "d", "text": null}\n{"id": "e", "text": ""}\n'
    )
    res = curate_cli(
        "run",
        src,
        "--rules",
        "default",
        "--out",
        tmp_path / "out",
        "--report-dir",
        tmp_path / "rep",
    )
    assert res.returncode == 0, res.stderr
    rep = json.loads((tmp_path / "rep" / "report.json").read_text())
    assert rep["documents"] == {"input": 5, "kept": 2, "dropped": 0, "unreadable": 3}
    assert [(r["file"], r["line"]) for r in rep["unreadable"]["rows"]] == [
        (str(src), n) for n in (2, 3, 4)
    ]
    assert "unreadable" in (tmp_path / "rep" / "report.md").read_text().lower()
    # the terminal says where the first one is, not only how many there are
    note = next(ln for ln in res.stdout.splitlines() if ln.startswith("note: unreadable"))
    assert f"{src} line 2" in note and "report" in note


def test_mistakes_are_one_line_exit_2_and_write_nothing(tmp_path):
    one = write_jsonl(tmp_path / "one.jsonl", [{"text": "Satu kalimat."}])
    typo = write_rules(
        tmp_path / "typo.yaml", "name: x\nrules:\n  - rule: boilerplate-linez\n    action: strip\n"
    )
    action = write_rules(
        tmp_path / "act.yaml", "name: x\nrules:\n  - rule: truncated-text\n    action: explode\n"
    )
    key = write_rules(
        tmp_path / "key.yaml", "name: x\nrules:\n  - rule: repeated-paragraphs\n    min_char: 3\n"
    )
    wrong_type = write_rules(
        tmp_path / "type.yaml",
        "name: x\nrules:\n  - rule: repeated-paragraphs\n    min_chars: many\n",
    )
    out_of_range = write_rules(
        tmp_path / "range.yaml", "name: x\nrules:\n  - rule: boilerplate-lines\n    max_share: 3\n"
    )
    not_yaml = write_rules(tmp_path / "bad.yaml", "name: [unclosed\n")
    top = write_rules(tmp_path / "top.yaml", "name: x\nrule:\n  - rule: truncated-text\n")
    out = tmp_path / "out"
    assert_usage_error(
        curate_cli("run", tmp_path / "none.jsonl", "--rules", "default", "--out", out), "none.jsonl"
    )
    assert_usage_error(
        curate_cli("run", one, "--rules", typo, "--out", out), "boilerplate-lines", str(typo)
    )
    assert_usage_error(
        curate_cli("run", one, "--rules", action, "--out", out), "explode", "flag, drop"
    )
    assert_usage_error(
        curate_cli("run", one, "--rules", key, "--out", out), "min_char", "min_chars"
    )
    assert_usage_error(
        curate_cli("run", one, "--rules", wrong_type, "--out", out), "min_chars", "integer"
    )
    assert_usage_error(
        curate_cli("run", one, "--rules", out_of_range, "--out", out), "max_share", "range"
    )
    assert_usage_error(curate_cli("run", one, "--rules", not_yaml, "--out", out), "YAML")
    assert_usage_error(curate_cli("run", one, "--rules", top, "--out", out), "'rule'", "rules")
    assert_usage_error(curate_cli("run", one, "--rules", "defualt", "--out", out), "default")
    assert_usage_error(
        curate_cli("run", one, "--rules", "default", "--out", out, "--text-column", "body"),
        "body",
        "--text-column",
    )
    assert_usage_error(curate_cli("run", one, "--rules", "default"), "--out")
    assert_usage_error(curate_cli("rules", "truncated-txt"), "truncated-text")
    assert not out.exists() and not list(tmp_path.glob(".out*"))


def test_existing_out_is_refused_unless_overwrite(tmp_path):
    one = write_jsonl(tmp_path / "one.jsonl", [{"text": "Satu kalimat lengkap."}])
    out = tmp_path / "out"
    args = ("run", one, "--rules", "default", "--out", out, "--report-dir", tmp_path / "rep")
    assert curate_cli(*args).returncode == 0
    assert_usage_error(curate_cli(*args), "already exists", "--overwrite")
    res = curate_cli(*args, "--overwrite")
    assert res.returncode == 0, res.stderr
    assert len(load_from_disk(str(out))["train"]) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.jsonl", "out", "rep"]


def test_rules_command_documents_every_rule():
    res = curate_cli("rules")
    assert res.returncode == 0
    for name in ("boilerplate-lines", "repeated-paragraphs", "language-mismatch", "truncated-text"):
        assert name in res.stdout
        page = curate_cli("rules", name)
        assert page.returncode == 0 and "Parameters" in page.stdout or "Signals" in page.stdout


def test_report_command_writes_only_the_report(tmp_path):
    res = curate_cli(
        "report", SAMPLE, "--rules", "default", "--report-dir", tmp_path / "rep", cwd=tmp_path
    )
    assert res.returncode == 0, res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rep"]
    assert sorted(p.name for p in (tmp_path / "rep").iterdir()) == [
        "report.html",
        "report.json",
        "report.md",
    ]


def test_builtin_rulesets_work_after_a_plain_install(tmp_path):
    """Build a wheel and install it (not editable) in a folder: built-in names must resolve."""
    import subprocess
    import sys

    wheel_dir, target = tmp_path / "wheel", tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheel_dir),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next(wheel_dir.glob("curate-*.whl"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    code = (
        "import curate, curate.config as c; from pathlib import Path; "
        f"assert Path(curate.__file__).is_relative_to(Path(r'{target}')), curate.__file__; "
        "print(sorted(c.builtin_rulesets())); c.load_ruleset('default')"
    )
    res = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
    )
    assert res.returncode == 0, res.stderr
    assert "default" in res.stdout and "web" in res.stdout
    assert (Path(target) / "curate" / "data" / "sample.jsonl").exists()
