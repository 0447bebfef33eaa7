"""What `curate run`/`report`/`check` read, and refuse, as a user gives them inputs and folders:
an input given twice, an output inside an input folder, an input with no documents, an --out or
--report-dir that cannot be written, a misspelt --id-column (user trial 14)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import assert_usage_error, curate_cli, write_jsonl

ROWS = [
    {"id": f"d{i}", "text": f"Dokumen nomor {i} berisi beberapa kalimat yang lengkap dan jelas."}
    for i in range(6)
]


def _run(tmp_path, *inputs, rules="default", out="out", rep="rep", extra=()):
    return curate_cli(
        "run",
        *inputs,
        "--rules",
        rules,
        "--out",
        tmp_path / out,
        "--report-dir",
        tmp_path / rep,
        "--format",
        "jsonl",
        "--workers",
        "1",
        *extra,
    )


def _nothing_written(tmp_path, out="out", rep="rep"):
    left = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(f".{out}."))
    assert not (tmp_path / out).exists() and not left, left
    assert not (tmp_path / rep).exists()


def _documents(rep: Path) -> dict:
    return json.loads((rep / "report.json").read_text())["documents"]


# -- #3: the same input twice, and a run's own output --------------------------------------------


@pytest.mark.parametrize("rules", ["web", "default"])
def test_a_file_given_twice_is_a_usage_error(tmp_path, rules):
    src = write_jsonl(tmp_path / "a.jsonl", ROWS)
    assert_usage_error(_run(tmp_path, src, src, rules=rules), "a.jsonl", "more than once")
    _nothing_written(tmp_path)


def test_a_folder_and_a_file_inside_it_is_a_usage_error(tmp_path):
    folder = tmp_path / "inp"
    folder.mkdir()
    src = write_jsonl(folder / "a.jsonl", ROWS)
    assert_usage_error(_run(tmp_path, folder, src), "a.jsonl", "more than once")
    assert_usage_error(_run(tmp_path, src, folder), "a.jsonl", "more than once")
    _nothing_written(tmp_path)
    assert_usage_error(curate_cli("check", src, src, "--rules", "web"), "a.jsonl", "more than once")


@pytest.mark.parametrize("rep", ["rep", "."])
def test_output_and_report_inside_the_input_folder_are_not_read_back(tmp_path, rep):
    folder = tmp_path / "inp"
    folder.mkdir()
    write_jsonl(folder / "a.jsonl", ROWS)
    args = (
        "run",
        folder,
        "--rules",
        "default",
        "--out",
        folder / "clean",
        "--report-dir",
        folder / rep,  # (".": the report's files beside the input's)
        "--format",
        "jsonl",
        "--workers",
        "1",
    )
    first = curate_cli(*args)
    assert first.returncode == 0, first.stderr
    assert _documents(folder / rep) == {"input": 6, "kept": 6, "dropped": 0, "unreadable": 0}
    again = curate_cli(*args, "--overwrite")
    assert again.returncode == 0, again.stderr
    assert _documents(folder / rep) == {"input": 6, "kept": 6, "dropped": 0, "unreadable": 0}
    assert "note:" not in again.stdout  # (the report's .md and .html are not "skipped" input)
    # nor a folder an interrupted run left (it starts with a dot, as the walk skips)
    left = {"a.jsonl", "clean"} | (
        {"rep"} if rep == "rep" else {f"report.{x}" for x in ("json", "md", "html")}
    )
    assert {p.name for p in folder.iterdir()} == left


def test_a_report_dir_that_holds_the_input_file_is_fine(tmp_path):
    src = write_jsonl(tmp_path / "a.jsonl", ROWS)
    res = _run(tmp_path, src, rep=".")
    assert res.returncode == 0, res.stderr
    assert _documents(tmp_path)["input"] == 6


def test_the_output_folder_itself_as_input_is_a_usage_error(tmp_path):
    src = write_jsonl(tmp_path / "a.jsonl", ROWS)
    assert _run(tmp_path, src).returncode == 0
    assert_usage_error(
        _run(tmp_path, tmp_path / "out", extra=["--overwrite"]), "--out", str(tmp_path / "out")
    )


# -- #4: an input with no documents ----------------------------------------------------------------


def _no_documents(tmp_path, *inputs, extra=(), words=()):
    assert_usage_error(_run(tmp_path, *inputs, extra=extra), *words)
    _nothing_written(tmp_path)
    rep = curate_cli(
        "report", *inputs, "--rules", "default", "--report-dir", tmp_path / "rep", *extra
    )
    assert_usage_error(rep, *words)
    assert not (tmp_path / "rep").exists()


def test_an_empty_folder_is_a_usage_error(tmp_path):
    (tmp_path / "empty").mkdir()
    _no_documents(tmp_path, tmp_path / "empty", words=("no documents",))


def test_a_folder_of_only_skipped_files_says_so(tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    for i in range(3):
        (folder / f"p{i}.html").write_text("<html><p>Berita hari ini.</p></html>")
    _no_documents(tmp_path, folder, words=("no documents", "3 files", "p0.html"))


def test_every_row_unreadable_is_a_usage_error(tmp_path):
    src = tmp_path / "allbad.jsonl"
    src.write_text('{"text": 1}\n{"text": "unclosed\n')
    _no_documents(tmp_path, src, words=("none of the 2 rows",))


def test_a_text_column_that_is_not_text_is_a_usage_error(tmp_path):
    src = tmp_path / "p.parquet"
    pq.write_table(pa.table({"text": ["Satu kalimat."], "n": [3]}), src)
    _no_documents(tmp_path, src, extra=["--text-column", "n"], words=("'n'", "int64", "p.parquet"))


def test_a_cut_off_gzip_is_a_usage_error(tmp_path):
    whole = gzip.compress(
        "".join(json.dumps(r) + "\n" for r in ROWS * 200).encode(), compresslevel=1
    )
    src = tmp_path / "cut.jsonl.gz"
    src.write_bytes(whole[: len(whole) // 2])
    _no_documents(tmp_path, src, words=("cut.jsonl.gz", "the rest is unreadable"))


def test_skipped_files_are_named_in_the_summary(tmp_path):
    folder = tmp_path / "inp"
    folder.mkdir()
    write_jsonl(folder / "a.jsonl", ROWS)
    (folder / "page.html").write_text("<html></html>")
    res = _run(tmp_path, folder)
    assert res.returncode == 0, res.stderr
    assert "skipped 1 file" in res.stdout and "page.html" in res.stdout, res.stdout


def test_files_skipped_past_the_reports_list_are_counted(tmp_path):
    # report.json lists 1,000 skipped files: report.md said "Skipped 1,000 files" of 1,002
    folder = tmp_path / "inp"
    folder.mkdir()
    write_jsonl(folder / "a.jsonl", ROWS)
    for i in range(1002):
        (folder / f"p{i:04}.html").touch()
    res = _run(tmp_path, folder)
    assert res.returncode == 0, res.stderr
    assert "skipped 1,002 files" in res.stdout, res.stdout
    report = json.loads((tmp_path / "rep" / "report.json").read_text())
    assert len(report["skipped_files"]) == 1000 and report["skipped_count"] == 1002
    assert "Skipped 1,002 files of other types" in (tmp_path / "rep" / "report.md").read_text()
    assert "1,002 files in the input folders" in (tmp_path / "rep" / "report.html").read_text()


# -- #9: an --out or --report-dir that cannot be written -------------------------------------------


def test_overwrite_onto_a_file_is_a_usage_error_and_keeps_the_file(tmp_path):
    src = write_jsonl(tmp_path / "a.jsonl", ROWS)
    afile = tmp_path / "afile"
    afile.write_text("hello\n")
    for extra in ([], ["--overwrite"]):
        assert_usage_error(
            _run(tmp_path, src, out="afile", extra=extra), "--out", "afile", "not a folder"
        )
    assert afile.read_text() == "hello\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jsonl", "afile"]


def test_a_report_dir_that_cannot_be_made_is_refused_before_the_run(tmp_path):
    src = write_jsonl(tmp_path / "a.jsonl", ROWS)
    (tmp_path / "afile").write_text("hello\n")
    assert_usage_error(_run(tmp_path, src, rep="afile/rep"), "--report-dir", "afile")
    _nothing_written(tmp_path)
    assert_usage_error(_run(tmp_path, src, out="afile/out"), "--out", "afile")
    _nothing_written(tmp_path)
    if Path("/proc/self").exists():  # a folder nobody can write in, not even root
        res = curate_cli(
            "run", src, "--rules", "default", "--out", tmp_path / "out", "--report-dir", "/proc/rep"
        )
        assert_usage_error(res, "--report-dir", "/proc/rep")
        _nothing_written(tmp_path)
        assert_usage_error(
            curate_cli("report", src, "--rules", "default", "--report-dir", "/proc/rep"),
            "/proc/rep",
        )


def test_a_junit_file_that_cannot_be_written_is_refused_before_the_run(tmp_path):
    # `check --junit` wrote its file after the whole run: an internal error (exit 3) then
    src = write_jsonl(tmp_path / "a.jsonl", ROWS)
    (tmp_path / "afile").write_text("hello\n")
    res = curate_cli("check", src, "--rules", "default", "--junit", tmp_path / "afile" / "j.xml")
    assert_usage_error(res, "--junit", "afile")


# -- #10: --id-column ------------------------------------------------------------------------------


def test_a_misspelt_id_column_is_a_usage_error(tmp_path):
    src = write_jsonl(tmp_path / "a.jsonl", ROWS)
    assert_usage_error(
        _run(tmp_path, src, extra=["--id-column", "nope"]), "'nope'", "--id-column", "a.jsonl"
    )
    _nothing_written(tmp_path)
    res = _run(tmp_path, src, extra=["--id-column", "id"])
    assert res.returncode == 0, res.stderr


def _saved_as(tmp_path, suffix: str) -> Path:
    src = tmp_path / f"b{suffix}"
    if suffix == ".json":
        src.write_text(json.dumps(ROWS, indent=1))
    else:
        with gzip.open(src, "wt", encoding="utf-8") as f:
            f.writelines(json.dumps(r) + "\n" for r in ROWS)
    return src


@pytest.mark.parametrize("suffix", [".json", ".jsonl.gz"])
def test_a_misspelt_id_column_is_a_usage_error_in_json_and_jsonl_gz(tmp_path, suffix):
    # these two formats passed it silently (exit 0, ids from line numbers)
    src = _saved_as(tmp_path, suffix)
    assert_usage_error(
        _run(tmp_path, src, extra=["--id-column", "nope"]), "'nope'", "--id-column", src.name
    )
    _nothing_written(tmp_path)
    res = _run(tmp_path, src, extra=["--id-column", "id"])
    assert res.returncode == 0, res.stderr


# -- smaller: `curate rules RULESET` ---------------------------------------------------------------


def test_rules_prints_a_builtin_rule_set():
    res = curate_cli("rules", "web")
    assert res.returncode == 0, res.stderr
    assert "name: web" in res.stdout and "rules:" in res.stdout
