"""The steps of the family's token split and of unterminated-lines' own work, timed one by one
(CPU ms, mean of --reps) on the batch unterminated-lines sees in a run (its memo as the rules
before it leave it), with this tree's functions.

    POLARS_MAX_THREADS=1 PYTHONPATH=<tree> /work/main/.venv/bin/python bench/words16_parts.py \\
        bench/_work/web-unique.jsonl [--rules bench/every.yaml] [--reps 15]

The steps follow `words.distinct_line_tokens` (split, hash, encode, bytes, byte classes, the
pieces to split again, their tokens appended, the vocabulary's properties), then the whole
split, the per-line counts and unterminated-lines' own tests. Calls repeated on one batch keep
polars' regex cache warm, which a run does not (see bench/results/quality.md, session 9).
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
from prepared import prepared  # noqa: E402
from rule_cpu import _restore, batches_seen  # noqa: E402

from curate.checks import quality as Q  # noqa: E402
from curate.checks import words as W  # noqa: E402
from curate.checks.base import string_bytes  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--rules", default=str(HERE / "every.yaml"))
    ap.add_argument("--reps", type=int, default=15)
    args = ap.parse_args()
    rs, tables, built, corpus = prepared(args.corpus, args.rules)
    seen = batches_seen(rs, tables[:1], built, corpus, {"unterminated-lines"})
    batch, snap = seen["unterminated-lines"][0]
    _restore(batch, snap)
    distinct, inverse = W.batch_distinct_lines(batch)
    cost: collections.Counter[str] = collections.Counter()

    def timed(label, f, *a):
        t = time.process_time()
        out = f(*a)
        cost[label] += time.process_time() - t
        return out

    for _ in range(args.reps):
        used = np.zeros(len(distinct), dtype=bool)
        used[inverse] = True
        rows = np.flatnonzero(used)
        lines = W.take_sorted(distinct, rows)
        split = timed("str.split", lines.str.split, " ")
        pieces = timed("explode", split.explode)
        h = timed("hash", pieces.hash).to_numpy()
        code, vocab, index = timed("_hash_encode_indexed", W._hash_encode_indexed, pieces, h)
        vocab = vocab.alias("tok")
        utf8 = timed("string_bytes", string_bytes, vocab)
        classes = timed("_byte_classes", W._byte_classes, vocab, utf8)
        again = (classes[0] & W._SPLIT) > 0
        other = np.flatnonzero(classes[0] & W._NON_ASCII)
        strings = W.take_sorted(vocab, other)
        again[other] = timed("_RETOKENIZE search", strings.str.contains, W._RETOKENIZE)
        chars = strings.str.len_chars().to_numpy()
        timed("_char_props", W._char_props, string_bytes(strings), chars)
        redo = np.flatnonzero(np.take(again, code))  # (the pieces to split again, with repeats)
        again_pieces = vocab.gather(code[redo])
        more = timed("extract_all TOKEN", again_pieces.str.extract_all, W.TOKEN)
        more = more.explode().drop_nulls().alias("tok")
        timed("_append_codes", W._append_codes, vocab, more, index)
        timed("_append_codes (no index)", W._append_codes, vocab, more)
        lt = timed("distinct_line_tokens, whole", W.distinct_line_tokens, distinct, inverse)
        ends = timed("_sentence_ends", Q._sentence_ends, lt)
        timed("per_distinct_line", lt.per_distinct_line, ends)
        line_ends = timed("trailing strip", Q._referenced(batch)[0].str.strip_chars_end)
        end_bytes = timed("line ends' bytes", string_bytes, line_ends)
        timed("_c4_line_ends", Q._c4_line_ends, line_ends, end_bytes)
    print(f"# {args.corpus}: {len(distinct)} distinct lines, {len(pieces)} pieces, ")
    print(f"# {len(vocab)} distinct, {len(other)} non-ASCII, {len(redo)} split again")
    for label, v in cost.items():
        print(f"{label:30s} {v / args.reps * 1000:7.2f} ms")


if __name__ == "__main__":
    main()
