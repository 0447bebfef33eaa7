"""The fast paths of a whole run outside the rules give what their plain definitions give: pass 2
reading pass 1's Arrow spill instead of the input, a shard's part file written straight from its
batches, example picks on integer digests, and the report files written from render_reports."""

from __future__ import annotations

import gc
import json
import os
import pickle

import numpy as np
import polars as pl
import pytest
import xxhash

from curate import engine, pipeline
from curate.config import load_ruleset
from curate.io.readers import discover, read_shard
from curate.io.writers import _part_rows, _read_part, normal_schema
from curate.report import render_reports
from tests.conftest import sample_corpus, write_jsonl, write_rules

# the two corpus-pass rules (the spill exists for them), and nothing slow
CORPUS_RULES = """
name: corpus-rules
rules:
  - rule: boilerplate-lines
    action: strip
  - rule: truncated-text
    action: flag
"""


def _rules(tmp_path):
    return load_ruleset(str(write_rules(tmp_path / "rules.yaml", CORPUS_RULES)))


def _files(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_pass_two_reads_the_spill_as_it_would_the_input(tmp_path):
    rows = [{"text": f"Document {i}. It ends well.\nA second line.", "id": i} for i in range(30)]
    lines = [json.dumps(r) for r in rows]
    lines[7] = '{"text": "broken'  # an unreadable row travels through the spill too
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("\n".join(lines) + "\n")
    (shard,), _ = discover([str(corpus)])
    rules = _rules(tmp_path)
    built = [r for r in rules.build() if r.needs_corpus]
    (tmp_path / "spill").mkdir()
    (tmp_path / "plain").mkdir()
    (tmp_path / "mapped").mkdir()
    spill = str(tmp_path / "spill" / "000000")
    plain_aggs = engine.collect_shard(rules, shard, 8, 1 << 20)
    aggs = engine.collect_shard(rules, shard, 8, 1 << 20, spill)
    assert aggs.keys() == plain_aggs.keys()
    corpus_result = {r.name: r.finish(aggs[r.name]) for r in built}
    # the spilled batches are the reader's, table for table
    read = list(read_shard(shard, "text", 8, 1 << 20))
    mapped = list(engine._read_spill(spill))
    assert len(mapped) == len(read) == 4
    for (a, bad_a), (b, bad_b) in zip(read, mapped, strict=True):
        assert a.equals(b) and a.schema == b.schema
        assert [x.as_dict() for x in bad_a] == [x.as_dict() for x in bad_b]
    plain = engine.process_shard(
        rules, shard, corpus_result, str(tmp_path / "plain" / "p"), 8, 1 << 20
    )
    stats = engine.process_shard(
        rules, shard, corpus_result, str(tmp_path / "mapped" / "p"), 8, 1 << 20, spill
    )
    assert stats.to_dict() == plain.to_dict() and stats.unreadable == 1
    assert stats.to_json() == json.dumps(stats.to_dict())  # the fast path, the plain one
    assert sum(len(r.examples) for r in stats.rules.values()) > 0  # examples were compared
    for split in ("train", "rejected"):
        a = _read_part(str(tmp_path / "plain" / f"p.{split}.arrow"))
        b = _read_part(str(tmp_path / "mapped" / f"p.{split}.arrow"))
        assert a.equals(b) and a.schema == b.schema
    assert _files(tmp_path / "spill") == []  # removed once its shard is done


def test_an_unfinished_spill_is_never_read(tmp_path):
    corpus = write_jsonl(tmp_path / "c.jsonl", [{"text": "One document. It ends."}])
    (shard,), _ = discover([str(corpus)])
    rules = _rules(tmp_path)
    spill = str(tmp_path / "000000")
    batches = engine._spilled(read_shard(shard, "text"), spill)
    next(batches)  # the first batch is written, the run dies before the last
    assert not engine._spill_done(spill)
    stats = engine.process_shard(rules, shard, {}, None, spill=spill)
    assert stats.input == 1  # read from the input


def test_a_spill_that_cannot_be_written_is_left_out(tmp_path):
    corpus = write_jsonl(tmp_path / "c.jsonl", [{"text": "One document. It ends."}])
    (shard,), _ = discover([str(corpus)])
    spill = str(tmp_path / "not-there" / "000000")  # a folder this process does not see
    aggs = engine.collect_shard(_rules(tmp_path), shard, spill=spill)
    assert set(aggs) == {"boilerplate-lines", "truncated-text"}
    assert not (tmp_path / "not-there").exists()
    stats = engine.process_shard(_rules(tmp_path), shard, {}, None, spill=spill)
    assert stats.input == 1  # read from the input


def test_a_spill_whose_index_cannot_be_written_is_left_out(tmp_path, monkeypatch):
    # the disk fills after the last batch, while the list of batches is written: the corpus
    # pass still succeeds and pass 2 reads the input
    corpus = write_jsonl(tmp_path / "c.jsonl", [{"text": "One document. It ends."}])
    (shard,), _ = discover([str(corpus)])
    spill = str(tmp_path / "000000")

    def full_disk(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(engine.pickle, "dump", full_disk)
    aggs = engine.collect_shard(_rules(tmp_path), shard, spill=spill)
    monkeypatch.undo()
    assert set(aggs) == {"boilerplate-lines", "truncated-text"}
    assert not os.path.exists(spill)
    stats = engine.process_shard(_rules(tmp_path), shard, {}, None, spill=spill)
    assert stats.input == 1  # read from the input


def test_a_run_with_corpus_rules_spills_and_cleans_up(tmp_path):
    src = sample_corpus(tmp_path, 2)
    rules = _rules(tmp_path)
    work = tmp_path / "work"
    opts = engine.RunOptions(workers=1, batch_rows=16)
    seen = []
    real = engine.process_shard

    def spy(*a, **k):
        prefix = a[6]
        seen.append(prefix is not None and engine._spill_done(prefix))
        return real(*a, **k)

    engine.process_shard = spy
    try:
        result, prefixes = engine.run([str(src)], rules, opts, work)
    finally:
        engine.process_shard = real
    assert seen and all(seen)  # every shard of pass 2 mapped its spill
    assert _files(work / "input") == []
    plain, _ = engine.run([str(src)], rules, opts, None)  # no work folder: no spill
    assert result.stats.to_dict() == plain.stats.to_dict()


def _plain_parts(frames: list[tuple[pl.DataFrame, pl.DataFrame]]) -> dict[str, object]:
    """The part files' definition: one polars concat of every batch's frames, in the writers'
    types (string, list: writers.normal_schema)."""
    out = {}
    for i, split in enumerate(("train", "rejected")):
        table = pl.concat([f[i] for f in frames], how="diagonal_relaxed").to_arrow()
        out[split] = table.cast(normal_schema(table.schema))
    return out


def _frames(schemas: list[dict]) -> list[tuple[pl.DataFrame, pl.DataFrame]]:
    out = []
    for n, extra in enumerate(schemas):
        text = [f"kept {n} {i}" for i in range(3)]
        kept = pl.DataFrame({"text": text, "tags": [[t] for t in text], **extra})
        out.append((kept, kept.head(1 if n % 2 else 0)))
    return out


def test_part_writer_matches_one_concat_whatever_the_schemas(tmp_path):
    cases = {
        "one schema": [{"m": [1, 2, 3]}] * 4,
        "a column changes type midway": [{"m": [1, 2, 3]}] * 2 + [{"m": ["a", "b", "c"]}] * 2,
        "a column appears late": [{}] * 2 + [{"extra": [True, False, True]}],
        "a column null in the first batch": [{"m": [None, None, None]}, {"m": [1.5, 2.0, 3.0]}],
    }
    for name, schemas in cases.items():
        prefix = str(tmp_path / name.replace(" ", "-"))
        frames = _frames(schemas)
        parts = engine._PartWriter(prefix)
        try:
            for kept, rejected in frames:
                parts.add(kept, rejected)
            parts.close()
        finally:
            parts.discard()
        for split, expected in _plain_parts(frames).items():
            got = _read_part(f"{prefix}.{split}.arrow")
            assert got.equals(expected) and got.schema == expected.schema, (name, split)
    leftovers = [p for p in _files(tmp_path) if not p.endswith((".train.arrow", ".rejected.arrow"))]
    assert leftovers == []  # no spill or temporary file left


def test_example_picks_are_the_smallest_hex_digests():
    texts = pl.Series([f"text number {i} " * (i % 7 + 1) for i in range(300)] + ["é日本", ""])
    fired = pl.Series([i % 3 != 1 for i in range(len(texts))]).to_numpy()
    picker = pipeline._ExamplePicker(texts, [fired])
    for rule in ("boilerplate-lines", "truncated-text", "x"):
        seed = xxhash.xxh64_intdigest(rule.encode())
        plain = sorted(
            (xxhash.xxh64_hexdigest(texts[i].encode(), seed=seed), i)
            for i in range(len(texts))
            if fired[i]
        )[: pipeline.MAX_EXAMPLES]
        assert picker.pick(rule, fired) == plain
    assert picker.pick("x", np.zeros(len(texts), dtype=bool)) == []


def test_rendered_reports_are_what_write_reports_writes(tmp_path):
    from curate.report import write_reports

    src = sample_corpus(tmp_path, 1)
    rules = _rules(tmp_path)
    result, _ = engine.run([str(src)], rules, engine.RunOptions(workers=1), None)
    from curate.report.build import build_report

    report = build_report(result, rules, name="t", command="curate report")
    write_reports(report, tmp_path / "rep")
    for name, text in render_reports(report).items():
        assert (tmp_path / "rep" / name).read_text(encoding="utf-8") == text


def test_while_waiting_runs_once_while_the_pool_works():
    calls = []
    options = engine.RunOptions(workers=2, while_waiting=lambda: calls.append(1))
    runner = engine.Runner(load_ruleset("default"), options)
    try:
        assert runner.map(abs, [(-1,), (-2,), (3,)]) == [1, 2, 3]
        assert runner.map(abs, [(-4,), (5,)]) == [4, 5]  # the second pass: not again
    finally:
        runner.close()
    assert calls == [1]


class _Counted:
    """An argument that counts how often the parent pickles it."""

    dumps = 0

    def __init__(self, value: int) -> None:
        self.value = value

    def __reduce__(self):
        _Counted.dumps += 1
        return (_Counted, (self.value,))


def _add(shared: _Counted, x: int) -> int:
    return shared.value + x


def test_an_argument_every_task_shares_is_pickled_once_a_pass():
    # bug: the corpus pass's results went with every shard's task, pickled and unpickled once a
    # shard (duplicate-documents' clusters of 200,000 documents: ~24 MB, ~0.1 CPU s a shard)
    runner = engine.Runner(load_ruleset("default"), engine.RunOptions(workers=2))
    big = _Counted(10)
    _Counted.dumps = 0
    try:
        assert runner.map(_add, [(big, i) for i in range(5)]) == [10, 11, 12, 13, 14]
        assert _Counted.dumps == 1
        # a second pass sends its own; an argument that differs by task goes with its task: the
        # first task goes to the pool's process (pickled), this process takes the second (not)
        assert runner.map(_add, [(big, 1), (_Counted(2), 2)]) == [11, 4]
        assert _Counted.dumps == 2
        shared_dir = runner._shared_dir.name
    finally:
        runner.close()
    assert not os.path.exists(shared_dir)  # the pickled arguments go with the pool


def test_a_run_that_fails_between_its_passes_leaves_no_shared_file(tmp_path, monkeypatch):
    import tempfile

    from curate.checks.dedup import DuplicateDocuments

    files = [
        str(
            write_jsonl(
                tmp_path / f"{n}.jsonl", [{"text": f"Doc {n}{i}. It ends."} for i in range(3)]
            )
        )
        for n in "ab"
    ]
    rules = load_ruleset({"name": "t", "rules": [{"rule": "duplicate-documents"}]})
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def fail(self, aggregate):
        raise RuntimeError("finish failed")

    monkeypatch.setattr(DuplicateDocuments, "finish", fail)
    try:
        engine.run(files, rules, engine.RunOptions(workers=2), None)
    except RuntimeError as e:
        assert str(e) == "finish failed"
        # the pass-1 pool shared the rule set through a file: gone with the pool, even while
        # the failed run's frames are still alive
        assert not [p for p in os.listdir(tmp_path) if p.startswith("curate-shared-")]
    else:
        raise AssertionError("the run did not fail")


def test_removing_a_spill_lists_only_its_own_files(tmp_path, monkeypatch):
    # each shard's spill is removed on its own: listing every shard's files for each shard cost
    # shards x files, nearly quadratic at 100,000 shards
    corpus = write_jsonl(tmp_path / "c.jsonl", [{"text": f"Doc {i}. It ends."} for i in range(9)])
    (shard,), _ = discover([str(corpus)])
    shards = [shard] * 4
    spills = engine._spill_folders(tmp_path / "input", shards, [100] * 4, set())
    for spill in spills:
        for _ in engine._spilled(read_shard(shard, "text", 3, 1 << 20), spill):
            pass
        assert engine._spill_done(spill)
    own = [p for p in _all_files(tmp_path / "input") if p.startswith(os.path.basename(spills[0]))]
    assert len(own) == 4  # three batches and the index
    listed = []
    real = os.listdir

    def spy(path="."):
        names = real(path)
        listed.extend(names)
        return names

    monkeypatch.setattr(os, "listdir", spy)
    engine._remove_spill(spills[0])
    monkeypatch.undo()
    assert len(listed) <= len(own)
    assert not engine._spill_done(spills[0])
    assert all(engine._spill_done(s) for s in spills[1:])  # the others untouched
    for spill in spills[1:]:
        engine._remove_spill(spill)
    assert _all_files(tmp_path / "input") == []


def _all_files(folder) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_a_killed_first_pass_leaves_nothing_the_next_one_reads(tmp_path):
    # --resume after a kill during pass 1: the shard's unfinished spill is replaced, not mixed
    # with the new one
    rows = [{"text": f"Document {i}. It ends well."} for i in range(12)]
    corpus = write_jsonl(tmp_path / "c.jsonl", rows)
    (shard,), _ = discover([str(corpus)])
    (tmp_path / "input").mkdir()
    spill = str(tmp_path / "input" / "000000")
    killed = engine._spilled(read_shard(shard, "text", 3, 1 << 20), spill)
    next(killed), next(killed)  # two batches written, then the process dies
    killed.close()
    stale = _all_files(tmp_path / "input")
    assert stale and not engine._spill_done(spill)
    # the rerun reads batches of another size: a stale file would show
    for _ in engine._spilled(read_shard(shard, "text", 5, 1 << 20), spill):
        pass
    mapped = list(engine._read_spill(spill))
    assert [t.num_rows for t, _ in mapped] == [5, 5, 2]
    assert len(_all_files(tmp_path / "input")) == 4


def test_a_gzip_shard_spills_only_with_room_for_its_uncompressed_text(tmp_path, monkeypatch):
    import gzip
    from collections import namedtuple

    rows = [{"text": "The same sentence, over and over. " * 20} for _ in range(500)]
    plain = write_jsonl(tmp_path / "c.jsonl", rows)
    packed = tmp_path / "c.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    (shard,), _ = discover([str(packed)])
    size = engine.shard_bytes(shard)
    assert plain.stat().st_size > 20 * size
    usage = namedtuple("usage", "total used free")

    def disk(free):
        monkeypatch.setattr(engine.shutil, "disk_usage", lambda _p: usage(free, 0, free))

    disk(10 * size)  # room for the compressed size twice over, not for the text
    assert engine._spill_folders(tmp_path / "input", [shard], [size], set()) == [None]
    disk(3 * plain.stat().st_size)
    assert engine._spill_folders(tmp_path / "input", [shard], [size], set()) != [None]


def _example_corpus(tmp_path, files=5) -> list[str]:
    """Shards (a file each) of documents that rules fire on, a third of them repeated from other
    shards (equal example keys: the merge keeps the earlier shard's first)."""
    import random

    rng = random.Random(7)
    words = ["the", "sea", "and", "of", "Click", "here", "cookies", "...", "{", "•", "word", "日本"]
    pool = [
        "\n".join(
            " ".join(rng.choice(words) for _ in range(rng.randint(1, 25)))
            for _ in range(rng.randint(1, 5))
        )
        for _ in range(400)
    ]
    out = []
    for f in range(files):
        rows = [{"text": rng.choice(pool), "id": f"{f}-{i}"} for i in range(120)]
        rows += [{"text": "", "id": f"{f}-empty"}, {"text": "Ünïcödé " * 900, "id": f"{f}-long"}]
        out.append(str(write_jsonl(tmp_path / f"{f}.jsonl", rows)))
    return out


def _examples(stats) -> int:
    return sum(len(r.examples) for r in stats.rules.values())


def test_a_run_in_one_process_builds_no_example_the_earlier_shards_outrank(tmp_path, monkeypatch):
    files = _example_corpus(tmp_path)
    rs = load_ruleset("default").with_overrides(id_column="id")
    opts = engine.RunOptions(workers=1, batch_rows=50)
    shard_stats = []
    real = engine.process_shard

    def spy(*a, **k):
        shard_stats.append(real(*a, **k))
        return shard_stats[-1]

    monkeypatch.setattr(engine, "process_shard", spy)
    result, _ = engine.run(files, rs, opts, None)
    told = [_examples(s) for s in shard_stats]
    # the definition: no shard told the bounds of those before it
    shard_stats.clear()
    monkeypatch.setattr(engine._SEEN, "add", lambda *a: None)
    plain, _ = engine.run(files, rs, opts, None)
    alone = [_examples(s) for s in shard_stats]
    assert len(told) == len(alone) == 5
    assert result.stats.to_dict() == plain.stats.to_dict()
    assert _examples(result.stats) > 0
    assert told[0] == alone[0] and sum(told[1:]) < sum(alone[1:])  # later shards built fewer


def test_worker_processes_build_no_example_their_earlier_shards_outrank(tmp_path, monkeypatch):
    # each worker process keeps the bounds of the shards it has done (not all before its next)
    files = _example_corpus(tmp_path, files=8)
    rs = load_ruleset("default").with_overrides(id_column="id")

    def shard_examples(work: str) -> int:
        parts = tmp_path / work / "parts"
        return sum(
            len(r["examples"])
            for p in parts.glob("*.stats.json")
            for r in json.loads(p.read_text())["rules"].values()
        )

    pooled, _ = engine.run(
        files, rs, engine.RunOptions(workers=2, batch_rows=50), tmp_path / "pooled"
    )
    monkeypatch.setattr(engine._SEEN, "add", lambda *a: None)
    alone, _ = engine.run(
        files, rs, engine.RunOptions(workers=1, batch_rows=50), tmp_path / "alone"
    )
    assert pooled.stats.to_dict() == alone.stats.to_dict()
    assert _examples(alone.stats) > 0
    assert shard_examples("pooled") < shard_examples("alone")


def test_example_bounds_hold_whatever_the_order_of_the_shards(tmp_path):
    # every document of every shard is the same text: every example key is equal, and the merge
    # (in shard order) keeps the first shard's. A worker may do a later shard before an earlier
    # one: the bound it then gives (the largest key) must not cut the earlier shard's examples.
    rows = lambda f: [{"text": "Click here to accept cookies", "id": f"{f}-{i}"} for i in range(9)]  # noqa: E731
    files = [str(write_jsonl(tmp_path / f"{f}.jsonl", rows(f))) for f in range(3)]
    rs = load_ruleset("default").with_overrides(id_column="id")
    shards, _ = discover(files)
    in_order = [engine.process_shard(rs, s, {}, None, run="in order") for s in shards]
    backwards = [engine.process_shard(rs, s, {}, None, run="backwards") for s in shards[::-1]]
    merged = [engine.RunStats(), engine.RunStats()]
    for m, stats in zip(merged, (in_order, backwards[::-1]), strict=True):
        for s in stats:
            m.merge(s)
    assert _examples(merged[0]) > 0
    assert merged[0].to_dict() == merged[1].to_dict()
    first = {e["id"] for r in merged[1].rules.values() for e in r.examples}
    assert first and all(i.startswith("0-") for i in first)


def test_resume_does_again_a_shard_whose_files_a_crash_cut_short(tmp_path, monkeypatch):
    # a shard's files are not synced to the disk: after a machine crash its statistics file can
    # be there with a part file cut short, or be empty itself; --resume must not take either
    # shard as finished (nor the corpus pass's results, unless they are the bytes written)
    files = _example_corpus(tmp_path, files=4)
    rs = load_ruleset("default").with_overrides(id_column="id")
    opts = engine.RunOptions(workers=1)
    work = tmp_path / "work"
    first, prefixes = engine.run(files, rs, opts, work)
    rows = {p: {s: _part_rows(f"{p}.{s}.arrow") for s in ("train", "rejected")} for p in prefixes}
    with open(f"{prefixes[1]}.train.arrow", "r+b") as f:  # cut short
        f.truncate(os.path.getsize(f"{prefixes[1]}.train.arrow") // 2)
    open(f"{prefixes[2]}.stats.json", "w").close()  # empty
    # the corpus pass's results: bytes that still load, but are not what was written (a pickle
    # with a page of zeros can load as other results)
    (work / "corpus.pkl").write_bytes(pickle.dumps({}))
    done_again = []
    real = engine.process_shard

    def spy(ruleset, shard, *a, **k):
        done_again.append(shard.path)
        return real(ruleset, shard, *a, **k)

    monkeypatch.setattr(engine, "process_shard", spy)
    again, _ = engine.run(files, rs, opts, work, resume=True)
    assert sorted(done_again) == sorted([files[1], files[2]])
    assert again.stats.to_dict() == first.stats.to_dict()
    assert rows == {
        p: {s: _part_rows(f"{p}.{s}.arrow") for s in ("train", "rejected")} for p in prefixes
    }


def test_resume_reads_the_input_of_a_shard_whose_spill_a_crash_cut_short(tmp_path, monkeypatch):
    # a run that stopped in pass 2 leaves the corpus pass's results and the spills of the shards
    # not done; after a machine crash a spill's index can be there without all of its tables
    files = _example_corpus(tmp_path, files=4)
    rs = load_ruleset("default").with_overrides(id_column="id")
    opts = engine.RunOptions(workers=1)
    clean, _ = engine.run(files, rs, opts, tmp_path / "clean")
    real = engine.process_shard

    def stop_at_the_third(ruleset, shard, *a, **k):
        if shard.path == files[2]:
            raise KeyboardInterrupt
        return real(ruleset, shard, *a, **k)

    work = tmp_path / "work"
    monkeypatch.setattr(engine, "process_shard", stop_at_the_third)
    with pytest.raises(KeyboardInterrupt):
        engine.run(files, rs, opts, work)
    spill = work / "input" / "000002"
    (table,) = sorted(spill.glob("*.arrow"))
    with open(table, "r+b") as f:
        f.truncate(os.path.getsize(table) // 2)
    assert not engine._spill_done(str(spill)) and engine._spill_done(str(work / "input" / "000003"))
    monkeypatch.setattr(engine, "process_shard", real)
    again, _ = engine.run(files, rs, opts, work, resume=True)
    assert again.stats.to_dict() == clean.stats.to_dict()
    assert not (work / "input" / "000002").exists()


def test_pool_workers_freeze_the_objects_of_their_imports():
    # (full collections in a worker skip the modules' objects, as in a run in one process)
    runner = engine.Runner(load_ruleset("default"), engine.RunOptions(workers=2))
    try:
        # the first task goes to the pool's process, this process takes the second
        frozen, _ = runner.map(gc.get_freeze_count, [(), ()])
    finally:
        runner.close()
    assert frozen > 10_000
