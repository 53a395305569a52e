"""App Home for everyone, through the server in process (for curators: tests/e2e/test_app_home_e2e.py)."""

from __future__ import annotations

import json

from tests.support.slack_payloads import app_home_opened


def _published(fake_slack, user: str, count: int = 1) -> dict:
    calls = fake_slack.wait_for("views.publish", count, timeout=10, where=lambda c: c.params.get("user_id") == user)
    return calls[-1].params["view"]


def test_app_home_shows_how_to_ask_coverage_and_newest_figures_but_no_curator_sections(server, fake_slack):
    response = server.event(app_home_opened("U0STAFF001", "Ev0HOME0001"))
    assert response.status_code == 200
    view = _published(fake_slack, "U0STAFF001")
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    raw = json.dumps(view, ensure_ascii=False)
    for part in ("/grooming instagram", "/grooming check", "@Safeguarding Facts", "Find figures", "Instagram", "Snapchat",
                 "2015–2025", "Newest figures", "Source:", "Base:"):
        assert part in raw
    assert "For curators" not in raw and "Unanswered" not in raw


def test_messages_tab_publishes_nothing(server, fake_slack):
    server.event(app_home_opened("U0STAFF002", "Ev0HOME0002", tab="messages"))
    server.event(app_home_opened("U0STAFF003", "Ev0HOME0003"))
    _published(fake_slack, "U0STAFF003")  # handled after the first one was
    assert not [c for c in fake_slack.calls("views.publish") if c.params.get("user_id") == "U0STAFF002"]
