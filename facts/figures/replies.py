"""The reply to what someone typed, the same for every surface that takes a question.

``/grooming <text>``, an @mention and ``factbot ask`` all come here: the text
is read by :func:`facts.figures.asking.read` (a question unless it starts with
a subcommand), and answered from the :class:`Catalogue`. Only the surface's
own choices differ: how many figures, and whether the answer carries buttons
(an ephemeral answer does: Share, Show whole, More figures; a reply already
posted in a thread does not). :func:`again` answers those buttons.
"""

from __future__ import annotations

from typing import Literal

from facts.figures import answers
from facts.figures import messages as render
from facts.figures.asking import Asked, read
from facts.figures.catalogue import Catalogue
from facts.figures.check import check_text
from facts.figures.check_messages import check_message
from facts.figures.modal import ThreadTarget, share_in_thread_button
from facts.figures.usage import Usage
from facts.text import escape

Surface = Literal["slash_command", "mention"]
#: Figures in a thread reply: everyone in the thread sees it, so it is kept short (the best whole, two lines).
THREAD_LIMIT = 3


def reply(catalogue: Catalogue, text: str | Asked, *, command: str, surface: Surface,
          usage: Usage | None = None, thread: ThreadTarget | None = None) -> render.Message:
    """The answer to raw Slack ``text`` typed after ``command`` (or in a mention), or to what
    :func:`~facts.figures.asking.read` already made of it (an :class:`Asked`: read once).

    A question is counted in ``usage`` (a question that found nothing is a gap). ``thread``: the
    thread a mention's answer is posted in; each figure then has **Share in thread** (that one
    figure posted whole, attributed) and its Copy citation line.
    """
    asked = text if isinstance(text, Asked) else read(text)
    if asked.action == "thanks":
        return render.Message("You're welcome.", [{"type": "section", "text": {
            "type": "mrkdwn", "text": f"You're welcome. Ask again any time, or `{escape(command)} help` for what I can do."}}])
    if asked.action == "help":
        if surface == "mention":
            return render.mention_help(catalogue.coverage(), command)
        return render.help_message(command, catalogue.coverage())
    if asked.action == "sources":
        return render.sources_message(f for f in catalogue.all_facts() if f.servable)
    if asked.action == "check":
        if not asked.text.strip():
            return render.error_message(f"Paste the draft after the command: `{command} check Police recorded 7,263 "
                                        "online grooming offences in 2024/25.`")
        return check_message(check_text(asked.text, catalogue.figure_book()))
    limit = answers.ANSWER_LIMIT if surface == "slash_command" else THREAD_LIMIT
    result = catalogue.search(asked.text, limit=limit)
    if usage is not None:
        usage.record(result)
    after_each = (lambda fact: [share_in_thread_button(fact, thread)]) if thread is not None else None
    return answers.answer(result, catalogue.coverage(), catalogue.today(), shareable=surface == "slash_command",
                          command=command, after_each=after_each)


def again(catalogue: Catalogue, pressed: answers.Pressed, command: str) -> render.Message:
    """The answer again after **Show whole** or **More figures** (not counted: the question
    was counted when it was asked). A figure no longer current is simply not shown."""
    result = catalogue.search(pressed.question, limit=answers.ANSWER_LIMIT)
    return answers.answer(result, catalogue.coverage(), catalogue.today(), expanded=pressed.more,
                          show=pressed.show, command=command)
