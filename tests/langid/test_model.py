"""The fast paths of curate.langid.model against their plain definitions."""

from __future__ import annotations

import numpy as np

from curate.langid import model as m


def test_normalised_is_langdetects_normalize_on_every_bmp_code_point():
    from langdetect.utils.ngram import NGram

    plain = np.array([ord(NGram.normalize(chr(cp))) for cp in range(65536)], dtype=np.uint32)
    fast = m._normalised()
    assert fast.dtype == np.uint32
    different = np.flatnonzero(fast != plain)
    assert len(different) == 0, [hex(c) for c in different[:10]]
