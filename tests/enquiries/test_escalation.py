"""Held is never silent, and an unclaimed urgent enquiry is chased.

The service with the real delivery worker and an injected clock (reminders); the server in this
process through ``POST /enquiries`` and the fake Slack with the service's clock injected (an urgent
enquiry with a bad phone reminded after the interval, a routine one after a working day); and the
server on a public channel (the lead's direct message, /healthz, ``factbot enquiries list``). Both
servers log at DEBUG, and no personal detail reaches the log, a reminder or the lead's message.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time

import pytest
from slack_sdk import WebClient

from bot.delivery import DeliveryWorker
from bot.enquiry_service import EnquiryService, check_private
from facts.enquiries import messages as render
from facts.enquiries.archive import EnquiryArchive
from facts.enquiries.escalation import DAY, URGENT_AGAIN, URGENT_FIRST, reminders_due
from facts.enquiries.model import ALERT_KEY, CHANNEL_KEY, EnquiryRecord, parse_enquiry
from facts.outbox import PENDING, Outbox
from tests.support.clock import Clock
from tests.support.fake_slack import PRIVATE_CHANNEL as CHANNEL
from tests.support.inprocess import InProcessServer
from tests.support.server import INTAKE_TOKEN, server_env

LEAD = "U0LEAD0001"
URGENT = "My daughter is in immediate danger tonight"
GOOD = {"name": "Jo Bloggs", "email": "jo@example.org", "phone": "01206 878178", "service": "therapeutic",
        "message": "Please call me about therapeutic support.", "consent": True}
T0 = dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC)



@pytest.fixture
def parts(tmp_path, fake):
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    clock = Clock(dt.datetime.now(dt.UTC))
    service = EnquiryService(EnquiryArchive(tmp_path / "enquiries"), outbox, lead=LEAD, now=clock,
                             remind_after=dt.timedelta(minutes=15))
    client = WebClient(token="xoxb-test", base_url=fake.api_url, timeout=2, retry_handlers=[])
    worker = DeliveryWorker(outbox, client, {CHANNEL_KEY: CHANNEL, ALERT_KEY: LEAD},
                            checks={CHANNEL_KEY: check_private}, on_delivered=service.on_delivered, retry_base=0.05)
    yield service, worker, clock
    outbox.close()


def deliver(worker: DeliveryWorker) -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        worker.run_once()
        if not worker.outbox.items(PENDING):
            return
        time.sleep(0.02)


def thread(fake, ts: str) -> list[str]:
    return [m["text"] for m in fake.messages.get(CHANNEL, []) if m.get("thread_ts") == ts]


# -- reminders -------------------------------------------------------------------------------


def test_an_unclaimed_urgent_enquiry_is_reminded_after_the_interval_then_again(parts, fake):
    service, worker, clock = parts
    reference = service.submit(parse_enquiry({**GOOD, "message": URGENT})).reference
    deliver(worker)
    ts = service.archive.get(reference).ts
    clock.advance(minutes=14)
    assert service.remind() == 0
    clock.advance(minutes=1)
    assert service.remind() == 1 and service.remind() == 0  # once
    deliver(worker)
    [first] = thread(fake, ts)
    assert reference in first and f"<@{LEAD}>" in first and "15 minutes" in first
    assert "Jo Bloggs" not in first and "danger" not in first
    clock.advance(minutes=45)
    assert service.remind() == 1
    deliver(worker)
    assert len(thread(fake, ts)) == 2 and "60 minutes" in thread(fake, ts)[1]
    assert service.archive.get(reference).reminded == [URGENT_FIRST, URGENT_AGAIN]


def test_a_claimed_urgent_enquiry_is_not_reminded(parts, fake):
    service, worker, clock = parts
    reference = service.submit(parse_enquiry({**GOOD, "message": URGENT})).reference
    deliver(worker)
    service.act(reference, render.CLAIM, "U0CLAIM001")
    clock.advance(hours=30)
    assert service.remind() == 0


def test_a_routine_enquiry_is_reminded_once_after_a_working_day(parts, fake):
    service, worker, clock = parts
    reference = service.submit(parse_enquiry(GOOD)).reference
    deliver(worker)
    clock.advance(hours=2)
    assert service.remind() == 0
    clock.advance(hours=22)
    assert service.remind() == 1
    clock.advance(hours=5)
    assert service.remind() == 0
    deliver(worker)
    [reminder] = thread(fake, service.archive.get(reference).ts)
    assert "24 hours" in reminder and reference in reminder


def test_reminders_missed_while_down_are_one_reminder():
    record = EnquiryRecord.new("ENQ-2026-000001", parse_enquiry({**GOOD, "message": URGENT}), T0,
                               triage=["immediate danger"], idempotency_key=None).model_copy(update={"ts": "1.2"})
    assert reminders_due(record, T0 + dt.timedelta(days=2), dt.timedelta(minutes=15)) == [URGENT_FIRST, URGENT_AGAIN,
                                                                                           DAY]
    assert reminders_due(record.model_copy(update={"ts": None}), T0 + dt.timedelta(days=2),
                         dt.timedelta(minutes=15)) == []  # not posted: the held alert is the way


# -- held urgent: the lead is told -------------------------------------------------------------


def test_an_urgent_enquiry_held_on_a_public_channel_sends_the_lead_a_direct_message(parts, fake):
    service, worker, _ = parts
    fake.channels[CHANNEL] = {"is_private": False}
    reference = service.submit(parse_enquiry({**GOOD, "message": URGENT})).reference
    routine = service.submit(parse_enquiry(GOOD)).reference
    deliver(worker)
    assert service.held_urgent() == [(reference, "channel_not_private")]
    assert service.alert_held() == 1 and service.alert_held() == 0  # once per hold
    deliver(worker)
    [dm] = fake.messages[LEAD]
    shown = json.dumps(dm)
    assert reference in shown and "channel_not_private" in shown and routine not in shown
    for detail in ("Jo Bloggs", "jo@example.org", "878178", "danger", "therapeutic"):
        assert detail not in shown
    assert fake.messages.get(CHANNEL, []) == []
    assert service.health()["urgent_held"] == [reference]
    assert "urgent enquiry held" in service.health()["problems"][0]


def test_a_held_alert_is_sent_while_its_hold_stands_and_discarded_once_released(parts, fake):
    service, worker, _ = parts
    worker.render = service.current_message
    fake.channels[CHANNEL] = {"is_private": False}
    first, second = (service.submit(parse_enquiry({**GOOD, "message": f"{URGENT} ({n})"})).reference
                     for n in (1, 2))
    deliver(worker)
    worker.channels[ALERT_KEY] = None  # the lead cannot be told yet: both alerts wait
    assert service.alert_held() == 2
    deliver(worker)
    assert fake.messages.get(LEAD, []) == []
    worker.channels[ALERT_KEY] = LEAD
    worker.outbox.release(item_ids=[f"{second}-held-alert"])
    deliver(worker)
    [dm] = fake.messages[LEAD]  # still held: true, sent
    assert second in dm["text"] and "channel_not_private" in dm["text"]

    fake.channels[CHANNEL] = {"is_private": True}
    assert worker.outbox.release() == 3  # both posts, and the alert still waiting
    deliver(worker)
    assert len(fake.messages[LEAD]) == 1  # no longer held: not sent
    assert worker.outbox.find(item_id=f"{first}-held-alert") is None
    assert [m for m in fake.messages[CHANNEL] if first in m["text"]]


def test_a_post_held_while_no_lead_was_set_mentions_the_lead_set_since(parts, fake):
    service, worker, _ = parts
    worker.render = service.current_message
    service.lead, channel = None, worker.channels.pop(CHANNEL_KEY)
    reference = service.submit(parse_enquiry({**GOOD, "message": URGENT})).reference
    deliver(worker)
    [held] = worker.outbox.items("held")
    assert "No safeguarding lead is set" in json.dumps(held.message)
    service.lead, worker.channels[CHANNEL_KEY] = LEAD, channel
    assert worker.outbox.release() == 1
    deliver(worker)
    [post] = fake.messages[CHANNEL]
    assert f"<@{LEAD}>" in json.dumps(post) and "No safeguarding lead is set" not in json.dumps(post)
    assert post["metadata"]["event_payload"]["outbox_id"] == reference
    assert service.archive.get(reference).ts == post["ts"]


# -- through POST /enquiries and the fake Slack, the service's clock injected ----------------------

PRIVATE = "C0REMIND01"


@pytest.fixture
def private(fake_slack, tmp_path):
    fake_slack.channels[PRIVATE] = {"is_private": True}
    env = server_env(fake_slack, tmp_path, FACTBOT_ENQUIRY_CHANNEL=PRIVATE, FACTBOT_SAFEGUARDING_LEAD=LEAD,
                     FACTBOT_URGENT_REMIND_MINUTES="15", FACTBOT_LOG_LEVEL="DEBUG")
    running = InProcessServer(env, tmp_path).start()
    yield running
    running.stop()


def waiting_for(check, what: str, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
    return found


def test_through_the_server_an_unclaimed_urgent_enquiry_is_reminded_after_the_interval(private, fake_slack):
    service = private.runtime.enquiries
    clock = Clock(dt.datetime.now(dt.UTC))
    service.now = clock  # the escalation loop reads the same clock
    details = {"name": "Rae Remindtest", "email": "rae.remindtest@example.org", "phone": "07700 90012",
               "message": "A man is on his way to meet my son now, he is 12"}
    urgent = private.post("/enquiries", json={**GOOD, **details}, headers={"Authorization": f"Bearer {INTAKE_TOKEN}"})
    assert urgent.status_code == 202 and urgent.json()["urgent"] is True  # a bad phone: kept, marked
    routine = private.post("/enquiries", json={**GOOD, "name": "Sam Routinetest", "email": "sam.rt@example.org"},
                           headers={"Authorization": f"Bearer {INTAKE_TOKEN}"}).json()["id"]
    reference = urgent.json()["id"]

    def post_of(ref: str) -> dict | None:
        return next((m for m in fake_slack.messages.get(PRIVATE, [])
                     if (m.get("metadata") or {}).get("event_payload", {}).get("outbox_id") == ref), None)

    ts, routine_ts = waiting_for(lambda: post_of(reference), "the post")["ts"], waiting_for(
        lambda: post_of(routine), "the routine post")["ts"]
    replies = lambda at: [m["text"] for m in fake_slack.messages.get(PRIVATE, []) if m.get("thread_ts") == at]  # noqa: E731

    clock.advance(minutes=14)
    service.remind()
    assert service.archive.get(reference).reminded == []
    clock.advance(minutes=1)
    service.remind()
    service.wake()
    assert service.archive.get(reference).reminded == [URGENT_FIRST]
    [reminder] = waiting_for(lambda: replies(ts), "the reminder in the thread")
    assert reference in reminder and f"<@{LEAD}>" in reminder and "15 minutes" in reminder

    clock.advance(hours=24)  # a working day: the routine enquiry gets its one reminder
    service.remind()
    service.wake()
    [nudge] = waiting_for(lambda: replies(routine_ts), "the routine reminder")
    assert routine in nudge and "24 hours" in nudge
    clock.advance(hours=30)
    service.remind()
    assert service.archive.get(routine).reminded == [DAY]  # one reminder only

    shown = json.dumps([m for m in fake_slack.messages.get(PRIVATE, []) if m.get("thread_ts")])
    log = private.log()
    assert " DEBUG " in log and reference in log
    for detail in (*details.values(), "Sam Routinetest", "sam.rt@example.org", GOOD["message"]):
        assert detail not in log and detail not in shown


@pytest.fixture
def public(fake_slack, tmp_path):
    channel = "C0PUBLIC01"
    fake_slack.channels[channel] = {"is_private": False}
    env = server_env(fake_slack, tmp_path, FACTBOT_ENQUIRY_CHANNEL=channel, FACTBOT_SAFEGUARDING_LEAD=LEAD,
                     FACTBOT_LOG_LEVEL="DEBUG")
    running = InProcessServer(env, tmp_path).start()
    yield running
    running.stop()


def test_held_on_a_public_channel_through_the_server_dm_healthz_and_list(public, fake_slack):
    body = {**GOOD, "name": "Kit Heldtest", "email": "kit.heldtest@example.org", "message": URGENT}
    response = public.post("/enquiries", json=body, headers={"Authorization": f"Bearer {INTAKE_TOKEN}"})
    assert response.status_code == 202 and response.json()["urgent"] is True
    reference = response.json()["id"]
    deadline = time.monotonic() + 30
    while not any(reference in m["text"] for m in fake_slack.messages.get(LEAD, [])):
        assert time.monotonic() < deadline, "the lead was not told"
        time.sleep(0.1)
    dm = [m for m in fake_slack.messages[LEAD] if reference in m["text"]]
    assert len(dm) == 1
    for detail in ("Kit", "heldtest", "878178", "danger", "therapeutic"):  # the reference and the reason only
        assert detail not in json.dumps(dm)
    health = public.get("/healthz").json()
    assert health["enquiries"]["urgent_held"] == [reference] and health["status"] == "degraded"
    listed = subprocess.run([sys.executable, "-m", "bot.cli", "enquiries", "list"], cwd=public.workdir,
                            env=public.env, capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    [line] = [ln for ln in listed.stdout.splitlines() if ln.startswith(reference + " ")]
    assert "URGENT" in line and "channel_not_private" in line
    assert "urgent enquiry held: 1" in listed.stdout and "Kit" not in listed.stdout
    log = public.log()
    assert f"urgent enquiry held: {reference}" in log and " DEBUG " in log
    for detail in ("Kit Heldtest", "kit.heldtest@example.org", "878178", URGENT):
        assert detail not in log
