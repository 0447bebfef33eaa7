"""Paired A/B of rules' evaluate inside whole passes of a rule set, two code trees interleaved.

    POLARS_MAX_THREADS=1 /work/main/.venv/bin/python bench/quality19_ab.py /tmp/w200-11k.jsonl \\
        --base /work/wt/base14 --tree /work/wt/qual19 --rules bench/every.yaml --passes 20 \\
        --names unterminated-lines,duplicated-line-chars,pattern-lines,no-stop-words,low-quality

Two long-lived processes, one per tree (its PYTHONPATH), each reads the corpus, runs the corpus
pass and keeps every batch each rule is handed in a run with its memos (`rule_cpu.batches_seen`).
The parent then asks them for one whole pass each in turn (every rule on every batch in
rule-set order, each rule after the ones before it as in a run), alternating which goes first,
and keeps the CPU ms of each rule's evaluate per pass. Passes of the two trees a second apart
share the host's load, so their paired differences read through it better than separate runs.
Prints, per named rule and for their sum, the medians and the median paired difference with
its quartiles; the first two passes of each are left out (warm-up).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def child(tree: str, corpus: str, rules_path: str) -> None:
    """Hold the batches; one whole pass per line read from stdin, its costs as a JSON line."""
    os.environ.setdefault("POLARS_MAX_THREADS", "1")
    sys.path.insert(0, tree)
    sys.path.insert(0, str(HERE))
    from prepared import prepared
    from rule_cpu import _restore, batches_seen

    import curate

    assert curate.__file__.startswith(tree), curate.__file__
    rs, tables, rules, finished = prepared(Path(corpus), rules_path)
    by_name = {r.name: r for r in rules}
    seen = batches_seen(rs, tables, rules, finished, set(by_name))
    order = [r.name for r in rules]
    print("ready", flush=True)
    for _ in sys.stdin:
        cost = dict.fromkeys(order, 0.0)
        for i in range(len(seen[order[0]])):
            for name in order:
                batch, snap = seen[name][i]
                _restore(batch, snap)
                t0 = time.process_time()
                by_name[name].evaluate(batch)
                cost[name] += time.process_time() - t0
        print(json.dumps({n: v * 1e3 for n, v in cost.items()}), flush=True)


def show(name: str, base: np.ndarray, tree: np.ndarray) -> None:
    d = tree - base
    q1, q3 = np.percentile(d, 25), np.percentile(d, 75)
    print(
        f"{name:24s} base {np.median(base):7.1f}  tree {np.median(tree):7.1f}  paired "
        f"{np.median(d):+7.1f} ms a pass ({np.median(d) / np.median(base) * 100:+.0f} %)"
        f"  [quartiles {q1:+.1f} {q3:+.1f}]"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("--base", required=True)
    ap.add_argument("--tree", required=True)
    ap.add_argument("--rules", default=str(HERE / "every.yaml"))
    ap.add_argument("--passes", type=int, default=20)
    ap.add_argument("--names", required=True, help="comma-separated rule names")
    args = ap.parse_args()
    rules_path = str(Path(args.rules).resolve())
    procs = {}
    for label, tree in (("base", args.base), ("tree", args.tree)):
        procs[label] = subprocess.Popen(
            [sys.executable, __file__, "--child", tree, args.corpus, rules_path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": tree, "POLARS_MAX_THREADS": "1"},
        )
    for p in procs.values():
        assert p.stdout.readline().strip() == "ready"
    res: dict[str, list[dict[str, float]]] = {"base": [], "tree": []}
    for i in range(args.passes + 2):
        for label in ("base", "tree") if i % 2 == 0 else ("tree", "base"):
            p = procs[label]
            p.stdin.write("pass\n")
            p.stdin.flush()
            costs = json.loads(p.stdout.readline())
            if i >= 2:
                res[label].append(costs)
    for p in procs.values():
        p.stdin.close()
        p.wait()
    names = args.names.split(",")
    for n in names:
        show(n, np.array([r[n] for r in res["base"]]), np.array([r[n] for r in res["tree"]]))
    total = {k: np.array([sum(r[n] for n in names) for r in v]) for k, v in res.items()}
    show("those rules", total["base"], total["tree"])
    every = {k: np.array([sum(r.values()) for r in v]) for k, v in res.items()}
    show("every rule", every["base"], every["tree"])


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
    else:
        main()
