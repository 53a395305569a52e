"""The web server: Slack's HTTP endpoint and the service's own endpoints.

Routes: ``POST /slack/events`` (every Slack request: commands, actions,
events; HTTP mode only), ``POST /enquiries`` (the website's enquiry form,
``handlers.enquiries``), ``GET /healthz``. Bolt's dispatch is synchronous,
so it runs in Starlette's thread pool rather than on the event loop.

In Socket Mode Slack's requests arrive over the socket instead, and the
server still runs for the web endpoints.
"""

from __future__ import annotations

import logging
import threading

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.runtime import Runtime
from facts.catalogue import Catalogue
from handlers import enquiries

log = logging.getLogger(__name__)

#: Slack's own requests are small; anything larger is not from Slack.
MAX_SLACK_BODY = 1024 * 1024  # bytes


def create_web_app(runtime: Runtime, *, slack_over_http: bool = True) -> Starlette:
    """The Starlette app. ``slack_over_http=False`` (Socket Mode) leaves out ``/slack/events``.

    ``GET /healthz`` → 200 ``{"status": "ok" | "degraded", "figures": n,
    "outbox": {"pending": n, "sending": n, "held": n, "held_errors": {...}},
    "enquiries": {"held": n, "held_errors": {...}, "problems": [what to do], "not_yet_queued": n}}``;
    "degraded" when anything is held. It never shows message content.
    """
    bolt_app: App = runtime.bolt_app

    async def slack_events(request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_SLACK_BODY:
            return JSONResponse({"error": "body too large"}, status_code=413)
        bolt_response = await run_in_threadpool(bolt_app.dispatch, to_bolt_request(request, body))
        return to_starlette_response(bolt_response)

    async def healthz(_request: Request) -> Response:
        outbox = await run_in_threadpool(runtime.outbox.summary)
        status = "degraded" if outbox["held"] else "ok"
        body = {"status": status, "figures": runtime.catalogue.coverage().figures, "outbox": outbox}
        if runtime.enquiries is not None:
            body["enquiries"] = await run_in_threadpool(runtime.enquiries.health)
        return JSONResponse(body)

    routes = [Route("/healthz", healthz, methods=["GET"])]
    routes += enquiry_routes(runtime)
    if slack_over_http:
        routes.append(Route("/slack/events", slack_events, methods=["POST"]))
    return Starlette(routes=routes)


def enquiry_routes(runtime: Runtime) -> list[Route]:
    """``POST /enquiries`` (see ``handlers.enquiries``), when the runtime has enquiries."""
    if runtime.enquiries is None:
        return []
    token = runtime.settings.factbot_intake_token
    service = runtime.enquiries
    endpoint = enquiries.endpoint(service.submit, token.get_secret_value() if token else None, service.signposting,
                                  accepted=service.hand_over)
    return [Route("/enquiries", endpoint, methods=["POST"])]


def start_refresher(catalogue: Catalogue, interval: float = 5.0) -> threading.Event:
    """Reload the figures every ``interval`` seconds when the store file changed.

    Returns an event; set it to stop the thread.
    """
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(interval):
            try:
                if catalogue.refresh():
                    log.info("figures reloaded from the store")
            except Exception as exc:  # a bad file must not stop serving the figures already loaded
                log.error("could not reload figures: %s", exc)

    threading.Thread(target=run, name="facts-refresher", daemon=True).start()
    return stop
