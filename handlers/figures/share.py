"""The buttons of an answer: **Share in channel** (one figure), **Show whole**, **More figures**.

**Share in channel** posts that one figure, whole and attributed, through the
action's ``response_url`` with ``response_type: in_channel``, so it works in
channels the app has not joined. **Show whole** and **More figures** replace
the ephemeral answer (``replace_original``) with the answer again, that
figure whole first, or more figures one line each. Acks are immediate; the
work runs as Bolt lazy listeners.
"""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from facts.figures import answers, replies
from facts.figures import messages as render
from facts.figures.catalogue import Catalogue
from facts.figures.receipts import Receipts
from handlers.figures import receipts as kept

log = logging.getLogger(__name__)


def register(app: App, catalogue: Catalogue, command: str = "/grooming", receipts: Receipts | None = None) -> None:
    """Register the Share, Show whole and More figures actions; a shared figure's post is kept
    in ``receipts`` (when the app can read the channel: see ``handlers.figures.receipts``)."""

    def ack_now(ack: Ack) -> None:
        ack()

    def post_shared(body: dict, respond: Respond, client: WebClient) -> None:
        facts = catalogue.servable(answers.shared_ids(button_value(body)))
        if not facts:
            respond(response_type="ephemeral", replace_original=False,
                    **render.error_message("That figure is no longer current, so it was not shared. "
                                           "Ask again for the current figures.").as_dict())
            return
        user_id = (body.get("user") or {}).get("id", "someone")
        fact = facts[0]  # one figure a button
        share_id, metadata = kept.share_metadata()
        posted = respond(response_type="in_channel", replace_original=False, metadata=metadata,
                         **answers.shared(fact, user_id, catalogue.today()).as_dict())
        log.info("shared a figure")
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        if receipts is not None and channel and getattr(posted, "status_code", 200) == 200:
            pressed = (body.get("actions") or [{}])[0].get("action_ts")
            kept.keep(receipts, channel, kept.find_share(client, channel, share_id, pressed), [fact], user_id)

    def answer_again(body: dict, respond: Respond) -> None:
        pressed = answers.parse_value(button_value(body))
        if pressed is None:
            respond(response_type="ephemeral", replace_original=False,
                    **render.error_message("That button is out of date. Ask the question again.").as_dict())
            return
        respond(response_type="ephemeral", replace_original=True,
                **replies.again(catalogue, pressed, command).as_dict())

    app.action(answers.SHARE_ACTION_ID)(ack=ack_now, lazy=[post_shared])
    app.action(answers.SHOW_ACTION_ID)(ack=ack_now, lazy=[answer_again])
    app.action(answers.MORE_ACTION_ID)(ack=ack_now, lazy=[answer_again])


def button_value(body: dict) -> str:
    """The pressed button's value (``""`` when missing or not text)."""
    try:
        value = body["actions"][0]["value"]
    except (KeyError, IndexError, TypeError):
        return ""
    return value if isinstance(value, str) else ""
