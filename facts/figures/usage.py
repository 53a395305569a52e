"""Usage and gaps: how often each figure was served, and the queries that found nothing.

Answers only count in memory (:meth:`Usage.record` takes a lock and updates
two dicts; it never touches the file). :meth:`Usage.flush` merges what was
counted since the last flush into the usage file in one atomic replacement;
the server calls it from a background thread every few seconds and at
shutdown. A crash loses at most the counts since the last flush.

The usage file is a TinyDB file of its own (``<FACTBOT_DB stem>-usage.json``
next to the store, ``facts.persistence.sibling_path(db, "usage")``), so the facts store and the
counts never share a ``TinyDB`` object. Tables:

- ``served``: ``{"fact_id", "count", "last_served"}`` (ISO date);
- ``gaps``: ``{"text", "count", "first_seen", "last_seen"}`` (ISO dates).

No user id is ever recorded. A gap's text is normalised by
:func:`normalise_query`, which also replaces anything that looks like
personal data (email addresses, phone and other long numbers, UK postcodes,
links) with a placeholder.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from tinydb import TinyDB

from facts.figures.search import SearchResult, query_terms
from facts.persistence import AtomicJSONStorage
from facts.text import slack_to_plain, truncate

#: Longest gap text kept, in characters.
MAX_GAP_TEXT = 200
#: Distinct gap texts kept in the file; beyond it the rarest, oldest are dropped.
MAX_STORED_GAPS = 5000
#: Distinct gap texts counted between two flushes; further new texts are not counted.
MAX_PENDING_GAPS = 10_000

_REDACTIONS = [
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    (re.compile(r"(?:https?://|www\.)\S+"), "[link]"),
    # Slack auto-links typed domains and keeps their label: "tiktok.com/@jane_doe14".
    (re.compile(r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?:/\S*)?"), "[link]"),
    (re.compile(r"@\w+"), "[handle]"),
    (re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b"), "[date]"),
    # Phone, NHS and account numbers: 9+ digits, maybe split by spaces, dashes, dots or brackets.
    (re.compile(r"\+?\(?\d(?:[\s().-]{0,2}\d){8,}"), "[number]"),
    (re.compile(r"\b[a-z]{1,2}\d[a-z\d]?\s*\d[a-z]{2}\b"), "[postcode]"),
]
_SPACE = re.compile(r"\s+")
_FORMATTING = re.compile(r"[*_~`]")
_CAPITALISED = re.compile(r"\b[A-Z][\w'’-]*")


def normalise_query(text: str, unknown: Iterable[str] = ()) -> str:
    """The form a gap is kept in: plain, lowercased, personal data replaced, single-spaced,
    at most ``MAX_GAP_TEXT`` characters (``str`` in, ``str`` out; ``""`` when nothing is left).

    ``unknown``: the query's terms the index did not know (``SearchResult.ignored``); one of
    them typed with a capital letter is most likely a name and becomes ``[name]``.

    ``"Stats  <@U123> TikTok, call 07700 900123"`` → ``"stats tiktok, call [number]"``;
    ``"Jayden Smith on roblox"`` (Jayden and Smith unknown) → ``"[name] [name] on roblox"``.
    """
    # Only the first MAX_GAP_TEXT characters are kept; redacting a long text would cost time on
    # every request (a 69,000-character query took 12 s), so cut it first, with room to redact.
    plain = slack_to_plain(text[: MAX_GAP_TEXT * 4])
    unknown = set(unknown)
    if unknown:
        plain = _CAPITALISED.sub(lambda m: "[name]" if set(query_terms(m[0])) & unknown else m[0], plain)
    plain = plain.lower()
    for pattern, placeholder in _REDACTIONS:
        plain = pattern.sub(placeholder, plain)
    plain = _FORMATTING.sub(" ", plain)  # shown on App Home: *bold* or `code` must not format it
    return truncate(_SPACE.sub(" ", plain).strip(), MAX_GAP_TEXT)


#: Seconds between writes of the usage counts (figures served, unanswered queries) to their file.
USAGE_FLUSH_SECONDS = 30


@dataclass(frozen=True)
class Gap:
    """A query that found nothing: its normalised ``text``, how often (``count``), first and last day asked."""

    text: str
    count: int
    first_seen: dt.date
    last_seen: dt.date


class Usage:
    """Counts of figures served and queries unanswered, in memory, flushed to a TinyDB file.

    ``Usage(path)`` keeps the counts in ``path`` (``sibling_path(db, "usage")``);
    ``Usage()`` counts in memory only (``factbot ask``, tests). ``today``
    is the clock for the dates kept. Thread-safe. Keep one ``Usage`` per
    file per process; ``close()`` when done.
    """

    def __init__(self, path: str | Path | None = None, today: Callable[[], dt.date] = dt.date.today):
        self.path = Path(path) if path is not None else None
        self.today = today
        self._db = TinyDB(self.path, storage=AtomicJSONStorage) if self.path is not None else None
        self._lock = threading.Lock()  # guards the pending counts
        self._write_lock = threading.Lock()  # one flush at a time
        self._served: Counter[str] = Counter()
        self._served_last: dict[str, dt.date] = {}
        self._gaps: dict[str, Gap] = {}

    # -- the answer path: memory only ------------------------------------

    def record(self, result: SearchResult, *, gap: bool = True) -> None:
        """Count one answered query: each figure shown is served once more; a query that
        found nothing (``result.found`` is False) counts as a gap unless ``gap=False``
        (the Find figures shortcut: a message someone else wrote is not a query, and
        may be a case note). Never touches the file."""
        today = self.today()
        if result.found:
            with self._lock:
                for fact in result.facts:
                    self._served[fact.id] += 1
                    self._served_last[fact.id] = today
            return
        text = normalise_query(result.query, result.ignored) if gap else ""
        if not text:
            return
        with self._lock:
            seen = self._gaps.get(text)
            if seen is not None:
                self._gaps[text] = Gap(text, seen.count + 1, seen.first_seen, today)
            elif len(self._gaps) < MAX_PENDING_GAPS:
                self._gaps[text] = Gap(text, 1, today, today)

    # -- reading -----------------------------------------------------------

    def gaps(self, limit: int | None = None) -> list[Gap]:
        """Unanswered queries, stored and not yet flushed, most frequent first (then most recent)."""
        with self._write_lock:  # the file and the pending counts as of one moment
            with self._lock:
                pending = dict(self._gaps)
            merged = _merge_gaps(self._stored("gaps"), pending)
        ranked = sorted(merged.values(), key=lambda g: (-g.count, -g.last_seen.toordinal(), g.text))
        return ranked[:limit] if limit is not None else ranked

    def served(self) -> dict[str, int]:
        """Times each figure was served (fact id → count), stored and not yet flushed."""
        with self._write_lock:
            counts = Counter({doc["fact_id"]: int(doc["count"]) for doc in self._stored("served")})
            with self._lock:
                counts.update(self._served)
        return dict(counts)

    # -- writing -----------------------------------------------------------

    def flush(self) -> int:
        """Merge the counts since the last flush into the file in one atomic write.

        Returns the number of figures and gap texts written (0: nothing to
        write, or no file). On a write error (``OSError``, ``ValueError`` for
        a corrupt file) the counts are kept for the next flush and the error
        is raised.
        """
        if self._db is None:
            return 0
        with self._write_lock:
            with self._lock:
                served, served_last, gaps = self._served, self._served_last, self._gaps
                self._served, self._served_last, self._gaps = Counter(), {}, {}
            if not served and not gaps:
                return 0
            try:
                self._write(served, served_last, gaps)
            except Exception:
                self._put_back(served, served_last, gaps)
                raise
            return len(served) + len(gaps)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()

    # -- internals -----------------------------------------------------------

    def _stored(self, table: str) -> list[dict]:
        if self._db is None:
            return []
        data = self._db.storage.read() or {}
        return list((data.get(table) or {}).values())

    def _write(self, served: Counter[str], served_last: dict[str, dt.date], gaps: dict[str, Gap]) -> None:
        assert self._db is not None
        data = self._db.storage.read() or {}
        counts = {doc["fact_id"]: doc for doc in (data.get("served") or {}).values()}
        for fact_id, count in served.items():
            old = counts.get(fact_id, {"count": 0})
            counts[fact_id] = {"fact_id": fact_id, "count": int(old["count"]) + count,
                               "last_served": served_last[fact_id].isoformat()}
        merged = _merge_gaps(list((data.get("gaps") or {}).values()), gaps)
        kept = sorted(merged.values(), key=lambda g: (-g.count, -g.last_seen.toordinal(), g.text))[:MAX_STORED_GAPS]
        data["served"] = _numbered(sorted(counts.values(), key=lambda d: d["fact_id"]))
        data["gaps"] = _numbered([_gap_doc(g) for g in kept])
        self._db.storage.write(data)  # one file replacement for both tables
        self._db.clear_cache()

    def _put_back(self, served: Counter[str], served_last: dict[str, dt.date], gaps: dict[str, Gap]) -> None:
        with self._lock:
            served.update(self._served)
            served_last.update(self._served_last)
            self._served, self._served_last = served, served_last
            self._gaps = _merge_gaps([_gap_doc(g) for g in gaps.values()], self._gaps)


def _merge_gaps(stored: list[dict], pending: dict[str, Gap]) -> dict[str, Gap]:
    """Stored gap documents plus pending gaps, by text (counts added, dates widened)."""
    merged: dict[str, Gap] = {}
    for doc in stored:
        merged[doc["text"]] = Gap(doc["text"], int(doc["count"]), dt.date.fromisoformat(doc["first_seen"]),
                                  dt.date.fromisoformat(doc["last_seen"]))
    for text, gap in pending.items():
        old = merged.get(text)
        merged[text] = gap if old is None else Gap(text, old.count + gap.count, min(old.first_seen, gap.first_seen),
                                                   max(old.last_seen, gap.last_seen))
    return merged


def _gap_doc(gap: Gap) -> dict:
    return {"text": gap.text, "count": gap.count, "first_seen": gap.first_seen.isoformat(),
            "last_seen": gap.last_seen.isoformat()}


def _numbered(docs: list[dict]) -> dict[str, dict]:
    """A TinyDB table: documents keyed by their ids as strings, from 1."""
    return {str(number): doc for number, doc in enumerate(docs, start=1)}
