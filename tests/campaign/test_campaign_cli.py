"""``factbot campaign post/digest``, figure alerts from ``facts import``, the digest scheduler, settings."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from bot.campaign import Campaign
from bot.settings import SettingsError, load_settings
from facts.figures.store import FactStore
from facts.outbox import Outbox
from facts.persistence import sibling_path
from tests.support.campaign import FIGURE_ID, curated_copy, factbot
from tests.support.factories import make_fact
from tests.support.server import REPO


@pytest.fixture
def env(tmp_path):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FACTBOT_"))}
    base.update({"PYTHONPATH": str(REPO), "FACTBOT_DB": str(tmp_path / "factbot.json")})
    return base


def _outbox(tmp_path, kind: str) -> list:
    box = Outbox(sibling_path(tmp_path / "factbot.json", "outbox"))
    try:
        return [i for i in box.items() if i.kind == kind]
    finally:
        box.close()


def test_campaign_post_validates_and_queues_once(env, tmp_path):
    bad = factbot(env, tmp_path, "campaign", "post", "--title", "x", "--url", "www.example.org")
    assert bad.returncode == 2 and "--url: must be an http(s) URL" in bad.stderr
    args = ("campaign", "post", "--title", "Wild West Web", "--url", "https://www.example.org/w", "--summary", "s")
    first = factbot(env, tmp_path, *args)
    assert first.returncode == 0 and "queued" in first.stdout and "FACTBOT_CAMPAIGN_CHANNEL is not set" in first.stdout
    again = factbot(env, tmp_path, *args)
    assert again.returncode == 0 and "already accepted" in again.stdout
    [item] = _outbox(tmp_path, "campaign")
    assert item.id in first.stdout and item.id in again.stdout


def test_facts_import_queues_one_alert_per_changed_figure_and_none_when_unchanged(env, tmp_path):
    fresh = factbot(env, tmp_path, "facts", "import")
    assert fresh.returncode == 0 and "alert" not in fresh.stderr  # a new store is not announced figure by figure
    changed = curated_copy(tmp_path / "curated", status="status: secondary\n  review_by→status: held\n  review_by",
                           value="value: 7062→value: 7100", display='display: "7,062"→display: "7,100"')
    env["FACTBOT_CURATED_DIR"] = str(changed)
    done = factbot(env, tmp_path, "facts", "import")  # the file's default status changes
    changes = [line for line in done.stdout.splitlines() if line.startswith(("changed", "retired"))]
    assert done.returncode == 0 and len(changes) > 1 and f"{len(changes)} figure alert(s) queued" in done.stderr
    alerts = _outbox(tmp_path, "figure")
    assert len(alerts) == len(changes)
    [ours] = [i for i in alerts if FIGURE_ID in i.message["text"]]
    assert "Status: secondary → held" in ours.message["text"] and "Value: 7062 → 7100" in ours.message["text"]
    again = factbot(env, tmp_path, "facts", "import")
    assert again.returncode == 0 and "alert" not in again.stderr
    assert len(_outbox(tmp_path, "figure")) == len(alerts)


def test_digest_command_sends_only_when_something_is_due_and_once_a_week(env, tmp_path):
    # On a folder with no data the digest refuses (cron started in the wrong folder): issue 14.
    assert factbot(env, tmp_path, "campaign", "digest").returncode == 1
    assert factbot(env, tmp_path, "facts", "import").returncode == 0
    nothing = factbot(env, tmp_path, "campaign", "digest")
    assert nothing.returncode == 0 and "nothing is due" in nothing.stdout and not _outbox(tmp_path, "digest")
    stale = curated_copy(tmp_path / "curated", review="review_by: 2027-02-28→review_by: 2026-01-31",
                         checked="verified_on: 2026-11-29→verified_on: 2025-11-29")
    env["FACTBOT_CURATED_DIR"] = str(stale)
    imported = factbot(env, tmp_path, "facts", "import")
    assert imported.returncode == 0 and "alert" not in imported.stderr  # a review date is not a figure change
    listed = factbot(env, tmp_path, "facts", "stale")
    assert "review was due 2026-01-31" in listed.stdout and "figure(s) due for review" in listed.stderr
    sent = factbot(env, tmp_path, "campaign", "digest")
    assert sent.returncode == 0 and "queued" in sent.stdout
    assert factbot(env, tmp_path, "campaign", "digest").stdout.strip() == "this week's digest was already sent"
    [digest] = _outbox(tmp_path, "digest")
    assert digest.dedupe_key.startswith("digest-") and "-W" in digest.dedupe_key
    assert "review was due 2026-01-31" in str(digest.message["blocks"])


def test_the_scheduler_sends_the_digest_at_its_time_once_and_not_when_nothing_is_due(tmp_path, monkeypatch):
    monkeypatch.setenv("FACTBOT_DB", str(tmp_path / "factbot.json"))
    monkeypatch.setenv("FACTBOT_DIGEST_DAY", "wednesday")
    monkeypatch.setenv("FACTBOT_DIGEST_TIME", "10:30")
    settings = load_settings(env_file=None)
    store = FactStore(settings.factbot_db)
    store.import_facts([make_fact("late", review_by="2026-11-01"), make_fact("fine", review_by="2027-06-01")])
    outbox = Outbox(sibling_path(settings.factbot_db, "outbox"))
    campaign = Campaign(settings, outbox, store)
    try:
        wednesday = dt.datetime(2026, 12, 2, 10, 29, tzinfo=dt.UTC)  # 10:29 in London (GMT)
        assert campaign.digest_if_due(wednesday) is None
        assert campaign.digest_if_due(wednesday + dt.timedelta(minutes=1)) == "posted"
        assert campaign.digest_if_due(wednesday + dt.timedelta(hours=5)) is None
        [digest] = [i for i in outbox.items() if i.kind == "digest"]
        assert digest.dedupe_key == "digest-2026-W49" and "`late`" in str(digest.message["blocks"])
        assert "`fine`" not in str(digest.message["blocks"])
        store.import_facts([make_fact("late", review_by="2027-06-01"), make_fact("fine", review_by="2027-06-01")])
        assert campaign.digest_if_due(wednesday + dt.timedelta(days=7, minutes=1)) == "nothing due"
        assert len([i for i in outbox.items() if i.kind == "digest"]) == 1
        assert campaign.state.checked_week() == "digest-2026-W50"
        assert campaign.state.digest_week() == "digest-2026-W49"  # the last week one was sent
        # Figures falling due later that week can still be sent by hand (factbot campaign digest).
        store.import_facts([make_fact("late", review_by="2026-11-01"), make_fact("fine", review_by="2027-06-01")])
        assert campaign.send_digest(wednesday + dt.timedelta(days=8))[0] == "posted"
    finally:
        campaign.close()
        outbox.close()
        store.close()


@pytest.mark.parametrize("variable,value", [
    ("FACTBOT_DIGEST_DAY", "funday"),
    ("FACTBOT_DIGEST_TIME", "9am"),
    ("FACTBOT_DIGEST_TIME", "24:00"),
    ("FACTBOT_FEEDS", "https://a.test/rss,ftp://b.test/feed"),
    ("FACTBOT_FEEDS", "https://a.test/rss?key=SECRETKEY||grooming"),
    ("FACTBOT_FEED_TIMEOUT", "0"),
])
def test_bad_campaign_settings_name_the_variable_and_not_the_value(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as raised:
        load_settings(env_file=None)
    message = str(raised.value)
    assert message.startswith(variable + ":") and "\n" not in message and "SECRETKEY" not in message


def test_good_campaign_settings(monkeypatch):
    monkeypatch.setenv("FACTBOT_FEEDS", "https://a.test/rss|grooming|online safety, https://b.test/atom")
    monkeypatch.setenv("FACTBOT_DIGEST_DAY", "Fri")
    settings = load_settings(env_file=None)
    assert settings.factbot_feeds == ["https://a.test/rss|grooming|online safety", "https://b.test/atom"]
    assert settings.factbot_digest_day == "fri" and settings.factbot_digest_time == "09:00"


def test_campaign_retry_releases_held_campaign_alerts_only(env, tmp_path):
    box = Outbox(sibling_path(tmp_path / "factbot.json", "outbox"))
    try:
        box.enqueue("campaign", "campaign", {"text": "c"}, item_id="CAMPAIGN-1")
        box.enqueue("enquiry", "enquiry", {"text": "e"}, item_id="ENQ-2026-000001")
        box.mark_held("CAMPAIGN-1", "not_in_channel")
        box.mark_held("ENQ-2026-000001", "not_in_channel")
    finally:
        box.close()
    done = factbot(env, tmp_path, "campaign", "retry")
    assert done.returncode == 0 and "CAMPAIGN-1" in done.stdout and "not_in_channel" in done.stdout
    assert "1 held campaign alert(s) released" in done.stderr
    assert [i.state for i in _outbox(tmp_path, "campaign")] == ["pending"]
    assert [i.state for i in _outbox(tmp_path, "enquiry")] == ["held"]
