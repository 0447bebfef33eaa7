"""CPU time of `truncated-text` from two code trees in ONE process, alternating batch by batch,
so that the load of a shared machine falls on both alike (separate runs drift by 10-20 %).

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/truncation_ab.py \
        bench/_work/web-20k.jsonl --base /work/wt/base4/curate/checks/truncation.py
    ... --rules rules/default.yaml     # the rule inside a rule set (process_batch per batch)

Both modules are loaded from their files (the other tree's under another name, unregistered)
and run on the reader's batches. Alone (no --rules): the corpus pass (collect, merge, finish)
and evaluate per batch, polars' compiled regexes evicted before each evaluate as the other rules
of a set evict them; the minimum of --repeat runs per batch. With --rules: the whole rule set
runs per batch with each tree's rule in turn, only the rule's evaluate is timed. Prints the
CPU seconds of each tree and their ratio (this tree / base).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import polars as pl  # noqa: E402

import curate.checks as checks  # noqa: E402
from curate import engine, pipeline  # noqa: E402
from curate.checks.base import Batch  # noqa: E402
from curate.config import load_ruleset  # noqa: E402
from curate.io.readers import discover, read_shard  # noqa: E402

HERE = Path(__file__).resolve().parent
RULE = "truncated-text"


def load(path: str, name: str):
    """The truncation module at `path`, its rule class not registered."""
    real = checks.register
    checks.register = lambda cls: cls
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    finally:
        checks.register = real
    return module


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--base", required=True, help="the other tree's curate/checks/truncation.py")
    ap.add_argument("--rules", help="time the rule inside this rule set")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    mine = load(str(HERE.parent / "curate" / "checks" / "truncation.py"), "truncation_this")
    base = load(args.base, "truncation_base")
    rs = load_ruleset(args.rules or {"name": "t", "rules": [{"rule": RULE, "action": "flag"}]})
    shards, _ = discover([args.corpus])
    tables = [tb for s in shards for tb, _ in read_shard(s, rs.text_column) if tb is not None]
    trees = {}
    for key, module in (("base", base), ("this", mine)):
        rules = rs.build()
        i = next(k for k, r in enumerate(rules) if r.name == RULE)
        rules[i] = module.TruncatedText(rules[i].params, rules[i].action, rules[i].options)
        trees[key] = (rules, rules[i])
    aggs = engine.collect_batches(rs, iter(tables))
    corpus = {r.name: r.finish(aggs[r.name]) for r in trees["this"][0] if r.needs_corpus}
    spent = {key: [float("inf")] * len(tables) for key in trees}
    collect = {key: float("inf") for key in trees}
    batches = []
    for tb in tables:
        df = pl.from_arrow(tb)
        batches.append(
            Batch.from_texts(df.get_column(rs.text_column), extra=df.drop(rs.text_column))
        )
    dummy = pl.Series(["x"])
    for r in range(args.repeat):
        if not args.rules:
            for key in ("base", "this") if r % 2 else ("this", "base"):
                rule = trees[key][1]
                t = time.process_time()
                agg = None
                for b in batches:
                    agg = rule.merge(agg, rule.collect(b))
                finished = rule.finish(agg)
                collect[key] = min(collect[key], time.process_time() - t)
                corpus[RULE] = finished
        for i, tb in enumerate(tables):
            for key in ("base", "this") if (r + i) % 2 else ("this", "base"):
                rules, rule = trees[key]
                if args.rules:
                    evaluate = rule.evaluate

                    def timed(batch, _ev=evaluate, _key=key, _i=i):
                        t0 = time.process_time()
                        out = _ev(batch)
                        spent[_key][_i] = min(spent[_key][_i], time.process_time() - t0)
                        return out

                    rule.evaluate = timed
                    try:
                        pipeline.process_batch(
                            rules, pl.from_arrow(tb), rs.text_column, corpus, rs.id_column
                        )
                    finally:
                        rule.evaluate = evaluate
                else:
                    for k in range(40):
                        dummy.str.contains(f"evict{k}#")
                    batches[i].corpus = corpus
                    t0 = time.process_time()
                    rule.evaluate(batches[i])
                    spent[key][i] = min(spent[key][i], time.process_time() - t0)
    name = Path(args.corpus).name
    where = Path(args.rules).name if args.rules else "alone"
    a, b = sum(spent["base"]), sum(spent["this"])
    print(f"{name}, {where}: evaluate base {a:.3f}, this {b:.3f} CPU s ({b / a:.3f})")
    if not args.rules:
        a, b = collect["base"], collect["this"]
        print(f"{name}, corpus pass: base {a:.3f}, this {b:.3f} CPU s ({b / a:.3f})")


if __name__ == "__main__":
    main()
