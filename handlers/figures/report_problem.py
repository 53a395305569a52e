"""**Report a problem** on any figure shown: the button, the modal, and its submission.

The button (``REPORT_ACTION_ID``, on slash answers, mention answers, the Find figures modal and
shared posts) is acked at once; a lazy listener opens the report modal (``views.push`` over the Find
figures modal, else ``views.open``). The submission is read and checked in the ack (errors shown on
the fields), kept in the reports file, and handed to ``announce`` (the campaign channel's card,
through the outbox); the modal then thanks the reporter. Nothing the reporter typed is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from facts.figures import problem_reports as reports_view
from facts.figures.catalogue import Catalogue
from facts.figures.problem_reports import ProblemReport, ProblemReports
from handlers.figures.share import button_value

log = logging.getLogger(__name__)


def register(app: App, catalogue: Catalogue, reports: ProblemReports,
             announce: Callable[[ProblemReport], None] | None = None) -> None:
    """Register the Report a problem button and the report modal's submission."""

    def ack_now(ack: Ack) -> None:
        ack()

    def open_modal(body: dict, client: WebClient) -> None:
        parsed = reports_view.parse_button(button_value(body))
        fact = next((f for f in catalogue.all_facts() if parsed and f.id == parsed[0]), None)
        if parsed is None or fact is None:
            log.info("report button with an unknown figure ignored")
            return
        view = reports_view.report_modal(fact, parsed[1])
        try:
            if (body.get("container") or {}).get("type") == "view" or body.get("view"):
                client.views_push(trigger_id=body["trigger_id"], view=view)
            else:
                client.views_open(trigger_id=body["trigger_id"], view=view)
        except SlackApiError as exc:
            log.warning("report modal not opened: %s", exc.response.get("error"))

    def submitted(ack: Ack, body: dict) -> None:
        submission, errors = reports_view.read_submission(body.get("view") or {})
        if submission is None:
            ack(response_action="errors", errors=errors)
            return
        reporter = (body.get("user") or {}).get("id") or "unknown"
        try:
            report = reports.add(submission.figure, submission.version, reporter, submission.text,
                                 submission.source_url, submission.shareable)
        except (OSError, ValueError) as exc:
            log.error("problem report not kept: %s", type(exc).__name__)
            ack(response_action="errors", errors={"what": "Your report could not be saved. Please try again."})
            return
        log.info("problem report %s on %s kept", report.id, report.figure)
        if announce is not None:
            try:
                announce(report)
            except Exception as exc:  # kept for curators in App Home all the same
                log.error("problem report %s not queued for the campaign channel: %s", report.id, type(exc).__name__)
        ack(response_action="update", view=reports_view.thanks_view(report))

    app.action(reports_view.REPORT_ACTION_ID)(ack=ack_now, lazy=[open_modal])
    app.view(reports_view.REPORT_CALLBACK_ID)(submitted)

