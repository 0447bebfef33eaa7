"""boilerplate-lines of two code trees in ONE process, alternately on the same batches: a paired
A/B of its evaluate's CPU time that a loaded machine disturbs less than two runs apart.

    POLARS_MAX_THREADS=1 PYTHONPATH=<tree B> /work/main/.venv/bin/python bench/bp_ab.py \
        bench/_work/web-unique.jsonl --base /work/wt/base7 [--rules bench/heuristic.yaml] \
        [--rounds 15]

The rule set runs once as a run does (bench/rule_cpu.py: each rule's input batch kept with its
memo); then tree B's rule (this PYTHONPATH) and the base tree's boilerplate module (loaded from
--base under another name, unregistered) evaluate every batch the rule saw, alternately, each on
its own thread as in a run. Printed: min and median CPU seconds per pass over the batches, and
the median of the per-round ratio B/A. Both rules' results are compared (signals, fired,
removed lines) before timing.
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
from rule_cpu import _restore, batches_seen  # noqa: E402

HERE = Path(__file__).resolve().parent
NAME = "boilerplate-lines"


def _base_class(tree: Path):
    """The BoilerplateLines class of `tree`'s curate/checks/boilerplate.py, as module bp_base
    (its own regex thread key, not registered)."""
    src = (tree / "curate/checks/boilerplate.py").read_text()
    src = src.replace("@register\n", "")
    spec = importlib.util.spec_from_loader("bp_base", loader=None)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bp_base"] = mod
    exec(compile(src, str(tree / "curate/checks/boilerplate.py"), "exec"), mod.__dict__)
    cls = mod.BoilerplateLines
    cls.name = NAME + "-base"  # its own regex thread
    return cls


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--base", type=Path, required=True)
    ap.add_argument("--rules", default=str(HERE / "heuristic.yaml"))
    ap.add_argument("--rounds", type=int, default=15)
    args = ap.parse_args()
    rs, tables, rules, corpus = prepared(args.corpus, args.rules)
    mine = next(r for r in rules if r.name == NAME)
    seen = batches_seen(rs, tables, rules, corpus, {NAME})[NAME]
    base = _base_class(args.base)(mine.params, mine.action)

    def run(rule) -> tuple[float, list]:
        out = []
        t0 = time.process_time()
        for batch, snap in seen:
            _restore(batch, snap)
            if rule is base:
                # the base reads batch.corpus under its own name
                batch.corpus[base.name] = batch.corpus.get(NAME)
            out.append(rule.evaluate(batch))
        return time.process_time() - t0, out

    _, a = run(base)
    _, b = run(mine)
    for ra, rb in zip(a, b, strict=True):
        assert ra.fired.equals(rb.fired)
        assert ra.remove.equals(rb.remove)
        for k, v in ra.signals.items():
            assert v.equals(rb.signals[k]), k
    ta, tb, ratio = [], [], []
    for _ in range(args.rounds):
        x, _ = run(base)
        y, _ = run(mine)
        ta.append(x)
        tb.append(y)
        ratio.append(y / x)

    def med(v: list) -> float:
        return sorted(v)[len(v) // 2]

    print(f"base {args.base}: min {min(ta):.4f} median {med(ta):.4f}")
    print(f"this tree:        min {min(tb):.4f} median {med(tb):.4f}")
    print(f"ratio this/base: median {med(ratio):.3f} (min of mins {min(tb) / min(ta):.3f})")


if __name__ == "__main__":
    main()
