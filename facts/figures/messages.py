"""Rendering figures as Slack Block Kit (plain dicts) and as plain citations.

Every figure is rendered with its citation — publisher, title and link,
publication date, period, geography, base, method — and its status. Text
from curators and users is escaped; nothing is computed from a figure.

Outputs are Block Kit *dicts* (no Slack SDK here) within Slack's limits:
at most 50 blocks a message, 3,000 characters a section or context text,
and a ``text`` fallback of at most 3,900 characters.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from facts.blocks import MAX_FALLBACK, MAX_TEXT, cap_blocks, fallback, mrkdwn, text_chunks, text_sections
from facts.figures import asking
from facts.figures.changes import fingerprint
from facts.figures.coverage import Coverage, covered_lines, years_label
from facts.figures.model import Fact
from facts.figures.search import SearchResult
from facts.text import escape, long_date, truncate, utf16_len

#: The app's name as people see it (and type it after ``@``).
APP_NAME = asking.APP_NAME


@dataclass
class Message:
    """A Slack message body: ``text`` fallback (carries the citations) and ``blocks``; ``figures``:
    the figures it shows (not sent: for receipts of visible posts)."""

    text: str
    blocks: list[dict]
    figures: list[Fact] = field(default_factory=list, compare=False)

    def as_dict(self) -> dict:
        return {"text": self.text, "blocks": self.blocks}


# -- one figure ---------------------------------------------------------------


def published_label(fact: Fact) -> str:
    """'published 12 November 2020', or the undated note."""
    src = fact.source
    return f"published {long_date(src.published)}" if src.published else (src.published_note or "undated")


def source_name(fact: Fact) -> str:
    """Who to credit: the publisher, and for a secondary figure the outlet that
    reported it, whose headline and link the citation then gives
    (``"NSPCC figures as reported by ITV News (PA)"``)."""
    src = fact.source
    if fact.status == "secondary" and src.outlet:
        return f"{src.publisher} figures as reported by {src.outlet}"
    return src.publisher


def citation(fact: Fact) -> str:
    """A plain-text citation a person can paste into a document (unescaped).

    Example: ``37% — Instagram was recorded in … Source: NSPCC, "Instagram most
    recorded platform …", published 12 November 2020, https://… Base: …;
    period: April to June 2020; geography: England and Wales.``
    """
    src = fact.source
    return (
        f"{fact.display} — {fact.claim} Source: {source_name(fact)}, \"{src.title}\", "
        f"{published_label(fact)}, {src.url}. Base: {fact.base}; period: {fact.period.label}; "
        f"geography: {fact.geography}."
    )


def _status_line(fact: Fact, today: dt.date) -> str:
    if fact.status == "verified":
        line = ":white_check_mark: Verified in the publisher's own release"
    else:
        line = f":warning: *Secondary*: read in {escape(fact.source.outlet or 'news coverage')}; quote it as reported there"
    if fact.review_due(today):
        line += f" · :hourglass: *Review due* since {long_date(fact.review_by)}"
    return line


# Facts are immutable, so each is rendered once (per "review due" state) and
# reused: answering stays cheap however often a figure is asked for. Keyed by
# object identity; the fact is kept in the value so the id cannot be reused
# while the entry lives.
@dataclass(frozen=True)
class _Rendered:
    fact: Fact
    blocks: list[dict]
    escaped_citation: str
    copy: dict
    line: str


_CACHE: dict[tuple[int, bool], _Rendered] = {}
_CACHE_MAX = 50_000


def _rendered(fact: Fact, today: dt.date) -> _Rendered:
    key = (id(fact), fact.review_due(today))
    hit = _CACHE.get(key)
    if hit is not None and hit.fact is fact:
        return hit
    if len(_CACHE) >= _CACHE_MAX:
        _CACHE.clear()
    made = _CACHE[key] = _Rendered(fact, _build_fact_blocks(fact, today), escape(citation(fact)), copy_block(fact),
                                   one_line(fact, today))
    return made


def rendered(fact: Fact, today: dt.date) -> _Rendered:
    """A figure's blocks, escaped citation, copy block and one line, rendered once and reused
    (treat them as read-only)."""
    return _rendered(fact, today)


def fact_blocks(fact: Fact, today: dt.date) -> list[dict]:
    """The blocks of one figure: divider, figure and claim (one section, or more for a claim
    over 3,000 characters: split at a sentence, never cut), details, citation.

    The returned dicts are shared between calls: treat them as read-only.
    """
    return _rendered(fact, today).blocks


def _build_fact_blocks(fact: Fact, today: dt.date) -> list[dict]:
    src = fact.source
    headline = f"*{escape(fact.display)}* — {escape(fact.claim)}"
    if fact.historical:
        headline += f"\n:hourglass_flowing_sand: *History, not current:* {escape(fact.historical)}"
    if fact.comparison:
        headline += f"\n_Compared with {escape(fact.comparison.display)} in {escape(fact.comparison.period.label)}._"
    for caveat in fact.caveats:
        headline += f"\n• _{escape(caveat)}_"
    measure = f"*Measure:* {escape(fact.measure)}\n" if fact.measure else ""
    details = (
        f"{measure}*Base:* {escape(fact.base)}\n*Period:* {escape(fact.period.label)} · "
        f"*Geography:* {escape(fact.geography)}\n*Method:* {escape(src.method)}"
    )
    link = f"<{src.url}|{escape(src.title)}>"
    source = f"*Source:* {escape(source_name(fact))}, {link}, {escape(published_label(fact))}\n{_status_line(fact, today)}"
    return [
        {"type": "divider"},
        *text_sections(headline),
        *[{"type": "context", "elements": [mrkdwn(piece)]} for piece in text_chunks([details])],
        *[{"type": "context", "elements": [mrkdwn(piece)]} for piece in text_chunks([source])],
    ]


# -- one line, and a citation to copy ----------------------------------------------


def one_line(fact: Fact, today: dt.date) -> str:
    """A figure in one mrkdwn line (escaped): figure, period, place, what it is, status.

    ``*40%* · 2024/25 (April 2024 to March 2025) · UK · share of … · secondary``
    """
    what = fact.measure or truncate(fact.claim, 140)
    status = "verified" if fact.status == "verified" else "secondary"
    if fact.review_due(today):
        status += ", review due"
    if fact.historical:
        status += ", history"
    return (f"*{escape(fact.display)}* · {escape(fact.period.label)} · {escape(_short_place(fact.geography))} · "
            f"{escape(what)} · _{status}_")


def _short_place(geography: str) -> str:
    return geography.split(" (")[0]


def version(fact: Fact) -> str:
    """A figure's version as a citation names it: the first 8 characters of the fingerprint of the
    fields people quote (:func:`facts.figures.changes.fingerprint`), so it changes exactly when one
    of them does."""
    return fingerprint(fact.model_dump(mode="json"))[:8]


def copy_citation(fact: Fact) -> str:
    """The plain citation with the figure's id, version and check date, ready to paste (unescaped)."""
    return (f"{citation(fact)} [Safeguarding Facts figure {fact.id}, version {version(fact)}, "
            f"checked {long_date(fact.verified_on)}]")


def copy_block(fact: Fact) -> dict:
    """A context block holding :func:`copy_citation` as a code span: one click selects it to copy."""
    return {"type": "context", "elements": [mrkdwn(f"*Copy citation:* `{escape(copy_citation(fact))}`")]}


def no_match(result: SearchResult, coverage: Coverage, command: str | None = None,
             today: dt.date | None = None) -> Message:
    """Say plainly there is no curated figure and why (a platform, a place or a measure with
    none, a word no figure answering the rest has), show the nearest figures one line each as
    near misses (never as the answer), and list what is covered (with the slash ``command``,
    an example of how to ask)."""
    asked = escape(truncate(result.query, 200))
    if result.platforms_without_figures:
        head = f"There is no curated figure for *{escape(', '.join(result.platforms_without_figures))}*."
    elif result.places_without_figures:
        head = f"There is no curated figure for *{escape(', '.join(result.places_without_figures))}*."
    elif result.future:
        one = len(result.future) == 1
        head = (f"There is no curated figure for “{asked}”: "
                f"*{escape(truncate(', '.join(result.future), 200))}* {'is' if one else 'are'} still to come, and no "
                f"figure is about a period that has not happened yet. Figures for an earlier period are not "
                f"figures for {'it' if one else 'them'}.")
    elif result.missing:
        head = (f"There is no curated figure for “{asked}”: no figure is about "
                f"*{escape(truncate(', '.join(result.as_typed(result.missing)), 200))}*.")
    else:
        head = f"There is no curated figure for “{asked}”." if asked else "Ask about a platform, a year or a topic."
    if result.partial and not result.near:
        # A word's part is said as typed ("grooming", not the stem "groom"); a filter's by its label.
        parts = ", ".join(f"*{escape(result.typed.get(label, label))}* ({count})" for label, count in result.partial)
        head += f" No figure matches all of it together; each of these has figures on its own: {parts}."
    if result.ignored and not result.missing:
        head += f" {_not_used(result)}"
    blocks: list[dict] = [{"type": "section", "text": mrkdwn(truncate(
        f"{head} Nothing is estimated or worked out from other figures, and no other figure is given as "
        f"its answer.", MAX_TEXT))}]
    if result.near:
        lines = "\n".join(f"• {one_line(f, today or dt.date.today())}" for f in result.near)
        blocks.append({"type": "section", "text": mrkdwn(truncate(
            f"*Nearest figures* (not an answer to the question; ask for one by its words to see it whole):\n{lines}",
            MAX_TEXT))})
    covered = "*What is covered*\n" + "\n".join(covered_lines(coverage))
    if command:
        typed, _what = asking.example_lines(command, limit=1)[0]
        covered += f"\nFor example: `{escape(typed)}` · `{escape(command)} help` for more"
    blocks.append({"type": "context", "elements": [mrkdwn(truncate(covered, MAX_TEXT))]})
    text = f"No curated figure for that. Platforms covered: {escape(', '.join(coverage.platforms))}."
    return Message(text, blocks)


def _how_to_ask_lines(command: str) -> list[str]:
    return [f"• `{escape(typed)}` — {escape(what)}" for typed, what in asking.how_to_ask(command)]


def help_message(command: str, coverage: Coverage) -> Message:
    """How to ask (:mod:`facts.figures.asking`), with examples, and what the store covers."""
    body = "\n".join([
        "*Ask for a figure in plain words; the answer comes with its source*",
        *_how_to_ask_lines(command),
        "Answers are only visible to you until you press *Share in channel*.",
        f"In a thread, mention *@{APP_NAME}* with your question; on a message, choose *Find figures* "
        f"or *Check figures* from its ⋮ menu.",
    ])
    covered = "\n".join(covered_lines(coverage))
    blocks: list[dict] = [*text_sections(body),
                          *[{"type": "context", "elements": [mrkdwn(piece)]} for piece in text_chunks([covered])]]
    first = asking.EXAMPLES[0][0]
    return Message(f"Ask a question after {command}, e.g. {command} {first}", blocks)


def mention_help(coverage: Coverage, command: str = "/grooming") -> Message:
    """The short help for an @mention with no question: how to ask in a thread, what is covered."""
    examples = ", ".join(f"*{escape(e)}*" for e in asking.mention_examples())
    body = (
        f"Ask me for a figure with its source in plain words: {examples}. I answer in the thread. "
        f"`{escape(command)} help` lists everything I can do.\n"
        f"*Platforms:* {escape(', '.join(coverage.platforms))} · *Years:* {years_label(coverage.years)}"
    )
    return Message(f"Ask me for a figure, e.g. {asking.mention_examples(1)[0]}", text_sections(body))


def sources_message(facts: Iterable[Fact]) -> Message:
    """The releases behind the servable figures, newest first, with their figure counts."""
    releases: dict[tuple, list[Fact]] = {}
    for fact in facts:
        src = fact.source
        releases.setdefault((src.published or dt.date.min, source_name(fact), src.title, str(src.url)), []).append(fact)
    lines = []
    for (_published, publisher, title, url), items in sorted(releases.items(), reverse=True):
        kind = "secondary" if all(f.status == "secondary" for f in items) else "verified"
        lines.append(f"• {escape(publisher)}: <{url}|{escape(title)}> — {escape(published_label(items[0]))}, "
                     f"{len(items)} figure{'s' if len(items) != 1 else ''} ({kind})")
    blocks = [{"type": "section", "text": mrkdwn("*Sources of the figures* (newest first)")}]
    for chunk in text_chunks(lines, MAX_TEXT):
        blocks.append({"type": "section", "text": mrkdwn(chunk)})
    return Message(f"{len(releases)} sources for the curated figures.", cap_blocks(blocks))


def error_message(text: str) -> Message:
    """A short reply for something that went wrong (``text`` is escaped)."""
    return Message(fallback(text), text_sections(escape(text)))


# -- plain text (the CLI) -----------------------------------------------------

_LINK = re.compile(r"<([^<>|]+)\|([^<>]*)>")
_MENTION = re.compile(r"<@([A-Z0-9]+)>")
_EMOJI_TEXT = {":white_check_mark:": "✓", ":warning:": "⚠", ":hourglass:": "⌛", ":x:": "✗", ":no_entry:": "⛔",
               ":grey_question:": "?", ":mag:": ""}


def blocks_to_text(blocks: list[dict]) -> str:
    """Readable plain text from Block Kit dicts (links as ``title (url)``, entities decoded)."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "divider":
            lines.append("-" * 60)
        elif kind in {"section", "header"}:
            lines.append(_plain(block["text"]["text"]))
        elif kind == "context":
            lines.extend("  " + _plain(e.get("text", "")).replace("\n", "\n  ") for e in block["elements"])
        elif kind == "actions":
            labels = [e["text"]["text"] for e in block["elements"] if "text" in e]
            lines.append("[" + "] [".join(labels) + "]")
    return "\n".join(lines)


def _plain(marked: str) -> str:
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", marked)
    text = _MENTION.sub(r"@\1", text)
    for code, symbol in _EMOJI_TEXT.items():
        text = text.replace(code, symbol)
    return html.unescape(text.replace("*", ""))


# -- helpers ------------------------------------------------------------------


def search_notes(result: SearchResult) -> str:
    notes = []
    for c in result.corrections:
        notes.append(f"Showing results for *{escape(c.read_as)}* (you typed “{escape(c.typed)}”).")
    if result.platforms_without_figures:
        notes.append(f"No curated figure for {escape(', '.join(result.platforms_without_figures))}.")
    for places, area, forces in result.places_within:
        one = " and " not in places
        notes.append(f"*{escape(places)}* {'has' if one else 'have'} no figure of {'its' if one else 'their'} own: "
                     f"shown is the {escape(_no_article(area))} figure that includes {escape(places) if one else 'them'}, "
                     f"one total for the {escape(forces)} police forces together. Quote it as that area's total, "
                     f"never as a figure for {escape(places)} alone.")
    if result.relaxed:
        notes.append(f"No figure also matches “{escape(' '.join(result.as_typed(result.relaxed)))}”; showing the closest.")
    if result.ignored:
        notes.append(_not_used(result))
    if "latest" in result.asks and result.facts:
        notes.append(newest_release_note(result.facts))
    return " ".join(n for n in notes if n)


def _no_article(label: str) -> str:
    return label[4:] if label.startswith("the ") else label


def newest_release_note(facts: list[Fact]) -> str:
    """For a question asking for the latest: the newest release of the figures found (the newest in
    the store for that subject), when it was published, and what its publisher says of the next
    edition (never a guess). Escaped mrkdwn; ``""`` when no statistic is among ``facts``."""
    statistics = [f for f in facts if f.kind == "statistic"]
    if not statistics:
        return ""
    newest = max(statistics, key=lambda f: (f.source.published or dt.date.min, f.period.end or dt.date.min))
    src = newest.source
    if src.next_edition:
        after = f"next edition expected {long_date(src.next_edition)} (the publisher: “{escape(src.next_edition_note or '')}”)"
    elif src.next_edition_note:
        after = f"next edition: “{escape(src.next_edition_note)}” (the publisher's words)"
    else:
        after = "the publisher has not said when its next edition is due"
    return (f"Newest release in the store for this: {escape(source_name(newest))}, “{escape(src.title)}”, "
            f"{escape(published_label(newest))}; {after}.")


def _not_used(result: SearchResult) -> str:
    # Cut like the echoed query, so a long query cannot push out what follows it.
    return f"Not recognised, so not used: “{escape(truncate(' '.join(result.as_typed(result.ignored)), 200))}”."


def fallback_text(lead: str, citations: list[str]) -> str:
    """``lead`` and whole citations, one a line, within ``MAX_FALLBACK``: a
    citation never stops half-way; those left out are counted instead."""
    room = MAX_FALLBACK - 80  # for the "… and N more" line (counted as Slack counts: UTF-16 units)
    text, kept = lead, 0
    for line in citations:
        candidate = f"{text}\n{line}" if kept else f"{text}{line}"
        if utf16_len(candidate) > room and kept:
            break
        text, kept = candidate, kept + 1
    left = len(citations) - kept
    if left:
        text += f"\n… and {left} more figure{'s' if left != 1 else ''}, in full in the message."
    return fallback(text)
