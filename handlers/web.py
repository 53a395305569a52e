"""What every web intake endpoint shares (``POST /enquiries``, ``POST /campaign-updates``).

:func:`read_fields` runs the checks in order, raising :class:`Rejected`
whose ``response`` is the JSON answer:

- ``503`` no intake token configured; ``401`` no ``Authorization: Bearer
  <FACTBOT_INTAKE_TOKEN>`` (compared in constant time);
- ``415`` only ``multipart/form-data`` (not read: Starlette's parser needs
  python-multipart, which is not installed), or a body sent as another type or
  none (``text/plain``, no header) that is neither JSON nor a form; such a body
  is otherwise read by its look (``{``/``[``: JSON; ``=``: a form);
- ``413`` a body over :data:`MAX_BODY` bytes (checked on ``Content-Length``
  and while reading: a large body is never held in memory);
- ``400`` not JSON, an unreadable form, or a body cut short. Nothing is refused
  for its encoding: a UTF-8 byte-order mark is dropped; JSON or a form
  (percent-encoded bytes included) is read in a declared charset Python knows
  (a Latin-1 label as Windows-1252, as browsers do), else as UTF-8, else as
  Windows-1252 (older websites still send it: ``%91like%92 caf%E9``), the
  few bytes Windows-1252 leaves undefined as Latin-1; lone surrogates (a JSON
  ``\\ud800``), which no file, log or Slack post can encode, become U+FFFD.
  :class:`Fields` names each field whose text was guessed or replaced, for
  staff to check;
- ``422`` ``{"error": "invalid fields", "fields": [{"field", "message"}]}``
  (:func:`invalid`): a JSON body that is not an object is field ``body``;
  a known field sent twice, in a form or as a repeated JSON key, is refused
  (:class:`Repeated`, which keeps every value sent: an intake may keep the
  request anyway, as ``POST /enquiries`` does an urgent enquiry).

Nothing from a body is ever logged or echoed.
"""

from __future__ import annotations

import codecs
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from facts.text import unbroken

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # bytes
JSON_TYPE, FORM_TYPE = "application/json", "application/x-www-form-urlencoded"
#: Python's names of the charsets browsers read as Windows-1252 (a declared ``iso-8859-1``, ``us-ascii``...).
LEGACY_CODECS = ("cp1252", "latin-1", "ascii")
BOM = b"\xef\xbb\xbf"
#: What staff are told of a field whose text could not all be read as sent (see :class:`Fields`).
BROKEN = "some characters were sent broken (not as text) and are shown as \ufffd: check the spelling"
GUESSED = ("not sent in UTF-8 and read as Windows-1252, so accented letters or symbols may be wrong: "
           "check the spelling")


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
    """``JSON_TYPE``, ``FORM_TYPE``, or ``""`` for any other type or none (``text/plain``, a missing
    header): that body is read as JSON or as a form by its look (:func:`parse_fields`). 415 only for
    ``multipart/form-data``, which needs a parser this project does not install (python-multipart)."""
    kind, _, _ = request.headers.get("content-type", "").partition(";")
    kind = kind.strip().lower()
    if kind.startswith("multipart/"):
        raise error(415, f"multipart/form-data is not read here: send {JSON_TYPE} or {FORM_TYPE}")
    return kind if kind in (JSON_TYPE, FORM_TYPE) else ""


def declared_charset(request: Request) -> str | None:
    """The ``charset`` parameter of ``Content-Type``, lower case without quotes (``None``: not given)."""
    _, _, params = request.headers.get("content-type", "").partition(";")
    charset = dict(p.strip().lower().partition("=")[::2] for p in params.split(";") if "=" in p).get("charset")
    return charset.strip().strip('"') if charset else None


def _codec(charset: str | None) -> str | None:
    """The Python codec for a declared ``charset`` (``None``: not given, unknown, or not a text encoding)."""
    if not charset:
        return None
    try:
        info = codecs.lookup(charset)
    except LookupError:
        return None
    return info.name if getattr(info, "_is_text_encoding", True) else None


def _decodings(charset: str | None) -> tuple[list[str], int]:
    """The encodings to try in order, and how many of them are what the sender declared or UTF-8 (the
    rest are guesses): a Latin-1 label is read as Windows-1252, as browsers do; Windows-1252 leaves five
    bytes undefined, read as Latin-1, which decodes any byte, so the last try always answers."""
    codec = _codec(charset)
    if codec in LEGACY_CODECS:
        return ["cp1252", "latin-1"], 2
    first = [codec] if codec and codec != "utf-8" else []
    return [*first, "utf-8", "cp1252", "latin-1"], len(first) + 1


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


class Fields(dict):
    """The fields sent (name → value), and ``garbled``: name → what staff are told of a field whose
    text could not all be read as sent (:data:`BROKEN`: lone surrogates, each now U+FFFD;
    :data:`GUESSED`: bytes not in UTF-8 nor in a declared charset, read as Windows-1252)."""

    def __init__(self, fields: dict[str, Any], garbled: dict[str, str] | None = None):
        super().__init__(fields)
        self.garbled = dict(garbled or {})


def parse_fields(kind: str, body: bytes, known: Iterable[str] = (), charset: str | None = None) -> Fields:
    """The submitted fields from a JSON object or a form (``kind`` ``""``: whichever the body looks
    like), read as :func:`_decodings` says; a UTF-8 byte-order mark is dropped. Nothing readable is
    refused for its encoding: what had to be guessed or replaced is named in ``garbled``."""
    known = set(known)
    tries, sure = _decodings(charset)
    if body.startswith(BOM):
        body = body[len(BOM):]
    if not kind:
        kind = _looks_like(body)
    garbled: dict[str, str] = {}
    if kind == JSON_TYPE:
        text, used = _decoded(body, tries)
        try:
            data = json.loads(text.removeprefix("\ufeff"), object_pairs_hook=_Pairs)
        except (ValueError, RecursionError):  # RecursionError: nested thousands deep; ValueError: a huge number
            raise error(400, "the body is not valid JSON") from None
        if not isinstance(data, _Pairs):
            raise invalid([("body", "must be a JSON object of fields")])
        every = {name: [_unbroken(v) for v in values] for name, values in data.repeated.items()}
        fields = {_unbroken(name): _unbroken(value) for name, value in data.items()}
        garbled = {_unbroken(name): BROKEN for name, value in data.items()
                   if _unbroken(name) != name or _unbroken(value) != value}
    else:
        pairs, used = _form_pairs(body, tries)
        fields, every = {name: values[-1] for name, values in pairs.items()}, pairs
    if used >= sure:  # bytes not in UTF-8 nor as declared: every field with a letter beyond ASCII was guessed
        garbled.update({name: GUESSED for name, values in every.items()
                        if any(not str(v).isascii() for v in values)})
        garbled.update({name: GUESSED for name, value in fields.items()
                        if name not in garbled and not json.dumps(value, ensure_ascii=False).isascii()})
    repeated = {name: values for name, values in every.items() if len(values) > 1 and name in known}
    if repeated:
        raise Repeated(Fields(fields, garbled), repeated)
    return Fields(fields, garbled)


def _looks_like(body: bytes) -> str:
    """``JSON_TYPE`` or ``FORM_TYPE`` for a body sent as another type or none (415 when it is neither)."""
    start = body.lstrip()[:1]
    if start in (b"{", b"["):
        return JSON_TYPE
    if b"=" in body:
        return FORM_TYPE
    raise error(415, f"the body is neither JSON nor a form: send {JSON_TYPE} or {FORM_TYPE}")


def _decoded(body: bytes, tries: list[str]) -> tuple[str, int]:
    """``body`` in the first encoding of ``tries`` that reads it, and that encoding's place."""
    for place, encoding in enumerate(tries):
        try:
            return body.decode(encoding), place
        except (UnicodeDecodeError, UnicodeError):
            continue
    return body.decode("latin-1"), len(tries)  # not reached: Latin-1 is the last try and decodes any byte


def _unbroken(value: Any) -> Any:
    """``value`` with each lone surrogate replaced by U+FFFD, so it can be encoded, stored and posted."""
    if isinstance(value, str):
        return unbroken(value)
    if isinstance(value, list):
        return [_unbroken(v) for v in value]
    if isinstance(value, dict):
        return {_unbroken(k): _unbroken(v) for k, v in value.items()}
    return value


def _form_pairs(body: bytes, tries: list[str]) -> tuple[dict[str, list[str]], int]:
    """The form's fields, its bytes (and percent-encoded bytes) read in the first of ``tries`` that
    reads them, and that encoding's place in ``tries``."""
    for place, encoding in enumerate(tries):
        try:
            return parse_qs(body.decode(encoding), keep_blank_values=True, encoding=encoding,
                            errors="strict"), place
        except UnicodeError:
            continue  # Latin-1 decodes any byte: the last try always answers
        except ValueError:
            break
    raise error(400, "the form is not valid form data")


async def read_fields(request: Request, token: str | None, what: str, known: Iterable[str] = ()) -> Fields:
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
