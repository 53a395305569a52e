"""The server in this process: what ``factbot serve`` assembles, driven through Starlette's TestClient.

:class:`InProcessServer` has the interface of :class:`tests.support.server.Server`
(``command``, ``action``, ``event``, ``post_signed`` from :class:`SlackRequests`, ``env``, ``workdir``,
``log()``, ``start()``/``stop()``) plus ``post``/``get`` for the web routes,
without a URL: requests go to the ASGI app in this process, so there is no
interpreter to start and no port to wait for. What is sent is what Slack and
the website send: the same signed bytes, form bodies encoded and JSON serialised as ``requests``
does. The fake Slack stays a real server on loopback (``SLACK_API_URL``), and
``factbot`` commands still run as subprocesses on the same files
(``env`` and ``workdir``).

Settings come from ``env`` exactly as ``serve`` reads them (``load_settings``,
no ``.env`` file), with ``os.environ`` patched only while they are read.
The log is every record logged in this process while the server runs, in
``serve``'s format and at ``FACTBOT_LOG_LEVEL`` (the test client's own
loggers left out), with ``bot.logs``' caps on libraries that log payloads.
Use a real process (``tests.support.server``) for what needs one: SIGKILL,
SIGTERM, a restart of the interpreter, two servers on one store.
"""

from __future__ import annotations

import contextlib
import io
import json as jsonlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from httpx2 import Response
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.logs import PAYLOAD_LOGGERS
from bot.runtime import Runtime, build_runtime
from bot.server import create_web_app
from bot.settings import Settings, load_settings
from facts.persistence import hold_exclusively, sibling_path
from tests.support.server import SlackRequests

#: ``factbot``'s log line format (``bot.cli.main``).
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: Loggers of the test's side of the wire (the HTTP clients), not of the server.
CLIENT_LOGGERS = ("httpx", "httpcore", "urllib3", "requests", "tests")
_SETTING_PREFIXES = ("SLACK_", "FACTBOT_")


@contextlib.contextmanager
def settings_environment(env: dict) -> Iterator[None]:
    """``os.environ``'s ``SLACK_*``/``FACTBOT_*`` variables exactly as in ``env`` for the block, then as before."""
    saved = {k: v for k, v in os.environ.items() if k.startswith(_SETTING_PREFIXES)}
    try:
        for name in saved:
            del os.environ[name]
        os.environ.update({k: v for k, v in env.items() if k.startswith(_SETTING_PREFIXES)})
        yield
    finally:
        for name in [k for k in os.environ if k.startswith(_SETTING_PREFIXES)]:
            del os.environ[name]
        os.environ.update(saved)


def settings_from(env: dict) -> Settings:
    """The settings ``factbot serve`` would read from ``env`` (no ``.env`` file)."""
    with settings_environment(env):
        return load_settings(env_file=None)


class _ServerRecords(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.name.startswith(CLIENT_LOGGERS)


def _logging_exceptions(app: ASGIApp) -> ASGIApp:
    """Log an exception escaping the app as uvicorn does (so it shows in the log, as it would)."""
    errors = logging.getLogger("uvicorn.error")

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await app(scope, receive, send)
        except Exception:
            errors.exception("Exception in ASGI application\n")
            raise

    return wrapped


@dataclass
class InProcessServer(SlackRequests):
    """``factbot serve``'s runtime and web app in this process, and requests to it as Slack sends them."""

    env: dict
    workdir: Path
    runtime: Runtime | None = None
    client: TestClient | None = None
    _log: io.StringIO = field(default_factory=io.StringIO)
    _handler: logging.Handler | None = None
    _levels: dict[str, int] = field(default_factory=dict)
    _lock: Any = None

    def start(self) -> InProcessServer:
        """Read the settings, take the store's serve lock, build the runtime (its loops start) and the app."""
        settings = settings_from(self.env)
        self._capture_log(settings.factbot_log_level)
        lock_path = sibling_path(settings.factbot_db, "serve").with_suffix(".lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = hold_exclusively(lock_path)
        try:
            self.runtime = build_runtime(settings)
        except BaseException:
            self._lock.close()
            self._release_log()
            raise
        self.runtime.closers.append(self._lock.close)
        web = create_web_app(self.runtime, on_shutdown=[self.runtime.close])
        self.client = TestClient(_logging_exceptions(web), raise_server_exceptions=False)
        self.client.__enter__()  # runs the app's lifespan; leaving it runs the shutdown steps
        return self

    def stop(self) -> None:
        """Shut down as on SIGTERM: the app's shutdown steps stop the loops and write what is in memory."""
        if self.client is not None:
            client, self.client = self.client, None
            client.__exit__(None, None, None)
        self._release_log()

    def log(self) -> str:
        return self._log.getvalue()

    # -- logging ------------------------------------------------------------

    def _capture_log(self, level_name: str) -> None:
        level = logging.getLevelName(level_name)
        root = logging.getLogger()
        handler = logging.StreamHandler(self._log)
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        handler.setLevel(level)
        handler.addFilter(_ServerRecords())
        self._levels = {"": root.level, **{name: logging.getLogger(name).level for name in PAYLOAD_LOGGERS}}
        root.setLevel(min(root.getEffectiveLevel(), level))
        for name in PAYLOAD_LOGGERS:  # as bot.logs.configure_logging: never below INFO
            logging.getLogger(name).setLevel(max(level, logging.INFO))
        root.addHandler(handler)
        self._handler = handler

    def _release_log(self) -> None:
        if self._handler is None:
            return
        logging.getLogger().removeHandler(self._handler)
        for name, level in self._levels.items():
            logging.getLogger(name or None).setLevel(level)
        self._handler = None

    # -- the web routes, as a website (or curl) sends to them ------------------

    def post(self, path: str, *, data: Any = None, json: Any = None, headers: dict | None = None,
             timeout: float | None = None) -> Response:
        """``POST path`` with the body ``requests.post`` would send for ``data``/``json``."""
        sent = dict(headers or {})
        has_type = any(k.lower() == "content-type" for k in sent)
        if json is not None:
            content: bytes | None = jsonlib.dumps(json, allow_nan=False).encode("utf-8")
            if not has_type:
                sent["Content-Type"] = "application/json"
        elif isinstance(data, dict):
            content = urlencode({k: v for k, v in data.items() if v is not None}, doseq=True).encode("utf-8")
            if not has_type:
                sent["Content-Type"] = "application/x-www-form-urlencoded"
        elif isinstance(data, str):
            content = data.encode("utf-8")
        else:
            content = data
        return self._client().post(path, content=content, headers=sent)

    def get(self, path: str, *, headers: dict | None = None, timeout: float | None = None) -> Response:
        return self._client().get(path, headers=headers)

    def _client(self) -> TestClient:
        if self.client is None:
            raise AssertionError("the in-process server is not running")
        return self.client

    def _post_bytes(self, path: str, body: bytes, headers: dict) -> Response:
        return self._client().post(path, content=body, headers=headers)

    @property
    def url(self) -> str:
        raise AttributeError("an in-process server has no URL: use its post(path, ...) and get(path)")
