"""Writes a benchmark corpus of web documents as JSONL.

Documents are real Common Crawl / C4 texts from ../shared/data/webcrawl (DCLM, Dolma, RedPajama
samples), cycled to the requested count. Each copy gets a different numbered first line so that no
two documents are identical (dedup rules would otherwise see a corpus of copies).

    python bench/make_corpus.py --docs 20000 --out bench/_work/web-20k.jsonl
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


def write(n: int, out: Path, target_chars: int = 2000) -> dict:
    texts = source_texts()
    out.parent.mkdir(parents=True, exist_ok=True)
    total = 0
    with out.open("w", encoding="utf-8") as f:
        for i in range(n):
            t, k = texts[i % len(texts)], 1
            while len(t) < target_chars:  # short pages: the next page continues the document
                t += "\n\n" + texts[(i + k) % len(texts)]
                k += 1
            # ~2 KB documents, the size the figures are quoted for; cut at a line end
            if len(t) > target_chars:
                cut = t.rfind("\n", 0, target_chars)
                t = t[: cut if cut > target_chars // 2 else target_chars]
            text = f"Document {i}.\n{t}"
            total += len(text.encode())
            f.write(json.dumps({"id": f"doc-{i}", "text": text}, ensure_ascii=False) + "\n")
    return {"documents": n, "bytes": total, "mean_bytes": total / max(1, n)}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=20000)
    ap.add_argument("--out", type=Path, default=Path("bench/_work/web.jsonl"))
    args = ap.parse_args()
    print(write(args.docs, args.out))
