"""What a question asks for, read from its plain words.

:func:`read_question` finds, in a question's plain text:

- **periods**: periods named relative to today ("next year", "this year",
  "yesterday", "last month"; not "last year", read as "the newest"), kept as
  phrases for search to date by the catalogue's clock (:func:`relative_period`);
  financial years (``2023/24``, ``2023-2024``, ``23/24``, "the year
  to March 2025"), calendar years (``2020``) — each a filter — and a baseline
  after "since" / "from" ("since 2017/18"), which is *not* a filter but asks
  for a change or a total from then;
- **places**: a nation (UK, England and Wales, Wales, Scotland, Northern
  Ireland), an English region, or a police force or city that no figure may
  cover (the Met, Greater Manchester, London) — a filter;
- **what is asked**: a count ("how many", "number of"), a share ("what
  percentage", "proportion", "%"), a change ("risen", "increase", "doubled",
  "since 2017/18"), a total over years ("in total", "since the law came in",
  "cumulative"), a date ("when did … start / come into force"), a contact or
  reporting route ("helpline number", "how do I report"), and whether the
  newest is wanted ("latest", "last year", "most recent");
- **who within**: whether it names an age or an age band ("aged 12-15",
  "under 11s", "how old", "youngest"), and whether it asks for a place on its
  own ("kent police alone", "only", "just").

Nothing here searches; :mod:`facts.figures.search` uses the reading.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

#: Places a question may name: key → (how people write it, label for answers).
#: Order matters: "England and Wales" is read before "Wales".
PLACES: dict[str, tuple[str, str]] = {
    "englandwales": (r"\bengland\s*(?:and|&)\s*wales\b|\be\s*&\s*w\b|\be&w\b", "England and Wales"),
    "northernireland": (r"\bnorthern\s+ireland\b|\bni\b|\bpsni\b", "Northern Ireland"),
    "scotland": (r"\bscotland\b|\bscottish\b", "Scotland"),
    "wales": (r"\bwales\b|\bwelsh\b|\bcymru\b", "Wales"),
    "uk": (r"\buk\b|\bunited\s+kingdom\b|\bbritain\b|\bnationally\b|\buk[\s-]+wide\b", "the UK"),
    "westmidlands": (r"\bwest\s+mid(?:land)?s\b", "the West Midlands"),
    "southeast": (r"\bsouth[\s-]+east\b", "the South East"),
    # Forces and cities with no figure of their own: named so the answer can say so. A region's
    # total is not one force's figure (as a UK figure is not London's): see REGION_FORCES.
    "hampshire": (r"\bhampshire\b|\bhants\b", "Hampshire"),
    "sussex": (r"\bsussex\b", "Sussex"),
    "surrey": (r"\bsurrey\b", "Surrey"),
    "kent": (r"\bkent\b", "Kent"),
    "met": (r"\bmet\s+police\b|\bmetropolitan\b|\bthe\s+met\b|\blondon\b|\bscotland\s+yard\b",
            "the Metropolitan Police (London)"),
    "manchester": (r"\bgreater\s+manchester\b|\bgmp\b|\bmanchester\b", "Greater Manchester"),
    "dyfedpowys": (r"\bdyfed[\s-]*powys\b", "Dyfed-Powys"),
    "lincolnshire": (r"\blincolnshire\b|\blincs\b", "Lincolnshire"),
    "gwent": (r"\bgwent\b", "Gwent"),
    "staffordshire": (r"\bstaffordshire\b|\bstaffs\b", "Staffordshire"),
    "warwickshire": (r"\bwarwickshire\b", "Warwickshire"),
    "westmercia": (r"\bwest\s+mercia\b", "West Mercia"),
    "england": (r"\bengland\b", "England"),
    "us": (r"\bthe\s+us\b|\bamerica\b|\busa\b|\bunited\s+states\b", "the United States"),
}
_PLACE_PATTERNS = [(key, re.compile(pattern)) for key, (pattern, _label) in PLACES.items()]
#: A region whose figures are the total of these forces: named all together, they are the region.
REGION_FORCES: dict[str, frozenset[str]] = {"southeast": frozenset({"hampshire", "sussex", "surrey", "kent"})}
#: Places that are one police force's area: a figure's geography or base may list several as its parts.
FORCES = frozenset({"hampshire", "sussex", "surrey", "kent", "met", "manchester", "dyfedpowys", "lincolnshire",
                    "gwent", "staffordshire", "warwickshire", "westmercia"})

#: A geography as curated ("UK (44 police forces)", "Wales (4 police forces)") → place keys.
_GEOGRAPHY_PLACES = [
    ("englandwales", re.compile(r"england\s+and\s+wales", re.I)),
    ("northernireland", re.compile(r"northern\s+ireland", re.I)),
    ("scotland", re.compile(r"scotland", re.I)),
    ("wales", re.compile(r"(?<!england and )\bwales\b", re.I)),
    ("uk", re.compile(r"\buk\b|united kingdom", re.I)),
    ("westmidlands", re.compile(r"west midlands", re.I)),
    ("southeast", re.compile(r"south east", re.I)),
    ("england", re.compile(r"^england\b(?! and)", re.I)),
]

_FINANCIAL_YEAR = re.compile(r"\b(?:20)?(\d\d)\s*[/\-–]\s*(?:20)?(\d\d)\b")
_YEAR_TO = re.compile(r"\byear\s+(?:to|ending|ended)\s+(?:the\s+end\s+of\s+)?(march|april)\s+(20\d\d)\b")
_YEAR = re.compile(r"\b(20\d\d)\b")
_SINCE_THE_LAW = re.compile(r"\bsince\s+the\s+(?:new\s+)?(?:law|offence|act)\s+(?:came\s+in(?:to\s+force)?|changed|"
                            r"was\s+introduced|started|began|come\s+in)\b|\bsince\s+the\s+law\s+change\b")
#: "since the OSA duties came in": an event's date, read from a curated date figure by search.
_SINCE_EVENT = re.compile(r"\bsince\s+(?:the\s+)?((?:[a-z0-9']+\s+){0,4}?[a-z0-9']+)\s+(?:came\s+in(?:to\s+(?:force|effect))?|"
                          r"started|began|took\s+effect|(?:was|were)\s+introduced|became\s+law|come\s+in|applied|"
                          r"kicked\s+in)\b")
#: A span of months and years: "april 2017 to march 2020", "apr 2017 - oct 2019".
_SPAN = re.compile(r"\b(?:[a-z]{3,9}\s+)?(20\d\d)\s*(?:to|-|–|until)\s*(?:[a-z]{3,9}\s+)?(20\d\d)\b")
_SINCE = re.compile(r"\b(?:since|compared\s+(?:with|to)|on)\s+(?:the\s+)?(?:year\s+)?$")

_INTENTS: dict[str, str] = {
    "share": r"%|\bper\s*cent|\bpercent|\bpercentage|\bproportion|\bshare\b|\bmajority\b|\bwhat\s+part\b|"
             r"\bmost\s+(?:common|used|popular)\b|\bused\s+most\b|\b(?:which|what)\s+(?:app|platform|site)s?\b|"
             r"\bhow\s+many\s+of\b|\bmostly\b",
    "count": r"\bhow\s+many\b|\bnumber\s+of\b|\bcount\b|\ba\s+(?:day|week)\b|\bper\s+(?:day|week)\b|"
             r"\bin\s+total\b|\btotal\b",
    "change": r"\brisen\b|\brise\b|\brising\b|\bincrease|\bgone\s+up\b|\bgoing\s+up\b|\bup\s+on\b|\bdoubl|"
              r"\btripl|\btrend|\bcompared?\b|\bfallen\b|\bfall\b|\bdecrease|\bgrowth\b|\bgrown\b|"
              r"\baccelerat|\bchanged?\b|\bhigher\b|\blower\b",
    "total": r"\bin\s+total\b|\btotal\b|\bcumulative\b|\baltogether\b|\b(?:last|over|past)\s+(?:\d+|two|three|four|five|six|seven)\s+years\b|"
             r"\bin\s+(?:\d+|six|five)\s+years\b",
    "date": r"\bwhen\b|\bwhat\s+date\b|\bcome?\s+into\s+force\b|\bcame\s+in\b|\bcome\s+in\b|\bbecome\s+law\b|"
            r"\bbecame\s+law\b|\bstart(?:ed)?\b|\bbegan\b|\bcommence",
    "contact": r"\bhelp\s*line\b|\bnumber\s+(?:to\s+call|to\s+ring|can)\b|\b(?:what|which|phone|contact)\s+number\b|"
               r"\bcall\b|\bring\b|\bphone\b|\bemail\b|\bcontact\b|\bno\.|\bchildline\s+number\b",
    "report": r"\breport(?:ing)?\s+(?:to|a|an|grooming|someone|an?\s+online)\b|\bhow\s+(?:do|can)\s+(?:i|we|they|you)\s+report\b|"
              r"\bwhere\s+do\s+(?:they|i|we)\s+go\b|\bwhat\s+do\s+i\s+do\b|\bwho\s+should\b|\badvice\b",
    # the first figure: "when did NI start recording", "earliest" (not "the first year", a period)
    "earliest": r"\bstart(?:ed|ing)?\b|\bbegan\b|\bbegin|\bearliest\b|\boriginal(?:ly)?\b|"
                r"\bfirst\b(?!\s+(?:full\s+)?(?:year|nine|six|18|three)\b)",
    # the highest of a series: "record high", "highest ever", "all-time"
    "peak": r"\brecord\s+(?:high|level|number|figure|year)s?\b|\bhighest\b|\ball[\s-]+time\b|\bpeak\b|"
            r"\bbiggest\s+ever\b|\bmost\s+ever\b",
    # history asked for: a campaign's ask, a proposal, what was called for
    "history": r"\bcampaign(?:ed|s)?\s+for\b|\bcalled\s+for\b|\bproposed?\b|\bproposal\b|\basked\s+for\b|"
               r"\bwild\s+west\s+web\b|\bonline\s+harms\b|\bused\s+to\b|\boriginally\b",
    # a company's platforms taken together: "meta", "facebook-owned apps"
    "group": r"\bmeta\b|\b(?:facebook|meta)[\s-]+owned\b|\bfacebook\s+(?:and\s+its\s+)?apps\b|\bfacebook\s+family\b",
    "latest": r"\blatest\b|\bheadline\b|\blast\s+(?:year|yr)\b|\bmost\s+recent|\brecently\b|\bnewest\b|"
              r"\bcurrent\b|\bnow\b|\bstill\b|\btoday\b",
}
_INTENT_PATTERNS = {name: re.compile(pattern) for name, pattern in _INTENTS.items()}
#: An age or an age band named: "aged 12", "age", "how old", "youngest", "teenagers", "primary school",
#: "under 11s", "12-15" (a band, not a financial year: read after those are taken out).
_AGES = re.compile(r"\bage[sd]?\b|\bold(?:er|est)?\b|\byoung(?:er|est)?\b|\bteen|\bprimary\b|\bsecondary\b|"
                   r"\b(?:under|over)[\s-]*\d|\b\d{1,2}\s*(?:-|–|to)\s*\d{1,2}s?\b|\b\d{1,2}[\s-]*(?:years?|yrs?)[\s-]*olds?\b|"
                   r"\btoddlers?\b|\bbab(?:y|ies)\b")
#: A place asked about on its own, not as part of a total that includes it.
_ALONE = re.compile(r"\balone\b|\bonly\b|\bjust\b|\bon\s+(?:its|their)\s+own\b|\bby\s+itself\b|\bseparately\b|"
                    r"\bindividual(?:ly)?\b")


@dataclass
class Question:
    """A question's reading (see the module docstring). Periods are keyed by their
    first year: ``2023`` for 2023/24; ``years`` are calendar years."""

    text: str
    financial_years: list[int] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    since: int | None = None
    since_event: str = ""  # "osa duties" in "since the OSA duties came in" (dated by search)
    span: tuple[int, int] | None = None  # a period from one calendar year to another, both named
    places: list[str] = field(default_factory=list)
    asks: set[str] = field(default_factory=set)
    implied: set[str] = field(default_factory=set)  # asks read from "since" alone ("scotland since 2017")
    rest: str = ""  # the text left once periods are taken out (for words and numbers)
    ages: bool = False  # names an age or an age band ("girls aged 12-15", "under 11s", "how old")
    alone: bool = False  # a place on its own ("kent police alone", "just kent"), not a total it is part of
    relative: list[str] = field(default_factory=list)  # periods named from today: "next year", "yesterday"

    def period_labels(self) -> list[str]:
        return [f"{fy}/{(fy + 1) % 100:02d}" for fy in self.financial_years] + [str(y) for y in self.years]


def place_label(key: str) -> str:
    """How an answer names a place key ("the UK", "Scotland")."""
    return PLACES[key][1] if key in PLACES else key


def geography_places(geography: str) -> frozenset[str]:
    """Place keys of a curated geography ("UK (44 police forces)" → ``{"uk"}``)."""
    found = {key for key, pattern in _GEOGRAPHY_PLACES if pattern.search(geography)}
    if "englandwales" in found:
        found.discard("wales")
    return frozenset(found)


def listed_forces(geography: str) -> tuple[tuple[str, ...], str]:
    """Forces (place keys) that a curated geography lists as the parts of its total, and the list
    as it is written (up to "police"): "South East England (Hampshire, Sussex, Surrey and Kent
    police)" → ``(("hampshire", "sussex", "surrey", "kent"), "Hampshire, Sussex, Surrey and Kent")``.
    A geography naming one force ("UK (44 police forces; all except Lincolnshire)") lists none: it is
    a list only when it names two or more. ``((), "")`` when none."""
    named = sorted((match.start(), match.end(), key) for key, pattern in _PLACE_PATTERNS
                   if key in FORCES and (match := pattern.search(geography.lower())))
    if len(named) < 2:
        return (), ""
    end = max(stop for _start, stop, _key in named)
    police = re.compile(r"\s+police\b", re.I).search(geography, end)
    return tuple(key for _start, _end, key in named), geography[named[0][0]:police.start() if police else end]


def read_question(text: str) -> Question:
    """The reading of a question's plain, lowercased-or-not ``text``. Never raises."""
    lowered = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text.lower())
    question = Question(text=text)
    lowered = _take_relative(lowered, question)
    if _SINCE_THE_LAW.search(lowered):
        question.since = 2017  # the offence came into force on 3 April 2017 (2017/18)
        lowered = _SINCE_THE_LAW.sub(" since 2017 ", lowered)
    event = _SINCE_EVENT.search(lowered)
    if event:
        question.since_event = event[1]
        lowered = lowered.replace(event[0], f" {event[1]} ")  # its words stay (search drops them once dated)
    for span in _SPAN.finditer(lowered):
        first, last = int(span[1]), int(span[2])
        if last - first > 1 or (span[0][:1].isalpha() and last > first):  # not "2023-2024", a financial year
            question.span = (first, last)
            lowered = lowered.replace(span[0], " ")
            break
    left = _take_financial_years(lowered, question)
    left = _take_years(left, question)
    for key, pattern in _PLACE_PATTERNS:
        if pattern.search(lowered):
            question.places.append(key)
            lowered = pattern.sub(" ", lowered)
            left = pattern.sub(" ", left)  # a place is a filter, not a search word
    forces = set(question.places)
    for region, members in REGION_FORCES.items():
        if members <= forces:  # "hampshire sussex surrey kent": the region's four-force total
            question.places = [p for p in question.places if p not in members] + [region]
    question.rest = left
    question.ages = bool(_AGES.search(left))
    question.alone = bool(_ALONE.search(lowered))
    question.asks = {name for name, pattern in _INTENT_PATTERNS.items() if pattern.search(lowered)}
    if "change" in question.asks:
        question.asks.discard("share")  # "percentage increase", "% rise": a change
    if question.since is not None and "total" in question.asks:
        question.asks.discard("change")
    if question.since is not None and "total" not in question.asks and "change" not in question.asks:
        # "how many since 2017": a total; "Scotland since 2017/18": a change
        implied = "total" if "count" in question.asks else "change"
        question.asks.add(implied)
        question.implied.add(implied)
    if "peak" in question.asks:
        question.asks.add("latest")  # a record is judged against the newest release
    if "contact" in question.asks and re.search(r"\bhow\s+many\b|\bnumber\s+of\b|\b(?:contacts|calls|sessions)\b",
                                                lowered):
        question.asks.discard("contact")  # "helpline contacts": how many, not the number to ring
        question.asks.add("count")
    return question


#: A period named from today: "next year", "this financial year", "the coming year", "yesterday",
#: "last month". "last year" is not one: staff mean the newest release by it (an intent, "latest").
_RELATIVE = re.compile(r"\b(yesterday|tomorrow|(this|next|last|(?:the\s+)?coming)\s+(?:financial\s+|calendar\s+)?"
                       r"(week|month|year))\b")


def _take_relative(text: str, question: Question) -> str:
    def take(match: re.Match[str]) -> str:
        if match[1] in ("yesterday", "tomorrow"):
            phrase = match[1]
        else:
            when = "next" if match[2].endswith("coming") else match[2]
            if (when, match[3]) == ("last", "year"):
                return match[0]
            phrase = f"{when} {match[3]}"
        if phrase not in question.relative:
            question.relative.append(phrase)
        return " "

    return _RELATIVE.sub(take, text)


def relative_period(phrase: str, today: dt.date) -> tuple[str, dt.date, dt.date]:
    """A period named from ``today`` (a :attr:`Question.relative` phrase) → ``(label, first day,
    last day)``. A year is the calendar year and the financial year (April–March) that overlap it
    taken together: "next year" on 2 December 2026 → ``("next year (2027 or 2027/28)",
    2027-01-01, 2028-03-31)``; a week runs Monday to Sunday. Raises ``ValueError`` for a phrase
    :func:`read_question` never gives."""
    if phrase in ("yesterday", "tomorrow"):
        day = today + dt.timedelta(days=-1 if phrase == "yesterday" else 1)
        return f"{phrase} ({day.day} {day:%B %Y})", day, day
    when, unit = phrase.split()
    step = {"last": -1, "this": 0, "next": 1}[when]
    if unit == "week":
        monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=step)
        return f"{phrase} (from {monday.day} {monday:%B %Y})", monday, monday + dt.timedelta(days=6)
    if unit == "month":
        index = today.year * 12 + today.month - 1 + step
        first = dt.date(index // 12, index % 12 + 1, 1)
        following = dt.date((index + 1) // 12, (index + 1) % 12 + 1, 1)
        return f"{phrase} ({first:%B %Y})", first, following - dt.timedelta(days=1)
    if unit != "year":
        raise ValueError(phrase)
    year = today.year + step
    fy = (today.year if today.month >= 4 else today.year - 1) + step
    start, end = min(dt.date(year, 1, 1), dt.date(fy, 4, 1)), max(dt.date(year, 12, 31), dt.date(fy + 1, 3, 31))
    return f"{phrase} ({year} or {fy}/{(fy + 1) % 100:02d})", start, end


def _is_since(before: str) -> bool:
    return bool(_SINCE.search(before[-40:]))


_FY_RANGE = re.compile(r"\b(?:20)?(\d\d)\s*/\s*(?:20)?(\d\d)\s*(?:to|until|-|–)\s*(?:20)?(\d\d)\s*/\s*(?:20)?(\d\d)\b")


def _take_financial_years(text: str, question: Question) -> str:
    for match in _FY_RANGE.finditer(text):
        first, last = int(match[1]), int(match[3])
        if (first + 1) % 100 == int(match[2]) and (last + 1) % 100 == int(match[4]) and last > first:
            question.span = (2000 + first, 2001 + last)  # April of the first year to March after the last
            text = text.replace(match[0], " ")
            break

    def take(match: re.Match[str]) -> str:
        first, second = int(match[1]), int(match[2])
        if (first + 1) % 100 != second:
            return match[0]
        fy = 2000 + first
        if _is_since(text[: match.start()]):
            question.since = fy
        elif fy not in question.financial_years:
            question.financial_years.append(fy)
        return " "

    text = _FINANCIAL_YEAR.sub(take, text)

    def year_to(match: re.Match[str]) -> str:
        fy = int(match[2]) - 1
        if fy not in question.financial_years:
            question.financial_years.append(fy)
        return " "

    return _YEAR_TO.sub(year_to, text)


def _take_years(text: str, question: Question) -> str:
    def take(match: re.Match[str]) -> str:
        year = int(match[1])
        if _is_since(text[: match.start()]):
            question.since = year
        elif year not in question.years:
            question.years.append(year)
        return " "

    return _YEAR.sub(take, text)
