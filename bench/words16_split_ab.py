"""`words.distinct_line_tokens` (the family's token split) of two trees in ONE process, call by
call in turn, on the distinct lines of the batches unterminated-lines sees in a run.

    POLARS_MAX_THREADS=1 PYTHONPATH=/work/wt/words16 /work/main/.venv/bin/python \\
        bench/words16_split_ab.py bench/_work/web-unique.jsonl --base /work/wt/base10 \\
        [--rules bench/every.yaml] [--rounds 7] [--reps 5] [--batches N]

`PYTHONPATH`'s tree is imported as `curate`; the other tree's curate/checks/words.py is loaded
beside it as a module of its own. Checks that both give the same tokens (line, code, vocabulary
and its properties), then prints per round the least of --reps calls per tree summed over the
batches, the medians and the median of the paired differences (CPU ms per batch).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
from prepared import prepared  # noqa: E402
from rule_cpu import _restore, batches_seen  # noqa: E402

from curate.checks import words  # noqa: E402


def _load(tree: Path):
    spec = importlib.util.spec_from_file_location(
        "words_base", tree / "curate" / "checks" / "words.py"
    )
    mod = importlib.util.module_from_spec(spec)
    sys.modules["words_base"] = mod
    spec.loader.exec_module(mod)
    return mod


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--base", type=Path, required=True)
    ap.add_argument("--rules", default=str(HERE / "every.yaml"))
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--batches", type=int, default=0)
    args = ap.parse_args()
    base = _load(args.base)
    rs, tables, built, corpus = prepared(args.corpus, args.rules)
    if args.batches:
        tables = tables[: args.batches]
    seen = batches_seen(rs, tables, built, corpus, {"unterminated-lines"})
    inputs = []
    for batch, snap in seen["unterminated-lines"]:
        _restore(batch, snap)
        inputs.append(words.batch_distinct_lines(batch))
    for distinct, inverse in inputs:
        a = base.distinct_line_tokens(distinct, inverse)
        b = words.distinct_line_tokens(distinct, inverse)
        assert np.array_equal(a.line, b.line) and np.array_equal(a.code, b.code)
        assert a.kept == b.kept and a.vocab.equals(b.vocab)
        assert np.array_equal(a.split_line, b.split_line)
        assert np.array_equal(a.split_code, b.split_code)
    print(f"# {len(inputs)} batches: same tokens in both trees")
    fns = {"base": base.distinct_line_tokens, "tree": words.distinct_line_tokens}
    totals = {"base": [], "tree": []}
    for i in range(args.rounds):
        best = dict.fromkeys(fns, float("inf"))
        for _ in range(args.reps):
            order = ("base", "tree") if i % 2 == 0 else ("tree", "base")
            for name in order:
                t0 = time.process_time()
                for distinct, inverse in inputs:
                    fns[name](distinct, inverse)
                best[name] = min(best[name], time.process_time() - t0)
        for name in fns:
            totals[name].append(best[name] * 1000 / len(inputs))
        print(f"round {i + 1}: base {totals['base'][-1]:7.2f}  tree {totals['tree'][-1]:7.2f} ms")
    diff = [t - b for b, t in zip(totals["base"], totals["tree"], strict=True)]
    b, t = statistics.median(totals["base"]), statistics.median(totals["tree"])
    print(f"median ms per batch: base {b:.2f}  tree {t:.2f}  paired {statistics.median(diff):+.2f}")


if __name__ == "__main__":
    main()
