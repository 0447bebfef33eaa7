"""Evaluate repeated-paragraphs and duplicate-documents on real texts with injected repeats, and
time the Gopher repetition signals against datatrove's GopherRepetitionFilter in the same run.

    PYTHONPATH=. /work/main/.venv-bench/bin/python bench/repetition_eval.py [--data DIR]

Needs the texts in ../shared/data (README.md there) and datatrove (bench environment only).
Prints every figure recorded in bench/results/repetition.md.

1. Strip: every base text is cleaned as it is (untouched), and with one injected repeat: the whole
   text twice, one paragraph twice (right after itself or further on), one near-identical
   paragraph (case, punctuation, whitespace changed). Success = the cleaned text equals the base
   text, byte for byte.
2. Near duplicates: the base texts plus lightly edited copies (1-10 % of the words replaced,
   deleted or inserted) go through duplicate-documents; recall = edited copies clustered with
   their source, precision = linked pairs that share a source.
3. Parity and throughput: our Gopher signals against datatrove's helpers on every base text, and
   the wall time of ours (one polars thread) against GopherRepetitionFilter (one process).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import sys
import time
from importlib.metadata import version
from pathlib import Path

# one core each: datatrove runs in one process, so polars gets one thread
os.environ.setdefault("POLARS_MAX_THREADS", "1")

import polars as pl  # noqa: E402

import curate.api  # noqa: E402
from curate.checks.base import Batch  # noqa: E402
from curate.checks.repetition import normalised  # noqa: E402
from curate.config import load_ruleset  # noqa: E402

MIN_CHARS = 120  # repeated-paragraphs' default min_chars
SEED = 20261128


def load_texts(data: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    bench = data / "boilerplate/scrapinghub_article_extraction_benchmark"
    gt = json.loads((bench / "ground-truth.json").read_text(encoding="utf-8"))
    out["scrapinghub (news bodies)"] = [v["articleBody"] for v in gt.values()]
    with gzip.open(
        data / "webcrawl/dclm_human_quality/majority_data.jsonl.gz", "rt", encoding="utf-8"
    ) as f:
        out["dclm (web)"] = [json.loads(line)["text"] for line in f]
    out["dolma (web)"] = [
        json.loads(line)["text"]
        for p in sorted((data / "webcrawl/dolma_cc_test_docs").glob("*.jsonl"))
        if "attributes" not in p.name
        for line in p.open(encoding="utf-8")
    ]
    out["redpajama (web)"] = [
        json.loads(line)["text"]
        for p in sorted((data / "webcrawl/redpajama_samples_datajuicer").glob("*.jsonl"))
        for line in p.open(encoding="utf-8")
    ]
    with open(
        data / "webcrawl/oscar2019_samples_166_languages/oscar2019_samples.jsonl", encoding="utf-8"
    ) as f:
        out["oscar (166 languages)"] = [json.loads(line)["text"] for line in f]
    news = data / "indonesian_news/anpandu_news_scraper_fixtures"
    exp = json.loads((news / "expected_singlepage.json").read_text(encoding="utf-8"))
    out["indonesian news"] = [r["content"] for r in exp]
    return out


def tidy(text: str) -> str:
    """The base text as the pipeline writes a document it touched: no whitespace-only lines, no
    runs of blank lines, nothing blank at the ends (rebuild_text tidies exactly these)."""
    text = text.replace("\r\n", "\n")
    text = re.sub(r"(?m)^[ \t\f\v]+$", "", text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip("\n")
    return text


def norm(s: str) -> str:
    return re.sub(r"[\W_]+", " ", s.lower()).strip()


def units(text: str) -> tuple[list[str], str]:
    """Paragraphs (blank-line blocks) when the text has them, else lines; and the separator."""
    if "\n\n" in text:
        return text.split("\n\n"), "\n\n"
    return text.split("\n"), "\n"


def perturb(p: str, rng: random.Random) -> str:
    """A near-identical copy: case, punctuation and whitespace changed, every word kept."""
    ops = rng.sample(["upper", "lower_first", "commas", "period", "spaces", "quotes"], 2)
    for op in ops:
        if op == "upper":
            p = p.upper()
        elif op == "lower_first":
            p = p[:1].lower() + p[1:]
        elif op == "commas":
            p = p.replace(",", "")
        elif op == "period":
            p = p.rstrip(".") if p.endswith(".") else p + "."
        elif op == "spaces":
            p = p.replace(" ", "  ", 3)
        elif op == "quotes":
            p = p.replace('"', "\u201c").replace("'", "\u2019")
    return p


def inject(base: str, kind: str, rng: random.Random, short: bool = False) -> str | None:
    parts, sep = units(base)
    if kind == "article":
        if len(norm(base)) < MIN_CHARS:
            return None
        return base + rng.choice(["\n", "\n\n"]) + base
    lo, hi = (20, MIN_CHARS) if short else (MIN_CHARS, 10**9)
    idx = [i for i, p in enumerate(parts) if lo <= len(norm(p)) < hi]
    if not idx:
        return None
    i = rng.choice(idx)
    copy = parts[i] if kind == "paragraph" else perturb(parts[i], rng)
    where = i + 1 if rng.random() < 0.5 else rng.randint(i + 1, len(parts))
    return sep.join(parts[:where] + [copy] + parts[where:])


def clean(texts: list[str], rules: dict) -> list[str]:
    df = pl.DataFrame({"_i": list(range(len(texts))), "text": texts})
    out = curate.api.clean(df, rules)
    both = pl.concat([out["train"], out["rejected"]], how="diagonal_relaxed").sort("_i")
    return both["text"].to_list()


def strip_eval(corpus: dict[str, list[str]], rng: random.Random) -> None:
    rules = {"name": "eval", "rules": [{"rule": "repeated-paragraphs", "action": "strip"}]}
    print("\n## 1. strip: cleaned text == base text")
    bases = [(src, tidy(t)) for src, ts in corpus.items() for t in ts]
    bases = [(s, t) for s, t in bases if t.strip()]
    raw = [t for ts in corpus.values() for t in ts]
    changed_raw = sum(a != b for a, b in zip(raw, clean(raw, rules), strict=True))
    print(
        f"untouched, as found    : {changed_raw}/{len(raw)} changed "
        f"({100 * changed_raw / len(raw):.2f} %)"
    )
    texts = [t for _, t in bases]
    out = clean(texts, rules)
    changed = [(s, t) for (s, t), o in zip(bases, out, strict=True) if o != t]
    print(
        f"untouched, tidied      : {len(changed)}/{len(bases)} changed "
        f"({100 * len(changed) / len(bases):.2f} %)"
    )
    for kind, short in (
        ("article", False),
        ("paragraph", False),
        ("near", False),
        ("paragraph", True),
        ("near", True),
    ):
        cases = [(s, t, inject(t, kind, rng, short)) for s, t in bases]
        skipped = sum(c is None for _, _, c in cases)
        cases = [(s, t, c) for s, t, c in cases if c is not None]
        got = clean([c for _, _, c in cases], rules)
        ok = sum(g == t for (_, t, _), g in zip(cases, got, strict=True))
        label = {
            "article": "whole text twice",
            "paragraph": "one paragraph twice",
            "near": "near-identical paragraph",
        }[kind]
        if short:
            label += f" (20-{MIN_CHARS - 1} chars)"
        print(
            f"{label:40s}: {ok}/{len(cases)} equal ({100 * ok / max(len(cases), 1):.2f} %), "
            f"{skipped} bases without such a unit"
        )


def edit_words(text: str, frac: float, rng: random.Random) -> str:
    words = text.split()
    n = max(1, round(frac * len(words)))
    for _ in range(n):
        i = rng.randrange(len(words))
        op = rng.random()
        if op < 0.4:
            words[i] = rng.choice(["new", "said", "also", "today", "local", "report", "2019"])
        elif op < 0.7 and len(words) > 1:
            del words[i]
        else:
            words.insert(i, rng.choice(["very", "the", "more", "however", "then"]))
    return " ".join(words)


def shingles(text: str, k: int = 5) -> set[str]:
    """The rule's shingles: 5-word windows of the text normalised as the rule normalises it."""
    w = pl.select(normalised(pl.lit(text))).item().split(" ")
    return {" ".join(w[i : i + k]) for i in range(len(w) - k + 1)}


def dedup_eval(corpus: dict[str, list[str]], rng: random.Random) -> None:
    print("\n## 2. near duplicates: pairs (source, light edit) among unrelated documents")
    bases = [t for ts in corpus.values() for t in ts if len(t.split()) >= 50]
    levels = (0.01, 0.03, 0.05, 0.10)
    rows = [{"src": i, "edit": None, "text": t} for i, t in enumerate(bases)]
    picked = rng.sample(range(len(bases)), min(400, len(bases)))
    for j, i in enumerate(picked):
        level = levels[j % len(levels)]
        rows.append({"src": i, "edit": level, "text": edit_words(bases[i], level, rng)})
    df = pl.DataFrame(rows, infer_schema_length=None)
    src = df["src"].to_list()
    edits = df["edit"].to_list()
    texts = df["text"].to_list()
    jac = {
        k: len(shingles(bases[src[k]]) & shingles(texts[k]))
        / max(1, len(shingles(bases[src[k]]) | shingles(texts[k])))
        for k in range(df.height)
        if edits[k] is not None
    }
    print(
        f"{len(bases)} source documents (>= 50 words), {len(picked)} edited copies "
        f"(1, 3, 5, 10 % of words replaced, deleted or inserted), {df.height} documents"
    )
    for bands, rows_ in ((14, 8), (20, 5)):
        params = {"bands": bands, "rows": rows_}
        rule = load_ruleset(
            {"name": "eval", "rules": [{"rule": "duplicate-documents", "action": "flag", **params}]}
        ).build()[0]
        t0 = time.perf_counter()
        batch = Batch.from_texts(
            df["text"],
            extra=pl.DataFrame({"__file": ["eval"] * df.height, "__line": list(range(df.height))}),
        )
        finished = rule.finish(rule.collect(batch))
        res = rule.evaluate(Batch(batch.docs, batch.lines, {rule.name: finished}))
        secs = time.perf_counter() - t0
        size = res.signals["duplicate_cluster_size"].to_list()
        dup_of = res.signals["duplicate_of"].to_list()
        # a document's cluster: its representative's location, or itself when it is one
        cluster = [
            d if d is not None else (f"eval:{k}" if s > 1 else None)
            for k, (d, s) in enumerate(zip(dup_of, size, strict=True))
        ]
        members: dict[str, list[int]] = {}
        for k, c in enumerate(cluster):
            if c is not None:
                members.setdefault(c, []).append(k)
        linked = true = 0
        for ks in members.values():
            for a in range(len(ks)):
                for b in range(a + 1, len(ks)):
                    linked += 1
                    true += src[ks[a]] == src[ks[b]]
        threshold = (1 / bands) ** (1 / rows_)
        print(f"\n{bands} bands x {rows_} rows (threshold {threshold:.2f}), {secs:.2f} s:")

        def hit(k: int, cluster: list = cluster) -> bool:
            return cluster[k] is not None and cluster[k] == cluster[src[k]]

        for level in levels:
            ks = [k for k in range(df.height) if edits[k] == level]
            js = sorted(jac[k] for k in ks)
            n = sum(hit(k) for k in ks)
            print(
                f"  edit {level:4.0%} of words: recall {n}/{len(ks)} ({100 * n / len(ks):.1f} %),"
                f" median Jaccard {js[len(js) // 2]:.2f}"
            )
        for lo, hi in ((0.9, 1.01), (0.8, 0.9), (0.7, 0.8), (0.6, 0.7), (0.0, 0.6)):
            ks = [k for k in jac if lo <= jac[k] < hi]
            n = sum(hit(k) for k in ks)
            expect = sum(1 - (1 - jac[k] ** rows_) ** bands for k in ks)
            print(
                f"  Jaccard {lo:.1f}-{min(hi, 1):.1f}: recall {n}/{len(ks)}"
                f" ({100 * n / max(len(ks), 1):.1f} %; S-curve expects {expect:.0f})"
            )
        mixed = sum(1 for ks in members.values() if len({src[k] for k in ks}) > 1)
        print(
            f"  linked pairs {linked}, same source {true}: precision "
            f"{100 * true / max(linked, 1):.2f} %; clusters joining unrelated documents {mixed}"
        )


def parity_and_speed(corpus: dict[str, list[str]]) -> None:
    from datatrove.data import Document
    from datatrove.pipeline.filters import GopherRepetitionFilter

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from golden_repetition import Whitespace, signals

    print("\n## 3. Gopher signals: parity with datatrove and throughput")
    texts = [t for ts in corpus.values() for t in ts if t.strip()]
    rule = load_ruleset(
        {"name": "g", "rules": [{"rule": "repeated-paragraphs", "action": "flag"}]}
    ).build()[0]
    batch = Batch.from_texts(pl.Series(texts))
    ours = rule.evaluate(batch).signals
    ws = Whitespace()
    names = [k for k in ours if k != "repeated_chars"]
    equal = dict.fromkeys(names, 0)
    compared = dict.fromkeys(names, 0)
    for i, t in enumerate(texts):
        ref = signals(t, ws)
        for k in names:
            if k.startswith("top_") and ref[f"{k[:5]}gram_count"] < 2:
                continue  # intentional: datatrove counts an n-gram that occurs once
            compared[k] += 1
            equal[k] += abs(ours[k][i] - ref[k]) < 1e-9
    print(f"{len(texts)} real documents; signals equal to datatrove's (whitespace words):")
    for k in names:
        print(f"  {k:24s} {equal[k]}/{compared[k]} ({100 * equal[k] / max(compared[k], 1):.2f} %)")

    sample = texts
    mb = sum(len(t.encode()) for t in sample) / 1e6

    def timed(fn) -> float:
        # CPU seconds of this process: the machine is shared, wall time measures the neighbours
        t0 = time.process_time()
        fn()
        return time.process_time() - t0

    def run_ours() -> None:
        for off in range(0, len(sample), 4096):
            rule.evaluate(Batch.from_texts(pl.Series(sample[off : off + 4096])))

    dt_filter = GopherRepetitionFilter()
    docs = [Document(text=t, id=str(i)) for i, t in enumerate(sample)]
    run_ours()  # warm up polars' regex cache and thread pool
    t_ours = timed(run_ours)
    t_dt = timed(lambda: [dt_filter.filter(d) for d in docs])
    t_dt_all = timed(lambda: [signals(t, "en", counts=False) for t in sample])
    t_dt_ws = timed(lambda: [signals(t, ws, counts=False) for t in sample])
    print(f"\n{len(sample)} documents, {mb:.1f} MB, CPU seconds, one core each:")
    for label, t in (
        ("curate repeated-paragraphs (all 13 signals + strip mask)", t_ours),
        ("datatrove GopherRepetitionFilter.filter (stops at first failure)", t_dt),
        ("datatrove helpers, all 13 signals, spaCy words", t_dt_all),
        ("datatrove helpers, all 13 signals, whitespace words", t_dt_ws),
    ):
        print(
            f"  {label:66s} {t:7.2f} s  {len(sample) / t:8.0f} docs/s  {mb / t:6.2f} MB/s"
            f"  x{t / t_ours:.1f}"
        )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    ap.add_argument("--skip-speed", action="store_true")
    args = ap.parse_args()
    data = Path(args.data)
    if not data.exists():
        data = Path("/work/shared/data")
    corpus = load_texts(data)
    print(f"# repetition evaluation: {sum(map(len, corpus.values()))} base texts from {data}")
    print(f"curate polars {pl.__version__}; POLARS_MAX_THREADS={os.environ['POLARS_MAX_THREADS']}")
    for src, ts in corpus.items():
        print(f"  {src}: {len(ts)}")
    strip_eval(corpus, random.Random(SEED))
    dedup_eval(corpus, random.Random(SEED))
    if not args.skip_speed:
        print(f"datatrove {version('datatrove')}, spacy {version('spacy')}")
        parity_and_speed(corpus)
    return 0


if __name__ == "__main__":
    sys.exit(main())
