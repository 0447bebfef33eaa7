"""CPU time of `truncated-text` on a JSONL corpus (corpus pass and main pass, batches of 4,096,
one core), and a check that its signals and verdicts equal a reference run (e.g. of main).

    POLARS_MAX_THREADS=1 PYTHONPATH=/work/main /work/main/.venv/bin/python \
        bench/truncation_parity.py bench/_work/web-20k.jsonl --save /tmp/ref.parquet  # reference
    POLARS_MAX_THREADS=1 PYTHONPATH=/abs/path/to/tree /work/main/.venv/bin/python \
        bench/truncation_parity.py bench/_work/web-20k.jsonl --compare /tmp/ref.parquet --repeat 3

(use absolute PYTHONPATHs; the machine is shared, so run the two trees in turn and repeat)

`--thrash` evicts polars' compiled regexes (it keeps 32 per thread) before each batch, untimed,
as the other rules of a rule set do: every pattern of the rule is then compiled in every batch,
as in a run of the full rule set. `--batch` sets the batch size (4,096; the JSONL reader makes
batches of about 2,200 such documents).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import polars as pl  # noqa: E402

from curate.checks.base import Batch  # noqa: E402
from curate.config import load_ruleset  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("--save", help="write the signals to this parquet file")
    ap.add_argument("--compare", help="compare the signals with this parquet file")
    ap.add_argument("--repeat", type=int, default=1, help="time the main pass this many times")
    ap.add_argument("--thrash", action="store_true", help="evict compiled regexes per batch")
    ap.add_argument("--batch", type=int, default=4096, help="documents per batch")
    args = ap.parse_args()
    texts = pl.read_ndjson(args.corpus)["text"]
    rule = load_ruleset(
        {"name": "t", "rules": [{"rule": "truncated-text", "action": "flag"}]}
    ).build()[0]
    size = args.batch
    batches = [Batch.from_texts(texts.slice(o, size)) for o in range(0, len(texts), size)]
    dummy = pl.Series(["x"])
    t0 = time.process_time()
    agg = None
    for b in batches:
        agg = rule.merge(agg, rule.collect(b))
    finished = rule.finish(agg)
    t1 = time.process_time()
    best = float("inf")
    for _ in range(args.repeat):
        spent = 0.0
        frames = []
        for b in batches:
            if args.thrash:
                for i in range(40):
                    dummy.str.contains(f"evict{i}#")
            b.corpus = {rule.name: finished}
            t2 = time.process_time()
            res = rule.evaluate(b)
            spent += time.process_time() - t2
            frames.append(pl.DataFrame({k: v for k, v in res.signals.items()}))
        best = min(best, spent)
    out = pl.concat(frames)
    print(
        f"{len(texts):,} documents: corpus pass {t1 - t0:.2f} CPU s, main pass {best:.2f} CPU s, "
        f"fired {int(out['truncated'].sum()):,}"
    )
    if args.save:
        out.write_parquet(args.save)
    if args.compare:
        ref = pl.read_parquet(args.compare)

        def norm(col: pl.Series) -> pl.Series:
            return col.cast(pl.String).fill_null("<null>")

        diffs = {c: int((norm(out[c]) != norm(ref[c])).sum()) for c in ref.columns}
        print("differences per signal:", diffs)
        return 1 if any(diffs.values()) else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
