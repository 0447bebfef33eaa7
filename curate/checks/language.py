"""Language: the detected language of each document against the expected one(s)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import polars as pl

from curate.checks import register
from curate.checks.base import Batch, Rule, RuleResult, param

UND = "und"
# ISO 639 variants and langdetect's regional codes folded to the ISO 639-1 code users write.
ALIASES = {
    "in": "id", "iw": "he", "ji": "yi", "jw": "jv", "zh-cn": "zh", "zh-tw": "zh", "zh-hans": "zh",
    "zh-hant": "zh", "ind": "id", "eng": "en", "msa": "ms", "zsm": "ms", "deu": "de", "ger": "de",
    "fra": "fr", "fre": "fr", "spa": "es", "por": "pt", "ita": "it", "nld": "nl", "dut": "nl",
    "rus": "ru", "zho": "zh", "chi": "zh", "jpn": "ja", "kor": "ko", "ara": "ar", "hin": "hi",
    "tha": "th", "vie": "vi", "tur": "tr", "pol": "pl", "ukr": "uk", "swe": "sv", "nob": "no",
    "nb": "no", "nno": "no", "nn": "no", "fil": "tl", "tgl": "tl",
}


def normalise_code(code: str | None) -> str:
    if not code:
        return UND
    c = code.strip().lower().replace("_", "-")
    if c in ALIASES:
        return ALIASES[c]
    return ALIASES.get(c.split("-")[0], c.split("-")[0])


_lock = threading.Lock()
_factory_ready = False


def _langdetect_detect(text: str) -> tuple[str, float]:
    """Stock langdetect, seeded so the same text always gets the same answer."""
    global _factory_ready
    from langdetect import DetectorFactory, detector_factory
    from langdetect.lang_detect_exception import LangDetectException

    # langdetect loads its profiles on first use and is not thread-safe while doing so
    if not _factory_ready:
        with _lock:
            if not _factory_ready:
                DetectorFactory.seed = 0
                detector_factory.init_factory()
                _factory_ready = True
    try:
        d = detector_factory._factory.create()
        d.append(text)
        best = d.get_probabilities()[0]
        return normalise_code(best.lang), float(best.prob)
    except LangDetectException:
        return UND, 0.0


@register
class LanguageMismatch(Rule):
    """Documents whose language is not the expected one.

    Catches: an English article in an Indonesian corpus, a page in the wrong language version.
    Says `und` (undetermined) instead of guessing on text too short to judge: langdetect calls the
    widget line `A` Tagalog with 0.9998 confidence.

    Why: language filters are the first step of every multilingual corpus; a wrong-language
    document is noise for the target language.

    Example: with `expected: [en]`, an Indonesian news article is flagged and its
    `curate_language` is `id`.

    Signals:
      language             detected ISO 639-1 code, or `und` (text shorter than min_chars, or
                           confidence below min_confidence)
      language_confidence  the detector's probability for that language (0..1)

    The rule fires when the language is determined and is not in `expected` (or in the row's
    `expected_column`). Without either, it only reports the language.
    Codes are normalised (`in` -> `id`, `zh-cn` -> `zh`, `ind` -> `id`).
    """

    name = "language-mismatch"
    family = "language"
    actions = ("flag", "drop")
    main_signal = "language_confidence"
    threshold_param = "min_confidence"

    @dataclass(frozen=True)
    class Params:
        expected: list[str] = param([], "languages the corpus should be in (ISO 639 codes)")
        expected_column: str | None = param(None, "column with the expected language of each row")
        min_chars: int = param(
            20, "texts with fewer letters than this are `und`", unit="letters",
            source="our measurement: langdetect is unreliable on single words", min=0)
        min_confidence: float = param(
            0.5, "below this confidence the language is `und`", unit="probability",
            source="our choice", min=0.0, max=1.0)
        max_chars: int = param(
            5000, "only the first max_chars characters are read", unit="characters",
            source="our choice: the language of a document is settled well before 5,000 characters",
            min=100)
        backend: str = param("langdetect", "detector: langdetect (stock, seeded)")

        def validate(self) -> None:
            if self.backend not in ("langdetect",):
                raise ValueError(f"backend {self.backend!r} is not one of: langdetect")

    def detect(self, texts: pl.Series) -> tuple[pl.Series, pl.Series]:
        p = self.params
        letters = texts.str.count_matches(r"\p{L}")
        langs, confs = [], []
        # per-document Python call: langdetect is a Python library with no batch API
        for text, n in zip(texts.str.slice(0, p.max_chars).to_list(), letters.to_list(), strict=True):
            if not text or n < p.min_chars:
                langs.append(UND)
                confs.append(0.0)
                continue
            lang, conf = _langdetect_detect(text)
            if conf < p.min_confidence:
                lang = UND
            langs.append(lang)
            confs.append(conf)
        return pl.Series(langs, dtype=pl.String), pl.Series(confs, dtype=pl.Float64)

    def evaluate(self, batch: Batch) -> RuleResult:
        lang, conf = self.detect(batch.text)
        p = self.params
        if p.expected_column and p.expected_column in batch.docs.columns:
            expected = batch.docs.get_column(p.expected_column).cast(pl.String)
            expected = pl.Series([normalise_code(e) if e else None for e in expected.to_list()],
                                 dtype=pl.String)
            fired = (lang != UND) & expected.is_not_null() & (lang != expected)
        elif p.expected:
            wanted = sorted({normalise_code(e) for e in p.expected})
            fired = (lang != UND) & ~lang.is_in(wanted)
        else:
            fired = pl.Series([False] * batch.n)
        return RuleResult(
            signals={"language": lang, "language_confidence": conf},
            fired=fired.fill_null(False),
        )
