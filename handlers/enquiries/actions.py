"""The enquiry buttons: **Claim**, **Release**, **Mark responded** and **Mark urgent** / **Not urgent**.

The ack is immediate; the work runs as a Bolt lazy listener: the service
records who pressed what (in the archive), then queues an edit of the
message ("Claimed by @x", "Responded by @x at …") and a thread reply
saying the same, through the outbox. A press that changes nothing
(already claimed by someone else, purged) gets a note only the presser sees.
"""

from __future__ import annotations

import logging
from typing import Protocol

from slack_bolt import Ack, App, Respond

from facts.enquiries.messages import ACTION_IDS

log = logging.getLogger(__name__)


class Acts(Protocol):
    def act(self, reference: str, action_id: str, user: str, channel: str | None = None,
            ts: str | None = None) -> str | None: ...


def register(app: App, service: Acts) -> None:
    """Register the enquiry actions (``facts.enquiries.messages.ACTION_IDS``) on ``app``."""

    def ack_now(ack: Ack) -> None:
        ack()

    def act(body: dict, respond: Respond) -> None:
        action = (body.get("actions") or [{}])[0]
        user = (body.get("user") or {}).get("id")
        channel = (body.get("channel") or {}).get("id")
        ts = (body.get("container") or {}).get("message_ts") or (body.get("message") or {}).get("ts")
        reference = action.get("value")
        if not (isinstance(reference, str) and user):
            return
        try:
            note = service.act(reference, action.get("action_id", ""), user, channel, ts)
        except Exception as exc:  # the type only: never what the record holds
            log.error("enquiry action failed: %s", type(exc).__name__)
            note = "That did not work; please try again."
        if note:
            respond(response_type="ephemeral", replace_original=False, text=note)

    for action_id in ACTION_IDS:
        app.action(action_id)(ack=ack_now, lazy=[act])
