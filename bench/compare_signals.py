"""Did a change alter what the rules say? Dump every rule's signals, fired flags and removed lines
for a corpus to parquet with one code tree, again with another, and diff the two files.

    PYTHONPATH=/work/main   /work/main/.venv/bin/python bench/compare_signals.py dump \
        bench/_work/web-20k.jsonl /tmp/a.parquet [--rules bench/heuristic.yaml] [--limit 5000]
    PYTHONPATH=/work/wt/me  /work/main/.venv/bin/python bench/compare_signals.py dump \
        bench/_work/web-20k.jsonl /tmp/b.parquet [--rules ...] [--limit 5000]
    /work/main/.venv/bin/python bench/compare_signals.py diff /tmp/a.parquet /tmp/b.parquet \
        [--tol 1e-9]

`dump` runs the rule set exactly as a run does (corpus pass, then `pipeline.process_batch` per
batch, strip actions composing in order) and records, per document (column `doc`, its position in
the corpus), for every rule: `<rule>:<signal>` (each signal), `<rule>:fired`, and for rules that
return a removal mask `<rule>:removed` (the sorted original line indices the mask removes, as a
list). `diff` joins the two files on `doc` and prints, per column, the number of documents whose
values differ (floats: absolute difference above --tol, NaN equals NaN; everything else exactly),
with a few examples; it exits 1 when anything differs.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import polars as pl  # noqa: E402

HERE = Path(__file__).resolve().parent


def dump(corpus: Path, out: Path, rules_path: str, limit: int | None) -> None:
    import curate
    from curate import engine, pipeline
    from curate.checks.base import DOC, LN
    from curate.config import load_ruleset
    from curate.io.readers import discover, read_shard

    print(f"curate from {Path(curate.__file__).parent}", file=sys.stderr)
    rs = load_ruleset(rules_path)
    shards, _ = discover([str(corpus)])
    tables = []
    seen = 0
    for s in shards:
        for tb, _ in read_shard(s, rs.text_column):
            if tb is None:
                continue
            if limit is not None and seen + tb.num_rows > limit:
                tb = tb.slice(0, limit - seen)
            if tb.num_rows:
                tables.append(tb)
            seen += tb.num_rows
            if limit is not None and seen >= limit:
                break
        if limit is not None and seen >= limit:
            break

    rules = rs.build()
    aggs = engine.collect_batches(rs, iter(tables))
    corpus_res = {r.name: r.finish(aggs[r.name]) for r in rules if r.needs_corpus}

    captured: dict[str, list[pl.DataFrame]] = {r.name: [] for r in rules}
    for r in rules:

        def ev(batch, _ev=r.evaluate, _name=r.name):
            res = _ev(batch)
            cols = {f"{_name}:{k}": v for k, v in res.signals.items()}
            cols[f"{_name}:fired"] = res.fired.fill_null(False)
            frame = pl.DataFrame([v.alias(k) for k, v in cols.items()])
            if res.remove is not None:
                removed = (
                    batch.lines.select(DOC, LN)
                    .filter(res.remove)
                    .group_by(DOC)
                    .agg(pl.col(LN).sort().alias(f"{_name}:removed"))
                )
                frame = (
                    batch.doc_index.hstack(frame)
                    .join(removed, on=DOC, how="left", maintain_order="left")
                    .with_columns(
                        pl.col(f"{_name}:removed").fill_null(pl.lit([], pl.List(pl.UInt32)))
                    )
                    .drop(DOC)
                )
            captured[_name].append(frame)
            return res

        r.evaluate = ev
    for tb in tables:
        pipeline.process_batch(rules, pl.from_arrow(tb), rs.text_column, corpus_res, rs.id_column)
    parts = [pl.concat(frames, how="diagonal_relaxed") for frames in captured.values() if frames]
    result = pl.concat(parts, how="horizontal")
    result = result.with_row_index("doc")
    result.write_parquet(out)
    print(f"{result.height} documents, {result.width - 1} columns -> {out}", file=sys.stderr)


def _differs(a: pl.Series, b: pl.Series, tol: float) -> pl.Series:
    if a.dtype.is_float() or b.dtype.is_float():
        a = a.cast(pl.Float64)
        b = b.cast(pl.Float64)
        both_nan = a.is_nan() & b.is_nan()
        both_null = a.is_null() & b.is_null()
        one_null = a.is_null() ^ b.is_null()
        far = ((a - b).abs() > tol).fill_null(False)
        return (one_null | (far & ~both_nan)) & ~both_null
    if a.dtype != b.dtype:
        try:
            b = b.cast(a.dtype)
        except pl.exceptions.PolarsError:
            return pl.Series([True] * len(a))
    return ~a.eq_missing(b)


def diff(path_a: Path, path_b: Path, tol: float, examples: int) -> int:
    a = pl.read_parquet(path_a)
    b = pl.read_parquet(path_b)
    print(f"A: {path_a} ({a.height} docs, {a.width - 1} columns)")
    print(f"B: {path_b} ({b.height} docs, {b.width - 1} columns)")
    bad = 0
    if a.height != b.height:
        print(f"document counts differ: {a.height} vs {b.height} (comparing the common ones)")
        bad += 1
    only_a = [c for c in a.columns if c not in b.columns]
    only_b = [c for c in b.columns if c not in a.columns]
    for c in only_a:
        print(f"  only in A: {c}")
    for c in only_b:
        print(f"  only in B: {c}")
    bad += len(only_a) + len(only_b)
    j = a.join(b, on="doc", how="inner", suffix="__b")
    for c in [c for c in a.columns if c in b.columns and c != "doc"]:
        mask = _differs(j[c], j[c + "__b"], tol)
        n = int(mask.sum())
        if n == 0:
            continue
        bad += 1
        print(f"  {c}: {n} / {j.height} documents differ")
        rows = j.filter(mask).select("doc", c, c + "__b").head(examples)
        for doc, va, vb in rows.iter_rows():
            print(f"      doc {doc}: A={va!r}  B={vb!r}")
    compared = len([c for c in a.columns if c in b.columns and c != "doc"])
    if bad == 0:
        print(f"identical: {compared} columns x {j.height} documents (float tolerance {tol})")
        return 0
    print(f"{bad} difference(s) over {compared} common columns")
    return 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump", help="run the rules, write signals/fired/removed to parquet")
    d.add_argument("corpus", type=Path)
    d.add_argument("out", type=Path)
    d.add_argument("--rules", default=str(HERE / "heuristic.yaml"))
    d.add_argument("--limit", type=int, default=None, help="first N documents only")
    c = sub.add_parser("diff", help="compare two dumps")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    c.add_argument("--tol", type=float, default=1e-9, help="absolute tolerance for floats")
    c.add_argument("--examples", type=int, default=3, help="examples shown per column")
    args = ap.parse_args()
    if args.cmd == "dump":
        dump(args.corpus, args.out, args.rules, args.limit)
    else:
        sys.exit(diff(args.a, args.b, args.tol, args.examples))


if __name__ == "__main__":
    main()
