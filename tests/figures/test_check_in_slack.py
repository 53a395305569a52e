"""Checking figures through the server in process — /grooming check and the Check figures shortcut
(a campaign update whose figure differs, across a restart: tests/e2e/test_check_e2e.py)."""

from __future__ import annotations

import json

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
