"""Slack's requests parsed as Slack means them, for Bolt's ``App.dispatch``.

Bolt reads a form-encoded body as an interactive ``payload=`` whenever the
word "payload" appears *anywhere* in it (``"payload" in body``), and finds
no ``payload`` field in a slash command whose text, channel or user name
contains the word: the body parses to ``{}``, no listener matches and Slack
gets a 404 (``/grooming payload size stats`` went unanswered). Here a form
is parsed by its fields: it is an interactive payload only when it has a
``payload`` field. JSON bodies (events) are read by Bolt as before.

:func:`slack_request` gives the ``BoltRequest`` with the body read this way;
Bolt still checks the signature over the raw bytes, and lazy listeners get
the same parse (:class:`SlackRequest.to_copyable`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import BoltContext, BoltRequest
from slack_bolt.request.internals import build_context

FORM_TYPE = "application/x-www-form-urlencoded"


def parse_form(raw: str) -> dict[str, Any]:
    """A form body's fields (the last of a repeated name); the JSON ``payload`` field read
    as the body when there is one (an interaction). Raises ``ValueError`` for a bad payload."""
    fields = dict(parse_qsl(raw, keep_blank_values=True))
    if "payload" in fields:
        payload = json.loads(fields["payload"])
        if not isinstance(payload, dict):
            raise ValueError("the payload is not a JSON object")
        return payload
    return fields


class SlackRequest(BoltRequest):
    """``BoltRequest`` whose form body is read by its fields (see the module docstring)."""

    def __init__(self, *, body: str | dict, query: Any = None, headers: dict[str, str | Sequence[str]] | None = None,
                 context: dict[str, Any] | None = None, mode: str = "http"):
        super().__init__(body=body, query=query, headers=headers, context=context, mode=mode)
        if isinstance(body, str) and body and self.content_type != "application/json" and not body.startswith("{"):
            self.body = parse_form(body)
            self.context = build_context(BoltContext(context or {}), self.body)

    def to_copyable(self) -> SlackRequest:
        return SlackRequest(body=self.raw_body if self.mode == "http" else self.body, query=self.query,
                            headers=self.headers, context=self.context.to_copyable(), mode=self.mode)


def slack_request(body: str, *, query: Any = None, headers: dict[str, str | Sequence[str]] | None = None) -> SlackRequest:
    """The ``BoltRequest`` for Slack's raw ``body`` (HTTP mode)."""
    return SlackRequest(body=body, query=query, headers=headers)
