"""boilerplate-lines' text features (`_features`, the per-line part of the classification) of two
code trees in ONE process, alternately on the same lines: a paired A/B of the part of evaluate
that works per distinct line, less disturbed by a loaded machine than whole passes.

    POLARS_MAX_THREADS=1 PYTHONPATH=<tree B> /work/main/.venv/bin/python bench/bp_features_ab.py \
        bench/_work/web-unique.jsonl --base /work/wt/base8 [--rounds 21]

The lines are the corpus's distinct stripped non-blank lines (what evaluate hands `_features`
on a batch of the whole corpus), with the corpus pass's recurring hashes. Both results are
compared (every column) before timing. Printed: min and median CPU seconds per call, and the
median of the per-round ratio B/A.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import polars as pl  # noqa: E402
from bp_ab import _base_class  # noqa: E402
from prepared import prepared  # noqa: E402

from curate.checks.base import LINE, Batch  # noqa: E402
from curate.checks.regex_thread import run_in_own_thread  # noqa: E402

HERE = Path(__file__).resolve().parent
NAME = "boilerplate-lines"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--base", type=Path, required=True)
    ap.add_argument("--rules", default=str(HERE / "heuristic.yaml"))
    ap.add_argument("--rounds", type=int, default=21)
    args = ap.parse_args()
    rs, tables, rules, corpus = prepared(args.corpus, args.rules)
    mine = next(r for r in rules if r.name == NAME)
    base = _base_class(args.base, NAME)(mine.params, mine.action)
    texts = pl.concat([pl.from_arrow(tb).get_column(rs.text_column) for tb in tables])
    lines = Batch.from_texts(texts).lines.get_column(LINE).unique(maintain_order=True)
    stripped = lines.str.strip_chars()
    frame = stripped.filter(stripped != "").alias("_s").to_frame()
    recurring = (corpus.get(NAME) or {}).get("hashes")

    def run(rule) -> tuple[float, pl.DataFrame]:
        # on the rule's own thread, as evaluate runs it (its regexes stay compiled there)
        def timed() -> tuple[float, pl.DataFrame]:
            t0 = time.process_time()
            out = rule._features(frame, recurring)
            return time.process_time() - t0, out

        return run_in_own_thread(rule.name, timed)

    _, a = run(base)
    _, b = run(mine)
    assert a.equals(b), "the two trees' features differ"
    ta, tb, ratio = [], [], []
    for _ in range(args.rounds):
        x, _ = run(base)
        y, _ = run(mine)
        ta.append(x)
        tb.append(y)
        ratio.append(y / x)

    def med(v: list) -> float:
        return sorted(v)[len(v) // 2]

    print(f"_features on {frame.height} distinct lines of {args.corpus.name}, CPU s per call")
    print(f"base {args.base}: min {min(ta):.5f} median {med(ta):.5f}")
    print(f"this tree:        min {min(tb):.5f} median {med(tb):.5f}")
    print(f"ratio this/base: median {med(ratio):.3f} (min of mins {min(tb) / min(ta):.3f})")


if __name__ == "__main__":
    main()
