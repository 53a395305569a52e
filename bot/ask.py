"""``factbot ask``: the slash command answered with no Slack at all.

A form-encoded slash-command body, exactly as Slack sends it, is signed with
a one-off signing secret and dispatched through the same Bolt app that
``serve`` runs, so the answer is the one a user would get.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Sequence
from urllib.parse import urlencode

from slack_bolt import App
from slack_sdk.signature import SignatureVerifier

from bot.app import build_app
from bot.settings import Settings
from bot.slack_request import slack_request
from facts.figures.catalogue import Catalogue

#: The placeholder user and channel of a local ask.
LOCAL_USER, LOCAL_CHANNEL = "U0LOCAL0001", "C0LOCAL0001"


def slash_command_body(command: str, text: str, *, user_id: str = LOCAL_USER, channel_id: str = LOCAL_CHANNEL,
                       response_url: str = "https://hooks.slack.com/commands/T0LOCAL0001/1/local") -> str:
    """A form-encoded slash-command body with the fields Slack sends."""
    return urlencode({
        "token": "local", "team_id": "T0LOCAL0001", "team_domain": "local", "channel_id": channel_id,
        "channel_name": "local", "user_id": user_id, "user_name": "local", "command": command,
        "text": text, "api_app_id": "A0LOCAL0001", "is_enterprise_install": "false",
        "response_url": response_url, "trigger_id": "1.2.local",
    })


def signed_headers(secret: str, body: str, content_type: str = "application/x-www-form-urlencoded",
                   timestamp: int | None = None) -> dict[str, str]:
    """Slack's request-signing headers for ``body`` (``v0=`` HMAC-SHA256)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"content-type": content_type, "x-slack-request-timestamp": ts, "x-slack-signature": signature or ""}


class LocalAsker:
    """Dispatches signed slash commands through a Bolt app built for local use.

    ``ask(text)`` returns ``(HTTP status, response body dict)``.
    """

    def __init__(self, settings: Settings, catalogue: Catalogue, app: App | None = None):
        self.secret = secrets.token_hex(16)
        self.command = settings.factbot_command
        self.app = app or build_app(settings, catalogue, signing_secret=self.secret, token="xoxb-local-ask",
                                    deadline=False)

    def ask(self, text: str) -> tuple[int, dict]:
        body = slash_command_body(self.command, text)
        headers: dict[str, str | Sequence[str]] = {**signed_headers(self.secret, body)}
        response = self.app.dispatch(slack_request(body, headers=headers))
        return response.status, (json.loads(response.body) if response.body else {})
