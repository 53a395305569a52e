"""Faults for campaign alerts, against the real ``factbot serve`` (a process), the fake Slack Web API
and a loopback feed server: alerts decided (feed items, campaign updates and their figure checks, a
figure change) and not yet posted survive an outbox removed or restored from an older backup, and
an alert Slack stored just before a kill -9 is not posted again. Every alert in the journal (the
truth, ``facts.campaign.journal``) reaches the campaign channel exactly once."""

from __future__ import annotations

import json
import time
from collections import Counter

import pytest
import requests

from tests.support.campaign import curated_copy, factbot
from tests.support.faults import AUTH, Rig
from tests.support.feed_server import FeedServer, news, rss
from tests.support.server import wait_until

CAMPAIGN = "C0FAULTCMP"
#: Quotes 7,362 where the curated figure is 7,062: its card gets a figure check in its thread.
MISQUOTE = "Police recorded 7,362 online grooming offences in 2023/24."


@pytest.fixture
def feeds():
    with FeedServer() as server:
        yield server


@pytest.fixture
def rig(fake, tmp_path, feeds):
    fake.channels[CAMPAIGN] = {}
    feeds.set("/news.rss", rss(news(3)))
    made = Rig(fake, tmp_path / "data", FACTBOT_CAMPAIGN_CHANNEL=CAMPAIGN, FACTBOT_FEEDS=feeds.url("/news.rss"))
    yield made
    made.stop()


def campaign_posts(fake) -> Counter[str]:
    """Outbox id → how many messages the campaign channel holds with it (posts and thread replies)."""
    return fake.outbox_posts(CAMPAIGN)


def journalled(rig: Rig) -> dict[str, str]:
    """Every alert the journal holds: outbox id → kind."""
    data = json.loads((rig.workdir / "factbot-alert-journal.json").read_text())
    return {doc["id"]: doc["kind"] for doc in data["alerts"].values()}


def update(rig: Rig, title: str, summary: str = "") -> str:
    answer = requests.post(rig.url + "/campaign-updates", json={"title": title, "url": "https://www.example.org/" +
                                                                title.replace(" ", "-"), "summary": summary},
                           headers=AUTH, timeout=10)
    assert answer.status_code == 202, answer.text
    return answer.json()["id"]


def quiet_outbox(rig: Rig) -> bool:
    health = rig.health()
    return bool(health) and health["outbox"]["pending"] == health["outbox"]["sending"] == 0


@pytest.mark.parametrize("fault", ["missing", "older"])
def test_campaign_alerts_decided_then_the_outbox_lost_or_older_are_posted_once(rig, fake, feeds, tmp_path, fault):
    # A: the start-up poll (three feed items) and an update with a figure check, all posted.
    rig.start()
    update(rig, "Before the backup", MISQUOTE)
    wait_until(lambda: sum(campaign_posts(fake).values()) >= 5 and quiet_outbox(rig), timeout=30, what="A posted")
    before = campaign_posts(fake)
    assert set(before.values()) == {1} and {journalled(rig)[i] for i in before} == {"feed", "campaign", "figure-check"}
    rig.kill()
    backup = tmp_path / "backup"
    rig.copy_outbox(rig.workdir, backup)

    # B: an update Slack stores slowly; the server is killed mid-post, before it records anything.
    rig.start()
    fake.fail_next("chat.postMessage", delay=1.5)
    stored_slowly = update(rig, "Stored as the server died")
    wait_until(lambda: any(c.fault and c.fault.delay == 1.5 for c in fake.calls("chat.postMessage")),
               timeout=30, what="the slow post")
    rig.kill()
    wait_until(lambda: campaign_posts(fake)[stored_slowly] == 1, timeout=10, what="Slack to store the slow post")

    # C: Slack is down; three new feed items polled from the command line, an update with its figure
    # check, and a figure changed by an import from the command line: all decided, all waiting.
    fake.down()
    rig.start()
    feeds.set("/news.rss", rss(news(6)))
    assert factbot(rig.env, rig.workdir, "campaign", "poll").returncode == 0
    update(rig, "While Slack was down", MISQUOTE)
    rig.env["FACTBOT_CURATED_DIR"] = str(curated_copy(tmp_path / "curated", display='display: "7,062"→'
                                                      'display: "more than 7,062"'))
    imported = factbot(rig.env, rig.workdir, "facts", "import")
    assert imported.returncode == 0 and "1 figure alert(s) queued" in imported.stderr, imported.stderr
    waiting = set(journalled(rig)) - set(campaign_posts(fake))
    assert {journalled(rig)[i] for i in waiting} == {"feed", "campaign", "figure-check", "figure"}
    wait_until(lambda: (h := rig.health()) and h["outbox"]["pending"] + h["outbox"]["sending"] >= len(waiting),
               timeout=30, what="the alerts waiting in the outbox")
    rig.kill()

    # The outbox is removed, or an older copy put back; Slack is up again; the server restarts.
    for path in rig.outbox_files:
        path.unlink(missing_ok=True)
    if fault == "older":
        rig.copy_outbox(backup, rig.workdir)
    fake.up()
    rig.start()
    wait_until(lambda: set(journalled(rig)) <= set(campaign_posts(fake)) and quiet_outbox(rig),
               timeout=60, what="every journalled alert posted")
    time.sleep(1.5)  # a late double would show now
    posts = campaign_posts(fake)
    assert posts == {item_id: 1 for item_id in journalled(rig)}, posts
    assert all(posts[i] == 1 for i in before)
    checks = [m for m in fake.messages[CAMPAIGN] if m.get("thread_ts")]
    assert len(checks) == 2 and all(any(p["ts"] == c["thread_ts"] for p in fake.messages[CAMPAIGN]) for c in checks)
    health = rig.health()
    assert health is not None and health["outbox"]["held"] == 0 and health["loops"]["failing"] == []
    assert "campaign alert(s) were decided but not in Slack or the outbox" in rig.log()
