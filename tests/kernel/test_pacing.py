"""Pacing and channel-wide holds in the delivery worker, against the fake Slack Web API.

Time is a clock the test moves (``DeliveryWorker(clock=…)``): nothing here measures or waits
for real seconds.
"""

from __future__ import annotations

import logging
import time

import pytest
from slack_sdk import WebClient

from bot.delivery import PACE_SECONDS, DeliveryWorker
from facts.outbox import DELIVERED, HELD, PENDING, Outbox
from tests.support.fake_slack import PRIVATE_CHANNEL

CAMPAIGN = "C0CAMPAIGN1"


class Clock:
    """Monotonic seconds that move only when the test says (starts at the real monotonic time,
    so items the outbox stamped with it are due)."""

    def __init__(self) -> None:
        self.now = time.monotonic() + 1.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def outbox(tmp_path):
    box = Outbox(tmp_path / "outbox.json")
    yield box
    box.close()


def worker(outbox, fake, clock, **kwargs) -> DeliveryWorker:
    client = WebClient(token="xoxb-test", base_url=fake.api_url, timeout=2, retry_handlers=[])
    channels = {"enquiry": PRIVATE_CHANNEL, "campaign": CAMPAIGN, "alert": CAMPAIGN}
    return DeliveryWorker(outbox, client, channels, retry_base=0.05, clock=clock, pace=PACE_SECONDS, **kwargs)


def posted(fake, channel: str) -> list[str]:
    return [call.params["metadata"]["event_payload"]["outbox_id"] for call in fake.calls("chat.postMessage")
            if call.params["channel"] == channel]


def test_one_post_per_second_per_channel_and_a_burst_never_delays_another_channel(outbox, fake):
    clock = Clock()
    for n in range(40):
        outbox.enqueue("campaign", "campaign", {"text": f"story {n}"}, item_id=f"CAMPAIGN-{n}")
    outbox.enqueue("enquiry", "enquiry", {"text": "an enquiry"}, item_id="ENQ-1")
    w = worker(outbox, fake, clock)
    assert w.run_once() == 2  # one to each channel: the enquiry queued behind 40 stories goes at once
    assert posted(fake, CAMPAIGN) == ["CAMPAIGN-0"] and posted(fake, PRIVATE_CHANNEL) == ["ENQ-1"]
    assert w.run_once() == 0 and w.pacing_for() == pytest.approx(1.0)  # the campaign channel waits its turn
    assert w._step() == pytest.approx(1.0)  # the loop sleeps until then, not a busy loop
    clock.now += 0.5
    assert w.run_once() == 0
    clock.now += 0.5
    assert w.run_once() == 1 and posted(fake, CAMPAIGN) == ["CAMPAIGN-0", "CAMPAIGN-1"]
    for _ in range(38):
        clock.now += 1.0
        assert w.run_once() == 1
    assert posted(fake, CAMPAIGN) == [f"CAMPAIGN-{n}" for n in range(40)]  # in order, none lost or doubled
    assert not outbox.items(PENDING)


def test_after_a_rate_limit_pause_the_queue_goes_out_paced_not_in_a_burst(outbox, fake):
    clock = Clock()
    fake.fail_next("chat.postMessage", status=429, headers={"Retry-After": "1"})
    for n in range(5):
        outbox.enqueue("campaign", "campaign", {"text": f"story {n}"}, item_id=f"CAMPAIGN-{n}")
    w = worker(outbox, fake, clock)
    assert w.run_once() == 0 and w.paused_for > 0
    clock.now += 30.0  # long after Retry-After (and every item's own backoff)
    sent = [w.run_once() for _ in range(3)]
    assert sent == [1, 0, 0]  # the pause is over, but the channel still gets one post per turn
    for _ in range(4):
        clock.now += 1.0
        assert w.run_once() == 1
    assert len(outbox.items(DELIVERED)) == 5


def test_edits_are_not_paced(outbox, fake):
    clock = Clock()
    outbox.enqueue("enquiry", "enquiry", {"text": "original"}, item_id="ENQ-1")
    w = worker(outbox, fake, clock)
    assert w.run_once() == 1
    ts = outbox.items(DELIVERED)[0].ts
    outbox.enqueue("enquiry", "enquiry", {"channel": PRIVATE_CHANNEL, "ts": ts, "text": "claimed"},
                   item_id="ENQ-1-u1", method="chat.update")
    assert w.run_once() == 1  # within the same second


@pytest.mark.parametrize("error", ["is_archived", "channel_not_found", "not_in_channel"])
def test_an_unusable_channel_holds_all_its_items_at_once_with_one_line(outbox, fake, caplog, error):
    clock = Clock()
    fake.fail_next("chat.postMessage", error=error)
    for n in range(12):
        outbox.enqueue("campaign", "campaign", {"text": f"story {n} about Jo Bloggs"}, item_id=f"CAMPAIGN-{n}")
    outbox.enqueue("enquiry", "alert", {"text": "held alert"}, item_id="ENQ-9-held-alert")  # same channel
    outbox.enqueue("enquiry", "enquiry", {"text": "an enquiry"}, item_id="ENQ-1")
    w = worker(outbox, fake, clock)
    with caplog.at_level(logging.INFO, logger="bot.delivery"):
        w.run_once()
    assert len(fake.calls("chat.postMessage")) == 2  # one try in the broken channel, and the enquiry
    assert {i.id for i in outbox.items(HELD)} == {f"CAMPAIGN-{n}" for n in range(12)} | {"ENQ-9-held-alert"}
    assert all(i.error == error for i in outbox.items(HELD))
    assert [i.id for i in outbox.items(DELIVERED)] == ["ENQ-1"]
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(lines) == 1
    assert CAMPAIGN in lines[0] and error in lines[0] and "(13 in all)" in lines[0]
    assert "FACTBOT_CAMPAIGN_CHANNEL" in lines[0] and "retry" in lines[0]  # the fix, in words
    assert "Jo Bloggs" not in caplog.text and "story" not in caplog.text
    clock.now += 5.0
    w.run_once()
    assert len(fake.calls("chat.postMessage")) == 2  # nothing tried again by itself


def test_an_archived_enquiry_channel_found_by_its_check_holds_every_enquiry_at_once(outbox, fake, caplog):
    clock = Clock()
    fake.channels[PRIVATE_CHANNEL] = {"is_private": True, "is_archived": True}
    for n in range(5):
        outbox.enqueue("enquiry", "enquiry", {"text": "details"}, item_id=f"ENQ-{n}")
    checks = {"enquiry": lambda client, channel: "is_archived"
              if client.conversations_info(channel=channel)["channel"].get("is_archived") else None}
    w = worker(outbox, fake, clock, checks=checks)
    with caplog.at_level(logging.ERROR, logger="bot.delivery"):
        w.run_once()
    assert len(fake.calls("conversations.info")) == 1  # checked once, not once per enquiry
    assert fake.calls("chat.postMessage") == []
    assert len(outbox.items(HELD)) == 5
    [line] = [r.getMessage() for r in caplog.records]
    assert PRIVATE_CHANNEL in line and "(5 in all)" in line


def test_an_unset_channel_holds_its_items_at_once(outbox, fake, caplog):
    clock = Clock()
    for n in range(3):
        outbox.enqueue("campaign", "campaign", {"text": "x"}, item_id=f"CAMPAIGN-{n}")
    client = WebClient(token="xoxb-test", base_url=fake.api_url, timeout=2, retry_handlers=[])
    w = DeliveryWorker(outbox, client, {"campaign": None}, clock=clock, pace=PACE_SECONDS)
    with caplog.at_level(logging.ERROR, logger="bot.delivery"):
        w.run_once()
    assert {i.error for i in outbox.items(HELD)} == {"campaign_channel_not_set"} and len(outbox.items(HELD)) == 3
    [line] = [r.getMessage() for r in caplog.records]
    assert "(3 in all)" in line and "FACTBOT_CAMPAIGN_CHANNEL" in line


def test_the_servers_worker_paces_each_channel(server):
    assert PACE_SECONDS == 1.0 and server.runtime.worker.pace == PACE_SECONDS


def test_an_edit_to_a_message_in_a_gone_channel_holds_only_itself(outbox, fake):
    clock = Clock()
    outbox.enqueue("enquiry", "enquiry", {"channel": "C0OLDCHAN1", "ts": "1.000001", "text": "purged"},
                   item_id="ENQ-1-purge", method="chat.update")  # its post is in a channel no longer configured
    outbox.enqueue("enquiry", "enquiry", {"text": "a new enquiry"}, item_id="ENQ-2")
    fake.fail_next("chat.update", error="channel_not_found")
    w = worker(outbox, fake, clock)
    w.run_once()
    assert [i.id for i in outbox.items(HELD)] == ["ENQ-1-purge"]
    assert [i.id for i in outbox.items(DELIVERED)] == ["ENQ-2"]
