"""End to end: what ``factbot serve`` itself does as a process (the in-process server skips the CLI)."""

from __future__ import annotations

import requests


def test_serve_creates_the_data_folder_on_a_fresh_deploy(make_server, tmp_path):
    fresh = make_server(FACTBOT_DB=str(tmp_path / "new" / "data" / "factbot.json"))
    assert requests.get(fresh.url + "/healthz", timeout=5).json()["figures"] > 40
    assert (tmp_path / "new" / "data" / "factbot.json").exists()


def test_a_clean_start_logs_no_warning_about_our_own_choices(make_server, tmp_path):
    # Bolt warned "`token` will be unused" at every start (it reads SLACK_BOT_TOKEN beside the client
    # we give it); and with the intake token unset, the start says so (found by a fresh-user trial).
    server = make_server(FACTBOT_ENQUIRY_CHANNEL="C0SERVE001")
    assert "will be unused" not in server.log() and "will be ignored" not in server.log()
    assert "FACTBOT_INTAKE_TOKEN is not set" not in server.log()
    (tmp_path / "no-intake").mkdir()
    unset = make_server(tmp_path / "no-intake", FACTBOT_INTAKE_TOKEN="")
    assert "FACTBOT_INTAKE_TOKEN is not set: the website's enquiries and campaign updates are refused" in unset.log()
