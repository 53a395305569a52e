"""A small fake of the Slack Web API for end-to-end tests (stdlib only).

Start it, point the real app at it with ``SLACK_API_URL=fake.api_url`` (or
``WebClient(base_url=fake.api_url)``), then assert on the recorded calls::

    with FakeSlack() as fake:
        fake.channels["C0ENQ0001"] = {"is_private": True}
        fake.fail_next("chat.postMessage", error="not_in_channel")
        ...  # drive the app
        [call] = fake.wait_for("chat.postMessage")
        assert call.params["channel"] == "C0ENQ0001"

Web API calls arrive as ``POST /api/<method>`` (form-encoded or JSON bodies;
slack_sdk sends every method as a POST).  ``response_url`` webhooks go to
``POST /response/<name>`` and are recorded with method ``"response:<name>"``.
``GET /health`` answers 200 for readiness probes.  Header names in recorded
calls are lower-cased.

The fake is as strict as Slack about what it is sent (``tests.support.block_kit``):
a message or view breaking one of Slack's limits is refused as Slack refuses it
(``invalid_blocks``, ``msg_too_long``, ``invalid_arguments``; a ``response_url``
post answers 400), is not stored, and is listed in :attr:`FakeSlack.refused`.
Archived channels (``fake.channels[id] = {"is_archived": True}``) answer
``is_archived`` to posts.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.block_kit import message_problems, view_problems

__all__ = ["Call", "Fault", "FakeSlack", "BOT_USER_ID", "BOT_ID", "TEAM_ID"]

BOT_USER_ID = "UBOT0001"
BOT_ID = "BBOT0001"
TEAM_ID = "T0TEST0001"
PRIVATE_CHANNEL = "C0ENQ0001"  # the enquiry channel in unit tests; tests make it private


@dataclass(frozen=True)
class Fault:
    """One injected failure: HTTP ``status``, Slack ``error`` code, extra ``headers``, ``delay`` in s."""

    status: int = 200
    error: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    after_storing: bool = False  # do the call (e.g. store the message), then fail: "Slack saved it but answered 500"


@dataclass
class Call:
    """One request received by the fake (header names lower-cased)."""

    method: str  # "chat.postMessage", "response:<name>", or "unknown:<path>"
    path: str
    headers: dict[str, str]
    params: dict[str, Any]  # form fields (str, or list if repeated) or the JSON object
    body: bytes
    time: float
    fault: Fault | None = None  # what was injected for this call, if anything
    refused: list[tuple[str, str]] = field(default_factory=list)  # Slack's limits this call broke

    @property
    def token(self) -> str | None:
        """The token sent as ``Authorization: Bearer`` or as a ``token`` field."""
        auth = self.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[7:].strip()
        return self.params.get("token")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True  # so up()/start(port) can rebind the same port at once
    fake: FakeSlack

    def handle_error(self, request, client_address):  # noqa: D401 - keep stderr quiet
        """Swallow handler errors (e.g. client hung up during a delay) instead of printing."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request per connection: down() leaves nothing open
    server_version = "FakeSlack/1.0"

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass

    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def _dispatch(self):
        try:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
            status, headers, ctype, payload = self.server.fake._handle(self.command, self.path, self.headers, body)
        except Exception as exc:  # never let a bad request kill the server
            status, headers, ctype = 500, {}, "application/json"
            payload = json.dumps({"ok": False, "error": f"fake_slack_error: {exc!r}"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, str(value))
        self.end_headers()
        self.wfile.write(payload)


class FakeSlack:
    """Fake Slack Web API on 127.0.0.1; see the module docstring for usage."""

    def __init__(self, port: int = 0):
        self.channels: dict[str, dict[str, Any]] = {}  # id -> overrides for conversations.info
        self.users: dict[str, dict[str, Any]] = {}  # id -> overrides for users.info
        self.messages: dict[str, list[dict[str, Any]]] = {}  # channel -> messages posted, oldest first
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._cond = threading.Condition()
        self._calls: list[Call] = []
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._responses: dict[str, dict | Callable[[Call], dict]] = {}
        self._ts = 0
        self._ts_base_us = int(time.time()) * 1_000_000  # ts values are real times, as Slack's are
        self.strict = True  # refuse payloads over Slack's limits, as Slack does
        self._response_channels: dict[str, str] = {}  # response_url name -> the channel it posts in

    # -- lifecycle -------------------------------------------------------------------
    def start(self, port: int | None = None) -> FakeSlack:
        """Listen on ``port``; by default the port used last (so a restart keeps the URL), else a free one."""
        if self._server is not None:
            return self
        server = _Server(("127.0.0.1", self._port if port is None else port), _Handler)
        server.fake = self
        self._server, self._port = server, server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"FakeSlack:{self._port}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket; recorded calls and settings are kept."""
        server, thread, self._server, self._thread = self._server, self._thread, None, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def down(self) -> None:
        """Simulate Slack being unreachable: connections are refused until :meth:`up`."""
        self.stop()

    def up(self) -> None:
        """Bring the server back on the same port after :meth:`down`."""
        self.start(self._port)

    @property
    def is_up(self) -> bool:
        return self._server is not None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- addresses ---------------------------------------------------------------------
    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("FakeSlack has not been started")
        return self._port

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """Web API base URL with trailing slash, as WebClient's ``base_url`` / ``SLACK_API_URL`` expect."""
        return self.url + "/api/"

    def response_url(self, name: str, channel: str | None = None) -> str:
        """A ``response_url`` for slash commands / actions; posts are recorded as ``response:<name>``.
        With ``channel``, an ``in_channel`` post is also stored as a message there (as the app's,
        with its metadata), as Slack does: ``conversations.history`` then finds it."""
        if channel:
            self._response_channels[name] = channel
        return f"{self.url}/response/{name}"

    # -- scripting ---------------------------------------------------------------------
    def fail_next(self, method: str, *, status: int = 200, error: str | None = None,
                  headers: dict[str, str] | None = None, times: int = 1, delay: float = 0.0,
                  after_storing: bool = False) -> None:
        """Queue ``times`` faults for ``method`` (FIFO, one consumed per call).

        ``error`` alone gives 200 ``{"ok": false, "error": error}``; ``status=429`` is rate limiting
        (``Retry-After: 1`` unless given); 5xx is a server error; ``delay`` sleeps before answering
        (on its own, the normal answer is sent late). ``after_storing`` does the call first (a posted
        message is stored) and then answers with the fault, as when Slack fails after saving.
        """
        fault = Fault(status=status, error=error, headers=dict(headers or {}), delay=delay, after_storing=after_storing)
        with self._cond:
            self._faults[method].extend([fault] * times)

    def set_response(self, method: str, response: dict | Callable[[Call], dict]) -> None:
        """Answer ``method`` with a fixed JSON object, or with ``response(call)``."""
        self._responses[method] = response

    def outbox_posts(self, channel: str) -> Counter[str]:
        """Outbox id (from message metadata) → how many messages ``channel`` holds with it
        (top-level posts and thread replies)."""
        counted: Counter[str] = Counter()
        for message in list(self.messages.get(channel, [])):
            outbox_id = ((message.get("metadata") or {}).get("event_payload") or {}).get("outbox_id")
            if isinstance(outbox_id, str):
                counted[outbox_id] += 1
        return counted

    def calls(self, method: str | None = None) -> list[Call]:
        """A copy of the recorded calls, optionally only those to ``method``."""
        with self._cond:
            return [c for c in self._calls if method is None or c.method == method]

    def clear(self) -> None:
        """Forget recorded calls and pending faults."""
        with self._cond:
            self._calls.clear()
            self._faults.clear()

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0,
                 where: Callable[[Call], bool] | None = None) -> list[Call]:
        """Block until ``count`` calls to ``method`` (for which ``where(call)`` is true, when
        given) were recorded; return all of them."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [c for c in self._calls if c.method == method and (where is None or where(c))]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = ", ".join(c.method for c in self._calls) or "nothing"
                    raise AssertionError(
                        f"FakeSlack: expected {count} call(s) to {method!r} within {timeout}s, "
                        f"got {len(found)}. Calls received, in order: {seen}"
                    )
                self._cond.wait(remaining)

    # -- request handling (runs in server threads) --------------------------------------
    def _handle(self, verb: str, raw_path: str, headers, body: bytes):
        """Record one request and return ``(status, headers, content_type, payload)``."""
        split = urlsplit(raw_path)
        path = split.path
        if verb == "GET" and path == "/health":
            return 200, {}, "application/json", b'{"ok": true}'
        method = _method_of(path)
        params, bad_json = _params_of(split.query, headers, body)
        with self._cond:
            queue = self._faults.get(method)
            fault = queue.popleft() if queue else None
            refused = self._limits_broken(method, params) if self.strict and not bad_json else []
            call = Call(method, path, {k.lower(): v for k, v in headers.items()}, params, body, time.time(), fault,
                        refused)
            self._calls.append(call)
            self._cond.notify_all()
        stored: dict | None = None
        if fault is not None and fault.after_storing and not refused:
            builder = getattr(self, "_api_" + method.replace(".", "_"), None)
            if builder:
                stored = builder(params)
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        webhook = method.startswith("response:")
        if fault is not None and (fault.status != 200 or fault.error):
            return _fault_answer(fault, webhook)
        if refused:
            return _refused_answer(refused, webhook)
        if webhook:
            channel = self._response_channels.get(method[len("response:"):])
            if channel and params.get("response_type") == "in_channel":
                self._api_chat_postMessage({**params, "channel": channel})
            return 200, {}, "text/plain", b"ok"
        if method.startswith("unknown:"):
            return 404, {}, "text/plain", b"not_found"
        return 200, {}, "application/json; charset=utf-8", json.dumps(self._answer(call, bad_json, stored)).encode()

    def _answer(self, call: Call, bad_json: bool, stored: dict | None) -> dict:
        """The Web API answer to a recorded call that no fault or limit refused."""
        if bad_json:
            return {"ok": False, "error": "invalid_json"}
        if not call.token and "authorization" not in call.headers:
            return {"ok": False, "error": "not_authed"}
        if stored is not None:  # stored once already; a late answer must not store it again
            return stored
        if call.method in self._responses:
            custom = self._responses[call.method]
            return custom(call) if callable(custom) else custom
        builder = getattr(self, "_api_" + call.method.replace(".", "_"), None)
        return builder(call.params) if builder else {"ok": True}

    @property
    def refused(self) -> list[Call]:
        """Calls refused for breaking Slack's limits (see ``Call.refused`` for why)."""
        with self._cond:
            return [c for c in self._calls if c.refused]

    _MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.update", "chat.scheduleMessage"})

    def _limits_broken(self, method: str, params: dict) -> list[tuple[str, str]]:
        """What Slack would refuse in this call's payload (``[]`` when nothing)."""
        if method in self._MESSAGE_METHODS or method.startswith("response:"):
            return message_problems(params)
        if method.startswith("views."):
            return view_problems(params.get("view"))
        return []

    def _next_ts(self) -> str:
        with self._cond:
            self._ts += 1
            us = self._ts_base_us + 100 * self._ts
        return f"{us // 1_000_000}.{us % 1_000_000:06d}"

    # -- canned Web API answers ----------------------------------------------------------
    def _api_auth_test(self, p):
        return {"ok": True, "url": "https://fake-slack.test/", "team": "Test Team", "user": "factbot",
                "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID, "is_enterprise_install": False}

    def _api_chat_postMessage(self, p):
        archived = self.channels.get(p.get("channel"), {}).get("is_archived")
        if archived:
            return {"ok": False, "error": "is_archived"}
        ts = self._next_ts()
        message = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": ts, "text": p.get("text", "")}
        if "blocks" in p:
            message["blocks"] = p["blocks"]
        if "thread_ts" in p:
            message["thread_ts"] = p["thread_ts"]
        if "metadata" in p:
            metadata = p["metadata"]
            message["metadata"] = json.loads(metadata) if isinstance(metadata, str) else metadata
        with self._cond:
            self.messages.setdefault(p.get("channel"), []).append(message)
        return {"ok": True, "channel": p.get("channel"), "ts": ts, "message": message}

    def _api_conversations_replies(self, p):
        """The thread's parent and replies (``ts`` is the parent), oldest first, after ``oldest``;
        metadata only with include_all_metadata; ``limit`` per page (Slack caps it at 1,000) and
        ``cursor`` pagination as Slack does it."""
        with self._cond:
            stored = list(self.messages.get(p.get("channel"), []))
        within = _window(p)
        thread = [m for m in stored if (m["ts"] == p.get("ts") or m.get("thread_ts") == p.get("ts"))
                  and (within(m["ts"]) or m["ts"] == p.get("ts"))]
        return self._page(thread, p)

    def _api_conversations_history(self, p):
        """Top-level messages posted to the channel after ``oldest`` (thread replies never appear
        here, as in Slack), newest first; metadata only with include_all_metadata; ``limit`` per
        page (default 100) and ``cursor`` pagination as Slack does it; ``latest`` and ``inclusive``
        as in Slack."""
        with self._cond:
            stored = list(self.messages.get(p.get("channel"), []))
        within = _window(p)
        found = [m for m in reversed(stored) if within(m["ts"]) and m.get("thread_ts") in (None, m["ts"])]
        return self._page(found, p)

    def _page(self, messages: list[dict], p) -> dict:
        with_metadata = str(p.get("include_all_metadata", "")).lower() in ("1", "true")
        limit = max(1, min(int(p.get("limit") or 100), 1000))
        start = int(p.get("cursor") or 0) if str(p.get("cursor") or "0").isdigit() else 0
        page = messages[start:start + limit]
        more = start + limit < len(messages)
        answer: dict = {"ok": True, "has_more": more,
                        "messages": [m if with_metadata else {k: v for k, v in m.items() if k != "metadata"}
                                     for m in page]}
        if more:
            answer["response_metadata"] = {"next_cursor": str(start + limit)}
        return answer

    def _api_chat_postEphemeral(self, p):
        return {"ok": True, "message_ts": self._next_ts()}

    def _api_chat_update(self, p):
        with self._cond:
            for message in self.messages.get(p.get("channel"), []):
                if message["ts"] == p.get("ts"):
                    message.update({k: p[k] for k in ("text", "blocks") if k in p})
        return {"ok": True, "channel": p.get("channel"), "ts": p.get("ts"), "text": p.get("text", "")}

    def _api_chat_getPermalink(self, p):
        channel, ts = p.get("channel", ""), str(p.get("message_ts", ""))
        return {"ok": True, "channel": channel,
                "permalink": f"https://fake-slack.test/archives/{channel}/p{ts.replace('.', '')}"}

    def _api_conversations_info(self, p):
        cid = p.get("channel")
        if cid not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        channel = {"id": cid, "name": cid.lower(), "is_channel": True, "is_private": False,
                   "is_archived": False, "is_member": True}
        return {"ok": True, "channel": {**channel, **self.channels[cid]}}

    def _api_views_open(self, p):
        return {"ok": True, "view": {"id": "V" + self._next_ts().replace(".", "")[-9:]}}

    _api_views_publish = _api_views_update = _api_views_push = _api_views_open

    def _api_users_info(self, p):
        uid = p.get("user", "")
        user = {"id": uid, "team_id": TEAM_ID, "name": uid.lower(), "real_name": f"User {uid}",
                "is_bot": False, "tz": "Europe/London", "profile": {"display_name": uid.lower()}}
        return {"ok": True, "user": {**user, **self.users.get(uid, {})}}


def _window(p: dict) -> Callable[[str], bool]:
    """Whether a message's ``ts`` lies between ``oldest`` and ``latest`` (Slack: both exclusive
    unless ``inclusive``; no ``latest``: up to now)."""
    oldest = float(p.get("oldest") or 0)
    latest = float(p["latest"]) if p.get("latest") else float("inf")
    if str(p.get("inclusive", "")).lower() in ("1", "true"):
        return lambda ts: oldest <= float(ts) <= latest
    return lambda ts: oldest < float(ts) < latest


def _method_of(path: str) -> str:
    """``chat.postMessage`` for ``/api/chat.postMessage``; ``response:<key>`` for a response_url."""
    if path.startswith("/api/"):
        return path[len("/api/"):]
    if path.startswith("/response/"):
        return "response:" + path[len("/response/"):]
    return "unknown:" + path


def _params_of(query: str, headers, body: bytes) -> tuple[dict[str, Any], bool]:
    """The request's parameters (query, then JSON or form body) and whether its JSON was bad."""
    params: dict[str, Any] = {k: v[0] if len(v) == 1 else v for k, v in parse_qs(query).items()}
    ctype = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
    try:
        if ctype == "application/json" and body:
            data = json.loads(body.decode("utf-8"))
            params.update(data if isinstance(data, dict) else {"_json": data})
        elif body:
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
            params.update({k: v[0] if len(v) == 1 else v for k, v in form.items()})
    except ValueError:  # includes JSONDecodeError and UnicodeDecodeError
        return params, ctype == "application/json"
    return params, False


def _fault_answer(fault, webhook: bool):
    """The answer an injected fault gives (429 with Retry-After, 5xx, or an error)."""
    default = "ratelimited" if fault.status == 429 else "internal_error" if fault.status >= 500 else "fake_error"
    error = fault.error or default
    extra = dict(fault.headers)
    if fault.status == 429 and not any(k.lower() == "retry-after" for k in extra):
        extra["Retry-After"] = "1"
    if webhook:
        return fault.status, extra, "text/plain", error.encode()
    return fault.status, extra, "application/json", json.dumps({"ok": False, "error": error}).encode()


def _refused_answer(refused: list, webhook: bool):
    """Slack's answer to a call that breaks its limits (the first problem's code, every detail)."""
    code = refused[0][0]
    if webhook:
        return 400, {}, "text/plain", code.encode()
    answer = {"ok": False, "error": code, "errors": [detail for _, detail in refused],
              "response_metadata": {"messages": [f"[ERROR] {detail}" for _, detail in refused]}}
    return 200, {}, "application/json", json.dumps(answer).encode()
