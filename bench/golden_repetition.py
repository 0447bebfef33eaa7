"""Write tests/golden/gopher_repetition.json: datatrove's Gopher repetition signal values on fixed,
hand-written texts, for the parity test tests/checks/test_repetition.py.

Dev-only: needs datatrove (PyPI), which is never a dependency of curate. Run it from the bench
environment:

    /work/main/.venv-bench/bin/python bench/golden_repetition.py

datatrove's GopherRepetitionFilter.filter() stops at the first failing check and returns a bool,
so the values are computed here with datatrove's own helpers (find_duplicates, find_top_duplicate,
find_all_duplicate, get_n_grams, split_into_words) and the arithmetic of filter(), line by line.
Two word splits are recorded: datatrove's default for English (spaCy, which splits punctuation
off words) and a whitespace split plugged into the same helpers (curate's definition of a word).
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from importlib.metadata import version
from pathlib import Path

from datatrove.pipeline.filters.gopher_repetition_filter import (
    find_all_duplicate,
    find_duplicates,
    find_top_duplicate,
    get_n_grams,
)
from datatrove.utils.text import split_into_words
from datatrove.utils.word_tokenizers import WordTokenizer

OUT = Path(__file__).resolve().parent.parent / "tests" / "golden" / "gopher_repetition.json"

# Hand-written texts. Each exercises one signal or one intentional difference (named in `note`).
P1 = (
    "The river rose three feet overnight and the mayor closed the old bridge until engineers "
    "could inspect its pillars."
)
P2 = (
    "Shopkeepers on the east bank moved their stock upstairs, and the school opened its gym "
    "to families who had to leave their homes."
)
P3 = "By noon the water had started to fall, but more rain is expected on Thursday."
TEXTS = [
    ("prose", f"{P1}\n\n{P2}\n\n{P3}", "no repeats"),
    ("para_twice", f"{P1}\n\n{P2}\n\n{P1}\n\n{P3}", "one paragraph pasted again"),
    ("article_twice", f"{P1}\n{P2}\n{P3}\n{P1}\n{P2}\n{P3}", "whole text twice, single newlines"),
    ("article_twice_paras", f"{P1}\n\n{P2}\n\n{P3}\n\n{P1}\n\n{P2}\n\n{P3}", "whole text twice"),
    ("lines", "home\nnews\nsport\nhome\nnews\nweather\nhome", "short lines repeated"),
    (
        "multiline_paras",
        "first line\nsecond line\n\nthird line\n\nfirst line\nsecond line",
        "a two-line paragraph repeated",
    ),
    ("spam", "buy cheap watches now " * 12 + "today", "one 4-gram over and over"),
    ("spam_lines", "\n".join(["click here to win a prize"] * 6), "one line six times"),
    ("ngram_ties", "red blue red blue green gold green gold pink", "top 2-gram tie"),
    (
        "dup_ngrams_aligned",
        " ".join(f"w{i}" for i in range(10)) * 1
        + " "
        + " ".join(f"w{i}" for i in range(10))
        + " end",
        "a 10-word run repeated once",
    ),
    (
        "dup_ngrams_ragged",
        " ".join(f"w{i}" for i in range(7)) + " x " + " ".join(f"w{i}" for i in range(7)) + " y",
        "a 7-word run repeated: not a multiple of n",
    ),
    (
        "punctuation",
        "Well, well, well. It's late; isn't it? Yes, it's late. Well, well, well.",
        "spaCy splits punctuation off words",
    ),
    ("blank_ws_line", f"{P1}\n \n{P1}", "whitespace-only line between two copies"),
    ("short_unique", "just three words", "every n-gram unique"),
    ("cjk", "今天天气很好。我们去公园散步。\n今天天气很好。我们去公园散步。", "CJK without spaces"),
    ("cyrillic", "Мы пошли в парк.\n\nМы пошли в парк.\n\nПотом домой.", "non-Latin paragraphs"),
    ("empty", "", "empty text"),
]


class Whitespace(WordTokenizer):
    """Words are whitespace-separated tokens (curate's definition)."""

    def __init__(self) -> None:
        super().__init__("en")

    def word_tokenize(self, text: str) -> list[str]:
        return text.split()

    def sent_tokenize(self, text: str) -> list[str]:
        return [text]

    def span_tokenize(self, text: str) -> list[tuple[int, int]]:
        return [(0, len(text))]


def signals(text: str, tokenizer, counts: bool = True) -> dict[str, float]:
    """The numbers GopherRepetitionFilter.filter() compares with its thresholds (and, with
    `counts`, how often each top n-gram occurs: not datatrove's, left out when timing)."""
    out: dict[str, float] = {}
    if not text:
        return out
    paragraphs = re.compile(r"\n{2,}").split(text.strip())
    dup, chars = find_duplicates(paragraphs)
    out["dup_para_frac"] = dup / len(paragraphs)
    out["dup_para_char_frac"] = chars / len(text)
    lines = re.compile("\n+").split(text)
    dup, chars = find_duplicates(lines)
    out["dup_line_frac"] = dup / len(lines)
    out["dup_line_char_frac"] = chars / len(text)
    words = split_into_words(text, tokenizer)
    for n in (2, 3, 4):
        grams = get_n_grams(words, n)
        out[f"top_{n}gram_char_frac"] = find_top_duplicate(grams) / len(text) if grams else 0.0
        # how often the top n-gram occurs: the test compares only where it occurs twice or more
        if counts:
            out[f"top_{n}gram_count"] = max(Counter(grams).values(), default=0)
    for n in (5, 6, 7, 8, 9, 10):
        out[f"dup_{n}gram_char_frac"] = find_all_duplicate(words, n) / len(text)
    return out


def main() -> int:
    rows = []
    for name, text, note in TEXTS:
        rows.append(
            {
                "name": name,
                "note": note,
                "text": text,
                "datatrove": signals(text, "en"),
                "datatrove_whitespace": signals(text, Whitespace()),
            }
        )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "generated_by": "bench/golden_repetition.py",
        "datatrove": version("datatrove"),
        "spacy": version("spacy"),
        "texts": rows,
    }
    OUT.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(rows)} texts)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
