"""``factbot serve``: the app over HTTP, or Socket Mode when ``SLACK_APP_TOKEN`` is set."""

from __future__ import annotations

import argparse
import logging

from bot.app import web_client
from bot.cli.common import CommandError
from bot.runtime import build_runtime
from bot.server import INTAKE_NOT_SET, create_web_app
from bot.settings import Settings
from facts.persistence import hold_exclusively, sibling_path

log = logging.getLogger(__name__)


def required(settings: Settings, bad: set[str]) -> tuple[str, ...]:
    """The settings ``serve`` needs: the bot token, and the app token (Socket Mode, when
    ``SLACK_APP_TOKEN`` is given) or the signing secret (HTTP)."""
    socket_mode = settings.socket_mode or "SLACK_APP_TOKEN" in bad
    return ("slack_bot_token", "slack_app_token" if socket_mode else "slack_signing_secret")


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn  # here, not at the top: every other command starts without the web server

    settings.require(*required(settings, set()))
    log.info("data folder: %s", settings.data_note)
    if not settings.factbot_intake_token:
        log.warning(INTAKE_NOT_SET)
    try:  # one server per store: two would hand out the same enquiry references
        lock_path = sibling_path(settings.factbot_db, "serve").with_suffix(".lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)  # a fresh deploy has no data/ yet
        instance = hold_exclusively(lock_path)
    except BlockingIOError:
        raise CommandError(f"another factbot serve is already using FACTBOT_DB={settings.factbot_db}; "
                           "run one server per store") from None
    raise_open_file_limit()
    runtime = build_runtime(settings)
    runtime.closers.append(instance.close)
    if settings.socket_mode:
        from bot import socket_mode

        app_token = settings.slack_app_token
        if app_token is None:  # settings.require above makes this unreachable
            raise CommandError("SLACK_APP_TOKEN is required for Socket Mode")
        # Connected in the background: with Slack unreachable the web endpoints (the website's
        # enquiries) still serve, and the connection is tried again until it succeeds.
        handler = socket_mode.start(runtime.bolt_app, app_token.get_secret_value(), web_client(settings),
                                    runtime.loops, runtime.slack, retry=settings.factbot_socket_retry)
        runtime.closers.append(handler.close)
    web = create_web_app(runtime, slack_over_http=not settings.socket_mode, on_shutdown=[runtime.close])
    log.info("serving %d figures on http://%s:%d", runtime.catalogue.coverage().figures, args.host, args.port)
    uvicorn.run(web, host=args.host, port=args.port, log_level=settings.factbot_log_level.lower(), access_log=False)
    return 0


def raise_open_file_limit() -> None:
    """Lift the soft limit on open files to the hard limit (often 1,024 against 524,288): every
    connection a client holds open costs the server a descriptor, and running out stops intake
    and delivery until they are freed (both carry on by themselves once they are)."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 16)
        if soft != resource.RLIM_INFINITY and soft < wanted:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    except (ImportError, ValueError, OSError):  # Windows, or a limit we may not change: keep it
        pass


def add_commands(sub: argparse._SubParsersAction) -> None:
    serve = sub.add_parser("serve", help="run the app (HTTP, or Socket Mode when SLACK_APP_TOKEN is set)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=3000)
    serve.set_defaults(func=cmd_serve, required=required)
