"""How Slack and the website reach the features: every Slack surface and web route, listed here.

One room per feature (``figures``, ``enquiries``, ``campaign``), each module thin:
it translates between Slack or HTTP and the plain rules in ``facts``. This
module is the one list of what the app answers, like Slack's starter
template's ``register_listeners(app)``: add a surface here and nowhere else.
``bot.server`` adds its own two routes: ``POST /slack/events`` (Bolt) and
``GET /healthz``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import App
from starlette.routing import Route

from facts.figures.catalogue import Catalogue
from facts.figures.problem_reports import ProblemReport, ProblemReports
from facts.figures.receipts import Receipts
from facts.figures.usage import Usage
from handlers.campaign import updates as campaign_updates
from handlers.enquiries import actions as enquiry_actions
from handlers.enquiries import intake as enquiry_intake
from handlers.figures import (
    app_home,
    check_figures,
    curation,
    find_figures,
    mention,
    report_problem,
    share,
    slash_command,
)


@dataclass(frozen=True)
class FigureServices:
    """What the server adds to the figure surfaces (``factbot ask`` has none of it).

    ``curating``: the curators' buttons and forms (Re-verify, Propose, Approve, Reject, Retire,
    deploy conflicts). ``receipts``: where every visible post of a figure is kept, so corrections
    can follow it. ``reports``: Report a problem on every figure and the curators' queue in App
    Home; ``announce_report`` tells the campaign channel of a report, ``report_dealt`` that a
    curator dealt with it.
    """

    curating: curation.Curation | None = None
    receipts: Receipts | None = None
    reports: ProblemReports | None = None
    announce_report: Callable[[ProblemReport], None] | None = None
    report_dealt: Callable[[ProblemReport], None] | None = None


def register_listeners(app: App, *, catalogue: Catalogue, usage: Usage, command: str, curators: frozenset[str],
                       enquiries: enquiry_actions.Acts | None = None, figures: FigureServices | None = None,
                       deadline: bool = True) -> None:
    """Every Slack listener: the slash command ``command``, Share, @mentions, the Find figures
    and Check figures message shortcuts, App Home (curator sections for ``curators``), with
    ``enquiries`` the enquiry buttons (Claim, Release, Mark responded), and with ``figures`` what
    the server adds to the figure surfaces (:class:`FigureServices`). ``deadline=False``: no Slack
    waits for the slash command's ack (``factbot ask``), so a slow answer is never deferred."""
    figures = figures or FigureServices()
    slash_command.register(app, catalogue, command, usage, deadline=deadline)
    share.register(app, catalogue, command, figures.receipts)
    mention.register(app, catalogue, usage, command, receipts=figures.receipts)
    find_figures.register(app, catalogue, usage, figures.receipts)
    check_figures.register(app, catalogue)
    home = app_home.Home(catalogue, usage, command, curators, figures.curating, figures.reports, figures.report_dealt)
    app_home.register(app, home)
    if figures.curating is not None:
        curation.register(app, figures.curating, home)
    if figures.reports is not None:
        report_problem.register(app, catalogue, figures.reports, figures.announce_report)
    if enquiries is not None:
        enquiry_actions.register(app, enquiries)


def web_routes(*, intake_token: str | None, submit_update: Callable[..., Any] | None = None,
               submit_enquiry: Callable[..., Any] | None = None, signposting: Callable[[], list[dict]] = list,
               enquiry_accepted: Callable[[str], None] | None = None) -> list[Route]:
    """The website's routes: ``POST /campaign-updates`` (with ``submit_update``) and
    ``POST /enquiries`` (with ``submit_enquiry``), both behind ``intake_token``."""
    routes = []
    if submit_update is not None:
        routes.append(Route("/campaign-updates", campaign_updates.make_endpoint(intake_token, submit_update),
                            methods=["POST"]))
    if submit_enquiry is not None:
        routes.append(Route("/enquiries", enquiry_intake.endpoint(submit_enquiry, intake_token, signposting,
                                                                  accepted=enquiry_accepted), methods=["POST"]))
    return routes
