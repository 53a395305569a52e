"""@mentions: ``@Safeguarding Facts instagram grooming`` in a channel or thread.

The cited answer is posted as a reply in the thread (the thread's
``thread_ts``, or the mentioning message's ``ts`` when it is not in one),
visible to everyone there; each figure has **Share in thread** (the Find
figures action: that one figure posted whole, attributed to who pressed it)
and its Copy citation line. The text is read as the
slash command's is (:mod:`facts.figures.asking`): a question in plain words,
or ``check``, ``sources``, ``help``; a mention with no question gets a short help.

The ack is immediate; the answer is posted by a Bolt lazy listener. Slack
resends an event it thinks was not acknowledged (``X-Slack-Retry-Num``):
each ``event_id`` is answered once, whatever the retries, as long as the
process remembers it (the last :data:`REMEMBERED_EVENTS` events).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict

from slack_bolt import Ack, App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from facts.figures import messages as render
from facts.figures import replies
from facts.figures.catalogue import Catalogue
from facts.figures.modal import ThreadTarget
from facts.figures.receipts import Receipts
from facts.figures.usage import Usage
from handlers.figures import receipts as kept

log = logging.getLogger(__name__)

#: Event ids remembered to drop Slack's retries (Slack retries within about an hour).
REMEMBERED_EVENTS = 10_000


class SeenEvents:
    """A bounded, thread-safe set of event ids; the oldest is forgotten first."""

    def __init__(self, size: int = REMEMBERED_EVENTS):
        self._size = size
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, event_id: str) -> bool:
        """True the first time ``event_id`` is seen (and remembers it), False after."""
        with self._lock:
            if event_id in self._ids:
                return False
            self._ids[event_id] = None
            if len(self._ids) > self._size:
                self._ids.popitem(last=False)
            return True


def register(app: App, catalogue: Catalogue, usage: Usage, command: str = "/grooming",
             seen: SeenEvents | None = None, receipts: Receipts | None = None) -> None:
    """Register the ``app_mention`` listener (one answer per ``event_id``); each figure in an
    answer is kept in ``receipts``."""
    seen = seen or SeenEvents()

    def once_per_event(body: dict, request, next_) -> BoltResponse | None:
        event_id = body.get("event_id")
        if event_id and not seen.first_time(event_id):
            retry = (request.headers.get("x-slack-retry-num") or ["-"])[0]
            log.info("mention %s already answered; resent event ignored (retry %s)", event_id, retry)
            return BoltResponse(status=200, body="")
        next_()
        return None

    def ack_now(ack: Ack) -> None:
        ack()

    def answer(event: dict, client: WebClient) -> None:
        thread_ts = event.get("thread_ts") or event["ts"]
        message = reply(catalogue, usage, event.get("text") or "", command,
                        thread=ThreadTarget(event["channel"], thread_ts))
        try:
            posted = client.chat_postMessage(channel=event["channel"], thread_ts=thread_ts, unfurl_links=False,
                                             unfurl_media=False, **message.as_dict())
        except SlackApiError as exc:
            log.warning("mention answer not posted: %s", exc.response.get("error"))
            return
        kept.keep(receipts, posted.get("channel") or event["channel"], posted.get("ts"), message.figures,
                  event.get("user"))

    app.event("app_mention", middleware=[once_per_event])(ack=ack_now, lazy=[answer])


def reply(catalogue: Catalogue, usage: Usage, text: str, command: str = "/grooming",
          thread: ThreadTarget | None = None) -> render.Message:
    """The thread reply to a mention's raw Slack ``text``, read as the slash command reads its text
    (:mod:`facts.figures.asking`): every mention token is dropped, then a question or a subcommand.
    With ``thread`` (where the reply goes), each figure has **Share in thread** and its citation."""
    return replies.reply(catalogue, text, command=command, surface="mention", usage=usage, thread=thread)
