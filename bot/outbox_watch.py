"""Wake the delivery worker when another process changes the outbox.

``factbot`` commands (``enquiries retry|purge``, ``campaign post|retry``,
``facts import``'s figure alerts) write the outbox file from their own
process; the server's worker would otherwise notice only at its next timed
pass (up to 30 s). A thread compares the file's
modification time and size every ``interval`` seconds and wakes the
worker when they change (the worker's own writes wake it too, harmlessly).
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Callable

from facts.storage import file_stamp

log = logging.getLogger(__name__)


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
