"""CPU time of each step of duplicate-documents' collect, one core, best and median of --repeat:
words (`_words`: the normalised texts' words and joined texts, from the bytes), exact hash, word
hashes, shingle hashes and MinHash minimums (one permutation, numpy, block by block:
`word_signatures`), band hashes, and collect whole; and, paired, the shared `normalised`
(curate.checks.repetition) + split that `_words` replaces.

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/dedup_steps.py \
        bench/_work/web-unique.jsonl [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402
from dedup_collect import corpus_batches  # noqa: E402

from curate.checks import dedup  # noqa: E402
from curate.checks.base import DOC  # noqa: E402
from curate.checks.repetition import normalised  # noqa: E402
from curate.config import load_ruleset  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    rs = load_ruleset({"name": "d", "rules": [{"rule": "duplicate-documents", "action": "drop"}]})
    (rule,) = rs.build()
    batches = corpus_batches(args.corpus)
    names = ["collect", "words", "exact", "word hashes", "shingles+minimums", "band hashes"]
    names.append("normalise+split, shared")  # what `_words` replaces: paired
    runs: dict[str, list[float]] = {k: [] for k in names}
    p = rule.params
    n_bins = p.bands * p.rows
    for _ in range(args.repeat):
        tot = dict.fromkeys(names, 0.0)
        for b in batches:
            t = time.process_time()
            rule.collect(b)
            marks = [time.process_time()]
            tot["collect"] += marks[0] - t
            words, first, joined = dedup._words(b.docs["text"])
            nw = np.diff(first)
            kept = nw > 0
            marks.append(time.process_time())
            joined.filter(pl.Series(kept)).hash(dedup._SEED)
            marks.append(time.process_time())
            h = words.hash(dedup._SEED).to_numpy()
            marks.append(time.process_time())
            # the shingle hashes and their minimums, block by block (`word_signatures`)
            sig, _ = dedup.word_signatures(h, nw[kept], p.shingle_words, n_bins, p.seed)
            marks.append(time.process_time())
            # the band hashes of the signatures, as `_bands` makes them
            mins = pl.from_numpy(
                np.ascontiguousarray(sig.T), schema=dedup._bin_names(n_bins), orient="col"
            )
            mins.select_seq(dedup._band_exprs(p.bands, p.rows))
            marks.append(time.process_time())
            b.docs.select(DOC, normalised(pl.col("text")).str.split(" ").alias("_t"))
            marks.append(time.process_time())
            for name, t0, t1 in zip(names[1:], marks[:-1], marks[1:], strict=True):
                tot[name] += t1 - t0
        for k, v in tot.items():
            runs[k].append(v)
    for k, v in runs.items():
        print(f"{k:24s} best {min(v) * 1000:8.1f} ms  median {sorted(v)[len(v) // 2] * 1000:8.1f}")


if __name__ == "__main__":
    main()
