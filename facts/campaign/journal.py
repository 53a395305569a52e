"""Campaign alerts decided but not yet in Slack: the truth the outbox is rebuilt from.

Every message the campaign side sends (feed item, campaign update, figure
change, digest, problem report, curation notice, figure check, correction
under an earlier post) is written here *before* it is put in the outbox, with
everything needed to put it there again: kind, channel key, the
``chat.postMessage`` arguments, dedupe key, outbox id and thread parent.
Delivery records the Slack ``channel`` and ``ts`` and drops the message (it
is in Slack now). So an outbox emptied, removed, damaged or restored from an
older backup loses no alert: :meth:`AlertQueue.reconcile` queues again every
entry Slack has not got and the outbox does not hold, *in doubt* (the worker
looks for an earlier post by its outbox id in message metadata before
posting), under the same id, so nothing is posted twice.

The state files that decide (``<stem>-alerts.json``, ``<stem>-feeds.json``,
receipts, problem reports) keep saying what was *decided*, so the same alert
is not decided twice; this journal says what is still *owed* to Slack.

File: ``<stem>-alert-journal.json`` (TinyDB, atomic writes, its own lock).
Posted entries stay :data:`KEEP_POSTED` (a thread reply decided later finds
its parent's ``ts`` here, and a decision repeated after a crash is not
queued again); waiting entries stay until posted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from facts.clock import utc_now
from facts.outbox import DELIVERED, IN_MESSAGE, KEEP_DELIVERED, Outbox, OutboxItem, lookup_after
from facts.persistence import StateFile

log = logging.getLogger(__name__)

#: How long a posted entry is kept (its ``ts`` for later thread replies; repeated decisions).
KEEP_POSTED = KEEP_DELIVERED


def alert_id(kind: str, dedupe_key: str | None) -> str:
    """The outbox id of an alert: ``FEED-1a2b…`` from its dedupe key (the same decision made
    again after a crash gets the same id, which the look-up for an earlier post searches for),
    random when there is no key."""
    if dedupe_key is None:
        return f"{kind.upper()}-{secrets.token_hex(6)}"
    return f"{kind.upper()}-{hashlib.sha256(dedupe_key.encode()).hexdigest()[:16]}"


@dataclass
class Entry:
    """One alert: what to put in the outbox (``kind``, ``channel_key``, ``message``, ``dedupe_key``,
    ``id``, ``reply_to``: the parent's id for a reply in its thread), when it was decided
    (``decided_at``, ISO UTC), and once posted ``channel``, ``ts`` and ``posted_at``."""

    id: str
    kind: str
    channel_key: str
    message: dict[str, Any]
    dedupe_key: str | None = None
    reply_to: str | None = None
    decided_at: str = field(default_factory=lambda: utc_now().isoformat())
    channel: str | None = None
    ts: str | None = None
    posted_at: str | None = None

    @property
    def posted(self) -> bool:
        return self.posted_at is not None


class AlertJournal(StateFile):
    """The journal file; see the module docstring. Each method takes the file's lock itself.
    Raises ``ValueError`` naming the file when it is not valid JSON. ``close()`` when done."""

    def __init__(self, path: str | Path):
        super().__init__(path)
        self._entries = self.db.table("alerts", cache_size=0)

    def write(self, entries: Iterable[Entry]) -> list[Entry]:
        """Record ``entries`` (one file write); each whose dedupe key or id is already recorded
        is left as it was. Returns, in order, the entry recorded for each (the earlier one
        when there was one)."""
        wanted = list(entries)
        with self.locked():
            known = [_entry(doc) for doc in self._entries.all()]
            by_key = {e.dedupe_key: e for e in known if e.dedupe_key}
            by_id = {e.id: e for e in known}
            recorded, new = [], []
            for entry in wanted:
                earlier = by_key.get(entry.dedupe_key or "") or by_id.get(entry.id)
                if earlier is None:
                    new.append(entry)
                    by_id[entry.id] = entry
                    if entry.dedupe_key:
                        by_key[entry.dedupe_key] = entry
                recorded.append(earlier or entry)
            if new:
                self._entries.insert_multiple(asdict(e) for e in new)
        return recorded

    def get(self, item_id: str) -> Entry | None:
        doc = self._entries.get(self.query.id == item_id)
        return _entry(doc) if doc else None

    def waiting(self) -> list[Entry]:
        """Entries not yet posted, in the order decided, thread parents before their replies."""
        entries = [_entry(doc) for doc in self._entries.search(self.query.posted_at == None)]  # noqa: E711
        return sorted(entries, key=lambda e: (e.reply_to is not None, e.decided_at, e.id))

    def posted(self, where: dict[str, tuple[str | None, str | None]], now: dt.datetime | None = None) -> int:
        """Record each ``id → (channel, ts)`` as posted (its message dropped); returns how many
        entries changed. Ids not in the journal are passed over."""
        at = (now or utc_now()).isoformat()
        changed = 0
        with self.locked():
            for item_id, (channel, ts) in where.items():
                changed += len(self._entries.update({"channel": channel, "ts": ts, "posted_at": at, "message": {}},
                                                    (self.query.id == item_id) & (self.query.posted_at == None)))  # noqa: E711
        return changed

    def prune(self, now: dt.datetime | None = None) -> int:
        """Remove entries posted over :data:`KEEP_POSTED` ago that no waiting reply needs; how many."""
        cutoff = ((now or utc_now()) - KEEP_POSTED).isoformat()
        with self.locked():
            parents = {e.reply_to for e in self.waiting() if e.reply_to}
            return len(self._entries.remove(
                (self.query.posted_at != None) & (self.query.posted_at < cutoff)  # noqa: E711
                & ~self.query.id.one_of(sorted(parents))))


def _entry(doc: dict[str, Any]) -> Entry:
    values: dict[str, Any] = {name: doc[name] for name in Entry.__dataclass_fields__ if name in doc}
    return Entry(**values)


class AlertQueue:
    """The one way campaign alerts reach the outbox: journal first, then the outbox
    (see the module docstring). ``wake()`` runs after :meth:`reconcile` queued something."""

    def __init__(self, journal: AlertJournal, outbox: Outbox):
        self.journal = journal
        self.outbox = outbox

    def add(self, kind: str, channel_key: str, message: dict[str, Any], *, dedupe_key: str | None = None,
            item_id: str | None = None, reply_to: str | None = None) -> tuple[str, bool]:
        """Journal one alert and put it in the outbox; ``(outbox id, created)``. An alert already
        journalled (same dedupe key or id) keeps its id; one already posted is not queued again."""
        entry = Entry(item_id or alert_id(kind, dedupe_key), kind, channel_key, message, dedupe_key, reply_to)
        return self.add_all([entry])[0]

    def add_all(self, entries: Iterable[Entry]) -> list[tuple[str, bool]]:
        """:meth:`add` for several alerts with one journal write (a re-import's figure changes)."""
        results = []
        for entry in self.journal.write(entries):
            if entry.posted:
                results.append((entry.id, False))
                continue
            channel_key, message, reply_to = self._thread(entry)
            item, created = self.outbox.enqueue(entry.kind, channel_key, message, item_id=entry.id,
                                                dedupe_key=entry.dedupe_key, reply_to=reply_to)
            results.append((item.id, created))
        return results

    def _thread(self, entry: Entry) -> tuple[str, dict[str, Any], str | None]:
        """``(channel key, message, reply_to)`` to queue ``entry`` with: a reply goes after its
        parent's item while the outbox holds that (or the parent is still to post); when only the
        journal knows the parent's post, the reply names that thread itself."""
        if entry.reply_to is None or self.outbox.find(item_id=entry.reply_to) is not None:
            return entry.channel_key, entry.message, entry.reply_to
        parent = self.journal.get(entry.reply_to)
        if parent is None or not (parent.posted and parent.channel and parent.ts):
            return entry.channel_key, entry.message, entry.reply_to
        return IN_MESSAGE, {**entry.message, "channel": parent.channel, "thread_ts": parent.ts}, None

    def delivered(self, item_id: str, channel: str | None, ts: str | None) -> None:
        """The delivery hook: the alert ``item_id`` is in Slack at ``channel``/``ts``."""
        self.journal.posted({item_id: (channel, ts)})

    def known_post(self, item: OutboxItem) -> tuple[str, str] | None:
        """``(channel, ts)`` when the journal records ``item`` as posted (an outbox restored
        from an older backup still holds it), else ``None``."""
        entry = self.journal.get(item.id)
        return (entry.channel, entry.ts) if entry and entry.posted and entry.channel and entry.ts else None

    def reconcile(self, now: dt.datetime | None = None) -> int:
        """Queue again, in doubt and under its own id, every journalled alert not posted that the
        outbox does not hold; record as posted those the outbox delivered; prune old entries.
        Returns how many were queued. Idempotent, and safe beside a decision being made: an
        alert journalled but not yet in the outbox is queued here or there, once (dedupe)."""
        queued, posted = 0, {}
        for entry in self.journal.waiting():
            found = self.outbox.find(dedupe_key=entry.dedupe_key, item_id=entry.id)
            if found is not None:
                if found.state == DELIVERED:
                    posted[entry.id] = (found.channel, found.ts)
                continue
            channel_key, message, reply_to = self._thread(entry)
            _, created = self.outbox.enqueue(entry.kind, channel_key, message, item_id=entry.id,
                                             dedupe_key=entry.dedupe_key, reply_to=reply_to, in_doubt=True,
                                             after_ts=lookup_after(dt.datetime.fromisoformat(entry.decided_at)))
            if created:
                queued += 1
                log.warning("%s was decided but neither in Slack nor in the outbox; queued again", entry.id)
        if posted:
            self.journal.posted(posted, now)
        self.journal.prune(now)
        return queued
