"""A small TinyDB state file shared by the server and ``factbot`` commands.

``StateFile(path)`` opens one ``TinyDB`` (atomic writes, no read cache and
:class:`SharedTable` ids, so another process's writes are seen) and offers :meth:`StateFile.locked`, a
lock held across threads *and* processes for a read-decide-write step.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from tinydb import Query, TinyDB
from tinydb.table import Table

from facts.storage import AtomicJSONStorage, FileLock


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


class StateFile:
    """Base for state kept in its own file: ``db`` (TinyDB), ``query``, :meth:`locked`, :meth:`close`.

    Raises ``ValueError`` naming the file when it is not valid JSON.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.db = TinyDB(self.path, storage=AtomicJSONStorage)
        self.db.table_class = SharedTable
        self.query = Query()
        self._lock = threading.Lock()
        self._file_lock = FileLock(self.path.with_name(self.path.name + ".lock"))
        self._meta = self.db.table("meta", cache_size=0)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the lock for this file (not re-entrant)."""
        with self._lock, self._file_lock:
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
