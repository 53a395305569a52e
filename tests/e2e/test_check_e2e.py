"""End to end: checking figures through the running server — /grooming check, the Check figures
shortcut, and a campaign update whose figure differs (one thread reply, also after a restart)."""

from __future__ import annotations

import json
import time

import requests

from tests.support.campaign import wait_until
from tests.support.server import INTAKE_TOKEN
from tests.support.slack_payloads import message_action

DRAFT = ("Police recorded 7,623 online grooming offences across the UK in the year to March 2025. "
         "Worried about a child? Call 0808 800 5000.")


def _blocks_text(body: dict) -> str:
    return json.dumps(body.get("blocks", []), ensure_ascii=False) + body.get("text", "")


def test_slash_command_check_answers_ephemerally_one_line_per_figure(server):
    response = server.command("check " + DRAFT + " Snapchat was used in 40% of grooming crimes.")
    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral" and len(body["blocks"]) <= 50
    text = _blocks_text(body)
    assert "Checked 2 figures" in text  # the phone number is not a claim
    assert ":x: *7,623*" in text and "*7,263*" in text and "shropshirestar.com" in text
    assert "Copy corrected sentence" in text and "recorded 7,263 online grooming offences" in text
    assert ":warning: *40%*" in text and "0808 800 5000" not in text.split("Checked", 1)[1].split("\n")[0]


def test_slash_command_check_with_no_draft_says_how(server):
    body = server.command("check   ").json()
    assert body["response_type"] == "ephemeral" and "/grooming check" in _blocks_text(body)


def test_check_figures_shortcut_answers_only_the_user_through_the_response_url(server, fake_slack):
    message = {"type": "message", "user": "U0OTHER001", "ts": "1700000090.000100",
               "text": "Draft: Online grooming crimes across the UK are up 89% since 2017/18. "
                       "Childline is free on 0800 1111."}
    response = server.action(message_action(message, "C0CHECK001", fake_slack.response_url("check-1"),
                                            callback_id="check_figures"))
    assert response.status_code == 200
    [answer] = fake_slack.wait_for("response:check-1", timeout=10)
    assert answer.params["response_type"] == "ephemeral" and answer.params["replace_original"] is False
    text = _blocks_text(answer.params)
    assert "*89%*" in text and "Checked 1 figure" in text
    assert not fake_slack.calls("chat.postMessage")  # nothing visible to anyone else


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

    wait_until(lambda: len(posted()) >= 3, what="two cards and one figure check")
    time.sleep(1.0)
    [card_right, card_wrong, reply] = posted()
    assert "New NSPCC figures" in card_right["text"] and "Our reaction" in card_wrong["text"]
    assert reply["thread_ts"] == card_wrong["ts"]
    text = _blocks_text(reply)
    assert "Nearly 8,000" in text and "7,263" in text and "6,350" in text and "out of date" in text

    server.stop()
    server.start()
    assert requests.post(server.url + "/campaign-updates", json=wrong, headers=auth, timeout=10).status_code == 202
    time.sleep(2.0)  # the worker and the watcher tick within a second
    assert len(posted()) == 3
