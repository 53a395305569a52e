"""The slash command (``/grooming`` by default): a question in plain words, or a subcommand.

What the text means is read once, in :mod:`facts.figures.asking` (``check
<draft>``, ``sources``, ``help``; ``stats <question>`` still accepted;
anything else is a question), and answered by :mod:`facts.figures.replies`.
The answer is ephemeral Block Kit sent in the ``ack`` itself, so there is no
second round trip and the reply arrives well inside Slack's 3 seconds. Each
question is counted (in memory) for usage and gaps.
"""

from __future__ import annotations

from slack_bolt import Ack, App

from facts.figures import messages as render
from facts.figures import replies
from facts.figures.catalogue import Catalogue
from facts.figures.usage import Usage


def register(app: App, catalogue: Catalogue, command: str, usage: Usage) -> None:
    """Register the slash-command listener for ``command`` (e.g. ``/grooming``)."""

    def on_command(ack: Ack, body: dict) -> None:
        message = reply(catalogue, command, body.get("text") or "", usage)
        ack(response_type="ephemeral", **message.as_dict())

    app.command(command)(on_command)


def reply(catalogue: Catalogue, command: str, text: str, usage: Usage | None = None) -> render.Message:
    """The reply to ``<command> <text>`` (raw Slack text); a question is counted in ``usage``."""
    return replies.reply(catalogue, text, command=command, surface="slash_command", usage=usage)
