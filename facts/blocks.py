"""Block Kit primitives and Slack's limits, shared by every message family.

Slack's documented limits (api.slack.com/reference/block-kit): a section's
text at most 3,000 characters; at most 50 blocks in a message and 100 in a
modal or App Home view; a message's top-level ``text`` (the notification and
accessibility fallback) at most 4,000 characters with blocks; we keep it to
3,900 for a margin. Text given here is mrkdwn that the caller has already
escaped (``facts.text.escape``).

Text is never cut where it can be split: :func:`text_sections` and
:func:`sections` put a long text in as many sections as it needs, each
ending at a line, sentence or word boundary. The fallback ``text`` is
counted in UTF-16 units, as Slack counts it (an emoji is two).
"""

from __future__ import annotations

from typing import Any

from facts.text import split_text, truncate, truncate_utf16

#: Characters in a section's text (or one text object).
MAX_TEXT = 3000
#: Blocks in a message.
MAX_BLOCKS = 50
#: Blocks in a modal or App Home view.
MAX_VIEW_BLOCKS = 100
#: Characters of a message's top-level ``text`` we send (Slack's limit is 4,000).
MAX_FALLBACK = 3900


def mrkdwn(text: str, *, verbatim: bool = False) -> dict[str, Any]:
    """A ``mrkdwn`` text object; ``text`` is cut to :data:`MAX_TEXT` characters.
    ``verbatim``: Slack leaves URLs and channel names unlinked (for people's own words)."""
    obj: dict[str, Any] = {"type": "mrkdwn", "text": truncate(text, MAX_TEXT)}
    if verbatim:
        obj["verbatim"] = True
    return obj


def section(text: str, *, verbatim: bool = False, block_id: str | None = None) -> dict[str, Any]:
    """A section block of ``text`` (mrkdwn, cut to :data:`MAX_TEXT`)."""
    block: dict[str, Any] = {"type": "section", "text": mrkdwn(text, verbatim=verbatim)}
    if block_id:
        block["block_id"] = block_id
    return block


def context(text: str) -> dict[str, Any]:
    """A context block of one mrkdwn element."""
    return {"type": "context", "elements": [mrkdwn(text)]}


def fallback(text: str) -> str:
    """A message's top-level ``text``, cut to :data:`MAX_FALLBACK` UTF-16 units (Slack's unit)."""
    return truncate_utf16(text, MAX_FALLBACK)


def message(text: str, blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """A message payload: the fallback ``text`` (see :func:`fallback`) and its ``blocks``."""
    return {"text": fallback(text), "blocks": blocks}


def text_chunks(lines: list[str], limit: int = MAX_TEXT) -> list[str]:
    """Lines joined with newlines into as few texts of at most ``limit`` characters as fit;
    a line longer than ``limit`` is split at sentence or word boundaries (``facts.text.split_text``),
    never cut."""
    chunks, current = [], ""
    for line in lines:
        for piece in split_text(line, limit):
            if current and len(current) + 1 + len(piece) > limit:
                chunks.append(current)
                current = piece
            else:
                current = f"{current}\n{piece}" if current else piece
    return chunks + ([current] if current else [])


def sections(lines: list[str], limit: int = MAX_TEXT) -> list[dict[str, Any]]:
    """As few section blocks as hold ``lines`` (see :func:`text_chunks`); nothing is cut."""
    return [section(chunk) for chunk in text_chunks(lines, limit)]


def text_sections(text: str, *, verbatim: bool = False, limit: int = MAX_TEXT) -> list[dict[str, Any]]:
    """``text`` in as many section blocks as it needs, split at line, sentence or word
    boundaries (never cut): a 3,001-character claim is two sections, the whole sentence kept."""
    return [section(piece, verbatim=verbatim) for piece in split_text(text, limit) if piece]


def cap_blocks(blocks: list[dict[str, Any]], limit: int = MAX_BLOCKS) -> list[dict[str, Any]]:
    """Keep within ``limit`` blocks (a message's 50 by default); the last block, e.g. the Share
    button, is kept."""
    if len(blocks) <= limit:
        return blocks
    return blocks[: limit - 1] + blocks[-1:]
