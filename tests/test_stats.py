"""RunStats/RuleStats merging against its plain definition."""

from __future__ import annotations

import random

from curate.stats import MAX_EXAMPLES, RuleStats


def _plain_merge(a: list[dict], b: list[dict]) -> list[dict]:
    return sorted(a + b, key=lambda e: e["key"])[:MAX_EXAMPLES]


def test_rule_stats_keep_the_smallest_keys_the_earlier_of_equal_ones():
    rng = random.Random(3)
    for _ in range(300):
        merged, plain = RuleStats(), []
        for step in range(rng.randint(1, 8)):
            # batches mostly without examples; keys repeat (equal digests), some out of order
            n = rng.choice([0, 0, 0, 1, 3, 7])
            examples = [{"key": f"{rng.randint(0, 20):016x}", "row": (step, i)} for i in range(n)]
            if rng.random() < 0.5:
                examples.sort(key=lambda e: e["key"])
            other = RuleStats(examples=list(examples))
            if step == 0 and rng.random() < 0.3:  # a start of more than MAX_EXAMPLES, unsorted
                merged = RuleStats(examples=list(examples))
                plain = list(examples)
                continue
            merged.merge(other)
            plain = _plain_merge(plain, examples)
        merged.merge(RuleStats())
        plain = _plain_merge(plain, [])
        assert merged.examples == plain
