"""Website enquiries end to end: intake, delivery hooks, Claim / Mark responded, purge.

:class:`EnquiryService` is what the web endpoint (``handlers.enquiries.intake``),
the Slack buttons (``handlers.enquiries.actions``) and ``factbot enquiries``
call. It keeps one order everywhere:

1. the enquiry is written to the archive's ``incoming/`` folder (one small
   file, fsynced: ``facts.enquiries.archive``), and the intake answers 202;
2. the queuer thread puts its post in the outbox under the same id (the
   reference), moves the file out of ``incoming/`` and wakes the delivery
   worker, within milliseconds;
3. the worker posts it and records the ``ts``.

Only one write is on the intake's path because an outbox write (TinyDB,
whole file replaced atomically) costs about two fsync'd writes on its own
(see the README's benchmark). ``incoming/`` is the durable hand-over: what a
crash leaves there is queued again at start-up (:meth:`recover`), and
queueing is idempotent, so each enquiry is posted once. A resubmission
(same Idempotency-Key, or the same content within 10 minutes) finds the same
reference and adds nothing. Log lines name references and Slack error codes,
never personal details.
"""

from __future__ import annotations

import datetime as dt
import errno
import logging
import queue
import time
from collections.abc import Callable

from slack_sdk import WebClient

from bot.delivery import Stale
from bot.loops import DONE, Loop
from facts.clock import utc_now
from facts.enquiries import messages as render
from facts.enquiries.archive import EnquiryArchive
from facts.enquiries.claims import ACTIONS, apply_event
from facts.enquiries.escalation import LOOK_BACK, elapsed, reminders_due, waiting
from facts.enquiries.meaning import assess
from facts.enquiries.model import (
    ALERT_KEY,
    CHANNEL_KEY,
    KIND,
    EnquiryForm,
    EnquiryRecord,
    Event,
    Submission,
    reference_of,
)
from facts.enquiries.retention import PurgeReport, purge
from facts.outbox import DELIVERED, HELD, Outbox, OutboxItem, lookup_after

log = logging.getLogger(__name__)

#: How often the archive is checked against the outbox and Slack (seconds), after the check at start-up.
RECONCILE_SECONDS = 300.0



class EnquiryService:
    """Enquiries over an :class:`EnquiryArchive` and an :class:`Outbox`.

    ``lead``: the safeguarding lead's user or user-group ID (urgent posts
    mention it). ``signposting()``: the emergency signposting returned with
    an urgent enquiry. ``wake()``: tells the delivery worker to deliver now.
    ``remind_after``: how long an urgent enquiry may wait unclaimed before its
    first reminder (``facts.enquiries.escalation``). ``channel_set()``: whether the enquiry
    channel is configured now (a post held because it was not is then waiting for
    ``factbot enquiries retry``, and the lead is not told it is unset); ``None``: not known.
    """

    def __init__(self, archive: EnquiryArchive, outbox: Outbox, *, lead: str | None = None,
                 retention_days: int = 90, signposting: Callable[[], list[dict]] = list,
                 wake: Callable[[], None] = lambda: None, now: Callable[[], dt.datetime] = utc_now,
                 remind_after: dt.timedelta = dt.timedelta(minutes=15),
                 channel_set: Callable[[], bool] | None = None):
        self.archive = archive
        self.channel_set = channel_set
        self.outbox = outbox
        self.lead = lead
        self.retention_days = retention_days
        self.signposting = signposting
        self.wake = wake
        self.now = now
        self.remind_after = remind_after
        self._handover: queue.Queue[str] = queue.Queue()
        self._queuer: Loop | None = None
        #: References :meth:`reconcile` need not read again (posted and recorded, or purged).
        self._settled: set[str] = set()
        #: Why the last enquiry could not be stored (an errno name), until one is stored again.
        self.store_failure: str | None = None

    # -- intake ----------------------------------------------------------------

    def submit(self, form: EnquiryForm, idempotency_key: str | None = None) -> Submission:
        """Store an enquiry durably; returns its :class:`Submission`.

        Blocking (a file write with fsync): call it from a worker thread.
        Raises ``OSError`` when it cannot be stored; then nothing is kept.
        With the queuer running (:meth:`start`), call :meth:`hand_over` once
        the 202 is sent; without it, the enquiry is queued before this returns.
        """
        triage = assess(form.name, form.organisation, form.message).reasons
        try:
            record, created = self.archive.create(form, triage=triage, idempotency_key=idempotency_key,
                                                  now=self.now())
        except OSError as exc:
            self.store_failure = errno.errorcode.get(exc.errno or 0, type(exc).__name__)
            raise
        self.store_failure = None
        if not created:
            log.info("%s submitted again; not posted again", record.reference)
        else:
            log.info("%s accepted%s", record.reference, " (urgent)" if record.urgent else "")
            if self._queuer is None:
                self._queue_quietly(record.reference)
        return Submission(record.reference, created, record.urgent, tuple(record.triage))

    def hand_over(self, reference: str) -> None:
        """Ask the queuer to put a stored enquiry in the outbox now (after the 202 is sent:
        waking the queuer earlier would compete with the answer). Without a queuer, a no-op;
        one not handed over is found by the queuer's sweep of ``incoming/`` within seconds."""
        if self._queuer is not None:
            self._handover.put(reference)
            self._queuer.wake()

    def queue(self, reference: str) -> None:
        """Put the enquiry's post (and long-message reply) in the outbox, then mark it queued.

        Idempotent: ids already in the outbox are left as they are, and an
        enquiry already posted or purged is only marked. Raises on I/O errors
        (the enquiry stays in ``incoming/``).
        """
        record = self.archive.get(reference)
        if record is None:
            return
        if record.ts is None and record.purged_at is None:
            self.outbox.enqueue(KIND, CHANNEL_KEY, self._post(record), item_id=record.reference)
            reply = render.full_message_reply(record)
            if reply is not None:
                self.outbox.enqueue(KIND, CHANNEL_KEY, reply, item_id=f"{record.reference}-full",
                                    reply_to=record.reference)
        self.archive.mark_queued(reference)
        self.wake()

    def _queue_quietly(self, reference: str) -> bool:
        try:
            self.queue(reference)
            return True
        except Exception as exc:  # it stays in incoming/ and is tried again
            log.error("%s could not be queued yet: %s", reference, type(exc).__name__)
            return False

    def queuer(self, sweep: float = 5.0) -> Loop:
        """The queuer loop (``bot.loops``), not started.

        It queues what :meth:`hand_over` gives it and, every ``sweep``
        seconds, whatever else is waiting in ``incoming/`` (an enquiry whose
        hand-over was lost, or one whose queueing failed: retried until the
        outbox can be written).
        """
        last_sweep = [time.monotonic()]

        def step() -> float:
            while True:
                try:
                    reference = self._handover.get_nowait()
                except queue.Empty:
                    break
                try:
                    self._queue_quietly(reference)
                finally:
                    self._handover.task_done()
            if time.monotonic() - last_sweep[0] >= sweep:
                for record in self._waiting():
                    self._queue_quietly(record.reference)
                last_sweep[0] = time.monotonic()
            return max(sweep - (time.monotonic() - last_sweep[0]), 0.0)

        self._queuer = Loop("enquiry-queuer", step, sweep, first_wait=sweep)
        return self._queuer

    def start(self, sweep: float = 5.0) -> Callable[[], None]:
        """Start :meth:`queuer` on its own; returns a function that stops it (tests, benchmarks)."""
        loop = self.queuer(sweep).start()
        return loop.stop

    def _waiting(self) -> list[EnquiryRecord]:
        try:
            return self.archive.incoming()
        except (OSError, ValueError) as exc:
            log.error("cannot read the enquiries not yet queued: %s", type(exc).__name__)
            return []

    def wait_queued(self) -> None:
        """Block until every enquiry handed to the queuer is in the outbox (benchmarks, tests)."""
        self._handover.join()

    def _post(self, record: EnquiryRecord) -> dict:
        return render.post(record, lead=self.lead, retention_days=self.retention_days)

    def recover(self) -> int:
        """At start-up: rebuild the intake windows and queue whatever is still in
        ``incoming/``; returns how many were queued. (Everything else the outbox may
        have lost is found by :meth:`reconcile`, in the background.)"""
        removed = self.archive.remove_stale_temporary_files()
        if removed:
            log.warning("removed %d half-written enquiry file(s) left by a crash (never answered 202)", removed)
        self.archive.load_recent(self.now())
        queued = 0
        for record in self.archive.incoming():
            log.warning("%s was stored but not queued before the restart; queueing it now", record.reference)
            queued += self._queue_quietly(record.reference)  # one that fails is retried by the sweep
        return queued

    def recoverer(self) -> Loop:
        """:meth:`recover` once, in the background (``bot.loops``), not started: the server
        listens at once whatever the archive holds; an intake arriving before the windows are
        rebuilt waits for them (:meth:`EnquiryArchive.loading`). An error is retried with backoff."""
        self.archive.loading()

        def step() -> float:
            self.recover()
            return DONE

        return Loop("enquiry-recovery", step, 5.0)

    # -- the archive is the truth -------------------------------------------------

    def reconcile(self) -> int:
        """Queue again every archived enquiry that Slack does not have (no ``ts``) and the
        outbox does not hold (emptied, removed, damaged, or restored from an older backup);
        returns how many items were queued.

        Each is queued *in doubt*: the worker looks for an earlier post (by its
        reference in message metadata, in the channel from a day before the
        enquiry arrived) before posting, so an enquiry posted but not recorded
        is not posted twice. Also records deliveries the outbox knows and the
        archive does not. Records settled for good (posted and recorded, or
        purged) are remembered and not read again by later runs. Purged
        records are left to the purge. Idempotent; safe beside the queuer.
        """
        queued = 0
        for record in self.archive.filed(skip=self._settled):
            queued += self._reconcile(record)
        if queued:
            log.warning("%d enquiry post(s) were in the archive but not in Slack or the outbox; queued again "
                        "(each is looked for in Slack before posting)", queued)
            self.wake()
        return queued

    def _reconcile(self, record: EnquiryRecord) -> int:
        reference = record.reference
        if record.purged_at is not None:
            self._settled.add(reference)
            return 0
        if record.ts is None:
            main = self.outbox.find(item_id=reference)
            if main is None:
                return self._queue_again(record)
            if main.state != DELIVERED or not main.ts or not main.channel:
                return 0  # waiting, held or being sent: the outbox has it
            self._record_delivery(main, main.channel, main.ts)
            record = record.model_copy(update={"channel": main.channel, "ts": main.ts})
        reply = render.full_message_reply(record)
        if reply is None or record.reply_ts:
            self._settled.add(reference)
            return 0
        full = self.outbox.find(item_id=f"{reference}-full")
        if full is None:  # its thread is known from the archive: the parent item may be long gone
            self.outbox.enqueue(KIND, CHANNEL_KEY, {**reply, "thread_ts": record.ts}, item_id=f"{reference}-full",
                                in_doubt=True, after_ts=record.ts)
            return 1
        if full.state == DELIVERED and full.ts:
            self._record_delivery(full, full.channel, full.ts)
            self._settled.add(reference)
        return 0

    def _queue_again(self, record: EnquiryRecord) -> int:
        self.outbox.enqueue(KIND, CHANNEL_KEY, self._post(record), item_id=record.reference,
                            in_doubt=True, after_ts=lookup_after(record.received_at))
        reply = render.full_message_reply(record)
        if reply is not None:
            self.outbox.enqueue(KIND, CHANNEL_KEY, reply, item_id=f"{record.reference}-full",
                                reply_to=record.reference, in_doubt=True)
        log.warning("%s is in the archive but neither in Slack nor in the outbox; queued again", record.reference)
        return 1 + (reply is not None)

    def reconciler(self, interval: float = RECONCILE_SECONDS) -> Loop:
        """The loop running :meth:`reconcile` at once and then every ``interval`` seconds, not started."""
        def step() -> None:
            self.reconcile()

        return Loop("enquiry-reconcile", step, interval)

    def known_post(self, item: OutboxItem) -> tuple[str, str] | None:
        """The worker's check before posting: ``(channel, ts)`` when the archive already records
        this enquiry's post (or long-message reply), else ``None``. One small file read."""
        reference = reference_of(item.id)
        if item.kind != KIND or reference is None or item.id not in (reference, f"{reference}-full"):
            return None
        record = self.archive.get(reference)
        if record is None or not record.channel:
            return None
        ts = record.ts if item.id == reference else record.reply_ts
        return (record.channel, ts) if ts else None

    def current_message(self, item: OutboxItem) -> dict | None:
        """The worker's rendering hook, just before it sends ``item``: an enquiry's post is
        rendered again from the archive with the settings of now (a post accepted or held while
        no safeguarding lead was set mentions the lead once one is); a held-alert is sent only
        while the post it is about is still held (else :class:`~bot.delivery.Stale`: discarded,
        see docs/decisions.md 2026-12-02), and names that hold's reason. ``None``: as queued."""
        reference = reference_of(item.id)
        if item.kind != KIND or reference is None or item.method != "chat.postMessage":
            return None
        if item.id == f"{reference}-held-alert":
            post = self.outbox.find(item_id=reference)
            if post is None or post.state != HELD or not self._hold_stands(post.error):
                raise Stale(item.id)
            return render.held_alert(reference, post.error or "unknown", lead=self.lead)
        if item.id != reference or item.channel_key != CHANNEL_KEY:
            return None  # the long-message reply and staff-action replies do not depend on settings
        record = self.archive.get(reference)
        return None if record is None else self._post(record)

    # -- delivery ----------------------------------------------------------------

    def on_delivered(self, item: OutboxItem, channel: str, ts: str | None) -> None:
        """Delivery hook: records where the post (and its long-message reply) landed."""
        if item.kind == KIND:
            self._record_delivery(item, channel, ts)

    def _record_delivery(self, item: OutboxItem, channel: str | None, ts: str | None) -> None:
        reference = reference_of(item.id)
        if reference is None or ts is None:
            return
        if item.id == reference:
            self.archive.update(reference, lambda r: r.model_copy(update={"channel": channel, "ts": ts}))
        elif item.id == f"{reference}-full":
            self.archive.update(reference, lambda r: r.model_copy(update={"reply_ts": ts}))

    # -- Claim / Release / Mark responded --------------------------------------------

    def act(self, reference: str, action_id: str, user: str, channel: str | None = None,
            ts: str | None = None) -> str | None:
        """Record a button press by ``user`` and queue the message edit and the thread reply.

        ``channel``/``ts``: the message the button was on (used when the
        record does not know its post yet). Returns a note for the person
        who pressed (shown only to them), or ``None`` when it was done.
        """
        action = ACTIONS.get(action_id)
        if action is None:
            return "That button is not known."
        note: list[str] = []
        changed: list[bool] = []
        event = Event(action=action, user=user, at=self.now())

        def change(record: EnquiryRecord) -> EnquiryRecord | None:
            if record.purged_at:
                note.append(f"{record.reference} was purged; nothing can be changed.")
                return None
            updated = apply_event(record, event, note)
            if updated is None:
                return None
            changed.append(True)
            return updated.model_copy(update={"history": [*record.history, event]})

        record = self.archive.update(reference, change)
        if record is None:
            return f"No enquiry {reference} is on record."
        if not changed:
            return note[0] if note else None
        where_channel, where_ts = record.channel or channel, record.ts or ts
        if where_channel and where_ts:
            self._queue_edit(record, where_channel, where_ts, event)
        log.info("%s %s", record.reference, action)
        return None

    def _queue_edit(self, record: EnquiryRecord, channel: str, ts: str, event: Event) -> None:
        number = len(record.history)
        message = {**self._post(record), "channel": channel, "ts": ts}
        for item in self.outbox.items_with_prefix(f"{record.reference}-"):  # an older edit still waiting
            if item.method == "chat.update" and item.state != DELIVERED and reference_of(item.id) == record.reference:
                self.outbox.update_message(item.id, message)
        self.outbox.enqueue(KIND, CHANNEL_KEY, message, item_id=f"{record.reference}-u{number}", method="chat.update")
        self.outbox.enqueue(KIND, CHANNEL_KEY, render.action_reply(event, ts), item_id=f"{record.reference}-r{number}")
        self.wake()

    # -- retention ------------------------------------------------------------------

    def purge(self, days: int | None = None, references: tuple[str, ...] = ()) -> PurgeReport:
        """See :func:`facts.enquiries.retention.purge` (``days`` defaults to the retention setting)."""
        report = purge(self.archive, self.outbox, self.now(), days or self.retention_days, references, lead=self.lead)
        if report.edits:
            self.wake()
        return report

    # -- escalation -------------------------------------------------------------------

    def held_urgent(self) -> list[tuple[str, str]]:
        """``(reference, Slack error)`` of each urgent enquiry whose post is held (not in Slack)."""
        found = []
        for item in self.outbox.items(HELD):
            if item.kind == KIND and reference_of(item.id) == item.id:
                record = self.archive.get(item.id)
                if record is not None and record.urgent and record.purged_at is None:
                    found.append((item.id, item.error or "unknown"))
        return found

    def unclaimed_urgent(self) -> list[EnquiryRecord]:
        """Urgent enquiries of the last few days posted and not claimed, oldest first."""
        return [r for r in self._recent() if r.urgent and waiting(r)]

    def _recent(self) -> list[EnquiryRecord]:
        return self.archive.since(self.now() - LOOK_BACK)

    def _hold_stands(self, code: str | None) -> bool:
        """False when the hold's cause is gone already: held because the enquiry channel was
        not set, and it is set now (the post waits only for ``factbot enquiries retry``)."""
        return not (code == f"{CHANNEL_KEY}_channel_not_set" and self.channel_set is not None and self.channel_set())

    def alert_held(self) -> int:
        """Tell the safeguarding lead of each urgent enquiry newly held (reference and reason only,
        once per hold, and not for a cause gone already); returns how many were queued."""
        queued = 0
        for reference, code in self.held_urgent():
            if not self._hold_stands(code):
                continue
            _, created = self.outbox.enqueue(KIND, ALERT_KEY, render.held_alert(reference, code, lead=self.lead),
                                             item_id=f"{reference}-held-alert")
            if created:
                log.error("urgent enquiry held: %s (%s); telling the safeguarding lead", reference, code)
                queued += 1
        return queued

    def remind(self) -> int:
        """Queue the thread reminders now due for unclaimed enquiries; returns how many."""
        now = self.now()
        queued = 0
        for record in self._recent():
            due = reminders_due(record, now, self.remind_after)
            if not due:
                continue
            message = render.reminder(record, due[-1], elapsed(record, now), lead=self.lead)
            self.outbox.enqueue(KIND, CHANNEL_KEY, message, item_id=f"{record.reference}-remind-{due[-1]}")
            self.archive.update(record.reference, _reminded(due))
            log.info("%s unclaimed after %s: reminder %s queued", record.reference, elapsed(record, now), due[-1])
            queued += 1
        return queued

    def escalator(self, interval: float = 15.0, remind_every: float = 60.0) -> Loop:
        """The escalation loop (``bot.loops``), not started: every ``interval`` seconds it tells the
        lead of urgent enquiries newly held, and every ``remind_every`` seconds it queues the
        reminders due."""
        last = [float("-inf")]

        def step() -> None:
            queued = self.alert_held()
            if time.monotonic() - last[0] >= remind_every:
                queued += self.remind()
                last[0] = time.monotonic()
            if queued:
                self.wake()

        return Loop("enquiry-escalation", step, interval, first_wait=min(interval, 5.0))

    # -- status ------------------------------------------------------------------

    def health(self) -> dict:
        """For /healthz: held enquiry deliveries by error, what each error means, the urgent
        enquiries held (references only), how many stored enquiries are not yet in the
        outbox, and the names of records moved to ``quarantine/`` (no personal details)."""
        held: dict[str, int] = {}
        for item in self.outbox.items(HELD):
            if item.kind == KIND:
                held[item.error or "unknown"] = held.get(item.error or "unknown", 0) + 1
        problems = [render.held_problem(code) for code in held]
        urgent = [reference for reference, _ in self.held_urgent()]
        if urgent:
            problems.insert(0, f"urgent enquiry held: {', '.join(urgent)} (not in Slack; fix the cause, "
                               "then `factbot enquiries retry`)")
        unwritable = self.archive.write_problem() or self.store_failure
        if unwritable:
            problems.insert(0, f"The enquiry archive {self.archive.root} cannot be written ({unwritable}): new "
                               f"enquiries are refused with 503 and Retry-After until it can (a read-only or full "
                               f"disk, or too many open files). What was accepted is kept and delivered.")
        quarantined = self.archive.quarantined()
        if quarantined:
            problems.append(f"{len(quarantined)} enquiry record(s) could not be read and were moved to "
                            f"{self.archive.quarantine_folder}; look at each, then restore it from a backup or "
                            f"delete it.")
        return {"held": sum(held.values()), "held_errors": held, "problems": problems, "urgent_held": urgent,
                "not_yet_queued": self.archive.incoming_count(), "quarantined": quarantined,
                "storing": unwritable or "ok"}


def _reminded(names: list[str]) -> Callable[[EnquiryRecord], EnquiryRecord]:
    def change(record: EnquiryRecord) -> EnquiryRecord:
        return record.model_copy(update={"reminded": [*record.reminded, *(n for n in names if n not in record.reminded)]})
    return change


# -- Slack checks and signposting ----------------------------------------------------------


def check_private(client: WebClient, channel: str) -> str | None:
    """The delivery worker's check for the enquiry channel (``conversations.info``).

    ``None`` when it is a live private channel, else the code the item is
    held with (``channel_not_private``, ``channel_shared_externally``,
    ``is_archived``). Slack errors are
    raised for the worker to retry or hold (``channel_not_found``).
    """
    found = client.conversations_info(channel=channel)["channel"]
    if found.get("is_archived"):
        log.error("enquiry channel %s is archived: enquiries are held", channel)
        return "is_archived"
    if not found.get("is_private"):
        log.error("enquiry channel %s is not private: enquiries are held until it is private "
                  "(then run `factbot enquiries retry`)", channel)
        return "channel_not_private"
    if found.get("is_ext_shared") or found.get("is_pending_ext_shared"):
        log.error("enquiry channel %s is shared with another organisation (Slack Connect): enquiries are held "
                  "until it is not (then run `factbot enquiries retry`)", channel)
        return "channel_shared_externally"
    return None
