"""Polling the campaign news feeds (``FACTBOT_FEEDS``) into the outbox.

One poll fetches each feed with a conditional GET (``If-None-Match`` /
``If-Modified-Since`` from the last good fetch; a ``304`` costs nothing),
parses it with feedparser, and, inside the feed state's lock, enqueues the
new items (:func:`facts.campaign.feeds.select_new`) and remembers their keys. Each
item's outbox ``dedupe_key`` is derived from the feed and the item's key,
so a crash between the two writes, or a server and ``factbot campaign poll``
polling at once, still posts it once.

Parsing runs in a child process bounded in time and memory (:func:`parse_bounded`),
so a huge or pathological feed is skipped without slowing the server.

A feed that times out (``timeout`` seconds for the whole response), answers
an HTTP error, or is malformed (feedparser's ``bozo``, a parse error, an
out-of-range character reference …) is logged and skipped; the other feeds
go on and the next poll tries it again. Logs name a feed by host and path
only (a query string may carry a key) and never its content.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import feedparser

from bot.loops import Loop
from facts.campaign.feeds import (
    POLL_CAP,
    FeedItem,
    FeedSpec,
    FeedState,
    Plan,
    items_from_entries,
    select_new,
    strip_html,
)
from facts.campaign.journal import AlertQueue
from facts.campaign.messages import feed_item_card

log = logging.getLogger(__name__)

#: Bytes read from one feed at most.
MAX_FEED_BYTES = 5 * 1024 * 1024
#: Seconds, and bytes of address space, one feed's parsing may take (in a child process).
PARSE_SECONDS = 10.0
PARSE_MEMORY = 1024 * 1024 * 1024
USER_AGENT = "SafeguardingFacts/0.1 (campaign news feed poller)"
ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
#: feedparser's warnings that leave a recognised feed usable.
_BENIGN = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


class FeedError(Exception):
    """A feed could not be used this time; ``str()`` is a short reason without content."""


@dataclass
class Fetched:
    """A fetch's outcome: ``body`` is ``None`` for 304 Not Modified."""

    body: bytes | None
    content_type: str = ""
    etag: str | None = None
    modified: str | None = None


def feed_label(url: str) -> str:
    """``https://host:port/path`` without credentials, query or fragment, for logs."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"


def fetch(url: str, *, etag: str | None = None, modified: str | None = None, timeout: float = 10.0) -> Fetched:
    """GET ``url`` conditionally within ``timeout`` seconds in all.

    Raises :class:`FeedError` for a timeout, a refused connection, an HTTP
    error status, or a body over ``MAX_FEED_BYTES``.
    """
    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    deadline = time.monotonic() + timeout
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout) as response:
            chunks, size = [], 0
            while chunk := response.read1(65536):
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_FEED_BYTES:
                    raise FeedError(f"larger than {MAX_FEED_BYTES} bytes")
                if time.monotonic() > deadline:
                    raise FeedError("timed out")
            return Fetched(b"".join(chunks), response.headers.get("Content-Type", ""),
                           response.headers.get("ETag"), response.headers.get("Last-Modified"))
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return Fetched(None, etag=etag, modified=modified)
        raise FeedError(f"HTTP {exc.code}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        raise FeedError("timed out" if isinstance(reason, TimeoutError) else f"unreachable ({type(reason).__name__})") from None
    except TimeoutError:
        raise FeedError("timed out") from None
    except OSError as exc:
        raise FeedError(f"unreachable ({type(exc).__name__})") from None


def parse_bounded(body: bytes, url: str, content_type: str = "", *, timeout: float = PARSE_SECONDS,
                  memory: int = PARSE_MEMORY) -> tuple[str, list[FeedItem]]:
    """:func:`parse` in a helper process given ``timeout`` seconds and ``memory`` bytes of address
    space; raises :class:`FeedError` ("took too long to parse", "too big to parse") beyond them.

    feedparser's sanitiser is pure Python: megabytes of nested markup kept it busy for over a
    minute, holding the interpreter the intake answers from. In a helper process it cannot slow
    the server, and it is killed at the limit (a new one starts for the next feed). One helper
    serves every parse, so a poll does not pay for starting Python each time.
    """
    with _HELPER_LOCK:
        helper = _helper(memory)
        assert helper.stdin is not None and helper.stdout is not None
        try:
            request = pickle.dumps((body, url, content_type))
            helper.stdin.write(struct.pack(">Q", len(request)) + request)
            helper.stdin.flush()
            ready, _, _ = select.select([helper.stdout], [], [], timeout)
            if not ready:
                _stop_helper()
                raise FeedError("took too long to parse")
            header = helper.stdout.read(8)
            if len(header) < 8:
                _stop_helper()
                raise FeedError("too big to parse")
            outcome, value = pickle.loads(helper.stdout.read(struct.unpack(">Q", header)[0]))
        except (OSError, EOFError, pickle.UnpicklingError):
            _stop_helper()
            raise FeedError("too big to parse") from None
    if outcome == "error":
        raise FeedError(value)
    return value


_HELPER_LOCK = threading.Lock()
_HELPER: list[subprocess.Popen] = []


def _helper(memory: int) -> subprocess.Popen:
    if _HELPER and _HELPER[0].poll() is None:
        return _HELPER[0]
    _HELPER.clear()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    process = subprocess.Popen(
        [sys.executable, "-c", f"import bot.feed_poller as f; f._serve_parses({int(memory)})"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, close_fds=True)
    _HELPER.append(process)
    return process


def _stop_helper() -> None:
    if _HELPER:
        process = _HELPER.pop()
        process.kill()
        process.wait(5)


def _serve_parses(memory: int) -> None:  # pragma: no cover (runs in the helper process)
    """The helper's loop: length-prefixed pickled requests on stdin, answers on stdout."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    except (ImportError, ValueError, OSError):
        pass
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while True:
        header = source.read(8)
        if len(header) < 8:
            return
        body, url, content_type = pickle.loads(source.read(struct.unpack(">Q", header)[0]))
        try:
            answer: tuple = ("ok", parse(body, url, content_type))
        except FeedError as exc:
            answer = ("error", str(exc))
        except MemoryError:
            answer = ("error", "too big to parse")
        payload = pickle.dumps(answer)
        sink.write(struct.pack(">Q", len(payload)) + payload)
        sink.flush()


def parse(body: bytes, url: str, content_type: str = "") -> tuple[str, list[FeedItem]]:
    """``(feed title, items)`` from a fetched body.

    Raises :class:`FeedError` when feedparser fails, or flags the document
    as malformed, or when it is not a feed at all. The one exception: a feed
    malformed only by an HTML entity XML does not define (``&nbsp;`` in a
    title) whose items feedparser still read is used, with a warning naming
    the feed: one entity does not hide the news. A document cut short is
    still refused (its last item may be cut too).
    """
    try:
        parsed = feedparser.parse(body, response_headers={"content-type": content_type, "content-location": url})
        if parsed.bozo and not (isinstance(parsed.get("bozo_exception"), _BENIGN) and parsed.version):
            entity_only = "undefined entity" in str(parsed.get("bozo_exception"))
            if not (entity_only and parsed.version and parsed.entries):
                raise FeedError(f"malformed ({type(parsed.get('bozo_exception')).__name__})")
            log.warning("feed %s is malformed (%s) but its items were read; they are used",
                        url, type(parsed.get("bozo_exception")).__name__)
        if not parsed.version:
            raise FeedError("not an RSS or Atom feed")
        title = strip_html(parsed.feed.get("title")) or urlsplit(url).hostname or url
        return title, items_from_entries(parsed.entries)
    except FeedError:
        raise
    except Exception as exc:  # feedparser raises on e.g. &#1114112; or a lone surrogate reference
        raise FeedError(f"malformed ({type(exc).__name__})") from None


@dataclass
class FeedResult:
    """One feed in one poll: ``outcome`` is ``ok`` (``posted`` new items), ``not modified``, ``waiting`` or
    ``skipped: <reason>``."""

    url: str
    outcome: str
    posted: int = 0


@dataclass
class PollReport:
    """A poll's results, feed by feed, in configured order."""

    feeds: list[FeedResult] = field(default_factory=list)

    @property
    def posted(self) -> int:
        return sum(f.posted for f in self.feeds)

    def lines(self) -> list[str]:
        return [f"{feed_label(f.url)}: {f.outcome}" + (f" ({f.posted} new)" if f.outcome == "ok" else "")
                for f in self.feeds]


#: The outbox kind of a feed item's card.
KIND = "feed"


def item_dedupe_key(url: str, item: FeedItem) -> str:
    return "feed-" + hashlib.sha256(f"{url}\0{item.key}".encode()).hexdigest()[:32]


class FeedPoller:
    """Polls ``specs`` into the outbox through ``alerts`` (channel key ``campaign``; journalled first,
    ``facts.campaign.journal``), remembering items in ``state``.

    ``on_enqueued`` runs after a poll that enqueued something (the worker's
    ``wake``); ``on_item(card id, text)`` after each item is enqueued (the
    figure check of campaign alerts). :meth:`poll` runs one poll; :meth:`start` polls at once and
    then every ``interval`` seconds in a daemon thread.
    """

    def __init__(self, specs: Iterable[FeedSpec], state: FeedState, alerts: AlertQueue, *, timeout: float = 10.0,
                 on_enqueued: Callable[[], None] | None = None,
                 on_item: Callable[[str, str], object] | None = None, parse_timeout: float = PARSE_SECONDS):
        self.specs = list(specs)
        self.parse_timeout = parse_timeout
        self.state = state
        self.alerts = alerts
        self.timeout = timeout
        self.on_enqueued = on_enqueued
        self.on_item = on_item
        #: The last poll's report (``None`` before the first), for /healthz.
        self.last: PollReport | None = None

    def poll(self) -> PollReport:
        """Poll every feed once; at most ``POLL_CAP`` items are posted in all."""
        report = PollReport()
        budget = POLL_CAP
        for spec in self.specs:
            if budget <= 0:
                report.feeds.append(FeedResult(spec.url, "waiting"))  # its new items go in the next poll
                continue
            result = self._poll_feed(spec, budget)
            budget -= result.posted
            report.feeds.append(result)
        if report.posted and self.on_enqueued:
            self.on_enqueued()
        log.info("feeds polled: %d feed(s), %d new item(s) posted, %d skipped", len(report.feeds), report.posted,
                 sum(f.outcome.startswith("skipped") for f in report.feeds))
        self.last = report
        return report

    def health(self) -> dict:
        """For /healthz: ``{"configured": n, "polled": bool, "failing": [{"feed", "outcome"}]}`` from the last poll."""
        failing = [{"feed": feed_label(f.url), "outcome": f.outcome}
                   for f in (self.last.feeds if self.last else []) if f.outcome.startswith("skipped")]
        return {"configured": len(self.specs), "polled": self.last is not None, "failing": failing}

    def _poll_feed(self, spec: FeedSpec, budget: int) -> FeedResult:
        record = self.state.get(spec.url)
        try:
            fetched = fetch(spec.url, etag=record.etag if record else None, modified=record.modified if record else None,
                            timeout=self.timeout)
            if fetched.body is None:
                return FeedResult(spec.url, "not modified")
            title, items = parse_bounded(fetched.body, spec.url, fetched.content_type, timeout=self.parse_timeout)
        except FeedError as exc:
            log.warning("feed %s skipped: %s", feed_label(spec.url), exc)
            return FeedResult(spec.url, f"skipped: {exc}")
        with self.state.locked():
            record = self.state.get(spec.url)  # again, under the lock: another process may have polled
            first = record is None
            plan = select_new(items, set(record.seen) if record else set(), spec, first_poll=first, budget=budget)
            self._enqueue(spec, title, plan, first)
            if plan.deferred:  # keep the old validators, so the next poll fetches the items left waiting
                etag, modified = (record.etag, record.modified) if record else (None, None)
            else:
                etag, modified = fetched.etag, fetched.modified
            self.state.save(spec.url, plan.remember, etag=etag, modified=modified)
        return FeedResult(spec.url, "ok", len(plan.post))

    def _enqueue(self, spec: FeedSpec, title: str, plan: Plan, first: bool) -> None:
        for number, item in enumerate(plan.post, start=1):
            note = None
            if number == len(plan.post) and plan.skipped:
                note = (f"{plan.skipped} older item(s) in this feed were not posted (first look at the feed)." if first
                        else f"{plan.skipped} more new item(s) in this feed were not posted (at most {POLL_CAP} a poll).")
            card, _ = self.alerts.add(KIND, "campaign", feed_item_card(item, title, note),
                                      dedupe_key=item_dedupe_key(spec.url, item))
            if self.on_item is not None:
                self.on_item(card, " ".join(p for p in (item.title, item.summary) if p))

    # -- background --------------------------------------------------------

    def loop(self, interval: float) -> Loop:
        """A loop (``bot.loops``) polling now, then every ``interval`` seconds; not started."""

        def step() -> None:
            self.poll()

        return Loop("feed-poller", step, interval)
