"""The shared token split (`words.distinct_line_tokens`) of two code trees in ONE process,
alternately, on the batch unterminated-lines sees in a run (its memo as the rules before it
leave it): least CPU time of each tree per round, and whether both split alike.

    POLARS_MAX_THREADS=1 PYTHONPATH=<tree> /work/main/.venv/bin/python bench/words11_ab.py \\
        bench/_work/web-unique.jsonl --base /work/wt/base7 [--rounds 5 --reps 20]

`<tree>` is imported as `curate`; the other tree's curate/checks/words.py is loaded beside it as
a module of its own (it shares curate.checks.base). Both run in turn, so a load that comes and
goes on a shared machine weighs on both alike.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

from prepared import prepared  # noqa: E402
from rule_cpu import batches_seen  # noqa: E402

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--base", type=Path, required=True, help="the other code tree")
    ap.add_argument("--rules", default=str(HERE / "heuristic.yaml"))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--reps", type=int, default=20)
    args = ap.parse_args()
    from curate.checks import words

    spec = importlib.util.spec_from_file_location(
        "words_base", args.base / "curate" / "checks" / "words.py"
    )
    base = importlib.util.module_from_spec(spec)
    sys.modules["words_base"] = base
    spec.loader.exec_module(base)

    rs, tables, rules, corpus = prepared(args.corpus, args.rules)
    name = "unterminated-lines"
    batch = batches_seen(rs, tables[:1], rules, corpus, {name})[name][0][0]
    distinct, inverse = words.batch_distinct_lines(batch)

    a = base.distinct_line_tokens(distinct, inverse)
    b = words.distinct_line_tokens(distinct, inverse)
    same = a.vocab.equals(b.vocab) and (a.code == b.code).all() and (a.line == b.line).all()
    print(f"{len(inverse)} lines, {len(b.code)} tokens, {len(b.vocab)} distinct; alike: {same}")

    def least(module) -> float:
        best = float("inf")
        for _ in range(args.reps):
            t0 = time.process_time()
            module.distinct_line_tokens(distinct, inverse)
            best = min(best, time.process_time() - t0)
        return best * 1000

    figures: dict[str, list[float]] = {"base": [], "tree": []}
    for _ in range(args.rounds):
        figures["base"].append(least(base))
        figures["tree"].append(least(words))
    for key, values in figures.items():
        rounds = " ".join(f"{v:.1f}" for v in values)
        print(f"{key:5s} ms per round: {rounds}  least {min(values):.1f}")


if __name__ == "__main__":
    main()
