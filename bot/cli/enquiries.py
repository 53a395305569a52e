"""``factbot enquiries list|find|retry|purge``: the operator's view of website enquiries.

References may be typed in any case (``enq-2026-000123``). Output names references, states,
Slack error codes, urgency and ages: never a personal detail.
"""

from __future__ import annotations

import argparse
import sys

from bot.cli.common import CommandError, existing_data, positive
from bot.enquiry_service import EnquiryService
from bot.settings import Settings
from facts.clock import utc_now
from facts.enquiries.archive import EnquiryArchive, archive_path
from facts.enquiries.model import KIND, normal_reference, reference_of
from facts.outbox import DELIVERED, Outbox
from facts.persistence import sibling_path


def _enquiry_service(settings: Settings):
    existing_data(settings)  # from cron in another folder: fail loudly, never purge a new empty store
    outbox = Outbox(sibling_path(settings.factbot_db, "outbox"))
    return EnquiryService(EnquiryArchive(archive_path(settings.factbot_db)), outbox,
                          lead=settings.factbot_safeguarding_lead, retention_days=settings.factbot_retention_days)


def _age(seconds: float) -> str:
    """``"3m"``, ``"5h"``, ``"2d"``: how long ago, for a column."""
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes}m"
    return f"{minutes // 60}h" if minutes < 48 * 60 else f"{minutes // 1440}d"


def cmd_enquiries_list(settings: Settings, args: argparse.Namespace) -> int:
    service = _enquiry_service(settings)
    now = utc_now()
    waiting = [i for i in service.outbox.items() if i.kind == KIND and i.state != DELIVERED]
    urgent_held = 0
    for item in waiting:
        reference = reference_of(item.id)
        record = service.archive.get(reference) if reference else None
        urgent = bool(record and record.urgent)
        urgent_held += urgent and item.state == "held" and item.id == reference
        age = _age((now - record.received_at).total_seconds()) if record else "?"
        when = f"next try {item.next_attempt_at}" if item.state == "pending" and item.next_attempt_at else ""
        print(f"{item.id:28} {'URGENT' if urgent else 'routine':7} {age:>4} {item.state:8} {item.attempts:3} tries  "
              f"{item.error or '':32} {when}".rstrip())
    health = service.health()
    for problem in health["problems"]:
        print(f"held: {problem}")
    if urgent_held:
        print(f"urgent enquiry held: {urgent_held} urgent enquir{'y is' if urgent_held == 1 else 'ies are'} "
              "not in Slack; fix the cause above, then `factbot enquiries retry`")
    for record in service.unclaimed_urgent():
        print(f"unclaimed urgent: {record.reference} received {_age((now - record.received_at).total_seconds())} ago")
    print(f"{len(waiting)} enquiry deliveries not yet made, {health['held']} held", file=sys.stderr)
    service.outbox.close()
    return 0


def cmd_enquiries_find(settings: Settings, args: argparse.Namespace) -> int:
    """An erasure request: the references of the enquiries sent from an email address."""
    service = _enquiry_service(settings)
    found = service.archive.with_email(args.email)
    service.outbox.close()
    if not found:
        raise CommandError("no enquiry on record has that email address (purged enquiries keep none)")
    for record in found:
        print(f"{record.reference}  received {record.received_at:%Y-%m-%d}  {'URGENT' if record.urgent else 'routine'}")
    print(f"{len(found)} enquiries; erase them with: factbot enquiries purge "
          + " ".join(r.reference for r in found), file=sys.stderr)
    return 0


def cmd_enquiries_retry(settings: Settings, args: argparse.Namespace) -> int:

    service = _enquiry_service(settings)
    chosen = None
    args.references = [normal_reference(r) for r in args.references]
    if args.references:
        chosen = [i.id for i in service.outbox.items("held") if any(i.id == r or i.id.startswith(r + "-")
                                                                    for r in args.references)]
    released = service.outbox.release(kind=KIND, item_ids=chosen)
    service.outbox.close()
    if args.references and not released:
        raise CommandError(f"no held delivery for {', '.join(args.references)} (see: factbot enquiries list)")
    print(f"{released} held enquiry deliveries released; a running server sends them within seconds")
    return 0


def cmd_enquiries_purge(settings: Settings, args: argparse.Namespace) -> int:
    service = _enquiry_service(settings)
    days = args.days or settings.factbot_retention_days
    references = tuple(normal_reference(r) for r in args.references)
    unknown = [r for r in references if service.archive.get(r) is None]
    if unknown:
        service.outbox.close()
        raise CommandError(f"no enquiry {', '.join(unknown)} is on record (nothing purged)")
    report = service.purge(days, references)
    service.outbox.close()
    which = f"named ({', '.join(references)})" if references else f"older than {days} days"
    print(f"{report.purged} enquiries {which} purged; {report.edits} Slack messages queued "
          "for editing (a running server edits them within seconds)")
    for reference in report.unreachable:
        print(f"{reference}: posted, but where is no longer known: remove its Slack message by hand")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """``factbot enquiries list|find|retry|purge``."""
    enquiries = sub.add_parser("enquiries", help="website enquiries: held deliveries, resend, purge")
    actions = enquiries.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="enquiry deliveries not yet made (held, waiting) with urgency, age and error; unclaimed urgent ones").set_defaults(
        func=cmd_enquiries_list)
    find = actions.add_parser("find", help="the references of the enquiries from an email address (erasure requests)")
    find.add_argument("--email", required=True, help="the address as the family gives it (any case)")
    find.set_defaults(func=cmd_enquiries_find)
    retry = actions.add_parser("retry", help="resend held enquiries (all, or those named)")
    retry.add_argument("references", nargs="*", help="e.g. ENQ-2026-000123 (default: every held enquiry)")
    retry.set_defaults(func=cmd_enquiries_retry)
    purge = actions.add_parser("purge", help="remove personal details past retention; edit the Slack messages")
    purge.add_argument("--days", type=positive, help="age in days (default: FACTBOT_RETENTION_DAYS)")
    purge.add_argument("references", nargs="*",
                       help="erase these enquiries now, whatever their age (an erasure request), e.g. ENQ-2026-000123")
    purge.set_defaults(func=cmd_enquiries_purge)
