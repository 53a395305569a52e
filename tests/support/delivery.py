"""Delivery in tests: :func:`deliver_all` runs a worker's passes until nothing is pending;
:func:`outbox_files` and :func:`damage` are an outbox's files and what a fault does to them."""

from __future__ import annotations

import time
from pathlib import Path

from bot.delivery import DeliveryWorker
from facts.outbox import PENDING


def deliver_all(worker: DeliveryWorker, seconds: float = 10.0, *, strict: bool = True) -> None:
    """Run ``worker`` pass after pass until its outbox holds nothing pending; after ``seconds``
    fails (``strict``) or returns."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        worker.run_once()
        if not worker.outbox.items(PENDING):
            return
        time.sleep(0.02)
    if strict:
        raise AssertionError("still pending")


def outbox_files(folder: Path) -> list[Path]:
    """The outbox database's files in ``folder`` (``factbot-outbox.sqlite3`` and SQLite's own)."""
    return [p for p in folder.iterdir() if p.name.startswith("factbot-outbox.sqlite3")]


def damage(folder: Path, fault: str) -> None:
    """Do ``fault`` to the (closed) outbox in ``folder``: ``removed``, ``emptied`` or ``damaged``
    (not a database)."""
    for path in outbox_files(folder):
        if fault == "removed":
            path.unlink()
        elif fault == "emptied":
            path.write_bytes(b"")
        else:
            path.write_bytes(b"not a database " * 200)
