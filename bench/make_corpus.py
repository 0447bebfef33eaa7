"""Writes a benchmark corpus of web documents as JSONL.

Documents are real Common Crawl / C4 texts from ../shared/data/webcrawl (DCLM, Dolma, RedPajama
samples), cycled to the requested count. Each copy gets a different numbered first line so that no
two documents are identical (dedup rules would otherwise see a corpus of copies). With --unique no
page is used twice, so the corpus holds only the repetition real pages have.

    python bench/make_corpus.py --docs 20000 --out bench/_work/web-20k.jsonl
    python bench/make_corpus.py --unique --out bench/_work/web-unique.jsonl
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "webcrawl"


def source_texts() -> list[str]:
    texts: list[str] = []
    with gzip.open(DATA / "dclm_human_quality" / "majority_data.jsonl.gz", "rt") as f:
        texts += [json.loads(line)["text"] for line in f]
    for p in sorted((DATA / "dolma_cc_test_docs").glob("c*.jsonl")) + sorted(
        (DATA / "redpajama_samples_datajuicer").glob("*.jsonl")
    ):
        texts += [json.loads(line)["text"] for line in p.read_text().splitlines() if line.strip()]
    return [t for t in texts if t.strip()]


def _cycled(texts: list[str], target_chars: int):
    """Documents from the source pages, cycled without end (the corpus repeats its pages)."""
    i = 0
    while True:
        t, k = texts[i % len(texts)], 1
        while len(t) < target_chars:  # short pages: the next page continues the document
            t += "\n\n" + texts[(i + k) % len(texts)]
            k += 1
        yield t
        i += 1


def full_pages() -> list[str]:
    """The 181 Zyte benchmark pages as full-page text (navigation, footers and all)."""
    path = DATA.parent / "boilerplate/scrapinghub_article_extraction_benchmark"
    with gzip.open(path / "output-html-text.json.gz", "rt", encoding="utf-8") as f:
        pages = json.load(f)["output"]
    return [pages[k]["articleBody"] for k in sorted(pages)]


def _unique(texts: list[str], target_chars: int):
    """Every line of the source pages used once: pages cut into documents of about target_chars
    at line ends (short pages share a document), until the pages run out."""
    doc: list[str] = []
    size = 0
    for page in texts + full_pages():
        if doc:
            doc.append("")  # a blank line between pages
        for line in page.split("\n"):
            if size and size + len(line) > target_chars:
                yield "\n".join(doc).strip("\n")
                doc, size = [], 0
            doc.append(line)
            size += len(line) + 1
    if doc:
        yield "\n".join(doc).strip("\n")


def write(n: int, out: Path, target_chars: int = 2000, unique: bool = False) -> dict:
    texts = source_texts()
    docs = (_unique if unique else _cycled)(texts, target_chars)
    out.parent.mkdir(parents=True, exist_ok=True)
    total = written = 0
    with out.open("w", encoding="utf-8") as f:
        for i, t in zip(range(n), docs, strict=False):
            written += 1
            # ~2 KB documents, the size the figures are quoted for; cut at a line end
            if len(t) > target_chars:
                cut = t.rfind("\n", 0, target_chars)
                t = t[: cut if cut > target_chars // 2 else target_chars]
            text = f"Document {i}.\n{t}"
            total += len(text.encode())
            f.write(json.dumps({"id": f"doc-{i}", "text": text}, ensure_ascii=False) + "\n")
    return {"documents": written, "bytes": total, "mean_bytes": total / max(1, written)}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=20000)
    ap.add_argument("--out", type=Path, default=Path("bench/_work/web.jsonl"))
    ap.add_argument(
        "--unique",
        action="store_true",
        help="every line of the source pages (and the 181 Zyte full pages) used once, ~1,600 "
        "documents: the cycled corpus repeats every page ~10x per 20k documents, which flatters "
        "rules that work per distinct line",
    )
    args = ap.parse_args()
    print(write(args.docs, args.out, unique=args.unique))
