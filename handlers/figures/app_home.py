"""App Home: published with ``views.publish`` when someone opens the app's Home tab.

The ack is immediate; a lazy listener publishes the view. Curators
(``FACTBOT_CURATORS``) also see the figures due for review (with Re-verify,
Correct and Retire), the proposals waiting for a second curator, figures held
by a deploy conflict, and the top unanswered queries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from typing import Protocol

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from facts.figures import home
from facts.figures.catalogue import Catalogue
from facts.figures.curation import Proposals
from facts.figures.curation_views import curator_home_blocks
from facts.figures.model import Fact
from facts.figures.problem_reports import DEALT_ACTION_ID, ProblemReport, ProblemReports, queue_blocks
from facts.figures.usage import Usage

log = logging.getLogger(__name__)

#: Newest figures shown on the Home tab, with their citations (4 blocks each).
NEWEST_SHOWN = 3


class Curating(Protocol):
    proposals: Proposals

    def conflicts(self) -> list[Fact]: ...


class Home:
    """Builds and publishes one person's Home tab."""

    def __init__(self, catalogue: Catalogue, usage: Usage, command: str, curators: Collection[str],
                 curation: Curating | None = None, reports: ProblemReports | None = None,
                 report_dealt: Callable[[ProblemReport], None] | None = None):
        self.catalogue, self.usage, self.command = catalogue, usage, command
        self.curators, self.curation, self.reports = curators, curation, reports
        #: Told when a curator marks a report dealt with (the campaign channel's thread reply).
        self.report_dealt = report_dealt

    def view(self, user_id: str, notice: str | None = None) -> dict:
        """The ``home`` view for ``user_id``; ``notice`` (mrkdwn) says what their last action did."""
        catalogue, curator = self.catalogue, user_id in self.curators
        curation = None
        if curator and self.curation is not None:
            curation = curator_home_blocks(self.curation.proposals.pending(), self.curation.conflicts(), notice)
        return home.home_view(
            catalogue.coverage(), catalogue.newest(NEWEST_SHOWN), catalogue.today(), self.command,
            reviews_due=catalogue.reviews_due() if curator else None,
            gaps=self.usage.gaps(home.MAX_GAPS_LISTED) if curator else None, curation=curation,
            problems=queue_blocks(self.reports.open_reports(), catalogue.today()) if curator and self.reports else None,
        )

    def publish(self, client: WebClient, user_id: str, notice: str | None = None) -> None:
        try:
            client.views_publish(user_id=user_id, view=self.view(user_id, notice))
        except SlackApiError as exc:
            log.warning("App Home not published: %s", exc.response.get("error"))


def register(app: App, home_tab: Home) -> None:
    """Register the ``app_home_opened`` listener and, with the tab's ``reports``, the curators'
    **Mark dealt with** button on reported problems (refused, and nothing changed, for anyone else)."""

    def ack_now(ack: Ack) -> None:
        ack()

    def publish(event: dict, client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return  # the Messages tab
        home_tab.publish(client, event["user"])

    def dealt_with(body: dict, client: WebClient) -> None:
        user_id = (body.get("user") or {}).get("id") or ""
        reports = home_tab.reports
        if user_id not in home_tab.curators or reports is None:
            log.warning("Mark dealt with refused: not a curator")
            return
        report_id = str(((body.get("actions") or [{}])[0]).get("value") or "")
        report, changed = reports.mark_dealt(report_id, user_id)
        if report is None:
            log.info("Mark dealt with: no report %s", report_id[:40])
        elif changed and home_tab.report_dealt is not None:
            try:
                home_tab.report_dealt(report)
            except Exception as exc:  # dealt with all the same; the channel is not told
                log.error("dealt-with reply for %s not queued: %s", report.id, type(exc).__name__)
        home_tab.publish(client, user_id)

    app.event("app_home_opened")(ack=ack_now, lazy=[publish])
    app.action(DEALT_ACTION_ID)(ack=ack_now, lazy=[dealt_with])
