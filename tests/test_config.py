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


# -- language codes (language-mismatch's expected and equivalent) ----------------------------------


@pytest.mark.parametrize(
    ("value", "says"),
    [
        # not a code at all
        ("[xx, en]", "'xx' is not a language code (ISO 639-1, e.g. en, id, zh)"),
        # a language's name: the code to write instead
        ("[en, english]", "'english' is not a language code; write 'en' (English)"),
        ("[EN, Indonesian]", "'Indonesian' is not a language code; write 'id' (Indonesian)"),
        # a misspelt name: the closest language
        ("[indonesain]", "'indonesain' is not a language code (did you mean 'id', Indonesian?)"),
        # a country code where a language code belongs
        ("[jp]", "'jp' is not a language code (did you mean 'ja', Japanese?)"),
        # the code the rule reports when it cannot tell: never a language a corpus is in
        ("[und]", "'und' (undetermined) cannot be expected"),
    ],
)
def test_unknown_expected_languages_are_rejected(tmp_path, value, says):
    with pytest.raises(RuleSetError) as err:
        _load(tmp_path, "language-mismatch", "expected", value)
    message = str(err.value)
    assert message.startswith(f"rules file {tmp_path / 'rules.yaml'}: ")
    assert f"rules[0] (language-mismatch).expected: {says}" in message
    assert "\n" not in message


def test_codes_in_any_usual_form_are_accepted(tmp_path):
    # upper case, a region, ISO 639-2/3, the legacy `in`: normalised by the rule
    _load(tmp_path, "language-mismatch", "expected", "[EN, pt_BR, zh-CN, ind, in, sh]")


def test_a_language_the_yaml_reads_as_false_is_explained(tmp_path):
    with pytest.raises(RuleSetError, match=r"expected: False is not a language code; quote it"):
        _load(tmp_path, "language-mismatch", "expected", "[no]")


def test_equivalent_groups_hold_language_codes(tmp_path):
    with pytest.raises(RuleSetError) as err:
        _load(tmp_path, "language-mismatch", "equivalent", "[[id, malay]]")
    assert "(language-mismatch).equivalent: 'malay' is not a language code; write 'ms'" in str(
        err.value
    )


def test_the_gate_and_the_rule_share_the_definition():
    from curate.config import language_code

    assert language_code("EN") == "en"
    assert language_code("pt_BR") == "pt"
    assert language_code("english") is None
    assert language_code("xx") is None


# -- built-in rule set names ----------------------------------------------------------------------


def test_a_far_rule_set_name_gets_no_suggestion():
    with pytest.raises(RuleSetError) as err:
        load_ruleset("nope")
    assert "did you mean" not in str(err.value)
    assert "built-in: " in str(err.value)


def test_a_misspelt_rule_set_name_gets_one():
    with pytest.raises(RuleSetError, match=r"\(did you mean 'gopher'\?\)"):
        load_ruleset("gohper")


def test_values_read_from_data_may_name_the_language():
    from curate.config import language_of

    assert [language_of(v) for v in ("id", "Indonesian", " english ", "Farsi", "pt_BR")] == [
        "id",
        "id",
        "en",
        "fa",
        "pt",
    ]
    assert language_of("klingon") is None and language_of("xx") is None


def test_run_with_an_unknown_expected_language_exits_2_before_writing(tmp_path):
    from tests.conftest import curate_cli, write_jsonl, write_rules

    src = write_jsonl(tmp_path / "in.jsonl", [{"text": "Some words to read."}])
    rules = write_rules(
        tmp_path / "lang.yaml",
        "name: x\nrules:\n  - rule: language-mismatch\n    action: drop\n"
        "    expected: [EN, Indonesian]\n",
    )
    out, rep = tmp_path / "out", tmp_path / "rep"
    done = curate_cli("run", src, "--rules", rules, "--out", out, "--report-dir", rep)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"curate: error: rules file {rules}: rules[0] (language-mismatch).expected: "
        "'Indonesian' is not a language code; write 'id' (Indonesian)"
    ]
    assert not out.exists() and not rep.exists()
