"""Curating from Slack: Re-verify, Propose (a new figure or a correction), Approve, Reject, Retire,
and the choice for a figure held by a deploy conflict.

Buttons are in App Home (curators only) and, for Re-verify, in the reviews-due
digest. Every listener checks the presser is a curator (``FACTBOT_CURATORS``):
a request from anyone else (a forged payload, a digest button pressed by
someone in the campaign channel) changes nothing and is answered so.
Forms are checked in the ack, so a problem shows on its field
(``response_action: errors``). The work is in :class:`bot.curation.Curation`.
"""

from __future__ import annotations

import json
import logging
from typing import Protocol

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from facts.figures import curation_views as views
from facts.figures.curation import NOT_A_CURATOR, Outcome, Proposal, Proposals, form_values
from facts.figures.model import Fact
from facts.text import escape
from handlers.figures.app_home import Home

log = logging.getLogger(__name__)


class Curation(Protocol):
    """What the listeners need of ``bot.curation.Curation``."""

    proposals: Proposals

    def is_curator(self, user: str | None) -> bool: ...
    def figure(self, fact_id: str) -> Fact | None: ...
    def reverify(self, fact_id: str, user: str) -> Outcome: ...
    def retire(self, fact_id: str, user: str, reason: str) -> Outcome: ...
    def approve(self, proposal_id: str, user: str) -> Outcome: ...
    def reject(self, proposal_id: str, user: str, reason: str) -> Outcome: ...
    def resolve(self, fact_id: str, user: str, keep: str) -> Outcome: ...
    def propose(self, values: dict[str, str | None], user: str,
                corrects: str | None = None) -> tuple[Proposal | None, dict[str, str]]: ...
    def conflicts(self) -> list[Fact]: ...


def register(app: App, curation: Curation, home: Home) -> None:  # noqa: C901 (one closure per Slack surface)
    """Register the curator buttons (``curation_views.ACTION_IDS``) and forms on ``app``."""

    def ack_now(ack: Ack) -> None:
        ack()

    def _who(body: dict) -> tuple[str, str]:
        action = (body.get("actions") or [{}])[0]
        return (body.get("user") or {}).get("id", ""), str(action.get("value") or "")

    def _answer(body: dict, client: WebClient, respond: Respond, outcome: Outcome) -> None:
        """In App Home the view is published again with the outcome; under a message, only the presser sees it."""
        user = (body.get("user") or {}).get("id", "")
        if not outcome.ok:
            log.info("curator action not done: %s", body.get("actions", [{}])[0].get("action_id"))
        if (body.get("container") or {}).get("type") == "view" or body.get("type") == "view_submission":
            if curation.is_curator(user):
                home.publish(client, user, outcome.text)
        else:
            respond(response_type="ephemeral", replace_original=False, text=outcome.text)

    def _open(client: WebClient, body: dict, view: dict) -> None:
        try:
            client.views_open(trigger_id=body["trigger_id"], view=view)
        except (SlackApiError, KeyError) as exc:
            log.warning("curation modal not opened: %s", type(exc).__name__)

    def reverify(body: dict, client: WebClient, respond: Respond) -> None:
        user, fact_id = _who(body)
        _answer(body, client, respond, curation.reverify(fact_id, user))

    def approve(body: dict, client: WebClient, respond: Respond) -> None:
        user, proposal_id = _who(body)
        _answer(body, client, respond, curation.approve(proposal_id, user))

    def resolve(body: dict, client: WebClient, respond: Respond) -> None:
        user, fact_id = _who(body)
        keep = "slack" if body["actions"][0].get("action_id") == views.KEEP_SLACK else "files"
        _answer(body, client, respond, curation.resolve(fact_id, user, keep))

    for action_id, work in ((views.REVERIFY, reverify), (views.APPROVE, approve), (views.KEEP_SLACK, resolve),
                            (views.TAKE_FILES, resolve)):
        app.action(action_id)(ack=ack_now, lazy=[work])

    # Buttons that open a modal: in the ack (a trigger_id lasts 3 seconds).
    def open_form(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        ack()
        user, value = _who(body)
        action_id = body["actions"][0].get("action_id")
        if not curation.is_curator(user):
            _answer(body, client, respond, Outcome(NOT_A_CURATOR, False))
            return
        if action_id == views.PROPOSE_NEW:
            _open(client, body, views.propose_modal(None))
        elif action_id == views.PROPOSE_CORRECTION:
            fact = curation.figure(value) if value not in ("", "-") else None
            _open(client, body, views.propose_modal(fact, form_values(fact)) if fact else views.pick_modal())
        elif action_id == views.REJECT:
            proposal = curation.proposals.get(value)
            _open(client, body, views.reason_modal("reject", value, f"`{escape(proposal.fact_id if proposal else value)}`"))
        elif value in ("", "-"):  # "Retire a figure": which one first
            _open(client, body, views.pick_modal("retire"))
        else:
            _open(client, body, _retire_modal(value))

    def _retire_modal(fact_id: str) -> dict:
        fact = curation.figure(fact_id)
        return views.reason_modal("retire", fact_id, f"`{escape(fact_id)}`" + (f" *{escape(fact.display)}*" if fact else ""))

    for action_id in (views.PROPOSE_NEW, views.PROPOSE_CORRECTION, views.REJECT, views.RETIRE):
        app.action(action_id)(open_form)

    # Forms.
    def refused(ack: Ack, view: dict, field: str) -> bool:
        ack(response_action="errors", errors={field: NOT_A_CURATOR})
        return True

    def picked(ack: Ack, body: dict, view: dict) -> None:
        user = (body.get("user") or {}).get("id", "")
        if not curation.is_curator(user) and refused(ack, view, "id"):
            return
        fact_id = (views.form_input(view["state"]["values"]).get("id") or "").strip()
        fact = curation.figure(fact_id)
        if fact is None:
            ack(response_action="errors", errors={"id": "No figure has this id (see factbot facts list --all)."})
            return
        if _metadata(view).get("then") == "retire":
            ack(response_action="update", view=_retire_modal(fact.id))
        else:
            ack(response_action="update", view=views.propose_modal(fact, form_values(fact)))

    def proposed(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        user = (body.get("user") or {}).get("id", "")
        corrects = _metadata(view).get("corrects")
        proposal, errors = curation.propose(views.form_input(view["state"]["values"]), user, corrects)
        if proposal is None:
            shown = {f: m for f, m in errors.items() if f in _block_ids(view)}
            shown = shown or {"why": "; ".join(errors.values()) or "Not valid."}
            ack(response_action="errors", errors={f: m[:150] for f, m in shown.items()})
            return
        ack(response_action="update", view=views.done_modal(
            f"Proposed: `{escape(proposal.fact_id)}` *{escape(str(proposal.fact.get('display')))}*. It goes live when "
            "another curator approves it in App Home."))
        home.publish(client, user, f"You proposed `{escape(proposal.fact_id)}`; another curator must approve it.")

    def reasoned(ack: Ack, body: dict, view: dict, client: WebClient, respond: Respond) -> None:
        user = (body.get("user") or {}).get("id", "")
        meta = _metadata(view)
        reason = views.form_input(view["state"]["values"]).get("why") or ""
        if not curation.is_curator(user) and refused(ack, view, "why"):
            return
        if not reason.strip():
            ack(response_action="errors", errors={"why": "Please say why."})
            return
        ack()
        target = str(meta.get("target") or "")
        outcome = (curation.reject(target, user, reason) if meta.get("action") == "reject"
                   else curation.retire(target, user, reason))
        _answer(body, client, respond, outcome)

    app.view(views.PICK_VIEW)(picked)
    app.view(views.PROPOSE_VIEW)(proposed)
    app.view(views.REASON_VIEW)(reasoned)


def _metadata(view: dict) -> dict:
    try:
        found = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _block_ids(view: dict) -> set[str]:
    return {b.get("block_id") for b in view.get("blocks", []) if b.get("type") == "input"}
