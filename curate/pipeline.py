"""The batch function every engine calls: documents in, kept/rejected rows and statistics out.

`process_batch` is pure: the same rules, corpus aggregates and rows give the same output, whatever
process or machine runs it. The local engine, the process pool behind `--workers` and the Ray
engine all call it (through `engine.process_shard`).

Every rule sees every document (no short-circuit) and every rule that fires is recorded in
`curate_flags`. Strip actions compose in rule-set order: a rule sees the text as the strip rules
before it left it. A document the strip actions leave without text (it had some on input) is
rejected: its `curate_dropped_by` names the strip rules that removed its text, and their `dropped`
counts it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import repeat
from operator import getitem
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import xxhash

from curate.arrays import numbers, strings, to_numpy
from curate.checks.base import (
    DOC,
    LINE,
    OFF,
    Batch,
    Rule,
    large_strings,
    line_chars,
    string_bytes,
    view_layout,
)
from curate.stats import (
    EXAMPLE_CHARS,
    LENGTH_EDGES,
    MAX_EXAMPLES,
    RuleStats,
    RunStats,
    histogram_series,
)

# Columns the readers add to locate a row in its input (file and line); never written out.
FILE_COL = "__file"
LINE_COL = "__line"
INTERNAL = (FILE_COL, LINE_COL)


@dataclass
class BatchOutput:
    kept: pl.DataFrame
    rejected: pl.DataFrame
    stats: RunStats
    # rule -> the lines it removed (__doc, __off, len), in rule-set order (see `removed`)
    removed_by: dict[str, pl.DataFrame] = field(default_factory=dict)

    @property
    def removed(self) -> pl.DataFrame | None:
        """Every line a strip action removed: __doc, __off (offset in the original text), len
        (characters including the newline) and the rule that removed it. Built when asked (no
        engine reads it: ~1 ms a batch)."""
        if not self.removed_by:
            return None
        return pl.concat(
            [f.with_columns(pl.lit(name).alias("rule")) for name, f in self.removed_by.items()]
        )


def signal_column(name: str) -> str:
    return "curate_" + name.replace("-", "_")


def rebuild_text(docs: pl.DataFrame, lines: pl.DataFrame, touched: pl.Series) -> pl.Series:
    """The text of each document from its remaining lines.

    Untouched documents keep their text byte for byte. In touched ones, blank lines left at the
    start, at the end or doubled by a removal are tidied away.

    The tidying runs in numpy over the touched documents' lines, and each new text is one
    `binary_join` (Arrow's kernel: half the CPU of polars' `list.join`) of a list column built from
    offsets, scattered into place (or taken whole when every document was touched): no group_by,
    join or when/then over the batch (~half the CPU). tests/test_pipeline_costs.py holds the
    plain polars definition it is checked against."""
    hit = _bool_masks(touched)[0]  # (a null is not touched; no fill_null query)
    if not hit.any():
        return docs["text"]
    ids = docs.get_column(DOC).to_numpy().astype(np.int64)
    line_ids = lines.get_column(DOC).to_numpy().astype(np.int64)
    size = 1 + max(int(ids.max()), int(line_ids.max()) if len(line_ids) else 0)
    # rank of each touched document among the touched ones, by __doc (-1: untouched)
    rank_of = np.full(size, -1, dtype=np.int64)
    rank_of[ids[hit]] = np.arange(int(hit.sum()))
    rank = rank_of[line_ids]
    picked = np.flatnonzero(rank >= 0)
    rank = rank[picked]
    if len(rank) > 1 and not (rank[1:] >= rank[:-1]).all():
        # a document's lines are consecutive and in line order (Batch.from_texts): keep that
        # order within each document whatever the documents' order
        order = np.argsort(rank, kind="stable")
        picked, rank = picked[order], rank[order]
    text = lines.get_column(LINE)
    # (not every line, or not in order: the picked lines' blanks read where they are, and the
    # lines gathered once, those kept)
    every = len(picked) == len(text) and bool((picked[1:] > picked[:-1]).all())
    blank = _blank_lines(text, None if every else picked)
    m = len(rank)
    first = np.ones(m, dtype=bool)
    first[1:] = rank[1:] != rank[:-1]
    prev_blank = np.ones(m, dtype=bool)
    prev_blank[1:] = blank[:-1]
    # drop blanks that follow a blank, or come first; then the trailing blank (one at most is
    # left once no two blanks follow each other)
    keep = ~(blank & (first | prev_blank))
    rank, blank, kept = rank[keep], blank[keep], np.flatnonzero(keep)
    last = np.ones(len(rank), dtype=bool)
    last[:-1] = rank[:-1] != rank[1:]
    keep = ~(blank & last)
    rank, kept = rank[keep], kept[keep]
    offsets = np.zeros(int(hit.sum()) + 1, dtype=np.int64)
    np.cumsum(np.bincount(rank, minlength=len(offsets) - 1), out=offsets[1:])
    if not every or len(kept) < len(text):
        text = text.gather(pl.Series(kept if every else picked[kept], dtype=pl.UInt32))
    import pyarrow.compute as pc

    lists = pa.LargeListArray.from_arrays(numbers(offsets), large_strings(text))
    joined = pc.binary_join(lists, strings(["\n"], large=True)[0])
    new = pl.Series("text", joined, dtype=pl.String)
    if hit.all():  # every document touched: the new texts are the column, in row order
        return new
    where = pl.Series(np.flatnonzero(hit), dtype=pl.UInt32)
    return docs["text"].clone().scatter(where, new).alias("text")


def doc_chars(batch: Batch) -> pl.Series:
    """`batch.text.str.len_chars()` of a batch just split (Batch.from_texts): each document's
    lines' lengths, as the split measured them, plus the newlines between them (a document's
    lines are consecutive, in document order, one at least). No second pass over the texts."""
    n = batch.n
    doc = batch.lines.get_column(DOC).to_numpy()
    counts = np.bincount(doc, minlength=n)
    if (
        not n
        or len(counts) != n
        or not counts.all()
        or (len(doc) > 1 and (doc[1:] < doc[:-1]).any())
    ):
        return batch.text.str.len_chars()
    starts = np.zeros(n, dtype=np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    chars = np.add.reduceat(line_chars(batch), starts)
    chars += counts - 1
    return pl.Series("text", chars, dtype=pl.UInt32)


# first bytes after which a line may still be all whitespace: ASCII controls, space, DEL and
# every non-ASCII lead byte (U+00A0, U+3000, ...); any other first byte is not whitespace
_MAYBE_BLANK = np.zeros(256, dtype=bool)
_MAYBE_BLANK[:0x21] = True
_MAYBE_BLANK[0x7F:] = True


def _blank_lines(text: pl.Series, rows: np.ndarray | None = None) -> np.ndarray:
    """`(text.str.strip_chars() == "").to_numpy()` for lines (with rows: for the lines
    `text[rows]`, without gathering them): an empty line is blank, a line whose first byte is
    printable ASCII is not, and only the others (a line starting with a space, a control or a
    non-ASCII character: a few) are stripped by polars. Lengths and first bytes are read from the
    string views polars holds (each view starts with the string's length and its first bytes),
    without copying a byte of text (~5x less CPU)."""
    arr = text.to_arrow(compat_level=pl.CompatLevel.newest())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.type != pa.string_view() or arr.null_count or not len(arr):
        if rows is not None:
            text = text.gather(pl.Series(rows, dtype=pl.UInt32))
        return (text.str.strip_chars() == "").to_numpy()
    views = np.frombuffer(arr.buffers()[1], dtype=np.uint8).reshape(-1, 16)
    views = views[arr.offset : arr.offset + len(arr)]
    if rows is not None:
        views = views[rows]
    blank = views[:, :4].copy().view("<i4").ravel() == 0  # the length: 0 bytes
    maybe = _MAYBE_BLANK[views[:, 4]] & ~blank
    at = np.flatnonzero(maybe)
    if len(at):
        part = text.gather(pl.Series(at if rows is None else rows[at], dtype=pl.UInt32))
        blank[at] = (part.str.strip_chars() == "").to_numpy()
    return blank


def process_batch(
    rules: list[Rule],
    df: pl.DataFrame,
    text_column: str,
    corpus: dict[str, Any] | None = None,
    id_column: str | None = None,
    example_bounds: dict[str, int] | None = None,
) -> BatchOutput:
    """Apply the rules to one batch. `df` holds the input columns plus the reader's __file and
    __line.

    example_bounds: per rule, the largest digest of the MAX_EXAMPLES examples a run already holds
    (`example_bounds(stats)`); this batch's picks at or above it are not built, as merging the
    statistics would drop them (most of a run's batches build no example at all)."""
    original = df.get_column(text_column).cast(pl.String)
    batch = Batch.from_texts(original, extra=_drop(df, [text_column]), corpus=corpus)
    n = batch.n
    before_len = doc_chars(batch)
    stats = RunStats(input=n)

    fired_np: dict[str, np.ndarray] = {}  # rule -> fired (one bool per document, never null)
    signal_cols: dict[str, pl.Series] = {}
    removed_by: dict[str, pl.DataFrame] = {}  # rule -> removed lines (__doc, __off, len)

    for i, rule in enumerate(rules):
        batch.signals = dict(signal_cols)
        batch.later = rules[i + 1 :]
        result = rule.evaluate(batch)
        # a null fired flag is not fired
        fired_np[rule.name] = _bool_masks(result.fired)[0]
        for sig, values in result.signals.items():
            signal_cols[sig] = values.alias(signal_column(sig))
        if rule.action == "strip" and result.remove is not None and result.remove.any():
            # (a null in the mask neither removes its line nor keeps it, as filters do)
            gone, keep = _bool_masks(result.remove)
            gone_s = pl.Series(gone)
            removed = pl.DataFrame(
                [
                    batch.lines.get_column(DOC).filter(gone_s),
                    batch.lines.get_column(OFF).filter(gone_s),
                    # the removed lines' lengths as the split measured them (line_chars), not
                    # measured again
                    pl.Series("len", line_chars(batch)[gone] + 1, dtype=pl.UInt32),
                ]
            )
            removed_by[rule.name] = removed
            hit = np.zeros(n, dtype=bool)
            hit[removed.get_column(DOC).to_numpy()] = True
            lines = _filter(batch.lines, pl.Series(keep))
            # only the documents this rule removed lines from: the others' lines are those their
            # text was last built from (by an earlier strip rule, or the original)
            docs = _replace(batch.docs, rebuild_text(batch.docs, lines, pl.Series(hit)))
            batch = batch.stripped(docs, lines, keep)

    # the last strip that removed lines already rebuilt the text from the lines that remain
    cleaned = batch.docs["text"]
    # (no strip removed a line: the text is the original)
    before_np = before_len.to_numpy().astype(np.int64)
    after_np = cleaned.str.len_chars().to_numpy().astype(np.int64) if removed_by else before_np

    # why each document is rejected, per rule in rule-set order: a drop rule that fired, or a
    # strip rule that removed text from a document the strips left empty (an empty text is not
    # training data)
    reasons = _reasons(rules, fired_np, _emptied_by(removed_by, before_np, after_np, n))
    names = [r.name for r in rules]
    # one bool array per rule: counts and lists in numpy, not a polars call per rule
    flags = _names_list(fired_np, names, n)
    dropped_by = _names_list(reasons, list(reasons), n)
    dropped_np = (
        np.logical_or.reduce(list(reasons.values())) if reasons else np.zeros(n, dtype=bool)
    )
    is_dropped = pl.Series(dropped_np)

    out = _drop(df, [c for c in INTERNAL if c in df.columns])
    added = [flags.alias("curate_flags"), dropped_by.alias("curate_dropped_by")]
    added += signal_cols.values()
    if any(s.name in out.columns for s in added):  # (an input with curate_ columns: replaced)
        out = out.with_columns(*added)
    else:
        out = out.hstack(added)
    # (a filter, not a gather of the rows' indices, ~4x cheaper on this wide frame: a gather
    # leaves other bytes under the nulls, and the written data files would differ from main's)
    kept = _replace(out.filter(~is_dropped), cleaned.filter(~is_dropped).alias(text_column))
    rejected = _replace(out.filter(is_dropped), original.filter(is_dropped).alias(text_column))

    # -- statistics --------------------------------------------------------------------------------
    stats.kept = kept.height
    stats.dropped = rejected.height
    # the sums and histograms in numpy (the lengths: no nulls), not a polars query each
    after_kept = after_np[~dropped_np]
    stats.chars_in = int(before_np.sum())
    stats.chars_out = int(after_kept.sum())
    stats.chars_removed = int((before_np - after_np).sum())
    stats.length_before = _histogram(LENGTH_EDGES, pl.Series(before_np))
    stats.length_after = _histogram(LENGTH_EDGES, pl.Series(after_kept))
    if "language" in signal_cols:
        counts = signal_cols["language"].value_counts(sort=True)
        stats.languages = {str(k): int(v) for k, v in counts.iter_rows()}

    files = df.get_column(FILE_COL) if FILE_COL in df.columns else None
    linenos = df.get_column(LINE_COL) if LINE_COL in df.columns else None
    ids = (
        df.get_column(id_column).cast(pl.String) if id_column and id_column in df.columns else None
    )
    orig_text = original.fill_null("") if original.null_count() else original
    picker = _ExamplePicker(orig_text, list(fired_np.values()))
    bounds = example_bounds or {}
    chosen: dict[str, list[tuple[str, int]]] = {}
    for rule in rules:
        fired = fired_np[rule.name]
        chosen[rule.name] = picker.pick(rule.name, fired, bounds.get(rule.name))
        rs = RuleStats(
            fired=int(np.count_nonzero(fired)),
            dropped=int(np.count_nonzero(reasons[rule.name])) if rule.name in reasons else 0,
        )
        spans = removed_by.get(rule.name)
        if spans is not None:
            rs.chars_removed = int(spans["len"].sum())
            rs.lines_removed = spans.height
        if rule.main_signal and rule.main_signal in signal_cols:
            values = signal_cols[rule.main_signal]
            if values.dtype.is_numeric() or values.dtype == pl.Boolean:
                rs.signal = rule.main_signal
                rs.edges = list(rule.bins)
                rs.hist = _histogram(rule.bins, values)
        stats.rules[rule.name] = rs
    # the examples' rows, gathered once for every rule's picks (not a lookup per value)
    rows = sorted({i for picks in chosen.values() for _, i in picks})
    if rows:
        at = pl.Series(rows, dtype=pl.UInt32)
        cols = {
            "before": orig_text,
            "after": cleaned,
            "dropped": is_dropped,
            "dropped_by": dropped_by,
            "flags": flags,
        }
        for name, col in (("id", ids), ("file", files), ("line", linenos)):
            if col is not None:
                cols[name] = col
        # the rows' documents and signals: one frame, one gather, the values row by row (a
        # gather per column and a to_dicts of each part cost ~4x), each row's signals made
        # plain once, whichever rules picked it
        names_doc = list(cols)
        frame = pl.DataFrame(
            [c.alias(name) for name, c in cols.items()] + list(signal_cols.values())
        ).gather(at)
        width = len(names_doc)
        docs, sigs = {}, {}
        for i, row in zip(rows, frame.iter_rows(), strict=True):
            docs[i] = dict(zip(names_doc, row[:width], strict=True))
            sigs[i] = [_plain(v) for v in row[width:]]
        keys = list(signal_cols)  # the signal names (the frame's columns are curate_<name>)
        for rule in rules:
            spans = _spans_of(removed_by.get(rule.name), [i for _, i in chosen[rule.name]])
            stats.rules[rule.name].examples = [
                _example(key, docs[i], sigs[i], keys, spans.get(i)) for key, i in chosen[rule.name]
            ]
    return BatchOutput(kept=kept, rejected=rejected, stats=stats, removed_by=removed_by)


def _emptied_by(
    removed_by: dict[str, pl.DataFrame], before: np.ndarray, after: np.ndarray, n: int
) -> dict[str, np.ndarray]:
    """Per strip rule, the documents it removed lines from that the strips left without text
    (characters `before` the strips and none `after`: a text empty on input is not emptied)."""
    emptied = (after == 0) & (before > 0)
    if not emptied.any():
        return {}
    out = {}
    for name, removed in removed_by.items():
        hit = np.zeros(n, dtype=bool)
        hit[removed.get_column(DOC).to_numpy()] = True
        if (hit & emptied).any():
            out[name] = hit & emptied
    return out


def _reasons(
    rules: list[Rule], fired: dict[str, np.ndarray], emptied_by: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Per rule that can reject a document, in rule-set order, the documents it rejects: a drop
    rule those it fired on, a strip rule those it helped empty."""
    out = {}
    for rule in rules:
        if rule.action == "drop":
            out[rule.name] = fired[rule.name]
        elif rule.name in emptied_by:
            out[rule.name] = emptied_by[rule.name]
    return out


# dtypes whose numpy values compare with the float edges as their Float64 cast does
_NUMPY_HIST = (
    pl.Float64,
    pl.Float32,
    pl.Int64,
    pl.Int32,
    pl.Int16,
    pl.Int8,
    pl.UInt64,
    pl.UInt32,
    pl.UInt16,
    pl.UInt8,
    pl.Boolean,
)


def _histogram(edges: tuple[float, ...], values: pl.Series) -> list[int]:
    """histogram_series(edges, values.drop_nulls()): one binary search per value on the numpy
    values (numpy compares an integer or bool with the float edges as the Float64 cast would),
    and the counts of the search's positions, 0 and 1 both the first bin. No polars cast, clip
    or filter: ~4x less CPU, paid per rule and batch (tests/test_pipeline_costs.py holds the
    comparison with histogram_series). The nulls of a number column are left out as the NaNs
    numpy gives them as, unless the column holds NaNs of its own (the last bin counts those)."""
    if values.dtype not in _NUMPY_HIST or not edges:
        return histogram_series(edges, values.drop_nulls())
    nulls = values.null_count()
    if nulls:
        if values.dtype == pl.Boolean:  # (numpy gives a bool column with nulls as objects)
            return _histogram(edges, values.drop_nulls())
        found = values.to_numpy()  # a float array, the nulls NaN
        nan = np.isnan(found)
        if np.count_nonzero(nan) == nulls:  # every NaN a null (a polars call costs ~30 us)
            found = found[~nan]
        else:  # NaNs of its own as well: those count
            found = values.drop_nulls().to_numpy()
    else:
        found = values.to_numpy()
    if not len(found):
        return histogram_series(edges, values.clear())
    at = np.searchsorted(np.asarray(edges, dtype=np.float64), found, side="right")
    counts = np.bincount(at, minlength=len(edges) + 1)
    counts[1] += counts[0]
    return counts[1:].tolist()


def _bool_masks(values: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """Where a Boolean Series is true and where it is false, nulls in neither, as numpy bool
    arrays: `(values.fill_null(False).to_numpy(), (~values).fill_null(False).to_numpy())`. With
    nulls, read from the Arrow bit maps (values and validity) in numpy: a polars fill_null costs
    ~80 us, paid per rule and batch (most rules' flags are null on an empty document)."""
    if values.dtype != pl.Boolean:  # (all null: polars' Null type)
        values = values.cast(pl.Boolean)
    if not values.null_count():
        true = values.to_numpy()
        return true, ~true
    arr = values.to_arrow()
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    n, off = len(arr), arr.offset
    valid_buf, bits_buf = arr.buffers()[:2]

    def unpack(buf: Any) -> np.ndarray:
        bits = np.unpackbits(np.frombuffer(buf, dtype=np.uint8), count=off + n, bitorder="little")
        return bits[off:].view(bool)

    bits, valid = unpack(bits_buf), unpack(valid_buf)
    return bits & valid, valid & ~bits


def _names_list(fired: dict[str, np.ndarray], names: list[str], n: int) -> pl.Series:
    """Per document (n of them), the names (in rule-set order) of the rules that fired on it."""
    if not names:
        return pl.Series([[] for _ in range(n)], dtype=pl.List(pl.String))
    # the list column built from its offsets and values: ~20x less CPU than a concat_list of
    # when/then over every rule and document (11 -> 0.5 ms for 26 rules x 2,200 documents)
    m = np.column_stack([fired[name] for name in names])
    rows, cols = np.nonzero(m)  # row by row, each row's rules in rule-set order
    offsets = np.zeros(m.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=m.shape[0]), out=offsets[1:])
    # (arrays from their buffers, curate.arrays: pa.array imports pandas)
    values = strings(names, large=True).take(numbers(cols))
    lists = pa.LargeListArray.from_arrays(numbers(offsets), values)
    return pl.from_arrow(lists).alias("names")


class _ExamplePicker:
    """Up to MAX_EXAMPLES fired documents per rule, the smallest hashes of their text (seeded by
    the rule's name), so that shards and batches agree on the choice."""

    def __init__(self, texts: pl.Series, fired: list[np.ndarray]):
        # the UTF-8 bytes of every document some rule fired on, in row order: memoryviews of the
        # texts' Arrow buffer (a polars string is valid UTF-8: the bytes str.encode gave), no
        # bytes object and no copy per text (~1 ms a batch); row indices in numpy (a polars
        # arg_true costs ~0.1 ms a call, a rule a batch)
        self._rows = np.zeros(0, dtype=np.int64)  # the rows some rule fired on, ascending
        self._views: list[memoryview] = []  # their bytes, in that order
        self._every = False  # every row is in _rows (the usual case: a list index is the row)
        if not fired:
            return
        idx = np.flatnonzero(np.logical_or.reduce(fired))
        if not len(idx):
            return
        self._rows, self._every = idx, len(idx) == len(texts)
        self._views = _text_bytes(texts, idx)

    def pick(self, rule: str, fired: np.ndarray, bound: int | None = None) -> list[tuple[str, int]]:
        """sorted((xxh64_hexdigest(text, seed), i) for every fired i)[:MAX_EXAMPLES], computed on
        the integer digests (a 16-digit hex digest sorts as its integer) in numpy: no Python
        frame, tuple or hex string per fired document. With a bound, only the picks whose digest
        is below it (a prefix of that order: the smallest such digests)."""
        idx = np.flatnonzero(fired)
        if not len(idx):
            return []
        seed = xxhash.xxh64_intdigest(rule.encode())
        at = idx if self._every else np.searchsorted(self._rows, idx)
        texts = map(self._views.__getitem__, at.tolist())
        keys = np.fromiter(
            map(xxhash.xxh64_intdigest, texts, repeat(seed)), dtype=np.uint64, count=len(idx)
        )
        if bound is not None:
            below = keys < np.uint64(bound)
            keys, idx = keys[below], idx[below]
        if len(keys) > MAX_EXAMPLES:
            # the candidates: every key up to the MAX_EXAMPLES-th smallest (ties included)
            cut = np.partition(keys, MAX_EXAMPLES - 1)[MAX_EXAMPLES - 1]
            near = keys <= cut
            keys, idx = keys[near], idx[near]
        # by key, then by row (idx ascends: a stable sort keeps equal keys in row order)
        order = np.argsort(keys, kind="stable")[:MAX_EXAMPLES]
        return [
            (f"{k:016x}", i) for k, i in zip(keys[order].tolist(), idx[order].tolist(), strict=True)
        ]


def _text_bytes(texts: pl.Series, rows: np.ndarray) -> list[memoryview]:
    """The UTF-8 bytes of texts[row] (a null as b"") for each of the given rows, in their order,
    as memoryviews of the Arrow buffers polars holds: a string view of 12 bytes or fewer holds
    its bytes itself, a longer one points into a data buffer (for a text column read from Arrow,
    the reader's own buffer). No copy of the texts (a large_string conversion of every text cost
    ~0.6-2 ms a batch, its pages faulted in afresh). A list, not a dict by row: the picks look
    them up ~5,000 times a batch."""
    arr = texts.to_arrow(compat_level=pl.CompatLevel.newest())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.type != pa.string_view():
        offsets, data = string_bytes(texts)
        cut = map(slice, offsets[rows].tolist(), offsets[rows + 1].tolist())
        return list(map(memoryview(data).__getitem__, cut))
    bufs = arr.buffers()
    length, which, start = (a[rows] for a in view_layout(arr))
    if arr.null_count:  # (a null's view is all zeros in the C data interface, not promised)
        null = ~to_numpy(arr.is_valid())[rows]
        length[null], which[null], start[null] = 0, -1, 0
    cut = map(slice, start.tolist(), (start + length).tolist())
    mems = [memoryview(bufs[1])] + [memoryview(b) for b in bufs[2:]]  # which -1, 0, 1, ...
    if len(which) and which.min() == which.max():  # one buffer (the usual case)
        return list(map(mems[int(which[0]) + 1].__getitem__, cut))
    return list(map(getitem, map(mems.__getitem__, (which + 1).tolist()), cut))


def example_bounds(stats: RunStats) -> dict[str, int]:
    """Per rule whose MAX_EXAMPLES examples are chosen so far, the largest of their digests: an
    example at or above it never makes it into these statistics (RuleStats.merge keeps the
    MAX_EXAMPLES smallest keys, the earlier one of equal keys)."""
    return {
        name: int(rs.examples[-1]["key"], 16)
        for name, rs in stats.rules.items()
        if len(rs.examples) >= MAX_EXAMPLES
    }


def _spans_of(removed: pl.DataFrame | None, docs: list[int]) -> dict[int, list[list[int]]]:
    """[start, end) of the lines a rule removed from each of these documents, in text order (one
    pass for the rule's examples, not one per example; in numpy: a polars filter and sort are
    two queries, ~0.1 ms each, per strip rule and batch)."""
    out: dict[int, list[list[int]]] = {}
    if removed is None or not docs:
        return out
    doc = removed.get_column(DOC).to_numpy()
    at = np.flatnonzero(np.isin(doc, np.asarray(docs, dtype=np.int64)))
    if not len(at):
        return out
    doc, off = doc[at], removed.get_column(OFF).to_numpy()[at]
    size = removed.get_column("len").to_numpy()[at]
    order = np.lexsort((off, doc))  # by document, then offset
    doc, off = doc[order].tolist(), off[order].astype(np.int64)
    end = (off + size[order]).tolist()
    for d, o, e in zip(doc, off.tolist(), end, strict=True):
        out.setdefault(d, []).append([o, e])
    return out


def _drop(df: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    """`df.drop(names)` without a query (~30-100 us each, per batch): the columns of a clone
    (which shares them) dropped in place."""
    out = df.clone()
    for name in names:
        out.drop_in_place(name)
    return out


def _filter(df: pl.DataFrame, mask: pl.Series) -> pl.DataFrame:
    """`df.filter(mask)` of a narrow frame (the lines) without a query: each column filtered
    (a DataFrame.filter costs ~2x as much on four columns)."""
    return pl.DataFrame([c.filter(mask) for c in df.get_columns()])


def _replace(df: pl.DataFrame, column: pl.Series) -> pl.DataFrame:
    """`df.with_columns(column)` for a column df has, without a query: a clone (which shares
    the columns) with that one replaced in place."""
    out = df.clone()
    out.replace_column(out.get_column_index(column.name), column)
    return out


def _example(key, doc, values, keys, doc_spans) -> dict[str, Any]:
    doc_spans = doc_spans or []
    text = doc["before"]
    return {
        "key": key,
        "id": doc.get("id"),
        "file": doc.get("file"),
        "line": doc.get("line"),
        "dropped": bool(doc["dropped"]),
        "dropped_by": list(doc["dropped_by"]),
        "flags": list(doc["flags"]),
        "before": text[:EXAMPLE_CHARS],
        "before_chars": len(text),
        "after": doc["after"][:EXAMPLE_CHARS],
        "spans": [s for s in doc_spans if s[0] < EXAMPLE_CHARS],
        "signals": dict(zip(keys, values, strict=True)),
    }


def _plain(v: Any) -> Any:
    if isinstance(v, float):
        return round(v, 6)
    if isinstance(v, pl.Series):
        return v.to_list()
    return v


def empty_like(schema: pa.Schema) -> pl.DataFrame:
    return pl.from_arrow(schema.empty_table())
