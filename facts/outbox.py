"""The outbox: messages waiting to be delivered to Slack, durably.

Every enquiry, campaign update, feed item and figure alert is first written
here, then delivered by a worker (``bot.delivery``). An item moves through::

    pending ──post──▶ sending ──ok──▶ delivered (channel and ts recorded)
       ▲                 │
       └─retry (429/5xx/down, at next_attempt_at)
                         └─permanent error──▶ held (until released)

``sending`` is written *before* the post, so after a crash the worker knows
which posts may have reached Slack and checks before posting again.

The file stays small: it holds items that are not yet delivered, and
delivered ones only for ``KEEP_DELIVERED`` (for resubmission checks);
archives (enquiry records) live elsewhere. Every write is one atomic file
replacement (``AtomicJSONStorage``) under a lock that also holds across
processes (``factbot enquiries retry`` while the server runs).

Items hold no secret, but enquiry items hold personal details until they
are delivered (then the message is dropped): this file is as private as the
enquiry archive.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tinydb import Query, TinyDB

from facts.persistence import AtomicJSONStorage, FileLock, SharedTable

PENDING, SENDING, DELIVERED, HELD = "pending", "sending", "delivered", "held"
#: How long delivered items stay in the outbox for resubmission checks.
KEEP_DELIVERED = dt.timedelta(days=2)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


@dataclass
class OutboxItem:
    """One message to deliver.

    - ``id``: the reference (e.g. ``ENQ-2026-000123``), unique in the outbox.
    - ``kind``: what it is (``enquiry``, ``campaign``, ``feed``, ``figure``, ``digest``).
    - ``channel_key``: which configured channel it goes to (``enquiry`` or
      ``campaign``), resolved at delivery so setting the channel later
      releases held items.
    - ``message``: ``chat.postMessage`` arguments (``text``, ``blocks`` …).
    - ``dedupe_key``: a second submission with this key is the same item.
    - ``method``: ``chat.postMessage`` (default) or ``chat.update`` (then
      ``message`` carries ``channel`` and ``ts`` of the message to edit).
    - ``reply_to``: id of another item; this one is posted in its thread
      once that one is delivered.
    - ``state``, ``attempts``, ``next_attempt_at`` (ISO UTC), ``error``
      (a Slack error code or exception type: never message text),
      ``channel`` and ``ts`` once delivered, ``created_at``, ``delivered_at``.
    """

    id: str
    kind: str
    channel_key: str
    message: dict[str, Any]
    dedupe_key: str | None = None
    method: str = "chat.postMessage"
    reply_to: str | None = None
    state: str = PENDING
    attempts: int = 0
    next_attempt_at: str | None = None
    error: str | None = None
    channel: str | None = None
    ts: str | None = None
    sending_since: str | None = None
    created_at: str = field(default_factory=lambda: _now().isoformat())
    delivered_at: str | None = None

    def due(self, now: dt.datetime) -> bool:
        return self.state == PENDING and (self.next_attempt_at is None or self.next_attempt_at <= now.isoformat())


class Outbox:
    """The outbox file (TinyDB, one table ``items``). ``Outbox(path)``.

    Thread-safe and process-safe for writes. Raises ``ValueError`` naming
    the file if it is not valid JSON.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._db = TinyDB(self.path, storage=AtomicJSONStorage)
        self._db.table_class = SharedTable  # `factbot` commands insert too: never reuse a cached next id
        self._items = self._db.table("items", cache_size=0)  # another process may write
        self._lock = threading.Lock()
        self._file_lock = FileLock(self.path.with_name(self.path.name + ".lock"))

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _writing(self) -> Iterator[None]:
        with self._lock, self._file_lock:
            yield

    # -- adding ----------------------------------------------------------

    def enqueue(self, kind: str, channel_key: str, message: dict[str, Any], *, item_id: str | None = None,
                dedupe_key: str | None = None, method: str = "chat.postMessage",
                reply_to: str | None = None) -> tuple[OutboxItem, bool]:
        """Add an item; returns ``(item, created)``.

        When ``dedupe_key`` (or ``item_id``) matches an item already in the
        outbox, that item is returned with ``created=False`` and nothing is
        written.
        """
        with self._writing():
            existing = self._find(dedupe_key=dedupe_key, item_id=item_id)
            if existing is not None:
                return existing, False
            item = OutboxItem(id=item_id or f"{kind.upper()}-{secrets.token_hex(6)}", kind=kind,
                              channel_key=channel_key, message=message, dedupe_key=dedupe_key,
                              method=method, reply_to=reply_to)
            self._items.insert(asdict(item))
            return item, True

    def find(self, *, dedupe_key: str | None = None, item_id: str | None = None) -> OutboxItem | None:
        """The item with this dedupe key or id, or ``None``."""
        return self._find(dedupe_key=dedupe_key, item_id=item_id)

    def _find(self, *, dedupe_key: str | None, item_id: str | None) -> OutboxItem | None:
        q = Query()
        if dedupe_key is not None:
            doc = self._items.get(q.dedupe_key == dedupe_key)
            if doc is not None:
                return OutboxItem(**doc)
        if item_id is not None:
            doc = self._items.get(q.id == item_id)
            if doc is not None:
                return OutboxItem(**doc)
        return None

    # -- reading ---------------------------------------------------------

    def items(self, state: str | None = None) -> list[OutboxItem]:
        """Items, oldest first; only those in ``state`` when given."""
        docs = self._items.all() if state is None else self._items.search(Query().state == state)
        return sorted((OutboxItem(**d) for d in docs), key=lambda i: (i.created_at, i.id))

    def due(self, now: dt.datetime | None = None) -> list[OutboxItem]:
        """Pending items whose next attempt is due, oldest first."""
        now = now or _now()
        return [i for i in self.items(PENDING) if i.due(now)]

    def next_due_at(self) -> dt.datetime | None:
        """When the earliest pending item is due (``None`` when none is pending)."""
        times = [i.next_attempt_at or i.created_at for i in self.items(PENDING)]
        return dt.datetime.fromisoformat(min(times)) if times else None

    def summary(self) -> dict[str, Any]:
        """Counts by state and by kind, and held items' errors, with no message content:
        ``{"pending": n, "sending": n, "held": n, "held_errors": {"not_in_channel": n}}``."""
        out: dict[str, Any] = {PENDING: 0, SENDING: 0, HELD: 0, "held_errors": {}}
        for item in self.items():
            if item.state in out:
                out[item.state] += 1
            if item.state == HELD:
                key = f"{item.kind}: {item.error}"
                out["held_errors"][key] = out["held_errors"].get(key, 0) + 1
        return out

    # -- state changes ---------------------------------------------------

    def _update(self, item_id: str, **fields: Any) -> None:
        with self._writing():
            self._items.update(fields, Query().id == item_id)

    def mark_sending(self, item_id: str, now: dt.datetime | None = None) -> None:
        """Written before each post: a crash after this may have posted."""
        self._update(item_id, state=SENDING, sending_since=_iso(now or _now()))

    def mark_delivered(self, item_id: str, channel: str, ts: str | None, now: dt.datetime | None = None) -> None:
        """Record the delivery, and drop the message: it is in Slack now, and an enquiry's
        details must not sit in this file for the days delivered items are kept."""
        self._update(item_id, state=DELIVERED, channel=channel, ts=ts, error=None, delivered_at=_iso(now or _now()),
                     message={})

    def mark_retry(self, item_id: str, error: str, next_attempt_at: dt.datetime, attempts: int) -> None:
        self._update(item_id, state=PENDING, error=error, next_attempt_at=_iso(next_attempt_at), attempts=attempts)

    def mark_held(self, item_id: str, error: str, attempts: int | None = None) -> None:
        fields: dict[str, Any] = {"state": HELD, "error": error}
        if attempts is not None:
            fields["attempts"] = attempts
        self._update(item_id, **fields)

    def release(self, kind: str | None = None, item_ids: list[str] | None = None) -> int:
        """Put held items back to pending (``factbot … retry``); returns how many."""
        with self._writing():
            held = [OutboxItem(**d) for d in self._items.search(Query().state == HELD)]
            chosen = [i for i in held if (kind is None or i.kind == kind) and (item_ids is None or i.id in item_ids)]
            for item in chosen:
                self._items.update({"state": PENDING, "next_attempt_at": None}, Query().id == item.id)
            return len(chosen)

    def update_message(self, item_id: str, message: dict[str, Any]) -> None:
        """Replace an undelivered item's message (e.g. to drop purged details)."""
        self._update(item_id, message=message)

    def prune(self, now: dt.datetime | None = None) -> int:
        """Drop delivered items older than ``KEEP_DELIVERED`` (but not one an
        undelivered reply still needs for its thread); returns how many."""
        cutoff = ((now or _now()) - KEEP_DELIVERED).isoformat()
        with self._writing():
            waiting = {d["reply_to"] for d in self._items.all() if d.get("reply_to") and d["state"] != DELIVERED}
            q = Query()
            removed = self._items.remove((q.state == DELIVERED) & (q.delivered_at < cutoff) & ~q.id.one_of(list(waiting)))
        return len(removed)
