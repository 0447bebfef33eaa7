"""A batch's fixed cost in the rules, and the regular expressions one batch makes polars compile.

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/batch_cost.py \
        bench/_work/web-unique.jsonl [--rules bench/heuristic.yaml]

1. The distinct regex patterns the rule set hands polars in one batch (every polars string
   method that takes a pattern, recorded at the Python API; `literal=True` calls and
   `contains_any` are not regexes). polars keeps a small cache of compiled patterns per thread, so
   a batch that uses more patterns than it holds compiles every one of them again.
2. process_batch (every rule plus the batch function) on the same documents cut into batches of
   different sizes: CPU seconds = fixed x batches + per document x documents, fitted by least
   squares. The fixed part is what each batch costs whatever its size (compiles, frame set-up,
   per-rule Python).
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import polars as pl  # noqa: E402
from prepared import cpu_timed  # noqa: E402

HERE = Path(__file__).resolve().parent
PATTERN_METHODS = (
    "contains",
    "replace",
    "replace_all",
    "extract",
    "extract_all",
    "extract_groups",
    "count_matches",
    "find",
    "split_regex",
)


def record_patterns(seen: collections.Counter) -> None:
    """Wrap polars' string methods that take a pattern, counting (pattern, method) per call."""
    from polars.expr.string import ExprStringNameSpace
    from polars.series.string import StringNameSpace

    for ns in (ExprStringNameSpace, StringNameSpace):
        for name in PATTERN_METHODS:
            real = getattr(ns, name, None)
            if real is None:
                continue

            def wrapper(self, pattern, *a, _real=real, _name=name, **k):
                literal = k.get("literal", False)
                if not literal and isinstance(pattern, str):
                    seen[(_caller(), pattern)] += 1
                elif not literal and pattern is not None and not isinstance(pattern, str):
                    seen[(_caller(), f"<expression pattern in {_name}>")] += 1
                return _real(self, pattern, *a, **k)

            setattr(ns, name, wrapper)


def _caller() -> str:
    """The curate module (file name) whose code handed polars the pattern."""
    frame = sys._getframe(2)
    while frame is not None:
        path = frame.f_code.co_filename
        if "/curate/" in path and "/polars/" not in path:
            return Path(path).name
        frame = frame.f_back
    return "?"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--rules", default=str(HERE / "heuristic.yaml"))
    ap.add_argument("--sizes", default="64,128,256,512,1024,2048")
    args = ap.parse_args()

    from curate import engine, pipeline
    from curate.config import load_ruleset
    from curate.io.readers import discover, read_shard

    rs = load_ruleset(args.rules)
    shards, _ = discover([str(args.corpus)])
    tables = [tb for s in shards for tb, _ in read_shard(s, rs.text_column) if tb is not None]
    import pyarrow as pa

    table = pa.concat_tables(tables)
    rules = rs.build()
    corpus_rules = [r for r in rules if r.needs_corpus]
    aggs = engine.collect_batches(rs, [table])
    corpus = {r.name: r.finish(aggs[r.name]) for r in corpus_rules}
    df = pl.from_arrow(table)
    pipeline.process_batch(rules, df.head(50), rs.text_column, corpus, rs.id_column)  # warm up

    seen: collections.Counter = collections.Counter()
    record_patterns(seen)
    pipeline.process_batch(rules, df.head(2000), rs.text_column, corpus, rs.id_column)
    patterns = {pat for _, pat in seen}
    print(
        f"# {args.corpus}: one batch of {min(2000, df.height)} documents hands polars "
        f"{len(patterns)} distinct regex patterns in {sum(seen.values())} calls"
    )
    by_module: collections.Counter = collections.Counter()
    calls: collections.Counter = collections.Counter()
    for (module, _), n in seen.items():
        by_module[module] += 1
        calls[module] += n
    for module, k in by_module.most_common():
        print(f"  {module:<20} {k:3d} distinct patterns, {calls[module]:3d} calls")
    for (module, pat), n in sorted(seen.items()):
        print(f"  {module:<20} {n:2d} x {pat[:90]!r}")

    in_rules = collections.Counter()
    for r in rules:
        r.evaluate = cpu_timed(r.evaluate, in_rules, "rules")
    n_docs = df.height
    xs, ys, ev = [], [], []
    for size in [int(s) for s in args.sizes.split(",")]:
        batches = [df.slice(i, size) for i in range(0, n_docs, size)]
        in_rules["rules"] = 0.0
        t = time.process_time()
        for b in batches:
            pipeline.process_batch(rules, b, rs.text_column, corpus, rs.id_column)
        cpu = time.process_time() - t
        xs.append(len(batches))
        ys.append(cpu)
        ev.append(in_rules["rules"])
        print(
            f"batches of {size:5d}: {len(batches):4d} batches, {cpu:6.2f} CPU s "
            f"(rules' evaluate {in_rules['rules']:.2f}, the batch function's own work "
            f"{cpu - in_rules['rules']:.2f})"
        )
    if len(xs) < 2:  # one batch size: nothing to fit
        return
    for label, values in (
        ("process_batch", ys),
        ("  rules' evaluate", ev),
        ("  batch function's own work", [y - e for y, e in zip(ys, ev, strict=True)]),
    ):
        fixed, per_doc = _fit(xs, values, n_docs)
        print(
            f"{label:<28} fixed cost per batch {fixed * 1e3:6.1f} ms, per document "
            f"{per_doc * 1e3:.3f} ms ({n_docs} documents)"
        )


def _fit(xs: list[int], ys: list[float], n_docs: int) -> tuple[float, float]:
    """cpu = fixed * batches + per_doc * n_docs (n_docs is the same in every row), least squares."""
    k = len(xs)
    mx, my = sum(xs) / k, sum(ys) / k
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )
    return slope, (my - slope * mx) / n_docs


if __name__ == "__main__":
    main()
