"""What every rule is made of.

A rule computes *signals* (numbers per document, and for line rules a per-line removal mask) over a
whole batch with polars expressions. It never decides what happens to a document: the action
(`flag`, `strip`, `drop`) and the thresholds come from the rule set. The report and the filter read
the same signals, so they cannot disagree.

Strip actions only ever remove whole lines of the original text. That keeps every removal traceable
as a character span of the input, and lets strip actions compose in rule-set order.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import polars as pl
import pyarrow as pa

ACTIONS = ("flag", "strip", "drop")

# Internal column names. They start with "__" so they never clash with a user's columns and are
# never written out.
DOC = "__doc"  # position of the document in its batch
LN = "__ln"  # index of the line in the original document
OFF = "__off"  # character offset of the line in the original document
LINE = "line"  # the line's text, without its newline


def param(
    default: Any,
    doc: str,
    *,
    unit: str = "",
    source: str = "",
    min: float | None = None,  # noqa: A002 - mirrors the YAML vocabulary
    max: float | None = None,  # noqa: A002
) -> Any:
    """A typed rule parameter that doubles as a rule-set key, with its documentation."""
    meta = {"doc": doc, "unit": unit, "source": source, "min": min, "max": max}
    if isinstance(default, list | dict | set):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class NoParams:
    pass


def param_fields(params_cls: type) -> dict[str, dataclasses.Field]:
    return {f.name: f for f in dataclasses.fields(params_cls)}


def param_types(params_cls: type) -> dict[str, Any]:
    return typing.get_type_hints(params_cls)


class Batch:
    """One batch of documents as the rules see it.

    `docs` has one row per document: `__doc`, the current `text` (after the strip actions of the
    rules before this one; never null) and the input columns. `lines` is the same text split into
    lines, with each line's index and offset in the *original* document. Both are polars frames so a
    rule's signals are expressions over the whole batch.
    """

    def __init__(
        self,
        docs: pl.DataFrame,
        lines: pl.DataFrame,
        corpus: dict[str, Any],
        signals: dict[str, pl.Series] | None = None,
        original: pl.Series | None = None,
    ):
        self.docs = docs
        self.lines = lines
        self.corpus = corpus
        # the text as it came in, before any strip action (a length cap applies to that)
        self.original: pl.Series = original if original is not None else docs["text"]
        # signals of the rules before this one in the rule set (e.g. "language"), so a rule can
        # key on them (stop words per detected language)
        self.signals: dict[str, pl.Series] = signals if signals is not None else {}
        # the rules after the one evaluating, in rule-set order (the pipeline sets it), so that a
        # rule can compute a value a later rule shares (e.g. the line tokens) while it is cheap
        self.later: Sequence[Rule] = ()
        self._memo: dict[str, Any] = {}
        # key -> how its value follows a strip (see `memo`)
        self._follow: dict[str, Callable[[Any, np.ndarray], Any]] = {}
        # key -> (a value computed before one or more strips, its follow function, the lines of
        # that value's batch this batch kept): resolved when first read
        self._carried: dict[str, tuple[Any, Callable[[Any, np.ndarray], Any], np.ndarray]] = {}

    @classmethod
    def from_texts(
        cls,
        texts: pl.Series,
        extra: pl.DataFrame | None = None,
        corpus: dict[str, Any] | None = None,
    ) -> Batch:
        docs = _docs(texts, extra)
        lines, chars = _split_lines(docs)
        batch = cls(docs, lines, corpus or {})
        # the split measured every line: the length is kept for the lines' later uses (the
        # characters a strip removes), and follows the strips as the lines do
        batch._memo[LINE_CHARS] = chars
        batch._follow[LINE_CHARS] = keep_rows
        return batch

    @classmethod
    def for_corpus(
        cls,
        texts: pl.Series,
        extra: pl.DataFrame | None = None,
    ) -> Batch:
        """The batch the corpus pass's collect() reads: docs as Batch.from_texts makes them, and
        lines split only if a rule reads them, with `__doc` and `line` only (where a line sits,
        `__ln` and `__off`, is no corpus aggregate's business: a third of the split's CPU)."""
        return _CorpusBatch(_docs(texts, extra), None, {})

    @property
    def n(self) -> int:
        return self.docs.height

    @property
    def text(self) -> pl.Series:
        return self.docs["text"]

    @cached_property
    def doc_index(self) -> pl.DataFrame:
        return self.docs.select(DOC)

    def memo(
        self,
        key: str,
        compute: Callable[[], Any],
        after_strip: Callable[[Any, np.ndarray], Any] | None = None,
    ) -> Any:
        """A value derived from this batch, computed once and shared by the rules that need it
        (e.g. the quality family's tokens).

        A strip action builds a new Batch (`stripped`), so a memo ends with the text it was
        computed on, unless it is a value of the lines alone and gives `after_strip(value, keep)`:
        the value for the lines that remain (`keep`: a bool per line of this batch). A strip
        removes whole lines and changes none of the others, so such a value (the tokens of each
        line) is a filter of the old one, cheaper than computing it again; it is filtered when a
        rule first reads it after the strip."""
        if key not in self._memo:
            carried = self._carried.pop(key, None)
            if carried is not None:
                value, follow, keep = carried
                self._memo[key] = follow(value, keep)
                self._follow[key] = follow
            else:
                self._memo[key] = compute()
                if after_strip is not None:
                    self._follow[key] = after_strip
        return self._memo[key]

    def memoized(self, key: str) -> Any:
        """The memo under `key` if a rule already computed it (before a strip, for a memo that
        follows strips), else None (computes nothing): for a rule that can use a shared value but
        would pay more computing it than doing without."""
        if key in self._carried:
            return self.memo(key, _never)
        return self._memo.get(key)

    def stripped(self, docs: pl.DataFrame, lines: pl.DataFrame, keep: np.ndarray) -> Batch:
        """The batch after a strip action: `docs` with the rebuilt text, `lines` = the rows of
        this batch's lines where `keep` (a bool per line). The memos given an `after_strip`
        follow it, lazily: a chain of strips composes their masks and filters once."""
        new = Batch(docs, lines, self.corpus, self.signals, self.original)
        new.later = self.later
        for key, follow in self._follow.items():
            if key in self._memo:
                new._carried[key] = (self._memo[key], follow, keep)
        for key, (value, follow, kept) in self._carried.items():
            # `keep` is a mask over the lines `kept` left: over the value's own lines, both
            both = kept.copy()
            both[kept] = keep
            new._carried[key] = (value, follow, both)
        return new

    def doc_of_line(self) -> np.ndarray:
        """Per line of `lines`: its document's row in `docs` (int64), computed once per batch."""

        def compute() -> np.ndarray:
            ids = self.docs.get_column(DOC).to_numpy()
            if np.array_equal(ids, np.arange(len(ids))):  # as Batch.from_texts numbers them
                return self.lines.get_column(DOC).to_numpy().astype(np.int64)
            rows = self.docs.select(DOC).with_row_index("__row")
            joined = self.lines.select(DOC).join(rows, on=DOC, how="left", maintain_order="left")
            return joined.get_column("__row").to_numpy().astype(np.int64)

        return self.memo("doc_of_line", compute)

    def per_doc(self, frame: pl.DataFrame, value: str, fill: Any = 0) -> pl.Series:
        """Align a per-document aggregate (`__doc`, value) to the batch's documents."""
        return (
            self.doc_index.join(frame.select(DOC, value), on=DOC, how="left", maintain_order="left")
            .get_column(value)
            .fill_null(fill)
        )


class _CorpusBatch(Batch):
    """Batch.for_corpus: `lines` (`__doc`, `line`) split when first read."""

    @property
    def lines(self) -> pl.DataFrame:
        if self._lines is None:
            self._lines = _split_lines(self.docs, positions=False)[0]
        return self._lines

    @lines.setter
    def lines(self, value: pl.DataFrame | None) -> None:
        self._lines = value


def _docs(texts: pl.Series, extra: pl.DataFrame | None) -> pl.DataFrame:
    """A batch's docs frame: `__doc` (0..n-1), `text` (nulls as "") and the extra columns.
    Built from its columns without a query (a fill_null, with_columns or drop is one, ~30-100 us
    each, twice a batch: both passes build it)."""
    plain = texts.dtype == pl.String and not texts.null_count()  # (fill_null types a Null column)
    text = (texts if plain else texts.fill_null("")).alias("text")
    docs = pl.DataFrame([pl.Series(DOC, np.arange(len(text), dtype=np.uint32)), text])
    if extra is not None:
        clash = [c for c in extra.columns if c in docs.columns]
        docs = docs.hstack(extra.drop(clash) if clash else extra)
    return docs


def large_strings(strings: pl.Series) -> pa.LargeStringArray:
    """A String Series as one Arrow large_string array: its int64 offsets and its UTF-8 bytes in
    two buffers (polars holds string views; the conversion writes them out once)."""
    arr = strings.to_arrow()
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.type != pa.large_string():
        arr = arr.cast(pa.large_string())
    return arr


def string_bytes(strings: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, bytes) of a String Series, read from its Arrow buffers: string i is
    bytes[offsets[i] : offsets[i + 1]] (int64 offsets from 0, uint8 bytes, no copy of them;
    a null reads as "")."""
    arr = large_strings(strings)
    _, off_buf, data_buf = arr.buffers()
    off = np.frombuffer(off_buf, dtype=np.int64, count=len(arr) + 1, offset=arr.offset * 8)
    if data_buf is None or off[-1] == off[0]:
        return off - off[0], np.zeros(0, dtype=np.uint8)
    return off - off[0], np.frombuffer(data_buf, dtype=np.uint8)[off[0] : off[-1]]


def view_layout(arr: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where the bytes of each string of an Arrow string view array lie, without reading them:
    (length, buffer, start), int64 each. String i is `arr.buffers()[1][start:start + length]`
    when buffer[i] is -1 (12 bytes or fewer: held in its 16-byte view, after the length), else
    `arr.buffers()[2 + buffer[i]][start:start + length]`. A view is the length (4 bytes), a
    prefix (4), then the buffer's index and the offset in it (4 each, read unsigned as polars
    writes them, so that an offset past 2 GiB reads right). A null reads as its view says."""
    views = np.frombuffer(arr.buffers()[1], dtype="<u4").reshape(-1, 4)
    views = views[arr.offset : arr.offset + len(arr)]
    length = views[:, 0].astype(np.int64)
    buffer = views[:, 2].astype(np.int64)
    start = views[:, 3].astype(np.int64)
    inline = np.flatnonzero(length <= 12)
    buffer[inline] = -1
    start[inline] = (inline + arr.offset) * 16 + 4
    return length, buffer, start


def unicode_space(b0: np.ndarray, b1: np.ndarray, b2: np.ndarray) -> np.ndarray:
    r"""Do the UTF-8 bytes b0 b1 b2 (a character's first byte and the two after it; the third
    matters only to a three-byte character) start a White_Space character outside ASCII, what
    polars' `\s` and `strip_chars` take for white space: U+0085, U+00A0, U+1680, U+2000-U+200A,
    U+2028, U+2029, U+202F, U+205F, U+3000? (Valid UTF-8: after E2 80 the third byte is a
    continuation byte, 80-BF.)"""
    hit = (b0 == 0xC2) & ((b1 == 0x85) | (b1 == 0xA0))
    hit |= (b0 == 0xE1) & (b1 == 0x9A) & (b2 == 0x80)
    e2 = (b1 == 0x80) & ((b2 <= 0x8A) | (b2 == 0xA8) | (b2 == 0xA9) | (b2 == 0xAF))
    e2 |= (b1 == 0x81) & (b2 == 0x9F)
    hit |= (b0 == 0xE2) & e2
    hit |= (b0 == 0xE3) & (b1 == 0x80) & (b2 == 0x80)
    return hit


def _never() -> Any:  # pragma: no cover - memoized() calls memo() only for a carried key
    raise AssertionError("a carried memo is resolved, never computed")


def on_rows(
    frame: pl.DataFrame, rows: pl.Series, exprs: list[pl.Expr], fill: Any
) -> list[pl.Series]:
    """`exprs` evaluated on the rows of `frame` where `rows` holds, `fill` elsewhere (and where
    `rows` is null): a costly test runs only on the rows that can need it (pl.when evaluates
    every row)."""
    needed = sorted({c for e in exprs for c in e.meta.root_names()})
    # the needed columns filtered one by one (direct calls, no query each), one query for exprs
    part = pl.DataFrame([frame.get_column(c).filter(rows) for c in needed])
    part = part.select(e.alias(f"_{i}") for i, e in enumerate(exprs))
    return [fill_rows(rows, col, fill) for col in part.iter_columns()]


def fill_rows(rows: pl.Series, values: pl.Series, fill: Any) -> pl.Series:
    """`values` at the rows where `rows` holds, in order, `fill` elsewhere. numpy's masked
    assignment, several times cheaper than polars' repeat + scatter (paid a dozen times a
    batch); polars' scatter keeps the values' nulls, if any."""
    if values.null_count() or values.dtype not in _NUMPY_FILL:
        out = pl.repeat(fill, rows.len(), dtype=values.dtype, eager=True)
        return out.scatter(rows.arg_true(), values)
    full = np.full(rows.len(), fill, dtype=values.to_numpy().dtype)
    mask = rows.fill_null(False) if rows.null_count() else rows
    full[mask.to_numpy()] = values.to_numpy()
    return pl.Series(values.name, full, dtype=values.dtype)


_NUMPY_FILL = (pl.Boolean, pl.UInt8, pl.UInt32, pl.Int32, pl.Int64, pl.Float64)


def split_lines(docs: pl.DataFrame) -> pl.DataFrame:
    """Explode documents into lines with their original index and character offset.

    Each document's line numbers and offsets come from its line count and the lines' lengths in
    numpy, not two `over(__doc)` windows (half the CPU; tests/test_split_lines.py holds the
    windowed definition). Documents are numbered uniquely, as Batch.from_texts does."""
    return _split_lines(docs)[0]


def line_chars(batch: Batch) -> np.ndarray:
    """Per line of batch.lines, its length in characters (int64, without the newline): measured
    by the split, kept through the strips (memo LINE_CHARS)."""
    return batch.memo(
        LINE_CHARS,
        lambda: batch.lines.get_column(LINE).str.len_chars().to_numpy().astype(np.int64),
        keep_rows,
    )


def keep_rows(value: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """A per-line numpy value after a strip: the rows of the lines that remain (Batch.memo)."""
    return value[keep]


# memo key of the lines' lengths in characters (line_chars)
LINE_CHARS = "line_chars"


def _split_lines(
    docs: pl.DataFrame, positions: bool = True
) -> tuple[pl.DataFrame, np.ndarray | None]:
    """split_lines' frame and each line's length in characters (int64). Without positions: the
    frame's `__doc` and `line` only, and no lengths."""
    parts = docs.get_column("text").str.split("\n")
    counts = parts.list.len()
    if counts.null_count():  # (a null text: one line; the batches' texts are never null)
        counts = counts.fill_null(1)
    counts = counts.to_numpy().astype(np.int64)
    line = parts.explode()
    if line.null_count():
        line = line.fill_null("")
    doc = pl.Series(DOC, np.repeat(docs.get_column(DOC).to_numpy(), counts)).cast(docs.schema[DOC])
    if not positions:
        return pl.DataFrame([doc, line.alias(LINE)]), None
    starts = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    chars = line.str.len_chars().to_numpy().astype(np.int64)
    # per line: its document's first line, and where it starts in the batch's texts joined
    # (the lines before it, each with its newline); a line's index and offset in its document
    # are those minus its first line's. Few temporaries, reused in place: each array above
    # 128 KiB is fresh memory, page-faulted on first write.
    first = np.repeat(starts, counts)
    index = np.arange(len(line), dtype=np.int64)
    at = np.cumsum(chars)
    at -= chars
    at += index
    wide = len(at) and int(at[-1]) > np.iinfo(np.uint32).max  # (a polars cast raises on it)
    at -= at[first]
    index -= first
    frame = pl.DataFrame(
        [
            doc,
            pl.Series(LN, index).cast(pl.UInt32)
            if wide
            else pl.Series(LN, index.astype(np.uint32)),
            pl.Series(OFF, at).cast(pl.UInt32) if wide else pl.Series(OFF, at.astype(np.uint32)),
            line.alias(LINE),
        ]
    )
    return frame, chars


# What a rule keeps in its process between a batch's corpus pass and its main pass (a speed-up
# only: the main pass gives the same results without it). engine.run empties these when it
# starts and when it ends, so that nothing outlives a run in the process that ran it; a pool's
# worker processes end with the run, a Ray worker holds at most a cache's own cap.
_RUN_CACHES: list[dict] = []


def run_cache() -> dict:
    """A dict that engine.run empties when it starts and ends (clear_run_caches)."""
    cache: dict = {}
    _RUN_CACHES.append(cache)
    return cache


def clear_run_caches() -> None:
    for cache in _RUN_CACHES:
        cache.clear()


@dataclass
class RuleResult:
    """What a rule says about a batch.

    signals: name -> one value per document (written as `curate_<name>` columns).
    fired:   one bool per document: the rule's condition holds (thresholds applied).
    remove:  one bool per row of `batch.lines`: the lines `strip` would remove (None for rules
             that do not strip).
    """

    signals: dict[str, pl.Series]
    fired: pl.Series
    remove: pl.Series | None = None


class Rule:
    """Base class of every rule. Subclasses set the class attributes and implement `evaluate`.

    The class docstring is the rule's documentation (`curate rules NAME`): what it catches, why it
    matters, an example, and where its default thresholds come from. Parameters are documented on
    the `Params` dataclass fields.
    """

    name: ClassVar[str]
    family: ClassVar[str]
    actions: ClassVar[tuple[str, ...]] = ("flag", "drop")
    Params: ClassVar[type] = NoParams
    # the signal whose distribution the report draws, and the parameter drawn on it as a threshold
    main_signal: ClassVar[str | None] = None
    threshold_param: ClassVar[str | None] = None
    # histogram edges for the main signal (the report aggregates, it never keeps one value per doc)
    bins: ClassVar[tuple[float, ...]] = tuple(i / 20 for i in range(21))
    # rules that need a corpus-level first pass (recurring lines, duplicates, length spikes)
    needs_corpus: ClassVar[bool] = False
    # reads the shared line tokens (words.batch_line_tokens), so that a rule before it may split
    # the words once for both (words.wanted_later)
    reads_line_tokens: ClassVar[bool] = False

    def __init__(self, params: Any, action: str, options: dict[str, Any] | None = None):
        self.params = params
        self.action = action
        self.options = options or {}

    def evaluate(self, batch: Batch) -> RuleResult:
        raise NotImplementedError

    # -- corpus-level pass (only for rules with needs_corpus) -----------------------------------
    # collect() runs on every batch of the first pass (Batch.for_corpus: its lines hold `__doc`
    # and `line` only) and returns a small, picklable aggregate of hashes and counts (never
    # texts); merge() combines two aggregates (any order, any engine); finish() turns the merged
    # aggregate into what evaluate() finds in batch.corpus[self.name].
    def collect(self, batch: Batch) -> Any:
        return None

    def merge(self, a: Any, b: Any) -> Any:
        return a if b is None else b if a is None else a

    def finish(self, aggregate: Any) -> Any:
        return aggregate

    def corpus_summary(self, finished: Any) -> dict[str, Any]:
        """What the report shows of the corpus pass (top recurring lines, clusters, spikes)."""
        return {}
