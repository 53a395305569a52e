"""The facts store: curated figures kept in TinyDB, with their history.

The store file (``FACTBOT_DB``, default ``data/factbot.json``) holds one
document per figure in the ``facts`` table: the current version (the
:class:`~facts.figures.model.Fact` fields) and ``history``, the earlier versions with
the time each was replaced. Answers are never served from the file: the app
reads it once into a :class:`~facts.figures.search.FactIndex` in memory.

Writes go through one lock per :class:`FactStore` and one ``TinyDB`` object
per file, with :class:`~facts.persistence.AtomicJSONStorage`, so a crash leaves
the previous file whole.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from tinydb import Query, TinyDB

from facts.clock import utc_now
from facts.figures.curated import CURATED_DIR
from facts.figures.layers import load_layers
from facts.figures.model import Fact
from facts.persistence import AtomicJSONStorage, FileLock
from facts.validation import error_field, error_message

log = logging.getLogger(__name__)

#: Fields whose change the campaign team is told about (issue: figure alerts).
NOTABLE_FIELDS = ("value", "display", "base", "period", "status", "claim", "source")


@dataclass(frozen=True)
class FigureChange:
    """One figure added, changed or retired: what an import did, and what the campaign
    channel is told (``facts.figures.changes``).

    ``kind`` is ``added``, ``changed`` or ``retired``; ``changed`` maps each
    changed field to ``(old, new)`` JSON values (empty for ``added``, or when
    the old version is no longer in the history). For an announcement,
    ``before``/``after`` are fingerprints and ``version`` the figure's count of
    earlier versions (an import's own report leaves them unset).
    """

    kind: str
    fact: Fact
    changed: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    before: str | None = None
    after: str = ""
    #: How many earlier versions the figure had when this change was found.
    version: int = 0

    @property
    def dedupe_key(self) -> str:
        """The same change, found twice (two processes, a crash), is one outbox item;
        the version keeps a change made again later (48 → 47, back, and 48 → 47
        again) a new one."""
        return f"figure-{self.fact.id}-v{self.version}-{self.before or 'new'}-{self.after}"


@dataclass
class ImportReport:
    """What ``FactStore.import_facts`` did: changes made and the unchanged count."""

    changes: list[FigureChange]
    unchanged: int

    @property
    def added(self) -> int:
        return sum(c.kind == "added" for c in self.changes)

    @property
    def updated(self) -> int:
        return sum(c.kind != "added" for c in self.changes)


class FactStore:
    """Figures in a TinyDB file, with history. ``FactStore(path)``; ``close()`` when done.

    Raises ``ValueError`` (naming the file) when the file is not valid JSON.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._db = TinyDB(self.path, storage=AtomicJSONStorage)
        self._table = self._db.table("facts", cache_size=0)  # `facts import` may write from another process
        self._meta = self._db.table("meta", cache_size=0)
        # In-process and cross-process: `factbot facts import` may run beside `serve`.
        self._lock = FileLock(self.path.with_name(self.path.name + ".lock"))
        self.last_import: ImportReport | None = None

    def close(self) -> None:
        self._db.close()

    # -- reading ---------------------------------------------------------

    def facts(self) -> list[Fact]:
        """Every stored figure, current version, in id order (any status).

        Raises ``ValueError`` (one line naming the file and the document) when
        a stored document is not a valid figure.
        """
        return sorted((self._fact(doc) for doc in self._table.all()), key=lambda f: f.id)

    def _fact(self, doc: Any) -> Fact:
        try:
            return Fact.model_validate(_current(doc))
        except (ValidationError, TypeError, AttributeError) as exc:
            fact_id = doc.get("id", "?") if isinstance(doc, dict) else "?"
            first = exc.errors()[0] if isinstance(exc, ValidationError) else {"loc": (), "msg": type(exc).__name__}
            raise ValueError(f"{self.path}: stored figure {fact_id!r} is not valid "
                             f"({error_field(first)}: {error_message(first)}); "
                             f"restore the file from a backup, or delete it to rebuild it from the curated files") from None

    def get(self, fact_id: str) -> tuple[Fact, list[dict]] | None:
        """``(fact, history)`` for one id, or ``None``; history items are
        ``{"replaced_at": ISO time, "fact": earlier fields}``, oldest first."""
        doc = self._table.get(Query().id == fact_id)
        if doc is None:
            return None
        return self._fact(doc), list(doc.get("history", []))

    def change_note(self, fact_id: str) -> dict | None:
        """Who made the current version of a figure, when and why (see :meth:`import_facts`), or ``None``."""
        doc = self._table.get(Query().id == fact_id)
        note = doc.get("change") if isinstance(doc, dict) else None
        return note if isinstance(note, dict) else None

    def is_empty(self) -> bool:
        return len(self._table) == 0

    def imported_fingerprint(self) -> str | None:
        """The fingerprint of the curated files last imported by :func:`open_store`."""
        doc = self._meta.get(Query().key == "curated_fingerprint")
        return doc["value"] if doc else None

    def record_fingerprint(self, fingerprint: str) -> None:
        with self._lock:
            self._meta.upsert({"key": "curated_fingerprint", "value": fingerprint}, Query().key == "curated_fingerprint")

    # -- writing ---------------------------------------------------------

    def import_facts(self, facts: Iterable[Fact], now: dt.datetime | None = None, *,
                     complete: bool = False, notes: Mapping[str, dict] | None = None) -> ImportReport:
        """Add new figures and update changed ones, keeping each previous version.

        ``complete=True`` says ``facts`` is the whole curated set: a stored
        figure missing from it is retired (kept, with its history, and never
        served), so deleting a figure from the files stops it being served.
        Idempotent: importing the same facts again changes nothing and
        reports no change. Written in one atomic file replacement.

        ``notes`` maps a figure id to who changed it, when and why
        (``{"by": [user ids], "at": ISO time, "why": text, "action": ...}``,
        from a change made in Slack); a figure changed without one is noted as
        changed in the curated files. Each version keeps its note in the
        history (``change``), so ``factbot facts show`` can say who did what.
        """
        now = now or utc_now()
        notes = notes or {}

        def note(fact_id: str) -> dict:
            return notes.get(fact_id) or {"by": [], "at": now.isoformat(), "why": "changed in the curated files",
                                          "action": "files"}

        def replaced(old_doc: dict, old: dict) -> list:
            return [*old_doc.get("history", []),
                    {"replaced_at": now.isoformat(), "fact": old, "change": old_doc.get("change")}]

        changes: list[FigureChange] = []
        unchanged = 0
        with self._lock:
            existing = {doc["id"]: doc for doc in self._table.all()}
            docs = []
            for fact in facts:
                new = fact.model_dump(mode="json")
                old_doc = existing.pop(fact.id, None)
                if old_doc is None:
                    changes.append(FigureChange("added", fact))
                    docs.append({**new, "history": [], "change": note(fact.id)})
                    continue
                old = _normalised(_current(old_doc))
                if old == new:
                    unchanged += 1
                    docs.append(old_doc)
                    continue
                diff = {k: (old.get(k), new.get(k)) for k in new if old.get(k) != new.get(k)}
                retired = new["status"] == "retired" and old.get("status") != "retired"
                changes.append(FigureChange("retired" if retired else "changed", fact, diff))
                docs.append({**new, "history": replaced(old_doc, old), "change": note(fact.id)})
            for old_doc in existing.values():  # stored figures that the files no longer have
                old = _current(old_doc)
                if not complete or old.get("status") == "retired":
                    docs.append(old_doc)
                    continue
                new = {**old, "status": "retired"}
                changes.append(FigureChange("retired", self._fact(new), {"status": (old.get("status"), "retired")}))
                gone = {"by": [], "at": now.isoformat(), "why": "deleted from the curated files", "action": "files"}
                docs.append({**new, "history": replaced(old_doc, old), "change": gone})
            if changes:
                self._replace_all(docs)
        return ImportReport(changes, unchanged)

    def _replace_all(self, docs: list[dict]) -> None:
        # One storage write for the whole table: TinyDB's truncate + insert
        # would be two file replacements, and a crash between them would
        # leave an empty store.
        data = self._db.storage.read() or {}
        data["facts"] = {str(number): doc for number, doc in enumerate(docs, start=1)}
        self._db.storage.write(data)
        self._table.clear_cache()


def _current(doc: dict) -> dict:
    if not isinstance(doc, dict):
        raise TypeError("a stored figure must be a JSON object")
    return {k: v for k, v in doc.items() if k not in ("history", "change")}


def _normalised(old: dict) -> dict:
    """A stored figure as the current model dumps it, so a figure stored before
    a field was added (with its default) does not count as changed."""
    try:
        return Fact.model_validate(old).model_dump(mode="json")
    except ValidationError:
        return old


def open_store(path: str | Path, curated_dir: Path = CURATED_DIR, slack_dir: Path | None = None) -> FactStore:
    """Open the store at ``path``, first importing the curated files in ``curated_dir``
    (``FACTBOT_CURATED_DIR``) with the figures changed from Slack in ``slack_dir`` layered
    over them (:mod:`facts.figures.layers`), when the store is new or the files changed since
    they were last imported.

    So a fresh checkout answers at once, and a deploy with corrected figures
    never keeps serving the old ones. The import's changes are on
    ``store.last_import`` (``None`` when nothing was imported). Problems in
    the files do not stop this: the valid figures load (``factbot facts
    validate`` reports the rest).
    """
    store = FactStore(path)
    sync_store(store, curated_dir, slack_dir)
    return store


def sync_store(store: FactStore, curated_dir: Path = CURATED_DIR, slack_dir: Path | None = None) -> ImportReport | None:
    """Import the curated files with the Slack folder layered over them when they changed since
    last imported (see :func:`open_store`); the import's report (also ``store.last_import``), or
    ``None`` when nothing changed. Called again after each change made from Slack."""
    layers = load_layers(curated_dir, slack_dir)
    fingerprint = curated_fingerprint(layers.files)
    if not store.is_empty() and store.imported_fingerprint() == fingerprint:
        return None
    if layers.problems:  # a broken file must not retire its figures: import what is valid
        log.warning("%d problem(s) in the curated files in %s; run: factbot facts validate",
                    len(layers.problems), curated_dir)
    store.last_import = store.import_facts(layers.facts, complete=not layers.problems and bool(layers.files),
                                           notes=layers.notes)
    store.record_fingerprint(fingerprint)
    return store.last_import


def curated_fingerprint(paths: Iterable[Path]) -> str:
    """SHA-256 over the curated files' names and bytes (hex)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path.parent.name).encode() + b"/" + path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
