"""Text as Slack sends it, and text as Slack must receive it.

``slack_to_plain`` turns the markup in a message or command (mention tokens,
channel tokens, special mentions, auto-links, HTML entities, emoji shortcodes)
into plain words for search. ``escape`` makes user text safe to echo back in
``mrkdwn`` or ``plain_text``: ``&``, ``<`` and ``>`` become entities, so
``<!channel>`` shows as typed and pings nobody. ``long_date`` is how every
message writes a date for people. ``load_yaml`` reads the curated YAML files.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import unicodedata
from typing import Any

import yaml

#: libyaml's safe loader when PyYAML was built with it (about 25 times faster: the curated
#: figures take 0.03 s instead of 0.75 s, read at every start, command and curator's App Home),
#: else PyYAML's own; both build the same plain values (safe tags only).
_SAFE_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# <@U123|name>, <#C123|name>, <!channel>, <!subteam^S123|@team>, <https://x|label>, <mailto:..|..>
_TOKEN = re.compile(r"<([^<>]*)>")
_EMOJI = re.compile(r":[a-z0-9_+\-']+:", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
# Terminal escape sequences pasted with a question (colour codes, titles): dropped whole, so no
# "[31m" is left behind to be searched for or echoed; then any other control character.
_TERMINAL_ESCAPE = re.compile(r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b.?")
#: Every control character (Unicode category Cc); what user text must not carry into a store or Slack.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: A lone UTF-16 surrogate (a JSON ``\ud800``): no file, log or Slack post can encode one.
_SURROGATE = re.compile("[\ud800-\udfff]")


def unbroken(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD, so it can be encoded, stored and posted."""
    return _SURROGATE.sub("\ufffd", text)


def _replace_token(match: re.Match[str]) -> str:
    inner = match.group(1)
    target, _, label = inner.partition("|")
    if target[:1] in {"@", "#", "!"}:
        return " "  # people, channels and broadcasts carry no meaning for search
    return f" {label or target} "  # a link: keep what the person wrote


def slack_to_plain(text: str) -> str:
    """Plain, single-spaced text from Slack ``text`` (``str`` in, ``str`` out).

    Mentions, channel links and ``<!here>``-style tokens are dropped, links
    keep their label, HTML entities (``&amp;``) are decoded, emoji shortcodes
    are removed, Unicode is NFKC-normalised, invisible format characters
    (zero-width spaces, right-to-left overrides) and terminal escape
    sequences are dropped and other control characters read as spaces.
    Never raises.
    """
    text = CONTROL.sub(" ", _TERMINAL_ESCAPE.sub("", text or ""))
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    text = _TOKEN.sub(_replace_token, text)
    text = html.unescape(text)
    text = _EMOJI.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def long_date(value: dt.date | None) -> str:
    """``2020-11-12`` → ``"12 November 2020"``; ``None`` → ``""``."""
    return f"{value.day} {value:%B %Y}" if value else ""


def escape(text: str) -> str:
    """Escape ``&``, ``<`` and ``>`` for Slack (``str`` in, ``str`` out)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending in ``…`` when cut."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def utf16_len(text: str) -> int:
    """``text``'s length as Slack counts a message's ``text``: UTF-16 code units (an emoji such
    as 😀 is two)."""
    return len(text.encode("utf-16-le")) // 2


def truncate_utf16(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-16 code units, ending in ``…`` when cut."""
    if utf16_len(text) <= limit:
        return text
    kept, used = [], 0
    for char in text:
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit - 1:
            break
        kept.append(char)
    return "".join(kept) + "…"


_BREAKS = ("\n", ". ", "? ", "! ", "; ", ", ", " ")


def split_text(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, nothing left out: each piece ends
    at the last line break before the limit, else the last sentence end, else clause, else
    space (only a word longer than ``limit`` is broken inside). Only the spaces (and one line
    break) at each break are dropped; ``[""]`` for ``""``."""
    pieces: list[str] = []
    while len(text) > limit:
        window = text[:limit]
        cut = 0
        for mark in _BREAKS:
            at = window.rfind(mark)
            if at > limit // 4:
                cut = at + len(mark)
                break
        cut = cut or limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip(" ")
        if text.startswith("\n"):
            text = text[1:]
    return pieces + ([text] if text or not pieces else [])


def message_words(message: dict, limit: int = 2000) -> str:
    """The searchable words of a Slack message dict, as Slack text (``str``, at most ``limit`` chars).

    A message may have no ``text`` (a file share, a bot's attachment, an
    app's blocks): the text in its blocks, its attachments' pretext, title
    and text (or fallback) and its files' titles (or names) are used too. Unknown shapes give ``""``; never raises.
    """
    parts = [message.get("text")]
    if not (isinstance(message.get("text"), str) and message["text"].strip()):
        parts.extend(_block_texts(message.get("blocks")))  # an app's or workflow's message may be blocks only
    for attachment in _dicts(message.get("attachments")):
        own = [attachment.get(k) for k in ("pretext", "title", "text")]
        parts.extend(own if any(isinstance(p, str) and p.strip() for p in own) else [attachment.get("fallback")])
    for file in _dicts(message.get("files")):
        parts.append(file.get("title") or file.get("name"))
    text = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    return truncate(text, limit)


_TEXT_TYPES = frozenset({"text", "mrkdwn", "plain_text"})


def _block_texts(node: object, depth: int = 0) -> list[str]:
    """Text objects and rich-text runs anywhere in Block Kit ``node`` (bounded depth)."""
    if depth > 12:
        return []
    if isinstance(node, list):
        return [t for item in node for t in _block_texts(item, depth + 1)]
    if not isinstance(node, dict):
        return []
    own = [node["text"]] if node.get("type") in _TEXT_TYPES and isinstance(node.get("text"), str) else []
    return own + [t for key, value in node.items() if key != "text" or not own
                  for t in _block_texts(value, depth + 1)]


def _dicts(items: object) -> list[dict]:
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def load_yaml(text: str) -> Any:
    """``yaml.safe_load(text)``, with libyaml when available: plain dicts, lists, strings, numbers,
    dates, ``None``. Raises ``yaml.YAMLError`` for text that is not YAML."""
    return yaml.load(text, Loader=_SAFE_LOADER)  # a safe loader either way: no Python objects built
