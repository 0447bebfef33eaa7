"""Did a speed change alter boilerplate-lines' line classification? Dump, for several corpora, the
boilerplate flag and reason of every line (with each corpus' own recurring-lines pass), the
rule's per-document signals and its corpus summary, with one code tree; again with another; diff.

    PYTHONPATH=/work/main    /work/main/.venv/bin/python bench/bp_classify_dump.py dump /tmp/a
    PYTHONPATH=/work/wt/bp3  /work/main/.venv/bin/python bench/bp_classify_dump.py dump /tmp/b
    /work/main/.venv/bin/python bench/bp_classify_dump.py diff /tmp/a /tmp/b

BP_SET (JSON) overrides rule parameters, e.g. BP_SET='{"span_max_gap": 0}'; BP_DEDUP=0 or 1
forces the per-line or the per-distinct-line feature path.

Corpora: bench/_work/web-20k.jsonl, the Zyte and Indonesian pages of bench/boilerplate_eval.py,
and the shared web samples (OSCAR 166 languages, Dolma CC, RedPajama, DCLM), each in batches of
2,000 documents as a run reads them.
"""

from __future__ import annotations

import gzip
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import polars as pl  # noqa: E402

HERE = Path(__file__).resolve().parent
DATA = Path(os.environ.get("CURATE_SHARED_DATA", "/work/shared/data"))
BATCH = 2000


def _jsonl(path: Path) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [t for t in (json.loads(line).get("text") for line in f if line.strip()) if t]


def corpora() -> dict[str, list[str]]:
    sys.path.insert(0, str(HERE))
    import boilerplate_eval as ev

    out = {"web-20k": _jsonl(HERE / "_work" / "web-20k.jsonl")}
    out["zyte"] = [p["text"] for p in ev.scrapinghub()]
    arts, portals = ev.indonesian()
    out["indonesian"] = [p["text"] for p in arts + portals]
    web = DATA / "webcrawl"
    out["oscar"] = _jsonl(web / "oscar2019_samples_166_languages" / "oscar2019_samples.jsonl")
    out["dolma"] = [
        t for f in sorted((web / "dolma_cc_test_docs").glob("*.jsonl")) for t in _jsonl(f)
    ]
    out["redpajama"] = [
        t for f in sorted((web / "redpajama_samples_datajuicer").glob("*.jsonl")) for t in _jsonl(f)
    ]
    out["dclm"] = [
        t for f in sorted((web / "dclm_human_quality").glob("*.jsonl.gz")) for t in _jsonl(f)
    ]
    return out


def dump(out: Path) -> None:
    import curate
    from curate.checks.base import Batch
    from curate.config import load_ruleset

    print(f"curate from {Path(curate.__file__).parent}", file=sys.stderr)
    out.mkdir(parents=True, exist_ok=True)
    # BP_SET='{"span_max_gap": 0}': other parameters, to reach other branches
    params = json.loads(os.environ.get("BP_SET", "{}"))
    if "BP_DEDUP" in os.environ:  # force or forbid the distinct-lines path (when it exists)
        from curate.checks import boilerplate

        boilerplate.DEDUP_MAX_SHARE = float(os.environ["BP_DEDUP"])
    rs = load_ruleset(
        {"name": "x", "rules": [{"rule": "boilerplate-lines", "action": "strip", **params}]}
    )
    rule = rs.build()[0]
    for name, texts in corpora().items():
        series = pl.Series(texts, dtype=pl.String)
        batches = [Batch.from_texts(series.slice(i, BATCH)) for i in range(0, len(texts), BATCH)]
        agg = None
        for b in batches:
            agg = rule.merge(agg, rule.collect(b))
        finished = rule.finish(agg)
        hashes = (finished or {}).get("hashes")
        lines, docs = [], []
        for b in batches:
            b.corpus = {rule.name: finished}
            lines.append(rule.classify(b.lines, hashes).select("_bp", "_why"))
            res = rule.evaluate(b)
            frame = pl.DataFrame([v.alias(k) for k, v in res.signals.items()])
            docs.append(frame.with_columns(res.fired.alias("fired")).unnest("boilerplate_reasons"))
            lines[-1] = lines[-1].with_columns(res.remove.alias("remove"))
        pl.concat(lines).write_parquet(out / f"{name}.lines.parquet")
        pl.concat(docs).write_parquet(out / f"{name}.docs.parquet")
        (out / f"{name}.summary.json").write_text(json.dumps(rule.corpus_summary(finished)))
        print(
            f"{name}: {len(texts)} documents, {sum(x.height for x in lines)} lines", file=sys.stderr
        )


def diff(a: Path, b: Path) -> int:
    bad = 0
    for fa in sorted(a.glob("*.parquet")):
        x, y = pl.read_parquet(fa), pl.read_parquet(b / fa.name)
        same = x.equals(y, null_equal=True)
        n = (
            0
            if same
            else sum(
                int(
                    (
                        x[c].fill_null(-1 if x[c].dtype.is_numeric() else "-")
                        != y[c].fill_null(-1 if y[c].dtype.is_numeric() else "-")
                    ).sum()
                )
                for c in x.columns
            )
        )
        print(f"{fa.name:32s} rows {x.height:8d}  {'identical' if same else f'{n} differences'}")
        bad += not same
    for fa in sorted(a.glob("*.json")):
        same = fa.read_text() == (b / fa.name).read_text()
        print(f"{fa.name:32s} {'identical' if same else 'DIFFERENT'}")
        bad += not same
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1] == "dump":
        dump(Path(sys.argv[2]))
    else:
        sys.exit(diff(Path(sys.argv[2]), Path(sys.argv[3])))
