"""The fact model: one figure with everything needed to quote it honestly.

A :class:`Fact` is a curated statistic (or a reference fact such as a helpline
number) together with its citation. Curated files in ``facts/curated/`` are
validated against this model; a fact missing a citation field does not load.

Nothing here computes or reformats a figure: ``display`` is the curated,
quotable form ("37%", "1,220", "€20 million") and is shown as written.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

Status = Literal["verified", "secondary", "held", "retired"]

#: What sort of fact a record is. ``statistic``: a figure from a release, ordered
#: by its release and period; ``service``: a current reference fact such as a
#: helpline number or reporting route, not ordered by any news date;
#: ``reference``: a fact about law, policy or a campaign position.
Kind = Literal["statistic", "service", "reference"]

#: Statuses that may be served to staff as a current figure.
SERVABLE: frozenset[str] = frozenset({"verified", "secondary"})

_Text = Field(min_length=1)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Period(_Strict):
    """The time a figure covers.

    ``start`` and ``end`` are inclusive dates; either may be unknown (``None``)
    for reference facts or figures whose window the source does not state, but
    ``label`` is always given and is what staff quote ("April to June 2020",
    "2023/24", "current").
    """

    start: dt.date | None = None
    end: dt.date | None = None
    label: str = _Text

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.start and self.end and self.start > self.end:
            raise ValueError("period start is after its end")
        return self


class Comparison(_Strict):
    """An earlier value the source itself compares the figure with."""

    value: float | int | str
    display: str = _Text
    period: Period


class Source(_Strict):
    """Where a figure comes from: the release that published it.

    ``published`` is the release date; an undated page has ``published=None``
    and says why in ``published_note`` ("undated page, c. 2020"). ``outlet``
    names the news outlet a *secondary* figure was read in.
    """

    publisher: str = _Text
    title: str = _Text
    url: HttpUrl
    published: dt.date | None = None
    published_note: str | None = None
    method: str = _Text
    outlet: str | None = None
    #: When the publisher says its next edition is due (``None`` when it does not say).
    next_edition: dt.date | None = None
    #: The publisher's own words about the next edition, quoted ("Next release: 12 March 2027",
    #: "Next release: To be announced"); required with ``next_edition``.
    next_edition_note: str | None = None

    @model_validator(mode="after")
    def _dated(self) -> Source:
        if self.published is None and not self.published_note:
            raise ValueError("published is required (or published_note for an undated page)")
        if self.next_edition and not self.next_edition_note:
            raise ValueError("next_edition_note: a next edition date needs the publisher's own words about it")
        return self


def display_shows_value(value: float | int | str, display: str) -> bool:
    """True when a numeric ``value`` appears in ``display`` as written there
    ("12,925" for 12925, "€20 million" for 20000000, "37%" for 37).
    Text values ("1 in 5", "Ofcom") are not checked."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return True
    written = re.sub(r"(?<=\d)[,\s](?=\d{3}\b)", "", display.lower())
    scale = 1e9 if "billion" in written else 1e6 if re.search(r"million|\d\s*m\b", written) else 1
    scaled = value / scale
    targets = {str(scaled), str(int(scaled))} if float(scaled).is_integer() else {str(scaled)}  # "35.0%" shows 35.0
    return bool(targets & set(re.findall(r"\d+(?:\.\d+)?", written)))


class Misquote(_Strict):
    """A known wrong wording of a figure, and why it is wrong.

    ``wording``: the misquote as it circulates ("a 40% rise on Instagram");
    ``why``: one sentence a claim checker can show ("the 40% is ...").
    """

    wording: str = _Text
    why: str = _Text


#: A series key: lowercase words joined by ``-`` ("grooming-offences-england-wales-yearly").
SERIES_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
#: A row reference in ``shared/sources/*.jsonl`` ("S044", "T012").
SOURCE_REF_PATTERN = r"^[A-Z][0-9]{3}$"


class Fact(_Strict):
    """One curated figure with its citation.

    Fields (all text is plain, unescaped):

    - ``id``: stable identifier, lowercase words joined by ``-``.
    - ``claim``: one quotable sentence that itself states the base and period.
    - ``value``, ``unit``: the figure as the source gives it (e.g. ``37``,
      ``"percent"``); ``display``: the curated quotable form ("37%").
    - ``base``: what a percentage is of, or what a count counts.
    - ``comparison``: optional earlier value from the same source.
    - ``period``, ``geography``, ``topics``, ``platforms``, ``source``.
    - ``caveats``: things a person quoting the figure must know.
    - ``status``: ``verified`` (checked in the publisher's own release),
      ``secondary`` (read only in coverage; ``source.outlet`` names it),
      ``held`` (ambiguous, never served), ``retired`` (never served).
    - ``verified_on``: when a curator last checked it; ``review_by``: when it
      is due for re-checking; ``superseded_by``: id of the figure replacing it.
    - ``quote``: the source's own sentence, verbatim, that contains the
      figure; ``quote_url``: where the quote was read, when that is not
      ``source.url`` (a stored copy, or the coverage a secondary figure
      was read in).
    - ``measure``: what is counted, in words ("sexual communication with a
      child offences recorded by police"); ``series``: a key tying one
      measure, base and geography across releases
      ("grooming-offences-england-wales-yearly"), so a newer release visibly
      supersedes an older one and a trend reads from one series.
    - ``source_refs``: the ``ref`` of each row in ``shared/sources/*.jsonl``
      the figure was curated from (``["S044"]``).
    - ``kind``: ``statistic`` (default), ``service`` or ``reference``.
    - ``historical``: when set, why the fact is history rather than current
      (a 2020 proposal, an earlier campaign ask); it is shown as history.
    - ``misquotes``: known wrong wordings of the figure, each with why.
    """

    id: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)
    claim: str = _Text
    value: float | int | str
    unit: str = _Text
    display: str = _Text
    base: str = _Text
    comparison: Comparison | None = None
    period: Period
    geography: str = _Text
    topics: list[str] = Field(min_length=1)
    platforms: list[str] = Field(default_factory=list)
    source: Source
    caveats: list[str] = Field(default_factory=list)
    status: Status
    verified_on: dt.date
    review_by: dt.date
    superseded_by: str | None = None
    quote: str | None = Field(default=None, min_length=1)
    quote_url: HttpUrl | None = None
    measure: str | None = Field(default=None, min_length=1)
    series: str | None = Field(default=None, pattern=SERIES_PATTERN, max_length=80)
    source_refs: list[str] = Field(default_factory=list)
    kind: Kind = "statistic"
    historical: str | None = Field(default=None, min_length=1)
    misquotes: list[Misquote] = Field(default_factory=list)

    @field_validator("source_refs")
    @classmethod
    def _refs(cls, refs: list[str]) -> list[str]:
        bad = [ref for ref in refs if not re.match(SOURCE_REF_PATTERN, str(ref))]
        if bad:
            raise ValueError(f"not a sources row ref (like 'S044'): {', '.join(map(str, bad))}")
        return refs

    @field_validator("topics", "platforms", "caveats")
    @classmethod
    def _no_blank_items(cls, items: list[str]) -> list[str]:
        if any(not str(item).strip() for item in items):
            raise ValueError("items must not be blank")
        return [str(item).strip() for item in items]

    @model_validator(mode="after")
    def _consistent(self) -> Fact:
        # Model-level problems start with the field they are about, so the
        # curated-file loader can name it.
        if self.status == "secondary" and not self.source.outlet:
            raise ValueError("source.outlet: a secondary figure must name the outlet it was read in")
        if self.review_by < self.verified_on:
            raise ValueError("review_by: is before verified_on")
        if not display_shows_value(self.value, self.display):
            raise ValueError(f"display: does not show the value {self.value!r} (a typo in one of them?)")
        return self

    @property
    def servable(self) -> bool:
        """True when the figure may be shown as current (verified or secondary, not superseded)."""
        return self.status in SERVABLE and not self.superseded_by

    @property
    def current(self) -> bool:
        """True when the figure is served as current: servable and not marked historical."""
        return self.servable and not self.historical

    def review_due(self, today: dt.date) -> bool:
        """True when ``today`` is past ``review_by``."""
        return today > self.review_by

    @property
    def sort_key(self) -> tuple:
        """Newest release first, then newest period end, then id (stable).

        A service fact (a helpline number, a reporting route) is current
        reference, not news: its page's date does not order it, so every
        service fact sorts as undated."""
        published = (self.source.published if self.kind != "service" else None) or dt.date.min
        end = self.period.end or dt.date.min
        return (-published.toordinal(), -end.toordinal(), self.id)
