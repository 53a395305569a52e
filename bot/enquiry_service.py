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
import logging
import queue
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from slack_sdk import WebClient

from facts.enquiries import messages as render
from facts.enquiries.archive import EnquiryArchive
from facts.enquiries.model import EnquiryForm, EnquiryRecord, Event, Submission, reference_of
from facts.enquiries.triage import matches
from facts.outbox import DELIVERED, Outbox, OutboxItem

if TYPE_CHECKING:
    from bot.enquiry_purge import PurgeReport

log = logging.getLogger(__name__)

#: Outbox ``kind`` and ``channel_key`` of everything enquiries post.
KIND = CHANNEL_KEY = "enquiry"
#: The channel key of the purge's edits: no privacy check, since removing
#: details must go ahead even if the channel has since been made public.
SCRUB_KEY = "enquiry_scrub"
#: Reference facts (ids in ``facts/curated``) sent back with an urgent enquiry.
EMERGENCY_FACTS = ("emergency-999", "helpline-nspcc-adults")
#: Button action id → the event it records.
ACTIONS = {render.CLAIM: "claimed", render.RELEASE: "released", render.RESPONDED: "responded"}

#: What a held enquiry's error means, for /healthz and the log.
EXPLANATIONS = {
    "channel_not_private": "FACTBOT_ENQUIRY_CHANNEL is not a private channel: enquiries are held until it is "
                           "made private (or the setting points at a private one); then run "
                           "`factbot enquiries retry`.",
    "channel_shared_externally": "The enquiry channel is shared with another organisation (Slack Connect): "
                                 "enquiries are held until it is not; then run `factbot enquiries retry`.",
    "enquiry_channel_not_set": "FACTBOT_ENQUIRY_CHANNEL is not set: enquiries are stored and held; set it, "
                               "restart, then run `factbot enquiries retry`.",
    "channel_not_found": "The enquiry channel was not found, or the app is not in it (a private channel is "
                         "invisible until the app is invited); invite the app, then `factbot enquiries retry`.",
    "not_in_channel": "The app is not in the enquiry channel: invite it, then `factbot enquiries retry`.",
    "is_archived": "The enquiry channel is archived: point FACTBOT_ENQUIRY_CHANNEL at a live private channel.",
    "invalid_auth": "Slack refused the bot token (SLACK_BOT_TOKEN): fix it, then `factbot enquiries retry`.",
    "token_revoked": "The bot token was revoked: reinstall the app, then `factbot enquiries retry`.",
}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class EnquiryService:
    """Enquiries over an :class:`EnquiryArchive` and an :class:`Outbox`.

    ``lead``: the safeguarding lead's user or user-group ID (urgent posts
    mention it). ``signposting()``: the emergency signposting returned with
    an urgent enquiry. ``wake()``: tells the delivery worker to deliver now.
    """

    def __init__(self, archive: EnquiryArchive, outbox: Outbox, *, lead: str | None = None,
                 retention_days: int = 90, signposting: Callable[[], list[dict]] = list,
                 wake: Callable[[], None] = lambda: None, now: Callable[[], dt.datetime] = _now):
        self.archive = archive
        self.outbox = outbox
        self.lead = lead
        self.retention_days = retention_days
        self.signposting = signposting
        self.wake = wake
        self.now = now
        self._handover: queue.Queue[str | None] = queue.Queue()
        self._queuer: threading.Thread | None = None

    # -- intake ----------------------------------------------------------------

    def submit(self, form: EnquiryForm, idempotency_key: str | None = None) -> Submission:
        """Store an enquiry durably; returns its :class:`Submission`.

        Blocking (a file write with fsync): call it from a worker thread.
        Raises ``OSError`` when it cannot be stored; then nothing is kept.
        With the queuer running (:meth:`start`), call :meth:`hand_over` once
        the 202 is sent; without it, the enquiry is queued before this returns.
        """
        triage = matches(form.name, form.organisation, form.message)
        record, created = self.archive.create(form, triage=triage, idempotency_key=idempotency_key, now=self.now())
        if not created:
            log.info("%s submitted again; not posted again", record.reference)
        else:
            log.info("%s accepted%s", record.reference, " (urgent)" if record.urgent else "")
            if self._queuer is None:
                self._queue_quietly(record.reference)
        return Submission(record.reference, created, record.urgent)

    def hand_over(self, reference: str) -> None:
        """Ask the queuer to put a stored enquiry in the outbox now (after the 202 is sent:
        waking the queuer earlier would compete with the answer). Without a queuer, a no-op;
        one not handed over is found by the queuer's sweep of ``incoming/`` within seconds."""
        if self._queuer is not None:
            self._handover.put(reference)

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

    def start(self, sweep: float = 5.0) -> Callable[[], None]:
        """Start the queuer thread; returns a function that stops it.

        It queues what :meth:`hand_over` gives it and, every ``sweep``
        seconds, whatever else is waiting in ``incoming/`` (an enquiry whose
        hand-over was lost, or one whose queueing failed: retried until the
        outbox can be written).
        """

        def run() -> None:
            while True:
                try:
                    reference = self._handover.get(timeout=sweep)
                except queue.Empty:
                    for record in self._waiting():
                        self._queue_quietly(record.reference)
                    continue
                try:
                    if reference is None:
                        return
                    self._queue_quietly(reference)
                finally:
                    self._handover.task_done()

        self._queuer = threading.Thread(target=run, name="enquiry-queuer", daemon=True)
        self._queuer.start()

        def stop() -> None:
            self._handover.put(None)
            self._queuer.join(5)

        return stop

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
        """At start-up: rebuild the intake windows, note posts a crash left unrecorded,
        and queue whatever is still in ``incoming/``; returns how many were queued."""
        removed = self.archive.remove_stale_temporary_files()
        if removed:
            log.warning("removed %d half-written enquiry file(s) left by a crash (never answered 202)", removed)
        for record in self.archive.load_recent(self.now()):
            main = self.outbox.find(item_id=record.reference) if record.ts is None else None
            if main is not None and main.state == DELIVERED:
                self._record_delivery(main, main.channel, main.ts)
        queued = 0
        for record in self.archive.incoming():
            log.warning("%s was stored but not queued before the restart; queueing it now", record.reference)
            queued += self._queue_quietly(record.reference)  # one that fails is retried by the sweep
        return queued

    # -- delivery ----------------------------------------------------------------

    def on_delivered(self, item: OutboxItem, channel: str, ts: str) -> None:
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
            updated = _apply(record, event, note)
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
        for item in self.outbox.items():  # an older edit still waiting must not land after this one
            if item.method == "chat.update" and item.state != DELIVERED and reference_of(item.id) == record.reference:
                self.outbox.update_message(item.id, message)
        self.outbox.enqueue(KIND, CHANNEL_KEY, message, item_id=f"{record.reference}-u{number}", method="chat.update")
        self.outbox.enqueue(KIND, CHANNEL_KEY, render.action_reply(event, ts), item_id=f"{record.reference}-r{number}")
        self.wake()

    # -- retention ------------------------------------------------------------------

    def purge(self, days: int | None = None, references: tuple[str, ...] = ()) -> PurgeReport:
        """See :func:`bot.enquiry_purge.purge` (``days`` defaults to the retention setting)."""
        from bot.enquiry_purge import purge

        return purge(self, days or self.retention_days, references)

    # -- status ------------------------------------------------------------------

    def health(self) -> dict:
        """For /healthz: held enquiry deliveries by error, what each error means, and how many
        stored enquiries are not yet in the outbox (no personal details)."""
        held: dict[str, int] = {}
        for item in self.outbox.items("held"):
            if item.kind == KIND:
                held[item.error or "unknown"] = held.get(item.error or "unknown", 0) + 1
        problems = [EXPLANATIONS.get(code.split(":")[-1], f"Slack answered {code}; see the log, then "
                                     "`factbot enquiries retry`.") for code in held]
        return {"held": sum(held.values()), "held_errors": held, "problems": problems,
                "not_yet_queued": self.archive.incoming_count()}


def _apply(record: EnquiryRecord, event: Event, note: list[str]) -> EnquiryRecord | None:
    """The record after ``event``, or ``None`` when it changes nothing (``note`` says why, if it matters).

    Once responded, an enquiry is closed: a stale Claim or Release changes nothing. Anyone may
    release a claim (the team reassigns work); the thread reply records who did.
    """
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


def signposting(catalogue) -> list[dict]:
    """The emergency signposting from the facts store: for each of :data:`EMERGENCY_FACTS`
    still servable, ``{"id", "display", "claim", "source"}`` (the claim exactly as curated)."""
    return [{"id": fact.id, "display": fact.display, "claim": fact.claim, "source": str(fact.source.url)}
            for fact in catalogue.servable(EMERGENCY_FACTS)]


def attach(runtime, *, start: bool = True) -> EnquiryService:
    """Wire enquiries into a :class:`bot.runtime.Runtime`: the service, the enquiry
    channel's privacy check and delivery hook on the worker, the Slack buttons,
    the start-up recovery and (``start``) the queuer."""
    from facts.enquiries.archive import archive_path
    from facts.enquiries.triage import load_patterns, load_phrases

    load_phrases()  # a malformed triage file stops start-up (one line naming it), not the first enquiry
    load_patterns()
    from handlers.enquiries import actions as enquiry_actions

    settings = runtime.settings
    service = EnquiryService(
        EnquiryArchive(archive_path(settings.factbot_db)), runtime.outbox,
        lead=settings.factbot_safeguarding_lead, retention_days=settings.factbot_retention_days,
        signposting=lambda: signposting(runtime.catalogue), wake=runtime.worker.wake)
    worker = runtime.worker
    worker.checks[CHANNEL_KEY] = check_private
    previous = worker.on_delivered

    def on_delivered(item: OutboxItem, channel: str, ts: str) -> None:
        if previous is not None:
            previous(item, channel, ts)
        service.on_delivered(item, channel, ts)

    worker.on_delivered = on_delivered
    enquiry_actions.register(runtime.bolt_app, service)
    service.recover()
    if start:
        runtime.closers.append(service.start())
    if not settings.factbot_enquiry_channel:
        log.warning("FACTBOT_ENQUIRY_CHANNEL is not set: enquiries are stored and held")
    held = service.health()["held"]
    if held:
        log.warning("%d enquiry deliveries are held (see /healthz); `factbot enquiries retry` resends them", held)
    return service
