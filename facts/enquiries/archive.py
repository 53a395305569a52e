"""The enquiry archive: one small JSON file per enquiry, so intake cost does not grow.

Layout (``root`` is ``data/factbot-enquiries/`` beside ``FACTBOT_DB``)::

    root/incoming/ENQ-2026-000124.json  stored, not yet in the outbox
    root/2026/ENQ-2026-000123.json      one EnquiryRecord, written atomically
    root/.lock                          cross-process lock (server and `factbot enquiries`)
    root/quarantine/ENQ-2026-000125.json.<UTC time>
                                        a record that could not be read (0 bytes,
                                        cut short, not a record), moved aside

Why not one TinyDB file: TinyDB rewrites its whole file on every write, so
with 10,000 enquiries each intake would rewrite megabytes. Here an intake
writes one file of about a kilobyte (temporary file, fsync, rename, fsync
of the folder: ``facts.persistence.atomic_write``), whatever the archive holds.

``incoming/`` is the durable hand-over to the outbox: :meth:`EnquiryArchive.create`
writes there, and once the enquiry's post is in the outbox,
:meth:`~EnquiryArchive.mark_queued` moves the file into its year's folder
(a rename). Whatever a crash leaves in ``incoming/`` is queued again at
start-up; queueing is idempotent (the outbox item id is the reference).

What would otherwise need an index is kept in memory by the one server
process that takes enquiries, and rebuilt at start-up from file names and
the most recent records only:

- the next reference number of each year: the highest file name + 1;
- Idempotency-Keys seen in the last :data:`IDEMPOTENCY_WINDOW` and
  content hashes seen in the last :data:`RESUBMIT_WINDOW` (a double-click),
  each mapped to the reference they created.

So one process (``factbot serve``) creates enquiries; other processes
(``factbot enquiries purge``) only update existing records, under the lock.
Files and folders are created readable by their owner only.

A record that cannot be read never stops the rest: whatever reads it
(listing, start-up, queueing, an update) moves it to ``quarantine/``,
logs one line naming it, and carries on; :meth:`EnquiryArchive.quarantined`
lists what is there for ``/healthz``. Its number is never given out again.
"""

from __future__ import annotations

import datetime as dt
import errno
import logging
import os
import re
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Container, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from facts.clock import utc_now
from facts.enquiries.model import EnquiryForm, EnquiryRecord, format_reference, normal_reference, parse_reference
from facts.persistence import PROBE_NAME, QUARANTINE, FileLock, atomic_write, fsync_dir, quarantine

log = logging.getLogger(__name__)

#: How long the same Idempotency-Key returns the same reference.
IDEMPOTENCY_WINDOW = dt.timedelta(hours=24)
#: How long the same content (a double-click, a resubmitted form) returns the same reference.
RESUBMIT_WINDOW = dt.timedelta(minutes=10)
_FILE = re.compile(r"^ENQ-(\d{4})-(\d{6,})\.json$")
#: A record moved to ``quarantine/`` (``ENQ-2026-000123.json.<UTC time>``): its number stays used.
_QUARANTINED = re.compile(r"^ENQ-(\d{4})-(\d{6,})\.json\.")
INCOMING = "incoming"


def archive_path(db: str | os.PathLike[str]) -> Path:
    """``data/factbot.json`` → ``data/factbot-enquiries`` (a folder)."""
    db = Path(db)
    return db.with_name(f"{db.stem}-enquiries")


class _Window:
    """Keys seen recently (key → reference), forgotten ``span`` after they were seen.

    Expiry runs on the monotonic clock (``time.monotonic``): a key seen ``age`` ago by the wall
    clock is forgotten ``span - age`` monotonic seconds later, so a wall clock stepped forward
    or back while the server runs neither forgets a key early nor keeps it late. Only at
    start-up (:meth:`EnquiryArchive.load_recent`) is a key's age read from the wall clock (the
    record's ``received_at``): the one clock that spans a restart.
    """

    def __init__(self, span: dt.timedelta, clock: Callable[[], float] = time.monotonic):
        self.span = span
        self.clock = clock
        self._refs: dict[str, str] = {}
        self._order: deque[tuple[float, str]] = deque()

    def expire(self) -> None:
        now = self.clock()
        while self._order and self._order[0][0] <= now:
            _, key = self._order.popleft()
            self._refs.pop(key, None)

    def add(self, key: str | None, reference: str, seen: dt.datetime, now: dt.datetime) -> None:
        """Remember ``key`` (seen at wall-clock ``seen``; ``now`` is the wall clock's now)."""
        left = (self.span - max(now - seen, dt.timedelta(0))).total_seconds()
        if key and left > 0:
            self._refs[key] = reference
            self._order.append((self.clock() + left, key))

    def get(self, key: str | None) -> str | None:
        return self._refs.get(key) if key else None


class IdempotencyConflict(Exception):
    """The Idempotency-Key was already used, within its window, for a different enquiry."""


class EnquiryArchive:
    """The archive folder. ``EnquiryArchive(root)``; cheap to open.

    Thread-safe; updates are also safe across processes. Times are aware
    UTC datetimes; ``clock`` (monotonic seconds) times the resubmission windows. A record file that is not a valid record is moved to
    ``quarantine/`` by whatever meets it, and treated as absent.
    """

    def __init__(self, root: str | os.PathLike[str], *, clock: Callable[[], float] = time.monotonic):
        self.root = Path(root)
        (self.root / INCOMING).mkdir(parents=True, exist_ok=True, mode=0o700)
        self.root.chmod(0o700)
        self._lock = threading.Lock()
        self._file_lock = FileLock(self.root / ".lock")
        self._next: dict[int, int] = {}
        self._keys = _Window(IDEMPOTENCY_WINDOW, clock)
        self._hashes = _Window(RESUBMIT_WINDOW, clock)
        self.quarantine_folder = self.root / QUARANTINE
        #: Cleared by :meth:`loading` while :meth:`load_recent` runs elsewhere: :meth:`create` waits.
        self._ready = threading.Event()
        self._ready.set()

    @contextmanager
    def _writing(self) -> Iterator[None]:
        # The thread lock too: intake's create() takes only it (no other process writes incoming/).
        with self._lock, self._file_lock:
            yield

    # -- files -------------------------------------------------------------------

    def path_for(self, reference: str) -> Path:
        """Where the record lives once queued: ``root/<year>/<reference>.json``."""
        parsed = parse_reference(reference)
        if parsed is None:
            raise ValueError(f"not an enquiry reference: {reference!r}")
        return self.root / str(parsed[0]) / f"{reference}.json"

    def _incoming_path(self, reference: str) -> Path:
        return self.root / INCOMING / f"{reference}.json"

    def _find(self, reference: str) -> Path | None:
        for path in (self.path_for(reference), self._incoming_path(reference)):
            if path.exists():
                return path
        return None

    def get(self, reference: str) -> EnquiryRecord | None:
        """The record (queued or still incoming), or ``None`` when there is none. The
        reference may be typed in any case, with spaces around it."""
        reference = normal_reference(reference)
        if parse_reference(reference) is None:
            return None
        year = self.path_for(reference)
        for path in (year, self._incoming_path(reference), year):  # it may move while we look
            try:
                raw = path.read_bytes()
            except FileNotFoundError:
                continue
            return self._parse_or_quarantine(raw, path)
        return None

    def _parse_or_quarantine(self, raw: bytes, path: Path) -> EnquiryRecord | None:
        """The record in ``raw``, or ``None`` after moving an unreadable file to ``quarantine/``."""
        try:
            return _parse(raw, path)
        except ValueError:
            self._quarantine(path)
            return None

    def _quarantine(self, path: Path) -> None:
        try:
            moved = quarantine(path, self.quarantine_folder)
        except FileNotFoundError:
            return  # another reader moved it first
        except OSError as exc:
            log.error("%s cannot be read as an enquiry record and could not be moved aside (%s); "
                      "it is passed over", path.name, type(exc).__name__)
            return
        log.error("%s cannot be read as an enquiry record (empty, cut short or not a record); moved to %s. "
                  "Everything else goes on; look at it, then restore it from a backup or delete it",
                  path.name, moved)

    def quarantined(self) -> list[str]:
        """Names of the files in ``quarantine/`` (references and when they were moved), oldest first."""
        try:
            return sorted(os.listdir(self.quarantine_folder))
        except FileNotFoundError:
            return []

    def _write(self, record: EnquiryRecord, path: Path) -> None:
        path.parent.mkdir(exist_ok=True, mode=0o700)
        atomic_write(path, record.to_json())

    def _names(self, folder: Path) -> list[tuple[int, int, str]]:
        """``(year, number, file name)`` of the records in ``folder``, in reference order."""
        if not folder.is_dir():
            return []
        return sorted((int(m.group(1)), int(m.group(2)), n) for n in os.listdir(folder) if (m := _FILE.match(n)))

    def _files(self, newest_first: bool = False) -> list[Path]:
        folders = [p for p in self.root.iterdir() if p.is_dir() and (p.name.isdigit() or p.name == INCOMING)]
        found = [(year, number, folder / name) for folder in folders for year, number, name in self._names(folder)]
        return [path for _, _, path in sorted(found, reverse=newest_first)]

    def records(self) -> Iterator[EnquiryRecord]:
        """Every record, oldest first (reads every file: for the purge, not for intake).
        One moved out of ``incoming/`` while this runs is met again in its year's folder
        on the next run."""
        yield from self._present(self._files())

    def filed(self, skip: Container[str] = ()) -> Iterator[EnquiryRecord]:
        """Records already handed to the outbox (in their year's folder), oldest first; those
        whose reference is in ``skip`` are left out without being read."""
        folders = [p for p in self.root.iterdir() if p.is_dir() and p.name.isdigit()]
        found = sorted((year, number, folder / name) for folder in folders
                       for year, number, name in self._names(folder) if name[:-5] not in skip)
        yield from self._present(path for _, _, path in found)

    def with_email(self, email: str) -> list[EnquiryRecord]:
        """The records (not yet purged) whose email address is ``email``, compared without case
        or surrounding spaces, oldest first (an erasure request: reads every file)."""
        wanted = email.strip().casefold()
        return [r for r in self.records() if r.email and r.email.strip().casefold() == wanted]

    def since(self, cutoff: dt.datetime) -> list[EnquiryRecord]:
        """The records received after ``cutoff``, oldest first (reads the newest files only,
        newest first, until one is older: cheap enough for a loop every minute)."""
        recent = []
        for record in self._present(self._files(newest_first=True)):
            if record.received_at <= cutoff:
                break
            recent.append(record)
        return list(reversed(recent))

    def remove_stale_temporary_files(self) -> int:
        """Delete temporary files a crash left mid-write (they can hold personal details).

        Only the server calls this, at start-up. It holds both the thread lock
        and the file lock while it looks, and every record write happens under
        one of them, so any temporary record file it finds belongs to a write
        that can no longer finish, however recently it was written (a kill -9
        a moment before a quick restart). Write probes (empty, no personal
        details) are left to the prober. Returns how many were removed.
        """
        with self._writing():
            stale = [path for path in self.root.rglob(".*.tmp") if not _is_probe(path.name)]
            for path in stale:
                path.unlink(missing_ok=True)
        return len(stale)

    def incoming(self) -> list[EnquiryRecord]:
        """Records stored but not yet marked queued, oldest first (one the queuer moves
        away while this reads is queued, and left out)."""
        folder = self.root / INCOMING
        return list(self._present(folder / name for _, _, name in self._names(folder)))

    def write_problem(self) -> str | None:
        """``None`` when a new enquiry can be stored now, else why not: the error's name
        (``EACCES`` for a read-only folder, ``EROFS``, ``EMFILE``…). Creates and removes one
        empty temporary file in ``incoming/`` (a full disk is seen only by a real write)."""
        try:
            fd, name = tempfile.mkstemp(dir=self.root / INCOMING, prefix=".probe.", suffix=".tmp")
        except OSError as exc:
            return errno.errorcode.get(exc.errno or 0, type(exc).__name__)
        os.close(fd)
        try:
            os.unlink(name)
        except FileNotFoundError:
            pass
        except OSError as exc:
            return errno.errorcode.get(exc.errno or 0, type(exc).__name__)
        return None

    def incoming_count(self) -> int:
        """How many records are stored but not yet queued (names only: nothing is read)."""
        return len(self._names(self.root / INCOMING))

    def mark_queued(self, reference: str) -> None:
        """The enquiry's post is in the outbox: move its file from ``incoming/`` to its year's folder."""
        with self._writing():
            source = self._incoming_path(reference)
            if source.exists():
                target = self.path_for(reference)
                target.parent.mkdir(exist_ok=True, mode=0o700)
                os.replace(source, target)
                # Commit the move now, here, rather than inside the next intake's fsync
                # (the file system's journal is shared: an intake would pay for it).
                fsync_dir(target.parent)

    # -- intake ------------------------------------------------------------------

    def loading(self) -> None:
        """Say that :meth:`load_recent` is about to run on another thread (the server's start-up
        runs it in the background, so it listens at once whatever the archive holds): until it
        has run, :meth:`create` waits for it, so no resubmission is taken for a new enquiry."""
        self._ready.clear()

    def load_recent(self, now: dt.datetime | None = None) -> list[EnquiryRecord]:
        """Rebuild the in-memory windows from the newest records (call once at start-up).

        Reads records newest first until one is older than
        :data:`IDEMPOTENCY_WINDOW` (one small file each: about 10,000 a
        second); returns them, oldest first (the server checks they all
        reached the outbox). Releases :meth:`create` when it ends, even by
        an error.
        """
        try:
            now = now or utc_now()
            recent = []
            for record in self._present(self._files(newest_first=True)):
                if record.received_at <= now - IDEMPOTENCY_WINDOW:
                    break
                recent.append(record)
            with self._lock:
                for record in reversed(recent):
                    self._remember(record, now)
            return list(reversed(recent))
        finally:
            self._ready.set()

    def _remember(self, record: EnquiryRecord, now: dt.datetime) -> None:
        self._keys.add(record.idempotency_key, record.reference, record.received_at, now)
        self._hashes.add(record.content_hash, record.reference, record.received_at, now)

    def _next_number(self, year: int) -> int:
        if year not in self._next:
            names = self._names(self.root / str(year)) + self._names(self.root / INCOMING)
            numbers = [number for y, number, _ in names if y == year]
            numbers += [int(m.group(2)) for n in self.quarantined() if (m := _QUARANTINED.match(n))
                        and int(m.group(1)) == year]  # a damaged record's reference is not given out again
            self._next[year] = max(numbers, default=0) + 1
        number = self._next[year]
        self._next[year] = number + 1
        return number

    def create(self, form: EnquiryForm, *, triage: list[str], idempotency_key: str | None = None,
               now: dt.datetime | None = None) -> tuple[EnquiryRecord, bool]:
        """Store a new enquiry, or find the one it repeats; returns ``(record, created)``.

        A repeat is the same ``idempotency_key`` within
        :data:`IDEMPOTENCY_WINDOW`, or the same content within
        :data:`RESUBMIT_WINDOW`. The file is on disk (fsynced) when this
        returns. Raises ``OSError`` when it cannot be written (nothing is
        left behind), :class:`IdempotencyConflict` when the key came with a
        different enquiry.
        """
        self._ready.wait()  # the windows are being rebuilt at start-up (:meth:`loading`)
        now = now or utc_now()
        content_hash = form.content_hash()
        # The thread lock only: a new file in incoming/ meets no other process's change.
        with self._lock:
            self._keys.expire()
            self._hashes.expire()
            by_key = self._keys.get(idempotency_key)
            existing = by_key or self._hashes.get(content_hash)
            if existing is not None:
                found = self.get(existing)
                if found is not None:
                    if by_key and found.content_hash not in (None, content_hash):
                        # A key reused for a different enquiry (a plugin sending its form id as the
                        # key): answering the first one's id would silently drop this family's.
                        raise IdempotencyConflict(idempotency_key)
                    return found, False
            reference = format_reference(now.year, self._next_number(now.year))
            record = EnquiryRecord.new(reference, form, now, triage=triage, idempotency_key=idempotency_key)
            atomic_write(self._incoming_path(reference), record.to_json())
            self._remember(record, now)
        return record, True

    def _present(self, paths: Iterable[Path]) -> Iterator[EnquiryRecord]:
        """The records at ``paths``, passing over any that another thread or process moved away
        and moving unreadable ones to ``quarantine/``."""
        for path in paths:
            try:
                raw = path.read_bytes()
            except FileNotFoundError:
                continue
            record = self._parse_or_quarantine(raw, path)
            if record is not None:
                yield record

    # -- changes -----------------------------------------------------------------

    def update(self, reference: str, change: Callable[[EnquiryRecord], EnquiryRecord | None]) -> EnquiryRecord | None:
        """Read, change and rewrite one record atomically, under the lock.

        ``change(record)`` returns the new record, or ``None`` to leave it as
        it is. Returns the record as stored afterwards (``None`` when there is
        no such record).
        """
        reference = normal_reference(reference)
        with self._writing():
            path = self._find(reference)
            if path is None:
                return None
            record = self._parse_or_quarantine(path.read_bytes(), path)
            if record is None:
                return None
            changed = change(record)
            if changed is None or changed == record:
                return record
            self._write(changed, path)
            return changed


def _is_probe(name: str) -> bool:
    # write_problem()'s and health's probes run without the archive's locks and hold nothing personal.
    return name.startswith((".probe.", f".{PROBE_NAME}."))


def _parse(raw: bytes, path: Path) -> EnquiryRecord:
    try:
        return EnquiryRecord.model_validate_json(raw)
    except ValueError:
        raise ValueError(f"{path} is not a valid enquiry record; restore it from a backup") from None

