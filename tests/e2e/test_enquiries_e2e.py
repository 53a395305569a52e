"""End to end: website enquiries through the real server to the fake Slack Web API, with faults.

One server for most tests (private channel, a safeguarding lead, logging at
DEBUG so the last test can check the whole log for personal details), and
servers of their own for a misconfigured channel, an unset channel and a
SIGKILL. Every personal detail sent is remembered in ``SENT``.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sqlite3
import string
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests

from facts.enquiries.messages import CLAIM, RELEASE, RESPONDED
from tests.support.server import INTAKE_TOKEN, Server, free_port, server_env, wait_until

CHANNEL = "C0ENQ0001"
LEAD = "S0LEAD0001"
AUTH = {"Authorization": f"Bearer {INTAKE_TOKEN}"}
SENT: set[str] = set()  # every personal detail submitted in this module


def _letters(n: int = 8) -> str:
    return "".join(random.choices(string.ascii_lowercase, k=n))


def enquiry(**changes) -> dict:
    """A valid enquiry with details unique to this call (so no two are a double-click)."""
    tag = _letters()
    body = {"name": f"Jo {tag.title()}", "email": f"jo.{tag}@example.org", "phone": "01206 878178",
            "organisation": f"Hill {tag.title()} School", "service": "family support",
            "message": f"We would like family support for our son ({tag}).", "consent": True, **changes}
    for field in ("name", "email", "organisation", "message"):
        if isinstance(body.get(field), str):
            SENT.add(body[field])
    return body


def submit(server: Server, body: dict, *, form: bool = False, headers: dict | None = None) -> requests.Response:
    sent = {**AUTH, **(headers or {})}
    if form:
        data = {k: ("on" if v is True else v) for k, v in body.items()}
        return requests.post(server.url + "/enquiries", data=data, headers=sent, timeout=10)
    return requests.post(server.url + "/enquiries", json=body, headers=sent, timeout=10)


def accepted(response: requests.Response) -> str:
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "accepted"
    return response.json()["id"]


def posts(fake, reference: str, channel: str = CHANNEL) -> list[dict]:
    return [m for m in list(fake.messages.get(channel, []))
            if (m.get("metadata") or {}).get("event_payload", {}).get("outbox_id") == reference]


def posted_once(fake, reference: str, channel: str = CHANNEL, timeout: float = 10.0) -> dict:
    """Wait for the post of ``reference``, then make sure no second one follows."""
    deadline = time.monotonic() + timeout
    while not posts(fake, reference, channel):
        assert time.monotonic() < deadline, f"{reference} was not posted"
        time.sleep(0.05)
    time.sleep(0.3)
    found = posts(fake, reference, channel)
    assert len(found) == 1, f"{reference} posted {len(found)} times"
    return found[0]


def health(server: Server) -> dict:
    response = requests.get(server.url + "/healthz", timeout=5)
    assert response.status_code == 200
    return response.json()


def factbot(server: Server, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=server.workdir, env=server.env,
                          capture_output=True, text=True, timeout=60)


def archived(server: Server) -> list[Path]:
    return sorted((server.workdir / "factbot-enquiries").glob("*/ENQ-*.json"))


def record(server: Server, reference: str) -> dict:
    """The stored record: filed under its year, or still in incoming/ (not yet in the outbox)."""
    root = server.workdir / "factbot-enquiries"
    year = root / reference[4:8] / f"{reference}.json"
    for path in (year, root / "incoming" / f"{reference}.json", year):  # it may move while we look
        try:
            return json.loads(path.read_text())
        except FileNotFoundError:
            continue
    raise AssertionError(f"{reference} is not stored")


@pytest.fixture(scope="module")
def enq(fake_slack, tmp_path_factory):
    fake_slack.channels[CHANNEL] = {"is_private": True}
    workdir = tmp_path_factory.mktemp("enquiries")
    # No per-channel pace here: these tests are about what is posted, not how fast (pacing has its
    # own tests, tests/kernel/test_pacing.py); at one post a second, a hundred enquiries took 100 s.
    # Backoff from 0.1 s, not 1 s, for the same reason (tests/kernel/test_delivery.py tests it).
    env = server_env(fake_slack, workdir, FACTBOT_ENQUIRY_CHANNEL=CHANNEL, FACTBOT_SAFEGUARDING_LEAD=LEAD,
                     FACTBOT_LOG_LEVEL="DEBUG", FACTBOT_POST_PACE="0", FACTBOT_RETRY_BASE="0.1")
    running = Server(f"http://127.0.0.1:{free_port()}", env, workdir).start()
    yield running
    running.stop()


# -- the happy paths ---------------------------------------------------------------------


def test_json_enquiry_is_stored_before_202_and_posted_once_showing_markup_as_typed(enq, fake_slack):
    tokens = "<!channel> <!here> <@U0TEST0001> <https://example.org|click here>"
    body = enquiry(message=f"Please help. {tokens}", organisation="<!here> & partners")
    reference = accepted(submit(enq, body))
    assert reference.startswith(f"ENQ-{dt.date.today().year}-")
    assert record(enq, reference)["name"] == body["name"]  # on disk when the 202 came back
    post = posted_once(fake_slack, reference)
    raw = json.dumps(post["blocks"])
    for token in ("<!channel>", "<!here>", "<@U0TEST0001>", "<https://example.org|click here>"):
        assert token not in raw
    assert "&lt;!channel&gt;" in raw and "&lt;!here&gt; &amp; partners" in raw
    assert body["name"] not in post["text"] and reference in post["text"]
    [call] = [c for c in fake_slack.calls("chat.postMessage") if c.params["metadata"]["event_payload"]["outbox_id"] == reference]
    assert call.params["unfurl_links"] is False and call.params["unfurl_media"] is False
    assert call.params["channel"] == CHANNEL
    assert CHANNEL in [c.params["channel"] for c in fake_slack.calls("conversations.info")]


def test_form_encoded_enquiry_from_a_website_plugin(enq, fake_slack):
    body = enquiry(phone="+44 (0)1206 878178", service="Social-Work", _wpnonce="abc123", form_id="7")
    reference = accepted(submit(enq, body, form=True))
    stored = record(enq, reference)
    assert stored["phone"] == "+441206878178" and stored["service"] == "social work"
    assert "+44 1206 878178" in json.dumps(posted_once(fake_slack, reference)["blocks"])


def test_right_to_left_name_is_accepted_and_shown(enq, fake_slack):
    reference = accepted(submit(enq, enquiry(name="مريم أحمد")))
    assert "مريم أحمد" in json.dumps(posted_once(fake_slack, reference)["blocks"], ensure_ascii=False)


def test_same_idempotency_key_or_same_body_is_one_enquiry_posted_once(enq, fake_slack):
    key = {"Idempotency-Key": f"form-{_letters()}"}
    sent = enquiry()
    first = accepted(submit(enq, sent, headers=key))
    assert accepted(submit(enq, sent, headers=key)) == first  # the website sending the same form again
    body = enquiry()
    clicked = accepted(submit(enq, body))
    assert accepted(submit(enq, body, form=True)) == clicked  # a double-click, even as a form post
    posted_once(fake_slack, first)
    posted_once(fake_slack, clicked)


def test_filled_honeypot_gets_a_normal_202_and_is_dropped(enq, fake_slack):
    before = archived(enq)
    response = submit(enq, enquiry(website="http://spam.example"))
    assert response.status_code == 202 and response.json()["id"].startswith("ENQ-")
    time.sleep(0.5)
    assert archived(enq) == before and posts(fake_slack, response.json()["id"]) == []


def test_urgent_enquiry_mentions_the_lead_and_the_202_signposts_from_the_facts(enq, fake_slack):
    response = submit(enq, enquiry(message="I think my niece is in immediate danger tonight."))
    reference = accepted(response)
    answer = response.json()
    assert answer["urgent"] is True
    by_id = {s["id"]: s for s in answer["signposting"]}
    assert by_id["emergency-999"]["display"] == "999" and "immediate danger" in by_id["emergency-999"]["claim"]
    assert by_id["helpline-nspcc-adults"]["display"] == "0808 800 5000"
    post = posted_once(fake_slack, reference)
    assert f"<!subteam^{LEAD}>" in post["text"] and "URGENT" in post["blocks"][0]["text"]["text"]


def test_long_message_is_shown_in_full_in_a_thread_reply(enq, fake_slack):
    tail = _letters(12)
    message = "We need help. " * 400 + tail
    SENT.add(tail)
    reference = accepted(submit(enq, enquiry(message=message)))
    post = posted_once(fake_slack, reference)
    assert tail not in json.dumps(post["blocks"]) and "in full in the thread" in json.dumps(post["blocks"])
    reply = posted_once(fake_slack, f"{reference}-full")
    assert reply["thread_ts"] == post["ts"]
    shown = " ".join(b["text"]["text"] for b in reply["blocks"][1:])
    assert shown.split() == message.split()


def _press(enq, fake_slack, reference: str, ts: str, action_id: str, user: str, name: str) -> requests.Response:
    return enq.action({
        "type": "block_actions", "user": {"id": user, "username": user.lower()}, "team": {"id": "T0TEST0001"},
        "api_app_id": "A0TEST", "trigger_id": "1.2.3", "response_url": fake_slack.response_url(name),
        "channel": {"id": CHANNEL}, "container": {"type": "message", "message_ts": ts, "channel_id": CHANNEL},
        "message": {"ts": ts, "type": "message"},
        "actions": [{"action_id": action_id, "block_id": "enquiry_actions", "type": "button", "value": reference,
                     "action_ts": "1700000000.1"}],
    })


def test_claim_release_and_mark_responded_from_slack(enq, fake_slack):
    reference = accepted(submit(enq, enquiry()))
    post = posted_once(fake_slack, reference)
    thread = lambda: [m["text"] for m in fake_slack.messages[CHANNEL] if m.get("thread_ts") == post["ts"]]  # noqa: E731
    blocks = lambda: json.dumps(posts(fake_slack, reference)[0]["blocks"])  # noqa: E731

    assert _press(enq, fake_slack, reference, post["ts"], CLAIM, "U0CLAIM001", "c1").status_code == 200
    wait_until(lambda: "Claimed by <@U0CLAIM001>" in blocks(), what="the claim edit")
    assert '"action_id": "enquiry_release"' in blocks()
    wait_until(lambda: any("Claimed by <@U0CLAIM001>" in t for t in thread()), what="the claim reply")

    _press(enq, fake_slack, reference, post["ts"], CLAIM, "U0OTHER001", "c2")
    [note] = fake_slack.wait_for("response:c2", timeout=10)
    assert "already claimed by <@U0CLAIM001>" in note.params["text"]

    _press(enq, fake_slack, reference, post["ts"], RELEASE, "U0CLAIM001", "c3")
    wait_until(lambda: "Not claimed yet" in blocks(), what="the release edit")
    _press(enq, fake_slack, reference, post["ts"], RESPONDED, "U0OTHER001", "c4")
    wait_until(lambda: "Responded by <@U0OTHER001>" in blocks(), what="the responded edit")
    wait_until(lambda: len(thread()) == 3, what="three thread replies")
    assert [t.split(" by ")[0] for t in thread()] == [":raising_hand: Claimed", ":leftwards_arrow_with_hook: Released",
                                                     ":white_check_mark: Responded"]
    assert [e["action"] for e in record(enq, reference)["history"]] == ["claimed", "released", "responded"]


# -- faults ------------------------------------------------------------------------------


def test_rate_limited_post_waits_for_retry_after_and_is_posted_once(enq, fake_slack):
    fake_slack.fail_next("chat.postMessage", status=429, headers={"Retry-After": "1"})
    reference = accepted(submit(enq, enquiry()))
    posted_once(fake_slack, reference)
    tries = [c for c in fake_slack.calls("chat.postMessage") if c.params["metadata"]["event_payload"]["outbox_id"] == reference]
    assert [c.fault.status if c.fault else 200 for c in tries] == [429, 200]
    assert tries[1].time - tries[0].time >= 0.95


def test_server_errors_are_retried_then_posted_once(enq, fake_slack):
    fake_slack.fail_next("chat.postMessage", status=500)
    fake_slack.fail_next("chat.postMessage", status=503)
    reference = accepted(submit(enq, enquiry()))
    posted_once(fake_slack, reference, timeout=15)
    tries = [c for c in fake_slack.calls("chat.postMessage") if c.params["metadata"]["event_payload"]["outbox_id"] == reference]
    assert len(tries) == 3


def test_slack_down_at_submit_time_and_back_later(enq, fake_slack):
    fake_slack.down()
    try:
        started = time.monotonic()
        reference = accepted(submit(enq, enquiry()))
        assert time.monotonic() - started < 2  # intake never waits for Slack
        wait_until(lambda: health(enq)["outbox"]["pending"] >= 1, what="a pending delivery")
        time.sleep(1.0)
    finally:
        fake_slack.up()
    posted_once(fake_slack, reference, timeout=15)
    assert health(enq)["outbox"]["pending"] == 0


def test_permanent_error_holds_shows_on_healthz_and_cli_and_retry_resends(enq, fake_slack):
    fake_slack.fail_next("chat.postMessage", error="not_in_channel")
    body = enquiry()
    reference = accepted(submit(enq, body))
    state = wait_until(lambda: health(enq)["outbox"]["held"] and health(enq), what="a held delivery")
    assert state["status"] == "degraded"
    assert state["outbox"]["held_errors"] == {"enquiry: not_in_channel": 1}
    assert "invite it" in state["enquiries"]["problems"][0]
    assert body["name"] not in json.dumps(state) and body["email"] not in json.dumps(state)
    listed = factbot(enq, "enquiries", "list")
    assert listed.returncode == 0 and reference in listed.stdout and "not_in_channel" in listed.stdout
    assert body["name"] not in listed.stdout + listed.stderr and body["email"] not in listed.stdout
    retried = factbot(enq, "enquiries", "retry")
    assert retried.returncode == 0 and "1 held" in retried.stdout
    posted_once(fake_slack, reference)
    assert health(enq)["status"] == "ok"


def test_misconfigured_channel_is_held_with_the_reason_until_fixed(make_server, fake_slack):
    channel = "C0WRONG001"
    fake_slack.channels.pop(channel, None)
    srv = make_server(FACTBOT_ENQUIRY_CHANNEL=channel)
    reference = accepted(submit(srv, enquiry()))
    errors = lambda: health(srv)["outbox"]["held_errors"]  # noqa: E731
    wait_until(lambda: errors() == {"enquiry: channel_not_found": 1}, what="held: channel_not_found")
    assert "invite the app" in health(srv)["enquiries"]["problems"][0]

    fake_slack.channels[channel] = {"is_private": False}  # a public channel: must not be used
    assert factbot(srv, "enquiries", "retry", reference).returncode == 0
    wait_until(lambda: errors() == {"enquiry: channel_not_private": 1}, what="held: channel_not_private")
    assert "not a private channel" in health(srv)["enquiries"]["problems"][0]
    assert f"enquiry channel {channel} is not private" in srv.log()
    assert posts(fake_slack, reference, channel) == []

    fake_slack.channels[channel] = {"is_private": True}
    factbot(srv, "enquiries", "retry")
    posted_once(fake_slack, reference, channel)
    assert health(srv)["status"] == "ok"


def test_unset_channel_stores_and_holds(server, fake_slack):
    reference = accepted(submit(server, enquiry()))
    wait_until(lambda: health(server)["outbox"]["held_errors"] == {"enquiry: enquiry_channel_not_set": 1},
               what="held: enquiry_channel_not_set")
    assert "FACTBOT_ENQUIRY_CHANNEL is not set" in health(server)["enquiries"]["problems"][0]
    assert record(server, reference)["reference"] == reference


def test_urgent_enquiries_held_without_channel_or_lead_are_posted_to_the_lead_set_since(
        make_server, fake_slack, tmp_path):
    """Accepted with no channel and no lead; restarted with both set and `enquiries retry`: each held
    urgent post is rendered again from the archive (it mentions the lead, once), and the lead gets
    no "held … channel not set" message about holds that are over (docs/decisions.md 2026-12-02)."""
    channel, lead = "C0HELDLATE", "U0HELDLEAD"
    fake_slack.channels[channel] = {"is_private": True}
    first = make_server(tmp_path, FACTBOT_RETRY_BASE="0.1")
    urgent = "My daughter is in immediate danger tonight"
    references = [accepted(submit(first, enquiry(message=f"{urgent} ({_letters()})"))) for _ in range(3)]
    # the posts held, and the escalation's alerts to a lead not set held too
    wait_until(lambda: health(first)["outbox"]["held_errors"] == {
        "enquiry: enquiry_channel_not_set": 3, "enquiry: enquiry_alert_channel_not_set": 3},
        timeout=30, what="the posts and their alerts held")
    first.stop()

    second = make_server(tmp_path, FACTBOT_ENQUIRY_CHANNEL=channel, FACTBOT_SAFEGUARDING_LEAD=lead,
                         FACTBOT_RETRY_BASE="0.1", FACTBOT_POST_PACE="0")
    time.sleep(6)  # the escalation's first pass (5 s) sees the posts still held, for a channel set now
    assert fake_slack.messages.get(lead, []) == []
    retried = factbot(second, "enquiries", "retry")
    assert retried.returncode == 0, retried.stderr
    for reference in references:
        post = json.dumps(posted_once(fake_slack, reference, channel))
        assert f"<@{lead}>" in post and "No safeguarding lead is set" not in post
    wait_until(lambda: health(second)["outbox"]["held"] == 0 and not health(second)["enquiries"]["urgent_held"],
               what="nothing held")
    time.sleep(1)
    assert fake_slack.messages.get(lead, []) == []  # nothing held now: no stale "held" message
    fresh = accepted(submit(second, enquiry(message=urgent)))
    assert f"<@{lead}>" in json.dumps(posted_once(fake_slack, fresh, channel))


def test_killed_right_after_202_and_mid_post_the_enquiry_is_posted_exactly_once(make_server, fake_slack, tmp_path):
    channel = "C0KILL0001"
    fake_slack.channels[channel] = {"is_private": True}
    fake_slack.down()
    try:
        first = make_server(tmp_path, FACTBOT_ENQUIRY_CHANNEL=channel)
        reference = accepted(submit(first, enquiry()))
        first.stop(kill=True)  # SIGKILL right after the 202, with Slack unreachable
    finally:
        fake_slack.up()
    assert record(first, reference)["ts"] is None

    fake_slack.fail_next("chat.postMessage", delay=1.5)  # Slack takes the post but answers late
    # A 1 s look-up delay and a 4 s client timeout, not the default 10 s each: the interrupted post
    # is still looked for 5 s after it was sent, after the fake stored it (1.5 s), so posting it
    # again would double it.
    quick = {"FACTBOT_ENQUIRY_CHANNEL": channel, "FACTBOT_LOOKUP_DELAY": "1", "FACTBOT_SLACK_TIMEOUT": "4"}
    second = make_server(tmp_path, **quick)
    wait_until(lambda: any(c.params.get("channel") == channel for c in fake_slack.calls("chat.postMessage")),
               what="the post to reach Slack")
    second.stop(kill=True)  # SIGKILL mid-post: Slack has it, the server never saw the ts
    wait_until(lambda: posts(fake_slack, reference, channel), what="the slow post to land")

    third = make_server(tmp_path, **quick)
    later = accepted(submit(third, enquiry()))
    posted_once(fake_slack, later, channel)
    # The interrupted post is looked for once a post sent then would have timed out and been
    # looked for (FACTBOT_SLACK_TIMEOUT + FACTBOT_LOOKUP_DELAY after it was sent), then not posted again.
    wait_until(lambda: any(c.params.get("channel") == channel for c in fake_slack.calls("conversations.history")),
               timeout=30, what="the look-up for the interrupted post")
    post = posted_once(fake_slack, reference, channel)
    wait_until(lambda: record(third, reference)["ts"] == post["ts"], what="the ts recorded")


def test_a_hundred_enquiries_from_ten_threads(enq, fake_slack):
    bodies = [enquiry() for _ in range(100)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        references = list(pool.map(lambda b: accepted(submit(enq, b)), bodies))
    assert len(set(references)) == 100
    wait_until(lambda: all(posts(fake_slack, r) for r in references), timeout=60, what="100 posts")
    time.sleep(0.3)
    assert all(len(posts(fake_slack, r)) == 1 for r in references)
    names = {record(enq, r)["name"] for r in references}
    assert names == {b["name"] for b in bodies}
    for path in archived(enq):
        json.loads(path.read_text())  # every record file is whole
    with closing(sqlite3.connect(enq.workdir / "factbot-outbox.sqlite3")) as db:  # the outbox is whole
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute(f"SELECT count(*) FROM items WHERE id IN ({','.join('?' * 100)})",
                          references).fetchone() == (100,)
    assert health(enq)["status"] == "ok"


def test_purge_removes_details_and_edits_the_slack_message(enq, fake_slack):
    body = enquiry(message="Please call. " * 300)
    reference = accepted(submit(enq, body))
    post = posted_once(fake_slack, reference)
    posted_once(fake_slack, f"{reference}-full")
    path = enq.workdir / "factbot-enquiries" / reference[4:8] / f"{reference}.json"
    wait_until(lambda: json.loads(path.read_text())["reply_ts"], what="the reply ts recorded")
    old = json.loads(path.read_text())  # as if received 91 days ago
    old["received_at"] = (dt.datetime.now(dt.UTC) - dt.timedelta(days=91)).isoformat()
    path.write_text(json.dumps(old))

    done = factbot(enq, "enquiries", "purge")
    assert done.returncode == 0 and "1 enquiries older than 90 days purged; 2 Slack messages" in done.stdout
    stored = record(enq, reference)
    assert all(stored[k] is None for k in ("name", "email", "phone", "organisation", "message"))
    assert stored["reference"] == reference and stored["service"] == "family support"
    wait_until(lambda: "removed after 90 days" in json.dumps(posts(fake_slack, reference)), what="the purge edit")
    thread = [m for m in fake_slack.messages[CHANNEL] if m.get("thread_ts") == post["ts"]]
    wait_until(lambda: "was removed" in json.dumps(thread), what="the reply edit")
    for message in [*posts(fake_slack, reference), *thread]:
        for detail in (body["name"], body["email"], body["organisation"], "Please call."):
            assert detail not in json.dumps(message, ensure_ascii=False)


def test_an_erasure_request_purges_one_enquiry_now(enq, fake_slack):
    body = enquiry()
    reference = accepted(submit(enq, body))
    posted_once(fake_slack, reference)
    missing = factbot(enq, "enquiries", "purge", "ENQ-2026-999999")
    assert missing.returncode == 1 and "no enquiry ENQ-2026-999999 is on record" in missing.stderr
    done = factbot(enq, "enquiries", "purge", reference)
    assert done.returncode == 0 and f"1 enquiries named ({reference}) purged" in done.stdout
    assert record(enq, reference)["name"] is None
    wait_until(lambda: "removed on request" in json.dumps(posts(fake_slack, reference)), what="the erasure edit")


# -- malformed requests -------------------------------------------------------------------

GOOD = {"name": "Sam Malformed", "email": "sam.malformed@example.org", "message": "Hello", "consent": True}
JSON_HEADERS = {**AUTH, "Content-Type": "application/json"}
FORM_HEADERS = {**AUTH, "Content-Type": "application/x-www-form-urlencoded"}


def _json(**changes) -> bytes:
    return json.dumps({k: v for k, v in {**GOOD, **changes}.items() if v is not ...}).encode()


MALFORMED = [
    # (case, headers, body, status, what the answer must say)
    ("no token", {"Content-Type": "application/json"}, _json(), 401, "bearer token"),
    ("wrong token", {**JSON_HEADERS, "Authorization": "Bearer not-the-token"}, _json(), 401, "bearer token"),
    ("basic auth", {**JSON_HEADERS, "Authorization": f"Basic {INTAKE_TOKEN}"}, _json(), 401, "bearer token"),
    ("empty bearer", {**JSON_HEADERS, "Authorization": "Bearer "}, _json(), 401, "bearer token"),
    # Any other type, or none, is read by its look (2026-12-02): only a body neither JSON nor a form is refused.
    ("text/plain, not json or a form", {**AUTH, "Content-Type": "text/plain"}, b"Hello", 415, "neither JSON"),
    ("multipart", {**AUTH, "Content-Type": "multipart/form-data; boundary=x"}, b"--x--", 415, "application/json"),
    ("no content type, not json or a form", AUTH, b"Hello", 415, "neither JSON"),
    ("huge json body", JSON_HEADERS, _json(message="x" * 70_000), 413, "65536 bytes"),
    ("huge form body", FORM_HEADERS, urlencode({**GOOD, "message": "x" * 70_000}).encode(), 413, "65536 bytes"),
    # Not UTF-8, so read as Windows-1252; %81 is undefined there, so Latin-1: a control character.
    ("form not utf-8 with a control character", FORM_HEADERS, b"name=Sam%81&message=x&email=a%40b.org&consent=on",
     422, "control"),
    ("not json", JSON_HEADERS, b'{"name": "Sam",', 400, "not valid JSON"),
    ("empty json body", JSON_HEADERS, b"", 400, "not valid JSON"),
    ("json list", JSON_HEADERS, json.dumps([GOOD]).encode(), 422, "body"),
    ("json string", JSON_HEADERS, b'"hello"', 422, "body"),
    ("json null", JSON_HEADERS, b"null", 422, "body"),
    ("empty object", JSON_HEADERS, b"{}", 422, "name"),
    ("missing name", JSON_HEADERS, _json(name=...), 422, "name"),
    ("missing message", JSON_HEADERS, _json(message=...), 422, "message"),
    ("name is a number", JSON_HEADERS, _json(name=42), 422, "name"),
    ("name is an object", JSON_HEADERS, _json(name={"first": "Sam"}), 422, "name"),
    ("message is a list", JSON_HEADERS, _json(message=["a", "b"]), 422, "message"),
    ("organisation nested", JSON_HEADERS, _json(organisation={"a": {"b": 1}}), 422, "organisation"),
    ("consent false", JSON_HEADERS, _json(consent=False), 422, "consent"),
    ("consent missing", JSON_HEADERS, _json(consent=...), 422, "consent"),
    ("consent off in form", FORM_HEADERS, urlencode({**GOOD, "consent": "off"}).encode(), 422, "consent"),
    ("bad email", JSON_HEADERS, _json(email="sam@@example"), 422, "email"),
    ("zero-width inside email", JSON_HEADERS, _json(email="sam\u200b@example.org"), 422, "email"),
    ("bad phone and no email", JSON_HEADERS, _json(phone="12345", email=...), 422, "phone"),
    ("phone is a number and no email", JSON_HEADERS, _json(phone=1206878178, email=...), 422, "phone"),
    ("no contact at all", JSON_HEADERS, _json(email=...), 422, "email"),
    ("unknown service", JSON_HEADERS, _json(service="astrology"), 422, "service"),
    ("emoji in name", JSON_HEADERS, _json(name="Sam 😀"), 422, "emoji"),
    ("right-to-left override in name", JSON_HEADERS, _json(name="\u202eSam Malformed"), 422, "override"),
    ("name only invisible characters", JSON_HEADERS, _json(name=" \u200b "), 422, "name"),
    ("name too long", JSON_HEADERS, _json(name="S" * 201), 422, "at most 200"),
    ("message too long", JSON_HEADERS, _json(message="m" * 10_001), 422, "at most 10000"),
    ("name sent twice in a form", FORM_HEADERS, b"name=Sam&name=Bob&message=x&email=a%40b.org&consent=on", 422,
     "sent once"),
    ("bad idempotency key", {**JSON_HEADERS, "Idempotency-Key": "x" * 201}, _json(), 422, "Idempotency-Key"),
]


@pytest.mark.parametrize("headers,body,status,says", [c[1:] for c in MALFORMED], ids=[c[0] for c in MALFORMED])
def test_malformed_request_gets_a_clear_4xx_and_nothing_is_stored(enq, headers, body, status, says):
    before = archived(enq)
    response = requests.post(enq.url + "/enquiries", data=body, headers=headers, timeout=10)
    assert response.status_code == status, response.text
    answer = response.json()
    assert says in json.dumps(answer)
    if status == 422:
        assert answer["fields"] and all(f["field"] and f["message"] for f in answer["fields"])
        assert "Sam Malformed" not in response.text and "sam.malformed" not in response.text  # values not echoed
    assert archived(enq) == before
    assert health(enq)["outbox"]["held"] == 0


def test_every_field_error_is_named_at_once(enq):
    response = requests.post(enq.url + "/enquiries", data=b"{}", headers=JSON_HEADERS, timeout=10)
    assert {f["field"] for f in response.json()["fields"]} == {"name", "message", "consent", "email", "phone"}


def test_an_urgent_enquiry_with_a_lone_surrogate_or_a_windows_1252_byte_is_stored_and_posted(enq, fake_slack):
    """Fresh-user trial 2026-12-02: ``\\ud800`` in the message was a 500 forever, a 0x92 byte a 400."""
    body = enquiry(message=f"my child is in danger tonight ({_letters()}) \ud800")
    SENT.add(body["message"][:-2])
    surrogate = requests.post(enq.url + "/enquiries", data=json.dumps(body).encode(), headers=JSON_HEADERS,
                              timeout=10)
    legacy = enquiry(message=f"He’s coming to take her tonight, she is in danger ({_letters()})")
    cp1252 = requests.post(enq.url + "/enquiries", data=json.dumps(legacy, ensure_ascii=False).encode("cp1252"),
                           headers=JSON_HEADERS, timeout=10)
    for response, field, stored in ((surrogate, "message", body["message"][:-1] + "\ufffd"),
                                    (cp1252, "message", legacy["message"])):
        reference = accepted(response)
        assert response.json()["urgent"] is True and field in [f["field"] for f in response.json()["fields"]]
        assert record(enq, reference)["message"] == stored
        assert "URGENT" in posted_once(fake_slack, reference)["text"]


# -- privacy of the logs ---------------------------------------------------------------------


def test_no_personal_detail_reaches_the_debug_log(enq, fake_slack):
    """Runs last: the server has logged at DEBUG through every test above."""
    fake_slack.fail_next("chat.postMessage", status=429, headers={"Retry-After": "1"})
    fake_slack.fail_next("chat.postMessage", status=500)
    quiet = enquiry(message=f"My child is suicidal; call {_letters()}", phone="07911 123456")
    SENT.update({"07911 123456", "+447911123456", "07911", "1206 878178", "+441206878178"})
    reference = accepted(submit(enq, quiet))
    posted_once(fake_slack, reference, timeout=15)
    log = enq.log()
    assert " DEBUG " in log and reference in log  # the log is on, at DEBUG, and names references
    leaked = sorted(detail for detail in SENT if detail in log)
    assert leaked == [], f"personal details in the log: {len(leaked)}"
    assert len(SENT) > 100


def test_a_second_server_on_the_same_store_refuses_to_start(make_server, tmp_path):
    import subprocess
    import sys

    first = make_server()
    done = subprocess.run([sys.executable, "-m", "bot.cli", "serve", "--port", "9"], cwd=tmp_path, env=first.env,
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 1
    assert "another factbot serve is already using FACTBOT_DB=" in done.stderr and "Traceback" not in done.stderr


def test_an_idempotency_key_reused_for_a_different_enquiry_keeps_both(enq):
    from tests.support.server import INTAKE_TOKEN

    url = enq.url + "/enquiries"
    headers = {"Authorization": f"Bearer {INTAKE_TOKEN}", "Idempotency-Key": "form-7"}
    first = {"name": "Ann Example", "email": "ann@example.org", "service": "other", "message": "First.", "consent": True}
    second = {**first, "name": "Bea Example", "message": "Second family."}
    one = requests.post(url, json=first, headers=headers, timeout=5)
    assert one.status_code == 202
    assert requests.post(url, json=first, headers=headers, timeout=5).json()["id"] == one.json()["id"]
    clash = requests.post(url, json=second, headers=headers, timeout=5)
    assert clash.status_code == 202 and clash.json()["id"] != one.json()["id"]
    assert "send a new key" in clash.json()["fields"][0]["message"] and clash.json()["note"]


def test_urgent_text_is_stored_with_signposting_even_when_it_would_be_refused_or_dropped(enq):
    from tests.support.server import INTAKE_TOKEN

    url = enq.url + "/enquiries"
    headers = {"Authorization": f"Bearer {INTAKE_TOKEN}"}
    urgent = "She is in danger and scared to go home."
    kept = requests.post(url, json={"name": "Cy", "message": urgent}, headers=headers, timeout=5)
    assert kept.status_code == 202 and kept.json()["urgent"] is True
    assert {f["field"] for f in kept.json()["fields"]} == {"consent", "contact"}
    assert any("999" in json.dumps(s) for s in kept.json()["signposting"])
    assert record(enq, kept.json()["id"])["message"] == urgent
    held = requests.post(url, json={"name": "Di", "email": "di@example.org", "service": "other", "message": urgent,
                                    "consent": True, "website": "autofilled"}, headers=headers, timeout=5)
    assert held.status_code == 202 and held.json()["urgent"] is True
    assert record(enq, held.json()["id"])["name"] == "Di"
