"""CPU time of removing every shard's input spill (pass 2 removes a shard's spill once the shard is
done), for a run of N shards, each spill of a few batch files: the scale defect of session 3 (a
shared folder listed once per shard: shards x files) against per-shard folders.

    PYTHONPATH=<tree> /work/main/.venv/bin/python bench/spill_cleanup.py [--shards 2000 8000]

Writes empty stand-ins of the spill files in a temporary folder with the tree's own naming
(engine._spill_folders, then the files _spilled writes) and times engine._remove_spill over all
shards. Nothing is read or parsed: the figure is the clean-up alone.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from curate import engine
from curate.io.readers import Shard

BATCHES = 3  # batch files per shard spill (a 8 MB shard of 4 MB batches: 2-3)


def fake_spill(spill: str) -> None:
    """The files _spilled leaves for a finished spill, empty: per-shard folder or bare prefix."""
    if hasattr(engine, "_spill_done"):  # a folder per shard
        os.mkdir(spill)
        names = [os.path.join(spill, f"{i:04d}.arrow") for i in range(BATCHES)]
        names.append(os.path.join(spill, "batches"))
    else:  # <prefix>.NNNN.arrow and <prefix>.batches in one shared folder
        names = [f"{spill}.{i:04d}.arrow" for i in range(BATCHES)] + [spill + ".batches"]
    for name in names:
        open(name, "wb").close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shards", type=int, nargs="+", default=[2000, 8000])
    args = ap.parse_args()
    for n in args.shards:
        with tempfile.TemporaryDirectory(dir=Path(__file__).resolve().parent / "_work") as tmp:
            shards = [Shard("jsonl", "x.jsonl", i, i + 1) for i in range(n)]
            spills = engine._spill_folders(Path(tmp) / "input", shards, [1] * n, set())
            for s in spills:
                fake_spill(s)
            t = time.process_time()
            for s in spills:
                engine._remove_spill(s)
            cpu = time.process_time() - t
            left = sum(len(files) for _, _, files in os.walk(Path(tmp) / "input"))
        print(f"{n:>7,} shards x {BATCHES + 1} files: clean-up {cpu:7.2f} CPU s ({left} left)")


if __name__ == "__main__":
    main()
