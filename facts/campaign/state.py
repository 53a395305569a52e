"""What the campaign alerts remember, in ``<stem>-alerts.json`` beside the store.

- the figures snapshot (see :mod:`facts.figures.changes`): ``None`` until the
  first check, which records the store as it is without announcing it;
- campaign updates already accepted: normalised-update key → outbox id,
  kept for good (the outbox forgets delivered items after two days), so the
  same update submitted again, even months later, is not posted again;
- the ISO week of the last reviews-due digest (``digest-2026-W48``).

Use inside ``with state.locked():`` for each read-decide-write step.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from facts.clock import utc_now
from facts.persistence import StateFile


class CampaignState(StateFile):
    """The alerts state file; see the module docstring. ``close()`` when done."""

    def __init__(self, path: str | Path):
        super().__init__(path)
        self._updates = self.db.table("updates", cache_size=0)

    # -- figures -----------------------------------------------------------

    def figures(self) -> dict[str, str] | None:
        """The last announced snapshot, or ``None`` before the first check."""
        return self.get_value("figures")

    def set_figures(self, snapshot: dict[str, str]) -> None:
        self.set_value("figures", snapshot)

    # -- campaign updates --------------------------------------------------

    def update_id(self, key: str) -> str | None:
        """The outbox id of the update accepted with ``key``, or ``None``."""
        doc = self._updates.get(self.query.key == key)
        return doc["id"] if doc else None

    def add_update(self, key: str, item_id: str, now: dt.datetime | None = None) -> None:
        at = (now or utc_now()).isoformat()
        self._updates.insert({"key": key, "id": item_id, "accepted_at": at})

    # -- digest ------------------------------------------------------------

    def digest_week(self) -> str | None:
        """The key of the last week whose digest was sent."""
        return self.get_value("digest_week")

    def set_digest_week(self, key: str) -> None:
        self.set_value("digest_week", key)

    def checked_week(self) -> str | None:
        """The key of the last week the scheduler checked at its time (sent, or nothing due)."""
        return max(filter(None, (self.get_value("digest_checked_week"), self.digest_week())), default=None)

    def set_checked_week(self, key: str) -> None:
        self.set_value("digest_checked_week", key)
