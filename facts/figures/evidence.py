"""Checks that make every served figure provable from its source and unambiguous in its series.

- :func:`quote_shows_display`: does the source's own sentence (``quote``) contain
  the curated ``display``? Numbers are compared as the source spells them:
  "9 per cent" and "six per cent" show "9%" and "6%", "12,925" shows "12,925",
  "OFCOM" shows "Ofcom". Nothing is rounded or computed.
- :func:`evidence_problems`: the curated set's rules beyond one record: a
  verified or secondary figure carries a quote that shows its display, and a
  series has at most one current figure for any one period.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from facts.figures.model import SERVABLE, Fact

_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
}
_WORD = re.compile(r"\b(" + "|".join(_WORDS) + r")\b")
_PERCENT = re.compile(r"\s*(?:per\s*cent|percent)\b")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:\s*%)?")


def _normal(text: str) -> str:
    text = text.lower().replace("\u00a0", " ").replace("\u2009", " ")
    text = _PERCENT.sub("%", text)
    text = _WORD.sub(lambda m: str(_WORDS[m.group(1)]), text)
    return _THOUSANDS.sub("", text)


def _numbers(text: str) -> list[str]:
    return [re.sub(r"\s+", "", n) for n in _NUMBER.findall(_normal(text))]


def quote_shows_display(display: str, quote: str) -> bool:
    """True when ``quote`` contains ``display`` as the source spells it.

    A display with numbers: each number (with its ``%`` when it has one)
    appears among the quote's numbers, spelled as digits, with thousands
    commas, or in words up to "hundred" ("six per cent"). A display without
    numbers ("almost half", "Ofcom"): its words appear in the quote, ignoring
    case and spacing.
    """
    wanted = _numbers(display)
    if not wanted:
        squash = lambda s: " ".join(_normal(s).split())  # noqa: E731
        return squash(display) in squash(quote)
    have = _numbers(quote)
    return all(number in have for number in wanted)


@dataclass(frozen=True)
class EvidenceProblem:
    """One figure breaking a rule of the curated set: which figure, which field, what."""

    fact: Fact
    field: str
    message: str


def period_key(fact: Fact) -> tuple:
    """What "the same period" means within a series: the same start and end, or the same
    label when the source gives no dates."""
    if fact.period.start or fact.period.end:
        return (fact.period.start, fact.period.end)
    return (fact.period.label.lower(),)


def evidence_problems(facts: Iterable[Fact]) -> list[EvidenceProblem]:
    """Problems with the evidence in ``facts`` (empty when every rule holds):

    - ``quote``: a verified or secondary figure has no quote, or its quote does
      not show its display (see :func:`quote_shows_display`);
    - ``series``: two current figures (servable, not historical) share a
      series and a period; each after the first is named, with the first.
    """
    facts = list(facts)
    problems: list[EvidenceProblem] = []
    for fact in facts:
        if fact.status not in SERVABLE:
            continue
        if not fact.quote:
            problems.append(EvidenceProblem(fact, "quote", "a verified or secondary figure needs the source's own "
                                            "sentence as its quote"))
        elif not quote_shows_display(fact.display, fact.quote):
            problems.append(EvidenceProblem(fact, "quote", f"does not contain the display {fact.display!r} "
                                            "(as the source spells it)"))
    seen: dict[tuple, Fact] = {}
    for fact in facts:
        if not fact.series or not fact.current:
            continue
        key = (fact.series, *period_key(fact))
        if key in seen:
            problems.append(EvidenceProblem(fact, "series", f"{fact.series!r} already has a current figure for "
                                            f"{fact.period.label} ({seen[key].id}); supersede one or mark it historical"))
        else:
            seen[key] = fact
    return problems

