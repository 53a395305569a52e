"""Everything a running server holds, built once from the settings.

``Runtime`` is what ``factbot serve`` starts and what the web endpoints and
Slack listeners are given: the settings, the facts store and the in-memory
catalogue, the outbox with its delivery worker, the enquiry service, the
campaign alerts, the Bolt app, and every background loop (``bot.loops``).

Files: the facts store is ``FACTBOT_DB``; the other stores sit beside it as
``<stem>-<name>.json`` (one ``TinyDB`` object per file per process), except
the outbox, ``<stem>-outbox.sqlite3`` (``facts.outbox``), and the enquiry
archive folder ``<stem>-enquiries/``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from slack_bolt import App

from bot.app import build_app, web_client
from bot.campaign import Campaign, open_receipts
from bot.curation import Curation, open_facts
from bot.delivery import DeliveryWorker
from bot.enquiry_service import EnquiryService, check_private
from bot.health import SlackHealth
from bot.loops import Loop, Loops, every, refresher
from bot.settings import Settings
from facts.enquiries.archive import EnquiryArchive, archive_path
from facts.enquiries.meaning import load_model
from facts.enquiries.model import ALERT_KEY as ENQUIRY_ALERT_KEY
from facts.enquiries.model import CHANNEL_KEY as ENQUIRY_CHANNEL_KEY
from facts.enquiries.signposting import signposting
from facts.enquiries.triage import load_patterns, load_phrases
from facts.figures.catalogue import Catalogue
from facts.figures.problem_reports import ProblemReports
from facts.figures.receipts import Receipts
from facts.figures.store import FactStore
from facts.figures.usage import USAGE_FLUSH_SECONDS, Usage
from facts.outbox import Outbox, OutboxItem
from facts.persistence import quarantine, sibling_path, unreadable
from handlers import FigureServices

log = logging.getLogger(__name__)

#: Seconds between purges of receipts past their keeping time (the first runs at start-up).
RECEIPTS_PURGE_SECONDS = 24 * 3600.0


@dataclass
class Runtime:
    """The live parts of the service (see the module docstring)."""

    settings: Settings
    store: FactStore
    catalogue: Catalogue
    outbox: Outbox
    worker: DeliveryWorker
    enquiries: EnquiryService
    campaign: Campaign
    bolt_app: App
    usage: Usage
    loops: Loops
    #: Run at shutdown, last registered first (after the loops have stopped).
    closers: list[Callable[[], None]] = field(default_factory=list)
    #: The bot token's and the configured channels' state, for /healthz (``bot.health``).
    slack: SlackHealth = field(default_factory=lambda: SlackHealth({}))
    #: What was wrong with the files found at start-up and what was done (for /healthz).
    problems: list[str] = field(default_factory=list)
    #: The curators' changes from Slack (``bot.curation``).
    curation: Curation | None = None

    def close(self) -> None:
        """Stop the background loops and write what is only in memory (usage counts)."""
        self.loops.stop()
        for closer in reversed(self.closers):
            closer()
        self.campaign.close()
        self.usage.flush()
        self.outbox.close()
        self.store.close()


def build_runtime(settings: Settings, *, start: bool = True) -> Runtime:
    """Open the stores, build the app, recover enquiries a crash left behind and
    (``start=True``) start every background loop."""
    load_phrases()  # a malformed triage file stops start-up (one line naming it), not the first enquiry
    load_patterns()
    load_model()
    problems: list[str] = []
    store, catalogue = _open_facts(settings, problems)
    _set_aside_damaged_state(settings, problems)
    outbox = Outbox(sibling_path(settings.factbot_db, "outbox"))
    loops = Loops()
    client = web_client(settings, settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None,
                        retries=False)
    channels = {"enquiry": settings.factbot_enquiry_channel, "campaign": settings.factbot_campaign_channel,
                ENQUIRY_ALERT_KEY: alert_channel(settings)}
    worker = DeliveryWorker(outbox, client, channels, pace=settings.factbot_post_pace,  # ~1 post per second per channel
                            lookup_delay=settings.factbot_lookup_delay, retry_base=settings.factbot_retry_base)
    enquiries = _enquiries(settings, catalogue, outbox, worker)
    usage = Usage(sibling_path(settings.factbot_db, "usage"))
    slack = SlackHealth({key: channels[key] for key in ("enquiry", "campaign")})

    receipts = open_receipts(settings)
    campaign = Campaign(settings, outbox, store, wake=worker.wake, receipts=receipts)
    curation = Curation(settings, store, catalogue, announce=campaign.announce)
    enquiry_post = worker.known_post

    def known_post(item: OutboxItem) -> tuple[str, str] | None:  # the enquiry archive, or the alert journal
        return (enquiry_post(item) if enquiry_post is not None else None) or campaign.known_post(item)

    worker.known_post = known_post
    bolt_app = build_app(settings, catalogue, usage=usage, enquiries=enquiries, loops=loops if start else None,
                         health=slack, figures=FigureServices(curating=curation, receipts=receipts,
                                                              reports=campaign.problems,
                                                              announce_report=campaign.announce_problem,
                                                              report_dealt=campaign.problem_dealt))
    delivered = worker.on_delivered

    def on_delivered(item: OutboxItem, channel: str, ts: str | None) -> None:
        if delivered is not None:
            delivered(item, channel, ts)
        slack.delivered(item.channel_key)
        campaign.on_delivered(item.id, item.kind, channel, ts)

    worker.on_delivered = on_delivered
    runtime = Runtime(settings, store, catalogue, outbox, worker, enquiries, campaign, bolt_app, usage, loops,
                      slack=slack, problems=problems, curation=curation)
    runtime.closers.append(curation.close)
    if start:
        # Start-up recovery (rebuilding the resubmission windows from the last day's records, queueing
        # what incoming/ holds) runs in the background, so the server listens at once with any backlog.
        loops.add(enquiries.recoverer())
        loops.add(worker.loop)
        loops.add(enquiries.queuer())
        loops.add(enquiries.escalator())
        # The archive is the truth: what the outbox lost is queued again, at once and then periodically.
        loops.add(enquiries.reconciler())
        # A `factbot` command's additions to the outbox are seen by the worker itself (SQLite's
        # data_version, within DeliveryWorker's IDLE_CHECK_SECONDS): no file to watch.
        campaign.start(loops)
        # Answers only count in memory; the counts reach the file here and at shutdown.
        loops.add(every(USAGE_FLUSH_SECONDS, usage.flush, "usage-flush"))
        loops.add(refresher(catalogue))
        # Receipts past FACTBOT_RECEIPTS_KEEP_DAYS are removed at start-up and then daily.
        loops.add(Loop("receipts-purge", lambda: _purge_receipts(receipts), RECEIPTS_PURGE_SECONDS))
        # What people typed in problem reports goes with the enquiry retention, once dealt with.
        loops.add(Loop("problem-reports-purge",
                       lambda: _erase_reports(campaign.problems, settings.factbot_retention_days),
                       RECEIPTS_PURGE_SECONDS))
    else:
        enquiries.recover()
    if not settings.factbot_enquiry_channel:
        log.warning("FACTBOT_ENQUIRY_CHANNEL is not set: enquiries are stored and held")
    health = enquiries.health()
    if health["held"]:
        log.warning("%d enquiry deliveries are held (see /healthz); `factbot enquiries retry` resends them",
                    health["held"])
    if health["urgent_held"]:
        log.error("urgent enquiry held: %s (see /healthz)", ", ".join(health["urgent_held"]))
    return runtime


def _purge_receipts(receipts: Receipts) -> None:
    removed = receipts.purge()
    if removed:
        log.info("%d receipt(s) of shared figures past their keeping time removed", removed)


def _erase_reports(reports: ProblemReports, days: int) -> None:
    erased = reports.erase_dealt(days)
    if erased:
        log.info("%d problem report(s) dealt with over %d days ago: their words were removed", erased, days)


def alert_channel(settings: Settings) -> str | None:
    """Where a held urgent enquiry is announced: the safeguarding lead's direct messages when the
    lead is a user (``U…``/``W…``: chat.postMessage to a user ID), else the campaign channel (a
    user group is mentioned there); ``None`` when neither is set."""
    lead = settings.factbot_safeguarding_lead
    return lead if lead and lead[0] in "UW" else settings.factbot_campaign_channel


def _enquiries(settings: Settings, catalogue: Catalogue, outbox: Outbox, worker: DeliveryWorker) -> EnquiryService:
    """The enquiry service, with the enquiry channel's privacy check and delivery hook on the worker."""
    service = EnquiryService(
        EnquiryArchive(archive_path(settings.factbot_db)), outbox,
        lead=settings.factbot_safeguarding_lead, retention_days=settings.factbot_retention_days,
        signposting=lambda: signposting(catalogue), wake=worker.wake,
        remind_after=dt.timedelta(minutes=settings.factbot_urgent_remind_minutes),
        channel_set=lambda: worker.channels.get(ENQUIRY_CHANNEL_KEY) is not None)
    worker.checks[ENQUIRY_CHANNEL_KEY] = check_private
    worker.known_post = service.known_post
    worker.render = service.current_message
    previous = worker.on_delivered

    def on_delivered(item: OutboxItem, channel: str, ts: str | None) -> None:
        if previous is not None:
            previous(item, channel, ts)
        service.on_delivered(item, channel, ts)

    worker.on_delivered = on_delivered
    return service


#: The state files beside the store that start afresh when damaged, and what that costs.
STATE_FILES = {
    "alerts": "the figures are taken as announced as they now stand, and this week's digest may go out again",
    "feeds": "each feed's newest few items may be offered again (an item still in the outbox or the alert "
             "journal is not posted twice)",
    "alert-journal": "alerts still waiting are posted from the outbox as before, but an outbox lost now "
                     "could not be rebuilt for them",
    "receipts": "corrections no longer follow figures shared before now",
    "problems": "reported problems no longer show in App Home",
    "proposals": "proposed figures and corrections waiting for a second curator no longer show",
    "usage": "counts of figures served and questions unanswered start again",
}


def _set_aside_damaged_state(settings: Settings, problems: list[str]) -> None:
    """Move each damaged state file (not valid JSON) to ``quarantine/`` so the server starts and
    everything else goes on: one bad file never stops the rest (issue 15). Each is named in the
    log and in ``/healthz`` with what starting afresh costs."""
    for name, cost in STATE_FILES.items():
        path = sibling_path(settings.factbot_db, name)
        why = unreadable(path)
        if why is None:
            continue
        moved = quarantine(path)
        log.error("%s; moved to %s and started afresh: %s", why, moved, cost)
        problems.append(f"{path.name} was damaged; it was moved to {moved} and started afresh ({cost}). "
                        f"Look at the moved file, restore it from a backup while the server is stopped, or delete it.")


def _open_facts(settings: Settings, problems: list[str]) -> tuple[FactStore, Catalogue]:
    """The facts store and its catalogue. A damaged store file does not stop the server (enquiry
    intake does not need it): it is moved to ``quarantine/`` and a new store imported from the
    curated files (their source of truth), which loses only the figures' version history."""
    try:
        store = open_facts(settings)
        return store, Catalogue.from_store(store)
    except ValueError as exc:
        moved = quarantine(settings.factbot_db)
        log.error("%s; moved to %s and the figures imported again from the curated files (their history "
                  "of earlier versions is in the moved file)", str(exc).split(";")[0], moved)
        problems.append(f"The facts store was damaged; it was moved to {moved} and the figures imported again "
                        f"from the curated files. Look at the moved file, then delete it.")
        store = open_facts(settings)
        return store, Catalogue.from_store(store)
