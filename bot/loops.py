"""Background work in the server: small periodic jobs on daemon threads."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from facts.figures.catalogue import Catalogue
from facts.persistence import file_stamp

log = logging.getLogger(__name__)


def every(interval: float, function: Callable[[], object], name: str) -> threading.Event:
    """Call ``function()`` every ``interval`` seconds in a daemon thread called ``name``.

    An exception is logged (its message only) and the next round still
    runs. Returns an event; set it to stop the thread.
    """
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(interval):
            try:
                function()
            except Exception as exc:
                log.error("%s failed: %s", name, exc)

    threading.Thread(target=run, name=name, daemon=True).start()
    return stop


def start_refresher(catalogue: Catalogue, interval: float = 5.0) -> threading.Event:
    """Reload the figures every ``interval`` seconds when the store file changed.

    A bad file does not stop serving the figures already loaded. Returns an
    event; set it to stop the thread.
    """

    def refresh() -> None:
        if catalogue.refresh():
            log.info("figures reloaded from the store")

    return every(interval, refresh, "facts-refresher")


def watch_file(path: str | os.PathLike[str], on_change: Callable[[], None], interval: float = 1.0) -> Callable[[], None]:
    """Call ``on_change()`` (in a daemon thread) whenever ``path`` changes; returns a function that stops it."""
    path = Path(path)
    stop = threading.Event()

    def run() -> None:
        seen = file_stamp(path)
        while not stop.wait(interval):
            now = file_stamp(path)
            if now != seen:
                seen = now
                try:
                    on_change()
                except Exception as exc:
                    log.error("outbox watch: %s", type(exc).__name__)

    threading.Thread(target=run, name=f"watch:{path.name}", daemon=True).start()
    return stop.set
