"""The archive is the truth: whatever happens to the outbox or to single files, every accepted
enquiry reaches Slack exactly once (in process, the real worker against the fake Slack Web API)."""

from __future__ import annotations

import datetime as dt
import errno
import os
import shutil

import pytest
from slack_sdk import WebClient

from bot.delivery import DeliveryWorker
from bot.enquiry_service import CHANNEL_KEY, EnquiryService, check_private
from facts.enquiries.archive import EnquiryArchive
from facts.enquiries.model import parse_enquiry
from facts.outbox import PENDING, Outbox
from facts.persistence import atomic_write
from tests.support.delivery import damage, deliver_all
from tests.support.fake_slack import PRIVATE_CHANNEL as CHANNEL
from tests.support.fake_slack import FakeSlack
from tests.support.server import INTAKE_TOKEN

GOOD = {"name": "Jo Bloggs", "email": "jo@example.org", "phone": "01206 878178", "service": "therapeutic",
        "message": "Please call me about therapeutic support.", "consent": True}


def form(i: int, **changes):
    return parse_enquiry({**GOOD, "message": f"Please call me about support ({i}).", **changes})


class Parts:
    """An archive and an outbox in ``root``, with a service and worker that can be rebuilt (a restart)."""

    def __init__(self, root, fake: FakeSlack):
        self.root, self.fake = root, fake
        self.outbox: Outbox | None = None
        self.start()

    def start(self) -> None:
        self.outbox = Outbox(self.root / "factbot-outbox.json")
        self.service = EnquiryService(EnquiryArchive(self.root / "enquiries"), self.outbox)
        client = WebClient(token="xoxb-test", base_url=self.fake.api_url, timeout=2, retry_handlers=[])
        self.worker = DeliveryWorker(self.outbox, client, {CHANNEL_KEY: CHANNEL}, checks={CHANNEL_KEY: check_private},
                                     on_delivered=self.service.on_delivered, known_post=self.service.known_post,
                                     retry_base=0.05, lookup_delay=0.0)
        self.service.recover()

    def restart(self) -> None:
        assert self.outbox is not None
        self.outbox.close()
        self.start()

    def deliver(self, seconds: float = 10.0) -> None:
        deliver_all(self.worker, seconds)

    def close(self) -> None:
        assert self.outbox is not None
        self.outbox.close()


@pytest.fixture
def parts(tmp_path, fake):
    fake.channels[CHANNEL] = {"is_private": True}
    made = Parts(tmp_path, fake)
    yield made
    made.close()


def posts(fake: FakeSlack) -> dict[str, int]:
    return dict(fake.outbox_posts(CHANNEL))


def submit(parts: Parts, n: int, long: bool = False) -> list[str]:
    extra = {"message": "We need help. " * 300} if long else {}
    return [parts.service.submit(form(i, name=f"Jo {i}", **extra)).reference for i in range(n)]


def outbox_files(parts: Parts) -> list:
    return [p for p in parts.root.iterdir() if p.name.startswith("factbot-outbox.sqlite3")]


@pytest.mark.parametrize("fault", ["removed", "emptied", "damaged"])
def test_an_outbox_lost_before_delivery_loses_nothing(parts, fake, fault):
    references = submit(parts, 6)
    parts.outbox.close()
    damage(parts.root, fault)
    parts.start()
    assert parts.service.reconcile() == 6 and parts.service.reconcile() == 0  # queued once
    parts.deliver()
    assert posts(fake) == {reference: 1 for reference in references}
    assert parts.service.reconcile() == 0 and all(parts.service.archive.get(r).ts for r in references)


def test_an_older_outbox_put_back_loses_nothing_and_doubles_nothing(parts, fake):
    first = submit(parts, 3, long=True)  # each has a long-message reply in its thread
    parts.outbox.close()
    backup = parts.root / "backup"
    backup.mkdir()
    for path in outbox_files(parts):
        shutil.copy(path, backup / path.name)
    parts.start()
    parts.deliver()  # delivered after the backup was taken...
    later = [parts.service.submit(form(10 + i, name=f"Later {i}")).reference for i in range(3)]
    parts.deliver()
    fake.calls().clear()
    parts.outbox.close()
    for path in outbox_files(parts):
        path.unlink()
    for path in backup.iterdir():  # ... and the operator restores the older copy
        shutil.copy(path, parts.root / path.name)
    parts.start()
    parts.service.reconcile()
    parts.deliver()
    expected = {r: 1 for r in first + later} | {f"{r}-full": 1 for r in first}
    assert posts(fake) == expected


def test_posts_slack_has_but_the_archive_does_not_record_are_found_with_one_read_of_the_channel(parts, fake):
    references = submit(parts, 30)
    parts.deliver()
    # The archive's ts records are lost (a crash between the post and the record), then the outbox too.
    for reference in references:
        parts.service.archive.update(reference, lambda r: r.model_copy(update={"ts": None, "channel": None}))
    parts.outbox.close()
    for path in outbox_files(parts):
        path.unlink()
    parts.start()
    before = len(fake.calls("conversations.history"))
    assert parts.service.reconcile() == 30
    parts.deliver()
    assert posts(fake) == {reference: 1 for reference in references}
    assert len(fake.calls("conversations.history")) - before == 1  # one page of 200 answers for all 30
    assert all(parts.service.archive.get(r).ts for r in references)


def test_unreadable_records_are_quarantined_and_everything_else_is_delivered(parts, fake):
    references = submit(parts, 5)
    parts.deliver()
    archive = parts.service.archive
    year = archive.path_for(references[0])
    year.write_bytes(b"")  # 0 bytes
    cut = archive.path_for(references[1])
    cut.write_bytes(cut.read_bytes()[:40])  # cut short
    waiting = [parts.service.archive.create(form(20 + i, name=f"Waiting {i}"), triage=[])[0].reference
               for i in range(2)]
    (archive.root / "incoming" / f"{waiting[0]}.json").write_bytes(b"{not json")
    parts.restart()  # start-up reads recent records and incoming/: neither stops it
    parts.service.reconcile()
    parts.deliver()
    quarantined = parts.service.health()["quarantined"]
    assert sorted(name.split(".json.")[0] for name in quarantined) == sorted([references[0], references[1], waiting[0]])
    assert os.stat(archive.quarantine_folder).st_mode & 0o077 == 0
    assert posts(fake).get(waiting[1]) == 1
    assert "could not be read" in parts.service.health()["problems"][0]
    # A quarantined record's reference is never given out again.
    newest = max([*references, *waiting])
    restarted = EnquiryService(EnquiryArchive(archive.root), parts.outbox)
    restarted.recover()
    assert restarted.submit(form(99, name="After")).reference > newest


def test_a_failed_write_leaves_no_copy_of_the_enquiry(tmp_path, monkeypatch):
    target = tmp_path / "record.json"
    real_replace = os.replace

    def refuse(*args):  # the folder turns read-only between the write and the rename
        raise PermissionError("read-only")

    monkeypatch.setattr(os, "replace", refuse)
    monkeypatch.setattr(os, "unlink", refuse)
    with pytest.raises(PermissionError):
        atomic_write(target, b'{"name": "Jo Bloggs"}')
    monkeypatch.undo()
    leftovers = [p for p in tmp_path.iterdir() if p.name != target.name]
    assert not target.exists() and all(p.read_bytes() == b"" for p in leftovers)
    assert real_replace is os.replace


def test_a_delivery_recorded_in_the_archive_is_not_posted_from_a_stale_outbox_item(parts, fake):
    [reference] = submit(parts, 1)
    parts.deliver()
    record = parts.service.archive.get(reference)
    parts.outbox._update(reference, state=PENDING, due=0.0, message={"text": "stale"})  # an old copy put back
    parts.deliver()
    assert posts(fake) == {reference: 1} and parts.outbox.find(item_id=reference).ts == record.ts


def test_a_full_disk_gets_503_with_retry_after_and_leaves_nothing_behind(make_server, monkeypatch):
    server = make_server(FACTBOT_ENQUIRY_CHANNEL=CHANNEL)
    auth = {"Authorization": f"Bearer {INTAKE_TOKEN}"}

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    refused = server.post("/enquiries", json=GOOD, headers=auth)
    monkeypatch.undo()
    assert refused.status_code == 503 and refused.headers["retry-after"] == "30"
    assert "send it again" in refused.json()["error"]
    incoming = server.workdir / "factbot-enquiries" / "incoming"
    assert [p for p in incoming.iterdir() if p.stat().st_size] == []
    assert server.post("/enquiries", json=GOOD, headers=auth).status_code == 202


def test_a_damaged_facts_store_does_not_stop_the_server_or_intake(make_server, tmp_path):
    (tmp_path / "factbot.json").write_text('{"facts": {"1": {"id": "cut sh')
    server = make_server(FACTBOT_ENQUIRY_CHANNEL=CHANNEL)
    health = server.get("/healthz").json()
    assert health["figures"] > 40 and health["status"] == "degraded"
    assert health["quarantine"]["count"] == 1 and health["quarantine"]["files"][0].startswith("quarantine/factbot.json.")
    assert any("facts store was damaged" in p for p in health["problems"])
    auth = {"Authorization": f"Bearer {INTAKE_TOKEN}"}
    assert server.post("/enquiries", json=GOOD, headers=auth).status_code == 202


def test_reconcile_reads_settled_records_once(parts, fake, monkeypatch):
    references = submit(parts, 4)
    parts.deliver()
    assert parts.service.reconcile() == 0
    read: list[str] = []
    original = EnquiryArchive._present

    def counting(self, paths):
        paths = list(paths)
        read.extend(p.name for p in paths)
        return original(self, paths)

    monkeypatch.setattr(EnquiryArchive, "_present", counting)
    parts.service.submit(form(50, name="New one"))
    parts.deliver()
    assert parts.service.reconcile() == 0
    assert not set(read) & {f"{r}.json" for r in references}
    assert dt.datetime.now(dt.UTC) > parts.service.archive.get(references[0]).received_at
