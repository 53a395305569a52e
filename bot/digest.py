"""When the weekly reviews-due digest goes out (UK time).

The digest for an ISO week is due from that week's ``FACTBOT_DIGEST_DAY`` at
``FACTBOT_DIGEST_TIME`` (Europe/London, so 09:00 stays 09:00 across the
clock changes) until it is sent or found unnecessary; a server that was down
at the time sends it when it starts later in the same week, and a week whose
time has not come yet, or whose digest is done, sends nothing.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.settings import DIGEST_DAYS
from facts.clock import utc_now

LONDON = ZoneInfo("Europe/London")
_DAY_INDEX = {day: number for number, day in enumerate(DIGEST_DAYS)}  # mon=0 … sun=6


def week_key(day: dt.date) -> str:
    """``digest-<ISO year>-W<week>``, e.g. ``digest-2026-W48``: the digest's outbox dedupe key."""
    year, week, _ = day.isocalendar()
    return f"digest-{year}-W{week:02d}"


def scheduled_at(now: dt.datetime, day: str, at: str) -> dt.datetime:
    """The digest time (aware, Europe/London) in the ISO week containing ``now`` (aware).

    ``day``: ``mon`` … ``sun``; ``at``: ``HH:MM``. Raises ``KeyError``/``ValueError`` for others.
    """
    local = now.astimezone(LONDON)
    monday = local.date() - dt.timedelta(days=local.weekday())
    hours, minutes = (int(part) for part in at.split(":"))
    return dt.datetime.combine(monday + dt.timedelta(days=_DAY_INDEX[day]), dt.time(hours, minutes), tzinfo=LONDON)


def due_week(now: dt.datetime, day: str, at: str, done: str | None) -> str | None:
    """The week key when that week's digest is due at ``now`` and ``done`` is not it, else ``None``."""
    key = week_key(now.astimezone(LONDON).date())
    if key != done and now >= scheduled_at(now, day, at):
        return key
    return None


def london_today(now: dt.datetime | None = None) -> dt.date:
    """Today's date in the UK."""
    return (now or utc_now()).astimezone(LONDON).date()
