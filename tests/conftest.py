"""Shared test helpers. Tests that read ../shared/data skip cleanly when it is absent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("CURATE_SHARED_DATA", ROOT.parent / "shared" / "data"))


def shared(*parts: str) -> Path:
    """A path under ../shared/data, or skip the test when that data is not here."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not present: {path}")
    return path


def curate_cli(
    *args, cwd: Path | None = None, timeout: int = 300, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run the real `curate` command in a subprocess (from this checkout, whatever the cwd)."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "curate", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env=full_env,
    )


def assert_usage_error(res, *words: str) -> None:
    """A user's mistake: exit 2, one line on stderr holding every word, no traceback."""
    assert res.returncode == 2, (res.returncode, res.stderr)
    assert "Traceback" not in res.stderr + res.stdout
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    for w in words:
        assert w in lines[0], lines[0]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    return path


def write_rules(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


SAMPLE = ROOT / "curate" / "data" / "sample.jsonl"


def sample_rows() -> list[dict]:
    """The bundled sample corpus, as rows."""
    return [json.loads(line) for line in SAMPLE.read_text().splitlines()]


def sample_corpus(tmp_path: Path, copies: int) -> Path:
    """The sample repeated `copies` times (ids made unique) as one JSONL file: enough rows for
    several shards."""
    rows = sample_rows() * copies
    for i, r in enumerate(rows):
        r["id"] = f"{r['id']}-{i}"
    return write_jsonl(tmp_path / "corpus.jsonl", rows)


def run_and_load(tmp_path: Path, src, rules: str, *extra, name: str = "out"):
    """`curate run` into tmp_path/<name> and tmp_path/<name>-rep; returns (DatasetDict, report)."""
    from datasets import load_from_disk

    out, rep = tmp_path / name, tmp_path / f"{name}-rep"
    res = curate_cli("run", src, "--rules", rules, "--out", out, "--report-dir", rep, *extra)
    assert res.returncode == 0, res.stderr
    return load_from_disk(str(out)), json.loads((rep / "report.json").read_text())
