"""Write tests/golden/quality.json: datatrove's Gopher, C4 and FineWeb quality signals on fixed
hand-written texts (bench/golden_texts.py). Dev-only; datatrove is never a curate dependency.

    /work/main/.venv-bench/bin/python bench/golden_quality.py

The signals are computed with datatrove's own helpers, exactly as its filters compute them before
comparing to a threshold (datatrove stops at the first failing check, so the filters alone do not
expose every value); the filters' verdicts are recorded too.
"""

from __future__ import annotations

import json
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
from datatrove.data import Document
from datatrove.pipeline.filters import C4QualityFilter, FineWebQualityFilter, GopherQualityFilter
from datatrove.pipeline.filters.gopher_quality_filter import STOP_WORDS
from datatrove.pipeline.filters.gopher_repetition_filter import find_duplicates
from datatrove.utils.text import PUNCTUATION_SET, TERMINAL_PUNCTUATION, split_into_words

sys.path.insert(0, str(Path(__file__).resolve().parent))
from golden_texts import GOLDEN_TEXTS  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "tests" / "golden" / "quality.json"


def gopher_signals(text: str) -> dict:
    words = split_into_words(text, "en")
    n = len(words)
    non_symbol = [w for w in words if any(ch not in PUNCTUATION_SET for ch in w)]
    lines = text.splitlines()
    return {
        "tokens": n,
        "words": len(non_symbol),
        "mean_word_length": float(np.mean([len(w) for w in non_symbol])) if non_symbol else None,
        "hashes": text.count("#"),
        "ellipses": text.count("...") + text.count("…"),
        "hash_ratio": text.count("#") / n if n else None,
        "ellipsis_ratio": (text.count("...") + text.count("…")) / n if n else None,
        "lines": len(lines),
        "bullet_lines": sum(s.lstrip().startswith(("•", "-")) for s in lines),
        "ellipsis_lines": sum(s.rstrip().endswith(("...", "…")) for s in lines),
        "letter_tokens": sum(any(c.isalpha() for c in w) for w in words),
        "alpha_words_share": sum(any(c.isalpha() for c in w) for w in words) / n if n else None,
        "stop_words": len(set(STOP_WORDS).intersection(set(words))),
    }


def fineweb_signals(text: str) -> dict:
    lines = [line for line in text.split("\n") if line.strip() != ""]
    words = split_into_words(text, "en")
    stop = tuple(TERMINAL_PUNCTUATION)
    chars = len(text.replace("\n", ""))
    n = len(lines)
    return {
        "lines": n,
        "punctuated_lines_share": sum(line.endswith(stop) for line in lines) / n if n else None,
        "short_lines_share": sum(len(line) <= 30 for line in lines) / n if n else None,
        "dup_line_chars_share": find_duplicates(lines)[1] / chars if chars else None,
        "newlines": text.count("\n"),
        "newline_ratio": text.count("\n") / len(words) if words else None,
    }


def verdict(flt, text: str) -> str:
    doc = Document(text=text, id="x")
    res = flt.filter(doc)
    if res is True:
        return "keep"
    return res[1] if isinstance(res, tuple) else "drop"


def main() -> None:
    gopher, c4, fineweb = GopherQualityFilter(), C4QualityFilter(), FineWebQualityFilter()
    out = {
        "generator": "bench/golden_quality.py",
        "datatrove": version("datatrove"),
        "spacy": version("spacy"),
        "texts": {},
    }
    for name, text in GOLDEN_TEXTS.items():
        entry = {
            "text": text,
            "gopher": gopher_signals(text) if text else None,
            "fineweb": fineweb_signals(text) if text else None,
        }
        for label, flt in (("gopher", gopher), ("c4", c4), ("fineweb", fineweb)):
            try:
                entry[f"{label}_verdict"] = verdict(flt, text)
            except (ZeroDivisionError, ValueError) as e:  # datatrove on the empty document
                entry[f"{label}_verdict"] = f"error: {e.__class__.__name__}"
        out["texts"][name] = entry
    OUT.write_text(json.dumps(out, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"wrote {OUT} ({len(GOLDEN_TEXTS)} texts)")


if __name__ == "__main__":
    main()
