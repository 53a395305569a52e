"""What every ``factbot`` command module shares: the one-line error and argparse types."""

from __future__ import annotations

import argparse


class CommandError(Exception):
    """A command cannot go on; ``str()`` is the one line shown to the operator (exit 1)."""


def positive(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError("must be a whole number of at least 1")
    return int(text)
