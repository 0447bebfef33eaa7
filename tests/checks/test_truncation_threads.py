"""truncated-text on threads of its own (truncation.OWN_THREAD): the same verdicts as on the
calling thread, and few enough regexes per thread for polars' cache to keep them all."""

from __future__ import annotations

import collections
import random
import threading

import polars as pl
import pytest

from tests.checks.helpers import run_rule

RULE = "truncated-text"
# polars keeps this many compiled regexes per thread (least recently used out)
POLARS_REGEX_CACHE = 32

PROSE = [
    "The council met on Monday to discuss the budget for the coming year.",
    "Several members asked for more money for the library and the parks",
    "Para ahli meni",
    "He said the vote would take place next month and",
    "“There",
    "Read more...",
    "He left the hall. (Reporting by A. Name; Editing by B. Other) (esn) #news @desk",
    "The committee approved the plan (with changes",
    "Die Stadt plant einen neuen Park für die Kinder und",
    "Город строит новый мост через реку.",
    "市议会周一开会讨论了明年的预算。",
    "The minister sa",
    "the parliament approved the parl",
    "Kids comment on comments and the comment",
    "&am",
    "broken \ufffd",
    "A hyphenated word-",
    "ends on a space ",
    "```",
]
TRAILER = ["", "----", "12/03/2024", "#news", "Share this", "Related Stories", "(esn)", "- item"]


def texts(seed: int, n: int) -> list[str | None]:
    rng = random.Random(seed)
    out: list[str | None] = [None, "", "   "]
    for _ in range(n):
        lines = [rng.choice(PROSE) for _ in range(rng.randint(1, 8))]
        lines += [rng.choice(TRAILER) for _ in range(rng.randint(0, 4))]
        if rng.random() < 0.5:
            lines.append(rng.choice(PROSE))
        out.append("\n".join(lines))
    return out


def signals(texts: list[str | None]) -> list[dict]:
    rows, _ = run_rule(RULE, texts)
    return [{k: v for k, v in r.items() if k.startswith("curate_")} for r in rows]


def test_own_threads_give_the_verdicts_of_the_calling_thread(monkeypatch):
    import curate.checks.truncation as truncation

    sample = texts(11, 400)
    own = signals(sample)
    monkeypatch.setattr(truncation, "OWN_THREAD", False)
    here = signals(sample)
    assert own == here
    assert sum(r["curate_truncated"] for r in here) > 50  # the texts exercise the rule
    assert sum(r["curate_truncated_mid_word"] for r in here) > 10


def test_each_thread_uses_fewer_regexes_than_polars_caches(monkeypatch):
    """The regex patterns the rule builds, per thread it builds (and runs) them on: more than
    polars caches per thread, used in the same order every batch, would be compiled again in
    every batch (the rule's queries run their regexes on the thread that collects them)."""
    from polars.expr.string import ExprStringNameSpace
    from polars.series.string import StringNameSpace

    patterns: dict[str, set[str]] = collections.defaultdict(set)
    for namespace in (ExprStringNameSpace, StringNameSpace):
        for name in ("contains", "count_matches", "extract", "extract_all"):
            orig = getattr(namespace, name)

            def recorded(self, pattern, *a, _orig=orig, **k):
                if not k.get("literal", False) and isinstance(pattern, str):
                    patterns[threading.current_thread().name].add(pattern)
                return _orig(self, pattern, *a, **k)

            monkeypatch.setattr(namespace, name, recorded)
    import curate.checks.truncation as truncation

    # (the expressions the rule keeps are built again, here, on the threads that run them)
    truncation.clear_exprs()
    signals(texts(12, 200))
    here = threading.current_thread().name
    assert here not in patterns  # no regex of the rule on the calling thread
    assert len(patterns) == 2
    assert sum(len(p) for p in patterns.values()) > 25  # the rule's patterns were seen
    assert max(len(p) for p in patterns.values()) <= POLARS_REGEX_CACHE - 4  # some headroom


@pytest.mark.parametrize("own", [True, False])
def test_null_and_empty_texts_on_either_thread(own, monkeypatch):
    import curate.checks.truncation as truncation

    monkeypatch.setattr(truncation, "OWN_THREAD", own)
    got = signals([None, "", "Ends mid senten"])
    assert [r["curate_truncated"] for r in got] == [False, False, True]
    assert pl.Series([r["curate_truncated_round_cap"] for r in got]).null_count() == 3


def test_whitespace_tokens_from_several_threads_at_once():
    """The scratch arrays are the process's (one set, not one per thread): callers on several
    threads take turns and each gets its own texts' counts."""
    from concurrent.futures import ThreadPoolExecutor

    from curate.checks.truncation import whitespace_tokens

    rng = random.Random(5)
    batches = [
        pl.Series(
            ["".join(rng.choice("ab \n\u00a0\u3000ж") for _ in range(rng.randint(0, 3000)))]
            * rng.randint(100, 400)
        )
        for _ in range(24)
    ]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(whitespace_tokens, batches))
    for texts, counts in zip(batches, got, strict=True):
        assert counts.to_list() == texts.str.count_matches(r"\S+").to_list()


def test_scratch_arrays_of_a_giant_batch_are_not_kept(monkeypatch):
    """whitespace_tokens keeps its scratch arrays for the next batch only below a cap: one giant
    document must not leave a worker holding three times its size for the rest of the run."""
    from curate.checks import truncation as tr

    monkeypatch.setattr(tr, "_SCRATCH", {})
    monkeypatch.setattr(tr, "_SCRATCH_KEPT_BYTES", 2 << 20)
    # (small batches too are counted in numpy, not by the regex)
    monkeypatch.setattr(tr, "REGEX_TOKENS_BYTES", -1)
    ends_well, cut = "A short text that ends well.", "A short text that stops in the mid"
    small, _ = run_rule("truncated-text", [ends_well, cut])
    kept = tr._SCRATCH["arrays"]
    giant = "word " * (1 << 20) + "and it stops in the mid"  # 5 MB, above the cap
    big, _ = run_rule("truncated-text", [giant, ends_well, cut])
    assert tr._SCRATCH["arrays"] is kept  # the giant batch's arrays were not kept
    assert all(len(a) <= 2 << 20 for a in kept)
    # and the verdicts do not depend on which arrays were used
    verdicts = [r["curate_truncated"] for r in big]
    assert verdicts[1:] == [r["curate_truncated"] for r in small] == [False, True]
