"""End to end: what ``factbot serve`` itself does as a process (the in-process server skips the CLI)."""

from __future__ import annotations

import requests


def test_serve_creates_the_data_folder_on_a_fresh_deploy(make_server, tmp_path):
    fresh = make_server(FACTBOT_DB=str(tmp_path / "new" / "data" / "factbot.json"))
    assert requests.get(fresh.url + "/healthz", timeout=5).json()["figures"] > 40
    assert (tmp_path / "new" / "data" / "factbot.json").exists()
