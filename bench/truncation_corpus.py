"""Round 4 of `truncated-text` (issue #6): corpus-level ideas measured as a user would meet them.

The evaluation set of bench/truncation_eval.py (756 complete documents, each whole and cut) is
embedded in a background corpus of real web text that shares no content with it, the corpus-level
statistics are learned on eval + background (what a corpus pass over the user's corpus would see),
and only the evaluation documents are scored. Every choice is made on the tuning half; the
held-out half is printed beside it.

Background (leakage guard: nothing of an evaluation document may enter it):
  zyte-pages   the 181 Zyte full-page texts (menus, footers, share widgets) minus every line of
               their own article body (the body IS an evaluation document) and minus every line of
               40 characters or more found in any evaluation document
  oscar        the 320 OSCAR 2019 documents (166 languages), same line filter
  sentences    the lingua test sentences (75 languages, 1,000 web sentences each at most), one
               document per language file, same line filter
bench/_work/web-*.jsonl are built from the DCLM, Dolma and RedPajama documents of the evaluation
set and from the Zyte pages (bench/make_corpus.py): once the evaluation lines are removed they add
nothing the Zyte pages do not, so they are not used (the script prints what they would add).

Ideas measured (each on the documents only the missing stop flags, "the bucket", and as the
rule's verdict `core | (bucket & feature)`, core = `missing_stop_fires: false`):
  1. end model: the rate at which the last word of the last prose line is followed by a sentence
     mark over every word of the corpus (word level), and the same for its last two letters
     (letter-pair level); the bucket fires only where the rate is below a threshold
  2. recurring lines: lines (case and digits folded) found in at least N documents of the corpus
     are removed before the end is judged (the lengths, caps and spikes still see the text as it
     came in)

    CURATE_SHARED_DATA=/work/shared/data PYTHONPATH=. /work/main/.venv/bin/python \
        bench/truncation_corpus.py [--no-background]
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import re
import sys
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
import truncation_eval as ev  # noqa: E402

WORD_RE = re.compile(r"([^\W\d_]+)([.!?。！？]?)")
LAST_WORD = re.compile(r"([^\W\d_]+)[^\w]*$")


def fold(line: str) -> str:
    """The recurring-line key of boilerplate-lines: lower case, digits to 0, spaces folded."""
    return re.sub(r"\s+", " ", re.sub(r"[0-9]", "0", line.strip().lower()))


def lines_of(text: str) -> list[str]:
    return [ln.strip() for ln in text.split("\n") if ln.strip()]


# -- the background corpus -------------------------------------------------------------------------


def background(docs: list[tuple[str, str, str]]) -> tuple[list[str], list[str]]:
    """(background texts, what each holds) with no evaluation content (see the docstring)."""
    eval_long = {fold(ln) for _, _, t in docs for ln in lines_of(t) if len(ln) >= 40}
    bodies = {k: t for s, k, t in docs if s == "scrapinghub"}

    dropped = [0]

    def clean(text: str, also: set[str] = frozenset()) -> str:
        kept = [ln for ln in lines_of(text) if fold(ln) not in eval_long and fold(ln) not in also]
        dropped[0] += len(lines_of(text)) - len(kept)
        return "\n".join(kept)

    out: list[str] = []
    notes: list[str] = []
    zyte = ev.DATA / "boilerplate/scrapinghub_article_extraction_benchmark"
    with gzip.open(zyte / "output-html-text.json.gz", "rt", encoding="utf-8") as f:
        pages = json.load(f)["output"]
    zyte_docs = [
        clean(pages[k]["articleBody"], {fold(ln) for ln in lines_of(bodies.get(k, ""))})
        for k in sorted(pages)
    ]
    out += [t for t in zyte_docs if t]
    notes.append(f"zyte-pages {sum(map(bool, zyte_docs))} docs, {sum(map(len, zyte_docs)):,} chars")
    oscar = [clean(t) for _, t in ev.load_oscar()]
    out += [t for t in oscar if t]
    notes.append(f"oscar {sum(map(bool, oscar))} docs, {sum(map(len, oscar)):,} chars")
    sent_dir = ev.DATA / "langid/lingua_testdata/sentences"
    sents = [clean(p.read_text(encoding="utf-8")) for p in sorted(sent_dir.glob("*.txt"))]
    out += [t for t in sents if t]
    en = clean((sent_dir / "en.txt").read_text(encoding="utf-8")) if sent_dir.exists() else ""
    notes.append(
        f"sentences {len(sents)} docs, {sum(map(len, sents)):,} chars (English {len(en):,} chars)"
    )
    notes.append(f"{dropped[0]:,} lines shared with the evaluation documents left out")
    unique = ev.ROOT / "bench/_work/web-unique.jsonl"
    if unique.exists():
        left = 0
        with unique.open(encoding="utf-8") as f:
            for row in map(json.loads, f):
                left += len(clean(re.sub(r"^Document \d+\.\n", "", row["text"])))
        notes.append(
            f"(web-unique.jsonl after the same filter: {left:,} chars, all of them from the "
            "Zyte pages and the short lines of the evaluation documents: not used)"
        )
    return out, notes


# -- the last prose line, as the rule chooses it ---------------------------------------------------


def last_prose_lines(texts: pl.Series) -> list[str]:
    """The line the rule judges: the last prose line among the last 40 non-blank lines."""
    from curate.checks.base import DOC, LINE, Batch
    from curate.checks.truncation import TAIL_LINES
    from curate.config import load_ruleset

    rule = load_ruleset(
        {"name": "x", "rules": [{"rule": "truncated-text", "action": "flag"}]}
    ).build()[0]
    batch = Batch.from_texts(texts)
    lines = (
        batch.lines.select(DOC, pl.col(LINE).str.strip_chars().alias("s"))
        .filter(pl.col("s") != "")
        .with_columns(
            (pl.len().over(DOC) - 1 - pl.int_range(pl.len()).over(DOC)).cast(pl.Int64).alias("_r")
        )
        .filter(pl.col("_r") < TAIL_LINES)
    )
    kinds = rule._line_kinds(lines)
    last = kinds.group_by(DOC).agg(pl.col("s").filter(pl.col("prose")).last().alias("last"))
    return batch.per_doc(last, "last", "").to_list()


# -- idea 1: end model -----------------------------------------------------------------------------


def end_counts(texts: list[str]) -> tuple[collections.Counter, collections.Counter, ...]:
    """Word and letter-pair counts: occurrences, and occurrences followed by a sentence mark."""
    wend: collections.Counter[str] = collections.Counter()
    wall: collections.Counter[str] = collections.Counter()
    pend: collections.Counter[str] = collections.Counter()
    pall: collections.Counter[str] = collections.Counter()
    for text in texts:
        for word, stop in WORD_RE.findall(text):
            w = word.lower()
            p = w[-2:]
            wall[w] += 1
            pall[p] += 1
            if stop:
                wend[w] += 1
                pend[p] += 1
    return wend, wall, pend, pall


def pair_shares(last: list[str], counts) -> list[float]:
    """Round 3's letter-pair prototype: the share of all words of the corpus that end in the
    last two letters of the last word (how common such an ending is, stop or not)."""
    _, _, _, pall = counts
    n = sum(pall.values()) or 1
    out = []
    for line in last:
        m = LAST_WORD.search(line or "")
        out.append(pall[m.group(1).lower()[-2:]] / n if m else 1.0)
    return out


def end_rates(last: list[str], counts) -> tuple[list[float], list[float]]:
    wend, wall, pend, pall = counts
    wr, pr = [], []
    for line in last:
        m = LAST_WORD.search(line or "")
        w = m.group(1).lower() if m else ""
        # smoothed: an unseen word gets the prior 0.05
        wr.append((wend[w] + 0.05) / (wall[w] + 1) if w else 1.0)
        p = w[-2:]
        pr.append((pend[p] + 0.05) / (pall[p] + 1) if w else 1.0)
    return wr, pr


# -- idea 2: recurring lines -----------------------------------------------------------------------


def recurring(docs_texts: list[str], min_docs: int, max_chars: int = 200) -> set[str]:
    n: collections.Counter[str] = collections.Counter()
    for t in docs_texts:
        n.update({fold(ln) for ln in lines_of(t) if len(ln) <= max_chars})
    return {k for k, c in n.items() if c >= min_docs}


def without(texts: list[str], rec: set[str]) -> list[str]:
    return ["\n".join(ln for ln in t.split("\n") if fold(ln) not in rec) for t in texts]


def judged_on(texts: list[str], original: pl.Series, params: dict | None = None) -> pl.Series:
    """The rule's verdict with the end judged on `texts` and the lengths on `original`."""
    from curate.checks.base import Batch
    from curate.config import load_ruleset

    rule = load_ruleset(
        {
            "name": "x",
            "rules": [
                {
                    "rule": "truncated-text",
                    "action": "flag",
                    "judge_original": False,
                    **(params or {}),
                }
            ],
        }
    ).build()[0]
    finished = rule.finish(rule.collect(Batch.from_texts(original)))
    b = Batch.from_texts(pl.Series(texts), corpus={rule.name: finished})
    b.original = original.fill_null("")
    return rule.evaluate(b).fired.fill_null(False)


# -- figures ---------------------------------------------------------------------------------------


def rows(df: pl.DataFrame, pred: pl.Series, name: str) -> list[str]:
    out = []
    audited = ev.audit(df)["label"]
    for half in ("tune", "heldout"):
        mask = df["half"] == half
        s = ev.scores(df["label"].filter(mask), pred.filter(mask))
        a = ev.scores(audited.filter(mask), pred.filter(mask))
        out.append(
            f"| {name} | {half} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | "
            f"{100 * s['fp_rate']:.1f} % | {a['f1']:.3f} | {100 * a['fp_rate']:.1f} % |"
        )
    return out


HEAD = [
    "| detector | half | precision | recall | F1 | complete flagged | audited F1 "
    "| audited flagged |",
    "|---|---|---:|---:|---:|---:|---:|---:|",
]


def bucket_table(df: pl.DataFrame, bucket: pl.Series, feats: dict[str, pl.Series]) -> list[str]:
    out = [
        "| feature | tune cut | tune complete | held-out cut | held-out complete |",
        "|---|---:|---:|---:|---:|",
    ]
    tot = []
    for half in ("tune", "heldout"):
        m = bucket & (df["half"] == half)
        tot += [int((m & (df["label"] == 1)).sum()), int((m & (df["label"] == 0)).sum())]
    out.append(f"| (the bucket) | {tot[0]} | {tot[1]} | {tot[2]} | {tot[3]} |")
    for name, on in feats.items():
        cells = []
        for half in ("tune", "heldout"):
            m = bucket & on & (df["half"] == half)
            cells += [int((m & (df["label"] == 1)).sum()), int((m & (df["label"] == 0)).sum())]
        out.append(f"| {name} | " + " | ".join(map(str, cells)) + " |")
    return out


def corpus_dictionary(
    df: pl.DataFrame, docs: list[tuple[str, str, str]], bg: list[str]
) -> dict[str, pl.Series]:
    """Idea 3, the mid-word test with the corpus as the dictionary (the rule uses the document
    alone): the text ends in a word (letters up to its end, after white space or the start of a
    line, not inside an address such as `cyllene.uwa`), and that word is the start of longer
    words of the other documents far more often than it occurs whole there ("physiol" ->
    "physiological", "validatio" -> "validation"). The corpus is the whole copies of the
    evaluation documents and the background; each document's own whole copy is left out of its
    counts (a user's corpus holds a cut document once, not beside its whole copy)."""
    import bisect

    tok = re.compile(r"[^\W\d_]+")
    total: collections.Counter[str] = collections.Counter()
    own: dict[tuple[str, str], collections.Counter[str]] = {}
    for s, k, t in docs:
        own[(s, k)] = collections.Counter(w.lower() for w in tok.findall(t))
        total.update(own[(s, k)])
    for t in bg:
        total.update(w.lower() for w in tok.findall(t))
    vocab = sorted(total)
    whole_n, prefix_n = [], []
    for src, key, text in zip(df["source"], df["id"], df["text"], strict=True):
        m = re.search(r"(?:^|[\s\"'“‘(\[])([^\W\d_]{2,})$", text.rstrip())
        w = m.group(1).lower() if m else ""
        mine = own[(src, key)]
        pref = 0
        if w:
            i = bisect.bisect_right(vocab, w)
            while i < len(vocab) and vocab[i].startswith(w):
                pref += max(0, total[vocab[i]] - mine[vocab[i]])
                i += 1
        whole_n.append(max(0, total[w] - mine[w]) if w else 0)
        prefix_n.append(pref)
    whole, pref = pl.Series(whole_n), pl.Series(prefix_n)
    feats = {
        "last word never seen whole in the other documents, starts a longer word there": (
            (whole == 0) & (pref > 0)
        )
    }
    for r in (10, 20, 50):
        feats[f"last word starts longer words > {r}x as often as it occurs whole"] = (pref > 0) & (
            pref > r * whole
        )
    return feats


def as_built(df: pl.DataFrame, bg: list[str], params: dict) -> pl.Series:
    """The rule's verdicts with its corpus pass run over the evaluation documents and the
    background, the whole and the cut copies as two separate corpora (a corpus holding both
    would hand each cut word its own completion from its whole twin), scored on the evaluation
    documents only."""
    from curate.checks.base import Batch
    from curate.config import load_ruleset

    rule = load_ruleset(
        {"name": "x", "rules": [{"rule": "truncated-text", "action": "flag", **params}]}
    ).build()[0]
    pred = pl.Series([False] * df.height)
    for label in (0, 1):
        idx = (df["label"] == label).arg_true()
        texts = df["text"].gather(idx)
        agg = rule.collect(Batch.from_texts(texts))
        if bg:
            agg = rule.merge(agg, rule.collect(Batch.from_texts(pl.Series(bg))))
        fired = rule.evaluate(Batch.from_texts(texts, corpus={rule.name: rule.finish(agg)})).fired
        pred = pred.scatter(idx, fired.fill_null(False))
    return pred


def stable_words(
    df: pl.DataFrame, bucket: pl.Series, last: list[str], texts: list[str]
) -> list[str]:
    """What a larger corpus could add to the word end model: a larger corpus only sharpens the
    rates of words the evaluation set holds a few times. Among the bucket's documents whose last
    word occurs at least N times in the evaluation set (its rate is already estimated on N
    occurrences), how well the rate separates cut from complete ones: about what the model would
    do everywhere with a corpus large enough for every word."""
    wend, wall, _, _ = end_counts(texts)
    words = []
    for line in last:
        m = LAST_WORD.search(line or "")
        words.append(m.group(1).lower() if m else "")
    count = pl.Series([wall[w] for w in words])
    rate = pl.Series([(wend[w] + 0.05) / (wall[w] + 1) if w else 1.0 for w in words])
    out = [
        "#### Idea 1 with the rates already stable: bucket documents whose last word occurs >= N"
        " times in the evaluation set",
        "",
        "| N | half | bucket cut : complete | rate < 0.03 cut : complete | rate < 0.08 cut : "
        "complete |",
        "|---:|---|---:|---:|---:|",
    ]
    for n in (1, 5, 20, 50):
        for half in ("tune", "heldout"):
            m = bucket & (df["half"] == half) & (count >= n)
            cells = []
            for on in (pl.Series([True] * len(words)), rate < 0.03, rate < 0.08):
                k = m & on
                cells.append(
                    f"{int((k & (df['label'] == 1)).sum())} : {int((k & (df['label'] == 0)).sum())}"
                )
            out.append(f"| {n} | {half} | " + " | ".join(cells) + " |")
    return out + [""]


def ceiling(
    df: pl.DataFrame, docs: list[tuple[str, str, str]], texts: pl.Series, rates: pl.Series
) -> list[str]:
    """The most any recurring-line test could give: an oracle that knows which trailing short
    lines are whole lines of the page (as a widget recurring on its site would be known) and
    skips those without final punctuation; a cut fragment is never a whole line, so it stays.
    Too generous: it also skips whole short lines that recur nowhere (a last heading)."""
    term = re.compile(r"[.!?;:…。！？।؟][\"'”’»)\]]*$")
    whole = {(s, k): {ln for ln in lines_of(t)} for s, k, t in docs}
    out = [
        "#### Ceiling of idea 2: an oracle skips trailing short whole lines without a stop",
        "",
        *HEAD,
    ]
    for k in (3, 5, 8):
        cleaned = []
        for src, key, text in zip(df["source"], df["id"], texts, strict=True):
            own = whole[(src, key)]
            lines = text.rstrip().split("\n")
            while lines and (
                not lines[-1].strip()
                or (
                    lines[-1].strip() in own
                    and len(lines[-1].split()) <= k
                    and not term.search(lines[-1].strip())
                )
            ):
                lines.pop()
            # unchanged texts keep their end as it came in (a trailing space is evidence)
            n = len(text.rstrip().split("\n"))
            cleaned.append(text if len(lines) == n else "\n".join(lines))
        for params, pname in (({}, "defaults"), ({"missing_stop_fires": False}, "core")):
            out += rows(
                df, judged_on(cleaned, texts, params), f"{pname}, whole lines of <= {k} words"
            )
    # both ideas at their best: the oracle (8 words) and the word end model (eval + background)
    base, core = judged_on(cleaned, texts), judged_on(cleaned, texts, {"missing_stop_fires": False})
    out += [
        "",
        "Both: the oracle (<= 8 words) and the bucket firing where the word end rate is low:",
    ]
    out += ["", *HEAD]
    for t in (0.01, 0.02, 0.03, 0.05, 0.08):
        out += rows(df, core | (base & ~core & (rates < t)), f"oracle + word end rate < {t}")
    return out + [""]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--no-background", action="store_true", help="the evaluation set alone")
    args = ap.parse_args()
    t0 = time.process_time()
    docs = ev.load_complete()
    df = ev.build_set(docs)
    texts = df["text"]
    base, _, _ = ev.ours(texts)
    core, _, _ = ev.ours(texts, {"missing_stop_fires": False})
    bucket = base & ~core
    bg, notes = ([], ["none"]) if args.no_background else background(docs)
    out = [
        f"Background corpus: {len(bg)} documents, {sum(map(len, bg)):,} characters; "
        + "; ".join(notes),
        f"Evaluation set: {df.height} documents, {sum(len(t) for _, _, t in docs):,} characters "
        "(complete copies).",
        "",
        "#### The rule as it is",
        "",
        *HEAD,
        *rows(df, base, "defaults"),
        *rows(df, core, "`missing_stop_fires: false` (core)"),
        "",
    ]

    # idea 1: the corpus the rule runs on = every evaluation text (whole and cut) + background
    last = last_prose_lines(texts)
    for corpus_name, corpus in (
        ("evaluation set alone", texts.to_list()),
        ("evaluation set + background", texts.to_list() + bg),
    ):
        counts = end_counts(corpus)
        wr, pr = end_rates(last, counts)
        wr_s, pr_s = pl.Series(wr), pl.Series(pr)
        share = pl.Series(pair_shares(last, counts))
        feats = {}
        for t in (0.005, 0.01, 0.02, 0.05):
            feats[f"letter pair ends < {t} of all words"] = share < t
        for t in (0.01, 0.02, 0.03, 0.05, 0.08):
            feats[f"word end rate < {t}"] = wr_s < t
        for t in (0.01, 0.02, 0.03, 0.05, 0.08):
            feats[f"letter-pair end rate < {t}"] = pr_s < t
        for t in (0.02, 0.03, 0.05):
            feats[f"word < {t} and letter pair < {t}"] = (wr_s < t) & (pr_s < t)
        out += [f"#### Idea 1, end model learned on the {corpus_name}: the bucket", ""]
        out += bucket_table(df, bucket, feats)
        out += ["", "The rule with the bucket firing only where the feature is on:", "", *HEAD]
        for name, on in feats.items():
            out += rows(df, core | (bucket & on), name)
        out.append("")

    # idea 2: recurring lines, counted per distinct document (the whole copies stand for the
    # evaluation documents: a cut copy adds no line its whole copy lacks, bar the cut one)
    whole = [t for _, _, t in docs]
    out += [
        "#### Idea 2, recurring lines removed before the end is judged",
        "",
        *HEAD,
    ]
    for corpus_name, corpus in (
        ("evaluation set", whole),
        ("evaluation set + background", whole + bg),
    ):
        for n in (2, 3, 5):
            rec = recurring(corpus, n)
            cleaned = without(texts.to_list(), rec)
            changed = sum(a != b for a, b in zip(cleaned, texts.to_list(), strict=True))
            for params, pname in (({}, "defaults"), ({"missing_stop_fires": False}, "core")):
                pred = judged_on(cleaned, texts, params)
                out += rows(
                    df,
                    pred,
                    f"{pname}, lines in >= {n} docs of the {corpus_name} "
                    f"({len(rec)} lines, {changed} texts changed)",
                )
    out.append("")
    out += stable_words(df, bucket, last, texts.to_list())
    out += [
        "#### Idea 3 as built in the rule (`corpus_dictionary: true`), whole and cut copies as "
        "two corpora",
        "",
        *HEAD,
    ]
    for corpus_name, extra in (("eval", []), ("eval + background", bg)):
        for ratio in (10, 20, 50):
            for params, pname in (({}, "defaults"), ({"missing_stop_fires": False}, "core")):
                pred = as_built(
                    df, extra, {**params, "corpus_dictionary": True, "corpus_prefix_ratio": ratio}
                )
                out += rows(df, pred, f"{pname}, ratio {ratio}, {corpus_name}")
    out.append("")
    for corpus_name, extra in (("evaluation set", []), ("evaluation set + background", bg)):
        feats = corpus_dictionary(df, docs, extra)
        out += [f"#### Idea 3, the corpus as the mid-word dictionary ({corpus_name})", ""]
        out += bucket_table(df, bucket, feats)
        out += ["", *HEAD]
        for name, on in feats.items():
            out += rows(df, core | (bucket & on), f"core + bucket where {name}")
            out += rows(df, core | on, f"core + {name} (anywhere)")
            out += rows(df, base | on, f"defaults + {name} (anywhere)")
            for half in ("tune", "heldout"):
                extra = on & ~base & (df["half"] == half)
                out.append(
                    f"| (beyond the defaults, {half}: {int((extra & (df['label'] == 1)).sum())} "
                    f"cut, {int((extra & (df['label'] == 0)).sum())} complete) | | | | | | | |"
                )
        out.append("")
    out += ceiling(df, docs, texts, pl.Series(end_rates(last, end_counts(texts.to_list() + bg))[0]))
    out.append(f"CPU: {time.process_time() - t0:.1f} s")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
