"""The delivery worker: posts outbox items to Slack exactly once, through outages.

One background thread per server. For each due item it resolves the
channel, runs the channel's check (e.g. "the enquiries channel is
private"), writes ``sending``, posts with ``chat.postMessage`` (message
``metadata`` carries the outbox id), and records the ``ts``.

- 429: tried again after ``Retry-After`` seconds.
- 5xx, timeouts, refused connections: tried again with exponential backoff
  (``retry_base`` × 2^(attempt−1) seconds, at most ``retry_cap``) for as
  long as the outage lasts. A Slack error code we do not know is tried
  ``max_attempts`` times, then held. After any error that may have come
  after Slack stored the post (a 5xx, a timeout), the channel is searched
  for the post by its metadata before posting again.
- 429: nothing is sent to Slack until ``Retry-After`` has passed.
- Permanent errors (``PERMANENT_ERRORS``: ``channel_not_found``,
  ``not_in_channel``, ``is_archived``, ``invalid_auth``, ``token_revoked`` …),
  an unset channel, or a failed check: the item is held until released
  (``factbot enquiries retry``, ``factbot campaign retry``).
- After a crash, items left in ``sending`` are looked up in the channel's
  history by their metadata before anything is posted again, so a post that
  reached Slack is not repeated. When the history cannot be read, the item
  is posted again: a possible duplicate is better than a lost enquiry.

Logs name items by id and errors by Slack code or exception type, never
message content.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.loops import Loop
from facts.outbox import DELIVERED, SENDING, Outbox, OutboxItem

log = logging.getLogger(__name__)

PERMANENT_ERRORS = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "invalid_auth", "token_revoked", "account_inactive",
    "not_authed", "missing_scope", "no_permission", "restricted_action", "ekm_access_denied",
    "team_access_not_granted", "invalid_blocks", "invalid_blocks_format", "msg_too_long", "no_text",
    "message_not_found", "cant_update_message", "edit_window_closed",
})
METADATA_EVENT = "factbot_delivery"

#: A check run before posting to a channel: returns ``None`` when it is fine
#: to post, else an error code (the item is held); raises on transient errors.
ChannelCheck = Callable[[WebClient, str], str | None]


class Hold(Exception):
    """Raised inside delivery to hold an item with ``code``."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class DeliveryWorker:
    """Delivers an :class:`~facts.outbox.Outbox` through a ``WebClient``.

    ``channels`` maps an item's ``channel_key`` to a channel ID (``None``:
    not configured, the item is held as ``<key>_channel_not_set``).
    ``checks`` maps a channel key to a :data:`ChannelCheck`.
    ``on_delivered(item, channel, ts)`` runs after a delivery is recorded.
    A channel's check runs before every post to it, so an enquiry channel
    made public is caught at once.
    Times are in seconds.
    """

    def __init__(self, outbox: Outbox, client: WebClient, channels: Mapping[str, str | None], *,
                 checks: Mapping[str, ChannelCheck] | None = None,
                 on_delivered: Callable[[OutboxItem, str, str | None], None] | None = None,
                 retry_base: float = 1.0, retry_cap: float = 300.0, max_attempts: int = 10):
        self.outbox = outbox
        self.client = client
        self.channels = dict(channels)
        self.checks = dict(checks or {})
        self.on_delivered = on_delivered
        self.retry_base, self.retry_cap, self.max_attempts = retry_base, retry_cap, max_attempts
        self._paused_until = dt.datetime.min.replace(tzinfo=dt.UTC)
        self._reconciled = False
        #: The background loop (``bot.loops``): first reconciles, then delivers what is due.
        self.loop = Loop("delivery", self._step, 30.0)

    # -- lifecycle -------------------------------------------------------

    def start(self) -> None:
        """Reconcile items left ``sending`` by a crash, then deliver in the background (:attr:`loop`)."""
        self.loop.start()

    def stop(self, timeout: float = 5.0) -> None:
        self.loop.stop(timeout)

    def wake(self) -> None:
        """Deliver now (call after enqueueing)."""
        self.loop.wake()

    def _step(self) -> float:
        if not self._reconciled:
            self.reconcile()
            self._reconciled = True
        self.run_once()
        return self._sleep_seconds()

    def _sleep_seconds(self) -> float:
        next_at = self.outbox.next_due_at()
        if next_at is None:
            return 30.0
        return min(max((next_at - _now()).total_seconds(), 0.05), 30.0)

    # -- one pass ----------------------------------------------------------

    def run_once(self, now: dt.datetime | None = None) -> int:
        """Try every due item once; returns how many were delivered.

        After a 429 nothing is sent to Slack until its ``Retry-After`` has
        passed: the limit is the workspace's, not one item's.
        """
        delivered = 0
        for item in self.outbox.due(now):
            if self.loop.stopping or _now() < self._paused_until:
                break
            delivered += self._deliver(item)
        if delivered:
            self.outbox.prune()
        return delivered

    def reconcile(self) -> None:
        """Settle items a crash left ``sending``: delivered if Slack has them, else pending."""
        for item in self.outbox.items(SENDING):
            channel = self._channel_for(item, quiet=True)
            try:
                parent = self.outbox.find(item_id=item.reply_to) if item.reply_to else None
                ts = self._find_posted(item, channel, parent.ts if parent else None) if channel else None
            except (SlackApiError, SlackClientError, OSError) as exc:
                # Not knowing must not lose the enquiry: post again (a duplicate is the lesser harm).
                log.warning("cannot check whether %s was delivered (%s); posting again", item.id, type(exc).__name__)
                ts = None
            if ts and channel:
                log.info("%s was already delivered before the restart", item.id)
                self.outbox.mark_delivered(item.id, channel, ts)
                self._after_delivery(item, channel, ts)
            else:
                self.outbox.mark_retry(item.id, item.error or "interrupted", _now(), item.attempts)

    def _deliver(self, item: OutboxItem) -> int:
        attempts = item.attempts + 1
        try:
            channel = self._channel_of(item)
            arguments = self._arguments(item, channel)
            if arguments is None:
                return 0  # its thread parent is not delivered yet
            self._check(item.channel_key, channel)
            if _may_have_posted(item):
                # A 5xx or a timeout can come after Slack stored the message: look before posting again.
                ts = self._find_posted(item, channel, arguments.get("thread_ts"))
                if ts:
                    log.info("%s was delivered despite the error; not posting again", item.id)
                    self.outbox.mark_delivered(item.id, channel, ts)
                    self._after_delivery(item, channel, ts)
                    return 1
            self.outbox.mark_sending(item.id)
            response = self.client.api_call(item.method, json=arguments)
            ts = response.get("ts") or arguments.get("ts")
        except Hold as held:
            self._hold(item, held.code, attempts)
            return 0
        except SlackApiError as exc:
            self._failed(item, attempts, exc)
            return 0
        except (SlackClientError, OSError, TimeoutError) as exc:
            self._retry(item, attempts, type(exc).__name__)  # refused, timed out, reset: transient
            return 0
        self.outbox.mark_delivered(item.id, channel, ts)
        log.info("%s delivered", item.id)
        self._after_delivery(item, channel, ts)
        return 1

    def _after_delivery(self, item: OutboxItem, channel: str, ts: str | None) -> None:
        if self.on_delivered is None:
            return
        try:
            self.on_delivered(OutboxItem(**{**item.__dict__, "state": DELIVERED, "channel": channel, "ts": ts}),
                              channel, ts)
        except Exception as exc:  # the delivery itself stands
            log.error("after-delivery step for %s failed: %s", item.id, type(exc).__name__)

    # -- helpers -----------------------------------------------------------

    def _channel_for(self, item: OutboxItem, quiet: bool = False) -> str | None:
        """The item's channel; ``None`` (``quiet``) or :class:`Hold` when it has none."""
        channel = item.message.get("channel") if item.method == "chat.update" else self.channels.get(item.channel_key)
        if channel is None and not quiet:
            raise Hold(f"{item.channel_key}_channel_not_set")
        return channel

    def _channel_of(self, item: OutboxItem) -> str:
        channel = self._channel_for(item)
        assert channel is not None  # _channel_for raised Hold otherwise
        return channel

    def _arguments(self, item: OutboxItem, channel: str) -> dict | None:
        arguments = {**item.message, "channel": channel}
        if item.method == "chat.postMessage":
            arguments.setdefault("unfurl_links", False)
            arguments.setdefault("unfurl_media", False)
            arguments["metadata"] = {"event_type": METADATA_EVENT, "event_payload": {"outbox_id": item.id}}
        if item.reply_to:
            parent = self.outbox.find(item_id=item.reply_to)
            if parent is None:
                raise Hold("thread_parent_missing")
            if parent.state != DELIVERED:
                return None
            arguments["thread_ts"] = parent.ts
        return arguments

    def _check(self, channel_key: str, channel: str) -> None:
        check = self.checks.get(channel_key)
        if check is None:
            return
        problem = check(self.client, channel)
        if problem:
            raise Hold(problem)

    def _failed(self, item: OutboxItem, attempts: int, exc: SlackApiError) -> None:
        status = getattr(exc.response, "status_code", 200)
        code = str(exc.response.get("error") or f"http_{status}")
        if status == 429:
            retry_after = _retry_after(exc)
            self._paused_until = _now() + dt.timedelta(seconds=retry_after)
            self.outbox.mark_retry(item.id, "ratelimited", self._paused_until, attempts)
            log.warning("%s rate limited; trying again in %ss", item.id, retry_after)
        elif code in PERMANENT_ERRORS:
            self._hold(item, code, attempts)
        else:
            self._retry(item, attempts, code, transient=status >= 500)

    def _retry(self, item: OutboxItem, attempts: int, code: str, *, transient: bool = True) -> None:
        # A Slack outage (5xx, refused, timeouts) is waited out however long it lasts, at most
        # retry_cap apart; an error code we do not know is held after max_attempts for a person to see.
        if not transient and attempts >= self.max_attempts:
            self._hold(item, f"gave_up_after_{attempts}_attempts:{code}", attempts)
            return
        delay = min(self.retry_cap, self.retry_base * 2 ** (attempts - 1))
        self.outbox.mark_retry(item.id, code, _now() + dt.timedelta(seconds=delay), attempts)
        log.warning("%s not delivered (%s); trying again in %.1fs", item.id, code, delay)

    def _hold(self, item: OutboxItem, code: str, attempts: int) -> None:
        self.outbox.mark_held(item.id, code, attempts)
        log.error("%s held: %s", item.id, code)

    def _find_posted(self, item: OutboxItem, channel: str, thread_ts: str | None = None) -> str | None:
        """The ``ts`` of this item's earlier post (found by its metadata), or ``None``.

        Raises Slack or network errors: the caller decides what not knowing means.
        """
        since = dt.datetime.fromisoformat(item.created_at) - dt.timedelta(minutes=1)
        oldest = str(since.timestamp())
        found = (self.client.conversations_replies(channel=channel, ts=thread_ts, oldest=oldest,
                                                   include_all_metadata=True, limit=200) if thread_ts
                 else self.client.conversations_history(channel=channel, oldest=oldest, include_all_metadata=True,
                                                        limit=200))
        messages: list[dict] = found.get("messages", [])
        for message in messages:
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            if payload.get("outbox_id") == item.id:
                return message.get("ts")
        return None


#: Errors after which a post certainly did not happen (no need to look before posting again).
_NOT_POSTED = frozenset({"ratelimited", "interrupted"})


def _may_have_posted(item: OutboxItem) -> bool:
    """True when an earlier attempt to post ``item`` may have reached Slack."""
    return (item.method == "chat.postMessage" and item.attempts > 0 and item.error is not None
            and item.error not in _NOT_POSTED and not item.error.endswith("_channel_not_set"))


def _retry_after(exc: SlackApiError) -> float:
    headers = getattr(exc.response, "headers", {}) or {}
    value = headers.get("Retry-After") or headers.get("retry-after") or "1"
    try:
        return max(float(value if not isinstance(value, list) else value[0]), 0.0)
    except ValueError:
        return 1.0


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
