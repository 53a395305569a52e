"""Enquiries as Slack Block Kit (plain dicts): the post, its thread replies, the purged form.

Every string from the website is escaped (``&``, ``<``, ``>``) and sent in
``mrkdwn`` objects with ``verbatim: true``, so ``<!channel>``, ``<@U…>`` and
``<https://…|click here>`` show as typed and ping or link no one. The
``text`` fallback (used for notifications, which can show on a locked phone)
never carries personal details: only the reference, the service and, for
urgent enquiries, the safeguarding lead's mention.

Limits kept: a section text at most 3,000 characters, a field 2,000, a
header 150. A message too long for the post is shown in part with a note,
and in full in a thread reply (:func:`full_message_reply`): never cut
silently.
"""

from __future__ import annotations

import datetime as dt

import phonenumbers

from facts.blocks import mrkdwn, section
from facts.enquiries.model import EnquiryRecord, Event
from facts.text import escape

CLAIM, RELEASE, RESPONDED = "enquiry_claim", "enquiry_release", "enquiry_responded"
#: Staff correcting the triage: mark an enquiry urgent, or not urgent.
MARK_URGENT, MARK_NOT_URGENT = "enquiry_mark_urgent", "enquiry_mark_not_urgent"
#: The action ids of the enquiry buttons; each button's ``value`` is the reference.
ACTION_IDS = (CLAIM, RELEASE, RESPONDED, MARK_URGENT, MARK_NOT_URGENT)
#: Escaped characters of the message shown in the post itself; longer goes to the thread.
INLINE_MESSAGE = 2800
#: Characters of a long message previewed in the post.
PREVIEW = 600
SECTION_LIMIT = 2900


def _field_text(value: str) -> dict:
    return mrkdwn(value, verbatim=True)


def _verbatim(value: str) -> dict:
    # Enquiry text is people's own words: never auto-linked (verbatim), never cut (split_escaped keeps it whole).
    return section(value, verbatim=True)


def mention(slack_id: str) -> str:
    """A mention token: ``U…``/``W…`` → ``<@U…>``, a user group ``S…`` → ``<!subteam^S…>``."""
    return f"<!subteam^{slack_id}>" if slack_id.startswith("S") else f"<@{slack_id}>"


def slack_time(when: dt.datetime) -> str:
    """A ``<!date>`` token Slack shows in each reader's time zone (UTC text as the fallback)."""
    utc = when.astimezone(dt.UTC)
    return f"<!date^{int(utc.timestamp())}^{{date_short_pretty}} at {{time}}|{utc:%d %b %Y %H:%M} UTC>"


def _phone(e164: str) -> str:
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return e164


def _or_dash(value: str | None) -> str:
    return escape(value) if value else "—"


def split_escaped(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """``text`` escaped and cut into pieces of at most ``limit`` characters,
    at a line break or space where there is one; never inside an entity."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for ch in text:
        piece = escape(ch)
        if size + len(piece) > limit:
            joined = "".join(current)
            cut = max(joined.rfind("\n"), joined.rfind(" "))
            if cut > limit // 2:
                pieces.append(joined[:cut])
                current, size = [joined[cut + 1:]], len(joined) - cut - 1
            else:
                pieces.append(joined)
                current, size = [], 0
        current.append(piece)
        size += len(piece)
    if current:
        pieces.append("".join(current))
    return pieces


def _preview(message: str) -> str:
    cut = message[:PREVIEW]
    space = cut.rfind(" ")
    return cut[:space] if space > PREVIEW // 2 else cut


# -- status -------------------------------------------------------------------------


def status_lines(record: EnquiryRecord) -> list[str]:
    """Who has it: claimed by, responded by (or "not claimed yet")."""
    lines = []
    if record.claimed_by and record.claimed_at:
        lines.append(f":raising_hand: Claimed by {mention(record.claimed_by)} at {slack_time(record.claimed_at)}")
    if record.responded_by and record.responded_at:
        lines.append(f":white_check_mark: Responded by {mention(record.responded_by)} "
                     f"at {slack_time(record.responded_at)}")
    return lines or [":white_circle: Not claimed yet"]


def _buttons(record: EnquiryRecord) -> dict | None:
    if record.purged_at or record.responded_by:
        return None
    claim = ({"text": "Release", "action_id": RELEASE} if record.claimed_by
             else {"text": "Claim", "action_id": CLAIM, "style": "primary"})
    responded = {"text": "Mark responded", "action_id": RESPONDED}
    if record.claimed_by:
        responded["style"] = "primary"
    urgency = ({"text": "Not urgent", "action_id": MARK_NOT_URGENT} if record.urgent
               else {"text": "Mark urgent", "action_id": MARK_URGENT, "style": "danger"})
    elements = [{"type": "button", "text": {"type": "plain_text", "text": b["text"]}, "action_id": b["action_id"],
                 "value": record.reference, **({"style": b["style"]} if "style" in b else {})}
                for b in (claim, responded, urgency)]
    return {"type": "actions", "block_id": "enquiry_actions", "elements": elements}


# -- the post -------------------------------------------------------------------------


def post(record: EnquiryRecord, *, lead: str | None = None, retention_days: int | None = None) -> dict:
    """The channel message for ``record``: ``{"text": …, "blocks": […]}``.

    Urgent enquiries get a warning header and mention ``lead`` (a user or
    user-group ID). A purged record (``purged_at`` set) renders without
    personal details; ``retention_days`` says after how long.
    """
    if record.purged_at:
        return _purged_post(record, retention_days)
    service = escape(record.service or "service not given")
    blocks: list[dict] = []
    if record.urgent:
        title = f":rotating_light: URGENT enquiry {record.reference}"
        text = f"URGENT enquiry {record.reference} ({service}): " + (f"{mention(lead)} " if lead else "") + \
            "please look now"
        who = f"{mention(lead)} please look now." if lead else (
            "No safeguarding lead is set (FACTBOT_SAFEGUARDING_LEAD): whoever reads this first, please act now.")
        why = "; ".join(f"“{escape(p)}”" for p in record.triage) or "marked urgent by staff"
        blocks.append(_verbatim(f":rotating_light: *The enquiry suggests a child may be at immediate risk* "
                               f"(why: {why}). {who}"))
    else:
        title, text = f"New enquiry {record.reference}", f"New enquiry {record.reference} ({service})"
    blocks.insert(0, {"type": "header", "text": {"type": "plain_text", "text": title, "emoji": True}})
    if record.problems:
        blocks.append(_verbatim(":warning: *Check before replying*\n" + "\n".join(
            f"• {escape(p.message)}" for p in record.problems)))
    marked = {p.field for p in record.problems}

    def shown(label: str, value: str | None, field: str) -> dict:
        flag = " :warning: _as typed_" if field in marked and value else ""
        return _field_text(f"*{label}*\n{_or_dash(value)}{flag}")

    phone = record.phone if "phone" in marked or not record.phone else _phone(record.phone)
    blocks.append({"type": "section", "fields": [
        _field_text(f"*Reference*\n{record.reference}"),
        _field_text(f"*Received*\n{slack_time(record.received_at)}"),
        shown("Name", record.name, "name"),
        shown("Organisation", record.organisation, "organisation"),
        shown("Email", record.email, "email"),
        shown("Phone", phone, "phone"),
        shown("Service", record.service, "service"),
    ]})
    message = record.message or ""
    if len(escape(message)) <= INLINE_MESSAGE:
        blocks.append(_verbatim(f"*Message*\n{escape(message)}"))
    else:
        blocks.append(_verbatim(f"*Message* (first part)\n{escape(_preview(message))} …\n"
                               f"_The message is {len(message):,} characters long: it is in full in the thread._"))
    blocks.append({"type": "context", "elements": [_field_text(line) for line in status_lines(record)]})
    buttons = _buttons(record)
    if buttons:
        blocks.append(buttons)
    return {"text": text, "blocks": blocks}


def full_message_reply(record: EnquiryRecord) -> dict | None:
    """The thread reply with a long message in full, or ``None`` when the post shows it all."""
    message = record.message or ""
    if record.purged_at or len(escape(message)) <= INLINE_MESSAGE:
        return None
    pieces = split_escaped(message)
    blocks = [_verbatim(f"*Full message of {record.reference}* ({len(message):,} characters)")]
    blocks += [_verbatim(piece) for piece in pieces]
    return {"text": f"Full message of {record.reference}", "blocks": blocks}


def _removed_when(retention_days: int | None) -> str:
    """"after 90 days", "after 1 day"; 0 means removed on request (an erasure)."""
    if retention_days == 0:
        return "on request"
    if retention_days:
        return f"after {retention_days} day{'s' if retention_days != 1 else ''}"
    return "at the end of the retention period"


def _purged_post(record: EnquiryRecord, retention_days: int | None) -> dict:
    after = _removed_when(retention_days)
    title = f"Enquiry {record.reference} (details removed)"
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": title, "emoji": True}},
        {"type": "section", "fields": [
            _field_text(f"*Reference*\n{record.reference}"),
            _field_text(f"*Received*\n{slack_time(record.received_at)}"),
            _field_text(f"*Service*\n{_or_dash(record.service)}"),
            _field_text(f"*Urgent*\n{'yes' if record.urgent else 'no'}"),
        ]},
        _verbatim(f":wastebasket: The personal details of this enquiry were removed {after} (retention policy). "
                 "The reference and the claim history are kept."),
    ]
    history = [history_line(event) for event in record.history if event.action != "purged"]
    blocks.append({"type": "context", "elements": [_field_text(line) for line in (history or status_lines(record))[:10]]})
    return {"text": f"{title}: personal details removed {after}", "blocks": blocks}


def purged_full_message_reply(record: EnquiryRecord, retention_days: int | None) -> dict:
    """What the long-message thread reply becomes after the purge."""
    after = _removed_when(retention_days)
    line = f":wastebasket: The full message of {record.reference} was removed {after} (retention policy)."
    return {"text": line, "blocks": [_verbatim(line)]}


# -- actions ----------------------------------------------------------------------------

_VERBS = {"claimed": ":raising_hand: Claimed", "released": ":leftwards_arrow_with_hook: Released",
          "responded": ":white_check_mark: Responded", "purged": ":wastebasket: Details removed",
          "marked_urgent": ":rotating_light: Marked urgent", "marked_not_urgent": ":white_circle: Marked not urgent"}


def history_line(event: Event) -> str:
    """``":raising_hand: Claimed by <@U…> at <date>"`` for one event."""
    by = f" by {mention(event.user)}" if event.user else ""
    return f"{_VERBS.get(event.action, escape(event.action))}{by} at {slack_time(event.at)}"


def action_reply(event: Event, thread_ts: str) -> dict:
    """The thread reply recording a Claim / Release / Mark responded (no personal details)."""
    line = history_line(event)
    if event.action == "released":
        line += "; it can be claimed again"
    elif event.action.startswith("marked_"):
        line += " (a correction of the triage: add the text to benchmarks/data/triage.jsonl)"
    return {"text": line, "thread_ts": thread_ts, "blocks": [_verbatim(line)]}


#: What a held enquiry's error means, for /healthz and the log.
HELD_EXPLANATIONS = {
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
    "enquiry_alert_channel_not_set": "Nobody can be told in Slack that an urgent enquiry is held: set "
                                     "FACTBOT_SAFEGUARDING_LEAD to a user ID (U…), or set FACTBOT_CAMPAIGN_CHANNEL.",
}


def held_problem(code: str) -> str:
    """What to do about enquiries held with Slack error ``code`` (``"conversations.info:not_in_channel"`` or
    ``"not_in_channel"``), in words for /healthz and the log."""
    return HELD_EXPLANATIONS.get(code.split(":")[-1],
                                 f"Slack answered {code}; see the log, then `factbot enquiries retry`.")


# -- escalation -------------------------------------------------------------------------


def reminder(record: EnquiryRecord, which: str, waited: str, *, lead: str | None) -> dict:
    """The thread reply reminding that ``record`` is unclaimed after ``waited`` ("15 minutes"):
    the reference and the wait only, no personal details. ``which`` is ``"day"`` for the
    working-day reminder, else an urgent one."""
    who = f"{mention(lead)} " if lead else ""
    if which == "day":
        line = f":hourglass: {record.reference} has waited {waited} and nobody has claimed it. {who}please claim it " \
               "or hand it on."
    else:
        line = f":alarm_clock: *Urgent* enquiry {record.reference} has waited {waited} and nobody has claimed it. " \
               f"{who or 'Whoever reads this first: '}please look now and press Claim."
    return {"text": line, "thread_ts": record.ts, "blocks": [_verbatim(line)]}


def held_alert(reference: str, code: str, *, lead: str | None) -> dict:
    """The message telling someone that urgent enquiry ``reference`` could not be posted (held with
    Slack error ``code``): the reference, the reason and the fix only, never personal details."""
    who = f"{mention(lead)} " if lead else ""
    line = (f":rotating_light: {who}*Urgent enquiry {reference} is held*: it could not be posted to the enquiry "
            f"channel ({escape(code)}). {escape(held_problem(code))} Until then it is only on the server "
            "(`factbot enquiries list`).")
    return {"text": f"Urgent enquiry {reference} is held: it could not be posted ({code})",
            "blocks": [_verbatim(line)]}
