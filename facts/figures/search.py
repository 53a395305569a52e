"""Search: query text → ranked, servable figures.

The index is built once from the store's facts and kept in memory; a query
never reads the store file. Only *servable* figures are indexed (verified or
secondary, not superseded): held, retired and superseded figures are never
shown as current.

Ranking is fixed and honest: newest release first (``Fact.sort_key``), and
within a release the figures about one platform before group figures. A query
narrows by platform (aliases and typos understood), by year or financial year
(``2020``, ``2023/24``, ``2023-2024``, ``23/24``), by a figure as it is written
(``999``, ``1,220``) and by words (topics, claim, base, geography), all of
which must match. Nothing is relaxed: a query whose parts have no figure in
common finds nothing, and the answer says which parts do have figures. Words
the index does not know are reported as not used, never silently dropped. Posting lists are kept in rank order, so answering walks at
most a few entries past ``limit`` however large the store is.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from facts.figures.asking import plain_question
from facts.figures.model import Fact

#: Platform names as staff type them → canonical name. Platforms with no
#: figures are listed too, so "tiktok" is answered "no figure for TikTok"
#: rather than with figures about some other platform.
PLATFORM_ALIASES: dict[str, str] = {
    "instagram": "Instagram", "insta": "Instagram", "ig": "Instagram",
    "facebook": "Facebook", "fb": "Facebook", "meta": "Facebook",
    "facebookowned": "Facebook", "metaowned": "Facebook",
    "messenger": "Messenger",
    "whatsapp": "WhatsApp", "wa": "WhatsApp",
    "snapchat": "Snapchat", "snap": "Snapchat",
    "kik": "Kik",
    "tiktok": "TikTok", "youtube": "YouTube", "yt": "YouTube", "discord": "Discord",
    "roblox": "Roblox", "twitter": "X (Twitter)", "telegram": "Telegram", "twitch": "Twitch",
    "omegle": "Omegle", "minecraft": "Minecraft", "fortnite": "Fortnite", "reddit": "Reddit",
    "signal": "Signal", "skype": "Skype", "xbox": "Xbox",
    "playstation": "PlayStation", "wink": "Wink", "yubo": "Yubo", "grindr": "Grindr",
}

#: Phrases joined before tokenising, so "facebook owned" is one alias.
_PHRASES = {
    r"facebook[\s-]+owned": "facebookowned", r"meta[\s-]+owned": "metaowned",
    r"whats\s+app": "whatsapp", r"tik\s+tok": "tiktok", r"you\s+tube": "youtube",
    r"face\s+book": "facebook", r"snap\s+chat": "snapchat", r"insta\s+gram": "instagram",
    r"online\s+safety\s+act": "osa", r"wild\s+west\s+web": "wildwestweb",
    r"northern\s+ireland": "northernireland", r"child\s*line": "childline",
}

#: Words that mean the same thing in a query and in a fact.
_SYNONYMS = {
    "covid": "lockdown", "pandemic": "lockdown",
    "penalty": "fine",
    "legislation": "law", "act": "law", "welsh": "wale", "scottish": "scotland",
    "ni": "northernireland", "psni": "northernireland", "phone": "helpline", "helplines": "helpline",
    "female": "girl", "aged": "age",
    "crime": "offence", "offense": "offence",
    "rise": "trend", "rising": "trend", "increase": "trend", "increasing": "trend", "growth": "trend",
}

_STOPWORDS = frozenset(
    "a an and are as at be by did do does for from get give how i in is it its me most of on or "
    "show so stat stats statistic statistics tell than that the their there these this to was "
    "were what when where which who why with about figure figures fact facts please many much "
    "any some all us our you your can could would should have has had into over per since year "
    "latest newest recent number numbers data anyone anybody someone know think need want help find "
    "looking look post share thread threads message channel http https www com org net co uk".split()
)

#: Characters of a query that are read (a Slack message holds at most 40,000; a question is short).
MAX_QUERY = 4000

_WORD = re.compile(r"[a-z]+|\d+")
_FINANCIAL_YEAR = re.compile(r"\b(?:20)?(\d\d)\s*[/\-–]\s*(?:20)?(\d\d)\b")
_YEAR = re.compile(r"\b(20\d\d)\b")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_NUMBER = re.compile(r"\d+")


def _stem(word: str) -> str:
    """A light plural fold: offences → offence, victims → victim, cases → case."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


_PHRASE_PATTERNS = [(re.compile(pattern), joined) for pattern, joined in _PHRASES.items()]


def _join_phrases(text: str) -> str:
    for pattern, joined in _PHRASE_PATTERNS:
        text = pattern.sub(joined, text)
    return text


def _terms(text: str) -> list[str]:
    """Index/query terms of plain text: lowercased, phrases joined, plurals folded, stopwords dropped.

    Numbers are not terms (figures are matched by :func:`_numbers` of their
    display); a single letter is a term only when it is a platform (``x``).
    """
    out = []
    for word in _WORD.findall(_join_phrases(text.lower())):
        if word.isdigit() or word in _STOPWORDS:  # before stemming: "was" must not become "wa" (WhatsApp)
            continue
        stem = _SYNONYMS.get(_stem(word), _stem(word))
        if stem not in _STOPWORDS and (len(stem) > 1 or stem in PLATFORM_ALIASES):
            out.append(stem)
    return out


def query_terms(text: str) -> list[str]:
    """The search terms of ``text`` as a query reads them (see :func:`_terms`)."""
    return _terms(text)


def _numbers(text: str) -> list[str]:
    """The numbers written in ``text`` as figure terms: ``"1,220 and 999"`` → ``["#1220", "#999"]``."""
    return ["#" + n for n in _NUMBER.findall(_THOUSANDS.sub("", text))]


@dataclass(frozen=True)
class Correction:
    """A word the searcher did not know and the word it was read as."""

    typed: str
    read_as: str


@dataclass
class SearchResult:
    """What a query found.

    - ``facts``: at most ``limit`` servable figures, best first.
    - ``more``: True when further figures matched beyond ``limit``.
    - ``corrections``: typos read as known words ("did you mean").
    - ``platforms``: canonical platforms the query asked about;
      ``platforms_without_figures``: those with no curated figure at all.
    - ``relaxed``: (``loose`` search only) words that matched none of the
      figures shown.
    - ``ignored``: words of the query the index does not know, so not used.
    - ``partial``: when nothing matched every part, the parts that do have
      figures on their own: ``[(label, count)]``.
    - ``query``: the plain query text that was searched.
    """

    query: str
    facts: list[Fact] = field(default_factory=list)
    more: bool = False
    corrections: list[Correction] = field(default_factory=list)
    platforms: list[str] = field(default_factory=list)
    platforms_without_figures: list[str] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)
    relaxed: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    partial: list[tuple[str, int]] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.facts)


@dataclass(frozen=True)
class Coverage:
    """What the store can answer: for help, no-match replies and App Home."""

    topics: list[str]
    platforms: list[str]
    years: list[int]
    figures: int


class FactIndex:
    """In-memory search index over servable facts (built once, read-only after).

    ``FactIndex(facts)`` takes any iterable of :class:`Fact`; ``search`` is
    thread-safe because nothing is mutated after construction.
    """

    def __init__(self, facts: Iterable[Fact]):
        all_facts = list(facts)
        self.by_id: dict[str, Fact] = {fact.id: fact for fact in all_facts}
        servable = sorted((f for f in all_facts if f.servable), key=_rank)
        self._facts = servable
        self._postings: dict[str, list[int]] = {}
        self._platform_postings: dict[str, list[int]] = {}
        self._year_postings: dict[int, list[int]] = {}
        self._fy_postings: dict[int, list[int]] = {}
        for position, fact in enumerate(servable):
            for term in set(_fact_terms(fact)) | set(_numbers(fact.display)):
                self._postings.setdefault(term, []).append(position)
            for platform in set(fact.platforms):
                self._platform_postings.setdefault(platform, []).append(position)
            for year in _years_of(fact):
                self._year_postings.setdefault(year, []).append(position)
            fy = _financial_year_of(fact)
            if fy is not None:
                self._fy_postings.setdefault(fy, []).append(position)
        self._sets: dict[int, set[int]] = {}
        # Typos are read only as platforms, topics or places: correcting to any
        # word of any claim turned "last" into "least".
        named = {t for f in servable for t in _terms(" ".join([*f.topics, f.geography]))}
        self._vocabulary = sorted(named | set(PLATFORM_ALIASES))
        self._coverage = Coverage(
            topics=sorted({t for f in servable for t in f.topics}),
            platforms=sorted(self._platform_postings),
            years=sorted(self._year_postings),
            figures=len(servable),
        )

    # -- queries ---------------------------------------------------------

    def search(self, text: str, limit: int = 5, *, loose: bool = False) -> SearchResult:  # noqa: C901 (rewritten by the ranking work)
        """Figures for ``text`` (raw Slack text is fine), at most ``limit``, best first.

        ``loose=True`` reads ``text`` as a message people wrote to each other
        rather than a query (the "Find figures" shortcut): only platform
        names are typo-corrected ("press" is not read as "pressed"), unknown
        words are passed over quietly, and when no figure matches every word,
        the figures matching the most words are shown, best first, and the
        words none of them matches are reported in ``relaxed``. Platform and
        period constraints still hold.
        """
        plain = plain_question(text[:MAX_QUERY])
        result = SearchResult(query=plain)
        text_left = _THOUSANDS.sub("", plain.lower())
        parts: list[tuple[str, list[int]]] = []  # (label, postings) that must all match

        for first, second in _FINANCIAL_YEAR.findall(text_left):
            if (int(first) + 1) % 100 == int(second):
                fy = 2000 + int(first)
                label = f"{fy}/{(fy + 1) % 100:02d}"
                result.periods.append(label)
                parts.append((label, self._fy_postings.get(fy, [])))
        text_left = _FINANCIAL_YEAR.sub(lambda m: " " if (int(m[1]) + 1) % 100 == int(m[2]) else m[0], text_left)
        for year in _YEAR.findall(text_left):
            result.periods.append(year)
            parts.append((year, self._year_postings.get(int(year), [])))
        text_left = _YEAR.sub(" ", text_left)

        if not loose:
            for number in _numbers(text_left):
                if len(number) > 2 and number in self._postings:  # one digit ("1", "5") says too little
                    parts.append((number[1:], self._postings[number]))
                else:
                    result.ignored.append(number[1:])

        words: list[str] = []
        for term in _terms(text_left):
            platform = PLATFORM_ALIASES.get(term)
            if platform is None and term not in self._postings:
                corrected = self._correct(term) if term.isalpha() else None
                if loose and corrected not in PLATFORM_ALIASES:
                    corrected = None  # in conversation an unknown word is rarely a typo
                if corrected is None:
                    result.ignored.append(term)
                    continue
                result.corrections.append(Correction(term, PLATFORM_ALIASES.get(corrected, corrected)))
                term, platform = corrected, PLATFORM_ALIASES.get(corrected)
            if platform is not None:
                if platform not in result.platforms:
                    result.platforms.append(platform)
            elif term not in words:
                words.append(term)
        if loose:
            result.ignored = []  # a conversation is full of words that are not about figures

        if result.platforms:
            result.platforms_without_figures = [p for p in result.platforms if p not in self._platform_postings]
            asked = [p for p in result.platforms if p in self._platform_postings]
            if not asked:
                return result  # never show figures about some other platform
            parts.append((", ".join(asked), self._union(asked)))

        if not parts and not words:
            if plain.strip(" \t\n.,;:!?-") and (result.ignored or not loose):
                return result  # nothing recognised: say so rather than guess
            if loose:
                return result
            parts.append(("", list(range(len(self._facts)))))  # "stats" alone: the newest figures

        required = [postings for _label, postings in parts]
        found, more = self._intersect(required + [self._postings[w] for w in words], limit)
        if not found and words and loose:
            found, more = self._closest(required, words, limit)
            if found:
                result.relaxed = [w for w in words if not any(i in self._as_set(self._postings[w]) for i in found)]
        if not found:
            result.partial = [(label, len(postings)) for label, postings in parts if postings and label]
            result.partial += [(w, len(self._postings[w])) for w in words]
        result.facts = _services_by_measure([self._facts[i] for i in found], words)
        result.more = more
        return result

    def coverage(self) -> Coverage:
        """Topics, platforms and years the servable figures cover (computed once)."""
        return self._coverage

    # -- internals -------------------------------------------------------

    def _correct(self, term: str) -> str | None:
        if len(term) < 4:
            return None
        close = difflib.get_close_matches(term, self._vocabulary, n=1, cutoff=0.8)
        return close[0] if close else None

    def _as_set(self, postings: list[int]) -> set[int]:
        key = id(postings)
        cached = self._sets.get(key)
        if cached is None:
            cached = self._sets[key] = set(postings)
        return cached

    def _union(self, platforms: list[str]) -> list[int]:
        if len(platforms) == 1:
            return self._platform_postings[platforms[0]]
        return sorted({i for p in platforms for i in self._platform_postings[p]})

    def _closest(self, required: list[list[int]], words: list[str], limit: int) -> tuple[list[int], bool]:
        """Positions within ``required`` matching the most ``words`` (at least one), best first."""
        allowed = [self._as_set(postings) for postings in required]
        hits: dict[int, int] = {}
        for word in words:
            for position in self._postings[word]:
                if all(position in group for group in allowed):
                    hits[position] = hits.get(position, 0) + 1
        ranked = sorted(hits, key=lambda position: (-hits[position], position))
        return ranked[:limit], len(ranked) > limit

    def _intersect(self, lists: list[list[int]], limit: int) -> tuple[list[int], bool]:
        """First ``limit`` positions present in every list, and whether there are more."""
        if not lists or any(not postings for postings in lists):
            return [], False
        lists = sorted(lists, key=len)
        smallest, others = lists[0], [self._as_set(p) for p in lists[1:]]
        found: list[int] = []
        for position in smallest:
            if all(position in other for other in others):
                if len(found) == limit:
                    return found, True
                found.append(position)
        return found, False


def _services_by_measure(facts: list[Fact], words: list[str]) -> list[Fact]:
    """``facts`` with the service facts among them (helplines, reporting routes) reordered in
    their own places so the one whose measure says most of ``words`` comes first: "NSPCC
    helpline number" gives the Helpline's number before Childline's, "Childline number" the
    reverse. Statistics keep their order."""
    places = [n for n, fact in enumerate(facts) if fact.kind == "service"]
    if len(places) < 2 or not words:
        return facts
    wanted = set(words)
    services = sorted((facts[n] for n in places),
                      key=lambda f: -len(wanted & set(_terms(f.measure or ""))))
    reordered = list(facts)
    for n, fact in zip(places, services, strict=True):
        reordered[n] = fact
    return reordered


def _rank(fact: Fact) -> tuple:
    # Newest release first; within it single-platform figures before group ones.
    published, end, fact_id = fact.sort_key
    return (published, len(fact.platforms) > 1, end, fact_id)


def _fact_terms(fact: Fact) -> list[str]:
    text = " ".join([fact.display, fact.claim, fact.base, fact.geography, fact.unit, *fact.topics, *fact.platforms])
    return _terms(text)


def _years_of(fact: Fact) -> set[int]:
    """Years a figure belongs to: its period lies within the calendar year or
    within the financial year starting in it, or it was published then."""
    years: set[int] = set()
    start, end = fact.period.start, fact.period.end
    if start and end and start.year == end.year:
        years.add(start.year)
    fy = _financial_year_of(fact)
    if fy is not None:
        years.add(fy)
    if fact.source.published:
        years.add(fact.source.published.year)
    return years


def _financial_year_of(fact: Fact) -> int | None:
    """The financial year (April–March, keyed by its first year) a figure's period lies within."""
    start, end = fact.period.start, fact.period.end
    if not (start and end):
        return None
    first = start.year if start.month >= 4 else start.year - 1
    # A few days' slack: the offence's first year ran 3 April 2017 to 2 April 2018,
    # which the NSPCC counts as 2017/18.
    if end <= dt.date(first + 1, 3, 31) + dt.timedelta(days=7):
        return first
    return None
