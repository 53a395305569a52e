"""End to end: App Home for curators and the unanswered queries they see, written at shutdown (SIGTERM)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.support.fake_slack import BOT_USER_ID
from tests.support.server import REPO
from tests.support.slack_payloads import app_home_opened, app_mention, message_action

CURATOR = "U0CURATOR1"


def _published(fake_slack, user: str, count: int = 1) -> dict:
    calls = fake_slack.wait_for("views.publish", count, timeout=10, where=lambda c: c.params.get("user_id") == user)
    return calls[-1].params["view"]


def test_curator_home_shows_reviews_due_and_the_queries_nobody_found(make_server, fake_slack, tmp_path):
    server = make_server(FACTBOT_CURATORS=CURATOR)
    # Three queries about TikTok (two mentions, one command) and one about Roblox, all finding nothing,
    # and a message looked up with the shortcut (counted, never kept as a gap).
    for number, text in enumerate(["tiktok", "TikTok", "roblox jo@example.org"], start=1):
        server.event(app_mention(f"Ev0GAP000{number}", "C0GAPS0001", f"<@{BOT_USER_ID}> {text}",
                                 ts=f"1700000500.00000{number}"))
    server.command("stats tiktok")
    server.action(message_action({"type": "message", "text": "roblox is the new tiktok", "ts": "1700000600.000100"},
                                 "C0GAPS0001", fake_slack.response_url("gaps")))
    fake_slack.wait_for("chat.postMessage", 3, timeout=10, where=lambda c: c.params.get("channel") == "C0GAPS0001")
    fake_slack.wait_for("views.update", timeout=10, where=lambda c: "Roblox, TikTok" in json.dumps(c.params))

    server.event(app_home_opened(CURATOR, "Ev0HOMECUR1"))
    raw = json.dumps(_published(fake_slack, CURATOR), ensure_ascii=False)
    assert "For curators" in raw and "Figures due for review" in raw
    assert "3× “tiktok”" in raw and "1× “roblox [email]”" in raw
    assert "roblox is the new tiktok" not in raw  # a message looked up with the shortcut is never a gap
    assert "jo@example.org" not in raw
    assert raw.index("3× “tiktok”") < raw.index("1× “roblox [email]”")  # most asked first

    server.event(app_home_opened("U0STAFF004", "Ev0HOMESTF1"))
    assert "Unanswered" not in json.dumps(_published(fake_slack, "U0STAFF004"))

    server.stop()  # SIGTERM: the counts are written at shutdown
    stored = (tmp_path / "factbot-usage.json").read_text()
    assert '"text":"tiktok","count":3' in stored and "jo@example.org" not in stored and CURATOR not in stored
    env = {**server.env, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "bot.cli", "facts", "gaps"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["3", lines[0].split()[1], "tiktok"] and len(lines) == 2
    assert os.path.exists(tmp_path / "factbot.json")
