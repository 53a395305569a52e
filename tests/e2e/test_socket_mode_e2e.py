"""Socket Mode end to end: ``factbot serve`` with ``SLACK_APP_TOKEN`` against a fake Socket Mode
server on loopback (``tests.support.fake_socket_mode``) and the fake Web API.

Slack unreachable at start-up does not stop the server: ``POST /enquiries`` serves and
``/healthz`` says Socket Mode is not connected, until it connects in the background.
"""

from __future__ import annotations

import json
import time

import requests

from tests.support.block_kit import assert_valid_message
from tests.support.fake_slack import BOT_USER_ID, TEAM_ID
from tests.support.fake_socket_mode import FakeSocketMode
from tests.support.server import INTAKE_TOKEN, Server, free_port, server_env
from tests.support.slack_payloads import app_mention

APP_TOKEN = "xapp-1-A0TEST0001-1-fake"
ENQUIRY = {"name": "Jo Bloggs", "email": "jo@example.org", "service": "family support", "consent": True,
           "message": "Please call me about training for our staff."}


def _health(server: Server) -> dict:
    return requests.get(server.url + "/healthz", timeout=5).json()


def _wait(condition, timeout: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _command(text: str) -> dict:
    return {"token": "legacy", "team_id": TEAM_ID, "team_domain": "test", "channel_id": "C0SOCK0001",
            "channel_name": "general", "user_id": "U0TEST0001", "user_name": "jo", "command": "/grooming",
            "text": text, "api_app_id": "A0TEST0001", "is_enterprise_install": "false",
            "response_url": "https://example.invalid/r", "trigger_id": "1.2.socket"}


def test_socket_mode_answers_commands_buttons_and_mentions_and_survives_slack_down_at_start(fake_slack, tmp_path):
    fake_slack.down()  # Slack unreachable at start-up
    server = Server(f"http://127.0.0.1:{free_port()}",
                    server_env(fake_slack, tmp_path, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET="",
                               FACTBOT_SOCKET_RETRY="0.5"), tmp_path)  # not 10 s: the reconnect is what is tested
    with FakeSocketMode() as socket:
        try:
            server.start()
            _wait(lambda: _health(server)["slack"]["socket_mode"].startswith("not connected"), what="a failed attempt")
            health = _health(server)
            assert health["status"] == "degraded" and any("Socket Mode" in p for p in health["problems"])
            response = requests.post(server.url + "/enquiries", json=ENQUIRY, timeout=5,
                                     headers={"Authorization": f"Bearer {INTAKE_TOKEN}"})
            assert response.status_code in (201, 202)  # the website's enquiries are taken while Slack is down
            assert requests.post(server.url + "/slack/events", data="x", timeout=5).status_code == 404  # no HTTP route

            fake_slack.up()
            socket.serve_for(fake_slack)
            socket.wait_connected(timeout=30)
            _wait(lambda: _health(server)["slack"]["socket_mode"] == "connected", what="Socket Mode connected")

            ack = socket.send("slash_commands", _command("instagram payload"), accepts_response_payload=True)
            assert ack["seconds"] < 3
            assert "Instagram" in json.dumps(ack["payload"]) and "nspcc.org.uk" in json.dumps(ack["payload"])
            assert_valid_message(ack["payload"])

            share = next(b for b in ack["payload"]["blocks"] if b["type"] == "actions")["elements"][0]
            action = {"type": "block_actions", "user": {"id": "U0TEST0001", "username": "jo", "team_id": TEAM_ID},
                      "api_app_id": "A0TEST0001", "token": "legacy", "trigger_id": "1.2.share",
                      "team": {"id": TEAM_ID, "domain": "test"}, "channel": {"id": "C0SOCK0001", "name": "general"},
                      "container": {"type": "message", "message_ts": "1700000000.000100", "is_ephemeral": True},
                      "response_url": fake_slack.response_url("socket-share"),
                      "actions": [{**share, "block_id": "b1", "action_ts": "1700000001.000001"}]}
            assert "envelope_id" in socket.send("interactive", action)
            [shared] = fake_slack.wait_for("response:socket-share", timeout=10)
            assert shared.params["response_type"] == "in_channel" and not shared.refused
            assert "Shared by <@U0TEST0001>" in json.dumps(shared.params["blocks"])

            event = app_mention("Ev0SOCKET01", "C0SOCK0002", f"<@{BOT_USER_ID}> snapchat", ts="1700000100.000200")
            assert "envelope_id" in socket.send("events_api", event)
            assert "trying again in 0.5s" in server.log()  # FACTBOT_SOCKET_RETRY, as the log says
            [reply] = fake_slack.wait_for("chat.postMessage", timeout=10,
                                          where=lambda c: c.params.get("channel") == "C0SOCK0002")
            assert reply.params["thread_ts"] == "1700000100.000200" and "Snapchat" in json.dumps(reply.params["blocks"])
        finally:
            server.stop()
    assert "Traceback" not in server.log()
