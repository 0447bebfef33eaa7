"""boilerplate-lines (or --rule repeated-paragraphs) of two code trees in ONE process, alternately
on the same batches: a paired A/B of its evaluate's CPU time that a loaded machine disturbs less
than two runs apart.

    POLARS_MAX_THREADS=1 PYTHONPATH=<tree B> /work/main/.venv/bin/python bench/bp_ab.py \
        bench/_work/web-unique.jsonl --base /work/wt/base7 [--rules bench/heuristic.yaml] \
        [--rounds 15] [--docs N] [--rule repeated-paragraphs]

--docs N keeps only the first N documents (one batch: the per-batch fixed cost; each round then
runs the batch --repeat times, 200 by default with --docs).

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
# rule name -> (module, class)
RULES = {
    "boilerplate-lines": ("boilerplate", "BoilerplateLines"),
    "repeated-paragraphs": ("repetition", "RepeatedParagraphs"),
}


def _base_class(tree: Path, name: str):
    """The rule's class of `tree`'s curate/checks/<module>.py, as module <module>_base (its own
    regex thread key, not registered)."""
    module, cls_name = RULES[name]
    path = tree / f"curate/checks/{module}.py"
    src = path.read_text().replace("@register\n", "")
    spec = importlib.util.spec_from_loader(f"{module}_base", loader=None)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[f"{module}_base"] = mod
    exec(compile(src, str(path), "exec"), mod.__dict__)
    cls = getattr(mod, cls_name)
    cls.name = name + "-base"  # its own regex thread
    return cls


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--base", type=Path, required=True)
    ap.add_argument("--rules", default=str(HERE / "heuristic.yaml"))
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--rule", default="boilerplate-lines", choices=sorted(RULES))
    ap.add_argument("--docs", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=0)
    args = ap.parse_args()
    name = args.rule
    rs, tables, rules, corpus = prepared(args.corpus, args.rules)
    if args.docs:
        from curate import engine

        tables = [tables[0].slice(0, args.docs)]
        aggs = engine.collect_batches(rs, iter(tables))
        corpus = {r.name: r.finish(aggs[r.name]) for r in rules if r.needs_corpus}
    repeat = args.repeat or (200 if args.docs else 1)
    mine = next(r for r in rules if r.name == name)
    seen = batches_seen(rs, tables, rules, corpus, {name})[name] * repeat
    base = _base_class(args.base, name)(mine.params, mine.action)

    def run(rule) -> tuple[float, list]:
        out = []
        t0 = time.process_time()
        for batch, snap in seen:
            _restore(batch, snap)
            if rule is base:
                # the base reads batch.corpus under its own name
                batch.corpus[base.name] = batch.corpus.get(name)
            out.append(rule.evaluate(batch))
        return time.process_time() - t0, out

    _, a = run(base)
    _, b = run(mine)
    a, b = a[: len(a) // repeat], b[: len(b) // repeat]
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

    ta = [x / repeat for x in ta]
    tb = [x / repeat for x in tb]
    print(f"{name}, {args.corpus.name}, docs {args.docs or 'all'}, CPU s per pass over the batches")
    print(f"base {args.base}: min {min(ta):.5f} median {med(ta):.5f}")
    print(f"this tree:        min {min(tb):.5f} median {med(tb):.5f}")
    print(f"ratio this/base: median {med(ratio):.3f} (min of mins {min(tb) / min(ta):.3f})")


if __name__ == "__main__":
    main()
