"""Throughput of the quality rules against datatrove's GopherQualityFilter, on the same documents,
one core each, in one invocation. Also: how often the two agree, and how the quality score orders
the DCLM human quality labels.

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv-bench/bin/python bench/quality_bench.py

Documents: DCLM's 499 human-labelled Common Crawl pages plus OSCAR's 320 samples in 166 languages
(/work/shared/data/webcrawl), repeated --repeat times. Times are CPU seconds of this process
(time.process_time), so other load on the machine does not count against either side; polars is
held to one thread (POLARS_MAX_THREADS=1, set below before polars is imported).

datatrove stops at the first failing check (a dropped document costs less); curate computes every
signal of every document. curate's side is the whole batch function (process_batch: rules, flags,
statistics, examples), not only the signals.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import polars as pl  # noqa: E402

DATA = Path(os.environ.get("CURATE_SHARED_DATA", "/work/shared/data")) / "webcrawl"
GOPHER_RULES = (
    "too-few-words",
    "too-many-words",
    "mean-word-length",
    "symbol-heavy",
    "bullet-lines",
    "ellipsis-lines",
    "few-alphabetic-words",
    "no-stop-words",
)
GOPHER_STOP_WORDS = ["the", "be", "to", "of", "and", "that", "have", "with"]


def load() -> tuple[list[str], list[int | None]]:
    texts, labels = [], []
    with gzip.open(DATA / "dclm_human_quality" / "majority_data.jsonl.gz", "rt") as f:
        for line in f:
            row = json.loads(line)
            texts.append(row["text"])
            labels.append(int(row["label"]))
    with open(DATA / "oscar2019_samples_166_languages" / "oscar2019_samples.jsonl") as f:
        for line in f:
            texts.append(json.loads(line)["text"])
            labels.append(None)
    return texts, labels


def run_datatrove(texts: list[str]) -> tuple[float, list[bool]]:
    from datatrove.data import Document
    from datatrove.pipeline.filters import GopherQualityFilter

    flt = GopherQualityFilter()
    flt.filter(Document(text="warm up the spaCy tokenizer", id="0"))
    t0 = time.process_time()
    kept = []
    for i, text in enumerate(texts):
        res = flt.filter(Document(text=text, id=str(i)))
        kept.append(res is True)
    return time.process_time() - t0, kept


def run_curate(texts: list[str], rules: list[dict], batch_size: int) -> tuple[float, pl.DataFrame]:
    from curate.config import load_ruleset
    from curate.pipeline import process_batch

    built = load_ruleset({"name": "bench", "rules": rules}).build()
    process_batch(built, pl.DataFrame({"i": [0], "text": ["warm up"]}), "text")
    t0 = time.process_time()
    parts = []
    for start in range(0, len(texts), batch_size):
        chunk = texts[start : start + batch_size]
        df = pl.DataFrame({"i": range(start, start + len(chunk)), "text": chunk})
        out = process_batch(built, df, "text")
        parts += [
            out.kept.with_columns(pl.lit(True).alias("kept")),
            out.rejected.with_columns(pl.lit(False).alias("kept")),
        ]
    seconds = time.process_time() - t0
    return seconds, pl.concat(parts, how="diagonal_relaxed").sort("i")


def auc(scores: list[float], labels: list[int]) -> float:
    """Probability that a random label-1 document scores above a random label-0 one."""
    pos = [s for s, y in zip(scores, labels, strict=True) if y == 1]
    neg = [s for s, y in zip(scores, labels, strict=True) if y == 0]
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=4)
    ap.add_argument("--batch-size", type=int, default=1000)
    args = ap.parse_args()
    texts, labels = load()
    n_unique = len(texts)
    texts = texts * args.repeat
    mb = sum(len(t.encode()) for t in texts) / 1e6
    print(
        f"documents: {len(texts)} ({n_unique} unique x {args.repeat}), {mb:.1f} MB, "
        f"POLARS_MAX_THREADS={os.environ['POLARS_MAX_THREADS']}"
    )

    dt_s, dt_kept = run_datatrove(texts)
    # the `gopher` rule set's quality rules (datatrove-compatible: Gopher's English stop words,
    # punctuation counted as tokens in the alphabetic share) ...
    gopher = [{"rule": r, "action": "drop"} for r in GOPHER_RULES]
    gopher[-1]["stop_words"] = GOPHER_STOP_WORDS
    gopher[-2]["punctuation_as_tokens"] = True
    cu_s, cu = run_curate(texts, gopher, args.batch_size)
    # ... and the same rules with curate's defaults (whitespace tokens, stop words of every
    # shipped language)
    plain = [{"rule": r, "action": "drop"} for r in GOPHER_RULES]
    _, cu_plain = run_curate(texts, plain, args.batch_size)
    every = [
        {"rule": r, "action": "flag"}
        for r in (
            *GOPHER_RULES,
            "curly-braces",
            "lorem-ipsum",
            "javascript-notice",
            "unterminated-lines",
            "too-few-sentences",
            "few-punctuated-lines",
            "short-lines",
            "duplicated-line-chars",
            "list-like",
            "low-quality",
        )
    ]
    all_s, full = run_curate(texts, every, args.batch_size)

    print(f"datatrove GopherQualityFilter      {dt_s:7.2f} CPU s  {len(texts) / dt_s:8.0f} docs/s")
    print(
        f"curate, the 8 Gopher rules         {cu_s:7.2f} CPU s  {len(texts) / cu_s:8.0f} docs/s"
        f"  -> {dt_s / cu_s:.1f}x datatrove"
    )
    print(
        f"curate, all 18 quality rules+score {all_s:7.2f} CPU s  {len(texts) / all_s:8.0f} docs/s"
        f"  -> {dt_s / all_s:.1f}x datatrove's Gopher filter alone"
    )

    dclm = range(len([y for y in labels if y is not None]))
    oscar = range(len(dclm), n_unique)
    for label, frame in (("gopher rule set", cu), ("defaults", cu_plain)):
        kept = frame["kept"].to_list()
        agree_en = sum(kept[i] == dt_kept[i] for i in dclm) / len(dclm)
        agree_ml = sum(kept[i] == dt_kept[i] for i in oscar) / len(oscar)
        print(
            f"curate ({label}) keep/drop agreement with datatrove: {agree_en:.3f} on DCLM "
            f"(English), {agree_ml:.3f} on OSCAR (166 languages); kept on DCLM: datatrove "
            f"{sum(dt_kept[i] for i in dclm)}, curate {sum(kept[i] for i in dclm)} of "
            f"{len(dclm)}; on OSCAR: datatrove {sum(dt_kept[i] for i in oscar)}, curate "
            f"{sum(kept[i] for i in oscar)} of {len(oscar)}"
        )
    ours_kept = cu_plain["kept"].to_list()

    quality = full["curate_quality"].to_list()[: len(dclm)]
    y = [labels[i] for i in dclm]
    dt_score = [1.0 if dt_kept[i] else 0.0 for i in dclm]
    cu_score = [1.0 if ours_kept[i] else 0.0 for i in dclm]
    gs_kept = cu["kept"].to_list()
    gs_score = [1.0 if gs_kept[i] else 0.0 for i in dclm]
    print(
        f"DCLM human labels ({len(y)} docs, label 1 = high quality): AUC of curate quality "
        f"score {auc(quality, y):.3f}; of keep/drop: datatrove Gopher {auc(dt_score, y):.3f}, "
        f"curate gopher rule set {auc(gs_score, y):.3f}, curate defaults {auc(cu_score, y):.3f}"
    )
    only_dt_drops = [y[i] for i in dclm if ours_kept[i] and not dt_kept[i]]
    only_cu_drops = [y[i] for i in dclm if dt_kept[i] and not ours_kept[i]]
    print(
        f"DCLM docs dropped by datatrove only: {len(only_dt_drops)} "
        f"({sum(only_dt_drops)} labelled high quality); by curate defaults only: "
        f"{len(only_cu_drops)} "
        f"({sum(only_cu_drops)} labelled high quality)"
    )
    edges = (0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001)
    q = pl.Series(full["curate_quality"].to_list()[:n_unique])
    counts = [int(((q >= lo) & (q < hi)).sum()) for lo, hi in zip(edges, edges[1:], strict=False)]
    print("quality distribution (819 docs, bins of 0.1 from 0 to 1):", counts)


if __name__ == "__main__":
    main()
