"""Writers: the shards' part files assembled into the output formats.

`hf` (default): a `datasets.DatasetDict` with splits `train` and `rejected`, the folder
`save_to_disk` writes (its metadata files written here, without importing datasets, for the
versions and column types hf_features knows). `parquet` and `jsonl`: `train.*` and
`rejected.*` files with the same rows. Parts are read one at a time, so memory does not grow with
the corpus.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pyarrow as pa

SPLITS = ("train", "rejected")
FORMATS = ("hf", "parquet", "jsonl")
MAX_SHARD_BYTES = 500 * 1024 * 1024


def _read_part(path: str) -> pa.Table:
    with pa.memory_map(path) as src:
        return pa.ipc.open_stream(src).read_all()


def _part_rows(path: str) -> int:
    with pa.memory_map(path) as src:  # reads the batches' headers; the pages of text stay unread
        return sum(b.num_rows for b in pa.ipc.open_stream(src))


def _part_schema(path: str) -> pa.Schema | None:
    with pa.memory_map(path) as src:
        schema = pa.ipc.open_stream(src).schema
    return schema if len(schema) else None


def _normalise_type(t: pa.DataType) -> pa.DataType:
    """Plain string/list types: the same schema for every part whatever polars chose."""
    if pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return pa.string()
    if pa.types.is_large_list(t) or pa.types.is_list_view(t):
        return pa.list_(_normalise_type(t.value_type))
    if pa.types.is_list(t):
        return pa.list_(_normalise_type(t.value_type))
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, _normalise_type(f.type)) for f in t])
    return t


def normal_schema(schema: pa.Schema) -> pa.Schema:
    """The schema with every type normalised (_normalise_type), names and metadata kept."""
    return pa.schema(
        [pa.field(f.name, _normalise_type(f.type), f.nullable, f.metadata) for f in schema],
        metadata=schema.metadata,
    )


def normal_types(table: pa.Table) -> pa.Table:
    """An Arrow table of polars' in the normalised types (normal_schema: string for large_string,
    list for large_list). The part writer writes its parts in them, so that _append_batches
    copies a part into the output as it is and the text is cast once, per batch, not when the
    output is assembled."""
    given = table.schema
    schema, cast = _normal_plan(given)
    if schema is None:
        return table
    # only the columns whose type changes are cast (a Table.cast casts every column: 1.5x)
    columns = table.columns
    for i in cast:
        columns[i] = columns[i].cast(schema.field(i).type)
    return pa.Table.from_arrays(columns, schema=schema)


# schema -> (that schema, its normal_schema or None when normal_schema(schema) == schema, the
# columns whose type changes): every batch of a run has the schema of the one before, and
# normal_schema walks each field's type in Python (~0.08 ms a table of 59 columns, two tables a
# batch). A hit must be the very schema, metadata included (pa.Schema's == and hash leave field
# metadata out, which normal_schema keeps). Bounded: a run meets a few schemas.
_NORMAL_PLANS: dict[pa.Schema, tuple[pa.Schema, pa.Schema | None, list[int]]] = {}


def _normal_plan(given: pa.Schema) -> tuple[pa.Schema | None, list[int]]:
    plan = _NORMAL_PLANS.get(given)
    if plan is None or not plan[0].equals(given, check_metadata=True):
        schema = normal_schema(given)
        if schema == given:
            plan = (given, None, [])
        else:
            cast = [i for i, f in enumerate(schema) if given.field(i).type != f.type]
            plan = (given, schema, cast)
        if len(_NORMAL_PLANS) >= 64:
            _NORMAL_PLANS.clear()
        _NORMAL_PLANS[given] = plan
    return plan[1], plan[2]


def unified_schema(paths: list[str], text_column: str) -> pa.Schema:
    schemas = [s for s in (_part_schema(p) for p in paths) if s is not None]
    if not schemas:
        return pa.schema(
            [
                (text_column, pa.string()),
                ("curate_flags", pa.list_(pa.string())),
                ("curate_dropped_by", pa.list_(pa.string())),
            ]
        )
    normal = [pa.schema([pa.field(f.name, _normalise_type(f.type)) for f in s]) for s in schemas]
    return pa.unify_schemas(normal, promote_options="permissive")


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    cols = []
    for f in schema:
        if f.name in table.column_names:
            col = table.column(f.name)
            cols.append(col if col.type == f.type else col.cast(f.type))
        else:
            cols.append(pa.nulls(table.num_rows, f.type))
    return pa.Table.from_arrays(cols, schema=schema)


def write_output(prefixes: list[str], out_dir: Path, fmt: str, text_column: str) -> dict[str, int]:
    """Assemble the parts into out_dir (which must not exist yet). Returns rows per split."""
    out_dir.mkdir(parents=True)
    part_paths = {s: [f"{p}.{s}.arrow" for p in prefixes] for s in SPLITS}
    schema = unified_schema(part_paths["train"] + part_paths["rejected"], text_column)
    counts = {}
    if fmt == "hf":
        counts = _write_hf(part_paths, out_dir, schema)
    else:
        for split in SPLITS:
            counts[split] = _write_files(part_paths[split], out_dir / f"{split}.{fmt}", schema, fmt)
    return counts


def _tables(paths: list[str], schema: pa.Schema):
    for p in paths:
        t = _read_part(p)
        if t.num_rows:
            yield _conform(t, schema)


def _write_files(paths: list[str], target: Path, schema: pa.Schema, fmt: str) -> int:
    n = 0
    if fmt == "parquet":
        import pyarrow.parquet as pq

        with pq.ParquetWriter(target, schema) as w:
            for t in _tables(paths, schema):
                w.write_table(t)
                n += t.num_rows
        return n
    import polars as pl

    with open(target, "wb") as f:
        for t in _tables(paths, schema):
            pl.from_arrow(t).write_ndjson(f)
            n += t.num_rows
    return n


def _write_hf(part_paths: dict[str, list[str]], out_dir: Path, schema: pa.Schema) -> dict[str, int]:
    """A `save_to_disk` folder, streamed: the metadata files first (_hf_skeleton), then every part
    appended to the split's Arrow files one at a time. Memory stays at one part, whatever the
    corpus size; staging the parts and concatenating datasets kept every page of the output
    mapped."""
    import xxhash

    hf_schema, states = _hf_skeleton(list(part_paths), out_dir, schema)
    counts = {}
    for split, paths in part_paths.items():
        folder = out_dir / split
        state = states[split]
        paths = [p for p in paths if _part_rows(p)]
        total = sum(os.path.getsize(p) for p in paths)
        # a part is never split across data files
        num = max(1, min(len(paths), math.ceil(total / MAX_SHARD_BYTES)))
        per_shard = total / num
        names = [f"data-{i:05d}-of-{num:05d}.arrow" for i in range(num)]
        h = xxhash.xxh64(hf_schema.to_string().encode())
        # every data file: the schema message, the parts' record batch messages, end of stream
        header = hf_schema.serialize()
        n, shard, written, out = 0, 0, 0, None
        try:
            for path in paths:
                # the next shard starts once this one has its share of the parts' bytes
                while out is not None and written >= per_shard * (shard + 1) and shard < num - 1:
                    _write_all(out, _EOS)
                    out.close()
                    out = None
                    shard += 1
                if out is None:
                    # unbuffered: the parts' bytes are copied below Python, at the file's end
                    out = open(folder / (names[shard] + ".tmp"), "wb", buffering=0)
                    _write_all(out, header)
                n_rows = _append_batches(out, path, schema, hf_schema, len(header))
                written += os.path.getsize(path)
                n += n_rows
                h.update(f"{path}:{n_rows}\n".encode())
        finally:
            if out is not None:
                _write_all(out, _EOS)
                out.close()
        for name in names:
            tmp = folder / (name + ".tmp")
            if tmp.exists():
                os.replace(tmp, folder / name)
            else:  # a shard no part reached (or an empty split): an empty file with the schema
                with (
                    pa.OSFile(str(folder / name), "wb") as sink,
                    pa.ipc.new_stream(sink, hf_schema),
                ):
                    pass
        state["_data_files"] = [{"filename": name} for name in names]
        state["_fingerprint"] = h.hexdigest()
        # as datasets writes it (Dataset.save_to_disk)
        (folder / "state.json").write_text(json.dumps(state, indent=2, sort_keys=True))
        counts[split] = n
    return counts


# the `datasets` major versions whose save_to_disk metadata _hf_skeleton writes itself: 4.0 made
# a list feature {"feature": ..., "_type": "List"} (3.x: "Sequence", and a list of structs a JSON
# list); tests/io/test_hf_metadata.py compares the files with the installed version's own
HF_OWN_METADATA = (4, 5)

# datasets' dtype names (features.Value) of the Arrow types whose name in Arrow differs or does
# not take parameters; timestamp, duration, time and decimal types are named as Arrow names them
_HF_DTYPES = {
    pa.null(): "null",
    pa.bool_(): "bool",
    **{getattr(pa, t)(): t for t in ("int8", "int16", "int32", "int64", "string", "binary")},
    **{getattr(pa, t)(): t for t in ("uint8", "uint16", "uint32", "uint64", "large_binary")},
    pa.float16(): "float16",
    pa.float32(): "float32",
    pa.float64(): "float64",
    pa.date32(): "date32",
    pa.date64(): "date64",
}


def hf_features(t: pa.DataType) -> dict | None:
    """The `datasets` features of a column of Arrow type t, as `Features.to_dict` writes them
    (datasets 4.x and 5.x: HF_OWN_METADATA), or None for a type outside this mapping. A type is
    mapped only where the features give back t exactly (datasets' own Arrow type for them: list
    items named "item", every field nullable, no field metadata), so the data files hold the
    schema datasets would write."""
    if pa.types.is_struct(t):
        fields = [t.field(i) for i in range(t.num_fields)]
        if any(not f.nullable or f.metadata for f in fields):
            return None
        features = {f.name: hf_features(f.type) for f in fields}
        return None if None in features.values() else features
    if pa.types.is_list(t) or pa.types.is_fixed_size_list(t):
        item = t.value_field
        feature = hf_features(item.type)
        if feature is None or item.name != "item" or not item.nullable or item.metadata:
            return None
        length = {"length": t.list_size} if pa.types.is_fixed_size_list(t) else {}
        return {"feature": feature, **length, "_type": "List"}
    if t in _HF_DTYPES:
        dtype = _HF_DTYPES[t]
    elif pa.types.is_timestamp(t) or pa.types.is_duration(t) or pa.types.is_time(t):
        dtype = str(t)  # "timestamp[us, tz=UTC]", "duration[ms]", "time64[ns]"
    elif pa.types.is_decimal128(t) or pa.types.is_decimal256(t):
        dtype = str(t)  # "decimal128(10, 2)"
    else:
        return None
    return {"dtype": dtype, "_type": "Value"}


def _datasets_major() -> int | None:
    """The installed datasets' major version, read without importing it (~0.75 CPU s)."""
    from importlib import metadata

    try:
        return int(metadata.version("datasets").split(".")[0])
    except (metadata.PackageNotFoundError, ValueError):
        return None


def hf_needs_datasets() -> bool:
    """Whether the hf writer will import datasets: for a datasets version whose metadata it does
    not write itself (HF_OWN_METADATA). A column type outside hf_features' mapping takes datasets
    too, but that is known only once the parts are written."""
    return _datasets_major() not in HF_OWN_METADATA


def _hf_skeleton(
    splits: list[str], out_dir: Path, schema: pa.Schema
) -> tuple[pa.Schema, dict[str, dict]]:
    """Write the metadata files of a save_to_disk folder with these splits (dataset_dict.json,
    each split's dataset_info.json) and return the data files' schema (schema with the features
    as its "huggingface" metadata) and each split's state.json content (its data files and
    fingerprint to fill in).

    They are the bytes `DatasetDict.save_to_disk` writes for an empty dataset of this schema,
    written here for the datasets versions and column types hf_features knows; anything else
    asks datasets itself (_hf_skeleton_by_datasets), whose import is ~3 % of a 200,000-document
    run's CPU and half of a small one's."""
    features = {f.name: hf_features(f.type) for f in schema}
    known = all(f.nullable and not f.metadata for f in schema) and None not in features.values()
    if not known or hf_needs_datasets():
        return _hf_skeleton_by_datasets(splits, out_dir, schema)
    # as datasets writes them: DatasetDict.save_to_disk, Dataset.save_to_disk (the info's
    # non-default fields, first-level keys sorted) and Features.arrow_schema
    (out_dir / "dataset_dict.json").write_text(json.dumps({"splits": splits}))
    info = {"citation": "", "description": "", "features": features, "homepage": "", "license": ""}
    state = {
        "_data_files": [],
        "_fingerprint": None,
        "_format_columns": None,
        "_format_kwargs": {},
        "_format_type": None,
        "_output_all_columns": False,
        "_split": None,
    }
    for split in splits:
        (out_dir / split).mkdir()
        (out_dir / split / "dataset_info.json").write_text(json.dumps(info, indent=2))
    hf_schema = pa.schema(
        [pa.field(f.name, f.type) for f in schema],
        metadata={"huggingface": json.dumps({"info": {"features": features}})},
    )
    return hf_schema, {split: dict(state) for split in splits}


def _hf_skeleton_by_datasets(
    splits: list[str], out_dir: Path, schema: pa.Schema
) -> tuple[pa.Schema, dict[str, dict]]:
    """_hf_skeleton through datasets: it writes an empty DatasetDict with the schema; the schema
    of its (empty) data files and its state.json are kept, the data files removed."""
    import datasets

    datasets.disable_progress_bars()  # ours is the progress bar; datasets' would print per split
    # (empty_table: a column of one empty chunk; datasets cannot cast a column of none to its
    # features when the type changes, a dictionary to its values' type)
    empty = {s: datasets.Dataset(schema.empty_table()) for s in splits}
    # num_shards is always given: datasets writes an empty split with no data file otherwise, and
    # load_from_disk then fails
    datasets.DatasetDict(empty).save_to_disk(str(out_dir), num_shards=dict.fromkeys(empty, 1))
    del empty
    states, hf_schema = {}, None
    for split in splits:
        folder = out_dir / split
        states[split] = json.loads((folder / "state.json").read_text())
        (template,) = [f["filename"] for f in states[split]["_data_files"]]
        with pa.memory_map(str(folder / template)) as src:
            hf_schema = pa.ipc.open_stream(src).schema  # with datasets' feature metadata
        os.remove(folder / template)
    return hf_schema, states


# the end-of-stream marker a stream writer closes an Arrow IPC stream with
_EOS = b"\xff\xff\xff\xff\x00\x00\x00\x00"


def _append_batches(
    out, path: str, schema: pa.Schema, hf_schema: pa.Schema, header_bytes: int
) -> int:
    """Append the record batches of the part file at `path` to `out`, an Arrow IPC stream of
    hf_schema being written (its schema message written), as the stream writer would write
    `_conform(part, schema)` cast to hf_schema; returns the part's rows.

    A part whose columns and types are already hf_schema's (the part writer writes the
    normalised types: the usual case) is copied byte for byte, in the kernel: a record batch
    message holds no schema, only the buffers the writer would write again from the same arrays
    (~0.4 CPU s of a 200,000-document run: no mapping, cast or copy of every byte through
    Python). Any other part is converted and serialised as before.
    tests/io/test_writers.py compares the files with those a stream writer writes."""
    with pa.memory_map(path) as src:
        reader = pa.ipc.open_stream(src)
        same = reader.schema.remove_metadata() == hf_schema.remove_metadata()
        rows = sum(b.num_rows for b in reader)  # (the batches' headers: no page of data read)
        if same:
            src.seek(0)
            pa.ipc.read_message(src)  # the part's schema message
            start, end = src.tell(), src.size()
            src.seek(max(start, end - len(_EOS)))
            if src.read() == _EOS:
                end -= len(_EOS)
    if same:
        with open(path, "rb") as f:
            _copy_range(f, out, start, end - start)
        return rows
    t = _conform(_read_part(path), schema)
    if t.schema.remove_metadata() == hf_schema.remove_metadata():
        t = pa.Table.from_arrays(t.columns, schema=hf_schema)
    else:
        t = t.cast(hf_schema)
    buf = pa.BufferOutputStream()
    with pa.ipc.new_stream(buf, hf_schema) as writer:
        writer.write_table(t)
    _write_all(out, memoryview(buf.getvalue())[header_bytes : -len(_EOS)])
    return rows


def _write_all(out, data) -> None:
    """Write every byte of data to the unbuffered file out."""
    view = memoryview(data).cast("B")
    while len(view):
        view = view[out.write(view) :]


def _copy_range(src, dst, offset: int, count: int) -> None:
    """count bytes of the file src from offset to the end of the unbuffered file dst, by
    copy_file_range where the system has it, else read and written in blocks."""
    try:
        while count > 0:
            done = os.copy_file_range(src.fileno(), dst.fileno(), count, offset)
            if done <= 0:
                break
            offset += done
            count -= done
    except (AttributeError, OSError):  # no copy_file_range, or not between these files
        pass
    src.seek(offset)
    while count > 0:
        block = src.read(min(count, 1 << 20))
        if not block:
            raise OSError(f"{src.name}: ends before the bytes its batches announce")
        _write_all(dst, block)
        count -= len(block)
