"""The quality family's CPU inside whole steady passes of a rule set, two code trees in turn:
bench/rule_inpass.py run in a process of its own per tree, the trees alternating, --pairs
times. Each run's rules run between the others as in `curate run` (the caches they evict, the
regexes that compile again), which a harness calling one rule repeatedly cannot show.

    POLARS_MAX_THREADS=1 /work/main/.venv/bin/python bench/words18_inpass_ab.py \\
        bench/_work/web-unique.jsonl --base /work/wt/base12 --tree /work/wt/words18 \\
        [--rules bench/every.yaml] [--passes 4] [--pairs 3] [--docs N]

Prints each run's family sum (the rules of curate/checks/quality.py that rule_inpass.py lists:
those of 0.5 ms a pass or more; the others, ~2 ms together on 11,000 web-200k documents, are
left out), its biggest rules and the pass, then the medians and the paired differences (tree -
base), in ms per pass.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def family_rules(tree: Path) -> set[str]:
    """The rule names of the quality family (read from the tree's source, not imported)."""
    names = set()
    for line in (tree / "curate/checks/quality.py").read_text().splitlines():
        line = line.strip()
        if line.startswith('name = "'):
            names.add(line.split('"')[1])
    return names


def one_run(tree: Path, args: argparse.Namespace) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(tree), POLARS_MAX_THREADS="1")
    out = subprocess.run(
        [
            sys.executable,
            str(HERE / "rule_inpass.py"),
            str(args.corpus),
            "--rules",
            args.rules,
            "--passes",
            str(args.passes),
            "--docs",
            str(args.docs),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=tree,
    ).stdout
    figures = {}
    for line in out.splitlines():
        if line.startswith("#"):
            continue
        name, value = line.rsplit(None, 2)[0].strip(), line.split()[-2]
        figures[name] = float(value)
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--base", type=Path, required=True)
    ap.add_argument("--tree", type=Path, required=True)
    ap.add_argument("--rules", default=str(HERE / "every.yaml"))
    ap.add_argument("--passes", type=int, default=4)
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--docs", type=int, default=0, help="the first N documents (one batch)")
    args = ap.parse_args()
    family = family_rules(args.tree)
    shown = ("unterminated-lines", "duplicated-line-chars", "no-stop-words", "low-quality")
    sums: dict[str, list[float]] = {"base": [], "tree": []}
    for i in range(args.pairs):
        for label, tree in (("base", args.base), ("tree", args.tree)):
            fig = one_run(tree, args)
            fam = sum(v for k, v in fig.items() if k in family)
            sums[label].append(fam)
            parts = "  ".join(f"{k} {fig.get(k, 0):.1f}" for k in shown)
            print(f"pair {i + 1} {label}: family {fam:6.1f}  {parts}  pass {fig['a pass']:.1f}")
    diffs = [t - b for b, t in zip(sums["base"], sums["tree"], strict=True)]
    print(
        f"# family, ms per pass: base median {statistics.median(sums['base']):.1f}, "
        f"tree median {statistics.median(sums['tree']):.1f}, paired differences "
        + " ".join(f"{d:+.1f}" for d in diffs)
        + f" (median {statistics.median(diffs):+.1f}, "
        f"{statistics.median(d / b for d, b in zip(diffs, sums['base'], strict=True)):+.1%})"
    )


if __name__ == "__main__":
    main()
