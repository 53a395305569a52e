"""A crash-safe TinyDB storage: every write replaces the file atomically.

TinyDB's own ``JSONStorage`` truncates and rewrites the file in place, so a
crash mid-write leaves it half-written. ``AtomicJSONStorage`` writes the whole
document to a temporary file in the same folder, fsyncs it, and renames it
over the old one (``os.replace`` is atomic on POSIX and Windows), then fsyncs
the folder so the rename itself survives a power cut. A crash at any point
leaves either the old file or the new one, whole.

Only one writer may use a file at a time: callers keep a single
``TinyDB`` object per file per process and serialise writes (see
``facts.figures.store``).
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import logging
import os
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinydb import Query, TinyDB
from tinydb.storages import Storage
from tinydb.table import Document, Table

log = logging.getLogger(__name__)

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]


class AtomicJSONStorage(Storage):
    """TinyDB storage reading and atomically replacing one JSON file (UTF-8).

    ``path``: the file; its folder is created when missing. Reading a missing
    or empty file gives ``None`` (an empty database). A file that is not valid
    JSON raises ``ValueError`` naming the path (never silently overwritten).
    """

    def __init__(self, path: str | os.PathLike[str], **_ignored: Any):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def read(self) -> dict[str, Any] | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        if not raw.strip():
            return None
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{self.path} is not valid JSON (line {exc.lineno}); restore it from a backup") from None
        except UnicodeDecodeError:
            raise ValueError(f"{self.path} is not UTF-8 JSON text; restore it from a backup") from None
        if not isinstance(data, dict) or not all(
                isinstance(table, dict) and all(isinstance(doc, dict) for doc in table.values())
                for table in data.values()):
            raise ValueError(f"{self.path} is not a store written by factbot (its tables and records "
                             f"must be JSON objects); restore it from a backup")
        return data

    def write(self, data: dict[str, Any]) -> None:
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        atomic_write(self.path, payload)

    def close(self) -> None:  # nothing held open between calls
        pass


def file_stamp(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    """``(modification time in ns, size in bytes)`` of ``path``, or ``None`` when it is missing:
    cheap to compare, to notice that another process rewrote a store file."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    return info.st_mtime_ns, info.st_size


def sibling_path(db: str | os.PathLike[str], name: str) -> Path:
    """A store file beside another: ``data/factbot.json`` + ``"outbox"`` → ``data/factbot-outbox.json``."""
    db = Path(db)
    return db.with_name(f"{db.stem}-{name}{db.suffix or '.json'}")


#: What a failed write's ``errno`` means, in words for the operator.
_WRITE_ERRORS = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
                 errno.EROFS: "the file system is read-only", errno.EACCES: "permission denied",
                 errno.EPERM: "permission denied", errno.EIO: "an input/output error (a failing disk)"}


@dataclass
class WriteFailure:
    """The last failed write: which file (name only), why (``errno`` name and words), when (UTC)."""

    file: str
    code: str
    meaning: str
    at: dt.datetime


class WriteHealth:
    """Whether the last write of each store file in this process succeeded (for ``/healthz``).

    :func:`atomic_write` records every outcome; :meth:`failures` lists files whose latest
    write failed (a later success clears the file). Thread-safe. File names only, never content.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failed: dict[Path, WriteFailure] = {}

    def record(self, path: Path, error: OSError | None) -> None:
        if path.name == PROBE_NAME:
            return  # a probe's outcome clears (or keeps) the real files' failures: see ``forget``
        with self._lock:
            if error is None:
                self._failed.pop(path, None)
                return
            code = errno.errorcode.get(error.errno or 0, type(error).__name__)
            meaning = _WRITE_ERRORS.get(error.errno or 0, "the write failed")
            if path not in self._failed:
                log.error("could not write %s in %s: %s (%s); /healthz says so until a write there succeeds",
                          path.name, path.parent, meaning, code)
            self._failed[path] = WriteFailure(path.name, code, meaning, dt.datetime.now(dt.UTC))

    def failures(self, folder: Path | None = None) -> list[WriteFailure]:
        """The files (under ``folder``, when given) whose last write failed, oldest first."""
        with self._lock:
            found = [(p, f) for p, f in self._failed.items() if folder is None or p.is_relative_to(folder)]
        return [f for _, f in sorted(found, key=lambda pair: pair[1].at)]

    def failing_paths(self, folder: Path) -> list[Path]:
        """The paths under ``folder`` whose last write failed."""
        with self._lock:
            return [p for p in self._failed if p.is_relative_to(folder)]

    def forget(self, folder: Path) -> None:
        """Clear the failures of files in ``folder`` (a probe write there has just succeeded)."""
        with self._lock:
            for path in [p for p in self._failed if p.parent == folder]:
                del self._failed[path]


#: A small file written (and removed) in a folder to see whether writes work there again; not a store.
PROBE_NAME = ".factbot-write-probe"

#: The process's record of store writes (``atomic_write`` fills it; ``/healthz`` reads it).
WRITES = WriteHealth()


def atomic_write(path: Path, payload: bytes) -> None:
    """Replace ``path`` with ``payload`` (bytes) so a crash leaves old or new, whole.

    A failed write (full disk, a folder made read-only between the write and
    the rename) raises ``OSError`` and leaves no copy of ``payload``: the
    temporary file is emptied through its open descriptor before it is
    removed, so even one that cannot be removed holds nothing (the server
    removes such leftovers at start-up).
    """
    path = Path(path).absolute()
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        WRITES.record(path, exc)
        raise
    try:
        try:
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
            os.replace(tmp, path)
        except BaseException as exc:
            with suppress(OSError):
                os.ftruncate(fd, 0)
            with suppress(OSError):
                os.unlink(tmp)
            if isinstance(exc, OSError):
                WRITES.record(path, exc)
            raise
    finally:
        os.close(fd)
    fsync_dir(path.parent)
    WRITES.record(path, None)


def fsync_dir(directory: Path) -> None:
    """Make renames and new names in ``directory`` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # e.g. Windows cannot open folders; the rename is still atomic
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class FileLock:
    """An exclusive advisory lock on ``path`` (``fcntl.flock``), usable as a context manager.

    Serialises read-modify-write of one store file across processes (the
    server and a ``factbot`` command) and, with its in-process lock, between threads. Re-entrant within a thread is *not*
    supported. Where ``fcntl`` is missing (Windows) it only locks in-process.
    """

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self._handle: Any = None
        self._local = threading.Lock()

    def __enter__(self) -> FileLock:
        self._local.acquire()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = open(self.path, "a+b")
            if fcntl is not None:
                fcntl.flock(self._handle.fileno(), fcntl.LOCK_EX)
        except BaseException:
            self._local.release()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if fcntl is not None and self._handle is not None:
                fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            if self._handle is not None:
                self._handle.close()
        finally:
            self._handle = None
            self._local.release()


def hold_exclusively(path: str | os.PathLike[str]) -> Any:
    """Take an exclusive lock on ``path`` for as long as the returned handle is open.

    Used so that one server at a time works on a set of store files (two
    would hand out the same enquiry references). Raises ``BlockingIOError``
    when another process holds it. Without ``fcntl`` (Windows) it only
    creates the file.
    """
    handle = open(Path(path), "a+b")
    if fcntl is not None:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise BlockingIOError(f"{path} is held by another process") from None
    return handle

class SharedTable(Table):
    """A TinyDB table that several processes insert into.

    TinyDB remembers the next document id in memory after the first insert,
    so a second process's insert in between makes the next one fail with
    "Document with ID n already exists". This table reads the highest id
    from the file for every insert (call inserts under a file lock).
    """

    def _get_next_id(self) -> int:
        self._next_id = None
        return super()._get_next_id()

    def insert_multiple(self, documents: Iterable[Mapping]) -> list[int]:
        """Insert ``documents`` in one write, numbered from the file's next id (TinyDB's own
        would give each the same id here, as the file is read again for every number)."""
        first = self._get_next_id()
        return super().insert_multiple([Document(doc, doc_id=first + n) for n, doc in enumerate(documents)])


class StateFile:
    """Base for state kept in its own file: ``db`` (TinyDB), ``query``, :meth:`locked`, :meth:`close`.

    Raises ``ValueError`` naming the file when it is not valid JSON.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.db = TinyDB(self.path, storage=AtomicJSONStorage)
        self.db.table_class = SharedTable
        self.query = Query()
        self._file_lock = FileLock(self.path.with_name(self.path.name + ".lock"))
        self._meta = self.db.table("meta", cache_size=0)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the lock for this file (not re-entrant)."""
        with self._file_lock:  # a FileLock serialises this process's threads too
            yield

    def get_value(self, name: str, default: Any = None) -> Any:
        """A value kept under ``name`` in the ``meta`` table (JSON), or ``default``."""
        doc = self._meta.get(self.query.key == name)
        return doc["value"] if doc else default

    def set_value(self, name: str, value: Any) -> None:
        """Keep ``value`` (JSON) under ``name``; call inside :meth:`locked`."""
        self._meta.upsert({"key": name, "value": value}, self.query.key == name)

    def close(self) -> None:
        self.db.close()


def unreadable(path: str | os.PathLike[str]) -> str | None:
    """Why the TinyDB file at ``path`` cannot be read (the one-line reason, naming the path), or
    ``None`` when it can (a missing or empty file reads as an empty database)."""
    try:
        AtomicJSONStorage(path).read()
    except ValueError as exc:
        return str(exc).split(";")[0]
    return None


#: The folder, beside a damaged file, where it is moved (owner-only).
QUARANTINE = "quarantine"


def quarantine(path: str | os.PathLike[str], folder: str | os.PathLike[str] | None = None) -> Path:
    """Move a damaged file into ``folder`` (default ``quarantine/`` beside it), owner-only,
    under a name that keeps the original and adds the UTC time; returns the new path.

    Used so one unreadable file never stops the rest: the file is kept for a
    person to inspect (it may hold personal details, hence 0700), not deleted.
    Raises ``OSError`` when it cannot be moved.
    """
    import datetime as _dt

    path = Path(path)
    target_dir = Path(folder) if folder is not None else path.parent / QUARANTINE
    target_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    target_dir.chmod(0o700)
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = target_dir / f"{path.name}.{stamp}"
    os.replace(path, target)
    fsync_dir(target_dir)
    fsync_dir(path.parent)
    return target
