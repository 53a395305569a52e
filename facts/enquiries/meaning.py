"""Urgent triage by meaning: who + what + when, read from ``facts/triage_model.yaml``.

:func:`assess` is what intake uses. It cuts an enquiry into sentences, sets aside those that
only talk about the past, a what-if or a request for information (unless they also say it is
happening now), and in the rest looks for the curated phrases (``facts.enquiries.triage``) and
the model's signals (an adult, contact or a meeting, sexual messages or images, gifts, secrecy,
threats, harm, a missing child, self-harm, now or soon, a child's age). It is urgent when a
phrase is found or a rule's signals all are; ``reasons`` say why in words for staff ("an adult
or someone older + contact or a meeting + now or soon"). Pure: the file is read once.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from facts.enquiries.triage import _fold, matches

MODEL_FILE = Path(__file__).parent.parent / "triage_model.yaml"
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True)
class Assessment:
    """``urgent`` and the ``reasons`` shown to staff (phrases found, then rules met), in order."""

    urgent: bool
    reasons: list[str]


@dataclass(frozen=True)
class _Model:
    signals: dict[str, tuple[str, re.Pattern[str]]]
    rules: tuple[tuple[str, ...], ...]
    set_aside: re.Pattern[str]
    set_aside_always: re.Pattern[str]
    happening: re.Pattern[str]


def _bad(path: Path, why: str) -> ValueError:
    return ValueError(f"{path}: {why}")


def _compile(path: Path, where: str, lines: object, *, signal: bool = False) -> re.Pattern[str]:
    if not isinstance(lines, list) or not lines:
        raise _bad(path, f"{where} must be a non-empty list of regular expressions")
    for line in lines:
        if not isinstance(line, str) or not line.strip():
            # The usual cause: "(?: x)" holds ": ", which YAML reads as a mapping. Write "(?:[ ]x)".
            raise _bad(path, f"{where} has an entry that is not a regular expression ({line!r}); "
                             "write (?:[ ]x) for (?: x), since YAML reads ': ' as a mapping")
    body = "|".join(f"(?:{line.strip()})" for line in lines)
    try:
        regex = re.compile(rf" (?:{body})(?= )")
    except re.error as error:
        raise _bad(path, f"{where} is not a valid regular expression ({error})") from None
    if regex.search(" ") or (signal and regex.search(" please send us information about your services ")):
        raise _bad(path, f"{where} matches ordinary text, so it would find something in every enquiry")
    return regex


@functools.lru_cache(maxsize=4)
def load_model(path: Path = MODEL_FILE) -> _Model:
    """The curated model, compiled. Raises ``ValueError`` naming the file when it is malformed."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise _bad(path, f"not valid YAML: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("signals"), dict):
        raise _bad(path, "must be a mapping with 'signals', 'rules', 'set_aside', 'set_aside_always' and 'happening'")
    signals = {}
    for name, entry in data["signals"].items():
        if not isinstance(entry, dict) or not isinstance(entry.get("shows"), str):
            raise _bad(path, f"signal {name!r} needs 'shows' (words for staff) and 'words'")
        signals[str(name)] = (entry["shows"], _compile(path, f"signal {name!r}", entry.get("words"), signal=True))
    rules = data.get("rules")
    if not isinstance(rules, list) or not rules:
        raise _bad(path, "'rules' must be a list of lists of signal names")
    for rule in rules:
        if not isinstance(rule, list) or not rule or any(name not in signals for name in rule):
            raise _bad(path, f"rule {rule!r} must list signals defined under 'signals'")
    return _Model(signals, tuple(tuple(rule) for rule in rules), _compile(path, "'set_aside'", data.get("set_aside")),
                  _compile(path, "'set_aside_always'", data.get("set_aside_always")),
                  _compile(path, "'happening'", data.get("happening")))


def _read(text: str) -> str:
    """Folded as for the phrases, with apostrophes dropped ("he's" reads as "hes")."""
    return " " + " ".join(_fold(text).replace("'", "").split()) + " "


def sentences_kept(text: str, model: _Model | None = None) -> list[str]:
    """The sentences of ``text`` that are not set aside: the past, a what-if or a request for
    information, unless happening now; and what is about the organisation itself, always."""
    model = model or load_model()
    kept = []
    for sentence in _SENTENCE.split(text):
        folded = _read(sentence)
        if not folded.strip():
            continue
        if model.set_aside_always.search(folded):
            continue
        if model.set_aside.search(folded) and not model.happening.search(folded):
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
        folded = " ".join(_read(sentence) for sentence in kept)
        found |= {name for name, (_, regex) in model.signals.items() if regex.search(folded)}
    for rule in model.rules:
        if all(name in found for name in rule):
            reason = " + ".join(model.signals[name][0] for name in rule)
            if reason not in reasons:
                reasons.append(reason)
    return Assessment(bool(reasons), reasons)
