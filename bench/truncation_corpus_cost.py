"""CPU cost of the corpus pass idea 3 of bench/truncation_corpus.py would need (a prototype, not
the rule): per batch of 4,096 documents, the document frequency of every lower-cased word and of
every prefix of 2 to 12 letters of those words, as hashes and counts, merged over the corpus.

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/truncation_corpus_cost.py \
        bench/_work/web-20k.jsonl
"""

import sys
import time

import polars as pl

texts = pl.read_ndjson(sys.argv[1])["text"]
t0 = time.process_time()
whole_tabs, pref_tabs = [], []
for off in range(0, len(texts), 4096):
    b = texts.slice(off, 4096)
    words = (
        pl.DataFrame({"d": pl.int_range(0, len(b), eager=True), "t": b})
        .select("d", pl.col("t").str.to_lowercase().str.extract_all(r"\p{L}+").alias("w"))
        .explode("w")
        .drop_nulls()
        .unique()
    )
    wc = words.group_by("w").len()  # document frequency of each word in the batch
    whole_tabs.append(wc.select(pl.col("w").hash().alias("h"), "len"))
    # prefixes of 2..12 letters of every distinct word longer than the prefix
    pre = (
        wc.filter(pl.col("w").str.len_chars() > 2)
        .with_columns(
            pl.int_ranges(2, pl.min_horizontal(pl.col("w").str.len_chars(), 13)).alias("k")
        )
        .explode("k")
        .select(pl.col("w").str.slice(0, pl.col("k")).hash().alias("h"), "len")
        .group_by("h")
        .agg(pl.col("len").sum())
    )
    pref_tabs.append(pre)
whole = pl.concat(whole_tabs).group_by("h").agg(pl.col("len").sum())
pref = pl.concat(pref_tabs).group_by("h").agg(pl.col("len").sum())
t1 = time.process_time()
print(
    f"{len(texts)} docs: {t1 - t0:.2f} CPU s; "
    f"whole hashes {whole.height:,}, prefix hashes {pref.height:,}"
)
