"""The slash command (``/grooming`` by default): a question in plain words, or a subcommand.

What the text means is read once, in :mod:`facts.figures.asking` (``check
<draft>``, ``sources``, ``help``; ``stats <question>`` still accepted;
anything else is a question), and answered by :mod:`facts.figures.replies`.
Each question is counted (in memory) for usage and gaps.

**Never past Slack's deadline.** Slack waits 3 seconds for the ack. A
question, help or sources is answered in the request thread: a lookup in
memory whose cost does not grow with the text (well under a millisecond
at 100,000 figures, see ``benchmarks/bench_stats.py``), so handing it to
another thread would only add to every answer. Work that grows with what
was typed — a draft to ``check``, of any length — is worked out on a small
pool of threads; when it is ready within :data:`ANSWER_WITHIN` seconds
(nearly always) it is the ack itself: ephemeral Block Kit, no second round
trip. When it is not, the ack goes at once saying the answer follows, and
the answer is sent ephemerally through the command's ``response_url`` when
it is ready (Slack accepts posts there for 30 minutes). An answer that
fails gets a short apology there instead; the log names the error's type
only.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as AnswerTimeout
from typing import Any

from slack_bolt import Ack, App, Respond

from facts.blocks import section
from facts.figures import messages as render
from facts.figures import replies
from facts.figures.asking import Asked, read
from facts.figures.catalogue import Catalogue
from facts.figures.usage import Usage

log = logging.getLogger(__name__)

#: Seconds an answer may take and still go in the ack (Slack's deadline is 3 s, the network needs the rest).
ANSWER_WITHIN = 2.0
#: Drafts checked at once; more wait their turn.
ANSWER_THREADS = 4
#: The ack when the answer is not ready in time.
FOLLOWS = "Looking that up… the answer follows here in a moment."
#: Sent through ``response_url`` when working out a late answer failed.
FAILED = ":warning: Sorry, that answer could not be worked out. Please try again; if it keeps failing, tell the team."


def register(app: App, catalogue: Catalogue, command: str, usage: Usage, *, deadline: bool = True) -> None:
    """Register the slash-command listener for ``command`` (e.g. ``/grooming``).

    ``deadline=False`` (``factbot ask`` and ``check``, which no Slack waits for) always answers in
    the ack, however long a draft takes: there is no ``response_url`` to follow through.
    """
    pool = ThreadPoolExecutor(max_workers=ANSWER_THREADS, thread_name_prefix="answer")

    def on_command(ack: Ack, body: dict, respond: Respond) -> None:
        asked = read(body.get("text") or "")
        if not deadline or asked.action != "check":  # bounded, in memory: the ack itself
            ack(response_type="ephemeral", **reply(catalogue, command, asked, usage).as_dict())
            return
        answer = pool.submit(reply, catalogue, command, asked, usage)
        try:
            message = answer.result(timeout=ANSWER_WITHIN)
        except AnswerTimeout:
            ack(response_type="ephemeral", **_notice(FOLLOWS))
            answer.add_done_callback(lambda done: _send_late(done, respond))
            return
        ack(response_type="ephemeral", **message.as_dict())

    app.command(command)(on_command)


def _send_late(answer: Future, respond: Respond) -> None:
    """Send an answer that missed the ack through ``response_url`` (ephemeral)."""
    try:
        message = answer.result()
    except Exception as exc:  # the type only: the message could hold the user's text
        log.error("slash command answer failed: %s", type(exc).__name__)
        late: dict[str, Any] = _notice(FAILED)
    else:
        late = message.as_dict()
    try:
        respond(response_type="ephemeral", **late)
    except Exception as exc:  # response_url expired or Slack unreachable: nothing else can reach the user
        log.warning("a late slash command answer could not be sent: %s", type(exc).__name__)


def _notice(text: str) -> dict[str, Any]:
    """A one-section ephemeral message saying ``text``."""
    return {"text": text, "blocks": [section(text)]}


def reply(catalogue: Catalogue, command: str, text: str | Asked, usage: Usage | None = None) -> render.Message:
    """The reply to ``<command> <text>`` (raw Slack text, or as already read); a question is counted in ``usage``."""
    return replies.reply(catalogue, text, command=command, surface="slash_command", usage=usage)
