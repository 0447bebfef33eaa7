"""Writers: the shards' part files assembled into the output formats.

`hf` (default): a `datasets.DatasetDict` with splits `train` and `rejected`, written by
`save_to_disk`. `parquet` and `jsonl`: `train.*` and `rejected.*` files with the same rows.
Parts are read one at a time, so memory does not grow with the corpus.
"""

from __future__ import annotations

import math
from pathlib import Path

import pyarrow as pa

SPLITS = ("train", "rejected")
FORMATS = ("hf", "parquet", "jsonl")
MAX_SHARD_BYTES = 500 * 1024 * 1024


def _read_part(path: str) -> pa.Table:
    with pa.memory_map(path) as src:
        return pa.ipc.open_stream(src).read_all()


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
    import datasets

    datasets.disable_progress_bars()  # ours is the progress bar; datasets' would print per split
    # the conformed parts go to a staging folder datasets can memory-map (Dataset.from_file),
    # then save_to_disk writes the final shards; num_shards is always given: datasets writes an
    # empty split with no data file otherwise, and load_from_disk then fails
    stage = out_dir.parent / (out_dir.name + ".stage")
    stage.mkdir()
    splits = {}
    counts = {}
    try:
        for split, paths in part_paths.items():
            files = []
            for i, t in enumerate(_tables(paths, schema)):
                f = stage / f"{split}-{i:06d}.arrow"
                with pa.OSFile(str(f), "wb") as sink, pa.ipc.new_stream(sink, schema) as w:
                    w.write_table(t)
                files.append(str(f))
            if files:
                ds = datasets.concatenate_datasets([datasets.Dataset.from_file(f) for f in files])
            else:
                ds = datasets.Dataset(pa.Table.from_batches([], schema=schema))
            splits[split] = ds
            counts[split] = len(ds)
        dd = datasets.DatasetDict(splits)
        num_shards = {
            s: max(1, math.ceil((d.data.nbytes or 0) / MAX_SHARD_BYTES)) for s, d in splits.items()
        }
        dd.save_to_disk(str(out_dir), num_shards=num_shards)
    finally:
        import shutil

        del splits
        shutil.rmtree(stage, ignore_errors=True)
    return counts
