"""Retention: remove enquiries' personal details after the retention period (``factbot enquiries purge``).

Kept: reference, received time, service, urgency and the claim history.
Removed: name, email, phone, organisation, message, the matched triage
phrases, the Idempotency-Key and the content hash. Posted Slack messages
(the post, and the long-message reply) are edited through the outbox with
``chat.update``; copies still waiting in the outbox are rewritten first.
Idempotent: a record already purged whose messages were dealt with is skipped.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from facts.enquiries import messages as render
from facts.enquiries.archive import EnquiryArchive
from facts.enquiries.model import KIND, SCRUB_KEY, EnquiryRecord, reference_of
from facts.outbox import DELIVERED, Outbox, OutboxItem

log = logging.getLogger(__name__)


@dataclass
class PurgeReport:
    """What :func:`purge` did: records ``purged``, Slack messages queued for ``edits``,
    and ``unreachable`` references posted to Slack whose message could not be found to edit."""

    purged: int = 0
    edits: int = 0
    unreachable: tuple[str, ...] = ()


def purge(archive: EnquiryArchive, outbox: Outbox, now: dt.datetime, days: int, references: Iterable[str] = (),
          *, lead: str | None = None) -> PurgeReport:
    """Remove personal details from the enquiries in ``archive`` that were
    received more than ``days`` ago (before ``now``), or (``references`` given,
    an erasure request) from those enquiries whatever their age, and queue
    edits of their Slack messages (``chat.update``) in ``outbox`` saying so;
    ``lead`` is mentioned again in the edited post as it was in the original.
    Returns a :class:`PurgeReport`; the caller wakes the delivery worker."""
    cutoff = now - dt.timedelta(days=days)
    named = set(references)
    if named:
        days = 0  # the messages say "removed on request"
    by_reference: dict[str, list[OutboxItem]] = {}
    for item in outbox.items():
        reference = reference_of(item.id)
        if reference:
            by_reference.setdefault(reference, []).append(item)
    report = PurgeReport()
    unreachable = []
    for record in archive.records():
        due = record.purged_at is None and (record.reference in named if named else record.received_at <= cutoff)
        if not due and (record.purged_at is None or record.slack_scrubbed):
            continue
        if due:
            record = archive.update(record.reference, lambda r: r.purged(now) if r.purged_at is None else None) \
                or record  # None only if the file went away meanwhile
            report.purged += 1
        edits, reachable = _scrub_slack(outbox, lead, record, by_reference.get(record.reference, []), days)
        report.edits += edits
        if reachable:
            archive.update(record.reference, lambda r: r.model_copy(update={"slack_scrubbed": True}))
        else:
            unreachable.append(record.reference)
            log.warning("%s: its Slack message could not be found to edit", record.reference)
    report.unreachable = tuple(unreachable)
    return report


def _scrub_slack(outbox: Outbox, lead: str | None, record: EnquiryRecord, items: list[OutboxItem],
                 days: int) -> tuple[int, bool]:
    """Replace every queued copy of the enquiry with the purged form, and queue
    edits of the messages already posted. Returns ``(edits queued, the post was found)``."""
    post = render.post(record, lead=lead, retention_days=days)
    reply = render.purged_full_message_reply(record, days)
    full = f"{record.reference}-full"
    for item in items:
        if item.id == record.reference or item.method == "chat.update":
            kept: dict[str, Any] = {k: item.message[k] for k in ("channel", "ts") if k in item.message}
            outbox.update_message(item.id, {**(reply if item.id.startswith(full) else post), **kept})
        elif item.id == full:
            outbox.update_message(item.id, reply)
    found = {item.id: item for item in items}
    edits = 0
    for item_id, ts, message in [(record.reference, record.ts, post), (full, record.reply_ts, reply)]:
        queued = found.get(item_id)
        channel = record.channel or (queued.channel if queued else None)
        ts = ts or (queued.ts if queued is not None and queued.state == DELIVERED else None)
        if ts and channel:
            _, created = outbox.enqueue(KIND, SCRUB_KEY, {**message, "channel": channel, "ts": ts},
                                                item_id=f"{item_id}-purge", method="chat.update")
            edits += created
    # Not posted and not queued: the post went out too long ago for the outbox to know where.
    reachable = record.ts is not None or record.reference in found
    return edits, reachable
