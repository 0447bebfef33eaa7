"""boilerplate-lines' [anywhere] phrases: a notice is chrome, an article sentence that names the
same thing is not (trial 14, defect 7)."""

from __future__ import annotations

import gzip
import json

import pytest

from tests.checks.helpers import run_rule
from tests.conftest import curate_cli, shared

RULE = "boilerplate-lines"

LEAD = "Banks changed the way they pay their sales staff at the start of this year."
AFTER = (
    "Consumer groups welcomed the change, but smaller lenders warned that it would cost them "
    "customers in rural areas where few branches remain open."
)
CLOSE = "The agency plans to publish a first review of the rules in the autumn of next year."

# article sentences that name what a notice names (a commission, a privacy policy, a photo
# agency, a trademark), told in the third person
PROSE = [
    "Under the proposal, brokers earn a commission only when a customer keeps the policy for a "
    "full year, the agency said on Monday.",
    "The retailer is quietly earning affiliate commission on some of the links its shoppers "
    "share, and although a few of them have complained about the practice, the company says "
    "the scheme is fair and that everyone who takes part gains from it in the end.",
    "The lawsuit says the app broke its own privacy policy when it shared location data with "
    "advertisers for three years.",
    "Getty Images has asked a court in London to stop the start-up from selling pictures that "
    "were made from its archive.",
    "The court found that the name is a registered trademark of the family firm and ordered the "
    "rival brewery to change its labels.",
    "Getty Images declined to comment on the case.",
    # the phrase closing a plain sentence (review of trial 14 #7): 0 and 2 words after it
    "The watchdog said on Thursday that the insurer had more than once broken its own privacy "
    "policy.",
    "Members of parliament want the bank to explain why it rewrote its privacy policy last spring.",
    # two phrases far apart in one long sentence
    "Under the plan, agents earn a commission only when the buyer signs the contract, and the "
    "privacy policy of each agency will have to say so in plain words from next year.",
]
# notices with the same phrases: short, in the site's voice, with a copyright sign, a second
# phrase, or the phrase closing the line (a photo credit)
NOTICES = [
    "Sign up for our weekly newsletter to get more stories like this one.",
    "When you buy through links on this page, we may earn a commission at no cost to you.",
    "By using this site you agree to our privacy policy and the use of cookies on your device.",
    "Example Bank is a registered trademark of Example Holdings. All rights reserved.",
    "A farmer walks through a flooded field near the river after two days of heavy rain on "
    "Sunday. (AP Photo/Jane Roe)",
    "Access is subject to the terms of service and the privacy policy set out at the foot of "
    "this page in full.",
    "Privacy policy",
    "4 min read",
    # a consent form: the site names itself, the phrase ends a long sentence
    "I consent to the storage of my details for the purpose of opening an account on this "
    "website, as set out in the privacy policy.",
    # two phrases side by side in a sentence, and a credit after a caption's sentence end
    "By creating an account, the reader accepts the terms of service and privacy policy of "
    "Example Media Group.",
    "Example Sports is a registered trademark of Example Broadcasting Inc. Example.com is a "
    "registered trademark of Example Interactive Inc.",
    "Fans wave flags outside the stadium before the final match of the season in the north of "
    "the city. (Photo by John Doe/Getty Images for Example League)",
]


def _page(middle: str) -> str:
    return "\n".join(["Banks change how sales staff are paid", LEAD, middle, AFTER, CLOSE])


@pytest.mark.parametrize("sentence", PROSE)
def test_article_sentences_naming_a_notice_phrase_are_kept(sentence):
    (row,), _ = run_rule(RULE, [_page(sentence)], action="strip")
    assert sentence in row["text"].split("\n")
    assert row["text"] == _page(sentence)


@pytest.mark.parametrize("notice", NOTICES)
def test_notices_holding_the_same_phrases_are_still_removed(notice):
    (row,), _ = run_rule(RULE, [_page(notice)], action="strip")
    assert notice not in row["text"].split("\n")
    assert row["curate_boilerplate_reasons"]["phrase"] == 1


def test_the_trial_page_keeps_its_body_and_loses_its_sign_up_line():
    body = [LEAD, PROSE[0], AFTER, CLOSE]
    text = "\n".join([*body, NOTICES[0]])
    (row,), _ = run_rule(RULE, [text], action="strip")
    assert row["text"].split("\n") == body


def test_dclm_lede_with_affiliate_commission_is_kept():
    # the human-labelled good DCLM page whose first sentence names an affiliate commission
    # (trial 14): no line of it that says so is removed as a phrase
    path = shared("webcrawl", "dclm_human_quality", "majority_data.jsonl.gz")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        docs = [json.loads(line) for line in f]
    texts = [d["text"] for d in docs if d["label"] == 1 and "affiliate commission" in d["text"]]
    assert texts
    rows, _ = run_rule(RULE, texts, action="strip")
    for before, row in zip(texts, rows, strict=True):
        lede = before.split("\n")[0]
        assert lede in row["text"].split("\n")


# a press release wrapped at ~70 characters: every sentence runs over several lines, and a
# sentence's last words may stand alone on a short line
WRAPPED = "\n".join(
    [
        "The city library opened a new reading room for children on the east side of",
        "the old market hall this week, after two years of building work and a long",
        "search for money to pay for the books and the furniture, which came from",
        "the regional council.",
        "Share",
        "Visitors can borrow up to ten books at a time, and the staff will read to",
        "the youngest children every morning during the school holidays, when the",
        "room opens an hour earlier than the rest of the building, said the head",
        "of the library.",
        "Contact: press office",
    ]
)


def test_the_last_words_of_a_hard_wrapped_sentence_stay_with_it():
    (row,), _ = run_rule(RULE, [WRAPPED], action="strip")
    kept = row["text"].split("\n")
    assert "the regional council." in kept
    assert "of the library." in kept
    # (the chrome between the paragraphs and after them still goes)
    assert "Share" not in kept
    assert "Contact: press office" not in kept


def test_explain_phrases_names_the_phrase_behind_each_removal():
    page = "\n".join(["Home", _page(NOTICES[1]), "Read more: rates rise again", "Privacy policy"])
    (row,), _ = run_rule(RULE, [page], action="strip", explain_phrases=True)
    assert row["curate_boilerplate_reasons"]["phrase"] == 4
    assert row["curate_boilerplate_phrases"] == [
        "[line] home",
        "[anywhere] earn a commission",
        "[start] read more:",
        "[line] privacy policy",
    ]
    # a document without a phrase: an empty list; off (the default): no such column
    (row,), _ = run_rule(RULE, [_page(PROSE[0])], action="strip", explain_phrases=True)
    assert row["curate_boilerplate_phrases"] == []
    (row,), _ = run_rule(RULE, [page], action="strip")
    assert "curate_boilerplate_phrases" not in row


def test_explain_phrases_in_the_written_rows_and_the_report(tmp_path):
    data = tmp_path / "in.jsonl"
    page = _page("Sign up for our weekly newsletter to get more stories like this one.")
    data.write_text(json.dumps({"id": "a", "text": page}) + "\n", encoding="utf-8")
    rules = tmp_path / "r.yaml"
    rules.write_text(
        "name: t\nrules:\n  - rule: boilerplate-lines\n    action: strip\n"
        "    explain_phrases: true\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    rep = tmp_path / "rep"
    args = ["--out", str(out), "--report-dir", str(rep), "--format", "jsonl"]
    res = curate_cli("run", str(data), "--rules", str(rules), *args)
    assert res.returncode == 0, res.stderr
    (row,) = [json.loads(x) for x in (out / "train.jsonl").read_text().splitlines()]
    assert row["curate_boilerplate_phrases"] == ["[anywhere] sign up for our"]
    report = (rep / "report.html").read_text(encoding="utf-8")
    assert "[anywhere] sign up for our" in report
