"""The web server: Slack's HTTP endpoint and the service's own endpoints.

Routes: ``POST /slack/events`` (every Slack request: commands, actions,
events; HTTP mode only), ``POST /enquiries`` (the website's enquiry form,
``handlers.enquiries.intake``), ``POST /campaign-updates``, ``GET /healthz``. Bolt's dispatch is synchronous,
so it runs in Starlette's thread pool rather than on the event loop.

In Socket Mode Slack's requests arrive over the socket instead, and the
server still runs for the web endpoints.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_starlette_response
from slack_sdk.signature import SignatureVerifier
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.delivery_health import delivery_health, storage_health
from bot.runtime import Runtime
from bot.slack_request import slack_request
from handlers import web_routes
from handlers.web import Rejected, read_body

log = logging.getLogger(__name__)

#: What each background loop does (by name, before any ``:``), for a stopped loop's problem sentence.
LOOP_ROLES = {"delivery": "posting to Slack", "enquiry-queuer": "queuing stored enquiries",
              "enquiry-escalation": "reminders for unclaimed urgent enquiries",
              "enquiry-reconcile": "queuing again what the outbox lost", "campaign-watch": "campaign alerts",
              "feed-poller": "polling the feeds", "usage-flush": "saving usage counts",
              "facts-refresher": "reloading changed figures", "bot-identity": "checking the token and channels",
              "socket-mode": "the Socket Mode connection", "watch": "noticing changed files"}

#: Slack's own requests are small; anything larger is not from Slack.
MAX_SLACK_BODY = 1024 * 1024  # bytes


#: Said at start (``factbot serve``'s log) and among /healthz's problems while the intake token is unset.
INTAKE_NOT_SET = ("FACTBOT_INTAKE_TOKEN is not set: the website's enquiries and campaign updates are refused "
                  "(503). Set it to the token the website's form sends, then restart.")


def create_web_app(runtime: Runtime, *, slack_over_http: bool = True,
                   on_shutdown: Sequence[Callable[[], object]] = ()) -> Starlette:
    """The Starlette app. ``slack_over_http=False`` (Socket Mode) leaves out ``/slack/events``.

    ``GET /healthz`` → 200 ``{"status": "ok" | "degraded", "figures": n, "intake": "ok" | why not,
    "slack": {"token": "ok" | "unknown" | "unreachable" | Slack's error, "channels": {key: "ok" | problem}},
    "feeds": {"configured": n, "polled": bool, "failing": [{"feed", "outcome"}]}, "problems": [what to do],
    "outbox": {"pending": n, "sending": n, "held": n, "held_errors": {...}, "oldest_waiting_seconds": s},
    "delivery": {"paused_for_seconds": s, "stuck_for_seconds": s}, "quarantine": {"count": n, "files": [...]},
    "enquiries": {"held": n, "held_errors": {...}, "problems": [what to do], "not_yet_queued": n,
    "storing": "ok" | why a new enquiry cannot be stored now (an errno name, from a probe in incoming/)},
    "loops": {"running": n, "stopped": [names], "failing": [names]}, "storage": {"writes": "ok" | "failing",
    "failing": [{"file", "error", "since"}]}}``; "degraded" when anything is held, the website
    intake is not configured, a feed failed its last poll, a configured channel cannot be used,
    Slack does not answer, a background loop is failing (it keeps trying) or one other than
    delivery has stopped, or delivery is in trouble (``bot.delivery_health``: a message waiting
    over 10 minutes, Slack refusing or not answering three delivery attempts in a row, a stuck
    worker, damaged files in quarantine, a damaged file found at start-up), or the enquiry archive
    cannot be written before any write failed (``storing``). 503 with ``"status": "down"`` when nothing reaches Slack (Slack refuses the bot
    token; the delivery loop has stopped) or nothing given can be kept (the last write of a store
    file in the data folder failed and a probe write there still fails: disk full, read-only,
    no permission). Every problem says what to do. It never shows message content.

    ``on_shutdown`` functions run, in order, when the server stops (also on
    SIGTERM/SIGINT, which uvicorn turns into a graceful shutdown; code after
    ``uvicorn.run`` would not run then); an error in one is logged and the
    next still runs.
    """
    bolt_app: App = runtime.bolt_app

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        for function in on_shutdown:
            try:
                await run_in_threadpool(function)
            except Exception as exc:
                log.error("shutdown step %s failed: %s", getattr(function, "__qualname__", function), exc)

    secret = runtime.settings.slack_signing_secret
    verifier = SignatureVerifier(secret.get_secret_value()) if secret and slack_over_http else None

    async def slack_events(request: Request) -> Response:
        """413 over ``MAX_SLACK_BODY`` bytes (refused while reading, before the signature check,
        never buffered whole: an unsigned 300 MB request costs no memory); 401 unless signed by
        Slack (checked before anything is parsed); 400 for a signed body that cannot be parsed."""
        try:
            body = await read_body(request, MAX_SLACK_BODY)
        except Rejected as rejected:
            return rejected.response
        if verifier is not None and not _signed(verifier, body, request):
            return JSONResponse({"error": "invalid or missing Slack signature"}, status_code=401)
        try:
            bolt_request = slack_request(body.decode("utf-8"), query=dict(request.query_params),
                                         headers=dict(request.headers))
            bolt_response = await run_in_threadpool(bolt_app.dispatch, bolt_request)
        except Exception as exc:  # a malformed body: the type only, the body may hold user text
            log.warning("malformed Slack request: %s", type(exc).__name__)
            return JSONResponse({"error": "malformed request"}, status_code=400)
        return to_starlette_response(bolt_response)

    async def healthz(_request: Request) -> Response:
        delivery, delivery_problems = await run_in_threadpool(delivery_health, runtime)
        outbox = delivery["outbox"]
        intake = "ok" if runtime.settings.factbot_intake_token else "not configured (FACTBOT_INTAKE_TOKEN): answers 503"
        status = "degraded" if outbox["held"] or intake != "ok" else "ok"
        body: dict[str, Any] = {"status": status, "figures": runtime.catalogue.coverage().figures, "intake": intake,
                                **delivery}
        enquiries = body["enquiries"] = await run_in_threadpool(runtime.enquiries.health)
        loops = [status for status in runtime.loops.status() if not status.finished]
        stopped = [status.name for status in loops if not status.alive]
        failing = [status for status in loops if status.alive and status.failures]
        body["loops"] = {"running": len(loops) - len(stopped), "stopped": stopped,
                         "failing": [status.name for status in failing]}
        storage, storage_problems = await run_in_threadpool(storage_health, runtime)
        body["storage"] = storage
        slack = runtime.slack.report()
        feeds = runtime.campaign.poller.health()
        body["slack"], body["feeds"] = slack, feeds
        problems = list(slack["problems"])
        if intake != "ok":
            problems.append(INTAKE_NOT_SET)
        problems += [f"feed {f['feed']}: {f['outcome']}" for f in feeds["failing"]]
        problems += storage_problems
        problems += [f"Background loop {name} has stopped: {LOOP_ROLES.get(name.split(':')[0], 'its work')} is not "
                     f"being done. Restart `factbot serve` (and send the log to the developers)." for name in stopped]
        problems += [f"Background loop {s.name} has failed {s.failures} time(s) in a row ({s.last_error}); it keeps "
                     f"trying. See the log; restart `factbot serve` if it lasts." for s in failing]
        unwritable = enquiries["storing"] != "ok" and not storage_problems  # said once, by whichever saw it
        if outbox["held"] or enquiries["held"] or enquiries["quarantined"] or unwritable:
            problems += [p for p in enquiries["problems"] if p not in problems
                         and not (storage_problems and "cannot be written" in p)]
        problems += [p for p in delivery_problems if p not in problems]
        body["problems"] = problems
        if problems:
            body["status"] = "degraded"
        if runtime.slack.down or storage["writes"] != "ok" or "delivery" in stopped:
            # Nothing reaches Slack (a refused token, a stopped delivery loop), or nothing given can be kept.
            body["status"] = "down"
        return JSONResponse(body, status_code=503 if body["status"] == "down" else 200)

    token = runtime.settings.factbot_intake_token
    service = runtime.enquiries
    routes = [Route("/healthz", healthz, methods=["GET"]), *web_routes(
        intake_token=token.get_secret_value() if token else None, submit_update=runtime.campaign.submit_update,
        submit_enquiry=service.submit, signposting=service.signposting, enquiry_accepted=service.hand_over)]
    if slack_over_http:
        routes.append(Route("/slack/events", slack_events, methods=["POST"]))
    return Starlette(routes=routes, lifespan=lifespan)


def _signed(verifier: SignatureVerifier, body: bytes, request: Request) -> bool:
    """Slack's ``v0`` signature over ``body``, within 5 minutes; malformed headers are unsigned
    (a timestamp that is not a number of at most 12 digits, e.g. 400 digits, is never compared)."""
    timestamp = request.headers.get("x-slack-request-timestamp", "").strip()
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return False
    try:
        return verifier.is_valid(body, timestamp, request.headers.get("x-slack-signature", ""))
    except (ValueError, TypeError, OverflowError):
        return False
