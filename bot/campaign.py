"""The campaign team's alerts: updates, news feeds, figure changes, reviews due.

:class:`Campaign` is used by the server (``start()`` runs its threads) and
by ``factbot`` commands (each call does one thing and returns). Every alert
is journalled (``facts.campaign.journal``: the truth the outbox is rebuilt
from), then goes into the shared outbox with channel key ``campaign``
(``FACTBOT_CAMPAIGN_CHANNEL``) and a dedupe key, and the server's delivery
worker posts it exactly once; a command only writes the journal and the
outbox, and the server notices the file changed within a second and wakes its worker.

Files beside the store: ``<stem>-alerts.json`` (:class:`CampaignState`),
``<stem>-feeds.json`` (:class:`FeedState`) and ``<stem>-alert-journal.json``
(:class:`AlertJournal`).

Loops started by :meth:`Campaign.start` (``bot.loops``):

- ``campaign-watch`` (every second): announces figure changes when the
  store file changed, and sends the weekly digest when due. (Items a
  command adds to the outbox wake the worker through the runtime's watch.)
- ``feed-poller``: polls the feeds at start-up, then every
  ``FACTBOT_FEED_INTERVAL`` seconds.
- ``campaign-reconcile``: at start-up, then every :data:`RECONCILE_SECONDS`,
  queues again every journalled alert that neither Slack nor the outbox has
  (an outbox emptied, removed, damaged or restored from an older backup).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable

from bot.digest import due_week, london_today, week_key
from bot.feed_poller import KIND as FEED_KIND
from bot.feed_poller import FeedPoller
from bot.loops import Loop, Loops
from bot.settings import Settings
from facts.campaign.feeds import FeedState, parse_feed_specs
from facts.campaign.journal import AlertJournal, AlertQueue, Entry, alert_id
from facts.campaign.messages import campaign_update_card, change_lines, digest_card, figure_change_card
from facts.campaign.state import CampaignState
from facts.campaign.update import CampaignUpdate
from facts.clock import utc_now
from facts.figures.changes import ALERT_FIELDS, FigureChange, changes_since, current_snapshot
from facts.figures.check import FigureBook, check_text
from facts.figures.check_messages import alert_reply
from facts.figures.messages import version
from facts.figures.problem_reports import KIND as PROBLEM_KIND
from facts.figures.problem_reports import ProblemReport, ProblemReports, dealt_reply, report_card
from facts.figures.receipts import KIND as CORRECTION_KIND
from facts.figures.receipts import Receipts, correction_key, correction_reply, needs_correction, version_in
from facts.figures.reviews import reviews_due
from facts.figures.store import FactStore
from facts.outbox import HELD, IN_MESSAGE, Outbox, OutboxItem
from facts.persistence import file_stamp, sibling_path

log = logging.getLogger(__name__)

CHANNEL_KEY = "campaign"
#: Seconds between the watch thread's looks at the files and the clock.
WATCH_INTERVAL = 1.0
#: Seconds between checks of the alert journal against the outbox, after the one at start-up.
RECONCILE_SECONDS = 300.0
#: The outbox kind of a curation notice (a proposal made or rejected).
CURATION_KIND = "curation"
#: Every outbox kind the campaign side queues (all journalled): delivery records these in the journal.
KINDS = frozenset({"campaign", "figure-check", "figure", "digest", FEED_KIND, CURATION_KIND, PROBLEM_KIND,
                   CORRECTION_KIND})


class Campaign:
    """Campaign alerts for one process. ``close()`` when done.

    ``store`` is the facts store, ``outbox`` the shared outbox, ``wake``
    the delivery worker's wake-up (``None`` in a command), ``receipts`` where
    figures were posted visibly (default: the receipts file beside the store).
    """

    def __init__(self, settings: Settings, outbox: Outbox, store: FactStore, *,
                 wake: Callable[[], None] | None = None, receipts: Receipts | None = None):
        self.settings = settings
        self.outbox = outbox
        self.store = store
        self.wake = wake or (lambda: None)
        self.receipts = receipts or open_receipts(settings)
        #: Problems reported on figures (Report a problem), beside the store.
        self.problems = ProblemReports(sibling_path(settings.factbot_db, "problems"))
        self.state = CampaignState(sibling_path(settings.factbot_db, "alerts"))
        self.feeds = FeedState(sibling_path(settings.factbot_db, "feeds"))
        #: Every alert goes through here: journalled, then queued (``facts.campaign.journal``).
        self.alerts = AlertQueue(AlertJournal(sibling_path(settings.factbot_db, "alert-journal")), outbox)
        self.poller = FeedPoller(parse_feed_specs(settings.factbot_feeds), self.feeds, self.alerts,
                                 timeout=settings.factbot_feed_timeout, on_enqueued=self.wake,
                                 on_item=self.check_alert)
        self._book: tuple[tuple[int, int] | None, FigureBook] | None = None
        self._digest_done: str | None = None  # the week known to be done, to spare reading the file
        self._logged: dict[str, float] = {}  # step name -> when its failure was last logged
        self._stamps: dict[str, tuple[int, int] | None] = {}

    # -- campaign updates --------------------------------------------------

    def submit_update(self, update: CampaignUpdate) -> tuple[str, bool]:
        """Enqueue a campaign update card; ``(id, created)``. The same update again returns its id, unposted."""
        key = update.dedupe_key()
        with self.state.locked():
            known = self.state.update_id(key)
            if known:
                return known, False
            item_id, _ = self.alerts.add("campaign", CHANNEL_KEY,
                                         campaign_update_card(update.title, update.url, update.summary),
                                         item_id=f"CAMPAIGN-{key[:16]}", dedupe_key=f"campaign-{key}")
            self.check_alert(item_id, " ".join(p for p in (update.title, update.summary) if p))
            self.state.add_update(key, item_id)
        self.wake()
        return item_id, True

    # -- alerts check their own figures ----------------------------------------

    def check_alert(self, card_id: str, text: str) -> bool:
        """Enqueue one thread reply under the card ``card_id`` when ``text`` quotes a figure that
        differs from, or is an out-of-date version of, a curated figure; True when one is (or was
        already) queued. The reply's dedupe key is derived from the card, so checking the same card
        again (a resubmitted update, a feed polled again after a restart) adds nothing."""
        try:
            reply = alert_reply(check_text(text, self._figure_book()))
        except Exception as exc:  # the card stands without its check
            log.error("figure check of %s failed: %s", card_id, type(exc).__name__)
            return False
        if reply is None:
            return False
        _, created = self.alerts.add("figure-check", CHANNEL_KEY, reply, reply_to=card_id,
                                     dedupe_key=f"figure-check-{card_id}")
        if created:
            log.info("%s quotes a figure that does not match; a figure check is queued for its thread", card_id)
        return True

    def _figure_book(self) -> FigureBook:
        stamp = file_stamp(self.store.path)
        if self._book is None or self._book[0] != stamp or stamp is None:
            self._book = (stamp, FigureBook(self.store.facts()))
        return self._book[1]

    # -- figure changes ----------------------------------------------------

    def ensure_baseline(self) -> bool:
        """Record the store as already announced if nothing was ever recorded; True if it did."""
        with self.state.locked():
            if self.state.figures():  # None, or {} recorded from an empty store: not a baseline
                return False
            self.state.set_figures(current_snapshot(self.store))
            return True

    def check_figures(self) -> list[FigureChange]:
        """Enqueue one card per figure added, changed or retired since the last check.

        The very first check records the store without announcing it (a new
        install does not post every figure).
        """
        if self.ensure_baseline():
            return []
        with self.state.locked():
            previous = self.state.figures() or {}
            changes, snapshot = changes_since(previous, self.store)
            self.alerts.add_all(Entry(alert_id("figure", change.dedupe_key), "figure", CHANNEL_KEY,
                                      figure_change_card(change), change.dedupe_key) for change in changes)
            corrections = sum(self.queue_corrections(change.fact.id) for change in changes if change.kind != "added")
            if snapshot != previous:
                self.state.set_figures(snapshot)
        if changes:
            log.info("%d figure change(s) announced, %d correction(s) queued under earlier posts",
                     len(changes), corrections)
            self.wake()
        return changes

    # -- problems reported ---------------------------------------------------------

    def announce_problem(self, report: ProblemReport) -> None:
        """Queue the campaign channel's card for a reported problem (once per report)."""
        found = self.store.get(report.figure)
        self.alerts.add(PROBLEM_KIND, CHANNEL_KEY, report_card(report, found[0] if found else None),
                        item_id=report.card_id, dedupe_key=f"problem-{report.id}")
        self.wake()

    def problem_dealt(self, report: ProblemReport) -> None:
        """Queue a reply under the report's card saying who dealt with it (once): in the thread
        recorded when the card was delivered, else after the card (in the outbox, or in the journal)."""
        reply = dealt_reply(report)
        if report.channel and report.ts:
            self.alerts.add(PROBLEM_KIND, IN_MESSAGE, {**reply, "channel": report.channel, "thread_ts": report.ts},
                            dedupe_key=f"problem-dealt-{report.id}")
        elif (self.outbox.find(item_id=report.card_id) is not None
              or self.alerts.journal.get(report.card_id) is not None):
            self.alerts.add(PROBLEM_KIND, CHANNEL_KEY, reply, reply_to=report.card_id,
                            dedupe_key=f"problem-dealt-{report.id}")
        self.wake()

    def on_delivered(self, item_id: str, kind: str, channel: str, ts: str | None) -> None:
        """Delivery hook: record the alert as posted in the journal, and remember where a report's
        card was posted (for the dealt-with reply). Other kinds (enquiries) read no file here."""
        if kind in KINDS:
            self.alerts.delivered(item_id, channel, ts)
        if kind == PROBLEM_KIND and item_id.startswith("PROBLEM-"):
            self.problems.card_posted(item_id, channel, ts)

    def known_post(self, item: OutboxItem) -> tuple[str, str] | None:
        """The worker's check before posting: ``(channel, ts)`` when the journal records this
        campaign alert as posted (an outbox restored from an older backup), else ``None``."""
        return self.alerts.known_post(item) if item.kind in KINDS else None

    def announce(self, dedupe_key: str, message: dict) -> None:
        """Queue a curation notice (a proposal made or rejected) for the campaign channel, once per key."""
        self.alerts.add(CURATION_KIND, CHANNEL_KEY, message, dedupe_key=dedupe_key)
        self.wake()

    # -- the outbox is rebuilt from the journal ---------------------------------------

    def reconcile(self) -> int:
        """Queue again every alert decided but neither posted nor in the outbox (in doubt: the worker
        looks for an earlier post first); returns how many (``AlertQueue.reconcile``)."""
        queued = self.alerts.reconcile()
        if queued:
            log.warning("%d campaign alert(s) were decided but not in Slack or the outbox; queued again "
                        "(each is looked for in Slack before posting)", queued)
            self.wake()
        return queued

    def _reconcile_step(self) -> None:
        self.reconcile()

    # -- corrections under earlier posts -------------------------------------------

    def queue_corrections(self, fact_id: str) -> int:
        """Queue one thread reply under every earlier visible post of ``fact_id`` that shows a
        version no longer current (``facts.figures.receipts``); returns how many were queued.
        Each receipt is told once per version: the receipt remembers it, and the outbox's dedupe
        key covers a crash in between."""
        found = self.store.get(fact_id)
        if found is None:
            return 0
        fact, history = found
        queued = 0
        for receipt in self.receipts.for_figure(fact_id):
            if not needs_correction(receipt, fact):
                continue
            new = fact.model_dump(mode="json")
            old = version_in(history, receipt.version) or {}
            rows = change_lines({name: (old.get(name), new.get(name)) for name in ALERT_FIELDS
                                 if old and old.get(name) != new.get(name)})
            replacement = None
            if fact.superseded_by:
                replaced_by = self.store.get(fact.superseded_by)
                replacement = replaced_by[0] if replaced_by and replaced_by[0].servable else None
            reply = correction_reply(receipt, fact, rows, note=self.store.change_note(fact_id),
                                     replacement=replacement)
            _, created = self.alerts.add(CORRECTION_KIND, IN_MESSAGE,
                                         {**reply, "channel": receipt.channel, "thread_ts": receipt.ts},
                                         dedupe_key=correction_key(receipt, fact))
            self.receipts.mark_told(receipt, version(fact))
            queued += created
        return queued

    # -- reviews due -------------------------------------------------------

    def send_digest(self, now: dt.datetime | None = None, *, week: str | None = None) -> tuple[str, int]:
        """Enqueue the reviews-due digest for ``week`` (default: this week) unless that week's is done.

        Returns ``(outcome, figures due)``; outcome is ``posted``,
        ``nothing due`` (nothing sent) or ``already sent``. Only a posted
        digest makes a later call answer ``already sent``: after the
        scheduler found nothing due, ``factbot campaign digest`` can still
        send this week's once figures fall due.
        """
        now = now or utc_now()
        week = week or week_key(london_today(now))
        with self.state.locked():
            if self.state.digest_week() == week:
                return "already sent", 0
            due = reviews_due(self.store.facts(), london_today(now))
            if not due:
                return "nothing due", 0
            self.alerts.add("digest", CHANNEL_KEY, digest_card(due, london_today(now)), dedupe_key=week)
            self.state.set_digest_week(week)
        self.wake()
        return "posted", len(due)

    def digest_if_due(self, now: dt.datetime | None = None) -> str | None:
        """The scheduler's step: send this week's digest when its time has come; the outcome, or ``None``."""
        now = now or utc_now()
        day, at = self.settings.factbot_digest_day, self.settings.factbot_digest_time
        if due_week(now, day, at, self._digest_done) is None:  # most ticks: no file read
            return None
        week = due_week(now, day, at, self.state.checked_week())
        if week is None:
            self._digest_done = week_key(london_today(now))
            return None
        outcome, count = self.send_digest(now, week=week)
        if outcome == "nothing due":
            with self.state.locked():
                self.state.set_checked_week(week)  # checked at its time: no digest this week
        self._digest_done = week
        log.info("weekly digest %s: %s (%d figure(s))", week, outcome, count)
        return outcome

    # -- the server's threads ----------------------------------------------

    def release_unset_channel_holds(self) -> int:
        """Put back alerts held because the campaign channel was unset, now that it is set."""
        if not self.settings.factbot_campaign_channel:
            return 0
        ids = [i.id for i in self.outbox.items(HELD) if i.error == f"{CHANNEL_KEY}_channel_not_set"]
        return self.outbox.release(item_ids=ids) if ids else 0

    def start(self, loops: Loops) -> None:
        """Start the watch loop and the feed poller in ``loops`` (see the module docstring)."""
        released = self.release_unset_channel_holds()
        if released:
            log.info("%d campaign alert(s) held for an unset channel released", released)
        loops.add(Loop("campaign-reconcile", self._reconcile_step, RECONCILE_SECONDS))
        loops.add(Loop("campaign-watch", self._watch_step, WATCH_INTERVAL))
        if self.poller.specs:
            loops.add(self.poller.loop(self.settings.factbot_feed_interval))

    def _watch_step(self) -> None:
        steps = {"store": (self.store.path, self.check_figures)}
        for name, (path, action) in steps.items():
            stamp = file_stamp(path)
            if stamp != self._stamps.get(name, ()) and self._safely(name, action):
                self._stamps[name] = stamp  # a failed step is tried again on the next tick
        self._safely("digest", self.digest_if_due)

    def _safely(self, name: str, action: Callable[[], object]) -> bool:
        try:
            action()
            return True
        except Exception as exc:  # keep watching; logged at most once a minute per step
            now = time.monotonic()
            if now - self._logged.get(name, -60.0) >= 60.0:
                self._logged[name] = now
                log.error("campaign %s step failed: %s", name, type(exc).__name__)
            return False

    def close(self) -> None:
        """Close the state files (stop the loops first: the runtime does)."""
        self.state.close()
        self.feeds.close()
        self.alerts.journal.close()
        self.receipts.close()
        self.problems.close()


def open_receipts(settings: Settings) -> Receipts:
    """The receipts file beside the store (``<stem>-receipts.json``), kept ``FACTBOT_RECEIPTS_KEEP_DAYS``."""
    return Receipts(sibling_path(settings.factbot_db, "receipts"), settings.factbot_receipts_keep_days)
