"""Claim, Release, Mark responded and Mark urgent / Not urgent: what a button press does to a record.

Plain rules, no Slack: :data:`ACTIONS` maps a button's action id to the event it
records, and :func:`apply_event` gives the record after it (or ``None`` when the
press changes nothing).
"""

from __future__ import annotations

from facts.enquiries import messages as render
from facts.enquiries.model import EnquiryRecord, Event

#: Button action id → the event it records.
ACTIONS = {render.CLAIM: "claimed", render.RELEASE: "released", render.RESPONDED: "responded",
           render.MARK_URGENT: "marked_urgent", render.MARK_NOT_URGENT: "marked_not_urgent"}


def apply_event(record: EnquiryRecord, event: Event, note: list[str]) -> EnquiryRecord | None:
    """The record after ``event``, or ``None`` when it changes nothing (``note`` says why, if it matters).

    Once responded, an enquiry is closed: a stale Claim or Release changes nothing. Anyone may
    release a claim (the team reassigns work); the thread reply records who did.
    """
    if event.action in ("marked_urgent", "marked_not_urgent"):
        urgent = event.action == "marked_urgent"
        return None if record.urgent == urgent else record.model_copy(update={"urgent": urgent})
    if record.responded_by and event.action in ("claimed", "released"):
        note.append(f"{record.reference} was already responded to by {render.mention(record.responded_by)}.")
        return None
    if event.action == "claimed":
        if record.claimed_by == event.user:
            return None
        if record.claimed_by:
            note.append(f"{record.reference} is already claimed by {render.mention(record.claimed_by)}.")
            return None
        return record.model_copy(update={"claimed_by": event.user, "claimed_at": event.at})
    if event.action == "released":
        if not record.claimed_by:
            return None
        return record.model_copy(update={"claimed_by": None, "claimed_at": None})
    if record.responded_by:
        return None
    return record.model_copy(update={"responded_by": event.user, "responded_at": event.at})
