"""The clock: wall-clock time for what people read and what records keep.

Waits, pauses and backoffs use ``time.monotonic()`` instead (a wall-clock step
must not stretch them). Every function that needs "now" takes it as an
argument where tests need to move time, defaulting to :func:`utc_now`.
"""

from __future__ import annotations

import datetime as dt


def utc_now() -> dt.datetime:
    """The current time, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)
