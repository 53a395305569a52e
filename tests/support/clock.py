"""A wall clock that moves only when a test says: ``Clock(start)()`` is ``start`` until ``advance(minutes=…)``."""

from __future__ import annotations

import datetime as dt


class Clock:
    """Aware UTC datetimes, as the services' ``now`` callables return."""

    def __init__(self, start: dt.datetime):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move on by ``datetime.timedelta(**delta)``."""
        self.now += dt.timedelta(**delta)
