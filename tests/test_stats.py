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


def test_json_bytes_read_back_as_to_json_does():
    import json
    import math

    from curate.stats import RunStats

    def stats(signal: object, key: object = "k") -> RunStats:
        rs = RuleStats(fired=3, signal="s", edges=[0.0, 0.5, 1e300], hist=[1, 2, 0])
        rs.examples = [
            {
                "key": "00ff",
                "id": None,
                "line": 7,
                "dropped": True,
                "before": 'Слово 日本 \u2028 "q" \\',
                "spans": [[0, 3]],
                "signals": {"x": signal, "l": [1.5, None, {"a": 0.1}], key: 2},
            }
        ]
        s = RunStats(input=2**40, kept=1, rules={"r": rs}, languages={"en": 2})
        s.length_before = [1, 0]
        s.unreadable_rows = [{"file": "f", "line": None, "reason": "broken JSON"}]
        return s

    def same(a: object, b: object) -> bool:  # NaN equal to NaN
        if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
            return True
        if isinstance(a, dict) and isinstance(b, dict):
            return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
        if isinstance(a, list) and isinstance(b, list):
            return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
        return type(a) is type(b) and a == b

    cases = [0.1 + 0.2, -0.0, 1e-310, 5, "t", True, None, [2.5e-8, 3]]
    cases += [float("nan"), float("inf"), -float("inf"), [1.0, float("nan")], 2**70]
    for value in cases:
        s = stats(value)
        fast, plain = json.loads(s.to_json_bytes()), json.loads(s.to_json())
        assert same(fast, plain), value
        assert same(RunStats.from_dict(fast).to_dict(), RunStats.from_dict(plain).to_dict())
    # a key that is not text (json writes it as text, orjson refuses it): the plain way
    s = stats(1.0, key=3)
    assert json.loads(s.to_json_bytes()) == json.loads(s.to_json())
    # the fast way was taken where it can be (its bytes are not json.dumps')
    assert stats(0.5).to_json_bytes() != stats(0.5).to_json().encode()
    assert stats(float("nan")).to_json_bytes() == stats(float("nan")).to_json().encode()
