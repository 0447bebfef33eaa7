"""A column that only some rows of a .jsonl have is kept, whichever row it first appears in."""

from __future__ import annotations

import pyarrow as pa

from curate.io.readers import discover, read_shard
from tests.conftest import write_jsonl


def test_a_column_missing_from_the_first_row_is_kept(tmp_path):
    src = write_jsonl(
        tmp_path / "a.jsonl",
        [
            {"text": "first"},
            {"text": "second", "url": "https://example.org", "n": 2},
            {"text": "third", "n": 3},
        ],
    )
    shards, _ = discover([str(src)])
    tables = [t for s in shards for t, _ in read_shard(s, "text") if t is not None]
    rows = pa.concat_tables(tables).to_pylist()
    assert [r.get("url") for r in rows] == [None, "https://example.org", None]
    assert [r.get("n") for r in rows] == [None, 2, 3]
    assert [r["__line"] for r in rows] == [1, 2, 3]
