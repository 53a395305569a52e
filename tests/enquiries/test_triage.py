"""Safeguarding triage (facts/triage.py, facts/triage_phrases.yaml): what is urgent, what is not.

A false alarm costs a look; a miss can cost a child. So: every wording a tester
found missed is here, with common variants; ordinary enquiries must stay quiet;
a malformed file is refused, naming the file.
"""

from __future__ import annotations

import itertools
import re
import time

import pytest
import yaml

from facts.enquiries.triage import PHRASES_FILE, load_patterns, load_phrases, matches

# -- must be flagged -----------------------------------------------------------------

FOUND_MISSED = [  # found by a tester: not flagged by the phrase list alone
    "he said he will hurt her tonight",
    "He's going to hurt my daughter tonight",
    "He will hurt her tonight",
    "he will kill her",
    "he said he would kill her",
    "he is sexually abusing my daughter",
    "a man is abusing my child",
    "my child is being groomed online right now",
    "my daughter is being groomed",
    "she tried to take her own life",
    "she is going to take her own life",
    "he is hurting her right now",
    "my dad hits me",
    "She is not safe",
    "my 13 year old is meeting a man from instagram tonight",
    "my son is missing",
    "she has cut herself",
]

VARIANTS = [
    # threats, whoever the victim
    "he'll kill us all", "he said he'd kill her", "he is gonna kill me", "my ex threatened to hurt the kids",
    "he threatened to beat up my son", "her boyfriend is going to rape her", "he would hurt my little girl",
    "he is going to touch her", "he will hurt Sophie", "he is going to hit Amy", "she'll hurt him",
    "they are going to beat him up tonight", "someone is going to hurt my child", "he has threatened to hurt Theo",
    "my stepdad is going to hit me when he gets home", "I am scared my dad will hurt me", "he sends death threats",
    # violence and abuse, now or done
    "mum beats me", "he hits the kids", "he is hitting my mum", "he punched my son", "my mum's boyfriend hurts me",
    "my brother is getting beaten up", "she has been abused by her stepdad", "she is being abused",
    "she has been raped", "my son was sexually assaulted", "he keeps touching her", "my uncle is touching her",
    "he touched my daughter inappropriately", "the man is raping her", "he is forcing her to have sex",
    "she is being exploited", "she has been trafficked", "the man next door is hurting the children",
    "he hit her today", "he is attacking her right now",
    # grooming
    "I think my son has been groomed", "a man is grooming my daughter on roblox", "he's grooming her",
    # suicide and self-harm
    "my son is suicidal", "she talked about suicide", "my daughter took an overdose", "she is self-harming",
    "he self harms", "my son is cutting himself", "she's been cutting again", "cuts on her arms",
    "she tried to hang herself", "found him hanging", "he wants to be dead", "she doesn't want to live anymore",
    "i want to kill myself", "he is better off dead", "he took his own life and my son wants to do the same",
    # missing
    "she's missing", "my daughter has been missing since friday", "Sophie is still missing", "he ran away",
    "she keeps running away", "she hasn't come home", "he didn't come home last night",
    "we don't know where she is", "I can't find my daughter", "she is not home yet",
    "my daughter is missing, her phone is off",  # folds like "missing her ...": flagged, as it must be
    # strangers from online
    "she is meeting someone she met online", "my son is going to meet a guy from fortnite",
    "she's meeting up with a stranger", "she is meeting an adult she met online",
    "my daughter is talking to a man online", "a man keeps messaging my daughter", "she's meeting him after school",
    # images, sextortion
    "a man asked my daughter for nudes", "he asked her to send pictures", "she is sending photos to a man",
    "he keeps asking for pics", "he asked for nude photos", "someone is asking my son for naked pictures",
    "sextortion", "my son is a victim of sextortion", "he is blackmailing her with pictures",
    "they are blackmailing him", "he is threatening to share her pictures",
    "he will post the photos online unless she pays",
    # not safe
    "my daughter feels unsafe", "I don't feel safe", "my son isn't safe with him",
    # Welsh (the user trial's two sentences first; mutations: mhlentyn, ferch, fygwth, cham-drin)
    "Mae fy mhlentyn mewn perygl heno, mae dyn yn dod i'w chyfarfod", "Mae dyn yn bygwth fy merch 13 oed heno",
    "Dyw fy merch ddim yn ddiogel adref heno", "mae ofn arni fynd adref", "Mae'r ferch mewn perygl go iawn",
    "Mae e wedi cael ei fygwth â chyllell ac maen nhw'n dod heno", "mae rhywun yn blacmelio fy mab",
    "mae dyn wedi gofyn iddi anfon lluniau noeth", "Mae fy mab 14 oed wedi mynd ar goll",
    "Mae hi eisiau lladd ei hun", "mae o am ladd ei hun", "Dw i isio marw", "Mae fy mab yn hunan-niweidio nawr",
    "mae ei llystad yn ei cham-drin hi bob nos", "Mae rhywun yn cam-drin fy nith rŵan",
    "Mae hi'n cael ei churo gan ei thad", "Mae fy merch yn cwrdd â dyn 30 oed heno",
]

VERBS = ["kill", "hurt", "harm", "rape", "abuse", "touch", "beat", "hit"]
THREATS = ["he will", "he's going to", "he is going to", "he's gonna", "he would", "he threatened to", "he'll",
           "he said he'd", "he wants to", "he is threatening to"]
VICTIMS = ["him", "her", "them", "me", "my son", "my daughter", "my child", "the kids", "my little sister",
           "my 6 year old"]


@pytest.mark.parametrize("text", FOUND_MISSED + VARIANTS)
def test_immediate_risk_wording_is_flagged(text):
    assert matches(text), text


def test_every_threat_verb_and_victim_is_flagged():
    missed = [f"{threat} {verb} {victim}" for threat, verb, victim in itertools.product(THREATS, VERBS, VICTIMS)
              if not matches(f"{threat} {verb} {victim}")]
    assert missed == []


def test_every_pattern_is_exercised_by_the_examples_above():
    found = {label for text in FOUND_MISSED + VARIANTS for label in matches(text)}
    assert {p.label for p in load_patterns()} <= found


def test_labels_read_as_words_and_come_after_the_phrases_once_each():
    assert all(re.fullmatch(r"[a-z][a-z ,'-]+", p.label) for p in load_patterns())
    assert matches("he will kill her") == ["threat to kill or seriously harm"]
    assert matches("He hit her. She is in danger; he hit her") == ["in danger", "violence or abuse against someone"]
    # a label is for wording the phrases found do not already cover
    assert matches("She is being abused. She is being abused!") == ["being abused"]
    assert matches("My daughter is not safe at home tonight") == ["not safe at home"]
    assert matches("she is not safe at home, he is going to kill her") == ["not safe at home", "going to kill"]


def test_negations_are_not_understood_deliberately():
    assert matches("he will not hurt her") and matches("she is not in danger") == ["in danger"]


# -- must not be flagged -------------------------------------------------------------

ORDINARY = [
    "We would like to know about your family support service",
    "my son was groomed two years ago and we would like therapy",
    "our school wants training on online safety",
    "Could you send me your annual report?",
    "I would like to volunteer at your Colchester office",
    "We would like to book a parent workshop for next term",
    "My daughter is missing school because of anxiety, can you help?",
    "We'd like to meet someone from your team tomorrow to discuss a partnership",
    "Would it hurt my son to take a break from social media?",
    "Is Snapchat safe for my 10 year old?",
    "Our safeguarding policy is missing a section on online safety",
    "What is missing from our policy?",
    "We would like training for staff on spotting the signs of grooming",
    "The kids at school hurt her feelings when they left her out",
    "The cuts will hurt our budget this year",
    "I'd like to get in touch today about a donation",
    "We were touched by your work and would like to donate",
    "Our trainer said she would touch on grooming in the session",
    "They will hit the ground running",
    "Please could you send us photos from the event for our newsletter",
    "We'd like to meet an adult social care lead at your charity",
    "Our council has been cutting funding for youth services",
    "Can your team run an e-safety evening for parents tonight?",
    "My son plays Fortnite with friends he met online, is that ok?",
    "Children are not safe online and schools need help",
    "My son hit his head at school and we need advice",
    "The kids are hitting the books tonight",
    "She is hanging out with friends after school",
    "My son was abused two years ago and is in counselling",
    "Could we meet them tomorrow at the school?",
    "I can't find her email address, could you resend it?",
    "My counsellor is a therapist",
    # Welsh: requests, training, the past; "dyn ni" is "we are", not "a man"
    "Helo, a oes gennych chi daflenni yn Gymraeg am ddiogelwch ar-lein i rieni?",
    "Oes gennych chi daflen am blant mewn perygl ar-lein ar gyfer rhieni?",
    "Dw i'n ysgrifennu traethawd ar gam-drin plant ar gyfer fy ngradd",
    "A oes gennych chi gwrs am hunan-niweidio ymysg pobl ifanc?",
    "Dyn ni'n cynnal noson i rieni am ddiogelwch ar-lein heno, allwch chi anfon siaradwr?",
    "Roedd dyn wedi bygwth fy mab yn 2019 a chafodd ei garcharu",
    "Oes modd cael cyflwyniad am beryglon y we i rieni?",
    "Mae fy mab wedi colli ei ffôn, mae ar goll ers dydd Llun",
    "Mae plant yn dysgu am beryglon, heddiw cawson ni sgwrs am gam-drin",
    "Dyn ni'n dod i'ch cyfarfod chi yfory am 10",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_enquiries_are_not_flagged(text):
    assert matches(text) == []


def test_whole_words_and_no_match_across_fields():
    assert matches("an endangered species", "in dangerous waters", "the therapist") == []
    assert matches("she is not", "safe") == [] and matches("my son is", "missing") == []
    assert matches("he will hurt Amy") == ["threat to hurt someone"]  # "(?! (?:a|an) )" does not exclude "amy"


# -- folding: apostrophes, accents, invisible characters -----------------------------


@pytest.mark.parametrize(("typed", "plain"), [
    ("He’s going to hurt her", "He's going to hurt her"),
    ("he’ll kill her", "he'll kill her"),
    ("she isn’t safe", "she isn't safe"),
    ("He ʼll hurt her", "He 'll hurt her"),
    ("She said he WON’T let her leave!", "she said he won't let her leave"),
    ("She is ‘in danger’", "she is in danger"),
    ("Mý dáughter is béing gróomed", "my daughter is being groomed"),
    ("ELLE EST SÉQUESTRÉE, she is NOT SAFE", "she is not safe"),
    ("ｈｅ ｗｉｌｌ ｈｕｒｔ ｈｅｒ", "he will hurt her"),
    ("she is being gro\u200bomed", "she is being groomed"),
    ("my son self\u00adharms", "my son selfharms"),
])
def test_curly_apostrophes_accents_and_invisible_characters_fold(typed, plain):
    assert matches(typed) == matches(plain) != []


# -- the file ------------------------------------------------------------------------


def test_the_shipped_file_loads_with_patterns_and_uses_every_word_list():
    patterns = load_patterns()
    assert len(patterns) >= 10 and len({p.label for p in patterns}) == len(patterns)
    assert "immediate danger" in load_phrases()
    data = yaml.safe_load(PHRASES_FILE.read_text(encoding="utf-8"))
    used = {name for entry in data["patterns"] for name in re.findall(r"\{([a-z_]+)\}", entry["pattern"])}
    assert set(data["words"]) == used


def _file(tmp_path, text: str):
    path = tmp_path / "triage.yaml"
    path.write_text("phrases:\n  - in danger\n" + text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "why"), [
    ("patterns:\n  - label: broken\n    pattern: 'he (will|would hurt'\n", "not a valid regular expression"),
    ("patterns:\n  - label: broken\n    pattern: 'a)|(b'\n", "not a valid regular expression"),
    ("patterns:\n  - pattern: he will hurt\n", "missing label"),
    ("patterns:\n  - label: no pattern\n", "missing pattern"),
    ("patterns:\n  - label: ''\n    pattern: he will hurt\n", "'label' must be"),
    ("patterns:\n  - label: typo\n    patern: he will hurt\n", "missing pattern"),
    ("patterns:\n  - label: extra\n    pattern: x y\n    note: z\n", "unknown field"),
    ("patterns:\n  - label: comment only\n    pattern: |\n      # nothing\n", "no line that is not a comment"),
    ("patterns:\n  - label: unknown list\n    pattern: '{victim} hurt'\n", "undefined word list"),
    ("patterns:\n  - label: capitals\n    pattern: He will hurt\n", "lower case"),
    ("patterns:\n  - label: accents\n    pattern: blessé\n", "lower case"),
    ("patterns:\n  - label: everything\n    pattern: \\S+\n", "would flag every enquiry"),
    ("patterns:\n  - label: empty\n    pattern: (?:x)?\n", "would flag every enquiry"),
    ("patterns:\n  - label: twice\n    pattern: x y\n  - label: twice\n    pattern: y z\n", "used twice"),
    ("patterns: he will hurt\n", "'patterns' must be a list"),
    ("patterns:\n  - he will hurt\n", "must be a mapping"),
    ("words: [a, b]\npatterns: []\n", "'words' must be a mapping"),
    ("words:\n  Victim: [her]\n", "lower-case letters"),
    ("words:\n  victim: []\n", "non-empty list"),
    ("words:\n  answer: [yes, no]\n", "quote any word"),
    ("patterns:\n  - label: x\n    pattern: [unclosed\n", "not valid YAML"),
])
def test_a_malformed_file_is_refused_naming_the_file(tmp_path, text, why):
    path = _file(tmp_path, text)
    with pytest.raises(ValueError) as refused:
        load_patterns(path)
    assert str(path) in str(refused.value) and why in str(refused.value)
    with pytest.raises(ValueError, match=re.escape(str(path))):
        load_phrases(path)


@pytest.mark.parametrize("phrases", ["phrases: in danger\n", "phrases:\n  - in danger\n  - '!!!'\n", ""])
def test_phrases_must_each_have_a_word(tmp_path, phrases):
    path = tmp_path / "phrases.yaml"
    path.write_text(phrases, encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(str(path))):
        load_phrases(path)


def test_a_file_of_phrases_only_still_loads_and_custom_rules_apply(tmp_path):
    assert load_patterns(_file(tmp_path, "")) == ()
    path = tmp_path / "custom.yaml"
    path.write_text("phrases: [in danger]\nwords:\n  who: [him, her]\n"
                    "patterns:\n  - label: custom\n    pattern: |\n      # a comment\n      poke {who}\n",
                    encoding="utf-8")
    rules = {"phrases": load_phrases(path), "patterns": load_patterns(path)}
    assert matches("He POKED her", **rules) == [] and matches("he will poke her", **rules) == ["custom"]
    assert matches("in danger", "poke him", **rules) == ["in danger", "custom"]


def test_triage_stays_fast_on_the_largest_body():
    """64 KB (the intake's body limit) of words that start many patterns: well under a second."""
    started = time.perf_counter()
    for text in ("he will " * 8000, "my " * 21000, "she is not " * 5800, "meet someone from " * 3500,
                 "a'" * 32000, "x" * 64000):
        assert matches(text) == []
    assert time.perf_counter() - started < 2.0
