"""The quality family's cost per batch in two code trees, measured in turn: paired A/B figures on
a shared machine, where a load that comes and goes weighs on both trees alike.

    POLARS_MAX_THREADS=1 /work/main/.venv/bin/python bench/words12_ab.py \\
        bench/_work/web-unique.jsonl --base /work/wt/base8 --tree /work/wt/words12 \\
        [--docs 1] [--rounds 9] [--reps 20]

One worker process per tree (PYTHONPATH=<tree>) prepares the batches as bench/words12_fixed.py
does (each quality rule's input batch with its memo as a run leaves it) and waits. In each round
the controller asks one worker, then the other (which goes first alternates), for the CPU time
of the whole family on those batches: the sum over the quality rules of the least of --reps
calls of each rule's evaluate() (memo put back before every call). Prints both trees' figure
per round, the median of each, and the median of the paired differences.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def worker(corpus: Path, rules: str, docs: int) -> None:
    """Answer each line on stdin (a number of repetitions) with the family's ms per batch."""
    sys.path.insert(0, str(HERE))
    from prepared import prepared
    from rule_cpu import _restore, batches_seen

    rs, tables, built, corpus_result = prepared(corpus, rules)
    if docs:
        tables = [tables[0].slice(0, docs)]
    names = [r.name for r in built if r.family == "quality"]
    seen = batches_seen(rs, tables, built, corpus_result, set(names))
    real = {r.name: r.evaluate for r in built if r.name in names}
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        reps = int(line)
        per_rule = {}
        for name in names:
            best = float("inf")
            for _ in range(reps):
                t = 0.0
                for batch, snap in seen[name]:
                    _restore(batch, snap)
                    t0 = time.process_time()
                    real[name](batch)
                    t += time.process_time() - t0
                best = min(best, t)
            per_rule[name] = best * 1000 / len(tables)
        print(json.dumps(per_rule), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--base", type=Path, required=True)
    ap.add_argument("--tree", type=Path, required=True)
    ap.add_argument("--rules", default=str(HERE / "heuristic.yaml"))
    ap.add_argument("--docs", type=int, default=0)
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.corpus, args.rules, args.docs)
        return
    procs = {}
    for key, tree in (("base", args.base), ("tree", args.tree)):
        env = dict(os.environ, PYTHONPATH=str(tree), POLARS_MAX_THREADS="1")
        cmd = [sys.executable, __file__, str(args.corpus), "--base", str(args.base)]
        cmd += ["--tree", str(args.tree), "--rules", args.rules, "--docs", str(args.docs)]
        cmd += ["--worker"]
        procs[key] = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )
    for p in procs.values():
        assert json.loads(p.stdout.readline())["ready"]
    figures: dict[str, list[float]] = {"base": [], "tree": []}
    rules: dict[str, dict[str, list[float]]] = {"base": {}, "tree": {}}
    for i in range(args.rounds):
        order = ("base", "tree") if i % 2 == 0 else ("tree", "base")
        for key in order:
            procs[key].stdin.write(f"{args.reps}\n")
            procs[key].stdin.flush()
            per_rule = json.loads(procs[key].stdout.readline())
            figures[key].append(sum(per_rule.values()))
            for name, ms in per_rule.items():
                rules[key].setdefault(name, []).append(ms)
        print(
            f"round {i + 1}: base {figures['base'][-1]:7.2f} ms  tree {figures['tree'][-1]:7.2f} ms"
        )
    for p in procs.values():
        p.stdin.close()
        p.wait()
    docs = f"first {args.docs} documents" if args.docs else "every document"
    print(f"# {args.corpus} ({docs}), quality family, ms per batch, median of {args.rounds} rounds")
    for name in rules["base"]:
        b, t = statistics.median(rules["base"][name]), statistics.median(rules["tree"][name])
        if max(b, t) >= 0.05:
            print(f"{name:28s} {b:8.2f} {t:8.2f}")
    diff = [t - b for b, t in zip(figures["base"], figures["tree"], strict=True)]
    base_m, tree_m = statistics.median(figures["base"]), statistics.median(figures["tree"])
    paired = statistics.median(diff)
    print(f"{'family':28s} {base_m:8.2f} {tree_m:8.2f}  paired difference {paired:+.2f}")


if __name__ == "__main__":
    main()
