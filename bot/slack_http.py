"""A ``WebClient`` that keeps its HTTP connection to Slack open between calls.

slack_sdk's ``WebClient`` opens a new connection (TCP, and TLS against
slack.com) for every call through ``urllib``. The delivery worker makes two
to three calls per item (the channel check, the post), so under a backlog
the handshakes cost more than the posts. :class:`KeepAliveWebClient` sends
the same requests over one ``http.client`` connection per thread, reopened
when the server closes it.

A request is sent again on a fresh connection only when a *reused*
connection fails before any byte of the answer arrived (the server closed
it while idle: nothing was processed). Every other failure is raised as
before, for the delivery worker to treat as "may have been posted".
"""

from __future__ import annotations

import http.client
import ssl
import threading
from typing import Any
from urllib.parse import urlsplit
from urllib.request import Request

from slack_sdk import WebClient


class KeepAliveWebClient(WebClient):
    """``WebClient`` with a persistent connection per thread (same arguments, same answers)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._local = threading.local()

    @classmethod
    def like(cls, client: WebClient) -> WebClient:
        """The same client (token, base URL, timeout, retry handlers) keeping its connection
        open; ``client`` itself when it already does, or uses a proxy (left to urllib)."""
        if isinstance(client, KeepAliveWebClient) or client.proxy:
            return client
        return cls(token=client.token, base_url=client.base_url, timeout=client.timeout, ssl=client.ssl,
                   headers=dict(client.headers), retry_handlers=list(client.retry_handlers), logger=client._logger)

    def _connection(self, scheme: str, netloc: str) -> tuple[http.client.HTTPConnection, bool]:
        """``(connection, reused)`` for this thread and host."""
        held = getattr(self._local, "conn", None)
        if held is not None and held[0] == (scheme, netloc):
            return held[1], True
        if held is not None:
            held[1].close()
        conn: http.client.HTTPConnection
        if scheme == "https":
            conn = http.client.HTTPSConnection(netloc, timeout=self.timeout,
                                               context=self.ssl or ssl.create_default_context())
        else:
            conn = http.client.HTTPConnection(netloc, timeout=self.timeout)
        self._local.conn = ((scheme, netloc), conn)
        return conn, False

    def _drop(self) -> None:
        held = getattr(self._local, "conn", None)
        if held is not None:
            held[1].close()
        self._local.conn = None

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return super()._perform_urllib_http_request_internal(url, req)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        body = req.data if isinstance(req.data, bytes) else None
        headers = {k: str(v) for k, v in req.header_items()}
        for attempt in (1, 2):
            conn, reused = self._connection(parts.scheme, parts.netloc)
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self._drop()
                if reused and attempt == 1:
                    continue  # an idle connection the server had closed: nothing was received
                raise
            except BaseException:
                self._drop()
                raise
            try:
                raw = response.read()
            except BaseException:
                self._drop()
                raise
            if response.will_close:
                self._drop()
            charset = response.headers.get_content_charset() or "utf-8"
            return {"status": response.status, "headers": response.headers, "body": raw.decode(charset)}
        raise AssertionError("unreachable")
