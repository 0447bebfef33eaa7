"""readers._jsonl_shards of this tree against another's, in one process, alternately: the same
shards, and the CPU of cutting the file.

    PYTHONPATH=. /work/main/.venv/bin/python bench/discover_ab.py bench/_work/web-200k.jsonl \
        --reference /work/wt/base9 [--rounds 3]
"""

import argparse
import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def load(tree: Path, tag: str):
    """A tree's curate/io/readers.py as a module of its own (both trees' in one process)."""
    spec = importlib.util.spec_from_file_location(f"readers_{tag}", tree / "curate/io/readers.py")
    m = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = m  # (dataclasses look their module up)
    spec.loader.exec_module(m)
    return m


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--reference", type=Path, required=True)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    trees = {
        "this tree": load(HERE.parent, "this"),
        str(args.reference): load(args.reference, "ref"),
    }
    cuts = {
        name: [(s.start, s.end, s.first_line) for s in m._jsonl_shards(args.corpus)]
        for name, m in trees.items()
    }
    first, second = cuts.values()
    print(f"same shards: {first == second} ({len(first)})")
    best = dict.fromkeys(trees, float("inf"))
    for _ in range(args.rounds):
        for name, m in trees.items():
            t = time.process_time()
            m._jsonl_shards(args.corpus)
            best[name] = min(best[name], time.process_time() - t)
    for name, secs in best.items():
        print(f"{name}: {secs:.3f} CPU s (best of {args.rounds})")


if __name__ == "__main__":
    main()
