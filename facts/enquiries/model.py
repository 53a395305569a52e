"""Website enquiries: validation, normalisation, references and the stored record.

Pure (no Slack, HTTP or storage). ``parse_enquiry(mapping)`` turns what a
website form sent (JSON object or form fields, already decoded) into an
:class:`EnquiryForm`, or raises :class:`EnquiryInvalid` listing every bad
field with a message that never repeats the value sent (values are personal
details and must not travel into logs or error bodies).

Normalisation: every string is Unicode NFC, trimmed of whitespace and of
zero-width characters at either end; one-line fields (name, organisation)
have runs of whitespace collapsed; the message keeps its line breaks
(``\\r\\n`` becomes ``\\n``) and loses bidirectional embedding/override
controls. Phones are stored in E.164 (``+441206878178``), emails in the
normalised form ``email-validator`` gives (domain lower-cased).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from facts.text import CONTROL, unbroken
from facts.validation import error_field, error_message

#: The services an enquiry can ask for (SPEC); matched case-insensitively,
#: with ``_`` or ``-`` read as a space.
SERVICES = ("social work", "psychological", "psychiatric", "therapeutic", "family support", "other")

#: Length limits, in characters after normalisation.
MAX_NAME, MAX_ORGANISATION, MAX_EMAIL, MAX_PHONE_TYPED, MAX_MESSAGE = 200, 200, 254, 40, 10_000
#: The honeypot field: hidden on the website form, so only robots fill it in.
HONEYPOT = "website"
#: Values a form plugin sends for a ticked consent box.
CONSENT_YES = frozenset({"true", "on", "yes", "1", "y"})
NO_CONTACT = "give an email address or a phone number (at least one)"

_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_SPACE = re.compile(r"\s+")
_REFERENCE = re.compile(r"^ENQ-(\d{4})-(\d{6,})$")


class FieldError(BaseModel):
    """One bad field: ``field`` (its name as sent) and a ``message`` for the sender."""

    field: str
    message: str


class EnquiryInvalid(Exception):
    """The enquiry cannot be accepted; ``errors`` names each bad field."""

    def __init__(self, errors: list[FieldError]):
        super().__init__(f"{len(errors)} invalid field(s): " + ", ".join(e.field for e in errors))
        self.errors = errors


# -- normalisation -------------------------------------------------------------


def _trim(value: str) -> str:
    """NFC, then whitespace and zero-width characters removed from both ends; a lone surrogate
    (which no file, log or Slack post can encode) is U+FFFD. The web intake already replaces and
    marks them (``handlers.web``): this keeps any other caller's record storable."""
    return unicodedata.normalize("NFC", unbroken(value)).strip().strip(_ZERO_WIDTH).strip()


def _one_line(value: str) -> str:
    return _SPACE.sub(" ", _trim(value))


_CONTROL_BUT_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # Cc except tab and line feed


def _has_control(value: str, *, lines: bool = False) -> bool:
    return (_CONTROL_BUT_LINES if lines else CONTROL).search(value) is not None


def _is_symbol(ch: str) -> bool:
    # So: emoji and pictographs; Cs: lone surrogates; U+FE0F: the emoji presentation selector. U+FFFD
    # (a character the website sent broken, already marked for staff) is not the sender's symbol.
    return (unicodedata.category(ch) in ("So", "Cs") or ch == "\ufe0f") and ch != "\ufffd"


def _optional(value: str | None) -> str | None:
    return value if value else None


# -- the form -------------------------------------------------------------------


class EnquiryForm(BaseModel):
    """A validated, normalised enquiry as the website sent it.

    Unknown fields (form plugins add their own) are ignored; every known
    field must be a string (``consent`` also ``true``), and nested objects
    or lists are refused.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    name: str = Field(min_length=1, max_length=MAX_NAME)
    email: str | None = None
    phone: str | None = None
    organisation: str | None = Field(default=None, max_length=MAX_ORGANISATION)
    service: str | None = None
    message: str = Field(min_length=1, max_length=MAX_MESSAGE)
    consent: bool
    #: What was wrong with an enquiry kept all the same (:func:`accept_enquiry`): the fields
    #: named are as typed (cleaned of control characters), not validated.
    problems: tuple[FieldError, ...] = ()

    @field_validator("name", "organisation", mode="before")
    @classmethod
    def _line(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value  # pydantic reports the type
        value = _one_line(value)
        if _BIDI_CONTROLS.search(value) or _has_control(value):
            raise ValueError("must not contain control or text-direction override characters")
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if any(_is_symbol(ch) for ch in value):
            raise ValueError("must be a name in letters, without emoji or symbols")
        if not any(unicodedata.category(ch).startswith("L") for ch in value):
            raise ValueError("must contain letters")
        return value

    @field_validator("organisation")
    @classmethod
    def _organisation(cls, value: str | None) -> str | None:
        return _optional(value)

    @field_validator("message", mode="before")
    @classmethod
    def _message(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        value = _BIDI_CONTROLS.sub("", _trim(value.replace("\r\n", "\n").replace("\r", "\n")))
        if _has_control(value, lines=True):
            raise ValueError("must not contain control characters")
        return value

    @field_validator("email", "phone", "service", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return (_trim(value) or None) if isinstance(value, str) else value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if len(value) > MAX_EMAIL:
            raise ValueError(f"must be at most {MAX_EMAIL} characters")
        try:
            return validate_email(value, check_deliverability=False).normalized
        except EmailNotValidError:
            raise ValueError("must be an email address such as name@example.org") from None

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return None if value is None else normalise_phone(value)

    @field_validator("service")
    @classmethod
    def _service(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = _SPACE.sub(" ", value.casefold().replace("_", " ").replace("-", " ")).strip()
        if value not in SERVICES:
            raise ValueError("must be one of: " + ", ".join(SERVICES))
        return value

    @field_validator("consent", mode="before")
    @classmethod
    def _consent(cls, value: Any) -> Any:
        if value is True or (isinstance(value, str) and _trim(value).casefold() in CONSENT_YES):
            return True
        raise ValueError("must be given (true) before we can store the enquiry")

    @model_validator(mode="after")
    def _contact(self) -> EnquiryForm:
        if self.email is None and self.phone is None:
            raise ValueError(NO_CONTACT)
        return self

    def content_hash(self) -> str:
        """SHA-256 (hex) of the normalised fields: the same enquiry sent twice hashes the same."""
        fields = self.model_dump(exclude={"consent", "problems"})
        return hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


#: Ofcom's mobile numbers for drama, 07700 900000 to 900999 (as national numbers): never a family's.
DRAMA_MOBILES = (7700900000, 7700900999)


def normalise_phone(typed: str) -> str:
    """A phone number as people type it → E.164 (``"(01206) 878178"`` → ``"+441206878178"``).

    UK numbers need no country code; others need ``+`` or ``00``. Raises
    ``ValueError`` (with no digits in the message) when it is not a valid
    number or carries an extension.
    """
    if len(typed) > MAX_PHONE_TYPED:
        raise ValueError(f"must be at most {MAX_PHONE_TYPED} characters")
    try:
        number = phonenumbers.parse(typed, "GB")
    except phonenumbers.NumberParseException:
        raise ValueError("must be a phone number such as 01206 878178 or +44 1206 878178") from None
    if number.extension:
        raise ValueError("must be a phone number without an extension")
    if number.country_code == 44 and DRAMA_MOBILES[0] <= (number.national_number or 0) <= DRAMA_MOBILES[1]:
        raise ValueError("is a number Ofcom keeps for TV and radio drama (07700 900000 to 900999): no one can "
                         "be called on it")
    if not phonenumbers.is_valid_number(number):
        raise ValueError("is not a valid phone number (UK numbers: 01206 878178, 07…)")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_FRIENDLY = {
    "missing": "is required",
    "string_type": "must be text",
    "bool_type": "must be true",
    "string_too_short": "must not be empty",
}


def _friendly(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    if kind == "string_too_long":
        return f"must be at most {error['ctx']['max_length']} characters"
    if kind in _FRIENDLY:
        return _FRIENDLY[kind]
    return error_message(error)


def parse_enquiry(data: Mapping[str, Any]) -> EnquiryForm:
    """Validate and normalise ``data`` (field name → value).

    Raises :class:`EnquiryInvalid` naming each bad field; the messages never
    contain the values sent.
    """
    try:
        return EnquiryForm.model_validate(dict(data))
    except ValidationError as exc:
        errors: list[FieldError] = []
        for error in exc.errors(include_input=False, include_url=False):
            if error["loc"]:
                errors.append(FieldError(field=error_field(error, nested=False), message=_friendly(error)))
        named = {e.field for e in errors}
        if not errors or not ({"email", "phone"} & named or _given(data, "email") or _given(data, "phone")):
            errors += [FieldError(field=name, message=NO_CONTACT) for name in ("email", "phone")]
        raise EnquiryInvalid(errors) from None


def _given(data: Mapping[str, Any], name: str) -> bool:
    value = data.get(name)
    return not (value is None or (isinstance(value, str) and not _trim(value)))


#: Field → what staff are told when its value was kept as typed (:func:`accept_enquiry`).
KEPT_AS_TYPED = {
    "phone": "phone as typed, not a valid phone number: check it before calling",
    "email": "email as typed, not a valid email address: check it before writing",
    "name": "name as typed, not accepted by the form's rules",
    "organisation": "organisation as typed, not accepted by the form's rules",
    "service": "service as typed, not one the form offers",
    "message": "message as typed, not accepted by the form's rules",
}
NOT_GIVEN = {
    "name": "no name given",
    "message": "no message given",
    "consent": "consent to store the enquiry was not given: kept because the text suggests a child is at risk",
    "contact": "no valid email address or phone number: the family cannot be contacted from this enquiry",
}
#: Stand-ins that pass validation for a field that did not (each replaced by the typed value afterwards).
_STAND_INS: dict[str, Any] = {"name": "x", "email": None, "phone": None, "organisation": None, "service": None,
                              "message": "x", "consent": True}
_STAND_IN_EMAIL = "stand-in@example.org"


def accept_enquiry(data: Mapping[str, Any], urgent: Callable[[], bool]) -> EnquiryForm:
    """Like :func:`parse_enquiry`, but what can be kept is kept, with ``problems`` saying what was wrong.

    - A phone number (or email address) that is not valid never blocks an
      enquiry whose other contact detail is valid: it is kept as typed.
    - When ``urgent()`` (called only if something is wrong) says the text
      suggests a child is at risk, nothing blocks it: every bad or missing
      field is kept as typed (cleaned of control characters), or left empty,
      and named in ``problems``.

    Raises :class:`EnquiryInvalid` (as :func:`parse_enquiry`) otherwise.
    """
    try:
        return parse_enquiry(data)
    except EnquiryInvalid as exc:
        refused = exc
    bad = {e.field for e in refused.errors}
    contact = {"email", "phone"}
    if len(bad & contact) == 1 and bad <= contact and _given(data, (contact - bad).pop()):
        return _kept(data, bad)  # one contact detail bad, the other valid: the bad one is kept as typed
    if not urgent():
        raise refused
    return _kept(data, bad)


def _kept(data: Mapping[str, Any], bad: set[str]) -> EnquiryForm:
    known = set(EnquiryForm.model_fields) - {"problems"}
    standing = {name: value for name, value in data.items() if name in known and name not in bad}
    standing.update({name: _STAND_INS[name] for name in bad if name in _STAND_INS})
    if standing.get("email") is None and standing.get("phone") is None:
        standing["email"] = _STAND_IN_EMAIL  # only to pass the contact rule; replaced below
        bad.add("email")
    form = EnquiryForm.model_validate(standing)  # every field left is one that passed on its own
    update: dict[str, Any] = {}
    problems: list[FieldError] = []
    for name in ("name", "email", "phone", "organisation", "service", "message"):
        if name not in bad:
            continue
        typed = _as_typed(data.get(name), multiline=name == "message")
        update[name] = typed
        if typed is not None:
            problems.append(FieldError(field=name, message=KEPT_AS_TYPED[name]))
        elif _given(data, name):
            problems.append(FieldError(field=name, message=f"{name} was not sent as text: left out"))
        elif name in ("name", "message"):
            problems.append(FieldError(field=name, message=NOT_GIVEN[name]))
    if "consent" in bad:
        update["consent"] = False
        problems.append(FieldError(field="consent", message=NOT_GIVEN["consent"]))
    contacts = [update.get(n, getattr(form, n)) for n in ("email", "phone")]
    if not any(contacts) or all(n in bad for n in ("email", "phone")):
        problems.append(FieldError(field="contact", message=NOT_GIVEN["contact"]))
    if "message" in update and update["message"] is None:
        update["message"] = ""
    return form.model_copy(update={**update, "problems": tuple(problems)})


#: What staff are told of a field the website sent more than once (:func:`with_every_value`).
SENT_TWICE = "sent more than once: every value sent is kept here; check which is meant"


def with_every_value(data: Mapping[str, Any], repeated: Mapping[str, list[Any]]) -> dict[str, Any]:
    """``data`` with each ``repeated`` field (name → every value it was sent with) holding all of
    them, so nothing a family sent is lost and no value hides the rest from triage: the distinct
    texts in the order sent, a message's with a blank line between them and any other field's with
    " / "; a blank value never replaces a text; a field with no text keeps its last value."""
    merged = dict(data)
    for name, values in repeated.items():
        texts = list(dict.fromkeys(v for v in values if isinstance(v, str) and _trim(v)))
        if texts:
            merged[name] = ("\n\n" if name == "message" else " / ").join(texts)
    return merged


#: The fields whose text is read for triage and, sent as a list or an object, joined (:func:`text_of`).
TEXT_FIELDS = ("name", "organisation", "message")


def text_of(value: Any) -> str:
    """The text in ``value``: itself when it is text; the texts inside a JSON list or object (its
    values, nested ones too, in the order sent) joined by a blank line; ``""`` when there is none."""
    if isinstance(value, str):
        return value
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return "\n\n".join(text for text in (text_of(item).strip() for item in items) if text)


def shaped(field: str) -> FieldError:
    """What staff are told of a text field sent as a JSON list or object and kept joined (:func:`text_of`)."""
    return FieldError(field=field, message=f"{field} was sent as a list or object, not as text: its texts are "
                      "kept here joined; check nothing is missing")


def _as_typed(value: Any, *, multiline: bool = False) -> str | None:
    """A refused value as typed, made safe to store and show: text only, control and
    text-direction characters removed, at most 10,000 characters; ``None`` when nothing is left."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # a phone number sent as a JSON number
    if not isinstance(value, str):
        return None
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _BIDI_CONTROLS.sub("", (_CONTROL_BUT_LINES if multiline else CONTROL).sub(" ", value))
    value = _trim(value) if multiline else _one_line(value)[:MAX_MESSAGE]
    return value or None


def honeypot_filled(data: Mapping[str, Any]) -> bool:
    """True when the hidden ``website`` field holds anything: a robot sent it."""
    value = data.get(HONEYPOT)
    if isinstance(value, str):
        return bool(_trim(value))
    return value not in (None, "", [], {})


# -- references -------------------------------------------------------------------


def format_reference(year: int, number: int) -> str:
    """``(2026, 123)`` → ``"ENQ-2026-000123"``: what staff and families quote."""
    return f"ENQ-{year:04d}-{number:06d}"


def parse_reference(reference: str) -> tuple[int, int] | None:
    """``"ENQ-2026-000123"`` → ``(2026, 123)``; ``None`` when it is not a reference."""
    match = _REFERENCE.match(reference)
    return (int(match.group(1)), int(match.group(2))) if match else None


def normal_reference(typed: str) -> str:
    """A reference as people type it (``" enq-2026-000123"``) in the form it is filed under
    (``"ENQ-2026-000123"``); text that is not a reference comes back trimmed only."""
    upper = typed.strip().upper()
    return upper if parse_reference(upper) else typed.strip()


def reference_of(item_id: str) -> str | None:
    """The enquiry reference an outbox item id belongs to (``ENQ-2026-000123-full`` → ``ENQ-2026-000123``)."""
    match = re.match(r"^(ENQ-\d{4}-\d{6,})(?:-|$)", item_id)
    return match.group(1) if match else None


# -- the stored record -------------------------------------------------------------

#: Fields removed by the retention purge.
PERSONAL_FIELDS = ("name", "email", "phone", "organisation", "message", "triage", "idempotency_key", "content_hash")


class Event(BaseModel):
    """One thing done to an enquiry: ``action`` (claimed, released, responded, purged), by ``user`` at ``at``."""

    action: str
    user: str | None = None
    at: dt.datetime


class EnquiryRecord(BaseModel):
    """An enquiry as archived (one JSON file each; see ``facts.enquiries.archive``).

    Times are timezone-aware UTC. ``channel``/``ts`` locate the Slack post
    once delivered, ``reply_ts`` the thread reply with a long message in
    full. After the purge, the personal fields are ``None`` (``triage``
    empty) and ``purged_at`` is set; reference, received time, service,
    urgency and the claim history stay.
    """

    reference: str
    received_at: dt.datetime
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    organisation: str | None = None
    service: str | None = None
    message: str | None = None
    urgent: bool = False
    triage: list[str] = Field(default_factory=list)
    #: What was wrong with the enquiry as sent, kept all the same (:func:`accept_enquiry`): no values.
    problems: list[FieldError] = Field(default_factory=list)
    idempotency_key: str | None = None
    content_hash: str | None = None
    channel: str | None = None
    ts: str | None = None
    reply_ts: str | None = None
    claimed_by: str | None = None
    claimed_at: dt.datetime | None = None
    responded_by: str | None = None
    responded_at: dt.datetime | None = None
    history: list[Event] = Field(default_factory=list)
    purged_at: dt.datetime | None = None
    #: True once the Slack messages were queued for editing by the purge.
    slack_scrubbed: bool = False
    #: The reminders already sent in its thread (``facts.enquiries.escalation``).
    reminded: list[str] = Field(default_factory=list)

    @classmethod
    def new(cls, reference: str, form: EnquiryForm, received_at: dt.datetime, *, triage: list[str],
            idempotency_key: str | None) -> EnquiryRecord:
        return cls(reference=reference, received_at=received_at, name=form.name, email=form.email,
                   phone=form.phone, organisation=form.organisation, service=form.service, message=form.message,
                   urgent=bool(triage), triage=triage, problems=list(form.problems),
                   idempotency_key=idempotency_key, content_hash=form.content_hash())

    def purged(self, now: dt.datetime) -> EnquiryRecord:
        """A copy without the personal details (see :data:`PERSONAL_FIELDS`), with a ``purged`` event."""
        scrubbed: dict[str, Any] = {name: ([] if name == "triage" else None) for name in PERSONAL_FIELDS}
        history = [*self.history, Event(action="purged", at=now)]
        return self.model_copy(update={**scrubbed, "purged_at": now, "history": history})

    def to_json(self) -> bytes:
        """UTF-8 JSON bytes, as written to the archive."""
        return self.model_dump_json().encode("utf-8")


@dataclass(frozen=True)
class Submission:
    """The answer to a submission: its ``reference``, whether this call ``created`` it, ``urgent``,
    and the ``reasons`` it was flagged (phrases found, rules met: ``facts.enquiries.meaning``)."""

    reference: str
    created: bool
    urgent: bool
    reasons: tuple[str, ...] = ()


# -- outbox routing ----------------------------------------------------------------

#: Outbox ``kind`` and ``channel_key`` of everything enquiries post.
KIND = CHANNEL_KEY = "enquiry"
#: The channel key of the message telling the safeguarding lead that an urgent enquiry is held:
#: a direct message when the lead is a user, else the campaign channel (``bot.runtime``).
ALERT_KEY = "enquiry_alert"
#: The channel key of the purge's edits: no privacy check, since removing
#: details must go ahead even if the channel has since been made public.
SCRUB_KEY = "enquiry_scrub"
