"""Arrow arrays built from their buffers, without `pa.array` or `pa.scalar`.

`pa.array` of numpy values or of Python objects (and `pa.scalar`) imports pandas the first time
it runs: ~0.25-0.4 CPU s in every process of a run that would not import it otherwise (reading
JSONL and the batch function need no pandas). These build the arrays pa.array builds
(tests/test_arrays.py compares them, buffers included).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def numbers(values: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """`pa.array(values, mask=mask)` of a numpy array of integers or floats: the values' own
    buffer (made contiguous), null where mask is true (the values under a null kept, as
    pa.array keeps them)."""
    values = np.ascontiguousarray(values)
    if values.dtype.kind not in "iuf":
        raise TypeError(f"numbers: integers or floats, not {values.dtype}")
    kind = pa.from_numpy_dtype(values.dtype)
    if mask is None or not np.any(mask):
        return pa.Array.from_buffers(kind, len(values), [None, pa.py_buffer(values)])
    valid = np.packbits(~np.asarray(mask, dtype=bool), bitorder="little")
    nulls = int(np.count_nonzero(mask))
    buffers = [pa.py_buffer(valid), pa.py_buffer(values)]
    return pa.Array.from_buffers(kind, len(values), buffers, null_count=nulls)


def strings(texts: list[str | None], large: bool = False) -> pa.Array:
    """`pa.array(texts, type=pa.string())` (large: `pa.large_string()`) of Python strings and
    Nones (a None is a null)."""
    data = [b"" if t is None else t.encode("utf-8") for t in texts]
    offsets = np.zeros(len(data) + 1, dtype=np.int64 if large else np.int32)
    np.cumsum([len(d) for d in data], out=offsets[1:])
    valid = None
    nulls = sum(t is None for t in texts)
    if nulls:
        bits = np.packbits(np.array([t is not None for t in texts]), bitorder="little")
        valid = pa.py_buffer(bits)
    kind = pa.large_string() if large else pa.string()
    buffers = [valid, pa.py_buffer(offsets), pa.py_buffer(b"".join(data))]
    return pa.Array.from_buffers(kind, len(data), buffers, null_count=nulls)


def to_numpy(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """`arr.to_numpy(zero_copy_only=False)` by way of polars: pyarrow's to_numpy imports pandas
    on its first call, even for integers without nulls (zero-copy where polars can: numbers
    without nulls; nulls become NaN as pyarrow makes them)."""
    import polars as pl

    return pl.from_arrow(arr).to_numpy()
