"""@mentions answered once, in the thread, through the server in process."""

from __future__ import annotations

import json
import time

from facts.figures.modal import SHARE_IN_THREAD_ACTION_ID, parse_share_value
from tests.support.fake_slack import BOT_USER_ID
from tests.support.slack_payloads import app_mention, message_button

RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


def _replies(fake_slack, channel: str) -> list:
    return [c for c in fake_slack.calls("chat.postMessage") if c.params.get("channel") == channel]


def _wait_replies(fake_slack, channel: str, count: int = 1) -> list:
    return fake_slack.wait_for("chat.postMessage", count, timeout=10, where=lambda c: c.params.get("channel") == channel)


def test_mention_in_a_thread_answers_once_in_that_thread_across_retries(server, fake_slack):
    payload = app_mention("Ev0THREAD01", "C0MENTION1", f"<@{BOT_USER_ID}> instagram grooming",
                          ts="1700000100.000200", thread_ts="1700000000.000100")
    started = time.monotonic()
    first = server.event(payload)
    assert first.status_code == 200 and time.monotonic() - started < 3
    [reply] = _wait_replies(fake_slack, "C0MENTION1")
    assert reply.params["thread_ts"] == "1700000000.000100"  # the thread, not the mentioning message
    assert reply.params["unfurl_links"] is False and reply.params["unfurl_media"] is False
    text = json.dumps(reply.params["blocks"], ensure_ascii=False) + reply.params["text"]
    assert "Instagram" in text and "NSPCC" in text and "nspcc.org.uk" in text and "Base:" in text
    assert "Share in channel" not in text  # already visible to the thread

    again = server.event(payload, headers=RETRY)  # Slack resends it, e.g. after a slow ack
    assert again.status_code == 200
    time.sleep(0.5)
    assert len(_replies(fake_slack, "C0MENTION1")) == 1
    assert "retry 1" in server.log()


def test_mention_in_a_channel_answers_in_a_thread_on_the_mentioning_message(server, fake_slack):
    server.event(app_mention("Ev0CHANNEL1", "C0MENTION2", f"<@{BOT_USER_ID}> stats snapchat", ts="1700000200.000300"))
    [reply] = _wait_replies(fake_slack, "C0MENTION2")
    assert reply.params["thread_ts"] == "1700000200.000300"
    assert "Snapchat" in json.dumps(reply.params["blocks"])


def test_each_mention_gets_its_own_reply(server, fake_slack):
    for number in (1, 2):
        server.event(app_mention(f"Ev0TWICE00{number}", "C0MENTION3", f"<@{BOT_USER_ID}> whatsapp",
                                 ts=f"1700000300.00000{number}"))
    replies = _wait_replies(fake_slack, "C0MENTION3", count=2)
    assert sorted(r.params["thread_ts"] for r in replies) == ["1700000300.000001", "1700000300.000002"]


def test_mention_with_no_question_gets_a_short_help(server, fake_slack):
    server.event(app_mention("Ev0HELP0001", "C0MENTION4", f"<@{BOT_USER_ID}>  ", ts="1700000400.000100"))
    [reply] = _wait_replies(fake_slack, "C0MENTION4")
    blocks = json.dumps(reply.params["blocks"])
    assert "@Safeguarding Facts instagram" in blocks and "Base:" not in blocks


def test_mention_text_is_escaped_and_a_platform_without_figures_is_said(server, fake_slack):
    server.event(app_mention("Ev0ESCAPE01", "C0MENTION5", f"<@{BOT_USER_ID}> <!channel> tiktok & <b>",
                             ts="1700000500.000100"))
    [reply] = _wait_replies(fake_slack, "C0MENTION5")
    raw = json.dumps(reply.params)
    assert "TikTok" in raw and "<!channel>" not in raw and "<b>" not in raw


def test_mention_reads_a_plain_question_and_drops_typed_names(server, fake_slack):
    server.event(app_mention("Ev0PLAIN001", "C0PLAINQ01", f"<@{BOT_USER_ID}> what was the instagram figure @snap.jones",
                             ts="1700000400.000100"))
    [reply] = _wait_replies(fake_slack, "C0PLAINQ01")
    figures = [b["text"]["text"] for b in reply.params["blocks"] if b["type"] == "section"][1:]
    assert figures and "Instagram" in figures[0]
    assert "jones" not in json.dumps(reply.params["blocks"])


def test_mention_checks_a_draft_like_the_slash_command(server, fake_slack):
    server.event(app_mention("Ev0CHECK001", "C0CHECKQ01", f"<@{BOT_USER_ID}> check Police recorded 7,263 online "
                             "grooming offences in 2024/25.", ts="1700000500.000100"))
    [reply] = _wait_replies(fake_slack, "C0CHECKQ01")
    assert "7,263" in json.dumps(reply.params["blocks"]) and "matches" in json.dumps(reply.params["blocks"])


def test_each_figure_in_a_mention_reply_can_be_shared_alone_in_the_thread_and_carries_its_citation(server, fake_slack):
    server.event(app_mention("Ev0SHARE001", "C0MENTION9", f"<@{BOT_USER_ID}> instagram", ts="1700000900.000100",
                             thread_ts="1700000000.000900"))
    [reply] = _wait_replies(fake_slack, "C0MENTION9")
    blocks = reply.params["blocks"]
    buttons = [b["elements"][0] for b in blocks if b["type"] == "actions"]
    figures = [b for b in blocks if b["type"] == "section" and b["text"]["text"].startswith("*")
               and "Answer to" not in b["text"]["text"]]
    copies = [b for b in blocks if b["type"] == "context" and "Copy citation:" in json.dumps(b)]
    assert len(buttons) >= 2 and all(b["action_id"] == SHARE_IN_THREAD_ACTION_ID for b in buttons)
    assert len(copies) == len(buttons)  # every figure shown: its own Share and its citation to copy
    assert figures
    fact_id, target = parse_share_value(buttons[1]["value"])  # a one-line figure, not the best
    assert (target.channel, target.thread_ts) == ("C0MENTION9", "1700000000.000900")

    server.action(message_button(SHARE_IN_THREAD_ACTION_ID, buttons[1]["value"], "C0MENTION9",
                                 fake_slack.response_url("mention-share")))
    [_reply, shared] = _wait_replies(fake_slack, "C0MENTION9", count=2)
    posted = json.dumps(shared.params["blocks"])
    assert shared.params["thread_ts"] == "1700000000.000900"
    assert "Shared by <@U0TEST0001>" in posted and fact_id in posted and "Share in thread" not in posted
