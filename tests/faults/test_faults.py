"""The fault-injection suite: the real ``factbot serve`` (a process) against the fake Slack Web API
on loopback, enquiries streamed in over HTTP, one fault each. Every test asserts that every
enquiry answered 202 is posted exactly once (none lost, none doubled, none stranded, none mixed
up: ``tests.support.faults.Rig``) and that ``/healthz`` tells the truth during and after.

Faults come from outside the product: SIGKILL, the fake's answers (slow, 500 after saving,
refused), files changed while the server is down, ``RLIMIT_NOFILE`` lowered in the child, file
permissions that a root child must obey, and libfaketime stepping the server's wall clock.
"""

from __future__ import annotations

import time

import pytest
import requests

from tests.support.faults import AUTH, Rig, hold_connections, set_read_only
from tests.support.server import wait_until


@pytest.fixture
def make_rig(fake, tmp_path):
    """``make_rig(**options)``: a :class:`Rig` on ``tmp_path / "data"``, stopped at the end."""
    made: list[Rig] = []

    def make(**options) -> Rig:
        made.append(Rig(fake, tmp_path / "data", **options))
        return made[-1]

    yield make
    for each in made:
        set_read_only(each.workdir, False)
        each.stop()


@pytest.fixture
def rig(make_rig):
    return make_rig()


def settled_and_ok(rig: Rig, *, timeout: float = 60.0, problems: tuple[str, ...] = ()) -> dict:
    """Everything accepted posted exactly once; /healthz says nothing waits and names only ``problems``."""
    tally = rig.settle(timeout)
    assert tally.clean, f"{tally.line()}: lost {tally.lost} doubled {tally.doubled} stranded {tally.stranded}"
    health = rig.health()
    assert health is not None
    assert health["outbox"]["pending"] == health["outbox"]["sending"] == health["outbox"]["held"] == 0
    assert health["enquiries"]["not_yet_queued"] == 0 and health["loops"]["failing"] == []
    unexpected = [p for p in health["problems"] if not any(words in p for words in problems)]
    assert unexpected == [], unexpected
    assert health["status"] == ("degraded" if problems else "ok"), health
    assert rig.leftovers() == []
    return health


# -- kill -9 -------------------------------------------------------------------------------


def test_kill_9_during_intake_then_restart(rig):
    rig.start()
    batch = rig.stream(60, during=lambda i: rig.kill() if i == 30 else None)
    assert batch.accepted and batch.unanswered  # killed with requests in flight
    rig.start()
    rig.stream(20)
    settled_and_ok(rig)


def test_kill_9_during_delivery_then_restart_while_slack_still_holds_the_post(rig, fake):
    """Slack is slow; the server is killed mid-post, during a post Slack stores only 4 s after it
    arrived, and is back before that. The look-up for the interrupted post waits for a slow
    Slack (as after a timeout) instead of posting it again."""
    rig.start()
    fake.fail_next("chat.postMessage", delay=0.05, times=8)
    fake.fail_next("chat.postMessage", delay=4.0)
    rig.stream(30)
    wait_until(lambda: any(c.fault and c.fault.delay == 4.0 for c in fake.calls("chat.postMessage")),
             timeout=30, what="the slow post")
    rig.kill()
    rig.start()
    rig.stream(5)
    settled_and_ok(rig)


# -- Slack's own faults ----------------------------------------------------------------------


def test_500_after_saving_at_the_head_of_a_long_backlog(rig, fake):
    fake.down()
    rig.start()
    batch = rig.stream(240, concurrency=6)
    assert len(batch.accepted) == 240
    # Health says so once the server has tried Slack (auth.test, the first posts): waited for, not
    # read at the first moment the backlog is counted, when nothing may have been tried yet. With
    # backoff from 0.1 s the posts fail before auth.test's own retries end: wait for both.
    health = wait_until(lambda: (h := rig.health()) and h["outbox"]["pending"] >= 230
                        and any("Slack has not taken" in p for p in h["problems"])
                        and h["slack"]["token"] != "unknown" and h,
                        timeout=30, what="the backlog, reported")
    assert health["status"] == "degraded" and health["slack"]["token"] == "unreachable"
    rig.kill()  # (so the worker is not in the middle of a pause when Slack is back)
    fake.fail_next("chat.postMessage", status=500, after_storing=True)  # saved, then 500
    fake.up()
    rig.start()
    settled_and_ok(rig, timeout=90)
    history = fake.calls("conversations.history")
    assert history and any(c.params.get("cursor") for c in history)  # found behind >200 later posts


def test_late_timeouts_are_looked_for_later_not_posted_again(make_rig, fake):
    rig = make_rig(lookup_delay=None)  # the product's default: the one test proving it outwaits a late store
    rig.start()
    fake.fail_next("chat.postMessage", delay=11.5)  # the client gives up at 10 s; Slack stores it at 11.5
    rig.stream(6)
    settled_and_ok(rig, timeout=60)


def test_a_rate_limit_storm_and_server_errors_lose_and_double_nothing(rig, fake):
    rig.start()
    fake.fail_next("chat.postMessage", status=429, headers={"Retry-After": "1"}, times=3)
    fake.fail_next("chat.postMessage", status=503, times=2)
    fake.fail_next("chat.postMessage", status=502, after_storing=True, times=2)
    rig.stream(30)
    settled_and_ok(rig, timeout=60)


# -- clocks -----------------------------------------------------------------------------------


def test_wall_clock_steps_and_skew_change_nothing(rig, fake, tmp_path):
    """The server's wall clock (libfaketime) starts 5 minutes ahead of Slack's, is stepped back
    10 minutes during a 429 pause and forward two days for a moment; a post saved then answered 500
    is still found, posting resumes after the pause, and an Idempotency-Key still answers the
    same reference after the steps."""
    clock = tmp_path / "faketime"
    clock.write_text("+300\n")  # 5 minutes ahead of Slack
    rig.start(faketime=clock)
    key = {"Idempotency-Key": "form-submission-0001"}
    tag, body = rig.enquiry()
    first = requests.post(rig.url + "/enquiries", json=body, headers={**AUTH, **key}, timeout=10).json()["id"]
    rig.accepted[first] = tag
    rig.stream(10)
    rig.settle(timeout=20, quiet=0)
    fake.fail_next("chat.postMessage", status=429, headers={"Retry-After": "3"})
    fake.fail_next("chat.postMessage", status=500, after_storing=True)
    rig.stream(10)
    clock.write_text("-600\n")  # stepped back 10 minutes while the worker waits out the 429
    rig.stream(10)
    rig.settle(timeout=30, quiet=0)
    clock.write_text("+2d\n")  # then two days forward, for a moment (longer, and reminders fall due)
    again = requests.post(rig.url + "/enquiries", json=body, headers={**AUTH, **key}, timeout=10)
    clock.write_text("+300\n")
    assert again.status_code == 202 and again.json()["id"] == first
    rig.stream(10)
    rig.kill()  # a restart while the clock is out: the look-up window is Slack's, not ours
    rig.start(faketime=clock)
    rig.stream(5)
    settled_and_ok(rig, timeout=45)


# -- damaged, lost and older files --------------------------------------------------------------


@pytest.mark.parametrize("fault", ["missing", "empty", "truncated", "older"])
def test_an_outbox_lost_damaged_or_older_loses_and_doubles_nothing(rig, fake, fault, tmp_path):
    rig.start()
    rig.stream(8, long_every=4)  # some with a thread reply
    rig.settle(timeout=30, quiet=0)
    rig.kill()
    backup = tmp_path / "backup"
    rig.copy_outbox(rig.workdir, backup)
    rig.start()
    rig.stream(8, long_every=4)  # delivered after the backup was taken
    rig.settle(timeout=30, quiet=0)
    fake.down()
    rig.stream(8, long_every=4)  # accepted, waiting for Slack
    rig.kill()
    main = rig.outbox_files[0]
    if fault == "missing":
        for path in rig.outbox_files:
            path.unlink(missing_ok=True)
    elif fault == "empty":
        for path in rig.outbox_files:
            path.write_bytes(b"")
    elif fault == "truncated":
        wal = rig.outbox_files[1]
        if wal.exists() and wal.stat().st_size:
            with open(wal, "r+b") as handle:  # the write-ahead log cut mid-frame
                handle.truncate(wal.stat().st_size // 2 + 7)
        with open(main, "r+b") as handle:
            handle.truncate(max(main.stat().st_size // 2, 100))
    else:
        for path in rig.outbox_files:
            path.unlink(missing_ok=True)
        rig.copy_outbox(backup, rig.workdir)
    fake.up()
    rig.start()
    problems = ("outbox database was damaged", "quarantine") if fault == "truncated" else ()
    health = settled_and_ok(rig, timeout=60, problems=problems)
    if fault == "truncated":
        assert health["quarantine"]["count"] >= 1


def test_damaged_records_are_quarantined_reported_and_the_rest_delivered(rig, fake):
    rig.start()
    batch = rig.stream(12)
    rig.settle(timeout=30, quiet=0)
    rig.kill()
    cut, emptied = batch.accepted[2], batch.accepted[5]
    path = rig.record_path(cut)
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    rig.record_path(emptied).write_bytes(b"")
    incoming = rig.workdir / "factbot-enquiries" / "incoming"
    (incoming / f"ENQ-{cut[4:8]}-900000.json").write_bytes(b'{"reference": "ENQ-')  # a half-written hand-over
    rig.start()
    later = rig.stream(12)
    health = settled_and_ok(rig, problems=("could not be read", "damaged file"))
    assert health["quarantine"]["count"] == 3
    assert all(r > f"ENQ-{cut[4:8]}-900000" for r in later.accepted)  # a damaged record's number is not reused


# -- the machine's limits ---------------------------------------------------------------------


def test_exhausted_file_descriptors_then_released(rig, fake):
    rig.start(nofile=64)
    rig.stream(10)
    held = hold_connections(rig.url, 120)  # idle connections, as an unauthenticated client can hold
    try:
        fake.fail_next("chat.postMessage", delay=0.2, times=3)
        rig.stream(6, concurrency=3, timeout=2.0)  # most wait unanswered: the server cannot accept them
        time.sleep(1.0)
    finally:
        for sock in held:
            sock.close()
    rig.stream(10)
    settled_and_ok(rig, timeout=60)
    assert rig.server is not None and rig.server.process is not None and rig.server.process.poll() is None
    assert rig.log().count("socket.accept() out of system resource") <= 5  # not 2,048 tracebacks a second


def test_a_read_only_data_folder_refuses_with_503_tells_health_and_loses_nothing(rig, fake):
    rig.start(drop_dac=True)
    rig.stream(10)
    fake.down()
    waiting = rig.stream(5)  # accepted, waiting for Slack
    assert len(waiting.accepted) == 5
    wait_until(lambda: (h := rig.health()) and h["enquiries"]["not_yet_queued"] == 0, timeout=30, what="queued")
    set_read_only(rig.workdir, True)
    fake.up()
    refused = rig.stream(5)
    assert refused.accepted == [] and {status for status, _ in refused.refused} == {503}
    assert all(after for _, after in refused.refused)  # Retry-After
    health = rig.health()  # "down" (503) once a store write has failed: nothing new can be kept
    assert health is not None and health["status"] in ("degraded", "down")
    assert any("cannot be written" in p or "Writing to the data folder failed" in p for p in health["problems"]), \
        health["problems"]
    assert rig.leftovers() == []
    wait_until(lambda: all(rig.posts().get(r) for r in waiting.accepted), timeout=30, what="waiting enquiries posted")
    set_read_only(rig.workdir, False)
    rig.stream(5)
    settled_and_ok(rig)
