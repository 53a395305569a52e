"""Tests for the fake Slack Web API server, driven through slack_sdk's real clients."""

import json
import socket
import time
import urllib.request
from urllib.error import URLError

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from tests.support.fake_slack import FakeSlack


@pytest.fixture
def fake():
    with FakeSlack() as server:
        yield server


def client(fake, **kwargs):
    # No default connection-retry handler: keeps failure tests fast and deterministic.
    kwargs.setdefault("retry_handlers", [])
    return WebClient(token="xoxb-test", base_url=fake.api_url, **kwargs)


def test_urls_and_health(fake):
    assert fake.api_url == f"http://127.0.0.1:{fake.port}/api/"
    assert fake.response_url("cmd1") == f"{fake.url}/response/cmd1"
    with urllib.request.urlopen(fake.url + "/health", timeout=2) as resp:
        assert resp.status == 200
    assert fake.calls() == []


def test_auth_test_identity(fake):
    resp = client(fake).auth_test()
    assert (resp["user_id"], resp["bot_id"], resp["team_id"]) == ("UBOT0001", "BBOT0001", "T0TEST0001")
    assert fake.calls("auth.test")[0].token == "xoxb-test"


def test_post_message_recorded_with_params(fake):
    web = client(fake)
    first = web.chat_postMessage(channel="C0ENQ0001", text="hello")
    second = web.chat_postMessage(channel="C0ENQ0001", text="again", thread_ts=first["ts"])
    assert first["ok"] and first["channel"] == "C0ENQ0001" and first["message"]["text"] == "hello"
    assert abs(float(first["ts"]) - time.time()) < 60 and float(second["ts"]) > float(first["ts"])
    calls = fake.wait_for("chat.postMessage", count=2)
    assert calls[0].params == {"channel": "C0ENQ0001", "text": "hello"}
    assert calls[1].params["thread_ts"] == first["ts"]
    assert calls[0].headers["authorization"] == "Bearer xoxb-test"
    assert calls[0].fault is None and calls[0].path == "/api/chat.postMessage"


def test_json_and_form_bodies_are_parsed(fake):
    web = client(fake)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    web.api_call("chat.update", json={"channel": "C1", "ts": "1.2", "blocks": blocks})
    web.api_call("reactions.add", params={"channel": "C1", "timestamp": "1.2", "name": "eyes"})
    [update] = fake.calls("chat.update")
    assert update.headers["content-type"].startswith("application/json")
    assert update.params["blocks"] == blocks and json.loads(update.body)["ts"] == "1.2"
    [reaction] = fake.calls("reactions.add")
    assert reaction.params == {"channel": "C1", "timestamp": "1.2", "name": "eyes"}
    assert [c.method for c in fake.calls()] == ["chat.update", "reactions.add"]
    fake.clear()
    assert fake.calls() == []


def test_not_in_channel_error(fake):
    fake.fail_next("chat.postMessage", error="not_in_channel")
    web = client(fake)
    with pytest.raises(SlackApiError) as err:
        web.chat_postMessage(channel="C0ENQ0001", text="x")
    assert err.value.response.status_code == 200
    assert err.value.response["error"] == "not_in_channel"
    assert web.chat_postMessage(channel="C0ENQ0001", text="x")["ok"]  # fault consumed
    first, second = fake.calls("chat.postMessage")
    assert first.fault.error == "not_in_channel" and second.fault is None


def test_rate_limited_seen_by_client(fake):
    fake.fail_next("chat.postMessage", status=429, headers={"Retry-After": "1"})
    with pytest.raises(SlackApiError) as err:
        client(fake).chat_postMessage(channel="C1", text="x")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "1"
    assert err.value.response["error"] == "ratelimited"


def test_rate_limit_retry_handler_succeeds(fake):
    fake.fail_next("chat.postMessage", status=429, headers={"Retry-After": "0"})
    web = client(fake, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
    assert web.chat_postMessage(channel="C1", text="x")["ok"]
    first, second = fake.calls("chat.postMessage")
    assert first.fault.status == 429 and second.fault is None


def test_server_error_then_success(fake):
    fake.fail_next("chat.postMessage", status=500)
    fake.fail_next("chat.postMessage", status=503, times=2)
    web = client(fake)
    for status in (500, 503, 503):
        with pytest.raises(SlackApiError) as err:
            web.chat_postMessage(channel="C1", text="x")
        assert err.value.response.status_code == status
    assert web.chat_postMessage(channel="C1", text="x")["ok"]
    assert [c.fault.status if c.fault else 200 for c in fake.calls()] == [500, 503, 503, 200]


def test_delay_causes_client_timeout(fake):
    fake.fail_next("chat.postMessage", delay=1.0)
    with pytest.raises((TimeoutError, socket.timeout, URLError)):
        client(fake, timeout=0.2).chat_postMessage(channel="C1", text="slow")
    assert fake.calls("chat.postMessage")[0].fault.delay == 1.0


def test_down_refuses_connections_and_up_restores_same_port(fake):
    web = client(fake)
    port = fake.port
    fake.down()
    assert not fake.is_up
    with pytest.raises(URLError) as err:
        web.auth_test()
    assert isinstance(err.value.reason, ConnectionRefusedError)
    fake.up()
    assert fake.port == port and web.auth_test()["ok"]
    fake.stop()
    fake.start()  # a plain restart also keeps the port, so SLACK_API_URL stays valid
    assert fake.port == port and web.auth_test()["ok"]


def test_conversations_info(fake):
    fake.channels["C0ENQ0001"] = {"is_private": True, "name": "enquiries"}
    web = client(fake)
    channel = web.conversations_info(channel="C0ENQ0001")["channel"]
    assert channel["id"] == "C0ENQ0001" and channel["name"] == "enquiries"
    assert channel["is_private"] is True and channel["is_member"] is True and channel["is_archived"] is False
    with pytest.raises(SlackApiError) as err:
        web.conversations_info(channel="C0NOPE")
    assert err.value.response["error"] == "channel_not_found"


def test_views_and_other_methods(fake):
    web = client(fake)
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Find figures"}, "blocks": []}
    assert web.views_open(trigger_id="t", view=modal)["view"]["id"].startswith("V")
    assert web.views_publish(user_id="U1", view={"type": "home", "blocks": []})["ok"]
    assert web.users_info(user="U123")["user"]["id"] == "U123"
    assert web.chat_postEphemeral(channel="C1", user="U1", text="psst")["message_ts"]
    assert "C1" in web.chat_getPermalink(channel="C1", message_ts="1.2")["permalink"]
    assert web.api_call("something.new")["ok"]
    fake.set_response("team.info", {"ok": True, "team": {"id": "T1"}})
    assert web.team_info()["team"]["id"] == "T1"


def test_response_url_webhook(fake):
    hook = WebhookClient(fake.response_url("cmd1"))
    resp = hook.send(text="Here are the figures", response_type="ephemeral")
    assert resp.status_code == 200 and resp.body == "ok"
    [call] = fake.wait_for("response:cmd1")
    assert call.params == {"text": "Here are the figures", "response_type": "ephemeral"}
    fake.fail_next("response:cmd1", status=404, error="expired_url")
    resp = hook.send(text="late")
    assert resp.status_code == 404 and resp.body == "expired_url"


def test_wait_for_timeout_lists_what_was_called(fake):
    client(fake).auth_test()
    started = time.monotonic()
    with pytest.raises(AssertionError, match=r"'chat\.postMessage'.*got 0.*auth\.test"):
        fake.wait_for("chat.postMessage", timeout=0.2)
    assert time.monotonic() - started < 2


def test_malformed_requests_do_not_kill_server(fake):
    with socket.create_connection(("127.0.0.1", fake.port), timeout=2) as sock:
        sock.sendall(b"\x00\xffGARBAGE\r\n\r\n")
        sock.recv(1024)
    req = urllib.request.Request(fake.api_url + "chat.postMessage", data=b"{not json",
                                 headers={"Content-Type": "application/json", "Authorization": "Bearer x"})
    with urllib.request.urlopen(req, timeout=2) as resp:
        assert json.loads(resp.read()) == {"ok": False, "error": "invalid_json"}
    bad_length = urllib.request.Request(fake.api_url + "auth.test", data=b"token=x",
                                        headers={"Content-Length": "oops"})
    with pytest.raises(URLError):
        urllib.request.urlopen(bad_length, timeout=2)
    assert client(fake).auth_test()["ok"]


def _section(text):
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


@pytest.mark.parametrize("params, error", [
    ({"blocks": [_section("x" * 3001)]}, "invalid_blocks"),
    ({"blocks": [_section("ok")] * 51}, "invalid_blocks"),
    ({"blocks": [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}]}, "invalid_blocks"),
    ({"blocks": [{"type": "actions", "elements": [{"type": "button", "action_id": "a", "value": "v",
                                                   "text": {"type": "plain_text", "text": "b" * 76}}]}]},
     "invalid_blocks"),
    ({"blocks": [{"type": "actions", "elements": [{"type": "button", "action_id": "a", "value": "v" * 2001,
                                                   "text": {"type": "plain_text", "text": "Share"}}]}]},
     "invalid_blocks"),
    ({"blocks": [{"type": "context", "elements": [{"type": "mrkdwn", "text": ""}]}]}, "invalid_blocks"),
    ({"blocks": [{"type": "nonsense"}]}, "invalid_blocks"),
    ({"text": "t" * 4001, "blocks": [_section("ok")]}, "msg_too_long"),
    ({"text": "\U0001F600" * 2001, "blocks": [_section("ok")]}, "msg_too_long"),  # 4,002 UTF-16 units
    ({"text": "t" * 40_001}, "msg_too_long"),
])
def test_a_message_over_slacks_limits_is_refused_as_slack_refuses_it(fake, params, error):
    with pytest.raises(SlackApiError) as refused:
        client(fake).chat_postMessage(channel="C1", **{"text": "fallback", **params})
    assert refused.value.response["error"] == error
    assert refused.value.response["response_metadata"]["messages"]
    assert fake.messages.get("C1") is None and len(fake.refused) == 1


def test_a_message_at_slacks_limits_is_taken(fake):
    blocks = [_section("x" * 3000)] * 50
    assert client(fake).chat_postMessage(channel="C1", text="t" * 4000, blocks=blocks)["ok"]
    assert client(fake).chat_postMessage(channel="C1", text="t" * 40_000)["ok"]
    assert fake.refused == [] and len(fake.messages["C1"]) == 2


def test_views_over_slacks_limits_are_refused(fake):
    web = client(fake)
    long_title = {"type": "modal", "title": {"type": "plain_text", "text": "t" * 25}, "blocks": [_section("x")]}
    too_many = {"type": "home", "blocks": [_section("x")] * 101}
    for view in (long_title, too_many):
        with pytest.raises(SlackApiError) as refused:
            web.views_open(trigger_id="t", view=view)
        assert refused.value.response["error"] == "invalid_arguments"
    assert web.views_publish(user_id="U1", view={"type": "home", "blocks": [_section("x")] * 100})["ok"]


def test_a_response_url_post_over_the_limits_answers_400(fake):
    hook = WebhookClient(fake.response_url("cmd1"))
    resp = hook.send(text="t", blocks=[_section("x" * 3001)])
    assert resp.status_code == 400 and resp.body == "invalid_blocks"


def test_an_archived_channel_refuses_posts(fake):
    fake.channels["C0ARCH0001"] = {"is_archived": True}
    with pytest.raises(SlackApiError) as refused:
        client(fake).chat_postMessage(channel="C0ARCH0001", text="hello")
    assert refused.value.response["error"] == "is_archived"


def test_history_and_replies_keep_to_oldest_and_latest_as_slack_does(fake):
    web = client(fake)
    parent = web.chat_postMessage(channel="C1", text="p")["ts"]
    ts = [web.chat_postMessage(channel="C1", text=f"m{n}")["ts"] for n in range(4)]
    replies = [web.chat_postMessage(channel="C1", text=f"r{n}", thread_ts=parent)["ts"] for n in range(3)]

    def history(**kwargs):
        return [m["ts"] for m in web.conversations_history(channel="C1", **kwargs)["messages"]]

    assert history(oldest=ts[0], latest=ts[3]) == [ts[2], ts[1]]  # both ends left out, newest first
    assert history(oldest=ts[0], latest=ts[3], inclusive=True) == [ts[3], ts[2], ts[1], ts[0]]
    assert history(latest=ts[1]) == [ts[0], parent]
    thread = web.conversations_replies(channel="C1", ts=parent, oldest=replies[0], latest=replies[2], inclusive=True)
    assert [m["ts"] for m in thread["messages"]] == [parent, *replies]
    thread = web.conversations_replies(channel="C1", ts=parent, oldest=replies[0], latest=replies[2])
    assert [m["ts"] for m in thread["messages"]] == [parent, replies[1]]
