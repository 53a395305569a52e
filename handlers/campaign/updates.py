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
  415 content type, 413 over 64 KiB, 400 not UTF-8 or JSON, and
  ``422 {"error": "invalid fields", "fields": [{"field", "message"}]}``
  naming each bad field. Nothing is stored from a rejected request.

This module knows HTTP and validation only; storing is the ``submit``
callable it is given.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from handlers.web import error, guarded, invalid, read_fields

log = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SPACE = re.compile(r"\s+")


class CampaignUpdate(BaseModel):
    """A validated campaign update (plain text; escaped when rendered)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=200)
    url: str = Field(min_length=1, max_length=2000)
    summary: str | None = Field(default=None, max_length=1000)

    @field_validator("title")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if _CONTROL.search(value) or "\n" in value or "\t" in value:
            raise ValueError("must be one line of text without control characters")
        return value

    @field_validator("summary")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        if value is not None and _CONTROL.search(value):
            raise ValueError("must not contain control characters")
        return value or None

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(c.isspace() for c in value) \
                or _CONTROL.search(value) or "@" in parts.netloc:  # no user:password@ in a link we post
            raise ValueError("must be an http(s) URL such as https://www.example.org/news/item")
        return value

    def dedupe_key(self) -> str:
        """SHA-256 (hex) of the title (case and spacing ignored) and the URL
        (scheme and host lower-cased, fragment and trailing ``/`` dropped)."""
        parts = urlsplit(self.url)
        url = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), parts.query, ""))
        title = _SPACE.sub(" ", self.title.casefold())
        return hashlib.sha256(f"{title}\n{url}".encode()).hexdigest()


def field_problems(exc: ValidationError) -> dict[str, str]:
    """``{field: problem}`` for each bad field (the first problem of each)."""
    problems: dict[str, str] = {}
    for problem in exc.errors():
        name = str(problem["loc"][0]) if problem["loc"] else "body"
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "missing":
            message = "is required"
        problems.setdefault(name, message)
    return problems


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
