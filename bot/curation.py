"""Where this install's figures live, the store opened over them, and the curators' changes from Slack.

The curated files are read from one folder, ``Settings.curated_dir``
(``FACTBOT_CURATED_DIR``): the server, ``factbot facts import`` and every other
command read the same one, so an edit there is never reverted by another.

:class:`Curation` carries out what curators (``FACTBOT_CURATORS``) do in
Slack: each change is written as a Slack folder file
(:mod:`facts.figures.layers`), imported into the store at once and the
catalogue refreshed, so answers change within the request. The campaign
channel's figure alerts (``bot.campaign``, :mod:`facts.figures.changes`) see
it like any other change of the store. Rules are in
:mod:`facts.figures.curation`; every method returns what to tell the curator.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from pathlib import Path

from bot.digest import london_today
from bot.settings import Settings
from facts.figures import curation as rules
from facts.figures import curation_views as views
from facts.figures.catalogue import Catalogue
from facts.figures.curation import NOT_A_CURATOR, Outcome
from facts.figures.layers import (
    based_on,
    check_with,
    keep_slack_version,
    load_layers,
    slack_folder,
    take_files_version,
    version_fingerprint,
    write_figure,
)
from facts.figures.model import Fact
from facts.figures.store import FactStore, open_store, sync_store
from facts.persistence import sibling_path
from facts.text import escape, long_date

log = logging.getLogger(__name__)


def open_facts(settings: Settings) -> FactStore:
    """The facts store (``FACTBOT_DB``), with the curated folder's changes imported first."""
    return open_store(settings.factbot_db, settings.curated_dir, slack_folder(settings.factbot_db))


class Curation:
    """The curators' actions over one store (see the module docstring). ``close()`` when done.

    ``today``: the date used for ``verified_on``/``review_by`` (default: today in the UK).
    ``announce(dedupe_key, message)``: queues a message for the campaign channel (a proposal made or
    rejected; a change that goes live is announced by the figure alerts); default: not told.
    """

    def __init__(self, settings: Settings, store: FactStore, catalogue: Catalogue, *,
                 today: Callable[[], dt.date] = london_today,
                 announce: Callable[[str, dict], None] | None = None):
        self.curated_dir: Path = settings.curated_dir
        self.folder: Path = slack_folder(settings.factbot_db)
        self.curators: frozenset[str] = frozenset(settings.factbot_curators)
        self.store = store
        self.catalogue = catalogue
        self.today = today
        self.proposals = rules.Proposals(sibling_path(settings.factbot_db, "proposals"))
        self._lock = threading.Lock()
        self.announce = announce or (lambda key, message: None)

    def close(self) -> None:
        self.proposals.close()

    def is_curator(self, user: str | None) -> bool:
        return bool(user) and user in self.curators

    # -- reading -----------------------------------------------------------

    def figure(self, fact_id: str) -> Fact | None:
        found = self.store.get(fact_id)
        return found[0] if found else None

    def conflicts(self) -> list[Fact]:
        """Figures held because a deploy shipped a newer version of a figure also changed from Slack."""
        return [f for f in (self.figure(i) for i in load_layers(self.curated_dir, self.folder).conflicts) if f]

    # -- changes -----------------------------------------------------------

    def reverify(self, fact_id: str, user: str) -> Outcome:
        """Record that ``user`` checked ``fact_id`` today: ``review_by`` moves on by the figure's interval."""
        if not self.is_curator(user):
            return Outcome(NOT_A_CURATOR, False)
        with self._lock:
            fact = self.figure(fact_id)
            if fact is None or fact.status == "retired":
                return Outcome(f"There is no current figure `{escape(fact_id)}` to re-verify.", False)
            if fact_id in load_layers(self.curated_dir, self.folder).conflicts:
                return Outcome(_conflict_first(fact_id), False)
            checked = rules.reverified(fact, self.today())
            self._apply(checked, rules.change_note("re-verified", [user], "re-verified against its source in Slack"))
        return Outcome(f":white_check_mark: Re-verified `{escape(fact_id)}` *{escape(fact.display)}*: checked by "
                       f"<@{user}> on {long_date(checked.verified_on)}, next review by {long_date(checked.review_by)}.")

    def retire(self, fact_id: str, user: str, reason: str) -> Outcome:
        """Stop serving ``fact_id`` at once (one curator, with a reason; it stays in the history)."""
        if not self.is_curator(user):
            return Outcome(NOT_A_CURATOR, False)
        reason = reason.strip()[:rules.MAX_REASON]
        if not reason:
            return Outcome("Please say why the figure is retired.", False)
        with self._lock:
            fact = self.figure(fact_id)
            if fact is None or fact.status == "retired":
                return Outcome(f"There is no current figure `{escape(fact_id)}` to retire.", False)
            self._apply(fact.model_copy(update={"status": "retired"}), rules.change_note("retired", [user], reason))
        return Outcome(f":no_entry: Retired `{escape(fact_id)}` *{escape(fact.display)}*: it is no longer served.")

    def propose(self, values: dict[str, str | None], user: str,
                corrects: str | None = None) -> tuple[rules.Proposal | None, dict[str, str]]:
        """A proposal from the form's ``values`` (a correction of ``corrects``, else a new figure):
        ``(proposal, {})``, or ``(None, {form field: problem})`` (the model's and the evidence rules')."""
        if not self.is_curator(user):
            return None, {rules.WHY_FIELD.name: NOT_A_CURATOR}
        old = self.figure(corrects) if corrects else None
        if corrects and old is None:
            return None, {rules.WHY_FIELD.name: f"There is no figure {corrects} to correct."}
        fact, errors = rules.fact_from_form(values, today=self.today(), corrects=old)
        why = (values.get(rules.WHY_FIELD.name) or "").strip()
        if not why:
            errors[rules.WHY_FIELD.name] = "Please say what changed and why."
        if fact is not None and old is None and self.figure(fact.id) is not None:
            errors["id"] = "There is already a figure with this id: propose a correction to it instead."
        if fact is not None and old is not None and fact.model_copy(update={"verified_on": old.verified_on}) == old:
            errors[rules.WHY_FIELD.name] = "Nothing was changed in the figure."
        if fact is not None and not errors:
            for problem in check_with(load_layers(self.curated_dir, self.folder), fact):
                errors.setdefault(rules.form_field_for(problem.field), problem.message)
        if fact is None or errors:
            return None, errors
        base = version_fingerprint(old) if old else None
        proposal = self.proposals.add("correction" if old else "new", fact, user, why, base)
        self.announce(f"proposal-{proposal.id}", views.proposal_card(proposal))
        return proposal, {}

    def approve(self, proposal_id: str, user: str) -> Outcome:
        """Put a proposal live: only a curator other than the proposer may."""
        if not self.is_curator(user):
            return Outcome(NOT_A_CURATOR, False)
        with self._lock:
            proposal = self.proposals.get(proposal_id)
            if proposal is None or proposal.state != "pending":
                return Outcome("That proposal was already decided.", False)
            if proposal.by == user:
                return Outcome("You proposed this change: another curator must approve it (two people check "
                               "every change).", False)
            current = self.figure(proposal.fact_id)
            if (version_fingerprint(current) if current else None) != proposal.base:
                return Outcome(f"`{escape(proposal.fact_id)}` changed after this was proposed: reject it and "
                               "propose again over the current version.", False)
            fact = proposal.figure
            problems = check_with(load_layers(self.curated_dir, self.folder), fact)
            if problems:
                return Outcome(f"Not approved: {escape(problems[0].field)}: {escape(problems[0].message)}", False)
            if self.proposals.decide(proposal_id, "approved", user) is None:
                return Outcome("That proposal was already decided.", False)
            action = "corrected" if proposal.kind == "correction" else "added"
            self._apply(fact, rules.change_note(action, [proposal.by, user], proposal.why))
        return Outcome(f":white_check_mark: Approved: `{escape(fact.id)}` *{escape(fact.display)}* is live "
                       f"({action}; proposed by <@{proposal.by}>, approved by <@{user}>).")

    def reject(self, proposal_id: str, user: str, reason: str) -> Outcome:
        """Decline a proposal with a reason (any curator, the proposer too: withdrawing it)."""
        if not self.is_curator(user):
            return Outcome(NOT_A_CURATOR, False)
        if not reason.strip():
            return Outcome("Please say why the proposal is rejected.", False)
        proposal = self.proposals.decide(proposal_id, "rejected", user, reason.strip())
        if proposal is None:
            return Outcome("That proposal was already decided.", False)
        self.announce(f"proposal-{proposal.id}-rejected", views.rejected_card(proposal))
        return Outcome(f"Rejected the proposal for `{escape(proposal.fact_id)}`; nothing changed.")

    def resolve(self, fact_id: str, user: str, keep: str) -> Outcome:
        """Release a figure held by a deploy conflict: ``keep`` is ``slack`` (the curator's version,
        now based on the deploy's) or ``files`` (the deploy's; the Slack file is moved to ``replaced/``)."""
        if not self.is_curator(user):
            return Outcome(NOT_A_CURATOR, False)
        with self._lock:
            if fact_id not in load_layers(self.curated_dir, self.folder).conflicts:
                return Outcome(f"`{escape(fact_id)}` is not held for a decision (any more).", False)
            if keep == "slack":
                keep_slack_version(self.folder, self.curated_dir, fact_id,
                                   rules.change_note("kept the Slack version", [user],
                                                     "kept the version changed in Slack over a newer deploy"))
                said = "the version changed in Slack"
            else:
                take_files_version(self.folder, fact_id, dt.datetime.now(dt.UTC))
                said = "the deployed version"
            self._sync()
        return Outcome(f"`{escape(fact_id)}`: kept {said}; it is served again unless it was held before.")

    # -- writing -----------------------------------------------------------

    def _apply(self, fact: Fact, change: dict) -> None:
        """Write ``fact`` as its Slack folder file, import it into the store and refresh the answers."""
        write_figure(self.folder, fact, change, based_on(self.curated_dir, fact.id))
        self._sync()

    def _sync(self) -> None:
        sync_store(self.store, self.curated_dir, self.folder)
        self.catalogue.refresh()


def _conflict_first(fact_id: str) -> str:
    return (f"`{escape(fact_id)}` is held: a deploy shipped a newer version of a figure also changed in Slack. "
            "Choose which to keep in App Home first.")
