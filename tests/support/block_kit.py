"""Slack's limits on what an app sends, checked as strictly as Slack checks them.

:func:`message_problems` and :func:`view_problems` return what Slack would
refuse in a message payload (``chat.postMessage``, ``chat.postEphemeral``,
``chat.update``, a ``response_url`` post, a slash command's ``ack``) or in a
view (``views.open``/``update``/``push``/``publish``), as ``(error, detail)``
pairs: ``error`` is the code Slack answers (``invalid_blocks``,
``msg_too_long``, ``invalid_arguments``). Every block is also parsed and
validated with slack_sdk's Block Kit models.

The limits (docs.slack.dev, reference/block-kit and the Web API methods):
a message at most 50 blocks, a modal or App Home at most 100; a message's
``text`` at most 40,000 characters, and 4,000 when it is the fallback of
``blocks`` (counted in UTF-16 units, as Slack's clients count); a text object
1 to 3,000 characters; section ``fields`` at most 10 of 2,000; a header's
text 150; context at most 10 elements; actions at most 25 elements; a
button's text 75, ``value`` 2,000, ``url`` 3,000; ``action_id`` and
``block_id`` 255; a modal's title, submit and close 24; ``private_metadata``
3,000; ``callback_id`` 255.
"""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

MESSAGE_BLOCKS, VIEW_BLOCKS = 50, 100
TEXT_MAX, FALLBACK_MAX = 40_000, 4_000
TEXT_OBJECT_MAX, FIELD_MAX, FIELDS_MAX = 3000, 2000, 10
HEADER_MAX, CONTEXT_ELEMENTS_MAX, ACTIONS_ELEMENTS_MAX = 150, 10, 25
BUTTON_TEXT_MAX, BUTTON_VALUE_MAX, URL_MAX, ID_MAX = 75, 2000, 3000, 255
VIEW_TITLE_MAX, PRIVATE_METADATA_MAX = 24, 3000
KNOWN_BLOCKS = {"section", "divider", "context", "actions", "header", "image", "input", "rich_text",
                "file", "video", "markdown"}

Problem = tuple[str, str]


def utf16_units(text: str) -> int:
    """Length as Slack counts it: UTF-16 code units (an emoji outside the BMP is two)."""
    return len(text.encode("utf-16-le")) // 2


def _loads(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _text_object(obj: Any, where: str, limit: int = TEXT_OBJECT_MAX, plain_only: bool = False) -> list[str]:
    if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
        return [f"{where}: must be a text object"]
    if plain_only and obj["type"] != "plain_text":
        return [f"{where}: must be plain_text"]
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return [f"{where}: text must be at least 1 character"]
    if len(text) > limit:
        return [f"{where}: must be less than {limit + 1} characters (is {len(text)})"]
    return []


def _element(element: Any, where: str) -> list[str]:
    if not isinstance(element, dict):
        return [f"{where}: must be an object"]
    found = []
    if len(str(element.get("action_id", ""))) > ID_MAX:
        found.append(f"{where}.action_id: over {ID_MAX} characters")
    if element.get("type") == "button":
        found += _text_object(element.get("text"), f"{where}.text", BUTTON_TEXT_MAX, plain_only=True)
        if len(str(element.get("value", ""))) > BUTTON_VALUE_MAX:
            found.append(f"{where}.value: over {BUTTON_VALUE_MAX} characters")
        if len(str(element.get("url", ""))) > URL_MAX:
            found.append(f"{where}.url: over {URL_MAX} characters")
    return found


def _section(block: dict, where: str) -> list[str]:
    found = []
    if "text" not in block and "fields" not in block:
        found.append(f"{where}: a section needs text or fields")
    if "text" in block:
        found += _text_object(block["text"], f"{where}.text")
    fields = block.get("fields") or []
    if len(fields) > FIELDS_MAX:
        found.append(f"{where}.fields: more than {FIELDS_MAX} items")
    for i, field in enumerate(fields):
        found += _text_object(field, f"{where}.fields[{i}]", FIELD_MAX)
    if "accessory" in block:
        found += _element(block["accessory"], f"{where}.accessory")
    return found


def _header(block: dict, where: str) -> list[str]:
    return _text_object(block.get("text"), f"{where}.text", HEADER_MAX, plain_only=True)


def _context(block: dict, where: str) -> list[str]:
    elements = block.get("elements") or []
    found = [] if 1 <= len(elements) <= CONTEXT_ELEMENTS_MAX else [
        f"{where}.elements: must have 1 to {CONTEXT_ELEMENTS_MAX} items"]
    for i, element in enumerate(elements):
        if isinstance(element, dict) and element.get("type") in ("plain_text", "mrkdwn"):
            found += _text_object(element, f"{where}.elements[{i}]")
    return found


def _actions(block: dict, where: str) -> list[str]:
    elements = block.get("elements") or []
    found = [] if 1 <= len(elements) <= ACTIONS_ELEMENTS_MAX else [
        f"{where}.elements: must have 1 to {ACTIONS_ELEMENTS_MAX} items"]
    for i, element in enumerate(elements):
        found += _element(element, f"{where}.elements[{i}]")
    return found


#: One rule per block type, as Slack's reference lists them; other known types have only the
#: common rules and slack_sdk's own model check.
_BLOCK_RULES = {"section": _section, "header": _header, "context": _context, "actions": _actions}


def _block(block: Any, where: str) -> list[str]:
    if not isinstance(block, dict) or block.get("type") not in KNOWN_BLOCKS:
        return [f"{where}: unknown block type {block.get('type') if isinstance(block, dict) else block!r}"]
    found = []
    if len(str(block.get("block_id", ""))) > ID_MAX:
        found.append(f"{where}.block_id: over {ID_MAX} characters")
    rule = _BLOCK_RULES.get(block["type"])
    if rule is not None:
        found += rule(block, where)
    if not found:
        try:
            parsed = Block.parse(block)
            if parsed is not None:
                parsed.validate_json()
        except (SlackObjectFormationError, TypeError, AttributeError, KeyError) as exc:
            found.append(f"{where}: {exc}")
    return found


def blocks_problems(blocks: Any, limit: int) -> list[Problem]:
    """``invalid_blocks`` problems of a ``blocks`` array (a list or its JSON string)."""
    blocks = _loads(blocks)
    if not isinstance(blocks, list):
        return [("invalid_blocks_format", "blocks must be a JSON array")]
    found = [("invalid_blocks", f"no more than {limit} items allowed (has {len(blocks)})")] if len(blocks) > limit else []
    for i, block in enumerate(blocks):
        found += [("invalid_blocks", detail) for detail in _block(block, f"blocks[{i}]")]
    return found


def message_problems(params: dict) -> list[Problem]:
    """What Slack would refuse in a message payload (``text``, ``blocks``)."""
    text, blocks = params.get("text"), params.get("blocks")
    found: list[Problem] = []
    if isinstance(text, str):
        limit = FALLBACK_MAX if blocks else TEXT_MAX
        if utf16_units(text) > limit:
            found.append(("msg_too_long", f"text is {utf16_units(text)} UTF-16 units; at most {limit}"))
    if blocks is not None:
        found += blocks_problems(blocks, MESSAGE_BLOCKS)
    return found


def view_problems(view: Any) -> list[Problem]:
    """What Slack would refuse in a view (a modal or App Home)."""
    view = _loads(view)
    if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
        return [("invalid_arguments", "view must be a modal or home view object")]
    found: list[Problem] = []
    details = []
    if view["type"] == "modal":
        details += _text_object(view.get("title"), "view.title", VIEW_TITLE_MAX, plain_only=True)
        for key in ("submit", "close"):
            if key in view:
                details += _text_object(view[key], f"view.{key}", VIEW_TITLE_MAX, plain_only=True)
    if len(str(view.get("private_metadata", ""))) > PRIVATE_METADATA_MAX:
        details.append(f"view.private_metadata: over {PRIVATE_METADATA_MAX} characters")
    if len(str(view.get("callback_id", ""))) > ID_MAX:
        details.append(f"view.callback_id: over {ID_MAX} characters")
    found += [("invalid_arguments", d) for d in details]
    found += [("invalid_arguments", detail) for _, detail in blocks_problems(view.get("blocks", []), VIEW_BLOCKS)]
    return found


def assert_valid_message(payload: dict) -> None:
    """Raise ``AssertionError`` naming each limit ``payload`` breaks."""
    found = message_problems(payload)
    assert not found, f"Slack would refuse this message: {found}"


def assert_valid_view(view: dict) -> None:
    """Raise ``AssertionError`` naming each limit ``view`` breaks."""
    found = view_problems(view)
    assert not found, f"Slack would refuse this view: {found}"
