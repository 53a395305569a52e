"""The Bolt app: one ``App`` with every listener, used by ``serve`` and ``ask``.

``process_before_response=True`` runs each listener in the request thread
and returns the HTTP response as soon as it finishes: the slash command's
answer travels in the ``ack`` with no polling (Bolt's threaded runner checks
for ``ack()`` every 10 ms; see the benchmark in the README). Slow work, such
as posting a shared answer, runs in Bolt lazy listeners.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import App, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped, warning_token_skipped
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.health import RECHECK_SECONDS, SlackHealth
from bot.loops import DONE, Loop, Loops
from bot.settings import Settings
from facts.figures.catalogue import Catalogue
from facts.figures.usage import Usage
from handlers import FigureServices, register_listeners
from handlers.enquiries.actions import Acts

log = logging.getLogger(__name__)


def _not_token_skipped(record: logging.LogRecord) -> bool:
    """Drop Bolt's "As you gave `client` as well, `token` will be unused" (and its "`token` will
    be ignored" beside ``authorize``): Bolt reads SLACK_BOT_TOKEN from the environment beside the
    client and ``authorize`` we give it, and warned at every start about a choice that is ours."""
    return record.getMessage() not in (warning_client_prioritized_and_token_skipped(), warning_token_skipped())


_BOLT_LOG = logging.getLogger("slack_bolt")
_BOLT_LOG.addFilter(_not_token_skipped)

#: Seconds between ``auth.test`` attempts while Slack does not answer.
IDENTITY_RETRY_SECONDS = 60.0


def web_client(settings: Settings, token: str | None = None, *, retries: bool = True) -> WebClient:
    """A ``WebClient`` on ``SLACK_API_URL`` waiting ``FACTBOT_SLACK_TIMEOUT`` seconds (default 10).

    ``retries=True``: slack_sdk's retry handlers retry 429 (honouring
    ``Retry-After``), 5xx and connection errors twice, in the calling thread.
    The delivery worker passes ``False``: it schedules its own retries.
    """
    handlers = [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=2),
        ServerErrorRetryHandler(max_retry_count=2),
    ] if retries else []
    return WebClient(token=token, base_url=settings.slack_api_url, timeout=settings.factbot_slack_timeout,
                     retry_handlers=handlers)


def bot_identity(client: WebClient, token: str, *, loops: Loops | None = None,
                 health: SlackHealth | None = None) -> Callable[..., AuthorizeResult]:
    """Bolt's ``authorize``: the bot token with the bot's user and bot IDs once known.

    It never calls Slack itself, so no request waits on Slack: with ``loops``
    (the server), a loop asks ``auth.test`` at once and again every
    ``IDENTITY_RETRY_SECONDS`` until it answers; without (``factbot ask``), never.
    With ``health``, the answer (a refused token, Slack unreachable) and the
    configured channels are recorded for ``/healthz`` and checked again every
    ``bot.health.RECHECK_SECONDS``.
    """
    ids: dict[str, str | None] = {}

    def learn() -> float:
        try:
            found = client.auth_test(token=token)
        except (SlackApiError, SlackClientError, OSError) as exc:
            if health is not None:
                health.token_answer(exc)
            else:
                log.warning("auth.test failed (%s); trying again in %ss", type(exc).__name__, IDENTITY_RETRY_SECONDS)
            return IDENTITY_RETRY_SECONDS
        ids.update(bot_user_id=found.get("user_id"), bot_id=found.get("bot_id"))
        if health is None:
            return DONE
        health.token_answer(None)
        health.check_channels(client, token)
        return RECHECK_SECONDS if health.channels_ok else IDENTITY_RETRY_SECONDS  # a fix is seen within a minute

    if loops is not None:
        loops.add(Loop("bot-identity", learn, IDENTITY_RETRY_SECONDS))

    def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=token,
                               bot_user_id=ids.get("bot_user_id"), bot_id=ids.get("bot_id"))

    return authorize


def build_app(
    settings: Settings,
    catalogue: Catalogue,
    *,
    signing_secret: str | None = None,
    token: str | None = None,
    process_before_response: bool = True,
    usage: Usage | None = None,
    enquiries: Acts | None = None,
    loops: Loops | None = None,
    health: SlackHealth | None = None,
    figures: FigureServices | None = None,
    deadline: bool = True,
) -> App:
    """The Bolt app with every listener registered.

    ``signing_secret`` and ``token`` override the settings (``factbot ask``
    uses a one-off secret and a placeholder token and never calls Slack).
    ``usage`` counts figures served and unanswered queries (default: in
    memory only, never written). ``enquiries`` (the enquiry service) adds the
    enquiry buttons. ``loops``: where the bot-identity loop runs (without it,
    as for ``factbot ask``, Slack is never asked). ``figures``: what the server adds to the figure
    surfaces (curation, receipts, problem reports: :class:`handlers.FigureServices`).
    ``deadline=False`` (``factbot ask``/``check``): a slow answer still goes in the ack, as no Slack waits.
    Token verification at start-up is off: the server starts, and takes
    website enquiries, even while Slack is unreachable.
    """
    secret = signing_secret or (settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None)
    bot_token = token or (settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else "")
    client = web_client(settings)
    app = App(
        client=client,
        authorize=bot_identity(client, bot_token, loops=None if token is not None else loops, health=health),
        signing_secret=secret,
        token_verification_enabled=False,
        process_before_response=process_before_response,
        request_verification_enabled=secret is not None,
        logger=_BOLT_LOG,
    )
    register_listeners(app, catalogue=catalogue, usage=usage if usage is not None else Usage(),
                       command=settings.factbot_command, curators=frozenset(settings.factbot_curators),
                       enquiries=enquiries, figures=figures, deadline=deadline)

    @app.error
    def on_error(error: Exception) -> BoltResponse:
        # The exception type only: messages can carry user text.
        log.error("listener failed: %s", type(error).__name__)
        return BoltResponse(status=500, body="")

    return app
