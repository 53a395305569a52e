"""Campaign news feeds: which items are new, so nothing is posted twice.

Pure logic (no network, no Slack):

- :func:`parse_feed_spec`: one ``FACTBOT_FEEDS`` entry, ``URL`` or
  ``URL|keyword|keyword`` (the item must mention one keyword).
- :func:`items_from_entries`: feedparser entries → :class:`FeedItem` with
  plain text (HTML stripped) and stable keys.
- :func:`select_new`: given the keys already seen, which items to post now
  and which keys to remember.

An item is recognised by *every* key it has — its entry id (``id:``), its
link (``link:``), or, when it has neither, a hash of its title and date
(``hash:``) — and counts as seen when *any* of them was seen. So an item
with no guid, a feed whose guids change while links stay, and an item that
drops out of the feed and comes back are each posted once. A key shared by
several entries of one document (a feed linking every item to its home page)
tells them apart from nothing and is not used.

:class:`FeedState` keeps, per feed URL, the keys seen and the conditional-GET
validators (``ETag``, ``Last-Modified``) in its own TinyDB file.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from facts.clock import utc_now
from facts.persistence import StateFile
from facts.validation import is_http_url

#: The first poll of a newly added feed posts at most this many items (its newest).
FIRST_POLL_CAP = 3
#: One poll (all feeds together) posts at most this many items.
POLL_CAP = 10
#: Keys remembered per feed (oldest forgotten first); far more than any feed lists.
MAX_SEEN = 5000

_SPACE = re.compile(r"\s+")
_WORDS = re.compile(r"[\W_]+")


# -- configuration -------------------------------------------------------------


@dataclass(frozen=True)
class FeedSpec:
    """One configured feed: its ``url`` and optional ``keywords`` (lower-case phrases)."""

    url: str
    keywords: tuple[str, ...] = ()

    def matches(self, text: str) -> bool:
        """True when there is no filter, or ``text`` mentions a keyword.

        Case and punctuation are ignored and a keyword must start a word:
        ``online safety`` matches "Online-Safety Act"; ``groom`` matches
        "grooming" but ``safety`` does not match "unsafety".
        """
        if not self.keywords:
            return True
        words = " " + _normal_words(text) + " "
        return any(" " + keyword in words for keyword in self.keywords)


def _normal_words(text: str) -> str:
    return _WORDS.sub(" ", text.casefold()).strip()


def parse_feed_spec(entry: str) -> FeedSpec:
    """``"https://a/feed.xml|grooming|online safety"`` → :class:`FeedSpec`.

    Raises ``ValueError`` (without echoing the URL, which may carry a key)
    when the URL is not http(s) with a host, or a keyword is blank.
    """
    url, *keywords = (part.strip() for part in entry.split("|"))
    parts = urlsplit(url)
    if not is_http_url(url):
        raise ValueError("each feed must be an http(s) URL, optionally followed by |keyword|keyword")
    normal = tuple(_normal_words(k) for k in keywords)
    if any(not k for k in normal):
        raise ValueError("a feed keyword after | must not be blank")
    # Scheme and host are case-insensitive: HTTP://Example.org/feed is the same feed, not a new one.
    netloc = parts.netloc if "@" in parts.netloc else parts.netloc.lower()
    return FeedSpec(urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)), normal)


def parse_feed_specs(entries: Iterable[str]) -> list[FeedSpec]:
    """Every entry parsed (see :func:`parse_feed_spec`); a URL given twice is kept once."""
    specs: dict[str, FeedSpec] = {}
    for entry in entries:
        spec = parse_feed_spec(entry)
        specs.setdefault(spec.url, spec)
    return list(specs.values())


# -- items ---------------------------------------------------------------------


class _TextOnly(HTMLParser):
    """Collects the text of an HTML fragment, dropping tags, scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style"):
            self._skipping += 1
        elif tag in ("br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def strip_html(text: str | None) -> str:
    """Plain single-spaced text from an HTML fragment (``str`` in, ``str`` out).

    Tags, scripts and styles are dropped and entities decoded; the result is
    *not* escaped for Slack (use :func:`facts.text.escape`). Never raises.
    """
    if not text:
        return ""
    parser = _TextOnly()
    try:
        parser.feed(text)
        parser.close()
    except Exception:  # html.parser is lenient; this is belt and braces
        return _SPACE.sub(" ", re.sub(r"<[^>]*>", " ", text)).strip()
    return _SPACE.sub(" ", "".join(parser.parts)).strip()


@dataclass(frozen=True)
class FeedItem:
    """One feed entry, ready to post.

    - ``keys``: its stable keys (hex digests), the first one primary.
    - ``title``, ``summary``: plain text (HTML stripped, not escaped).
    - ``link``: an http(s) URL or ``None``.
    - ``published``: when the feed says it was published or updated (UTC),
      ``None`` when absent or unreadable; ``date_text`` is the feed's own
      wording of that date.
    """

    keys: tuple[str, ...]
    title: str
    link: str | None = None
    summary: str = ""
    published: dt.datetime | None = None
    date_text: str = ""

    @property
    def key(self) -> str:
        return self.keys[0]

    @property
    def text(self) -> str:
        """Title and summary, for the keyword filter."""
        return f"{self.title} {self.summary}"


def _digest(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()[:32]


def _http_link(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value if is_http_url(value) else None


def _link_key(link: str) -> str:
    parts = urlsplit(link)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))


#: Query fields that only say where a reader came from: the same story with or without them is one story.
_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|dclid|mc_cid|mc_eid|_ga|igshid)$", re.IGNORECASE)


def _story_key(link: str) -> str:
    """The link as the same story: tracking fields (``utm_*``, ``fbclid``…) and a trailing slash dropped."""
    parts = urlsplit(link)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)])
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/") or "/", query, ""))


_YMD = re.compile(r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]|$)")
_DMY = re.compile(r"^\s*(\d{1,2})[/.](\d{1,2})[/.](\d{4})(?:\s|$)")


def _when(entry: dict[str, Any]) -> dt.datetime | None:
    """The entry's date, or ``None`` when it cannot be read: a numeric ``2016/6/29`` is read
    as year/month/day (feedparser made it 1 December 2016) and ``29/6/2016`` as day/month/year,
    as a UK publisher writes it; other forms (RFC 822, ISO 8601) as feedparser reads them."""
    text = str(dict.get(entry, "published") or dict.get(entry, "updated") or "")
    ymd, dmy = _YMD.match(text), _DMY.match(text)
    if ymd or dmy:
        year, month, day = (int(n) for n in ymd.groups()) if ymd else reversed([int(n) for n in dmy.groups()])  # type: ignore[union-attr]
        try:
            return dt.datetime(year, month, day, tzinfo=dt.UTC)
        except ValueError:
            return None
    # dict.get: feedparser's own .get maps a missing updated_parsed to published_parsed, with a warning
    parsed = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
    if not parsed:
        return None
    try:
        return dt.datetime.fromtimestamp(calendar.timegm(parsed), dt.UTC)
    except (OverflowError, ValueError, TypeError):
        return None


def items_from_entries(entries: Iterable[dict[str, Any]]) -> list[FeedItem]:
    """:class:`FeedItem` for each feedparser entry (a dict), in document order.

    Keys: ``id`` and ``link`` when present and unique within the document,
    else a hash of the plain title and the date as written.
    """
    entries = list(entries)
    ids = [str(e.get("id") or "").strip() for e in entries]
    links = [_http_link(e.get("link")) for e in entries]
    id_count = Counter(i for i in ids if i)
    link_count = Counter(_story_key(link) for link in links if link)
    items = []
    for entry, entry_id, link in zip(entries, ids, links, strict=True):
        title = strip_html(entry.get("title"))
        date_text = str(dict.get(entry, "published") or dict.get(entry, "updated") or "").strip()
        keys = []
        if entry_id and id_count[entry_id] == 1:
            keys.append(_digest("id", entry_id))
        if link and link_count[_story_key(link)] == 1:
            keys.append(_digest("link", _story_key(link)))
            if _link_key(link) != _story_key(link):  # the key earlier versions kept: seen stays seen
                keys.append(_digest("link", _link_key(link)))
        if not keys:
            keys.append(_digest("hash", f"{title}\0{date_text}"))
        items.append(FeedItem(tuple(keys), title or "(untitled)", link, strip_html(entry.get("summary")),
                              _when(entry), date_text))
    return items


# -- choosing what to post -----------------------------------------------------


@dataclass
class Plan:
    """What one poll of one feed does.

    - ``post``: items to post, oldest first.
    - ``skipped``: new items left out by the cap (remembered, not posted).
    - ``deferred``: items left for the next poll because the poll's total
      cap was reached (not remembered).
    - ``remember``: keys to add to the feed's seen keys.
    """

    post: list[FeedItem] = field(default_factory=list)
    skipped: int = 0
    deferred: int = 0
    remember: set[str] = field(default_factory=set)


def _newest_first(items: list[FeedItem]) -> list[FeedItem]:
    # Feeds list newest first by convention; dates, when every item has one, decide.
    if items and all(i.published for i in items):
        return sorted(items, key=lambda i: i.published, reverse=True)  # type: ignore[arg-type, return-value]
    return items


def select_new(items: list[FeedItem], seen: set[str], spec: FeedSpec, *, first_poll: bool,
               budget: int = POLL_CAP) -> Plan:
    """Decide which of a fetched feed's ``items`` to post.

    New = none of its keys in ``seen`` (nor in an earlier item of this
    document). New items not matching ``spec``'s keywords are remembered
    unposted. Of the rest, the newest ``FIRST_POLL_CAP`` (first poll of the
    feed) or ``POLL_CAP`` are chosen and the older ones skipped; of those
    chosen, at most ``budget`` are posted now and the others deferred.
    Every key of every other item (seen ones too, so a changed guid is
    learnt) is to be remembered.
    """
    plan = Plan()
    taken: set[str] = set()
    new: list[FeedItem] = []
    for item in items:
        if not taken.intersection(item.keys) and not seen.intersection(item.keys):
            new.append(item)
        taken.update(item.keys)
    wanted = _newest_first([i for i in new if spec.matches(i.text)])
    cap = FIRST_POLL_CAP if first_poll else POLL_CAP
    chosen, plan.skipped = wanted[:cap], max(len(wanted) - cap, 0)
    now, later = chosen[: max(budget, 0)], chosen[max(budget, 0):]
    plan.post, plan.deferred = list(reversed(now)), len(later)
    waiting = {k for item in later for k in item.keys}
    plan.remember = (taken - waiting) - seen
    return plan


# -- state ---------------------------------------------------------------------


@dataclass
class FeedRecord:
    """What is kept for one feed: ``seen`` keys (key → first seen, ISO UTC) and validators."""

    url: str
    seen: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    modified: str | None = None


class FeedState(StateFile):
    """Seen keys and validators per feed, in a TinyDB file (table ``feeds``).

    Read and decide inside ``with state.locked():`` so a server and a
    ``factbot campaign poll`` never both take the same item. Raises
    ``ValueError`` naming the file if it is not valid JSON.
    """

    def __init__(self, path: str | Path):
        super().__init__(path)
        self._feeds = self.db.table("feeds", cache_size=0)

    def get(self, url: str) -> FeedRecord | None:
        """The record for ``url``, or ``None`` for a feed never polled."""
        doc = self._feeds.get(self.query.url == url)
        return FeedRecord(**doc) if doc else None

    def save(self, url: str, remember: Iterable[str], *, etag: str | None, modified: str | None,
             now: dt.datetime | None = None) -> None:
        """Add ``remember`` to the feed's seen keys (keeping the newest ``MAX_SEEN``)
        and store its validators. Call inside :meth:`locked`."""
        stamp = (now or utc_now()).isoformat()
        record = self.get(url) or FeedRecord(url)
        seen = dict(record.seen)
        for key in remember:
            seen.setdefault(key, stamp)
        if len(seen) > MAX_SEEN:
            seen = dict(sorted(seen.items(), key=lambda kv: kv[1])[-MAX_SEEN:])
        self._feeds.upsert({"url": url, "seen": seen, "etag": etag, "modified": modified}, self.query.url == url)
