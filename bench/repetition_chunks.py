"""`repeated-paragraphs`' n-gram numerators (repetition.ngram_numerators) of this tree and of a base
tree in ONE process, alternately, on the very word arrays the rule builds from a corpus' batches
and on synthetic batches of documents of a fixed length: the paired A/B of the n-gram sort in
chunks of documents (session 9), and its check on long documents.

    POLARS_MAX_THREADS=1 PYTHONPATH=<tree> /work/main/.venv/bin/python bench/repetition_chunks.py \
        bench/_work/web-20k.jsonl --base /work/wt/base10 [--rules bench/every.yaml] \
        [--rounds 11] [--batches 3] [--chunks 128,256,512]

The rule set runs once as a run does (bench/rule_cpu.py); the arguments of ngram_numerators in
the first --batches batches are kept. Every round then times both trees' ngram_numerators on each
kept batch (order alternating), and asserts equal results. Printed per batch and synthetic shape:
min and median CPU ms, and the median of the per-round ratios this/base. --chunks also times this
tree with other values of repetition._CHUNK_KEYS (on the real batches).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import numpy as np  # noqa: E402
from prepared import prepared  # noqa: E402
from rule_cpu import _restore, batches_seen  # noqa: E402

from curate.checks import repetition  # noqa: E402

HERE = Path(__file__).resolve().parent
RULE = "repeated-paragraphs"


def _base_module(tree: Path):
    """`tree`'s curate/checks/repetition.py as module repetition_base (its rule unregistered)."""
    path = tree / "curate/checks/repetition.py"
    src = path.read_text().replace("@register\n", "")
    spec = importlib.util.spec_from_loader("repetition_base", loader=None)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["repetition_base"] = mod
    exec(compile(src, str(path), "exec"), mod.__dict__)
    return mod


def _captured(corpus: Path, rules: str, batches: int) -> list[tuple]:
    """(per_doc, lengths, hashes) of ngram_numerators' first `batches` calls in a run of `rules`
    (the lengths materialised as an array)."""
    rs, tables, built, finished = prepared(corpus, rules)
    seen = batches_seen(rs, tables, built, finished, {RULE})
    rule = next(r for r in built if r.name == RULE)
    kept: list[tuple] = []
    real = repetition.ngram_numerators

    def keep(per_doc, wl, wh):
        lengths = wl(np.arange(wh.size)) if callable(wl) else wl
        kept.append((per_doc.copy(), np.asarray(lengths).copy(), wh.copy()))
        return real(per_doc, wl, wh)

    repetition.ngram_numerators = keep
    try:
        for batch, snap in seen[RULE][:batches]:
            _restore(batch, snap)
            rule.evaluate(batch)
    finally:
        repetition.ngram_numerators = real
    return kept


def _synthetic(docs: int, words: int, seed: int = 0) -> tuple:
    """A batch of `docs` documents of `words` words each, drawn Zipf-like from 8,000 words."""
    rng = np.random.default_rng(seed)
    vocab = rng.integers(0, 2**64, 8000, dtype=np.uint64)
    code = np.minimum(rng.zipf(1.3, docs * words), 8000) - 1
    return (
        np.full(docs, words, dtype=np.int64),
        rng.integers(1, 12, 8000)[code],
        vocab[code],
    )


def _paired(label: str, args: tuple, fns: dict, rounds: int) -> None:
    want = fns["base"](*args)
    times: dict[str, list[float]] = {k: [] for k in fns}
    ratios = []
    for r in range(rounds):
        order = list(fns) if r % 2 == 0 else list(fns)[::-1]
        got = {}
        for k in order:
            t0 = time.process_time()
            out = fns[k](*args)
            got[k] = time.process_time() - t0
            assert all((out[x] == want[x]).all() for x in want), (label, k)
            times[k].append(got[k])
        ratios.append(got["this"] / got["base"])
    cells = " | ".join(
        f"{k} min {min(v) * 1e3:6.2f} med {statistics.median(v) * 1e3:6.2f}"
        for k, v in times.items()
    )
    print(f"{label:28s} {cells} | ratio med {statistics.median(ratios):.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--base", type=Path, required=True)
    ap.add_argument("--rules", default=str(HERE / "every.yaml"))
    ap.add_argument("--rounds", type=int, default=11)
    ap.add_argument("--batches", type=int, default=3)
    ap.add_argument("--chunks", default="")
    args = ap.parse_args()
    base = _base_module(args.base)
    fns = {"base": base.ngram_numerators, "this": repetition.ngram_numerators}
    print(f"ngram_numerators, CPU ms per call, {args.rounds} rounds, base {args.base}")
    for i, batch in enumerate(_captured(args.corpus, args.rules, args.batches)):
        per_doc = batch[0]
        label = f"{args.corpus.stem} #{i} ({per_doc.size} docs, {batch[2].size} words)"
        _paired(label, batch, fns, args.rounds)
        for c in [int(x) for x in args.chunks.split(",") if x]:
            default = repetition._CHUNK_KEYS
            repetition._CHUNK_KEYS = c
            try:
                _paired(f"  _CHUNK_KEYS={c}", batch, fns, args.rounds)
            finally:
                repetition._CHUNK_KEYS = default
    for docs, words in ((2200, 250), (1000, 600), (200, 3000), (30, 20000)):
        _paired(f"synthetic {docs} x {words} words", _synthetic(docs, words), fns, args.rounds)


if __name__ == "__main__":
    main()
