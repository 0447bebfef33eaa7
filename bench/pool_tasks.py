"""Per-shard CPU of two `bench/pool_timeline.py --json` runs (e.g. --workers 1 and 2): each
task's CPU seconds side by side, and the sums per function.

    python bench/pool_tasks.py one.json two.json
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict


def tasks(path: str) -> dict[str, float]:
    data = json.loads(open(path).read())
    out: dict[str, float] = {}
    for evs in data["events"].values():
        starts = {}
        for _, c, name in evs:
            if name.startswith("start task "):
                starts[name[11:]] = c
            elif name.startswith("end task "):
                out[name[9:]] = c - starts.pop(name[9:])
    return out


def main() -> None:
    a, b = tasks(sys.argv[1]), tasks(sys.argv[2])
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    firsts = sorted(set(a) | set(b), key=lambda k: (k.split(" ")[0], int(k.split(":")[-1] or 0)))
    for k in firsts:
        fn = k.split(" ")[0]
        sums[fn][0] += a.get(k, 0.0)
        sums[fn][1] += b.get(k, 0.0)
        if "-v" in sys.argv:
            print(f"{k:45s} {a.get(k, 0):6.3f} {b.get(k, 0):6.3f}")
    for fn, (x, y) in sums.items():
        print(f"{fn:20s} {x:7.2f} {y:7.2f} CPU s  ({y / x - 1:+.1%})")


if __name__ == "__main__":
    main()
