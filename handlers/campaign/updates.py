"""``POST /campaign-updates``: the website (or a person) announces campaign news.

Request: ``Authorization: Bearer <FACTBOT_INTAKE_TOKEN>``; a JSON object or
an ``application/x-www-form-urlencoded`` body with ``title`` (1–200
characters), ``url`` (http(s), at most 2,000 characters) and optional
``summary`` (at most 1,000 characters). Other fields are ignored.

Answers (JSON):

- ``202 {"id": "CAMPAIGN-…", "status": "accepted"}`` once the update is
  durably in the outbox. The same update again (same title, ignoring case
  and spacing, and same URL) answers the same id and is not posted again.
- Before that, the shared intake checks (``handlers.web``): 503/401 token,
  415 multipart or a body neither JSON nor a form, 413 over 64 KiB, 400 not
  JSON (text not in UTF-8 is read as Windows-1252, a lone surrogate as U+FFFD), and
  ``422 {"error": "invalid fields", "fields": [{"field", "message"}]}``
  naming each bad field. Nothing is stored from a rejected request.

This module knows HTTP and validation only; storing is the ``submit``
callable it is given.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from facts.campaign.update import CampaignUpdate, field_problems
from handlers.web import error, guarded, invalid, read_fields

log = logging.getLogger(__name__)

def make_endpoint(token: str | None, submit: Callable[[CampaignUpdate], tuple[str, bool]]):
    """The Starlette endpoint. ``submit(update) -> (id, created)`` stores it (blocking; run in a thread)."""

    async def campaign_updates(request: Request) -> Response:
        data = await read_fields(request, token, "campaign updates", CampaignUpdate.model_fields)
        try:
            update = CampaignUpdate.model_validate(data)
        except ValidationError as exc:
            raise invalid(field_problems(exc).items()) from None
        try:
            item_id, created = await run_in_threadpool(submit, update)
        except OSError as exc:
            log.error("campaign update not stored: %s", type(exc).__name__)
            raise error(503, "could not store the update; try again") from None
        log.info("campaign update %s %s", item_id, "accepted" if created else "already accepted")
        return JSONResponse({"id": item_id, "status": "accepted"}, status_code=202)

    return guarded("campaign update intake", campaign_updates)
