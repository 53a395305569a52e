"""Where this install's figures live, and the store opened over them.

The curated files are read from one folder, ``Settings.curated_dir``
(``FACTBOT_CURATED_DIR``): the server, ``factbot facts import`` and every other
command read the same one, so an edit there is never reverted by another.
"""

from __future__ import annotations

from bot.settings import Settings
from facts.figures.layers import slack_folder
from facts.figures.store import FactStore, open_store


def open_facts(settings: Settings) -> FactStore:
    """The facts store (``FACTBOT_DB``), with the curated folder's changes imported first."""
    return open_store(settings.factbot_db, settings.curated_dir, slack_folder(settings.factbot_db))
