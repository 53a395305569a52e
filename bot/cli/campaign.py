"""``factbot campaign post/poll/digest`` and the figure alerts of ``factbot facts import``.

A command writes the outbox only; the running server's delivery worker
posts what it wrote (within about a second). Without a server running, the
alerts wait in the outbox until one starts.

Exit codes as in :mod:`bot.cli`: ``campaign post`` with bad fields exits 2
naming each field; ``campaign poll`` exits 1 when a feed was skipped.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from pydantic import ValidationError

from bot.campaign import Campaign
from bot.cli.common import existing_data
from bot.curation import open_facts
from bot.settings import Settings
from facts.campaign.update import CampaignUpdate, field_problems
from facts.figures.model import Fact
from facts.figures.problem_reports import KIND as PROBLEM_KIND
from facts.figures.receipts import KIND as CORRECTION_KIND
from facts.figures.store import FactStore, ImportReport
from facts.outbox import HELD, Outbox
from facts.persistence import sibling_path


@contextmanager
def campaign_for(settings: Settings, store: FactStore | None = None) -> Iterator[Campaign]:
    """A :class:`Campaign` over the configured files (opening the store when not given)."""
    own_store = store is None
    store = store or open_facts(settings)
    outbox = Outbox(sibling_path(settings.factbot_db, "outbox"))
    campaign = Campaign(settings, outbox, store)
    try:
        yield campaign
    finally:
        campaign.close()
        outbox.close()
        if own_store:
            store.close()


def import_with_alerts(settings: Settings, store: FactStore, facts: Iterable[Fact], *,
                       complete: bool = False, notes: dict[str, dict] | None = None) -> tuple[ImportReport, int]:
    """Import ``facts`` and queue one campaign alert per figure added, changed or retired.

    Returns the import report and how many alerts were queued. The figures
    as they were before the import count as announced, so only this
    import's changes (and any earlier unannounced ones) are alerted.
    """
    with campaign_for(settings, store) as campaign:
        campaign.ensure_baseline()
        report = store.import_facts(facts, complete=complete, notes=notes)
        return report, len(campaign.check_figures())


def _held_note(settings: Settings) -> str:
    return "" if settings.factbot_campaign_channel else " (FACTBOT_CAMPAIGN_CHANNEL is not set: held until it is)"


def cmd_campaign_post(settings: Settings, args: argparse.Namespace) -> int:

    try:
        update = CampaignUpdate(title=args.title, url=args.url, summary=args.summary)
    except ValidationError as exc:
        problems = "; ".join(f"--{name}: {problem}" for name, problem in field_problems(exc).items())
        print(f"factbot: invalid campaign update: {problems}", file=sys.stderr)
        return 2
    with campaign_for(settings) as campaign:
        item_id, created = campaign.submit_update(update)
    if created:
        print(f"{item_id} queued for the campaign channel{_held_note(settings)}")
    else:
        print(f"{item_id} was already accepted (same title and link); not posted again")
    return 0


def cmd_campaign_poll(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.factbot_feeds:
        print("FACTBOT_FEEDS is empty: no feeds to poll", file=sys.stderr)
        return 0
    with campaign_for(settings) as campaign:
        report = campaign.poller.poll()
    for line in report.lines():
        print(line)
    print(f"{report.posted} new item(s) queued{_held_note(settings) if report.posted else ''}", file=sys.stderr)
    return 1 if any(f.outcome.startswith("skipped") for f in report.feeds) else 0


def cmd_campaign_digest(settings: Settings, args: argparse.Namespace) -> int:
    existing_data(settings)
    with campaign_for(settings) as campaign:
        outcome, count = campaign.send_digest()
    if outcome == "posted":
        print(f"digest of {count} figure(s) due for review queued{_held_note(settings)}")
    elif outcome == "nothing due":
        print("nothing is due for review: no digest sent")
    else:
        print("this week's digest was already sent")
    return 0


#: Outbox kinds that go to the campaign channel.
CAMPAIGN_KINDS = ("campaign", "feed", "figure", "digest", CORRECTION_KIND, PROBLEM_KIND, "curation")


def cmd_campaign_retry(settings: Settings, args: argparse.Namespace) -> int:
    existing_data(settings)
    outbox = Outbox(sibling_path(settings.factbot_db, "outbox"))
    try:
        held = [i for i in outbox.items(HELD) if i.kind in CAMPAIGN_KINDS]
        for item in held:
            print(f"{item.id:40} {item.kind:9} {item.error}")
        released = outbox.release(item_ids=[i.id for i in held]) if held else 0
    finally:
        outbox.close()
    print(f"{released} held campaign alert(s) released; a running server sends them within seconds", file=sys.stderr)
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register ``campaign post``, ``poll``, ``digest`` and ``retry``."""
    campaign = sub.add_parser("campaign", help="campaign alerts").add_subparsers(dest="action", required=True)
    post = campaign.add_parser("post", help="post a campaign update to the campaign channel (once)")
    post.add_argument("--title", required=True)
    post.add_argument("--url", required=True)
    post.add_argument("--summary")
    post.set_defaults(func=cmd_campaign_post)
    campaign.add_parser("poll", help="poll the news feeds once now").set_defaults(func=cmd_campaign_poll)
    campaign.add_parser("digest", help="send this week's reviews-due digest now (if anything is due)") \
        .set_defaults(func=cmd_campaign_digest)
    campaign.add_parser("retry", help="send held campaign alerts again (after inviting the app or fixing the token)") \
        .set_defaults(func=cmd_campaign_retry)
