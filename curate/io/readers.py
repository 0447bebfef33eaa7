"""Readers: every INPUT form in DESIGN.md, split into shards and streamed as Arrow batches.

A *shard* is the unit of work every engine schedules and `--resume` skips when done: a byte range of
a .jsonl file (cut at line ends), a group of parquet row groups, an Arrow file of a `save_to_disk`
folder or of a Hugging Face dataset's cache, a whole .jsonl.gz/.json/.csv file, or a group of .txt
files. Shards are small descriptions (picklable) so a worker or a Ray task reads its own data.

A row that cannot be read (broken JSON, undecodable bytes, missing or non-string text) becomes an
*unreadable* record with its file and line; it is never silently dropped and never fatal.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import json
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from curate.arrays import numbers, to_numpy
from curate.errors import UsageError

FILE_COL = "__file"
LINE_COL = "__line"

# target size of a .jsonl byte-range shard (the environment variable is for tests and tuning):
# at most 8 MB (a shard is the unit a worker takes, resumes and retries; its output is written
# batch by batch, so memory does not follow it); a file of less than 128 MB is cut into ~16
# shards of at least 4 MB, so that the workers of a pool get even shares of it (2 shards of 8 +
# 2 MB would leave one of two workers idle most of the time)
_SHARD_BYTES_SET = "CURATE_SHARD_BYTES" in os.environ
SHARD_BYTES = int(os.environ.get("CURATE_SHARD_BYTES", 8 * 1024 * 1024))
MIN_SHARD_BYTES = 4 * 1024 * 1024
SHARDS_PER_FILE = 16
TXT_PER_SHARD = 2000
# A batch ends at BATCH_ROWS rows or once its texts reach BATCH_BYTES bytes of UTF-8, whichever
# comes first. The rules' intermediate frames (lines, tokens) take ~50-70x a batch's text while it
# is evaluated, so the text bytes, not the rows, set a run's peak memory: a batch of 4,096 long
# documents would otherwise peak far above one of short ones, and a run with larger shards above
# one with smaller. Smaller batches cost CPU: each batch costs the rules a fixed ~90 ms and the
# batch function ~12 ms (bench/batch_cost.py, bench/results/throughput.md), ~20% of a 2 MB
# batch's time and ~10% of a 4 MB one's; 8 MB batches saved ~2% of a whole 200k-document run
# for ~50 MiB more peak memory (session 3); 4 MB (~2,000 web documents of 2 KB) peaks at ~0.4 GB.
BATCH_ROWS = 4096
BATCH_BYTES = 4 * 1024 * 1024
READ_BLOCK = 1024 * 1024  # .jsonl is read in blocks of this many bytes, split into lines
EXTENSIONS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".jsonl.gz": "jsonl.gz",
    ".ndjson.gz": "jsonl.gz",
    ".json": "json",
    ".parquet": "parquet",
    ".csv": "csv",
    ".txt": "txt",
    ".arrow": "arrow",
}


@dataclass(frozen=True)
class Shard:
    kind: str
    path: str
    start: int = 0  # byte offset (jsonl), first row group (parquet)
    end: int = -1  # byte offset (jsonl), row group after the last (parquet); -1: to the end
    first_line: int = 1  # line (jsonl) or row (others) number of the shard's first row
    paths: tuple[str, ...] = field(default=())  # .txt files of a txt shard

    @property
    def label(self) -> str:
        if self.kind == "txt":
            return f"{len(self.paths)} .txt files in {Path(self.paths[0]).parent}"
        if self.kind in ("jsonl", "parquet") and (self.start or self.end != -1):
            return f"{self.path} [{self.start}:{self.end}]"
        return self.path


@dataclass
class Unreadable:
    file: str
    line: int | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "reason": self.reason}


def kind_of(path: Path) -> str | None:
    name = path.name.lower()
    for ext in sorted(EXTENSIONS, key=len, reverse=True):
        if name.endswith(ext):
            return EXTENSIONS[ext]
    return None


# -- discovery -------------------------------------------------------------------------------------


def discover(
    inputs: list[str],
    text_column: str = "text",
    id_column: str | None = None,
    own_paths: dict[str, str] | None = None,
) -> tuple[list[Shard], list[str]]:
    """Shards for the given INPUTs, in a stable order, plus files passed over (unknown types).

    own_paths: what the run writes (its --out folder, the work folders beside it, its report
    files), each with the option that names it: a folder walk passes over them, so a run does
    not read its previous output back (`curate run data --out data/clean`), and an INPUT that
    is one or inside one is a usage error. A file reached through two INPUTs (`a.jsonl a.jsonl`,
    a folder and a file in it) is a usage error: its rows would count twice under the same file
    and line."""
    own = {Path(p).resolve(): label for p, label in (own_paths or {}).items()}
    shards: list[Shard] = []
    skipped: list[str] = []
    first_ref: dict[tuple[int, int], str] = {}  # a file's (device, inode): the INPUT it came from
    for ref in inputs:
        if ref.startswith("hf:"):
            found = _hf_shards(ref[3:])
        else:
            found = _local_shards(ref, skipped, own)
        if len(inputs) > 1:
            _check_read_once(ref, found, first_ref)
        shards.extend(found)
    for s in shards:
        _check_readable(s)
    _check_columns(shards, text_column, id_column)
    return shards, skipped


def _local_shards(ref: str, skipped: list[str], own: dict[Path, str]) -> list[Shard]:
    path = Path(ref)
    if not path.exists():
        raise UsageError(f"input {ref}: no such file or folder")
    resolved = path.resolve()
    for mine, label in own.items():
        if resolved == mine or mine in resolved.parents:
            raise UsageError(
                f"input {ref}: is this run's own output ({label} {mine}), which a run does not "
                f"read; give another input or another {label}"
            )
    if path.is_dir():
        return _folder_shards(path, skipped, set(own))
    kind = kind_of(path)
    if kind is None:
        raise UsageError(
            f"input {ref}: unknown file type; use .jsonl, .jsonl.gz, .json, .parquet, "
            ".csv, .txt, a folder of these, a save_to_disk folder or hf:NAME"
        )
    return _file_shards(path, kind)


def _check_read_once(ref: str, shards: list[Shard], first_ref: dict[tuple[int, int], str]) -> None:
    """A usage error for a file of these shards that an earlier INPUT (or this one) gave already;
    a file is known by its device and inode, so a link or another spelling of its path is too."""
    mine: set[tuple[int, int]] = set()
    for s in shards:
        for p in s.paths or (s.path,):
            try:
                st = os.stat(p)
            except OSError:  # (gone or out of reach: _check_readable says so)
                continue
            key = (st.st_dev, st.st_ino)
            if key in mine:  # (the byte ranges of one file)
                continue
            if key in first_ref:
                first = first_ref[key]
                named = "" if Path(p) == Path(ref) else f" {p}"
                how = "in" if Path(first).is_dir() else "as"  # (a folder holds it, or a file is it)
                also = "" if first == ref else f" (also {how} {first})"
                raise UsageError(
                    f"input {ref}:{named} given more than once{also}; give each file once"
                )
            mine.add(key)
    first_ref.update(dict.fromkeys(mine, ref))


GZIP_SAMPLE = 64 * 1024  # compressed bytes decompressed to measure a .gz file's ratio
GZIP_SAMPLE_OUT = 64 * GZIP_SAMPLE  # and at most this many bytes of output


def gzip_size(path: str) -> int:
    """The uncompressed size of a gzip file, estimated without reading it all (for the free-disk
    check of a spill, so it errs high): the larger of its trailer's ISIZE (the last member's size
    mod 2**32: exact for the usual file of one member under 4 GiB, a lower bound otherwise) and
    its size times the ratio of its first 64 KiB (a file of several members, or over 4 GiB). A
    file read whole gives its exact size; one it cannot make sense of counts its own size. The
    trailer is believed only of a file that can end in one: none of the sample was undecodable,
    a file read whole ended its last member, and ISIZE is within deflate's largest ratio (1032),
    since a cut or foreign file's last four bytes are any number up to 4 GiB."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            head = f.read(GZIP_SAMPLE)
            isize = 0
            if size >= 18:  # the smallest gzip member: 10 bytes of header, 8 of trailer
                f.seek(size - 4)
                isize = int.from_bytes(f.read(4), "little")
    except OSError:
        return 0
    out, used, data, whole = 0, 0, head, len(head) == size
    trailer = isize <= size * 1032  # deflate's largest ratio
    while data:  # member after member (a file of several members is valid gzip)
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            out += len(d.decompress(data, GZIP_SAMPLE_OUT))
        except zlib.error:  # trailing bytes that are no gzip member: the ratio so far
            whole = trailer = False
            break
        if d.unconsumed_tail:  # a ratio over 64: this much says enough
            used += len(data) - len(d.unconsumed_tail)
            whole = False
            break
        used += len(data) - len(d.unused_data)
        data = d.unused_data
        whole = whole and d.eof
    if whole:  # the whole file was decompressed: its size is known
        return out
    if len(head) == size:  # read whole, yet its last member did not end: cut short
        trailer = False
    isize = isize if trailer else 0
    if not used:
        return max(size, isize)
    return max(isize, size * out // used)


def _check_readable(s: Shard) -> None:
    for p in s.paths or (s.path,):
        if not os.access(p, os.R_OK):
            raise UsageError(f"input {p}: permission denied")


def _folder_shards(folder: Path, skipped: list[str], own: set[Path] = frozenset()) -> list[Shard]:
    if (folder / "dataset_dict.json").exists() or (folder / "state.json").exists():
        return _saved_dataset_shards(folder)
    shards: list[Shard] = []
    txts: list[str] = []
    for root, dirs, files in os.walk(folder):
        # (hidden folders: a run's .OUT.curate-tmp and .OUT.curate-old among them)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        if own:  # what the run writes (its --out, its report files) is not input
            here = Path(root).resolve()
            dirs[:] = [d for d in dirs if here / d not in own]
            files = [f for f in files if here / f not in own]
        rootp = Path(root)
        if rootp != folder and (
            (rootp / "dataset_dict.json").exists() or (rootp / "state.json").exists()
        ):
            shards.extend(_saved_dataset_shards(rootp))
            dirs[:] = []
            continue
        for name in sorted(files):
            if name.startswith("."):
                continue
            p = rootp / name
            kind = kind_of(p)
            if kind == "txt":
                txts.append(str(p))
            elif kind is None or kind == "arrow":
                skipped.append(str(p))
            else:
                shards.extend(_file_shards(p, kind))
    for i in range(0, len(txts), TXT_PER_SHARD):
        group = tuple(txts[i : i + TXT_PER_SHARD])
        shards.append(Shard("txt", group[0], paths=group))
    return shards


def _file_shards(path: Path, kind: str) -> list[Shard]:
    if kind == "txt":
        return [Shard("txt", str(path), paths=(str(path),))]
    if kind == "jsonl":
        return _jsonl_shards(path)
    if kind == "parquet":
        return _parquet_shards(path)
    return [Shard(kind, str(path))]


CUT_BLOCK = 1024 * 1024  # _jsonl_shards reads a file in blocks of this many bytes


def _jsonl_shards(path: Path, target: int | None = None, block: int = CUT_BLOCK) -> list[Shard]:
    """Byte ranges cut at line ends, with the line number each starts at: a shard of more than
    `target` bytes ends with the line that holds its byte `target` (the line through the first
    newline at or after byte `start + target`); the rest of the file is the last shard.

    One pass over the file in blocks of `block` bytes, read into one reused buffer (a fresh
    block of bytes page-faulted on every one of its pages) and never mapped (a mapped file counts
    in RSS); each block's newlines counted in numpy while it is in the cache (`bytes.count`
    took twice the time of reading the file)."""
    import numpy as np

    if not target:
        target = (
            SHARD_BYTES
            if _SHARD_BYTES_SET
            else min(SHARD_BYTES, max(MIN_SHARD_BYTES, path.stat().st_size // SHARDS_PER_FILE))
        )
    size = path.stat().st_size
    if size <= target:
        return [Shard("jsonl", str(path))]
    name = str(path)
    shards = []
    start, line = 0, 1  # the shard being cut: its first byte and the line it starts at
    newlines = 0  # newlines between start and the part of the block counted so far
    buf = bytearray(block)
    data = np.frombuffer(buf, dtype=np.uint8)
    is_newline = np.empty(block, dtype=bool)

    def count(lo: int, hi: int) -> int:
        np.equal(data[lo:hi], 10, out=is_newline[lo:hi])
        return int(np.count_nonzero(is_newline[lo:hi]))

    pos = 0  # the file offset of the block in buf
    with open(path, "rb") as f:
        while size - start > target:  # a shard that ends at a line end, not the file's end
            got = f.readinto(buf)
            if not got:  # no newline after the cut (or the file shrank): it runs to the end
                shards.append(Shard("jsonl", name, start, size, line))
                return shards
            lo = 0  # the block's bytes before lo are counted
            while size - start > target:
                cut = start + target - pos  # in the block, where the shard may first end
                i = buf.find(b"\n", max(cut, lo), got) if cut < got else -1
                if i < 0:
                    break
                newlines += count(lo, i + 1)
                end = pos + i + 1
                shards.append(Shard("jsonl", name, start, end, line))
                start, line, newlines, lo = end, line + newlines, 0, i + 1
            newlines += count(lo, got)
            pos += got
    if start < size:
        shards.append(Shard("jsonl", name, start, -1, line))
    return shards


def _parquet_shards(path: Path, target_rows: int = 50_000) -> list[Shard]:
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
    except (pa.ArrowException, OSError) as e:
        raise UsageError(f"input {path}: not a readable parquet file ({_short(e)})") from None
    shards, first, rows, row_no = [], 0, 0, 1
    for rg in range(meta.num_row_groups):
        rows += meta.row_group(rg).num_rows
        if rows >= target_rows or rg == meta.num_row_groups - 1:
            shards.append(Shard("parquet", str(path), first, rg + 1, row_no))
            row_no += rows
            first, rows = rg + 1, 0
    return shards or [Shard("parquet", str(path), 0, 0, 1)]


def _saved_dataset_shards(folder: Path) -> list[Shard]:
    """A `datasets.save_to_disk` folder: its Arrow files, read directly (no `datasets` import)."""
    splits: list[Path]
    if (folder / "dataset_dict.json").exists():
        names = json.loads((folder / "dataset_dict.json").read_text())["splits"]
        splits = [folder / n for n in names]
    else:
        splits = [folder]
    shards = []
    for split in splits:
        state = json.loads((split / "state.json").read_text())
        for f in state.get("_data_files", []):
            shards.append(Shard("arrow", str(split / f["filename"])))
    return shards


def _hf_shards(spec: str) -> list[Shard]:
    """`hf:owner/name[@config][:split]` through `datasets.load_dataset` (its Arrow cache files)."""
    name, _, split = spec.partition(":")
    name, _, config = name.partition("@")
    try:
        import datasets
    except ImportError:  # pragma: no cover - datasets is a dependency
        raise UsageError("hf: inputs need the datasets package") from None
    try:
        ds = datasets.load_dataset(name, config or None, split=split or None)
    except Exception as e:  # the hub, the network and scripts fail in many ways
        raise UsageError(f"input hf:{spec}: cannot load it ({_short(e)})") from None
    parts = [ds] if isinstance(ds, datasets.Dataset) else [ds[k] for k in ds]
    shards = []
    for part in parts:
        files = [c["filename"] for c in part.cache_files]
        if not files:
            raise UsageError(f"input hf:{spec}: the dataset has no Arrow files on disk")
        shards.extend(Shard("arrow", f) for f in files)
    return shards


def _check_columns(shards: list[Shard], text_column: str, id_column: str | None) -> None:
    """A text or id column missing from a whole file, or a text column whose type is not text, is
    a usage error, not a file of rows that cannot be read or of ids that fall back to lines."""
    seen: set[str] = set()
    for s in shards:
        if s.path in seen:
            continue
        seen.add(s.path)
        schema = _schema(s, text_column)
        if schema is None:
            continue
        for column, option in ((text_column, "--text-column"), (id_column, "--id-column")):
            if column is not None and column not in schema:
                shown = ", ".join(list(schema)[:12]) or "none"
                raise UsageError(
                    f"input {s.path}: no column {column!r} (columns: {shown}); use {option}"
                )
        text_type = schema[text_column]
        if text_type is not None and not _is_text(text_type):
            raise UsageError(
                f"input {s.path}: column {text_column!r} is {text_type}, not text; "
                "use --text-column"
            )


def _is_text(t: pa.DataType) -> bool:
    """Text as a file may store it: string, large_string, string_view, or a dictionary of one
    of them (a pandas categorical column); _table_rows casts the last two to large_string."""
    if pa.types.is_dictionary(t):
        return _is_text(t.value_type)
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


def _schema(s: Shard, text_column: str) -> dict[str, pa.DataType | None] | None:
    """A file's columns and, where its format stores them (parquet, Arrow), their types. Those of
    JSON are its first record's keys (.jsonl(.gz): its first line that parses); None where there
    is no such record (its reader reports why) and for a .jsonl's later byte ranges."""
    try:
        if s.kind == "parquet":
            import pyarrow.parquet as pq

            schema = pq.ParquetFile(s.path).schema_arrow
            return dict(zip(schema.names, schema.types, strict=True))
        if s.kind == "arrow":
            with pa.memory_map(s.path) as src:
                schema = pa.ipc.open_stream(src).schema
            return dict(zip(schema.names, schema.types, strict=True))
        if s.kind == "csv":
            with open(s.path, newline="", encoding="utf-8-sig", errors="replace") as f:
                return dict.fromkeys(next(csv.reader(f), []))
        if s.kind == "txt":  # a row a file: its name and its text (_read_txt)
            return dict.fromkeys(["id", text_column])
        if s.kind == "jsonl" and s.start == 0:
            with open(s.path, "rb") as f:
                return _first_line_keys(f)
        if s.kind == "jsonl.gz":
            with open(s.path, "rb") as f:
                try:
                    return _first_line_keys(gzip.GzipFile(fileobj=f))
                except (EOFError, OSError, zlib.error):  # its reader reports where it breaks
                    return None
        if s.kind == "json":
            with open(s.path, "rb") as f:
                return _json_head_keys(f, text_column)
    except (OSError, pa.ArrowException) as e:
        raise UsageError(f"input {s.path}: cannot read it ({_short(e)})") from None
    return None


def _first_line_keys(f) -> dict[str, None] | None:
    """The keys of a JSON lines file's first line that parses, if it is an object."""
    for raw in f:
        try:
            obj = json.loads(raw)  # (bytes: a byte order mark is skipped)
        except ValueError:
            continue
        return dict.fromkeys(obj) if isinstance(obj, dict) else None
    return None


# A .json file's columns are those of its first record, which is found in the file's first
# JSON_HEAD bytes, read again twice as many while it is cut short there: the rows are read later
# (_read_json, the whole file at once), so a large file is not read twice to check its columns.
# A file whose first value is an object is either one record or a wrapper of its records: that
# needs the whole object, so past JSON_WHOLE bytes its columns are left unchecked.
JSON_HEAD = 64 * 1024
JSON_WHOLE = 16 * 1024 * 1024


def _json_head_keys(f, text_column: str) -> dict[str, None] | None:
    """The keys of a .json file's first record, as _read_json takes its records; None where there
    is none (no records, not objects, broken JSON: its reader says so) or it is not found within
    JSON_WHOLE bytes."""
    head, size = b"", JSON_HEAD
    while True:
        head += f.read(size - len(head))
        complete = len(head) < size  # a short read: the file ends here
        found = _first_json_record(head, complete, text_column)
        if found is _JSON_LINES:
            f.seek(0)
            return _first_line_keys(f)
        if found is not _CUT_SHORT:
            return dict.fromkeys(found) if isinstance(found, dict) else None
        if size >= JSON_WHOLE:
            return None
        size *= 2


_CUT_SHORT = object()  # _first_json_record: the head ends before the first record does
_JSON_LINES = object()  # and: JSON lines saved as .json, which _read_json reads as .jsonl


def _first_json_record(head: bytes, complete: bool, text_column: str) -> Any:
    """The first record of a .json file that starts with head (complete: head is the whole file),
    or _CUT_SHORT, or _JSON_LINES."""
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(_without_bom(head), final=complete)
    except UnicodeDecodeError:
        return None  # its reader reports the file unreadable
    decoder = json.JSONDecoder()
    start = _json_space_end(text, 0)
    try:
        if text.startswith("[", start):  # an array of records: its first element
            first = _json_space_end(text, start + 1)
            return None if text.startswith("]", first) else decoder.raw_decode(text, first)[0]
        value, end = decoder.raw_decode(text, start)
    except ValueError:
        return None if complete else _CUT_SHORT
    if _json_space_end(text, end) < len(text):  # more after the value ("Extra data")
        return _JSON_LINES
    if not complete:  # more may follow the object in the rest of the file, or not
        return _CUT_SHORT
    records = _json_records(value, text_column)
    return records[0] if records else None


def _json_space_end(text: str, at: int) -> int:
    """Where the JSON whitespace from text[at] ends."""
    while at < len(text) and text[at] in " \t\r\n":
        at += 1
    return at


# -- reading ---------------------------------------------------------------------------------------


def read_shard(
    shard: Shard, text_column: str, batch_rows: int = BATCH_ROWS, batch_bytes: int = BATCH_BYTES
) -> Iterator[tuple[pa.Table | None, list[Unreadable]]]:
    """Yield (table, unreadable) batches. Tables have the input columns plus __file and __line,
    and a text column that is a non-null string in every row. A batch holds at most batch_rows
    rows and ends with the row that brings its texts to batch_bytes bytes (a longer document is a
    batch of its own); where the reader knows the bytes ahead (a .jsonl byte range, an Arrow
    record batch) the limit is evened out so its batches are of equal size, within 1.5x of
    batch_bytes."""
    reader = {
        "jsonl": _read_jsonl,
        "jsonl.gz": _read_jsonl,
        "json": _read_json,
        "csv": _read_csv,
        "txt": _read_txt,
        "parquet": _read_parquet,
        "arrow": _read_arrow,
    }[shard.kind]
    yield from reader(shard, text_column, _Limit(batch_rows, batch_bytes))


_ONE_LINE_POS = re.compile(r"line 1 column (\d+) \(char \d+\)")


def _short(e: BaseException) -> str:
    msg = str(e).strip().splitlines()[0] if str(e).strip() else e.__class__.__name__
    return msg[:200]


@dataclass(frozen=True)
class _Limit:
    """How much a batch may hold: rows and bytes of text."""

    rows: int
    nbytes: int

    def even(self, total: int) -> _Limit:
        """The byte limit that cuts `total` bytes into equal batches near nbytes (within 1.5x):
        4.1 MB in two batches, not two of 2 MB and one of 0.1 MB (each batch has a fixed cost of
        ~100 ms, see BATCH_BYTES)."""
        if total <= 0 or self.nbytes <= 0:
            return self
        k = round(total / self.nbytes)
        if k <= 1:  # one batch for all of it
            return _Limit(self.rows, max(self.nbytes, total + 1))
        return _Limit(self.rows, -(-total // k))

    def cuts(self, text: pa.ChunkedArray | pa.Array) -> list[tuple[int, int]]:
        """(offset, length) of the batches a column of texts splits into: the same cuts as
        _RowBuffer makes row by row, found by a binary search over the running byte total."""
        import numpy as np
        import pyarrow.compute as pc

        n = len(text)
        if n == 0:
            return []
        try:
            sizes = to_numpy(pc.binary_length(text).fill_null(0))
        except (pa.ArrowNotImplementedError, pa.ArrowInvalid, TypeError):
            # not text (its rows are unreadable, see _table_rows): cut by rows only
            sizes = np.zeros(n, dtype=np.int64)
        total = np.cumsum(sizes, dtype=np.int64)
        nbytes = self.even(int(total[-1])).nbytes
        out, start = [], 0
        while start < n:
            before = int(total[start - 1]) if start else 0
            # the first row that brings the batch to nbytes ends it
            end = int(np.searchsorted(total, before + nbytes, side="left")) + 1
            end = min(max(end, start + 1), start + self.rows, n)
            out.append((start, end - start))
            start = end
        return out


def _utf8_len(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


class _RowBuffer:
    """Collects parsed rows and turns them into Arrow tables within the batch limit."""

    def __init__(self, shard: Shard, text_column: str, limit: _Limit):
        self.file = shard.path
        self.text_column = text_column
        self.limit = limit
        self.rows: list[dict[str, Any]] = []
        self.bad: list[Unreadable] = []
        self.nbytes = 0

    def add(self, obj: Any, line: int, file: str | None = None) -> None:
        file = file or self.file
        if not isinstance(obj, dict):
            self.bad.append(Unreadable(file, line, f"not an object ({type(obj).__name__})"))
            return
        text = obj.get(self.text_column)
        if text is None:
            why = "missing" if self.text_column not in obj else "null"
            self.bad.append(Unreadable(file, line, f"text column {self.text_column!r} is {why}"))
            return
        if not isinstance(text, str):
            self.bad.append(
                Unreadable(
                    file,
                    line,
                    f"text column {self.text_column!r} is {type(text).__name__}, not text",
                )
            )
            return
        obj[FILE_COL] = file
        obj[LINE_COL] = line
        self.rows.append(obj)
        self.nbytes += _utf8_len(text)  # str.isascii is O(1): no encoding for ASCII texts

    def full(self) -> bool:
        return len(self.rows) >= self.limit.rows or self.nbytes >= self.limit.nbytes

    def flush(self) -> tuple[pa.Table | None, list[Unreadable]]:
        table = rows_to_table(self.rows, self.text_column) if self.rows else None
        out = (table, self.bad)
        self.rows, self.bad, self.nbytes = [], [], 0
        return out


def rows_to_table(rows: list[dict[str, Any]], text_column: str) -> pa.Table:
    """Rows as an Arrow table. Columns whose values disagree in type across rows are kept as JSON
    text rather than failing the batch."""
    first = rows[0].keys()
    try:
        # from_pylist takes its columns from the first row: only when every row has the same keys
        if all(r.keys() == first for r in rows):
            return pa.Table.from_pylist(rows)
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        pass
    names: dict[str, None] = {}
    for r in rows:
        names.update(dict.fromkeys(r))
    cols = {}
    for name in names:
        values = [r.get(name) for r in rows]
        try:
            cols[name] = pa.array(values)
        except (pa.ArrowException, TypeError, ValueError, OverflowError):
            cols[name] = pa.array(
                [
                    None
                    if v is None
                    else v
                    if isinstance(v, str)
                    else json.dumps(v, ensure_ascii=False, default=str)
                    for v in values
                ],
                type=pa.string(),
            )
    return pa.table(cols)


def _loads():
    try:
        import orjson

        return orjson.loads, orjson.JSONDecodeError
    except ImportError:  # pragma: no cover
        return json.loads, ValueError


def _read_jsonl(shard: Shard, text_column: str, limit: _Limit, fast: bool = True):
    """A .jsonl(.gz) shard's batches. fast: a .jsonl byte range is parsed block by block by
    Arrow's JSON reader where that gives the very rows the line-by-line parse would (_ArrowRows);
    False: every line by orjson (the definition the fast path is tested against)."""
    if shard.kind == "jsonl":  # a byte range: its size is known, so its batches can be even
        try:
            end = shard.end if shard.end >= 0 else os.path.getsize(shard.path)
        except OSError:
            end = shard.start
        limit = limit.even(end - shard.start)
    loads, decode_error = _loads()
    buf = _RowBuffer(shard, text_column, limit)
    line_no = shard.first_line
    fast_rows = (
        _ArrowRows(buf, text_column)
        if fast and shard.kind == "jsonl" and limit.rows > 0 and limit.nbytes > 0
        else None
    )
    try:
        for raw in _jsonl_lines(shard) if fast_rows is None else fast_rows.lines(shard):
            if raw is None:  # (fast path) a block of lines read by Arrow: its batches
                yield from fast_rows.batches(line_no)
                line_no += fast_rows.block_lines
                continue
            if raw.strip():
                try:
                    obj = loads(raw)  # it checks the UTF-8: no decode of every line first
                except (decode_error, ValueError, RecursionError) as e:
                    try:
                        raw.decode("utf-8")
                    except UnicodeDecodeError as u:
                        why = f"invalid UTF-8 at byte {u.start}"
                    else:
                        # the parser sees one line, so its "line 1 column 10 (char 9)" would
                        # contradict the row's line number next to it: keep the column only
                        why = "broken JSON (" + _ONE_LINE_POS.sub(r"at column \1", _short(e)) + ")"
                    buf.bad.append(Unreadable(shard.path, line_no, why))
                else:
                    if fast_rows is not None and fast_rows.pending:  # joins Arrow's rows
                        fast_rows.to_python()
                    buf.add(obj, line_no)
            line_no += 1
            if buf.full():
                yield buf.flush()
    except (EOFError, OSError, zlib.error) as e:
        buf.bad.append(
            Unreadable(
                shard.path,
                line_no,
                f"file ends or breaks here, the rest is unreadable ({_short(e)})",
            )
        )
    yield fast_rows.flush() if fast_rows is not None and fast_rows.pending else buf.flush()


# the fast path's blocks: Arrow's JSON reader parses this many bytes of whole lines at a time
JSON_BLOCK = 4 * 1024 * 1024
_JSON_BUFFERS: list[bytearray] = []  # one block buffer kept for the next shard


class _ArrowRows:
    """The fast path of _read_jsonl: blocks of whole lines parsed by Arrow's JSON reader (C++, no
    Python object per row: ~2.5x less CPU than orjson and from_pylist) where that gives the
    very table the line-by-line parse would. A block qualifies when
      - every line is one JSON object: it starts with "{" and ends with "}" (no blank, CR or
        whitespace-only line), and Arrow finds as many rows as lines (a string cannot hold a raw
        newline, so an object cannot run on to the next line and a line's "}" ends an object);
      - Arrow parses it at all (it rejects lone surrogates, raw control characters in strings
        and a key given twice, where orjson keeps the last) and its strings are valid UTF-8
        (which its parser does not check);
      - every column is text, in every row (no null, no missing key, no number, nested value or
        timestamp inferred from a string), the text column among them, no `__file`/`__line`;
      - one or two columns, and with two every line starts with the same key, written alike:
        orjson's dicts all have the same keys in one order, and from_pylist makes exactly
        these string columns (with more columns, the order of each row's keys is not known
        without parsing it: those blocks are read line by line).
    Any other block is read line by line as before. Batches end where _RowBuffer would end
    them (rows, and the texts' UTF-8 bytes, from Arrow's lengths); a batch that mixes such
    rows with rows parsed by orjson is made from Python rows, as before."""

    def __init__(self, buf: _RowBuffer, text_column: str):
        self.buf = buf
        self.text_column = text_column
        self.block = JSON_BLOCK
        self.table: pa.Table | None = None  # the block just parsed, with __file and __line
        self.sizes = None  # its texts' UTF-8 bytes (numpy)
        self.block_lines = 0
        self.pending: list[pa.Table] = []  # the rows of the batch being built, if Arrow's
        self.pending_rows = 0
        self.pending_bytes = 0
        try:  # (None: the rest of the shard is read line by line)
            self.file_bytes = buf.file.encode("utf-8")
        except UnicodeEncodeError:  # (a path from undecodable bytes)
            self.file_bytes = None

    def lines(self, shard: Shard) -> Iterator[bytes | None]:
        """_jsonl_lines(shard), except that a block of lines Arrow read gives None (its table
        in self.table) instead of its lines. The blocks are read into one buffer, reused (a
        fresh 4 MB bytes object a block was page-faulted in afresh: ~2 ms a block); Arrow's
        table does not point into it."""
        with open(shard.path, "rb") as f:
            f.seek(shard.start)
            remaining = -1 if shard.end < 0 else shard.end - shard.start
            if shard.start == 0 and _skip_bom(f) and remaining > 0:
                remaining -= len(BOM)
            # (a buffer a shard before this one left: its pages are faulted in already)
            try:  # (pop, not a test and a pop: another thread may take it between them)
                buf = _JSON_BUFFERS.pop()
            except IndexError:
                buf = bytearray(self.block)
            if len(buf) != self.block:
                buf = bytearray(self.block)
            view = memoryview(buf)
            have = 0  # bytes at the buffer's start: a line that ran past the last block
            while remaining:
                if have == len(buf):  # a line longer than the buffer: a larger one
                    buf = bytearray(2 * len(buf))
                    buf[:have] = view
                    view = memoryview(buf)
                room = len(buf) - have
                got = f.readinto(
                    view[have : have + (room if remaining < 0 else min(room, remaining))]
                )
                if not got:
                    break
                if remaining > 0:
                    remaining -= got
                size = have + got
                end = buf.rfind(b"\n", have, size)  # (the bytes before have hold none)
                if end < 0:
                    have = size
                    continue
                if self._parse(buf, view, end + 1):
                    yield None
                else:
                    lines = bytes(view[:end]).split(b"\n")
                    for raw in lines:
                        yield raw.rstrip(b"\r")
                have = size - end - 1
                view[:have] = view[end + 1 : size]
            if have:
                yield bytes(view[:have]).rstrip(b"\r")
            if len(buf) == self.block and not _JSON_BUFFERS:
                _JSON_BUFFERS.append(buf)

    def _parse(self, buf: bytearray, view: memoryview, size: int) -> bool:
        """Whether Arrow read the block buf[:size] (whole lines, the last ending with a newline)
        as the line-by-line parse would (the class's conditions); its table in self.table."""
        import numpy as np
        import pyarrow.json as pj

        if (
            self.file_bytes is None
            or size * len(self.file_bytes) >= 1 << 31
            or size < 3
            or buf[0] != 0x7B
            or buf[size - 2] != 0x7D
        ):
            return False
        # the first line tells (one orjson parse, a few us) whether the shard's rows are of the
        # kind the fast path takes: if not, the rest of the shard is read line by line without
        # an Arrow parse a block (~7 ms of 4 MB) thrown away
        loads, decode_error = _loads()
        try:
            first = loads(bytes(view[: buf.find(b"\n", 0, size)]))
        except (decode_error, ValueError, RecursionError):
            return False  # (a line orjson cannot read: this block line by line)
        if not (
            isinstance(first, dict)
            and 0 < len(first) <= 2
            and isinstance(first.get(self.text_column), str)
            and all(isinstance(v, str) for v in first.values())
            and FILE_COL not in first
            and LINE_COL not in first
        ):
            self.file_bytes = None
            return False
        # every line "{...}": the first starts with "{", and every newline has "}" before it
        # and (but the last) "{" after it; in numpy (bytes.count of a newline alone cost
        # twice as much)
        data = np.frombuffer(buf, dtype=np.uint8, count=size)
        newline = np.flatnonzero(data == 0x0A)
        starts = newline[:-1] + 1
        if (data[newline - 1] != 0x7D).any() or (data[starts] != 0x7B).any():
            return False
        n = len(newline)
        try:
            table = pj.read_json(
                pa.BufferReader(pa.py_buffer(view[:size])),
                read_options=pj.ReadOptions(use_threads=False, block_size=size + 1),
            )
            # Arrow's JSON parser does not check the UTF-8 of strings (orjson does): the
            # columns' full validation does (~0.3 ms a 4 MB block), the names' decoding too
            table.validate(full=True)
            names = table.column_names
        except (pa.ArrowException, ValueError):  # (UnicodeDecodeError is a ValueError)
            return False
        if table.num_rows != n:
            return False
        if (
            self.text_column not in names
            or FILE_COL in names
            or LINE_COL in names
            or table.schema.metadata
            or any(f.type != pa.string() for f in table.schema)
            or any(c.null_count for c in table.columns)
            or len(names) > 2
        ):
            # columns the fast path does not take: the shard's other blocks likely have them
            # too, and parsing each twice would cost more than the line-by-line parse alone
            self.file_bytes = None
            return False
        if len(names) == 2:
            # the rows' keys in one order (from_pylist takes a batch's columns from its first
            # row's keys): every line starts with the first line's first key, written alike
            key_end = buf.find(b'"', 2, size)
            if buf[1] != 0x22 or key_end < 0:
                return False
            prefix = data[: key_end + 1]
            if (prefix == 0x5C).any() or (starts + len(prefix) > size).any():
                return False
            if (data[starts[:, None] + np.arange(len(prefix))] != prefix).any():
                return False
        self.table = table.combine_chunks()
        # the texts' UTF-8 bytes from the string offsets (to_numpy imports pandas: ~0.4 CPU s
        # a process)
        text = self.table.column(self.text_column).chunk(0)
        offsets = np.frombuffer(text.buffers()[1], dtype=np.int32, count=text.offset + n + 1)
        self.sizes = np.diff(offsets[text.offset :]).astype(np.int64)
        self.block_lines = n
        return True

    def batches(self, line_no: int) -> Iterator[tuple[pa.Table | None, list[Unreadable]]]:
        """The batches the parsed block's rows (its first on line line_no) complete, as
        _RowBuffer would cut them; the rest wait in self.pending (or in the buffer's Python
        rows, if they hold the batch's first rows)."""
        import numpy as np

        buf, limit = self.buf, self.buf.limit
        n = self.block_lines
        # __file and __line built from their buffers (pa.array of Python objects or of numpy
        # imports pandas: ~0.4 CPU s a process that would not import it otherwise)
        name = self.file_bytes
        files = pa.StringArray.from_buffers(
            n,
            pa.py_buffer(np.arange(n + 1, dtype=np.int32) * np.int32(len(name))),
            pa.py_buffer(name * n),
        )
        lines = numbers(np.arange(line_no, line_no + n, dtype=np.int64))
        table = self.table.append_column(pa.field(FILE_COL, pa.string()), files).append_column(
            pa.field(LINE_COL, pa.int64()), lines
        )
        sizes = self.sizes
        self.table = self.sizes = None
        if self.pending and table.schema != self.pending[0].schema:
            self.to_python()  # other columns, or in another order: a batch of Python rows
        start = 0
        while start < n:
            python = bool(buf.rows)  # the batch so far is Python rows: these join them
            have_rows = len(buf.rows) if python else self.pending_rows
            have_bytes = buf.nbytes if python else self.pending_bytes
            total = np.cumsum(sizes[start:]) + have_bytes
            # the first row that fills the batch (_RowBuffer.full after adding it), if any
            end = min(
                limit.rows - have_rows - 1,
                int(np.searchsorted(total, limit.nbytes, side="left")),
            )
            end = max(end, 0)
            if end >= n - start:  # none: the rows wait for the next ones
                part = table.slice(start)
                if python:
                    buf.rows.extend(part.to_pylist())
                    buf.nbytes = int(total[-1])
                else:
                    self.pending.append(part)
                    self.pending_rows += n - start
                    self.pending_bytes = int(total[-1])
                return
            part = table.slice(start, end + 1)
            if python:
                buf.rows.extend(part.to_pylist())
                buf.nbytes = int(total[end])
                yield buf.flush()
            else:
                self.pending.append(part)
                yield self.flush()
            start += end + 1

    def flush(self) -> tuple[pa.Table, list[Unreadable]]:
        """The batch of the pending rows (and the unreadable lines met meanwhile)."""
        table = self.pending[0] if len(self.pending) == 1 else pa.concat_tables(self.pending)
        out = (table.combine_chunks(), self.buf.bad)
        self.buf.bad = []
        self.pending, self.pending_rows, self.pending_bytes = [], 0, 0
        return out

    def to_python(self) -> None:
        """The pending rows become the buffer's Python rows (a row parsed by orjson joins the
        batch): the dicts orjson would have given, with __file and __line."""
        table = self.pending[0] if len(self.pending) == 1 else pa.concat_tables(self.pending)
        self.buf.rows = table.to_pylist()
        self.buf.nbytes = self.pending_bytes
        self.pending, self.pending_rows, self.pending_bytes = [], 0, 0


# A UTF-8 byte order mark: Excel ("CSV UTF-8") and Windows editors start a file with it. It is no
# part of the data: a file's first row or column name would carry it (and JSON rejects it).
BOM = b"\xef\xbb\xbf"


def _skip_bom(f) -> bool:
    """Whether a file open at its start begins with a byte order mark; f is left after it, if so,
    else at its start."""
    if f.read(len(BOM)) == BOM:
        return True
    f.seek(0)
    return False


def _without_bom(raw: bytes) -> bytes:
    return raw[len(BOM) :] if raw.startswith(BOM) else raw


def _jsonl_lines(shard: Shard) -> Iterator[bytes]:
    if shard.kind == "jsonl.gz":
        with gzip.open(shard.path, "rb") as f:
            _skip_bom(f)
            for raw in f:
                yield raw.rstrip(b"\r\n")
        return
    # blocks split into lines: a third of the CPU of a readline per line
    with open(shard.path, "rb") as f:
        f.seek(shard.start)
        remaining = -1 if shard.end < 0 else shard.end - shard.start
        if shard.start == 0 and _skip_bom(f) and remaining > 0:
            remaining -= len(BOM)
        pending: list[bytes] = []  # the start of a line that runs past the block
        while remaining:
            block = f.read(READ_BLOCK if remaining < 0 else min(READ_BLOCK, remaining))
            if not block:
                break
            if remaining > 0:
                remaining -= len(block)
            if b"\n" not in block:  # a line longer than a block
                pending.append(block)
                continue
            lines = block.split(b"\n")
            if pending:
                lines[0] = b"".join([*pending, lines[0]])
            pending = [lines.pop()]
            for raw in lines:
                yield raw.rstrip(b"\r")
        last = b"".join(pending)
        if last:
            yield last.rstrip(b"\r")


def _json_records(data: Any, text_column: str) -> list[Any]:
    """The records of a .json file's value: an array's elements, the list in a wrapper object
    ({"data": [...]} and similar) or the value itself."""
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        data = lists[0] if len(lists) == 1 and text_column not in data else [data]
    return data if isinstance(data, list) else [data]


def _read_json(shard: Shard, text_column: str, limit: _Limit):
    buf = _RowBuffer(shard, text_column, limit)
    try:
        data = json.loads(_without_bom(Path(shard.path).read_bytes()).decode("utf-8"))
    except UnicodeDecodeError as e:
        buf.bad.append(Unreadable(shard.path, None, f"invalid UTF-8 at byte {e.start}"))
        yield buf.flush()
        return
    except ValueError as e:
        if "Extra data" in str(e):  # JSON lines saved as .json
            yield from _read_jsonl(Shard("jsonl", shard.path), text_column, limit)
            return
        buf.bad.append(
            Unreadable(shard.path, getattr(e, "lineno", None), f"broken JSON ({_short(e)})")
        )
        yield buf.flush()
        return
    for i, obj in enumerate(_json_records(data, text_column), start=1):
        buf.add(obj, i)
        if buf.full():
            yield buf.flush()
    yield buf.flush()


def _read_csv(shard: Shard, text_column: str, limit: _Limit):
    csv.field_size_limit(2**31 - 1)
    buf = _RowBuffer(shard, text_column, limit)
    with open(shard.path, "rb") as fb:
        raw = _without_bom(fb.read())
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError:
        content = None
    if content is None:
        # decode line by line so one bad line does not lose the file
        lines = raw.split(b"\n")
        good = []
        for i, ln in enumerate(lines, start=1):
            try:
                good.append(ln.decode("utf-8"))
            except UnicodeDecodeError as e:
                buf.bad.append(Unreadable(shard.path, i, f"invalid UTF-8 at byte {e.start}"))
                good.append("")
        content = "\n".join(good)
    reader = csv.reader(content.splitlines(keepends=True))
    try:
        header = next(reader)
    except StopIteration:
        yield buf.flush()
        return
    start = reader.line_num + 1
    try:
        for row in reader:
            if not row or row == [""]:
                start = reader.line_num + 1
                continue
            if len(row) != len(header):
                buf.bad.append(
                    Unreadable(
                        shard.path, start, f"{len(row)} fields where the header has {len(header)}"
                    )
                )
            else:
                buf.add(dict(zip(header, row, strict=True)), start)
            start = reader.line_num + 1
            if buf.full():
                yield buf.flush()
    except csv.Error as e:
        buf.bad.append(
            Unreadable(shard.path, start, f"broken CSV, the rest is unreadable ({_short(e)})")
        )
    yield buf.flush()


def _read_txt(shard: Shard, text_column: str, limit: _Limit):
    buf = _RowBuffer(shard, text_column, limit)
    for p in shard.paths:
        try:
            raw = Path(p).read_bytes()
            text = _without_bom(raw).decode("utf-8")
        except UnicodeDecodeError as e:
            at = e.start + len(raw) - len(_without_bom(raw))  # (in the file, its BOM included)
            line = raw[:at].count(b"\n") + 1
            buf.bad.append(Unreadable(p, line, f"invalid UTF-8 at byte {at}"))
            continue
        except OSError as e:
            buf.bad.append(Unreadable(p, None, f"cannot read ({_short(e)})"))
            continue
        buf.add({"id": Path(p).name, text_column: text}, 1, file=p)
        if buf.full():
            yield buf.flush()
    yield buf.flush()


def _table_rows(shard: Shard, table: pa.Table, text_column: str, first_row: int):
    """Arrow input: rows whose text is null or not a string are unreadable, the rest pass."""
    import pyarrow.compute as pc

    n = table.num_rows
    col = table.column(text_column)
    if _is_text(col.type) and not (
        pa.types.is_string(col.type) or pa.types.is_large_string(col.type)
    ):
        col = col.cast(pa.large_string())  # a dictionary or views of text: the same strings
        table = table.set_column(table.schema.get_field_index(text_column), text_column, col)
    bad: list[Unreadable] = []
    if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
        if pa.types.is_null(col.type) or not pa.types.is_string(col.type):
            bad = [
                Unreadable(
                    shard.path,
                    first_row + i,
                    f"text column {text_column!r} is {col.type}, not text",
                )
                for i in range(n)
            ]
            return None, bad
    nulls = pc.is_null(col)
    if pc.any(nulls).as_py():
        idx = [i for i, v in enumerate(nulls.to_pylist()) if v]
        bad = [
            Unreadable(shard.path, first_row + i, f"text column {text_column!r} is null")
            for i in idx
        ]
        table = table.filter(pc.invert(nulls))
        rows = [first_row + i for i in range(n) if i not in set(idx)]
    else:
        rows = list(range(first_row, first_row + n))
    table = table.append_column(FILE_COL, pa.array([shard.path] * table.num_rows, pa.string()))
    table = table.append_column(LINE_COL, pa.array(rows, pa.int64()))
    return table, bad


def _read_parquet(shard: Shard, text_column: str, limit: _Limit):
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(shard.path)
    groups = list(range(shard.start, shard.end if shard.end >= 0 else pf.metadata.num_row_groups))
    row = shard.first_line
    try:
        for rb in pf.iter_batches(batch_size=limit.rows, row_groups=groups):
            for off, length in limit.cuts(rb.column(text_column)):
                part = pa.Table.from_batches([rb.slice(off, length)])
                yield _table_rows(shard, part, text_column, row)
                row += length
    except (pa.ArrowException, OSError) as e:
        yield (
            None,
            [Unreadable(shard.path, row, f"corrupt parquet, the rest is unreadable ({_short(e)})")],
        )


def _read_arrow(shard: Shard, text_column: str, limit: _Limit):
    row = shard.first_line
    with pa.memory_map(shard.path) as src:
        reader = pa.ipc.open_stream(src)
        for rb in reader:
            for off, length in limit.cuts(rb.column(text_column)):
                part = pa.Table.from_batches([rb.slice(off, length)])
                yield _table_rows(shard, part, text_column, row)
                row += length
