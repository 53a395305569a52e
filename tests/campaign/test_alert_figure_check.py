"""Alerts check themselves: a feed item or campaign update quoting a wrong or stale figure gets one
figure-check reply in its card's thread (queued in the outbox), however often it is seen again."""

from __future__ import annotations

import json

import pytest

from bot.campaign import Campaign
from bot.settings import load_settings
from facts.campaign.update import CampaignUpdate
from facts.figures.curated import load_curated
from facts.figures.store import FactStore
from facts.outbox import Outbox
from facts.persistence import sibling_path
from tests.support.feed_server import FeedServer, http_date, rss


@pytest.fixture
def feeds():
    with FeedServer() as server:
        yield server


def _open(settings):
    store = FactStore(settings.factbot_db)
    outbox = Outbox(sibling_path(settings.factbot_db, "outbox"))
    return store, outbox, Campaign(settings, outbox, store)


def _close(store, outbox, campaign):
    campaign.close()
    outbox.close()
    store.close()


def test_a_feed_item_with_a_wrong_figure_gets_one_reply_in_its_thread_across_a_restart(tmp_path, monkeypatch, feeds):
    feeds.set("/news.rss", rss([
        {"title": "Grooming crimes hit 7,623 in a year", "link": "https://news.example.test/a", "guid": "a",
         "description": "Police recorded 7,623 online grooming offences in 2024/25, the charity said.",
         "pubDate": http_date(1_780_000_000)},
        {"title": "Charity welcomes new codes", "link": "https://news.example.test/b", "guid": "b",
         "description": "Police recorded 7,263 online grooming offences in 2024/25.",
         "pubDate": http_date(1_779_000_000)},
    ]))
    monkeypatch.setenv("FACTBOT_DB", str(tmp_path / "factbot.json"))
    monkeypatch.setenv("FACTBOT_FEEDS", feeds.url("/news.rss"))
    settings = load_settings(env_file=None)
    opened = _open(settings)
    opened[0].import_facts(load_curated().facts)
    opened[2].poller.poll()
    _close(*opened)

    opened = _open(settings)  # a restarted process polls again (a 304, or the same items)
    opened[2].poller.poll()
    items = opened[1].items()
    cards = {i.id: i for i in items if i.kind == "feed"}
    [check] = [i for i in items if i.kind == "figure-check"]
    assert len(cards) == 2 and check.reply_to in cards
    assert "7,623" in json.dumps(cards[check.reply_to].message["blocks"])
    reply = json.dumps(check.message["blocks"], ensure_ascii=False)
    assert "*7,623*" in reply and "*7,263*" in reply and "shropshirestar.com" in reply

    # The same card checked again adds nothing.
    assert opened[2].check_alert(check.reply_to, "Police recorded 7,623 online grooming offences in 2024/25.")
    assert len([i for i in opened[1].items() if i.kind == "figure-check"]) == 1
    _close(*opened)


def test_a_campaign_update_with_only_right_figures_gets_no_reply(tmp_path, monkeypatch):
    monkeypatch.setenv("FACTBOT_DB", str(tmp_path / "factbot.json"))
    store, outbox, campaign = _open(load_settings(env_file=None))
    store.import_facts(load_curated().facts)
    campaign.submit_update(CampaignUpdate(title="New figures", url="https://www.example.org/n",
                                          summary="UK police recorded 7,263 online grooming offences in 2024/25. "
                                                  "Call 0808 800 5000."))
    assert [i.kind for i in outbox.items()] == ["campaign"]
    _close(store, outbox, campaign)
