"""Slack payloads for end-to-end tests, shaped as Slack sends them (Events API and interactivity)."""

from __future__ import annotations

from tests.support.fake_slack import BOT_USER_ID, TEAM_ID

APP_ID = "A0TEST0001"


def event_callback(event: dict, event_id: str) -> dict:
    """An Events API ``event_callback`` envelope around ``event``."""
    return {
        "token": "legacy-verification-token", "team_id": TEAM_ID, "api_app_id": APP_ID, "event": event,
        "type": "event_callback", "event_id": event_id, "event_time": 1700000000,
        "authorizations": [{"enterprise_id": None, "team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True,
                            "is_enterprise_install": False}],
        "is_ext_shared_channel": False, "event_context": f"4-{event_id}",
    }


def app_mention(event_id: str, channel: str, text: str, ts: str, thread_ts: str | None = None,
                user: str = "U0TEST0001") -> dict:
    """``@app ...`` in a channel, or in a thread when ``thread_ts`` is given."""
    event = {"type": "app_mention", "user": user, "text": text, "ts": ts, "channel": channel, "event_ts": ts,
             "client_msg_id": f"msg-{event_id}", "team": TEAM_ID}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event_callback(event, event_id)


def app_home_opened(user: str, event_id: str, tab: str = "home") -> dict:
    return event_callback({"type": "app_home_opened", "user": user, "channel": "D0HOME0001", "tab": tab,
                           "event_ts": "1700000000.000001"}, event_id)


def message_action(message: dict, channel: str, response_url: str, callback_id: str = "find_figures",
                   user: str = "U0TEST0001") -> dict:
    """The "Find figures" message shortcut used on ``message``."""
    return {
        "type": "message_action", "token": "legacy-verification-token", "action_ts": "1700000300.000001",
        "team": {"id": TEAM_ID, "domain": "test"}, "user": {"id": user, "username": "jo", "team_id": TEAM_ID},
        "channel": {"id": channel, "name": "general"}, "is_enterprise_install": False, "enterprise": None,
        "callback_id": callback_id, "trigger_id": "1700000300.1.abcdef", "response_url": response_url,
        "message_ts": message["ts"], "message": message,
    }


def button_in_view(view: dict, action_id: str, value: str, user: str = "U0TEST0001") -> dict:
    """A button pressed in a modal (``view`` as Slack echoes it back: with its ``id``)."""
    return {
        "type": "block_actions", "user": {"id": user, "username": "jo", "team_id": TEAM_ID}, "api_app_id": APP_ID,
        "token": "legacy-verification-token", "container": {"type": "view", "view_id": view["id"]},
        "trigger_id": "1700000400.1.abcdef", "team": {"id": TEAM_ID, "domain": "test"}, "is_enterprise_install": False,
        "view": view, "actions": [{"action_id": action_id, "block_id": "b1", "type": "button", "value": value,
                                   "text": {"type": "plain_text", "text": "Share in thread"},
                                   "action_ts": "1700000400.000001"}],
    }


def _pressed(action_id: str, value: str) -> dict:
    return {"action_id": action_id, "block_id": "b1", "type": "button", "value": value,
            "text": {"type": "plain_text", "text": "Button"}, "action_ts": "1700000500.000001"}


def home_button(action_id: str, value: str, user: str = "U0TEST0001") -> dict:
    """A button pressed in the App Home tab."""
    return {
        "type": "block_actions", "user": {"id": user, "username": "jo", "team_id": TEAM_ID}, "api_app_id": APP_ID,
        "token": "legacy-verification-token", "container": {"type": "view", "view_id": "V0HOME0001"},
        "trigger_id": "1700000500.1.abcdef", "team": {"id": TEAM_ID, "domain": "test"}, "is_enterprise_install": False,
        "view": {"id": "V0HOME0001", "type": "home", "blocks": []}, "actions": [_pressed(action_id, value)],
    }


def message_button(action_id: str, value: str, channel: str, response_url: str, user: str = "U0TEST0001") -> dict:
    """A button pressed on a message in ``channel`` (e.g. the reviews-due digest)."""
    return {
        "type": "block_actions", "user": {"id": user, "username": "jo", "team_id": TEAM_ID}, "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": "1700000100.000100", "channel_id": channel},
        "trigger_id": "1700000600.1.abcdef", "team": {"id": TEAM_ID, "domain": "test"}, "is_enterprise_install": False,
        "channel": {"id": channel, "name": "campaign"}, "response_url": response_url,
        "message": {"type": "message", "ts": "1700000100.000100", "text": "digest"},
        "actions": [_pressed(action_id, value)],
    }


def view_submission(view: dict, values: dict[str, str | None], user: str = "U0TEST0001") -> dict:
    """``view`` (as opened) submitted by ``user``: ``values`` maps each input's block id to what was
    typed or chosen; other inputs keep their initial value, as Slack sends them."""
    state: dict[str, dict] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element, block_id = block["element"], block["block_id"]
        kind = element["type"]
        given = values.get(block_id, element.get("initial_value") or element.get("initial_date")
                           or (element.get("initial_option") or {}).get("value"))
        if kind == "datepicker":
            entry = {"type": kind, "selected_date": given}
        elif kind == "static_select":
            option = next((o for o in element["options"] if o["value"] == given), None)
            entry = {"type": kind, "selected_option": option}
        else:
            entry = {"type": kind, "value": given}
        state[block_id] = {element["action_id"]: entry}
    submitted = {**view, "id": "V0MODAL001", "state": {"values": state}, "hash": "1700000700.abc",
                 "team_id": TEAM_ID, "app_id": APP_ID, "bot_id": "B0TEST0001"}
    return {"type": "view_submission", "team": {"id": TEAM_ID, "domain": "test"},
            "user": {"id": user, "username": "jo", "team_id": TEAM_ID}, "api_app_id": APP_ID,
            "token": "legacy-verification-token", "trigger_id": "1700000700.1.abcdef", "view": submitted,
            "response_urls": [], "is_enterprise_install": False}
