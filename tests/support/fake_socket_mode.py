"""A fake Slack Socket Mode server on loopback (the ``websockets`` library), for end-to-end tests.

Point the fake Web API's ``apps.connections.open`` at it (:meth:`FakeSocketMode.serve_for`),
start ``factbot serve`` with ``SLACK_APP_TOKEN``, then send envelopes as Slack does and read
the app's acks::

    with FakeSocketMode() as socket:
        socket.serve_for(fake_slack)
        ...  # start the server
        socket.wait_connected()
        ack = socket.send("slash_commands", {...form fields...}, accepts_response_payload=True)
        assert ack["payload"]["blocks"]

On connecting, the app is sent ``hello`` as Slack sends it. Acks are matched by ``envelope_id``.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve


class FakeSocketMode:
    """Socket Mode on ``ws://127.0.0.1:<port>/link``; one app connection at a time."""

    def __init__(self) -> None:
        self._server: Server | None = None
        self._connection: ServerConnection | None = None
        self._cond = threading.Condition()
        self._acks: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)
        self.connections = 0

    def __enter__(self) -> FakeSocketMode:
        self._server = serve(self._handle, "127.0.0.1", 0)
        threading.Thread(target=self._server.serve_forever, daemon=True, name="FakeSocketMode").start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.socket.getsockname()[:2]
        return f"ws://{host}:{port}/link/?ticket=fake"

    def serve_for(self, fake_slack: Any) -> None:
        """Make ``fake_slack``'s ``apps.connections.open`` answer with this server's URL."""
        fake_slack.set_response("apps.connections.open", {"ok": True, "url": self.url})

    def _handle(self, connection: ServerConnection) -> None:
        with self._cond:
            self._connection = connection
            self.connections += 1
            self._cond.notify_all()
        connection.send(json.dumps({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0TEST0001"},
                                    "debug_info": {"host": "fake", "approximate_connection_time": 3600}}))
        try:
            for raw in connection:
                message = json.loads(raw)
                if "envelope_id" in message:
                    with self._cond:
                        self._acks[message["envelope_id"]] = message
                        self._cond.notify_all()
        except ConnectionClosed:
            pass

    def wait_connected(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._connection is None:
                if not self._cond.wait(max(deadline - time.monotonic(), 0)) and time.monotonic() >= deadline:
                    raise AssertionError("the app did not connect to the fake Socket Mode server")

    def send(self, kind: str, payload: dict[str, Any], *, accepts_response_payload: bool = False,
             timeout: float = 5.0) -> dict[str, Any]:
        """Send one envelope (``slash_commands``, ``interactive`` or ``events_api``) and return the
        app's ack (``{"envelope_id", "payload"?}``); ``AssertionError`` when none comes in ``timeout``."""
        envelope_id = f"env-{next(self._ids)}"
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload,
                    "accepts_response_payload": accepts_response_payload, "retry_attempt": 0, "retry_reason": ""}
        with self._cond:
            connection = self._connection
        assert connection is not None, "no app is connected"
        started = time.monotonic()
        connection.send(json.dumps(envelope))
        with self._cond:
            while envelope_id not in self._acks:
                remaining = timeout - (time.monotonic() - started)
                if remaining <= 0:
                    raise AssertionError(f"no ack for {kind} envelope within {timeout}s")
                self._cond.wait(remaining)
            ack = self._acks[envelope_id]
        ack["seconds"] = time.monotonic() - started
        return ack
