"""Rule-set loading: the one-line errors a user reads when a value is out of its range."""

from __future__ import annotations

import pytest

from curate.config import load_ruleset
from curate.errors import RuleSetError


def _load(tmp_path, rule: str, key: str, value) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(f"name: t\nrules:\n  - rule: {rule}\n    action: flag\n    {key}: {value}\n")
    load_ruleset(str(path))


@pytest.mark.parametrize(
    ("rule", "key", "value", "says"),
    [
        # a lower bound only: no "None" in the message
        ("truncated-text", "corpus_prefix_ratio", 0.5, "0.5 is out of range (must be >= 1.0)"),
        # both bounds
        ("boilerplate-lines", "max_share", 1.5, "1.5 is out of range [0.0, 1.0]"),
    ],
)
def test_out_of_range_values_name_the_range(tmp_path, rule, key, value, says):
    with pytest.raises(RuleSetError) as err:
        _load(tmp_path, rule, key, value)
    assert str(err.value).endswith(f"rules[0] ({rule}).{key}: {says}")
    assert "None" not in str(err.value)


def test_in_range_values_load(tmp_path):
    _load(tmp_path, "truncated-text", "corpus_prefix_ratio", 1.0)


def test_a_misspelt_action_key_gets_a_suggestion(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("name: t\nrules:\n  - rule: truncated-text\n    acton: flag\n")
    with pytest.raises(RuleSetError, match=r"unknown key 'acton' \(did you mean 'action'\?\)"):
        load_ruleset(str(path))
