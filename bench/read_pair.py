"""The .jsonl reader's fast path (Arrow's JSON reader) against the line-by-line parse (orjson +
from_pylist), in ONE process, alternated round by round (paired: a busy machine slows both alike).

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/read_pair.py \
        bench/_work/web-200k.jsonl [--rounds 3]

Each round reads every shard of the corpus (readers.discover's byte ranges) into its batches
both ways, in alternating order, and checks that the batches are the same tables. Prints CPU
seconds (time.process_time) per pass and the share of blocks the fast path read with Arrow.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("POLARS_MAX_THREADS", "1")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    import curate  # noqa: F401  (first, as the command line: polars' allocator)
    from curate.io import readers

    shards, _ = readers.discover([args.corpus])
    parsed: list[bool] = []
    real = readers._ArrowRows._parse

    def counting(self, *a):
        ok = real(self, *a)
        parsed.append(ok)
        return ok

    readers._ArrowRows._parse = counting

    def read(fast: bool) -> list:
        out = []
        for s in shards:
            for table, bad in readers._read_jsonl(
                s, "text", readers._Limit(readers.BATCH_ROWS, readers.BATCH_BYTES), fast=fast
            ):
                out.append((table, [b.as_dict() for b in bad]))
        return out

    # warm-up, untimed: the line-by-line parse's first from_pylist imports pandas (~0.4 CPU s,
    # which the fast path does not pay at all: a whole run's figure, not a pass's)
    for fast in (False, True):
        list(readers._read_jsonl(shards[0], "text", readers._Limit(4096, 1 << 22), fast=fast))
    cpu: dict[bool, list[float]] = {False: [], True: []}
    for r in range(args.rounds):
        got = {}
        for fast in (False, True) if r % 2 == 0 else (True, False):
            parsed.clear()
            t = time.process_time()
            got[fast] = read(fast)
            cpu[fast].append(time.process_time() - t)
            if fast:
                share = sum(parsed) / max(1, len(parsed))
        slow, fast = got[False], got[True]
        assert len(slow) == len(fast), "different batches"
        for (a, abad), (b, bbad) in zip(slow, fast, strict=True):
            assert abad == bbad and (a is None) == (b is None), "different batches"
            assert a is None or (a.schema == b.schema and a.equals(b)), "different tables"
        del got, slow, fast
    print(
        f"# {args.corpus}: {len(shards)} shards, {args.rounds} rounds, load "
        f"{os.getloadavg()[0]:.1f}; same batches both ways; fast path: {share:.0%} of blocks"
    )
    for fast, label in ((False, "line by line (orjson)"), (True, "fast path (Arrow)")):
        print(
            f"{label:24} CPU s per pass: median {statistics.median(cpu[fast]):.3f}  "
            + " ".join(f"{x:.3f}" for x in cpu[fast])
        )


if __name__ == "__main__":
    main()
