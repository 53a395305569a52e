"""The "Check figures" message shortcut: verdicts on the numbers in a message.

The shortcut (callback ``check_figures``) is acked at once; a lazy listener
checks the message's words (its text, or its blocks, attachments and file
titles when it has none) against the curated figures and answers only the
person who asked, ephemerally through the shortcut's ``response_url`` (so it
works in channels the app has not joined). A payload without a
``response_url`` gets the same answer in a modal.

The message is someone else's words, perhaps a draft with a family's details:
nothing from it is logged or kept.
"""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from facts.figures.catalogue import Catalogue
from facts.figures.check import check_text
from facts.figures.check_messages import check_message
from facts.text import message_words

log = logging.getLogger(__name__)

CALLBACK_ID = "check_figures"
#: Characters of a message that are checked (a long report is cut, and the answer says so).
MAX_CHECKED = 4000


def register(app: App, catalogue: Catalogue) -> None:
    """Register the shortcut (``CALLBACK_ID``)."""

    def ack_now(ack: Ack) -> None:
        ack()

    def check_figures(body: dict, client: WebClient, respond: Respond) -> None:
        words = message_words(body.get("message") or {}, limit=MAX_CHECKED)
        shown = check_message(check_text(words, catalogue.figure_book()))
        if body.get("response_url"):
            respond(response_type="ephemeral", replace_original=False, **shown.as_dict())
            return
        try:
            client.views_open(trigger_id=body["trigger_id"], view={
                "type": "modal", "title": {"type": "plain_text", "text": "Check figures"},
                "close": {"type": "plain_text", "text": "Close"}, "blocks": shown.blocks})
        except SlackApiError as exc:
            log.warning("check figures modal not opened: %s", exc.response.get("error"))

    app.message_shortcut(CALLBACK_ID)(ack=ack_now, lazy=[check_figures])

