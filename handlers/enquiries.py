"""``POST /enquiries``: the website's "Make an enquiry" form (thin Starlette endpoint).

Checks, in order, each answered with a JSON ``{"error": …}`` body:

- ``401`` no ``Authorization: Bearer <FACTBOT_INTAKE_TOKEN>`` (compared in
  constant time); ``503`` when no intake token is configured;
- ``415`` not ``application/json`` or ``application/x-www-form-urlencoded``
  (or a charset other than UTF-8);
- ``413`` a body over :data:`MAX_BODY` bytes (checked on ``Content-Length``
  and while reading: a large body is never held in memory);
- ``400`` not UTF-8, not JSON, or an unreadable form;
- ``422`` ``{"error": "invalid enquiry", "fields": [{"field", "message"}]}``
  naming each bad field (a JSON body that is not an object is field ``body``);
- ``202`` ``{"id": "ENQ-2026-000123", "status": "accepted"}`` once the
  enquiry is stored (then it is handed to the queue for Slack); an urgent one adds ``"urgent": true`` and
  ``"signposting"`` (999, the NSPCC Helpline, from the facts store). The same
  ``Idempotency-Key`` or the same content again gets the same id.
- A filled honeypot (``website``) gets a normal-looking 202 and is dropped.
- ``503`` when the enquiry could not be stored (nothing is kept; send again).

Nothing from the body is logged.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import secrets
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.background import BackgroundTask
from starlette.responses import JSONResponse, Response

from facts.enquiry import EnquiryForm, EnquiryInvalid, FieldError, Submission, honeypot_filled, parse_enquiry

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # bytes
JSON_TYPE, FORM_TYPE = "application/json", "application/x-www-form-urlencoded"
MAX_IDEMPOTENCY_KEY = 200


class _Rejected(Exception):
    def __init__(self, status: int, body: dict, headers: dict | None = None):
        super().__init__(status)
        self.response = JSONResponse(body, status_code=status, headers=headers)


def _error(status: int, message: str, **headers: str) -> _Rejected:
    return _Rejected(status, {"error": message}, headers or None)


def _invalid(errors: list[FieldError]) -> _Rejected:
    return _Rejected(422, {"error": "invalid enquiry", "fields": [e.model_dump() for e in errors]})


def _check_token(request: Request, token: str | None) -> None:
    if not token:
        raise _error(503, "enquiry intake is not configured on this server (FACTBOT_INTAKE_TOKEN)")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise _error(401, "missing or wrong bearer token", **{"WWW-Authenticate": "Bearer"})


def _content_type(request: Request) -> str:
    kind, _, params = request.headers.get("content-type", "").partition(";")
    kind = kind.strip().lower()
    charset = dict(p.strip().lower().partition("=")[::2] for p in params.split(";") if "=" in p).get("charset")
    if kind not in (JSON_TYPE, FORM_TYPE) or (charset and charset.strip('"') not in ("utf-8", "utf8")):
        raise _error(415, f"send {JSON_TYPE} or {FORM_TYPE}, in UTF-8")
    return kind


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit()):
        raise _error(400, "Content-Length is not a number")
    if declared is not None and int(declared) > MAX_BODY:
        raise _error(413, f"the body is over {MAX_BODY} bytes")
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY:
                raise _error(413, f"the body is over {MAX_BODY} bytes")
            chunks.append(chunk)
    except ClientDisconnect:
        raise _error(400, "the body was not sent in full") from None
    return b"".join(chunks)


def _fields(kind: str, body: bytes) -> dict[str, Any]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise _error(400, "the body is not valid UTF-8") from None
    if kind == JSON_TYPE:
        try:
            data = json.loads(text)
        except ValueError:
            raise _error(400, "the body is not valid JSON") from None
        if not isinstance(data, dict):
            raise _invalid([FieldError(field="body", message="must be a JSON object of fields")])
        return data
    try:
        pairs = parse_qs(text, keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise _error(400, "the form is not valid UTF-8 form data") from None
    repeated = [FieldError(field=name, message="must be sent once") for name, values in pairs.items()
                if len(values) > 1 and name in EnquiryForm.model_fields]
    if repeated:
        raise _invalid(repeated)
    return {name: values[-1] for name, values in pairs.items()}


def _idempotency_key(request: Request) -> str | None:
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    if not (0 < len(key) <= MAX_IDEMPOTENCY_KEY and all("!" <= ch <= "~" for ch in key)):
        raise _invalid([FieldError(field="Idempotency-Key",
                                   message=f"must be 1 to {MAX_IDEMPOTENCY_KEY} printable ASCII characters")])
    return key


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
        try:
            _check_token(request, token)
            kind = _content_type(request)
            data = _fields(kind, await _read_body(request))
            if honeypot_filled(data):
                log.info("enquiry with the honeypot filled in: dropped")
                return JSONResponse(_decoy(), status_code=202)
            key = _idempotency_key(request)
            try:
                form = parse_enquiry(data)
            except EnquiryInvalid as exc:
                raise _invalid(exc.errors) from None
            try:
                submission = await run_in_threadpool(submit, form, key)
            except OSError as exc:
                log.error("enquiry could not be stored: %s", type(exc).__name__)
                raise _error(503, "the enquiry could not be stored; please send it again") from None
            body: dict[str, Any] = {"id": submission.reference, "status": "accepted"}
            if submission.urgent:
                body.update(urgent=True, signposting=signposting())
            after = BackgroundTask(accepted, submission.reference) if accepted and submission.created else None
            return JSONResponse(body, status_code=202, background=after)
        except _Rejected as rejected:
            return rejected.response
        except Exception as exc:  # the type only: an exception can carry what was sent
            log.error("enquiry intake failed: %s", type(exc).__name__)
            return JSONResponse({"error": "internal error; please send the enquiry again"}, status_code=500)

    return enquiries
