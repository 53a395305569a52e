"""The **Share in channel** button: posts the same cited figures visibly.

The post goes through the action's ``response_url`` with
``response_type: in_channel``, so it works in channels the app has not
joined, and it is attributed to the person who pressed the button. The
ack is immediate; the post runs as a Bolt lazy listener.
"""

from __future__ import annotations

import json
import logging

from slack_bolt import Ack, App, Respond

from facts.figures import messages as render
from facts.figures.catalogue import Catalogue

log = logging.getLogger(__name__)


def register(app: App, catalogue: Catalogue) -> None:
    """Register the Share action (``render.SHARE_ACTION_ID``)."""

    def ack_now(ack: Ack) -> None:
        ack()

    def post_shared(body: dict, respond: Respond) -> None:
        ids = _fact_ids(body)
        facts = catalogue.servable(ids)
        if not facts:
            respond(response_type="ephemeral", replace_original=False,
                    **render.error_message("Those figures are no longer current, so they were not shared. "
                                           "Ask again for the current figures.").as_dict())
            return
        user_id = (body.get("user") or {}).get("id", "someone")
        message = render.shared(facts, user_id, catalogue.today())
        respond(response_type="in_channel", replace_original=False, **message.as_dict())
        log.info("shared %d figure(s)", len(facts))

    app.action(render.SHARE_ACTION_ID)(ack=ack_now, lazy=[post_shared])


def _fact_ids(body: dict) -> list[str]:
    """Fact ids from the button's JSON value; a tampered or malformed value gives []."""
    try:
        value = json.loads(body["actions"][0]["value"])
        ids = value["ids"]
    except (KeyError, IndexError, TypeError, ValueError):
        return []
    return [i for i in ids if isinstance(i, str)][:10] if isinstance(ids, list) else []
