"""The slash command (``/grooming`` by default): ``stats [query]``, ``check <draft>``, ``sources``, ``help``.

The answer is ephemeral Block Kit sent in the ``ack`` itself, so there is no
second round trip and the reply arrives well inside Slack's 3 seconds.
Empty text or an unknown subcommand gets the help. Each ``stats`` query is
counted (in memory) for usage and gaps.
"""

from __future__ import annotations

from slack_bolt import Ack, App

from facts.figures import messages as render
from facts.figures.catalogue import Catalogue
from facts.figures.check import check_text
from facts.figures.check_messages import check_message
from facts.figures.usage import Usage

ANSWER_LIMIT = render.ANSWER_LIMIT


def register(app: App, catalogue: Catalogue, command: str, usage: Usage) -> None:
    """Register the slash-command listener for ``command`` (e.g. ``/grooming``)."""

    def on_command(ack: Ack, body: dict) -> None:
        message = reply(catalogue, command, body.get("text") or "", usage)
        ack(response_type="ephemeral", **message.as_dict())

    app.command(command)(on_command)


def reply(catalogue: Catalogue, command: str, text: str, usage: Usage | None = None) -> render.Message:
    """The reply to ``<command> <text>`` (raw Slack text); a search is counted in ``usage``."""
    subcommand, _, rest = text.strip().partition(" ")
    subcommand = subcommand.lower()
    if subcommand in {"stats", "stat", "figures", "figure"}:
        result = catalogue.search(rest, limit=ANSWER_LIMIT)
        if usage is not None:
            usage.record(result)
        return render.answer(result, catalogue.coverage(), catalogue.today())
    if subcommand == "check":
        if not rest.strip():
            return render.error_message(f"Paste the draft after the command: `{command} check Police recorded 7,263 "
                                        "online grooming offences in 2024/25.`")
        return check_message(check_text(rest, catalogue.figure_book()))
    if subcommand in {"sources", "source"}:
        return render.sources_message(f for f in catalogue.all_facts() if f.servable)
    return render.help_message(command, catalogue.coverage())
