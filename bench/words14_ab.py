"""The quality family of two code trees in ONE process, call by call in turn, on the batches each
quality rule sees in a run (its memo as the rules before it leave it): paired figures on a
shared machine, where the load that comes and goes weighs on both trees alike.

    POLARS_MAX_THREADS=1 PYTHONPATH=/work/wt/words14 /work/main/.venv/bin/python \\
        bench/words14_ab.py bench/_work/web-unique.jsonl --base /work/wt/base9 \\
        [--docs 1] [--rounds 7] [--reps 5]

`PYTHONPATH`'s tree is imported as `curate`; the other tree's curate/checks/words.py and
curate/checks/quality.py are loaded beside it as modules of their own (its quality.py reading
its own words.py; both share curate.checks.base and the rule registry is left alone). Each
quality rule of the set gets a twin of the other tree's class (same parameters and action). In
each round every rule runs --reps times per tree, the trees alternating call by call, with the
memo put back before every call (the rules after it, `batch.later`, as twins of the same tree);
the least time per rule and tree is kept. Prints the median over rounds per rule, the family's
sums and the median of the paired per-round differences, and checks that both trees give the
same signals, fired flags and removed lines.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from prepared import prepared  # noqa: E402
from rule_cpu import _restore, batches_seen  # noqa: E402

import curate.checks as checks  # noqa: E402


def _load_base(tree: Path):
    """The other tree's words.py and quality.py as modules words_base / quality_base."""
    mods = {}
    real_words = sys.modules["curate.checks.words"]
    real_register = checks.register
    checks.register = lambda cls: cls  # (its rules share the names of ours)
    try:
        for name in ("words", "quality"):
            spec = importlib.util.spec_from_file_location(
                f"{name}_base", tree / "curate" / "checks" / f"{name}.py"
            )
            mod = importlib.util.module_from_spec(spec)
            sys.modules[f"{name}_base"] = mod
            if name == "quality":
                sys.modules["curate.checks.words"] = mods["words"]
            spec.loader.exec_module(mod)
            mods[name] = mod
    finally:
        sys.modules["curate.checks.words"] = real_words
        checks.register = real_register
    return mods["quality"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--base", type=Path, required=True)
    ap.add_argument("--rules", default=str(HERE / "heuristic.yaml"))
    ap.add_argument("--docs", type=int, default=0)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    quality_base = _load_base(args.base)

    rs, tables, built, corpus = prepared(args.corpus, args.rules)
    if args.docs:
        tables = [tables[0].slice(0, args.docs)]
    names = [r.name for r in built if r.family == "quality"]
    seen = batches_seen(rs, tables, built, corpus, set(names))
    twin = {}
    for r in built:
        t = copy.copy(r)
        if r.family == "quality":
            t.__class__ = getattr(quality_base, type(r).__name__)
        twin[id(r)] = t
    ours = {r.name: r for r in built}
    theirs = {r.name: twin[id(r)] for r in built}

    def call(tree: str, name: str, batch, snap) -> tuple[float, object]:
        memo, follow, carried, signals, later = snap
        if tree == "base":
            later = [twin[id(r)] for r in later]
        _restore(batch, (memo, follow, carried, signals, later))
        rule = theirs[name] if tree == "base" else ours[name]
        t0 = time.process_time()
        out = rule.evaluate(batch)
        return time.process_time() - t0, out

    # same outputs
    for name in names:
        for batch, snap in seen[name]:
            _, a = call("base", name, batch, snap)
            _, b = call("tree", name, batch, snap)
            assert a.signals.keys() == b.signals.keys(), name
            for k in a.signals:
                assert a.signals[k].equals(b.signals[k]), (name, k)
            assert a.fired.equals(b.fired), name
            assert (a.remove is None) == (b.remove is None), name
            assert a.remove is None or a.remove.equals(b.remove), name
    print(f"# {len(names)} quality rules: same signals, flags and removed lines in both trees")

    per_rule = {t: {n: [] for n in names} for t in ("base", "tree")}
    totals = {"base": [], "tree": []}
    for i in range(args.rounds):
        best = {t: dict.fromkeys(names, float("inf")) for t in ("base", "tree")}
        for _ in range(args.reps):
            for name in names:
                order = ("base", "tree") if i % 2 == 0 else ("tree", "base")
                for tree in order:
                    t = sum(call(tree, name, b, s)[0] for b, s in seen[name])
                    best[tree][name] = min(best[tree][name], t)
        for tree in ("base", "tree"):
            for name in names:
                per_rule[tree][name].append(best[tree][name] * 1000 / len(tables))
            totals[tree].append(sum(best[tree].values()) * 1000 / len(tables))
        b, t = totals["base"][-1], totals["tree"][-1]
        print(f"round {i + 1}: base {b:7.2f} ms  tree {t:7.2f} ms")
    docs = f"first {args.docs} documents" if args.docs else "every document"
    print(f"# {args.corpus} ({docs}), ms per batch, median of {args.rounds} rounds")
    for name in names:
        b = statistics.median(per_rule["base"][name])
        t = statistics.median(per_rule["tree"][name])
        if max(b, t) >= 0.05:
            print(f"{name:28s} {b:8.2f} {t:8.2f}")
    diff = [t - b for b, t in zip(totals["base"], totals["tree"], strict=True)]
    b, t = statistics.median(totals["base"]), statistics.median(totals["tree"])
    print(f"{'family':28s} {b:8.2f} {t:8.2f}  paired difference {statistics.median(diff):+.2f}")


if __name__ == "__main__":
    main()
