"""``POST /enquiries``: the website's "Make an enquiry" form (thin Starlette endpoint).

The shared intake checks come first (``handlers.web``: 503/401 token,
415 multipart or a body neither JSON nor a form, 413 over 64 KiB, 400 not JSON,
422 naming each bad field as ``{"error", "fields": [{"field", "message"}]}``;
nothing readable is refused for its encoding), then:

- Text the website sent broken (a lone surrogate, now U+FFFD) or not in UTF-8
  (read as Windows-1252), and an urgent enquiry's text field sent as a JSON list
  or object (its texts joined; a routine one is a 422), are kept and marked for
  staff: 202 with ``"fields"``.

- ``202`` ``{"id": "ENQ-2026-000123", "status": "accepted"}`` once the
  enquiry is stored (then it is handed to the queue for Slack); an urgent one adds ``"urgent": true`` and
  ``"signposting"`` (999, the NSPCC Helpline, from the facts store) and ``"why"``
  (the reasons it was flagged, as staff see them). The same
  ``Idempotency-Key`` or the same content again gets the same id.
- **An urgent enquiry is never refused or dropped.** When its text suggests a
  child is at risk, bad or missing fields (a mistyped phone, no consent tick,
  no contact details), a filled honeypot or a reused ``Idempotency-Key`` do
  not stop it: it is stored and posted with the problems marked, and the
  202 adds ``"fields"`` (what to fix, as a 422 would name them) and a
  ``"note"`` saying it was received.
- A phone number (or email address) that is not valid, beside a valid
  other one, is kept as typed and marked: 202 with ``"fields"``.
- A known field sent more than once (a form's field twice, a JSON key twice): 422 naming each
  (``"must be sent once"``); when the text, every value read, suggests a child at risk, it is
  kept instead, each such field holding every value sent, and marked (202 with ``"fields"``).
- A filled honeypot (``website``) on routine text gets a normal-looking 202 and is dropped.
- An ``Idempotency-Key`` already used for a different enquiry: the enquiry is kept as a new one,
  marked (202 with ``"fields"``), urgent or not.
- ``503`` with ``Retry-After`` when the enquiry could not be stored (a full
  disk, a read-only data folder): nothing is kept, not even a temporary file;
  send it again.

Nothing from the body is logged.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from facts.enquiries.archive import IdempotencyConflict
from facts.enquiries.meaning import assess
from facts.enquiries.model import (
    HONEYPOT,
    SENT_TWICE,
    TEXT_FIELDS,
    EnquiryForm,
    EnquiryInvalid,
    FieldError,
    Submission,
    accept_enquiry,
    honeypot_filled,
    shaped,
    text_of,
    with_every_value,
)
from handlers.web import Rejected, Repeated, error, guarded, invalid, read_fields

log = logging.getLogger(__name__)

MAX_IDEMPOTENCY_KEY = 200
#: Seconds a website is told to wait before sending again when the enquiry could not be stored.
STORE_RETRY_AFTER = 30


def _idempotency_key(request: Request) -> str | None:
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    if not (0 < len(key) <= MAX_IDEMPOTENCY_KEY and all("!" <= ch <= "~" for ch in key)):
        raise invalid([("Idempotency-Key", f"must be 1 to {MAX_IDEMPOTENCY_KEY} printable ASCII characters")])
    return key


def _decoy() -> dict:
    """The answer to a robot: shaped like a real one, from a number range real references do not reach."""
    return {"id": f"ENQ-{dt.date.today().year}-9{secrets.randbelow(10 ** 5):05d}", "status": "accepted"}


HONEYPOT_PROBLEM = FieldError(field=HONEYPOT, message="the hidden field only robots see was filled in (browser "
                              "autofill does this too): kept because the text suggests a child is at risk")
KEY_PROBLEM = FieldError(field="Idempotency-Key", message="the website sent a key already used for another "
                         "enquiry: kept as a new enquiry; send a new key for each enquiry")
RECEIVED_NOTE = ("Received: the enquiry is stored and staff will see it. Some details need correcting (see "
                 "fields); please do not send it again unless asked.")


def endpoint(submit: Callable[[EnquiryForm, str | None], Submission], token: str | None,
             signposting: Callable[[], list[dict]],
             accepted: Callable[[str], None] | None = None) -> Callable[[Request], Awaitable[Response]]:
    """The Starlette endpoint. ``submit(form, idempotency_key)`` stores the enquiry
    (blocking; run in the thread pool); ``accepted(reference)`` runs after the 202
    of a new enquiry is sent; ``token`` is the intake token (``None``: 503)."""

    async def enquiries(request: Request) -> Response:
        repeated: Repeated | None = None
        try:
            data: dict[str, Any] = await read_fields(request, token, "enquiry intake", EnquiryForm.model_fields)
            sent = data
        except Repeated as exc:  # every value is read for triage, and kept if it is urgent
            data, repeated, sent = with_every_value(exc.fields, exc.values), exc, exc.fields
        # Text the website sent broken (lone surrogates, bytes not in UTF-8) is read as well as it can be
        # and marked for staff; never a reason to refuse (handlers.web).
        garbled = [FieldError(field=name, message=f"{name} as sent: {why}")
                   for name, why in getattr(sent, "garbled", {}).items() if name in EnquiryForm.model_fields]
        # Someone describing a child in danger is never turned away and always shown where to get
        # help now. Only a request that something would stop is triaged here, off the event loop
        # (once); a stored one is triaged by the service.
        known: list[bool] = []

        def urgent() -> bool:
            if not known:
                known.append(assess(*(text_of(data.get(f)) for f in TEXT_FIELDS)).urgent)
            return known[0]

        # A text field sent as a JSON list or object: its text is triaged; kept joined when urgent.
        listed = [f for f in TEXT_FIELDS if isinstance(data.get(f), list | dict) and text_of(data[f])]
        if listed and not await run_in_threadpool(urgent):
            listed = []  # a routine one is refused as before (422: must be text)
        data = {**data, **{f: text_of(data[f]) for f in listed}}
        garbled += [shaped(f) for f in listed]

        if repeated is not None and not await run_in_threadpool(urgent):
            raise repeated
        honeypot = honeypot_filled(data)
        if honeypot and not await run_in_threadpool(urgent):
            log.info("enquiry with the honeypot filled in: dropped")
            return JSONResponse(_decoy(), status_code=202)
        try:
            key = _idempotency_key(request)
        except Rejected:
            if not await run_in_threadpool(urgent):
                raise
            key = None
        try:
            form = await run_in_threadpool(accept_enquiry, data, urgent)
        except EnquiryInvalid as exc:
            raise invalid((e.field, e.message) for e in exc.errors) from None
        form = _marked(form, repeated, honeypot, garbled)
        try:
            submission = await _store(submit, form, key)
        except IdempotencyConflict:
            # A website that reuses its keys (a form id sent as the key) must not lose a family's
            # enquiry: it is kept as a new one, marked, whatever it says (nothing lost beats a 409).
            form = form.model_copy(update={"problems": (*form.problems, KEY_PROBLEM)})
            submission = await _store(submit, form, None)
        if submission.created and (honeypot or form.problems):
            what = ", ".join(p.field for p in form.problems)
            log.warning("%s stored with problems marked (%s)%s", submission.reference, what,
                        ": urgent, honeypot filled, held for review" if honeypot else "")
        body: dict[str, Any] = {"id": submission.reference, "status": "accepted"}
        if submission.urgent or (known and known[0]):
            body.update(urgent=True, why=list(submission.reasons), signposting=signposting())
        if form.problems:
            body.update(fields=[{"field": p.field, "message": p.message} for p in form.problems
                                if p.field != HONEYPOT], note=RECEIVED_NOTE)
        after = BackgroundTask(accepted, submission.reference) if accepted and submission.created else None
        return JSONResponse(body, status_code=202, background=after)

    return guarded("enquiry intake", enquiries)


def _marked(form: EnquiryForm, repeated: Repeated | None, honeypot: bool,
            garbled: list[FieldError]) -> EnquiryForm:
    """``form`` with what the intake let through marked: text sent broken or as a list, fields sent
    more than once, a filled honeypot."""
    added = [*garbled, *(FieldError(field=name, message=SENT_TWICE) for name in (repeated.values if repeated else ()))]
    added += [HONEYPOT_PROBLEM] if honeypot else []
    return form.model_copy(update={"problems": (*form.problems, *added)}) if added else form


async def _store(submit: Callable[[EnquiryForm, str | None], Submission], form: EnquiryForm,
                 key: str | None) -> Submission:
    try:
        return await run_in_threadpool(submit, form, key)
    except OSError as exc:
        log.error("enquiry could not be stored: %s", type(exc).__name__)
        raise error(503, "the enquiry could not be stored; please send it again",
                    **{"Retry-After": str(STORE_RETRY_AFTER)}) from None
