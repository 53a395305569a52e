"""What every web intake endpoint shares (``POST /enquiries``, ``POST /campaign-updates``).

:func:`read_fields` runs the checks in order, raising :class:`Rejected`
whose ``response`` is the JSON answer:

- ``503`` no intake token configured; ``401`` no ``Authorization: Bearer
  <FACTBOT_INTAKE_TOKEN>`` (compared in constant time);
- ``415`` not ``application/json`` or ``application/x-www-form-urlencoded``
  (or a charset other than UTF-8; a form may also declare Windows-1252 or
  Latin-1);
- ``413`` a body over :data:`MAX_BODY` bytes (checked on ``Content-Length``
  and while reading: a large body is never held in memory);
- ``400`` JSON not in UTF-8, not JSON, an unreadable form, or a body cut short;
  a form (percent-encoded bytes included) is read as UTF-8, or as declared,
  or, when its bytes are not UTF-8, as Windows-1252 (older websites still
  send it: ``%91like%92 caf%E9``), the few bytes Windows-1252 leaves
  undefined as Latin-1: a form is never refused for its encoding;
- ``422`` ``{"error": "invalid fields", "fields": [{"field", "message"}]}``
  (:func:`invalid`): a JSON body that is not an object is field ``body``;
  a known field sent twice, in a form or as a repeated JSON key, is refused
  (:class:`Repeated`, which keeps every value sent: an intake may keep the
  request anyway, as ``POST /enquiries`` does an urgent enquiry).

Nothing from a body is ever logged or echoed.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # bytes
JSON_TYPE, FORM_TYPE = "application/json", "application/x-www-form-urlencoded"
UTF8 = ("utf-8", "utf8")
#: Charset labels a form may declare besides UTF-8 (browsers read every one of them as Windows-1252).
LEGACY_CHARSETS = ("windows-1252", "cp1252", "iso-8859-1", "iso8859-1", "latin-1", "latin1", "us-ascii", "ascii")


class Rejected(Exception):
    """A request answered with ``response`` (a 4xx or 503 JSON body)."""

    def __init__(self, status: int, body: dict, headers: dict | None = None):
        super().__init__(status)
        self.response = JSONResponse(body, status_code=status, headers=headers)


#: What a 422 says of a known field sent more than once.
SENT_ONCE = "must be sent once"


class Repeated(Rejected):
    """422: known fields sent more than once (a form's field twice, a JSON key twice). ``fields``:
    the body's fields, the last value of each; ``values``: every value each repeated field was sent with."""

    def __init__(self, fields: dict[str, Any], values: dict[str, list[Any]]):
        super().__init__(422, {"error": "invalid fields",
                               "fields": [{"field": name, "message": SENT_ONCE} for name in values]})
        self.fields, self.values = fields, values


class _Pairs(dict):
    """A JSON object read whole (the last value of a repeated key, as ``json`` does) that remembers
    every value of each key it was sent more than once (``repeated``)."""

    def __init__(self, pairs: list[tuple[str, Any]]):
        super().__init__(pairs)
        self.repeated: dict[str, list[Any]] = {}
        if len(self) < len(pairs):
            for name, value in pairs:
                self.repeated.setdefault(name, []).append(value)
            self.repeated = {name: values for name, values in self.repeated.items() if len(values) > 1}


def error(status: int, message: str, **headers: str) -> Rejected:
    """``{"error": message}`` with ``status``."""
    return Rejected(status, {"error": message}, headers or None)


def invalid(problems: Iterable[tuple[str, str]], **extra: Any) -> Rejected:
    """422 naming each bad field: ``problems`` are ``(field, message)`` pairs; ``extra`` keys join the body."""
    fields = [{"field": name, "message": message} for name, message in problems]
    return Rejected(422, {"error": "invalid fields", "fields": fields, **extra})


def check_token(request: Request, token: str | None, what: str) -> None:
    """503 when ``token`` is unset (``what`` names the intake), 401 unless the bearer token matches."""
    if not token:
        raise error(503, f"{what} is not configured on this server (FACTBOT_INTAKE_TOKEN)")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise error(401, "missing or wrong bearer token", **{"WWW-Authenticate": "Bearer"})


def content_type(request: Request) -> str:
    """``JSON_TYPE`` or ``FORM_TYPE`` (415 otherwise, or for a charset other than UTF-8,
    except a form's Windows-1252 or Latin-1: see :func:`declared_charset`)."""
    kind, _, _ = request.headers.get("content-type", "").partition(";")
    kind = kind.strip().lower()
    charset = declared_charset(request)
    allowed = UTF8 + (LEGACY_CHARSETS if kind == FORM_TYPE else ())
    if kind not in (JSON_TYPE, FORM_TYPE) or (charset and charset not in allowed):
        raise error(415, f"send {JSON_TYPE} or {FORM_TYPE}, in UTF-8")
    return kind


def declared_charset(request: Request) -> str | None:
    """The ``charset`` parameter of ``Content-Type``, lower case without quotes (``None``: not given)."""
    _, _, params = request.headers.get("content-type", "").partition(";")
    charset = dict(p.strip().lower().partition("=")[::2] for p in params.split(";") if "=" in p).get("charset")
    return charset.strip().strip('"') if charset else None


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    """The body, at most ``limit`` bytes (413 beyond, refused on ``Content-Length`` before
    reading, or as soon as the chunks read pass it: never buffered whole; 400 when cut short)."""
    declared = request.headers.get("content-length")
    if declared is not None and not declared.isdigit():
        raise error(400, "Content-Length is not a number")
    if declared is not None and int(declared) > limit:
        raise error(413, f"the body is over {limit} bytes")
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise error(413, f"the body is over {limit} bytes")
            chunks.append(chunk)
    except ClientDisconnect:
        raise error(400, "the body was not sent in full") from None
    return b"".join(chunks)


def parse_fields(kind: str, body: bytes, known: Iterable[str] = (), charset: str | None = None) -> dict[str, Any]:
    """The submitted fields from a JSON object or a form (400/422 as above); ``charset``:
    a form's declared charset (``None``: UTF-8, or Windows-1252 when its bytes are not UTF-8)."""
    known = set(known)
    if kind == JSON_TYPE:
        try:
            data = json.loads(body.decode("utf-8"), object_pairs_hook=_Pairs)
        except UnicodeDecodeError:
            raise error(400, "the body is not valid UTF-8") from None
        except (ValueError, RecursionError):  # RecursionError: nested thousands deep; ValueError: a huge number
            raise error(400, "the body is not valid JSON") from None
        if not isinstance(data, _Pairs):
            raise invalid([("body", "must be a JSON object of fields")])
        fields, every = dict(data), data.repeated
    else:
        pairs = _form_pairs(body, charset)
        fields, every = {name: values[-1] for name, values in pairs.items()}, pairs
    repeated = {name: values for name, values in every.items() if len(values) > 1 and name in known}
    if repeated:
        raise Repeated(fields, repeated)
    return fields


def _form_pairs(body: bytes, charset: str | None) -> dict[str, list[str]]:
    """The form's fields, its bytes (and percent-encoded bytes) read as :func:`parse_fields` says."""
    tries = ("utf-8", "cp1252", "latin-1") if charset in (None, *UTF8) else ("cp1252", "latin-1")
    for encoding in tries:
        try:
            return parse_qs(body.decode(encoding), keep_blank_values=True, encoding=encoding, errors="strict")
        except UnicodeDecodeError:
            continue  # Latin-1 decodes any byte: the last try always answers
        except ValueError:
            break
    raise error(400, "the form is not valid form data")


async def read_fields(request: Request, token: str | None, what: str, known: Iterable[str] = ()) -> dict[str, Any]:
    """Token, content type, bounded body and fields, in that order; raises :class:`Rejected`."""
    check_token(request, token, what)
    kind = content_type(request)
    return parse_fields(kind, await read_body(request), known, declared_charset(request))


def guarded(what: str, handle: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint ``handle`` with :class:`Rejected` answered, and any other
    error a 500 whose log line names only the exception type."""

    async def endpoint(request: Request) -> Response:
        try:
            return await handle(request)
        except Rejected as rejected:
            return rejected.response
        except Exception as exc:  # the type only: an exception can carry what was sent
            log.error("%s failed: %s", what, type(exc).__name__)
            return JSONResponse({"error": "internal error; please send it again"}, status_code=500)

    return endpoint
