"""Which figures are due for a curator's review, and why: one rule for the digest, App Home and
``factbot facts stale``; and which series' next edition is overdue.

A figure is due when it is not retired and either its ``review_by`` date has
passed or a newer figure supersedes it. Held figures count: they wait on a
curator's decision too.

A series' next edition is overdue when the release of its newest servable
figure says when the next edition is due (``source.next_edition``, only ever
from the publisher's own words) and that date has passed. A series whose
publisher gave no date is never called overdue: :func:`next_editions` says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from facts.figures.model import Fact


@dataclass(frozen=True)
class ReviewDue:
    """A figure due for re-checking and why (``reason``: plain text)."""

    fact: Fact
    reason: str


def reviews_due(facts: Iterable[Fact], today: dt.date) -> list[ReviewDue]:
    """The figures of ``facts`` due for review on ``today`` (see the module docstring), in id order."""
    due = []
    for fact in sorted(facts, key=lambda f: f.id):
        if fact.status == "retired":
            continue
        if fact.superseded_by:
            due.append(ReviewDue(fact, f"superseded by {fact.superseded_by}"))
        elif fact.review_due(today):
            due.append(ReviewDue(fact, f"review was due {fact.review_by}"))
    return due


@dataclass(frozen=True)
class SeriesEdition:
    """A series, the newest servable figure in it, and what its publisher says of the next edition."""

    series: str
    newest: Fact

    @property
    def expected(self) -> dt.date | None:
        return self.newest.source.next_edition

    @property
    def words(self) -> str | None:
        """The publisher's own words about the next edition, when given."""
        return self.newest.source.next_edition_note


@dataclass(frozen=True)
class NextEditions:
    """Every series with servable figures: ``overdue`` (expected date passed), ``due`` (dated, not
    yet), ``undated`` (no date from the publisher; ``words`` may still say "To be announced")."""

    overdue: list[SeriesEdition]
    due: list[SeriesEdition]
    undated: list[SeriesEdition]


def next_editions(facts: Iterable[Fact], today: dt.date) -> NextEditions:
    """Each series' newest servable figure (latest period end, then release), sorted into overdue,
    due and undated by its release's ``next_edition`` against ``today``."""
    newest: dict[str, Fact] = {}
    for fact in facts:
        if not fact.series or not fact.servable:
            continue
        held = newest.get(fact.series)
        if held is None or _recency(fact) > _recency(held):
            newest[fact.series] = fact
    editions = [SeriesEdition(series, fact) for series, fact in sorted(newest.items())]
    overdue = [e for e in editions if e.expected and e.expected < today]
    due = [e for e in editions if e.expected and e.expected >= today]
    undated = [e for e in editions if not e.expected]
    return NextEditions(overdue, due, undated)


def _recency(fact: Fact) -> tuple:
    return (fact.period.end or dt.date.min, fact.source.published or dt.date.min)
