"""Escalation: which reminders an unclaimed enquiry is due, and when an urgent one counts as held.

Plain rules, no Slack. An enquiry posted to Slack and not claimed (nor responded to) is reminded
in its thread:

- urgent: after ``first`` (``FACTBOT_URGENT_REMIND_MINUTES``, 15 minutes by default), and again
  after :data:`AGAIN_FACTOR` times that (an hour by default);
- any enquiry: once after :data:`WORKING_DAY`.

Each reminder is sent once (``EnquiryRecord.reminded`` keeps their names). When several fall due
at once (the server was down), only the latest is sent and the earlier ones count as sent.
"""

from __future__ import annotations

import datetime as dt

from facts.enquiries.model import EnquiryRecord

#: The second urgent reminder comes this many times the first interval after the enquiry arrived.
AGAIN_FACTOR = 4
#: Any enquiry unclaimed this long after it arrived gets one reminder.
WORKING_DAY = dt.timedelta(hours=24)
#: How far back the reminder loop looks (the longest interval, with room for a restart).
LOOK_BACK = WORKING_DAY + dt.timedelta(days=2)
#: Reminder names, in the order they fall due.
URGENT_FIRST, URGENT_AGAIN, DAY = "urgent-1", "urgent-2", "day"


def waiting(record: EnquiryRecord) -> bool:
    """Posted, and nobody has claimed or answered it (purged ones never wait)."""
    return bool(record.ts) and not (record.claimed_by or record.responded_by or record.purged_at)


def reminders_due(record: EnquiryRecord, now: dt.datetime, first: dt.timedelta) -> list[str]:
    """The reminder names due now and not yet sent, in order (the last is the one to send)."""
    if not waiting(record):
        return []
    age = now - record.received_at
    due = []
    if record.urgent and age >= first:
        due.append(URGENT_FIRST)
    if record.urgent and age >= first * AGAIN_FACTOR:
        due.append(URGENT_AGAIN)
    if age >= WORKING_DAY:
        due.append(DAY)
    return [name for name in due if name not in record.reminded]


def elapsed(record: EnquiryRecord, now: dt.datetime) -> str:
    """How long ago the enquiry arrived, in words for a reminder ("15 minutes", "2 hours", "1 day")."""
    minutes = max(int((now - record.received_at).total_seconds() // 60), 0)
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} hours"
    return f"{hours // 24} days"
