"""Campaign alerts: the journal is the truth. Whatever happens to the outbox, every alert decided
(campaign update, its figure check, figure change, digest, curation notice) reaches Slack exactly
once (in process: the real Campaign and delivery worker against the fake Slack Web API)."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from slack_sdk import WebClient

from bot.campaign import Campaign
from bot.delivery import DeliveryWorker
from bot.settings import load_settings
from facts.campaign.journal import KEEP_POSTED, AlertJournal, Entry
from facts.campaign.update import CampaignUpdate
from facts.figures.store import FactStore
from facts.outbox import IN_MESSAGE, Outbox
from facts.persistence import sibling_path
from tests.support.delivery import damage, deliver_all, outbox_files
from tests.support.factories import make_fact
from tests.support.fake_slack import FakeSlack

CHANNEL = "C0CAMPJRN1"
WEDNESDAY = dt.datetime(2026, 12, 2, 11, 0, tzinfo=dt.UTC)


class Parts:
    """A store, an outbox, the campaign alerts and a worker over ``root``; rebuilt by :meth:`restart`."""

    def __init__(self, root, fake: FakeSlack, monkeypatch):
        monkeypatch.setenv("FACTBOT_DB", str(root / "factbot.json"))
        monkeypatch.setenv("FACTBOT_CAMPAIGN_CHANNEL", CHANNEL)
        self.root, self.fake = root, fake
        self.settings = load_settings(env_file=None)
        self.store = FactStore(self.settings.factbot_db)
        self.store.import_facts([make_fact("late", review_by="2026-11-01"), make_fact("insta")])
        self.start()

    def start(self, record_deliveries: bool = True) -> None:
        self.outbox = Outbox(sibling_path(self.settings.factbot_db, "outbox"))
        self.campaign = Campaign(self.settings, self.outbox, self.store)
        client = WebClient(token="xoxb-test", base_url=self.fake.api_url, timeout=2, retry_handlers=[])

        def delivered(item, channel, ts):
            if record_deliveries:
                self.campaign.on_delivered(item.id, item.kind, channel, ts)

        self.worker = DeliveryWorker(self.outbox, client, {"campaign": CHANNEL}, on_delivered=delivered,
                                     known_post=self.campaign.known_post, retry_base=0.05, lookup_delay=0.0)

    def stop(self) -> None:
        self.campaign.close()
        self.outbox.close()

    def restart(self, record_deliveries: bool = True) -> None:
        self.stop()
        self.start(record_deliveries)

    def decide(self, n: int) -> None:
        """``n`` campaign updates (the first quoting a figure wrongly: a figure check in its thread),
        one figure change, the week's digest and a curation notice."""
        for i in range(n):
            summary = "Instagram was recorded in 39% of offences, April to June 2020." if i == 0 else "More."
            self.campaign.submit_update(CampaignUpdate(title=f"Update {self.store.path.stat().st_size}-{i}",
                                                       url=f"https://www.example.org/u{i}", summary=summary))
        self.campaign.ensure_baseline()
        self.store.import_facts([make_fact("insta", value=38, display="38%",
                                           claim=make_fact().claim.replace("37%", "38%")),
                                 make_fact("late", review_by="2026-11-01")])
        assert len(self.campaign.check_figures()) == 1
        assert self.campaign.send_digest(WEDNESDAY)[0] == "posted"
        self.campaign.announce("proposal-P1", {"text": "A proposal to approve"})

    def deliver(self) -> None:
        deliver_all(self.worker)

    def outbox_files(self) -> list:
        return outbox_files(self.root)


@pytest.fixture
def parts(tmp_path, fake, monkeypatch):
    fake.channels[CHANNEL] = {}
    made = Parts(tmp_path, fake, monkeypatch)
    yield made
    made.stop()
    made.store.close()


def posts(fake: FakeSlack) -> dict[str, int]:
    return dict(fake.outbox_posts(CHANNEL))


def waiting(parts: Parts) -> list[Entry]:
    return parts.campaign.alerts.journal.waiting()


@pytest.mark.parametrize("fault", ["removed", "emptied", "damaged"])
def test_an_outbox_lost_before_delivery_loses_no_alert(parts, fake, fault):
    parts.decide(3)
    decided = [e.id for e in waiting(parts)]
    kinds = {e.kind for e in waiting(parts)}
    assert kinds == {"campaign", "figure-check", "figure", "digest", "curation"} and len(decided) == 7
    parts.stop()
    damage(parts.root, fault)
    parts.start()
    assert parts.outbox.items() == []
    assert parts.campaign.reconcile() == 7 and parts.campaign.reconcile() == 0  # queued once
    assert all(i.in_doubt for i in parts.outbox.items())  # looked for in Slack before posting
    parts.deliver()
    assert posts(fake) == {item_id: 1 for item_id in decided}
    [check] = [m for m in fake.messages[CHANNEL] if "thread_ts" in m]  # the figure check, in its card's thread
    [card] = [m for m in fake.messages[CHANNEL] if m["ts"] == check["thread_ts"]]
    assert card["metadata"]["event_payload"]["outbox_id"].startswith("CAMPAIGN-")
    assert waiting(parts) == [] and parts.campaign.reconcile() == 0


def test_alerts_already_posted_are_not_posted_again_recorded_or_not(parts, fake):
    parts.decide(2)
    parts.deliver()  # recorded in the journal
    first = posts(fake)
    assert len(first) == 6 and waiting(parts) == []
    parts.restart(record_deliveries=False)  # the next ones reach Slack, but the server dies before recording it
    parts.campaign.submit_update(CampaignUpdate(title="Posted, not recorded", url="https://www.example.org/p"))
    parts.deliver()
    assert len(waiting(parts)) == 1
    parts.stop()
    for path in parts.outbox_files():
        path.unlink()
    parts.start()
    parts.campaign.submit_update(CampaignUpdate(title="Decided after the loss", url="https://www.example.org/n"))
    assert parts.campaign.reconcile() == 1  # the unrecorded one; the recorded ones stay posted
    parts.deliver()
    assert set(posts(fake).values()) == {1} and len(posts(fake)) == 8  # found by its metadata, not posted twice
    assert fake.calls("conversations.history")
    assert waiting(parts) == []


def test_a_decision_repeated_after_its_alert_was_posted_queues_nothing(parts, fake):
    queue = parts.campaign.alerts
    card, created = queue.add("figure", "campaign", {"text": "A change"}, dedupe_key="figure-x-1")
    assert created
    parts.deliver()
    parts.stop()
    for path in parts.outbox_files():
        path.unlink()
    parts.start()
    again = parts.campaign.alerts.add("figure", "campaign", {"text": "A change"}, dedupe_key="figure-x-1")
    assert again == (card, False) and parts.outbox.items() == []


def test_an_older_outbox_put_back_posts_nothing_twice(parts, fake):
    parts.decide(2)
    parts.stop()
    backup = parts.root / "backup"
    backup.mkdir()
    for path in parts.outbox_files():
        shutil.copy(path, backup / path.name)
    parts.start()
    parts.deliver()
    parts.campaign.announce("proposal-P2", {"text": "Decided after the backup"})  # not in the backup
    parts.stop()
    for path in parts.outbox_files():
        path.unlink()
    for path in backup.iterdir():
        shutil.copy(path, parts.root / path.name)
    parts.start()
    assert parts.campaign.reconcile() == 1
    parts.deliver()
    assert set(posts(fake).values()) == {1} and len(posts(fake)) == 7


def test_a_reply_whose_parent_left_the_outbox_goes_in_the_parents_thread(parts, fake):
    queue = parts.campaign.alerts
    card, _ = queue.add("campaign", "campaign", {"text": "A card"}, dedupe_key="campaign-card")
    parts.deliver()
    parts.stop()
    for path in parts.outbox_files():
        path.unlink()
    parts.start()
    parts.campaign.alerts.add("figure-check", "campaign", {"text": "A check"}, dedupe_key="check-card",
                              reply_to=card)
    parts.stop()
    for path in parts.outbox_files():
        path.unlink()
    parts.start()
    assert parts.campaign.reconcile() == 1
    [item] = parts.outbox.items()
    assert item.channel_key == IN_MESSAGE and item.reply_to is None
    parts.deliver()
    [parent] = [m for m in fake.messages[CHANNEL] if "thread_ts" not in m]
    [reply] = [m for m in fake.messages[CHANNEL] if "thread_ts" in m]
    assert reply["thread_ts"] == parent["ts"] and set(posts(fake).values()) == {1}


def test_posted_entries_are_pruned_after_their_time_unless_a_waiting_reply_needs_them(tmp_path):
    journal = AlertJournal(tmp_path / "journal.json")
    try:
        journal.write([Entry("A", "campaign", "campaign", {"text": "a"}, "a"),
                       Entry("B", "campaign", "campaign", {"text": "b"}, "b"),
                       Entry("C", "figure-check", "campaign", {"text": "c"}, "c", reply_to="B")])
        journal.write([Entry("A2", "campaign", "campaign", {"text": "again"}, "a")])  # the same decision
        then = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
        assert journal.posted({"A": ("C1", "1.1"), "B": ("C1", "1.2")}, then) == 2
        assert journal.get("A").message == {} and journal.get("A2") is None
        assert journal.prune(then + KEEP_POSTED - dt.timedelta(minutes=1)) == 0
        assert journal.prune(then + KEEP_POSTED + dt.timedelta(minutes=1)) == 1  # B stays for C's thread
        assert journal.get("A") is None and journal.get("B").ts == "1.2"
        assert [e.id for e in journal.waiting()] == ["C"]
    finally:
        journal.close()
