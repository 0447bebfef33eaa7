"""CPU time of the language-mismatch rule alone, on the batches it sees in a real run.

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/language_speed.py \
        bench/_work/web-unique.jsonl [--rules rules/default.yaml] [--repeat 5]

Runs the rule set once as a run does (corpus pass, then `pipeline.process_batch` per batch, strip
actions composing in order) and keeps the batches handed to language-mismatch; then times its
evaluate() over them, best of --repeat (the profile tables already built), and, in a fresh
process, the first build of the tables (what every worker pays once). The batches keep their
shared distinct lines (words.batch_distinct_lines) as the run left them: in rules/default.yaml
boilerplate-lines numbers them before its strip, so the figure is what the rule adds in a run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import polars as pl  # noqa: E402

HERE = Path(__file__).resolve().parent
BUILD = (
    "import time, numpy, polars\n"
    "from curate.langid import model\n"
    "t = time.process_time(); model.model(); print(time.process_time() - t)\n"
)


def main() -> None:
    from curate import engine, pipeline
    from curate.config import load_ruleset
    from curate.io.readers import discover, read_shard

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--rules", default=str(HERE.parent / "rules" / "default.yaml"))
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rs = load_ruleset(args.rules)
    shards, _ = discover([str(args.corpus)])
    tables = [tb for s in shards for tb, _ in read_shard(s, rs.text_column) if tb is not None]
    rules = rs.build()
    aggs = engine.collect_batches(rs, iter(tables))
    corpus = {r.name: r.finish(aggs[r.name]) for r in rules if r.needs_corpus}
    rule = next(r for r in rules if r.name == "language-mismatch")
    batches, evaluate = [], rule.evaluate

    def keep(batch):
        batches.append(batch)
        return evaluate(batch)

    rule.evaluate = keep
    for tb in tables:
        pipeline.process_batch(rules, pl.from_arrow(tb), rs.text_column, corpus, rs.id_column)
    rule.evaluate = evaluate
    best = float("inf")
    for _ in range(args.repeat):
        t = time.process_time()
        for b in batches:
            evaluate(b)
        best = min(best, time.process_time() - t)
    build = subprocess.run(
        [sys.executable, "-c", BUILD], capture_output=True, text=True, check=True
    ).stdout.strip()
    docs = sum(b.n for b in batches)
    lines = sum(b.lines.height for b in batches)
    print(f"{args.corpus.name}: {docs} documents, {lines} lines, {len(batches)} batches")
    print(f"  language-mismatch evaluate: {best:.3f} CPU s (best of {args.repeat}), ", end="")
    print(f"{1000 * best / max(docs, 1):.3f} ms/doc")
    print(f"  profile tables, first build in a fresh process: {float(build):.3f} CPU s")


if __name__ == "__main__":
    main()
