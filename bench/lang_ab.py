"""language-mismatch of this tree against another checkout's, scorer included, in ONE process.

    POLARS_MAX_THREADS=1 PYTHONPATH=. /work/main/.venv/bin/python bench/lang_ab.py \
        bench/_work/web-unique.jsonl --base /work/wt/base10 [--rules bench/every.yaml] \
        [--repeat 15]

The other tree's curate/checks/language.py and its whole curate/langid package (model, detect,
its profile_tables.npz) are loaded under other names (`other_langid`, its rule module without
its @register), so the rule and the scorer both come from that tree and only they differ; base.py,
words.py and the rest are this tree's. The batches are those the rule sees in a real run of the
set (corpus pass, then `pipeline.process_batch`, strips composing), with the memos the run left
(bench/rule_cpu.py's batches_seen). Both evaluate() each batch in alternation (A B, then B A,
...), CPU time (time.process_time) summed over the batches; prints the minimum and median over
--repeat rounds and checks that both return the same signals, fired flags and removals.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import types
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

HERE = Path(__file__).resolve().parent


def _module(name: str, path: Path, package: bool = False) -> types.ModuleType:
    source = path.read_text(encoding="utf-8").replace("curate.langid", "other_langid")
    source = source.replace("\n@register\n", "\n\n")  # same line numbers, rule not registered
    module = types.ModuleType(name)
    module.__file__ = str(path)
    if package:
        module.__path__ = [str(path.parent)]
    sys.modules[name] = module  # dataclasses look their module up
    exec(compile(source, str(path), "exec"), module.__dict__)  # noqa: S102 - a bench
    return module


def load_other(base: Path) -> types.ModuleType:
    """base's language rule module, reading base's langid package (as `other_langid`)."""
    langid = base / "curate" / "langid"
    pkg = types.ModuleType("other_langid")
    pkg.__path__ = [str(langid)]
    sys.modules["other_langid"] = pkg
    for sub in ("model", "detect"):
        setattr(pkg, sub, _module(f"other_langid.{sub}", langid / f"{sub}.py"))
    init = _module("other_langid", langid / "__init__.py", package=True)
    init.model, init.detect = pkg.model, pkg.detect
    return _module("other_language", base / "curate" / "checks" / "language.py")


def _same(a, b) -> bool:
    if set(a.signals) != set(b.signals) or not a.fired.equals(b.fired):
        return False
    if (a.remove is None) != (b.remove is None):
        return False
    if a.remove is not None and not a.remove.equals(b.remove):
        return False
    return all(a.signals[k].equals(b.signals[k], check_dtypes=True) for k in a.signals)


def main() -> None:
    from prepared import prepared
    from rule_cpu import _restore, batches_seen

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--base", type=Path, required=True, help="the other checkout")
    ap.add_argument("--rules", default=str(HERE / "every.yaml"))
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    rs, tables, rules, corpus = prepared(args.corpus, args.rules)
    rule = next(r for r in rules if r.name == "language-mismatch")
    kept = batches_seen(rs, tables, rules, corpus, {rule.name: rule})[rule.name]
    module = load_other(args.base)
    cls = next(
        v
        for v in vars(module).values()
        if isinstance(v, type) and getattr(v, "name", None) == rule.name
    )
    other = cls(rule.params, rule.action, rule.options)
    for batch, memo in kept:  # warm (profile tables) and check
        _restore(batch, memo)
        a = rule.evaluate(batch)
        _restore(batch, memo)
        if not _same(a, other.evaluate(batch)):
            raise SystemExit("the two trees' results differ")
    spent: dict[str, list[float]] = {"this": [], "base": []}
    for i in range(args.repeat):
        total = {"this": 0.0, "base": 0.0}
        for j, (batch, memo) in enumerate(kept):
            order = [("this", rule), ("base", other)]
            for label, r in order if (i + j) % 2 == 0 else order[::-1]:
                _restore(batch, memo)
                t = time.process_time()
                r.evaluate(batch)
                total[label] += time.process_time() - t
        for k in total:
            spent[k].append(total[k])
    docs = sum(b.n for b, _ in kept)
    lo = {k: min(v) for k, v in spent.items()}
    med = {k: statistics.median(v) for k, v in spent.items()}
    print(f"{args.corpus.name}: {docs} docs, {len(kept)} batches, identical results")
    print(
        f"  evaluate CPU ms, min of {args.repeat}: base {lo['base'] * 1000:.1f}, "
        f"this {lo['this'] * 1000:.1f} ({lo['this'] / lo['base'] - 1:+.1%}); median: base "
        f"{med['base'] * 1000:.1f}, this {med['this'] * 1000:.1f} "
        f"({med['this'] / med['base'] - 1:+.1%})"
    )


if __name__ == "__main__":
    main()
