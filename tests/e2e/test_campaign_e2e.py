"""End to end: the running server posts campaign alerts to the fake Slack, once, across restarts.

Two feeds on a loopback server, ``POST /campaign-updates``, ``factbot campaign
poll`` and ``factbot facts import`` from another process against the same
files, then a restart.
"""

from __future__ import annotations

import json
import time

import pytest
import requests

from tests.support.campaign import FIGURE_ID, curated_copy, factbot, wait_until
from tests.support.feed_server import FeedServer, atom, news, rss
from tests.support.server import INTAKE_TOKEN

AUTH = {"Authorization": f"Bearer {INTAKE_TOKEN}"}


@pytest.fixture
def feeds():
    with FeedServer() as server:
        yield server


def _texts(fake, channel) -> list[str]:
    return [json.dumps(m.get("blocks", []), ensure_ascii=False) + m["text"] for m in fake.messages.get(channel, [])]


def _settle(fake, channel, count: int, seconds: float = 0.5) -> list[str]:
    """Wait for ``count`` messages, then a little longer to see that no more arrive
    (each later step checks the exact count again, so a late extra is caught too)."""
    wait_until(lambda: len(fake.messages.get(channel, [])) >= count, what=f"{count} messages in {channel}")
    time.sleep(seconds)
    return _texts(fake, channel)


def test_feeds_updates_and_figure_changes_reach_the_channel_once_across_a_restart(
        make_server, fake_slack, feeds, tmp_path):
    channel = "C0CAMP0001"
    feeds.set("/news.rss", rss(news(20)))
    feeds.set("/policy.atom", atom([{"title": "Codes of practice", "id": "urn:p:1", "link": "https://p.test/1"},
                                    {"title": "Consultation opens", "id": "urn:p:2", "link": "https://p.test/2"}]),
              "application/atom+xml")
    workdir = tmp_path / "server"
    workdir.mkdir()
    fake_slack.channels[channel] = {}  # it exists and the app is in it: health checks at start-up
    # Unpaced, as the e2e enquiry tests: this tests what is posted, not how fast (tests/kernel/test_pacing.py does).
    settings = {"FACTBOT_CAMPAIGN_CHANNEL": channel, "FACTBOT_POST_PACE": "0",
                "FACTBOT_FEEDS": f"{feeds.url('/news.rss')},{feeds.url('/policy.atom')}"}
    server = make_server(workdir, **settings)

    # The start-up poll: the first poll of each new feed posts its newest three at most.
    texts = _settle(fake_slack, channel, 5)
    assert len(texts) == 5
    assert sum("Story" in t for t in texts) == 3 and sum("Policy updates" in t for t in texts) == 2
    [call] = fake_slack.calls("chat.postMessage")[:1]
    assert call.params["unfurl_links"] is False

    # A new item, polled from the command line: posted once; polling again posts nothing.
    feeds.set("/news.rss", rss(news(21)))
    done = factbot(server.env, workdir, "campaign", "poll")
    assert done.returncode == 0, done.stderr
    assert "1 new" in done.stdout
    texts = _settle(fake_slack, channel, 6)
    assert len(texts) == 6 and "Story 21" in texts[-1]
    assert factbot(server.env, workdir, "campaign", "poll").returncode == 0
    assert feeds.statuses_for("/news.rss")[-1] == 304

    # A campaign update, sent twice: one post, one id.
    update = {"title": "Wild West Web: Ofcom's new codes", "url": "https://www.example.org/wild-west-web",
              "summary": "What the codes mean for children <& what we ask next>."}
    first = requests.post(server.url + "/campaign-updates", json=update, headers=AUTH, timeout=10)
    again = requests.post(server.url + "/campaign-updates", json=update, headers=AUTH, timeout=10)
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"] and first.json()["status"] == "accepted"
    texts = _settle(fake_slack, channel, 7)
    assert len(texts) == 7 and "Wild West Web" in texts[-1] and "&lt;&amp; what we ask next&gt;" in texts[-1]

    # A changed figure, imported from another process: one alert with old and new values.
    changed = curated_copy(tmp_path / "curated", value="value: 7062→value: 7100",
                           display='display: "7,062"→display: "7,100"',
                           quote="that 7,062 sexual→that 7,100 sexual")  # a served figure's quote shows its display
    server.env["FACTBOT_CURATED_DIR"] = str(changed)  # the folder the operator edits, for the restart below too
    done = factbot(server.env, workdir, "facts", "import")
    assert done.returncode == 0, done.stderr
    assert "1 figure alert(s) queued" in done.stderr
    texts = _settle(fake_slack, channel, 8)
    assert len(texts) == 8
    alert = texts[-1]
    assert FIGURE_ID in alert and "7,062 → 7,100" in alert and "7062 → 7100" in alert
    assert "https://www.itv.com/news/2024-10-31/" in alert
    done = factbot(server.env, workdir, "facts", "import")
    assert done.returncode == 0 and "alert" not in done.stderr

    # A restart: the start-up poll gets 304s and nothing is posted again.
    before = len(feeds.statuses_for("/news.rss"))
    server.stop()
    server.start()
    wait_until(lambda: server.log().count("feeds polled") >= 2, what="the start-up poll after the restart")
    assert feeds.statuses_for("/news.rss")[before:] == [304]
    assert len(_settle(fake_slack, channel, 8, seconds=2.0)) == 8  # the watcher ticks every second
    health = requests.get(server.url + "/healthz", timeout=5).json()
    assert health["status"] == "ok" and health["outbox"]["pending"] == 0, health["problems"]


def test_alerts_wait_for_an_unset_channel_and_go_once_it_is_set(make_server, fake_slack, tmp_path):
    workdir = tmp_path / "server"
    workdir.mkdir()
    server = make_server(workdir)  # FACTBOT_CAMPAIGN_CHANNEL unset
    update = {"title": "Held until the channel is set", "url": "https://www.example.org/held"}
    accepted = requests.post(server.url + "/campaign-updates", json=update, headers=AUTH, timeout=10)
    assert accepted.status_code == 202
    wait_until(lambda: requests.get(server.url + "/healthz", timeout=5).json()["outbox"]["held"] == 1,
               what="the update to be held")
    health = requests.get(server.url + "/healthz", timeout=5).json()
    assert health["outbox"]["held_errors"] == {"campaign: campaign_channel_not_set": 1}
    server.stop()
    server.env["FACTBOT_CAMPAIGN_CHANNEL"] = "C0CAMP0002"
    server.start()
    texts = _settle(fake_slack, "C0CAMP0002", 1, seconds=1.5)
    assert len(texts) == 1 and "Held until the channel is set" in texts[0]


def test_a_change_imported_by_another_process_is_announced_when_the_server_starts(make_server, fake_slack, tmp_path):
    # As when `serve` (or any command) opens the store and re-imports changed shipped files.
    from facts.figures.curated import curated_paths, load_curated
    from facts.figures.store import FactStore

    workdir = tmp_path / "server"
    workdir.mkdir()
    server = make_server(workdir, FACTBOT_CAMPAIGN_CHANNEL="C0CAMP0003")  # builds the store, records the snapshot
    alerts_state = workdir / "factbot-alerts.json"
    wait_until(lambda: alerts_state.exists() and FIGURE_ID in alerts_state.read_text(), what="the first snapshot")
    server.stop()
    changed = curated_copy(tmp_path / "curated", display='display: "7,062"→display: "more than 7,062"')
    store = FactStore(workdir / "factbot.json")
    store.import_facts(load_curated(curated_paths(changed)).facts)
    store.close()
    server.start()
    texts = _settle(fake_slack, "C0CAMP0003", 1, seconds=1.5)
    assert len(texts) == 1 and "7,062 → more than 7,062" in texts[0] and FIGURE_ID in texts[0]
