"""Everything a running server holds, built once from the settings.

``Runtime`` is what ``factbot serve`` starts and what the web endpoints and
Slack listeners are given: the settings, the facts store and the in-memory
catalogue, the outbox with its delivery worker, and the Bolt app.

Files: the facts store is ``FACTBOT_DB``; the outbox (and other stores)
sit beside it as ``<stem>-<name>.json``, one ``TinyDB`` object per file per
process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from slack_bolt import App

from bot.app import build_app, web_client
from bot.delivery import DeliveryWorker
from bot.enquiries import attach as attach_enquiries
from bot.settings import Settings
from facts.catalogue import Catalogue
from facts.outbox import Outbox
from facts.store import FactStore, open_store


def sibling_path(db: Path, name: str) -> Path:
    """``data/factbot.json`` + ``"outbox"`` → ``data/factbot-outbox.json``."""
    db = Path(db)
    return db.with_name(f"{db.stem}-{name}{db.suffix or '.json'}")


@dataclass
class Runtime:
    """The live parts of the service (see the module docstring)."""

    settings: Settings
    store: FactStore
    catalogue: Catalogue
    outbox: Outbox
    worker: DeliveryWorker
    bolt_app: App
    #: Run at shutdown, last registered first.
    closers: list[Callable[[], None]] = field(default_factory=list)
    #: Website enquiries (``bot.enquiries.EnquiryService``).
    enquiries: Any = None

    def channels(self) -> dict[str, str | None]:
        """Where each kind of delivery goes, by channel key."""
        return {"enquiry": self.settings.factbot_enquiry_channel, "campaign": self.settings.factbot_campaign_channel}

    def close(self) -> None:
        for closer in reversed(self.closers):
            closer()
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
    bolt_app = build_app(settings, catalogue)
    runtime = Runtime(settings, store, catalogue, outbox, worker, bolt_app)
    runtime.enquiries = attach_enquiries(runtime, start=start)
    if start:
        worker.start()
    return runtime
