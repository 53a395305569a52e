"""Which figures changed since the campaign team was last told.

The campaign team is told when a figure is added, retired, or changes in a
field they quote (:data:`ALERT_FIELDS`: value, display, base, period,
status, claim, source, superseded_by). Rather than trusting one import's
report, the service keeps a *snapshot*, ``{fact id: fingerprint of those
fields}``, of what was last announced and compares the store with it. So a
change is announced once whichever process imported it (``factbot facts
import``, or the automatic import of changed shipped files by ``serve`` or
any other command), and a re-import of unchanged files announces nothing.

The old values come from the store's history: the newest earlier version
whose fingerprint is the snapshot's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from facts.figures.store import NOTABLE_FIELDS, FactStore, FigureChange

#: Fields whose change is announced (re-verification dates, topics and caveats are not).
#: The quotable form comes first in an alert.
ALERT_FIELDS: tuple[str, ...] = ("display", *(f for f in NOTABLE_FIELDS if f != "display"), "superseded_by")


def fingerprint(doc: Mapping[str, Any]) -> str:
    """Hex digest of a fact's :data:`ALERT_FIELDS` (``doc`` is its JSON form)."""
    data = json.dumps({name: doc.get(name) for name in ALERT_FIELDS}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:32]


def current_snapshot(store: FactStore) -> dict[str, str]:
    """``{fact id: fingerprint}`` of every figure in the store."""
    return {fact.id: fingerprint(fact.model_dump(mode="json")) for fact in store.facts()}


def changes_since(snapshot: Mapping[str, str], store: FactStore) -> tuple[list[FigureChange], dict[str, str]]:
    """The changes between ``snapshot`` and the store, in id order, and the new snapshot.

    A figure missing from the store (not something an import does) is
    dropped from the snapshot without an announcement.
    """
    changes: list[FigureChange] = []
    now: dict[str, str] = {}
    for fact in store.facts():
        doc = fact.model_dump(mode="json")
        after = now[fact.id] = fingerprint(doc)
        before = snapshot.get(fact.id)
        if before == after:
            continue
        if before is None:
            changes.append(FigureChange("added", fact, {}, None, after))
            continue
        old, version = _version_with(store, fact.id, before)
        changed = {} if old is None else {
            name: (old.get(name), doc.get(name)) for name in ALERT_FIELDS if old.get(name) != doc.get(name)}
        old_status = (old or {}).get("status")
        retired = fact.status == "retired" and old_status != "retired"
        changes.append(FigureChange("retired" if retired else "changed", fact, changed, before, after, version))
    return changes, now


def _version_with(store: FactStore, fact_id: str, wanted: str) -> tuple[dict | None, int]:
    """The newest earlier version with fingerprint ``wanted`` (or ``None``), and how many earlier versions there are."""
    found = store.get(fact_id)
    if found is None:
        return None, 0
    history = found[1]
    for item in reversed(history):
        if fingerprint(item["fact"]) == wanted:
            return item["fact"], len(history)
    return None, len(history)
