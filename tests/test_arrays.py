"""curate.arrays builds the arrays pa.array builds (types, values, nulls, and the bytes of the
buffers, which the written data files hold)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from curate.arrays import numbers, strings, to_numpy


def same(got: pa.Array, want: pa.Array) -> None:
    assert got.type == want.type
    assert got.equals(want)
    assert got.null_count == want.null_count
    # (the values under nulls too: pa.array keeps them)
    assert got.buffers()[1].to_pybytes() == want.buffers()[1].to_pybytes()


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.float64, np.float32])
def test_numbers_are_pa_array(dtype):
    rng = np.random.default_rng(0)
    for n in (0, 1, 7, 8, 9, 1000):
        values = (rng.random(n) * 100).astype(dtype)
        same(numbers(values), pa.array(values))
        mask = rng.random(n) < 0.3
        same(numbers(values, mask), pa.array(values, mask=mask))
        same(numbers(values, np.zeros(n, dtype=bool)), pa.array(values))
    strided = np.arange(20, dtype=dtype)[::3]
    same(numbers(strided), pa.array(strided))


def test_numbers_take_no_bools_or_objects():
    with pytest.raises(TypeError):
        numbers(np.array([True, False]))
    with pytest.raises(TypeError):
        numbers(np.array(["a"], dtype=object))


@pytest.mark.parametrize("large", [False, True])
def test_strings_are_pa_array(large):
    kind = pa.large_string() if large else pa.string()
    for texts in (
        [],
        [""],
        ["\n"],
        ["a", "", "日本語", "Слово 😀", "x" * 5000],
        [None],
        ["a", None, ""],
        ["en", "de", "", "x" * 70000, "\x00\x7f", "und"] * 50,  # ASCII, empty, long, NUL
        ["en", "de", "é"],  # one non-ASCII string
        ["en", None],  # a None
        [None, None],
    ):
        got, want = strings(texts, large=large), pa.array(texts, type=kind)
        assert got.type == want.type and got.equals(want)
        assert got.null_count == want.null_count
        # the offsets and bytes the written files would hold
        for g, w in zip(got.buffers()[1:], want.buffers()[1:], strict=True):
            assert (g.to_pybytes() if g else b"") == (w.to_pybytes() if w else b"")


def test_to_numpy_is_pyarrows():
    for arr in (
        pa.array(np.arange(5, dtype=np.int32)),
        pa.array(np.arange(5, dtype=np.uint64))[1:4],  # a slice: an offset into the buffer
        pa.array([1, None, 3]),
        pa.array([0.5, None]),
        pa.array([True, False, True]),
        pa.array([], type=pa.int64()),
        pa.chunked_array([[1, 2], [3]]),
    ):
        got, want = to_numpy(arr), arr.to_numpy(zero_copy_only=False)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
