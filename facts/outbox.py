"""The outbox: messages waiting to be delivered to Slack, durably.

Every enquiry, campaign update, feed item and figure alert is first written
here, then delivered by a worker (``bot.delivery``). An item moves through::

    pending ──post──▶ sending ──ok──▶ delivered (channel and ts recorded)
       ▲                 │
       └─retry (429/5xx/down, when due)
                         └─permanent error──▶ held (until released)

``sending`` is written *before* the post, so after a crash the worker knows
which posts may have reached Slack and looks for them before posting again.

Storage: one SQLite database (standard library, WAL mode) beside
``FACTBOT_DB``: ``Outbox("data/factbot-outbox.json")`` opens
``data/factbot-outbox.sqlite3`` (plus SQLite's ``-wal`` and ``-shm`` files).
Every change touches one row through an index, so enqueue, claim and mark
cost the same with 10 or 10,000 items waiting; delivered items are deleted
row by row (``prune``), nothing else is rewritten. An outbox written by an
older version (the TinyDB JSON file at the path given) is imported on open
in one transaction and then removed; ids are unique, so an import repeated
after a crash adds nothing twice.

Due times are kept on the monotonic clock (``CLOCK_MONOTONIC``, shared by
every process on the machine until it restarts), so a wall clock stepped
back or forward does not delay or hurry a retry; ``next_attempt_at`` (wall
clock) is written beside it for people to read. After a reboot (another
``boot_id``) waiting items are simply due at once.

Items hold no secret, but enquiry items hold personal details until they
are delivered (then the message is dropped, and ``secure_delete`` overwrites
it in the file): this database is as private as the enquiry archive
(created owner-only).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from facts.clock import utc_now
from facts.persistence import quarantine

log = logging.getLogger(__name__)

PENDING, SENDING, DELIVERED, HELD = "pending", "sending", "delivered", "held"
#: How long delivered items stay in the outbox for resubmission checks.
KEEP_DELIVERED = dt.timedelta(days=2)
#: The database file's suffix (it replaces the legacy JSON file's).
SUFFIX = ".sqlite3"
#: The ``channel_key`` of an item whose message names its own ``channel`` (and ``thread_ts``):
#: a reply under a message the app posted anywhere (a figure's correction under a shared quote).
IN_MESSAGE = "in_message"
#: An item queued again from the truth elsewhere (the enquiry archive, the campaign alert journal)
#: is looked for in Slack from this long before it was first accepted (our clock may be out).
LOOKUP_MARGIN = dt.timedelta(days=1)


def lookup_after(accepted: dt.datetime) -> str:
    """The Slack ``ts`` (seconds, as Slack writes them) from which an item first accepted at
    ``accepted`` (aware) and queued again is looked for: :data:`LOOKUP_MARGIN` earlier."""
    return f"{(accepted - LOOKUP_MARGIN).timestamp():.6f}"


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _clock_id() -> str:
    """Which monotonic clock due times are on: the kernel's boot id (changes on reboot)."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip() or "unknown"
    except OSError:
        return "unknown"


@dataclass
class OutboxItem:
    """One message to deliver.

    - ``id``: the reference (e.g. ``ENQ-2026-000123``), unique in the outbox.
    - ``kind``: what it is (``enquiry``, ``campaign``, ``feed``, ``figure``, ``digest``).
    - ``channel_key``: which configured channel it goes to (``enquiry`` or
      ``campaign``), resolved at delivery so setting the channel later
      releases held items; :data:`IN_MESSAGE`: the ``channel`` in ``message``.
    - ``message``: ``chat.postMessage`` arguments (``text``, ``blocks`` …).
    - ``dedupe_key``: a second submission with this key is the same item.
    - ``method``: ``chat.postMessage`` (default) or ``chat.update`` (then
      ``message`` carries ``channel`` and ``ts`` of the message to edit).
    - ``reply_to``: id of another item; this one is posted in its thread
      once that one is delivered.
    - ``state``, ``attempts``, ``next_attempt_at`` (ISO UTC, for people),
      ``error`` (a Slack error code or exception type: never message text),
      ``channel`` and ``ts`` once delivered, ``created_at``, ``delivered_at``.
    - ``after_ts``: the newest Slack ``ts`` the worker knew in the channel
      before its first attempt (where a search for an earlier post starts).
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
    created_at: str = field(default_factory=lambda: utc_now().isoformat())
    delivered_at: str | None = None
    after_ts: str | None = None
    #: True while an earlier attempt may have reached Slack (a 5xx, a reset, a timeout, a crash
    #: while sending): its post is looked for before posting again.
    in_doubt: bool = False
    #: ``(due, seq)``: where the item stands in the queue (set when read; not stored as such).
    position: tuple[float, int] | None = field(default=None, compare=False, repr=False)


_FIELDS = [f.name for f in fields(OutboxItem) if f.name != "position"]
_COLUMNS = ", ".join(_FIELDS)
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS items (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    {", ".join({"id": "id TEXT NOT NULL UNIQUE", "attempts": "attempts INTEGER NOT NULL DEFAULT 0",
                "in_doubt": "in_doubt INTEGER NOT NULL DEFAULT 0"}.get(name, f"{name} TEXT")
               for name in _FIELDS)},
    due REAL NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS items_dedupe ON items(dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS items_due ON items(state, due, seq);
CREATE INDEX IF NOT EXISTS items_reply ON items(reply_to) WHERE reply_to IS NOT NULL;
CREATE INDEX IF NOT EXISTS items_delivered ON items(state, delivered_at);
CREATE INDEX IF NOT EXISTS items_age ON items(state, created_at);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
"""


def database_path(path: str | os.PathLike[str]) -> Path:
    """``data/factbot-outbox.json`` → ``data/factbot-outbox.sqlite3`` (a path already ending
    in ``.sqlite3`` is kept)."""
    path = Path(path)
    return path if path.suffix == SUFFIX else path.with_suffix(SUFFIX)


class OutboxDamaged(Exception):
    """The outbox database cannot be read; ``path`` names it (the caller moves it aside)."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"{path} cannot be read as an outbox ({reason})")
        self.path, self.reason = path, reason


class Outbox:
    """The outbox database. ``Outbox(path)``; see the module docstring for the files.

    Thread-safe (one connection behind a lock) and process-safe (SQLite's
    locks; a writer waits up to ``busy_timeout`` seconds). Raises
    :class:`OutboxDamaged` when the database file is not a readable outbox,
    ``ValueError`` naming the file when a legacy JSON outbox is not valid.
    ``clock``: monotonic seconds (tests pass their own).
    """

    def __init__(self, path: str | os.PathLike[str], *, clock: Callable[[], float] = time.monotonic,
                 busy_timeout: float = 10.0):
        self.legacy_path = Path(path) if Path(path).suffix != SUFFIX else Path(path).with_suffix(".json")
        self.path = database_path(path)
        self.clock = clock
        self._lock = threading.RLock()
        self._listeners: list[Callable[[], None]] = []
        #: What was wrong with the files found (damaged files moved to ``quarantine/``), for health.
        self.problems: list[str] = []
        self.migrated = 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = self._connect(busy_timeout)
        except OutboxDamaged as damaged:
            # The archive (enquiries) and the alert journal (campaign alerts) are the truth: a fresh
            # outbox is refilled from them, and the damaged file is kept for a person to look at.
            moved = [quarantine(p) for p in (self.path, _wal(self.path), _shm(self.path)) if p.exists()]
            log.error("%s; moved to %s and started a new outbox (what was waiting is queued again "
                      "from the archive)", damaged, moved[0].parent if moved else "quarantine/")
            self.problems.append(f"The outbox database was damaged ({damaged.reason}); it was moved to "
                                 f"{moved[0] if moved else 'quarantine/'} and a new one started. Enquiries are "
                                 f"queued again from the archive, campaign alerts from their journal; nothing "
                                 f"needs restoring.")
            self._db = self._connect(busy_timeout)
        self._clock_id = _clock_id()
        self._settle_clock()
        self._migrate_legacy()
        self.marker_path = self.path.with_suffix(".mark")
        self._check_marker()

    def _connect(self, busy_timeout: float) -> sqlite3.Connection:
        if not self.path.exists():  # owner-only from the first byte (sqlite would use the umask)
            with suppress(FileExistsError):
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        db = None
        try:
            db = sqlite3.connect(self.path, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA secure_delete=ON")  # a delivered enquiry's text is overwritten
            db.executescript(_SCHEMA)
            have = {row[1] for row in db.execute("PRAGMA table_info(items)")}
            for name in _FIELDS:  # a database from an earlier version of this module
                if name not in have:
                    kind = "INTEGER NOT NULL DEFAULT 0" if name == "in_doubt" else "TEXT"
                    db.execute(f"ALTER TABLE items ADD COLUMN {name} {kind}")
            (verdict,) = db.execute("PRAGMA quick_check").fetchone()
            if verdict != "ok":
                raise sqlite3.DatabaseError("quick_check")
            return db
        except sqlite3.DatabaseError as exc:
            if db is not None:
                with suppress(Exception):
                    db.close()
            reason = "failed its integrity check" if str(exc) == "quick_check" else type(exc).__name__
            raise OutboxDamaged(self.path, reason) from None

    def close(self) -> None:
        with suppress(sqlite3.Error):
            self.note_progress()
        with self._lock:
            with suppress(sqlite3.Error):
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.close()

    # -- plumbing ----------------------------------------------------------

    @contextmanager
    def _tx(self, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction. ``durable=False`` (state marks) skips the fsync of the WAL:
        a kill -9 loses nothing; a power cut may lose the last marks, which the worker's
        search for earlier posts settles (see ``bot.delivery``)."""
        with self._lock:
            self._db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _rows(self, sql: str, args: tuple | dict = ()) -> list[OutboxItem]:
        with self._lock:
            rows = self._db.execute(f"SELECT {_COLUMNS}, due, seq FROM items {sql}", args).fetchall()
        return [_item(row) for row in rows]

    def _settle_clock(self) -> None:
        """After a reboot the monotonic clock restarted: what was waiting is due now."""
        with self._tx() as db:
            row = db.execute("SELECT value FROM meta WHERE key='clock'").fetchone()
            if row is None or row[0] != self._clock_id:
                db.execute("UPDATE items SET due=0 WHERE state IN (?, ?)", (PENDING, SENDING))
                db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES('clock', ?)", (self._clock_id,))

    def _migrate_legacy(self) -> None:
        """Import the TinyDB outbox (``items`` table) an older version left, then remove it."""
        legacy = self.legacy_path
        if legacy == self.path or not legacy.is_file():
            return
        raw = legacy.read_bytes()
        docs: list[dict[str, Any]] = []
        if raw.strip():
            try:
                data = json.loads(raw)
                docs = list((data.get("items") or {}).values())
            except (ValueError, AttributeError):
                moved = quarantine(legacy)
                log.error("%s (an outbox from an older version) is not valid JSON; moved to %s", legacy, moved)
                self.problems.append(f"The old outbox file was damaged; it was moved to {moved}. Enquiries "
                                     f"are queued again from the archive, campaign alerts from their journal; "
                                     f"nothing needs restoring.")
                return
        imported = 0
        with self._tx() as db:
            for doc in docs:
                if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
                    continue
                item = OutboxItem(**{k: v for k, v in doc.items() if k in _FIELDS})
                if item.state == SENDING:  # the old worker may have posted it: look before posting
                    item.state, item.error, item.in_doubt = PENDING, item.error or "interrupted_sending", True
                imported += _insert(db, item, 0.0)
        legacy.unlink()
        for extra in (legacy.with_name(legacy.name + ".lock"),):
            extra.unlink(missing_ok=True)
        self.migrated = imported

    def _serial(self) -> tuple[str, int]:
        """``(which database, deliveries recorded in it)``: what the marker file keeps."""
        with self._lock:
            rows = dict(self._db.execute("SELECT key, value FROM meta WHERE key IN ('serial', 'marks')").fetchall())
        if "serial" not in rows:
            with self._tx() as db:
                db.execute("INSERT OR IGNORE INTO meta(key, value) VALUES('serial', ?)", (secrets.token_hex(8),))
            return self._serial()
        return str(rows["serial"]), int(rows.get("marks") or 0)

    def _check_marker(self) -> None:
        """Notice an outbox that is not the one last used (restored from an older backup, or a
        different file): every undelivered post in it may have been posted since, so each is
        looked for in Slack before it is posted (``in_doubt``)."""
        try:
            seen = json.loads(self.marker_path.read_bytes())
            serial, marks = str(seen["serial"]), int(seen["marks"])
        except (OSError, ValueError, KeyError, TypeError):
            self.note_progress()
            return
        now_serial, now_marks = self._serial()
        if (now_serial, now_marks) != (serial, marks) and (now_serial != serial or now_marks < marks):
            with self._tx() as db:
                doubted = db.execute("UPDATE items SET in_doubt=1 WHERE state IN (?, ?, ?) AND method=?",
                                     (PENDING, SENDING, HELD, "chat.postMessage")).rowcount
            if doubted:
                log.warning("the outbox is older than the one last used (restored from a backup?): %d waiting "
                            "post(s) will be looked for in Slack before posting", doubted)
        self.note_progress()

    def note_progress(self) -> None:
        """Write the marker file (``<outbox>.mark``: the database's serial and its count of
        deliveries), so an older copy of the outbox put in its place is noticed on the next
        open. Not fsynced (a kill -9 keeps it; a power cut only makes it older, never wrong)."""
        serial, marks = self._serial()
        tmp = self.marker_path.with_name(f".{self.marker_path.name}.tmp")
        with suppress(OSError):  # a full disk: the next note tries again
            tmp.write_text(json.dumps({"serial": serial, "marks": marks}))
            os.replace(tmp, self.marker_path)

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after every enqueue or release in this process (the worker's wake)."""
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in self._listeners:
            listener()

    def data_version(self) -> int:
        """A number that changes when another process commits to the database (SQLite's
        ``data_version``): cheap, for noticing a ``factbot`` command's additions."""
        with self._lock:
            return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    # -- adding ----------------------------------------------------------

    def enqueue(self, kind: str, channel_key: str, message: dict[str, Any], *, item_id: str | None = None,
                dedupe_key: str | None = None, method: str = "chat.postMessage",
                reply_to: str | None = None, in_doubt: bool = False,
                after_ts: str | None = None) -> tuple[OutboxItem, bool]:
        """Add an item; returns ``(item, created)``.

        When ``dedupe_key`` (or ``item_id``) matches an item already in the
        outbox, that item is returned with ``created=False`` and nothing is
        written. The write is fsynced before this returns. ``in_doubt``: it
        may have been posted already (queued again from the archive), so its
        post is looked for first, from ``after_ts`` (a Slack ``ts``) on.
        """
        with self._tx() as db:
            existing = self._find(dedupe_key=dedupe_key, item_id=item_id)
            if existing is not None:
                return existing, False
            item = OutboxItem(id=item_id or f"{kind.upper()}-{secrets.token_hex(6)}", kind=kind,
                              channel_key=channel_key, message=message, dedupe_key=dedupe_key,
                              method=method, reply_to=reply_to, in_doubt=in_doubt, after_ts=after_ts)
            _insert(db, item, self.clock())
        self._changed()
        return item, True

    def find(self, *, dedupe_key: str | None = None, item_id: str | None = None) -> OutboxItem | None:
        """The item with this dedupe key or id, or ``None``."""
        return self._find(dedupe_key=dedupe_key, item_id=item_id)

    def _find(self, *, dedupe_key: str | None, item_id: str | None) -> OutboxItem | None:
        if dedupe_key is not None:
            found = self._rows("WHERE dedupe_key=?", (dedupe_key,))
            if found:
                return found[0]
        if item_id is not None:
            found = self._rows("WHERE id=?", (item_id,))
            if found:
                return found[0]
        return None

    # -- reading ---------------------------------------------------------

    def items(self, state: str | None = None) -> list[OutboxItem]:
        """Items, oldest first; only those in ``state`` when given. Reads them all: for
        commands and checks, not for each delivery."""
        if state is None:
            return self._rows("ORDER BY created_at, id")
        return self._rows("WHERE state=? ORDER BY created_at, id", (state,))

    def items_with_prefix(self, prefix: str) -> list[OutboxItem]:
        """Items whose id starts with ``prefix`` (an enquiry's post, replies and edits), by id index."""
        return self._rows("WHERE id >= ? AND id < ? ORDER BY seq", (prefix, prefix + "\uffff"))

    def due(self, now: float | None = None, limit: int = 100, after: tuple[float, int] | None = None,
            skip_keys: Collection[str] = ()) -> list[OutboxItem]:
        """Up to ``limit`` pending items due at ``now`` (monotonic seconds), earliest due first,
        starting after the item at ``after`` (an item's ``position``: the next page), leaving out
        posts (``chat.postMessage``) for ``skip_keys`` (channel keys the worker is pacing: those
        rows are passed over, never read). One index range read, whatever the backlog."""
        now = self.clock() if now is None else now
        skip = sorted(skip_keys)
        not_in = (f" AND NOT (method='chat.postMessage' AND channel_key IN ({', '.join('?' * len(skip))}))"
                  if skip else "")
        if after is None:
            return self._rows(f"WHERE state=? AND due<=?{not_in} ORDER BY due, seq LIMIT ?",
                              (PENDING, now, *skip, limit))
        return self._rows(f"WHERE state=? AND due<=? AND (due, seq) > (?, ?){not_in} ORDER BY due, seq LIMIT ?",
                          (PENDING, now, after[0], after[1], *skip, limit))

    def next_due_in(self, now: float | None = None) -> float | None:
        """Seconds until the earliest pending item is due (0 when one is due now; ``None``
        when nothing is pending)."""
        now = self.clock() if now is None else now
        with self._lock:
            row = self._db.execute("SELECT min(due) FROM items WHERE state=?", (PENDING,)).fetchone()
        return None if row[0] is None else max(row[0] - now, 0.0)

    def next_due_at(self) -> dt.datetime | None:
        """When the earliest pending item is due, in wall-clock time (``None`` when none is pending)."""
        wait = self.next_due_in()
        return None if wait is None else utc_now() + dt.timedelta(seconds=wait)

    def counts(self) -> dict[str, int]:
        """How many items are in each state."""
        with self._lock:
            rows = self._db.execute("SELECT state, count(*) FROM items GROUP BY state").fetchall()
        return {state: n for state, n in rows}

    def oldest_waiting(self, now: dt.datetime | None = None) -> float | None:
        """Seconds since the oldest item still waiting (pending or sending) was added, by the
        wall clock (for people; never negative); ``None`` when nothing waits. Index reads only."""
        with self._lock:
            found = [row[0] for state in (PENDING, SENDING)
                     if (row := self._db.execute("SELECT min(created_at) FROM items WHERE state=?",
                                                 (state,)).fetchone())[0]]
        if not found:
            return None
        try:
            oldest = dt.datetime.fromisoformat(min(found))
        except ValueError:
            return None
        return max(((now or utc_now()) - oldest).total_seconds(), 0.0)

    def summary(self) -> dict[str, Any]:
        """Counts by state and by kind, and held items' errors, with no message content:
        ``{"pending": n, "sending": n, "held": n, "held_errors": {"enquiry: not_in_channel": n},
        "oldest_waiting_seconds": s | None}``."""
        counts = self.counts()
        age = self.oldest_waiting()
        out: dict[str, Any] = {PENDING: counts.get(PENDING, 0), SENDING: counts.get(SENDING, 0),
                               HELD: counts.get(HELD, 0), "held_errors": {},
                               "oldest_waiting_seconds": None if age is None else round(age)}
        with self._lock:
            rows = self._db.execute("SELECT kind, error, count(*) FROM items WHERE state=? GROUP BY kind, error",
                                    (HELD,)).fetchall()
        for kind, error, n in rows:
            out["held_errors"][f"{kind}: {error}"] = n
        return out

    def get_value(self, key: str) -> str | None:
        """A small value the worker keeps beside the items (e.g. a channel's newest known ``ts``)."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_value(self, key: str, value: str) -> None:
        with self._tx(durable=False) as db:
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)", (key, value))

    # -- state changes ---------------------------------------------------

    def _update(self, item_id: str, *, durable: bool = False, **changes: Any) -> None:
        if "next_attempt_at" in changes and "due" not in changes and changes["next_attempt_at"] is None:
            changes["due"] = 0.0  # due now
        if "message" in changes:
            changes["message"] = json.dumps(changes["message"], ensure_ascii=False)
        columns = ", ".join(f"{name}=?" for name in changes)
        with self._tx(durable=durable) as db:
            db.execute(f"UPDATE items SET {columns} WHERE id=?", (*changes.values(), item_id))

    def mark_sending(self, item_id: str, now: dt.datetime | None = None, after_ts: str | None = None) -> None:
        """Written before each post: a crash after this may have posted. ``after_ts`` (kept from
        the first attempt) is where a search for the post starts. While ``sending``, ``due``
        holds when the post was sent (monotonic), so a look-up after a crash can wait as long
        as it would have after a timeout (:meth:`interrupted`)."""
        with self._tx(durable=False) as db:
            db.execute("UPDATE items SET state=?, sending_since=?, after_ts=coalesce(after_ts, ?), due=? WHERE id=?",
                       (SENDING, _iso(now or utc_now()), after_ts, self.clock(), item_id))

    def interrupted(self, error: str, wait: float) -> list[str]:
        """Items a crash left ``sending`` (their post may have reached Slack, or may yet: a slow
        Slack stores a message after the client gave up): pending again, *in doubt*, due
        ``wait`` seconds after their post was sent (at once when that has passed, or after a
        reboot); returns their ids."""
        with self._tx() as db:
            ids = [row[0] for row in db.execute("SELECT id FROM items WHERE state=?", (SENDING,))]
            db.execute("UPDATE items SET state=?, error=?, in_doubt=1, due=due + ?, next_attempt_at=NULL "
                       "WHERE state=?", (PENDING, error, max(wait, 0.0), SENDING))
        return ids

    def mark_delivered(self, item_id: str, channel: str, ts: str | None, now: dt.datetime | None = None) -> None:
        """Record the delivery, and drop the message: it is in Slack now, and an enquiry's
        details must not sit in this file for the days delivered items are kept. Replies
        waiting for this item become due."""
        with self._tx(durable=False) as db:
            db.execute("UPDATE items SET state=?, channel=?, ts=?, error=NULL, delivered_at=?, message='{}', in_doubt=0 "
                       "WHERE id=?", (DELIVERED, channel, ts, _iso(now or utc_now()), item_id))
            db.execute("UPDATE items SET due=? WHERE reply_to=? AND +state=?", (self.clock(), item_id, PENDING))
            db.execute("INSERT INTO meta(key, value) VALUES('marks', 1) "
                       "ON CONFLICT(key) DO UPDATE SET value=CAST(value AS INTEGER) + 1")

    def mark_retry(self, item_id: str, error: str, delay: float, attempts: int, *, in_doubt: bool = False) -> None:
        """Pending again, due in ``delay`` seconds (monotonic); ``in_doubt``: the attempt may
        have reached Slack (kept once set, until the item is delivered)."""
        with self._tx(durable=False) as db:
            db.execute("UPDATE items SET state=?, error=?, attempts=?, due=?, next_attempt_at=?, "
                       "in_doubt=max(CAST(coalesce(in_doubt, 0) AS INTEGER), ?) WHERE id=?",
                       (PENDING, error, attempts, self.clock() + max(delay, 0.0),
                        _iso(utc_now() + dt.timedelta(seconds=max(delay, 0.0))), int(in_doubt), item_id))

    def defer(self, item_id: str, delay: float) -> None:
        """Leave the item pending but not due for ``delay`` seconds (a reply whose parent is not posted)."""
        self._update(item_id, due=self.clock() + delay)

    def mark_held(self, item_id: str, error: str, attempts: int | None = None) -> None:
        changes: dict[str, Any] = {"state": HELD, "error": error}
        if attempts is not None:
            changes["attempts"] = attempts
        self._update(item_id, **changes)

    def hold_waiting(self, channel_keys: Collection[str], error: str) -> int:
        """Hold every pending post (``chat.postMessage``) for ``channel_keys`` with ``error`` at
        once (their channel is archived, missing or unusable: trying each would fail alike; edits
        name their own channel and are left); returns how many."""
        keys = sorted(channel_keys)
        if not keys:
            return 0
        with self._tx() as db:
            held = db.execute(f"UPDATE items SET state=?, error=? WHERE state=? AND method='chat.postMessage' "
                              f"AND channel_key IN ({', '.join('?' * len(keys))})",
                              (HELD, error, PENDING, *keys)).rowcount
        return held

    def release(self, kind: str | None = None, item_ids: list[str] | None = None) -> int:
        """Put held items back to pending (``factbot … retry``); returns how many."""
        chosen = [i for i in self.items(HELD)
                  if (kind is None or i.kind == kind) and (item_ids is None or i.id in item_ids)]
        with self._tx() as db:
            for item in chosen:
                db.execute("UPDATE items SET state=?, next_attempt_at=NULL, due=? WHERE id=? AND state=?",
                           (PENDING, self.clock(), item.id, HELD))
        if chosen:
            self._changed()
        return len(chosen)

    def discard(self, item_id: str) -> bool:
        """Remove an item not delivered nor being sent (what it says is no longer true);
        returns whether it was removed. Its id may be used again afterwards."""
        with self._tx() as db:
            removed = db.execute("DELETE FROM items WHERE id=? AND state IN (?, ?)",
                                 (item_id, PENDING, HELD)).rowcount
        return bool(removed)

    def update_message(self, item_id: str, message: dict[str, Any]) -> None:
        """Replace an undelivered item's message (e.g. to drop purged details)."""
        self._update(item_id, durable=True, message=message)

    def prune(self, now: dt.datetime | None = None) -> int:
        """Drop delivered items older than ``KEEP_DELIVERED`` (but not one an
        undelivered reply still needs for its thread); returns how many.
        Deletes those rows only; then the write-ahead log is folded in and emptied."""
        cutoff = ((now or utc_now()) - KEEP_DELIVERED).isoformat()
        with self._tx(durable=False) as db:
            removed = db.execute(
                "DELETE FROM items WHERE state=? AND delivered_at < ? AND id NOT IN "
                "(SELECT reply_to FROM items WHERE reply_to IS NOT NULL AND state != ?)",
                (DELIVERED, cutoff, DELIVERED)).rowcount
        self.checkpoint()
        return removed

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the database and empty it, so the text of delivered
        items does not linger in the log (``secure_delete`` covers the database itself)."""
        with self._lock, suppress(sqlite3.OperationalError):  # busy: another process reads; next time
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _wal(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


def _shm(path: Path) -> Path:
    return path.with_name(path.name + "-shm")


def _insert(db: sqlite3.Connection, item: OutboxItem, due: float) -> int:
    values = {name: getattr(item, name) for name in _FIELDS}
    values["in_doubt"] = int(bool(values["in_doubt"]))
    values["message"] = json.dumps(values["message"], ensure_ascii=False)
    cursor = db.execute(f"INSERT OR IGNORE INTO items ({_COLUMNS}, due) VALUES ({', '.join('?' * len(_FIELDS))}, ?)",
                        (*values.values(), due))
    return cursor.rowcount


def _item(row: tuple) -> OutboxItem:
    values: dict[str, Any] = dict(zip(_FIELDS, row[:-2], strict=True))
    values["position"] = (row[-2], row[-1])
    try:
        values["message"] = json.loads(values["message"] or "{}")
    except ValueError:
        values["message"] = {}
    values["attempts"] = int(values["attempts"] or 0)
    values["in_doubt"] = str(values["in_doubt"]) in ("1", "True", "true")
    return OutboxItem(**values)
