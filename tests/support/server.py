"""The real server, started for real, and requests sent to it exactly as Slack sends them.

``server`` runs ``factbot serve`` in a subprocess on a free loopback port with
``SLACK_API_URL`` pointing at the fake, and sends requests exactly as Slack
does (signed, form-encoded commands; ``payload=`` JSON for actions).
:class:`SlackRequests` builds those requests for it and for the in-process
server (``tests.support.inprocess``).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests

from bot.ask import signed_headers, slash_command_body
from tests.support.block_kit import assert_valid_message, assert_valid_view
from tests.support.fake_slack import FakeSlack

SIGNING_SECRET = "test-signing-secret-0123456789"
BOT_TOKEN = "xoxb-test-token"
INTAKE_TOKEN = "test-intake-token-0123456789"
REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def check_ack(status: int, content: bytes) -> None:
    """Refuse, as Slack would, an ``ack`` body over Slack's limits (a message, or a view in
    ``response_action``): Slack shows the user an error instead of the answer."""
    if status != 200 or not content:
        return
    try:
        body = json.loads(content)
    except ValueError:
        return
    if not isinstance(body, dict):
        return
    if "view" in body:
        assert_valid_view(body["view"])
    elif "text" in body or "blocks" in body:
        assert_valid_message(body)


class SlackRequests:
    """Requests exactly as Slack sends them; a subclass sends the bytes (``_post_bytes``)."""

    def _post_bytes(self, path: str, body: bytes, headers: dict) -> Any:
        raise NotImplementedError

    def post_signed(self, body: str, content_type: str, *, secret: str = SIGNING_SECRET,
                    timestamp: int | None = None, headers: dict | None = None) -> Any:
        sent = signed_headers(secret, body, content_type, timestamp)
        sent.update(headers or {})
        response = self._post_bytes("/slack/events", body.encode("utf-8"), sent)
        check_ack(response.status_code, response.content)
        return response

    def command(self, text: str, *, command: str = "/grooming", response_url: str = "https://example.invalid/r",
                **kwargs) -> Any:
        body = slash_command_body(command, text, response_url=response_url, user_id="U0TEST0001",
                                  channel_id="C0TEST0001")
        return self.post_signed(body, "application/x-www-form-urlencoded", **kwargs)

    def action(self, payload: dict, **kwargs) -> Any:
        body = urlencode({"payload": json.dumps(payload)})
        return self.post_signed(body, "application/x-www-form-urlencoded", **kwargs)

    def event(self, payload: dict, **kwargs) -> Any:
        return self.post_signed(json.dumps(payload), "application/json", **kwargs)


@dataclass
class Server(SlackRequests):
    """A running ``factbot serve`` subprocess and how to talk to it as Slack does."""

    url: str
    env: dict
    workdir: Path
    process: subprocess.Popen | None = None
    log_path: Path | None = None
    extra_args: list = field(default_factory=list)
    #: Run in the child before ``exec`` (fault injection: lower a limit, drop a capability).
    preexec: Callable[[], None] | None = None

    def start(self, timeout: float = 20.0) -> Server:
        port = self.url.rsplit(":", 1)[1]
        self.log_path = self.workdir / "server.log"
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", port, *self.extra_args],
            cwd=self.workdir, env=self.env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=self.preexec,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited {self.process.returncode}:\n{self.log()}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.1)
        raise AssertionError(f"server did not start:\n{self.log()}")

    def stop(self, kill: bool = False) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill() if kill else self.process.terminate()
            self.process.wait(timeout=15)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""

    def _post_bytes(self, path: str, body: bytes, headers: dict) -> requests.Response:
        return requests.post(self.url + path, data=body, headers=headers, timeout=10)


def server_env(fake: FakeSlack, workdir: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FACTBOT_"))}
    env.update({
        "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake.api_url,
        "FACTBOT_DB": str(workdir / "factbot.json"), "FACTBOT_INTAKE_TOKEN": INTAKE_TOKEN,
        "PYTHONPATH": str(REPO) + os.pathsep + env.get("PYTHONPATH", ""),
    })
    env.update(extra)
    return env


def wait_until(check, timeout: float = 10.0, what: str = "condition"):
    """``check()``'s first true result, asked every 0.1 s; fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)
