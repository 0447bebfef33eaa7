"""Stock langdetect (seeded) against curate's default language detector, in one run.

1. Throughput on the same ~2 KB documents, in documents per CPU-second (time.process_time, best
   of --repeat): stock `detect_langs`, our `curate.langid.detect` on the whole documents, and the
   whole `language-mismatch` rule (paragraph split, paragraph shares, report signals).
   Documents: ~2,000-character prefixes of the DCLM web documents, and ~2,000-character documents
   built from lingua's sentences (one document per language and 2 KB of its sentences, a line
   break every three sentences), so that every script is in the mix.
2. Accuracy on lingua's test sets (the 52 files of languages langdetect has a profile for; nb and
   nn count as langdetect's `no`), by text length: argmax accuracy of both, and for ours the
   precision and coverage of the labels it gives (`und` below min_confidence / min_letters).
   By default the odd-numbered lines (--stride 2 --offset 1): the even ones were used to choose
   the confidence temperature and threshold.

Run: PYTHONPATH=. /work/main/.venv-bench/bin/python bench/langid_bench.py
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import sys
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FOLD = {"zh-cn": "zh", "zh-tw": "zh"}
TRUTH = {"nb": "no", "nn": "no"}
BUCKETS = [(1, 20), (21, 50), (51, 100), (101, 200), (201, 10_000)]


def shared_data() -> Path:
    return Path(os.environ.get("CURATE_SHARED_DATA", "/work/shared/data"))


def stock():
    import langdetect.detector_factory as factory
    from langdetect import DetectorFactory
    from langdetect.detector_factory import init_factory
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    init_factory()

    def detect(texts):
        out = []
        for t in texts:
            d = factory._factory.create()
            d.append(t)
            try:
                best = d.get_probabilities()[0]
                out.append((FOLD.get(best.lang, best.lang), best.prob))
            except LangDetectException:
                out.append(("und", 0.0))
        return out

    return detect, {FOLD.get(lang, lang) for lang in factory._factory.langlist}


def lingua(kind: str, supported: set[str], stride: int, offset: int):
    root = shared_data() / "langid" / "lingua_testdata" / kind
    texts, truth = [], []
    for path in sorted(root.glob("*.txt")):
        code = path.stem
        if TRUTH.get(code, code) not in supported:
            continue
        lines = [t for t in path.read_text(encoding="utf-8").split("\n") if t.strip()]
        for t in lines[offset::stride]:
            texts.append(t)
            truth.append(TRUTH.get(code, code))
    return texts, np.array(truth)


def documents(supported: set[str], n_web: int) -> list[str]:
    web_path = shared_data() / "webcrawl" / "dclm_human_quality" / "majority_data.jsonl.gz"
    with gzip.open(web_path, "rt", encoding="utf-8") as f:
        web = [json.loads(line)["text"] for line in f]
    docs = [d[:2000] for d in web if len(d) >= 2000][:n_web]
    root = shared_data() / "langid" / "lingua_testdata" / "sentences"
    for path in sorted(root.glob("*.txt")):
        if TRUTH.get(path.stem, path.stem) not in supported:
            continue
        sentences = [t for t in path.read_text(encoding="utf-8").split("\n") if t.strip()]
        doc, size = [], 0
        for i, s in enumerate(sentences):
            doc.append(s + ("\n" if i % 3 == 2 else " "))
            size += len(s) + 1
            if size >= 2000:
                break
        docs.append("".join(doc)[:2000])
    return docs


def cpu_rate(fn, n: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return n / best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--web", type=int, default=250, help="web documents (plus 52 lingua ones)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--stride", type=int, default=2, help="lingua: every Nth line")
    ap.add_argument("--offset", type=int, default=1, help="lingua: first line (0-based)")
    args = ap.parse_args()

    import polars as pl

    from curate.config import load_ruleset
    from curate.langid import detect
    from curate.langid.model import model
    from curate.pipeline import process_batch

    stock_detect, supported = stock()
    docs = documents(supported, args.web)
    chars = sum(map(len, docs))
    print(f"# {len(docs)} documents, {chars / len(docs):.0f} characters on average")
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, polars {pl.__version__}, "
        f"langdetect {version('langdetect')}, {platform.machine()}, {os.cpu_count()} cores"
    )

    stock_detect(docs[:2])
    t = time.process_time()
    model()
    load = time.process_time() - t
    detect(docs[:2])
    rules = load_ruleset({"name": "b", "rules": [{"rule": "language-mismatch", "action": "flag"}]})
    built = rules.build()
    frame = pl.DataFrame({"text": docs})
    process_batch(built, frame.head(2), "text")

    r_stock = cpu_rate(lambda: stock_detect(docs), len(docs), args.repeat)
    r_ours = cpu_rate(lambda: detect(docs), len(docs), args.repeat)
    r_rule = cpu_rate(lambda: process_batch(built, frame, "text"), len(docs), args.repeat)
    stock_rules = load_ruleset(
        {
            "name": "s",
            "rules": [{"rule": "language-mismatch", "action": "flag", "backend": "langdetect"}],
        }
    ).build()
    few = frame.head(60)  # stock per paragraph is slow: 60 documents, once
    r_rule_stock = cpu_rate(lambda: process_batch(stock_rules, few, "text"), few.height, 1)
    print(f"\n## Throughput (documents per CPU-second, best of {args.repeat})")
    print("| detector | docs/CPU-s | vs stock |\n|---|---:|---:|")
    print(f"| stock langdetect (seeded) | {r_stock:,.0f} | 1.0x |")
    print(f"| curate.langid.detect (whole documents) | {r_ours:,.0f} | {r_ours / r_stock:.1f}x |")
    print(
        f"| language-mismatch rule (paragraphs + shares) | {r_rule:,.0f} | "
        f"{r_rule / r_stock:.1f}x |"
    )
    print(
        f"| language-mismatch rule, backend: langdetect (first 60 documents) | "
        f"{r_rule_stock:,.0f} | {r_rule_stock / r_stock:.2f}x |"
    )
    print(f"(profile tables built once per process: {load:.2f} CPU-s)")
    ours_docs, _ = detect(docs)
    stock_docs = [lang for lang, _ in stock_detect(docs)]
    same = np.mean([a == b for a, b in zip(ours_docs, stock_docs, strict=True)])
    print(
        f"labels agree with stock on {same:.1%} of these documents "
        f"(ours `und` on {ours_docs.count('und')})"
    )

    print(f"\n## Accuracy on lingua (lines {args.offset}::{args.stride} of the 52 files)")
    for kind in ("sentences", "word-pairs", "single-words"):
        texts, truth = lingua(kind, supported, args.stride, args.offset)
        lens = np.array([len(t) for t in texts])
        stock_out = stock_detect(texts)
        s_lab = np.array([lang for lang, _ in stock_out])
        s_conf = np.array([c for _, c in stock_out])
        lab, _ = detect(texts, min_letters=0, min_confidence=0.0)  # argmax, never und
        lab = np.array(lab)
        given, _ = detect(texts)  # the defaults: und below min_letters / min_confidence
        given = np.array(given)
        print(f"\n### {kind} ({len(texts):,} texts)")
        print(
            "| length (chars) | texts | stock accuracy | ours accuracy | ours: labelled | "
            "ours: precision of labels | stock: p >= 0.85 | stock: precision there |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for lo, hi in [*BUCKETS, (1, 10_000)]:
            sel = (lens >= lo) & (lens <= hi)
            if not sel.any():
                continue
            g = sel & (given != "und")
            sg = sel & (s_conf >= 0.85)
            name = (
                "all"
                if (lo, hi) == (1, 10_000)
                else f"{lo}-{hi}"
                if hi < 10_000
                else (f">{lo - 1}")
            )
            print(
                f"| {name} | {sel.sum():,} | {np.mean(s_lab[sel] == truth[sel]):.2%} | "
                f"{np.mean(lab[sel] == truth[sel]):.2%} | {g.sum() / sel.sum():.1%} | "
                f"{_pct(given[g] == truth[g])} | {sg.sum() / sel.sum():.1%} | "
                f"{_pct(s_lab[sg] == truth[sg])} |"
            )


def _pct(ok: np.ndarray) -> str:
    return f"{ok.mean():.2%}" if len(ok) else "-"


if __name__ == "__main__":
    main()
