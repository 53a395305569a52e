"""The enquiry archive and service in-process, delivered by the real worker to the fake Slack Web API."""

from __future__ import annotations

import datetime as dt
import json
import os
import time

import pytest
from slack_sdk import WebClient

from bot.delivery import DeliveryWorker
from bot.enquiry_service import CHANNEL_KEY, EnquiryService, check_private
from facts.enquiries import messages as render
from facts.enquiries.archive import IDEMPOTENCY_WINDOW, RESUBMIT_WINDOW, EnquiryArchive, IdempotencyConflict
from facts.enquiries.model import EnquiryRecord, parse_enquiry
from facts.outbox import HELD, PENDING, Outbox
from tests.support.clock import Clock
from tests.support.delivery import deliver_all
from tests.support.fake_slack import PRIVATE_CHANNEL as CHANNEL
from tests.support.fake_slack import FakeSlack

T0 = dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC)
GOOD = {"name": "Jo Bloggs", "email": "jo@example.org", "phone": "01206 878178", "service": "therapeutic",
        "message": "Please call me about therapeutic support.", "consent": True}


def form(**changes):
    return parse_enquiry({**GOOD, **changes})



@pytest.fixture
def parts(tmp_path, fake):
    outbox = Outbox(tmp_path / "outbox.json")
    archive = EnquiryArchive(tmp_path / "enquiries")
    clock = Clock(dt.datetime.now(dt.UTC))
    service = EnquiryService(archive, outbox, lead="S0LEAD0001", retention_days=90, now=clock)
    client = WebClient(token="xoxb-test", base_url=fake.api_url, timeout=2, retry_handlers=[])
    worker = DeliveryWorker(outbox, client, {CHANNEL_KEY: CHANNEL}, checks={CHANNEL_KEY: check_private},
                            on_delivered=service.on_delivered, retry_base=0.05)
    yield service, worker, clock
    outbox.close()


def deliver(worker: DeliveryWorker, seconds: float = 5.0) -> None:
    deliver_all(worker, seconds, strict=False)


def posts_of(fake: FakeSlack, reference: str) -> list[dict]:
    return [m for m in fake.messages.get(CHANNEL, [])
            if (m.get("metadata") or {}).get("event_payload", {}).get("outbox_id") == reference]


# -- the archive --------------------------------------------------------------------


def test_references_number_per_year_and_continue_after_a_restart(tmp_path):
    archive = EnquiryArchive(tmp_path)
    first, _ = archive.create(form(), triage=[], now=T0)
    second, _ = archive.create(form(message="another"), triage=[], now=T0)
    assert (first.reference, second.reference) == ("ENQ-2026-000001", "ENQ-2026-000002")
    reopened = EnquiryArchive(tmp_path)
    third, _ = reopened.create(form(message="third"), triage=[], now=T0)
    assert third.reference == "ENQ-2026-000003"
    next_year, _ = reopened.create(form(message="new year"), triage=[], now=T0.replace(year=2027))
    assert next_year.reference == "ENQ-2027-000001"
    stored = json.loads((tmp_path / "incoming" / "ENQ-2026-000001.json").read_text())
    assert stored["phone"] == "+441206878178" and stored["name"] == "Jo Bloggs"
    reopened.mark_queued("ENQ-2026-000001")  # its post is in the outbox: filed under its year
    assert (tmp_path / "2026" / "ENQ-2026-000001.json").exists()
    assert [r.reference for r in reopened.incoming()] == ["ENQ-2026-000002", "ENQ-2026-000003", "ENQ-2027-000001"]
    assert EnquiryArchive(tmp_path).create(form(message="fourth"), triage=[], now=T0)[0].reference == "ENQ-2026-000004"


def test_files_are_private_to_their_owner(tmp_path):
    archive = EnquiryArchive(tmp_path / "enquiries")
    archive.create(form(), triage=[], now=T0)
    archive.mark_queued("ENQ-2026-000001")
    path = archive.path_for("ENQ-2026-000001")
    for private in (path, path.parent, archive.root / "incoming", archive.root):
        assert os.stat(private).st_mode & 0o077 == 0


class Ticks:
    """A monotonic clock the test moves (the windows run on it, not on the wall clock)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_same_key_within_a_day_and_same_content_within_ten_minutes_are_the_same_enquiry(tmp_path):
    # The windows are timed on the monotonic clock (a wall-clock step must not end them): time is
    # moved on both clocks here.
    ticks = Ticks()
    archive = EnquiryArchive(tmp_path, clock=ticks)

    def at(delta: dt.timedelta) -> dt.datetime:
        ticks.now = 1000.0 + delta.total_seconds()
        return T0 + delta

    one, created = archive.create(form(), triage=[], idempotency_key="k-1", now=at(dt.timedelta(0)))
    assert created
    clicked, created = archive.create(form(), triage=[], now=at(dt.timedelta(minutes=9)))
    assert (clicked.reference, created) == (one.reference, False)
    later, created = archive.create(form(), triage=[], now=at(RESUBMIT_WINDOW + dt.timedelta(seconds=1)))
    assert created and later.reference != one.reference
    again, created = archive.create(form(), triage=[], idempotency_key="k-1",
                                    now=at(IDEMPOTENCY_WINDOW - dt.timedelta(minutes=1)))
    assert (again.reference, created) == (one.reference, False)
    with pytest.raises(IdempotencyConflict):  # the key with a different enquiry: refused, not swallowed
        archive.create(form(message="edited"), triage=[], idempotency_key="k-1",
                       now=at(IDEMPOTENCY_WINDOW - dt.timedelta(minutes=1)))
    expired, created = archive.create(form(message="edited"), triage=[], idempotency_key="k-1",
                                      now=at(IDEMPOTENCY_WINDOW + dt.timedelta(minutes=1)))
    assert created and expired.reference not in (one.reference, later.reference)


def test_a_wall_clock_step_does_not_end_the_windows(tmp_path):
    ticks = Ticks()
    archive = EnquiryArchive(tmp_path, clock=ticks)
    one, _ = archive.create(form(), triage=[], idempotency_key="k-1", now=T0)
    ticks.now += 60  # a minute passes; the wall clock is stepped two days forward
    stepped = T0 + dt.timedelta(days=2)
    assert archive.create(form(), triage=[], idempotency_key="k-1", now=stepped)[0].reference == one.reference
    assert archive.create(form(), triage=[], now=stepped)[0].reference == one.reference  # a double-click too


def test_windows_are_rebuilt_from_recent_files_after_a_restart(tmp_path):
    archive = EnquiryArchive(tmp_path)
    one, _ = archive.create(form(), triage=[], idempotency_key="k-1", now=T0)
    reopened = EnquiryArchive(tmp_path)
    assert [r.reference for r in reopened.load_recent(T0 + dt.timedelta(minutes=1))] == [one.reference]
    assert reopened.create(form(), triage=[], now=T0 + dt.timedelta(minutes=2))[0].reference == one.reference


def test_a_crash_mid_write_leaves_the_previous_record_whole(tmp_path, monkeypatch):
    archive = EnquiryArchive(tmp_path)
    one, _ = archive.create(form(), triage=[], now=T0)
    archive.mark_queued(one.reference)
    before = archive.path_for(one.reference).read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("facts.persistence.os.replace", crash)
    with pytest.raises(OSError):
        archive.update(one.reference, lambda r: r.model_copy(update={"claimed_by": "U0CLAIM001"}))
    assert archive.path_for(one.reference).read_bytes() == before
    assert [p.name for p in archive.path_for(one.reference).parent.iterdir()] == [f"{one.reference}.json"]


# -- the service with the worker ------------------------------------------------------


def test_submit_stores_queues_and_posts_once(parts, fake):
    service, worker, _ = parts
    submission = service.submit(form())
    assert submission.created and not submission.urgent
    assert service.archive.get(submission.reference) is not None  # stored before anything is posted
    assert service.outbox.find(item_id=submission.reference).state == PENDING
    deliver(worker)
    [posted] = posts_of(fake, submission.reference)
    stored = service.archive.get(submission.reference)
    assert (stored.channel, stored.ts) == (CHANNEL, posted["ts"])
    assert service.submit(form()).reference == submission.reference  # a double-click
    deliver(worker)
    assert len(posts_of(fake, submission.reference)) == 1
    assert [c.params["channel"] for c in fake.calls("conversations.info")] == [CHANNEL]


def test_a_public_channel_holds_enquiries(parts, fake):
    service, worker, _ = parts
    fake.channels[CHANNEL] = {"is_private": False}
    submission = service.submit(form())
    deliver(worker)
    assert service.outbox.find(item_id=submission.reference).state == HELD
    health = service.health()
    assert health["held_errors"] == {"channel_not_private": 1} and "not a private channel" in health["problems"][0]
    assert fake.calls("chat.postMessage") == []


def test_long_message_reply_is_threaded_and_its_ts_recorded(parts, fake):
    service, worker, _ = parts
    submission = service.submit(form(message="word " * 1000))
    deliver(worker)
    [post] = posts_of(fake, submission.reference)
    [reply] = posts_of(fake, submission.reference + "-full")
    assert reply["thread_ts"] == post["ts"]
    assert service.archive.get(submission.reference).reply_ts == reply["ts"]


def test_claim_release_and_responded_edit_the_message_and_reply_in_thread(parts, fake):
    service, worker, _ = parts
    reference = service.submit(form()).reference
    deliver(worker)
    [post] = posts_of(fake, reference)
    assert service.act(reference, render.CLAIM, "U0CLAIM001") is None
    deliver(worker)
    assert "Claimed by <@U0CLAIM001>" in json.dumps(post["blocks"])
    assert "already claimed by <@U0CLAIM001>" in service.act(reference, render.CLAIM, "U0OTHER001")
    assert service.act(reference, render.RELEASE, "U0OTHER001") is None
    assert service.act(reference, render.RESPONDED, "U0OTHER001") is None
    deliver(worker)
    assert "Responded by <@U0OTHER001>" in json.dumps(post["blocks"]) and "Claimed by" not in json.dumps(post["blocks"])
    replies = [m["text"] for m in fake.messages[CHANNEL] if m.get("thread_ts") == post["ts"]]
    assert [r.split(" at ")[0] for r in replies] == [":raising_hand: Claimed by <@U0CLAIM001>",
                                                     ":leftwards_arrow_with_hook: Released by <@U0OTHER001>",
                                                     ":white_check_mark: Responded by <@U0OTHER001>"]
    assert [e.action for e in service.archive.get(reference).history] == ["claimed", "released", "responded"]


def test_an_older_edit_that_failed_does_not_overwrite_a_newer_one(parts, fake):
    service, worker, _ = parts
    reference = service.submit(form()).reference
    deliver(worker)
    fake.fail_next("chat.update", status=500)
    service.act(reference, render.CLAIM, "U0CLAIM001")
    worker.run_once()  # the claim's edit failed and waits for its retry
    service.act(reference, render.RESPONDED, "U0CLAIM001")
    deliver(worker)
    [post] = posts_of(fake, reference)
    assert "Responded by <@U0CLAIM001>" in json.dumps(post["blocks"])


def test_urgent_enquiries_are_flagged(parts, fake):
    service, worker, _ = parts
    submission = service.submit(form(message="My daughter is not safe at home tonight"))
    assert submission.urgent
    deliver(worker)
    [post] = posts_of(fake, submission.reference)
    assert post["text"].startswith("URGENT") and "<!subteam^S0LEAD0001>" in post["text"]
    assert service.archive.get(submission.reference).triage == ["not safe at home", "afraid to go home"]


def test_recover_queues_what_a_crash_left_in_incoming_once(parts, fake):
    service, worker, clock = parts
    before, _ = service.archive.create(form(), triage=[], now=clock())  # killed before the outbox write
    after, _ = service.archive.create(form(message="killed after the outbox write"), triage=[], now=clock())
    service.outbox.enqueue("enquiry", "enquiry", {"text": "queued before the crash"}, item_id=after.reference)
    fresh = EnquiryService(EnquiryArchive(service.archive.root), service.outbox, now=clock)
    assert fresh.recover() == 2 and fresh.recover() == 0
    worker.on_delivered = fresh.on_delivered
    deliver(worker)
    [first] = posts_of(fake, before.reference)
    [second] = posts_of(fake, after.reference)
    assert before.reference in first["text"] and second["text"] == "queued before the crash"


def test_an_enquiry_that_cannot_reach_the_outbox_yet_stays_stored_and_is_posted_later(parts, fake, monkeypatch):
    service, worker, clock = parts

    def full(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(service.outbox, "enqueue", full)
    reference = service.submit(form()).reference  # stored: the 202 stands
    assert [r.reference for r in service.archive.incoming()] == [reference]
    assert service.health()["not_yet_queued"] == 1
    monkeypatch.undo()
    assert EnquiryService(service.archive, service.outbox, now=clock).recover() == 1
    deliver(worker)
    assert len(posts_of(fake, reference)) == 1 and service.archive.incoming() == []


def test_the_queuer_thread_takes_hand_overs_and_sweeps_up_the_rest(parts, fake):
    service, worker, _ = parts
    stop = service.start(sweep=60)
    try:
        references = [service.submit(form(message=f"number {i}")).reference for i in range(5)]
        assert len(service.archive.incoming()) == 5  # stored; nothing is queued before the 202 is sent
        for reference in references[:4]:
            service.hand_over(reference)
        service.wait_queued()
        assert [r.reference for r in service.archive.incoming()] == references[4:]  # its hand-over was lost
    finally:
        stop()
    stop = service.start(sweep=0.1)
    try:
        deadline = time.monotonic() + 5
        while service.archive.incoming() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop()
    assert [service.outbox.find(item_id=r).state for r in references] == [PENDING] * 5
    assert service.archive.incoming() == []
    deliver(worker)
    assert all(len(posts_of(fake, r)) == 1 for r in references)


def test_purge_removes_details_and_edits_posted_messages(parts, fake):
    service, worker, clock = parts
    reference = service.submit(form(message="long " * 1000)).reference
    deliver(worker)
    service.act(reference, render.CLAIM, "U0CLAIM001")
    deliver(worker)
    assert service.purge().purged == 0  # not old enough yet
    clock.advance(days=91)
    report = service.purge()
    assert (report.purged, report.edits) == (1, 2)
    deliver(worker)
    stored = service.archive.get(reference)
    assert stored.name is None and stored.message is None and stored.email is None and stored.phone is None
    assert stored.reference == reference and stored.service == "therapeutic"
    assert [e.action for e in stored.history] == ["claimed", "purged"]
    [post] = posts_of(fake, reference)
    thread = [m for m in fake.messages[CHANNEL] if m.get("thread_ts") == post["ts"]]
    assert len(thread) == 2  # the full message (now edited) and the claim
    for message in [post, *thread]:
        assert "Jo Bloggs" not in json.dumps(message) and "long long" not in json.dumps(message)
    assert "removed after 90 days" in json.dumps(post) and "Claimed by <@U0CLAIM001>" in json.dumps(post)
    assert "Jo Bloggs" not in json.dumps([i.message for i in service.outbox.items()])
    assert service.purge() == type(report)()  # idempotent


def test_purge_edits_go_ahead_even_if_the_channel_has_since_gone_public(parts, fake):
    service, worker, clock = parts
    reference = service.submit(form()).reference
    deliver(worker)
    fake.channels[CHANNEL] = {"is_private": False}
    clock.advance(days=91)
    assert service.purge().edits == 1
    deliver(worker)
    assert "Jo Bloggs" not in json.dumps(posts_of(fake, reference)) and service.outbox.items(HELD) == []


def test_purge_scrubs_an_enquiry_still_waiting_in_the_outbox(parts, fake):
    service, worker, clock = parts
    fake.channels[CHANNEL] = {"is_private": False}
    reference = service.submit(form()).reference
    deliver(worker)
    assert service.outbox.find(item_id=reference).state == HELD
    clock.advance(days=91)
    assert service.purge().purged == 1
    assert "Jo Bloggs" not in json.dumps(service.outbox.find(item_id=reference).message)
    fake.channels[CHANNEL] = {"is_private": True}
    service.outbox.release()
    deliver(worker)
    [post] = posts_of(fake, reference)
    assert "Jo Bloggs" not in json.dumps(post) and "removed after 90 days" in json.dumps(post)


def test_two_processes_can_add_to_one_outbox(tmp_path):
    server_side, cli_side = Outbox(tmp_path / "outbox.json"), Outbox(tmp_path / "outbox.json")
    server_side.enqueue("enquiry", "enquiry", {"text": "a"}, item_id="ENQ-2026-000001")
    cli_side.enqueue("enquiry", "enquiry", {"text": "b"}, item_id="ENQ-2026-000001-purge", method="chat.update")
    server_side.enqueue("enquiry", "enquiry", {"text": "c"}, item_id="ENQ-2026-000002")  # its id cache is stale
    assert [i.id for i in cli_side.items()] == ["ENQ-2026-000001", "ENQ-2026-000001-purge", "ENQ-2026-000002"]


def test_temporary_files_a_crash_left_are_removed_at_start_up(tmp_path):
    archive = EnquiryArchive(tmp_path)
    old_leftover = tmp_path / "incoming" / ".ENQ-2026-000134.json.abc123.tmp"
    old_leftover.write_text('{"name": "Jo Bloggs"}')
    os.utime(old_leftover, (time.time() - 60, time.time() - 60))
    kept, _ = archive.create(form(), triage=[], now=T0)
    # Killed a moment before a quick restart: written in the same second the new server opens it.
    fresh_leftover = tmp_path / "2026" / ".ENQ-2026-000001.json.def456.tmp"
    fresh_leftover.parent.mkdir(exist_ok=True)
    fresh_leftover.write_text('{"name": "Jo Bloggs"}')
    probe = tmp_path / "incoming" / ".probe.x1y2.tmp"  # another thread's write check, under way
    probe.write_text("")
    restarted = EnquiryArchive(tmp_path)
    assert restarted.remove_stale_temporary_files() == 2
    assert not old_leftover.exists() and not fresh_leftover.exists() and probe.exists()
    assert restarted.get(kept.reference) is not None


def test_the_sweep_never_breaks_a_write_under_way(tmp_path):
    import threading

    archive = EnquiryArchive(tmp_path)
    records = [archive.create(form(name=f"Person {n}"), triage=[], now=T0)[0] for n in range(5)]
    for record in records:
        archive.mark_queued(record.reference)
    failures: list[BaseException] = []
    stop = threading.Event()

    def keep_writing() -> None:
        n = 0
        while not stop.is_set():
            for record in records:
                n += 1
                try:
                    archive.update(record.reference, lambda r, n=n: r.model_copy(update={"ts": f"{n}.000100"}))
                except BaseException as exc:  # noqa: BLE001 - any failure fails the test below
                    failures.append(exc)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        for _ in range(200):
            archive.remove_stale_temporary_files()
    finally:
        stop.set()
        writer.join()
    assert failures == []
    assert all((archive.get(r.reference) or r).ts not in (None, r.ts) for r in records)


def test_claim_and_release_after_responded_change_nothing():
    from facts.enquiries.claims import apply_event as _apply
    from facts.enquiries.model import Event

    record = EnquiryRecord.new("ENQ-2026-000001", form(), T0, triage=[], idempotency_key=None)
    responded = _apply(record, Event(action="responded", user="UBOB0001", at=T0), [])
    for action in ("claimed", "released"):
        note: list[str] = []
        assert _apply(responded, Event(action=action, user="UCAROL01", at=T0), note) is None
        assert "already responded to by" in note[0]


def test_the_privacy_check_refuses_public_and_externally_shared_channels():
    from bot.enquiry_service import check_private

    class Client:
        def __init__(self, channel):
            self.channel = channel

        def conversations_info(self, channel):
            return {"channel": self.channel}

    assert check_private(Client({"is_private": True}), "G1") is None
    assert check_private(Client({"is_private": False}), "C1") == "channel_not_private"
    assert check_private(Client({"is_private": True, "is_ext_shared": True}), "G1") == "channel_shared_externally"


def test_a_record_moved_away_while_listing_is_passed_over(tmp_path, monkeypatch):
    archive = EnquiryArchive(tmp_path)
    first, _ = archive.create(form(), triage=[], now=T0)
    second, _ = archive.create(form(message="another"), triage=[], now=T0)
    real_names = archive._names

    def names_then_move(folder):
        listed = real_names(folder)
        if folder.name == "incoming" and listed:
            archive.mark_queued(first.reference)  # the queuer moves it between listing and reading
        return listed

    monkeypatch.setattr(archive, "_names", names_then_move)
    assert [r.reference for r in archive.incoming()] == [second.reference]
    assert archive.incoming_count() == 1
