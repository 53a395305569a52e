"""Block Kit cards for the campaign channel (plain dicts, no Slack SDK).

Each function returns ``chat.postMessage`` arguments ``{"text": fallback,
"blocks": [...]}`` within Slack's limits (section text ≤ 3,000 characters,
fallback ≤ 3,900). All text from outside — feed titles and summaries
(already stripped of HTML), campaign updates, curated figures — is escaped
with :func:`facts.text.escape`, so ``<!channel>`` or ``<https://x|y>`` in a
feed pings nobody and links nowhere. Links are only made from http(s) URLs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from facts.blocks import context, message, section, text_sections
from facts.campaign.feeds import FeedItem
from facts.figures.changes import FigureChange
from facts.figures.curation_views import reverify_button
from facts.figures.messages import published_label
from facts.figures.model import Fact
from facts.figures.reviews import ReviewDue
from facts.text import escape, long_date, truncate
from facts.validation import is_http_url

MAX_TITLE = 250
MAX_SUMMARY = 600
MAX_VALUE = 300
#: Figures listed in one digest; the rest are counted.
MAX_DIGEST_LINES = 40


def link(url: str | None, label: str) -> str:
    """``<url|label>`` for an http(s) ``url`` (both made safe for mrkdwn), else the escaped label."""
    if not url or not is_http_url(url):
        return escape(label)
    safe_url = escape(url).replace("|", "%7C").replace(" ", "%20")
    return f"<{safe_url}|{escape(label).replace('|', '¦')}>"


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


# -- campaign updates and feed items -------------------------------------------


def campaign_update_card(title: str, url: str, summary: str | None = None) -> dict:
    """A campaign update: its title linked to ``url``, the summary, and the site it is on."""
    title = truncate(title, MAX_TITLE)
    head = f":mega: *Campaign update:* *{link(url, title)}*"
    if summary:
        head += "\n" + escape(truncate(summary, MAX_SUMMARY))
    blocks = [section(head), context(f"Campaign update · {escape(_host(url))}")]
    return message(f"Campaign update: {escape(title)} {escape(url)}", blocks)


def feed_item_card(item: FeedItem, feed_title: str, note: str | None = None) -> dict:
    """A news item from a feed: title linked, summary, the feed's name and the item's date.

    ``note`` (plain text) is added as a last line, e.g. how many items were not posted.
    """
    title = truncate(item.title, MAX_TITLE)
    head = f":newspaper: *{link(item.link, title)}*"
    if item.summary:
        head += "\n" + escape(truncate(item.summary, MAX_SUMMARY))
    when = long_date(item.published.date()) if item.published else item.date_text
    about = f"News from {escape(truncate(feed_title, 150))}" + (f" · {escape(truncate(when, 60))}" if when else "")
    blocks = [section(head), context(about)]
    if note:
        blocks.append(context(escape(note)))
    fallback = f"News: {escape(title)}" + (f" {escape(item.link)}" if item.link else "")
    return message(fallback, blocks)


# -- figure changes --------------------------------------------------------------

_LABELS = {
    "value": "Value", "display": "Figure", "base": "Base", "period": "Period", "status": "Status",
    "claim": "Claim", "source": "Source", "superseded_by": "Superseded by",
    "period.label": "Period", "period.start": "Period start", "period.end": "Period end",
    "source.url": "Source link", "source.title": "Source title", "source.publisher": "Publisher",
    "source.published": "Published", "source.published_note": "Publication note", "source.method": "Method",
    "source.outlet": "Outlet",
}
_HEADINGS = {
    "added": ":new: *Figure added*",
    "changed": ":pencil2: *Figure changed*",
    "retired": ":no_entry_sign: *Figure retired* (no longer served)",
}


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "(none)"
    return truncate(str(value), MAX_VALUE)


def change_lines(changed: dict[str, tuple[Any, Any]]) -> list[tuple[str, str, str]]:
    """``(label, old, new)`` per changed field, in :data:`ALERT_FIELDS` order;
    ``period`` and ``source`` are compared key by key ("Period end", "Source link")."""
    rows = []
    for name, (old, new) in changed.items():
        if isinstance(old, dict) and isinstance(new, dict):
            for key in sorted(set(old) | set(new)):
                if old.get(key) != new.get(key):
                    rows.append((_LABELS.get(f"{name}.{key}", f"{name} {key}"), _shown(old.get(key)),
                                 _shown(new.get(key))))
        else:
            rows.append((_LABELS.get(name, name), _shown(old), _shown(new)))
    return rows


def _source_line(fact: Fact) -> str:
    src = fact.source
    return (f"*Source:* {escape(src.publisher)}, {link(str(src.url), src.title)}, {escape(published_label(fact))}"
            f" · `{fact.id}` · status {escape(fact.status)}")


def figure_change_card(change: FigureChange) -> dict:
    """One figure added, changed (each field old → new) or retired, with its source link."""
    fact = change.fact
    blocks = text_sections(f"{_HEADINGS[change.kind]}: *{escape(fact.display)}* — {escape(fact.claim)}")
    rows = change_lines(change.changed)
    if rows:
        blocks.append(section("\n".join(f"*{label}:* {escape(old)} → {escape(new)}" for label, old, new in rows)))
    elif change.kind == "added":
        blocks.append(context(f"*Base:* {escape(fact.base)} · *Period:* {escape(fact.period.label)} · "
                               f"*Geography:* {escape(fact.geography)}"))
    else:
        blocks.append(context("The previous values are no longer in the figure's history."))
    if change.kind == "retired" and fact.superseded_by:
        blocks.append(context(f"Replaced by `{escape(fact.superseded_by)}`."))
    blocks.append(context(_source_line(fact)))
    summary = "; ".join(f"{label}: {old} → {new}" for label, old, new in rows)
    fallback = (f"Figure {change.kind}: {fact.id} ({fact.display})" + (f" — {summary}" if summary else "")
                + f". Source: {fact.source.url}")
    return message(escape(fallback), blocks)


def digest_card(due: list[ReviewDue], today: dt.date) -> dict:
    """The weekly reviews-due digest: one line per figure (at most ``MAX_DIGEST_LINES``), each with a
    **Re-verify** button (``facts.figures.curation_views.REVERIFY``)."""
    count = len(due)
    head = f":hourglass: *{count} figure{'s' if count != 1 else ''} due for review* ({long_date(today)})"
    blocks = [section(head)]
    for d in due[:MAX_DIGEST_LINES]:  # one section each, with its one-click Re-verify (curators only)
        line = section(f"• `{d.fact.id}` *{escape(d.fact.display)}* — {escape(truncate(d.fact.claim, 140))} "
                       f"_({escape(d.reason)})_")
        blocks.append({**line, "accessory": reverify_button(d.fact.id)} if d.fact.status != "retired" else line)
    if count > MAX_DIGEST_LINES:
        blocks.append(section(f"…and {count - MAX_DIGEST_LINES} more."))
    blocks.append(context("Curators: *Re-verify* records that you checked a figure against its source today; "
                          "App Home has Correct and Retire. `factbot facts show ID` shows one with its history."))
    fallback = f"{count} figure(s) due for review: " + ", ".join(d.fact.id for d in due)
    return message(fallback, blocks)
