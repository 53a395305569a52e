"""Receipts: where the app posted a figure visibly, so that a correction can follow it there.

Every visible post of a figure (Share in channel, Share in thread, a mention's answer) leaves
one :class:`Receipt` per figure shown: the channel, the message ``ts``, the figure's id and
version (:func:`facts.figures.messages.version`), who shared it and when. No message text.

When that figure is later corrected, superseded or retired, :func:`correction_reply` is the
ONE thread reply each receipt's message gets: what changed (old → new), the current citation
(or the figure that replaces it), who made the change, mentioning the person who shared it.
Each receipt remembers the versions it was told about (:meth:`Receipts.mark_told`), so a
restart or a repeated import never tells it twice; the outbox's dedupe key
(:func:`correction_key`) covers the moment between queueing and remembering.

File: ``<stem>-receipts.json`` beside ``FACTBOT_DB`` (TinyDB, atomic writes, one lock).
Receipts older than ``keep_days`` (``FACTBOT_RECEIPTS_KEEP_DAYS``, default 730) are removed
by :meth:`Receipts.purge`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from facts.blocks import context, message, section, text_sections
from facts.clock import utc_now
from facts.figures.messages import copy_citation, published_label, source_name, version
from facts.figures.model import Fact
from facts.persistence import StateFile
from facts.text import escape, long_date, truncate

#: How long receipts are kept by default (about two years).
KEEP_DAYS = 730
#: The outbox kind of a correction reply.
KIND = "figure-correction"


@dataclass(frozen=True)
class Receipt:
    """One figure in one visible post: ``channel`` and ``ts`` of the message, the figure id and
    ``version`` shown, ``shared_by`` (a Slack user id, or ``None``), ``shared_at`` (ISO UTC) and
    the versions a correction was already queued for (``told``)."""

    channel: str
    ts: str
    figure: str
    version: str
    shared_by: str | None
    shared_at: str
    told: tuple[str, ...] = field(default=())

    @property
    def key(self) -> str:
        """Unique per message and figure."""
        return f"{self.channel}-{self.ts}-{self.figure}"


class Receipts(StateFile):
    """The receipts file (see the module docstring). ``close()`` when done.

    Raises ``ValueError`` naming the file when it is not valid JSON.
    """

    def __init__(self, path: str | Path, keep_days: int = KEEP_DAYS):
        super().__init__(path)
        self.keep_days = keep_days
        self._table = self.db.table("receipts", cache_size=0)

    def record(self, channel: str, ts: str, fact: Fact, shared_by: str | None,
               now: dt.datetime | None = None) -> Receipt:
        """Keep a receipt for ``fact`` shown in the message ``channel``/``ts``; the same message and
        figure again returns the receipt already kept."""
        receipt = Receipt(channel, ts, fact.id, version(fact), shared_by, (now or utc_now()).isoformat())
        with self.locked():
            found = self._table.get(self.query.key == receipt.key)
            if found is not None:
                return _receipt(found)
            self._table.insert({"key": receipt.key, **_doc(receipt)})
        return receipt

    def for_figure(self, figure_id: str) -> list[Receipt]:
        """The receipts of one figure, oldest first."""
        return sorted((_receipt(doc) for doc in self._table.search(self.query.figure == figure_id)),
                      key=lambda r: (r.shared_at, r.key))

    def all(self) -> list[Receipt]:
        return sorted((_receipt(doc) for doc in self._table.all()), key=lambda r: (r.shared_at, r.key))

    def mark_told(self, receipt: Receipt, told_version: str) -> None:
        """Remember that a correction to ``told_version`` was queued for ``receipt``."""
        with self.locked():
            found = self._table.get(self.query.key == receipt.key)
            if found is None:
                return
            told = list(found.get("told") or [])
            if told_version not in told:
                self._table.update({"told": [*told, told_version]}, self.query.key == receipt.key)

    def purge(self, now: dt.datetime | None = None) -> int:
        """Remove receipts kept longer than ``keep_days``; returns how many."""
        cutoff = ((now or utc_now()) - dt.timedelta(days=self.keep_days)).isoformat()
        with self.locked():
            removed = self._table.remove(self.query.shared_at < cutoff)
        return len(removed)


def _doc(receipt: Receipt) -> dict[str, Any]:
    return {"channel": receipt.channel, "ts": receipt.ts, "figure": receipt.figure, "version": receipt.version,
            "shared_by": receipt.shared_by, "shared_at": receipt.shared_at, "told": list(receipt.told)}


def _receipt(doc: Mapping[str, Any]) -> Receipt:
    return Receipt(str(doc["channel"]), str(doc["ts"]), str(doc["figure"]), str(doc["version"]),
                   doc.get("shared_by"), str(doc["shared_at"]), tuple(doc.get("told") or ()))


# -- corrections ---------------------------------------------------------------------


def correction_key(receipt: Receipt, fact: Fact) -> str:
    """The outbox dedupe key of the correction for ``receipt`` to ``fact``'s current version."""
    return f"correction-{receipt.key}-{version(fact)}"


def needs_correction(receipt: Receipt, fact: Fact) -> bool:
    """True when the post behind ``receipt`` shows a version of ``fact`` that is no longer the
    current one and it was not told about this version yet. A figure *held* for a curator's
    decision waits: its receipts are told when the decision makes a new version."""
    current = version(fact)
    return fact.status != "held" and receipt.version != current and current not in receipt.told


def version_in(history: Iterable[Mapping[str, Any]], wanted: str) -> dict | None:
    """The stored earlier version (JSON form) whose :func:`version` is ``wanted``, newest first;
    ``history`` is the store's (``[{"fact": {...}}, ...]``, oldest first)."""
    for item in reversed(list(history)):
        doc = item.get("fact") if isinstance(item, Mapping) else None
        if isinstance(doc, dict):
            try:
                if version(Fact.model_validate(doc)) == wanted:
                    return doc
            except ValueError:
                continue
    return None


def correction_reply(receipt: Receipt, fact: Fact, rows: list[tuple[str, str, str]], *,
                     note: Mapping[str, Any] | None = None, replacement: Fact | None = None) -> dict:
    """The thread reply under a post that quoted ``fact`` at ``receipt.version``.

    ``rows``: ``(label, old, new)`` for each quoted field that changed (plain text; escaped here);
    ``note``: who changed it, when and why (the store's change note); ``replacement``: the figure
    that supersedes it, when servable. Returns ``chat.postMessage`` arguments (``text``, ``blocks``).
    """
    retired = not fact.servable  # retired, or superseded: no longer quoted as current
    who = f"<@{receipt.shared_by}>" if receipt.shared_by else "Everyone here"
    if retired and replacement is not None:
        head = (f":pencil2: *Correction:* figure `{escape(fact.id)}` quoted above has been *superseded* by "
                f"`{escape(replacement.id)}`.")
    elif retired:
        head = (f":no_entry_sign: *Correction:* figure `{escape(fact.id)}` quoted above has been *retired*: "
                f"do not quote it.")
    else:
        head = f":pencil2: *Correction:* figure `{escape(fact.id)}` quoted above has been *corrected*."
    head += f" {who}, you shared it here on {escape(_day(receipt.shared_at))}."
    blocks = [section(head)]
    if rows:
        lines = "\n".join(f"*{escape(label)}:* {escape(old)} → {escape(new)}" for label, old, new in rows[:12])
        blocks.extend(text_sections(lines))
    current = replacement if retired and replacement is not None else (None if retired else fact)
    if current is not None:
        blocks.append(section(f"*Quote now:* *{escape(current.display)}* — {escape(truncate(current.claim, 1500))}"))
        src = current.source
        blocks.append(context(f"*Source:* {escape(source_name(current))}, <{src.url}|{escape(truncate(src.title, 300))}>, "
                              f"{escape(published_label(current))} · *Period:* {escape(current.period.label)} · "
                              f"*Base:* {escape(truncate(current.base, 300))}"))
        blocks.append(context(f"*Copy citation:* `{escape(truncate(copy_citation(current), 2700))}`"))
    blocks.append(context(_approved(note)))
    summary = "; ".join(f"{label}: {old} → {new}" for label, old, new in rows[:6])
    gone = "superseded" if replacement is not None else "retired"
    text = (f"Correction: figure {fact.id} quoted above was {gone if retired else 'corrected'}"
            + (f" ({summary})" if summary else "") + (f". Quote now: {copy_citation(current)}" if current else "."))
    return message(escape(text), blocks)


def _approved(note: Mapping[str, Any] | None) -> str:
    """Who made the change, when and why, as a context line (escaped)."""
    note = note or {}
    people = [p for p in note.get("by") or [] if isinstance(p, str)]
    when = _day(str(note.get("at") or ""))
    why = str(note.get("why") or "").strip()
    if people and note.get("action") != "files":
        line = "Changed by " + " and ".join(f"<@{escape(p)}>" for p in people[:4])
    else:
        line = "Changed in the curated figure files"
    if when:
        line += f" on {escape(when)}"
    if why:
        line += f": _{escape(truncate(why, 500))}_"
    return line + "."


def _day(iso: str) -> str:
    try:
        return long_date(dt.datetime.fromisoformat(iso).date())
    except ValueError:
        return ""
