"""``POST /enquiries``: the website's "Make an enquiry" form (thin Starlette endpoint).

The shared intake checks come first (``handlers.web``: 503/401 token,
415 content type, 413 over 64 KiB, 400 not UTF-8 or JSON, 422 naming each
bad field as ``{"error", "fields": [{"field", "message"}]}``), then:

- ``202`` ``{"id": "ENQ-2026-000123", "status": "accepted"}`` once the
  enquiry is stored (then it is handed to the queue for Slack); an urgent one adds ``"urgent": true`` and
  ``"signposting"`` (999, the NSPCC Helpline, from the facts store). The same
  ``Idempotency-Key`` or the same content again gets the same id.
- A filled honeypot (``website``) gets a normal-looking 202 and is dropped.
- ``409`` the ``Idempotency-Key`` was already used for a different enquiry.
- Text suggesting a child is at immediate risk brings the signposting into
  the answer even when the enquiry is refused (422) or dropped (honeypot).
- ``503`` when the enquiry could not be stored (nothing is kept; send again).

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
from facts.enquiries.model import EnquiryForm, EnquiryInvalid, Submission, honeypot_filled, parse_enquiry
from facts.enquiries.triage import matches
from handlers.web import error, guarded, invalid, read_fields

log = logging.getLogger(__name__)

MAX_IDEMPOTENCY_KEY = 200


def _idempotency_key(request: Request) -> str | None:
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    if not (0 < len(key) <= MAX_IDEMPOTENCY_KEY and all("!" <= ch <= "~" for ch in key)):
        raise invalid([("Idempotency-Key", f"must be 1 to {MAX_IDEMPOTENCY_KEY} printable ASCII characters")])
    return key


def _signposted(urgent: bool, signposting: Callable[[], list[dict]]) -> dict:
    return {"urgent": True, "signposting": signposting()} if urgent else {}


def _decoy() -> dict:
    """The answer to a robot: shaped like a real one, from a number range real references do not reach."""
    return {"id": f"ENQ-{dt.date.today().year}-9{secrets.randbelow(10 ** 5):05d}", "status": "accepted"}


def endpoint(submit: Callable[[EnquiryForm, str | None], Submission], token: str | None,
             signposting: Callable[[], list[dict]],
             accepted: Callable[[str], None] | None = None) -> Callable[[Request], Awaitable[Response]]:
    """The Starlette endpoint. ``submit(form, idempotency_key)`` stores the enquiry
    (blocking; run in the thread pool); ``accepted(reference)`` runs after the 202
    of a new enquiry is sent; ``token`` is the intake token (``None``: 503)."""

    async def enquiries(request: Request) -> Response:
        data = await read_fields(request, token, "enquiry intake", EnquiryForm.model_fields)
        # Whatever else happens to the request, someone describing a child in danger is shown
        # where to get help now (the website shows the answer's signposting). Only the rare
        # dropped or refused request is triaged here; a stored one is triaged once, off the loop.
        def urgent() -> bool:
            return bool(matches(*(str(data.get(f) or "") for f in ("name", "organisation", "message"))))

        if honeypot_filled(data):
            log.info("enquiry with the honeypot filled in: dropped")
            return JSONResponse({**_decoy(), **_signposted(await run_in_threadpool(urgent), signposting)},
                                status_code=202)
        key = _idempotency_key(request)
        try:
            form = parse_enquiry(data)
        except EnquiryInvalid as exc:
            extra = _signposted(await run_in_threadpool(urgent), signposting)
            raise invalid(((e.field, e.message) for e in exc.errors), **extra) from None
        try:
            submission = await run_in_threadpool(submit, form, key)
        except IdempotencyConflict:
            raise error(409, "this Idempotency-Key was already used for a different enquiry; "
                             "send a new key for each enquiry") from None
        except OSError as exc:
            log.error("enquiry could not be stored: %s", type(exc).__name__)
            raise error(503, "the enquiry could not be stored; please send it again") from None
        body: dict[str, Any] = {"id": submission.reference, "status": "accepted"}
        if submission.urgent:
            body.update(urgent=True, signposting=signposting())
        after = BackgroundTask(accepted, submission.reference) if accepted and submission.created else None
        return JSONResponse(body, status_code=202, background=after)

    return guarded("enquiry intake", enquiries)
