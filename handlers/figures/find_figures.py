"""The "Find figures" message shortcut and its **Share in thread** button.

The shortcut (callback ``find_figures``) is acked at once; a lazy listener
opens a modal with a loading view first (the trigger_id is valid for 3
seconds only, so nothing waits before it), then searches the message's
words (text, or attachments and file titles when it has none) and updates
the modal with the figures, only for the person who asked. If the modal
cannot be opened or updated, the same figures go to them as an ephemeral
message through the shortcut's ``response_url``.

**Share in thread** posts the figure, cited and attributed, in the
message's thread with ``chat.postMessage``. The outcome (shared, or how to
invite the app when it is not in the channel) is shown at the top of the
modal, or ephemerally when the figures came as a message.
"""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from facts.blocks import MAX_VIEW_BLOCKS, section
from facts.figures import answers
from facts.figures import messages as render
from facts.figures import modal as figures_view
from facts.figures.catalogue import Catalogue
from facts.figures.receipts import Receipts
from facts.figures.usage import Usage
from facts.text import escape, message_words
from handlers.figures import receipts as kept

log = logging.getLogger(__name__)

CALLBACK_ID = "find_figures"
#: Slack errors meaning the app is not a member of the conversation.
NOT_A_MEMBER = frozenset({"not_in_channel", "channel_not_found"})


def register(app: App, catalogue: Catalogue, usage: Usage, receipts: Receipts | None = None) -> None:
    """Register the shortcut (``CALLBACK_ID``) and the Share-in-thread action (each post kept in
    ``receipts``)."""

    def ack_now(ack: Ack) -> None:
        ack()

    def show_figures(body: dict, client: WebClient, respond: Respond) -> None:
        view_id = None
        try:
            view_id = client.views_open(trigger_id=body["trigger_id"], view=figures_view.loading())["view"]["id"]
        except SlackApiError as exc:
            log.warning("figures modal not opened (%s); answering ephemerally", exc.response.get("error"))
        message = body.get("message") or {}
        target = figures_view.ThreadTarget.of_message((body.get("channel") or {}).get("id", ""), message)
        words = message_words(message)
        result = catalogue.search(words, limit=answers.ANSWER_LIMIT, loose=True) if words else None
        if result is not None:
            usage.record(result, gap=False)  # someone else's words: never kept
        coverage, today = catalogue.coverage(), catalogue.today()
        if view_id:
            shown = figures_view.figures_message(result, coverage, today, target, max_blocks=MAX_VIEW_BLOCKS)
            try:
                client.views_update(view_id=view_id, view=figures_view.modal(shown))
                return
            except SlackApiError as exc:
                log.warning("figures modal not updated (%s); answering ephemerally", exc.response.get("error"))
        if body.get("response_url"):
            shown = figures_view.figures_message(result, coverage, today, target)
            respond(response_type="ephemeral", replace_original=False, **shown.as_dict())

    def share_in_thread(body: dict, client: WebClient, respond: Respond) -> None:
        parsed = figures_view.parse_share_value(body["actions"][0].get("value") or "")
        facts = catalogue.servable([parsed[0]]) if parsed else []
        if not parsed or not facts:
            tell(body, client, respond, "That figure is no longer current, so it was not shared. "
                                        "Run *Find figures* again for the current figures.")
            return
        target, user_id = parsed[1], (body.get("user") or {}).get("id", "someone")
        posted = answers.shared(facts[0], user_id, catalogue.today())
        try:
            answer = client.chat_postMessage(channel=target.channel, thread_ts=target.thread_ts, unfurl_links=False,
                                             unfurl_media=False, **posted.as_dict())
        except SlackApiError as exc:
            error = str(exc.response.get("error"))
            log.warning("figure not shared in thread: %s", error)
            notice = (figures_view.not_in_channel_notice() if error in NOT_A_MEMBER else
                      f":warning: Slack did not take the post ({escape(error)}). Try *Share in thread* again.")
            tell(body, client, respond, notice)
            return
        kept.keep(receipts, answer.get("channel") or target.channel, answer.get("ts"), facts[:1], user_id)
        tell(body, client, respond, figures_view.shared_notice(facts[0]))

    app.message_shortcut(CALLBACK_ID)(ack=ack_now, lazy=[show_figures])
    app.action(figures_view.SHARE_IN_THREAD_ACTION_ID)(ack=ack_now, lazy=[share_in_thread])


def tell(body: dict, client: WebClient, respond: Respond, notice: str) -> None:
    """Show ``notice`` (mrkdwn, escaped) only to the person who pressed the button: at the top of
    the modal, or ephemerally when the figures were an ephemeral message."""
    view = body.get("view")
    try:
        if view and view.get("id"):
            client.views_update(view_id=view["id"], view=figures_view.with_notice(view, notice))
        elif body.get("response_url"):
            respond(response_type="ephemeral", replace_original=False,
                    **render.Message(notice, [section(notice)]).as_dict())
    except SlackApiError as exc:
        log.warning("could not tell the sharer: %s", exc.response.get("error"))
