"""Curating from Slack: the rules for re-verifying, proposing, approving, rejecting and retiring a figure.

Plain Python (no Slack): ``bot.curation`` wires these to the store and the
Slack folder (:mod:`facts.figures.layers`), ``handlers.figures.curation``
to Slack.

- :func:`reverified`: a figure checked again today, its ``review_by`` moved on
  by the figure's own interval (``review_by - verified_on``).
- :data:`FORM_FIELDS`, :func:`fact_from_form`, :func:`form_values`: the
  propose modal's fields (every citation field and the source's quote) and
  how they become a :class:`~facts.figures.model.Fact`, checked by the same
  model as the curated files; errors are keyed by the field's form name.
- :class:`Proposals`: proposals waiting for a second curator, in
  ``<stem>-proposals.json`` beside the store, with who decided and why.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from facts.clock import utc_now
from facts.figures.model import Fact
from facts.persistence import StateFile
from facts.validation import error_field, error_message

#: Used when a figure's own interval is not positive (checked and due the same day).
DEFAULT_INTERVAL = dt.timedelta(days=365)
#: The longest reason (for a correction, a rejection or a retirement) kept, in characters.
MAX_REASON = 500


#: What a non-curator is told when a curator action reaches the app from them (a forged request).
NOT_A_CURATOR = "Only curators (FACTBOT_CURATORS) can change figures; nothing was changed."


@dataclass(frozen=True)
class Outcome:
    """What a curator's action did: ``text`` to tell them (Slack mrkdwn, escaped); ``ok`` when it was done."""

    text: str
    ok: bool = True


def review_interval(fact: Fact) -> dt.timedelta:
    """How long a check of ``fact`` lasts: ``review_by - verified_on`` (:data:`DEFAULT_INTERVAL` if not positive)."""
    interval = fact.review_by - fact.verified_on
    return interval if interval.days > 0 else DEFAULT_INTERVAL


def reverified(fact: Fact, today: dt.date) -> Fact:
    """``fact`` checked again on ``today``: ``verified_on`` is today, ``review_by`` today plus its interval.

    Nothing the campaign channel is told about changes (value, display, status,
    source...), so re-verifying posts no figure alert.
    """
    return fact.model_copy(update={"verified_on": today, "review_by": today + review_interval(fact)})


def change_note(action: str, by: list[str], why: str, now: dt.datetime | None = None) -> dict:
    """The ``change`` a Slack-made version carries: ``{"by": [user ids], "at": ISO time, "why", "action"}``."""
    return {"by": list(by), "at": (now or utc_now()).isoformat(timespec="seconds"), "why": why, "action": action}


# -- the propose form --------------------------------------------------------


@dataclass(frozen=True)
class FormField:
    """One input of the propose modal.

    ``name`` is the field's path in a figure (``source.url``) and the input's
    block id; ``kind`` is ``text``, ``long`` (multi-line), ``date``,
    ``list`` (one item a line), ``select``; ``options`` for a select.
    """

    name: str
    label: str
    kind: str = "text"
    optional: bool = False
    hint: str | None = None
    options: tuple[str, ...] = ()


#: The propose modal's inputs, in order. ``verified_on`` is the day of the proposal; a correction
#: keeps the fields the form does not show (comparison, misquotes, next edition) from the figure.
FORM_FIELDS: tuple[FormField, ...] = (
    FormField("claim", "Claim (one quotable sentence)", "long",
              hint="States the base and the period, as staff will quote it."),
    FormField("display", "Figure as quoted", hint="Exactly as the source writes it: 37%, 1,220, €20 million."),
    FormField("value", "Value", hint="The number as the source gives it (37, 1220), or text (1 in 5)."),
    FormField("unit", "Unit", hint="percent, offences, children, pounds…"),
    FormField("base", "Base", hint="What a percentage is of, or what a count counts."),
    FormField("measure", "Measure", optional=True, hint="What is counted, in words."),
    FormField("series", "Series key", optional=True,
              hint="Lowercase words joined by -, the same for every release of this measure."),
    FormField("period.label", "Period", hint="As the source says it: 2023/24, April to June 2020."),
    FormField("period.start", "Period start", "date", optional=True),
    FormField("period.end", "Period end", "date", optional=True),
    FormField("geography", "Geography", hint="England and Wales, UK, Scotland…"),
    FormField("topics", "Topics", "list", hint="One a line."),
    FormField("platforms", "Platforms", "list", optional=True, hint="One a line (Instagram, Snapchat…)."),
    FormField("source.publisher", "Publisher"),
    FormField("source.title", "Source title"),
    FormField("source.url", "Source link", hint="The publisher's own page (https://…)."),
    FormField("source.published", "Published on", "date", optional=True,
              hint="Leave empty only for an undated page, and say so below."),
    FormField("source.published_note", "Undated page note", optional=True, hint="e.g. undated page, c. 2020"),
    FormField("source.method", "Method", "long", hint="How the publisher got the figure."),
    FormField("source.outlet", "Outlet (secondary figures)", optional=True,
              hint="The news outlet a secondary figure was read in."),
    FormField("quote", "Source's own sentence", "long",
              hint="Copied verbatim from the source; it must show the figure as quoted."),
    FormField("quote_url", "Where the quote was read", optional=True, hint="Only when not the source link."),
    FormField("caveats", "Caveats", "list", optional=True, hint="One a line."),
    FormField("status", "Status", "select", options=("verified", "secondary", "held")),
    FormField("kind", "Kind", "select", options=("statistic", "service", "reference")),
    FormField("review_by", "Review by", "date", hint="When it must be checked again."),
    FormField("historical", "History note", optional=True, hint="Only for history (an earlier campaign ask)."),
    FormField("superseded_by", "Superseded by", optional=True, hint="Id of a newer figure replacing this one."),
    FormField("source_refs", "Sources rows", "list", optional=True, hint="S044, T012… one a line."),
)
#: The id input (a new figure only: a correction keeps its id) and the reason input.
ID_FIELD = FormField("id", "Figure id", hint="Lowercase words joined by -, e.g. grooming-2025-26-uk-offences.")
WHY_FIELD = FormField("why", "What changed and why", "long", hint="Kept in the figure's history.")
_BY_NAME = {f.name: f for f in (ID_FIELD, *FORM_FIELDS, WHY_FIELD)}
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_NAMED = re.compile(r"^([a-z_]+(?:\.[a-z_]+)*): (.+)$", re.S)


def form_values(fact: Fact) -> dict[str, str]:
    """The form's initial values for correcting ``fact`` (``{field name: text}``; empty ones left out)."""
    data = fact.model_dump(mode="json")
    found = {}
    for field in FORM_FIELDS:
        value = _get(data, field.name)
        if value in (None, "", []):
            continue
        found[field.name] = "\n".join(map(str, value)) if isinstance(value, list) else str(value)
    return found


def fact_from_form(values: dict[str, str | None], *, today: dt.date,
                   corrects: Fact | None = None) -> tuple[Fact | None, dict[str, str]]:
    """A figure from the form's ``values`` (``{field name: text or None}``): ``(fact, {})``, or
    ``(None, {field name: problem})`` naming each field the model refuses.

    For a correction (``corrects``) the id is the corrected figure's, and the
    fields the form does not show are kept from it. A value that is a plain
    number (``1220``, ``35.0``) is stored as one, anything else as the text typed.
    """
    errors: dict[str, str] = {}
    data: dict[str, Any] = {k: v for k, v in corrects.model_dump(mode="json").items()
                            if k not in _BY_NAME} if corrects else {}
    data.pop("source", None)
    source_rest = {k: v for k, v in (corrects.source.model_dump(mode="json") if corrects else {}).items()
                   if f"source.{k}" not in _BY_NAME}
    period_rest: dict[str, Any] = {}
    data["source"], data["period"] = dict(source_rest), dict(period_rest)
    data["id"] = corrects.id if corrects else (values.get("id") or "").strip()
    data["verified_on"] = today.isoformat()
    for field in FORM_FIELDS:
        raw = (values.get(field.name) or "").strip()
        if not raw:
            if not field.optional:
                errors[field.name] = "Please fill this in."
            continue
        if field.kind == "list":
            value: Any = [item.strip() for item in re.split(r"[\n,]", raw) if item.strip()]
        elif field.name == "value" and _NUMBER.match(raw):
            value = float(raw) if "." in raw else int(raw)
        else:
            value = raw
        _put(data, field.name, value)
    if not corrects and not data["id"]:
        errors["id"] = "Please fill this in."
    try:
        fact = Fact.model_validate(data)
    except ValidationError as exc:  # every problem at once, the empty fields' first
        for error in exc.errors():
            name, message = error_field(error), error_message(error)
            named = _NAMED.match(message)
            if name == "-" and named:  # a model-level check names its field first
                name, message = named.groups()
            errors.setdefault(form_field_for(name), message)
        return None, errors
    return (None, errors) if errors else (fact, {})


def form_field_for(path: str) -> str:
    """The form field showing a model field's ``path`` (``topics.0`` → ``topics``, ``period`` →
    ``period.label``); ``claim`` when none does."""
    parts = path.split(".")
    for end in range(len(parts), 0, -1):
        name = ".".join(parts[:end])
        if name in _BY_NAME:
            return name
    return {"period": "period.label", "source": "source.url"}.get(parts[0], "claim")


def _get(data: dict, path: str) -> Any:
    for part in path.split("."):
        data = data.get(part) if isinstance(data, dict) else None  # type: ignore[assignment]
    return data


def _put(data: dict, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[last] = value


# -- proposals ---------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    """A new figure or a correction waiting for a second curator.

    ``kind``: ``new`` or ``correction``; ``fact``: the proposed figure (JSON);
    ``base``: the fingerprint of the served version it corrects (``None`` for a
    new figure); ``state``: ``pending``, ``approved`` or ``rejected``;
    ``decided_by``/``decided_at``/``reason`` once decided.
    """

    id: str
    kind: str
    fact: dict
    by: str
    at: str
    why: str
    base: str | None = None
    state: str = "pending"
    decided_by: str | None = None
    decided_at: str | None = None
    reason: str | None = None

    @property
    def fact_id(self) -> str:
        return str(self.fact.get("id"))

    @property
    def figure(self) -> Fact:
        return Fact.model_validate(self.fact)


class Proposals(StateFile):
    """Proposals in ``<stem>-proposals.json`` (see :class:`Proposal`); ``close()`` when done.

    Use :meth:`add` and :meth:`decide`; each takes the file's lock itself.
    """

    def __init__(self, path: str | Path):
        super().__init__(path)
        self._table = self.db.table("proposals", cache_size=0)

    def add(self, kind: str, fact: Fact, by: str, why: str, base: str | None,
            now: dt.datetime | None = None) -> Proposal:
        proposal = Proposal(f"P{secrets.token_hex(4)}", kind, fact.model_dump(mode="json"), by,
                            (now or utc_now()).isoformat(timespec="seconds"), why[:MAX_REASON], base)
        with self.locked():
            self._table.insert(proposal.__dict__)
        return proposal

    def get(self, proposal_id: str) -> Proposal | None:
        doc = self._table.get(self.query.id == proposal_id)
        return Proposal(**doc) if doc else None

    def pending(self) -> list[Proposal]:
        """Proposals waiting for a decision, oldest first."""
        return sorted((Proposal(**d) for d in self._table.search(self.query.state == "pending")), key=lambda p: p.at)

    def decide(self, proposal_id: str, state: str, by: str, reason: str | None = None,
               now: dt.datetime | None = None) -> Proposal | None:
        """Mark a pending proposal ``approved`` or ``rejected``; the decided proposal, or ``None``
        when it is not pending (decided already, by someone else a moment ago)."""
        with self.locked():
            doc = self._table.get(self.query.id == proposal_id)
            if not doc or doc.get("state") != "pending":
                return None
            update = {"state": state, "decided_by": by, "reason": (reason or "")[:MAX_REASON] or None,
                      "decided_at": (now or utc_now()).isoformat(timespec="seconds")}
            self._table.update(update, self.query.id == proposal_id)
        return Proposal(**{**doc, **update})
