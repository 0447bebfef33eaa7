"""The Python API: the same engine on in-memory data (`datasets.Dataset`/`DatasetDict`,
`polars.DataFrame`, `pyarrow.Table`).

    import curate
    cleaned = curate.clean(dataset, "default")  # DatasetDict(train, rejected, unreadable)
    report = curate.evaluate(df, "web")                     # the report.json dict
    passed, gates = curate.check(df, "my_rules.yaml")
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from curate.config import RuleSet, load_ruleset
from curate.engine import RunResult, collect_batches, process_batches
from curate.gate import GateResult, evaluate_gates
from curate.io.readers import BATCH_BYTES, BATCH_ROWS, Unreadable
from curate.stats import RunStats

# A batch of in-memory data ends at BATCH_ROWS rows or BATCH_BYTES bytes of text, as one a run
# reads from files (curate/io/readers.py says why: the bytes, not the rows, set the peak memory).


def _ruleset(rules: str | Path | dict | RuleSet, text_column: str | None) -> RuleSet:
    rs = rules if isinstance(rules, RuleSet) else load_ruleset(rules)
    return rs.with_overrides(text_column=text_column)


def _to_arrow(data: Any):
    import pyarrow as pa

    if isinstance(data, pa.Table):
        return data
    if hasattr(data, "to_arrow") and hasattr(data, "height"):  # polars.DataFrame
        return data.to_arrow()
    if hasattr(data, "data") and hasattr(data, "features"):  # datasets.Dataset
        # a selected/shuffled/filtered Dataset is a view (an indices mapping) over its table
        return data.with_format("arrow")[:]
    raise TypeError(
        f"expected a datasets.Dataset, polars.DataFrame or pyarrow.Table, got {type(data).__name__}"
    )


def _batches(table, text_column: str):
    import pyarrow as pa

    from curate.io.readers import FILE_COL, LINE_COL, Shard, _Limit, _table_rows

    if text_column not in table.column_names:
        raise KeyError(f"no column {text_column!r} (columns: {', '.join(table.column_names)})")
    shard = Shard("memory", "<memory>")
    # the same cuts as the reader of an Arrow record batch: evened out, within 1.5x of the bytes
    for off, length in _Limit(BATCH_ROWS, BATCH_BYTES).cuts(table.column(text_column)):
        part = table.slice(off, length)
        part = part.drop_columns([c for c in (FILE_COL, LINE_COL) if c in part.column_names])
        if part.num_rows == 0:
            continue
        yield _table_rows(shard, pa.table(part), text_column, off + 1)


def _run(data: Any, rs: RuleSet, keep_rows: bool):
    """(kept frames, rejected frames, statistics, the Arrow table read, its unreadable rows)."""
    table = _to_arrow(data)
    corpus: dict[str, Any] = {}
    corpus_rules = [r for r in rs.build() if r.needs_corpus]
    if corpus_rules:
        aggs = collect_batches(rs, (t for t, _ in _batches(table, rs.text_column)))
        corpus = {r.name: r.finish(aggs[r.name]) for r in corpus_rules}
    unreadable: list[Unreadable] = []  # every one (the statistics list at most 1,000)

    def batches():
        for part, bad in _batches(table, rs.text_column):
            unreadable.extend(bad)
            yield part, bad

    kept, rejected, stats = process_batches(rs, batches(), corpus, keep_rows)
    for r in corpus_rules:
        stats.corpus[r.name] = r.corpus_summary(corpus.get(r.name))
    return kept, rejected, stats, table, unreadable


def _unreadable_frame(table, unreadable: list[Unreadable]):
    """The unreadable rows as the caller gave them, with `curate_unreadable` (the reason, as
    report.json words it) and `curate_row` (the 1-based row number, report.json's `line`)."""
    import polars as pl
    import pyarrow as pa

    from curate.io.readers import FILE_COL, LINE_COL

    rows = [u.line for u in unreadable]
    taken = table.take(pa.array([r - 1 for r in rows], pa.int64()))
    taken = taken.drop_columns([c for c in (FILE_COL, LINE_COL) if c in taken.column_names])
    taken = taken.append_column(
        "curate_unreadable", pa.array([u.reason for u in unreadable], pa.string())
    )
    taken = taken.append_column("curate_row", pa.array(rows, pa.int64()))
    return pl.from_arrow(taken)


def _warn_unreadable(unreadable: list[Unreadable], rows: int) -> None:
    """A training script must be able to tell that rows did not reach `train` or `rejected` (the
    CLI says it in its summary line and its report)."""
    if not unreadable:
        return
    import warnings

    warnings.warn(
        f"curate.clean: {len(unreadable):,} of {rows:,} rows unreadable "
        f"(row {unreadable[0].line}: {unreadable[0].reason}); they are in split 'unreadable'",
        UserWarning,
        stacklevel=3,
    )


def _frames(frames, like):
    import polars as pl

    if frames:
        return pl.concat(frames, how="diagonal_relaxed")
    return (
        pl.DataFrame(schema={c: like.schema[c] for c in like.columns})
        if like is not None
        else pl.DataFrame()
    )


def clean(
    data: Any, rules: str | Path | dict | RuleSet = "default", *, text_column: str | None = None
):
    """Apply a rule set. A Dataset or DatasetDict gives a DatasetDict(train, rejected, unreadable);
    a polars DataFrame or Arrow table gives {"train": .., "rejected": .., "unreadable": ..} of
    DataFrames. Every input row is in one of them: `unreadable` holds the rows whose text is null
    or not text, as given, with `curate_unreadable` (why) and `curate_row` (1-based row number);
    a UserWarning says how many there are."""
    rs = _ruleset(rules, text_column)
    is_hf = hasattr(data, "features") or (hasattr(data, "keys") and hasattr(data, "column_names"))
    if is_hf and not hasattr(data, "features"):  # DatasetDict: its splits, in order
        import datasets

        data = datasets.concatenate_datasets([data[k] for k in data])
    kept, rejected, _, table, unreadable = _run(data, rs, keep_rows=True)
    _warn_unreadable(unreadable, table.num_rows)
    splits = {
        "train": _frames(kept, rejected[0] if rejected else None),
        "rejected": _frames(rejected, kept[0] if kept else None),
        "unreadable": _unreadable_frame(table, unreadable),
    }
    if not is_hf:
        return splits
    import datasets

    return datasets.DatasetDict(
        {name: datasets.Dataset(frame.to_arrow()) for name, frame in splits.items()}
    )


def evaluate(
    data: Any,
    rules: str | Path | dict | RuleSet = "default",
    *,
    text_column: str | None = None,
    name: str = "memory",
) -> dict[str, Any]:
    """The report dict (the schema of report.json) for in-memory data."""
    from curate.report.build import build_report

    rs = _ruleset(rules, text_column)
    stats = _run(data, rs, keep_rows=False)[2]
    result = RunResult(stats=stats, seconds=0.0, shards=1, inputs=["<memory>"])
    return build_report(result, rs, name=name, command="curate.evaluate")


def check(
    data: Any, rules: str | Path | dict | RuleSet, *, text_column: str | None = None
) -> tuple[bool, list[GateResult]]:
    """Evaluate the rule set's gates: (no error-level gate failed, every gate's result)."""
    rs = _ruleset(rules, text_column)
    report = evaluate(data, rs)
    results = evaluate_gates(rs.gates, report)
    return all(r.passed or r.level == "warn" for r in results), results


__all__ = ["clean", "evaluate", "check", "RunStats"]
