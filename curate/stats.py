"""Run statistics: small, mergeable aggregates of what the rules found.

Every engine (one process, a process pool, Ray) produces one `RunStats` per shard and merges them in
shard order, so the report is the same whatever the engine or worker count. Nothing here grows with
the number of documents: counts, fixed-bin histograms, a bounded sample of examples chosen by hash,
and a bounded list of unreadable rows (with their total count).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

MAX_EXAMPLES = 5  # per rule, chosen by smallest hash so the choice does not depend on sharding
MAX_UNREADABLE_LISTED = 1000
EXAMPLE_CHARS = 4000
# document length in characters, log-spaced: the same edges for every corpus so runs compare
LENGTH_EDGES = (0, 1, 10, 30, 100, 300, 1_000, 3_000, 10_000, 30_000, 100_000, 1_000_000)


def histogram(edges: tuple[float, ...], values: list[float]) -> list[int]:
    """Counts per bin; bin i holds edges[i] <= v < edges[i+1], the last bin is open above."""
    counts = [0] * len(edges)
    for v in values:
        i = bisect.bisect_right(edges, v) - 1
        counts[max(0, i)] += 1
    return counts


def histogram_series(edges: tuple[float, ...], values: Any) -> list[int]:
    """`histogram` of a numeric polars Series, vectorised (a binary search per value, in numpy):
    the same counts, NaN in the last bin and values below the first edge in the first."""
    import numpy as np
    import polars as pl

    if len(values) == 0:
        return [0] * len(edges)
    v = values.cast(pl.Float64).to_numpy()
    bins = np.searchsorted(np.asarray(edges, dtype=np.float64), v, side="right") - 1
    return np.bincount(np.clip(bins, 0, None), minlength=len(edges)).tolist()


def _add(a: list[int], b: list[int]) -> list[int]:
    return [x + y for x, y in zip(a, b, strict=True)] if a else list(b)


@dataclass
class RuleStats:
    fired: int = 0
    dropped: int = 0
    chars_removed: int = 0
    lines_removed: int = 0
    signal: str | None = None
    edges: list[float] = field(default_factory=list)
    hist: list[int] = field(default_factory=list)
    # examples: list of dicts with a "key" (hex hash) used for the deterministic choice
    examples: list[dict[str, Any]] = field(default_factory=list)

    def merge(self, other: RuleStats) -> None:
        self.fired += other.fired
        self.dropped += other.dropped
        self.chars_removed += other.chars_removed
        self.lines_removed += other.lines_removed
        self.signal = self.signal or other.signal
        self.edges = self.edges or other.edges
        self.hist = _add(self.hist, other.hist) if other.hist else self.hist
        if other.examples or not _in_order(self.examples):
            self.examples = sorted(self.examples + other.examples, key=_key)[:MAX_EXAMPLES]


def _key(example: dict[str, Any]) -> str:
    return example["key"]


def _in_order(examples: list[dict[str, Any]]) -> bool:
    """Are these examples what merging them with none would leave (at most MAX_EXAMPLES, by key)?
    (Most merges add none: a batch builds no example beyond a run's MAX_EXAMPLES smallest.)"""
    return len(examples) <= MAX_EXAMPLES and all(
        a["key"] <= b["key"] for a, b in zip(examples, examples[1:], strict=False)
    )


@dataclass
class RunStats:
    input: int = 0
    kept: int = 0
    dropped: int = 0
    unreadable: int = 0
    chars_in: int = 0
    chars_out: int = 0  # characters of the kept documents after strip actions
    chars_removed: int = 0  # removed from kept and dropped documents by strip actions
    bytes_in: int = 0
    rules: dict[str, RuleStats] = field(default_factory=dict)
    languages: dict[str, int] = field(default_factory=dict)
    length_before: list[int] = field(default_factory=list)
    length_after: list[int] = field(default_factory=list)
    unreadable_rows: list[dict[str, Any]] = field(default_factory=list)
    corpus: dict[str, Any] = field(default_factory=dict)  # rule name -> corpus-pass summary

    def add_unreadable(self, rows: list[dict[str, Any]]) -> None:
        self.unreadable += len(rows)
        self.input += len(rows)
        room = MAX_UNREADABLE_LISTED - len(self.unreadable_rows)
        if room > 0:
            self.unreadable_rows.extend(rows[:room])

    def merge(self, other: RunStats) -> RunStats:
        for name in (
            "input",
            "kept",
            "dropped",
            "unreadable",
            "chars_in",
            "chars_out",
            "chars_removed",
            "bytes_in",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name, rs in other.rules.items():
            self.rules.setdefault(name, RuleStats()).merge(rs)
        for code, n in other.languages.items():
            self.languages[code] = self.languages.get(code, 0) + n
        self.length_before = (
            _add(self.length_before, other.length_before)
            if other.length_before
            else self.length_before
        )
        self.length_after = (
            _add(self.length_after, other.length_after) if other.length_after else self.length_after
        )
        room = MAX_UNREADABLE_LISTED - len(self.unreadable_rows)
        self.unreadable_rows.extend(other.unreadable_rows[: max(0, room)])
        self.corpus = self.corpus or other.corpus
        return self

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)

    def to_json(self) -> str:
        """json.dumps(self.to_dict()), without asdict's deep copy of every example (a shard's
        statistics hold up to 5 examples of 4,000 characters per rule: ~10 ms a shard)."""
        import dataclasses
        import json

        def fields(o: Any) -> dict[str, Any]:
            if dataclasses.is_dataclass(o) and not isinstance(o, type):
                return {f.name: getattr(o, f.name) for f in dataclasses.fields(o)}
            raise TypeError(f"{o.__class__.__name__} is not JSON serialisable")

        return json.dumps(self, default=fields)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunStats:
        d = dict(d)
        d["rules"] = {k: RuleStats(**v) for k, v in d.get("rules", {}).items()}
        return cls(**d)
