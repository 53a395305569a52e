"""A slash command's answer never misses Slack's 3-second deadline: a draft to check (work that
grows with the text) that is not ready in time is acked at once and its answer follows through
``response_url``; a question (a lookup in memory) is always the ack itself.

The slow check is injected (it waits until the test has the ack), so nothing here depends on
how fast the machine is.
"""

from __future__ import annotations

import json
import threading

import pytest

from bot.ask import LocalAsker
from facts.figures import replies
from handlers.figures import slash_command

DRAFT = "check Police recorded 7,263 online grooming offences in 2024/25."


@pytest.fixture
def slow_check(monkeypatch):
    """Drafts wait until ``release`` is set (or raise ``error`` when one is given)."""
    check_text = replies.check_text
    release = threading.Event()
    state: dict = {"error": None}

    def slow(*args, **kwargs):
        release.wait(60)  # a guard against a hung test, not a time the test depends on
        if state["error"] is not None:
            raise state["error"]
        return check_text(*args, **kwargs)

    monkeypatch.setattr(replies, "check_text", slow)
    monkeypatch.setattr(slash_command, "ANSWER_WITHIN", 0.05)
    return release, state


def test_a_slow_answer_is_acked_at_once_and_sent_through_response_url(server, fake_slack, slow_check):
    release, _ = slow_check
    response = server.command(DRAFT, response_url=fake_slack.response_url("slow-1"))
    assert response.status_code == 200
    ack = response.json()
    assert ack["response_type"] == "ephemeral" and ack["text"] == slash_command.FOLLOWS
    assert fake_slack.calls("response:slow-1") == []  # not before the check ends
    release.set()
    [late] = fake_slack.wait_for("response:slow-1")
    assert late.params["response_type"] == "ephemeral"
    assert "7,263" in late.params["text"] and late.params["blocks"]  # the whole answer, its verdicts
    assert not late.refused  # within Slack's limits (the strict fake)


def test_a_question_is_the_ack_itself_while_a_draft_is_slow(server, fake_slack, slow_check):
    release, _ = slow_check
    response = server.command("instagram", response_url=fake_slack.response_url("question"))
    assert "6%" in response.json()["text"] and response.json()["blocks"]
    assert fake_slack.calls("response:question") == []
    release.set()


def test_a_late_answer_that_fails_says_sorry_through_response_url(server, fake_slack, slow_check):
    release, state = slow_check
    state["error"] = RuntimeError("Jo Bloggs asked about her daughter")
    response = server.command(DRAFT, response_url=fake_slack.response_url("slow-2"))
    assert response.json()["text"] == slash_command.FOLLOWS
    release.set()
    [late] = fake_slack.wait_for("response:slow-2")
    assert late.params["text"] == slash_command.FAILED and late.params["response_type"] == "ephemeral"
    assert "slash command answer failed: RuntimeError" in server.log() and "Jo Bloggs" not in server.log()


def test_an_answer_ready_in_time_is_the_ack_itself(server, fake_slack):
    response = server.command("instagram", response_url=fake_slack.response_url("fast"))
    assert "6%" in response.json()["text"] and response.json()["blocks"]
    assert fake_slack.calls("response:fast") == []  # no second round trip


def test_factbot_check_waits_for_a_slow_draft_as_no_slack_is_waiting(server, slow_check):
    """``factbot ask``/``check`` dispatch a local slash command with no ``response_url`` to follow
    through: however long the check takes, its answer is the ack (never "Looking that up…")."""
    release, _ = slow_check  # the deadline is 0.05 s; the draft is released well after it
    threading.Timer(0.5, release.set).start()
    asker = LocalAsker(server.runtime.settings, server.runtime.catalogue)
    status, body = asker.ask(DRAFT)
    assert status == 200 and body["text"] != slash_command.FOLLOWS
    assert "7,263" in body["text"] and "matches" in json.dumps(body["blocks"])
