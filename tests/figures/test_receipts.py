"""Corrections reach past quotes: a figure posted visibly keeps a receipt, and when the figure is
corrected each such post gets one thread reply, through signed requests and the fake Slack."""

from __future__ import annotations

import datetime as dt
import json
import time

from facts.figures.answers import SHARE_ACTION_ID
from facts.figures.modal import SHARE_IN_THREAD_ACTION_ID, parse_share_value
from facts.figures.receipts import Receipt, Receipts, correction_reply
from facts.figures.store import FactStore
from tests.support.campaign import FIGURE_ID, curated_copy, factbot, wait_until
from tests.support.slack_payloads import app_mention, button_in_view, message_action

THREAD_ROOT = "1700000000.000100"
SHARER = "U0SHARER01"


def _in(param: str, value: str):
    return lambda call: call.params.get(param) == value


def _share_in_thread(server, fake_slack, channel: str, text: str, figure_id: str) -> str:
    """Find figures on a thread reply, then Share in thread the figure ``figure_id``; the shared post's ts."""
    view_id = f"V0{channel}"
    fake_slack.set_response("views.open", {"ok": True, "view": {"id": view_id}})
    message = {"type": "message", "user": "U0OTHER001", "text": text, "ts": "1700000050.000200",
               "thread_ts": THREAD_ROOT}
    server.action(message_action(message, channel, fake_slack.response_url(f"ff-{channel}"), user=SHARER))
    [update] = fake_slack.wait_for("views.update", timeout=10, where=_in("view_id", view_id))
    view = {**update.params["view"], "id": view_id, "hash": "1"}
    values = [b["elements"][0]["value"] for b in view["blocks"] if b["type"] == "actions"]
    [value] = [v for v in values if parse_share_value(v)[0] == figure_id]
    server.action(button_in_view(view, SHARE_IN_THREAD_ACTION_ID, value, user=SHARER))
    [post] = fake_slack.wait_for("chat.postMessage", timeout=10, where=_in("channel", channel))
    assert post.params["thread_ts"] == THREAD_ROOT
    [stored] = [m for m in fake_slack.messages[channel] if m.get("thread_ts") == THREAD_ROOT]
    return stored["ts"]


def _corrections(fake_slack, channel: str, ts: str) -> list[dict]:
    return [m for m in fake_slack.messages.get(channel, []) if m.get("thread_ts") == ts]


def test_a_figure_shared_in_a_thread_gets_exactly_one_correction_there_across_reimports_and_a_restart(
        make_server, fake_slack, tmp_path):
    channel = "C0RECEIPT1"
    workdir = tmp_path / "server"
    workdir.mkdir()
    shipped = curated_copy(tmp_path / "curated")
    fake_slack.channels["C0CAMPREC1"] = {}
    server = make_server(workdir, FACTBOT_CURATED_DIR=str(shipped), FACTBOT_CAMPAIGN_CHANNEL="C0CAMPREC1")
    wait_until(lambda: (workdir / "factbot-alerts.json").exists()
               and FIGURE_ID in (workdir / "factbot-alerts.json").read_text(), what="the first snapshot")
    shared_ts = _share_in_thread(server, fake_slack, channel, "7,062 online grooming offences in 2023/24, UK",
                                 FIGURE_ID)
    path = workdir / "factbot-receipts.json"
    wait_until(lambda: shared_ts in path.read_text(), what="the share's receipt")
    receipts = path.read_text()
    assert FIGURE_ID in receipts and shared_ts in receipts and SHARER in receipts
    assert "7,062" not in receipts and "Shared by" not in receipts  # no message text in a receipt

    # The figure is corrected in the curated files and imported by another process.
    curated_copy(shipped, value="value: 7062→value: 7100", display='display: "7,062"→display: "7,100"',
                 quote="that 7,062 sexual→that 7,100 sexual")
    done = factbot(server.env, workdir, "facts", "import")
    assert done.returncode == 0, done.stderr
    wait_until(lambda: len(_corrections(fake_slack, channel, shared_ts)) >= 1, what="the correction reply")
    [reply] = _corrections(fake_slack, channel, shared_ts)
    shown = json.dumps(reply["blocks"], ensure_ascii=False)
    assert f"<@{SHARER}>" in shown and FIGURE_ID in shown and "7,062 → 7,100" in shown
    assert "Quote now:" in shown and "*7,100*" in shown and "https://www.itv.com/news/2024-10-31/" in shown
    assert "Changed in the curated figure files" in shown

    # Imported again, and the server restarted: nothing more under the shared post.
    assert factbot(server.env, workdir, "facts", "import").returncode == 0
    server.stop()
    server.start()
    done = factbot(server.env, workdir, "facts", "import")
    assert done.returncode == 0, done.stderr
    time.sleep(2.5)  # the campaign watch ticks every second: any extra reply would be queued and posted by now
    assert len(_corrections(fake_slack, channel, shared_ts)) == 1
    assert server.get("/healthz").json()["outbox"]["pending"] == 0


def test_share_in_channel_and_a_mention_keep_receipts_for_what_they_post(server, fake_slack):
    channel = "C0RECEIPT2"
    body = server.command("grooming offences 2023/24 UK").json()
    [button, *_] = [e for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]
                    if e["action_id"] == SHARE_ACTION_ID]
    response = server.action({
        "type": "block_actions", "user": {"id": SHARER, "username": "jo"}, "team": {"id": "T0TEST0001"},
        "channel": {"id": channel}, "api_app_id": "A0TEST", "trigger_id": "1.2.3",
        "response_url": fake_slack.response_url("rcpt-share", channel=channel),
        "container": {"type": "message", "is_ephemeral": True},
        "actions": [{"action_id": SHARE_ACTION_ID, "block_id": "b", "type": "button", "value": button["value"],
                     "action_ts": f"{time.time():.6f}"}],
    })
    assert response.status_code == 200
    [posted] = fake_slack.wait_for("response:rcpt-share", timeout=10)
    assert posted.params["response_type"] == "in_channel"
    assert posted.params["metadata"]["event_type"] == "factbot_share"
    shared_ts = fake_slack.messages[channel][0]["ts"]
    path = server.workdir / "factbot-receipts.json"
    wait_until(lambda: path.exists() and shared_ts in path.read_text(), what="the share's receipt")
    figure = json.loads(button["value"])["ids"][0]
    [kept] = [r for r in Receipts(path).all() if r.ts == shared_ts]
    assert (kept.channel, kept.figure, kept.shared_by) == (channel, figure, SHARER)

    server.event(app_mention("EvRcpt1", channel, "<@UBOT0001> snapchat grooming", "1700000500.000100",
                             user=SHARER))
    [answer] = fake_slack.wait_for("chat.postMessage", timeout=10, where=_in("channel", channel))
    answer_ts = [m for m in fake_slack.messages[channel] if m.get("thread_ts") == "1700000500.000100"][0]["ts"]
    blocks = json.dumps(answer.params["blocks"], ensure_ascii=False)
    best = blocks.split("Safeguarding Facts figure ")[1].split(",")[0]  # the whole figure's citation to copy
    expected = 1 + blocks.count(" · _")  # and one receipt per one-line figure
    wait_until(lambda: sum(r.ts == answer_ts for r in Receipts(path).all()) == expected,
               what="the mention answer's receipts")
    shown = {r.figure for r in Receipts(path).all() if r.ts == answer_ts}
    assert best in shown and len(shown) == expected


def test_receipts_past_their_keeping_time_are_purged(tmp_path):
    store = FactStore(tmp_path / "facts.json")
    from facts.figures.curated import CURATED_DIR, curated_paths, load_curated

    store.import_facts(load_curated(curated_paths(CURATED_DIR)).facts)
    fact = store.facts()[0]
    receipts = Receipts(tmp_path / "factbot-receipts.json", keep_days=30)
    now = dt.datetime(2026, 12, 2, tzinfo=dt.UTC)
    receipts.record("C1", "1.000001", fact, "U1", now=now - dt.timedelta(days=31))
    receipts.record("C1", "2.000001", fact, "U1", now=now - dt.timedelta(days=29))
    receipts.record("C1", "2.000001", fact, "U1", now=now)  # the same post again: one receipt
    assert receipts.purge(now) == 1
    assert [r.ts for r in receipts.all()] == ["2.000001"]
    assert receipts.purge(now) == 0


def test_the_receipts_setting_is_checked_with_one_clear_line(tmp_path):
    from bot.settings import SettingsError
    from tests.support.inprocess import settings_from

    for bad in ("0", "two years", "-5"):
        try:
            settings_from({"FACTBOT_RECEIPTS_KEEP_DAYS": bad, "FACTBOT_DB": str(tmp_path / "f.json")})
        except SettingsError as exc:
            assert str(exc).startswith("FACTBOT_RECEIPTS_KEEP_DAYS: ") and "\n" not in str(exc)
        else:
            raise AssertionError(f"{bad!r} was accepted")
    assert settings_from({"FACTBOT_DB": str(tmp_path / "f.json")}).factbot_receipts_keep_days == 730


def test_a_correction_escapes_what_people_typed(tmp_path):
    store = FactStore(tmp_path / "facts.json")
    from facts.figures.curated import CURATED_DIR, curated_paths, load_curated

    store.import_facts(load_curated(curated_paths(CURATED_DIR)).facts)
    fact = store.facts()[0]
    receipt = Receipt("C1", "1.000001", fact.id, "00000000", "U1", "2026-11-01T10:00:00+00:00")
    reply = correction_reply(receipt, fact, [("Figure", "<b>1</b>", "2 & 3")],
                             note={"by": ["U2", "U3"], "at": "2026-12-01T10:00:00+00:00",
                                   "why": "<!channel> the source said <2,000 & more", "action": "approve"})
    shown = json.dumps(reply, ensure_ascii=False)
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown and "&lt;2,000 &amp; more" in shown
    assert "&lt;b&gt;1&lt;/b&gt; → 2 &amp; 3" in shown
    assert "Changed by <@U2> and <@U3> on 1 December 2026" in shown and "<@U1>" in shown
    assert len(reply["blocks"]) <= 50


def test_a_superseded_figure_points_to_its_replacement_and_a_retired_one_says_do_not_quote(tmp_path):
    store = FactStore(tmp_path / "facts.json")
    from facts.figures.curated import CURATED_DIR, curated_paths, load_curated

    store.import_facts(load_curated(curated_paths(CURATED_DIR)).facts)
    old, new = [f for f in store.facts() if f.servable][:2]
    receipt = Receipt("C1", "1.000001", old.id, "00000000", "U1", "2026-11-01T10:00:00+00:00")
    superseded = old.model_copy(update={"superseded_by": new.id})
    reply = correction_reply(receipt, superseded, [("Superseded by", "(none)", new.id)], replacement=new)
    shown = json.dumps(reply["blocks"], ensure_ascii=False)
    assert "*superseded* by" in shown and f"*Quote now:* *{new.display}*" in shown
    assert f"figure {new.id}, version " in shown and f"figure {old.id}, version " not in shown
    retired = correction_reply(receipt, old.model_copy(update={"status": "retired"}), [])
    shown = json.dumps(retired["blocks"], ensure_ascii=False)
    assert "*retired*: do not quote it" in shown and "Quote now" not in shown


def test_a_correction_approved_in_slack_replies_once_under_the_shared_post_naming_both_curators(
        make_server, fake_slack, tmp_path):
    from facts.figures import curation_views as views
    from tests.figures.test_curation import ALICE, BOB, NEW_CLAIM_END, _propose_correction
    from tests.support.slack_payloads import home_button

    fake_slack.clear()
    channel = "C0RECEIPT3"
    fake_slack.channels["C0CAMPREC3"] = {}
    workdir = tmp_path / "server"
    workdir.mkdir()
    server = make_server(workdir, FACTBOT_CURATORS=f"{ALICE},{BOB}", FACTBOT_CAMPAIGN_CHANNEL="C0CAMPREC3",
                         FACTBOT_CURATED_DIR=str(curated_copy(tmp_path / "curated")))
    wait_until(lambda: (workdir / "factbot-alerts.json").exists()
               and FIGURE_ID in (workdir / "factbot-alerts.json").read_text(), what="the first snapshot")
    shared_ts = _share_in_thread(server, fake_slack, channel, "7,062 online grooming offences in 2023/24, UK",
                                 FIGURE_ID)
    wait_until(lambda: shared_ts in (workdir / "factbot-receipts.json").read_text(), what="the receipt")

    proposal = _propose_correction(server, fake_slack, ALICE, opened=2)
    assert not _corrections(fake_slack, channel, shared_ts)  # proposed is not live
    server.action(home_button(views.APPROVE, proposal, user=BOB))
    wait_until(lambda: _corrections(fake_slack, channel, shared_ts), what="the correction reply")
    time.sleep(2.5)  # the campaign watch ticks every second: a second reply would be posted by now
    [reply] = _corrections(fake_slack, channel, shared_ts)
    shown = json.dumps(reply["blocks"], ensure_ascii=False)
    assert f"Changed by <@{ALICE}> and <@{BOB}>" in shown and "LBC carried the same PA story &lt;b&gt;" in shown
    assert f"<@{SHARER}>" in shown and "*Claim:*" in shown and NEW_CLAIM_END in shown
