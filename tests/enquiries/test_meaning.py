"""Triage by meaning (facts/enquiries/meaning.py, facts/triage_model.yaml): who + what + when.

A fixed subset of each labelled set must stay right (benchmarks/data/triage.jsonl, the
development set; benchmarks/data/triage_heldout.jsonl, benchmarks/data/triage_fresh.jsonl and
benchmarks/data/triage_fresh4.jsonl, each written by someone who never saw the code), each whole set must keep the issue's targets, the issue's own example sentences are flagged with their reasons,
ordinary enquiries stay quiet, and a malformed model file is refused naming the file.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from facts.enquiries.meaning import MODEL_FILE, assess, load_model, sentences_kept
from tests.enquiries.test_triage import FOUND_MISSED, ORDINARY, VARIANTS

DATA = Path(__file__).resolve().parents[2] / "benchmarks" / "data"
SET, HELDOUT, FRESH = DATA / "triage.jsonl", DATA / "triage_heldout.jsonl", DATA / "triage_fresh.jsonl"
FRESH4 = DATA / "triage_fresh4.jsonl"
#: Welsh, written by the engineer who wrote the Welsh patterns (development data, not held out).
WELSH = DATA / "triage_welsh.jsonl"


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


ROWS, HELDOUT_ROWS, FRESH_ROWS, FRESH4_ROWS = _rows(SET), _rows(HELDOUT), _rows(FRESH), _rows(FRESH4)
WELSH_ROWS = _rows(WELSH)
#: Every third line of the labelled set: all right when this test was written.
FIXED = ROWS[::3]
#: Every other line of the held-out set (lines 1, 3, 5 …): every urgent one must be flagged;
#: routine ones must stay quiet, except these known false alarms (a false alarm costs a look).
HELDOUT_FIXED = [(2 * i + 1, row) for i, row in enumerate(HELDOUT_ROWS[::2])]
HELDOUT_KNOWN_FALSE_ALARMS = {
    151: "'not like hurting myself': the phrase list does not read negations, on purpose",
}
#: Lines of the third writer's set (line numbers from 1): its four misses and five false alarms
#: before the model learnt criminal exploitation, forced marriage, trafficking, sexual content
#: shown by an adult, an adult survivor's past and school work; and every sixth line.
FRESH_TUNED = [13, 86, 101, 109, 29, 46, 50, 91, 102]
FRESH_FIXED = sorted(set(FRESH_TUNED) | set(range(1, len(FRESH_ROWS) + 1, 6)))
#: Lines of the fourth writer's set: its two misses (a boy giving his things away and saying "you
#: won't have to worry about me for much longer"; teenagers at a party whom older men won't let
#: leave) and eight false alarms (a training booking, a worry about strangers in general, a
#: complaint about the helpline, "not in danger or anything", tips for the summer, a request for an
#: evaluation report, a child asking what a word means, local history research); and every sixth line.
FRESH4_TUNED = [4, 37, 46, 50, 53, 74, 91, 92, 112, 116]
FRESH4_FIXED = sorted(set(FRESH4_TUNED) | set(range(1, len(FRESH4_ROWS) + 1, 6)))
#: The fourth writer's file as committed unedited (commit b872d74); corrections never go into it.
FRESH4_SHA256 = "8d0443d2d54b7f83b28342921dc7f7d5c18ace7e1188ee7fb77a88dba034ff2d"

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


def test_the_held_out_set_is_the_writers_unedited_and_half_urgent():
    assert len(HELDOUT_ROWS) == 160 and sum(r["urgent"] for r in HELDOUT_ROWS) == 80


@pytest.mark.parametrize("line,row", HELDOUT_FIXED, ids=[f"heldout-line{n}" for n, _ in HELDOUT_FIXED])
def test_the_fixed_subset_of_the_held_out_set_stays_right(line, row):
    got = assess(row["text"])
    if row["urgent"]:
        assert got.urgent, row["text"]
    elif line not in HELDOUT_KNOWN_FALSE_ALARMS:
        assert not got.urgent, (row["text"], got.reasons)


def test_the_fresh_set_is_the_third_writers_unedited_and_half_urgent():
    assert len(FRESH_ROWS) == 120 and sum(r["urgent"] for r in FRESH_ROWS) == 60


def test_the_welsh_set_has_both_kinds_and_the_user_trials_sentences_are_urgent():
    assert sum(r["urgent"] for r in WELSH_ROWS) >= 20 and sum(not r["urgent"] for r in WELSH_ROWS) >= 20
    trial = ["Mae fy mhlentyn mewn perygl heno, mae dyn yn dod i'w chyfarfod", "Mae dyn yn bygwth fy merch 13 oed heno"]
    assert [r["text"] for r in WELSH_ROWS[:2]] == trial
    assert all(assess(text).urgent for text in trial)


def test_the_fourth_set_is_the_writers_unedited_120_with_45_urgent():
    assert hashlib.sha256(FRESH4.read_bytes()).hexdigest() == FRESH4_SHA256
    assert len(FRESH4_ROWS) == 120 and sum(r["urgent"] for r in FRESH4_ROWS) == 45


@pytest.mark.parametrize("rows,line", [(FRESH_ROWS, n) for n in FRESH_FIXED] + [(FRESH4_ROWS, n) for n in FRESH4_FIXED],
                         ids=[f"fresh-line{n}" for n in FRESH_FIXED] + [f"fresh4-line{n}" for n in FRESH4_FIXED])
def test_the_fixed_subsets_of_the_fresh_and_fourth_sets_stay_right(rows, line):
    row = rows[line - 1]
    got = assess(row["text"])
    assert got.urgent is row["urgent"], (row["text"], got.reasons)


@pytest.mark.parametrize("rows", [ROWS, HELDOUT_ROWS, FRESH_ROWS, FRESH4_ROWS, WELSH_ROWS],
                         ids=["development", "held-out", "fresh", "fresh4", "welsh"])
def test_each_whole_set_keeps_the_issues_targets(rows):
    urgent = [assess(r["text"]).urgent for r in rows if r["urgent"]]
    routine = [assess(r["text"]).urgent for r in rows if not r["urgent"]]
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
    assert assess("If a 30 year old asked my niece for nudes, would that count as grooming?").urgent is False
    assert assess("Hypothetically, if a man asked a 13 year old to meet him, could a parent stop it? "
                  "Asking because I think it's my daughter.").urgent  # the what-if is real


def test_an_enquiry_that_says_it_is_over_is_set_aside_unless_something_is_happening_now():
    over = "A man on Xbox asked my son (12) how old he was. I blocked and reported it. That was a week ago."
    assert assess(over).urgent is False
    assert assess(over + " He messaged him again tonight.").urgent
    assert assess("The case is now closed. We would like training for staff.").urgent is False


def test_a_negated_word_does_not_count_but_a_negation_inside_a_signal_does():
    assert assess("can i call just to talk about my grandad dying? its not abuse or anything").urgent is False
    assert assess("my grandad is abusing me and hurting me").urgent
    assert assess("my sister is 15 and isnt answering her phone, she hasnt come home tonight").urgent
    assert assess("a man told her dont tell your mum and keep it secret").urgent


def test_words_are_found_by_their_stems_and_people_are_read_as_they_write():
    assert assess("an adult she met online has been facetiming my daughter (13) every night").urgent
    assert "an adult" in " ".join(assess("a man whos msging her says hes coming 2nite").reasons)
    assert assess("someone on discord is demanding £100 by 4pm or her video goes to her whole year").urgent
    assert assess("i cant do this anymore ive got the tablets here").reasons == ["suicide or self-harm"]


def test_a_rules_not_signal_keeps_it_quiet():
    assert assess("my mates keep sharing memes that are kinda sexual on our group chat, were all 13").urgent is False
    assert assess("a man keeps sharing sexual memes with my son on a group chat").urgent


@pytest.mark.parametrize("text,why", [
    ("signals: []", "signals"),
    ("signals:\n  adult:\n    shows: x\n    words:\n      - (?: man)\nrules: [[adult]]", "YAML reads ': '"),
    ("signals:\n  adult: {shows: x, words: ['(?:[ ]man)']}\nrules: [[nobody]]\nset_aside: [past]\n"
     "set_aside_always: [x]\nhappening: [now]", "must list signals"),
    ("signals:\n  adult: {shows: x, words: ['\\w+']}\nrules: [[adult]]\nset_aside: [past]\n"
     "set_aside_always: [x]\nhappening: [now]", "ordinary text"),
    ("signals:\n  adult: {shows: x, words: ['(man']}\nrules: [[adult]]", "not a valid regular expression"),
    ("signals:\n  adult: {shows: x, words: ['(?:[ ]man)']}\nrules: [[adult]]\nset_aside: [past]\nset_aside_always: [x]\nhappening: [now]\nnot_hypothetical: [real]\nresolved: [over]\nnegation: [not]\nspellings: [msg]", "'spellings' must map"),
    ("signals:\n  adult: {shows: x, words: ['(?:[ ]man)']}\nrules: [[adult, not nobody]]\nset_aside: [past]\nset_aside_always: [x]\nhappening: [now]\nnot_hypothetical: [real]\nresolved: [over]\nnegation: [not]\n", "must list signals"),
    ("signals:\n  adult: {shows: x, words: ['(?:[ ]man)']}\nrules: [[adult]]\nset_aside: [past]\nset_aside_always: [x]\nhappening: [now]\nnot_hypothetical: [real]\nresolved: [over]\nmade_up: []\nnegation: [not]\n", "'made_up' must be"),
])
def test_a_malformed_model_file_is_refused_naming_the_file(tmp_path, text, why):
    path = tmp_path / "model.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError) as caught:
        load_model(path)
    assert str(path) in str(caught.value) and why in str(caught.value)


def test_the_shipped_model_uses_every_signal_in_a_rule():
    model = load_model(MODEL_FILE)
    assert {name for rule in model.rules for name in rule.needs + rule.unless} == set(model.signals)


@pytest.mark.parametrize("text,why", [  # written for this test, in none of the labelled sets
    ("my brother (15) owes £500 to a dealer and they said hell have to work it off this weekend",
     "criminal exploitation"),
    ("Year 8 boy keeps being sent to Southend to do runs for older lads, back in school Monday", "criminal exploitation"),
    ("im 15 and my dad says ill marry my cousin when we go back to pakistan this summer", "forced marriage"),
    ("A mum told me her daughter (6) is going abroad next week to be cut like her sisters", "FGM"),
    ("There's a boy of 15 living in the back of the car wash on my road, the owner shouts at him", "trafficking"),
    ("three kids sleeping in one room above the shop, none of them speak english and they never go to school",
     "trafficking"),
    ("my daughter (7) says her piano teacher shows her videos for grown ups in lessons", "sexual"),
    ("my 14 year old says shes being trafficked", "trafficking"),
    # the warning signs of suicide, and a child held somewhere (the fourth writer's two misses, reworded)
    ("my daughter (15) has been giving away her favourite things and told a friend she wont be here much longer",
     "suicide"),
    ("my son (13) gave his xbox and all his stuff away to his mates this week", "suicide"),
    ("my brother is 16 and keeps saying we wont have to worry about him for much longer", "suicide"),
    ("mum you wont have to worry about me", "suicide"),
    ("she said she just wants to go to sleep and not wake up", "suicide"),
    ("my friend (14) is at a mans flat and he wont let her leave", "made or forced"),
    ("we're 14 and these older lads have locked us in the flat", "made or forced"),
    ("im trapped at my uncles and he took my phone", "made or forced"),
    ("my sister is 13 and a man says she is not allowed to leave the house", "made or forced"),
])
def test_the_kinds_of_harm_beyond_who_what_when_are_flagged(text, why):
    got = assess(text)
    assert got.urgent and why in " ".join(got.reasons), got.reasons


@pytest.mark.parametrize("text", [
    "Can you recommend a book on county lines for parents?",
    "Our PSHE lead wants to cover forced marriage and FGM in Year 10. Do you have lesson plans?",
    "im writing a story for english about a girl whose uncle hurts her. how would her teacher notice",
    "I'm an adult survivor of abuse by my stepfather, who is now in prison. Do you offer counselling?",
    "My daughter's new classmate doesn't speak any English yet, how can we help her settle in?",
    "my friend used to self harm but shes better now and sees a counsellor. how can i support her",
    "My son (13) plays Minecraft all day but hes not talking to strangers, just his mates",
])
def test_school_work_a_survivors_past_and_a_named_subject_stay_quiet(text):
    assert assess(text).reasons == []


def test_a_story_or_essay_is_set_aside_unless_it_says_it_is_real():
    story = "im writing a story for english about a girl whose stepdad comes into her room at night."
    assert assess(story).urgent is False
    assert assess(story + " its actually about me").urgent


def test_ages_are_read_as_people_write_them():
    assert "age" in " ".join(assess("one of our lads (15, male) has to do a run tomorrow").reasons)
    assert "age" in " ".join(assess("a girl of about 12 is doing runs for older men").reasons)


@pytest.mark.parametrize("text", [
    "My daughter (8) is giving away her old toys to charity, how do I talk to her about money?",
    "my daughter (7) is bored, how do I give her things to do this weekend",
    "Is it normal to worry about my son growing up so fast? He doesn't need me as much",
    "Our after school club is not allowed to leave the site without two staff, is that enough?",
])
def test_giving_things_and_rules_about_leaving_stay_quiet(text):
    assert assess(text).reasons == []


@pytest.mark.parametrize("text", [  # frames: a request, a worry about a kind of people, a word, a complaint
    "How do I keep my kids safe online this summer? Any tips?",
    "any tips for keeping teenagers safe at festivals tomorrow",
    "I'm worried about people contacting my son on Fortnite. He's 9. What settings should I use?",
    "My daughter heard the word 'grooming' on the news and asked what it means. How do I explain?",
    "My 7 year old asked me what sex means after a programme, help!",
    "I'd like to make a complaint about your helpline, I was kept on hold for 40 minutes",
    "I got a recorded message when I rang this morning, is the line down?",
    "I'm a PhD student. Is your impact report on county lines publicly available?",
    "We are a local history group researching an orphanage case from the 1970s. Do you keep archives?",
    "Do you know where I can find leaflets on online safety?",
    "Our staff knowledge of child sexual exploitation and county lines needs refreshing, can we book training?",
    "im not at risk or anything i just need someone to talk to about exam stress",
])
def test_requests_worries_in_general_a_words_meaning_and_complaints_stay_quiet(text):
    assert assess(text).reasons == []


@pytest.mark.parametrize("text", [  # the same frames, with something happening to a child
    "my daughter (13) is being messaged by a man, I'm researching what to do",
    "my daughter is being messaged by a man right now, I'm researching what to do",
    "Any tips? A man keeps messaging my daughter (12) on Snapchat",
    "im worried about a man who keeps messaging my daughter (12)",
    "im worried about strangers messaging her, one of them asked her for nudes today",
    "he used the word rape when he threatened her last night",
    "he recorded her in the shower and says he'll share it",
    "someone on snap says they know where she lives and wants more pics",
    "I rang your helpline yesterday and nobody called back, he is outside her school again now",
    "Could you send your annual report? Also a man is outside her school now.",
    "not in danger myself but my friend's stepdad hits her",
    "Not urgent, just flagging: my son (12) says a man on Roblox asked him for pictures",
])
def test_the_same_frames_with_a_child_at_risk_are_still_flagged(text):
    assert assess(text).urgent, assess(text).reasons
