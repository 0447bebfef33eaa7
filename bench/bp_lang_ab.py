"""boilerplate-lines and language-mismatch of this tree against those of another checkout, timed
in ONE process, batch by batch in alternation (A, B, B, A, ...), so that both see the same load:
on a shared machine whose load swings from 2 to 12, separate runs are too noisy for a 20 % change.

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/bp_lang_ab.py \
        bench/_work/web-20k.jsonl --base /work/wt/base4 [--rules rules/default.yaml] [--repeat 5]

The other tree's rule modules (curate/checks/boilerplate.py, language.py) are loaded under other
names, on this tree's package (base.py, words.py, regex_thread.py), so only the rules' own code
differs; each boilerplate copy runs on a regex thread of its own. The batches are those each rule
sees in a real run of the rule set (corpus pass, then `pipeline.process_batch`, strips composing),
kept with their memos as the run left them (the shared distinct lines, numbered by
boilerplate-lines before its strip). Prints the CPU seconds (time.process_time) of each rule's
evaluate() over all batches, the minimum over --repeat rounds, and the ratio.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import types
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")


HERE = Path(__file__).resolve().parent
RULES = {"boilerplate-lines": "boilerplate.py", "language-mismatch": "language.py"}


def load_other(base: Path, filename: str) -> types.ModuleType:
    """The other tree's rule module, without registering its rule (same names as ours)."""
    path = base / "curate" / "checks" / filename
    # "@register" dropped, its line kept blank (tracebacks keep the file's line numbers)
    source = path.read_text(encoding="utf-8").replace("\n@register\n", "\n\n")
    module = types.ModuleType(f"other_{path.stem}")
    module.__file__ = str(path)
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, str(path), "exec"), module.__dict__)  # noqa: S102 - a bench
    return module


def main() -> None:
    from prepared import prepared
    from rule_cpu import batches_seen

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--base", type=Path, required=True, help="the other checkout")
    ap.add_argument("--rules", default=str(HERE.parent / "rules" / "default.yaml"))
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rs, tables, rules, corpus = prepared(args.corpus, args.rules)
    ours = {r.name: r for r in rules if r.name in RULES}
    seen = {
        name: [batch for batch, _ in kept]
        for name, kept in batches_seen(rs, tables, rules, corpus, ours).items()
    }
    for name, rule in ours.items():
        module = load_other(args.base, RULES[name])
        classes = [v for v in vars(module).values() if isinstance(v, type)]
        cls = next(c for c in classes if getattr(c, "name", None) == name)
        other = cls(rule.params, rule.action, rule.options)
        # its own regex thread (a copy sharing ours would share its 32-regex cache)
        other.name = f"{name}-other"
        if rule.needs_corpus:
            other.needs_corpus = True
        batches = seen[name]
        for b in batches:
            if name in b.corpus:
                b.corpus = {**b.corpus, other.name: b.corpus[name]}
            rule.evaluate(b), other.evaluate(b)  # warm: compiled regexes, profile tables
        # the batches carry the memos the run left there (the shared distinct lines, numbered
        # by the first rule that read them); the first rule of the set computes them itself, so
        # its batches lose their memos before each evaluate (for both trees)
        fresh = rules[0] is rule
        best = {"ours": float("inf"), "other": float("inf")}
        for i in range(args.repeat):
            spent = {"ours": 0.0, "other": 0.0}
            for j, b in enumerate(batches):
                order = [("ours", rule), ("other", other)]
                for label, r in order if (i + j) % 2 == 0 else order[::-1]:
                    if fresh:
                        b._memo.clear()  # computed again, as the first rule of a run does
                    t = time.process_time()
                    r.evaluate(b)
                    spent[label] += time.process_time() - t
            best = {k: min(best[k], spent[k]) for k in best}
        docs = sum(b.n for b in batches)
        print(
            f"{name}: {docs} docs, {len(batches)} batches; evaluate CPU s (min of {args.repeat}): "
            f"this tree {best['ours']:.3f}, {args.base} {best['other']:.3f}, "
            f"ratio {best['ours'] / best['other']:.2f}"
        )


if __name__ == "__main__":
    main()
