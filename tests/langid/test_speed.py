"""The scorer's and posteriors' fast paths against their plain definitions: 1-grams folded into
the 3-grams' rows (the others added alone), runs as long as the 16-bit lanes allow and a text's
runs widened and summed again, posteriors computed in blocks of rows."""

from __future__ import annotations

import dataclasses
import importlib

import numpy as np
import pytest

from curate.langid import model as m
from tests.langid.test_model import TEXTS, plain_score

detect = importlib.import_module("curate.langid.detect")

# every script of TEXTS in one batch with English filler, long texts among them (several 3-gram
# runs), in two chunks or more
FILLER = [f"Filler line number {i} of a batch, in English." for i in range(2800)]
BATCH = FILLER[:1400] + TEXTS + FILLER[1400:] + TEXTS[::-1]


def _check(batch: list[str]) -> None:
    scores, letters = m.score(batch)
    want = {t: plain_score(t) for t in set(batch[1400 : 1400 + len(TEXTS)]) | {batch[0]}}
    for i, text in enumerate(batch):
        if text in want:
            assert np.array_equal(scores[i], want[text][0]), text[:40]
            assert letters[i] == want[text][1], text[:40]


def test_run_is_the_longest_run_without_a_lane_overflow():
    mdl = m.model()
    top = max(int(t.view("<u2").max()) for t in mdl.comb)
    assert top * mdl.run < 1 << 16 <= top * (mdl.run + 1)
    assert mdl.run >= 16


@pytest.mark.parametrize("run", [1, 3, 17])
def test_short_runs_and_their_widened_sums_are_the_plain_definition(monkeypatch, run):
    # runs of 1, 3 or 17 positions: every text of several runs, widened and summed again
    monkeypatch.setattr(m, "_model", dataclasses.replace(m.model(), run=run))
    _check(BATCH[1300:1500] + BATCH[-len(TEXTS) :])


@pytest.mark.parametrize("block", [1, 50 * 64, 1000 * 64])
def test_rows_summed_in_blocks_are_the_plain_definition(monkeypatch, block):
    # _sum_rows' blocks of a run, of a few runs, of many texts, on real chunks: every script,
    # long texts (runs of one text in two blocks), the 1-grams added alone
    monkeypatch.setattr(m, "SUM_BYTES", block)
    _check(BATCH[1300:1500] + BATCH[-len(TEXTS) :])


@pytest.mark.parametrize("block", [1, 8 * 3, 8 * 100, 1 << 30])
@pytest.mark.parametrize("words", [1, 3, 28])
def test_block_sums_are_numpys_reduceat_of_the_rows(monkeypatch, block, words):
    # runs of one row, runs longer than a block, rows repeated and in any order, every width
    monkeypatch.setattr(m, "SUM_BYTES", block * words)
    rng = np.random.default_rng(words)
    table = rng.integers(0, 1 << 63, size=(500, words), dtype=np.uint64)
    rows = rng.integers(0, len(table), size=3000)
    lengths = rng.choice([1, 2, 3, 40, 400], size=200)
    starts = (np.cumsum(lengths) - lengths)[np.cumsum(lengths) <= len(rows)]
    for first in (0, 7):  # the rows before the first run are not read
        s = starts[starts >= first]
        s = np.concatenate(([first], s[s > first]))
        want = np.add.reduceat(table.take(rows, axis=0), s, axis=0)
        assert np.array_equal(m.block_sums(table, rows, s), want)
    assert m.block_sums(table, rows, starts[:0]).shape == (0, words)


@pytest.mark.parametrize("block", [1, 7 * 64, 64 * 64, m.SUM_BYTES])
@pytest.mark.parametrize("run", [1, 2, 5, 39])
def test_sum_rows_is_a_sum_of_each_texts_rows(monkeypatch, run, block):
    # gathered and summed in blocks of about `block` bytes (64-byte rows): a block of one run,
    # blocks cut inside texts (a text's runs in two blocks), one block for all
    monkeypatch.setattr(m, "SUM_BYTES", block)
    rng = np.random.default_rng(run)
    table = m.model().comb[0]
    lanes = len(m.model().groups[0])
    values = m._unpack(table, 16, lanes)
    count = rng.integers(0, 60, size=80)
    count[[3, 10]] = 0  # texts without rows
    rows = rng.integers(0, len(table), size=int(count.sum()))
    at = np.cumsum(count) - count
    texts = np.arange(len(count)) * 2 + 5
    sums, owner = m._sum_rows(table, rows, at, count, texts, run, lanes)
    has = count > 0
    assert np.array_equal(owner, texts[has])
    want = [values[rows[a : a + c]].sum(axis=0) for a, c in zip(at[has], count[has], strict=True)]
    assert sums.dtype == np.int64 and np.array_equal(sums, np.array(want))


def test_1grams_no_scored_3gram_carries_are_added_alone():
    # the positions whose 1-gram is added alone: first letters of ALL-CAPS words, letters and
    # word starts whose 3-grams are thinned out (past FULL_CHARS), words beginning with a large
    # id whose first 3-gram no profile has; each text against the plain definition, in a batch
    texts = [
        "NASA and the UN met the EU: ÑANDÚ ÉTÉ ĲSSEL",
        "ñx ÿq ĳz ñandú ÿes ŋa ðe þorn æble øl",
        ("Ein langer deutscher Satz über das Wetter und die Berge; ÑX ĲK ÿq. " * 20)[:1900],
        " ".join(["ABCD efgh", "ijkl MNOP"] * 80),
        # mostly Cyrillic: its Latin letters are dropped (spaces to the profiles), upper case
        # ones too, right after upper-case Cyrillic letters (" В " is a profile's 3-gram)
        "ПРИВЕТA МИРZB ДОМ ВQ ЯQ ЮЖНЫЙ ГОРОДX на берегу моря, ДОБРОЕ УТРОW, СK У",
    ]
    batch = FILLER[:300] + texts + FILLER[300:600]
    scores, letters = m.score(batch)
    for k, text in enumerate(texts):
        want, want_letters = plain_score(text)
        assert np.array_equal(scores[300 + k], want), text[:40]
        assert letters[300 + k] == want_letters


def _plain_posteriors(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """posteriors over the whole array at once (what it was before it went by blocks)."""
    x = scores.astype(np.float64) / (m.SCALE * detect.TEMPERATURE)
    x -= x.max(axis=1, keepdims=True)
    p = np.exp(x)
    p /= p.sum(axis=1, keepdims=True)
    cols = detect.codes()
    for code in {c for c in cols if cols.count(c) > 1}:
        same = [i for i, c in enumerate(cols) if c == code]
        p[:, same[0]] = p[:, same].sum(axis=1)
        p[:, same[1:]] = 0.0
    best = p.argmax(axis=1)
    return best, p[np.arange(len(best)), best]


@pytest.mark.parametrize("rows", [1, 7, detect.POSTERIOR_ROWS])
def test_posteriors_in_blocks_are_bit_for_bit_the_whole_arrays(monkeypatch, rows):
    scores, _ = m.score(BATCH[1380:1450] + TEXTS)
    rng = np.random.default_rng(5)
    # and wide-ranging made-up scores: ties, zh columns, values far below the best
    made = rng.integers(0, 50_000, size=(5000, scores.shape[1]))
    made[::3] = made[::3] // 1000
    made[::7, :] = 17
    both = np.concatenate([scores, made])
    monkeypatch.setattr(detect, "POSTERIOR_ROWS", rows)
    best, conf = detect.posteriors(both)
    want_best, want_conf = _plain_posteriors(both)
    assert np.array_equal(best, want_best)
    assert np.array_equal(conf.view(np.int64), want_conf.view(np.int64))
    empty = detect.posteriors(both[:0])
    assert empty[0].shape == (0,) and empty[1].shape == (0,)


@pytest.mark.parametrize("block", [1, 5, detect.POSTERIOR_ROWS])
def test_posteriors_of_some_rows_are_those_of_the_rows_taken(monkeypatch, block):
    scores, _ = m.score(BATCH[1380:1450] + TEXTS)
    monkeypatch.setattr(detect, "POSTERIOR_ROWS", block)
    rows = np.array([3, 0, 0, len(scores) - 1, *range(10, 40, 3)])
    best, conf = detect.posteriors(scores, rows)
    want_best, want_conf = detect.posteriors(scores[rows])
    assert np.array_equal(best, want_best)
    assert np.array_equal(conf.view(np.int64), want_conf.view(np.int64))
    assert len(detect.posteriors(scores, rows[:0])[0]) == 0


def test_posteriors_far_below_the_best_are_bit_for_bit_the_plain_definition():
    # a document's scores put most languages hundreds of nats below its best: exp's subnormal
    # band (-745.13 < x < -708), the values just around UNDERFLOW, and far below it (exp is 0.0
    # there and not called) are all what the plain definition gives
    unit = m.SCALE * detect.TEMPERATURE
    rng = np.random.default_rng(11)
    n, k = 6000, len(detect.codes())
    best = rng.integers(10**6, 10**7, size=n)
    gap = np.concatenate(
        [
            rng.integers(700 * unit, 750 * unit, size=(n // 3, k)),  # the band and UNDERFLOW
            rng.integers(0, 10**6, size=(n // 3, k)),  # anywhere, far below included
            detect.UNDERFLOW * -unit + rng.integers(-3, 4, size=(n // 3, k)),  # at the cut
        ]
    )
    gap[np.arange(n), rng.integers(0, k, size=n)] = 0  # each row's best
    scores = best[:, None] - gap
    got_best, got_conf = detect.posteriors(scores)
    want_best, want_conf = _plain_posteriors(scores)
    assert np.array_equal(got_best, want_best)
    assert np.array_equal(got_conf.view(np.int64), want_conf.view(np.int64))
    # and the probabilities themselves, subnormal ones included (most do not move a sum of 1)
    x = scores.astype(np.float64) / unit
    plain = np.exp(x - x.max(axis=1, keepdims=True))
    assert np.array_equal(detect._relative_exp(scores).view(np.int64), plain.view(np.int64))
    # the cases are there: subnormal probabilities, and exact zeros below the cut
    x = -gap / unit
    assert ((x > -745.13) & (x < -708)).sum() > 10_000 and (x < detect.UNDERFLOW).sum() > 10_000


def test_grams_holding_positions_are_the_masks_definition():
    rng = np.random.default_rng(9)
    for n, k in ((50, 0), (50, 3), (400, 40), (400, 399), (3, 1), (400, 200), (9, 9)):
        big = np.zeros(n, dtype=bool)
        big[rng.choice(n, size=min(k, n), replace=False)] = True
        big[[0, n - 1]] |= k == 9  # the first and last positions, runs of neighbours
        for p in (0.7, 1.0, 0.1):  # some grams scored, all, few
            end = np.flatnonzero(rng.random(max(n - 2, 0)) < p)
            want = np.flatnonzero((big[:-2] | big[1:-1] | big[2:])[end])
            got = m._holding(np.flatnonzero(big), end)
            assert got.dtype == np.intp and np.array_equal(got, want)


def test_score_with_the_lengths_given_is_score_measuring_them():
    batch = BATCH[1390:1460] + ["x" * (m.MAX_CHARS + 50)]
    lens = np.array([len(t) for t in batch])
    plain = m.score(batch)
    given = m.score(batch, lens)
    assert np.array_equal(plain[0], given[0]) and np.array_equal(plain[1], given[1])
    assert lens[-1] == m.MAX_CHARS + 50  # the caller's array is not clipped in place
    with pytest.raises(ValueError, match="lens"):
        m.score(batch, lens + 1)
    # lengths that add up to the right total but are not the texts' own
    swapped = np.array([len(t) for t in ("hello world here", "bonjour")])
    m.score(["hello world here", "bonjour"], swapped)
    with pytest.raises(ValueError, match="lens"):
        m.score(["hello world here", "bonjour"], swapped[::-1].copy())


@pytest.mark.parametrize("few", [8, 0])
def test_texts_not_scored_for_a_group_summed_and_dropped_are_the_plain_definition(monkeypatch, few):
    # Latin filler with a few other-script texts (their group-0 sums dropped), Cyrillic filler
    # with a few Latin ones (group 1's); FEW_UNSCORED 0: always selected
    monkeypatch.setattr(m, "FEW_UNSCORED", few)
    _check(BATCH)
    cyrillic = [f"Строка номер {i} из длинного списка, написанная по-русски." for i in range(2800)]
    batch = cyrillic[:1400] + TEXTS + cyrillic[1400:]
    scores, letters = m.score(batch)
    for i in (0, 1399, *range(1400, 1400 + len(TEXTS)), len(batch) - 1):
        want = plain_score(batch[i])
        assert np.array_equal(scores[i], want[0]) and letters[i] == want[1], batch[i][:40]


@pytest.mark.parametrize("min_confidence", [0.0, 0.5, 0.85, 0.99, 0.999999, 1.0])
def test_confident_is_the_posteriors_label_and_threshold(monkeypatch, min_confidence):
    # rows decided from their scores alone and rows that need posteriors: the best (zh-cn and
    # zh-tw as one) and `probability >= min_confidence` are what posteriors gives, row by row
    unit = m.SCALE * detect.TEMPERATURE
    real, _ = m.score(BATCH[1380:1450] + TEXTS)
    rng = np.random.default_rng(13)
    n, k = 6000, real.shape[1]
    # leads around every threshold (0 to 12 posterior units), ties, zh columns on top
    base = rng.integers(10**5, 10**6, size=n)
    row_lead = rng.integers(0, 24 * unit, size=n)
    lead = row_lead[:, None] + rng.integers(0, 4 * unit, size=(n, k))
    lead[::3] = row_lead[::3, None]  # every other language at the same distance: the worst case
    lead[np.arange(n), rng.integers(0, k, size=n)] = 0
    made = base[:, None] - lead
    zh = [i for i, c in enumerate(detect.codes()) if c == "zh"]
    made[::5, zh[0]] = made[::5].max(axis=1)
    made[::5, zh[1]] = made[::5].max(axis=1) - rng.integers(0, 2 * unit, size=len(made[::5]))
    made[::11, 3] = made[::11].max(axis=1)  # a tie with the best
    monkeypatch.setattr(detect, "POSTERIOR_ROWS", 512)  # several blocks
    for scores in (real, made):
        best, sure = detect.confident(scores, min_confidence)
        want_best, conf = detect.posteriors(scores)
        assert np.array_equal(best, want_best)
        assert np.array_equal(sure, conf >= min_confidence)
        rows = np.array([5, 0, 0, len(scores) - 1, *range(7, len(scores), 13)])
        best, sure = detect.confident(scores, min_confidence, rows)
        assert np.array_equal(best, want_best[rows])
        assert np.array_equal(sure, conf[rows] >= min_confidence)
    # both kinds of rows are there: decided (posteriors not called) and near the threshold
    _, conf = detect.posteriors(made)
    seen = []
    monkeypatch.setattr(
        detect, "_posteriors", lambda b, _f=detect._posteriors: (seen.append(len(b)), _f(b))[1]
    )
    detect.confident(made, min_confidence)
    if 0 < min_confidence < 1:
        assert 0 < sum(seen) < len(made)
        assert ((conf >= min_confidence) & (conf < min_confidence + 0.01)).any()


def test_thinned_positions_are_the_remainders_definition():
    # every position past FULL_CHARS whose offset in its text is not a multiple of THIN: texts
    # just over FULL_CHARS, ending on each remainder, long ones, neighbours
    assert m.FULL_CHARS % m.THIN == 0
    lengths = np.array([m.FULL_CHARS + k for k in (1, 2, 3, 4, 5, 6, 7, 8, 9, 1489)])
    starts = np.cumsum(lengths + 3) - lengths - 3 + 7
    for s, n in ((starts, lengths), (starts[:1], lengths[:1]), (starts[-3:], lengths[-3:])):
        want = [
            i
            for a, k in zip(s.tolist(), n.tolist(), strict=True)
            for i in range(a + m.FULL_CHARS, a + k)
            if (i - a) % m.THIN != 0
        ]
        got = m._thinned(s, n)
        assert got.dtype == np.intp and got.tolist() == want
