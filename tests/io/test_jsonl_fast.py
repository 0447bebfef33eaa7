"""The .jsonl fast path (Arrow's JSON reader, readers._ArrowRows) gives the very batches the
line-by-line parse (orjson + from_pylist) gives: the same tables (columns, types, order, chunks
aside), the same unreadable lines, the same cuts."""

from __future__ import annotations

import json
import random

import pytest

from curate.io import readers
from curate.io.readers import Shard, _Limit, _read_jsonl


def both(path, limit, start=0, end=-1, first_line=1, text_column="text"):
    shard = Shard("jsonl", str(path), start, end, first_line)
    out = []
    for fast in (False, True):
        batches = []
        for table, bad in _read_jsonl(shard, text_column, limit, fast=fast):
            batches.append((table, [b.as_dict() for b in bad]))
        out.append(batches)
    return out


def assert_same(slow, fast):
    assert len(slow) == len(fast)
    for (a, abad), (b, bbad) in zip(slow, fast, strict=True):
        assert abad == bbad
        assert (a is None) == (b is None)
        if a is not None:
            assert a.schema == b.schema
            assert a.equals(b)
            assert all(c.num_chunks == 1 for c in b.columns)


@pytest.fixture
def parsed(monkeypatch):
    """Counts the blocks the fast path read with Arrow (a test that never takes it proves
    nothing)."""
    hits = []
    real = readers._ArrowRows._parse

    def counting(self, *args):
        ok = real(self, *args)
        hits.append(ok)
        return ok

    monkeypatch.setattr(readers._ArrowRows, "_parse", counting)
    return hits


def doc(rng, i):
    words = ["kata", "word", "é", "日本語", "naïve", "😀", 'quo"te', "back\\slash", "tab\tin"]
    n = rng.randint(0, 12)
    return "\n".join(
        " ".join(rng.choice(words) for _ in range(n)) for _ in range(rng.randint(1, 3))
    )


# lines the fast path must leave to orjson, each with what orjson makes of it
ODD = [
    b"",  # blank
    b"   ",  # whitespace only
    b'{"id": "x", "text": "crlf"}\r',  # CR before the newline
    b'{"text": "t", "id": "reversed"}',  # other key order
    b'{"id": "x", "text": "a", "url": "three columns"}',
    b'{"id": 7, "text": "number id"}',
    b'{"id": "x", "text": null}',
    b'{"id": "x"}',
    b'{"id": "x", "text": "dup", "text": "last wins"}',
    b'{"id": "x", "text": "lone \\ud800 surrogate"}',
    b'{"id": "x", "text": "bad \xff utf-8"}',
    b'{"id": "x", "text": "overlong \xc0\xaf"}',
    b'{"id": "x", "text": "raw\ttab"}',
    b'{"id": "x", "text": "a"} {"id": "y", "text": "two on a line"}',
    b'{"id": "x", "text":',  # an object over two lines (with the next)
    b'"rest"}',
    b'["not", "an object"]',
    b'{"id": "x", "text": "2020-01-01"}',  # Arrow would infer a timestamp
    b'{"id": "x", "text": "t", "__line": "reserved"}',
    b'{"te\\u0078t": "escaped key", "id": "x"}',
    b'{"i\\u0064": "escaped first key", "text": "t"}',
    b'{"id": "x", "text": "trailing"} ',
    b'\xef\xbb\xbf{"id": "bom", "text": "t"}',
    b'{"id": "x", "text": {"nested": "object"}}',
    b'{"id": "x", "text": "NaN next", "n": NaN}',
    b'{"text": "only text"}',
    b'{"id": "x", "text": "broken"',
]


def write(path, lines, end=b"\n"):
    path.write_bytes(b"\n".join(lines) + end)


def good(rng, i):
    return json.dumps({"id": f"d{i}", "text": doc(rng, i)}, ensure_ascii=rng.random() < 0.5)


@pytest.mark.parametrize("seed", range(12))
def test_fast_path_matches_line_by_line(tmp_path, monkeypatch, parsed, seed):
    rng = random.Random(seed)
    monkeypatch.setattr(readers, "JSON_BLOCK", rng.choice([64, 300, 1000, 2048]))
    lines = []
    count = rng.randint(50, 300)
    for i in range(count):
        # (no odd line in the first third: a block of other columns ends the shard's fast path,
        # and the test wants both paths in one shard)
        if i > count // 3 and rng.random() < 0.03:
            lines.append(rng.choice(ODD))
        else:
            lines.append(good(rng, i).encode())
    path = tmp_path / "in.jsonl"
    write(path, lines, rng.choice([b"\n", b""]))
    limit = _Limit(rng.choice([1, 3, 7, 4096]), rng.choice([1, 200, 1500, 1 << 20]))
    assert_same(*both(path, limit))
    assert any(parsed) and not all(parsed)


@pytest.mark.parametrize("line", ODD)
def test_each_odd_line_between_good_ones(tmp_path, monkeypatch, line):
    rng = random.Random(1)
    monkeypatch.setattr(readers, "JSON_BLOCK", 512)
    lines = [good(rng, i).encode() for i in range(40)]
    lines[20:20] = [line]
    path = tmp_path / "in.jsonl"
    write(path, lines)
    for limit in (_Limit(5, 1 << 20), _Limit(4096, 700), _Limit(4096, 1 << 20)):
        assert_same(*both(path, limit))


@pytest.mark.parametrize("first", ["text", "id"])
def test_one_or_two_columns_every_block_by_arrow(tmp_path, monkeypatch, parsed, first):
    rng = random.Random(2)
    monkeypatch.setattr(readers, "JSON_BLOCK", 2048)
    rows = [{first: "a", "text" if first == "id" else "id": doc(rng, i)} for i in range(200)]
    if first == "text":
        rows = [{"text": doc(rng, i)} for i in range(200)]
    path = tmp_path / "in.jsonl"
    write(path, [json.dumps(r).encode() for r in rows])
    for limit in (_Limit(4096, 1 << 20), _Limit(16, 1 << 20), _Limit(4096, 900)):
        parsed.clear()
        assert_same(*both(path, limit))
        assert parsed and all(parsed)


def test_byte_range_and_line_numbers(tmp_path, monkeypatch, parsed):
    rng = random.Random(3)
    monkeypatch.setattr(readers, "JSON_BLOCK", 700)
    lines = [good(rng, i).encode() for i in range(100)]
    lines[50] = b"{broken"
    path = tmp_path / "in.jsonl"
    write(path, lines)
    data = path.read_bytes()
    start = data.index(b"\n", 2000) + 1
    end = data.index(b"\n", 6000) + 1
    first = data[:start].count(b"\n") + 1
    assert_same(*both(path, _Limit(4096, 1500), start, end, first))
    assert any(parsed)


def test_a_line_longer_than_a_block(tmp_path, monkeypatch, parsed):
    monkeypatch.setattr(readers, "JSON_BLOCK", 64)
    rows = [{"id": str(i), "text": "x" * (10 if i % 3 else 500)} for i in range(30)]
    path = tmp_path / "in.jsonl"
    write(path, [json.dumps(r).encode() for r in rows])
    assert_same(*both(path, _Limit(4, 1 << 20)))
    assert all(parsed)


def test_columns_it_does_not_take_end_the_fast_path_for_the_shard(tmp_path, monkeypatch):
    """Rows the fast path does not take cost at most one Arrow parse a shard: none when the
    first line shows it (three columns), one when a block shows it (a key missing from some
    rows); the rest of the shard is read line by line, no block parsed twice."""
    import pyarrow.json as pj

    calls = []
    real = pj.read_json
    monkeypatch.setattr(pj, "read_json", lambda *a, **k: calls.append(1) or real(*a, **k))
    monkeypatch.setattr(readers, "JSON_BLOCK", 512)
    three = [{"id": str(i), "text": f"text {i}", "url": f"u{i}"} for i in range(200)]
    missing = [
        {"id": str(i), "text": f"text {i}"} if i % 5 else {"text": "t"} for i in range(1, 200)
    ]
    for rows, parses in ((three, 0), (missing, 1)):
        calls.clear()
        path = tmp_path / "in.jsonl"
        write(path, [json.dumps(r).encode() for r in rows])
        assert_same(*both(path, _Limit(4096, 1 << 20)))
        assert len(calls) == parses
