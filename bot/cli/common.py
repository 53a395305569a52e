"""What every ``factbot`` command module shares: the one-line error and argparse types."""

from __future__ import annotations

import argparse
import json

from bot.settings import Settings
from facts.enquiries.archive import archive_path
from facts.figures import messages as render
from facts.outbox import database_path
from facts.persistence import sibling_path


class CommandError(Exception):
    """A command cannot go on; ``str()`` is the one line shown to the operator (exit 1)."""


class UsageError(CommandError):
    """The command was given something it cannot use (an empty draft); ``str()`` is the one line
    shown (exit 2, like argparse's own usage errors)."""


def print_answer(status: int, body: dict, as_json: bool) -> None:
    """Print what the app answered a local ask (``LocalAsker.ask``): readable text, or the
    Block Kit payload with ``as_json``. Raises :class:`CommandError` unless it answered 200."""
    if status != 200:
        raise CommandError(f"the app answered HTTP {status}")
    if as_json:
        print(json.dumps(body, indent=2, ensure_ascii=False))
    else:
        print(render.blocks_to_text(body.get("blocks", [])) or body.get("text", ""))


def existing_data(settings: Settings) -> None:
    """Raise :class:`CommandError` unless the data folder holds this install's data (the
    facts store, the outbox or the enquiry archive): a maintenance command run from the
    wrong folder (cron) must fail loudly, not work on a new empty store."""
    db = settings.factbot_db
    if not any(path.exists() for path in (db, database_path(sibling_path(db, "outbox")), archive_path(db))):
        raise CommandError(f"no data in {settings.data_note}; nothing done. Run it from the folder `factbot serve` "
                           "runs in (cron: cd /that/folder && factbot …) or set FACTBOT_DB to an absolute path")


def positive(text: str) -> int:
    """argparse type: a whole number from 1 to 36,500 (a century of days: past any real use, and a
    day count a date can still be moved by)."""
    if not text.isdigit() or not 1 <= int(text) <= 36_500:
        raise argparse.ArgumentTypeError("must be a whole number from 1 to 36500")
    return int(text)
