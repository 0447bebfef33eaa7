"""Words, per language, as polars expressions: the unit behind the quality heuristics.

Gopher, C4 and FineWeb count "words". Peers split on whitespace (Gopher's paper), or run a
per-language tokenizer one document at a time (datatrove: spaCy, jieba, pythainlp). Whitespace
splitting breaks on scripts written without spaces: a Chinese article is one "word" 3,000
characters long, so it fails "too few words" and "mean word length" at once. Here one regex,
applied to the whole batch, splits every script:

- Space-delimited scripts (Latin, Cyrillic, Greek, Arabic, Devanagari, Hangul ...): a token is a
  run of non-space characters; punctuation stays attached ("world." is one token), as in the
  Gopher paper.
- Chinese characters (Han): every character is a token, as BERT's BasicTokenizer and sacreBLEU's
  `zh` tokenizer do. A Chinese word averages about 1.5 characters, so word counts run about 1.5x
  high; a dictionary segmenter (jieba) is a per-document Python call we avoid.
- Japanese: every Han and Hiragana character is a token; a run of Katakana (loanwords such as
  `コンピューター`) is one token.
- Thai: no spaces between words and no dictionary here. Thai letters are grouped into consonant
  clusters (a consonant with its leading vowel, vowel signs and tone marks) and up to
  THAI_CLUSTERS_PER_WORD clusters make one pseudo-word (a Thai word spans about three clusters).
  Counts are estimates: the hand-segmented sentences in tests/checks/test_quality.py give 20
  pseudo-words for 19 dictionary words, and 5 for 4.
- Lao, Khmer, Myanmar and Tibetan (also written without spaces between words): a letter with
  its combining marks is a cluster and up to THAI_CLUSTERS_PER_WORD clusters make a pseudo-word,
  as for Thai but without Thai's leading-vowel rule; an uncalibrated estimate, there so that
  these texts are neither one giant "word" nor judged by word length.

A token is a *word* when it holds a letter or a digit (`\\p{L}`, `\\p{N}`); tokens of punctuation
and symbols alone ("-", "|", "#", "...") are not words. Word lengths are measured on
space-delimited words with leading and trailing punctuation removed ("world." has 5 characters);
characters of unspaced scripts are left out of the mean, since their length is 1 by construction.

Stop words of Chinese, Japanese and Thai are matched as substrings (there are no word
boundaries to match on); those of every other language as whole tokens, lower-cased.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from curate.arrays import to_numpy
from curate.checks.base import LINE, Batch, string_bytes

# Japanese prolonged sound mark belongs to the Common script, but lives inside Katakana words.
_KANA_LONG = "\u30fc"
# Thai consonants ก..ฮ, leading vowels เ..ไ, and the marks that follow a consonant
# (vowel signs U+0E30..U+0E3A, U+0E47..U+0E4E tone marks and others).
_TH_CONS = r"\x{0E01}-\x{0E2E}"
_TH_LEAD = r"\x{0E40}-\x{0E44}"
_TH_MARK = r"\x{0E30}-\x{0E3A}\x{0E47}-\x{0E4E}"
_TH_CLUSTER = rf"[{_TH_LEAD}]?[{_TH_CONS}][{_TH_MARK}]*"
THAI_CLUSTERS_PER_WORD = 3

HAN_KANA = rf"[\p{{Han}}\p{{Hiragana}}]|\p{{Katakana}}[\p{{Katakana}}{_KANA_LONG}]*"
THAI = rf"(?:{_TH_CLUSTER}){{1,{THAI_CLUSTERS_PER_WORD}}}"
_SEA_SCRIPTS = r"\p{Lao}\p{Khmer}\p{Myanmar}\p{Tibetan}"
_SEA_CLUSTER = rf"[[{_SEA_SCRIPTS}]&&\p{{L}}]\p{{M}}*"
SOUTHEAST_ASIAN = rf"(?:{_SEA_CLUSTER}){{1,{THAI_CLUSTERS_PER_WORD}}}"
_UNSPACED_CLASS = (
    rf"\p{{Han}}\p{{Hiragana}}\p{{Katakana}}{_KANA_LONG}{_TH_CONS}{_TH_LEAD}{_TH_MARK}"
    rf"{_SEA_SCRIPTS}"
)
SPACED = rf"[^\s{_UNSPACED_CLASS}]+"
# leftmost-first alternation: unspaced scripts first, then space-delimited runs, then any stray
# character (an orphan Thai mark) so that nothing is silently dropped
TOKEN = rf"{HAN_KANA}|{THAI}|{SOUTHEAST_ASIAN}|{SPACED}|\S"
UNSPACED_TOKEN = (
    rf"^(?:[\p{{Han}}\p{{Hiragana}}\p{{Katakana}}]|[{_TH_LEAD}{_TH_CONS}]|[{_SEA_SCRIPTS}])"
)
WORD = r"[\p{L}\p{N}]"
LETTER = r"\p{L}"
EDGE_PUNCT = r"^[\p{P}\p{S}]+|[\p{P}\p{S}]+$"

# languages written without spaces between words: stop words are matched as substrings
SUBSTRING_LANGUAGES = ("ja", "th", "zh")


def tokens(text: pl.Expr) -> pl.Expr:
    """Each text's tokens, as a list (see the module documentation for the rules per script)."""
    return text.str.extract_all(TOKEN)


def token_frame(docs: pl.DataFrame, doc_col: str = "__doc", text_col: str = "text") -> pl.DataFrame:
    """One row per token: (doc, tok, is_word, has_letter, unspaced, bare, low), where `bare` is the
    token without leading and trailing punctuation and `low` is `bare` lower-cased.

    The definition, applied the plain way (the TOKEN regex over each whole text, every test on
    every token); the quality family uses `batch_line_tokens` (the tokens of each distinct
    line), which gives the same counts several times faster (tests/checks/test_quality.py
    checks the two agree)."""
    tok = pl.col("tok")
    return (
        docs.select(doc_col, tokens(pl.col(text_col)).alias("tok"))
        .explode("tok")
        .drop_nulls("tok")
        .with_columns(
            tok.str.contains(WORD).alias("is_word"),
            tok.str.contains(LETTER).alias("has_letter"),
            tok.str.contains(UNSPACED_TOKEN).alias("unspaced"),
            tok.str.replace_all(EDGE_PUNCT, "").alias("bare"),
        )
        .with_columns(pl.col("bare").str.to_lowercase().alias("low"))
    )


# -- the fast path: tokens of a batch's lines, dictionary-encoded --------------------------------

# a piece of a line split on " " is one whole token unless it holds other whitespace (a tab, a
# no-break space, "\r") or a character of an unspaced script; only those pieces go through TOKEN
_RETOKENIZE = rf"[\s{_UNSPACED_CLASS}]"
_PUNCT = r"[\p{P}\p{S}]"
# the ASCII characters of \p{P} and \p{S}: string.punctuation (tests/checks/test_words.py)
_ASCII_PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


# Batch.memo keys: a batch's distinct lines (`batch_distinct_lines`) and their tokens
# (`batch_line_tokens`); both follow strip actions (Batch.memo)
DISTINCT_LINES_MEMO = "words_distinct_lines"
DISTINCT_LINE_TOKENS_MEMO = "words_distinct_line_tokens"


# bits per count when LineTokens.per_distinct_line sums several counts in one integer (a line
# of up to 1,048,575 tokens; longer ones take a running sum per count)
_FIELD_BITS = 21
# tokens from which per_distinct_line asks whether two integers a token hold every count (the
# question is a polars query, ~50 us: dearer than the third integer it saves on a small batch)
_TWO_ROWS_MIN = 1 << 14


@dataclass(frozen=True)
class LineTokens:
    """The tokens of a column of lines, exactly as `tokens` splits each line.

    Lines repeat a lot in web crawls (a batch of 2,000 pages has some 33,000 lines but 7,000
    distinct ones: menus, footers, blank lines), so the lines are tokenised once per distinct
    string: `distinct` holds them and `inverse[i]` is line i's row in `distinct`.

    One entry per token of a distinct line in `line` (the row in `distinct`) and `code` (the token's
    row in `vocab`), as numpy arrays in no particular order. Only the distinct lines that `inverse`
    refers to have tokens: a row of `distinct` no line refers to (a line a strip removed) has none,
    and a count per distinct line is 0 there (read only through `inverse`). `vocab` has one row per
    distinct string: `tok`, `is_word`, `has_letter`, `unspaced`, `lead` and `trail` (punctuation or
    a symbol at the start / end), `chars`, `bare_chars` (characters without leading and trailing
    punctuation) and `low` (that bare token lower-cased). A batch of web pages has some 300 tokens
    per document but a few distinct strings per hundred tokens, so every per-token test runs on the
    vocabulary only. (`vocab` may hold strings no token refers to: the pieces split again.)
    """

    line: np.ndarray
    code: np.ndarray
    vocab: pl.DataFrame
    # the first `kept` entries are whole pieces of a line split on " "; the rest are the tokens of
    # the pieces split again, whose own (line, code) are `split_line` and `split_code`
    kept: int
    split_line: np.ndarray
    split_code: np.ndarray
    distinct: pl.Series
    inverse: np.ndarray

    def per_group(
        self, group_of_line: np.ndarray, n_groups: int, piece_counts: np.ndarray
    ) -> dict[str, np.ndarray]:
        """Sums over groups of lines (documents): `group_of_line[i]` (0..n_groups-1) is line i's.

        tokens, words, letter_tokens; split_off (edge punctuation of words, as spaCy splits it
        off); spaced_words and spaced_word_chars (space-delimited words and their characters
        without edge punctuation: the mean word length); and `pieces`, the sum of
        `piece_counts` (an integer per vocabulary row) over the pieces of the group's lines split
        on " ": the number of matches of a pattern that never spans a space, from one search of
        each distinct string.
        """
        return self.group_sums(self.per_distinct_line(piece_counts), group_of_line, n_groups)

    def group_sums(
        self, per_line: dict[str, np.ndarray], group_of_line: np.ndarray, n_groups: int
    ) -> dict[str, np.ndarray]:
        """`per_group` of counts already summed per distinct line (`per_distinct_line`)."""
        group = group_of_line.astype(np.int64)
        names = list(per_line)
        if len(group) and np.all(group[1:] >= group[:-1]):
            # a group's lines are consecutive (a batch's documents): one gather of every count
            # and one running sum, read at the groups' boundaries (exact integers)
            rows = np.take(np.stack([per_line[name] for name in names]), self.inverse, axis=1)
            sums = segment_sums(rows, np.bincount(group, minlength=n_groups))
            return dict(zip(names, sums, strict=True))
        # float64 sums of integers: exact below 2**53
        return {
            name: np.bincount(
                group, weights=counts[self.inverse].astype(np.float64), minlength=n_groups
            ).astype(np.int64)
            for name, counts in per_line.items()
        }

    def per_distinct_line(self, piece_counts: np.ndarray) -> dict[str, np.ndarray]:
        """The counts of `per_group`, per distinct line (row of `distinct`)."""
        v = self.vocab
        n = len(self.distinct)
        word = v.get_column("is_word").to_numpy()
        spaced = word & ~v.get_column("unspaced").to_numpy()
        edges = v.get_column("lead").to_numpy().astype(np.uint64) + v.get_column("trail").to_numpy()
        per_vocab = {
            "words": word.astype(np.uint64),
            "letter_tokens": v.get_column("has_letter").to_numpy().astype(np.uint64),
            "spaced_words": spaced.astype(np.uint64),
            "split_off": word * edges,
            # the pieces split again count as pieces (below), not their tokens
            "pieces": piece_counts.astype(np.uint64),
            "spaced_word_chars": (v.get_column("bare_chars").to_numpy() * spaced).astype(np.uint64),
        }
        k = self.kept
        code = self.code[:k]
        # the first `kept` tokens are in line order: a line's are a run, and its counts are
        # differences of running sums (exact, wrapping uint64) at the runs' ends
        tokens = self.kept_per_line
        out = {"tokens": tokens.copy()}
        b = _FIELD_BITS
        if not k or 2 * tokens.max() < 1 << b:
            # several counts summed at once, each in a field of b bits of one integer: a count
            # is at most 2 per token (split_off) and a line has fewer than 2**b / 2 tokens, so
            # no field carries into the next; pieces, unbounded, take the top 64 - b bits. The
            # three integers of a vocabulary row are read together (one gather of a row each)
            groups: tuple[tuple[str, ...], ...] = (
                ("words", "letter_tokens", "spaced_words"),
                ("split_off", "pieces"),
                ("spaced_word_chars",),
            )
            if k >= _TWO_ROWS_MIN and self.distinct.str.len_bytes().max() < 1 << b:
                # pieces and spaced_word_chars are at most a line's characters (a sentence end
                # is one or more of them), so lines of fewer than 2**b bytes fit them in fields
                # of b bits too: two integers a row instead of three (spaced_word_chars on top)
                groups = (
                    ("words", "letter_tokens", "spaced_words"),
                    ("split_off", "pieces", "spaced_word_chars"),
                )
            # (one row per group: np.take along the last axis and a running sum along it are
            # several times cheaper than indexing the rows of a (vocabulary, group) array)
            table = np.zeros((len(groups), len(v)), dtype=np.uint64)
            for j, group in enumerate(groups):
                for i, name in enumerate(group):
                    table[j] |= per_vocab[name] << np.uint64(i * b)
            sums = segment_sums(np.take(table, code, axis=1), tokens)
            mask = np.uint64((1 << b) - 1)
            for j, group in enumerate(groups):
                for i, name in enumerate(group):
                    field = sums[j] >> np.uint64(i * b)
                    out[name] = (field if i == len(group) - 1 else field & mask).astype(np.int64)
        else:
            for name, weights in per_vocab.items():
                out[name] = segment_sums(weights[code], tokens).astype(np.int64)
        # the tokens of the pieces split again (their pieces are counted in `pieces` instead)
        if len(self.code) > k:
            line, code = self.line[k:].astype(np.int64), self.code[k:]
            out["tokens"] = out["tokens"] + np.bincount(line, minlength=n)
            for name, weights in per_vocab.items():
                if name != "pieces":
                    # float64 sums of integers: exact below 2**53
                    w = weights[code].astype(np.float64)
                    out[name] += np.bincount(line, weights=w, minlength=n).astype(np.int64)
        if len(self.split_line):
            out["pieces"] += np.bincount(
                self.split_line.astype(np.int64),
                weights=per_vocab["pieces"][self.split_code].astype(np.float64),
                minlength=n,
            ).astype(np.int64)
        return out

    def words_per_line(self, n_lines: int) -> np.ndarray:
        """Per line: its words (tokens holding a letter or a digit)."""
        return self.words_per_distinct_line()[self.inverse]

    def long_tokens(self, n_lines: int, max_chars: int) -> np.ndarray:
        """Per line: tokens longer than `max_chars` characters."""
        return self.long_tokens_per_distinct_line(max_chars)[self.inverse]

    def words_per_distinct_line(self) -> np.ndarray:
        """Per distinct line (row of `distinct`): its words."""
        return self.count_per_distinct_line(self.vocab.get_column("is_word").to_numpy())

    def long_tokens_per_distinct_line(self, max_chars: int) -> np.ndarray:
        """Per distinct line: tokens longer than `max_chars` characters."""
        long = self.vocab.get_column("chars").to_numpy() > max_chars
        if not long.any():
            return np.zeros(len(self.distinct), dtype=np.int64)
        return self.count_per_distinct_line(long)

    def expanded(self) -> LineTokens:
        """The same tokens with one row of `distinct` per line (`inverse` the identity): `line`
        is then each token's line, and the first `kept` entries are in line order, each line's
        pieces in order."""
        n = len(self.inverse)
        if len(self.distinct) == n and np.array_equal(self.inverse, np.arange(n)):
            return self
        inv = self.inverse

        def spread(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            # `rows`: distinct lines, non-decreasing; for each line, the entries of its distinct
            # line in order: (the line of each, the entry it copies)
            count = np.bincount(rows, minlength=len(self.distinct))
            start = np.cumsum(count) - count
            per = count[inv]
            offset = np.cumsum(per) - per
            at = np.repeat(start[inv] - offset, per) + np.arange(per.sum())
            return np.repeat(np.arange(n, dtype=np.uint32), per), at

        k = self.kept
        kept_line, kept_at = spread(self.line[:k].astype(np.int64))
        more_line, more_at = spread(self.line[k:].astype(np.int64))
        split_line, split_at = spread(self.split_line.astype(np.int64))
        return LineTokens(
            line=np.concatenate([kept_line, more_line]),
            code=np.concatenate([self.code[:k][kept_at], self.code[k:][more_at]]),
            vocab=self.vocab,
            kept=len(kept_line),
            split_line=split_line,
            split_code=self.split_code[split_at],
            distinct=self.distinct.gather(inv),
            inverse=np.arange(n),
        )

    def after_strip(self, keep: np.ndarray) -> LineTokens:
        """The tokens of the lines where `keep` (a bool per line): the same distinct lines and
        tokens, fewer lines referring to them (a distinct line no line refers to any more counts
        for no line)."""
        return dataclasses.replace(self, inverse=self.inverse[keep])

    def where(self, vocab_mask: np.ndarray) -> np.ndarray:
        """The lines (with repeats) of the tokens whose vocabulary row is set in `vocab_mask`."""
        per_line = self.count_per_distinct_line(vocab_mask)[self.inverse]
        return np.repeat(np.arange(len(self.inverse)), per_line)

    def count_per_distinct_line(self, vocab_mask: np.ndarray) -> np.ndarray:
        """Per distinct line: its tokens whose vocabulary row is set in `vocab_mask`."""
        k = self.kept
        # the first `kept` tokens by runs per line; the tokens of the pieces split again apart
        out = segment_sums(np.take(vocab_mask.astype(np.int64), self.code[:k]), self.kept_per_line)
        if len(self.code) > k:
            hit = vocab_mask[self.code[k:]]
            out += np.bincount(self.line[k:][hit], minlength=len(self.distinct))
        return out

    @functools.cached_property
    def ascii_lower_bytes(self) -> bytes:
        """The UTF-8 bytes of the vocabulary's strings one after the other, ASCII letters
        lower-cased (`bytes.lower`): a lower-case ASCII string a token holds in any ASCII case
        is found in them (and maybe across two strings: a search here can only say "maybe")."""
        return self.utf8[1].tobytes().lower()

    @functools.cached_property
    def utf8(self) -> tuple[np.ndarray, np.ndarray]:
        """The vocabulary's strings as (offsets, bytes) (`string_bytes`), read once."""
        return string_bytes(self.vocab.get_column("tok"))

    @functools.cached_property
    def terminal_free(self) -> np.ndarray:
        """Per vocabulary row: True where the string is known to hold no sentence terminal
        (SENTENCE_TERMINAL), for the strings the split read from their characters (`_char_props`);
        False (not known) for the others."""
        return np.zeros(len(self.vocab), dtype=bool)

    @functools.cached_property
    def kept_per_line(self) -> np.ndarray:
        """Per distinct line: how many of the first `kept` tokens (those in line order) are its
        (computed once: the counts per line read them)."""
        return np.bincount(self.line[: self.kept], minlength=len(self.distinct))


def segment_sums(values: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Sums of consecutive runs of `values` along its last axis, run i of `lengths[i]` values
    (they add up to values.shape[-1]), in the dtype of `values` (integers: exact, or wrapping
    as their sum does). One `np.add.reduceat` at the starts of the runs that are not empty
    (the others sum to 0): a pass over the values, where a running sum read at the runs' ends
    takes two. (`values` is left as it is; callers written for the running sum, which
    overwrote it, do not read it again.)"""
    out = np.zeros((*values.shape[:-1], len(lengths)), dtype=values.dtype)
    full = np.flatnonzero(lengths)
    if len(full):
        starts = (np.cumsum(lengths) - lengths)[full]
        out[..., full] = np.add.reduceat(values, starts, axis=-1)
    return out


def take_sorted(values: pl.Series, rows: np.ndarray) -> pl.Series:
    """`values.gather(rows)` for `rows` ascending without repeats (as `np.flatnonzero` gives
    them), as a filter by a mask: a Series gather runs a polars query (~60 us, most of it the
    query's fixed cost), a filter does not (~2 us), and is cheaper on large inputs too."""
    mask = np.zeros(len(values), dtype=bool)
    mask[rows] = True
    return values.filter(mask)


def distinct_lines(lines: pl.Series) -> tuple[pl.Series, np.ndarray]:
    """(the distinct strings of `lines`, each line's row among them), in order of first
    appearance (a null line is taken as "")."""
    inverse, distinct = _encode(lines.fill_null(""))
    return distinct, inverse.astype(np.int64)


def referenced_lines(distinct: pl.Series, inverse: np.ndarray) -> tuple[pl.Series, np.ndarray]:
    """(the rows of `distinct` that `inverse` refers to, each line's row among those): after a
    strip or for a subset of the lines, `distinct` may hold strings no line refers to any more;
    a rule computing something per distinct line skips them (in their order in `distinct`)."""
    rows, at = referenced_rows(len(distinct), inverse)
    return (distinct, inverse) if rows is None else (take_sorted(distinct, rows), at)


def referenced_rows(n: int, inverse: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
    """`referenced_lines` by row numbers, for `n` distinct lines: (the rows `inverse` refers to,
    None when it refers to all of them; each line's row among those)."""
    used = np.zeros(n, dtype=bool)
    used[inverse] = True
    if used.all():
        return None, inverse
    return np.flatnonzero(used), (np.cumsum(used) - 1)[inverse]


def line_tokens(lines: pl.Series) -> LineTokens:
    """Tokenise a column of lines (no "\\n" inside) into `LineTokens` with one row of `distinct`
    per line: `line` is each token's row in `lines` (tokenised once per distinct line, then
    expanded)."""
    return distinct_line_tokens(*distinct_lines(lines)).expanded()


def distinct_line_tokens(distinct: pl.Series, inverse: np.ndarray) -> LineTokens:
    """Tokenise the distinct lines `distinct` (see `distinct_lines`) into `LineTokens`.

    Splitting on " " is a literal split, several times cheaper than the TOKEN regex; it gives
    TOKEN's tokens exactly for every piece without other whitespace or unspaced-script
    characters (SPACED then matches the whole piece). The other pieces, rare on most corpora,
    are split again with TOKEN: no token holds a space and TOKEN has no look-around, so
    splitting a line at its spaces first changes none of its tokens.

    Only the rows of `distinct` that `inverse` refers to are split (`LineTokens`).
    """
    # only the distinct lines some line refers to: after a strip (the memo of the distinct lines
    # is kept across strips, Batch.memo) a batch of web pages refers to a third of them
    used = np.zeros(len(distinct), dtype=bool)
    used[inverse] = True
    rows = np.flatnonzero(used).astype(np.uint32)
    lines = distinct if len(rows) == len(distinct) else take_sorted(distinct, rows)
    split = lines.str.split(" ")
    pieces_per_line = split.list.len().to_numpy()
    line = np.repeat(rows, pieces_per_line)
    # the pieces kept per distinct line (LineTokens.kept_per_line): the pieces of each, less
    # those dropped below (a few), instead of a count over every token
    kept_per_line = np.zeros(len(distinct), dtype=np.int64)
    kept_per_line[rows] = pieces_per_line
    code, vocab, index = _encode_indexed(split.explode())
    vocab = vocab.alias("tok")
    # "" (between two spaces) is no token; the other pieces to drop are split again. The bytes
    # of each ASCII piece answer the tests here and in _vocab_properties; a regex searches the
    # others (a few percent of a web batch's vocabulary)
    utf8 = string_bytes(vocab)
    classes = _byte_classes(vocab, utf8)
    again = (classes[0] & _SPLIT) > 0
    other = np.flatnonzero(classes[0] & _NON_ASCII)
    non_ascii: list[tuple[np.ndarray, _CharProps]] = []
    if len(other) and _use_table(len(other)):
        # read from their characters (`_char_props`), which _vocab_properties reads too
        strings = take_sorted(vocab, other)
        props = _char_props(string_bytes(strings), strings.str.len_chars().to_numpy())
        non_ascii.append((other, props))
        again[other] = (props.any_ & _SPLIT) > 0
    elif len(other):
        again[other] = take_sorted(vocab, other).str.contains(_RETOKENIZE).to_numpy()
    drop = again | (utf8[0][1:] == utf8[0][:-1])
    split_line = split_code = np.zeros(0, dtype=np.uint32)
    kept = len(code)
    if drop.any():
        dropped = np.take(drop, code)
        rows = np.flatnonzero(dropped)
        redo = rows[again[code[rows]]]
        split_line, split_code = line[redo], code[redo]
        kept_per_line -= np.bincount(line[rows], minlength=len(distinct))
        keep = ~dropped
        line, code = line[keep], code[keep]
        kept = len(code)
        if len(redo):
            # each distinct piece split once (in order of first occurrence: its new tokens are
            # appended in the order the occurrences would give them), then its tokens' codes
            # repeated per occurrence
            uniq, first, inv = np.unique(split_code, return_index=True, return_inverse=True)
            order = np.argsort(first, kind="stable")
            place = np.empty(len(uniq), dtype=np.intp)
            place[order] = np.arange(len(uniq))
            more, per_piece = _retokenize(vocab.gather(uniq[order]))
            more_code, vocab = _append_codes(vocab, more.alias("tok"), index)
            counts = per_piece[place[inv]]
            begin = (np.cumsum(per_piece) - per_piece)[place[inv]]
            at = np.repeat(begin - (np.cumsum(counts) - counts), counts) + np.arange(counts.sum())
            line = np.concatenate([line, np.repeat(split_line, counts)])
            code = np.concatenate([code, more_code[at]])
    n_pieces = len(utf8[0]) - 1
    if non_ascii and len(vocab) > n_pieces:
        # (the appended tokens read from their characters too, now that the table is built)
        appended = vocab.slice(n_pieces)
        props = _char_props(string_bytes(appended), appended.str.len_chars().to_numpy())
        non_ascii.append((np.arange(n_pieces, len(vocab)), props))
    tokens = LineTokens(
        line=line,
        code=code,
        vocab=_vocab_properties(vocab, again, classes, utf8, non_ascii),
        kept=kept,
        split_line=split_line,
        split_code=split_code,
        distinct=distinct,
        inverse=inverse,
    )
    # (cached properties, set here: not computed a second time)
    tokens.__dict__["kept_per_line"] = kept_per_line
    if non_ascii:
        free = np.zeros(len(vocab), dtype=bool)
        for at, props in non_ascii:
            free[at] = (props.any_ & _TERMINAL_BIT) == 0
        tokens.__dict__["terminal_free"] = free
    if len(vocab) > n_pieces:
        # the bytes read above, then those of the tokens appended (a few thousand strings),
        # where reading the whole vocabulary's again converts every string
        off, data = string_bytes(vocab.slice(n_pieces))
        utf8 = (np.concatenate([utf8[0], utf8[0][-1] + off[1:]]), np.concatenate([utf8[1], data]))
    tokens.__dict__["utf8"] = utf8
    return tokens


def _retokenize(pieces: pl.Series) -> tuple[pl.Series, np.ndarray]:
    """(the TOKEN matches of `pieces`, one after the other; how many each piece holds): what
    `str.extract_all(TOKEN)` gives, exploded. Pieces of spaced runs, Han, Hiragana, Katakana and
    whitespace alone (a tab, a no-break space, Japanese) are cut where TOKEN cuts them, read from
    each character's kind (`_token_kinds`): TOKEN, a long pattern, compiles again in most
    batches of a run (~0.6 ms) for the few such pieces a batch holds. Pieces with a Thai or
    Southeast Asian character, or one beyond the Basic Multilingual Plane, are searched with it
    (tests/checks/test_words.py checks both against TOKEN)."""
    off, data = string_bytes(pieces)
    starts = np.flatnonzero((data & 0xC0) != 0x80)
    cp, size = char_at(data, starts)
    kinds = _token_kinds()
    kind = kinds[np.maximum(cp, 0)]
    if (cp < 0).any() or (kind == _K_HARD).any():
        split = pieces.str.extract_all(TOKEN)
        return split.explode().drop_nulls(), split.list.len().to_numpy().astype(np.int64)
    piece = np.searchsorted(off, starts, side="right") - 1
    n = len(starts)
    head = np.ones(n, dtype=bool)  # the first character of its piece
    head[1:] = piece[1:] != piece[:-1]
    # a run of the prolonged sound mark continues a Katakana run: the kind of the character
    # before the run (in its piece)
    marker = np.where(head | (kind != _K_LONG), np.arange(n), 0)
    before = np.maximum.accumulate(marker) if n else marker
    in_run = (kind == _K_KATA) | ((kind == _K_LONG) & ~head & (kind[before] == _K_KATA))
    prev_kind = np.empty(n, dtype=kind.dtype)
    prev_kind[1:] = kind[:-1]
    prev_run = np.zeros(n, dtype=bool)
    prev_run[1:] = in_run[:-1]
    cont = ~head & (
        ((kind == _K_OTHER) & (prev_kind == _K_OTHER))
        | (((kind == _K_KATA) | (kind == _K_LONG)) & prev_run)
    )
    solid = np.flatnonzero(kind != _K_WS)
    begins = np.flatnonzero(~cont[solid])
    first = solid[begins]
    # a token runs from its first character to the character before the next token's first
    # among those that are not whitespace (none inside a token)
    last = solid[np.append(begins[1:] - 1, len(solid) - 1)] if len(begins) else begins
    lo = starts[first]
    hi = starts[last] + size[last]
    lengths = hi - lo
    out_off = np.zeros(len(first) + 1, dtype=np.int64)
    np.cumsum(lengths, out=out_off[1:])
    at = np.repeat(lo - out_off[:-1], lengths) + np.arange(out_off[-1])
    tokens = pl.Series(
        pieces.name,
        pa.LargeStringArray.from_buffers(
            len(first), pa.py_buffer(out_off), pa.py_buffer(data[at].tobytes())
        ),
        dtype=pl.String,
    )
    return tokens, np.bincount(piece[first], minlength=len(pieces)).astype(np.int64)


_K_OTHER, _K_WS, _K_HH, _K_KATA, _K_LONG, _K_HARD = 0, 1, 2, 3, 4, 5


@functools.cache
def _token_kinds() -> np.ndarray:
    """Per code point of the Basic Multilingual Plane: what TOKEN does with that character, from
    the very patterns: whitespace (no token), Han or Hiragana (a token of its own), Katakana (a
    run with the prolonged sound mark), that mark, a Thai or Southeast Asian character (TOKEN
    answers), or another (a run of them, as SPACED takes them)."""
    kinds = np.zeros(0x10000, dtype=np.uint8)
    unspaced = _char_class(f"[{_UNSPACED_CLASS}]")
    kinds[unspaced] = _K_HARD
    kinds[unspaced & (np.arange(0x10000) == ord(_KANA_LONG))] = _K_LONG
    kinds[_char_class(r"\p{Katakana}")] = _K_KATA
    kinds[_char_class(r"[\p{Han}\p{Hiragana}]")] = _K_HH
    kinds[_char_class(r"\s")] = _K_WS
    return kinds


# bits of `_byte_classes`: what the regexes say of an ASCII character (_NON_ASCII: a byte of a
# longer UTF-8 sequence, which the regexes must judge)
_LETTER, _WORD, _PUNCT_BIT, _SPLIT, _UPPER, _NON_ASCII = 1, 2, 4, 8, 16, 32


@functools.cache
def _byte_table() -> np.ndarray:
    """Per byte value: its `_byte_classes` bits, from the very regexes applied to each ASCII
    character (so that the table cannot part from them)."""
    ascii_chars = pl.Series([chr(i) for i in range(128)], dtype=pl.String)
    bits = np.zeros(128, dtype=np.uint8)
    for bit, hit in (
        (_LETTER, ascii_chars.str.contains(LETTER)),
        (_WORD, ascii_chars.str.contains(WORD)),
        (_PUNCT_BIT, ascii_chars.str.contains(_PUNCT)),
        (_SPLIT, ascii_chars.str.contains(_RETOKENIZE)),
        (_UPPER, ascii_chars.str.to_lowercase() != ascii_chars),
    ):
        bits |= hit.to_numpy().astype(np.uint8) * np.uint8(bit)
    table = np.full(256, _NON_ASCII, dtype=np.uint8)
    table[:128] = bits
    return table


def _byte_classes(
    strings: pl.Series, utf8: tuple[np.ndarray, np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per string: the `_byte_table` bits of all its bytes OR-ed, of its first byte and of its
    last byte (0 for ""), read with numpy from the Arrow buffers: one pass over the bytes instead
    of a regex search per property (a string with _NON_ASCII set is judged by the regexes).
    `utf8`: the strings' `string_bytes`, when the caller has it."""
    n = len(strings)
    off, data = string_bytes(strings) if utf8 is None else utf8
    any_ = np.zeros(n, dtype=np.uint8)
    first = np.zeros(n, dtype=np.uint8)
    last = np.zeros(n, dtype=np.uint8)
    if not len(data):
        return any_, first, last
    cls = np.take(_byte_table(), data)
    start = off[:-1]
    full = np.flatnonzero(off[1:] > start)
    # a segment of reduceat runs to the next index given: the empty strings between add nothing
    any_[full] = np.bitwise_or.reduceat(cls, start[full])
    first[full] = cls[start[full]]
    last[full] = cls[off[1:][full] - 1]
    return any_, first, last


@functools.cache
def _bmp_chars() -> pl.Series:
    """Every character of the Basic Multilingual Plane as a string of its own, row i holding
    code point i (the surrogates, which no UTF-8 text holds, as "")."""
    chars = [b"" if 0xD800 <= i <= 0xDFFF else chr(i).encode() for i in range(0x10000)]
    off = np.zeros(len(chars) + 1, dtype=np.int64)
    np.cumsum([len(c) for c in chars], out=off[1:])
    arr = pa.LargeStringArray.from_buffers(
        len(chars), pa.py_buffer(off), pa.py_buffer(b"".join(chars))
    )
    return pl.Series("char", arr, dtype=pl.String)


@functools.cache
def _char_class(pattern: str) -> np.ndarray:
    """Per code point of the Basic Multilingual Plane: is that one character a match of
    `pattern` (a character class or an alternation of them), from the pattern itself; built
    once per process (~25 CPU ms for the first, with the characters, a few ms each after)."""
    return _bmp_chars().str.contains(f"^(?:{pattern})$").to_numpy()


def _decode(data: np.ndarray, at: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Code points of the characters of `size` bytes at `at` (-1 for four bytes)."""
    cp = data[at].astype(np.int64)
    two = np.flatnonzero(size == 2)
    if len(two):
        a = at[two]
        cp[two] = ((cp[two] & 0x1F) << 6) | (data[a + 1] & 0x3F)
    three = np.flatnonzero(size == 3)
    if len(three):
        a = at[three]
        middle = (data[a + 1] & 0x3F).astype(np.int64) << 6
        cp[three] = ((cp[three] & 0x0F) << 12) | middle | (data[a + 2] & 0x3F)
    cp[size >= 4] = -1
    return cp


def char_at(data: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The code point of the character starting at byte `at` of UTF-8 text (-1 outside the
    Basic Multilingual Plane) and its size in bytes."""
    lead = data[at]
    size = np.where(lead < 0x80, 1, np.where(lead < 0xE0, 2, np.where(lead < 0xF0, 3, 4)))
    return _decode(data, at, size), size


# non-ASCII strings (of a split's pieces, or its appended tokens) from which their properties are
# read from the characters in a table (`_char_table`: ~40 CPU ms a process to build, the first
# time) rather than searched with the regexes (a small batch, or a test, searches)
_TABLE_MIN = 500
# once the table is built, every batch reads it, however few its non-ASCII strings: the regexes
# compile again in most batches of a run (its other rules push them out of polars' cache), ~2 ms
# a web batch of ~800 such strings against a few numpy passes (tests turn this off to test the
# regexes' way)
_TABLE_REUSE = True


def _use_table(n: int) -> bool:
    """Are `n` non-ASCII strings (at least one) read from their characters (`_char_props`)?"""
    return n >= _TABLE_MIN or (_TABLE_REUSE and _char_table.cache_info().currsize > 0)


@functools.cache
def _char_table() -> np.ndarray:
    """Per code point of the Basic Multilingual Plane: the `_byte_classes` bits of that one
    character (_LETTER, _WORD, _PUNCT_BIT, _SPLIT), from the very patterns (`_char_class`)."""
    table = np.zeros(0x10000, dtype=np.uint8)
    for bit, pattern in _CHAR_BITS:
        table |= _char_class(pattern).astype(np.uint8) * np.uint8(bit)
    return table


# the bits of `_char_table` and the patterns they come from
# (_UNSPACED_FIRST, a bit of this table alone: the character starts an unspaced token, as
# UNSPACED_TOKEN, anchored at the start, reads its first character)
_UNSPACED_FIRST = 64
# (_TERMINAL_BIT: a sentence terminal, which every match of quality.SENTENCE holds)
_TERMINAL_BIT = 128
SENTENCE_TERMINAL = r"\p{Sentence_Terminal}"
assert UNSPACED_TOKEN.startswith("^(?:") and UNSPACED_TOKEN.endswith(")")
_CHAR_BITS = (
    (_LETTER, LETTER),
    (_WORD, WORD),
    (_PUNCT_BIT, _PUNCT),
    (_SPLIT, _RETOKENIZE),
    (_UNSPACED_FIRST, UNSPACED_TOKEN[1:]),
    (_TERMINAL_BIT, SENTENCE_TERMINAL),
)


class CodePointMemo:
    """Values of code points beyond the Basic Multilingual Plane (emoji, historic scripts, rare
    Han: a batch holds a few), found by `find` (a list of new code points -> a list of their
    values, from the patterns themselves) once per process, then remembered: at most `limit`
    of them (hostile text can hold every one of the ~1M code points; forgotten all at once, then
    found again). A call answers from a dict of its own, so another thread forgetting meanwhile
    loses nothing."""

    def __init__(self, find: Callable[[list[int]], list[Any]], limit: int = 1 << 16) -> None:
        self.find = find
        self.limit = limit
        self.known: dict[int, Any] = {}

    def values(self, distinct: list[int]) -> list[Any]:
        """The values of `distinct` (code points), in their order."""
        found = {c: self.known.get(c) for c in distinct}
        new = [c for c, v in found.items() if v is None]
        if new:
            found.update(zip(new, self.find(new), strict=True))
            if len(self.known) + len(new) > self.limit:
                self.known.clear()
            self.known.update((c, found[c]) for c in new)
        return list(found.values())


def _find_bits(new: list[int]) -> list[int]:
    """`_char_table`'s bits of the code points `new`, from the same patterns."""
    chars = pl.Series([chr(c) for c in new], dtype=pl.String)
    bits = np.zeros(len(new), dtype=np.uint8)
    for bit, pattern in _CHAR_BITS:
        hit = chars.str.contains(f"^(?:{pattern})$").to_numpy()
        bits |= hit.astype(np.uint8) * np.uint8(bit)
    return bits.tolist()


# the `_char_table` bits of the characters beyond the Basic Multilingual Plane met so far
_SUPPLEMENTARY = CodePointMemo(_find_bits)


def _supplementary_bits(cp: np.ndarray) -> np.ndarray:
    """`_char_table`'s bits of code points beyond the Basic Multilingual Plane (uint8): the
    patterns searched in those not met before only (`_SUPPLEMENTARY`)."""
    distinct, inverse = np.unique(cp, return_inverse=True)
    table = np.array(_SUPPLEMENTARY.values(distinct.tolist()), dtype=np.uint8)
    return table[inverse.reshape(-1)]


@dataclass(frozen=True)
class _CharProps:
    """What `_vocab_properties` (and the split's `_RETOKENIZE` test) needs of some non-empty
    strings, read from their characters (`_char_props`): `any_`, `first`, `last`: the
    `_char_table` bits of all their characters OR-ed, of the first and of the last; `lead` and
    `trail`: the characters of the leading and the trailing run of punctuation and symbols (a
    string of them alone: lead is its length, trail 0)."""

    any_: np.ndarray
    first: np.ndarray
    last: np.ndarray
    lead: np.ndarray
    trail: np.ndarray


def _char_props(utf8: tuple[np.ndarray, np.ndarray], chars: np.ndarray) -> _CharProps:
    """`_CharProps` of strings given as their `string_bytes` `utf8` and their characters
    `chars` (each at least one). Every character is decoded from its bytes and looked up in
    `_char_table` (`_supplementary_bits` beyond it). (The regexes LETTER, WORD, ^_PUNCT,
    _PUNCT$, _RETOKENIZE and the removal of the edge runs search ~10,000 non-ASCII strings in a
    web batch, and compile again whenever the run's other regexes pushed them out of polars'
    cache; tests/checks/test_words.py checks both ways agree.)"""
    off, data = utf8
    n = len(chars)
    starts = np.flatnonzero((data & 0xC0) != 0x80)
    # each character's code point from its bytes (four read at every start, past the end read
    # as 0: a valid string holds every byte its characters need)
    b = np.zeros(len(data) + 3, dtype=np.int32)
    b[: len(data)] = data
    b0, b1, b2 = b[starts], b[starts + 1] & 0x3F, b[starts + 2] & 0x3F
    cp = np.where(
        b0 < 0x80,
        b0,
        np.where(b0 < 0xE0, ((b0 & 0x1F) << 6) | b1, ((b0 & 0x0F) << 12) | (b1 << 6) | b2),
    )
    chars = chars.astype(np.int64)
    # (a valid string has as many first bytes as characters)
    assert len(cp) == chars.sum()
    char_off = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(chars, out=char_off[1:])
    begin, end = char_off[:-1], char_off[1:]
    outside = np.flatnonzero(b0 >= 0xF0)
    if len(outside):
        cp[outside] = 0
    bits = np.take(_char_table(), cp)
    if len(outside):
        at = starts[outside]
        four = ((b0[outside] & 0x07) << 18) | (b1[outside] << 12) | (b2[outside] << 6)
        bits[outside] = _supplementary_bits(four | (b[at + 3] & 0x3F))
    any_ = np.bitwise_or.reduceat(bits, begin)
    first = bits[begin]
    last = bits[end - 1]
    # the first and the last character that is not punctuation or a symbol bound the bare
    # string (none inside the string: it is all edge, lead its length)
    inner = np.flatnonzero((bits & _PUNCT_BIT) == 0)
    inner = np.append(inner, len(bits))  # (a sentinel past the last string)
    lead = np.minimum(inner[np.searchsorted(inner, begin)] - begin, chars)
    before = np.searchsorted(inner, end) - 1
    last_inner = np.where(before >= 0, inner[np.maximum(before, 0)], -1)
    trail = np.where(last_inner >= begin, end - 1 - last_inner, 0)
    return _CharProps(any_, first, last, lead, trail)


def _vocab_properties(
    vocab: pl.Series,
    again: np.ndarray,
    classes: tuple[np.ndarray, np.ndarray, np.ndarray],
    utf8: tuple[np.ndarray, np.ndarray],
    non_ascii: list[tuple[np.ndarray, _CharProps]] | None = None,
) -> pl.DataFrame:
    """The vocabulary frame of `LineTokens`: `vocab` (named "tok") and the properties of each
    string. The first len(again) strings are the pieces of the lines split on " ": `again[i]`
    says whether string i holds whitespace or a character of an unspaced script, `classes` are
    their `_byte_classes` and `utf8` their `string_bytes`; the strings after those are the tokens of
    such pieces split again.

    Each test runs only on the strings it can change (tests/checks/test_words.py checks the
    result against every test on every string, `_plain_vocab_properties`):
    - an ASCII piece is answered by its bytes (`_byte_classes`: letters, digits, punctuation at
      either end, upper case); the regexes search the other strings only;
    - a string holding a letter holds a word character: WORD is searched in the others only;
    - an unspaced token starts with a character of an unspaced script, which a piece not split
      again does not hold: UNSPACED_TOKEN is searched in the pieces split again and their tokens;
    - an ASCII piece is lower-cased with its bytes, all at once (`bytes.lower`: A-Z, which is
      what lower-casing does to ASCII), and its edge punctuation is removed from that by
      `strip_chars` of the 32 ASCII punctuation characters (exactly the ASCII characters of
      \\p{P} and \\p{S}; lower-casing changes no punctuation), only where it has some at an
      edge: that is `low`, and its length `bare_chars`;
    - the other strings lose their leading run of punctuation, then their trailing one (EDGE_PUNCT:
      an anchored replacement each, where the alternation, replaced everywhere, searches every
      position: twice the time), where they have some at an edge, and are lower-cased.
    - `non_ascii`: (rows, `_CharProps`) of the strings the split read from their characters (the
      non-ASCII pieces, when `_use_table` says so, then the appended tokens):
      those rows are answered from their characters (letter, word character, punctuation or
      symbol first and last, the edge runs' lengths, which `str.slice` cuts off, and whether the
      first starts an unspaced token); the regexes search none of them.
    """
    n, n_pieces = len(vocab), len(again)
    any_, first, last = classes
    chars = vocab.str.len_chars()
    slow = np.ones(n, dtype=bool)
    slow[:n_pieces] = (any_ & _NON_ASCII) > 0
    letter = np.zeros(n, dtype=bool)
    word = np.zeros(n, dtype=bool)
    lead = np.zeros(n, dtype=bool)
    trail = np.zeros(n, dtype=bool)
    letter[:n_pieces] = (any_ & _LETTER) > 0
    word[:n_pieces] = (any_ & _WORD) > 0
    lead[:n_pieces] = (first & _PUNCT_BIT) > 0
    trail[:n_pieces] = (last & _PUNCT_BIT) > 0
    chars_np = chars.to_numpy()
    # the rows answered from their characters (`_CharProps`), and each one's edge runs
    done = np.zeros(n, dtype=bool)
    edge_lead = np.zeros(n, dtype=np.int64)
    edge_trail = np.zeros(n, dtype=np.int64)
    parts = non_ascii or []
    if parts:
        for at, props in parts:
            done[at] = True
            letter[at] = (props.any_ & _LETTER) > 0
            word[at] = (props.any_ & _WORD) > 0
            lead[at] = (props.first & _PUNCT_BIT) > 0
            trail[at] = (props.last & _PUNCT_BIT) > 0
            edge_lead[at] = props.lead
            edge_trail[at] = props.trail
    rows = np.flatnonzero(slow & ~done)
    if len(rows):
        tests = pl.DataFrame(take_sorted(vocab, rows).alias("tok")).select(
            pl.col("tok").str.contains(LETTER).alias("letter"),
            pl.col("tok").str.contains("^" + _PUNCT).alias("lead"),
            pl.col("tok").str.contains(_PUNCT + "$").alias("trail"),
        )
        letter[rows] = tests.get_column("letter").to_numpy()
        lead[rows] = tests.get_column("lead").to_numpy()
        trail[rows] = tests.get_column("trail").to_numpy()
        rows = rows[~letter[rows]]
        if len(rows):
            word[rows] = take_sorted(vocab, rows).str.contains(WORD).to_numpy()
        word[slow & letter] = True
    maybe = np.ones(n, dtype=bool)
    maybe[:n_pieces] = again
    # (a string read from its characters starts an unspaced token when its first one does)
    unspaced_first = np.zeros(n, dtype=bool)
    for at, props in parts:
        unspaced_first[at] = (props.first & _UNSPACED_FIRST) > 0
    done_unspaced = np.flatnonzero(maybe & done)
    maybe &= ~done
    unspaced = np.zeros(n, dtype=bool)
    rows = np.flatnonzero(maybe)
    if len(rows):
        unspaced[rows] = take_sorted(vocab, rows).str.contains(UNSPACED_TOKEN).to_numpy()
    unspaced[done_unspaced] = unspaced_first[done_unspaced]
    # the ASCII pieces lower-cased by their bytes (the others' rows are overwritten below)
    off, data = utf8
    low = pl.Series(
        "low",
        pa.LargeStringArray.from_buffers(
            n_pieces, pa.py_buffer(off), pa.py_buffer(data.tobytes().lower())
        ),
        dtype=pl.String,
    )
    if n > n_pieces:
        low = pl.concat([low, vocab.slice(n_pieces)], rechunk=True)
    edge = np.flatnonzero(~slow & (lead | trail))
    if len(edge):
        low = low.scatter(edge, take_sorted(low, edge).str.strip_chars(_ASCII_PUNCT))
    bare_chars = low.str.len_chars().to_numpy(writable=True)
    rows = np.flatnonzero(done)
    if len(rows):
        # the edge runs cut off by their lengths in characters (a string all edge: to "")
        bare = take_sorted(vocab, rows)
        keep = chars_np[rows].astype(np.int64) - edge_lead[rows] - edge_trail[rows]
        at = np.flatnonzero(keep < chars_np[rows])
        if len(at):
            cut = take_sorted(bare, at).str.slice(
                pl.Series(edge_lead[rows][at]), pl.Series(keep[at])
            )
            bare = bare.scatter(at, cut)
        bare_chars[rows] = keep
        low = low.scatter(rows, bare.str.to_lowercase())
    rows = np.flatnonzero(slow & ~done)
    if len(rows):
        bare = take_sorted(vocab, rows)
        at = np.flatnonzero(lead[rows] | trail[rows])
        if len(at):
            edged = take_sorted(bare, at)
            bare = bare.scatter(
                at, edged.str.replace("^" + _PUNCT + "+", "").str.replace(_PUNCT + "+$", "")
            )
        bare_chars[rows] = bare.str.len_chars().to_numpy()
        low = low.scatter(rows, bare.str.to_lowercase())
    return pl.DataFrame(
        [
            vocab.alias("tok"),
            pl.Series("is_word", word),
            pl.Series("has_letter", letter),
            pl.Series("unspaced", unspaced),
            pl.Series("lead", lead),
            pl.Series("trail", trail),
            chars.alias("chars"),
            pl.Series("bare_chars", bare_chars, dtype=pl.UInt32),
            low.alias("low"),
        ]
    )


def _plain_vocab_properties(vocab: pl.Series) -> pl.DataFrame:
    """`_vocab_properties` the plain way, every test on every string (for the tests)."""
    tok = pl.col("tok")
    return (
        pl.DataFrame(vocab.alias("tok"))
        .with_columns(
            tok.str.contains(WORD).alias("is_word"),
            tok.str.contains(LETTER).alias("has_letter"),
            tok.str.contains(UNSPACED_TOKEN).alias("unspaced"),
            tok.str.contains("^" + _PUNCT).alias("lead"),
            tok.str.contains(_PUNCT + "$").alias("trail"),
            tok.str.len_chars().alias("chars"),
            tok.str.replace_all(EDGE_PUNCT, "").alias("bare"),
        )
        .with_columns(
            pl.col("bare").str.len_chars().alias("bare_chars"),
            pl.col("bare").str.to_lowercase().alias("low"),
        )
        .drop("bare")
    )


# Batch.memo key: the length of each document's text in characters (`text_chars`)
TEXT_CHARS_MEMO = "words_text_chars"


def text_chars(batch: Batch) -> pl.Series:
    """`batch.text.str.len_chars()` (UInt32), computed once per batch: repeated-paragraphs
    (its denominators) and the quality statistics (`chars`) both read it. A strip rebuilds the
    text, and the memo ends with the batch it was computed on (Batch.memo; tests/checks/
    test_repetition.py strips between the rules and compares with batches built anew)."""
    return batch.memo(TEXT_CHARS_MEMO, lambda: batch.text.str.len_chars())


def batch_distinct_lines(batch: Batch) -> tuple[pl.Series, np.ndarray]:
    """`distinct_lines` of the batch's lines, computed once per batch and kept across strips (the
    remaining lines' rows among the same distinct strings)."""
    return batch.memo(
        DISTINCT_LINES_MEMO,
        lambda: distinct_lines(batch.lines.get_column(LINE)),
        after_strip=lambda d, keep: (d[0], d[1][keep]),
    )


def batch_line_tokens(batch: Batch) -> LineTokens:
    """The tokens of every line of the batch (a document's tokens are those of its lines: no
    token spans a newline), tokenised once per distinct line (`line` is a row of `distinct`),
    computed once per batch and kept across strips (`LineTokens.after_strip`)."""
    return batch.memo(
        DISTINCT_LINE_TOKENS_MEMO,
        lambda: distinct_line_tokens(*batch_distinct_lines(batch)),
        after_strip=LineTokens.after_strip,
    )


def wanted_later(batch: Batch) -> bool:
    """Does a rule after the one evaluating read `batch_line_tokens`?"""
    return any(rule.reads_line_tokens for rule in batch.later)


def _encode(values: pl.Series) -> tuple[np.ndarray, pl.Series]:
    """(each value's code, the distinct values): codes 0..k-1 numbered in order of first
    appearance, as a dictionary encoding (no nulls in `values`). A hash table in numpy over
    polars' 64-bit hashes of the values (`_hash_encode`), a quarter cheaper than Arrow's hash
    encoding of the strings (`_plain_encode`), which answers when two distinct values share a
    hash (the result is checked against the values). A few values (`_SMALL_ENCODE`: the new
    tokens of the pieces split again, a small batch's lines) are numbered by a dict of their
    Python strings: the table's numpy and polars calls cost ~0.2 ms however few they are."""
    if len(values) <= _SMALL_ENCODE:
        first: dict[str, int] = {}
        codes = [first.setdefault(v, len(first)) for v in values.to_list()]
        return np.array(codes, dtype=np.uint32), pl.Series(values.name, list(first), pl.String)
    return _encode_indexed(values)[:2]


# values from which `_encode` builds its hash table rather than a dict
_SMALL_ENCODE = 64


def _encode_indexed(values: pl.Series) -> tuple[np.ndarray, pl.Series, _HashIndex | None]:
    """`_encode` and the hash table it was built with (None when Arrow encoded), which
    `_append_codes` probes for the strings of the vocabulary."""
    if len(values):
        found = _hash_encode_indexed(values, values.hash().to_numpy())
        if found is not None:
            return found
    return (*_plain_encode(values), None)


def _plain_encode(values: pl.Series) -> tuple[np.ndarray, pl.Series]:
    """`_encode` by Arrow's dictionary encoding of the string views (which costs half a polars
    categorical cast, which also needs its categories read back from the first occurrences)."""
    enc = pc.dictionary_encode(values.to_arrow(compat_level=pl.CompatLevel.newest()))
    codes = to_numpy(enc.indices).astype(np.uint32)
    return codes, pl.Series(values.name, enc.dictionary, dtype=pl.String)


@dataclass(frozen=True)
class _HashIndex:
    """The open-addressing table `_hash_encode` built: `table[slot]` is the row of `h` (the
    values' hashes) that owns the slot (-1: free), `code[row]` that value's code, and a hash's
    home slot its top `bits` bits. The values of one hash sit in the first slot, from their
    home on, that is free or theirs: a lookup walks from the home slot to it."""

    table: np.ndarray
    h: np.ndarray
    code: np.ndarray
    bits: int

    def lookup(self, h: np.ndarray) -> np.ndarray:
        """Per hash of `h`: the code of the encoded values of that hash, -1 when none has it
        (then no encoded value equals a string of that hash)."""
        row = probe(self.table, self.h, self.bits, h)
        found = row >= 0
        row[found] = self.code[row[found]]
        return row


def probe(table: np.ndarray, keys: np.ndarray, bits: int, h: np.ndarray) -> np.ndarray:
    """Per hash of `h`: the row of `keys` holding it in the open-addressing `table` (`table[slot]`
    a row of `keys`, -1 free; a hash's home slot its top `bits` bits, its row in the first slot
    from there that is free or its own), -1 when none does (int64)."""
    out = np.full(len(h), -1, dtype=np.int64)
    mask = (1 << bits) - 1
    slot = (h >> np.uint64(64 - bits)).astype(np.intp)
    pending = np.arange(len(h))
    while len(pending):
        owner = table[slot[pending]].astype(np.intp)
        taken = owner >= 0
        pending, owner = pending[taken], owner[taken]
        same = keys[owner] == h[pending]
        out[pending[same]] = owner[same]
        pending = pending[~same]
        slot[pending] = (slot[pending] + 1) & mask
    return out


def _hash_encode(values: pl.Series, h: np.ndarray) -> tuple[np.ndarray, pl.Series] | None:
    """`_encode` of `values` (at least one) by their hashes `h` (uint64), or None when two
    distinct values share a hash (`_hash_encode_indexed`)."""
    found = _hash_encode_indexed(values, h)
    return None if found is None else found[:2]


def _hash_encode_indexed(
    values: pl.Series, h: np.ndarray
) -> tuple[np.ndarray, pl.Series, _HashIndex] | None:
    """`_encode` of `values` (at least one) by their hashes `h` (uint64), with its table, or None
    when two distinct values share a hash. An open-addressing table of at least twice as many
    slots as values, filled by whole arrays (one scatter per round of linear probing): each
    value's representative is the first value of its hash (written in reverse order, the last
    write to a slot wins), and its code the rank of that first occurrence. Every value is
    compared with its representative's string, so a hash shared by distinct values cannot merge
    them. None too (the caller encodes with Arrow) where the table would not be exact: 2**30
    values or more (int32 slots), or a scatter whose repeated slots did not keep the last write,
    which numpy does but does not promise (a representative after its value would break the
    order). (Slots and rows are indexed as intp: numpy converts other index arrays to it first,
    a copy of each.)"""
    n = len(values)
    if n >= 1 << 30:
        return None
    bits = max(4, (n - 1).bit_length() + 1)
    size = 1 << bits
    table = np.full(size, -1, dtype=np.int32)
    slot = (h >> np.uint64(64 - bits)).astype(np.intp)
    table[slot[::-1]] = np.arange(n - 1, -1, -1, dtype=np.int32)
    rep = table[slot].astype(np.intp)
    pending = np.flatnonzero(h[rep] != h)
    while len(pending):
        # (the values of one hash share their slots: they move on together, and the first of
        # them claims a free slot)
        s = (slot[pending] + 1) & (size - 1)
        slot[pending] = s
        free = pending[table[s] < 0][::-1]
        table[slot[free]] = free
        owner = table[s]
        same = h[owner] == h[pending]
        rep[pending[same]] = owner[same]
        pending = pending[~same]
    at = np.arange(n, dtype=np.intp)
    if (rep > at).any():
        return None
    first = rep == at
    rank = np.cumsum(first, dtype=np.int32)
    rank -= 1
    code = rank[rep].view(np.uint32)
    vocab = values.filter(first)
    # (compared a block at a time: each block's gathered strings reuse the memory the block
    # before freed, where one gather of every string takes fresh pages, a page fault each)
    for lo in range(0, n, _COMPARE_BLOCK):
        if not (
            vocab.gather(code[lo : lo + _COMPARE_BLOCK]) == values.slice(lo, _COMPARE_BLOCK)
        ).all():
            return None
    return code, vocab, _HashIndex(table=table, h=h, code=code, bits=bits)


# values per block of `_hash_encode`'s comparison (a megabyte of string views)
_COMPARE_BLOCK = 1 << 16


def _append_codes(
    vocab: pl.Series, more: pl.Series, index: _HashIndex | None = None
) -> tuple[np.ndarray, pl.Series]:
    """(each value of `more`'s code, the vocabulary extended): `_encode` of `vocab` (distinct
    strings) followed by `more`, without encoding the vocabulary again. The vocabulary's strings
    keep their codes, and the strings of `more` it lacks are appended in order of first
    appearance (tests/checks/test_words.py checks this against `_encode` of both). `index`: the
    table `_encode_indexed` built when it encoded the vocabulary, probed for `more`'s strings
    (`_append_by_index`); without it, `more` (small: the tokens of the pieces split again) is
    encoded alone and the vocabulary probed for its distinct values (one `is_in`)."""
    if index is not None and len(more):
        found = _append_by_index(vocab, more, more.hash().to_numpy(), index)
        if found is not None:
            return found
    more_code, new = _encode(more)
    at = np.full(len(new), -1, dtype=np.int64)
    found = np.flatnonzero(vocab.is_in(new.implode()).to_numpy())
    if len(found):
        pairs = (
            pl.DataFrame({"tok": take_sorted(vocab, found), "at": found})
            .join(
                pl.DataFrame({"tok": new, "row": np.arange(len(new))}),
                on="tok",
                how="inner",
            )
            .select("row", "at")
        )
        at[pairs.get_column("row").to_numpy()] = pairs.get_column("at").to_numpy()
    fresh = at < 0
    at[fresh] = len(vocab) + np.arange(int(fresh.sum()))
    if fresh.any():
        vocab = pl.concat([vocab, new.filter(pl.Series(fresh))], rechunk=True)
    return at.astype(np.uint32)[more_code], vocab


def _append_by_index(
    vocab: pl.Series, more: pl.Series, h: np.ndarray, index: _HashIndex
) -> tuple[np.ndarray, pl.Series] | None:
    """`_append_codes` by probing `index` (the table that encoded `vocab`) with the hashes `h`
    of `more`: a string of `more` whose hash no vocabulary string has is not in the vocabulary
    (equal strings hash alike); one whose hash is there is compared with that string, and None
    (the caller takes the plain way) when they differ (a hash two distinct strings share). The
    strings not found are encoded alone and appended in order of first appearance. (A `is_in`
    of the whole vocabulary and a join cost ~1.5 ms a batch; this a few numpy passes over the
    few thousand strings of `more`.)"""
    at = index.lookup(h)
    found = np.flatnonzero(at >= 0)
    if len(found) and not (vocab.gather(at[found]) == take_sorted(more, found)).all():
        return None
    fresh = np.flatnonzero(at < 0)
    if len(fresh):
        new_code, new = _encode(take_sorted(more, fresh))
        at[fresh] = len(vocab) + new_code.astype(np.int64)
        vocab = pl.concat([vocab, new], rechunk=True)
    return at.astype(np.uint32), vocab


# -- stop words ------------------------------------------------------------------------------------


@functools.cache
def stop_words() -> dict[str, tuple[str, ...]]:
    """Stop-word lists shipped in curate/data/stopwords/<lang>.txt (one word a line, # comments)."""
    out: dict[str, tuple[str, ...]] = {}
    folder = files("curate.data").joinpath("stopwords")
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".txt"):
            continue
        words = []
        for line in entry.read_text(encoding="utf-8").splitlines():
            word = line.split("#", 1)[0].strip().lower()
            if word:
                words.append(word)
        out[entry.name[:-4]] = tuple(dict.fromkeys(words))
    return out


def stop_word_table() -> pl.DataFrame:
    """(lang, bare) pairs for the space-delimited languages, plus lang "*" for their union."""
    lists = stop_words()
    rows = [(lang, w) for lang, ws in lists.items() if lang not in SUBSTRING_LANGUAGES for w in ws]
    union = sorted({w for _, w in rows})
    return pl.DataFrame(
        {"lang": [r[0] for r in rows] + ["*"] * len(union), "bare": [r[1] for r in rows] + union},
        schema={"lang": pl.String, "bare": pl.String},
    )
