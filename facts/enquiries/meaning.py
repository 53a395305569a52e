"""Urgent triage by meaning: who + what + when, read from ``facts/triage_model.yaml``.

:func:`assess` is what intake uses. It reads an enquiry as people write it: text-speak and
common misspellings are spelt out (the model's ``spellings``: "msging" is "messaging", "2nite"
"tonight"), a number in brackets after a word is an age ("my son (12)" reads "my son aged 12")
and a sum of money is "N pounds". It cuts the enquiry into sentences, sets aside those that only
talk about the past, a what-if or a request for information (unless they also say it is
happening now), and the whole enquiry when it says the matter is over ("that was a week ago and
nothing since") without saying anything is happening now, or that it is made up or school work
("a story for English") without saying it is real. In the rest it looks for the curated phrases
(``facts.enquiries.triage``) and the model's signals (an adult, contact or a meeting, sexual
messages or images, gifts, secrecy, threats, harm, a missing child, self-harm, exploitation,
trafficking, forced marriage or FGM, now or soon, a child's age). Each signal's words are found
as written and by their stems (Snowball English stemmer: "facetiming" finds "facetime",
"threatened" finds "threaten"), and a word
right after a negation ("not abuse", "not like hurting myself") does not count. It is urgent
when a phrase is found or a rule's signals all are (and none of its ``not`` signals);
``reasons`` say why in words for staff ("an adult or someone older + contact or a meeting + now
or soon"). Pure: the file is read once.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import snowballstemmer
import yaml

from facts.enquiries.triage import _fold, matches
from facts.text import load_yaml

MODEL_FILE = Path(__file__).parent.parent / "triage_model.yaml"
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
# "my son (12)", "(15, male)", "(14yo)": an age
_AGE_IN_BRACKETS = re.compile(r"\(\s*(\d{1,2})\s*(?:yo|y/o|yrs?|years?|m|f)?\s*(?:,[^()]{0,20})?\)")
_MONEY = re.compile(r"[£$€]\s*(\d[\d,.]*)\s*(k\b)?")  # "£100": "100 pounds" (folding drops "£")
# A plain word of a regular expression: letters between alternation/grouping/spaces, not part of
# an escape (\w), not followed by a quantifier or an ending (\w*, s?). Only these are stemmed.
_REGEX_WORD = re.compile(r"(?<![\\\w\[])([a-z]+)(?=$|[ |)])")
_STEMMER = snowballstemmer.stemmer("english")


@dataclass(frozen=True)
class Assessment:
    """``urgent`` and the ``reasons`` shown to staff (phrases found, then rules met), in order."""

    urgent: bool
    reasons: list[str]


@dataclass(frozen=True)
class _Words:
    """One curated list, found in the folded text as written or in its stems."""

    plain: re.Pattern[str]
    stemmed: re.Pattern[str]

    def search(self, reading: _Reading) -> bool:
        """Found as written (the lists of tenses and frames: the past, a what-if, now)."""
        return bool(self.plain.search(reading.folded))

    def found(self, reading: _Reading, negation: _Words) -> bool:
        """Found somewhere not right after a negation ("not abuse", "nothing like hurting myself")."""
        for regex, text, neg in ((self.plain, reading.folded, negation.plain),
                                 (self.stemmed, reading.stems, negation.stemmed)):
            for match in regex.finditer(text):
                if not neg.search(text[max(0, match.start() - 40):match.start()] + " "):
                    return True
        return False


@dataclass(frozen=True)
class _Reading:
    folded: str
    stems: str


@dataclass(frozen=True)
class _Rule:
    needs: tuple[str, ...]
    unless: tuple[str, ...]


@dataclass(frozen=True)
class _Model:
    signals: dict[str, tuple[str, _Words]]
    rules: tuple[_Rule, ...]
    set_aside: _Words
    set_aside_always: _Words
    happening: _Words
    not_hypothetical: _Words
    resolved: _Words
    made_up: _Words | None
    negation: _Words
    spellings: dict[str, str]


def _bad(path: Path, why: str) -> ValueError:
    return ValueError(f"{path}: {why}")


def _stem_regex(body: str) -> str:
    return _REGEX_WORD.sub(lambda m: _stem(m.group(1)), body)


def _compile(path: Path, where: str, lines: object, *, signal: bool = False, tail: str = "(?= )") -> _Words:
    if not isinstance(lines, list) or not lines:
        raise _bad(path, f"{where} must be a non-empty list of regular expressions")
    for line in lines:
        if not isinstance(line, str) or not line.strip():
            # The usual cause: "(?: x)" holds ": ", which YAML reads as a mapping. Write "(?:[ ]x)".
            raise _bad(path, f"{where} has an entry that is not a regular expression ({line!r}); "
                             "write (?:[ ]x) for (?: x), since YAML reads ': ' as a mapping")
    body = "|".join(f"(?:{line.strip()})" for line in lines)
    try:
        plain = re.compile(rf" (?:{body}){tail}")
        stemmed = re.compile(rf" (?:{_stem_regex(body)}){tail}")
    except re.error as error:
        raise _bad(path, f"{where} is not a valid regular expression ({error})") from None
    ordinary = " please send us information about your services "
    for regex in (plain, stemmed):
        if regex.search(" ") or (signal and (regex.search(ordinary) or regex.search(_stems(ordinary)))):
            raise _bad(path, f"{where} matches ordinary text, so it would find something in every enquiry")
    return _Words(plain, stemmed)


@functools.lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


def _stems(folded: str) -> str:
    return " " + " ".join(_stem(word) for word in folded.split()) + " "


def _rule(path: Path, rule: object, signals: dict) -> _Rule:
    if not isinstance(rule, list) or not rule or not all(isinstance(name, str) for name in rule):
        raise _bad(path, f"rule {rule!r} must list signals defined under 'signals'")
    needs = tuple(name for name in rule if not name.startswith("not "))
    unless = tuple(name[4:].strip() for name in rule if name.startswith("not "))
    if not needs or any(name not in signals for name in needs + unless):
        raise _bad(path, f"rule {rule!r} must list signals defined under 'signals' (and 'not <signal>')")
    return _Rule(needs, unless)


def _spellings(path: Path, data: object) -> dict[str, str]:
    if data is None:
        return {}
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise _bad(path, "'spellings' must map a word as people write it to the word it means (quote both)")
    return {_fold(k).strip(): _fold(v).strip() for k, v in data.items()}


@functools.lru_cache(maxsize=4)
def load_model(path: Path = MODEL_FILE) -> _Model:
    """The curated model, compiled. Raises ``ValueError`` naming the file when it is malformed."""
    try:
        data = load_yaml(Path(path).read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise _bad(path, f"not valid YAML: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("signals"), dict):
        raise _bad(path, "must be a mapping with 'signals', 'rules', 'set_aside', 'set_aside_always', "
                         "'happening', 'resolved', 'negation' and 'spellings' (and optionally 'made_up')")
    signals = {}
    for name, entry in data["signals"].items():
        if not isinstance(entry, dict) or not isinstance(entry.get("shows"), str):
            raise _bad(path, f"signal {name!r} needs 'shows' (words for staff) and 'words'")
        signals[str(name)] = (entry["shows"], _compile(path, f"signal {name!r}", entry.get("words"), signal=True))
    rules = data.get("rules")
    if not isinstance(rules, list) or not rules:
        raise _bad(path, "'rules' must be a list of lists of signal names")
    return _Model(signals, tuple(_rule(path, rule, signals) for rule in rules),
                  _compile(path, "'set_aside'", data.get("set_aside")),
                  _compile(path, "'set_aside_always'", data.get("set_aside_always")),
                  _compile(path, "'happening'", data.get("happening")),
                  _compile(path, "'not_hypothetical'", data.get("not_hypothetical")),
                  _compile(path, "'resolved'", data.get("resolved")),
                  _compile(path, "'made_up'", data["made_up"]) if "made_up" in data else None,
                  _compile(path, "'negation'", data.get("negation"), tail=" $"),
                  _spellings(path, data.get("spellings")))


def _read(text: str, model: _Model | None = None) -> str:
    """Folded as for the phrases, apostrophes dropped ("he's" reads as "hes"), ages in brackets,
    sums of money and the model's spellings read as words."""
    text = _MONEY.sub(lambda m: f" {m.group(1)}{m.group(2) or ''} pounds ", _AGE_IN_BRACKETS.sub(r" aged \1 ", text))
    words = _fold(text).replace("'", "").split()
    if model is not None and model.spellings:
        words = [model.spellings.get(word, word) for word in words]
    return " " + " ".join(words) + " "


def _reading(text: str, model: _Model) -> _Reading:
    folded = _read(text, model)
    return _Reading(folded, _stems(folded))


def sentences_kept(text: str, model: _Model | None = None) -> list[str]:
    """The sentences of ``text`` that are not set aside: the past, a what-if or a request for
    information, unless happening now; what is about the organisation itself, always; every
    sentence when the enquiry is made up or school work (a story, an essay) and does not say it
    is real; and every sentence when the enquiry says it is over and nothing in it is happening
    now."""
    model = model or load_model()
    readings = [(sentence, _reading(sentence, model)) for sentence in _SENTENCE.split(text)]
    readings = [(sentence, reading) for sentence, reading in readings if reading.folded.strip()]
    now = [model.happening.search(reading) for _, reading in readings]
    if any(model.resolved.search(reading) for _, reading in readings) and not any(now):
        return []
    real = any(model.not_hypothetical.search(reading) for _, reading in readings)
    if model.made_up and not real and any(model.made_up.search(reading) for _, reading in readings):
        return []
    if real:
        now = [True] * len(readings)
    kept = []
    for (sentence, reading), happening in zip(readings, now, strict=True):
        if model.set_aside_always.search(reading):
            continue
        if model.set_aside.search(reading) and not happening:
            continue
        kept.append(sentence)
    return kept


def assess(*texts: str | None, model: _Model | None = None) -> Assessment:
    """Is the enquiry (its ``texts``: name, organisation, message) urgent, and why."""
    model = model or load_model()
    reasons: list[str] = []
    found: set[str] = set()
    for text in texts:
        if not text:
            continue
        kept = sentences_kept(text, model)
        for phrase in matches(*kept):
            if phrase not in reasons:
                reasons.append(phrase)
        folded = " ".join(_read(sentence, model) for sentence in kept)
        reading = _Reading(folded, _stems(folded))
        found |= {name for name, (_, words) in model.signals.items() if words.found(reading, model.negation)}
    for rule in model.rules:
        if all(name in found for name in rule.needs) and not any(name in found for name in rule.unless):
            reason = " + ".join(model.signals[name][0] for name in rule.needs)
            if reason not in reasons:
                reasons.append(reason)
    return Assessment(bool(reasons), reasons)
