"""Report a problem, through signed requests and the fake Slack: every figure shown has the button;
the modal's report reaches the curators' queue in App Home and the campaign channel, never with the
reporter's words unless they ticked that they may be shared; curators mark it dealt with."""

from __future__ import annotations

import json

import pytest

from facts.figures.answers import SHARE_ACTION_ID
from facts.figures.modal import SHARE_IN_THREAD_ACTION_ID
from facts.figures.problem_reports import DEALT_ACTION_ID, REPORT_ACTION_ID, REPORT_CALLBACK_ID, parse_button
from tests.support.campaign import wait_until
from tests.support.slack_payloads import app_home_opened, app_mention, button_in_view, message_action

CAMPAIGN = "C0CAMPPRB1"
CURATOR = "U0CURATOR1"
REPORTER = "U0REPORT01"
WORDS = "<!channel> The release says 7,100 & not 7,062 <b>"


@pytest.fixture
def running(make_server, fake_slack, tmp_path):
    fake_slack.channels[CAMPAIGN] = {}
    return make_server(tmp_path, FACTBOT_CAMPAIGN_CHANNEL=CAMPAIGN, FACTBOT_CURATORS=CURATOR)


def _buttons(blocks: list[dict], action_id: str) -> list[dict]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["action_id"] == action_id]


def _press(server, value: str, *, user: str = REPORTER, action_id: str = REPORT_ACTION_ID, view: dict | None = None):
    payload = {"type": "block_actions", "user": {"id": user, "username": "jo"}, "team": {"id": "T0TEST0001"},
               "api_app_id": "A0TEST", "trigger_id": "1700000900.1.report",
               "actions": [{"action_id": action_id, "block_id": "b", "type": "button", "value": value,
                            "action_ts": "1700000900.000001"}]}
    if view is not None:
        payload.update(container={"type": "view", "view_id": view["id"]}, view=view)
    else:
        payload.update(channel={"id": "C0TEST0001"}, container={"type": "message", "is_ephemeral": True},
                       response_url="https://example.invalid/r")
    response = server.action(payload)
    assert response.status_code == 200


def _submit(server, modal: dict, what: str, source: str = "", share: bool = False, user: str = REPORTER):
    values = {"what": {"what": {"type": "plain_text_input", "value": what}},
              "source": {"source": {"type": "url_text_input", "value": source or None}},
              "share": {"share": {"type": "checkboxes",
                                  "selected_options": [{"value": "yes"}] if share else []}}}
    payload = {"type": "view_submission", "user": {"id": user, "username": "jo"}, "team": {"id": "T0TEST0001"},
               "api_app_id": "A0TEST", "trigger_id": "1700000901.1.submit",
               "view": {**modal, "id": "V0REPORT1", "state": {"values": values}}}
    response = server.action(payload)
    assert response.status_code == 200
    return response.json() if response.content else {}


def _report_modal(server, fake_slack, value: str, method: str = "views.open", **press) -> dict:
    before = len(fake_slack.calls(method))
    _press(server, value, **press)
    call = fake_slack.wait_for(method, count=before + 1, timeout=10)[before]
    assert call.params["view"]["callback_id"] == REPORT_CALLBACK_ID
    return call.params["view"]


def _campaign_texts(fake_slack) -> list[str]:
    return [json.dumps(m.get("blocks", []), ensure_ascii=False) + m["text"] for m in fake_slack.messages.get(CAMPAIGN, [])]


def _home(server, fake_slack, user: str, event_id: str) -> str:
    before = len(fake_slack.calls("views.publish"))
    server.event(app_home_opened(user, event_id))
    call = fake_slack.wait_for("views.publish", count=before + 1, timeout=10)[before]
    assert call.params["user_id"] == user
    return json.dumps(call.params["view"], ensure_ascii=False)


def test_a_report_reaches_the_curators_queue_and_the_channel_without_the_reporters_words(running, fake_slack):
    body = running.command("grooming offences 2023/24 UK").json()
    reports = _buttons(body["blocks"], REPORT_ACTION_ID)
    assert len(reports) == len(_buttons(body["blocks"], SHARE_ACTION_ID)) >= 2  # one per figure shown
    figure, version = parse_button(reports[0]["value"])
    modal = _report_modal(running, fake_slack, reports[0]["value"])
    assert figure in json.dumps(modal) and len(modal["blocks"]) <= 100

    # Nothing typed: the field says what is missing, and nothing is kept or posted.
    assert _submit(running, modal, "   ") == {"response_action": "errors",
                                            "errors": {"what": "Say what is wrong with the figure."}}
    assert _submit(running, modal, "wrong", source="javascript:alert(1)")["errors"] == {
        "source": "A web address starting http:// or https://, please."}

    thanks = _submit(running, modal, WORDS, source="https://www.example.org/release")
    assert thanks["response_action"] == "update" and "is with the curators" in json.dumps(thanks["view"])
    wait_until(lambda: any(figure in t for t in _campaign_texts(fake_slack)), what="the report's card")
    [card] = [t for t in _campaign_texts(fake_slack) if "problem was reported" in t]
    assert figure in card and version in card
    assert "7,100" not in card and "example.org/release" not in card and REPORTER not in card  # not ticked

    # The curator's App Home lists it, the reporter's words escaped; a non-curator sees no queue.
    home = _home(running, fake_slack, CURATOR, "EvPrb01")
    assert "Problems reported (1)" in home and figure in home and f"<@{REPORTER}>" in home
    assert "&lt;!channel&gt; The release says 7,100 &amp; not 7,062 &lt;b&gt;" in home and "<!channel>" not in home
    assert "Problems reported" not in _home(running, fake_slack, "U0STAFF009", "EvPrb02")

    # A forged Mark dealt with from a non-curator changes nothing; the curator's does.
    [dealt] = [e for e in json.loads(home)["blocks"] if e["type"] == "actions"
               for e in e["elements"] if e["action_id"] == DEALT_ACTION_ID]
    _press(running, dealt["value"], user="U0STAFF009", action_id=DEALT_ACTION_ID)
    assert "Problems reported (1)" in _home(running, fake_slack, CURATOR, "EvPrb03")
    before = len(fake_slack.calls("views.publish"))
    _press(running, dealt["value"], user=CURATOR, action_id=DEALT_ACTION_ID)
    [republished] = fake_slack.wait_for("views.publish", count=before + 1, timeout=10)[before:]
    assert republished.params["user_id"] == CURATOR and "Problems reported" not in json.dumps(republished.params)
    # The campaign channel is told under the report's card, once.
    [card_ts] = [m["ts"] for m in fake_slack.messages[CAMPAIGN] if "problem was reported" in m["text"]]
    wait_until(lambda: any(m.get("thread_ts") == card_ts for m in fake_slack.messages[CAMPAIGN]), what="dealt reply")
    [dealt_reply] = [m for m in fake_slack.messages[CAMPAIGN] if m.get("thread_ts") == card_ts]
    assert f"<@{CURATOR}> dealt with this report" in json.dumps(dealt_reply["blocks"])
    _press(running, dealt["value"], user=CURATOR, action_id=DEALT_ACTION_ID)  # pressed again: nothing more
    running.stop()
    running.start()  # kept durably: still dealt with, and the card is not posted again
    assert "Problems reported" not in _home(running, fake_slack, CURATOR, "EvPrb04")
    assert sum("problem was reported" in t for t in _campaign_texts(fake_slack)) == 1
    assert sum(m.get("thread_ts") == card_ts for m in fake_slack.messages[CAMPAIGN]) == 1


def test_ticked_words_are_shared_escaped_and_the_button_is_on_mentions_shares_and_find_figures(
        running, fake_slack):
    running.event(app_mention("EvPrb10", "C0PRBMENT1", "<@UBOT0001> snapchat grooming", "1700000600.000100"))
    [answer] = fake_slack.wait_for("chat.postMessage", timeout=10, where=lambda c: c.params["channel"] == "C0PRBMENT1")
    mention_reports = _buttons(answer.params["blocks"], REPORT_ACTION_ID)
    assert mention_reports and len(answer.params["blocks"]) <= 50

    message = {"type": "message", "user": "U0OTHER001", "text": "snapchat grooming", "ts": "1700000700.000100"}
    fake_slack.set_response("views.open", {"ok": True, "view": {"id": "V0PRBFIND1"}})
    running.action(message_action(message, "C0PRBFIND1", fake_slack.response_url("prb-find")))
    [update] = fake_slack.wait_for("views.update", timeout=10, where=lambda c: c.params.get("view_id") == "V0PRBFIND1")
    view = {**update.params["view"], "id": "V0PRBFIND1"}
    in_modal = _buttons(view["blocks"], REPORT_ACTION_ID)
    assert len(in_modal) == len(_buttons(view["blocks"], SHARE_IN_THREAD_ACTION_ID)) >= 1
    running.action(button_in_view(view, SHARE_IN_THREAD_ACTION_ID,
                                  _buttons(view["blocks"], SHARE_IN_THREAD_ACTION_ID)[0]["value"]))
    [post] = fake_slack.wait_for("chat.postMessage", timeout=10, where=lambda c: c.params["channel"] == "C0PRBFIND1")
    assert _buttons(post.params["blocks"], REPORT_ACTION_ID) and not _buttons(post.params["blocks"], SHARE_ACTION_ID)

    # Reported from the Find figures modal: the report modal is pushed over it. Ticked: the words go out, escaped.
    modal = _report_modal(running, fake_slack, in_modal[0]["value"], method="views.push", view=view)
    _submit(running, modal, WORDS, source="https://www.example.org/release?a=1&b=<2>", share=True)
    wait_until(lambda: any(" wrote:" in t for t in _campaign_texts(fake_slack)), what="the card")
    [card] = [t for t in _campaign_texts(fake_slack) if " wrote:" in t]
    assert f"<@{REPORTER}> wrote" in card and "&lt;!channel&gt; The release says 7,100 &amp; not 7,062" in card
    assert "<!channel>" not in card and "a=1&amp;b=&lt;2&gt;" in card
    assert WORDS not in running.log()  # never logged


def test_words_of_reports_dealt_with_long_ago_are_erased_and_open_ones_kept(tmp_path):
    import datetime as dt

    from facts.figures.problem_reports import ProblemReports

    t0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    reports = ProblemReports(tmp_path / "problems.json")
    try:
        old = reports.add("fig-a", "0123abcd", "UALICE01", "My niece Jo Bloggs saw this", "https://example.org/x",
                          True, now=t0)
        recent = reports.add("fig-b", "0123abcd", "UALICE01", "Recently dealt", None, False, now=t0)
        still_open = reports.add("fig-c", "0123abcd", "UBOB0001", "Not yet looked at", None, False, now=t0)
        reports.mark_dealt(old.id, "UCURATOR", now=t0 + dt.timedelta(days=1))
        reports.mark_dealt(recent.id, "UCURATOR", now=t0 + dt.timedelta(days=80))
        now = t0 + dt.timedelta(days=95)
        assert reports.erase_dealt(90, now=now) == 1
        assert reports.erase_dealt(90, now=now) == 0  # already erased: nothing more to do
        erased = reports.get(old.id)
        assert erased is not None and erased.text == "" and erased.source_url is None
        assert (erased.figure, erased.reporter, erased.dealt_by) == ("fig-a", "UALICE01", "UCURATOR")
        assert "Jo Bloggs" not in (tmp_path / "problems.json").read_text()
        assert reports.get(recent.id).text == "Recently dealt"
        assert [r.id for r in reports.open_reports()] == [still_open.id]
    finally:
        reports.close()
