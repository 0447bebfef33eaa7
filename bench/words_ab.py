"""CPU seconds of the shared token split (`words.distinct_line_tokens`) and of `per_group`, two code
trees' words.py alternately in one process, on the inputs a real run hands them.

    POLARS_MAX_THREADS=1 PYTHONPATH=<tree> /work/main/.venv/bin/python bench/words_ab.py \
        bench/_work/web-20k.jsonl --rules bench/heuristic.yaml --a /work/main --b /work/wt/words8

The rule set runs once with the tree on PYTHONPATH (as `curate run` does: corpus pass, then
`pipeline.process_batch` per batch), recording every (distinct lines, inverse) that
`distinct_line_tokens` receives and the groups `per_group` receives. Then tree A's and tree B's
words.py (loaded from their files) split the same inputs, alternately, `--reps` times; the least
CPU time of each is printed. `--a-referenced` hands tree A only the referenced distinct lines
(`words.referenced_lines`), as a tree whose distinct lines are computed after the strips sees
them (/work/wt/base4).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import polars as pl  # noqa: E402

from curate import engine, pipeline  # noqa: E402
from curate.checks import words  # noqa: E402
from curate.config import load_ruleset  # noqa: E402
from curate.io.readers import discover, read_shard  # noqa: E402


def _load(tree: str, name: str):
    spec = importlib.util.spec_from_file_location(name, f"{tree}/curate/checks/words.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--rules", default="bench/heuristic.yaml")
    ap.add_argument("--a", required=True, help="a code tree (its curate/checks/words.py)")
    ap.add_argument("--b", required=True)
    ap.add_argument("--a-referenced", action="store_true")
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()

    calls: list[tuple] = []
    groups: list[tuple] = []
    real, real_group = words.distinct_line_tokens, words.LineTokens.per_group

    def record(distinct, inverse):
        calls.append((distinct, inverse))
        return real(distinct, inverse)

    def record_group(self, group_of_line, n_groups, piece_counts):
        groups.append((group_of_line, n_groups))
        return real_group(self, group_of_line, n_groups, piece_counts)

    words.distinct_line_tokens = record
    words.LineTokens.per_group = record_group
    rs = load_ruleset(args.rules)
    shards, _ = discover([args.corpus])
    tables = [tb for s in shards for tb, _ in read_shard(s, rs.text_column) if tb is not None]
    rules = rs.build()
    aggs = engine.collect_batches(rs, iter(tables))
    corpus = {r.name: r.finish(aggs[r.name]) for r in rules if r.needs_corpus}
    for tb in tables:
        pipeline.process_batch(rules, pl.from_arrow(tb), rs.text_column, corpus, rs.id_column)
    words.distinct_line_tokens, words.LineTokens.per_group = real, real_group

    trees = {"A": _load(args.a, "words_a"), "B": _load(args.b, "words_b")}
    inputs = {"A": calls, "B": calls}
    if args.a_referenced:
        inputs["A"] = [words.referenced_lines(d, inv) for d, inv in calls]
    best: dict[str, float] = {}
    for _ in range(args.reps):
        for tag, module in trees.items():
            t0 = time.process_time()
            split = [module.distinct_line_tokens(d, inv) for d, inv in inputs[tag]]
            t1 = time.process_time()
            for lt, (group_of_line, n_groups) in zip(split, groups, strict=False):
                ends = lt.vocab.get_column("tok").str.count_matches(r"[.!?]").to_numpy()
                lt.per_group(group_of_line, n_groups, ends)
            t2 = time.process_time()
            for key, value in ((f"{tag} split", t1 - t0), (f"{tag} per_group", t2 - t1)):
                best[key] = min(best.get(key, float("inf")), value)
    print(f"{len(calls)} splits, {sum(len(d) for d, _ in calls)} distinct lines")
    for key, value in best.items():
        print(f"{key:14s} {value:.3f}")


if __name__ == "__main__":
    main()
