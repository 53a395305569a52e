"""Which figures are due for a curator's review, and why: one rule for the digest, App Home and
``factbot facts stale``.

A figure is due when it is not retired and either its ``review_by`` date has
passed or a newer figure supersedes it. Held figures count: they wait on a
curator's decision too.
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
