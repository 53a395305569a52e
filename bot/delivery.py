"""The delivery worker: posts outbox items to Slack exactly once, through outages.

One background thread per server. It sleeps until the earliest item is
due or something is enqueued (the outbox wakes it), never polling the
items. For each due item, earliest first, it resolves the channel, runs
the channel's check (e.g. "the enquiries channel is private"), writes
``sending``, posts with ``chat.postMessage`` (message ``metadata`` carries
the outbox id) over a kept-open connection, and records the ``ts``.

- 429: nothing is sent to Slack until ``Retry-After`` has passed (the limit
  is the workspace's, not one item's).
- 5xx, timeouts, refused connections: the item is tried again with
  exponential backoff (``retry_base`` × 2^(attempt−1) s; the server's worker:
  ``FACTBOT_RETRY_BASE``, default 1; at most
  ``retry_cap``) for as long as the outage lasts, and the worker pauses
  (the same backoff over consecutive failures, at most ``pause_cap``) so an
  outage costs one request per pause, not one per item. A Slack error code
  we do not know is tried ``max_attempts`` times, then held.
- Permanent errors (``PERMANENT_ERRORS``), an unset channel, or a failed
  check: the item is held until released (``factbot enquiries retry``,
  ``factbot campaign retry``). When the error is the channel's, not the
  item's (``CHANNEL_ERRORS``: archived, not found, the app not in it, an
  enquiry channel not private, a channel not set), every post waiting for
  that channel is held with it at once (edits carry their own channel and
  are tried each), with one log line naming the
  channel and the fix, instead of trying each item.

**Pacing.** Slack allows about one ``chat.postMessage`` per second per
channel. The worker posts to one channel at most once every ``pace``
seconds (the server's worker: ``FACTBOT_POST_PACE``, default :data:`PACE_SECONDS`; a worker built
alone: 0); while a channel waits its turn its
items are passed over in the outbox's index, so other channels' items go
out without waiting behind it (a burst to the campaign channel never delays
an enquiry). Edits (``chat.update``) are not paced: Slack's limit is on posts.

**Finding an earlier post.** After any error that may have come after
Slack stored the post (a 5xx, a reset connection, a timeout, a crash while
``sending``) the item's earlier post is looked for by its outbox id in
message metadata before posting again: in ``conversations.replies`` for a
thread reply (thread replies never appear in channel history), else in
``conversations.history``, following ``next_cursor`` through every page.
The window starts at ``after_ts``, the newest Slack ``ts`` the worker had
seen in that channel before the first attempt (Slack's clock, not ours; a
server whose clock is minutes out finds it all the same); without one, a
day before the item was created. After a timeout the look-up waits
``lookup_delay`` seconds (the server's worker: ``FACTBOT_LOOKUP_DELAY``, default 10), since a slow Slack may store the message after
the client gave up. Look-ups happen only after such errors, so their number
follows errors, not posts. Both methods are Slack rate-limit **Tier 3**
(50+ per minute) for internal, customer-built apps like this one; a 429 on
a look-up pauses the worker like any other. One full read of a channel
answers for every item that this process has not tried yet (items queued
again from the archive, or from an outbox restored from a backup: any post
of theirs was made before this process began), so refilling an emptied
outbox costs one read of the channel, not one per item. Such items wait
until ``lookup_delay`` after the process began (a post the process before
sent may be stored that late) and are then looked up from that one read; one
whose window starts earlier than the read's adds a read of only the older
part (``latest``), since the archive's order is not the order of windows. When the history cannot be read
at all, the item is posted again: a possible duplicate is better than a
lost enquiry.

Times: pauses, backoffs and waits use the monotonic clock (``clock``), so
a stepped wall clock neither stops nor hurries delivery; wall-clock times
are only written for people to read.

Logs name items by id and errors by Slack code or exception type, never
message content.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.loops import Loop
from bot.slack_http import KeepAliveWebClient
from facts.enquiries.messages import held_problem
from facts.enquiries.model import ALERT_KEY as ENQUIRY_ALERT_KEY
from facts.outbox import DELIVERED, HELD, IN_MESSAGE, Outbox, OutboxItem

log = logging.getLogger(__name__)

PERMANENT_ERRORS = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "invalid_auth", "token_revoked", "account_inactive",
    "not_authed", "missing_scope", "no_permission", "restricted_action", "ekm_access_denied",
    "team_access_not_granted", "invalid_blocks", "invalid_blocks_format", "msg_too_long", "no_text",
    "message_not_found", "cant_update_message", "edit_window_closed",
})
METADATA_EVENT = "factbot_delivery"
#: Error recorded for a post that timed out (the look-up for it waits ``lookup_delay``).
TIMEOUT = "timeout"
#: Error recorded for an item a crash left ``sending``.
INTERRUPTED = "interrupted_sending"
#: While idle, how often to notice another process's additions (one read of SQLite's shared memory).
IDLE_CHECK_SECONDS = 2.0
#: How often delivered items are pruned (seconds).
PRUNE_EVERY = 600.0
#: Items read per query in a pass.
PAGE = 100
#: How far back a look-up goes when no Slack ``ts`` is known for the channel.
NO_TS_WINDOW = dt.timedelta(days=1)
#: At most this many history pages per look-up (200 messages each).
MAX_LOOKUP_PAGES = 200

#: Seconds between two posts to one channel (Slack: about one message per second per channel).
PACE_SECONDS = 1.0
#: Errors that are the channel's, not the item's: every item waiting for that channel is held at
#: once (also ``<key>_channel_not_set``).
CHANNEL_ERRORS = frozenset({"channel_not_found", "not_in_channel", "is_archived", "channel_not_private",
                            "channel_shared_externally"})

#: A check run before posting to a channel: returns ``None`` when it is fine
#: to post, else an error code (the item is held); raises on transient errors.
ChannelCheck = Callable[[WebClient, str], str | None]


class Hold(Exception):
    """Raised inside delivery to hold an item with ``code``."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class Stale(Exception):
    """Raised by a ``render`` hook: what the item says is no longer true (a held-alert about a
    post that is no longer held). The item is discarded, not sent."""


class DeliveryWorker:
    """Delivers an :class:`~facts.outbox.Outbox` through a ``WebClient``.

    ``channels`` maps an item's ``channel_key`` to a channel ID (``None``:
    not configured, the item is held as ``<key>_channel_not_set``).
    ``checks`` maps a channel key to a :data:`ChannelCheck`.
    ``on_delivered(item, channel, ts)`` runs after a delivery is recorded.
    ``known_post(item)`` returns ``(channel, ts)`` when the truth elsewhere
    (the enquiry archive) already records the item's post: it is then marked
    delivered without posting (an outbox restored from an older backup).
    ``render(item)`` returns the item's message rendered again from the truth elsewhere with the
    current settings (an enquiry post held while no lead was set mentions the lead once sent),
    ``None`` to send it as queued, or raises :class:`Stale` to discard it unsent.
    A channel's check runs before every post to it, so an enquiry channel
    made public is caught at once. Times are in seconds; ``clock`` is
    monotonic.
    """

    def __init__(self, outbox: Outbox, client: WebClient, channels: Mapping[str, str | None], *,
                 checks: Mapping[str, ChannelCheck] | None = None,
                 on_delivered: Callable[[OutboxItem, str, str | None], None] | None = None,
                 known_post: Callable[[OutboxItem], tuple[str, str] | None] | None = None,
                 render: Callable[[OutboxItem], dict | None] | None = None,
                 retry_base: float = 1.0, retry_cap: float = 300.0, max_attempts: int = 10,
                 pause_cap: float = 30.0, lookup_delay: float = 10.0, pace: float = 0.0,
                 clock: Callable[[], float] = time.monotonic):
        self.outbox = outbox
        self.client = KeepAliveWebClient.like(client)
        self.channels = dict(channels)
        self.checks = dict(checks or {})
        self.on_delivered = on_delivered
        self.known_post = known_post
        self.render = render
        self._born = clock()
        self._last_try = clock()  # monotonic: when an item was last tried (for "stuck" in health)
        #: (channel, thread) → the last full look-up: (oldest ts, monotonic start, outbox id → ts).
        self._scans: dict[tuple[str, str | None], tuple[str, float, dict[str, str]]] = {}
        self.retry_base, self.retry_cap, self.max_attempts = retry_base, retry_cap, max_attempts
        self.pause_cap, self.lookup_delay, self.pace = pause_cap, lookup_delay, pace
        #: channel → monotonic time before which nothing more is posted there (pacing).
        self._next_post: dict[str, float] = {}
        #: Channel keys whose posts are passed over for the rest of this pass (paced).
        self._skip: set[str] = set()
        #: Channel keys whose items were all held in this pass (their channel's problem).
        self._held_keys: set[str] = set()
        self.clock = clock
        self._paused_until = 0.0  # 429: nothing is sent before this (monotonic)
        self._outage_until = 0.0  # consecutive transient failures: the thread waits until this
        self._outage = 0
        #: The last transient failure's code (5xx, timeout, refused…), for health while it lasts.
        self.outage_error: str | None = None
        self._last_prune = clock()
        self._newest_ts: dict[str, str] = {}
        self._reconciled = False
        self._outage_hit = False
        self._version: int | None = None
        self._woken = True
        #: The background loop (``bot.loops``): reconciles once, then delivers what is due. An
        #: error that escapes a pass is logged by type and backed off; the loop never dies.
        self.loop = Loop("delivery", self._step, IDLE_CHECK_SECONDS, max_backoff=pause_cap)
        outbox.on_change(self.wake)

    # -- lifecycle -------------------------------------------------------

    def start(self) -> None:
        """Settle items left ``sending`` by a crash, then deliver in the background (:attr:`loop`)."""
        self.loop.start()

    def stop(self, timeout: float = 5.0) -> None:
        self.loop.stop(timeout)

    def wake(self) -> None:
        """Deliver now (the outbox calls this on every enqueue in this process)."""
        self._woken = True
        self.loop.wake()

    @property
    def paused_for(self) -> float:
        """Seconds until the worker sends to Slack again after a 429 or an outage (0: not paused)."""
        return max(max(self._paused_until, self._outage_until) - self.clock(), 0.0)

    def pacing_for(self) -> float | None:
        """Seconds until the first paced channel may be posted to again (``None``: none is paced)."""
        now = self.clock()
        waits = [until - now for until in self._next_post.values() if until > now]
        return min(waits) if waits else None

    def _paced_keys(self) -> set[str]:
        """Channel keys whose channel is waiting its turn (see Pacing in the module docstring)."""
        now = self.clock()
        self._next_post = {channel: until for channel, until in self._next_post.items() if until > now}
        return {key for key, channel in self.channels.items() if channel in self._next_post}

    @property
    def failures_in_a_row(self) -> int:
        """Transient failures (Slack down, 5xx, timeouts) since the last delivery."""
        return self._outage

    def stuck_for(self) -> float:
        """Seconds items have been due while the worker tried none of them (not paused by a 429
        or an outage): 0 when delivery is moving or nothing is due."""
        if self.paused_for > 0 or self.outbox.next_due_in() != 0.0:
            return 0.0
        return max(self.clock() - self._last_try, 0.0)

    def _step(self) -> float:
        """One round of the loop; returns how long to wait (a wake ends the wait early, but a
        pause is waited out: the next round sees it and waits again)."""
        self._last_try = self.clock()  # looked (an idle worker looks every IDLE_CHECK_SECONDS)
        if not self._reconciled:
            self.reconcile()
            self._reconciled = True
        if self.paused_for > 0:
            return self.paused_for
        version, woken = self.outbox.data_version(), self._woken
        self._woken = False
        if woken or version != self._version or self.outbox.next_due_in() == 0.0:
            self.run_once()
        self._version = version
        if self.clock() - self._last_prune >= PRUNE_EVERY:
            self._last_prune = self.clock()
            self.outbox.prune()
        if self.paused_for > 0:
            return self.paused_for
        next_due = self.outbox.next_due_in()
        if next_due == 0.0:
            # What is still due waits for its channel's turn (pacing): wake when the first turn comes.
            return self.pacing_for() or 0.0
        # Idle: look again within IDLE_CHECK_SECONDS only to notice a `factbot` command's additions
        # (SQLite's data_version; one read of shared memory, no query of the items).
        return IDLE_CHECK_SECONDS if next_due is None else min(next_due, IDLE_CHECK_SECONDS)

    # -- one pass ----------------------------------------------------------

    def run_once(self, now: dt.datetime | None = None) -> int:
        """Try every item due now once, earliest due first; returns how many were delivered.

        Stops early while a 429's ``Retry-After`` runs, and after a failure
        that looks like an outage (the thread then waits out its pause).
        """
        delivered = 0
        started = self.clock()
        after: tuple[float, int] | None = None
        self._outage_hit = False
        self._skip, self._held_keys = set(), set()
        while not self.loop.stopping:
            self._skip |= self._paced_keys()
            page = self.outbox.due(started, limit=PAGE, after=after, skip_keys=self._skip)
            if not page:
                break
            for item in page:
                if self.loop.stopping or self.clock() < self._paused_until or self._outage_hit:
                    return self._finish(delivered)
                if item.method == "chat.postMessage" and (item.channel_key in self._held_keys
                                                          or item.channel_key in self._skip):
                    continue  # its channel was just held, or its turn has not come (paced)
                delivered += self._deliver(item)
                self._skip |= self._paced_keys()
                self._last_try = self.clock()
            after = page[-1].position
        return self._finish(delivered)

    def _finish(self, delivered: int) -> int:
        if delivered:
            self.outbox.note_progress()  # an older copy of the outbox put back later is noticed
            if self.outbox.next_due_in() not in (0.0,):
                self.outbox.checkpoint()  # drained for now: empty the write-ahead log of delivered text
        return delivered

    def reconcile(self) -> None:
        """After a restart: items a crash left ``sending`` may have reached Slack, or may yet (a
        slow Slack stores a post after the client gave up). They become pending, marked so that
        their earlier post is looked for before posting again, and due when a post that timed
        out would have been looked for: the client's timeout plus ``lookup_delay`` after it
        was sent (so at once after a restart that took longer)."""
        wait = float(getattr(self.client, "timeout", 0) or 0) + self.lookup_delay
        for item_id in self.outbox.interrupted(INTERRUPTED, wait):
            log.info("%s was being sent when the server stopped; looking for it before posting again", item_id)

    def _deliver(self, item: OutboxItem) -> int:
        attempts = item.attempts + 1
        try:
            item = self._current(item)
        except Stale:
            self.outbox.discard(item.id)
            log.info("%s is no longer true; discarded, not sent", item.id)
            return 0
        try:
            channel = self._channel_for(item)
            assert channel is not None  # _channel_for holds the item otherwise
            arguments = self._arguments(item, channel)
            if arguments is None:
                return 0  # its thread parent is not delivered yet (deferred; woken when it is)
            self._check(item.channel_key, channel)
            known = self._known(item)
            if known is not None:
                log.info("%s is already recorded as posted; not posting again", item.id)
                self._delivered(item, *known)
                return 1
            if _may_have_posted(item):
                wait = self._lookup_wait(item)
                if wait > 0:  # one read of the channel, once it can answer, serves every such item
                    self.outbox.defer(item.id, wait)
                    return 0
                ts = self._find_posted(item, channel, arguments.get("thread_ts"))
                if ts:
                    log.info("%s was delivered despite the error; not posting again", item.id)
                    self._delivered(item, channel, ts)
                    return 1
            self.outbox.mark_sending(item.id, after_ts=item.after_ts or self._newest(channel))
            response = self.client.api_call(item.method, json=arguments)
            if item.method == "chat.postMessage":  # a post Slack took starts the channel's turn
                self._next_post[channel] = self.clock() + self.pace
            ts = response.get("ts") or arguments.get("ts")
        except Hold as held:
            self._hold(item, held.code, attempts)
            return 0
        except SlackApiError as exc:
            self._failed(item, attempts, exc)
            return 0
        except TimeoutError:
            # Slack may store it after we gave up: look for it later, not at once.
            self._retry(item, attempts, TIMEOUT, delay=self.lookup_delay, in_doubt=True)
            return 0
        except (SlackClientError, OSError) as exc:
            code = _network_code(exc)  # refused (nothing sent), reset (maybe posted): transient
            self._retry(item, attempts, code, delay=self.lookup_delay if code == TIMEOUT else None,
                        in_doubt=code != "connection_refused")
            return 0
        self._delivered(item, channel, ts)
        return 1

    def _current(self, item: OutboxItem) -> OutboxItem:
        """``item`` with its message rendered again by the ``render`` hook (its id, dedupe key and
        place in the outbox unchanged); as queued when there is no hook, no new rendering, or
        the rendering fails."""
        if self.render is None:
            return item
        try:
            message = self.render(item)
        except Stale:
            raise
        except Exception as exc:  # the message as queued is still worth sending
            log.warning("could not render %s again: %s; sending it as queued", item.id, type(exc).__name__)
            return item
        return item if message is None else replace(item, message=message)

    def _known(self, item: OutboxItem) -> tuple[str, str] | None:
        if self.known_post is None or item.method != "chat.postMessage":
            return None
        try:
            return self.known_post(item)
        except Exception as exc:  # not knowing is not an answer: the look-up or the post decides
            log.warning("could not read where %s was posted: %s", item.id, type(exc).__name__)
            return None

    def _delivered(self, item: OutboxItem, channel: str, ts: str | None) -> None:
        self.outbox.mark_delivered(item.id, channel, ts)
        self._outage = 0
        if item.method == "chat.postMessage" and ts:
            self._remember_ts(channel, ts)
        log.info("%s delivered", item.id)
        if self.on_delivered is None:
            return
        try:
            self.on_delivered(OutboxItem(**{**_plain(item), "state": DELIVERED, "channel": channel, "ts": ts}),
                              channel, ts)
        except Exception as exc:  # the delivery itself stands
            log.error("after-delivery step for %s failed: %s", item.id, type(exc).__name__)

    # -- Slack ts bookkeeping ------------------------------------------------

    def _newest(self, channel: str | None) -> str | None:
        """The newest ``ts`` this worker has seen Slack give in ``channel`` (kept in the outbox)."""
        if not channel:
            return None
        if channel not in self._newest_ts:
            stored = self.outbox.get_value(f"newest_ts:{channel}")
            if stored:
                self._newest_ts[channel] = stored
        return self._newest_ts.get(channel)

    def _remember_ts(self, channel: str, ts: str) -> None:
        known = self._newest(channel)
        if known is None or _ts_value(ts) > _ts_value(known):
            self._newest_ts[channel] = ts
            self.outbox.set_value(f"newest_ts:{channel}", ts)

    # -- helpers -----------------------------------------------------------

    def _channel_for(self, item: OutboxItem, quiet: bool = False) -> str | None:
        if item.method == "chat.update" or item.channel_key == IN_MESSAGE:
            named = item.message.get("channel")
            if not named and not quiet:
                raise Hold("message_names_no_channel")
            return named
        channel = self.channels.get(item.channel_key)
        if channel is None and not quiet:
            raise Hold(f"{item.channel_key}_channel_not_set")
        return channel

    def _arguments(self, item: OutboxItem, channel: str | None) -> dict | None:
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
                # Not due again until its parent is delivered (mark_delivered makes it due), or a minute.
                self.outbox.defer(item.id, 60.0 if parent.state != HELD else 600.0)
                return None
            arguments["thread_ts"] = parent.ts
        return arguments

    def _check(self, channel_key: str, channel: str | None) -> None:
        check = self.checks.get(channel_key)
        if check is None or channel is None:
            return
        problem = check(self.client, channel)
        if problem:
            raise Hold(problem)

    def _failed(self, item: OutboxItem, attempts: int, exc: SlackApiError) -> None:
        status = getattr(exc.response, "status_code", 200)
        code = str(exc.response.get("error") or f"http_{status}")
        if status == 429 or code == "ratelimited":
            retry_after = _retry_after(exc)
            self._paused_until = self.clock() + retry_after
            self.outbox.mark_retry(item.id, "ratelimited", retry_after, attempts)  # in_doubt, if set, stays
            log.warning("%s rate limited; trying again in %ss", item.id, retry_after)
        elif code in PERMANENT_ERRORS:
            self._hold(item, code, attempts)
        else:
            # A 5xx can come after Slack stored the post; an ``ok: false`` answer means it did not.
            self._retry(item, attempts, code, transient=status >= 500, in_doubt=status >= 500)

    def _retry(self, item: OutboxItem, attempts: int, code: str, *, transient: bool = True,
               delay: float | None = None, in_doubt: bool = False) -> None:
        # A Slack outage (5xx, refused, timeouts) is waited out however long it lasts, at most
        # retry_cap apart; an error code we do not know is held after max_attempts for a person to see.
        if not transient and attempts >= self.max_attempts:
            self._hold(item, f"gave_up_after_{attempts}_attempts:{code}", attempts)
            return
        backoff = min(self.retry_cap, self.retry_base * 2 ** (attempts - 1))
        self.outbox.mark_retry(item.id, code, max(backoff, delay or 0.0), attempts,
                               in_doubt=in_doubt and item.method == "chat.postMessage")
        if transient:
            self._outage += 1
            self.outage_error = code
            self._outage_until = self.clock() + min(self.pause_cap, self.retry_base * 2 ** min(self._outage - 1, 10))
            self._outage_hit = True
        log.warning("%s not delivered (%s); trying again in %.1fs", item.id, code, max(backoff, delay or 0.0))

    def _hold(self, item: OutboxItem, code: str, attempts: int) -> None:
        self.outbox.mark_held(item.id, code, attempts)
        channel = self._channel_for(item, quiet=True) or "not set"
        # An edit's channel is its message's (perhaps a channel the setting no longer names): only a
        # post to a configured channel speaks for it (a reply naming its own channel, such as a
        # correction under a shared quote, holds only itself).
        if item.method != "chat.postMessage" or item.channel_key == IN_MESSAGE or (
                code not in CHANNEL_ERRORS and code != f"{item.channel_key}_channel_not_set"):
            log.error("%s held: %s (%s channel %s). %s", item.id, code, item.channel_key, channel,
                      held_fix(item, code))
            return
        # The channel's problem, not the item's: everything waiting for that channel is held now.
        keys = {key for key, value in self.channels.items() if value == channel} if channel != "not set" else set()
        keys.add(item.channel_key)
        others = self.outbox.hold_waiting(keys, code)
        self._held_keys |= keys
        log.error("%s held: %s, with every message waiting for the %s channel %s (%d in all). %s", item.id, code,
                  item.channel_key, channel, others + 1, held_fix(item, code))

    def _lookup_wait(self, item: OutboxItem) -> float:
        """Seconds before ``item``'s earlier post is worth looking for: for an item this process
        has not tried, until ``lookup_delay`` after it began (a post of the process before may be
        stored that late), so that one read of the channel then answers for all of them; else 0."""
        if item.attempts:
            return 0.0
        return max(self._born + self.lookup_delay - self.clock(), 0.0)

    def _find_posted(self, item: OutboxItem, channel: str | None, thread_ts: str | None = None) -> str | None:
        """The ``ts`` of this item's earlier post (found by its metadata), or ``None``.

        Reads every page after the item's ``after_ts``. Raises Slack or
        network errors: the caller decides what not knowing means.
        """
        if not channel:
            return None
        if item.after_ts:
            oldest = item.after_ts
        else:
            created = dt.datetime.fromisoformat(item.created_at)
            oldest = f"{(created - NO_TS_WINDOW).timestamp():.6f}"
        key = (channel, thread_ts)
        scan = self._scans.get(key)
        # One read of the channel answers for every item not attempted by this process (queued again
        # from the archive, or from a restored outbox): their posts, if any, were made before it began.
        # An item whose window starts earlier than that read's only adds the older part (items come
        # in no particular order of window). An item this process tried may have been stored since:
        # it is looked up afresh.
        if item.attempts == 0 and scan is not None and scan[1] >= self._born + self.lookup_delay:
            if _ts_value(scan[0]) > _ts_value(oldest):
                older, complete = self._read_posts(item, channel, thread_ts, oldest, latest=scan[0])
                if not complete:
                    return older.get(item.id) or scan[2].get(item.id)
                scan = (oldest, scan[1], {**older, **scan[2]})
                self._scans[key] = scan
            return scan[2].get(item.id)
        started = self.clock()
        seen, complete = self._read_posts(item, channel, thread_ts, oldest)
        if not complete:
            return seen.get(item.id)
        if len(self._scans) >= 64:  # one per channel and thread looked in: kept small
            self._scans.clear()
        self._scans[key] = (oldest, started, seen)
        return seen.get(item.id)

    def _read_posts(self, item: OutboxItem, channel: str, thread_ts: str | None, oldest: str,
                    latest: str | None = None) -> tuple[dict[str, str], bool]:
        """``(outbox id → ts, complete)`` of the posts in the channel (or the thread) after
        ``oldest`` (up to ``latest``, inclusive), following every page; ``complete`` is false
        when it stopped at :data:`MAX_LOOKUP_PAGES`."""
        common: dict[str, Any] = {"channel": channel, "oldest": oldest, "include_all_metadata": True, "limit": 200}
        if latest is not None:
            common.update(latest=latest, inclusive=True)
        seen: dict[str, str] = {}
        cursor = None
        for _ in range(MAX_LOOKUP_PAGES):
            if thread_ts:
                found = self.client.conversations_replies(ts=thread_ts, cursor=cursor, **common)
            else:
                found = self.client.conversations_history(cursor=cursor, **common)
            messages: list[dict] = found.get("messages", [])
            for message in messages:
                payload = (message.get("metadata") or {}).get("event_payload") or {}
                if isinstance(payload.get("outbox_id"), str) and message.get("ts"):
                    seen[payload["outbox_id"]] = message["ts"]
            cursor = (found.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return seen, True
        log.warning("%s: the look-up for an earlier post stopped after %d pages", item.id, MAX_LOOKUP_PAGES)
        return seen, False


def _may_have_posted(item: OutboxItem) -> bool:
    """True when an earlier attempt to post ``item`` may have reached Slack."""
    return item.method == "chat.postMessage" and item.in_doubt


def _network_code(exc: BaseException) -> str:
    """A short code for a network failure; ``connection_refused`` means nothing was sent."""
    reason = getattr(exc, "reason", None)
    if isinstance(exc, ConnectionRefusedError) or isinstance(reason, ConnectionRefusedError):
        return "connection_refused"
    if isinstance(reason, TimeoutError):
        return TIMEOUT
    return type(reason or exc).__name__


def _retry_after(exc: SlackApiError) -> float:
    headers = getattr(exc.response, "headers", {}) or {}
    value = headers.get("Retry-After") or headers.get("retry-after") or "1"
    try:
        return max(float(value if not isinstance(value, list) else value[0]), 0.0)
    except ValueError:
        return 1.0


def _ts_value(ts: str) -> tuple[int, int]:
    seconds, _, micros = ts.partition(".")
    try:
        return int(seconds), int(micros or 0)
    except ValueError:
        return 0, 0


def _plain(item: OutboxItem) -> dict[str, Any]:
    values = dict(item.__dict__)
    values.pop("position", None)
    return values


def held_fix(item: OutboxItem, code: str) -> str:
    """What to do about ``item`` held with ``code``, in words for the log (no message content)."""
    if item.channel_key == "enquiry":
        return held_problem(code)
    if item.channel_key == IN_MESSAGE:
        return (f"Slack answered {code.split(':')[-1]}: the app can no longer post in that conversation "
                f"(removed, archived or deleted); `factbot campaign retry` sends it again once it can.")
    setting = f"FACTBOT_{item.channel_key.upper()}_CHANNEL"
    command = "enquiries" if item.kind == "enquiry" else "campaign"
    if item.channel_key == ENQUIRY_ALERT_KEY:
        setting = "FACTBOT_SAFEGUARDING_LEAD or FACTBOT_CAMPAIGN_CHANNEL"
    return (f"Slack answered {code.split(':')[-1]}: invite the app to the channel, or point {setting} at a live "
            f"channel and restart; then `factbot {command} retry` sends what is held (/healthz lists it).")
