"""Does a change keep `curate run`'s output? The same run from two source trees, compared.

    PYTHONPATH=. /work/main/.venv/bin/python bench/compare_run.py bench/_work/web-5k.jsonl \
        --reference /work/main [--rules bench/heuristic.yaml] [--format hf]

Runs `curate run CORPUS --rules RULES --workers 1` (--workers N: that many) once with
PYTHONPATH=<reference> and once with this tree, then compares the written dataset (every split,
row for row, every column) and report.json (everything but the run's seconds and command line).
Prints the first differences and exits 1 if there are any.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CURATE_PYTHON = os.environ.get("CURATE_PYTHON", "/work/main/.venv/bin/python")
if not Path(CURATE_PYTHON).exists():
    CURATE_PYTHON = sys.executable


def run(
    tree: Path, corpus: Path, rules: str, fmt: str, tmp: Path, workers: str = "1"
) -> tuple[dict, dict]:
    out, rep = tmp / "out", tmp / "rep"
    env = dict(os.environ, PYTHONPATH=str(tree), POLARS_MAX_THREADS="1")
    cmd = [CURATE_PYTHON, "-m", "curate", "run", str(corpus.resolve()), "--rules", rules]
    cmd += ["--out", str(out), "--report-dir", str(rep), "--quiet", "--workers", workers]
    # cwd: `python -m` puts the working directory first on sys.path, before PYTHONPATH
    res = subprocess.run(
        cmd + ["--format", fmt], env=env, capture_output=True, text=True, cwd=str(tree)
    )
    if res.returncode != 0:
        raise SystemExit(f"{tree}: {res.stderr[-2000:]}")
    report = json.loads((rep / "report.json").read_text())
    for key in ("seconds", "command"):
        report["run"].pop(key, None)
    return _load(out, fmt), report


def _load(out: Path, fmt: str) -> dict:
    import pyarrow as pa

    if fmt == "hf":
        from datasets import load_from_disk

        dd = load_from_disk(str(out))
        return {s: dd[s].data.table.combine_chunks() for s in dd}
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return {p.stem: pq.read_table(p) for p in sorted(out.glob("*.parquet"))}
    # (the .jsonl files: the folder holds the dataset card, README.md, too)
    files = sorted(out.glob("*.jsonl"))
    return {p.stem: pa.Table.from_pylist([json.loads(x) for x in p.open()]) for p in files}


def diff(a, b, path: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{path}.{k}: only in one" for k in sorted(set(a) ^ set(b))]
        for k in a:
            if k in b:
                out += diff(a[k], b[k], f"{path}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in diff(x, y, f"{path}[{i}]")
        ]
    return [] if a == b else [f"{path}: {str(a)[:120]!r} != {str(b)[:120]!r}"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--reference", type=Path, required=True, help="the source tree to compare with")
    ap.add_argument("--rules", default=str(HERE / "heuristic.yaml"), help="a path or a built-in")
    ap.add_argument("--format", default="hf")
    ap.add_argument("--workers", default="1", help="curate run --workers, both trees")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=HERE / "_work") as tmp:
        (Path(tmp) / "ref").mkdir()
        (Path(tmp) / "new").mkdir()
        ref = run(
            args.reference.resolve(),
            args.corpus,
            args.rules,
            args.format,
            Path(tmp) / "ref",
            args.workers,
        )
        new = run(
            HERE.parent, args.corpus, args.rules, args.format, Path(tmp) / "new", args.workers
        )
    problems = []
    for split in sorted(set(ref[0]) | set(new[0])):
        a, b = ref[0].get(split), new[0].get(split)
        if a is None or b is None:
            problems.append(f"split {split}: only in one")
        elif not a.equals(b):
            problems.append(f"split {split}: {a.num_rows} vs {b.num_rows} rows, tables differ")
            for col in a.column_names:
                if col in b.column_names and not a.column(col).equals(b.column(col)):
                    problems.append(f"  column {col} differs")
        else:
            print(f"split {split}: {a.num_rows} rows, {a.num_columns} columns, identical")
    problems += diff(ref[1], new[1], "report")
    for p in problems[:40]:
        print(p)
    print(f"{len(problems)} differences ({args.reference} vs {HERE.parent}, {args.corpus})")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
