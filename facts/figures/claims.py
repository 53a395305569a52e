"""Finding the numbers in a draft, and what kind of number each one is.

:func:`find_numbers` reads plain text (a press release, a post, a line of
news copy) and returns every number in it as a :class:`Number`: its span in
the text as written ("almost 34,000", "Four in five", "£18m", "doubled",
"26 October 2023"), what kind of quantity it is (a count, a share, a rise, a
multiple, money, a date, an age, a rate, a count of police forces), its
value as written (never rounded or recomputed), how the writer hedged it
("almost", "more than"), the sentence it sits in, and whether it is a *claim*
at all. Phone numbers, times, list numbering, versions, addresses, age ranges,
durations and the dates of events are found too but marked ``claim=False``,
with the reason, so a caller can leave them alone.

The same reader is used on the curated claims themselves, so a draft's
"almost 120 a week" and a figure's "almost 120 a week" are read alike.
Plain Python, no I/O.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["count", "share", "rise", "multiple", "money", "date", "age", "rate", "forces", "interval", "other"]
#: How a writer hedged a number: exact, or the direction of the hedge.
Hedge = Literal["exact", "about", "over", "under"]

_WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}
_FRACTIONS = {
    "half": 50.0, "a half": 50.0, "a third": 100 / 3, "one third": 100 / 3, "third": 100 / 3,
    "two-thirds": 200 / 3, "two thirds": 200 / 3, "a quarter": 25.0, "one quarter": 25.0,
    "three-quarters": 75.0, "three quarters": 75.0, "a fifth": 20.0, "one fifth": 20.0,
    "two-fifths": 40.0, "a tenth": 10.0,
}
_MONTHS = {m.lower(): i for i, m in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December"], start=1)}
_MONTHS.update({k[:3]: v for k, v in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)"

_HEDGES: list[tuple[str, Hedge]] = [
    (r"just\s+under|nearly|almost|close\s+to|fewer\s+than|less\s+than|under|up\s+to|below", "under"),
    (r"more\s+than|over|at\s+least|just\s+over|above|in\s+excess\s+of", "over"),
    (r"around|about|some|approximately|roughly|an\s+estimated|c\.", "about"),
]
_HEDGE = r"(?:(?:just\s+under|nearly|almost|close\s+to|fewer\s+than|less\s+than|more\s+than|just\s+over|at\s+least|in\s+excess\s+of|around|about|some|approximately|roughly|over|under|above|below)\s+)"

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
#: Thousands split by a space ("7 263"), only where no other digit follows or precedes.
_SPACED = r"(?<!\d)(?<!\d )\d{1,3}(?: \d{3})+(?!\d|[,.]\d|\s\d)"
_WORDNUM = r"(?:one|two|three|four|five|six|seven|eight|nine|ten)"
_LAW_WORDS = re.compile(
    r"came\s+into\s+force|comes?\s+into\s+force|came\s+in\b|in\s+force|introduced|royal\s+assent|became\s+law|"
    r"legal\s+duty|commenced|enacted|duty\s+to|law\s+(?:change|came)|new\s+law|the\s+law\b|"
    r"appl(?:y|ies|ied)\s+from|t(?:ook|akes?)\s+effect|duties\s+from|offence\s+appl(?:y|ies)|commits?\s+an\s+offence|"
    r"bec(?:ame|omes?)\s+(?:an?\s+)?(?:criminal\s+)?(?:offence|crime|illegal)",
    re.I)

#: Nouns that make a small bare number a count someone is claiming.
_MEASURE_NOUNS = (
    "offence", "crime", "case", "instance", "force", "app", "platform", "child", "kid", "victim",
    "session", "report", "webpage", "girl", "boy", "teen", "time", "incident", "site", "website",
    "game", "young", "counselling", "grooming", "online", "sexual", "different", "recorded",
    "contact", "image", "page", "referral", "call", "arrest", "charge", "prosecution",
)
#: Words before a number that make it a label, not a quantity ("Page 5", "Stand 12").
_LABEL_WORDS = frozenset({
    "page", "stand", "room", "year", "section", "schedule", "draft", "day", "version", "v", "part",
    "chapter", "clause", "paragraph", "item", "step", "table", "figure", "annex", "appendix",
    "no", "number", "floor", "flat", "unit", "level", "phase", "slide", "point", "question", "tip",
    "episode", "series", "week", "round", "act",
})
_STREET = re.compile(r"^\s+(?:[A-Z][a-z]+\s+){1,3}(?:Road|Street|Lane|Avenue|Place|Square|Way|Row|Close|Court|Drive|Gardens|Hill|Terrace)\b")


@dataclass(frozen=True)
class Number:
    """One number in a text.

    ``start``/``end`` index ``text`` (the whole text given to
    :func:`find_numbers`); ``span`` is the number as written, hedge included.
    ``value``: the quantity as written (a share in percentage points, money
    in units of ``currency``, a date as ``dt.date`` with ``precision``).
    ``claim`` is False for phone numbers, times, dates of events, list
    numbering and the like (``why`` says which).
    """

    start: int
    end: int
    span: str
    kind: Kind
    value: float | dt.date | None
    hedge: Hedge = "exact"
    claim: bool = True
    why: str = ""
    currency: str = ""
    precision: str = ""  # for dates: "day", "month" or "year"
    rate: str = ""  # for rates: "week", "day", "year"
    sentence: tuple[int, int] = (0, 0)
    approximate: bool = False  # written as a ratio or fraction ("1 in 5", "a third")
    extra: dict = field(default_factory=dict, compare=False, hash=False)


# -- sentences -----------------------------------------------------------------

#: A sentence ends at . ! or ? (with any closing quote or bracket after it: 'said: "… better."
#: Where …') before a capital, after ! or ? before anything, and at a new line. An emoji ending
#: a social post's sentence ("… and Kent 😔 From April 2017 …") ends it too.
_CLOSE = "\"'”’)\\]"
_STARTS = "A-Z0-9\"'‘“(£€#•"
_SENTENCE_END = re.compile(
    rf"(?:(?<=[.!?])|(?<=[.!?][{_CLOSE}])|(?<=[.!?][{_CLOSE}][{_CLOSE}]))\s+(?=[{_STARTS}])"
    rf"|(?:(?<=[!?])|(?<=[!?][{_CLOSE}]))\s+"
    rf"|(?<=[\U0001F300-\U0001FAFF\u2600-\u27BF])\ufe0f?\s+(?=[{_STARTS}])"
    r"|\n+")


def sentences(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence in ``text`` (split at ``. `` before a capital, and at newlines)."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        # "No. 5", "c. 2020" or "e.g. Instagram" is not an end; a list "1. West Midlands" is handled by numbering.
        if re.search(r"\b(?:No|c|v|vs|St|Dr|Mr|Mrs|Ms|Prof|e\.g|i\.e)\.$", text[start:match.start()]):
            continue
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


# -- the patterns, most specific first -----------------------------------------

def _p(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("email", _p(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    ("url", _p(r"\b(?:https?://|www\.)\S+|\b[\w-]+\.(?:org|co|com|gov|uk)(?:\.uk)?\b\S*")),
    ("phone", _p(r"(?<![\d,])(?:\+44\s?|0)\d{2,4}(?:[ -]?\d{3,4}){1,2}(?!\d|,\d)")),
    ("phone", _p(r"(?<=\b(?:call|dial|ring|text)\s)(?:the\s+police\s+on\s+)?(?:999|112|111|101|116\s?123)\b|\b(?:999|112|116\s?123)(?=\s+(?:straight|now|immediately))|(?<=\bon\s)(?:999|112|111|101)\b")),
    # An emergency or helpline number offered in a sentence about calling ("… 0808 800 5000, or 999
    # in an emergency"): :func:`_read_service_number` says whether it is one.
    ("service_number", _p(r"(?<![\d,.])\b(?:999|112|111|101|116\s?123)\b(?![\d%]|[,.]\d)")),
    ("time", _p(r"\b\d{1,2}(?:[:.]\d{2})?\s?(?:am|pm)\b|\b\d{1,2}:\d{2}\b")),
    ("money", _p(rf"{_HEDGE}?[£€$]\s?(?:{_NUM})\s?(?:million|billion|bn|m|k)?\b")),
    ("date_dmy", _p(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\.?(?:\s+\d{{4}})?\b")),
    ("date_mdy", _p(rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b")),
    ("date_my", _p(rf"\b{_MONTH}\s+\d{{4}}\b")),
    ("fy", _p(r"\b(?:19|20)\d{2}\s?[/-]\s?(?:\d{2}|(?:19|20)\d{2})\b")),
    # Any other year written as a financial year ("1850/51", "3024/25"): a period, never a count.
    ("fy_other", _p(r"\b[1-9]\d{3}\s?/\s?\d{2}(?!\d)")),
    ("numbering", _p(r"(?:(?<=^)|(?<=[:;]\s)|(?<=\s))\(\d{1,2}\)|\b\d{1,2}/\d{1,2}\b|\bv\d+\b|\b\d{1,2}\s+of\s+\d{1,2}\b(?!\s+(?:police|forces|uk|welsh|english))")),
    ("numbering", _p(r"(?:(?<=^)|(?<=[:;,]\s)|(?<=\n))\d{1,2}\)(?=\s)")),
    ("word_forces", _p(rf"\b{_WORDNUM}(?=\s+(?:uk\s+|welsh\s+|english\s+|scottish\s+)?(?:police\s+)?forces\b)")),
    ("forces_of", _p(r"\b\d{1,2}\s+of\s+(?:the\s+)?\d{1,2}(?=\s+(?:uk\s+|welsh\s+|english\s+)?(?:police\s+)?forces)")),
    ("word_rate", _p(rf"(?:(?:about|around|almost|nearly|over|more\s+than)\s+)?\b{_WORDNUM}(?=\s+(?:[a-z]+\s+){{0,3}}?(?:a|per|every|each)\s+(?:single\s+)?(?:week|day)\b)")),
    ("share", _p(rf"{_HEDGE}?(?:\+\s?)?(?:{_NUM})\s?(?:%|per\s?cent|percent)")),
    ("ratio", _p(rf"{_HEDGE}?\b(?:\d+|{_WORDNUM})\s+(?:in|out\s+of)\s+(?:\d+|{_WORDNUM})\b(?!\s*(?:per\s?cent|%))")),
    ("fraction", _p(r"(?:(?:just\s+over|just\s+under|more\s+than|over|almost|nearly|around|about|some|roughly|under|less\s+than)\s+)?"
                    r"\b(?:two-thirds|two\s+thirds|three-quarters|three\s+quarters|two-fifths|a\s+third|one\s+third|a\s+quarter|one\s+quarter|a\s+fifth|one\s+fifth|a\s+tenth|half)\b(?!-)")),
    ("multiple", _p(r"(?:(?:almost|nearly|more\s+than|over|around|about|roughly|just\s+over|just\s+under)\s+)?"
                    r"\b(?:doubled|double|doubling|tripled|triple|trebled|treble|twice|three\s+times|quadrupled)\b")),
    ("range", _p(r"\b\d{1,2}-?\s?(?:to|-|–)\s?\d{1,2}[- ]years?[- ]olds?\b")),
    ("age", _p(r"\b(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen)[- ]years?[- ]old\b")),
    ("range", _p(r"\b\d{1,2}\s?(?:to|-|–)\s?\d{1,2}(?:[- ]years?[- ]olds?)?\b")),
    ("under_age", _p(r"\bunder[- ]\d{1,2}s?\b")),
    # "7 263" (thousands split by a space), "7.3k"; a decimal is never cut short ("7.3k" is not 7).
    ("count", _p(rf"{_HEDGE}?(?<![\w.])(?:{_SPACED}|{_NUM})(?:\s?(?:million|billion|thousand)|k\b)?(?![\w%]|\.\d)")),
]


def find_numbers(text: str, *, dates_are_claims: bool = False) -> list[Number]:
    """Every number in ``text`` (plain text; Slack markup already removed), in order.

    A date is a claim only where the words around it say a law came into
    force on it, unless ``dates_are_claims`` (used for a curated figure's
    ``display``, which is the date itself). Never raises; ``""`` gives ``[]``.
    """
    taken = [False] * len(text)
    found: list[Number] = []
    bounds = sentences(text)
    for name, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.start(), match.end()
            if any(taken[start:end]):
                continue
            number = _read(name, match, text, bounds, dates_are_claims)
            if number is None:
                continue
            for i in range(number.start, number.end):
                taken[i] = True
            found.append(number)
    found.sort(key=lambda n: n.start)
    return found


def _sentence_of(bounds: list[tuple[int, int]], position: int) -> tuple[int, int]:
    for start, end in bounds:
        if start <= position < end:
            return (start, end)
    return bounds[-1] if bounds else (0, 0)


def _hedge_of(span: str) -> Hedge:
    lowered = span.lower().strip()
    for pattern, hedge in _HEDGES:
        if re.match(rf"(?:{pattern})\b", lowered):
            return hedge
    return "exact"


def _digits(span: str) -> float:
    match = re.search(_NUM, span)
    return float(match.group(0).replace(",", "")) if match else 0.0


@dataclass(frozen=True)
class _At:
    """A pattern's match in its sentence, as the readers below see it."""

    name: str
    match: re.Match[str]
    text: str
    sentence: tuple[int, int]
    dates_are_claims: bool

    @property
    def start(self) -> int:
        return self.match.start()

    @property
    def end(self) -> int:
        return self.match.end()

    @property
    def span(self) -> str:
        return self.match.group(0)

    @property
    def before(self) -> str:
        return self.text[self.sentence[0]:self.start]

    @property
    def after(self) -> str:
        return self.text[self.end:self.sentence[1]]

    @property
    def hedge(self) -> Hedge:
        return _hedge_of(self.span)

    def make(self, kind: Kind, value: float | dt.date | None, **kw) -> Number:
        return Number(self.start, self.end, self.span, kind, value, kw.pop("hedge", self.hedge), sentence=self.sentence,
                      **kw)

    def not_claim(self, why: str) -> Number:
        return Number(self.start, self.end, self.span, "other", None, claim=False, why=why, sentence=self.sentence)


def _read(name: str, match: re.Match[str], text: str, bounds: list[tuple[int, int]],
          dates_are_claims: bool = False) -> Number | None:
    """The :class:`Number` a pattern's match is (``None``: not a number after all)."""
    return _READERS[name](_At(name, match, text, _sentence_of(bounds, match.start()), dates_are_claims))


def _not_claims(why: str):
    return lambda at: at.not_claim(why)


def _read_money(at: _At) -> Number:
    value = _digits(at.span)
    scale = re.search(r"(million|billion|bn|m|k)\s*$", at.span, re.I)
    if scale:
        value *= {"million": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9, "k": 1e3}[scale.group(1).lower()]
    currency = re.search(r"[£€$]", at.span).group(0)  # type: ignore[union-attr]
    return at.make("money", value, currency=currency)


def _read_other_fy(at: _At) -> Number | None:
    """"1850/51": a period when the second year follows the first, else not a number after all."""
    first, second = (int(part) for part in re.findall(r"\d+", at.span))
    return at.not_claim("period") if second == (first + 1) % 100 else None


def _read_date(at: _At) -> Number:
    return _date(at.name, at.span, at.start, at.end, at.text, at.sentence, at.before, at.after, at.dates_are_claims)


def _read_word_rate(at: _At) -> Number:
    word = re.findall(_WORDNUM, at.span, re.I)[-1].lower()
    unit = re.match(r"\s*(?:[a-z]+\s+){0,3}?(?:a|per|every|each)\s+(?:single\s+)?(week|day)", at.after, re.I)
    return at.make("rate", float(_WORD_NUMBERS[word]), rate=unit.group(1).lower() if unit else "")


def _read_share(at: _At) -> Number:
    return at.make("rise" if _is_rise(at.before, at.after, at.span) else "share", _digits(at.span))


def _read_ratio(at: _At) -> Number | None:
    parts = re.findall(rf"\d+|{_WORDNUM}", re.sub(_HEDGE, "", at.span, flags=re.I), re.I)
    top, bottom = (_as_int(p) for p in parts[:2])
    if not bottom or top > bottom or re.search(r"\b(?:out\s+of|in)\s+\d+\s*$", at.span) and bottom > 100:
        return None
    if re.match(r"\s*(?:forces|police)", at.after, re.I):
        return None
    return at.make("share", 100.0 * top / bottom, approximate=True)


def _read_fraction(at: _At) -> Number | None:
    word = re.sub(r"^(?:just\s+over|just\s+under|more\s+than|over|almost|nearly|around|about|some|roughly|under|less\s+than)\s+",
                  "", at.span.lower()).strip()
    word = re.sub(r"\s+", " ", word)
    fraction = _FRACTIONS.get(word) or _FRACTIONS.get(word.replace(" ", "-"))
    if fraction is None:
        return None
    if re.match(r"\s*(?:years?|months?|weeks?|days?|hours?|minutes?)\b", at.after, re.I):
        return at.not_claim("duration")  # "two and a half years"
    rise = re.search(r"\b(?:rose|risen|rise|up|increased?|grew|fell|fallen|down)\s+(?:by\s+)?$", at.before, re.I)
    return at.make("rise" if rise else "share", fraction, approximate=True)


def _read_multiple(at: _At) -> Number:
    word = at.span.lower()
    times = 3.0 if re.search(r"trip|treb|three", word) else 4.0 if "quadr" in word else 2.0
    return at.make("multiple", times, approximate=True)


def _read_age(at: _At) -> Number:
    words = re.match(r"[a-z0-9]+", at.span.lower()).group(0)  # type: ignore[union-attr]
    return at.make("age", float(words) if words.isdigit() else float(_AGE_WORDS.get(words, 0)))


def _read_under_age(at: _At) -> Number:
    if re.search(r"-\d{1,2}s\b", at.span) or (re.search(r"\baged\s*$", at.before, re.I) and _digits(at.span) < 16) or \
            re.search(r"\b(?:children|victims?|girls|boys|pupils|kids|were|was)\s+(?:all\s+)?$", at.before, re.I):
        return at.not_claim("age group")  # "under-11s": a group of children, not a claim
    return at.make("age", _digits(at.span), hedge="under", extra={"eligibility": True})


#: Words that make a sentence about calling someone, not about counting.
_CALLING = re.compile(r"\b(?:call(?:ing)?|dial(?:ling)?|ring(?:ing)?|phone|text|contact|emergency|helpline|childline|"
                      r"police\s+on)\b", re.I)


def _read_service_number(at: _At) -> Number | None:
    """999, 111, 101, 112 or 116 123 in a sentence about calling is a number to call, not a count
    ("call 0808 800 5000, or 999 in an emergency"); a count of something ("999 offences", "999
    calls") is read as usual."""
    if at.hedge != "exact" or not _CALLING.search(at.text[at.sentence[0]:at.sentence[1]]):
        return None
    next_word = (re.findall(r"[A-Za-z]+", at.after[:30]) or [""])[0].lower()
    if next_word in {"in", "if", "for", "or", "and", "now", "straight", "immediately", "to", "when", ""} \
            or not next_word.endswith("s"):
        return at.not_claim("phone number")
    return None


_READERS: dict[str, Callable[[_At], Number | None]] = {
    "service_number": _read_service_number,
    "email": _not_claims("email"), "url": _not_claims("url"), "phone": _not_claims("phone number"),
    "time": _not_claims("time of day"), "money": _read_money,
    "date_dmy": _read_date, "date_mdy": _read_date, "date_my": _read_date,
    "fy": _not_claims("period"), "fy_other": _read_other_fy,
    "numbering": _not_claims("list numbering"), "range": _not_claims("age range or range"),
    "forces_of": lambda at: at.make("forces", _digits(at.span)),
    "word_forces": lambda at: at.make("forces", float(_WORD_NUMBERS[at.span.lower()])),
    "word_rate": _read_word_rate, "share": _read_share, "ratio": _read_ratio, "fraction": _read_fraction,
    "multiple": _read_multiple, "age": _read_age, "under_age": _read_under_age, "count": lambda at: _count(at),
}


_AGE_WORDS = {**_WORD_NUMBERS, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17}


def _as_int(token: str) -> int:
    token = token.lower()
    return int(token) if token.isdigit() else _WORD_NUMBERS.get(token, 0)


def _is_rise(before: str, after: str, span: str) -> bool:
    if span.strip().startswith("+"):
        return True
    if re.search(r"\b(?:mak(?:e|es|ing)|made|took|take|takes|taking|account(?:ed|s)?\s+for)\s+up\s+$", before, re.I):
        return False
    if re.search(r"\b(?:doubled|tripled|trebled|rose|risen|increased|grew|jumped|fell|fallen|dropped|soared)\s*\(\s*$", before, re.I):
        return True  # "almost doubled (99%)": the bracket gives the rise
    if re.search(r"\b(?:up|rise|rose|risen|increase|increased|grew|growth|jump(?:ed)?|higher|fell|fall|fallen|down|drop(?:ped)?|decrease)\s+(?:by\s+|of\s+)?(?:some\s+|around\s+|about\s+|almost\s+|nearly\s+|more\s+than\s+|over\s+)?$",
                 before, re.I):
        return True
    return bool(re.match(r"\s*(?:rise|increase|higher|more\b|up\b|jump|fall|decrease|lower|fewer\b)", after, re.I))


def _date(name: str, span: str, start: int, end: int, text: str, sentence: tuple[int, int],
          before: str, after: str, always: bool = False) -> Number:
    month_match = re.search(_MONTH, span, re.I)
    month = _MONTHS.get(month_match.group(0).lower().rstrip("."), 0) if month_match else 0
    year_match = re.search(r"\d{4}", span)
    day_match = re.match(r"\s*(\d{1,2})", span) if name == "date_dmy" else re.search(r"\s(\d{1,2})(?:st|nd|rd|th)?,?\s", span)
    year = int(year_match.group(0)) if year_match else 0
    value: dt.date | None = None
    precision = ""
    try:
        if year and day_match:
            value, precision = dt.date(year, month, int(day_match.group(1))), "day"
        elif year:
            value, precision = dt.date(year, month, 1), "month"
    except ValueError:
        value = None
    prev = (re.findall(r"[A-Za-z]+", before[-12:]) or [""])[-1].lower()
    if value is None or not always and (prev not in {"on", "in", "since", "from", "of", "at"} or not _law_context(before, after)):
        return Number(start, end, span, "other", None, claim=False, why="date", sentence=sentence)
    return Number(start, end, span, "date", value, sentence=sentence, precision=precision)


def _law_context(before: str, after: str) -> bool:
    """A date is a claim only when the words around it say something came into force on it."""
    near_before = before[-60:]
    near_after = after[:60]
    if re.search(r"\b(?:until|by|on\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday))\s*$", near_before, re.I):
        return False
    if re.search(r"\bha(?:s|ve)\s+had\s+(?:\w+\s+){1,3}(?:offence|law)\b[^.;]*\bsince\s*$", before, re.I):
        return True  # "Scotland has had a similar offence ... since 2010"
    clause_before = re.split(r"[;.!?]|\bwhile\b|\band\s+(?=\d)", near_before)[-1]
    clause_after = re.split(r"[;.!?,]", near_after)[0]
    return bool(_LAW_WORDS.search(clause_before) or _LAW_WORDS.search(clause_after))


@dataclass(frozen=True)
class _Bare:
    """A bare number ("7,263", "44", "2017") in its sentence, with its value."""

    at: _At
    raw: str
    value: float

    def as_kind(self, kind: Kind, value: float | dt.date | None = None, **kw) -> Number:
        at = self.at
        return Number(at.start, at.end, at.span, kind, self.value if value is None else value, kw.pop("hedge", at.hedge),
                      sentence=at.sentence, **kw)

    @property
    def sentence_text(self) -> str:
        return self.at.text[self.at.sentence[0]:self.at.sentence[1]]


def _count(at: _At) -> Number | None:
    """A bare number: a count, or what the words around it make it (a label, list numbering, a
    duration, an age, a year, a change, a rate, a count of police forces), or not a claim."""
    digits = re.search(_NUM, at.span)
    if digits is None:
        return None
    spaced = re.search(_SPACED, at.span)
    raw = spaced.group(0) if spaced else digits.group(0)
    value = float(raw.replace(",", "").replace(" ", ""))
    if re.search(r"(?:thousand|\dk)\s*$", at.span, re.I):
        value *= 1000
    elif re.search(r"million\s*$", at.span, re.I):
        value *= 1e6
    if re.search(r"(?:^|[\s(])[-−]$", at.text[max(0, at.start - 2):at.start]) and at.hedge == "exact":
        # "-7,263": a minus is no count's (ranges and periods are read before this).
        return Number(at.start - 1, at.end, at.text[at.start - 1:at.end], "other", -value, why="a negative number",
                      sentence=at.sentence)
    bare = _Bare(at, raw, value)
    if value < 1 and "." in raw and re.match(r"\s+of\b", at.after, re.I):
        # "0.8 of victims": a proportion, read as the share it is (80%), never as a count.
        return bare.as_kind("share", 100.0 * value, approximate=True)
    for rule in _BARE_RULES:
        number = rule(bare)
        if number is not None:
            return number
    return bare.as_kind("count")


def _label_or_list(bare: _Bare) -> Number | None:
    """"15A", "Page 5", "Act 2003", "12 Smith Street", "1. Item" are not quantities."""
    at, before, after = bare.at, bare.at.before, bare.at.after
    prev_word = (re.findall(r"[A-Za-z]+", before[-20:]) or [""])[-1].lower()
    if re.search(r"\d[A-Za-z]", at.text[at.start:at.end + 2]) and not re.match(r"\s?(?:m|bn|k)\b", after) \
            and not re.search(r"\dk$", at.span, re.I):
        return at.not_claim("label")  # "15A", "4G"
    # "Last year 12,500 children …": a time phrase ends there, the number starts the claim.
    time_phrase = re.search(r"\b(?:last|this|next|that|each|every|per|a)\s+(?:year|week|day)\s*$", before, re.I)
    if prev_word in _LABEL_WORDS and re.search(rf"\b{prev_word}\.?\s*$", before, re.I) and not time_phrase \
            or re.search(r"\b(?:Act|Schedule|Section|No\.?)\s*$", before):
        return at.not_claim("label")
    if _STREET.match(after):
        return at.not_claim("address")
    # a numbered list: "1." at the start or after a colon, "2." before a capitalised item
    if re.match(r"\.(?:\s+[A-Z]|\s*$)", after) and bare.value < 20 and "." not in bare.raw and (
            not before.strip() or re.search(r"[:;.)]\s*$|\s$", before)) \
            and not re.search(r"\b(?:was|were|is|of|from|to)\s*$", before) \
            and not re.search(r"(?:offences|crimes|cases)\s*$", before):
        return at.not_claim("list numbering")
    return None


def _time_span(bare: _Bare) -> Number | None:
    """"a call every 25 seconds" and a legal deadline are claims; other durations are not."""
    at, before, after = bare.at, bare.at.before, bare.at.after
    unit = re.match(r"\s*(?:seconds?|minutes?|hours?|days?)\b", after, re.I)
    if unit and re.search(r"\bevery\s+$", before, re.I):
        return bare.as_kind("interval")  # "a call every 25 seconds"
    if unit and re.search(r"\bwithin\s+$", before, re.I) \
            and re.search(r"\b(?:requires?|required|must|duty|duties|law)\b", bare.sentence_text, re.I):
        return bare.as_kind("interval")  # a legal deadline
    if re.match(r"\s*(?:years?|months?|weeks?|days?|hours?|minutes?|seconds?)\b(?!\s*old)", after, re.I) and at.hedge == "exact":
        return at.not_claim("duration")
    return None


def _age(bare: _Bare) -> Number | None:
    """Ages: who a law covers and "the largest group" are claims; "children aged 12" is not."""
    at, before, after, value = bare.at, bare.at.before, bare.at.after, bare.value
    if re.search(r"\baged\s*$", before, re.I) and re.match(r"\s+or\s+(?:over|older)\b", after, re.I) \
            and _LAW_WORDS.search(bare.sentence_text):
        # "adults aged 18 or over commit an offence": who a law covers
        stop = at.end + re.match(r"\s+or\s+\w+", after).end()  # type: ignore[union-attr]
        return Number(at.start, stop, at.text[at.start:stop], "age", value, "over", sentence=at.sentence,
                      extra={"eligibility": True})
    if re.search(r"\baged\s*$", before, re.I) and re.match(
            r"\s+(?:were|was|are|is)\s+(?:the\s+)?(?:single\s+)?(?:largest|biggest|most\s+common|most\s+targeted)", after, re.I):
        return bare.as_kind("age")  # "girls aged 14 were the largest group"
    if re.search(r"\b(?:aged|age\s+of|turn|turns|over|under)\s*$", before, re.I) and value < 25 and at.hedge == "exact":
        return at.not_claim("age")
    if re.search(r"\baged\s+(?:under\s+)?$", before, re.I) or re.match(r"\s+or\s+(?:under|younger|older|over)", after, re.I):
        return at.not_claim("age")
    if value < 19 and "." not in bare.raw \
            and re.search(r"\b(?:victims?|child|children|girls?|boys?)\s+(?:was|were|is|are)\s*(?:aged\s*)?$", before, re.I):
        return bare.as_kind("age")
    return None


def _year(bare: _Bare) -> Number | None:
    """A year is not a claim, unless a law came into force in it."""
    at, before, after, value = bare.at, bare.at.before, bare.at.after, bare.value
    if not (1800 <= value <= 2099 and "," not in bare.raw and "." not in bare.raw):
        return None
    if not re.search(r"\b(?:founded|established|since|in|from|of|the|by|until|before|after)\s*$", before, re.I) \
            and re.match(r"\s*(?:offences|crimes|cases|children)", after, re.I):
        return None  # "2017 offences"
    if _law_context(before, after) and re.search(r"\b(?:in|since)\s*$", before, re.I):
        return bare.as_kind("date", dt.date(int(value), 1, 1), precision="year", hedge="exact")
    return at.not_claim("year")


def _change_or_rate(bare: _Bare) -> Number | None:
    """"a rise of 364", "364 more than the year before" (a change); "almost 120 a week" (a rate)."""
    before, after = bare.at.before, bare.at.after
    if re.search(r"\b(?:increase|rise|fall|drop|decrease|up|down)\s+(?:of|by)\s+$", before, re.I) \
            or re.match(r"\s+(?:more|fewer|less|higher|lower)\s+than\b", after, re.I):
        return bare.as_kind("other", why="a change in a count")
    rate = re.match(r"\s*(?:[a-z]+\s+){0,3}?(?:a|per|every|each)\s+(?:single\s+)?(week|day)\b", after, re.I)
    if rate:
        return bare.as_kind("rate", rate=rate.group(1).lower())
    return None


def _forces(bare: _Bare) -> Number | None:
    """"44 police forces", "41 of 44 forces", "received data from 44" (after naming police forces)."""
    before, after = bare.at.before, bare.at.after
    if re.match(r"\s*(?:(?:uk|welsh|english|scottish|of\s+(?:the\s+)?\d+)\s+)?(?:police\s+)?forces\b", after, re.I) \
            or re.match(r"\s+of\s+\d+\s+(?:police\s+)?forces", after, re.I) \
            or (bare.value < 100 and re.search(r"\bpolice\s+forces?\b.*\b(?:data|figures|responses?|answers?)\s+from\s+$", before, re.I)
                and not re.match(r"\s*[a-z]", after)):
        return bare.as_kind("forces")
    return None


def _small(bare: _Bare) -> Number | None:
    """A small number is a claim only with a measure ("12 apps"), a verb ("was 12"), a bracket or a hedge."""
    at, before, after = bare.at, bare.at.before, bare.at.after
    if bare.value >= 100 or "," in bare.raw:
        return None
    next_words = " ".join(re.findall(r"[A-Za-z]+", after[:40].lower())[:3])
    other = re.match(r"(?:top|questions?|speakers?|tips?|steps?|ways?|things?|minutes?|pages?)\b", next_words)
    measured = any(re.match(rf"(?:\w+\s+){{0,2}}{noun}", next_words) for noun in _MEASURE_NOUNS) and not other
    stated = (re.search(r"\b(?:from|with|was|were|is|are|of|just|only|than|by|to|totalled|reached)\s*$", before, re.I)
              or re.search(r"%\s+on\s*$", before)) and not other
    parenthetical = re.match(r"\s*\(\s*\d", after)
    if not (measured or stated or parenthetical or at.hedge != "exact"):
        return at.not_claim("small number with no measure")
    return None


_BARE_RULES: tuple[Callable[[_Bare], Number | None], ...] = (
    _label_or_list, _time_span, _age, _year, _change_or_rate, _forces, _small)
