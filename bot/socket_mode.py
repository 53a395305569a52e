"""Socket Mode: Slack's requests over a websocket, connected in the background.

:func:`start` adds a loop (``bot.loops``) that connects Bolt's
``SocketModeHandler`` and keeps checking it: while Slack cannot be reached
(``apps.connections.open`` fails, the websocket is refused) the server still
starts and the web endpoints (``POST /enquiries``) serve; the loop tries
again every ``retry`` seconds (the server's: ``FACTBOT_SOCKET_RETRY``, default
:data:`RETRY_SECONDS`), and ``/healthz`` says Socket Mode is not
connected. Once connected, slack_sdk's client reconnects by itself; the loop
notices a session that stayed down and connects afresh.
"""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient

from bot.health import SlackHealth
from bot.loops import Loop, Loops

log = logging.getLogger(__name__)

#: Seconds between connection attempts while not connected.
RETRY_SECONDS = 10.0
#: Seconds between checks of a connected session.
CHECK_SECONDS = 30.0


def start(app: App, app_token: str, web_client: WebClient, loops: Loops, health: SlackHealth,
          retry: float = RETRY_SECONDS) -> SocketModeHandler:
    """Connect ``app`` over Socket Mode in a background loop, trying again every ``retry`` seconds
    while not connected; the handler (close it at shutdown)."""
    handler = SocketModeHandler(app, app_token, web_client=web_client)
    health.socket_mode = "connecting"

    def step() -> float:
        if handler.client.is_connected():
            health.socket_mode = "connected"
            return CHECK_SECONDS
        handler.client.wss_uri = None  # ask Slack for a fresh URL: an old one may have expired
        try:
            handler.connect()
        except Exception as exc:  # Slack unreachable, the app token refused: keep serving, try again
            health.socket_mode = f"not connected ({type(exc).__name__})"
            log.warning("Socket Mode not connected (%s): commands and buttons wait; the web endpoints serve; "
                        "trying again in %gs (check SLACK_APP_TOKEN and the network)", type(exc).__name__, retry)
            return retry
        health.socket_mode = "connected"
        log.info("Socket Mode connected")
        return CHECK_SECONDS

    loops.add(Loop("socket-mode", step, retry))
    return handler
