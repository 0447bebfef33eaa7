"""Line-level boilerplate evaluation: curate's `boilerplate-lines` vs datatrove's C4 line rules.

Both run on the same page texts in one invocation. A non-blank line of a page is *content* when it
appears in the human article body: a line of 4+ words when at least half of its word trigrams
occur in the body (case, punctuation and spacing ignored: the Indonesian references re-space
commas and join paragraphs), a shorter line when its words equal a whole line of the body. Shorter
partial matches do not count: a menu item "Business" is not content because the word occurs in
the article. `--labels substring` uses the looser rule "any line of 3+ characters that
occurs in the body" instead.

Positive class = boilerplate (what the rule removes): precision = removed lines that are
boilerplate; recall = boilerplate lines removed; "lost" = content lines removed / content lines.

Data (../shared/data):
  boilerplate/scrapinghub_article_extraction_benchmark  181 pages as html-text output + bodies
  indonesian_news/anpandu_news_scraper_fixtures          26 Indonesian article pages (HTML,
                                                         converted here) + expected bodies, and
                                                         10 portal index pages (all boilerplate)
Split: a page is held out when the hash of its id (scrapinghub) or of its site (Indonesian)
falls in the held-out 30 %; defaults were tuned on the rest only.

Run (the peers live in /work/main/.venv-bench):
  PYTHONPATH=. /work/main/.venv-bench/bin/python bench/boilerplate_eval.py
  ... --reasons            per reason: boilerplate lines caught and content lines lost
                           (the phrases split by their list's section: phrase[anywhere] ...)
  ... --show 20            print a sample of lost content lines and kept boilerplate lines
                           (tuning pages only)
  ... --set key=value      override a rule parameter (repeatable; value parsed as YAML)
  ... --speed 5            also time both on the Zyte pages repeated 5 times
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import re
import sys
import tarfile
import time
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("CURATE_SHARED_DATA", ROOT.parent / "shared" / "data"))
if not DATA.exists():  # a worktree under /work/wt/<name>
    DATA = Path("/work/shared/data")
HELD_OUT = 0.3


def norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def held_out(key: str) -> bool:
    return int(hashlib.sha1(key.encode()).hexdigest()[:8], 16) / 2**32 < HELD_OUT


# -- data ------------------------------------------------------------------------------------------


def scrapinghub() -> list[dict]:
    d = DATA / "boilerplate" / "scrapinghub_article_extraction_benchmark"
    gt = json.loads((d / "ground-truth.json").read_text())
    with gzip.open(d / "output-html-text.json.gz", "rt", encoding="utf-8") as f:
        out = json.load(f)["output"]
    return [
        {
            "id": k,
            "text": out[k]["articleBody"],
            "body": gt[k]["articleBody"],
            "heldout": held_out(k),
        }
        for k in sorted(gt)
    ]


BLOCK = {
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "td",
    "th",
    "section",
    "article",
    "header",
    "footer",
    "nav",
    "aside",
    "blockquote",
    "pre",
    "table",
    "form",
    "figure",
    "figcaption",
    "dt",
    "dd",
    "dl",
    "title",
    "option",
    "main",
    "hr",
    "address",
    "fieldset",
    "legend",
    "caption",
    "details",
    "summary",
    "center",
    "button",
}
SKIP = {"script", "style", "noscript", "template", "svg", "iframe", "object", "select"}


class _Text(HTMLParser):
    """The visible text of a page, one block per line (like html-text, which made the Zyte
    benchmark's texts)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIP:
            self.skip += 1
        elif tag in BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)

    def text(self) -> str:
        lines = (norm(x) for x in "".join(self.parts).split("\n"))
        return "\n".join(x for x in lines if x)


def html_text(html: str) -> str:
    p = _Text()
    p.feed(html)
    p.close()
    return p.text()


def indonesian() -> tuple[list[dict], list[dict]]:
    d = DATA / "indonesian_news" / "anpandu_news_scraper_fixtures"
    expected = {e["fixture"]: e for e in json.loads((d / "expected_singlepage.json").read_text())}
    pages, index = [], []
    with tarfile.open(d / "html.tar.xz", "r:xz") as tar:
        for m in sorted(tar.getmembers(), key=lambda m: m.name):
            if not m.isfile() or not m.name.endswith(".html"):
                continue
            html = tar.extractfile(m).read().decode("utf-8", errors="replace")
            site = m.name.split("/")[1]
            row = {"id": m.name, "text": html_text(html), "heldout": held_out(site)}
            if m.name in expected:
                pages.append({**row, "body": expected[m.name]["content"]})
            elif "mainpage" in m.name:
                index.append({**row, "body": ""})
    return pages, index


# -- labels ----------------------------------------------------------------------------------------


def _tokens(s: str) -> list[str]:
    return re.findall(r"\w+", s.lower())


def _shingles(tokens: list[str]) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + 3]) for i in range(len(tokens) - 2)}


def labels(page: dict, mode: str) -> list[bool | None]:
    """Per line of page["text"].split("\\n"): True content, False boilerplate, None blank."""
    cached = page.get("_labels", {}).get(mode)
    if cached is not None:
        return cached
    out = page.setdefault("_labels", {})[mode] = _labels(page, mode)
    return out


def _labels(page: dict, mode: str) -> list[bool | None]:
    out: list[bool | None] = []
    if mode == "substring":
        body = " " + norm(page["body"]) + " "
        for line in page["text"].split("\n"):
            n = norm(line)
            out.append(None if not n else len(n) >= 3 and n in body)
        return out
    body_lines = {tuple(_tokens(x)) for x in page["body"].split("\n") if x.strip()}
    body_shingles = _shingles(_tokens(page["body"]))
    for line in page["text"].split("\n"):
        tokens = _tokens(line)
        if not line.strip():
            out.append(None)
        elif len(tokens) < 4:
            out.append(bool(tokens) and tuple(tokens) in body_lines)
        else:
            sh = _shingles(tokens)
            out.append(len(sh & body_shingles) >= 0.5 * len(sh))
    return out


# -- the classifiers -------------------------------------------------------------------------------


def run_ours(pages: list[dict], overrides: dict) -> tuple[list[list[bool]], list[list[str]], float]:
    """Removal mask and reason per line, with the corpus pass over these pages."""
    import polars as pl

    from curate.checks.base import DOC, LN, Batch
    from curate.checks.boilerplate import SECTIONS
    from curate.config import load_ruleset

    rs = load_ruleset(
        {"name": "eval", "rules": [{"rule": "boilerplate-lines", "action": "strip", **overrides}]}
    )
    rule = rs.build()[0]
    t0 = time.perf_counter()
    batch = Batch.from_texts(pl.Series([p["text"] for p in pages], dtype=pl.String))
    finished = rule.finish(rule.merge(None, rule.collect(batch)))
    batch.corpus = {rule.name: finished}
    mask = rule.evaluate(batch).remove
    seconds = time.perf_counter() - t0
    why = rule.classify(batch.lines, (finished or {}).get("hashes"))
    # a phrase's reason names its list's section: phrase[line], phrase[start], phrase[anywhere]
    _, section = rule._code_array(batch.lines, (finished or {}).get("hashes"), sections=True)
    names = pl.Series(["", *(f"[{s}]" for s in SECTIONS)]).gather(section)
    why = why.with_columns(pl.col("_why") + names)
    frame = batch.lines.select(DOC, LN).with_columns(mask.alias("rm"), why["_why"].alias("why"))
    removed: list[list[bool]] = [[] for _ in pages]
    reasons: list[list[str]] = [[] for _ in pages]
    for doc, _ln, rm, w in frame.iter_rows():
        removed[doc].append(bool(rm))
        reasons[doc].append(w or "")
    return removed, reasons, seconds


def run_c4(pages: list[dict], line_only: bool) -> tuple[list[list[bool]], float]:
    """datatrove's C4QualityFilter. line_only: only its line rules (no document-level drops)."""
    from datatrove.data import Document
    from datatrove.pipeline.filters.c4_filters import CITATION_REGEX, C4QualityFilter

    if line_only:
        f = C4QualityFilter(
            min_num_sentences=-1, filter_lorem_ipsum=False, filter_curly_bracket=False
        )
    else:
        f = C4QualityFilter()
    t0 = time.perf_counter()
    kept_texts = []
    for p in pages:
        doc = Document(text=p["text"], id=p["id"])
        kept_texts.append(doc.text if f.filter(doc) is True else "")
    seconds = time.perf_counter() - t0
    out = []
    for p, kept_text in zip(pages, kept_texts, strict=True):
        kept = Counter(kept_text.split("\n"))
        removed = []
        for line in p["text"].split("\n"):
            key = CITATION_REGEX.sub("", line.strip())
            keep = kept[key] > 0
            if keep:
                kept[key] -= 1
            removed.append(not keep)
        out.append(removed)
    return out, seconds


# -- scoring ---------------------------------------------------------------------------------------


def score(pages, removed, mode) -> dict:
    c = Counter()
    for p, rm in zip(pages, removed, strict=True):
        for lab, r in zip(labels(p, mode), rm, strict=True):
            if lab is not None:
                c[(lab, r)] += 1
    tp, fp, fn, tn = c[(False, True)], c[(True, True)], c[(False, False)], c[(True, False)]
    prec = tp / (tp + fp) if tp + fp else 1.0
    rec = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    content = fp + tn
    return {
        "lines": tp + fp + fn + tn,
        "content": content,
        "P": prec,
        "R": rec,
        "F1": f1,
        "lost": fp / content if content else 0.0,
    }


def fmt(name: str, s: dict) -> str:
    return (
        f"  {name:<28} {s['lines']:>6} {s['content']:>6}  {s['P']:.3f}  {s['R']:.3f}  "
        f"{s['F1']:.3f}  {100 * s['lost']:5.1f} %"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--labels", choices=("line", "substring"), default="line")
    ap.add_argument("--reasons", action="store_true")
    ap.add_argument("--show", type=int, default=0)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument(
        "--speed",
        type=int,
        default=0,
        metavar="N",
        help="also time both on the Zyte pages repeated N times (best of 3)",
    )
    args = ap.parse_args()
    import yaml

    overrides = {}
    for kv in args.set:
        k, _, v = kv.partition("=")
        overrides[k] = yaml.safe_load(v)

    from importlib.metadata import version

    import polars

    import curate

    sh = scrapinghub()
    idn, idx = indonesian()
    print(
        f"boilerplate line evaluation  (curate {curate.__version__}, datatrove "
        f"{version('datatrove')}, polars {polars.__version__}, labels={args.labels}"
        f"{', overrides ' + str(overrides) if overrides else ''})"
    )
    header = f"  {'':<28} {'lines':>6} {'cont.':>6}  {'P':>5}  {'R':>5}  {'F1':>5}  {'lost':>7}"
    for set_name, pages in (("scrapinghub (181 pages)", sh), ("indonesian articles (26)", idn)):
        ours, reasons, t_ours = run_ours(pages, overrides)
        c4l, t_c4l = run_c4(pages, line_only=True)
        c4, _ = run_c4(pages, line_only=False)
        print(f"\n{set_name}: boilerplate = positive class; lost = content lines removed")
        print(header)
        for split, keep in (
            ("all", lambda p: True),
            ("tune", lambda p: not p["heldout"]),
            ("held-out", lambda p: p["heldout"]),
        ):
            sel = [i for i, p in enumerate(pages) if keep(p)]
            if not sel:
                continue
            sub = [pages[i] for i in sel]
            print(f" {split} ({len(sel)} pages)")
            for name, rm in (
                ("curate boilerplate-lines", ours),
                ("datatrove C4 line rules", c4l),
                ("datatrove C4 (with doc drops)", c4),
            ):
                print(fmt(name, score(sub, [rm[i] for i in sel], args.labels)))
        print(f"  seconds: curate {t_ours:.2f} (incl. corpus pass), C4 lines {t_c4l:.2f}")
        if args.reasons:
            caught, lost = Counter(), Counter()
            for p, rm, why in zip(pages, ours, reasons, strict=True):
                for lab, r, w in zip(labels(p, args.labels), rm, why, strict=True):
                    if r and lab is not None:
                        (lost if lab else caught)[w] += 1
            print(
                "  reasons: "
                + ", ".join(
                    f"{w}: {caught[w]} bp / {lost[w]} content"
                    for w in sorted(set(caught) | set(lost))
                )
            )
        if args.show:
            rnd = random.Random(0)
            lost_lines, kept_bp = [], []
            for p, rm, why in zip(pages, ours, reasons, strict=True):
                if p["heldout"]:  # look only at the tuning pages
                    continue
                lines = p["text"].split("\n")
                for line, lab, r, w in zip(lines, labels(p, args.labels), rm, why, strict=True):
                    if lab is True and r:
                        lost_lines.append(f"[{w}] {line[:140]}")
                    elif lab is False and not r:
                        kept_bp.append(line[:140])
            print("  -- lost content lines (sample):")
            for x in rnd.sample(lost_lines, min(args.show, len(lost_lines))):
                print("     ", x)
            print("  -- kept boilerplate lines (sample):")
            for x in rnd.sample(kept_bp, min(args.show, len(kept_bp))):
                print("     ", x)

    if args.speed:
        big = [dict(p, id=f"{p['id']}#{i}") for i in range(args.speed) for p in sh]
        t_ours = min(run_ours(big, overrides)[2] for _ in range(3))
        t_c4 = min(run_c4(big, line_only=True)[1] for _ in range(3))
        print(
            f"\nspeed on {len(big)} pages (one process, best of 3): curate {t_ours:.2f} s "
            f"(corpus pass + rule), datatrove C4 line rules {t_c4:.2f} s, "
            f"ratio {t_c4 / t_ours:.2f}x"
        )

    ours, _, _ = run_ours(idx, overrides)
    c4l, _ = run_c4(idx, line_only=True)

    def share(removed: list[list[bool]]) -> float:
        pairs = [
            (r, x)
            for p, rm in zip(idx, removed, strict=True)
            for r, x in zip(rm, p["text"].split("\n"), strict=True)
            if x.strip()
        ]
        return sum(r for r, _ in pairs) / max(1, len(pairs))

    print(
        f"\nindonesian portal index pages ({len(idx)}, every line boilerplate): lines removed: "
        f"curate {100 * share(ours):.1f} %, C4 line rules {100 * share(c4l):.1f} %"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
