"""Checking the figures in a draft against the curated figures.

:func:`check_text` finds every number in a draft (:mod:`facts.figures.claims`)
and gives each claim one verdict against the curated figures:

- ``matches``: a curated figure for the same measure, subject, geography and
  period says the same (hedges honoured: "over 7,000" for 7,263, "four in
  five" for 80%);
- ``differs``: a curated figure for that measure and period says something
  else (the figure to use is given);
- ``out_of_date``: it is a figure a newer release replaces, and the draft
  presents it as current ("latest", "now", "last year");
- ``missing_base_or_period``: the figure is right but the sentence drops what
  a share is of, or when;
- ``known_misquote``: a wording curators have marked wrong;
- ``no_figure``: nothing curated is about it; never a guess.

Numbers that are not claims (phone numbers, times, list numbering, dates of
events, age ranges) get ``not_a_claim`` and are left out of answers.

Nothing is computed from a figure: values are compared as written, and a
corrected sentence only puts the curated wording in place of the draft's.
Plain Python, no I/O; the facts are passed in.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from facts.figures.claims import Number, find_numbers
from facts.figures.model import Fact
from facts.figures.periods import Span, find_periods, same_end
from facts.text import slack_to_plain

Verdict = Literal["matches", "differs", "out_of_date", "missing_base_or_period", "known_misquote",
                  "no_figure", "not_a_claim"]

#: Verdicts in the order answers list their meaning.
VERDICTS: tuple[str, ...] = ("matches", "differs", "out_of_date", "missing_base_or_period", "known_misquote",
                             "no_figure")

_CURRENT = re.compile(
    r"\b(?:latest|most\s+recent|newest|now|currently|current|right\s+now|today|this\s+year|last\s+year|"
    r"these\s+days|nowadays|at\s+present|is\s+calling|are\s+calling)\b", re.I)
_BASE_WORDS = re.compile(
    r"\b(?:where|for\s+which|in\s+which|of\s+which)\b[^.;]{0,80}?\b(?:known|recorded|identified|disclosed|revealed|"
    r"gave|give|given|available|logged|reported|provided|flagged|stated)\b|\bof\s+(?:the|those|these|them)\b|"
    r"\bn\s?=\s?\d|\bknown\b|\bof\s+[\d,]+\s+(?:cases|offences|instances)", re.I)
_CONDITIONAL_BASE = re.compile(r"\b(?:where|for\s+which|known|recorded|disclosed|identified|available|revealed|gave|logged)\b", re.I)
_OF_ALL = re.compile(r"\bof\s+all\b", re.I)

# -- subjects: what a number is about -------------------------------------------

_PLATFORMS: list[tuple[str, str]] = [
    (r"big\s+four", "big four"),
    (r"instagram|insta\b", "Instagram"), (r"whats\s?app", "WhatsApp"), (r"messenger", "Messenger"),
    (r"snapchat|\bsnap\b", "Snapchat"), (r"\bkik\b", "Kik"), (r"tik\s?tok", "TikTok"),
    (r"you\s?tube", "YouTube"), (r"discord", "Discord"), (r"roblox", "Roblox"), (r"twitch", "Twitch"),
    (r"telegram", "Telegram"), (r"twitter|\bx\b(?=\s*\()", "X"), (r"facebook", "Facebook"),
    (r"\bmeta\b", "Meta"),
]
_META_GROUP = re.compile(
    r"(?:facebook|meta)[\s-]+owned|owned\s+by\s+(?:facebook|meta)|meta'?s\s+(?:products|platforms|apps)|"
    r"apps\s+it\s+owns|(?:facebook|meta)\s+and\s+(?:the\s+)?apps|platforms\s+owned\s+by|\bmeta\b|then\s+owned\s+by", re.I)
_META_MEMBERS = frozenset({"Facebook", "Instagram", "WhatsApp", "Messenger", "Meta"})

_GEOGRAPHIES: list[tuple[str, str]] = [
    (r"\bwales\b|\bwelsh\b|cymru|dyfed|gwent", "Wales"),
    (r"scotland|scottish", "Scotland"),
    (r"northern\s+ireland|\bpsni\b|\bni\b", "Northern Ireland"),
    (r"west\s+midlands|staffordshire|warwickshire|west\s+mercia", "West Midlands"),
    (r"hampshire|sussex|surrey|\bkent\b|south\s+east", "South East"),
    (r"thames\s+valley", "Thames Valley"), (r"london|metropolitan", "London"),
    (r"manchester", "Greater Manchester"), (r"yorkshire", "Yorkshire"), (r"merseyside", "Merseyside"),
    (r"north\s+east|tyne", "North East"), (r"south\s+west|devon|cornwall|avon|dorset", "South West"),
]

_ENGLAND_AND_WALES = re.compile(r"england\s+(?:and|&)\s+wales", re.I)

_COUNT_SUBJECTS: list[tuple[str, str]] = [
    (r"\bapps\b|\bgames\b|websites|\bsites\b", "apps"),
    (r"primary[\s-]+school", "primary"),
    (r"counselling|sessions", "sessions"),
    (r"webpages|web\s+pages", "webpages"),
    (r"\breports?\b|referrals?", "reports"),
    (r"children\s+aged|\bchildren\b(?!\s+(?:were|was))", "children"),
]
_SHARE_SUBJECTS: list[tuple[str, str]] = [
    (r"aged\s+11\s+or|under[\s-]*11|11\s+or\s+(?:under|younger)|primary", "age11"),
    (r"aged\s+12\s+to\s+15|12\s*(?:to|-|–)\s*15", "girls12to15"),
    (r"\bboys\b", "boys"),
    (r"\bgirls?\b|\bfemales?\b", "girls"),
    (r"turnover|revenue", "revenue"),
    (r"self[\s-]generated", "selfgen"),
    (r"sexual\s+message", "sexualmessage"),
    (r"last\s+six\s+months|six\s+months\s+up\s+to", "lastsixmonths"),
]


_MEASURES: list[tuple[str, str]] = [
    (r"counselling|\bsessions\b", "sessions"),
    (r"webpages|web\s+pages", "webpages"),
    (r"abuse\s+(?:image|imagery|material)|\bimages?\b|imagery", "images"),
    (r"\breports?\b|report\s+remove", "reports"),
    (r"\bons\b|ofcom\s+research|crime\s+survey|children\s+aged|of\s+(?:children|kids|teens)\b|friend\s+requests?",
     "survey"),
    (r"child\s+sexual\s+offences|sexual\s+offences\s+against\s+children|all\s+types", "all sexual offences"),
    (r"fine|fined|turnover|revenue|penalt", "fines"),
    (r"offences?|crimes?|grooming|groomers?|sexual\s+communication|communicating\s+indecently|\bcases\b|"
     r"instances|victims?", "offences"),
]


def _measure(text: str) -> str:
    """What a sentence counts: offences, counselling sessions, reports, survey answers, fines…"""
    for pattern, name in _MEASURES:
        if re.search(pattern, text, re.I):
            return name
    return ""


def _unbracket(text: str, keep: tuple[int, int]) -> str:
    """``text`` with each (parenthesis) blanked out, except the brackets themselves around ``keep``,
    which are blanked so the number inside reads as part of its clause. Positions are kept."""
    chars = list(text)
    depth_start: list[int] = []
    for index, char in enumerate(text):
        if char == "(":
            depth_start.append(index)
        elif char == ")" and depth_start:
            opened = depth_start.pop()
            if opened <= keep[0] and index >= keep[1] - 1:
                chars[opened] = chars[index] = " "
            elif not depth_start:
                for i in range(opened, index + 1):
                    chars[i] = " "
    return "".join(chars)


def _clause(text: str, start: int, end: int, sentence: tuple[int, int]) -> str:
    """The clause around a number: the sentence, parentheses aside, cut at ; : – , and 'while'."""
    plain = _unbracket(text[sentence[0]:sentence[1]], (start - sentence[0], end - sentence[0]))
    left = plain[:start - sentence[0]]
    right = plain[end - sentence[0]:]
    left = re.split(r"[;:–—]|,\s|\bwhile\b|\bwith\s+(?=[\d,]+\s+where)", left)[-1]
    right = re.split(r"[;:–—]|,\s|\bwhile\b", right)[0]
    return f"{left} {text[start:end]} {right}"


def _platforms_in(text: str) -> frozenset[str]:
    found = {name for pattern, name in _PLATFORMS if re.search(pattern, text, re.I)}
    if "big four" in found:
        return frozenset({"big four"})
    if _META_GROUP.search(text):
        found = (found - _META_MEMBERS) | {"Meta"}
    return frozenset(found)


def _platforms_of_fact(fact: Fact) -> frozenset[str]:
    if re.search(r"big\s+four", fact.claim, re.I):
        return frozenset({"big four"})
    names = set(fact.platforms)
    if len(names & {"Facebook", "Instagram", "WhatsApp", "Messenger"}) >= 3:
        names = (names - _META_MEMBERS) | {"Meta"}
    return frozenset(names)


def _geography_in(text: str) -> str:
    text = _ENGLAND_AND_WALES.sub("national", text)
    for pattern, name in _GEOGRAPHIES:
        if re.search(pattern, text, re.I):
            return name
    return "national"


def _geography_of_fact(fact: Fact) -> str:
    geo = fact.geography
    if geo.startswith(("UK", "England and Wales", "England")):
        return "national"
    return _geography_in(geo)


def _subject(kind: str, clause: str) -> str:
    rules = _COUNT_SUBJECTS if kind in {"count", "rate"} else _SHARE_SUBJECTS if kind == "share" else []
    for pattern, name in rules:
        if re.search(pattern, clause, re.I):
            return name
    if kind == "age":
        return "youngest" if re.search(r"youngest", clause, re.I) else "eligibility" if re.search(r"under|anyone|open", clause, re.I) else "age"
    return "offences" if kind in {"count", "rate"} else ""


def _is_base_count(clause: str, number: Number) -> bool:
    return bool(re.search(r"\bn\s?=\s?$", clause[: clause.find(number.span)], re.I)) or bool(
        re.search(r"(?:where|in\s+which|for\s+which)\b[^.;]{0,60}\b(?:platform|means|method|site)\b|"
                  r"(?:platform|means|method|communication)\b[^.;]{0,40}\b(?:disclosed|revealed|known|identified)\s+in\s*$",
                  clause, re.I))


# -- the curated side --------------------------------------------------------------


@dataclass(frozen=True)
class FigureNumber:
    """A number in a curated figure's claim, with what it is about."""

    fact: Fact
    number: Number
    text: str  # the claim it was read from
    platforms: frozenset[str]
    geography: str
    subject: str
    periods: tuple[Span, ...]
    primary: bool
    measure: str = ""


@dataclass(frozen=True)
class _DraftNumber:
    number: Number
    text: str
    clause: str
    sentence: str
    platforms: frozenset[str]
    geography: str
    subject: str
    periods: tuple[Span, ...]  # periods in the sentence
    own_period: Span | None  # the period nearest the number
    measure: str = ""


class FigureBook:
    """The curated figures, read once for checking.

    ``FigureBook(facts)``: every fact that is not retired (held figures are
    kept so a draft quoting one is told it is held, never that it matches a
    served figure).
    """

    def __init__(self, facts: Iterable[Fact]):
        self.facts = [f for f in facts if f.status != "retired"]
        self.by_id = {f.id: f for f in self.facts}
        self.numbers: list[FigureNumber] = []
        for fact in self.facts:
            self.numbers.extend(_figure_numbers(fact))

    def newer_than(self, fact: Fact) -> Fact | None:
        """The newest figure replacing ``fact``: ``superseded_by``, else the newest figure of the
        same series (same kind, subject, platforms and geography, period of the same length) whose
        period ends later. ``None`` when ``fact`` is the newest of its series."""
        if fact.superseded_by and fact.superseded_by in self.by_id:
            return self.by_id[fact.superseded_by]
        key = _series_key(fact)
        if key is None or fact.period.end is None:
            return None
        later = [f for f in self.facts if f.id != fact.id and f.status in {"verified", "secondary", "held"}
                 and _series_key(f) == key and f.period.end and f.period.end > fact.period.end + dt.timedelta(days=45)]
        if not later:
            return None
        servable = [f for f in later if f.servable] or later
        return max(servable, key=lambda f: (f.period.end or dt.date.min, f.source.published or dt.date.min))


def _primary_number(fact: Fact, numbers: list[Number]) -> Number | None:
    """The claim's number that is the figure itself (its ``value``, or what its ``display`` shows)."""
    shown = [n.value for n in find_numbers(fact.display, dates_are_claims=True) if n.value is not None]
    if isinstance(fact.value, int | float) and not isinstance(fact.value, bool):
        shown.append(float(fact.value))
    for number in numbers:
        if any(_same_value(number.value, v) for v in shown):
            return number
    return None


def _same_value(a: object, b: object) -> bool:
    if isinstance(a, dt.date) or isinstance(b, dt.date):
        return a == b
    return isinstance(a, int | float) and isinstance(b, int | float) and abs(float(a) - float(b)) < 1e-9


def _figure_numbers(fact: Fact) -> list[FigureNumber]:
    text = fact.claim
    numbers = [n for n in find_numbers(text) if n.claim]
    extra_geo = [n for n in find_numbers(fact.geography) if n.kind == "forces"]
    periods = tuple(find_periods(text))
    primary = _primary_number(fact, numbers)
    platforms = _platforms_of_fact(fact)
    geography = _geography_of_fact(fact)
    measure = _measure(text)
    result = []
    for number in numbers:
        clause = _clause(text, number.start, number.end, number.sentence)
        subject = _subject(number.kind, clause)
        if number is primary and number.kind == "share":
            subject = _subject("share", fact.unit) or subject
        if number.kind == "count" and _is_base_count(clause, number):
            subject = "base"
        own = _nearest_period(periods, number)
        if number.kind in {"rise", "multiple"}:
            own_periods: tuple[Span, ...] = periods
        elif number is primary:
            own_periods: tuple[Span, ...] = (Span(fact.period.start or dt.date.min, fact.period.end or dt.date.min, 0, fact.period.label),) \
                if fact.period.end else periods
        elif fact.comparison and own and fact.comparison.period.end and same_end(own.end, fact.comparison.period.end):
            own_periods = (own,)
        else:
            own_periods = (own,) if own else periods
        is_primary = number is primary
        number_platforms = platforms if is_primary or number.kind != "share" else (_platforms_in(clause) or platforms)
        result.append(FigureNumber(fact, number, text, number_platforms, geography, subject, own_periods, is_primary,
                                   measure))
    for number in extra_geo:
        result.append(FigureNumber(fact, number, fact.geography, platforms, geography, "", (), False, measure))
    return result


def _nearest_period(periods: Sequence[Span], number: Number) -> Span | None:
    inside = [p for p in periods if number.sentence[0] <= p.position < number.sentence[1]]
    if not inside:
        return None
    return min(inside, key=lambda p: (abs(p.position - number.start), p.since))


def _series_key(fact: Fact) -> tuple | None:
    unit = fact.unit.lower()
    kind = "rise" if "increase" in unit or "rise" in unit else "share" if "percent" in unit or "proportion" in unit \
        else "count" if "offences" in unit else "apps" if "apps" in unit else None
    if kind is None or fact.period.start is None or fact.period.end is None:
        return None
    days = (fact.period.end - fact.period.start).days
    length = "year" if days <= 400 else "multi"
    if kind == "rise":
        length = "rise"
    subject = ""
    if kind == "share":
        subject = _subject("share", fact.claim + " " + fact.unit)
    if kind == "count" and re.search(r"primary", fact.claim, re.I):
        subject = "primary"
    return (kind, subject, _platforms_of_fact(fact), _geography_of_fact(fact), length)


# -- verdicts ------------------------------------------------------------------------


@dataclass
class Check:
    """The verdict on one number in a draft.

    ``figure``: the curated figure it was compared with (the one to use);
    ``newer``: for ``out_of_date``, the figure that replaces it;
    ``missing``: for ``missing_base_or_period``, ``"base"`` and/or ``"period"``;
    ``corrected``: the draft's sentence with the curated wording, when one can
    be given without guessing; ``why``: a short plain reason.
    """

    number: Number
    verdict: Verdict
    sentence: str
    figure: Fact | None = None
    figure_text: str = ""  # the figure as its claim writes it ("7,263", "almost 34,000")
    newer: Fact | None = None
    missing: list[str] = field(default_factory=list)
    corrected: str | None = None
    why: str = ""


def check_text(text: str, book: FigureBook) -> list[Check]:
    """One :class:`Check` per number in ``text`` (Slack markup is read as plain text), in order.

    Non-claims come back with ``verdict="not_a_claim"``; callers showing
    answers leave them out. Never raises on any input.
    """
    plain = slack_to_plain(text)
    numbers = find_numbers(plain)
    periods = find_periods(plain)
    drafts = [_draft(plain, n, periods) if n.claim else None for n in numbers]
    # First pass: which figures each sentence's numbers match, so a sentence's other numbers
    # are read as the same release.
    matched: list[set[str]] = []
    for draft in drafts:
        ids = set()
        if draft is not None:
            ids = {c.fact.id for c in _candidates(draft, book) if _value_matches(draft.number, c.number)}
        matched.append(ids)
    checks = []
    for index, (number, draft) in enumerate(zip(numbers, drafts, strict=True)):
        if draft is None:
            checks.append(Check(number, "not_a_claim", plain[number.sentence[0]:number.sentence[1]].strip(),
                                why=number.why))
            continue
        others: set[str] = set()
        for j, other in enumerate(numbers):
            if j != index and other.sentence == number.sentence:
                others |= matched[j]
        checks.append(_judge(number, draft, book, others, plain))
    return checks


def _draft(text: str, number: Number, periods: list[Span]) -> _DraftNumber:
    clause = _clause(text, number.start, number.end, number.sentence)
    sentence = text[number.sentence[0]:number.sentence[1]]
    in_sentence = tuple(p for p in periods if number.sentence[0] <= p.position < number.sentence[1])
    platforms = _platforms_in(clause)
    if not platforms and number.kind in {"share", "rise"}:
        before = text[number.sentence[0]:number.start]
        mentions = [(m.end(), name) for pattern, name in _PLATFORMS for m in re.finditer(pattern, before, re.I)]
        if mentions:
            platforms = _platforms_in(before) if _META_GROUP.search(before) else frozenset({max(mentions)[1]})
    geo_before = _ENGLAND_AND_WALES.sub("national", text[number.sentence[0]:number.start])
    geography = "national"
    hits = [(m.start(), name) for pattern, name in _GEOGRAPHIES for m in re.finditer(pattern, geo_before, re.I)]
    if hits:
        geography = max(hits)[1]
    else:
        geography = _geography_in(sentence)
    subject = _subject(number.kind, clause)
    if number.kind == "count" and _is_base_count(clause, number):
        subject = "base"
    return _DraftNumber(number, text, clause, sentence, platforms, geography, subject, in_sentence,
                        _nearest_period(in_sentence, number), _measure(sentence))


def _kinds_compatible(a: str, b: str) -> bool:
    return a == b


def _periods_compatible(draft: _DraftNumber, figure: FigureNumber) -> bool:
    if not draft.periods or not figure.periods:
        return True
    fig_end = max(p.end for p in figure.periods)
    fig_start = min(p.start for p in figure.periods)
    if any(same_end(p.end, fig_end) and not p.since for p in draft.periods):
        return True
    if any(same_end(p.end, fig_end) for p in draft.periods) and draft.number.kind in {"rise", "multiple"}:
        return True
    if all(p.since for p in draft.periods):
        return any(abs((p.start - fig_start).days) <= 45 for p in draft.periods)
    return False


def _candidates(draft: _DraftNumber, book: FigureBook) -> list[FigureNumber]:
    number = draft.number
    found = []
    for figure in book.numbers:
        fnum = figure.number
        if not _kinds_compatible(number.kind, fnum.kind):
            continue
        if number.kind == "rate" and number.rate != fnum.rate:
            continue
        if number.kind in {"share", "rise"} and draft.platforms != figure.platforms:
            continue
        if number.kind in {"count", "rate", "share", "forces"} and draft.subject != figure.subject:
            continue
        if number.kind == "age" and draft.subject != figure.subject:
            continue
        if figure.fact.source.publisher and draft.geography != figure.geography and number.kind not in {"date", "money"}:
            continue
        if not _periods_compatible(draft, figure):
            continue
        if number.kind in {"count", "rate", "share", "rise", "multiple"} and draft.measure != figure.measure \
                and not (draft.measure == "" and figure.measure == "offences"):
            continue
        found.append(figure)
    return found


def _value_matches(draft: Number, figure: Number) -> bool:  # noqa: C901 (one rule per kind of hedge)
    if draft.kind == "date" and isinstance(draft.value, dt.date) and isinstance(figure.value, dt.date):
        if draft.precision == "year" or figure.precision == "year":
            return draft.value.year == figure.value.year
        if draft.precision == "month" or figure.precision == "month":
            return (draft.value.year, draft.value.month) == (figure.value.year, figure.value.month)
        return draft.value == figure.value
    if not isinstance(draft.value, float | int) or not isinstance(figure.value, float | int):
        return False
    d, f = float(draft.value), float(figure.value)
    if draft.kind == "money":
        return draft.currency == figure.currency and abs(d - f) < 1e-6
    if draft.kind == "multiple":
        return d == f and (draft.hedge == figure.hedge or "exact" in {draft.hedge, figure.hedge})
    points = draft.kind in {"share", "rise"}
    if figure.hedge != "exact" and not figure.approximate:
        return abs(d - f) < 1e-9 and draft.hedge in {figure.hedge, "exact"}
    loose = draft.approximate or figure.approximate
    if draft.hedge == "exact":
        if loose and points:
            return abs(d - f) <= 3.0
        return abs(d - f) < 1e-9
    if draft.hedge == "under":
        if points:
            return d - 4.0 <= f <= d
        return d * 0.95 <= f < d
    if draft.hedge == "over":
        if points:
            return d <= f <= d + 4.0
        return d < f <= d * 1.10
    if points:
        return abs(d - f) <= 3.0
    return abs(d - f) <= 0.05 * d


def _score(draft: _DraftNumber, figure: FigureNumber, sentence_facts: set[str]) -> tuple:
    words = set(re.findall(r"[a-z]{4,}", draft.sentence.lower()))
    claim_words = set(re.findall(r"[a-z]{4,}", figure.fact.claim.lower()))
    period_hit = any(same_end(p.end, max(q.end for q in figure.periods)) for p in draft.periods) if figure.periods else False
    own = draft.own_period
    exact = bool(own and any(same_end(own.end, q.end) and same_end(own.start, q.start) for q in figure.periods))
    return (
        figure.fact.id in sentence_facts,
        exact,
        period_hit,
        figure.primary,
        figure.fact.status != "held",
        len(words & claim_words),
        figure.fact.period.end or dt.date.min,
    )


def _judge(number: Number, draft: _DraftNumber, book: FigureBook, sentence_facts: set[str], text: str) -> Check:
    sentence = draft.sentence.strip()
    candidates = _candidates(draft, book)
    matching = [c for c in candidates if _value_matches(number, c.number)]
    if matching:
        best = max(matching, key=lambda c: _score(draft, c, sentence_facts))
        return _judge_match(draft, best, book)
    if not candidates:
        return Check(number, "no_figure", sentence, why="no curated figure is about this")
    best = max(candidates, key=lambda c: _score(draft, c, sentence_facts))
    if not draft.periods and not best.primary and best.fact.id not in sentence_facts:
        return Check(number, "no_figure", sentence, why="no curated figure is about this")
    fact = best.fact
    newer = book.newer_than(fact)
    if not draft.periods and newer is not None:
        # No period given: compare with the newest figure of the series.
        newest = [c for c in candidates if c.fact.id == newer.id]
        if newest:
            best, fact = newest[0], newer
    return Check(number, "differs", sentence, fact, best.number.span, corrected=_replace(draft, best),
                 why=f"the curated figure is {best.number.span}")


def _judge_match(draft: _DraftNumber, best: FigureNumber, book: FigureBook) -> Check:
    number, fact = draft.number, best.fact
    sentence = draft.sentence.strip()
    misquote = _misquote(draft, fact)
    if misquote:
        return Check(number, "known_misquote", sentence, fact, best.number.span, corrected=fact.claim, why=misquote)
    if number.kind == "share" and _OF_ALL.search(draft.clause) and _CONDITIONAL_BASE.search(fact.base):
        return Check(number, "differs", sentence, fact, best.number.span, corrected=fact.claim,
                     why=f"it is a share of {fact.base[:1].lower() + fact.base[1:]}, not of all")
    newer = book.newer_than(fact)
    if newer is not None and _CURRENT.search(sentence) and not _pinned(draft, best):
        return Check(number, "out_of_date", sentence, fact, best.number.span, newer=newer, corrected=newer.claim,
                     why="a newer release replaces it")
    missing = []
    if number.kind in {"share"} and best.primary and _CONDITIONAL_BASE.search(fact.base) and not _BASE_WORDS.search(sentence):
        missing.append("base")
    if number.kind in {"count", "share", "rise", "rate", "multiple"} and not draft.periods and not _reference(fact):
        missing.append("period")
    if missing:
        return Check(number, "missing_base_or_period", sentence, fact, best.number.span, missing=missing,
                     corrected=fact.claim, why="the sentence does not say " + " or ".join(
                         {"base": "what it is a share of", "period": "when"}[m] for m in missing))
    return Check(number, "matches", sentence, fact, best.number.span, corrected=None, why="")


def _pinned(draft: _DraftNumber, figure: FigureNumber) -> bool:
    """True when the sentence names the figure's own period (so "latest" is not claimed of it)."""
    return any(same_end(p.end, q.end) and not p.since for p in draft.periods for q in figure.periods)


def _reference(fact: Fact) -> bool:
    return fact.period.end is None or fact.period.start is None


def _misquote(draft: _DraftNumber, fact: Fact) -> str:
    """The curators' note when ``fact`` marks this wording as a known misquote, else ``""``."""
    for entry in known_misquotes(fact):
        wording = entry.get("wording", "")
        if wording and re.search(wording, draft.sentence, re.I):
            return str(entry.get("why", "curators have marked this wording as wrong"))
    return ""


def known_misquotes(fact: Fact) -> list[dict]:
    """The misquotes curators recorded on ``fact`` (``wording`` regex, ``why``), if the model has them."""
    raw = getattr(fact, "misquotes", None) or getattr(fact, "known_misquotes", None) or []
    out = []
    for item in raw:
        if isinstance(item, dict):
            out.append(item)
        else:
            out.append({k: getattr(item, k, "") for k in ("wording", "why")})
    return out


def _replace(draft: _DraftNumber, figure: FigureNumber) -> str:
    """The draft's sentence with the curated wording in place of the draft's number."""
    number = draft.number
    start, end = number.start - number.sentence[0], number.end - number.sentence[0]
    sentence = draft.sentence
    return (sentence[:start] + figure.number.span + sentence[end:]).strip()
