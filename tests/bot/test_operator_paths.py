"""What an operator runs from cron or a shell: the data folder comes from FACTBOT_DB, never from
where the command happens to start; every bad or missing setting is named at once;
``python -m bot`` is ``factbot``; ``facts validate --dir`` of a missing folder fails."""

from __future__ import annotations

import os
import subprocess
import sys

from facts.enquiries.archive import EnquiryArchive, archive_path
from facts.enquiries.model import parse_enquiry
from facts.outbox import Outbox
from facts.persistence import sibling_path
from tests.support.server import REPO

ENQUIRY = {"name": "Jo Bloggs", "email": "jo@example.org", "phone": "01206 878178", "service": "therapeutic",
           "message": "Please call me about therapeutic support.", "consent": True}


def _run(module: str, args: list[str], cwd, **env) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FACTBOT_"))}
    base["PYTHONPATH"] = str(REPO)
    base.update(env)
    return subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, env=base, capture_output=True, text=True,
                          timeout=120)


def _store_with_an_enquiry(install) -> tuple:
    from bot.enquiry_service import EnquiryService

    db = install / "data" / "factbot.json"
    outbox = Outbox(sibling_path(db, "outbox"))
    try:
        service = EnquiryService(EnquiryArchive(archive_path(db)), outbox)
        reference = service.submit(parse_enquiry(ENQUIRY)).reference
    finally:
        outbox.close()
    return db, reference


def test_purge_from_cron_in_another_folder_works_on_the_configured_store(tmp_path):
    install, elsewhere = tmp_path / "srv-factbot", tmp_path / "home"
    install.mkdir()
    elsewhere.mkdir()
    db, reference = _store_with_an_enquiry(install)
    done = _run("bot.cli", ["enquiries", "purge", reference], elsewhere, FACTBOT_DB=str(db))
    assert done.returncode == 0, done.stderr
    assert f"1 enquiries named ({reference}) purged" in done.stdout
    record = EnquiryArchive(archive_path(db)).get(reference)
    assert record is not None and "Jo Bloggs" not in record.model_dump_json()
    assert list(elsewhere.iterdir()) == []  # nothing made where cron started


def test_a_relative_store_from_the_wrong_folder_fails_loudly_and_makes_nothing(tmp_path):
    install, elsewhere = tmp_path / "srv-factbot", tmp_path / "home"
    install.mkdir()
    elsewhere.mkdir()
    _, reference = _store_with_an_enquiry(install)
    for args in (["enquiries", "purge"], ["enquiries", "list"], ["campaign", "digest"], ["campaign", "retry"]):
        done = _run("bot.cli", args, elsewhere, FACTBOT_DB="data/factbot.json")
        assert done.returncode == 1, (args, done.stdout, done.stderr)
        [line] = done.stderr.strip().splitlines()
        assert f"no data in {elsewhere / 'data'}" in line and "relative to" in line and "absolute path" in line
        assert list(elsewhere.iterdir()) == []  # no new empty store
    # run from the install folder, the same relative setting finds the store
    done = _run("bot.cli", ["enquiries", "purge", reference], install, FACTBOT_DB="data/factbot.json")
    assert done.returncode == 0 and "1 enquiries named" in done.stdout


def test_every_bad_or_missing_setting_is_named_at_once_never_a_value(tmp_path):
    done = _run("bot.cli", ["serve", "--port", "9"], tmp_path, SLACK_BOT_TOKEN="secret-looking-value-123",
                FACTBOT_FEED_INTERVAL="soon", FACTBOT_ENQUIRY_CHANNEL="#enquiries")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert [line.split()[1].rstrip(":") for line in lines] == [
        "SLACK_BOT_TOKEN", "FACTBOT_ENQUIRY_CHANNEL", "FACTBOT_FEED_INTERVAL", "SLACK_SIGNING_SECRET"]
    assert all(line.startswith("factbot: ") for line in lines)
    assert "secret-looking-value-123" not in done.stderr and "#enquiries" not in done.stderr and "soon" not in done.stderr


def test_socket_mode_serve_names_the_bot_token_and_not_the_signing_secret(tmp_path):
    done = _run("bot.cli", ["serve", "--port", "9"], tmp_path, SLACK_APP_TOKEN="xapp-1-a-long-enough-app-token")
    assert done.returncode == 2
    assert done.stderr.strip() == "factbot: SLACK_BOT_TOKEN is required for this command but is not set"


def test_python_m_bot_is_factbot(tmp_path):
    by_bot = _run("bot", ["ask", "help"], tmp_path)
    by_cli = _run("bot.cli", ["ask", "help"], tmp_path)
    assert by_bot.returncode == 0 and by_bot.stdout == by_cli.stdout and "/grooming" in by_bot.stdout


def test_facts_validate_of_a_missing_or_empty_folder_fails_with_one_line(tmp_path):
    done = _run("bot.cli", ["facts", "validate", "--dir", str(tmp_path / "no-such-folder")], tmp_path)
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert "no such folder" in line and "no-such-folder" in line
    (tmp_path / "empty").mkdir()
    done = _run("bot.cli", ["facts", "validate", "--dir", str(tmp_path / "empty")], tmp_path)
    assert done.returncode == 1 and "no curated *.yaml files" in done.stderr
