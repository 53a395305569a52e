"""App Home: published with ``views.publish`` when someone opens the app's Home tab.

The ack is immediate; a lazy listener publishes the view. Curators
(``FACTBOT_CURATORS``) also see the figures due for review and the top
unanswered queries.
"""

from __future__ import annotations

import logging
from collections.abc import Collection

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from facts.figures import home
from facts.figures.catalogue import Catalogue
from facts.figures.usage import Usage

log = logging.getLogger(__name__)

#: Newest figures shown on the Home tab, with their citations (4 blocks each).
NEWEST_SHOWN = 3


def register(app: App, catalogue: Catalogue, usage: Usage, command: str, curators: Collection[str]) -> None:
    """Register the ``app_home_opened`` listener."""

    def ack_now(ack: Ack) -> None:
        ack()

    def publish(event: dict, client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return  # the Messages tab
        user_id = event["user"]
        curator = user_id in curators
        view = home.home_view(
            catalogue.coverage(), catalogue.newest(NEWEST_SHOWN), catalogue.today(), command,
            reviews_due=catalogue.reviews_due() if curator else None,
            gaps=usage.gaps(home.MAX_GAPS_LISTED) if curator else None,
        )
        try:
            client.views_publish(user_id=user_id, view=view)
        except SlackApiError as exc:
            log.warning("App Home not published: %s", exc.response.get("error"))

    app.event("app_home_opened")(ack=ack_now, lazy=[publish])
