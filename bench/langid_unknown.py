"""Can the detector say `und` for text in a language it has no profile for? Three signals measured.

langdetect's profiles cover 55 languages; lingua's test sentences cover 75. Text in one of the
other 23 (Basque, Maori, Kazakh, Mongolian, ...) gets the nearest profile's code, often with
confidence 1.0 (Mongolian -> ru, Maori -> id). Each signal below is a per-text number the scorer
has or could cheaply have; a threshold on it turns a label into `und`. For each threshold: how
many correct labels of supported languages it loses (in points of their accuracy), how many
labels of unsupported text it turns into `und`, and how many web documents (DCLM, English) it
turns into `und`.

- score/letter: the winning language's score per letter (1/SCALE nat above the floor), divided by
  that language's median on lingua's even lines labelled right (text the profile knows well scores
  high per letter; the ratio is ~1 for a supported language).
- margin/letter: the winner's lead over the second language, per letter.
- unknown letters: the share of the text's letters that no profile has (Kazakh's қ ә ө, Mongolian's
  ө ү, Serbian's ђ ћ), for texts labelled with a Latin- or Cyrillic-script language (in the
  Indic and CJK scripts the profiles leave out many rare letters of their own languages).

Evaluated on the odd lines of lingua's sentences, alone and joined six at a time (documents of
~600 characters); `ms` and `bs` count as neither (langdetect's `id` and `hr` are accepted for them).

Run: PYTHONPATH=. /work/main/.venv/bin/python bench/langid_unknown.py
"""

from __future__ import annotations

import gzip
import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from curate.langid import codes, posteriors, score  # noqa: E402
from curate.langid.model import SCALE, model  # noqa: E402

TRUTH = {"nb": "no", "nn": "no"}
NEITHER = ("ms", "bs")  # labelled `id` / `hr`, which language-mismatch accepts for them
LATIN_CYRILLIC = set(
    "af ca cs cy da de en es et fi fr hr hu id it lt lv nl no pl pt ro sk sl so sq sv sw tl tr "
    "vi bg mk ru uk".split()
)
THRESHOLDS = {
    "score/letter": (0.6, 0.7, 0.75, 0.8, 0.85),
    "margin/letter": (0.05, 0.1, 0.15, 0.2),
    "unknown letters": (0.02, 0.03, 0.05, 0.1),
}


def shared_data() -> Path:
    return Path(os.environ.get("CURATE_SHARED_DATA", "/work/shared/data"))


def lingua(lines: slice, join: int) -> tuple[list[str], np.ndarray]:
    root = shared_data() / "langid" / "lingua_testdata" / "sentences"
    texts, truth = [], []
    for path in sorted(root.glob("*.txt")):
        code = TRUTH.get(path.stem, path.stem)
        kept = [t for t in path.read_text(encoding="utf-8").split("\n") if t.strip()][lines]
        for i in range(0, len(kept) - join + 1, join):
            texts.append(" ".join(kept[i : i + join]))
            truth.append(code)
    return texts, np.array(truth)


def web(n: int) -> list[str]:
    path = shared_data() / "webcrawl" / "dclm_human_quality" / "majority_data.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f][:n]


def unknown_letter_share(texts: list[str]) -> np.ndarray:
    """Per text: letters (str.isalpha) whose character no profile has / letters (first 2,000)."""
    m = model()
    unknown = int(m.cp_id[0x10FFFF])  # every code point above the BMP is the unknown character
    out = np.zeros(len(texts))
    for i, text in enumerate(texts):
        letters = [c for c in text[:2000] if c.isalpha()]
        if letters:
            ids = m.cp_id[np.array([ord(c) for c in letters])]
            out[i] = np.mean(ids == unknown)
    return out


def signals(texts: list[str], typical: dict[str, float]) -> dict[str, np.ndarray]:
    scores, letters = score(texts)
    best, conf = posteriors(scores)
    label = np.array(codes())[best]
    labelled = (letters >= 2) & (conf >= 0.85)  # detect()'s defaults
    per = np.maximum(letters, 1)
    ordered = np.sort(scores, axis=1)
    top = ordered[:, -1] / SCALE / per
    return {
        "label": np.where(labelled, label, "und"),
        "score/letter": top / np.array([typical.get(c, np.nan) for c in label]),
        "margin/letter": (ordered[:, -1] - ordered[:, -2]) / SCALE / per,
        "unknown letters": np.where(
            np.isin(label, list(LATIN_CYRILLIC)), -unknown_letter_share(texts), np.inf
        ),
    }


def typical_scores() -> dict[str, float]:
    """Per language: the median score per letter of lingua's even lines labelled right."""
    texts, truth = lingua(slice(0, None, 2), 1)
    scores, letters = score(texts)
    best, conf = posteriors(scores)
    label = np.array(codes())[best]
    right = (label == truth) & (conf >= 0.85) & (letters >= 2)
    per = scores.max(axis=1) / SCALE / np.maximum(letters, 1)
    return {c: float(np.median(per[right & (label == c)])) for c in set(label[right].tolist())}


def main() -> None:
    typical = typical_scores()
    supported = set(codes())
    web_texts = web(1000)
    web_sig = signals(web_texts, typical)
    for join in (1, 6):
        texts, truth = lingua(slice(1, None, 2), join)
        sig = signals(texts, typical)
        label = sig["label"]
        is_supported = np.isin(truth, list(supported))
        unsupported = ~is_supported & ~np.isin(truth, NEITHER)
        right = is_supported & (label == truth)
        wrongly = unsupported & (label != "und")
        what = "sentences" if join == 1 else f"documents of {join} sentences"
        print(f"\n### lingua {what}, odd lines ({len(texts):,} texts)")
        print(
            f"supported: {is_supported.sum():,} texts, labelled right "
            f"{right.sum() / is_supported.sum() * 100:.2f} %; unsupported (23 languages but ms, "
            f"bs): {unsupported.sum():,} texts, "
            f"{wrongly.sum():,} given a label; web (DCLM, {len(web_texts):,} documents): "
            f"{(web_sig['label'] != 'und').sum():,} labelled"
        )
        print(
            "| signal | `und` when | supported: right -> und (points) | unsupported: label ->"
            " und | web: label -> und |"
        )
        print("|---|---:|---:|---:|---:|")
        for name, thresholds in THRESHOLDS.items():
            for t in thresholds:
                # (unknown letters: `und` above the share; stored negated, so below -t)
                cut = -t if name == "unknown letters" else t
                lost = right & (sig[name] < cut)
                caught = wrongly & (sig[name] < cut)
                web_lost = (web_sig["label"] != "und") & (web_sig[name] < cut)
                print(
                    f"| {name} | {'>' if cut < 0 else '<'} {t} | {lost.sum():,} "
                    f"({lost.sum() / is_supported.sum() * 100:.2f}) | {caught.sum():,} "
                    f"({caught.sum() / max(wrongly.sum(), 1):.0%}) | {web_lost.sum():,} |"
                )
        print(
            "\nper unsupported language: labelled / -> und at score/letter < 0.75, "
            "unknown letters > 0.05"
        )
        cells = []
        for code in sorted(set(truth[unsupported].tolist())):
            mine = (truth == code) & (label != "und")
            by_score = (mine & (sig["score/letter"] < 0.75)).sum()
            by_letters = (mine & (sig["unknown letters"] < -0.05)).sum()
            top = np.unique(label[mine], return_counts=True)
            as_ = top[0][np.argmax(top[1])] if mine.any() else "-"
            cells.append(f"{code} {mine.sum()} (mostly {as_}) / {by_score} / {by_letters}")
        print("; ".join(cells))


if __name__ == "__main__":
    main()
