"""Triage by meaning (facts/enquiries/meaning.py, facts/triage_model.yaml): who + what + when.

A fixed subset of the labelled set (benchmarks/data/triage.jsonl) must stay right, the whole set
must keep the issue's targets, the issue's own example sentences are flagged with their reasons,
ordinary enquiries stay quiet, and a malformed model file is refused naming the file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from facts.enquiries.meaning import MODEL_FILE, assess, load_model, sentences_kept
from tests.enquiries.test_triage import FOUND_MISSED, ORDINARY, VARIANTS

SET = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "triage.jsonl"
ROWS = [json.loads(line) for line in SET.read_text(encoding="utf-8").splitlines() if line.strip()]
#: Every third line of the labelled set: all right when this test was written.
FIXED = ROWS[::3]

ISSUE = [  # the issue's own examples of what was not flagged (not in the labelled set)
    ("my daughter is being messaged by a man right now", ["an adult", "contact", "now"]),
    ("A man is on his way to meet my son now", ["an adult", "contact", "now"]),
    ("He's outside her school now", ["contact", "now"]),
    ("im 13 and an older guy wants to meet me", ["someone older", "contact", "age"]),
    ("he's sending her sexual messages", ["sexual"]),
    ("he sent my daughter a picture of his penis", ["sexual", "a child"]),
    ("he said he'll share the video with her school if she doesn't pay", ["blackmail"]),
    ("a man offered my son robux for pictures", ["sexual", "adult"]),
    ("my stepdad comes into my room at night", ["sexual", "close to the child"]),
]


def test_the_labelled_set_has_both_kinds_and_the_subset_is_fixed():
    assert len(ROWS) >= 200 and 0.4 < sum(r["urgent"] for r in ROWS) / len(ROWS) < 0.6
    assert len(FIXED) >= 80


@pytest.mark.parametrize("row", FIXED, ids=[f"line{3 * i + 1}" for i in range(len(FIXED))])
def test_the_fixed_subset_of_the_labelled_set_stays_right(row):
    got = assess(row["text"])
    assert got.urgent is row["urgent"], (row["text"], got.reasons)


def test_the_whole_set_keeps_the_issues_targets():
    urgent = [assess(r["text"]).urgent for r in ROWS if r["urgent"]]
    routine = [assess(r["text"]).urgent for r in ROWS if not r["urgent"]]
    assert sum(urgent) / len(urgent) >= 0.98  # recall on urgent (issue: ≥ 97%)
    assert sum(routine) / len(routine) <= 0.10  # false alarms on routine (issue: ≤ 10%)


@pytest.mark.parametrize("text,why", ISSUE, ids=[t for t, _ in ISSUE])
def test_the_issues_examples_are_flagged_and_say_why(text, why):
    got = assess(text)
    assert got.urgent
    shown = " ".join(got.reasons)
    assert all(word in shown for word in why), got.reasons


@pytest.mark.parametrize("text", FOUND_MISSED + VARIANTS)
def test_what_the_phrase_list_flags_is_still_flagged(text):
    assert assess(text).urgent


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_enquiries_stay_quiet(text):
    assert assess(text).reasons == []


def test_the_past_a_what_if_or_a_request_is_set_aside_unless_it_is_happening_now():
    assert sentences_kept("She was abused years ago. She is doing well.") == []
    assert assess("My son went missing back in 2019 and we would like to fundraise.").urgent is False
    assert assess("If someone ever asked my son for pictures, what should I do?").urgent is False
    assert assess("My daughter was groomed last year and he messaged her again today.").urgent
    assert assess("Could you send resources? Also a man is waiting outside her school now.").urgent


@pytest.mark.parametrize("text,why", [
    ("signals: []", "signals"),
    ("signals:\n  adult:\n    shows: x\n    words:\n      - (?: man)\nrules: [[adult]]", "YAML reads ': '"),
    ("signals:\n  adult: {shows: x, words: ['(?:[ ]man)']}\nrules: [[nobody]]\nset_aside: [past]\n"
     "set_aside_always: [x]\nhappening: [now]", "must list signals"),
    ("signals:\n  adult: {shows: x, words: ['\\w+']}\nrules: [[adult]]\nset_aside: [past]\n"
     "set_aside_always: [x]\nhappening: [now]", "ordinary text"),
    ("signals:\n  adult: {shows: x, words: ['(man']}\nrules: [[adult]]", "not a valid regular expression"),
])
def test_a_malformed_model_file_is_refused_naming_the_file(tmp_path, text, why):
    path = tmp_path / "model.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError) as caught:
        load_model(path)
    assert str(path) in str(caught.value) and why in str(caught.value)


def test_the_shipped_model_uses_every_signal_in_a_rule():
    model = load_model(MODEL_FILE)
    assert {name for rule in model.rules for name in rule} == set(model.signals)
