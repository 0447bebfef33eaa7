"""Engine and batch-function internals a user relies on indirectly: identical statistics however
they are computed, and a progress bar that counts documents without double counting."""

from __future__ import annotations

import bisect
import math
import random

import polars as pl
import pytest

from curate import engine
from curate.io.readers import Shard
from curate.stats import LENGTH_EDGES, histogram, histogram_series


def _loop(edges, values):  # the reference: one bisect per value
    counts = [0] * len(edges)
    for v in values:
        counts[max(0, bisect.bisect_right(edges, v) - 1)] += 1
    return counts


@pytest.mark.parametrize("edges", [LENGTH_EDGES, tuple(i / 20 for i in range(21)), (0.0, 1.0)])
def test_vectorised_histogram_counts_as_the_loop(edges):
    rng = random.Random(7)
    values = [rng.uniform(-2, 2 * edges[-1] + 1) for _ in range(500)]
    values += list(edges) + [-0.0, math.inf, -math.inf, math.nan, edges[-1] * 10]
    assert histogram_series(edges, pl.Series(values)) == _loop(edges, values)
    assert histogram(edges, values) == _loop(edges, values)
    ints = [int(v) for v in values if math.isfinite(v)]
    assert histogram_series(edges, pl.Series(ints)) == _loop(edges, ints)
    assert histogram_series(edges, pl.Series([True, False, True])) == _loop(edges, [1, 0, 1])
    assert histogram_series(edges, pl.Series([], dtype=pl.Float64)) == [0] * len(edges)


def test_last_jsonl_range_counts_its_own_bytes(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"text": "x"}\n' * 10)
    size = path.stat().st_size
    first, last = Shard("jsonl", str(path), 0, 42, 1), Shard("jsonl", str(path), 42, -1, 4)
    assert engine.shard_bytes(first) + engine.shard_bytes(last) == size
    assert engine.shard_bytes(Shard("jsonl", str(path))) == size


class _FakeBar:
    def __init__(self):
        self.n = 0
        self.postfix = ""

    def update(self, n):
        self.n += n

    def set_postfix_str(self, s, refresh=True):
        self.postfix = s

    def set_description(self, d):
        pass

    def close(self):
        pass


def test_progress_counts_documents_once_and_bytes_exactly():
    bar = engine._Progress(False, 0)
    bar.bar = _FakeBar()  # as on a terminal, without drawing
    bar.set_description("corpus pass")
    bar.batch(100, 900)  # the corpus pass: bytes move, documents do not count
    bar.update(1000, {"rule": None})
    assert (bar.bar.n, bar.docs) == (1000, 0)
    bar.set_description("curate")
    bar.batch(100, 400)
    bar.batch(50, 400)
    assert "150 docs" in bar.bar.postfix
    stats = engine.RunStats(input=150)
    bar.update(1000, stats)  # the shard's exact bytes and its documents, counted once
    assert (bar.bar.n, bar.docs) == (2000, 150)
    bar.update(500, engine.RunStats(input=20))  # a shard finished in a worker process
    assert (bar.bar.n, bar.docs) == (2500, 170)
    assert "170 docs" in bar.bar.postfix


def test_progress_is_silent_when_disabled():
    bar = engine._Progress(False, 100)
    bar.set_description("curate")
    bar.batch(1, 1)
    bar.update(100, engine.RunStats(input=1))
    bar.close()
    assert bar.bar is None


def test_a_run_leaves_the_garbage_collector_as_it_found_it(tmp_path):
    import gc

    from curate.config import load_ruleset
    from tests.conftest import sample_corpus

    src = sample_corpus(tmp_path, 1)
    rules = load_ruleset("default")
    seen = []
    real = engine._run

    def spy(*a, **k):
        seen.append(gc.get_freeze_count())
        return real(*a, **k)

    engine._run = spy
    try:
        assert gc.get_freeze_count() == 0
        engine.run([str(src)], rules, engine.RunOptions(workers=1), None)
        assert seen[-1] > 0  # frozen while it ran
        assert gc.get_freeze_count() == 0  # and unfrozen
        gc.freeze()  # a caller's own freeze is left alone
        frozen = gc.get_freeze_count()
        engine.run([str(src)], rules, engine.RunOptions(workers=1), None)
        assert gc.get_freeze_count() > frozen // 2  # (objects freed since leave it)
    finally:
        engine._run = real
        gc.unfreeze()


def test_a_run_leaves_no_rule_cache_behind(tmp_path, monkeypatch):
    # truncated-text keeps its corpus pass's token counts for its main pass (run_cache); a run
    # starts without what an earlier one left, takes what it kept, and leaves nothing behind
    import numpy as np

    from curate.checks import truncation
    from curate.config import load_ruleset
    from tests.conftest import write_jsonl

    src = write_jsonl(
        tmp_path / "in.jsonl", [{"text": f"Doc {i} ends with a full stop." * 3} for i in range(40)]
    )
    rules = load_ruleset("default")
    assert any(r.name == "truncated-text" for r in rules.build())
    kept, taken = [], []
    keep, take = truncation._keep_tokens, truncation._shared_tokens
    monkeypatch.setattr(truncation, "_keep_tokens", lambda *a: kept.append(1) or keep(*a))
    monkeypatch.setattr(truncation, "_shared_tokens", lambda *a: taken.append(1) or take(*a))
    truncation._SHARED[(1, 2, 3)] = (np.zeros(1), np.zeros(1), np.zeros(1))  # an earlier run's
    engine.run([str(src)], rules, engine.RunOptions(workers=1), None)
    assert kept and taken
    assert truncation._SHARED == {}
