"""Everything a running server holds, built once from the settings.

``Runtime`` is what ``factbot serve`` starts and what the web endpoints and
Slack listeners are given: the settings, the facts store and the in-memory
catalogue, the outbox with its delivery worker, and the Bolt app.

Files: the facts store is ``FACTBOT_DB``; the outbox (and other stores)
sit beside it as ``<stem>-<name>.json``, one ``TinyDB`` object per file per
process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import App

from bot.app import build_app, web_client
from bot.campaign import Campaign
from bot.delivery import DeliveryWorker
from bot.enquiry_service import attach as attach_enquiries
from bot.loops import every, watch_file
from bot.settings import Settings
from facts.figures.catalogue import Catalogue
from facts.figures.store import FactStore, open_store
from facts.figures.usage import USAGE_FLUSH_SECONDS, Usage
from facts.outbox import Outbox
from facts.persistence import sibling_path


@dataclass
class Runtime:
    """The live parts of the service (see the module docstring)."""

    settings: Settings
    store: FactStore
    catalogue: Catalogue
    outbox: Outbox
    worker: DeliveryWorker
    bolt_app: App
    usage: Usage
    #: Run at shutdown, last registered first.
    closers: list[Callable[[], None]] = field(default_factory=list)
    #: Campaign alerts: updates, feeds, figure changes, reviews due (issue 4).
    campaign: Campaign | None = None
    #: Website enquiries (``bot.enquiry_service.EnquiryService``).
    enquiries: Any = None

    def close(self) -> None:
        """Stop the background work and write what is only in memory (usage counts)."""
        for closer in reversed(self.closers):
            closer()
        self.usage.flush()
        self.worker.stop()
        self.outbox.close()
        self.store.close()


def build_runtime(settings: Settings, *, start: bool = True) -> Runtime:
    """Open the stores, build the app and (``start=True``) start the delivery worker."""
    store = open_store(settings.factbot_db)
    catalogue = Catalogue.from_store(store)
    outbox = Outbox(sibling_path(settings.factbot_db, "outbox"))
    client = web_client(settings, settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None,
                        retries=False)
    channels = {"enquiry": settings.factbot_enquiry_channel, "campaign": settings.factbot_campaign_channel}
    worker = DeliveryWorker(outbox, client, channels)
    usage = Usage(sibling_path(settings.factbot_db, "usage"))
    bolt_app = build_app(settings, catalogue, usage=usage)
    runtime = Runtime(settings, store, catalogue, outbox, worker, bolt_app, usage)
    runtime.campaign = Campaign(settings, outbox, store, wake=worker.wake)
    runtime.closers.append(runtime.campaign.close)
    runtime.enquiries = attach_enquiries(runtime, start=start)
    if start:
        worker.start()
        # A `factbot` command adds to the outbox from its own process: deliver within a second.
        runtime.closers.append(watch_file(outbox.path, worker.wake))
        runtime.campaign.start()
        # Answers only count in memory; the counts reach the file here and at shutdown.
        runtime.closers.append(every(USAGE_FLUSH_SECONDS, usage.flush, "usage-flush").set)
    return runtime
