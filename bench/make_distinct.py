"""A corpus where no line repeats exactly: every line of IN with the document's number after its
first word ("Posted 17 by the editor"). The cycled corpora of make_corpus.py bring each line back
in every batch, which flatters any memo of lines across batches; this one does not, and keeps
each line's start and end (its bullets, capitals and final stops) as they were.

    python bench/make_distinct.py bench/_work/web-200k.jsonl bench/_work/web-200k-distinct.jsonl
"""

from __future__ import annotations

import json
import sys


def main(src: str, dst: str) -> None:
    with open(src, encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as out:
        for i, line in enumerate(f):
            doc = json.loads(line)
            lines = []
            for text in doc["text"].split("\n"):
                first, _, rest = text.partition(" ")
                lines.append(f"{first} {i} {rest}" if rest else text)
            doc["text"] = "\n".join(lines)
            out.write(json.dumps(doc, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:3])
