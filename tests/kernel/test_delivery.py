"""The outbox and its delivery worker against the fake Slack Web API, with faults."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from slack_sdk import WebClient

from bot.delivery import DeliveryWorker
from facts.outbox import DELIVERED, HELD, PENDING, SENDING, Outbox
from tests.support.fake_slack import PRIVATE_CHANNEL as CHANNEL


@pytest.fixture
def outbox(tmp_path):
    box = Outbox(tmp_path / "outbox.json")
    yield box
    box.close()


def worker(outbox, fake, **kwargs) -> DeliveryWorker:
    client = WebClient(token="xoxb-test", base_url=fake.api_url, timeout=2, retry_handlers=[])
    kwargs.setdefault("channels", {"enquiry": CHANNEL})
    return DeliveryWorker(outbox, client, retry_base=0.05, **kwargs)


def drain(w: DeliveryWorker, outbox: Outbox, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        w.run_once()
        if not outbox.items(PENDING):
            return
        time.sleep(0.02)


def test_delivers_once_with_metadata_and_no_unfurling(outbox, fake):
    item, created = outbox.enqueue("enquiry", "enquiry", {"text": "hello"}, item_id="ENQ-1", dedupe_key="k1")
    assert created
    assert outbox.enqueue("enquiry", "enquiry", {"text": "again"}, dedupe_key="k1") == (item, False)
    w = worker(outbox, fake)
    assert w.run_once() == 1 and w.run_once() == 0
    [call] = fake.calls("chat.postMessage")
    assert call.params["channel"] == CHANNEL and call.params["text"] == "hello"
    assert call.params["unfurl_links"] is False and call.params["unfurl_media"] is False
    assert call.params["metadata"]["event_payload"] == {"outbox_id": "ENQ-1"}
    [done] = outbox.items(DELIVERED)
    assert done.ts == fake.messages[CHANNEL][0]["ts"]


def test_rate_limit_waits_for_retry_after(outbox, fake):
    fake.fail_next("chat.postMessage", status=429, headers={"Retry-After": "1"})
    outbox.enqueue("enquiry", "enquiry", {"text": "x"}, item_id="ENQ-1")
    w = worker(outbox, fake)
    assert w.run_once() == 0
    [waiting] = outbox.items(PENDING)
    assert waiting.error == "ratelimited"
    assert w.run_once() == 0  # not due yet
    drain(w, outbox)
    calls = fake.calls("chat.postMessage")
    assert len(calls) == 2 and calls[1].time - calls[0].time >= 0.95
    assert outbox.items(DELIVERED)


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_retried_with_backoff(outbox, fake, status):
    fake.fail_next("chat.postMessage", status=status, times=2)
    outbox.enqueue("enquiry", "enquiry", {"text": "x"}, item_id="ENQ-1")
    w = worker(outbox, fake)
    drain(w, outbox)
    assert len(fake.calls("chat.postMessage")) == 3
    [done] = outbox.items(DELIVERED)
    assert done.attempts == 0 or done.ts


def test_slack_down_then_back(outbox, fake):
    fake.down()
    outbox.enqueue("enquiry", "enquiry", {"text": "x"}, item_id="ENQ-1")
    w = worker(outbox, fake)
    w.run_once()
    [waiting] = outbox.items(PENDING)
    assert waiting.attempts == 1 and waiting.error
    fake.up()
    drain(w, outbox)
    assert len(fake.messages[CHANNEL]) == 1


@pytest.mark.parametrize("error", ["not_in_channel", "channel_not_found", "is_archived", "invalid_auth", "token_revoked"])
def test_permanent_errors_hold_until_released(outbox, fake, error):
    fake.fail_next("chat.postMessage", error=error)
    outbox.enqueue("enquiry", "enquiry", {"text": "x"}, item_id="ENQ-1")
    w = worker(outbox, fake)
    w.run_once()
    [held] = outbox.items(HELD)
    assert held.error == error
    assert outbox.summary()["held_errors"] == {f"enquiry: {error}": 1}
    w.run_once()
    assert len(fake.calls("chat.postMessage")) == 1  # held items are not retried by themselves
    assert outbox.release(kind="enquiry") == 1
    w.run_once()
    assert outbox.items(DELIVERED)


def test_unset_channel_and_failed_check_hold(outbox, fake):
    outbox.enqueue("campaign", "campaign", {"text": "x"}, item_id="C-1")
    outbox.enqueue("enquiry", "enquiry", {"text": "x"}, item_id="ENQ-1")
    w = worker(outbox, fake, channels={"campaign": None, "enquiry": CHANNEL},
               checks={"enquiry": lambda client, channel: "channel_not_private"})
    w.run_once()
    errors = {i.id: i.error for i in outbox.items(HELD)}
    assert errors == {"C-1": "campaign_channel_not_set", "ENQ-1": "channel_not_private"}
    assert fake.calls("chat.postMessage") == []


def test_after_a_crash_a_post_that_reached_slack_is_not_repeated(outbox, fake):
    outbox.enqueue("enquiry", "enquiry", {"text": "x"}, item_id="ENQ-1")
    w = worker(outbox, fake)
    w.run_once()
    posted_ts = outbox.items(DELIVERED)[0].ts
    # As if the process died after Slack accepted the post but before the ts was written:
    outbox._update("ENQ-1", state=SENDING, ts=None, sending_since=dt.datetime.now(dt.UTC).isoformat())
    outbox.enqueue("enquiry", "enquiry", {"text": "y"}, item_id="ENQ-2")
    outbox.mark_sending("ENQ-2")  # this one never reached Slack
    again = worker(outbox, fake, lookup_delay=0.0)
    again.reconcile()  # looked for once a post sent then would have timed out (the client's 2 s)
    assert outbox.next_due_in() > 1.0
    drain(again, outbox)
    assert {i.id: i.ts for i in outbox.items(DELIVERED)}["ENQ-1"] == posted_ts
    texts = [m["text"] for m in fake.messages[CHANNEL]]
    assert texts == ["x", "y"]


def test_reply_waits_for_its_parent_and_goes_in_its_thread(outbox, fake):
    outbox.enqueue("enquiry", "enquiry", {"text": "parent"}, item_id="ENQ-1")
    outbox.enqueue("enquiry", "enquiry", {"text": "reply"}, item_id="ENQ-1-r", reply_to="ENQ-1")
    fake.fail_next("chat.postMessage", status=500)
    w = worker(outbox, fake)
    drain(w, outbox)
    parent, reply = fake.messages[CHANNEL]
    assert parent["text"] == "parent" and reply["thread_ts"] == parent["ts"]


def test_update_items_edit_the_message(outbox, fake):
    outbox.enqueue("enquiry", "enquiry", {"text": "original"}, item_id="ENQ-1")
    w = worker(outbox, fake)
    w.run_once()
    ts = outbox.items(DELIVERED)[0].ts
    outbox.enqueue("enquiry", "enquiry", {"channel": CHANNEL, "ts": ts, "text": "edited"}, item_id="ENQ-1-purge",
                   method="chat.update")
    w.run_once()
    assert fake.messages[CHANNEL][0]["text"] == "edited"


def test_worker_thread_delivers_after_wake(outbox, fake):
    w = worker(outbox, fake)
    w.start()
    try:
        outbox.enqueue("enquiry", "enquiry", {"text": "x"}, item_id="ENQ-1")
        w.wake()
        fake.wait_for("chat.postMessage", timeout=5)
    finally:
        w.stop()
    assert outbox.items(DELIVERED)


def test_two_processes_can_both_add_to_the_outbox(tmp_path):
    # As the server and a `factbot` command do: TinyDB must not reuse an id it cached.
    server_side, command_side = Outbox(tmp_path / "shared.json"), Outbox(tmp_path / "shared.json")
    try:
        server_side.enqueue("campaign", "campaign", {"text": "1"})
        command_side.enqueue("campaign", "campaign", {"text": "2"})
        server_side.enqueue("campaign", "campaign", {"text": "3"})
        assert sorted(i.message["text"] for i in command_side.items()) == ["1", "2", "3"]
    finally:
        server_side.close()
        command_side.close()


@pytest.mark.parametrize("fault", [{"status": 500}, {"status": 503}, {"status": 200, "delay": 3.0}])
def test_a_post_slack_stored_before_failing_is_not_posted_again(outbox, fake, fault):
    """Slack saved the message but answered 5xx, or answered after the client gave up."""
    fake.fail_next("chat.postMessage", after_storing=True, **fault)
    outbox.enqueue("enquiry", "enquiry", {"text": "once"}, item_id="ENQ-1")
    client = WebClient(token="xoxb-test", base_url=fake.api_url, timeout=1, retry_handlers=[])
    w = DeliveryWorker(outbox, client, {"enquiry": CHANNEL}, retry_base=0.05, lookup_delay=1.5)
    drain(w, outbox, seconds=8)
    assert [m["text"] for m in fake.messages[CHANNEL]] == ["once"]
    [done] = outbox.items(DELIVERED)
    assert done.ts == fake.messages[CHANNEL][0]["ts"]


def test_a_thread_reply_slack_stored_before_failing_is_found_in_the_thread(outbox, fake):
    outbox.enqueue("enquiry", "enquiry", {"text": "parent"}, item_id="ENQ-1")
    w = worker(outbox, fake)
    w.run_once()  # the parent
    outbox.enqueue("enquiry", "enquiry", {"text": "reply"}, item_id="ENQ-1-r", reply_to="ENQ-1")
    fake.fail_next("chat.postMessage", status=500, after_storing=True)
    drain(w, outbox)
    assert [m["text"] for m in fake.messages[CHANNEL]] == ["parent", "reply"]
    assert fake.calls("conversations.replies")


def test_a_rate_limit_pauses_the_whole_queue(outbox, fake):
    fake.fail_next("chat.postMessage", status=429, headers={"Retry-After": "1"})
    for n in range(5):
        outbox.enqueue("enquiry", "enquiry", {"text": f"m{n}"}, item_id=f"ENQ-{n}")
    w = worker(outbox, fake)
    w.run_once()
    assert len(fake.calls("chat.postMessage")) == 1  # the others wait for Retry-After too
    drain(w, outbox)
    assert len(fake.calls("chat.postMessage")) == 6 and len(fake.messages[CHANNEL]) == 5


def test_an_outage_is_waited_out_however_long(outbox, fake):
    fake.down()
    outbox.enqueue("enquiry", "enquiry", {"text": "x"}, item_id="ENQ-1")
    w = worker(outbox, fake, max_attempts=2)
    for _ in range(5):
        outbox._update("ENQ-1", next_attempt_at=None)
        w.run_once()
    [waiting] = outbox.items(PENDING)
    assert waiting.attempts == 5  # never held for a refused connection
    fake.up()
    outbox._update("ENQ-1", next_attempt_at=None)
    w.run_once()
    assert outbox.items(DELIVERED)


def test_a_delivered_item_keeps_no_message(outbox, fake):
    outbox.enqueue("enquiry", "enquiry", {"text": "Jo Bloggs, 07700 900123"}, item_id="ENQ-1")
    worker(outbox, fake).run_once()
    [done] = outbox.items(DELIVERED)
    assert done.message == {}
    files = [p for p in outbox.path.parent.iterdir() if p.name.startswith(outbox.path.name)]
    assert outbox.path in files
    assert not any(b"Jo Bloggs" in p.read_bytes() for p in files)  # nor in the write-ahead log


def _ids(fake) -> list[str]:
    return [m["metadata"]["event_payload"]["outbox_id"] for m in fake.messages.get(CHANNEL, [])]


def test_500_after_saving_at_the_head_of_a_long_backlog_is_found_across_pages(outbox, fake):
    fake.fail_next("chat.postMessage", status=500, after_storing=True)
    ids = [f"ENQ-2026-{n:06d}" for n in range(1, 452)]
    for item_id in ids:
        outbox.enqueue("enquiry", "enquiry", {"text": item_id}, item_id=item_id)
    drain(worker(outbox, fake), outbox, seconds=60)
    assert sorted(_ids(fake)) == ids  # each once: none lost, none doubled
    lookups = fake.calls("conversations.history")
    assert len(lookups) >= 3 and any(c.params.get("cursor") for c in lookups)  # 451 messages: every page read
    assert {i.id: i.ts for i in outbox.items(DELIVERED)}[ids[0]] == fake.messages[CHANNEL][0]["ts"]


def test_a_server_clock_minutes_ahead_does_not_post_twice(outbox, fake):
    w = worker(outbox, fake)
    outbox.enqueue("enquiry", "enquiry", {"text": "first"}, item_id="ENQ-1")
    w.run_once()
    ahead = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)).isoformat()
    outbox.enqueue("enquiry", "enquiry", {"text": "second"}, item_id="ENQ-2")
    outbox._update("ENQ-2", created_at=ahead)  # as written by a server whose clock is 5 minutes fast
    fake.fail_next("chat.postMessage", status=503, after_storing=True)
    drain(w, outbox)
    assert _ids(fake) == ["ENQ-1", "ENQ-2"]
    [lookup] = fake.calls("conversations.history")
    assert lookup.params["oldest"] == fake.messages[CHANNEL][0]["ts"]  # the window is Slack's ts, not our clock


def test_a_late_timeout_is_looked_for_later_before_posting_again(outbox, fake):
    """Slack stores the post 2 s after the client gave up at 1 s: an immediate look-up would miss it."""
    fake.fail_next("chat.postMessage", delay=2.0)
    outbox.enqueue("enquiry", "enquiry", {"text": "slow"}, item_id="ENQ-1")
    client = WebClient(token="xoxb-test", base_url=fake.api_url, timeout=1, retry_handlers=[])
    w = DeliveryWorker(outbox, client, {"enquiry": CHANNEL}, retry_base=0.05, lookup_delay=3.0)
    drain(w, outbox, seconds=10)
    assert _ids(fake) == ["ENQ-1"]
    [done] = outbox.items(DELIVERED)
    assert done.ts == fake.messages[CHANNEL][0]["ts"]


def test_look_ups_follow_errors_not_posts(outbox, fake):
    for n in range(30):
        outbox.enqueue("enquiry", "enquiry", {"text": f"m{n}"}, item_id=f"ENQ-{n}")
    w = worker(outbox, fake)
    drain(w, outbox)
    assert fake.calls("conversations.history") == [] and fake.calls("conversations.replies") == []
    fake.fail_next("chat.postMessage", status=500)
    fake.fail_next("chat.postMessage", error="connection_refused_is_not_this")  # an unknown code: no look-up
    for n in range(30, 40):
        outbox.enqueue("enquiry", "enquiry", {"text": f"m{n}"}, item_id=f"ENQ-{n}")
    drain(w, outbox)
    assert len(fake.calls("conversations.history")) == 1 and len(fake.messages[CHANNEL]) == 40


def test_posts_queued_again_at_start_up_share_one_read_of_the_channel(outbox, fake):
    """Items this process has not tried (queued again from the archive or a restored outbox) are
    looked for once a late post of the process before could have landed (``lookup_delay`` after
    it began): then one read answers for all of them, instead of one read each until then."""
    for n in range(30):
        outbox.enqueue("enquiry", "enquiry", {"text": f"m{n}"}, item_id=f"ENQ-{n}", in_doubt=True, after_ts="1.0")
    w = worker(outbox, fake, lookup_delay=0.5)
    drain(w, outbox)
    assert len(fake.calls("conversations.history")) == 1 and len(fake.messages[CHANNEL]) == 30


def test_posts_queued_again_with_earlier_windows_read_only_the_older_part_again(outbox, fake):
    """The items come in no order of window (the archive's order is not the clock's): an earlier
    window adds one read of what lies before the last read, not a read of the whole channel."""
    web = WebClient(token="xoxb-test", base_url=fake.api_url, timeout=2, retry_handlers=[])
    posted = [web.chat_postMessage(channel=CHANNEL, text=f"m{n}")["ts"] for n in range(2)]
    posted.append(web.chat_postMessage(channel=CHANNEL, text="C", metadata={
        "event_type": "factbot_delivery", "event_payload": {"outbox_id": "ENQ-C"}})["ts"])
    posted += [web.chat_postMessage(channel=CHANNEL, text=f"m{n}")["ts"] for n in range(3, 450)]  # three pages
    for item_id, window in (("ENQ-A", posted[10]), ("ENQ-B", posted[5]), ("ENQ-C", posted[1])):
        outbox.enqueue("enquiry", "enquiry", {"text": item_id}, item_id=item_id, in_doubt=True, after_ts=window)
    w = worker(outbox, fake, lookup_delay=0.0)
    drain(w, outbox)
    reads = fake.calls("conversations.history")
    assert [call.params.get("latest") for call in reads] == [None, None, None, posted[10], posted[5]]
    assert [m["text"] for m in fake.messages[CHANNEL][450:]] == ["ENQ-A", "ENQ-B"]  # C was found, not posted again
    assert {i.id: i.ts for i in outbox.items(DELIVERED)}["ENQ-C"] == posted[2]


def test_a_rate_limit_pause_runs_on_the_monotonic_clock(outbox, fake):
    class Clock:
        now = 100.0

        def __call__(self):
            return self.now

    clock = Clock()
    box = Outbox(outbox.path.parent / "mono.json", clock=clock)
    try:
        fake.fail_next("chat.postMessage", status=429, headers={"Retry-After": "30"})
        box.enqueue("enquiry", "enquiry", {"text": "x"}, item_id="ENQ-1")
        box.enqueue("enquiry", "enquiry", {"text": "y"}, item_id="ENQ-2")
        w = DeliveryWorker(box, WebClient(token="xoxb-test", base_url=fake.api_url, timeout=2), {"enquiry": CHANNEL},
                           clock=clock)
        w.run_once()
        assert w.paused_for == 30.0 and w.run_once() == 0  # whatever the wall clock does meanwhile
        clock.now += 29.0
        assert w.run_once() == 0
        clock.now += 1.5
        assert w.run_once() == 2 and len(fake.calls("chat.postMessage")) == 3
    finally:
        box.close()


def test_connections_to_slack_are_kept_open(outbox, fake):
    from bot.slack_http import KeepAliveWebClient

    w = worker(outbox, fake)
    assert isinstance(w.client, KeepAliveWebClient)
    for n in range(3):
        outbox.enqueue("enquiry", "enquiry", {"text": f"m{n}"}, item_id=f"ENQ-{n}")
    assert w.run_once() == 3  # the fake closes every connection (HTTP/1.0): reopened each time, no error


def test_a_reply_naming_its_own_channel_and_thread_is_posted_there_once_even_after_a_5xx(outbox, fake):
    from facts.outbox import IN_MESSAGE

    parent = fake._api_chat_postMessage({"channel": "C0ELSEWHERE", "text": "a shared figure"})["ts"]
    outbox.enqueue("figure-correction", IN_MESSAGE, {"text": "corrected", "channel": "C0ELSEWHERE",
                                                     "thread_ts": parent}, dedupe_key="correction-1")
    outbox.enqueue("figure-correction", IN_MESSAGE, {"text": "nowhere"}, dedupe_key="correction-2")
    fake.fail_next("chat.postMessage", status=500, after_storing=True)  # stored, then a 500
    w = worker(outbox, fake)
    drain(w, outbox)
    replies = [m for m in fake.messages["C0ELSEWHERE"] if m.get("thread_ts") == parent]
    assert [m["text"] for m in replies] == ["corrected"]  # found in the thread, not posted twice
    [held] = outbox.items(HELD)
    assert held.dedupe_key == "correction-2" and held.error == "message_names_no_channel"


def test_a_reply_in_a_channel_the_app_left_holds_only_itself(outbox, fake):
    from facts.outbox import IN_MESSAGE

    fake.channels["C0ARCHIVED"] = {"is_archived": True}
    gone = fake._api_chat_postMessage({"channel": "C0LEFT0001", "text": "a shared figure"})["ts"]
    here = fake._api_chat_postMessage({"channel": "C0HERE0001", "text": "another"})["ts"]
    outbox.enqueue("figure-correction", IN_MESSAGE, {"text": "a", "channel": "C0ARCHIVED", "thread_ts": gone},
                   dedupe_key="c-a")
    outbox.enqueue("figure-correction", IN_MESSAGE, {"text": "b", "channel": "C0HERE0001", "thread_ts": here},
                   dedupe_key="c-b")
    drain(worker(outbox, fake), outbox)
    [held] = outbox.items(HELD)
    assert held.dedupe_key == "c-a" and held.error == "is_archived"
    assert [m["text"] for m in fake.messages["C0HERE0001"] if m.get("thread_ts") == here] == ["b"]
