"""A loopback HTTP server serving RSS and Atom feeds for tests (stdlib only).

::

    with FeedServer() as feeds:
        feeds.set("/news.rss", rss([{"title": "A", "link": "https://x.test/a", "guid": "a"}]))
        url = feeds.url("/news.rss")
        feeds.delays["/slow"] = 3.0      # answers late (a timeout)
        feeds.statuses["/gone"] = 500    # answers an error

Conditional GET as real servers do it: each document has an ``ETag`` (a
hash of its bytes) and, when given, a ``Last-Modified``; a request whose
``If-None-Match`` or ``If-Modified-Since`` matches gets ``304``. Every
request is recorded as ``(path, status, request headers)``.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape


@dataclass
class Doc:
    body: bytes
    content_type: str
    etag: str | None
    last_modified: str | None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: FeedServer

    def handle_error(self, request, client_address):  # a client hanging up on a slow answer is expected
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, format, *args):  # noqa: A002
        pass

    def do_GET(self):
        status, headers, body = self.server.owner._answer(self.path, {k.lower(): v for k, v in self.headers.items()})
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class FeedServer:
    """Feeds on 127.0.0.1; see the module docstring."""

    def __init__(self) -> None:
        self.docs: dict[str, Doc] = {}
        self.delays: dict[str, float] = {}
        self.statuses: dict[str, int] = {}
        self.requests: list[tuple[str, int, dict]] = []
        self._lock = threading.Lock()
        self._server: _Server | None = None

    def __enter__(self) -> FeedServer:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def set(self, path: str, body: str | bytes, content_type: str = "application/rss+xml; charset=utf-8", *,
            etag: bool = True, last_modified: str | None = None) -> None:
        """Serve ``body`` at ``path`` (replacing what was there)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        tag = f'"{hashlib.sha256(data).hexdigest()[:16]}"' if etag else None
        with self._lock:
            self.docs[path] = Doc(data, content_type, tag, last_modified)

    def statuses_for(self, path: str) -> list[int]:
        with self._lock:
            return [status for p, status, _ in self.requests if p == path]

    def _answer(self, path: str, headers: dict) -> tuple[int, dict, bytes]:
        if path in self.delays:
            time.sleep(self.delays[path])
        with self._lock:
            doc = self.docs.get(path)
            status = self.statuses.get(path) or (200 if doc else 404)
            if status == 200 and ((doc.etag and headers.get("if-none-match") == doc.etag)
                                  or (doc.last_modified and headers.get("if-modified-since") == doc.last_modified)):
                status = 304
            self.requests.append((path, status, headers))
        if status != 200:
            return status, {}, b""
        sent = {"Content-Type": doc.content_type}
        if doc.etag:
            sent["ETag"] = doc.etag
        if doc.last_modified:
            sent["Last-Modified"] = doc.last_modified
        return 200, sent, doc.body


# -- documents -------------------------------------------------------------------


def http_date(seconds: float) -> str:
    return formatdate(seconds, usegmt=True)


def rss(items: list[dict], title: str = "Campaign news") -> str:
    """An RSS 2.0 document. Item keys: ``title``, ``link``, ``guid``, ``description``, ``pubDate``;
    values are XML-escaped unless the key ends in ``_raw`` (``title_raw`` …), which is inserted as is."""
    parts = []
    for item in items:
        fields = []
        for key, value in item.items():
            tag = key.removesuffix("_raw")
            fields.append(f"<{tag}>{value if key.endswith('_raw') else escape(value)}</{tag}>")
        parts.append("<item>" + "".join(fields) + "</item>")
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{escape(title)}</title>'
            f"<link>https://news.example.test/</link><description>News</description>{''.join(parts)}"
            "</channel></rss>")


def atom(entries: list[dict], title: str = "Policy updates") -> str:
    """An Atom 1.0 document. Entry keys: ``title``, ``id``, ``link``, ``updated``, ``summary``."""
    parts = []
    for entry in entries:
        fields = [f"<title type=\"html\">{escape(entry['title'])}</title>"]
        if "id" in entry:
            fields.append(f"<id>{escape(entry['id'])}</id>")
        if "link" in entry:
            fields.append(f'<link href="{escape(entry["link"])}"/>')
        fields.append(f"<updated>{entry.get('updated', '2026-11-01T09:00:00Z')}</updated>")
        if "summary" in entry:
            fields.append(f"<summary type=\"html\">{escape(entry['summary'])}</summary>")
        parts.append("<entry>" + "".join(fields) + "</entry>")
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{escape(title)}</title><id>urn:feed:policy</id><updated>2026-11-01T09:00:00Z</updated>"
            f"{''.join(parts)}</feed>")


def news(n: int, start: int = 1, **extra) -> list[dict]:
    """``n`` RSS items numbered from ``start``, newest first, with guids and links."""
    return [{"title": f"Story {i}", "link": f"https://news.example.test/story-{i}", "guid": f"story-{i}",
             "pubDate": http_date(1_780_000_000 + i * 3600), **extra}
            for i in range(start + n - 1, start - 1, -1)]
