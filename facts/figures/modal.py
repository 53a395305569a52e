"""Block Kit for the "Find figures" message shortcut (plain dicts, no Slack SDK).

The figures found for a message's words are shown to the person who asked
in a modal (or, if the modal cannot be opened, an ephemeral message with
the same blocks). Each figure has a **Share in thread** button
(``SHARE_IN_THREAD_ACTION_ID``) whose value names the figure and the thread
to post it in: ``{"id": fact id, "c": channel id, "t": thread ts}`` as JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

from facts.blocks import MAX_BLOCKS, MAX_VIEW_BLOCKS, cap_blocks, mrkdwn
from facts.figures import answers
from facts.figures import messages as render
from facts.figures.model import Fact
from facts.figures.problem_reports import report_button
from facts.figures.search import Coverage, SearchResult
from facts.text import escape

SHARE_IN_THREAD_ACTION_ID = "share_in_thread"
#: Modal titles are at most 24 characters.
MODAL_TITLE = "Find figures"
#: Blocks in a modal (Slack's limit).
NOTICE_BLOCK_ID = "find_figures_notice"

_CHANNEL = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_TS = re.compile(r"^\d{1,12}\.\d{1,9}$")
_FACT_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class ThreadTarget:
    """Where **Share in thread** posts: a channel id and the thread's root ``ts``."""

    channel: str
    thread_ts: str

    @classmethod
    def of_message(cls, channel: str, message: dict) -> ThreadTarget:
        """The thread of ``message``: its ``thread_ts`` when it is in a thread, else its own ``ts``."""
        return cls(channel, message.get("thread_ts") or message.get("ts") or "")


def share_value(fact: Fact, target: ThreadTarget) -> str:
    """The button value for sharing ``fact`` in ``target`` (JSON, well under 2,000 characters)."""
    return json.dumps({"id": fact.id, "c": target.channel, "t": target.thread_ts}, separators=(",", ":"))


def parse_share_value(value: str) -> tuple[str, ThreadTarget] | None:
    """``(fact id, target)`` from a button value, or ``None`` when it is malformed or tampered with."""
    try:
        data = json.loads(value)
        fact_id, channel, ts = data["id"], data["c"], data["t"]
    except (KeyError, TypeError, ValueError):
        return None
    if not all(isinstance(v, str) for v in (fact_id, channel, ts)):
        return None
    if not (_FACT_ID.match(fact_id) and _CHANNEL.match(channel) and _TS.match(ts)):
        return None
    return fact_id, ThreadTarget(channel, ts)


def share_in_thread_button(fact: Fact, target: ThreadTarget) -> dict:
    """An actions block with the **Share in thread** and **Report a problem** buttons for one figure."""
    return {
        "type": "actions",
        "elements": [{
            "type": "button", "action_id": SHARE_IN_THREAD_ACTION_ID,
            "text": {"type": "plain_text", "text": "Share in thread"}, "value": share_value(fact, target),
        }, report_button(fact)],
    }


def figures_message(result: SearchResult | None, coverage: Coverage, today: dt.date,
                    target: ThreadTarget, *, max_blocks: int = MAX_BLOCKS) -> render.Message:
    """The figures for a message's words, each with **Share in thread**, within ``max_blocks``
    (a message's 50 by default; ``MAX_VIEW_BLOCKS`` for the modal), one block kept for the lead line.

    ``result=None`` means the message had no words to look up.
    """
    if result is None:
        said = {"type": "section", "text": mrkdwn(
            "This message has no words to look up (no text, attachment or file title).")}
        return render.Message("This message has no words to look up.", [said, *render.mention_help(coverage).blocks])
    message = answers.answer(result, coverage, today, shareable=False, expanded=True,
                             after_each=lambda fact: [share_in_thread_button(fact, target)])
    if result.found:
        lead = {"type": "context", "elements": [mrkdwn(
            "Only you can see these. *Share in thread* posts a figure, with its source, in the message's thread.")]}
        message = render.Message(message.text, [lead, *message.blocks])
    return message


def loading() -> dict:
    """The modal opened at once, while the figures are looked up (replaced by :func:`modal`)."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": MODAL_TITLE},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [{"type": "section", "text": mrkdwn(":mag: Looking up figures for this message…")}],
    }


def modal(message: render.Message) -> dict:
    """A modal view showing ``message``'s blocks (at most 100)."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": MODAL_TITLE},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": cap_blocks(message.blocks, MAX_VIEW_BLOCKS),
    }


def with_notice(view: dict, text: str) -> dict:
    """``view`` (a modal as Slack sends it back) with ``text`` (mrkdwn, already escaped) shown at
    the top, replacing an earlier notice; for ``views.update``."""
    blocks = [b for b in view.get("blocks", []) if b.get("block_id") != NOTICE_BLOCK_ID]
    notice = {"type": "section", "block_id": NOTICE_BLOCK_ID, "text": mrkdwn(text)}
    updated = {
        "type": "modal",
        "title": view.get("title") or {"type": "plain_text", "text": MODAL_TITLE},
        "blocks": cap_blocks([notice, *blocks], MAX_VIEW_BLOCKS),
    }
    for key in ("close", "private_metadata", "callback_id"):
        if view.get(key):
            updated[key] = view[key]
    return updated


def shared_notice(fact: Fact) -> str:
    """What the sharer is told once a figure was posted in the thread (mrkdwn)."""
    return f":white_check_mark: Shared *{escape(fact.display)}* in the thread, with its source."


def not_in_channel_notice() -> str:
    """How to let the app post in a channel it is not in (mrkdwn)."""
    return (f":warning: I am not in that conversation, so I could not post in its thread. Add me with "
            f"`/invite @{render.APP_NAME}` in the channel (or *channel details → Integrations → Add apps*), "
            f"then press *Share in thread* again.")
