"""The web server: Slack's HTTP endpoint and the service's own endpoints.

Routes: ``POST /slack/events`` (every Slack request: commands, actions,
events; HTTP mode only), ``GET /healthz``. Bolt's dispatch is synchronous,
so it runs in Starlette's thread pool rather than on the event loop.

In Socket Mode Slack's requests arrive over the socket instead, and the
server still runs for the web endpoints.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import AsyncIterator, Callable, Sequence

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from facts.catalogue import Catalogue

log = logging.getLogger(__name__)

#: Slack's own requests are small; anything larger is not from Slack.
MAX_SLACK_BODY = 1024 * 1024  # bytes


def create_web_app(bolt_app: App | None, catalogue: Catalogue,
                   on_shutdown: Sequence[Callable[[], object]] = ()) -> Starlette:
    """The Starlette app. ``bolt_app=None`` (Socket Mode) leaves out ``/slack/events``.

    ``on_shutdown`` functions run, in order, when the server stops (also on
    SIGTERM/SIGINT, which uvicorn turns into a graceful shutdown); an error in
    one is logged and the next still runs.
    """

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        for function in on_shutdown:
            try:
                await run_in_threadpool(function)
            except Exception as exc:
                log.error("shutdown step %s failed: %s", getattr(function, "__qualname__", function), exc)

    async def slack_events(request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_SLACK_BODY:
            return JSONResponse({"error": "body too large"}, status_code=413)
        bolt_response = await run_in_threadpool(bolt_app.dispatch, to_bolt_request(request, body))
        return to_starlette_response(bolt_response)

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok", "figures": catalogue.coverage().figures})

    routes = [Route("/healthz", healthz, methods=["GET"])]
    if bolt_app is not None:
        routes.append(Route("/slack/events", slack_events, methods=["POST"]))
    return Starlette(routes=routes, lifespan=lifespan)


def every(interval: float, function: Callable[[], object], name: str) -> threading.Event:
    """Call ``function()`` every ``interval`` seconds in a daemon thread called ``name``.

    An exception is logged (its message only) and the next round still
    runs. Returns an event; set it to stop the thread.
    """
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(interval):
            try:
                function()
            except Exception as exc:
                log.error("%s failed: %s", name, exc)

    threading.Thread(target=run, name=name, daemon=True).start()
    return stop


def start_refresher(catalogue: Catalogue, interval: float = 5.0) -> threading.Event:
    """Reload the figures every ``interval`` seconds when the store file changed.

    A bad file does not stop serving the figures already loaded. Returns an
    event; set it to stop the thread.
    """

    def refresh() -> None:
        if catalogue.refresh():
            log.info("figures reloaded from the store")

    return every(interval, refresh, "facts-refresher")
