"""Three parts of boilerplate-lines' `_features` that session 7 changed, paired in ONE process
against another tree's module (min of --rounds, median per-round ratio): the byte facts
(`_Utf8.facts`), the lower-casing (every line, vs the lines of at most 80 words a question
reads), and ODD_SPACING + WORD on the ASCII lines that are not simple (regexes, vs
`_ascii_words`).

    POLARS_MAX_THREADS=1 PYTHONPATH=<tree> /work/main/.venv/bin/python bench/bp_parts_ab.py \
        bench/_work/web-unique.jsonl --base /work/wt/base8

The lines are the corpus's distinct stripped non-blank lines.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402
from bp_ab import _base_class  # noqa: E402

from curate.checks import boilerplate as new  # noqa: E402


def pair(fa, fb, rounds: int) -> str:
    ta, tb = [], []
    for _ in range(rounds):
        t = time.process_time()
        fa()
        ta.append(time.process_time() - t)
        t = time.process_time()
        fb()
        tb.append(time.process_time() - t)
    ratio = sorted(b / a for a, b in zip(ta, tb, strict=True))[rounds // 2]
    return f"base {min(ta) * 1000:.2f} ms, this {min(tb) * 1000:.2f} ms, median ratio {ratio:.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--base", type=Path, required=True)
    ap.add_argument("--rounds", type=int, default=21)
    args = ap.parse_args()
    _base_class(args.base, "boilerplate-lines")
    old = sys.modules["boilerplate_base"]
    lines = set()
    with open(args.corpus, encoding="utf-8") as f:
        for row in f:
            lines.update(x.strip() for x in json.loads(row)["text"].split("\n"))
    s = pl.Series("_s", sorted(lines - {""}))
    print(f"{len(s)} distinct lines of {args.corpus.name}")
    print("byte facts:", pair(lambda: old._Utf8(s).facts(), lambda: new._Utf8(s).facts(), 21))
    need = pl.Series((s.str.count_matches(r"\S+") <= 80).to_numpy())
    print(
        "lower-casing:",
        pair(lambda: s.str.to_lowercase(), lambda: s.filter(need).str.to_lowercase(), 21),
    )
    u = new._Utf8(s)
    f = u.facts()
    rows = (f.odd_start | f.controls | new._WHITESPACE_ASCII[u.last(1)]) & ~f.non_ascii

    def regexes() -> np.ndarray:
        simple = ~new._on(s, rows, new._Q["odd_spacing"], False)
        return new._on(s, rows & ~simple, new._Q["words"], 0)

    print(
        f"ODD_SPACING + WORD on {rows.sum()} ASCII lines:",
        pair(regexes, lambda: new._ascii_words(s.filter(pl.Series(rows))), args.rounds),
    )


if __name__ == "__main__":
    main()
