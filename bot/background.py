"""Background work in the server: small periodic jobs on daemon threads."""

from __future__ import annotations

import logging
import threading
from typing import Callable

from facts.catalogue import Catalogue

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
