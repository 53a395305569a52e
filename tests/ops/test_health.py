"""/healthz tells the truth: a revoked token is ``down`` (503) with a log line saying what to do,
a failing feed is counted and named, a configured channel that cannot be used is found at
start-up, and Slack being unreachable leaves the website intake serving."""

from __future__ import annotations

import errno
import json
import os

import pytest

from tests.support.campaign import wait_until
from tests.support.fake_slack import FakeSlack
from tests.support.feed_server import FeedServer, news, rss
from tests.support.inprocess import InProcessServer
from tests.support.server import INTAKE_TOKEN, free_port, server_env

AUTH = {"Authorization": f"Bearer {INTAKE_TOKEN}"}
ENQUIRY = {"name": "Jo Bloggs", "email": "jo@example.org", "service": "family support", "consent": True,
           "message": "Please call me about training for our staff."}


@pytest.fixture
def start(tmp_path):
    started: list[InProcessServer] = []

    def run(fake: FakeSlack | None = None, api_url: str | None = None, **extra: str) -> InProcessServer:
        if fake is None:
            with FakeSlack() as stopped:  # only for its settings: SLACK_API_URL is replaced below
                env = server_env(stopped, tmp_path, **extra)
        else:
            env = server_env(fake, tmp_path, **extra)
        if api_url:
            env["SLACK_API_URL"] = api_url
        server = InProcessServer(env, tmp_path).start()
        started.append(server)
        return server

    yield run
    for server in started:
        server.stop()


def _health(server):
    response = server.get("/healthz")
    return response.status_code, response.json()


def test_a_revoked_token_is_down_with_a_log_line_that_says_what_to_do(fake, start):
    fake.set_response("auth.test", {"ok": False, "error": "invalid_auth"})
    server = start(fake)
    wait_until(lambda: _health(server)[1]["slack"]["token"] == "invalid_auth", what="auth.test answered")
    status, body = _health(server)
    assert status == 503 and body["status"] == "down"
    assert any("SLACK_BOT_TOKEN" in p and "Reinstall" in p for p in body["problems"])
    assert "Slack refused the bot token (auth.test: invalid_auth)" in server.log()
    assert "xoxb-test-token" not in server.log() and "xoxb-test-token" not in str(body)
    # the website intake still takes enquiries while Slack refuses the token
    assert server.post("/enquiries", json=ENQUIRY, headers=AUTH).status_code in (201, 202)


def test_a_failing_feed_is_counted_and_named(fake, start):
    fake.channels["C0CAMPH001"] = {}
    with FeedServer() as feeds:
        feeds.set("/good.rss", rss(news(1)))
        feeds.statuses["/gone.rss"] = 404
        server = start(fake, FACTBOT_CAMPAIGN_CHANNEL="C0CAMPH001",
                       FACTBOT_FEEDS=f"{feeds.url('/good.rss')},{feeds.url('/gone.rss')}")
        wait_until(lambda: _health(server)[1]["feeds"]["polled"], what="the start-up poll")
        status, body = _health(server)
    assert status == 200 and body["status"] == "degraded"
    assert body["feeds"]["configured"] == 2 and len(body["feeds"]["failing"]) == 1
    assert "gone.rss" in body["feeds"]["failing"][0]["feed"] and "404" in body["feeds"]["failing"][0]["outcome"]
    assert any("gone.rss" in p for p in body["problems"])


def test_a_public_enquiry_channel_is_found_at_start_up(fake, start):
    fake.channels["C0PUBLIC01"] = {"is_private": False}
    server = start(fake, FACTBOT_ENQUIRY_CHANNEL="C0PUBLIC01")
    wait_until(lambda: _health(server)[1]["slack"]["channels"]["enquiry"] != "not checked yet", what="the check")
    status, body = _health(server)
    assert status == 200 and body["status"] == "degraded"
    assert "not a private channel" in body["slack"]["channels"]["enquiry"]
    assert "FACTBOT_ENQUIRY_CHANNEL C0PUBLIC01 is not a private channel" in server.log()


def test_a_channel_the_app_is_not_in_is_found_at_start_up_with_how_to_invite_it(fake, start):
    fake.channels["C0CAMPH002"] = {"is_member": False}
    server = start(fake, FACTBOT_CAMPAIGN_CHANNEL="C0CAMPH002")
    wait_until(lambda: _health(server)[1]["slack"]["channels"]["campaign"] != "not checked yet", what="the check")
    assert "/invite @Safeguarding Facts" in _health(server)[1]["slack"]["channels"]["campaign"]


def test_a_good_setup_is_ok(fake, start):
    fake.channels["C0ENQ0001"] = {"is_private": True}
    fake.channels["C0CAMPH003"] = {}
    server = start(fake, FACTBOT_ENQUIRY_CHANNEL="C0ENQ0001", FACTBOT_CAMPAIGN_CHANNEL="C0CAMPH003")
    wait_until(lambda: _health(server)[1]["slack"]["channels"]["enquiry"] == "ok", what="the check")
    status, body = _health(server)
    assert status == 200 and body["status"] == "ok" and body["problems"] == []
    assert body["slack"] == {"token": "ok", "channels": {"enquiry": "ok", "campaign": "ok"}, "problems": []}


def test_slack_unreachable_is_degraded_and_the_intake_still_serves(start):
    server = start(api_url=f"http://127.0.0.1:{free_port()}/api/")
    wait_until(lambda: _health(server)[1]["slack"]["token"] == "unreachable", timeout=30, what="auth.test failed")
    status, body = _health(server)
    assert status == 200 and body["status"] == "degraded"
    assert server.post("/enquiries", json=ENQUIRY, headers=AUTH).status_code in (201, 202)


def test_a_held_enquiry_logs_its_channel_and_what_to_do(fake, start):
    server = start(fake, FACTBOT_ENQUIRY_CHANNEL="C0NOTHERE1")  # the fake has no such channel
    assert server.post("/enquiries", json=ENQUIRY, headers=AUTH).status_code in (201, 202)
    wait_until(lambda: "held: " in server.log(), what="the enquiry held")
    line = next(x for x in server.log().splitlines() if "held: " in x)
    assert "channel C0NOTHERE1" in line and "invite the app" in line and "factbot enquiries retry" in line
    assert "Jo Bloggs" not in server.log() and "jo@example.org" not in server.log()


@pytest.mark.parametrize(("code", "fix"), [(errno.ENOSPC, "free space on the disk"),
                                           (errno.EROFS, "file system writable again")])
def test_a_data_folder_that_cannot_be_written_is_down_with_the_fix_until_it_can(fake, start, monkeypatch, code, fix):
    fake.channels["C0ENQ0001"] = {"is_private": True}
    server = start(fake, FACTBOT_ENQUIRY_CHANNEL="C0ENQ0001")

    def broken(fd):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "fsync", broken)
    assert server.post("/enquiries", json=ENQUIRY, headers=AUTH).status_code == 503
    status, body = _health(server)
    assert status == 503 and body["status"] == "down"
    assert body["storage"]["writes"] == "failing"
    assert body["storage"]["failing"][0]["error"] == errno.errorcode[code]
    [problem] = [p for p in body["problems"] if p.startswith("Writing to the data folder failed")]
    assert fix in problem and str(server.workdir) in problem and "503" in problem
    assert "Jo Bloggs" not in json.dumps(body) and "Jo Bloggs" not in server.log()
    assert "could not write" in server.log()
    monkeypatch.undo()  # space freed / remounted: the next look finds writes work again
    status, body = _health(server)
    assert status == 200 and body["storage"] == {"writes": "ok", "failing": []}
    assert not (server.workdir / ".factbot-write-probe").exists()
    assert server.post("/enquiries", json=ENQUIRY, headers=AUTH).status_code in (201, 202)


def test_a_stopped_background_loop_is_named_with_what_it_does_and_the_fix(fake, start):
    server = start(fake)
    server.runtime.loops.named("usage-flush").stop()
    status, body = _health(server)
    assert status == 200 and body["status"] == "degraded" and body["loops"]["stopped"] == ["usage-flush"]
    assert any("usage-flush has stopped: saving usage counts" in p and "Restart `factbot serve`" in p
               for p in body["problems"])
    server.runtime.loops.named("delivery").stop()  # nothing would reach Slack
    status, body = _health(server)
    assert status == 503 and body["status"] == "down" and "delivery" in body["loops"]["stopped"]


def test_a_failing_background_loop_is_named_with_its_error_type(fake, start):
    server = start(fake)
    loop = server.runtime.loops.named("facts-refresher")

    def fails():
        raise PermissionError("/private/path/of/Jo Bloggs")

    loop.step = fails
    loop.wake()
    wait_until(lambda: _health(server)[1]["loops"]["failing"] == ["facts-refresher"], what="the loop failed")
    status, body = _health(server)
    assert status == 200 and body["status"] == "degraded"
    [problem] = [p for p in body["problems"] if "facts-refresher" in p]
    assert "PermissionError" in problem and "keeps trying" in problem and "Jo Bloggs" not in problem


def test_damaged_state_files_are_set_aside_named_and_the_rest_goes_on(fake, start, tmp_path):
    # One bad file never stops the rest (issue 15): each damaged state file is quarantined at
    # start-up, named with what starting afresh costs, and campaign alerts and enquiries still flow.
    for name in ("alerts", "feeds", "alert-journal", "receipts", "problems", "proposals", "usage"):
        (tmp_path / f"factbot-{name}.json").write_text('{"_default": {"1": {"broken')
    fake.channels["C0CAMPH003"] = {}
    server = start(fake, FACTBOT_CAMPAIGN_CHANNEL="C0CAMPH003")
    moved = sorted(p.name.rsplit(".", 1)[0] for p in (tmp_path / "quarantine").iterdir())
    assert moved == sorted(f"factbot-{name}.json" for name in ("alerts", "feeds", "alert-journal", "receipts",
                                                               "problems", "proposals", "usage"))
    update = {"title": "Wild West Web campaign: new report", "url": "https://www.example.org/wwweb/report"}
    assert server.post("/campaign-updates", json=update, headers=AUTH).status_code in (201, 202)
    assert server.post("/enquiries", json=ENQUIRY, headers=AUTH).status_code in (201, 202)
    wait_until(lambda: any(c.params.get("channel") == "C0CAMPH003" for c in fake.calls("chat.postMessage")),
               what="the campaign update posted")
    status, body = _health(server)
    assert body["quarantine"]["count"] == 7
    named = [p for p in body["problems"] if "was damaged; it was moved to" in p]
    assert len(named) == 7 and any("factbot-alerts.json" in p and "digest may go out again" in p for p in named)
    assert "ValueError" not in server.log()
