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
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, TypeVar

from facts.figures.claims import Number, find_numbers, sentences
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
    r"these\s+days|nowadays|at\s+present|is\s+calling|are\s+calling|"
    r"(?:is|are|at|hit|hits|reached?|reaches)\s+(?:a|an)\s+(?:new\s+)?(?:record|all[\s-]time)\s+high)\b", re.I)
_BASE_WORDS = re.compile(
    r"\b(?:where|for\s+which|in\s+which|of\s+which)\b[^.;]{0,80}?\b(?:known|recorded|identified|disclosed|revealed|"
    r"gave|give|given|available|logged|reported|provided|flagged|stated|identif(?:y|ied)|ID'?d|knew|know)\b|\bof\s+(?:the|those|these|them)\b|"
    r"\bn\s?=\s?\d|\bknown\b|\bof\s+[\d,]+\s+(?:cases|offences|instances)", re.I)
_CONDITIONAL_BASE = re.compile(r"\b(?:where|for\s+which|known|recorded|disclosed|identified|available|revealed|gave|logged)\b", re.I)
_RESTRICTED_BASE = re.compile(r"could\s+be\s+(?:directly\s+)?compared|comparable|like-for-like|same\s+\d+\s+(?:police\s+)?forces", re.I)
_RESTRICTION_SAID = re.compile(r"compar|like[\s-]for[\s-]like|same\s+(?:\d+\s+)?(?:police\s+)?forces", re.I)
_AGE_GROUP = re.compile(r"\b\d{1,2}\s*(?:to|-|–)\s*\d{1,2}\b|\bunder[\s-]*\d{1,2}|\baged\s+\d{1,2}|\d{1,2}-year-olds", re.I)
_OF_ALL = re.compile(r"\bof\s+all\b", re.I)
_ASIDE = re.compile(r"\([^()]*\)")

# -- subjects: what a number is about -------------------------------------------

_PLATFORMS: list[tuple[str, str]] = [
    (r"big\s+four", "big four"),
    (r"instagram|insta\b", "Instagram"), (r"whats\s?app", "WhatsApp"), (r"messenger", "Messenger"),
    (r"snapchat|\bsnap\b", "Snapchat"), (r"\bkik\b", "Kik"), (r"tik\s?tok", "TikTok"),
    (r"you\s?tube", "YouTube"), (r"discord", "Discord"), (r"roblox", "Roblox"), (r"twitch", "Twitch"),
    (r"telegram", "Telegram"), (r"gaming\s+(?:platforms|sites|apps)|online\s+games", "gaming"), (r"twitter|\bx\b(?=\s*\()", "X"), (r"facebook", "Facebook"),
    (r"\bmeta\b", "Meta"),
]
_META_GROUP = re.compile(
    r"(?:facebook|meta)[\s-]+owned|owned\s+by\s+(?:facebook|meta)|meta'?s\s+(?:products|platforms|apps)|"
    r"apps\s+it\s+owns|(?:facebook|meta)\s+and\s+(?:the\s+|its\s+)?(?:apps|platforms|products)|platforms\s+owned\s+by|\bmeta\b|then\s+owned\s+by", re.I)
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
#: A national place named before a number ("police in England and Wales recorded 1,628 …, reported
#: by the West Wales Chronicle"): the place after it is not the figure's.
_NATIONAL = re.compile(r"\bnational\b|\bUK\b|united\s+kingdom|\bbritain\b|\bengland\b(?!\s+and)", re.I)

_COUNT_SUBJECTS: list[tuple[str, str]] = [
    (r"\bapps\b|\bgames\b|websites|\bsites\b", "apps"),
    (r"primary[\s-]+school", "primary"),
    (r"counselling|sessions", "sessions"),
    (r"webpages|web\s+pages", "reports"),  # the IWF's reports are webpages (one series)
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
    (r"\bons\b|ofcom(?:'s)?\s+(?:research|found|finds|survey|study|data|figures|report)|crime\s+survey|friend\s+requests?|"
     r"research\s+for\s+ofcom", "survey"),
    (r"counselling|\bsessions\b", "sessions"),
    # The IWF counts reports as webpages ("reports (webpages) confirmed", one series): one measure.
    (r"webpages|web\s+pages", "reports"),
    (r"report\s+remove", "reports"),  # a named service counts reports, whatever they are of
    (r"abuse\s+(?:image|imagery|material)|\bimages?\b|imagery", "images"),
    (r"[\d,]+\s+reports\b|\breports\s+(?:of|to|were|submitted|made)", "reports"),
    (r"cyber[\s-]+enabled", "cyber-enabled sexual crimes"),
    (r"child\s+sexual\s+offences|sexual\s+offences\s+against\s+children|all\s+types", "all sexual offences"),
    (r"\bfine|fined|turnover|revenue|penalt", "fines"),
    (r"offences?|crimes?|grooming|groomers?|sexual\s+communication|communicating\s+indecently|\bcases\b|"
     r"instances|victims?", "offences"),
    (r"(?:children|girls|boys|pupils|teenagers|young\s+people)\s+aged\s+\d|\bof\s+(?:children|kids|teens)\b", "survey"),
]


def _measure(text: str) -> str:
    """What a sentence counts: offences, counselling sessions, reports, survey answers, fines…"""
    for pattern, name in _MEASURES:
        if re.search(pattern, text, re.I):
            return name
    return ""


#: Plural nouns the sentence's measure (:func:`_measure`) already tells apart; a count of
#: anything else ("2,400 calls", "57,609 contacts", "100,000 online services") is its own measure.
_COUNTED_NOUNS = frozenset({
    "offences", "crimes", "cases", "instances", "victims", "children", "girls", "boys", "sessions", "reports",
    "referrals", "webpages", "pages", "images", "forces", "apps", "games", "sites", "websites", "platforms",
    "incidents", "offenders", "records", "times", "years", "months", "weeks", "days", "kids", "teens",
    "teenagers", "pupils", "people", "adults", "young", "groomers", "communications",
})
_NOT_NOUNS = frozenset({"was", "has", "this", "less", "across", "its", "plus", "thus", "perhaps", "always", "is",
                        "as", "us", "his", "hers", "yes", "whereas", "alongside", "besides"})


def _counted(text: str, number: Number) -> str:
    """What a count counts when the words right after it name something other than what most
    figures count (offences, sessions, reports…): ``"count of calls"`` for "2,400 calls", the same
    for a draft and a figure's claim, so "57,609 contacts" meets a figure of Helpline contacts and
    "2,400 calls" meets none; ``""`` (read the sentence) otherwise."""
    if number.kind != "count":
        return ""
    after = re.split(r"[^\sA-Za-z'’-]", text[number.end:number.sentence[1]])[0]
    for word in (w.lower() for w in after.split()[:3]):
        if word in _COUNTED_NOUNS:
            return ""
        if word in _STOP:
            break
        if _plural_noun(word):
            return f"count of {word}"
    # "Helpline contacts rose to 75,609": the noun before the verb
    before = _ROSE_TO.search(text[number.sentence[0]:number.start])
    if before and before.group(1).lower() not in _COUNTED_NOUNS and _plural_noun(before.group(1).lower()):
        return f"count of {before.group(1).lower()}"
    return ""


def _draft_measure(text: str, number: Number, clause: str, sentence: str) -> str:
    """What a draft's number measures: its count's noun, else a survey when the sentence names one
    (the body is often outside the number's clause), else its clause's measure ("86,962 child
    sexual offences — including 6,350 grooming offences"), else the sentence's."""
    whole = _measure(sentence)
    return _counted(text, number) or (whole if whole == "survey" else "") or _measure(clause) or whole


_ROSE_TO = re.compile(r"\b([a-z]+)\s+(?:have\s+|has\s+)?(?:rose|risen|fell|fallen|increased|decreased|reached|totalled|"
                      r"grew|climbed|jumped|dropped|hit)\s+(?:to\s+)?(?:a\s+record\s+|almost\s+|nearly\s+|over\s+|"
                      r"more\s+than\s+)?$", re.I)


def _plural_noun(word: str) -> bool:
    return len(word) >= 4 and word.endswith("s") and not word.endswith(("ss", "'s", "’s")) and word not in _NOT_NOUNS


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
    """The clause around a number: the sentence, parentheses aside, cut at ; : – , and 'while'.
    The number is at ``len(left) + 1`` of it (see :func:`_clause_start`)."""
    return _clause_parts(text, start, end, sentence)[0]


def _clause_start(text: str, number: Number) -> int:
    """Where ``number`` starts in its :func:`_clause`."""
    return _clause_parts(text, number.start, number.end, number.sentence)[1]


def _clause_parts(text: str, start: int, end: int, sentence: tuple[int, int]) -> tuple[str, int]:
    plain = _unbracket(text[sentence[0]:sentence[1]], (start - sentence[0], end - sentence[0]))
    left = plain[:start - sentence[0]]
    right = plain[end - sentence[0]:]
    pieces = re.split(r"[;:–—]|,\s|\bwhile\b|\bwith\s+(?=[\d,]+\s+where)", left)
    left = pieces[-1]
    if len(pieces) == 2 and _LABEL.fullmatch(pieces[0]) and re.match(r"\s*:", plain[len(pieces[0]):]):
        left = pieces[0].strip(" •*-") + " " + left  # "Girls: 80% where gender known": the label says what
    right = re.split(r"[;:–—]|,\s|\bwhile\b", right)[0]
    return f"{left} {text[start:end]} {right}", len(left) + 1


#: A bullet's label before its value ("Girls: 80%", "• Youngest victim: a 4-year-old boy").
_LABEL = re.compile(r"\s*[•*-]?\s*(?:[A-Za-z'’]+\s+){0,3}[A-Za-z'’]+\s*")


def _segment(clause: str, at: int) -> str:
    """The part of ``clause`` that belongs to the number at ``at`` when the clause gives several
    numbers one by one: "40% took place on Snapchat and 9% on WhatsApp" names each thing after its
    number, "WhatsApp (12%), Instagram (6%)" before it. The clause's first number or first word,
    whichever comes first, sets the order. ``""`` when the clause has one number."""
    numbers = [(n.start, n.end) for n in find_numbers(clause) if n.claim]
    if len(numbers) < 2:
        return ""
    mine = next((i for i, (a, _) in enumerate(numbers) if a == at), None)
    if mine is None:
        return ""
    lead = re.match(r"\W*", clause).end()  # type: ignore[union-attr]
    if numbers[0][0] <= lead:  # a number first: each number's words follow it
        stop = numbers[mine + 1][0] if mine + 1 < len(numbers) else len(clause)
        return clause[numbers[mine][1]:stop]
    begin = numbers[mine - 1][1] if mine > 0 else 0
    return clause[begin:at]


def _nearest_mention(patterns: Sequence[tuple[str, str]], clause: str, at: int) -> str | None:
    """The name of the mention of ``patterns`` nearest before ``at`` (else nearest after)."""
    found = sorted((m.start(), m.end(), name) for pattern, name in patterns for m in re.finditer(pattern, clause, re.I))
    before = [name for _, end, name in found if end <= at]
    after = [name for start, _, name in found if start >= at]
    return before[-1] if before else after[0] if after else None


def _platforms_near(clause: str, at: int) -> frozenset[str]:
    """The platforms a number at ``at`` in ``clause`` is about: all those named, or, when the clause
    names several one by one, those of this number's :func:`_segment` (else the nearest named)."""
    found = _platforms_in(clause)
    if len(found) < 2 or "big four" in found or _META_GROUP.search(clause):
        return found
    own = _platforms_in(_segment(clause, at))
    if own:
        return own
    name = _nearest_mention(_PLATFORMS, clause, at)
    return frozenset({name}) if name else found


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


def _subject(kind: str, clause: str, at: int | None = None) -> str:
    rules = _COUNT_SUBJECTS if kind in {"count", "rate"} else _SHARE_SUBJECTS if kind == "share" else []
    if at is not None and kind == "share":
        paired = _respectively(rules, clause, at)
        if paired:
            return paired
        # "girls aged 12-15 were recorded in 62% of cases and under-11s in nearly 25%"
        own = _segment(clause, at)
        for pattern, name in rules:
            if own and re.search(pattern, own, re.I):
                return name
    for pattern, name in rules:
        if re.search(pattern, clause, re.I):
            return name
    if kind == "age":
        return "youngest" if re.search(r"youngest", clause, re.I) else "eligibility" if re.search(r"under|anyone|open|or\s+over|or\s+older", clause, re.I) else "age"
    return "offences" if kind in {"count", "rate"} else ""


#: Subjects that are groups of people (a pair of shares compares two of them).
_GROUPS = frozenset({"boys", "girls", "age11", "girls12to15"})
_PAIR = re.compile(r"(\d+(?:\.\d+)?\s?(?:%|per\s?cent))\s+(?:compared\s+(?:with|to)|vs\.?|versus|against)\s+"
                   r"(\d+(?:\.\d+)?\s?(?:%|per\s?cent))", re.I)


def _respectively(rules: Sequence[tuple[str, str]], clause: str, at: int) -> str | None:
    """The subject of one of a pair of shares given after two subjects, in their order: "girls …
    more likely than boys to … (16% compared with 6%)" gives girls 16% and boys 6%."""
    for pair in _PAIR.finditer(clause):
        index = 0 if pair.start(1) == at else 1 if pair.start(2) == at else None
        if index is None:
            continue
        named = sorted((m.start(), name) for pattern, name in rules for m in re.finditer(pattern, clause[:pair.start()], re.I)
                       if name in _GROUPS)
        order = list(dict.fromkeys(name for _, name in named))
        return order[index] if len(order) == 2 else None
    return None


_OFFENCE_NOUNS = frozenset({"offences", "offence", "crimes", "crime", "cases", "instances", "incidents"})
_PEOPLE_NOUNS = frozenset({"children", "girls", "boys", "pupils", "teenagers", "people", "kids", "teens"})
_NOUN_SUBJECTS = {"images": "images", "videos": "images", "webpages": "reports", "reports": "reports",
                  "referrals": "reports", "sessions": "sessions", "apps": "apps", "games": "apps", "sites": "apps",
                  "websites": "apps", "contacts": "contacts", "calls": "calls"}
#: What a count is of when its clause does not say: the measure's own unit.
_MEASURE_SUBJECTS = {"reports": "reports", "sessions": "sessions", "survey": "children"}


def _count_subject(text: str, number: Number, subject: str, measure: str) -> str:
    """What a count counts: the noun right after it when it names offences or people ("2,055
    cyber-enabled sexual crimes against children" counts crimes), else the clause's subject, else
    the measure's unit ("642 were actioned" of Report Remove reports; a survey's "212,000" children)."""
    after = re.split(r"[^\sA-Za-z'’-]", text[number.end:number.sentence[1]])[0]
    for word in (w.lower() for w in after.split()[:5]):
        if word in _OFFENCE_NOUNS:
            return "offences"
        if word in _PEOPLE_NOUNS:
            return "children"
        if word in _STOP:
            break
        if word in _NOUN_SUBJECTS:
            return _NOUN_SUBJECTS[word]  # "3,500 AI-generated child abuse images" counts images
    before = _ROSE_TO.search(text[number.sentence[0]:number.start])  # "Helpline contacts rose to 75,609"
    if before and before.group(1).lower() in _NOUN_SUBJECTS:
        return _NOUN_SUBJECTS[before.group(1).lower()]
    if subject == "offences":
        return _MEASURE_SUBJECTS.get(measure, subject)
    return subject


def _is_base_count(text: str, clause: str, number: Number) -> bool:
    """True when a count is the base of shares ("of the 2,111 offences where the platform was identified")."""
    before = text[max(0, number.start - 40):number.start]
    if re.search(r"\bn\s?=\s?$|\bof\s+the\s+$", before, re.I):
        return True
    if re.search(r"(?:platform|means|method|communication)\b[^.;]{0,40}\b(?:disclosed|revealed|known|identified|recorded)\s+in\s+$",
                 before, re.I):
        return True
    return not _platforms_in(clause) and bool(
        re.search(r"(?:where|in\s+which|for\s+which)\b[^.;]{0,60}\b(?:platform|means|method|site)\b", clause, re.I))


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
    #: the periods of the nearest earlier sentence that names one, when this sentence names none
    #: ("… in the year to March 2025. Snapchat was used in 40% …")
    carried: tuple[Span, ...] = ()


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
        #: (fact, misquote, its numbers, the words that make it wrong)
        self.misquotes: list[tuple[Fact, Any, list[Number], set[str]]] = []
        for fact in self.facts:
            for misquote in known_misquotes(fact):
                numbers = [n for n in find_numbers(misquote.wording, dates_are_claims=True) if n.claim]
                distinctive = _stems(misquote.wording) - _stems(fact.claim + " " + fact.display)
                self.misquotes.append((fact, misquote, numbers, distinctive))

    def newer_release(self, fact: Fact) -> Fact | None:
        """A figure from a later release on the same topic by the same publisher (any measure or
        geography), when ``fact`` is a statistic for a period; ``None`` otherwise."""
        if fact.period.end is None or fact.kind != "statistic" or not fact.topics:
            return None
        topic = fact.topics[0]
        later = [f for f in self.facts if f.servable and f.source.publisher == fact.source.publisher
                 and topic in f.topics and f.period.end and f.period.end > fact.period.end + dt.timedelta(days=180)]
        return max(later, key=lambda f: (f.period.end or dt.date.min, f.id)) if later else None

    def newer_than(self, fact: Fact) -> Fact | None:
        """The newest figure replacing ``fact``: ``superseded_by``, else the newest figure of the
        same series (same kind, subject, platforms and geography, period of the same length) whose
        period ends later. ``None`` when ``fact`` is the newest of its series."""
        if fact.superseded_by and fact.superseded_by in self.by_id:
            return self.by_id[fact.superseded_by]
        if fact.series:
            later = [f for f in self.facts if f.id != fact.id and f.series == fact.series and f.status != "retired"
                     and (f.period.end or dt.date.min) > (fact.period.end or dt.date.min)]
            if later:
                return max(later, key=lambda f: (f.servable, f.period.end or dt.date.min))
        if fact.historical or "proposed" in fact.unit.lower():
            # A proposal or an earlier campaign ask: what became law replaces it.
            enacted = [f for f in self.facts if f.servable and f.id != fact.id and not f.historical
                       and "proposed" not in f.unit.lower() and _measure(f.claim) == _measure(fact.claim)
                       and re.search(r"£|€", f.display)]
            if enacted:
                return max(enacted, key=lambda f: f.period.start or dt.date.min)
        key = _series_key(fact)
        if key is None or fact.period.end is None:
            return None
        # Of the same publisher: the ONS's 19.2% of children who spoke to a stranger is not replaced
        # by the IWF's share of AI-generated imagery that was Category A. A survey's share is replaced
        # only within its own series (each question is one): that was looked for above.
        if _measure(fact.claim) == "survey":
            return None
        later = [f for f in self.facts if f.id != fact.id and f.status in {"verified", "secondary", "held"}
                 and _series_key(f) == key and f.period.end and f.period.end > fact.period.end + dt.timedelta(days=45)
                 and f.source.publisher == fact.source.publisher]
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
    numbers = [n for n in find_numbers(text, dates_are_claims=True) if n.claim]
    extra_geo = [n for n in find_numbers(fact.geography) if n.kind == "forces"]
    periods = tuple(find_periods(text))
    primary = _primary_number(fact, numbers)
    platforms = _platforms_of_fact(fact)
    geography = _geography_of_fact(fact)
    measure = _measure(text)
    result = []
    for number in numbers:
        clause, at = _clause_parts(text, number.start, number.end, number.sentence)
        subject = _subject(number.kind, clause, at)
        if number is primary and number.kind == "share":
            subject = _subject("share", fact.unit) or subject
        if number.kind == "count":
            subject = _count_subject(text, number, subject, _counted(text, number) or measure)
        if number.kind == "count" and _is_base_count(text, clause, number):
            subject = "base"
        own = _nearest_period(periods, number)
        if number.kind in {"rise", "multiple"}:
            own_periods: tuple[Span, ...] = periods
        elif number is primary:
            own_periods = (Span(fact.period.start or dt.date.min, fact.period.end or dt.date.min, 0, fact.period.label),) \
                if fact.period.end else periods
        elif fact.comparison and own and fact.comparison.period.end and same_end(own.end, fact.comparison.period.end):
            own_periods = (own,)
        else:
            own_periods = (own,) if own else periods
        # A figure whose display lists several dates ("17 March 2025; 25 July 2025") is each of them.
        is_primary = number is primary or (number.kind == "date" and _shown_date(number, fact.display))
        if is_primary:
            number_platforms = platforms
        elif number.kind in {"count", "rate"}:
            number_platforms = _platforms_in(clause)
        else:
            number_platforms = _platforms_in(clause) or platforms
        result.append(FigureNumber(fact, number, text, number_platforms, geography, subject, own_periods, is_primary,
                                   _counted(text, number) or measure))
    result = [r for r in _compared_counts(result) if r is not None]
    # The forces a figure's geography names ("UK (44 police forces)") supplied its period's data.
    own_period = (Span(fact.period.start, fact.period.end, 0, fact.period.label),) \
        if fact.period.start and fact.period.end else ()
    for number in extra_geo:
        result.append(FigureNumber(fact, number, fact.geography, platforms, geography, "", own_period, False, measure))
    return result


def _shown_date(number: Number, display: str) -> bool:
    """True when the date ``number`` is one the figure's ``display`` shows."""
    return any(_same_value(number.value, n.value) for n in find_numbers(display, dates_are_claims=True)) or (
        number.precision == "year" and isinstance(number.value, dt.date) and str(number.value.year) in display)


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

    @property
    def needs_attention(self) -> bool:
        """True for a claim a writer must change before publishing: any verdict but
        ``matches`` and ``not_a_claim``, and a match on a figure curators hold
        (right as quoted, but not to be quoted until it is checked)."""
        if self.verdict == "matches":
            return self.figure is not None and self.figure.status == "held"
        return self.verdict != "not_a_claim"


def plain_lines(text: str) -> str:
    """Slack ``text`` as plain text (:func:`slack_to_plain`), one line per line written, so a new
    line (a bullet, a list of key figures) ends a sentence."""
    lines = (slack_to_plain(line) for line in (text or "").splitlines())
    return "\n".join(line for line in lines if line)


def check_text(text: str, book: FigureBook) -> list[Check]:
    """One :class:`Check` per number in ``text`` (Slack markup is read as plain text), in order.

    Non-claims come back with ``verdict="not_a_claim"``; callers showing
    answers leave them out. Never raises on any input.
    """
    plain = plain_lines(text)
    numbers = find_numbers(plain)
    periods = find_periods(plain)
    drafts = [_draft(plain, n, periods) if n.claim else None for n in numbers]
    drafts = [_carry_period(d, periods) if d is not None else None for d in drafts]
    drafts = _compared_counts(drafts)
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
        checks.append(_judge(number, draft, book, _sentence_facts(numbers, matched, index), plain))
    return checks


def _sentence_facts(numbers: list[Number], matched: list[set[str]], index: int) -> dict[str, float]:
    """How strongly the sentence's other numbers point at each figure: a number that matches one
    figure only counts 1, one that matches four counts a quarter each ("the four Welsh forces"),
    and the nearest such number breaks a tie (the forces count beside the count of offences)."""
    number = numbers[index]
    weights: dict[str, float] = {}
    for j, other in enumerate(numbers):
        if j == index or other.sentence != number.sentence or not matched[j]:
            continue
        near = 0.001 / (1 + abs(other.start - number.start))
        for fact_id in matched[j]:
            weights[fact_id] = weights.get(fact_id, 0.0) + 1 / len(matched[j]) + near
    return weights


def _draft(text: str, number: Number, periods: list[Span]) -> _DraftNumber:
    clause, at = _clause_parts(text, number.start, number.end, number.sentence)
    sentence = text[number.sentence[0]:number.sentence[1]]
    in_sentence = tuple(p for p in periods if number.sentence[0] <= p.position < number.sentence[1])
    platforms = _platforms_near(clause, at)
    if not platforms and number.kind in {"share", "rise"}:
        before = text[number.sentence[0]:number.start]
        mentions = [(m.end(), name) for pattern, name in _PLATFORMS for m in re.finditer(pattern, before, re.I)]
        if mentions:
            platforms = _platforms_in(before) if _META_GROUP.search(before) else frozenset({max(mentions)[1]})
    geo_before = _ENGLAND_AND_WALES.sub("national", text[number.sentence[0]:number.start])
    geography = "national"
    hits = [(m.start(), name) for pattern, name in _GEOGRAPHIES for m in re.finditer(pattern, geo_before, re.I)]
    hits += [(m.start(), "national") for m in _NATIONAL.finditer(geo_before)]
    if hits:
        geography = max(hits)[1]  # the place named last before the number
    else:  # else the first named after it ("… in England and Wales, reported by the West Wales Chronicle")
        geo_after = _ENGLAND_AND_WALES.sub("national", text[number.end:number.sentence[1]])
        after = [(m.start(), name) for pattern, name in _GEOGRAPHIES for m in re.finditer(pattern, geo_after, re.I)]
        after += [(m.start(), "national") for m in _NATIONAL.finditer(geo_after)]
        geography = min(after)[1] if after else "national"
    subject = _subject(number.kind, clause, at)
    if number.kind == "count":
        subject = _count_subject(text, number, subject, _counted(text, number) or _measure(sentence))
    if number.kind == "count" and _is_base_count(text, clause, number):
        subject = "base"
    if number.kind in {"count", "rate"}:
        platforms = _platforms_near(clause, at)
    clause_periods = tuple(p for p in in_sentence if p.text in clause)
    if number.kind in {"rise", "multiple"}:
        clause_periods = ()
    if not clause_periods and number.kind not in {"rise", "multiple"}:
        in_sentence = tuple(p for p in in_sentence if not _compared_count_period(text, p, number))
    # "the highest number since the offence came in": a record's baseline, not the count's period
    in_sentence = tuple(p for p in in_sentence if not (p.since and _SUPERLATIVE.search(text[max(0, p.position - 40):p.position])))
    return _DraftNumber(number, text, clause, sentence, platforms, geography, subject, clause_periods or in_sentence,
                        _nearest_period(in_sentence, number), _draft_measure(text, number, clause, sentence))


_SUPERLATIVE = re.compile(r"\b(?:highest|lowest|most|largest|biggest|fewest|record)\b[^.;]{0,30}$", re.I)
_COMPARED_COUNT = re.compile(
    r"\b(?:from|with|than|on|double|doubled|twice|triple|treble)\s+(?:the\s+)?([\d,]+)(?:\s+[a-z]+){0,2}\s+(?:in|for)\s+$", re.I)


def _compared_count_period(text: str, period: Span, number: Number) -> bool:
    """True when ``period`` is another count's own ("up from 274 in 2017/18"), not the sentence's."""
    before = _COMPARED_COUNT.search(text[max(number.sentence[0], period.position - 60):period.position])
    return bool(before) and before.group(1) != number.span.strip()  # type: ignore[union-attr]


_Counted = TypeVar("_Counted", _DraftNumber, FigureNumber)


def _compared_counts(numbers: Sequence[_Counted | None]) -> list[_Counted | None]:
    """A bare count a sentence compares with its count ("245 reports …, up 380% on 51 in 2023";
    "554 offences, up from 274") counts what that count counts; a share "of these" is of the group
    the sentence's share before it is about."""
    out = list(numbers)
    for index, item in enumerate(out):
        if item is None or not (item.number.kind == "count" and _bare_comparison(item.text, item.number)
                                or item.number.kind == "share" and not item.subject and _of_these(item.text, item.number)):
            continue
        earlier = [o for o in out[:index] if o is not None and o.number.kind == item.number.kind
                   and o.number.sentence == item.number.sentence and o.subject not in {"base"}]
        if earlier:
            out[index] = replace(item, subject=earlier[-1].subject)
    return out


def _of_these(text: str, number: Number) -> bool:
    """True for a share of the group just named ("9.5% … received a sexual message, with 76.7% of
    these receiving them more than once")."""
    return bool(re.match(r"\s+of\s+(?:these|them|those)\b", text[number.end:number.sentence[1]], re.I))


def _bare_comparison(text: str, number: Number) -> bool:
    """True for a count with no noun of its own after a comparison word ("on 51 in 2023")."""
    before = text[number.sentence[0]:number.start]
    after = re.split(r"[^\sA-Za-z'’-]", text[number.end:number.sentence[1]])[0].split()
    return bool(re.search(r"\b(?:from|on|than|with|against)\s+(?:the\s+)?$", before, re.I)) \
        and (not after or after[0].lower() in _STOP | {"recorded", "reported", "logged"})


def _carry_period(draft: _DraftNumber, periods: list[Span]) -> _DraftNumber:
    """``draft`` with the periods of the nearest earlier sentence that names one (not a "since"),
    when its own sentence names none: a period set once holds for the sentences after it."""
    if draft.periods:
        return draft
    earlier = [p for p in periods if p.position < draft.number.sentence[0] and not p.since]
    if not earlier:
        return draft
    start, end = next(((a, b) for a, b in sentences(draft.text) if a <= earlier[-1].position < b), (0, 0))
    return replace(draft, carried=tuple(p for p in earlier if start <= p.position < end) or (earlier[-1],))


def _kinds_compatible(a: str, b: str) -> bool:
    return a == b


def _one_year(span: Span) -> bool:
    return (span.end - span.start).days <= 400


def _other_length(number: Number, span: Span, fig_start: dt.date, fig_end: dt.date) -> bool:
    """True when a period of the draft's is not the figure's length: one year is never a figure
    for several years, and a whole year's count is not a count for part of one ("in 2024" is not
    April to December 2024)."""
    days = (fig_end - fig_start).days
    if 300 <= (span.end - span.start).days <= 400 and days > 400:
        return True  # not "by March 2022", a point in time
    return number.kind == "count" and (span.end - span.start).days >= 330 and days < 300


def _periods_compatible(draft: _DraftNumber, figure: FigureNumber, lengths: bool = True) -> bool:
    """True when ``draft`` names no period or one ``figure`` is for: the same end, and (with
    ``lengths``) one year against one year ("2019/20" is not the three years to March 2020)."""
    lengths = lengths and draft.number.kind in {"count", "share", "rate"}
    if draft.number.kind in {"date", "money", "age", "forces"} or not draft.periods or not figure.periods:
        return True
    fig_end = max(p.end for p in figure.periods)
    fig_start = min(p.start for p in figure.periods)
    spans = [*draft.periods, *(replace(p, start=a, end=b, parts=()) for p in draft.periods for a, b in p.parts)]
    if any(same_end(p.end, fig_end) and not p.since and not (lengths and _other_length(draft.number, p, fig_start, fig_end))
           for p in spans):
        return True
    if any(same_end(p.end, fig_end) for p in draft.periods) and draft.number.kind in {"rise", "multiple"}:
        return True
    if all(p.since for p in draft.periods):
        if draft.number.kind in {"count", "rate"} and (fig_end - fig_start).days <= 400:
            return False  # "3,572 since April 2017" is a running total, not one year's count
        return any(abs((p.start - fig_start).days) <= 45 for p in draft.periods)
    return False


def _candidates(draft: _DraftNumber, book: FigureBook, lengths: bool = True) -> list[FigureNumber]:
    number = draft.number
    found = []
    for figure in book.numbers:
        fnum = figure.number
        if not _kinds_compatible(number.kind, fnum.kind):
            continue
        if number.kind == "rate" and number.rate != fnum.rate:
            continue
        if number.kind in {"share", "rise", "count", "rate"} and draft.platforms != figure.platforms \
                and not (draft.subject == figure.subject == "base"):
            continue
        if number.kind in {"count", "rate", "share", "forces"} and draft.subject != figure.subject \
                and {draft.subject, figure.subject} != {"base", "offences"}:
            continue
        if number.kind == "age" and draft.subject != figure.subject:
            continue
        if figure.fact.source.publisher and draft.geography != figure.geography and number.kind not in {"date", "money"}:
            continue
        if not _periods_compatible(draft, figure, lengths):
            continue
        if number.kind == "money" and not _same_money_measure(draft, figure):
            continue
        if not _same_body(draft, figure) or not _same_topic(draft, figure) or not _same_survey_question(draft, figure):
            continue
        if number.kind in {"count", "rate", "share", "rise", "multiple", "money"} and not _same_measure(draft, figure) \
                and not (draft.measure == "" and figure.measure == "offences"):
            continue
        found.append(figure)
    return found


def _same_measure(draft: _DraftNumber, figure: FigureNumber) -> bool:
    """True when the draft's number measures what the figure's does: the same measure read from
    the words, or reports for a figure whose unit is reports ("the IWF confirmed 291,273 reports"
    and a claim of "291,273 reports … of child sexual abuse imagery", read as imagery)."""
    if draft.measure == figure.measure:
        return True
    return draft.measure == "reports" and figure.primary and figure.number.kind == "count" \
        and figure.fact.unit in {"reports", "webpages"}


#: Bodies that publish their own counts and shares: a draft naming one is not about another's.
_BODIES: list[tuple[str, str]] = [
    (r"\bceop\b|child\s+exploitation\s+and\s+online\s+protection", "CEOP"),
    (r"report\s+remove", "Report Remove"), (r"\biwf\b|internet\s+watch\s+foundation", "IWF"),
    (r"childline", "Childline"), (r"helpline", "Helpline"), (r"\bofcom\b", "Ofcom"),
    (r"\bons\b|office\s+for\s+national\s+statistics|crime\s+survey", "ONS"),
]


def _bodies(text: str) -> frozenset[str]:
    return frozenset(name for pattern, name in _BODIES if re.search(pattern, text, re.I))


def _same_body(draft: _DraftNumber, figure: FigureNumber) -> bool:
    """False when the draft's sentence and the figure's claim each name a body, and none in common
    ("CEOP received 20,000 reports" is not a Report Remove figure)."""
    if draft.number.kind in {"date", "age", "forces"}:
        return True
    mine, theirs = _bodies(draft.sentence), _bodies(figure.text)
    if "Report Remove" in theirs and mine and "Report Remove" not in mine:
        return False  # "the IWF confirmed 275,655 reports" is not about the IWF's Report Remove service
    return not mine or not theirs or bool(mine & theirs)


#: What a count of sessions, contacts or reports is about.
_TOPICS: list[tuple[str, str]] = [
    (r"sextortion|sexual(?:ly)?\s+extort|financially\s+motivated", "sextortion"),
    (r"\bgroom(?:ing|ed|ers?)?\b|sexual\s+communication|communicating\s+indecently", "grooming"),
    (r"bullying|bullied", "bullying"),
]


def _topics(text: str) -> frozenset[str]:
    return frozenset(name for pattern, name in _TOPICS if re.search(pattern, text, re.I))


def _same_topic(draft: _DraftNumber, figure: FigureNumber) -> bool:
    """False when the draft says what its sessions or contacts were about and the figure is about
    something else ("counselling sessions about grooming" against sessions about sextortion)."""
    if draft.measure in {"offences", ""} or draft.number.kind in {"date", "age", "forces", "money"}:
        return True
    mine, theirs = _topics(draft.sentence), _topics(figure.text)
    if draft.measure == "reports" and mine and not theirs:
        return False  # "sextortion reports to the IWF" are not all the reports it confirmed
    return not mine or not theirs or bool(mine & theirs)


#: Words every survey figure shares; the rest say what the question was.
_SURVEY_WORDS = frozenset({
    "children", "child", "online", "aged", "young", "people", "percent", "years", "year", "according", "research",
    "survey", "published", "ofcom", "office", "national", "statistics", "england", "wales", "ending", "march",
    "between", "their", "there", "where", "which", "about", "those", "these", "other", "some", "form",
})


def _content_words(text: str) -> set[str]:
    return {w[:6] for w in re.findall(r"[a-z]{5,}", text.lower()) if w not in _SURVEY_WORDS}


def _same_survey_question(draft: _DraftNumber, figure: FigureNumber) -> bool:
    """A survey share is about its question: the draft's clause must share a word of it beyond
    "children", "online", "aged" ("contacted by a stranger while gaming" is not "has an adult user age")."""
    if "survey" not in {draft.measure, figure.measure} or draft.number.kind not in {"share", "count"}:
        return True
    return bool(_content_words(draft.sentence) & _content_words(figure.text))


_MAXIMUM = re.compile(r"\b(?:up\s+to|maximum|max|as\s+much\s+as|at\s+most|the\s+most|capped|cap)\b", re.I)


_PAID = re.compile(r"\b(?:total(?:ling|led|s)?|issued|paid|imposed|handed\s+out|levied|so\s+far|already|collected)\b", re.I)


def _same_money_measure(draft: _DraftNumber, figure: FigureNumber) -> bool:
    """Money is one measure in one currency, and a maximum ("fines of up to £18 million") is not
    an amount paid ("fines totalling £1 million")."""
    if draft.number.currency != figure.number.currency:
        return False
    maximum, paid = _MAXIMUM.search(figure.text), _PAID.search(figure.text)
    return not (maximum and _PAID.search(draft.clause) or paid and _MAXIMUM.search(draft.clause))


def _value_matches(draft: Number, figure: Number) -> bool:
    """True when the draft's number, as hedged, says the figure's value (never rounded)."""
    if draft.kind == "date" and isinstance(draft.value, dt.date) and isinstance(figure.value, dt.date):
        return _same_date(draft, figure)
    if not isinstance(draft.value, float | int) or not isinstance(figure.value, float | int):
        return False
    d, f = float(draft.value), float(figure.value)
    if draft.kind == "money":
        return draft.currency == figure.currency and abs(d - f) < 1e-6
    if draft.kind == "multiple":
        return d == f and (draft.hedge == figure.hedge or "exact" in {draft.hedge, figure.hedge})
    if figure.hedge != "exact" and not figure.approximate:
        return abs(d - f) < 1e-9 and draft.hedge in {figure.hedge, "exact"}
    return _within_hedge(draft, d, f, points=draft.kind in {"share", "rise"},
                         loose=draft.approximate or figure.approximate)


def _same_date(draft: Number, figure: Number) -> bool:
    """Dates agree to the coarser of the two precisions (year, month, day)."""
    a, b = draft.value, figure.value
    assert isinstance(a, dt.date) and isinstance(b, dt.date)
    if "year" in {draft.precision, figure.precision}:
        return a.year == b.year
    if "month" in {draft.precision, figure.precision}:
        return (a.year, a.month) == (b.year, b.month)
    return a == b


def _within_hedge(draft: Number, d: float, f: float, points: bool, loose: bool) -> bool:
    """The figure's value ``f`` is what the draft's ``d`` says: exact when unhedged (3 points for
    a ratio or fraction), "almost" up to 5% (4 points) below, "over" up to 10% (4 points) above,
    "about" within 5% (3 points)."""
    if draft.hedge == "exact":
        return abs(d - f) <= 3.0 if loose and points else abs(d - f) < 1e-9
    if draft.hedge == "under":
        return d - 4.0 <= f <= d if points else d * 0.95 <= f < d
    if draft.hedge == "over":
        return d <= f <= d + 4.0 if points else d < f <= d * 1.10
    return abs(d - f) <= 3.0 if points else abs(d - f) <= 0.05 * d


def _shared_words(draft: _DraftNumber, figure: FigureNumber) -> int:
    """How many words of four letters or more the draft's sentence shares with the figure's claim."""
    return len(set(re.findall(r"[a-z]{4,}", draft.sentence.lower())) & set(re.findall(r"[a-z]{4,}", figure.fact.claim.lower())))


def _days_apart(a: Number, b: Number) -> int:
    if isinstance(a.value, dt.date) and isinstance(b.value, dt.date):
        return abs((a.value - b.value).days)
    return 10**6


def _closeness(draft: Number, figure: Number) -> float:
    """How near two values are (0 the same, more negative further apart): a wrong figure is most
    often the right one mistyped ("178,999" for 187,999)."""
    if isinstance(draft.value, float | int) and isinstance(figure.value, float | int) and draft.value > 0 and figure.value > 0:
        return -abs(math.log(float(draft.value) / float(figure.value)))
    return -1e9


def _score(draft: _DraftNumber, figure: FigureNumber, sentence_facts: dict[str, float]) -> tuple:
    period_hit = any(same_end(p.end, max(q.end for q in figure.periods)) for p in draft.periods) if figure.periods else False
    own = draft.own_period
    exact = bool(own and any(same_end(own.end, q.end) and same_end(own.start, q.start) for q in figure.periods))
    dated = draft.number.kind not in {"date", "money", "age", "forces"}
    same_words = draft.number.span.lower().strip() == figure.number.span.lower().strip()
    exact_value = _same_value(draft.number.value, figure.number.value) and draft.number.hedge == figure.number.hedge
    return (
        figure.primary,
        exact_value,
        sentence_facts.get(figure.fact.id, 0.0),
        dated and exact,
        dated and period_hit,
        _shared_words(draft, figure),
        same_words,
        figure.fact.status != "held",
        figure.fact.period.end or dt.date.min,
    )


def _matching(draft: _DraftNumber, book: FigureBook) -> tuple[list[FigureNumber], list[FigureNumber]]:
    """(the figures ``draft`` could claim to be, those of them whose value it gives)."""
    candidates = _for_its_period(draft, _candidates(draft, book))
    if draft.number.kind == "date":
        # A date in a draft is a claim about a law or duty (other dates are not claims): only a
        # figure whose own value is a date can confirm it, never a release's period start.
        candidates = [c for c in candidates if c.primary]
    return candidates, [c for c in candidates if _value_matches(draft.number, c.number)]


def _newest_said(draft: _DraftNumber, matching: list[FigureNumber], book: FigureBook) -> list[FigureNumber]:
    """``matching`` without the figures another of them replaces, for a hedged number in a sentence
    presented as current: "Over 7,000 … last year" says 7,062 (2023/24) and 7,263 (2024/25), which
    replaces it, so the hedge is honoured by the newer figure, never found out of date."""
    number = draft.number
    if not matching or draft.periods or number.hedge == "exact" or number.approximate \
            or not _says_current(draft.sentence):
        return matching
    ids = {c.fact.id for c in matching}
    return [c for c in matching if (book.newer_than(c.fact) or c.fact).id not in ids - {c.fact.id}] or matching


def _for_its_period(draft: _DraftNumber, candidates: list[FigureNumber]) -> list[FigureNumber]:
    """A count of forces is read for any period (the forces behind a figure are named beside
    counts of other years), but one a draft gives for a period is compared with the figures for
    that period when any are curated: "150 forces supplied data in 2024/25" is about the 44 forces
    of 2024/25, not the 45 of 2023/24."""
    if draft.number.kind != "forces" or not draft.periods:
        return candidates
    ends = [p.end for p in draft.periods if not p.since]
    same = [c for c in candidates if c.periods and any(same_end(end, max(q.end for q in c.periods)) for end in ends)]
    return same or candidates


def _judge(number: Number, draft: _DraftNumber, book: FigureBook, sentence_facts: dict[str, float], text: str) -> Check:
    sentence = draft.sentence.strip()
    if isinstance(number.value, float | int) and number.value < 0:
        return Check(number, "no_figure", sentence, why="a negative number is no count, share or date a figure gives")
    if number.kind == "count" and isinstance(number.value, float) and 0 < number.value < 1:
        # "0.8 victims": a proportion written without "of"; never compared with a count.
        return Check(number, "no_figure", sentence, why="a number below one is not a count; write a share as a "
                                                        "percentage (80%) or as \"of\" a group (0.8 of victims)")
    if draft.carried:
        # A period set by an earlier sentence: read with it first.
        with_period = replace(draft, periods=draft.carried)
        _, matching = _matching(with_period, book)
        if matching:
            best = max(matching, key=lambda c: _score(with_period, c, sentence_facts))
            return _judge_match(with_period, best, book, sentence_facts)
    candidates, matching = _matching(draft, book)
    matching = _newest_said(draft, matching, book)
    if matching:
        best = max(matching, key=lambda c: _score(draft, c, sentence_facts))
        return _judge_match(draft, best, book, sentence_facts)
    if number.kind == "age" and draft.subject == "eligibility":
        candidates = [c for c in candidates if c.primary]
    other = _another_measure(draft, book)
    if other is not None:
        # The figure to use is the one for what the sentence says it counts, when one is curated.
        own = [c for c in candidates if c.primary and c.subject == draft.subject and c.number.kind == number.kind]
        use = max(own, key=lambda c: _score(draft, c, sentence_facts)) if own else other
        return Check(number, "known_misquote", sentence, use.fact, use.number.span, corrected=_own_claim(use.fact, use),
                     why=f"{other.number.span} is a figure for {_lower_first(other.fact.base)}, "
                         "not for what this sentence says it counts")
    several = _several_years_as_one(draft, book)
    if several is not None:
        fact = several.fact
        return Check(number, "known_misquote", sentence, fact, several.number.span, corrected=_own_claim(fact, several),
                     why=f"{several.number.span} is for {fact.period.label or 'another period'} as a whole, "
                         "not for the period this sentence gives")
    misquoted = _misquote(draft, book)
    if misquoted:
        fact, why = misquoted
        return Check(number, "known_misquote", sentence, fact, _figure_text(fact), corrected=_own_claim(fact), why=why)
    # A figure whose value the sentence says beside this number is that number's figure, not this
    # one's ("7,263 in 2024/25, almost double the 3,278 in 2017/18": 3,278 was compared with 7,263
    # and "use 7,263's claim" offered).
    candidates = [c for c in candidates if c.subject == draft.subject and not _said_beside(draft, c)]
    if not candidates:
        held = _held_for_others(draft, book)
        why = _held_why(held.fact) if held else _other_period(draft, book) or _other_measure_why(draft, book)
        return Check(number, "no_figure", sentence, why=why or NO_FIGURE)
    same = [c for c in candidates if _same_value(c.number.value, number.value)]
    if same:
        # The figure's own number with a hedge it does not have ("more than 10,191"): that figure.
        best = max(same, key=lambda c: _score(draft, c, sentence_facts))
        return Check(number, "differs", sentence, best.fact, best.number.span, corrected=_replace(draft, best))
    best = max(candidates, key=lambda c: (sentence_facts.get(c.fact.id, 0.0), *_score(draft, c, sentence_facts)[:1],
                                          *_score(draft, c, sentence_facts)[3:5], _closeness(number, c.number),
                                          *_score(draft, c, sentence_facts)))
    if number.kind == "date":
        # A wrong date of a law: the place the sentence names (else the product's default, UK and
        # England and Wales), the law whose words the sentence uses, the date nearest in form (same
        # day and month: "3 April 1017" is 3 April 2017 mistyped), then the nearest date.
        best = max(candidates, key=lambda c: (c.geography == draft.geography, _shared_words(draft, c),
                                              _same_day_and_month(number, c.number), -_days_apart(number, c.number)))
    elif not draft.periods and best.fact.id not in sentence_facts:
        # No period given: the figure to use is the newest one for this measure (single years first).
        primaries = [c for c in candidates if c.primary]
        if not primaries:
            return Check(number, "no_figure", sentence, why=NO_FIGURE)
        best = max(primaries, key=lambda c: (c.fact.servable, _single_year(c.fact), c.fact.period.end or dt.date.min))
    fact = best.fact
    return Check(number, "differs", sentence, fact, best.number.span, corrected=_replace(draft, best))


def _said_beside(draft: _DraftNumber, figure: FigureNumber) -> bool:
    """True when another number of ``draft``'s sentence is ``figure``'s own value."""
    return any(other.claim and _same_value(other.value, figure.number.value)
               and not _same_value(other.value, draft.number.value) for other in find_numbers(draft.sentence))


#: Why a number has no curated figure, when nothing more particular can be said.
NO_FIGURE = "no curated figure is about this"


def _other_period(draft: _DraftNumber, book: FigureBook) -> str:
    """For a draft that names a period no figure of its measure is for ("7,263 … in 1850/51"): why,
    naming the period the curated figure with the draft's number is for; ``""`` when there is none."""
    if not draft.periods:
        return ""
    undated = replace(draft, periods=(), carried=())
    same = [c for c in _candidates(undated, book) if c.primary and c.subject == draft.subject
            and _value_matches(draft.number, c.number)]
    if not same:
        return ""
    fact = max(same, key=lambda c: c.fact.period.end or dt.date.min).fact
    return (f"nothing curated is for {_period_named(draft.periods[0].text)}; "
            f"{fact.display} is the curated figure for {fact.period.label or 'another period'}")


def _other_measure_why(draft: _DraftNumber, book: FigureBook) -> str:
    """For a dated draft whose exact number is another measure's figure for another period ("6,350
    child sexual offences in 2024/25"; 6,350 is the grooming count of 2022/23): why nothing is
    compared, naming what that number is (never offered as the figure to use); ``""`` otherwise."""
    undated = replace(draft, periods=(), carried=())
    other = _another_measure(undated, book) if draft.periods else None
    if other is None:
        return ""
    fact = other.fact
    return (f"nothing curated is for {_period_named(draft.periods[0].text)}; {fact.display} is the curated figure "
            f"for {_lower_first(fact.base)} in {fact.period.label or 'another period'}, not for what this sentence "
            "says it counts")


def _period_named(text: str) -> str:
    """A draft's period as the object of "for": "in 2019" → "2019", "between April and June
    2020" → "the period between April and June 2020"."""
    text = re.sub(r"^(?:in|during|for|over|throughout|across|within)\s+", "", text.strip(), flags=re.I)
    return f"the period {text}" if re.match(r"(?:between|from|since|after|before|up\s+to|until)\b", text, re.I) else text


def _held_for_others(draft: _DraftNumber, book: FigureBook) -> FigureNumber | None:
    """A held figure with the draft's number for platforms the draft names only some of ("Facebook
    was used in 9% … in 2024/25" and the held 9% for Facebook and Instagram); ``None`` when there is
    none. It is never a match (curators hold it because what it is for is unclear)."""
    if not draft.platforms:
        return None
    groups = {f.platforms for f in book.numbers if f.primary and f.fact.status == "held"
              and f.platforms & draft.platforms and f.platforms != draft.platforms}
    for platforms in sorted(groups, key=sorted):
        widened = replace(draft, platforms=platforms)
        for figure in _candidates(widened, book):
            if figure.primary and figure.fact.status == "held" and figure.platforms == platforms \
                    and _value_matches(draft.number, figure.number):
                return figure
    return None


def _held_why(fact: Fact) -> str:
    """Why a held figure is not confirmed: its curators' "Held …" caveat."""
    reason = next((c for c in fact.caveats if c.lower().startswith("held")), "its source is not yet checked")
    reason = re.sub(r"^held(?:\s+because|:)?\s*", "", reason, flags=re.I).rstrip(". ")
    return (f"the curated {fact.display} for {' and '.join(fact.platforms)} ({fact.period.label or 'undated'}) "
            f"is held by curators, not confirmed: {reason}")


def _same_day_and_month(a: Number, b: Number) -> bool:
    return isinstance(a.value, dt.date) and isinstance(b.value, dt.date) and a.precision == b.precision == "day" \
        and (a.value.month, a.value.day) == (b.value.month, b.value.day)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _another_measure(draft: _DraftNumber, book: FigureBook) -> FigureNumber | None:
    """The figure whose exact number a draft gives for another measure ("6,350 child sexual
    offences" for 6,350 grooming offences; "10,391 online grooming offences" for 10,391 online
    sexual offences of all kinds; "92% of child victims" for the IWF's 92% of webpages), same place;
    ``None`` when there is none. Only numbers too particular to be a coincidence
    (:func:`_particular`): counts of 100 or more or a platform's share for the same period, or any
    of them from the same named body."""
    number = draft.number
    if number.hedge != "exact" or not draft.measure or not isinstance(number.value, float | int) \
            or number.kind not in {"count", "share"} or number.kind == "count" and number.value < 100:
        return None
    for figure in book.numbers:
        if figure.primary and figure.number.kind == number.kind and figure.measure and not _same_measure(draft, figure) \
                and figure.number.hedge == "exact" and _same_value(figure.number.value, number.value) \
                and figure.platforms == draft.platforms and figure.geography == draft.geography \
                and _particular(draft, figure):
            return figure
    return None


def _particular(draft: _DraftNumber, figure: FigureNumber) -> bool:
    """True when a draft's number and a figure's are too particular to agree by chance: the same
    period (with a platform's share), or the same body ("the IWF says 92% …")."""
    if draft.periods and _periods_compatible(draft, figure) and (figure.periods or _label_names(figure.fact, draft)):
        return draft.number.kind == "count" or bool(draft.platforms)
    if not draft.periods and draft.number.kind == "count" and isinstance(draft.number.value, float | int) \
            and draft.number.value >= 1000:
        return True  # "Police recorded 6,350 child sexual offences": the grooming count's own number
    if draft.number.kind == "share":  # the same body's share, said to be of something else
        mine, theirs = _share_of(draft.text, draft.number), _share_of(figure.text, figure.number)
        if not mine or not theirs or mine == theirs:
            return False
    return bool(_bodies(draft.sentence) & _bodies(figure.text)) and _periods_compatible(draft, figure)


def _label_names(fact: Fact, draft: _DraftNumber) -> bool:
    """True when an undated figure's period label names a year the draft gives ("2022 or 2021/22
    (outlets disagree)" and "in 2022")."""
    years = {y for p in draft.periods for y in re.findall(r"(?:19|20)\d{2}(?:/\d{2})?", p.text)}
    return any(re.search(rf"(?<![\d/]){re.escape(y)}(?![\d/])", fact.period.label or "") for y in years)


def _share_of(text: str, number: Number) -> str:
    """The plural noun a share is "of" ("92% of child victims" → "victims"), or ``""``."""
    after = re.sub(r"^\s*\([^)]*\)", "", text[number.end:number.sentence[1]])
    match = re.match(r"\s+of\s+(?:the\s+|all\s+|those\s+|these\s+)?(?:[\w'-]+\s+){0,2}?([a-z]+s)\b", after, re.I)
    return match.group(1).lower() if match else ""


def _several_years_as_one(draft: _DraftNumber, book: FigureBook) -> FigureNumber | None:
    """The figure for another length of time that a draft gives as its period's ("26% in 2022/23"
    for the six years to March 2023; "just over 500 in 2024" for April to December 2024), when that
    is what it gives; else ``None``."""
    if draft.number.kind not in {"count", "share", "rate"} or not draft.periods:
        return None
    for figure in _candidates(draft, book, lengths=False):
        fig = figure.fact.period
        if figure.primary and fig.start and fig.end and _value_matches(draft.number, figure.number) \
                and not _periods_compatible(draft, figure):
            return figure
    return None


def _judge_match(draft: _DraftNumber, best: FigureNumber, book: FigureBook, sentence_facts: dict[str, float]) -> Check:
    number, fact = draft.number, best.fact
    sentence = draft.sentence.strip()
    misquoted = _misquote(draft, book, matched=fact)
    if misquoted:
        mis_fact, why = misquoted
        return Check(number, "known_misquote", sentence, mis_fact, _figure_text(mis_fact), corrected=_own_claim(mis_fact),
                     why=why)
    if number.kind == "share" and _OF_ALL.search(draft.clause) and _CONDITIONAL_BASE.search(fact.base):
        return Check(number, "differs", sentence, fact, best.number.span, corrected=_own_claim(fact, best),
                     why=f"it is a share of {fact.base[:1].lower() + fact.base[1:]}, not of all")
    if number.kind == "rise" and _RESTRICTED_BASE.search(fact.base) and not _RESTRICTION_SAID.search(sentence):
        # Quoted beside raw totals from another figure (which carries its own comparison), the
        # restricted rise is presented as the change in those totals.
        mixed = {i for i in set(sentence_facts) - {fact.id} if i in book.by_id and book.by_id[i].comparison}
        if not any(n.kind == "count" and n.claim for n in find_numbers(draft.sentence)):
            mixed = set()  # "almost doubled (99%)" quotes no totals
        if mixed:
            totals = book.by_id[max(mixed, key=lambda i: sentence_facts[i])]
            return Check(number, "known_misquote", sentence, totals, best.number.span, corrected=_own_claim(fact, best),
                         why=f"{best.number.span} is only for {_lower_first(fact.base)}; "
                             "it is not the change in the totals this sentence quotes")
        return Check(number, "missing_base_or_period", sentence, fact, best.number.span, missing=["base"],
                     corrected=_own_claim(fact, best), why="the sentence does not say which forces the rise is for")
    newer = book.newer_than(fact)
    if newer is not None and _later_context(draft, fact):
        return Check(number, "out_of_date", sentence, fact, best.number.span, newer=newer, corrected=_own_claim(newer),
                     why=f"the text around it is about {draft.carried[-1].text}; this figure is for "
                         f"{fact.period.label or 'an earlier period'}, and a newer figure replaces it")
    if _says_current(sentence) and not _pinned(draft, best) and number.kind not in {"forces", "date"}:
        if newer is not None:
            return Check(number, "out_of_date", sentence, fact, best.number.span, newer=newer, corrected=_own_claim(newer),
                         why="a newer figure replaces it")
        release = book.newer_release(fact)
        if release is not None:
            return Check(number, "out_of_date", sentence, fact, best.number.span, corrected=None,
                         why=f"it is from an earlier release; a newer release ({_release_label(release)}) covers a "
                             f"later period, and no newer figure for this measure and geography is curated")
    missing = []
    # A base's aside about another of the source's numbers ("(the 39% for girls aged 12 to 15 is
    # of …)") is not this share's base.
    base = _ASIDE.sub(" ", fact.base)
    if number.kind in {"share"} and best.primary and (
            _CONDITIONAL_BASE.search(base) and not _BASE_WORDS.search(sentence)
            or _AGE_GROUP.search(base + " " + fact.unit) and not _AGE_GROUP.search(sentence)):
        missing.append("base")  # of those where the platform was known; of children aged 11 to 18
    if number.kind in {"count", "share", "rise", "rate", "multiple"} and not draft.periods and not _reference(fact) \
            and not (_LAST_YEAR.search(sentence) and _single_year(fact) and newer is None):
        missing.append("period")  # "last year" of the newest year's figure names its period
    if missing:
        return Check(number, "missing_base_or_period", sentence, fact, best.number.span, missing=missing,
                     corrected=_own_claim(fact, best), why="the sentence does not say " + " or ".join(
                         {"base": "what it is a share of", "period": "when"}[m] for m in missing))
    return Check(number, "matches", sentence, fact, best.number.span, corrected=None, why="")


#: A sentence naming the latest year as its period ("recorded last year", "in the past year").
_LAST_YEAR = re.compile(r"\b(?:last|past)\s+year\b", re.I)


def _says_current(sentence: str) -> bool:
    """True when the sentence presents its figures as current ("latest", "now", "a record high"),
    not counting a denial ("a campaign ask at the time, not what the law now says")."""
    return any(not re.search(r"\bnot\b(?:\s+\w+){0,3}\s+$", sentence[:m.start()], re.I)
               for m in _CURRENT.finditer(sentence))


def _later_context(draft: _DraftNumber, fact: Fact) -> bool:
    """True when the period carried from an earlier sentence is later than ``fact``'s own (the
    draft quotes an older figure among newer ones)."""
    if not draft.carried or draft.periods or fact.period.end is None:
        return False
    return max(p.end for p in draft.carried) > fact.period.end + dt.timedelta(days=45)


def _single_year(fact: Fact) -> bool:
    return bool(fact.period.start and fact.period.end and (fact.period.end - fact.period.start).days <= 400)


def _release_label(fact: Fact) -> str:
    src = fact.source
    when = f"{src.published.day} {src.published:%B %Y}" if src.published else (src.published_note or "undated")
    return f"{src.publisher}, {when}"


def _figure_text(fact: Fact) -> str:
    return fact.display


def _pinned(draft: _DraftNumber, figure: FigureNumber) -> bool:
    """True when the sentence names the figure's own period (so "latest" is not claimed of it)."""
    return any(same_end(p.end, q.end) and not p.since for p in draft.periods for q in figure.periods)


def _reference(fact: Fact) -> bool:
    return fact.period.end is None or fact.period.start is None


_RISE_WORDS = {"rise", "rose", "risen", "rising", "jump", "jumped", "increase", "increased", "grew", "grown",
               "surge", "surged", "up", "soared", "leapt"}
#: Words that say the same thing in a misquote and a draft ("under the Online Safety Act" and
#: "under the new law"; "tech firms" and "tech bosses").
_SAME_WORDS = {
    "act": "law", "legislation": "law", "laws": "law", "statute": "law",
    "firm": "company", "firms": "company", "companies": "company", "bosses": "company", "boss": "company",
    "providers": "company", "provider": "company",
}
_STOP = {"the", "and", "of", "in", "on", "a", "an", "to", "for", "by", "with", "that", "this", "was", "were", "is",
         "are", "be", "been", "has", "have", "had", "its", "it", "as", "at", "from", "or", "than", "which", "who"}


def _stems(text: str) -> set[str]:
    out = set()
    for word in re.findall(r"[a-z]+", text.lower().replace("’", "'")):
        if word in _STOP or len(word) < 3:
            continue
        if word in _RISE_WORDS:
            out.add("rise")
            continue
        if word in _SAME_WORDS:
            out.add(_SAME_WORDS[word])
            continue
        # Plurals only: "recorded" must not read as "record".
        out.add(re.sub(r"(?<!s)s$", "", word) if len(word) > 3 else word)
    return out


#: A number's unit written out ("40 per cent"): not a word that makes a misquote wrong.
_UNIT_WORDS = frozenset({"per", "cent", "percent"})


def _misquote(draft: _DraftNumber, book: FigureBook, matched: Fact | None = None) -> tuple[Fact, str] | None:
    """``(fact, why)`` when the draft's number is a wording curators marked wrong on ``fact``.

    A misquote applies when its own number is the draft's (same kind and value) or, for a wording
    with no number of its own, when the draft's number is the matched figure; and the words that
    make it wrong (those not in the figure's own claim) are in the draft's sentence.
    """
    sentence = _stems(draft.sentence)
    for fact, misquote, numbers, distinctive in book.misquotes:
        same_number = any(n.kind == draft.number.kind and n.currency == draft.number.currency
                          and _same_value(n.value, draft.number.value) for n in numbers)
        if not same_number and not (matched is not None and matched.id == fact.id and not numbers):
            if not (matched is not None and matched.id == fact.id and any(
                    _same_value(n.value, draft.number.value) for n in numbers)):
                continue
        # Its own number said of the figure's own platforms ("a 40% rise … on Instagram") is
        # particular enough with one of its words; otherwise half of them must be there.
        own_platforms = same_number and bool(draft.platforms) and draft.platforms == _platforms_of_fact(fact) \
            and (not draft.periods or fact.period.end is not None and any(same_end(p.end, fact.period.end)
                                                                         for p in draft.periods))
        needed = 1 if own_platforms else len(distinctive) / 2
        if distinctive and len((distinctive - _UNIT_WORDS) & sentence) < needed:
            continue
        if not distinctive and not same_number:
            continue
        if _measure(draft.sentence) not in {_measure(fact.claim), ""}:
            continue
        return fact, misquote.why
    return None


def known_misquotes(fact: Fact) -> list:
    """The misquotes curators recorded on ``fact`` (each has ``wording`` and ``why``)."""
    return list(getattr(fact, "misquotes", None) or [])


#: Who a claim says gave the figure, at its end (", according to NSPCC release text …").
_ATTRIBUTION = re.compile(r",\s+(?:according\s+to|as\s+reported\s+by|reported\s+by)\b[^;]*$", re.I)
#: Where a claim joins another statement on after its figure.
_JOINED = re.compile(r";\s+|,\s+and\s+")


def _own_claim(fact: Fact, compared: FigureNumber | None = None) -> str:
    """``fact``'s claim to offer as the sentence to use, without a statement joined on after the
    figure that gives a figure of its own ("Girls were 80% … where gender was known, and the
    youngest recorded victim was a four-year-old boy, according to …" offers "Girls were 80% …
    where gender was known, according to …"): the curated words, cut, never reworded. The whole
    claim when ``compared`` is not the figure itself, and for a held figure (its doubt is part of
    it) or when what follows gives no other number (a caveat: "; it is an undercount, …")."""
    claim = fact.claim
    if fact.status == "held" or (compared is not None and not compared.primary):
        return claim
    primary = _primary_number(fact, [n for n in find_numbers(claim, dates_are_claims=True) if n.claim])
    joined = _JOINED.search(claim, primary.end) if primary is not None else None
    if joined is None:
        return claim
    attribution = _ATTRIBUTION.search(claim, joined.end())
    other = claim[joined.end():attribution.start() if attribution else len(claim)]
    if not any(n.claim for n in find_numbers(other, dates_are_claims=True)):
        return claim
    end = attribution.group(0) if attribution else "."
    return claim[:joined.start()].rstrip(" ,") + end


def _replace(draft: _DraftNumber, figure: FigureNumber) -> str | None:
    """The draft's sentence with the curated wording in place of the draft's number, when the
    sentence gives the figure's own period (or, for a law's date, the same place and the same day
    and month: a mistyped year); otherwise the figure's own claim; ``None`` when the two numbers are
    not of one kind. Swapping the number
    alone would keep words it is not true with: "rose by 25% in the last year" must not become
    "rose by 99% in the last year" when the 99% is the rise since 2017/18."""
    number = draft.number
    if number.kind != figure.number.kind:
        return None  # never a number of another kind (a count for a share) in the draft's sentence
    own = draft.own_period
    typo = number.kind == "date" and figure.geography == draft.geography and _same_day_and_month(number, figure.number)
    if not typo and not (own and any(same_end(own.end, q.end) and same_end(own.start, q.start) for q in figure.periods)):
        return _own_claim(figure.fact, figure)
    start, end = number.start - number.sentence[0], number.end - number.sentence[0]
    sentence = draft.sentence
    return (sentence[:start] + figure.number.span + sentence[end:]).strip()
