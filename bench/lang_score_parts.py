"""Where curate.langid.score's time goes on the texts language-mismatch scores in a pass.

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/lang_score_parts.py \
        bench/_work/web-unique.jsonl [--rules bench/every.yaml] [--repeat 5]

Runs the rule set once (as bench/rule_inpass.py's pass does) and keeps the texts the rule hands
score(); then times, best of --repeat, score() whole and its stages re-done step by step in the
order _score_chunk does them (CPU s, one core). A profile, not a parity tool.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import numpy as np  # noqa: E402

import curate.langid.detect  # noqa: E402, F401
from curate import engine  # noqa: E402
from curate.config import load_ruleset  # noqa: E402
from curate.io.readers import discover, read_shard  # noqa: E402
from curate.langid import model as M  # noqa: E402

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--rules", type=Path, default=HERE / "every.yaml")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rs = load_ruleset(args.rules)
    shards, _ = discover([str(args.corpus)])
    tables = [tb for s in shards for tb in read_shard(s, rs.text_column)]
    det = sys.modules["curate.langid.detect"]
    seen: list[list[str]] = []
    orig = det._score

    def keep(texts, lens=None):
        seen.append(list(texts))
        return orig(texts, lens)

    det._score = keep
    rules = [r for r in rs.build() if r.needs_corpus]
    aggs = engine.collect_batches(rs, (tb for tb, _ in tables))
    corpus = {r.name: r.finish(aggs[r.name]) for r in rules}
    engine.process_batches(rs, tables, corpus, keep_rows=True)
    det._score = orig
    m = M.model()
    texts = [t for batch in seen for t in batch]
    chars = sum(map(len, texts))
    print(f"# {len(texts)} texts, {chars} characters, {len(seen)} score() calls")

    def best(f):
        out = []
        for _ in range(args.repeat):
            t = time.process_time()
            f()
            out.append(time.process_time() - t)
        return min(out)

    whole = best(lambda: [M.score(b) for b in seen])
    print(f"{'score(), all calls':40s} {whole * 1000:7.1f} ms")
    # stages over the same text as one joined chunk stream (approximation of the chunks)
    joined = "\n" + "\n".join(texts) + "\n"
    stages = {}
    stages["encode utf-32 + frombuffer"] = best(
        lambda: np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    )
    cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    stages["cp_id.take"] = best(lambda: m.cp_id.take(cps))
    ids = m.cp_id.take(cps)
    stages["cp_counts.take"] = best(lambda: m.cp_counts.take(cps))
    stages["upper.take + keep"] = best(lambda: np.r_[True, ~(m.upper.take(ids)[1:])])
    end = np.flatnonzero(ids[1:-1] != M.SPACE)
    stages["3-gram rows (_rows3)"] = best(lambda: M._rows3(m, ids, end))
    r3 = M._rows3(m, ids, end)[0]
    stages["comb[0].take (64-byte rows)"] = best(lambda: m.comb[0].take(r3, axis=0))
    x = m.comb[0].take(r3, axis=0)
    runs = np.arange(0, len(r3), 64)
    stages["reduceat of those rows"] = best(lambda: np.add.reduceat(x, runs, axis=0))
    for k, v in stages.items():
        print(f"{k:40s} {v * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
