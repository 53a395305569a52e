"""A short answer to a question, and one figure shared (Block Kit dicts, no Slack SDK).

:func:`answer` shows the best figure **whole** — figure, claim, caveats,
measure, base, period, geography, method, source with link and date, status
— with a **Copy citation** line (plain text with the figure's id and version)
and its own **Share in channel** button; then up to :data:`MORE_SHOWN` more
figures one line each (figure, period, place, what it is, status), each with
**Show whole** and its own **Share in channel**; then **More figures** when
more match. Pressing **Show whole** answers again with that figure whole
first; **More figures** lists up to :data:`ANSWER_LIMIT` one line each.

:func:`shared` is one figure posted visibly, whole, attributed, with its
citation to copy.

Button values are JSON (at most 2,000 characters): Share ``{"ids": [id], "q":
question}``; Show whole ``{"q": question, "show": id}``; More figures
``{"q": question, "more": true}``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

from facts.blocks import cap_blocks, context, section, sections
from facts.figures.messages import (
    Message,
    fallback_text,
    no_match,
    published_label,
    rendered,
    search_notes,
    source_name,
)
from facts.figures.model import Fact
from facts.figures.problem_reports import report_button
from facts.figures.search import Coverage, SearchResult
from facts.text import escape, truncate

#: The action id of each figure's "Share in channel" button.
SHARE_ACTION_ID = "share_figures"
#: The action id of a one-line figure's "Show whole" button.
SHOW_ACTION_ID = "show_figure"
#: The action id of the "More figures" button.
MORE_ACTION_ID = "more_figures"
#: Figures looked up for one answer (the best whole, the rest one line each when asked for more).
ANSWER_LIMIT = 8
#: One-line figures shown after the best one until "More figures" is pressed.
MORE_SHOWN = 3


@dataclass(frozen=True)
class Pressed:
    """What an answer's button asks for: the ``question`` again, with ``show`` (a figure id) whole
    first, or ``more`` figures."""

    question: str
    show: str | None = None
    more: bool = False


def answer(result: SearchResult, coverage: Coverage, today: dt.date, *, shareable: bool = True,
           expanded: bool = False, show: str | None = None, command: str | None = None,
           after_each: Callable[[Fact], list[dict]] | None = None) -> Message:
    """The reply to a question: the best figure whole and a few more one line each, or a
    plain no-match answer (:func:`facts.figures.messages.no_match`).

    ``shareable``: buttons to share each figure, show one whole and see more (an ephemeral
    answer; a reply already posted in a thread has none). Every figure has **Report a problem**
    (:mod:`facts.figures.problem_reports`). ``expanded``: every figure found one
    line each, not only :data:`MORE_SHOWN`. ``show``: the id of a figure to show whole first.
    ``after_each(fact)``: blocks after each figure instead of the Share buttons (the Find figures
    modal's and a mention reply's "Share in thread"); each one-line figure then also carries its
    Copy citation line, since there is no Show whole.
    """
    if not result.found:
        return no_match(result, coverage, command, today)
    facts = _ordered(result.facts, show)
    best, rest = facts[0], facts[1:]
    in_series = {f.id for f in result.series}
    rest = [f for f in rest if f.id not in in_series]  # each already has its line in the series
    shown_rest = rest if expanded else rest[:MORE_SHOWN]
    asked = escape(truncate(result.query, 200))
    title = f"*Answer to “{asked}”*" if asked else "*The newest figures*"
    notes = search_notes(result)
    blocks: list[dict] = [section(title)]
    if notes:
        blocks.append(context(notes))
    best_view = rendered(best, today)
    blocks.extend(best_view.blocks)
    blocks.append(best_view.copy)
    blocks.extend(_after(best, result.query, shareable, after_each, whole=True))
    blocks.extend(series_blocks(result, today))
    if shown_rest:
        blocks.append(context(f"*Also matching* ({len(shown_rest)}{' of ' + str(len(rest)) if len(rest) > len(shown_rest) else ''}):"))
    for fact in shown_rest:
        view = rendered(fact, today)
        blocks.append(section(view.line))
        if after_each is not None:
            blocks.append(view.copy)  # no Show whole here (a modal, a thread reply): its citation to copy
        blocks.extend(_after(fact, result.query, shareable, after_each, whole=False))
    blocks.extend(_more(result, rest, shown_rest, shareable))
    lines = [best_view.escaped_citation] + [rendered(f, today).escaped_citation for f in shown_rest]
    return Message(fallback_text("", lines), cap_blocks(blocks), [best, *shown_rest])


def series_blocks(result: SearchResult, today: dt.date) -> list[dict]:
    """For a question about change over time: the series, one line per period (oldest first)
    with its figure and its citation, and notes where the forces differ or another series of
    the same measure is not comparable. No change is worked out: the periods are side by side."""
    if not result.series:
        return []
    first = result.series[0]
    what = first.measure or first.unit
    lines = [f"*The series, oldest first* — {escape(what)}, {escape(first.geography.split(' (')[0])}: each figure "
             f"as its release gives it (no change is worked out here; quote a change only as a source states it)."]
    lines += [series_line(fact, today) for fact in result.series]
    blocks = sections(lines)
    if result.series_notes:
        blocks.append(context(escape(truncate(" ".join(result.series_notes), 2900))))
    return blocks


def series_line(fact: Fact, today: dt.date) -> str:
    """One period of a series, cited (escaped mrkdwn): ``• *2024/25*: *7,263* · NSPCC figures as
    reported by …, <url|title>, published 13 November 2025 · _secondary_``."""
    src = fact.source
    status = "verified" if fact.status == "verified" else "secondary"
    if fact.review_due(today):
        status += ", review due"
    return (f"• *{escape(fact.period.label.split(' (')[0])}*: *{escape(fact.display)}* · "
            f"{escape(source_name(fact))}, <{src.url}|{escape(truncate(src.title, 120))}>, "
            f"{escape(published_label(fact))} · _{status}_ · `{escape(fact.id)}`")


def shared(fact: Fact, user_id: str, today: dt.date) -> Message:
    """One figure, posted visibly, whole, attributed to who shared it, with its citation to copy
    and **Report a problem** (anyone who reads it can flag it)."""
    view = rendered(fact, today)
    blocks = [context(f"Shared by <@{user_id}> from Safeguarding Facts"), *view.blocks, view.copy,
              {"type": "actions", "elements": [report_button(fact)]}]
    return Message(fallback_text(f"Shared by <@{user_id}>: ", [view.escaped_citation]), cap_blocks(blocks), [fact])


def share_button(fact: Fact, question: str) -> dict:
    """The "Share in channel" button for one figure."""
    return _button("Share in channel", SHARE_ACTION_ID, {"ids": [fact.id], "q": truncate(question, 200)},
                   primary=True)


def parse_value(value: str) -> Pressed | None:
    """What a Show whole or More figures button asks for, or ``None`` when its value is malformed."""
    try:
        data = json.loads(value)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("q"), str):
        return None
    show = data.get("show")
    if show is not None and not isinstance(show, str):
        return None
    return Pressed(data["q"], show, bool(data.get("more")))


def shared_ids(value: str) -> list[str]:
    """Figure ids from a Share button's value; a tampered or malformed value gives ``[]``."""
    try:
        ids = json.loads(value)["ids"]
    except (KeyError, TypeError, ValueError):
        return []
    return [i for i in ids if isinstance(i, str)][:10] if isinstance(ids, list) else []


# -- helpers ------------------------------------------------------------------


def _ordered(facts: list[Fact], show: str | None) -> list[Fact]:
    if show is None:
        return facts
    chosen = [f for f in facts if f.id == show]
    return chosen + [f for f in facts if f.id != show] if chosen else facts


def _after(fact: Fact, question: str, shareable: bool, after_each: Callable[[Fact], list[dict]] | None,
           *, whole: bool) -> list[dict]:
    if after_each is not None:
        return after_each(fact)
    if not shareable:
        return [{"type": "actions", "elements": [report_button(fact)]}]
    elements = [share_button(fact, question), report_button(fact)]
    if not whole:
        elements.insert(0, _button("Show whole", SHOW_ACTION_ID, {"q": truncate(question, 200), "show": fact.id}))
    return [{"type": "actions", "elements": elements}]


def _more(result: SearchResult, rest: list[Fact], shown_rest: list[Fact], shareable: bool) -> list[dict]:
    if shareable and len(rest) > len(shown_rest):
        return [{"type": "actions", "elements": [
            _button("More figures", MORE_ACTION_ID, {"q": truncate(result.query, 200), "more": True})]}]
    if result.more and len(rest) == len(shown_rest):
        return [context("More figures match: add a platform, a year (`2023/24`) or a place to narrow the answer.")]
    return []


def _button(text: str, action_id: str, value: dict, *, primary: bool = False) -> dict:
    button = {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": text},
              "value": json.dumps(value, separators=(",", ":"))[:2000]}
    if primary:
        button["style"] = "primary"
    return button
