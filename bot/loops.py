"""Every background loop in the server runs through :class:`Loop`: one helper, one way to
start, stop, wake and watch it.

A loop calls its ``step()`` on a daemon thread, then waits ``interval`` seconds (or what
the step returned) or until :meth:`Loop.wake`. An exception is logged by its type only
(never its message, which could hold personal details), the loop backs off (doubling,
capped at ``max_backoff`` seconds) and runs again: a loop never dies of an error. Its
:meth:`Loop.status` (alive, failures in a row, last error type, last success) is what
``/healthz`` reports. Waits use monotonic time, so a wall-clock step does not stretch them.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from facts.figures.catalogue import Catalogue
from facts.persistence import file_stamp

log = logging.getLogger(__name__)

#: Returned by a step to end its loop (a one-off job that has finished).
DONE = -1.0


@dataclass
class LoopStatus:
    """One loop's state for health: ``alive``, ``failures`` in a row, the ``last_error``
    type name, and ``last_ok`` (monotonic seconds of the last step that succeeded)."""

    name: str
    alive: bool
    failures: int
    last_error: str | None
    last_ok: float | None
    finished: bool


class Loop:
    """``step()`` on a daemon thread named ``name``, every ``interval`` seconds.

    ``step`` returns ``None`` (wait ``interval``), a number of seconds to wait, or
    :data:`DONE` to end the loop. ``first_wait``: seconds before the first step
    (default 0: at once). Errors back off from ``interval`` up to ``max_backoff``.
    """

    def __init__(self, name: str, step: Callable[[], float | None], interval: float, *,
                 first_wait: float = 0.0, max_backoff: float = 60.0):
        self.name = name
        self.step = step
        self.interval = interval
        self.first_wait = first_wait
        self.max_backoff = max(max_backoff, interval)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failures = 0
        self._last_error: str | None = None
        self._last_ok: float | None = None
        self._finished = False

    def start(self) -> Loop:
        """Start the thread (once); returns the loop."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()
        return self

    def wake(self) -> None:
        """Run the next step now instead of at the end of the wait."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the loop to end after its current step, and wait up to ``timeout`` seconds for it."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def stopping(self) -> bool:
        """True once :meth:`stop` was called (a long step can check it and end early)."""
        return self._stop.is_set()

    def status(self) -> LoopStatus:
        alive = self._thread is not None and self._thread.is_alive()
        return LoopStatus(self.name, alive, self._failures, self._last_error, self._last_ok, self._finished)

    def _run(self) -> None:
        wait = self.first_wait
        while True:
            if wait > 0:
                self._wake.wait(wait)
            self._wake.clear()
            if self._stop.is_set():
                return
            wait = self._step_once()
            if wait == DONE:
                self._finished = True
                return

    def _step_once(self) -> float:
        try:
            result = self.step()
        except Exception as exc:  # never die: log the type only, back off, try again
            self._failures += 1
            self._last_error = type(exc).__name__
            log.error("%s failed: %s (attempt %d; trying again)", self.name, self._last_error, self._failures)
            return min(self.interval * 2 ** min(self._failures - 1, 16), self.max_backoff)
        self._failures, self._last_error, self._last_ok = 0, None, time.monotonic()
        return self.interval if result is None else result


class Loops:
    """The server's loops, started and stopped together; :meth:`status` for health."""

    def __init__(self) -> None:
        self._loops: list[Loop] = []

    def add(self, loop: Loop, *, start: bool = True) -> Loop:
        self._loops.append(loop)
        return loop.start() if start else loop

    def status(self) -> list[LoopStatus]:
        return [loop.status() for loop in self._loops]

    def named(self, name: str) -> Loop:
        """The loop called ``name`` (``KeyError`` when there is none)."""
        for loop in self._loops:
            if loop.name == name:
                return loop
        raise KeyError(name)

    def stop(self) -> None:
        """Stop every loop, last added first."""
        for loop in reversed(self._loops):
            loop.stop()


def every(interval: float, function: Callable[[], object], name: str) -> Loop:
    """A :class:`Loop` calling ``function()`` every ``interval`` seconds (first call after one
    interval), not started."""

    def step() -> None:
        function()

    return Loop(name, step, interval, first_wait=interval)


def refresher(catalogue: Catalogue, interval: float = 5.0) -> Loop:
    """A loop reloading the figures every ``interval`` seconds when the store file changed.

    A bad file does not stop serving the figures already loaded.
    """

    def refresh() -> None:
        if catalogue.refresh():
            log.info("figures reloaded from the store")

    return every(interval, refresh, "facts-refresher")


def file_watch(path: str | os.PathLike[str], on_change: Callable[[], None], interval: float = 1.0) -> Loop:
    """A loop calling ``on_change()`` whenever ``path``'s modification time or size changes
    (another process wrote it), not started."""
    path = Path(path)
    seen = [file_stamp(path)]

    def check() -> None:
        now = file_stamp(path)
        if now != seen[0]:
            on_change()
            seen[0] = now  # after on_change: a failed call is tried again on the next tick

    return Loop(f"watch:{path.name}", check, interval, first_wait=interval)
