"""CPU time of each step of `_words` (curate/checks/dedup.py: the normalised texts' words and
joined texts, read from the UTF-8 bytes), one core, best and median of --repeat, ms summed over
the corpus' batches. The steps are a copy of `_words`'s body with a clock between them (kept in
step with it by hand; the script checks its words and joined texts equal `_words`'s).

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/dedup_words_steps.py \
        bench/_work/web-unique.jsonl [--repeat 9]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402
import pyarrow as pa  # noqa: E402
from dedup_collect import corpus_batches  # noqa: E402

from curate.checks import dedup as d  # noqa: E402
from curate.checks.base import string_bytes  # noqa: E402


class Clock:
    def __init__(self) -> None:
        self.t = time.process_time()
        self.steps: dict[str, float] = {}

    def __call__(self, name: str) -> None:
        t = time.process_time()
        self.steps[name] = self.steps.get(name, 0.0) + t - self.t
        self.t = time.process_time()


def words_steps(texts: pl.Series, clock: Clock) -> tuple[pl.Series, np.ndarray, pl.Series]:
    off, raw = d._text_bytes(texts)
    if off[-1] > d._VIEW_BYTES:
        raise SystemExit("batch past the views' offsets")
    clock("text bytes")
    out = bytearray((d._GAP,))
    out += memoryview(raw)
    data = np.frombuffer(out, dtype=np.uint8)[1:]
    clock("prepare: copy")
    at, cp, size = d._utf8_chars(raw)
    clock("prepare: utf8 chars")
    fallback = at
    n = len(at)
    if n:
        far = np.flatnonzero(size == 4)
        far_cp = cp[far]
        edit = d._empty(n, np.uint32)
        np.take(d._bmp_edit(), np.minimum(cp, 0xFFFF, out=cp), out=edit)
        clock("prepare: edit table")
        idx = d._empty(n, np.intp)
        byte = d._empty(n, np.uint8)
        for i in (0, 1):
            np.add(at, i, out=idx)
            np.right_shift(edit, 8 * i, out=byte, casting="unsafe")
            data[idx] = byte
        three = np.flatnonzero(size >= 3)
        data[at[three] + 2] = (edit[three] >> 16) & 0xFF
        clock("prepare: write")
        odd = at[edit >= 1 << 31]
        if len(far):
            lower, sep_lower, _ = d._supplementary_case(far_cp)
            lc = np.where(lower >= 0, lower, far_cp)
            bs = (0xF0 | lc >> 18, 0x80 | lc >> 12 & 0x3F, 0x80 | lc >> 6 & 0x3F)
            for i, b in enumerate(bs):
                data[at[far] + i] = np.where(sep_lower, 0x20, b)
            data[at[far] + 3] = np.where(sep_lower, 0x20, 0x80 | lc & 0x3F)
            odd = np.concatenate([odd, at[far][lower < 0]])
        clock("prepare: beyond the plane")
        fallback = np.unique(np.searchsorted(off, odd, side="right") - 1)
        clock("prepare: fallback docs")
    del data
    n_docs = len(off) - 1
    if len(fallback):
        mv = memoryview(out)[1:]
        pieces = [mv[a:b] for a, b in zip(off[:-1].tolist(), off[1:].tolist(), strict=True)]
        few = [raw[off[j] : off[j + 1]].tobytes().decode() for j in fallback.tolist()]
        upper = pl.Series(few, dtype=pl.String).str.to_uppercase()
        f_off, f_raw = string_bytes(upper.str.to_lowercase())
        f_data = f_raw.copy()
        at, cp, size = d._utf8_chars(f_raw)
        if len(at):
            sep = d._case_of(cp)[2]
            d._blank(f_data, at[sep], size[sep])
        f_mv = memoryview(f_data)
        for i, j in enumerate(fallback.tolist()):
            pieces[j] = f_mv[f_off[i] : f_off[i + 1]]
        off = np.zeros(n_docs + 1, dtype=np.int64)
        np.cumsum([len(p) for p in pieces], out=off[1:])
        del mv
        out = bytearray().join([bytes((d._GAP,)), *pieces])
    clock("fallback texts")
    both = np.frombuffer(out.translate(d._byte_table()), dtype=np.uint8)
    text = both[1:]
    clock("translate")
    size = len(text)
    edges = np.unique(off[:-1][off[:-1] < size])
    bits = np.zeros(size // 8 + 1, dtype=np.uint8)
    np.bitwise_or.at(bits, edges >> 3, np.left_shift(1, edges & 7).astype(np.uint8))
    edge = pl.Series(pa.Array.from_buffers(pa.bool_(), size, [None, pa.py_buffer(bits)]))
    clock("edges bitmap")
    chars = pl.Series(text)
    word = chars < d._GAP
    start = word & ((pl.Series(both[:-1]) == d._GAP) | edge)
    clock("word, start masks")
    kept = chars.filter(word).to_numpy()
    clock("word bytes: filter")
    at = d._positions(start.filter(word), extra=1)
    n = len(at) - 1
    at[n] = len(kept)
    at = at.view(np.int32)
    clock("starts among word bytes")
    words_before = d._positions(edge.filter(start | edge)).astype(np.int64)
    no_word = text[edges] >= d._GAP
    words_before[1:] -= np.cumsum(no_word[:-1])
    first = np.full(n_docs + 1, n, dtype=np.int64)
    inside = off < size
    first[inside] = words_before[np.searchsorted(edges, off[inside])]
    clock("first")
    buf = pa.py_buffer(kept)
    words = pa.StringArray.from_buffers(n, pa.py_buffer(at), buf).cast(pa.string_view())
    clock("views: cast")
    joined_docs = pa.StringArray.from_buffers(n_docs, pa.py_buffer(at[first]), buf)
    out = pl.Series(words), first, pl.Series(joined_docs)
    clock("series")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--repeat", type=int, default=9)
    args = ap.parse_args()
    batches = corpus_batches(args.corpus)
    texts = [b.docs["text"] for b in batches]
    for t in texts:  # the copy computes the same as `_words`
        w, f, j = words_steps(t, Clock())
        w0, f0, j0 = d._words(t)
        assert w.equals(w0) and np.array_equal(f, f0) and j.equals(j0)
    runs: dict[str, list[float]] = {}
    for _ in range(args.repeat):
        c = time.process_time()
        for t in texts:
            d._words(t)
        whole = time.process_time() - c
        clock = Clock()
        for t in texts:
            words_steps(t, clock)
        for k, v in {"_words (whole)": whole, **clock.steps}.items():
            runs.setdefault(k, []).append(v)
    for k, v in runs.items():
        print(f"{k:26s} best {min(v) * 1000:7.2f} ms  median {sorted(v)[len(v) // 2] * 1000:7.2f}")


if __name__ == "__main__":
    main()
