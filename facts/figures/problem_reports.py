"""Report a problem: anyone can flag a figure; curators see the reports and deal with them.

Every figure shown (slash answers, mentions, the Find figures modal, shared posts) carries a
**Report a problem** button (:func:`report_button`, value ``{"id": figure id, "v": version}``).
It opens :func:`report_modal`: what is wrong (required), an optional source link, and a tick
"my words may be shared in the campaign channel". A submitted report (:func:`read_submission`) is
kept in :class:`ProblemReports` (``<stem>-problems.json`` beside ``FACTBOT_DB``; TinyDB, atomic
writes), listed for curators in App Home (:func:`queue_blocks`) until one marks it dealt with, and
announced in the campaign channel (:func:`report_card`) with the figure's id — the reporter's name,
words and link only when they ticked that they may be shared.

Reports may hold what a person typed (perhaps more than they meant to): they are never logged, and
shown only to curators in App Home and, when ticked, in the campaign channel.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from facts.blocks import context, message, section
from facts.clock import utc_now
from facts.figures.messages import version
from facts.figures.model import Fact
from facts.persistence import StateFile
from facts.text import escape, long_date, truncate
from facts.validation import is_http_url

#: The action id of each figure's **Report a problem** button.
REPORT_ACTION_ID = "report_problem"
#: The callback id of the report modal.
REPORT_CALLBACK_ID = "report_problem_modal"
#: The action id of a curator's **Mark dealt with** button in App Home.
DEALT_ACTION_ID = "problem_dealt_with"
#: The outbox kind of a report's card in the campaign channel.
KIND = "problem-report"
#: Longest description and link taken (characters).
MAX_TEXT = 2000
MAX_URL = 1000
#: Open reports listed in App Home (the rest are counted).
MAX_LISTED = 10

_FACT_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_VERSION = re.compile(r"^[0-9a-f]{8}$")
_WHAT, _SOURCE, _SHARE = "what", "source", "share"


@dataclass(frozen=True)
class ProblemReport:
    """One report: ``id`` (``PR-…``), the ``figure`` id and ``version`` shown, the ``reporter``
    (a Slack user id), ``text`` (what is wrong), ``source_url`` (or ``None``), ``shareable`` (the
    reporter ticked that their words may be shared), ``reported_at`` (ISO UTC), once dealt
    with ``dealt_by`` and ``dealt_at``, and once its card is posted the card's ``channel`` and ``ts``."""

    id: str
    figure: str
    version: str
    reporter: str
    text: str
    source_url: str | None
    shareable: bool
    reported_at: str
    dealt_by: str | None = None
    dealt_at: str | None = None
    channel: str | None = None
    ts: str | None = None

    @property
    def card_id(self) -> str:
        """The outbox id of the report's card in the campaign channel."""
        return f"PROBLEM-{self.id}"


class ProblemReports(StateFile):
    """The reports file (see the module docstring). ``close()`` when done.

    Raises ``ValueError`` naming the file when it is not valid JSON.
    """

    def __init__(self, path: str | Path):
        super().__init__(path)
        self._table = self.db.table("reports", cache_size=0)

    def add(self, figure: str, figure_version: str, reporter: str, text: str, source_url: str | None,
            shareable: bool, now: dt.datetime | None = None) -> ProblemReport:
        """Keep a new report; returns it (its ``id`` is new)."""
        now = now or utc_now()
        report = ProblemReport(f"PR-{now:%Y%m%d}-{secrets.token_hex(3).upper()}", figure, figure_version, reporter,
                               text, source_url, shareable, now.isoformat())
        with self.locked():
            self._table.insert(dict(report.__dict__))
        return report

    def get(self, report_id: str) -> ProblemReport | None:
        doc = self._table.get(self.query.id == report_id)
        return _report(doc) if doc else None

    def open_reports(self) -> list[ProblemReport]:
        """Reports not yet dealt with, oldest first."""
        found = [_report(doc) for doc in self._table.search(self.query.dealt_at == None)]  # noqa: E711 (TinyDB query)
        return sorted(found, key=lambda r: r.reported_at)

    def mark_dealt(self, report_id: str, curator: str, now: dt.datetime | None = None) -> tuple[ProblemReport | None, bool]:
        """Mark a report dealt with by ``curator``; returns ``(report, changed)`` (``(None, False)``
        when there is no such report). A report already dealt with keeps who dealt with it first."""
        with self.locked():
            doc = self._table.get(self.query.id == report_id)
            if doc is None:
                return None, False
            changed = not doc.get("dealt_at")
            if changed:
                self._table.update({"dealt_by": curator, "dealt_at": (now or utc_now()).isoformat()},
                                   self.query.id == report_id)
        return self.get(report_id), changed

    def erase_dealt(self, days: int, now: dt.datetime | None = None) -> int:
        """Blank the words and link of reports dealt with more than ``days`` days ago; returns
        how many. The report itself (figure, version, reporter, times) stays as the record that
        a problem was raised and dealt with; what a person typed is kept no longer than an
        enquiry's details (``FACTBOT_RETENTION_DAYS``). Open reports are never touched."""
        cutoff = ((now or utc_now()) - dt.timedelta(days=days)).isoformat()
        erased = self.query.text == ""
        with self.locked():
            changed = self._table.update({"text": "", "source_url": None},
                                         (self.query.dealt_at != None) & (self.query.dealt_at < cutoff)  # noqa: E711
                                         & ~erased)
        return len(changed)

    def card_posted(self, card_id: str, channel: str, ts: str | None) -> None:
        """Record where the card with outbox id ``card_id`` (:attr:`ProblemReport.card_id`) was posted."""
        report_id = card_id.removeprefix("PROBLEM-")
        with self.locked():
            self._table.update({"channel": channel, "ts": ts}, self.query.id == report_id)


def _report(doc: Mapping[str, Any]) -> ProblemReport:
    values: dict[str, Any] = {k: doc.get(k) for k in ProblemReport.__dataclass_fields__}
    return ProblemReport(**values)


# -- the button and the modal ------------------------------------------------------------


def report_button(fact: Fact) -> dict:
    """The **Report a problem** button for one figure (a button element, for an actions block)."""
    return {"type": "button", "action_id": REPORT_ACTION_ID, "text": {"type": "plain_text", "text": "Report a problem"},
            "value": json.dumps({"id": fact.id, "v": version(fact)}, separators=(",", ":"))}


def parse_button(value: str) -> tuple[str, str] | None:
    """``(figure id, version)`` from a Report a problem button's value; ``None`` when malformed."""
    try:
        data = json.loads(value)
        fact_id, shown = data["id"], data["v"]
    except (KeyError, TypeError, ValueError):
        return None
    if not (isinstance(fact_id, str) and isinstance(shown, str) and _FACT_ID.match(fact_id)
            and _VERSION.match(shown)):
        return None
    return fact_id, shown


def report_modal(fact: Fact, shown_version: str) -> dict:
    """The modal: what is wrong, an optional source link, and the tick to share their words."""
    about = f"*{escape(fact.display)}* — {escape(truncate(fact.claim, 300))}\n`{escape(fact.id)}` · version {escape(shown_version)}"
    return {
        "type": "modal", "callback_id": REPORT_CALLBACK_ID,
        "private_metadata": json.dumps({"id": fact.id, "v": shown_version}, separators=(",", ":")),
        "title": {"type": "plain_text", "text": "Report a problem"},
        "submit": {"type": "plain_text", "text": "Send to curators"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section(about),
            {"type": "input", "block_id": _WHAT, "label": {"type": "plain_text", "text": "What is wrong?"},
             "element": {"type": "plain_text_input", "action_id": _WHAT, "multiline": True, "max_length": MAX_TEXT,
                         "placeholder": {"type": "plain_text", "text": "e.g. the release now says 7,100, not 7,062"}}},
            {"type": "input", "block_id": _SOURCE, "optional": True,
             "label": {"type": "plain_text", "text": "Source (optional)"},
             "hint": {"type": "plain_text", "text": "A link to where the right figure is published."},
             "element": {"type": "url_text_input", "action_id": _SOURCE}},
            {"type": "input", "block_id": _SHARE, "optional": True,
             "label": {"type": "plain_text", "text": "Sharing"},
             "element": {"type": "checkboxes", "action_id": _SHARE, "options": [
                 {"text": {"type": "plain_text", "text": "My words may be shared in the campaign channel"},
                  "value": "yes"}]}},
            context("Curators see your report and your name in App Home. The campaign channel is told a "
                    "problem was reported with this figure; your name, words and link only if you tick the box. "
                    "Please leave out anything about a child or a family."),
        ],
    }


@dataclass(frozen=True)
class Submission:
    """A submitted report modal, read: the figure and version it is about, the text, link and tick."""

    figure: str
    version: str
    text: str
    source_url: str | None
    shareable: bool


def read_submission(view: Mapping[str, Any]) -> tuple[Submission | None, dict[str, str]]:
    """``(submission, {})`` from a ``view_submission``'s ``view``, or ``(None, errors)`` with an
    error per input block id (Slack shows it on the field)."""
    try:
        meta = json.loads(view.get("private_metadata") or "")
        fact_id, shown = str(meta["id"]), str(meta["v"])
    except (KeyError, TypeError, ValueError):
        return None, {_WHAT: "This form is out of date. Close it and press Report a problem again."}
    values = (view.get("state") or {}).get("values") or {}
    text = str(((values.get(_WHAT) or {}).get(_WHAT) or {}).get("value") or "").strip()
    url = str(((values.get(_SOURCE) or {}).get(_SOURCE) or {}).get("value") or "").strip()
    ticked = ((values.get(_SHARE) or {}).get(_SHARE) or {}).get("selected_options") or []
    errors = {}
    if not text:
        errors[_WHAT] = "Say what is wrong with the figure."
    elif len(text) > MAX_TEXT:
        errors[_WHAT] = f"At most {MAX_TEXT} characters, please."
    if url and (len(url) > MAX_URL or not is_http_url(url)):
        errors[_SOURCE] = "A web address starting http:// or https://, please."
    if errors:
        return None, errors
    shareable = any(isinstance(o, Mapping) and o.get("value") == "yes" for o in ticked)
    return Submission(fact_id, shown, text, url or None, shareable), {}


def thanks_view(report: ProblemReport) -> dict:
    """What the reporter sees after sending (replaces the modal)."""
    shared = ("Your words will be shared in the campaign channel." if report.shareable else
              "The campaign channel is told a problem was reported, without your name or words.")
    return {"type": "modal", "title": {"type": "plain_text", "text": "Report a problem"},
            "close": {"type": "plain_text", "text": "Close"},
            "blocks": [section(f":white_check_mark: Thank you. Your report *{escape(report.id)}* on "
                               f"`{escape(report.figure)}` is with the curators. {shared}")]}


# -- what curators and the campaign channel see ------------------------------------------


def report_card(report: ProblemReport, fact: Fact | None) -> dict:
    """The campaign channel's card: the figure's id and version, and only when ``shareable`` the
    reporter, their words and link (escaped)."""
    head = f":triangular_flag_on_post: *A problem was reported* with figure `{escape(report.figure)}`"
    if fact is not None:
        head += f" (*{escape(fact.display)}* — {escape(truncate(fact.claim, 300))})"
    blocks = [section(head + f", version {escape(report.version)}.")]
    if report.shareable:
        words = f"<@{escape(report.reporter)}> wrote: “{escape(report.text)}”"
        if report.source_url:
            words += f"\nSource given: {escape(report.source_url)}"
        blocks.append(section(truncate(words, 2900)))
    blocks.append(context(f"Report {escape(report.id)} · curators find it in the app's Home tab."))
    text = f"A problem was reported with figure {report.figure} (report {report.id})."
    return message(escape(text), blocks)


def dealt_reply(report: ProblemReport) -> dict:
    """The thread reply under a report's card once a curator marked it dealt with."""
    who = f"<@{escape(report.dealt_by)}>" if report.dealt_by else "A curator"
    return message(f"Report {escape(report.id)} was dealt with.",
                   [section(f":white_check_mark: {who} dealt with this report on `{escape(report.figure)}`. "
                            f"Any change to the figure is announced here as usual.")])


def queue_blocks(reports: list[ProblemReport], today: dt.date) -> list[dict]:
    """The curators' queue for App Home: each open report with its figure, reporter, words, link
    and a **Mark dealt with** button (at most :data:`MAX_LISTED`, 2 blocks each, plus 2)."""
    if not reports:
        return []
    blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": f"Problems reported ({len(reports)})"}}]
    for report in reports[:MAX_LISTED]:
        when = _day(report.reported_at)
        line = (f"`{escape(report.figure)}` (version {escape(report.version)}) · <@{escape(report.reporter)}>"
                f"{' · ' + escape(when) if when else ''}\n“{escape(truncate(report.text, 1500))}”")
        if report.source_url:
            line += f"\nSource given: {escape(truncate(report.source_url, 500))}"
        blocks.append(section(line))
        blocks.append({"type": "actions", "elements": [
            {"type": "button", "action_id": DEALT_ACTION_ID, "value": report.id,
             "text": {"type": "plain_text", "text": "Mark dealt with"}}]})
    if len(reports) > MAX_LISTED:
        blocks.append(context(f"…and {len(reports) - MAX_LISTED} more, oldest first."))
    return blocks


def _day(iso: str) -> str:
    try:
        return long_date(dt.datetime.fromisoformat(iso).date())
    except ValueError:
        return ""
