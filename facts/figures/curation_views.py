"""Block Kit for curating from Slack (plain dicts): the propose modal, the reason modal, the
curators' App Home sections and the Re-verify button.

Action ids and callback ids are the constants below; ``handlers.figures.curation``
listens for them. Modal titles and buttons stay within Slack's 24 characters.
"""

from __future__ import annotations

import json
from typing import Any

from facts.blocks import MAX_TEXT, context, message, section
from facts.figures.curation import FORM_FIELDS, ID_FIELD, WHY_FIELD, FormField, Proposal
from facts.figures.model import Fact
from facts.text import escape, long_date, truncate

REVERIFY = "curation_reverify"
PROPOSE_NEW = "curation_propose_new"
PROPOSE_CORRECTION = "curation_propose_correction"
RETIRE = "curation_retire"
APPROVE = "curation_approve"
REJECT = "curation_reject"
KEEP_SLACK = "curation_keep_slack"
TAKE_FILES = "curation_take_files"
#: Every button a curator presses (all refused for anyone else).
ACTION_IDS = (REVERIFY, PROPOSE_NEW, PROPOSE_CORRECTION, RETIRE, APPROVE, REJECT, KEEP_SLACK, TAKE_FILES)
#: Modal callbacks: the propose form, the "which figure?" form, and the reason form.
PROPOSE_VIEW = "curation_propose"
PICK_VIEW = "curation_pick"
REASON_VIEW = "curation_reason"
#: Every input's action id (the block id names the field).
INPUT = "v"
#: Pending proposals and held figures listed in App Home (2 blocks each).
MAX_LISTED = 8


def button(text: str, action_id: str, value: str = "", style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "text": {"type": "plain_text", "text": text},
                               "action_id": action_id, "value": value or "-"}
    if style:
        element["style"] = style
    return element


def reverify_button(fact_id: str) -> dict[str, Any]:
    """The one-click **Re-verify** button (App Home, the reviews-due digest)."""
    return button("Re-verify", REVERIFY, fact_id, "primary")


def _plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def _input(field: FormField, initial: str | None) -> dict[str, Any]:
    if field.kind == "date":
        element: dict[str, Any] = {"type": "datepicker", "action_id": INPUT}
        if initial:
            element["initial_date"] = initial
    elif field.kind == "select":
        options = [{"text": _plain(o), "value": o} for o in field.options]
        element = {"type": "static_select", "action_id": INPUT, "options": options}
        chosen = initial if initial in field.options else field.options[0]
        element["initial_option"] = next(o for o in options if o["value"] == chosen)
    else:
        element = {"type": "plain_text_input", "action_id": INPUT, "max_length": MAX_TEXT,
                   "multiline": field.kind in ("long", "list")}
        if initial:
            element["initial_value"] = initial[:MAX_TEXT]
    block: dict[str, Any] = {"type": "input", "block_id": field.name, "label": _plain(field.label),
                             "element": element, "optional": field.optional}
    if field.hint:
        block["hint"] = _plain(field.hint)
    return block


def propose_modal(fact: Fact | None, initial: dict[str, str] | None = None) -> dict[str, Any]:
    """The propose modal: a new figure (``fact`` ``None``) or a correction of ``fact``, prefilled
    from ``initial`` (:func:`facts.figures.curation.form_values`)."""
    initial = initial or {}
    if fact is None:
        intro = ("*Propose a new figure.* Copy every field from the source itself; another curator must "
                 "approve it before it is served.")
        blocks = [section(intro), _input(ID_FIELD, initial.get("id"))]
    else:
        intro = (f"*Propose a correction to* `{escape(fact.id)}` *{escape(fact.display)}*. Change what is wrong; "
                 "another curator must approve it before it is served. Comparison, known misquotes and the "
                 "next edition are kept as they are.")
        blocks = [section(intro)]
    blocks += [_input(field, initial.get(field.name)) for field in FORM_FIELDS]
    blocks.append(_input(WHY_FIELD, initial.get(WHY_FIELD.name)))
    return {"type": "modal", "callback_id": PROPOSE_VIEW,
            "title": _plain("Propose a correction" if fact else "Propose a figure"),
            "submit": _plain("Propose"), "close": _plain("Cancel"),
            "private_metadata": json.dumps({"corrects": fact.id if fact else None}), "blocks": blocks}


def pick_modal(then: str = "correct") -> dict[str, Any]:
    """Asks which figure to correct or retire (``then``), by its id, before the next form."""
    field = FormField("id", "Figure id", hint="As shown in answers' Copy citation, or by factbot facts list.")
    return {"type": "modal", "callback_id": PICK_VIEW,
            "title": _plain("Retire a figure" if then == "retire" else "Correct a figure"),
            "submit": _plain("Next"), "close": _plain("Cancel"), "private_metadata": json.dumps({"then": then}),
            "blocks": [_input(field, None)]}


def reason_modal(action: str, target: str, what: str) -> dict[str, Any]:
    """A reason for ``action`` (``reject`` a proposal, ``retire`` a figure) on ``target``; ``what`` names it."""
    title = "Reject proposal" if action == "reject" else "Retire figure"
    field = FormField(WHY_FIELD.name, "Why", "long",
                      hint="Kept with the proposal and told in the campaign channel." if action == "reject"
                      else "Kept in the figure's history.")
    text = (f"*Reject* the proposal for {what}: nothing changes." if action == "reject"
            else f"*Retire* {what}: it is no longer served (its history is kept).")
    return {"type": "modal", "callback_id": REASON_VIEW, "title": _plain(title),
            "submit": _plain("Reject" if action == "reject" else "Retire"), "close": _plain("Cancel"),
            "private_metadata": json.dumps({"action": action, "target": target}),
            "blocks": [section(text), _input(field, None)]}


def done_modal(text: str) -> dict[str, Any]:
    """What replaces a submitted form: ``text`` (mrkdwn)."""
    return {"type": "modal", "title": _plain("Safeguarding Facts"), "close": _plain("Close"),
            "blocks": [section(text)]}


def form_input(state_values: dict) -> dict[str, str | None]:
    """A submitted view's ``state.values`` as ``{field name: text or None}``."""
    found: dict[str, str | None] = {}
    for block_id, actions in (state_values or {}).items():
        value = (actions or {}).get(INPUT) or {}
        chosen = value.get("selected_option") or {}
        found[block_id] = value.get("value") or value.get("selected_date") or chosen.get("value")
    return found


# -- App Home ---------------------------------------------------------------


def curator_home_blocks(pending: list[Proposal], held: list[Fact], notice: str | None = None) -> list[dict]:
    """The curators' App Home sections: ``notice`` (what the last action did), Propose buttons, the
    proposals waiting for a second curator (Approve / Reject) and figures held because a deploy
    shipped a newer version of a figure changed in Slack (keep one)."""
    blocks: list[dict] = []
    if notice:
        blocks.append(section(notice))
    blocks.append({"type": "actions", "elements": [button("Propose a new figure", PROPOSE_NEW),
                                                   button("Correct a figure", PROPOSE_CORRECTION),
                                                   button("Retire a figure", RETIRE)]})
    title = f"*Proposals waiting for a second curator* ({len(pending)})"
    blocks.append(section(title if pending else f"{title}\nNone."))
    for proposal in pending[:MAX_LISTED]:
        proposed = proposal.fact
        what = "Correction to" if proposal.kind == "correction" else "New figure"
        blocks.append(section(f"{what} `{escape(proposal.fact_id)}` *{escape(str(proposed.get('display')))}* — "
                              f"{escape(truncate(str(proposed.get('claim')), 300))}\nProposed by <@{proposal.by}>: "
                              f"“{escape(truncate(proposal.why, 300))}”"))
        blocks.append({"type": "actions", "elements": [button("Approve", APPROVE, proposal.id, "primary"),
                                                       button("Reject", REJECT, proposal.id, "danger")]})
    if len(pending) > MAX_LISTED:
        blocks.append(section(f"…and {len(pending) - MAX_LISTED} more, shown as these are decided."))
    if held:
        blocks.append(section(f"*Held: a deploy and Slack both changed these* ({len(held)})\nThe figure is not "
                              "served until you keep one version."))
        for fact in held[:MAX_LISTED]:
            blocks.append(section(f"`{escape(fact.id)}` — Slack's version: *{escape(fact.display)}*, "
                                  f"{escape(fact.period.label)}"))
            blocks.append({"type": "actions", "elements": [button("Keep Slack's version", KEEP_SLACK, fact.id),
                                                           button("Take the deploy's", TAKE_FILES, fact.id)]})
        if len(held) > MAX_LISTED:
            blocks.append(section(f"…and {len(held) - MAX_LISTED} more, shown as these are decided."))
    return blocks


def review_actions(fact: Fact) -> dict[str, Any]:
    """Re-verify / Correct / Retire for one figure due for review."""
    return {"type": "actions", "elements": [reverify_button(fact.id), button("Correct", PROPOSE_CORRECTION, fact.id),
                                            button("Retire", RETIRE, fact.id, "danger")]}


def review_line(fact: Fact) -> str:
    why = (f"superseded by `{escape(fact.superseded_by)}`" if fact.superseded_by
           else f"review due since {long_date(fact.review_by)}")
    src = fact.source
    return (f"• `{escape(fact.id)}` *{escape(fact.display)}* — {why} — {escape(src.publisher)}, "
            f"<{src.url}|{escape(src.title)}>")


# -- the campaign channel ------------------------------------------------------


def proposal_card(proposal: Proposal) -> dict[str, Any]:
    """Told in the campaign channel when a proposal is made: which figure, who proposed it, and that a
    second curator approves it in App Home (the change itself is announced when it goes live)."""
    what = "A correction to" if proposal.kind == "correction" else "A new figure,"
    text = (f":memo: {what} `{escape(proposal.fact_id)}` *{escape(str(proposal.fact.get('display')))}* was proposed "
            f"by <@{proposal.by}>: “{escape(truncate(proposal.why, 500))}”")
    blocks = [section(text), context("Curators: another curator approves or rejects it in the app's Home tab.")]
    return message(f"{proposal.fact_id} proposed; a second curator approves it in App Home", blocks)


def rejected_card(proposal: Proposal) -> dict[str, Any]:
    """Told in the campaign channel when a proposal is rejected: by whom and why; nothing changed."""
    text = (f"The proposal for `{escape(proposal.fact_id)}` by <@{proposal.by}> was rejected by "
            f"<@{proposal.decided_by}>: “{escape(truncate(proposal.reason or '', 500))}”. Nothing changed.")
    return message(f"The proposal for {proposal.fact_id} was rejected; nothing changed", [section(text)])
