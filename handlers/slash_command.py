"""The slash command (``/grooming`` by default): ``stats [query]``, ``sources``, ``help``.

The answer is ephemeral Block Kit sent in the ``ack`` itself, so there is no
second round trip and the reply arrives well inside Slack's 3 seconds.
Empty text or an unknown subcommand gets the help.
"""

from __future__ import annotations

from slack_bolt import Ack, App

from facts import render
from facts.catalogue import Catalogue


#: Figures in one answer: 8 figures of 4 blocks each stay well inside the 50-block limit.
ANSWER_LIMIT = 8


def register(app: App, catalogue: Catalogue, command: str) -> None:
    """Register the slash-command listener for ``command`` (e.g. ``/grooming``)."""

    def on_command(ack: Ack, body: dict) -> None:
        message = reply(catalogue, command, body.get("text") or "")
        ack(response_type="ephemeral", **message.as_dict())

    app.command(command)(on_command)


def reply(catalogue: Catalogue, command: str, text: str) -> render.Message:
    """The reply to ``<command> <text>`` (raw Slack text)."""
    subcommand, _, rest = text.strip().partition(" ")
    subcommand = subcommand.lower()
    if subcommand in {"stats", "stat", "figures", "figure"}:
        return render.answer(catalogue.search(rest, limit=ANSWER_LIMIT), catalogue.coverage(), catalogue.today())
    if subcommand in {"sources", "source"}:
        return render.sources_message(f for f in catalogue.all_facts() if f.servable)
    return render.help_message(command, catalogue.coverage())
