"""The "Find figures" message shortcut and Share in thread, through the server in process."""

from __future__ import annotations

import json

from facts.figures.modal import SHARE_IN_THREAD_ACTION_ID, parse_share_value
from tests.support.slack_payloads import button_in_view, message_action

THREAD_ROOT = "1700000000.000100"


def _open_modal(server, fake_slack, message: dict, channel: str) -> dict:
    """Use the shortcut on ``message``: a loading modal opens at once, then is updated with the
    figures; return the modal (as Slack echoes it back, with its id)."""
    view_id = f"V0{channel}"
    fake_slack.set_response("views.open", {"ok": True, "view": {"id": view_id}})
    before = len(fake_slack.calls("views.open"))
    response = server.action(message_action(message, channel, fake_slack.response_url(f"ff-{channel}")))
    assert response.status_code == 200
    call = fake_slack.wait_for("views.open", count=before + 1, timeout=10)[before]
    assert call.params["trigger_id"] == "1700000300.1.abcdef"
    assert "Looking up figures" in json.dumps(call.params["view"])  # opened first, before the lookup
    [update] = fake_slack.wait_for("views.update", timeout=10, where=_in("view_id", view_id))
    return {**update.params["view"], "id": view_id, "hash": "1700000300.abc"}




def _in(param: str, value: str):
    return lambda call: call.params.get(param) == value


def _share_buttons(view: dict) -> list[dict]:
    return [b["elements"][0] for b in view["blocks"] if b["type"] == "actions"]


def test_shortcut_on_a_thread_reply_finds_its_figures_and_share_posts_one_in_the_thread(server, fake_slack):
    message = {"type": "message", "user": "U0OTHER001", "text": "is it true that most grooming happens on Instagram?",
               "ts": "1700000050.000200", "thread_ts": THREAD_ROOT}
    view = _open_modal(server, fake_slack, message, "C0FIND0001")
    assert view["type"] == "modal" and len(view["blocks"]) <= 100
    raw = json.dumps(view, ensure_ascii=False)
    assert "Instagram" in raw and "Source:" in raw and "Base:" in raw and "Copy citation" in raw
    buttons = _share_buttons(view)
    assert buttons and all(b["action_id"] == SHARE_IN_THREAD_ACTION_ID for b in buttons)
    fact_id, target = parse_share_value(buttons[0]["value"])
    assert (target.channel, target.thread_ts) == ("C0FIND0001", THREAD_ROOT)  # the thread, not the reply

    server.action(button_in_view(view, SHARE_IN_THREAD_ACTION_ID, buttons[0]["value"]))
    [post] = fake_slack.wait_for("chat.postMessage", timeout=10, where=_in("channel", "C0FIND0001"))
    assert post.params["thread_ts"] == THREAD_ROOT
    shared = json.dumps(post.params["blocks"])
    assert "Shared by <@U0TEST0001>" in shared and "Source:" in shared and "Share in thread" not in shared
    [_, update] = fake_slack.wait_for("views.update", count=2, timeout=10, where=_in("view_id", view["id"]))
    assert "Shared *" in json.dumps(update.params["view"]) and update.params["view"]["type"] == "modal"


def test_shortcut_on_a_message_without_text_uses_its_files_and_attachments(server, fake_slack):
    message = {"type": "message", "subtype": "file_share", "user": "U0OTHER001", "ts": "1700000060.000300",
               "files": [{"id": "F0FILE0001", "name": "chart.png", "title": "Snapchat grooming chart"}],
               "attachments": [{"fallback": "girls 2023/24"}]}
    view = _open_modal(server, fake_slack, message, "C0FIND0002")
    raw = json.dumps(view)
    assert "Snapchat" in raw and "Base:" in raw
    [button, *_] = _share_buttons(view)
    assert parse_share_value(button["value"])[1].thread_ts == "1700000060.000300"  # not in a thread: its own ts


def test_shortcut_on_a_message_with_no_words_says_so(server, fake_slack):
    message = {"type": "message", "subtype": "file_share", "user": "U0OTHER001", "ts": "1700000070.000400",
               "files": [{"id": "F0FILE0002", "mode": "hidden_by_limit"}]}
    view = _open_modal(server, fake_slack, message, "C0FIND0003")
    assert "no words to look up" in json.dumps(view) and not _share_buttons(view)


def test_share_in_a_channel_the_app_is_not_in_tells_the_user_how_to_invite_it(server, fake_slack):
    message = {"type": "message", "user": "U0OTHER001", "text": "snapchat", "ts": "1700000080.000500"}
    view = _open_modal(server, fake_slack, message, "C0FIND0004")
    fake_slack.fail_next("chat.postMessage", error="not_in_channel")
    server.action(button_in_view(view, SHARE_IN_THREAD_ACTION_ID, _share_buttons(view)[0]["value"]))
    [_, update] = fake_slack.wait_for("views.update", count=2, timeout=10, where=_in("view_id", view["id"]))
    notice = json.dumps(update.params["view"]["blocks"][0])
    assert "/invite @Safeguarding Facts" in notice
    assert len(_share_buttons(update.params["view"])) == len(_share_buttons(view))  # the figures stay


def test_when_the_modal_cannot_open_the_figures_come_ephemerally(server, fake_slack):
    fake_slack.fail_next("views.open", error="expired_trigger_id")
    message = {"type": "message", "user": "U0OTHER001", "text": "whatsapp", "ts": "1700000090.000600"}
    server.action(message_action(message, "C0FIND0005", fake_slack.response_url("ff-expired")))
    [call] = fake_slack.wait_for("response:ff-expired", timeout=10)
    assert call.params["response_type"] == "ephemeral"
    assert "WhatsApp" in json.dumps(call.params["blocks"]) and _share_buttons(call.params)


def test_share_in_thread_with_a_tampered_value_posts_nothing(server, fake_slack):
    before = len(fake_slack.calls("chat.postMessage"))
    view = {"id": "V0TAMPERED", "type": "modal", "title": {"type": "plain_text", "text": "Find figures"}, "blocks": []}
    server.action(button_in_view(view, SHARE_IN_THREAD_ACTION_ID, '{"id": "x", "c": "#general", "t": "1.2"}'))
    [update] = fake_slack.wait_for("views.update", timeout=10, where=_in("view_id", "V0TAMPERED"))
    assert "not shared" in json.dumps(update.params["view"])
    assert len(fake_slack.calls("chat.postMessage")) == before
