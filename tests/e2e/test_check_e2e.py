"""End to end: a campaign update whose figure differs gets one thread reply, also after a restart
(/grooming check and the Check figures shortcut: tests/figures/test_check_in_slack.py)."""

from __future__ import annotations

import json

import requests

from tests.support.campaign import wait_until
from tests.support.server import INTAKE_TOKEN


def _blocks_text(body: dict) -> str:
    return json.dumps(body.get("blocks", []), ensure_ascii=False) + body.get("text", "")


def test_a_campaign_update_with_a_wrong_figure_gets_one_thread_reply_also_after_a_restart(
        make_server, fake_slack, tmp_path):
    channel = "C0CHECKCAMP"
    workdir = tmp_path / "server"
    workdir.mkdir()
    server = make_server(workdir, FACTBOT_CAMPAIGN_CHANNEL=channel)
    auth = {"Authorization": f"Bearer {INTAKE_TOKEN}"}
    right = {"title": "New NSPCC figures", "url": "https://www.example.org/right",
             "summary": "UK police recorded 7,263 online grooming offences in 2024/25."}
    wrong = {"title": "Our reaction to the grooming figures", "url": "https://www.example.org/wrong",
             "summary": "Nearly 8,000 grooming crimes in 2024/25. The latest figures show 6,350 grooming crimes in a single year."}
    for update in (right, wrong, wrong):
        assert requests.post(server.url + "/campaign-updates", json=update, headers=auth, timeout=10).status_code == 202

    def posted() -> list[dict]:
        return fake_slack.messages.get(channel, [])

    def drained() -> bool:  # nothing waiting or being sent: every queued message has reached Slack
        outbox = requests.get(server.url + "/healthz", timeout=5).json()["outbox"]
        return outbox["pending"] == 0 and outbox["sending"] == 0

    wait_until(lambda: len(posted()) >= 3 and drained(), what="two cards and one figure check")
    [card_right, card_wrong, reply] = posted()
    assert "New NSPCC figures" in card_right["text"] and "Our reaction" in card_wrong["text"]
    assert reply["thread_ts"] == card_wrong["ts"]
    text = _blocks_text(reply)
    assert "Nearly 8,000" in text and "7,263" in text and "6,350" in text and "out of date" in text

    server.stop()
    server.start()
    assert requests.post(server.url + "/campaign-updates", json=wrong, headers=auth, timeout=10).status_code == 202
    wait_until(drained, what="the outbox to drain after the restart")  # a second reply would be queued by now
    assert len(posted()) == 3
