"""What the server knows about Slack: is the bot token good, are the configured channels usable.

:class:`SlackHealth` is filled by the bot-identity loop (``bot.app.bot_identity``):
``auth.test`` at start-up and every :data:`RECHECK_SECONDS`, then
``conversations.info`` for each configured channel. ``/healthz`` reads
:meth:`SlackHealth.report`; every problem is logged once, in words that say
what to do (the token's value and message content never appear).

Token states: ``unknown`` (not asked yet), ``ok``, ``unreachable`` (Slack did
not answer: the server keeps serving and asks again), or Slack's error code
(``invalid_auth``, ``token_revoked``…: nothing reaches Slack until the token is
replaced, so health is ``down``).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

log = logging.getLogger(__name__)

#: Seconds between checks once Slack has answered (a token revoked later is noticed).
RECHECK_SECONDS = 600.0
#: ``auth.test`` errors meaning the token itself is refused.
TOKEN_ERRORS = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired",
                          "org_login_required", "ekm_access_denied", "missing_scope", "not_allowed_token_type"})
#: How each configured channel must be: its setting, and whether it must be private.
CHANNELS = {"enquiry": ("FACTBOT_ENQUIRY_CHANNEL", True), "campaign": ("FACTBOT_CAMPAIGN_CHANNEL", False)}


def token_fix(code: str) -> str:
    """What to do when Slack refuses the bot token with ``code``."""
    return (f"Slack refused the bot token (auth.test: {code}): nothing reaches Slack. Reinstall the app in the "
            "workspace (api.slack.com/apps → OAuth & Permissions), put the new xoxb- token in SLACK_BOT_TOKEN and "
            "restart `factbot serve`; then `factbot enquiries retry` for anything held.")


def channel_problem(key: str, channel: str | None, found: dict[str, Any] | None, error: str | None) -> str | None:
    """What is wrong with configured channel ``key`` (``conversations.info`` gave ``found`` or
    ``error``), in words with the fix; ``None`` when it is usable."""
    setting, private = CHANNELS[key]
    if not channel:
        return None  # reported as "not set"; start-up logs it, and an enquiry held for it degrades health
    invite = "invite the app (/invite @Safeguarding Facts in that channel)" + (
        ", then `factbot enquiries retry`" if key == "enquiry" else "")
    if error in ("channel_not_found", "not_in_channel"):
        return f"{setting} {channel}: not found, or the app is not in it (a private channel is invisible until " \
               f"the app is invited): {invite}."
    if error:
        return f"{setting} {channel}: Slack answered {error} to conversations.info."
    assert found is not None
    if found.get("is_archived"):
        return f"{setting} {channel} is archived: nothing can be posted there; point {setting} at a live channel " \
               "and restart."
    if private and not found.get("is_private"):
        return f"{setting} {channel} is not a private channel: enquiries are held until it is private (or the " \
               "setting points at a private one)."
    if found.get("is_member") is False:
        return f"{setting} {channel}: the app is not a member: {invite}."
    return None


class SlackHealth:
    """The token's state and each configured channel's problem (thread-safe; see the module docstring)."""

    def __init__(self, channels: dict[str, str | None]):
        self.channels = dict(channels)
        self.token = "unknown"
        self.channel_problems: dict[str, str] = {}
        self.checked_channels = False
        #: ``None`` over HTTP; in Socket Mode "connecting", "connected" or "not connected (why)".
        self.socket_mode: str | None = None
        self._lock = threading.Lock()
        self._logged: set[str] = set()

    def _once(self, level: int, line: str) -> None:
        if line not in self._logged:
            self._logged.add(line)
            log.log(level, "%s", line)

    def token_answer(self, error: BaseException | None) -> None:
        """Record ``auth.test``'s outcome: ``None`` (the token is good) or the exception raised."""
        with self._lock:
            if error is None:
                self.token = "ok"
            elif isinstance(error, SlackApiError) and str(error.response.get("error")) in TOKEN_ERRORS:
                self.token = str(error.response.get("error"))
            else:
                self.token = "unreachable"
        if self.token in TOKEN_ERRORS:
            self._once(logging.ERROR, token_fix(self.token))
        elif self.token == "unreachable":
            log.warning("Slack did not answer auth.test (%s): web endpoints still serve; asking again",
                        type(error).__name__)

    def check_channels(self, client: WebClient, token: str | None = None) -> None:
        """``conversations.info`` for each configured channel; problems recorded and logged once."""
        problems: dict[str, str] = {}
        for key, channel in self.channels.items():
            found, error = None, None
            if channel:
                try:
                    found = client.conversations_info(channel=channel, token=token)["channel"]
                except SlackApiError as exc:
                    error = str(exc.response.get("error"))
                except (SlackClientError, OSError):
                    return  # Slack did not answer: try again at the next check
            problem = channel_problem(key, channel, found, error)
            if problem:
                problems[key] = problem
                self._once(logging.ERROR, problem)
        with self._lock:
            self.channel_problems = problems
            self.checked_channels = True

    def delivered(self, key: str) -> None:
        """A message reached channel ``key``: whatever the last check found there is fixed, and
        Slack answers with this token (an ``unreachable`` from an earlier auth.test is over)."""
        with self._lock:
            self.channel_problems.pop(key, None)
            if self.token in ("unreachable", "unknown"):
                self.token = "ok"

    @property
    def channels_ok(self) -> bool:
        with self._lock:
            return not self.channel_problems

    def report(self) -> dict[str, Any]:
        """``{"token": state, "channels": {key: "ok" | "not set" | problem | "not checked yet"}, "problems": [...]}``."""
        with self._lock:
            channels = {key: ("not checked yet" if not self.checked_channels and value else
                              self.channel_problems.get(key) or ("ok" if value else "not set"))
                        for key, value in self.channels.items()}
            problems = list(self.channel_problems.values())
            if self.token in TOKEN_ERRORS:
                problems.insert(0, token_fix(self.token))
            elif self.token == "unreachable":
                problems.insert(0, "Slack is not answering: messages wait in the outbox; the web endpoints still serve.")
            report: dict[str, Any] = {"token": self.token, "channels": channels, "problems": problems}
            if self.socket_mode is not None:
                report["socket_mode"] = self.socket_mode
                if self.socket_mode.startswith("not connected"):
                    problems.append(f"Socket Mode is {self.socket_mode}: slash commands, buttons and mentions go "
                                    "unanswered until it connects (retrying; check SLACK_APP_TOKEN and the network). "
                                    "The web endpoints still serve.")
            return report

    @property
    def down(self) -> bool:
        """True when Slack refuses the token: nothing can reach Slack."""
        return self.token in TOKEN_ERRORS
