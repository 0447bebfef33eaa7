"""CPU time of the language-mismatch rule alone, on the batches it sees in a real run.

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/language_speed.py \
        bench/_work/web-unique.jsonl [--rules rules/default.yaml] [--repeat 5]

Runs the rule set once as a run does (corpus pass, then `pipeline.process_batch` per batch, strip
actions composing in order) and keeps the batches handed to language-mismatch; then times its
evaluate() over them, best of --repeat (the profile tables already built), and, in a fresh
process, the first build of the tables (what every worker pays once). The batches keep their
shared distinct lines (words.batch_distinct_lines) as the run left them: in rules/default.yaml
boilerplate-lines numbers them before its strip, so the figure is what the rule adds in a run.

With --base TREE (another checkout, e.g. /work/wt/base4) it also compares the scorers: the texts
the rule handed `curate.langid.score` in that run are scored by this tree's
curate/langid/model.py and by TREE's (loaded under another name, same process), round by round in
alternation (the machine is shared: both see the same load), scores checked identical; and the
first table build of each tree in fresh processes, alternately (minimum of --repeat each).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import time
import types
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import polars as pl  # noqa: E402

HERE = Path(__file__).resolve().parent
BUILD = (
    "import time, numpy, polars\n"
    "from curate.langid import model\n"
    "t = time.process_time(); model.model(); print(time.process_time() - t)\n"
)


def first_build(tree: Path | None = None) -> float:
    """CPU seconds of the first model() in a fresh process, with tree's curate (default: this)."""
    tree = HERE.parent if tree is None else tree
    env = dict(os.environ, PYTHONPATH=str(tree))
    # run in the tree: `python -c` puts the working directory first on sys.path
    out = subprocess.run(
        [sys.executable, "-c", BUILD], capture_output=True, text=True, check=True, env=env, cwd=tree
    )
    return float(out.stdout.strip())


def other_model(tree: Path) -> types.ModuleType:
    """tree's curate/langid/model.py as a module of its own (its tables built on first use)."""
    path = tree / "curate" / "langid" / "model.py"
    spec = importlib.util.spec_from_file_location("other_langid_model", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def compare_scorers(calls: list[list[str]], base: Path, repeat: int) -> None:
    import numpy as np

    from curate.langid import model as ours

    theirs = other_model(base)
    ours.model(), theirs.model()
    for texts in calls:
        a, b = ours.score(texts), theirs.score(texts)
        if not (np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])):
            raise SystemExit("the scorers disagree")
    times: dict[str, list[float]] = {"base": [], "this": []}
    for r in range(repeat):
        order = [("base", theirs), ("this", ours)]
        for name, module in order if r % 2 == 0 else order[::-1]:
            t = time.process_time()
            for texts in calls:
                module.score(texts)
            times[name].append(time.process_time() - t)
    builds: dict[str, list[float]] = {"base": [], "this": []}
    for r in range(repeat):
        order = [("base", base), ("this", None)]
        for name, tree in order if r % 2 == 0 else order[::-1]:
            builds[name].append(first_build(tree))
    n, chars = sum(map(len, calls)), sum(len(t) for c in calls for t in c)
    print(f"  scorer on the rule's {n} texts ({chars:,} characters), identical scores:")
    for what, d in (("score()", times), ("first table build", builds)):
        b, t = min(d["base"]), min(d["this"])
        change = f"{t / b - 1:+.0%}, min of {repeat}"
        print(f"    {what:18s} base {b:.3f}  this {t:.3f} CPU s  ({change})")


def main() -> None:
    from prepared import prepared

    from curate import pipeline

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--rules", default=str(HERE.parent / "rules" / "default.yaml"))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--base", type=Path, help="another checkout: compare the scorers (see above)")
    args = ap.parse_args()
    rs, tables, rules, corpus = prepared(args.corpus, args.rules)
    rule = next(r for r in rules if r.name == "language-mismatch")
    batches, evaluate = [], rule.evaluate

    def keep(batch):
        batches.append(batch)
        return evaluate(batch)

    import curate.langid

    calls, score = [], curate.langid.score

    def record(texts, lens=None):  # the rule imports score from curate.langid when it runs
        calls.append(list(texts))
        return score(texts, lens)

    rule.evaluate, curate.langid.score = keep, record
    for tb in tables:
        pipeline.process_batch(rules, pl.from_arrow(tb), rs.text_column, corpus, rs.id_column)
    rule.evaluate, curate.langid.score = evaluate, score
    best = float("inf")
    for _ in range(args.repeat):
        t = time.process_time()
        for b in batches:
            evaluate(b)
        best = min(best, time.process_time() - t)
    build = first_build()
    docs = sum(b.n for b in batches)
    lines = sum(b.lines.height for b in batches)
    print(f"{args.corpus.name}: {docs} documents, {lines} lines, {len(batches)} batches")
    print(f"  language-mismatch evaluate: {best:.3f} CPU s (best of {args.repeat}), ", end="")
    print(f"{1000 * best / max(docs, 1):.3f} ms/doc")
    print(f"  profile tables, first build in a fresh process: {build:.3f} CPU s")
    if args.base is not None:
        compare_scorers(calls, args.base, args.repeat)


if __name__ == "__main__":
    main()
