"""The periods a sentence names: "2024/25", "the year to March 2025", "April to June 2020".

:func:`find_periods` returns each as a :class:`Span` of dates (inclusive),
read from the words only; nothing is inferred from outside the sentence.
Used by the figure check to tell whether a draft states when a figure is
for, and which curated figure's period it is.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

_MONTH_NAMES = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
                "october", "november", "december"]
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)"
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
          "ten": 10, "eighteen": 18, "twelve": 12}


@dataclass(frozen=True)
class Span:
    """A period named in text: ``start``..``end`` (inclusive) at ``position`` in the text."""

    start: dt.date
    end: dt.date
    position: int
    text: str
    #: True for "since 2017/18": only where a comparison starts.
    since: bool = False
    #: For "between 2017/18 and 2024/25": the two years it names, ``((start, end), (start, end))``,
    #: each of which a count in the sentence may be for ("rose from 3,728 to 7,263").
    parts: tuple[tuple[dt.date, dt.date], ...] = ()


def _month(name: str) -> int:
    name = name.lower().rstrip(".")
    for index, full in enumerate(_MONTH_NAMES, start=1):
        if full.startswith(name[:3]):
            return index
    return 0


def _end_of(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _fy(text: str) -> tuple[int, int] | None:
    match = re.match(r"([1-9]\d{3})\s?[/-]\s?(\d{2}|[1-9]\d{3})$", text.strip())
    if not match:
        return None
    first = int(match.group(1))
    if first >= 9999:
        return None
    second = int(match.group(2)) % 100
    if second != (first + 1) % 100:
        return None
    return first, first + 1


def _p(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


_SPLIT_RANGE = _p(rf"\bfrom\s+({_MONTH})\s+((?:19|20)\d{{2}}),[^.;]{{1,60}}?,\s*(?:to|until)\s+({_MONTH})\s+((?:19|20)\d{{2}})")
_RANGE = _p(rf"(?:between\s+|from\s+)?(?:\d{{1,2}}\s+)?({_MONTH})\s+((?:19|20)\d{{2}})\s*(?:to|and|-|–|—|until)\s*"
            rf"(?:\d{{1,2}}\s+)?({_MONTH})\s+((?:19|20)\d{{2}})")
_RANGE_SAME_YEAR = _p(rf"(?:between\s+|from\s+)?({_MONTH})\s*(?:to|and|-|–|—)\s*({_MONTH})\s+((?:19|20)\d{{2}})")
_YEAR_TO = _p(rf"(?:the\s+)?(?:(\w+)\s+(and\s+a\s+half\s+)?)?(?:years?|yrs?)\s+(?:to|ending|ended)\s+(?:(?:the\s+end\s+of\s+)?({_MONTH})\s+)?((?:19|20)\d{{2}}(?:\s?[/-]\s?\d{{2}})?)")
#: Any year (a draft's "1850/51" or "3024/25" is a period with no curated figure, not a missing one).
_FY = _p(r"(since\s+|from\s+|on\s+|than\s+(?:in\s+)?|with\s+(?:in\s+)?)?\b((?:19|20)\d{2}\s?[/-]\s?(?:\d{2}|(?:19|20)\d{2})|"
         r"[1-9]\d{3}\s?/\s?\d{2})\b")
_CAL_YEAR = _p(r"\b(in|during|for|of|since|throughout)\s+((?:19|20)\d{2})\b(?!\s?[/-]\d)")
_MONTH_YEAR = _p(rf"\b(since|from|in|to|by)\s+(?:the\s+end\s+of\s+)?({_MONTH})\s+((?:19|20)\d{{2}})\b")
_FIRST_YEAR = _p(r"first\s+year\s+of\s+the\s+(?:new\s+)?(?:offence|law)|offence's\s+first\s+year|first\s+year\s+of\s+the\s+offence|first\s+year\b")
_LOCKDOWN = _p(r"\b(?:first\s+)?lockdown\b")
_FIRST_MONTHS = _p(r"first\s+(\w+)\s+months\s+of\s+the\s+(?:new\s+)?(?:offence|law)")
#: "the NSPCC said in 2023", "published in November 2025": when it was said, not what a figure is for.
_SAID = _p(r"\b(?:said|says|reported|published|announced|released|warned)\s*$")
_YEARS_AFTER_LAW = _p(r"(\w+)\s+(and\s+a\s+half\s+)?years?\s+(?:after|since)\s+the\s+(?:new\s+)?(?:law|offence)\s+"
                      r"(?:came\s+in(?:to\s+force)?|was\s+introduced|changed|began)")
_SINCE_LAW = _p(r"since\s+the\s+(?:law|offence)\s+(?:came\s+in|came\s+into\s+force|was\s+introduced)")


_FY_TEXT = r"(?:19|20)\d{2}\s?[/-]\s?(?:\d{2}|(?:19|20)\d{2})"
_FY_RANGE = _p(rf"\b(?:from|between)\s+({_FY_TEXT})\s+(?:to|and|until|-|–|—)\s+({_FY_TEXT})\b")

_Add = Callable[..., None]


def _ranges(text: str, add: _Add) -> None:
    """"April 2020 to March 2021", "April to June 2020", "from 2017/18 to 2022/23"."""
    for m in _RANGE.finditer(text):
        add(m, dt.date(int(m.group(2)), _month(m.group(1)), 1), _end_of(int(m.group(4)), _month(m.group(3))), False)
    for m in _RANGE_SAME_YEAR.finditer(text):
        year = int(m.group(3))
        add(m, dt.date(year, _month(m.group(1)), 1), _end_of(year, _month(m.group(2))), False)
    for m in _SPLIT_RANGE.finditer(text):  # "From April 2017, when the offence came into force, to March 2020"
        add(m, dt.date(int(m.group(2)), _month(m.group(1)), 1), _end_of(int(m.group(4)), _month(m.group(3))), False)
    for m in _FY_RANGE.finditer(text):
        first, last = _fy(m.group(1)), _fy(m.group(2))
        if first and last:
            add(m, dt.date(first[0], 4, 1), dt.date(last[1], 3, 31), False,
                ((dt.date(first[0], 4, 1), dt.date(first[1], 3, 31)), (dt.date(last[0], 4, 1), dt.date(last[1], 3, 31))))


def _years_to(text: str, add: _Add) -> None:
    """"the year to March 2025", "the two and a half years to October 2019", "yr to march 2025"."""
    for m in _YEAR_TO.finditer(text):
        words = (m.group(1) or "").lower()
        length = _WORDS.get(words) or (int(words) if words.isdigit() else 1)
        months = 12 * length + (6 if m.group(2) else 0)
        target = m.group(4)
        fy = _fy(target)
        if fy:
            end = dt.date(fy[1], 3, 31)
        else:
            month = _month(m.group(3)) if m.group(3) else 12
            end = _end_of(int(target[:4]), month)
            if month == 4:  # "the year to April 2019" is how the NSPCC wrote a year ending March
                end = dt.date(end.year, 3, 31)
        first = end.year * 12 + end.month - months  # months since year 0 of the first month
        add(m, dt.date(first // 12, first % 12 + 1, 1), end, False)


def _years(text: str, add: _Add) -> None:
    """"2024/25" (a "since"/"from"/"than" one is where a comparison starts), "in 2023"."""
    for m in _FY.finditer(text):
        fy = _fy(m.group(2))
        if fy:
            add(m, dt.date(fy[0], 4, 1), dt.date(fy[1], 3, 31),
                bool(m.group(1) and m.group(1).lower().startswith(("since", "from", "than", "with"))))
    for m in _MONTH_YEAR.finditer(text):
        if _SAID.search(text[:m.start()]):
            continue
        month, year = _month(m.group(2)), int(m.group(3))
        add(m, dt.date(year, month, 1), _end_of(year, month), m.group(1).lower() in {"since", "from"})
    for m in _CAL_YEAR.finditer(text):
        if _SAID.search(text[:m.start()]):
            continue
        year = int(m.group(2))
        add(m, dt.date(year, 1, 1), dt.date(year, 12, 31), m.group(1).lower() == "since")


def _the_offence(text: str, add: _Add) -> None:
    """Periods named by the offence's start (April 2017) and the first lockdown."""
    for m in _FIRST_MONTHS.finditer(text):
        months = _WORDS.get(m.group(1).lower()) or (int(m.group(1)) if m.group(1).isdigit() else 0)
        if months:
            end_month = 3 + months
            add(m, dt.date(2017, 4, 1), _end_of(2017 + (end_month - 1) // 12, (end_month - 1) % 12 + 1), False)
    for m in _FIRST_YEAR.finditer(text):
        add(m, dt.date(2017, 4, 1), dt.date(2018, 3, 31), False)
    for m in _LOCKDOWN.finditer(text):
        add(m, dt.date(2020, 4, 1), dt.date(2020, 6, 30), False)
    for m in _YEARS_AFTER_LAW.finditer(text):
        months = 12 * (_WORDS.get(m.group(1).lower()) or (int(m.group(1)) if m.group(1).isdigit() else 0))
        months += 6 if m.group(2) else 0
        if months:
            last = 2017 * 12 + 3 + months - 1  # months since year 0 of the last month
            add(m, dt.date(2017, 4, 1), _end_of(last // 12, last % 12 + 1), False)
    for m in _SINCE_LAW.finditer(text):
        add(m, dt.date(2017, 4, 1), dt.date(2018, 3, 31), True)


def _relative(text: str, found: list[Span], taken: list[tuple[int, int]]) -> None:
    """"the year before", "the previous three years": counted back from the period before them."""
    for m in _RELATIVE.finditer(text):
        earlier = [p for p in found if p.position < m.start() and not p.since]
        if not earlier or any(a < m.end() and m.start() < b for a, b in taken):
            continue
        anchor = earlier[-1]
        years = _WORDS.get((m.group(1) or "").lower(), 1) if m.group(1) else 1
        if years == 1 and not m.group(1):
            start, end = _years_before(anchor.start, 1), _years_before(anchor.end, 1)
        else:
            start, end = _years_before(anchor.start, years), anchor.start - dt.timedelta(days=1)
        found.append(Span(start, end, m.start(), m.group(0)))


def find_periods(text: str) -> list[Span]:
    """Every period named in ``text``, in order of position (the first reading of a stretch of
    text wins: a range before its parts). Never raises."""
    found: list[Span] = []
    taken: list[tuple[int, int]] = []

    def add(match: re.Match[str], start: dt.date, end: dt.date, since: bool,
            parts: tuple[tuple[dt.date, dt.date], ...] = ()) -> None:
        if any(a < match.end() and match.start() < b for a, b in taken):
            return
        taken.append((match.start(), match.end()))
        found.append(Span(start, end, match.start(), match.group(0), since, parts))

    for reader in (_ranges, _years_to, _years, _the_offence):
        reader(text, add)
    found.sort(key=lambda s: s.position)
    _relative(text, found, taken)
    found.sort(key=lambda s: s.position)
    return found


_RELATIVE = _p(r"\b(?:the\s+)?(?:year\s+before|previous\s+year|preceding\s+year|year\s+earlier|"
               r"(?:previous|preceding|prior)\s+(\w+)\s+years)\b")


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def same_end(a: dt.date | None, b: dt.date | None, days: int = 45) -> bool:
    """True when two period ends are within ``days`` of each other."""
    return a is not None and b is not None and abs((a - b).days) <= days
