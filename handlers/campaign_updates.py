"""``POST /campaign-updates``: the website (or a person) announces campaign news.

Request: ``Authorization: Bearer <FACTBOT_INTAKE_TOKEN>``; a JSON object or
an ``application/x-www-form-urlencoded`` body with ``title`` (1–200
characters), ``url`` (http(s), at most 2,000 characters) and optional
``summary`` (at most 1,000 characters). Other fields are ignored.

Answers (JSON):

- ``202 {"id": "CAMPAIGN-…", "status": "accepted"}`` once the update is
  durably in the outbox. The same update again (same title, ignoring case
  and spacing, and same URL) answers the same id and is not posted again.
- ``401`` missing or wrong token (compared in constant time); ``503`` when
  no token is configured; ``415`` another content type; ``413`` a body over
  64 KiB; ``400`` a body that is not UTF-8, not JSON, or not an object;
  ``422 {"error": "invalid fields", "fields": {name: problem}}`` naming
  each bad field. Nothing is stored from a rejected request.

This module knows HTTP and validation only; storing is the ``submit``
callable it is given.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from typing import Callable
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # bytes
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
                or _CONTROL.search(value):
            raise ValueError("must be an http(s) URL such as https://www.example.org/news/item")
        return value

    def dedupe_key(self) -> str:
        """SHA-256 (hex) of the title (case and spacing ignored) and the URL
        (scheme and host lower-cased, fragment and trailing ``/`` dropped)."""
        parts = urlsplit(self.url)
        url = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), parts.query, ""))
        title = _SPACE.sub(" ", self.title.casefold())
        return hashlib.sha256(f"{title}\n{url}".encode("utf-8")).hexdigest()


def field_problems(exc: ValidationError) -> dict[str, str]:
    """``{field: problem}`` for each bad field (the first problem of each)."""
    problems: dict[str, str] = {}
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "body"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "missing":
            message = "is required"
        problems.setdefault(name, message)
    return problems


def _error(status: int, message: str, **extra: object) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def _authorised(request: Request, token: str) -> bool:
    given = request.headers.get("authorization", "")
    scheme, _, value = given.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode())


async def _read_body(request: Request) -> bytes | None:
    """The body, or ``None`` when it is over ``MAX_BODY``."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BODY:
            return None
    return bytes(body)


def _fields(content_type: str, text: str) -> dict | None:
    """The submitted fields, or ``None`` when the body is not a JSON object / form.

    Raises ``UnicodeDecodeError`` for percent-encoded bytes that are not UTF-8."""
    if content_type == "application/json":
        try:
            data = json.loads(text) if text.strip() else None
        except json.JSONDecodeError:
            return None
        return data if isinstance(data, dict) else None
    pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    fields: dict[str, str] = {}
    for name, value in pairs:
        fields.setdefault(name, value)
    return fields


def make_endpoint(token: str | None, submit: Callable[[CampaignUpdate], tuple[str, bool]]):
    """The Starlette endpoint. ``submit(update) -> (id, created)`` stores it (blocking; run in a thread)."""

    async def campaign_updates(request: Request) -> Response:
        if not token:
            return _error(503, "campaign updates are not configured (FACTBOT_INTAKE_TOKEN is not set)")
        if not _authorised(request, token):
            return JSONResponse({"error": "missing or wrong bearer token"}, status_code=401,
                                headers={"WWW-Authenticate": "Bearer"})
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in ("application/json", "application/x-www-form-urlencoded"):
            return _error(415, "send application/json or application/x-www-form-urlencoded")
        body = await _read_body(request)
        if body is None:
            return _error(413, f"body is over {MAX_BODY} bytes")
        try:
            data = _fields(content_type, body.decode("utf-8"))
        except UnicodeDecodeError:
            return _error(400, "body is not valid UTF-8")
        if data is None:
            return _error(400, "body must be a JSON object" if content_type == "application/json" else "bad form body")
        try:
            update = CampaignUpdate.model_validate(data)
        except ValidationError as exc:
            return _error(422, "invalid fields", fields=field_problems(exc))
        try:
            item_id, created = await run_in_threadpool(submit, update)
        except OSError as exc:
            log.error("campaign update not stored: %s", type(exc).__name__)
            return _error(503, "could not store the update; try again")
        log.info("campaign update %s %s", item_id, "accepted" if created else "already accepted")
        return JSONResponse({"id": item_id, "status": "accepted"}, status_code=202)

    return campaign_updates
