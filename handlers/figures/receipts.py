"""Receipts of figures posted visibly (:mod:`facts.figures.receipts`), kept by the listeners that post.

Share in thread and a mention's answer are posted with ``chat.postMessage``, whose answer gives the
message ``ts``. **Share in channel** goes through ``response_url`` (so it works where the app is not
a member), which answers without a ``ts``: the post carries message metadata
(``factbot_share`` with a random share id, no text) and the app looks for it in the channel's
history. Where the app cannot read the channel (not a member), no receipt can be kept, and a
correction cannot be posted under it either; that is logged, without the channel's content.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from facts.figures.model import Fact
from facts.figures.receipts import Receipts

log = logging.getLogger(__name__)

#: The metadata event type of a figure shared through ``response_url``.
SHARE_EVENT = "factbot_share"
#: How far before the button was pressed the look-up starts (seconds, Slack's clock).
LOOKUP_WINDOW = 120.0
#: Looks at the channel's history before giving up (half a second apart).
LOOKUPS = 2


def keep(receipts: Receipts | None, channel: str | None, ts: str | None, facts: Iterable[Fact],
         shared_by: str | None) -> int:
    """Keep one receipt per figure in the message ``channel``/``ts``; returns how many. Never raises:
    the post stands without its receipt (logged by error type)."""
    if receipts is None or not channel or not ts:
        return 0
    kept = 0
    for fact in facts:
        try:
            receipts.record(channel, ts, fact, shared_by)
            kept += 1
        except (OSError, ValueError) as exc:
            log.error("receipt of a shared figure not kept: %s", type(exc).__name__)
    return kept


def share_metadata() -> tuple[str, dict]:
    """``(share id, message metadata)`` for a Share in channel post."""
    share_id = secrets.token_hex(8)
    return share_id, {"event_type": SHARE_EVENT, "event_payload": {"share_id": share_id}}


def find_share(client: WebClient, channel: str, share_id: str, pressed_ts: str | None) -> str | None:
    """The ``ts`` of the post carrying ``share_id`` in ``channel``'s recent history, or ``None``
    (not found, or the app cannot read the channel)."""
    try:
        oldest = f"{max(float(pressed_ts or 0) - LOOKUP_WINDOW, 0.0):.6f}" if pressed_ts else None
    except ValueError:
        oldest = None
    for attempt in range(LOOKUPS):
        if attempt:
            time.sleep(0.5)
        try:
            found = client.conversations_history(channel=channel, limit=50, include_all_metadata=True,
                                                 oldest=oldest or "0")
        except SlackApiError as exc:
            log.info("shared figure: no receipt (the app cannot read the channel: %s)", exc.response.get("error"))
            return None
        except (SlackClientError, OSError) as exc:
            log.warning("shared figure: no receipt (%s)", type(exc).__name__)
            return None
        for message in found.get("messages") or []:
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") == SHARE_EVENT and \
                    (metadata.get("event_payload") or {}).get("share_id") == share_id and message.get("ts"):
                return str(message["ts"])
    log.info("shared figure: its post was not found in the channel's history; no receipt")
    return None
