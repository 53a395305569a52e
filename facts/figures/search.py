"""Search: a question → the figures that answer it, best first.

The index is built once from the store's facts and kept in memory; a query
never reads the store file. Only *servable* figures are indexed (verified or
secondary, not superseded): held, retired and superseded figures are never
shown as current.

How a question is answered:

1. **Read it** (:mod:`facts.figures.question`, :mod:`facts.figures.words`):
   periods, places, platforms, what it asks for (a count, a share, a change,
   a total, a date, a contact or reporting route, the newest), and its
   words, stemmed (report ~ reporting), with typos of platforms, topics and
   places corrected and said.
2. **Filter**: a platform, a place (nation, region, force), a period
   (``2023/24``, ``2020``, "the year to March 2025") or a measure named in the
   question (all child sexual offences, indecent images) must hold. A
   place, platform or period with no figure gets no figure — never a UK
   figure for London or some other platform's — and the answer says what
   does exist.
3. **Score** each remaining figure by how well it answers: its words that
   the question uses (rarer words count more; words in caveats and quotes
   count less), whether it is the kind of figure asked for, and a penalty
   for what the question did not ask about (one platform's or one nation's
   figure for a general question, a total over years for "how many", a
   historical campaign ask). Ties go to the newest release, and within a
   series to its current release.
4. **Say so rather than substitute**: a word the figures do not know that
   names an uncovered subject (``words.UNCOVERED_SUBJECTS``: "ethnicity",
   "NCA", "liverpool") or that is all the question has to go on, a rare word
   no figure answering the rest also has ("instagram girls"), or a period
   still to come or named from today that no figure is about ("next year",
   "in 2030", "this year") means no figure answers the question; the answer
   names it and shows the nearest figures as near misses, never as the
   answer. Any other unknown word ("instagram RED") is noise: said to be not
   used, and the rest is answered.

A question that is only a filter ("instagram", "2023/24") walks the filter's
posting list in rank order and stops after ``limit``: answering stays
constant-time however large the store is. A scored question scores at most
:data:`MAX_SCORED` candidates, newest first.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from facts.figures.asking import plain_question
from facts.figures.coverage import Coverage
from facts.figures.model import Fact
from facts.figures.question import (
    Question,
    geography_places,
    listed_forces,
    place_label,
    read_question,
    relative_period,
)
from facts.figures.words import (
    PLATFORM_ALIASES,
    UNCOVERED_SUBJECTS,
    alternatives,
    field_terms,
    numbers,
    stem,
    terms,
    typed_terms,
)

#: Characters of a query that are read (a Slack message holds at most 40,000; a question is short).
MAX_QUERY = 4000
#: Candidates scored for one question (newest first); the rest are older figures matching fewer filters.
MAX_SCORED = 5000
#: Words that say what kind of figure is asked for, not what it is about (stemmed): read as intents.
_ASKING_WORDS = frozenset(terms(
    "proportion percentage percent share majority total cumulative altogether rise risen rising increase increased "
    "increasing doubled tripled trend trends compared compare comparison fallen fall decrease growth grown "
    "accelerating change changed higher lower when date start started began commence come came become became "
    "force latest last recent newest current still since during until before after "
    "how many much often common popular used most worst biggest main top ever going gone up down "
    "where go do should "
    "year month week day months weeks days times time per"
))
#: Measures a question may name that are not grooming: a figure must be of that measure.
_MEASURE_TERMS = frozenset({"csoffenc", "indecentimag", "csoffence", "indecentimage"})
#: How an answer names those measures.
MEASURE_LABELS = {"csoffenc": "all child sexual offences (not only grooming)", "indecentimag": "indecent image offences"}
#: Question words (stemmed) asking about platforms in general, or about victims.
_PLATFORM_WORDS = frozenset(terms("platform platforms app apps site sites websites games"))
_VICTIM_WORDS = frozenset(terms("victim victims girls girl boys boy age aged young youngest primaryschool "
                                "gender children targeted under11 under12 under13"))
#: Kinds of statistic a question may ask for: when the figures never use the word, no figure answers.
_QUALIFIERS = re.compile(r"\b(average|mean|median|rate|convictions?|convicted|prosecutions?|prosecuted|"
                         r"charged|arrests?|arrested|sentenced|sentences?|sentencing|cautions?)\b(?:\s+((?!of\b|for\b|the\b)[a-z]{3,}))?")
#: "how many companies": the thing counted is the word after "how many" / "number of".
_COUNTED = re.compile(r"\b(?:how\s+many|number\s+of)\s+([a-z]{3,})\b")
#: Words after "how many" that are not what is counted ("how many of", "how many more").
_NOT_COUNTED = frozenset({"more", "less", "fewer", "times", "the", "were", "was", "are", "have", "has", "did"})
#: Who recorded it: "recorded by police", "police-recorded".
_BY_POLICE = re.compile(r"\b(?:recorded|logged|reported)\s+(?:by|to)\s+(?:the\s+)?police\b|\bpolice[\s-]+recorded\b")
#: Who a figure counts: offenders are not victims.
_OFFENDERS = re.compile(r"\b(?:offenders?|perpetrators?|abusers?|suspects?)\b")
#: An age group ("under 13s", "over-18s") or a duration ("18 months"): not a number to match.
_AGE_GROUP = re.compile(r"\b(?:under|over)[\s-]*\d{1,2}s?\b|\b\d+\s+(?:months?|years?|yrs?)\b", re.I)
#: Question words (stemmed) that ask for a split by sex.
_SEX_WORDS = frozenset(terms("girls girl boys boy gender sex female females male males"))
#: Subjects people ask about that no figure covers (:data:`facts.figures.words.UNCOVERED_SUBJECTS`), as
#: search terms: one of them, unknown to the figures, means no figure answers the question.
_UNCOVERED = frozenset(terms(" ".join(UNCOVERED_SUBJECTS)))
#: A rare word (found in at most this share of figures) that the best figure lacks means "no figure".
_RARE = 0.12


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
    - ``places``: places the question named (labels, "Scotland");
      ``places_without_figures``: those with no figure for the rest of the question;
      ``places_within``: those with no figure of their own, answered by the figures of a larger
      area whose geography is a list of forces naming them: ``[(places, area, forces)]``, e.g.
      ``[("Kent", "the South East", "Hampshire, Sussex, Surrey and Kent")]``, the forces as the
      figure lists them (never a figure for the place on its own).
    - ``periods``: periods the question named ("2023/24", "2020", "next year (2027 or 2027/28)").
    - ``future``: periods named that are after today and that no figure is about ("2030"):
      also in ``missing``; the answer says they have not happened yet.
    - ``asks``: what kind of figure was asked for ({"count", "share", "change", …}).
    - ``relaxed``: (``loose`` search only) words that matched none of the figures shown.
    - ``ignored``: words of the query the index does not know, so not used.
    - ``missing``: words no figure answering the rest of the question has.
    - ``partial``: when nothing matched, the parts that do have figures on
      their own: ``[(label, count)]``.
    - ``near``: when nothing answers the question, the nearest figures (never
      shown as the answer).
    - ``typed``: each term of the question → the word as typed (for answers).
    - ``query``: the plain query text that was searched.
    - ``series``: for a question about change over time, the series of the first figure shown
      that has one (one figure per period, oldest first: the trend, never a computed change);
      ``series_notes``: where its forces or bases differ between periods, and the same measure's
      other series that are not comparable with it.
    """

    query: str
    facts: list[Fact] = field(default_factory=list)
    more: bool = False
    corrections: list[Correction] = field(default_factory=list)
    platforms: list[str] = field(default_factory=list)
    platforms_without_figures: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    places_without_figures: list[str] = field(default_factory=list)
    places_within: list[tuple[str, str, str]] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)
    future: list[str] = field(default_factory=list)
    asks: set[str] = field(default_factory=set)
    relaxed: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    partial: list[tuple[str, int]] = field(default_factory=list)
    near: list[Fact] = field(default_factory=list)
    typed: dict[str, str] = field(default_factory=dict)  # term → the word as typed
    series: list[Fact] = field(default_factory=list)
    series_notes: list[str] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.facts)

    def as_typed(self, terms: list[str]) -> list[str]:
        """``terms`` as the person typed them (``"ethnic"`` → ``"ethnicity"``)."""
        return [self.typed.get(term, term) for term in terms]


@dataclass(frozen=True)
class _Profile:
    """What search knows about one figure: its words (term → weight) and its kind."""

    weights: dict[str, float]
    shape: str  # "count", "share", "change", "date", "contact", "route" or "other"
    cumulative: bool
    places: frozenset[str]
    narrow_place: bool  # a nation or region, not the UK or England and Wales
    historical: bool
    stale_in_series: bool
    platforms: bool  # about one platform or a group of them
    group: bool  # about a group of platforms taken together
    channel: str  # for a contact: its unit ("UK freephone number", "email address")
    about_victims: bool  # about victims' sex or age
    compares: bool  # compared with an earlier period (a comparison, or "compared with" in its period)
    compared_years: frozenset[int]  # financial years it is compared with
    since_years: frozenset[int]  # years its claim or caveats give a running total from ("since April 2017")
    financial_year: int | None
    recency: float  # years from 2017 to its release (0 when undated)
    series_count: bool = False  # a single-period count in a series: a trend's line
    series_point: bool = False  # a single-period count or share in a series
    one_sex: bool = False  # about girls or boys only (a split by sex)
    display_values: tuple[int, ...] = ()  # whole numbers its display shows (7263 for "7,263")
    peak: bool = False  # the highest value of its series
    narrower: frozenset[str] = frozenset()  # words saying which part of its release's whole it is (see _parts)
    age_subgroup: bool = False  # a share of one age band of the population its base counts


@dataclass
class _Asked:
    """A question read against the index: filters, words and numbers."""

    question: Question
    words: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    filters: list[tuple[str, list[int]]] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)
    platforms: int = 0  # how many platforms the question names
    blocked: bool = False  # something asked for has no figure at all
    scope: frozenset[int] | None = None  # the core figures only, unless a wider subject is named


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
        current = _current_in_series(servable)
        peaks = _series_peaks(servable)
        parts = _parts(servable)
        self._profiles = [_profile(f, current, peaks, parts) for f in servable]
        self._dates = [i for i, p in enumerate(self._profiles) if p.shape == "date"]
        self._series: dict[str, list[int]] = {}  # series key → its single-period counts, oldest first
        for position, profile in enumerate(self._profiles):
            if profile.series_point:
                self._series.setdefault(servable[position].series or "", []).append(position)
        for members in self._series.values():
            members.sort(key=lambda i: (servable[i].period.start or dt.date.min, servable[i].id))
        self._series_by_measure: dict[tuple[str, tuple[str, ...]], list[str]] = {}  # (measure, platforms) → keys
        for key, members in self._series.items():
            self._series_by_measure.setdefault(_measure_key(servable[members[0]]), []).append(key)
        self._by_police = [i for i, f in enumerate(servable) if "police" in f"{f.measure} {f.base}".lower()]
        self._offenders = [i for i, f in enumerate(servable) if _OFFENDERS.search(f"{f.measure} {f.unit} {f.base}".lower())]
        self._postings: dict[str, list[int]] = {}
        self._platform_postings: dict[str, list[int]] = {}
        self._place_postings: dict[str, list[int]] = {}
        self._within_postings: dict[str, list[int]] = {}  # a force → figures whose geography lists it
        self._year_postings: dict[int, list[int]] = {}
        self._fy_postings: dict[int, list[int]] = {}
        self._fy_span_postings: dict[int, list[int]] = {}
        for position, (fact, profile) in enumerate(zip(servable, self._profiles, strict=True)):
            self._post(position, fact, profile)
        # Sets of the index's own posting lists, made once and kept; a list made for one question
        # (a period's spans, "since" an event, the police-recorded figures) is never cached by id,
        # since its id is reused once it is freed and would find another list's set.
        self._sets: dict[int, set[int]] = {}
        self._owned = {id(p) for postings in (self._postings, self._platform_postings, self._place_postings,
                                              self._year_postings, self._fy_postings, self._fy_span_postings,
                                              self._within_postings)
                       for p in postings.values()}
        # Typos are read only as platforms, topics, places or publishers: correcting to any
        # word of any claim turned "last" into "least".
        subject_texts = {" ".join([*f.topics, f.source.publisher]) for f in servable}  # few distinct: read once each
        self._subjects = frozenset(t for text in subject_texts for t in terms(text))
        named = self._subjects.union(*(terms(g) for g in {f.geography for f in servable}))
        self._vocabulary = sorted(named | set(PLATFORM_ALIASES))
        # A typo is read as one of these stems; the answer says it as a word the figures use.
        # (The word that stems to it, not one merely read as it, "crime" for "offenc"; then the commonest.)
        written: dict[str, Counter[str]] = {}
        for text in subject_texts | {f.geography for f in servable} | {f.measure or "" for f in servable}:
            for term, word in typed_terms(text):
                written.setdefault(term, Counter())[word] += 1
        self._written = {term: min(words, key=lambda w: (stem(w) != term, -words[w], w))
                         for term, words in written.items()}
        # The core subject is online grooming; other measures (Childline counselling, IWF, ONS,
        # Ofcom, all child sexual offences…) answer when the question names one of their subjects.
        core = [i for i, f in enumerate(servable) if _core(f)]
        self._core_positions = frozenset(core)
        grooming = [f for i, f in enumerate(servable) if i in self._core_positions and f.kind == "statistic"]
        core_terms = {t for f in grooming for t in terms(" ".join([*f.topics, f.source.publisher, f.measure or "",
                                                                   f.base, f.claim]))}
        self._wider_subjects = frozenset(
            t for i, f in enumerate(servable) if i not in self._core_positions
            for t in terms(" ".join([*f.topics, f.source.publisher]))
        ) - core_terms - {t for i in core for t in terms(" ".join(servable[i].topics)) if servable[i].kind != "statistic"}
        self._coverage = Coverage.of(servable, self._platform_postings, self._year_postings)

    def _post(self, position: int, fact: Fact, profile: _Profile) -> None:
        for term in profile.weights:
            self._postings.setdefault(term, []).append(position)
        for platform in set(fact.platforms):
            self._platform_postings.setdefault(platform, []).append(position)
        for place in profile.places:
            self._place_postings.setdefault(place, []).append(position)
        for force in set(listed_forces(fact.geography)[0]) - profile.places:
            self._within_postings.setdefault(force, []).append(position)
        for year in _years_of(fact):
            self._year_postings.setdefault(year, []).append(position)
        fy = _financial_year_of(fact.period.start, fact.period.end)
        if fy is not None:
            self._fy_postings.setdefault(fy, []).append(position)
        for spanned in _financial_years_spanned(fact) - ({fy} if fy is not None else set()):
            self._fy_span_postings.setdefault(spanned, []).append(position)

    # -- queries ---------------------------------------------------------

    def search(self, text: str, limit: int = 5, *, loose: bool = False, today: dt.date | None = None) -> SearchResult:
        """Figures answering ``text`` (raw Slack text is fine), at most ``limit``, best first.

        ``today`` dates the periods a question names from today ("next year", "yesterday") and
        tells a future period ("in 2030") from a past one: the catalogue passes its clock; a caller
        with none (a benchmark) gets the system date.

        ``loose=True`` reads ``text`` as a message people wrote to each other
        rather than a question (the "Find figures" shortcut): only platform
        names are typo-corrected, unknown words are passed over quietly, no
        word is required, and the words none of the figures shown matches are
        reported in ``relaxed``. Platform, place and period filters still hold.
        """
        plain = plain_question(text[:MAX_QUERY])
        result = SearchResult(query=plain)
        asked = self._read(plain, result, loose, today or dt.date.today())
        if asked.blocked:
            return result
        question = asked.question
        if not (asked.filters or asked.words or asked.numbers):
            if loose or result.ignored or (plain.strip(" \t\n.,;:!?-") and not question.asks):
                return result  # nothing recognised: say so rather than guess
            if _shaping(question):
                positions, more = self._ranked(asked, limit, loose, result)  # "when did it start?"
            else:
                everything = [i for i in range(len(self._facts)) if asked.scope is None or i in asked.scope]
                positions, more = self._first(everything, limit)  # "stats", "latest": the newest
        elif not asked.words and not asked.numbers and not _shaping(question) and not asked.measures:
            positions, more = self._filtered(asked, limit)  # filters only: rank order
        else:
            positions, more = self._ranked(asked, limit, loose, result)
        if not positions:
            self._explain(asked, result)
        result.facts = [self._facts[i] for i in positions]
        result.more = more
        if "change" in question.asks and positions:
            self._trend(positions, result)
        return result

    def _trend(self, positions: list[int], result: SearchResult) -> None:
        """The series of the first figure shown that is one period of a series with two or more."""
        for position in positions[:4]:
            key = self._facts[position].series
            members = self._series.get(key or "", []) if self._profiles[position].series_point else []
            if len(members) >= 2:
                break
        else:
            return
        facts = [self._facts[i] for i in members]
        result.series = facts
        result.series_notes = _series_notes(facts, [
            [self._facts[i] for i in self._series[other]]
            for other in self._series_by_measure.get(_measure_key(facts[0]), []) if other != key])

    def coverage(self) -> Coverage:
        """Topics, platforms and years the servable figures cover (computed once)."""
        return self._coverage

    # -- reading a question ------------------------------------------------

    def _read(self, plain: str, result: SearchResult, loose: bool, today: dt.date) -> _Asked:
        question = read_question(plain)
        asked = _Asked(question)
        result.asks = set(question.asks)
        result.periods = question.period_labels()
        starts = self._read_periods(question, asked, result, loose, today)
        if not loose:
            for number in numbers(_AGE_GROUP.sub(" ", question.rest)):  # "under 13s" is an age group, not 13
                if len(number) > 2 and number in self._postings:  # one digit ("1", "5") says too little
                    asked.numbers.append(number)
                elif len(number) > 2:
                    result.ignored.append(number[1:])
        self._read_words(question, asked, result, loose)
        self._read_places(question, asked, result)
        self._read_scope(plain, question, asked, result, loose)
        self._read_subject(plain, question, asked)
        if result.platforms:
            result.platforms_without_figures = [p for p in result.platforms if p not in self._platform_postings]
            with_figures = [p for p in result.platforms if p in self._platform_postings]
            asked.platforms = len(result.platforms)
            if not with_figures:
                asked.blocked = True  # never show figures about some other platform
            else:
                asked.filters.append((", ".join(with_figures), self._union(self._platform_postings, with_figures)))
        for measure in asked.measures:
            postings = self._postings.get(measure, [])
            if not postings:
                asked.blocked = True  # never grooming figures for all child sexual offences
                result.missing.append(MEASURE_LABELS.get(measure, measure))
            asked.filters.append((MEASURE_LABELS.get(measure, measure), postings))
        uncovered = [term for term in result.ignored if term in _UNCOVERED]
        if not loose and uncovered and not asked.blocked:
            asked.blocked = True  # a subject no figure covers ("ethnicity", "NCA", "liverpool"), however it is typed
            result.missing = uncovered
        if result.ignored and not loose and not self._distinctive(asked):
            asked.blocked = True  # a word no figure knows, and nothing else to go on: no figure answers it
            result.missing = list(result.ignored)
        self._read_recorder(plain, asked, loose)  # after the unknown-word check: it narrows, it is not distinctive
        if not (loose or asked.blocked):
            self._read_unanswered_periods(asked, result, starts, today)
        if loose:
            result.ignored = []  # a conversation is full of words that are not about figures
        return asked

    def _read_periods(self, question: Question, asked: _Asked, result: SearchResult, loose: bool,
                      today: dt.date) -> dict[str, tuple[dt.date, bool]]:
        """Each period named is a filter; returns each one's label → (its first day, named from today)."""
        starts: dict[str, tuple[dt.date, bool]] = {}  # a period filter's label → (its first day, named from today)
        for fy in question.financial_years:
            exact = self._fy_postings.get(fy, [])
            spanned = self._fy_span_postings.get(fy, [])
            asked.filters.append((f"{fy}/{(fy + 1) % 100:02d}", sorted({*exact, *spanned}) if spanned else exact))
            starts[asked.filters[-1][0]] = (dt.date(fy, 4, 1), False)
        for year in question.years:
            asked.filters.append((str(year), self._year_postings.get(year, [])))
            starts[str(year)] = (dt.date(year, 1, 1), False)
        if question.span is not None:
            first, last = question.span
            asked.filters.append((f"{first} to {last}", [i for i, f in enumerate(self._facts) if f.period.start
                                                         and f.period.end and f.period.start.year == first
                                                         and f.period.end.year == last]))
            starts[asked.filters[-1][0]] = (dt.date(first, 1, 1), False)
        for phrase in [] if loose else question.relative:  # in conversation, "this week" is when people act
            label, start, end = relative_period(phrase, today)
            result.periods.append(label)
            asked.filters.append((label, [i for i, f in enumerate(self._facts) if f.period.start and f.period.end
                                          and start <= f.period.start and f.period.end <= end]))
            starts[label] = (start, True)
        return starts

    def _read_unanswered_periods(self, asked: _Asked, result: SearchResult,
                                 starts: dict[str, tuple[dt.date, bool]], today: dt.date) -> None:
        """A period no figure is about, that is still to come ("next year", "in 2030", "by 2027/28")
        or named from today ("yesterday", "this year" before its figures are out): no figure answers
        the question, and the nearest figures for the rest of it are near misses, never the answer.
        (An earlier year with no figure, "grooming 2016", is left to the filters: no figure.)"""
        empty = [label for label, postings in asked.filters
                 if label in starts and not postings and (starts[label][0] > today or starts[label][1])]
        if not empty:
            return
        rest = _Asked(asked.question, asked.words, asked.numbers,
                      [f for f in asked.filters if f[0] not in starts], asked.measures, asked.platforms,
                      scope=asked.scope)
        if rest.words or rest.numbers or rest.filters:
            positions, _more = self._ranked(rest, 3, True, SearchResult(query=""))
        else:
            positions = [i for i in range(len(self._facts)) if rest.scope is None or i in rest.scope][:3]
        best = self._facts[positions[0]] if positions else None
        if best is not None and not (best.period.start and best.period.end) and all(starts[e][1] for e in empty):
            # "the helpline number, I need to call this week": a period named from today says when
            # the person acts, not which figures; what answers the rest has no period (a contact,
            # a route, a law), so the period is dropped and the rest answered.
            asked.filters = [f for f in asked.filters if f[0] not in empty]
            result.periods = [label for label in result.periods if label not in empty]
            return
        asked.blocked = True
        result.future = [label for label in empty if starts[label][0] > today]
        result.missing = list(dict.fromkeys([*result.missing, *empty]))
        result.near = [self._facts[i] for i in positions]

    def _read_words(self, question: Question, asked: _Asked, result: SearchResult, loose: bool) -> None:
        for term, word in typed_terms(question.rest):
            result.typed.setdefault(term, word)
            if term in _MEASURE_TERMS:
                asked.measures.append(term)
                continue
            platform = PLATFORM_ALIASES.get(term)
            if platform is None and term in _ASKING_WORDS:
                continue
            if platform is None and not self._known(term):
                # a subject no figure covers is not a typo of one that some figure does
                corrected = self._correct(term) if term.isalpha() and term not in _UNCOVERED else None
                if loose and corrected not in PLATFORM_ALIASES:
                    corrected = None  # in conversation an unknown word is rarely a typo
                if corrected is None:
                    if term not in result.ignored:
                        result.ignored.append(term)
                    continue
                read_as = PLATFORM_ALIASES.get(corrected) or self._written.get(corrected, corrected)
                result.corrections.append(Correction(word, read_as))
                result.typed.setdefault(corrected, read_as)  # said as the word it was read as, never a stem
                term, platform = corrected, PLATFORM_ALIASES.get(corrected)
            if platform is not None:
                if platform not in result.platforms:
                    result.platforms.append(platform)
            elif term not in asked.words:
                asked.words.append(term)

    def _read_scope(self, plain: str, question: Question, asked: _Asked, result: SearchResult, loose: bool) -> None:
        """What is counted and from when: a kind of statistic or a who no figure has ("average",
        "offenders", "how many companies") has no figure; "since the OSA duties came in" keeps
        the figures for a period after that date (read from the curated date figure)."""
        if loose:
            return
        lowered = plain.lower()
        unknown = [" ".join(pair).strip() for pair in _QUALIFIERS.findall(lowered) if not self._said(*pair)]
        counted = _COUNTED.search(lowered)
        if counted and counted[1] not in _NOT_COUNTED and not self._said(counted[1]):
            unknown.append(counted[1])  # "how many companies": no figure counts companies
        who = _OFFENDERS.search(lowered)
        if who and not self._offenders:
            unknown.append(who[0])  # victims' age and sex are not offenders'
        elif who:
            asked.filters.append((who[0], self._offenders))
        if unknown:
            asked.blocked = True
            result.missing = list(dict.fromkeys([*result.missing, *unknown]))
            return
        if question.since_event:
            self._read_since_event(question, asked, result)

    def _read_recorder(self, plain: str, asked: _Asked, loose: bool) -> None:
        """"sextortion offences recorded by police": what police recorded, not Childline's sessions."""
        if not loose and _BY_POLICE.search(plain.lower()):
            asked.filters.append(("recorded by police", self._by_police))

    def _said(self, *words: str) -> bool:
        """True when some figure says every one of ``words`` in its claim, measure, unit, base or
        display (not only in a caveat or a quote): a figure is about them ("average sentence")."""
        wanted = [term for word in words for term in terms(word)]
        if not wanted:
            return True
        first = [i for alt in alternatives(wanted[0]) for i in self._postings.get(alt, [])[:200]]
        return any(all(any(self._profiles[i].weights.get(alt, 0.0) >= 1.0 for alt in alternatives(term))
                       for term in wanted) for i in first)

    def _read_since_event(self, question: Question, asked: _Asked, result: SearchResult) -> None:
        event = terms(question.since_event)
        best, best_matched = None, 0
        best_weight = 0.0
        for position in self._dates:
            weights = self._profiles[position].weights
            found = [max((weights.get(alt, 0.0) for alt in alternatives(t)), default=0.0) for t in event]
            matched = sum(1 for w in found if w)
            if (matched, sum(found)) > (best_matched, best_weight):
                best, best_matched, best_weight = position, matched, sum(found)
        if best is None or best_matched < len(event):
            return  # not an event a curated date says: its words are searched as they are
        start = self._facts[best].period.start
        if start is None:
            return
        asked.words = [w for w in asked.words if w not in event]
        label = f"a period after the {question.since_event} ({start.day} {start:%B %Y})"
        after = [i for i, f in enumerate(self._facts) if f.kind == "statistic" and f.period.start
                 and f.period.start >= start]
        if not after:
            asked.blocked = True  # "has grooming fallen since the OSA duties came in": no figure is that recent
            result.missing.append(label)
        asked.filters.append((label, after))

    def _read_places(self, question: Question, asked: _Asked, result: SearchResult) -> None:
        """A place is a filter. A force with no figure of its own ("kent") is answered by the figures
        whose geography is a list of forces naming it (the South East's four), said as such, unless
        it is asked for on its own ("kent police alone"). A nation's figure whose base names its
        forces ("Wales", by Dyfed-Powys, Gwent…) is the nation's, not a force's: no figure."""
        if not question.places:
            return
        result.places = [place_label(p) for p in question.places]
        postings = dict(self._place_postings)
        within: dict[tuple[str, str], list[str]] = {}  # (area, its forces as written) → places in it
        for place in question.places:
            found = self._within_postings.get(place)
            if place not in self._place_postings and found and not question.alone:
                postings[place] = found
                area = " and ".join(sorted({place_label(p) for i in found for p in self._profiles[i].places}))
                written = next(w for i in found if (w := listed_forces(self._facts[i].geography)[1]))
                within.setdefault((area, written), []).append(place_label(place))
        result.places_within = [(_and_list(places), area, written) for (area, written), places in within.items()]
        with_figures = [p for p in question.places if p in postings]
        result.places_without_figures = [place_label(p) for p in question.places if p not in postings]
        if result.places_without_figures:
            asked.blocked = True  # never a UK figure for London (nor half a comparison)
            result.places_within = []
            # "kent police alone": the area's figure that includes it is the nearest, then wider ones
            listing = [self._facts[i] for p in question.places if p not in postings
                       for i in self._within_postings.get(p, [])]
            near = {f.id: f for f in [*listing, *self._near_places(asked)]}
            result.near = list(near.values())[:3]
            return
        areas = {place: area for (area, _written), places in within.items() for place in places}
        label = ", ".join(f"{areas[place_label(p)]} (which includes {place_label(p)})" if place_label(p) in areas
                          else place_label(p) for p in with_figures)
        asked.filters.append((label, self._union(postings, with_figures)))

    def _distinctive(self, asked: _Asked) -> bool:
        """True when the question names a filter, a figure or a rare word: enough to answer it
        though some of its words are unknown (they are said to be not used)."""
        return bool(asked.filters or asked.numbers or any(self._share(w, asked.scope) <= _RARE for w in asked.words))

    def _read_subject(self, plain: str, question: Question, asked: _Asked) -> None:
        """Keep to the core figures (online grooming, services, law) unless a wider subject is named."""
        if plain.strip() and not self._names_wider_subject(question.rest, asked):
            asked.scope = self._core_positions

    def _names_wider_subject(self, rest: str, asked: _Asked) -> bool:
        """True when the question names a subject only figures outside online grooming have
        ("childline", "IWF", "sextortion", "child sexual offences"), unless it names grooming."""
        named = set(terms(rest)) | set(asked.measures)
        if named & _GROOMING_TERMS:
            return False
        return bool(named & self._wider_subjects)

    def _known(self, term: str) -> bool:
        return any(alt in self._postings for alt in alternatives(term))

    # -- answering -------------------------------------------------------

    def _candidates(self, asked: _Asked) -> list[int]:
        """Positions passing every filter, in rank order (all figures when there is none)."""
        lists = [postings for _label, postings in asked.filters]
        if not lists and (not (asked.words or asked.numbers) or _shaping(asked.question)):
            return list(range(len(self._facts)))  # what is asked for orders every figure
        if not lists:
            found: set[int] = set()
            for word in asked.words:
                for alt in alternatives(word):
                    found.update(self._postings.get(alt, []))
            for number in asked.numbers:
                found.update(self._postings.get(number, []))
            return sorted(found)
        if any(not postings for postings in lists):
            return []
        lists = sorted(lists, key=len)
        others = [self._as_set(p) for p in lists[1:]]
        return [i for i in lists[0] if all(i in other for other in others)]

    def _filtered(self, asked: _Asked, limit: int) -> tuple[list[int], bool]:
        """The first ``limit`` positions passing every filter, in rank order, and whether there are
        more: walks the shortest posting list and stops after ``limit + 1`` (constant time)."""
        lists = sorted((postings for _label, postings in asked.filters), key=len)
        if not lists[0]:
            return [], False
        others: list[set[int] | frozenset[int]] = [self._as_set(p) for p in lists[1:]]
        if asked.scope is not None:
            others.append(asked.scope)
        years = asked.question.financial_years
        found: list[int] = []
        mentioned: list[int] = []  # figures that only quote the year asked ("up from 194 in 2017/18"): after
        for position in lists[0]:
            if all(position in other for other in others):
                if years and self._profiles[position].financial_year not in years:
                    mentioned.append(position)
                    continue
                if len(found) == limit:
                    return found, True
                found.append(position)
        # a figure compared with the year asked (its comparison gives that year's number) first
        mentioned.sort(key=lambda i: _comparison_year(self._facts[i]) not in years)
        found += mentioned
        return found[:limit], len(found) > limit

    def _first(self, positions: list[int], limit: int) -> tuple[list[int], bool]:
        return positions[:limit], len(positions) > limit

    def _ranked(self, asked: _Asked, limit: int, loose: bool, result: SearchResult) -> tuple[list[int], bool]:
        candidates = self._candidates(asked)
        if asked.scope is not None:
            candidates = [i for i in candidates if i in asked.scope]
        candidates = candidates[:MAX_SCORED]
        if asked.numbers and not asked.words and not asked.question.asks:
            # a figure as written ("0808 800 5000"): the figures showing it, not those mentioning it
            shown = [i for i in candidates if all(self._profiles[i].weights.get(n, 0) >= 1 for n in asked.numbers)]
            candidates = shown or candidates
        weights = {w: self._idf(w, asked.scope) for w in asked.words}
        scored = []
        for position in candidates:
            matched, score = self._score(position, asked, weights)
            if matched or asked.filters or not (asked.words or asked.numbers):
                scored.append((-score, position))
        scored.sort()
        ranked = [position for _score, position in scored]
        if not ranked:
            return [], False
        if not loose:
            required = self._required(asked.words)
            answering = [i for i in ranked if all(self._has(i, w) for w in required)]
            if not answering:
                result.missing = [w for w in required if not self._has(ranked[0], w)]
                result.near = [self._facts[i] for i in ranked[:3]]
                return [], False
            ranked = answering
        else:
            shown = ranked[:limit]
            result.relaxed = [w for w in asked.words if w in self._subjects and not any(self._has(i, w) for i in shown)]
        return ranked[:limit], len(ranked) > limit

    def _score(self, position: int, asked: _Asked, weights: dict[str, float]) -> tuple[int, float]:
        profile = self._profiles[position]
        fact_weights = profile.weights
        matched, score = 0, 0.0
        for word, idf in weights.items():
            best = max((fact_weights.get(alt, 0.0) for alt in alternatives(word)), default=0.0)
            if best:
                matched += 1
                score += idf * best
        for number in asked.numbers:
            # "the 10,000 figure": 10,119 as a round number counts more than a headline's own 10,000
            weight = max(fact_weights.get(number, 0.0), 0.8 if _rounds_to(int(number[1:]), profile.display_values) else 0.0)
            if weight:
                matched += 1
                score += 6.0 * weight
        return matched, score + _fit(profile, asked.question, set(asked.words), asked.platforms)

    def _required(self, words: list[str]) -> list[str]:
        """Words of the question that every answer must have: rare subjects (a topic or a publisher
        few figures have, such as "girls" or "childline"). "Instagram girls" has no figure; Instagram
        figures are not an answer to it."""
        return [w for w in words if w in self._subjects and self._share(w) <= _RARE]

    def _has(self, position: int, word: str) -> bool:
        weights = self._profiles[position].weights
        return any(alt in weights for alt in alternatives(word))

    def _share(self, word: str, scope: frozenset[int] | None = None) -> float:
        """The share of figures (of ``scope`` when given) that have ``word``."""
        if scope is not None:
            count = max((len(scope.intersection(self._postings.get(alt, []))) for alt in alternatives(word)), default=0)
            return count / max(len(scope), 1)
        count = max((len(self._postings.get(alt, [])) for alt in alternatives(word)), default=0)
        return count / max(len(self._facts), 1)

    def _idf(self, word: str, scope: frozenset[int] | None = None) -> float:
        share = self._share(word, scope)
        return math.log(1 + 1 / share) if share else 0.0

    def _explain(self, asked: _Asked, result: SearchResult) -> None:
        """When nothing answers: the parts of the question that have figures on their own."""
        parts = [(label, len(postings)) for label, postings in asked.filters if postings and label]
        parts += [(w, len(self._postings.get(w, []))) for w in asked.words if self._postings.get(w)]
        result.partial = parts

    def _near_places(self, asked: _Asked) -> list[Fact]:
        """For a place with no figure: the best figures for the rest of the question, elsewhere."""
        others = _Asked(asked.question, asked.words, asked.numbers, list(asked.filters), asked.measures)
        if not (others.words or others.numbers or others.filters):
            return self._facts[:3]
        positions, _more = self._ranked(others, 10, True, SearchResult(query=""))
        wider = [i for i in positions if not self._profiles[i].narrow_place]  # the UK or England and Wales
        return [self._facts[i] for i in (wider or positions)[:3]]

    # -- internals -------------------------------------------------------

    def _correct(self, term: str) -> str | None:
        if len(term) < 4:
            return None
        close = difflib.get_close_matches(term, self._vocabulary, n=1, cutoff=0.8)
        return close[0] if close else None

    def _as_set(self, postings: list[int]) -> set[int]:
        key = id(postings)
        if key not in self._owned:
            return set(postings)
        cached = self._sets.get(key)
        if cached is None:
            cached = self._sets[key] = set(postings)
        return cached

    def _union(self, postings: dict[str, list[int]], keys: list[str]) -> list[int]:
        if len(keys) == 1:
            return postings[keys[0]]
        return sorted({i for key in keys for i in postings[key]})


# -- scoring a figure's fit to what was asked -----------------------------------

#: Bonus when a figure is the kind asked for: shape asked → shapes that answer it.
_ANSWERS: dict[str, dict[str, float]] = {
    "share": {"share": 2.5},
    "count": {"count": 2.0},
    "change": {"change": 2.5},
    "date": {"date": 3.0},
    "contact": {"contact": 3.0, "route": 1.0},
    "report": {"route": 3.0, "contact": 1.5},
}


def _shaping(question: Question) -> bool:
    """True when the question asks for something that orders figures beyond rank order."""
    return bool(question.asks)


def _fit(profile: _Profile, question: Question, words: set[str], platforms_asked: int) -> float:
    """How well a figure's kind fits what was asked (words aside): bonuses and penalties."""
    return _fit_kind(profile, question, words) + _fit_scope(profile, question, words, platforms_asked)


def _fit_kind(profile: _Profile, question: Question, words: set[str]) -> float:
    """Bonuses for being the kind of figure asked for (a count, a share, a change, a total…)."""
    asks = question.asks
    score = sum(_ANSWERS.get(ask, {}).get(profile.shape, 0.0) for ask in asks)
    if "total" in asks:
        score += 2.5 if profile.cumulative else 0.0
    elif profile.cumulative and profile.shape == "count":
        score -= 1.0  # a total over years for "how many"
    if "change" in asks and profile.compares and profile.shape != "change":
        score += 1.0  # a count whose claim compares it with an earlier year
    if "change" in asks and question.since is None and profile.series_count:
        score += 1.5  # "is it still going up?": the series of counts answers it, newest first
    if question.since is not None and question.since in profile.compared_years and "total" not in asks:
        # "since 2014/15": the figure compared with that year (less when "since" alone asked it)
        score += 1.0 if "change" in question.implied else 2.0
    if question.since is not None and question.since in profile.since_years and (
            "total" in asks or "change" in question.implied):
        score += 2.0  # "scotland since 2017": the figure that gives the total since then
    if not asks - {"latest"} and profile.shape == "count":
        score += 1.0  # a general question: the headline count
    if profile.shape == "change" and "change" not in asks:
        score -= 0.5
    if "contact" in asks and profile.shape == "contact":
        score += 1.0 if ("email" in profile.channel) == ("email" in words) else 0.0
    if question.financial_years and profile.financial_year in question.financial_years:
        score += 1.0  # the figure is for the year named, not compared with it
    if "peak" in asks and profile.peak:
        score += 1.5  # "record high": the highest of its series
    return score


def _fit_scope(profile: _Profile, question: Question, words: set[str], platforms_asked: int) -> float:
    """Penalties for what the question did not ask about, and the newest release first."""
    score = 0.0
    if profile.platforms and not _PLATFORM_WORDS & words and "share" not in question.asks and not platforms_asked:
        score -= 1.5  # one platform's figure for a question about no platform
    if profile.platforms and _PLATFORM_WORDS & words:
        score += 1.0  # "which apps", "where the platform was known": figures about platforms
    if profile.group and "group" in question.asks:
        score += 1.5  # "meta platforms": the group's share, not Facebook's alone
    elif profile.group and platforms_asked == 1:
        score -= 1.0  # a group of platforms' share for a question about one
    if profile.about_victims and not _VICTIM_WORDS & words:
        score -= 0.75  # victims' sex or age, not asked about
    if profile.one_sex and not _SEX_WORDS & words:
        score -= 1.0  # girls' or boys' own figure: the figure for all children first
    if profile.age_subgroup and not question.ages:
        score -= 1.0  # one age band's share ("girls aged 12 to 15"): the share of all victims first
    if profile.narrower and not profile.narrower & words:
        score -= 1.0  # a part of its release's headline (the 642 acted on, of 1,142 reports): the headline first
    if profile.narrow_place and not question.places:
        score -= 1.5  # one nation's figure for a question about no place
    if profile.historical:
        # History (a campaign's ask, a proposal) follows the current figure unless history is asked for.
        score -= 1.5 if "history" in question.asks else 6.0
    named_period = bool(question.financial_years or question.years or question.span)
    if profile.stale_in_series and not named_period:
        score -= 1.0  # a newer release of the same series answers it
    if not named_period:
        # The newest release first among figures that answer alike; strongly when the newest is asked for.
        if "earliest" in question.asks and profile.shape != "date":
            score -= profile.recency * 0.5  # "when did NI start recording": its first figures
        else:
            score += profile.recency * (0.5 if "latest" in question.asks else 0.15)
    return score


# -- what search knows about a figure ---------------------------------------------

_FIELD_WEIGHTS = (("claim", 1.0), ("measure", 1.5), ("display", 1.5), ("topics", 1.0), ("platforms", 1.0),
                  ("geography", 1.0), ("publisher", 1.0), ("period", 1.0), ("base", 1.0), ("unit", 1.0),
                  ("caveats", 0.5), ("quote", 0.5), ("title", 0.3))


def _field_texts(fact: Fact) -> dict[str, str]:
    return {
        "claim": fact.claim, "measure": fact.measure or "", "display": fact.display,
        "topics": " ".join(fact.topics), "platforms": " ".join(fact.platforms), "geography": fact.geography,
        "publisher": fact.source.publisher, "period": fact.period.label, "base": fact.base, "unit": fact.unit,
        "caveats": " ".join(fact.caveats), "quote": fact.quote or "", "title": fact.source.title,
    }


def _series_notes(series: list[Fact], others: list[list[Fact]]) -> list[str]:
    """Plain notes on a series: the forces (its geography, which names them) where they differ
    between periods, and the same measure's other national series (the UK and England and
    Wales count different sets of forces), which are not comparable with it."""
    notes = []
    if len({f.geography for f in series}) > 1:
        notes.append("The forces counted differ between periods: "
                     + "; ".join(f"{_short_period(f)}: {f.geography}" for f in series) + ".")
    national = {"uk", "englandwales"}
    if geography_places(series[0].geography) & national:
        for other in others:
            if len(other) >= 2 and geography_places(other[0].geography) & national:
                notes.append(f"Not comparable with these: the same measure for {other[0].geography} is a "
                             f"separate series ({_short_period(other[0])} to {_short_period(other[-1])}).")
    return notes


def _measure_key(fact: Fact) -> tuple[str, tuple[str, ...]]:
    return fact.measure or "", tuple(sorted(fact.platforms))


def _short_period(fact: Fact) -> str:
    return fact.period.label.split(" (")[0]


def _series_peaks(facts: list[Fact]) -> set[str]:
    """Ids of the figure with the highest numeric value in each series."""
    best: dict[str, tuple[float, str]] = {}
    for fact in facts:
        if fact.series and isinstance(fact.value, (int, float)) and not isinstance(fact.value, bool):
            if fact.series not in best or fact.value > best[fact.series][0]:
                best[fact.series] = (fact.value, fact.id)
    return {fact_id for _value, fact_id in best.values()}


def _profile(fact: Fact, current: set[str], peaks: set[str], parts: dict[str, frozenset[str]]) -> _Profile:
    texts = _field_texts(fact)
    weights: dict[str, float] = {}
    fields: dict[str, int] = {}
    for (_name, weight), found in zip(_FIELD_WEIGHTS, field_terms([texts[name] for name, _w in _FIELD_WEIGHTS]),
                                      strict=True):
        for term in set(found):
            fields[term] = fields.get(term, 0) + 1
            if weights.get(term, 0.0) < weight:
                weights[term] = weight
    for term, count in fields.items():  # a word the figure is about is in several of its fields
        weights[term] += 0.2 * min(count - 1, 3)
    for number in numbers(fact.source.title + " " + (fact.quote or "")):
        weights[number] = 0.5  # "grooming offences pass 10,000": the release's headline number
    for number in numbers(fact.claim + " " + fact.period.label):
        weights[number] = 0.75  # "89% more than in 2017/18"
    for number in numbers(fact.display):
        weights[number] = 1.0
    places = geography_places(fact.geography)
    released = _released(fact)
    fy = _financial_year_of(fact.period.start, fact.period.end)
    compared = _financial_years_spanned(fact) | (_years_named(fact.claim) if fact.kind != "statistic" else set())
    shape, cumulative = _shape(fact), _cumulative(fact)
    return _Profile(
        weights=weights, shape=shape, cumulative=cumulative, places=places,
        narrow_place=bool(places) and not places & {"uk", "englandwales"},
        historical=bool(fact.historical) or "campaign" in fact.topics and "law" not in fact.topics,
        stale_in_series=bool(fact.series) and fact.id not in current,
        platforms=bool(fact.platforms),
        group=len(fact.platforms) > 1,
        channel=fact.unit.lower() if fact.kind == "service" else "",
        about_victims=bool({"victims", "girls", "age"} & set(fact.topics)),
        compares=fact.comparison is not None or "compared with" in fact.period.label or bool(compared - {fy}),
        compared_years=frozenset(compared),
        since_years=frozenset(_since_years(fact)),
        financial_year=fy,
        recency=max(0, released.year - 2016) if released else 0,
        series_count=shape == "count" and bool(fact.series) and not cumulative,
        series_point=shape in ("count", "share") and bool(fact.series) and not cumulative,
        peak=fact.id in peaks,
        one_sex=len({"girls", "boys"} & set(fact.topics)) == 1,
        display_values=tuple(int(n[1:]) for n in numbers(fact.display)),
        narrower=parts.get(fact.id, frozenset()),
        age_subgroup=_age_subgroup(fact),
    )


#: An age band in a figure's measure or base: "aged 12 to 15", "aged 11 or under", "under 11", "under-18s".
_AGE_BAND = re.compile(r"\baged\s+\d+\s*(?:to|-|–)\s*\d+|\baged\s+\d+\s+or\s+(?:under|over|younger|older)|"
                       r"\b(?:under|over)[\s-]*\d+s?\b", re.I)


def _age_subgroup(fact: Fact) -> bool:
    """True for a share of one age band of the population its base counts: "girls aged 12 to 15"
    of the instances where age and gender were disclosed (not "children aged 13 to 15" of a
    survey of children aged 13 to 15, whose base is that age band)."""
    if _shape(fact) != "share" or not fact.measure:
        return False
    base = fact.base.lower()
    return any(band.lower() not in base for band in _AGE_BAND.findall(fact.measure))


def _parts(facts: list[Fact]) -> dict[str, frozenset[str]]:
    """Figures that are a part of another figure of the same release and period (its headline),
    by id → the words of the part's measure that say which part (none of them in the whole's
    measure, claim, base or topics): "actioned as criminal" for the 642 Report Remove reports the
    IWF acted on, of the 1,142 made; "more than once" for the 76.7% of children who received a
    sexual message, of the 9.5% who received one. A part is:

    - a measure that is another's and more ("… who received a sexual message and received them
      more than once"), or
    - a smaller count in the same unit whose measure narrows the larger one's with its own words
      (the release's headline count is the largest).
    """
    releases: dict[tuple, list[Fact]] = {}
    for fact in facts:
        if fact.kind == "statistic" and fact.measure:
            releases.setdefault((fact.source.url, fact.period.start, fact.period.end), []).append(fact)
    parts: dict[str, set[str]] = {}
    for members in releases.values():
        for part, whole in _part_pairs(members):
            said = set(terms(" ".join([whole.measure or "", whole.claim, whole.base, *whole.topics])))
            qualifiers = set(terms(part.measure or "")) - said
            if qualifiers:
                parts.setdefault(part.id, set()).update(qualifiers)
    return {fact_id: frozenset(words) for fact_id, words in parts.items()}


def _part_pairs(members: list[Fact]) -> list[tuple[Fact, Fact]]:
    """``(part, whole)`` pairs of one release and period, in time linear in ``members``."""
    by_measure: dict[str, list[Fact]] = {}
    headlines: dict[str, tuple[float, Fact]] = {}  # unit → its largest count
    for fact in members:
        by_measure.setdefault((fact.measure or "").lower(), []).append(fact)
        value = _number(fact.value)
        if _shape(fact) == "count" and value is not None and value > headlines.get(fact.unit, (-math.inf,))[0]:
            headlines[fact.unit] = (value, fact)
    pairs = []
    for part in members:
        words = (part.measure or "").lower().split()
        for cut in range(1, len(words)):  # "… who received a sexual message" and "… and received them more than once"
            pairs += [(part, whole) for whole in by_measure.get(" ".join(words[:cut]), [])]
        value, headline = _number(part.value), headlines.get(part.unit)
        if headline and _shape(part) == "count" and value is not None and value < headline[0]:
            pairs.append((part, headline[1]))  # a smaller count in the same unit than the release's headline
    return pairs


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


_SINCE_YEAR = re.compile(r"\bsince\s+(?:[a-z]+\s+)?(20\d\d)\b", re.I)


def _since_years(fact: Fact) -> set[int]:
    """Years a figure's claim or caveats count from ("3,572 such offences since April 2017")."""
    return {int(y) for y in _SINCE_YEAR.findall(" ".join([fact.claim, *fact.caveats]))}


def _years_named(text: str) -> set[int]:
    """Financial years written in ``text`` ("2017/18" → 2017)."""
    return {2000 + int(a) for a, b in re.findall(r"\b20(\d\d)/(\d\d)\b", text) if (int(a) + 1) % 100 == int(b)}


def _shape(fact: Fact) -> str:
    unit = fact.unit.lower()
    topics = {t.lower() for t in fact.topics}
    if "reporting" in topics and "route" in unit or "scope" in unit:
        return "route"
    if fact.kind == "service" or topics & {"helpline", "emergency"}:
        return "contact"
    if "date" in unit or "commencement" in unit or "royal assent" in unit or "start" in unit:
        return "date"
    if any(word in unit for word in ("increase", "rise", "change")) or "compared with" in fact.period.label:
        return "change"
    if "percent" in unit or "%" in fact.display or unit.startswith("proportion") or unit.startswith("share"):
        return "share"
    counted = ("offence", "crime", "session", "contact", "report", "victim", "child", "case", "webpage", "image")
    if fact.kind == "statistic" and "law" not in topics and any(word in unit for word in counted):
        return "count"
    return "other"


def _cumulative(fact: Fact) -> bool:
    start, end = fact.period.start, fact.period.end
    return bool(start and end and (end - start).days > 400 and "compared with" not in fact.period.label)


def _current_in_series(facts: list[Fact]) -> set[str]:
    """Ids of the newest figure of each series (``facts`` are in rank order, newest first)."""
    seen: set[str] = set()
    current: set[str] = set()
    for fact in facts:
        if fact.series and fact.series not in seen:
            seen.add(fact.series)
            current.add(fact.id)
    return current


#: Words that name the core subject: a question naming them stays with online grooming.
_GROOMING_TERMS = frozenset({"groom", "scwc"})


def _core(fact: Fact) -> bool:
    """True for the core figures: online grooming statistics and every service or reference fact."""
    return fact.kind != "statistic" or "online grooming" in {t.lower() for t in fact.topics}


def _rank(fact: Fact) -> tuple:
    # Newest release first (an undated statistic by the end of its period); within it
    # single-platform figures before group ones.
    published, end, fact_id = fact.sort_key
    if fact.source.published is None and fact.kind == "statistic" and fact.period.end:
        published = -fact.period.end.toordinal()
    return (published, len(fact.platforms) > 1, end, fact_id)


def _released(fact: Fact) -> dt.date | None:
    """When a statistic was released: its source's date, or the end of its period when undated."""
    return fact.source.published or fact.period.end if fact.kind == "statistic" else None


def _years_of(fact: Fact) -> set[int]:
    """Years a figure belongs to: its period lies within the calendar year or
    within the financial year starting in it, or it was published then."""
    years: set[int] = set()
    start, end = fact.period.start, fact.period.end
    if start and end and start.year == end.year:
        years.add(start.year)
    fy = _financial_year_of(start, end)
    if fy is not None:
        years.add(fy)
    calendar_year = bool(start and end and start.year == end.year and (start.month, start.day, end.month, end.day)
                         == (1, 1, 12, 31))
    if fact.source.published and not calendar_year:  # a calendar year's figure is that year's, not its release's
        years.add(fact.source.published.year)
    named = _YEAR_ENDING.search(fact.period.label)
    if named:
        years.add(int(named[1]))  # a survey's "year ending March 2020" is its 2020
    return years


_YEAR_ENDING = re.compile(r"\byear\s+(?:ending|ended|to)\s+(?:[A-Za-z]+\s+)?(20\d\d)\b", re.I)


def _financial_year_of(start: dt.date | None, end: dt.date | None) -> int | None:
    """The financial year (April–March, keyed by its first year) a period lies within."""
    if not (start and end):
        return None
    first = start.year if start.month >= 4 else start.year - 1
    # A few days' slack: the offence's first year ran 3 April 2017 to 2 April 2018,
    # which the NSPCC counts as 2017/18.
    if end <= dt.date(first + 1, 3, 31) + dt.timedelta(days=7):
        return first
    return None


def _rounds_to(asked: int, values: tuple[int, ...]) -> bool:
    """True when ``asked`` is a round number (1,000s, or 100s from 100) that one of ``values`` is
    written as by people quoting it: "10,000" or "more than 10,000" for 10,119 (up to 10% over)."""
    if asked < 100 or asked % (1000 if asked >= 1000 else 100):
        return False
    return any(asked <= value < asked * 1.1 for value in values if value != asked)


def _comparison_year(fact: Fact) -> int | None:
    """The financial year of the figure's structured comparison, if any."""
    if fact.comparison is None:
        return None
    return _financial_year_of(fact.comparison.period.start, fact.comparison.period.end)


def _financial_years_spanned(fact: Fact) -> set[int]:
    """Financial years a change or a comparison is between: its period's first and last, and
    the comparison's (a "2024/25 compared with 2017/18" figure answers both years), and those its
    claim gives a number for ("391 … up from 194 in 2017/18")."""
    spanned: set[int] = _years_named(fact.claim) if fact.kind == "statistic" else set()
    if fact.comparison is not None:
        fy = _financial_year_of(fact.comparison.period.start, fact.comparison.period.end)
        if fy is not None:
            spanned.add(fy)
    start, end = fact.period.start, fact.period.end
    if start and end and "compared with" in fact.period.label:
        spanned.add(start.year if start.month >= 4 else start.year - 1)
        spanned.add(end.year if end.month >= 4 else end.year - 1)
    return spanned


def _and_list(items: list[str]) -> str:
    """``["A", "B", "C"]`` → ``"A, B and C"``."""
    return " and ".join(items) if len(items) < 3 else f"{', '.join(items[:-1])} and {items[-1]}"


def query_terms(text: str) -> list[str]:
    """The search terms of ``text`` as a query reads them (:func:`facts.figures.words.terms`)."""
    return terms(text)
