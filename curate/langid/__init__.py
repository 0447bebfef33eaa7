"""Language identification: langdetect's profiles scored in one deterministic vectorised pass.

`detect(texts)` gives each text an ISO 639-1 code (or `und`) and a confidence; `score(texts)` the
raw per-language scores that `posteriors` turns into probabilities. See `model.py` for how the
scoring works and `bench/results/language.md` for its speed and accuracy against stock langdetect.
"""

from curate.langid.detect import (
    TEMPERATURE,
    UND,
    codes,
    confident,
    detect,
    normalise_code,
    posteriors,
    score,
)

__all__ = [
    "TEMPERATURE",
    "UND",
    "codes",
    "confident",
    "detect",
    "normalise_code",
    "posteriors",
    "score",
]
