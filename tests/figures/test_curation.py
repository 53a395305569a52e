"""Curating from Slack, through signed requests to the server in process and the strict fake Slack:
re-verify (App Home, the digest), propose a correction, a second curator approves, reject, retire,
and curator actions refused for anyone else."""

from __future__ import annotations

import datetime as dt
import json
import pathlib

import pytest
import yaml

from facts.figures import curation as rules
from facts.figures import curation_views as views
from facts.figures.changes import changes_since, current_snapshot
from tests.support.block_kit import assert_valid_view
from tests.support.campaign import FIGURE_ID, curated_copy, factbot, wait_until
from tests.support.factories import make_fact
from tests.support.slack_payloads import app_home_opened, home_button, message_button, view_submission

ALICE, BOB, STAFF = "U0CURALICE", "U0CURBOB01", "U0STAFF777"
CAMPAIGN = "C0CAMPAIGN"
CLAIM_END = "as reported by ITV News (PA)."
NEW_CLAIM_END = "as reported by ITV News (PA) and LBC."


# -- the rules -------------------------------------------------------------------------------------


def test_reverified_moves_review_by_on_by_the_figures_own_interval():
    fact = make_fact(verified_on="2025-01-01", review_by="2025-07-01")  # 181 days
    checked = rules.reverified(fact, dt.date(2026, 12, 2))
    assert checked.verified_on == dt.date(2026, 12, 2) and checked.review_by == dt.date(2027, 6, 1)
    same_day = rules.reverified(make_fact(verified_on="2025-01-01", review_by="2025-01-01"), dt.date(2026, 12, 2))
    assert same_day.review_by == dt.date(2027, 12, 2)  # no interval of its own: a year


def test_the_form_gives_back_the_figure_it_was_filled_from():
    fact = make_fact(status="secondary", source={"outlet": "ITV News"}, caveats=["one", "two"],
                     quote="Instagram was named in 37% of them.", measure="offences", series="a-series")
    values = {**rules.form_values(fact), "why": "a check"}
    again, errors = rules.fact_from_form(values, today=fact.verified_on, corrects=fact)
    assert errors == {} and again == fact


def test_form_problems_are_named_on_their_fields():
    fact = make_fact(quote="Instagram was named in 37% of them.")
    values = {**rules.form_values(fact), "source.url": "not a link", "display": "38%", "claim": ""}
    found, errors = rules.fact_from_form(values, today=fact.verified_on, corrects=fact)
    assert found is None and errors["claim"] == "Please fill this in." and "source.url" in errors  # all at once
    values["claim"] = "A claim."
    values["source.url"] = "https://example.org/a"
    found, errors = rules.fact_from_form(values, today=fact.verified_on, corrects=fact)
    assert found is None and "does not show the value" in errors["display"]


def test_the_propose_modal_is_within_slacks_limits_new_and_prefilled():
    fact = make_fact(claim="x" * 2900, caveats=["y" * 2900])
    for view in (views.propose_modal(None), views.propose_modal(fact, rules.form_values(fact)),
                 views.pick_modal(), views.reason_modal("retire", "f", "`f`")):
        assert_valid_view(view)


# -- through Slack ---------------------------------------------------------------------------------


def _start(make_server, tmp_path, fake_slack, **edits: str):
    fake_slack.clear()  # one fake Slack per module: count this test's calls only
    fake_slack.channels[CAMPAIGN] = {}
    folder = curated_copy(tmp_path / "curated", **edits)
    return make_server(FACTBOT_CURATORS=f"{ALICE},{BOB}", FACTBOT_CURATED_DIR=str(folder),
                       FACTBOT_CAMPAIGN_CHANNEL=CAMPAIGN)


def _posted(fake_slack, words: str) -> str:
    """The campaign channel's post containing ``words`` (waited for: the outbox delivers it)."""
    calls = fake_slack.wait_for("chat.postMessage", timeout=10, where=lambda c: c.params.get("channel") == CAMPAIGN
                                and words in json.dumps(c.params, ensure_ascii=False))
    return json.dumps(calls[0].params, ensure_ascii=False)


@pytest.fixture
def curating(make_server, tmp_path, fake_slack):
    return _start(make_server, tmp_path, fake_slack)


@pytest.fixture
def curating_due(make_server, tmp_path, fake_slack):
    """The release's figures (FIGURE_ID's file) past their review_by."""
    return _start(make_server, tmp_path, fake_slack, due="review_by: 2027-02-28→review_by: 2026-11-30")


def _opened(fake_slack, count: int = 1) -> dict:
    return fake_slack.wait_for("views.open", count, timeout=10)[count - 1].params["view"]


def _home(fake_slack, user: str, count: int = 1) -> str:
    calls = fake_slack.wait_for("views.publish", count, timeout=10, where=lambda c: c.params.get("user_id") == user)
    return json.dumps(calls[count - 1].params["view"], ensure_ascii=False)


def _answer(server, text: str = "grooming offences uk 2023/24") -> str:
    return json.dumps(server.command(text).json(), ensure_ascii=False)


def _propose_correction(server, fake_slack, user: str, opened: int = 1) -> str:
    """``user`` presses Correct on the figure and submits the claim corrected; the proposal's id."""
    server.action(home_button(views.PROPOSE_CORRECTION, FIGURE_ID, user=user))
    modal = _opened(fake_slack, opened)
    assert modal["callback_id"] == views.PROPOSE_VIEW
    claim = next(b for b in modal["blocks"] if b.get("block_id") == "claim")["element"]["initial_value"]
    assert claim.endswith(CLAIM_END)
    done = server.action(view_submission(modal, {"claim": claim.replace(CLAIM_END, NEW_CLAIM_END),
                                                 "why": "LBC carried the same PA story <b>"}, user=user))
    body = done.json()
    assert body["response_action"] == "update" and "another curator approves" in json.dumps(body)
    waiting = [p for p in _proposals(server) if p.fact_id == FIGURE_ID]
    assert len(waiting) == 1 and waiting[0].by == user
    return waiting[0].id


def _proposals(server):
    return server.runtime.curation.proposals.pending()


def test_a_correction_goes_live_when_a_second_curator_approves_and_history_shows_both(curating, fake_slack):
    server = curating
    assert NEW_CLAIM_END not in _answer(server)
    proposal = _propose_correction(server, fake_slack, ALICE)
    assert NEW_CLAIM_END not in _answer(server)  # not live until approved
    assert f"<@{ALICE}>" in _posted(fake_slack, f"`{FIGURE_ID}` *7,062* was proposed")  # the curators are told

    # The proposer cannot approve their own.
    server.action(home_button(views.APPROVE, proposal, user=ALICE))
    assert "another curator must approve it" in _home(fake_slack, ALICE, 2)
    assert NEW_CLAIM_END not in _answer(server)

    # A non-curator sees no curator actions, and a forged Approve is refused.
    server.event(app_home_opened(STAFF, "Ev0CURSTAFF1"))
    assert "curation_" not in _home(fake_slack, STAFF) and "For curators" not in _home(fake_slack, STAFF)
    server.action(home_button(views.APPROVE, proposal, user=STAFF))
    assert [p.id for p in _proposals(server)] == [proposal]

    # Bob sees it in App Home and approves: the answer changes at once.
    server.event(app_home_opened(BOB, "Ev0CURBOB01"))
    home = _home(fake_slack, BOB)
    assert proposal in home and "LBC carried the same PA story &lt;b&gt;" in home
    wait_until(lambda: server.runtime.campaign.state.figures(), what="the alerts' first look at the figures")
    before = current_snapshot(server.runtime.store)
    server.action(home_button(views.APPROVE, proposal, user=BOB))
    assert "is live" in _home(fake_slack, BOB, 2)
    assert NEW_CLAIM_END in _answer(server)
    assert NEW_CLAIM_END in _posted(fake_slack, "Figure changed")  # the figure alert, old → new
    # The campaign channel's figure alerts see it as a changed claim.
    changes, _ = changes_since(before, server.runtime.store)
    assert [(c.fact.id, c.kind, sorted(c.changed)) for c in changes] == [(FIGURE_ID, "changed", ["claim"])]

    # It is a curated file in the Slack folder, and the history names both people.
    layered = yaml.safe_load((server.workdir / "factbot-curated" / f"{FIGURE_ID}.yaml").read_text())
    assert layered["change"]["by"] == [ALICE, BOB] and layered["change"]["action"] == "corrected"
    shown = factbot(server.env, server.workdir, "facts", "show", FIGURE_ID).stdout
    assert f"this version: corrected by {ALICE} and {BOB}" in shown and "LBC carried the same PA story" in shown
    exported = factbot(server.env, server.workdir, "facts", "export", "--to", "out")
    assert exported.returncode == 0 and f"replaces {FIGURE_ID} in 2024-10-31-nspcc-record-levels.yaml" in exported.stdout
    assert NEW_CLAIM_END in (server.workdir / "out" / f"{FIGURE_ID}.yaml").read_text()


def test_reverify_from_app_home_records_who_and_when_and_posts_no_figure_alert(curating_due, fake_slack):
    server = curating_due
    server.event(app_home_opened(ALICE, "Ev0CURREV01"))
    assert views.REVERIFY in _home(fake_slack, ALICE)
    old = server.runtime.store.get(FIGURE_ID)[0]
    before = current_snapshot(server.runtime.store)
    server.action(home_button(views.REVERIFY, FIGURE_ID, user=ALICE))
    assert "Re-verified `" + FIGURE_ID in _home(fake_slack, ALICE, 2)
    now = server.runtime.store.get(FIGURE_ID)[0]
    assert now.verified_on > old.verified_on
    assert now.review_by - now.verified_on == old.review_by - old.verified_on
    assert changes_since(before, server.runtime.store)[0] == []  # nothing quotable changed: no alert
    note = yaml.safe_load((server.workdir / "factbot-curated" / f"{FIGURE_ID}.yaml").read_text())["change"]
    assert note["by"] == [ALICE] and note["action"] == "re-verified"


def test_reverify_from_the_digest_answers_only_the_presser_and_refuses_a_non_curator(curating, fake_slack):
    server = curating
    old = server.runtime.store.get(FIGURE_ID)[0]
    server.action(message_button(views.REVERIFY, FIGURE_ID, "C0CAMPAIGN", fake_slack.response_url("staff"),
                                 user=STAFF))
    said = fake_slack.wait_for("response:staff", timeout=10)[0].params
    assert "Only curators" in said["text"] and said["response_type"] == "ephemeral"
    assert server.runtime.store.get(FIGURE_ID)[0] == old
    server.action(message_button(views.REVERIFY, FIGURE_ID, "C0CAMPAIGN", fake_slack.response_url("bob"), user=BOB))
    said = fake_slack.wait_for("response:bob", timeout=10)[0].params
    assert "Re-verified" in said["text"] and said["replace_original"] is False
    assert server.runtime.store.get(FIGURE_ID)[0].verified_on > old.verified_on


def test_form_errors_show_on_their_fields_and_a_forged_submission_is_refused(curating, fake_slack):
    server = curating
    server.action(home_button(views.PROPOSE_NEW, "", user=ALICE))
    modal = _opened(fake_slack)
    assert modal["title"]["text"] == "Propose a figure"
    body = server.action(view_submission(modal, {"id": FIGURE_ID, "claim": "A claim.", "display": "12",
                                                 "value": "13", "source.url": "nope"}, user=ALICE)).json()
    assert body["response_action"] == "errors"
    assert {"unit", "source.url", "quote", "why"} <= set(body["errors"])
    forged = server.action(view_submission(modal, {}, user=STAFF)).json()
    assert forged["response_action"] == "errors" and "Only curators" in json.dumps(forged)
    assert _proposals(server) == []


def test_reject_and_retire_take_a_reason(curating, fake_slack):
    server = curating
    proposal = _propose_correction(server, fake_slack, ALICE)
    server.action(home_button(views.REJECT, proposal, user=BOB))
    reason = _opened(fake_slack, 2)
    empty = server.action(view_submission(reason, {"why": " "}, user=BOB)).json()
    assert empty["response_action"] == "errors" and "why" in empty["errors"]
    server.action(view_submission(reason, {"why": "LBC is not a source we cite"}, user=BOB))
    assert "Rejected" in _home(fake_slack, BOB)
    assert "LBC is not a source we cite" in _posted(fake_slack, f"rejected by <@{BOB}>")
    assert _proposals(server) == [] and NEW_CLAIM_END not in _answer(server)

    server.action(home_button(views.RETIRE, "", user=BOB))  # "Retire a figure": which one first
    pick = _opened(fake_slack, 3)
    unknown = server.action(view_submission(pick, {"id": "no-such-figure"}, user=BOB)).json()
    assert unknown["response_action"] == "errors" and "id" in unknown["errors"]
    retire = server.action(view_submission(pick, {"id": FIGURE_ID}, user=BOB)).json()
    assert retire["response_action"] == "update" and retire["view"]["callback_id"] == views.REASON_VIEW
    server.action(view_submission(retire["view"], {"why": "The publisher withdrew it"}, user=BOB))
    assert "Retired" in _home(fake_slack, BOB, 2)
    assert server.runtime.store.get(FIGURE_ID)[0].status == "retired"
    assert "7,062" not in _answer(server)


def test_export_writes_the_slack_layer_as_curated_files_and_a_deploy_of_them_is_no_conflict(tmp_path):
    from facts.figures.curated import curated_paths, load_curated
    from facts.figures.layers import based_on, export_layer, load_layers, write_figure

    curated, slack, out = curated_copy(tmp_path / "curated"), tmp_path / "slack", tmp_path / "export"
    shipped = next(f for f in load_curated(curated_paths(curated)).facts if f.id == FIGURE_ID)
    changed = shipped.model_copy(update={"claim": shipped.claim.replace(CLAIM_END, NEW_CLAIM_END)})
    write_figure(slack, changed, rules.change_note("corrected", [ALICE, BOB], "LBC too"), based_on(curated, FIGURE_ID))

    [done] = export_layer(slack, curated, out)
    text = done.path.read_text()
    assert done.path == out / f"{FIGURE_ID}.yaml" and done.replaces_in == "2024-10-31-nspcc-record-levels.yaml"
    assert f"corrected by {ALICE} and {BOB}" in text and "# Why: LBC too" in text
    assert load_curated([done.path]).facts == [changed]  # a plain curated file, valid on its own

    # The repository takes the exported version in place of its entry, and deploys: no conflict, served.
    path = curated / done.replaces_in
    entry = path.read_text()
    start = entry.index(f"  - id: {FIGURE_ID}")
    end = entry.index("\n  # S036", start)
    path.write_text(entry[:start] + entry[end + 1:])
    (curated / done.path.name).write_text(text)
    layers = load_layers(curated, slack)
    assert layers.problems == [] and layers.conflicts == []
    assert next(f for f in layers.facts if f.id == FIGURE_ID) == changed


def test_a_deploy_conflict_is_held_and_shown_in_app_home_until_a_curator_keeps_one(curating, fake_slack):
    server = curating
    server.action(message_button(views.REVERIFY, FIGURE_ID, "C0CAMPAIGN", fake_slack.response_url("alice"),
                                 user=ALICE))
    assert "Re-verified" in fake_slack.wait_for("response:alice", timeout=10)[0].params["text"]

    def deploy(caveat: str) -> None:  # a newer version of the same figure shipped in the curated folder
        path = pathlib.Path(server.env["FACTBOT_CURATED_DIR"]) / "2024-10-31-nspcc-record-levels.yaml"
        text = path.read_text()
        at = text.index("    caveats:\n", text.index(f"  - id: {FIGURE_ID}")) + len("    caveats:\n")
        path.write_text(text[:at] + f"      - {caveat}\n" + text[at:])
        assert factbot(server.env, server.workdir, "facts", "import").returncode == 0

    deploy("Revised by the publisher.")
    assert server.runtime.store.get(FIGURE_ID)[0].status == "held"
    server.event(app_home_opened(BOB, "Ev0CURCONF1"))
    home = _home(fake_slack, BOB)
    assert "Held: a deploy and Slack both changed these" in home and views.KEEP_SLACK in home
    server.action(home_button(views.REVERIFY, FIGURE_ID, user=BOB))
    assert "Choose which to keep in App Home first" in _home(fake_slack, BOB, 2)

    server.action(home_button(views.KEEP_SLACK, FIGURE_ID, user=BOB))
    assert "kept the version changed in Slack" in _home(fake_slack, BOB, 3)
    kept = server.runtime.store.get(FIGURE_ID)[0]
    assert kept.status == "secondary" and "Revised by the publisher." not in kept.caveats
    assert "7,062" in _answer(server)

    deploy("Revised again.")
    server.action(home_button(views.TAKE_FILES, FIGURE_ID, user=BOB))
    assert "kept the deployed version" in _home(fake_slack, BOB, 4)
    taken = server.runtime.store.get(FIGURE_ID)[0]
    assert taken.status == "secondary" and "Revised again." in taken.caveats
    assert not (server.workdir / "factbot-curated" / f"{FIGURE_ID}.yaml").exists()
    assert list((server.workdir / "factbot-curated" / "replaced").glob(f"{FIGURE_ID}-*.yaml"))


def test_the_curators_home_stays_within_slacks_limits_however_much_waits():
    from facts.figures import home
    from facts.figures.search import FactIndex
    from facts.figures.usage import Gap

    long = "x" * 2900
    facts = [make_fact(f"f-{i}", claim=long, caveats=[long]) for i in range(40)]
    pending = [rules.Proposal(f"P{i}", "correction", facts[i].model_dump(mode="json"), ALICE, "2026-12-01T10:00:00",
                              long[:500]) for i in range(30)]
    gaps = [Gap("y" * 200, 10, dt.date(2026, 1, 1), dt.date(2026, 1, 2)) for _ in range(50)]
    view = home.home_view(FactIndex(facts).coverage(), facts, dt.date(2026, 12, 2), "/grooming",
                          reviews_due=facts * 10, gaps=gaps,
                          curation=views.curator_home_blocks(pending, facts, notice="Done: " + long))
    assert_valid_view(view)
    raw = json.dumps(view)
    assert raw.count("and 22 more") == 1 and "and 32 more" in raw and "and 385 more" in raw and "factbot facts gaps" in raw
