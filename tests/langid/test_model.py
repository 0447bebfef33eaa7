"""The fast paths of curate.langid.model against their plain definitions."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from curate.langid import model as m


def test_normalised_is_langdetects_normalize_on_every_bmp_code_point():
    from langdetect.utils.ngram import NGram

    plain = np.array([ord(NGram.normalize(chr(cp))) for cp in range(65536)], dtype=np.uint32)
    fast = m._normalised()
    assert fast.dtype == np.uint32
    different = np.flatnonzero(fast != plain)
    assert len(different) == 0, [hex(c) for c in different[:10]]


@functools.cache
def _key_rows() -> dict[int, int]:
    """Every 3-gram key of the profiles and its row: the table's slots and the spilled keys."""
    mdl = m.model()
    table = mdl.table.tolist()
    rows = {e >> m.ROW_BITS: e & ((1 << m.ROW_BITS) - 1) for e in table if e}
    rows.update(zip(mdl.keys2.tolist(), mdl.rows2.tolist(), strict=True))
    return rows


@functools.cache
def _values() -> tuple[np.ndarray, np.ndarray]:
    """The quantised 1-gram and 3-gram values (int64[rows, languages]), from the tables as
    profile_parts() gives them: the 1-grams in 1/SCALE nat, the 3-grams in 1/TRI_SCALE."""
    parts = m.load_tables() or m.profile_parts()
    return parts["uq"].astype(np.int64), parts["tq"].astype(np.int64)


def plain_score(text: str) -> tuple[np.ndarray, int]:
    """The scorer's definition, one text at a time, in plain Python (see model.py's docstring)."""
    mdl = m.model()
    text = text[: m.MAX_CHARS]
    cps = [min(ord(c), 0xFFFF) for c in text]
    ids = [int(mdl.char_id[c]) for c in cps]
    # langdetect drops the Latin letters of a text mostly written in another script
    if 2 * sum(bool(mdl.latin[c]) for c in cps) < sum(bool(mdl.non_latin[c]) for c in cps):
        ids = [m.SPACE if mdl.latin[c] else i for c, i in zip(cps, ids, strict=True)]
    # the text between the "\n" before and after it (a space to the profiles)
    ids = [m.SPACE, *ids, m.SPACE]
    letter = [i != m.SPACE for i in ids]
    upper = [bool(mdl.upper[i]) for i in ids]
    keep = [True] + [not (upper[j] and upper[j - 1]) for j in range(1, len(ids))]
    n_letters = sum(letter)
    words2 = sum(letter[j] and (letter[j - 1] or letter[j + 1]) for j in range(1, len(ids) - 1))
    n_latin = sum(bool(mdl.latin_letter[i]) for i in ids)
    scored = (n_latin * m.MIXED >= n_letters, (n_letters - n_latin) * m.MIXED >= n_letters)
    key_row = _key_rows()
    uq, tq = _values()
    out = np.zeros(len(mdl.langs), dtype=np.int64)
    for g, cols in enumerate(mdl.groups):
        if not scored[g]:
            continue
        for j, i in enumerate(ids):
            if keep[j] and mdl.uni[i] >= 0:
                out[cols] += uq[mdl.uni[i], cols]
        for j in range(2, len(ids)):
            pos = j - 1  # the gram's last character, counted in the text (its "\n" is len(text))
            if not (letter[j - 1] and keep[j]):
                continue
            if pos >= m.FULL_CHARS and pos % m.THIN:
                continue
            key = (ids[j - 2] << 2 * m.BITS) | (ids[j - 1] << m.BITS) | ids[j]
            if key in key_row:
                out[cols] += tq[key_row[key], cols] * (m.SCALE // m.TRI_SCALE)
    return out, words2


TEXTS = [
    "",
    "A",
    "A A A",
    "1234 5678 !!",
    "The cat sat on the mat, and the dog did not mind at all.",
    "Kucing itu duduk di atas tikar dan anjingnya tidak keberatan sama sekali.",
    "THE NEWS TODAY: Markets RALLY as NASA launches ANOTHER probe",
    "Кошка сидела на коврике, а собака не возражала. Visit www.example.com today",
    "Кошка сидела на коврике и смотрела в окно",
    "猫はマットの上に座っていました。犬は気にしませんでした。",
    "我们今天去公园散步，天气非常好。",
    "고양이가 매트 위에 앉아 있었습니다.",
    "Mèo ngồi trên tấm thảm và con chó không bận tâm.",
    "Pisica a stat pe covoraș și câinele nu s-a supărat.",
    "Emoji 😀 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 outside the BMP mixed in a sentence",
    "tab\tseparated\u00a0words\u2003and\u3000spaces",
    "Ein langer deutscher Satz über das Wetter und die Berge. " * 12,  # > FULL_CHARS
    "Una frase española bastante larga sobre el tiempo y el mar. " * 40,  # > MAX_CHARS
    "x" * (m.FULL_CHARS - 1),
    "ab " * 171,  # the "\n" after it is position 513
]


def test_score_is_its_plain_definition_whatever_the_batch():
    # many texts in one call: several chunks, texts of every script in one chunk, in two orders
    filler = [f"Filler line number {i} of a batch, in English." for i in range(3000)]
    batch = filler[:1500] + TEXTS + filler[1500:] + TEXTS[::-1]
    scores, letters = m.score(batch)
    assert scores.shape == (len(batch), len(m.model().langs))
    for k, text in enumerate(TEXTS):
        want, want_letters = plain_score(text)
        alone, alone_letters = m.score([text])
        for i in (1500 + k, len(batch) - 1 - k):
            assert np.array_equal(scores[i], want), text[:40]
            assert letters[i] == want_letters, text[:40]
        assert np.array_equal(alone[0], want) and alone_letters[0] == want_letters, text[:40]
    for i in (0, 2999, len(filler) + len(TEXTS) + 10):
        want, want_letters = plain_score(batch[i])
        assert np.array_equal(scores[i], want) and letters[i] == want_letters


def test_every_profile_3gram_is_found_and_others_are_absent():
    mdl = m.model()
    key_row = _key_rows()
    keys = np.array(list(key_row), dtype=np.uint64)
    assert np.array_equal(m._lookup(mdl, keys), np.array(list(key_row.values())))
    assert len(keys) == mdl.absent  # every 3-gram row has its key
    # the row after them: no 3-gram and the 1-gram of id 0, no character: zeros
    assert not mdl.comb[0][mdl.absent].any() and not mdl.comb[1][mdl.absent].any()
    rng = np.random.default_rng(0)
    other = rng.integers(1 << 24, 1 << 36, size=20000, dtype=np.uint64)
    other = other[~np.isin(other, keys)]
    assert (m._lookup(mdl, other) == mdl.absent).all()


def test_code_point_tables_are_the_bmp_tables_with_code_points_clipped():
    mdl = m.model()
    cp = np.minimum(np.arange(0x110000), 0xFFFF)
    ids = mdl.char_id[cp]
    assert np.array_equal(mdl.cp_id, ids)
    assert np.array_equal(mdl.cp_upper, mdl.upper[ids])
    letter = ids != m.SPACE
    fields = (
        mdl.latin[cp],
        mdl.non_latin[cp],
        letter,
        mdl.latin_letter[ids],
        mdl.latin[cp] & letter,
    )
    plain = np.zeros(0x110000, dtype=np.uint64)
    for f, field in enumerate(fields):
        plain += field.astype(np.uint64) << np.uint64(m.COUNT_FIELD * f)
    assert np.array_equal(mdl.cp_counts, plain)


def _same(a, b) -> bool:
    if isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(b, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
    return a == b


def test_shipped_tables_are_those_of_the_installed_profiles():
    # the fast path (profile_tables.npz) against its definition (the profiles): if this fails,
    # run `python -m curate.langid.build_tables`
    shipped = m.load_tables()
    assert shipped is not None, "profile_tables.npz is missing or not of the installed profiles"
    built = m.profile_parts()
    assert shipped.keys() == built.keys()
    for name, array in built.items():
        assert _same(shipped[name], array), name
    fast, plain = m._assemble(shipped), m._assemble(built)
    for field in dataclasses.fields(m.Model):
        assert _same(getattr(fast, field.name), getattr(plain, field.name)), field.name


def test_tables_of_other_profiles_or_layout_are_not_used(tmp_path, monkeypatch):
    path = tmp_path / "tables.npz"
    m.write_tables(path)
    assert m.load_tables(path) is not None
    monkeypatch.setattr(m, "profiles_digest", lambda: "0" * 64)
    assert m.load_tables(path) is None
    monkeypatch.undo()
    monkeypatch.setattr(m, "LAYOUT", (m.FORMAT + 1, *m.LAYOUT[1:]))
    assert m.load_tables(path) is None
    assert m.load_tables(tmp_path / "missing.npz") is None
    damaged = tmp_path / "damaged.npz"  # cut short on disk: built from the profiles, no crash
    damaged.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert m.load_tables(damaged) is None
    # and then the model is built from the profiles
    monkeypatch.setattr(m, "load_tables", lambda: None)
    assert m._build().langs == m.model().langs


def _comb_values(g: int, rows: np.ndarray) -> np.ndarray:
    """The values of rows of m.comb[g] (int64[rows, languages of group g])."""
    mdl = m.model()
    return m._unpack(mdl.comb[g][rows], 16, len(mdl.groups[g]))


def _plain_position(ids: np.ndarray, e: int, found: int | None) -> np.ndarray:
    """What a scored 3-gram starting at e adds, by definition: its value (x4: 1/SCALE nat) when a
    profile has it (row `found`), the 1-gram of its last character, and that of its middle one
    when it begins a word; every language, in profile order."""
    mdl = m.model()
    uq, tq = _values()
    out = np.zeros(len(mdl.langs), dtype=np.int64)
    if found is not None:
        out += tq[found] * (m.SCALE // m.TRI_SCALE)
    for j in (e + 2, e + 1) if ids[e] == m.SPACE else (e + 2,):
        if mdl.uni[ids[j]] >= 0:
            out += uq[mdl.uni[ids[j]]]
    return out


def test_combined_rows_are_the_3gram_with_its_1grams():
    # every row of the direct table (3-grams of small ids: a profile's or none) and 3-grams of
    # large ids through the hash table: row + the 1-gram left to the caller = the definition
    mdl = m.model()
    key_row = _key_rows()
    rng = np.random.default_rng(2)
    small = rng.integers(1, m.DENSE, size=(3000, 3))
    small[:1000, 0] = m.SPACE  # words' first 3-grams (their middle 1-gram folded in)
    known = np.array([k for k in key_row if (k >> 2 * m.BITS) == m.SPACE][:500], dtype=np.int64)
    found = np.stack([known >> 2 * m.BITS, (known >> m.BITS) & 0xFFF, known & 0xFFF], axis=1)
    large = rng.integers(1, int(mdl.char_id.max()) + 1, size=(3000, 3))
    large[:1500, 0] = m.SPACE
    for grams in (small, found, large):
        ids = np.full(4 * len(grams) + 1, m.SPACE, dtype=np.uint16)
        for k in range(3):
            ids[4 * np.arange(len(grams)) + k] = grams[:, k]
        end = 4 * np.arange(len(grams))
        rows, lone = m._rows3(mdl, ids, end)
        for g, cols in enumerate(mdl.groups):
            got = _comb_values(g, rows)
            for i, e in enumerate(end.tolist()):
                if e + 1 in set(lone.tolist()):
                    got[i] += _comb_values(g, np.array([mdl.absent + ids[e + 1]]))[0]
                key = (int(ids[e]) << 2 * m.BITS) | (int(ids[e + 1]) << m.BITS) | int(ids[e + 2])
                want = _plain_position(ids, e, key_row.get(key))[cols]
                assert np.array_equal(got[i], want), (g, ids[e : e + 3])
    # and the lone 1-gram rows are the 1-gram of each id
    uq, _ = _values()
    for g, cols in enumerate(mdl.groups):
        ids = np.arange(int(mdl.char_id.max()) + 1)
        want = np.where((mdl.uni[ids] >= 0)[:, None], uq[np.maximum(mdl.uni[ids], 0)], 0)
        assert np.array_equal(_comb_values(g, mdl.absent + ids), want[:, cols])


def test_direct_table_of_small_ids_is_the_hash_tables_lookup():
    mdl = m.model()
    a = np.arange(m.DENSE**3, dtype=np.uint64)
    c = [(a >> np.uint64(m.DENSE_BITS * s)) & np.uint64(m.DENSE - 1) for s in (2, 1, 0)]
    keys = (c[0] << np.uint64(2 * m.BITS)) | (c[1] << np.uint64(m.BITS)) | c[2]
    want = m._lookup(mdl, keys)
    # id 0 is no character (ids start at SPACE = 1): the key 0 means nothing
    real = (c[0] > 0) & (c[1] > 0) & (c[2] > 0)
    found = real & (want != mdl.absent)
    assert np.array_equal(mdl.dense[found], want[found])
    assert found.sum() > 5000  # English, French, ... 3-grams are there
    # the others: the row of their 1-grams (both for a word's first 3-gram)
    lone = mdl.absent + c[2].astype(np.int64)
    pair = mdl.pairs + (c[1] * np.uint64(m.DENSE) + c[2]).astype(np.int64)
    want_absent = np.where(c[0] == m.SPACE, pair, lone)
    assert np.array_equal(mdl.dense[real & ~found], want_absent[real & ~found])


def test_rows3_is_the_lookup_of_packed_keys_on_either_path():
    mdl = m.model()
    rng = np.random.default_rng(1)
    ascii_ids = mdl.char_id[np.frombuffer(b" etaoinshrdlucmfwy", dtype=np.uint8)]
    other = np.arange(m.DENSE, m.BITS << 8)
    for share in (0.0, 0.01, 0.2, 1.0):  # dense path, dense with a few hashed, hash alone
        ids = rng.choice(ascii_ids, 30000).astype(np.uint16)
        ids[rng.random(len(ids)) < 0.2] = m.SPACE  # words: 3-grams starting with a space
        swap = rng.random(len(ids)) < share
        ids[swap] = rng.choice(other, int(swap.sum()))
        ids[0] = ids[-1] = m.SPACE
        end = np.flatnonzero(rng.random(len(ids) - 2) < 0.9)
        k = ids.astype(np.uint64)
        keys = (k[:-2] << np.uint64(2 * m.BITS)) | (k[1:-1] << np.uint64(m.BITS)) | k[2:]
        rows, lone = m._rows3(mdl, ids, end)
        want = m._lookup(mdl, keys[end])
        found = want != mdl.absent
        assert np.array_equal(rows[found], want[found]), share
        # the absent ones: their 1-grams' rows, or the last one's and the middle one left over
        e = end[~found]
        starts = ids[e] == m.SPACE
        small = (ids[e + 1] < m.DENSE) & (ids[e + 2] < m.DENSE)
        # (the hash table alone, for text of many large ids, leaves every middle one over)
        hashed = np.count_nonzero(ids >= m.DENSE) * 3 * m.DENSE_BAD > len(end)
        paired = starts & small & (not hashed)
        want_rows = np.where(
            paired, mdl.pairs + ids[e + 1].astype(np.int64) * m.DENSE + ids[e + 2], 0
        )
        want_rows[~paired] = mdl.absent + ids[e + 2][~paired]
        assert np.array_equal(rows[~found], want_rows), share
        assert np.array_equal(lone, e[starts & ~paired] + 1), share


def test_unpack_of_16_bit_lanes_is_the_shift_and_mask_definition():
    # the 3-gram sums are unpacked through a uint16 view: the same lanes as shifting each out
    rng = np.random.default_rng(7)
    words = rng.integers(0, 2**63, size=(50, 8), dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    for lanes in (32, 29, 1):
        plain = np.array(
            [[(int(w[i // 4]) >> (16 * (i % 4))) & 0xFFFF for i in range(lanes)] for w in words],
            dtype=np.int64,
        )
        fast = m._unpack(words, 16, lanes)
        assert fast.dtype == np.int64 and np.array_equal(fast, plain)
        # a non-contiguous view (what a transposed sum would be) unpacks the same
        assert np.array_equal(m._unpack(np.asfortranarray(words), 16, lanes), plain)


def test_score_of_chunks_where_every_text_has_grams_is_the_plain_definition():
    # every text of these chunks is Latin and has 1- and 3-grams (the sums are added to whole
    # column slices, not row by row): each row must still get its own text's scores
    texts = [t for t in TEXTS if plain_score(t)[1] > 0 and max(t) < "\u0250"]
    assert len(texts) >= 5
    batch = [texts[(i * 7) % len(texts)] for i in range(len(texts) * 40)]
    assert sum(map(len, batch)) > m.CHUNK_CHARS  # two chunks or more
    scores, letters = m.score(batch)
    want = {t: plain_score(t) for t in texts}
    for i, text in enumerate(batch):
        assert np.array_equal(scores[i], want[text][0]) and letters[i] == want[text][1], i
