"""An urgent enquiry is never refused or dropped: ``POST /enquiries`` through the server in this
process (``tests.support.inprocess``) to the fake Slack.

Urgent text with a phone the validator refuses, no consent, a bad email or no contact at all,
a filled honeypot or a reused Idempotency-Key is stored and posted with the problem marked, and
the 202 says what to fix. Also: a valid email beside a bad phone, Windows-1252 forms, and no
personal detail in the DEBUG log.
"""

from __future__ import annotations

import json
import random
import string
import subprocess
import sys
import time
from urllib.parse import quote_from_bytes, urlencode

import pytest

from tests.support.inprocess import InProcessServer
from tests.support.server import INTAKE_TOKEN, server_env

CHANNEL = "C0URGENT01"
LEAD = "U0LEAD0001"
AUTH = {"Authorization": f"Bearer {INTAKE_TOKEN}"}
URGENT = "My daughter is in immediate danger tonight, please help"
SENT: set[str] = set()  # every personal detail sent in this module (none may reach the log)


@pytest.fixture(scope="module")
def srv(fake_slack, tmp_path_factory):
    fake_slack.channels[CHANNEL] = {"is_private": True}
    workdir = tmp_path_factory.mktemp("urgent")
    env = server_env(fake_slack, workdir, FACTBOT_ENQUIRY_CHANNEL=CHANNEL, FACTBOT_SAFEGUARDING_LEAD=LEAD,
                     FACTBOT_LOG_LEVEL="DEBUG")
    running = InProcessServer(env, workdir).start()
    yield running
    running.stop()


def tag() -> str:
    return "".join(random.choices(string.ascii_lowercase, k=8))


def enquiry(**changes) -> dict:
    """A valid enquiry with details unique to this call; ``...`` removes a field."""
    t = tag()
    body = {"name": f"Jo {t.title()}", "email": f"jo.{t}@example.org", "phone": "01206 878178",
            "service": "family support", "message": f"{URGENT} ({t})", "consent": True, **changes}
    body = {k: v for k, v in body.items() if v is not ...}
    SENT.update(v for k, v in body.items()
                if k in ("name", "email", "phone", "message") and isinstance(v, str) and len(v) > 4)
    return body


def submit(srv, body: dict, **headers: str):
    return srv.post("/enquiries", json=body, headers={**AUTH, **headers})


def stored(srv, reference: str) -> dict:
    root = srv.workdir / "factbot-enquiries"
    for path in (root / reference[4:8] / f"{reference}.json", root / "incoming" / f"{reference}.json",
                 root / reference[4:8] / f"{reference}.json"):
        try:
            return json.loads(path.read_text())
        except FileNotFoundError:
            continue
    raise AssertionError(f"{reference} is not stored")


def posted(fake, reference: str, timeout: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in list(fake.messages.get(CHANNEL, []))
                 if (m.get("metadata") or {}).get("event_payload", {}).get("outbox_id") == reference]
        if found:
            assert len(found) == 1
            return found[0]
        assert time.monotonic() < deadline, f"{reference} was not posted"
        time.sleep(0.05)


def accepted_urgent(response) -> dict:
    assert response.status_code == 202, response.text
    answer = response.json()
    assert answer["status"] == "accepted" and answer["urgent"] is True
    assert any(s["display"] == "999" for s in answer["signposting"])
    return answer


# -- urgent with something wrong: stored, posted, marked ----------------------------------------


@pytest.mark.parametrize("changes,field,shown", [
    ({"phone": "07700 90012"}, "phone", "phone as typed"),  # a mistyped mobile, with a valid email
    ({"phone": "07700 90012", "email": ...}, "phone", "phone as typed"),  # the mistyped mobile is all there is
    ({"consent": ...}, "consent", "consent to store the enquiry was not given"),
    ({"consent": "off"}, "consent", "consent to store the enquiry was not given"),
    ({"email": "jo@@example", "phone": ...}, "email", "email as typed"),
    ({"email": ..., "phone": ...}, "contact", "cannot be contacted"),
    ({"name": ...}, "name", "no name given"),
    ({"service": "astrology"}, "service", "service as typed"),
])
def test_urgent_enquiry_with_a_bad_or_missing_field_is_stored_and_posted_with_the_problem_marked(
        srv, fake_slack, changes, field, shown):
    body = enquiry(**changes)
    answer = accepted_urgent(submit(srv, body))
    assert field in [f["field"] for f in answer["fields"]] and "Received" in answer["note"]
    record = stored(srv, answer["id"])
    assert record["urgent"] is True and record["message"] == body["message"]
    assert field in [p["field"] for p in record["problems"]]
    post = posted(fake_slack, answer["id"])
    blocks = json.dumps(post["blocks"])
    assert "URGENT" in post["text"] and shown in blocks and "Check before replying" in blocks
    for value in changes.values():
        if isinstance(value, str) and value != "off":
            assert value in blocks  # kept as typed, shown to staff


def test_the_202_and_the_post_say_why_it_was_flagged(srv, fake_slack):
    body = enquiry(message="A man is on his way to meet my son now")
    answer = accepted_urgent(submit(srv, body))
    assert answer["why"] == ["contact or a meeting + an adult or someone older + now or soon"]
    post = posted(fake_slack, answer["id"])
    assert "why: “contact or a meeting + an adult or someone older + now or soon”" in json.dumps(
        post["blocks"], ensure_ascii=False)


def test_a_valid_email_with_a_bad_phone_is_not_refused_even_when_routine(srv, fake_slack):
    body = enquiry(message=f"Could you send details of your family support service? ({tag()})", phone="07700 90012")
    SENT.add(body["message"])
    response = submit(srv, body)
    assert response.status_code == 202, response.text
    answer = response.json()
    assert "urgent" not in answer and [f["field"] for f in answer["fields"]] == ["phone"]
    assert "07700 90012" not in response.text  # the answer names the field, never the value
    record = stored(srv, answer["id"])
    assert (record["email"], record["phone"]) == (body["email"], "07700 90012")
    assert "phone as typed" in json.dumps(posted(fake_slack, answer["id"])["blocks"])


@pytest.mark.parametrize("changes,field", [({"consent": ...}, "consent"), ({"email": ..., "phone": "12"}, "phone"),
                                           ({"email": ..., "phone": ...}, "email")])
def test_a_routine_enquiry_with_a_bad_field_is_still_refused_and_nothing_is_stored(srv, changes, field):
    before = _record_names(srv)
    response = submit(srv, enquiry(message="Please send your leaflet.", **changes))
    assert response.status_code == 422 and field in [f["field"] for f in response.json()["fields"]]
    assert "urgent" not in response.json()
    assert _record_names(srv) == before


def test_urgent_enquiry_with_a_filled_honeypot_is_kept_for_review(srv, fake_slack):
    body = enquiry(website="https://autofilled.example")
    answer = accepted_urgent(submit(srv, body))
    record = stored(srv, answer["id"])
    assert record["name"] == body["name"] and "website" in [p["field"] for p in record["problems"]]
    assert "only robots see was filled in" in json.dumps(posted(fake_slack, answer["id"])["blocks"])
    line = [ln for ln in srv.log().splitlines() if answer["id"] in ln and "honeypot" in ln]
    assert line and "urgent" in line[0] and "held for review" in line[0]


def test_routine_enquiry_with_a_filled_honeypot_is_still_dropped(srv):
    before = _record_names(srv)
    response = submit(srv, enquiry(message="Please send your leaflet.", website="http://spam.example"))
    assert response.status_code == 202 and "urgent" not in response.json()
    assert _record_names(srv) == before


def test_a_reused_idempotency_key_gives_the_same_answer_with_the_signposting(srv, fake_slack):
    key = f"form-{tag()}"
    body = enquiry()
    first = accepted_urgent(submit(srv, body, **{"Idempotency-Key": key}))
    again = accepted_urgent(submit(srv, body, **{"Idempotency-Key": key}))
    assert again["id"] == first["id"]
    other = accepted_urgent(submit(srv, enquiry(), **{"Idempotency-Key": key}))  # a plugin reusing its form id
    assert other["id"] != first["id"] and [f["field"] for f in other["fields"]] == ["Idempotency-Key"]
    posted(fake_slack, other["id"])
    routine = submit(srv, enquiry(message="Please send your leaflet."), **{"Idempotency-Key": key})
    assert routine.status_code == 202, routine.text  # a routine one is not lost to the website's key bug either
    kept = routine.json()
    assert kept["id"] not in (first["id"], other["id"]) and [f["field"] for f in kept["fields"]] == ["Idempotency-Key"]
    posted(fake_slack, kept["id"])


# -- staff correct the triage from the message ---------------------------------------------------


def press(srv, fake_slack, reference: str, ts: str, action_id: str, user: str):
    return srv.action({
        "type": "block_actions", "user": {"id": user, "username": user.lower()}, "team": {"id": "T0TEST0001"},
        "api_app_id": "A0TEST", "trigger_id": "1.2.3", "response_url": fake_slack.response_url(f"u{tag()}"),
        "channel": {"id": CHANNEL}, "container": {"type": "message", "message_ts": ts, "channel_id": CHANNEL},
        "message": {"ts": ts, "type": "message"},
        "actions": [{"action_id": action_id, "block_id": "enquiry_actions", "type": "button", "value": reference,
                     "action_ts": "1700000000.1"}],
    })


def until(check, what: str, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_staff_mark_an_enquiry_urgent_and_not_urgent_from_its_message(srv, fake_slack):
    from facts.enquiries.messages import MARK_NOT_URGENT, MARK_URGENT

    body = enquiry(message="Could you call me back about family support please")
    reference = submit(srv, body).json()["id"]
    post = posted(fake_slack, reference)
    assert stored(srv, reference)["urgent"] is False and MARK_URGENT in json.dumps(post["blocks"])
    thread = lambda: [m["text"] for m in fake_slack.messages[CHANNEL] if m.get("thread_ts") == post["ts"]]  # noqa: E731

    assert press(srv, fake_slack, reference, post["ts"], MARK_URGENT, "U0STAFF001").status_code == 200
    until(lambda: "URGENT" in posted(fake_slack, reference)["blocks"][0]["text"]["text"], "the urgent edit")
    until(lambda: any("Marked urgent by <@U0STAFF001>" in t for t in thread()), "the thread reply")
    assert stored(srv, reference)["urgent"] is True
    assert "why: marked urgent by staff" in json.dumps(posted(fake_slack, reference)["blocks"], ensure_ascii=False)

    press(srv, fake_slack, reference, post["ts"], MARK_NOT_URGENT, "U0LEAD0001")
    until(lambda: "URGENT" not in posted(fake_slack, reference)["blocks"][0]["text"]["text"], "the routine edit")
    until(lambda: any("Marked not urgent by <@U0LEAD0001>" in t for t in thread()), "the second reply")
    assert stored(srv, reference)["urgent"] is False
    assert [e["action"] for e in stored(srv, reference)["history"]] == ["marked_urgent", "marked_not_urgent"]


# -- encodings -------------------------------------------------------------------------------


def test_a_windows_1252_form_is_read_not_refused(srv, fake_slack):
    t = tag()
    message = f"We’d ‘like’ to meet at the café ({t})"
    fields = {"name": f"Zoë {t.title()}", "email": f"zoe.{t}@example.org", "message": message, "consent": "on"}
    SENT.update({fields["name"], fields["email"], message})
    body = "&".join(f"{k}={quote_from_bytes(v.encode('cp1252'))}" for k, v in fields.items())
    assert "%91like%92" in body and "caf%E9" in body
    response = srv.post("/enquiries", data=body.encode("ascii"),
                        headers={**AUTH, "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 202, response.text
    record = stored(srv, response.json()["id"])
    assert (record["name"], record["message"]) == (fields["name"], message)


@pytest.mark.parametrize("charset", ["windows-1252", "ISO-8859-1"])
def test_a_form_declaring_a_legacy_charset_is_decoded_as_declared(srv, charset):
    t = tag()
    fields = {"name": f"Renée {t.title()}", "email": f"renee.{t}@example.org", "message": "Merci, très bien",
              "consent": "on"}
    SENT.update({fields["name"], fields["email"]})
    body = "&".join(f"{k}={quote_from_bytes(v.encode('cp1252'))}" for k, v in fields.items())
    response = srv.post("/enquiries", data=body.encode(),
                        headers={**AUTH, "Content-Type": f"application/x-www-form-urlencoded; charset={charset}"})
    assert response.status_code == 202, response.text
    assert stored(srv, response.json()["id"])["name"] == fields["name"]


# -- a field sent twice (new-user trial): refused naming it, unless the text is urgent ------------


def _record_names(srv) -> list[str]:
    """The stored records' file names. By name, not path: an earlier test's record may move out of
    incoming/ between two looks (it is the same record)."""
    return sorted(path.name for path in (srv.workdir / "factbot-enquiries").rglob("ENQ-*.json"))


def raw_json(srv, pairs: list[tuple[str, object]]):
    """``POST /enquiries`` with a JSON object written pair by pair, so a key can repeat."""
    body = "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in pairs) + "}"
    return srv.post("/enquiries", data=body.encode(), headers={**AUTH, "Content-Type": "application/json"})


@pytest.mark.parametrize("repeated", ["message", "email"])
def test_a_routine_enquiry_with_a_repeated_json_key_is_refused_naming_it(srv, repeated):
    before = _record_names(srv)
    body = enquiry(message="Please send your leaflet.")
    response = raw_json(srv, [*body.items(), (repeated, body[repeated])])
    assert response.status_code == 422, response.text
    assert response.json()["fields"] == [{"field": repeated, "message": "must be sent once"}]
    assert _record_names(srv) == before


def test_an_urgent_enquiry_with_a_repeated_json_key_is_kept_with_every_value_and_marked(srv, fake_slack):
    body = enquiry()
    # The urgent text first, then a blank copy: "last wins" would have stored an empty message.
    answer = accepted_urgent(raw_json(srv, [*body.items(), ("message", "")]))
    assert {"field": "message", "message": "sent more than once: every value sent is kept here; check which is meant"} \
        in answer["fields"] and "Received" in answer["note"]
    record = stored(srv, answer["id"])
    assert record["message"] == body["message"] and "message" in [p["field"] for p in record["problems"]]
    assert "sent more than once" in json.dumps(posted(fake_slack, answer["id"])["blocks"])


def test_urgent_text_in_a_value_that_would_have_been_overwritten_is_read_and_kept(srv, fake_slack):
    body = enquiry()
    later = f"Please also send your leaflet ({tag()})"
    SENT.add(later)
    answer = accepted_urgent(raw_json(srv, [*body.items(), ("message", later)]))
    assert stored(srv, answer["id"])["message"] == f"{body['message']}\n\n{later}"
    posted(fake_slack, answer["id"])


def test_an_urgent_form_with_a_field_sent_twice_is_kept_not_refused(srv, fake_slack):
    body = enquiry(consent="on")
    fields = [*body.items(), ("name", body["name"])]  # the same value twice: kept once, still marked
    response = srv.post("/enquiries", data="&".join(f"{k}={quote_from_bytes(str(v).encode())}" for k, v in fields),
                        headers={**AUTH, "Content-Type": "application/x-www-form-urlencoded"})
    answer = accepted_urgent(response)
    assert [f["field"] for f in answer["fields"]] == ["name"]
    assert stored(srv, answer["id"])["name"] == body["name"]
    posted(fake_slack, answer["id"])


# -- Ofcom's drama numbers (07700 900000 to 900999): no one can be called on them ----------------


def test_a_drama_number_alone_is_refused_for_a_routine_enquiry_saying_why(srv):
    response = submit(srv, enquiry(message="Please send your leaflet.", email=..., phone="07700 900123"))
    assert response.status_code == 422, response.text
    [phone] = [f for f in response.json()["fields"] if f["field"] == "phone"]
    assert "drama" in phone["message"] and "900123" not in phone["message"]


def test_a_drama_number_beside_a_valid_email_is_kept_and_marked(srv, fake_slack):
    body = enquiry(message=f"Please send your leaflet ({tag()}).", phone="07700 900123")
    SENT.add(body["message"])
    response = submit(srv, body)
    assert response.status_code == 202 and [f["field"] for f in response.json()["fields"]] == ["phone"]
    assert stored(srv, response.json()["id"])["phone"] == "07700 900123"
    posted(fake_slack, response.json()["id"])


def test_an_urgent_enquiry_with_only_a_drama_number_is_never_refused(srv, fake_slack):
    answer = accepted_urgent(submit(srv, enquiry(email=..., phone="+44 7700 900999")))
    record = stored(srv, answer["id"])
    assert record["phone"] == "+44 7700 900999" and "phone" in [p["field"] for p in record["problems"]]
    assert "phone as typed" in json.dumps(posted(fake_slack, answer["id"])["blocks"])


# -- erasure requests ------------------------------------------------------------------------


def factbot(srv, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=srv.workdir, env=srv.env,
                          capture_output=True, text=True, timeout=60)


def test_an_erasure_request_finds_a_familys_enquiries_by_email_and_takes_references_in_any_case(srv):
    t = tag()
    email = f"Family.{t}@Example.org"
    first = submit(srv, enquiry(email=email, message="Please send your leaflet."))
    second = submit(srv, enquiry(email=email.lower(), message="And the one about training."))
    submit(srv, enquiry(message="Someone else's enquiry."))
    SENT.update({email, email.lower()})
    references = sorted(r.json()["id"] for r in (first, second))
    found = factbot(srv, "enquiries", "find", "--email", f" {email.upper()} ")
    assert found.returncode == 0, found.stderr
    assert sorted(line.split()[0] for line in found.stdout.splitlines()) == references
    assert email.lower() not in found.stdout.lower()
    done = factbot(srv, "enquiries", "purge", *(r.lower() for r in references))
    assert done.returncode == 0, done.stderr
    assert all(stored(srv, r)["email"] is None for r in references)
    none = factbot(srv, "enquiries", "find", "--email", email)
    assert none.returncode == 1 and "no enquiry on record" in none.stderr


# -- text sent broken, in another encoding or shape (fresh-user trial, 2026-12-02) --------------
# Anything readable is read and triaged; an urgent enquiry is stored; what could not be read as sent
# is marked for staff. Only bytes that are neither JSON nor a form get a 4xx.

JSON_TYPE = {**AUTH, "Content-Type": "application/json"}


def raw(srv, body: bytes, headers: dict | None = None):
    return srv.post("/enquiries", data=body, headers=JSON_TYPE if headers is None else {**AUTH, **headers})


def marked(answer: dict, record: dict, field: str, says: str) -> None:
    assert field in [f["field"] for f in answer["fields"]] and "Received" in answer["note"]
    assert any(p["field"] == field and says in p["message"] for p in record["problems"]), record["problems"]


@pytest.mark.parametrize("field", ["message", "organisation", "name"])
def test_a_lone_surrogate_does_not_lose_an_urgent_enquiry(srv, fake_slack, field):
    t = tag()
    fields = {"name": f"Lone {t.title()}", "message": f"my child is in danger tonight ({t})",
              "email": f"lone.{t}@example.org", "consent": True}
    fields[field] = fields.get(field, f"Hill School {t}") + " \ud800"
    SENT.update({f"Lone {t.title()}", f"lone.{t}@example.org", f"my child is in danger tonight ({t})"})
    body = json.dumps(fields).encode()  # the surrogate as a JSON escape, as the trial sent it
    assert b"\\ud800" in body
    first = raw(srv, body)
    answer = accepted_urgent(first)
    record = stored(srv, answer["id"])
    assert record[field].endswith("\ufffd") and "\ud800" not in json.dumps(record, ensure_ascii=False)
    marked(answer, record, field, "sent broken")
    post = posted(fake_slack, answer["id"])
    assert "URGENT" in post["text"] and "sent broken" in json.dumps(post["blocks"])
    assert raw(srv, body).json()["id"] == answer["id"]  # a resend is the same enquiry, not a 500


def test_a_lone_surrogate_in_a_routine_enquiry_is_kept_and_marked_not_refused(srv, fake_slack):
    t = tag()
    body = json.dumps({"name": f"Lone {t.title()} \udfff", "message": f"Please send your leaflet ({t})",
                       "email": f"lone.{t}@example.org", "consent": True}).encode()
    SENT.update({f"Lone {t.title()}", f"lone.{t}@example.org"})
    response = raw(srv, body)
    assert response.status_code == 202, response.text
    answer = response.json()
    assert "urgent" not in answer
    record = stored(srv, answer["id"])
    assert record["name"] == f"Lone {t.title()} \ufffd"
    marked(answer, record, "name", "sent broken")
    posted(fake_slack, answer["id"])


def test_a_windows_1252_byte_in_json_is_read_and_an_urgent_enquiry_stored(srv, fake_slack):
    t = tag()
    message = f"He’s meeting my daughter tonight, she is in danger ({t})"
    body = json.dumps({"name": f"Win {t.title()}", "email": f"win.{t}@example.org", "message": message,
                       "consent": True}, ensure_ascii=False).encode("cp1252")
    SENT.update({f"Win {t.title()}", f"win.{t}@example.org", message})
    assert b"\x92" in body
    answer = accepted_urgent(raw(srv, body))
    record = stored(srv, answer["id"])
    assert record["message"] == message
    marked(answer, record, "message", "read as Windows-1252")
    posted(fake_slack, answer["id"])


def test_a_byte_order_mark_before_the_json_is_dropped(srv, fake_slack):
    body = enquiry()
    answer = accepted_urgent(raw(srv, b"\xef\xbb\xbf" + json.dumps(body).encode()))
    assert "fields" not in answer and stored(srv, answer["id"])["name"] == body["name"]
    posted(fake_slack, answer["id"])  # each test waits for its post: Slack is paced, one a second a channel


@pytest.mark.parametrize("charset", ["iso-8859-1", "windows-1252", "utf-16"])
def test_json_in_a_declared_charset_python_knows_is_read_as_declared(srv, fake_slack, charset):
    t = tag()
    body = enquiry(name=f"Renée {t.title()}")
    answer = accepted_urgent(raw(srv, json.dumps(body, ensure_ascii=False).encode(charset),
                                 {"Content-Type": f"application/json; charset={charset}"}))
    assert "fields" not in answer and stored(srv, answer["id"])["name"] == body["name"]
    posted(fake_slack, answer["id"])


@pytest.mark.parametrize("content_type,as_form", [
    ("text/plain", False), ("text/plain", True), (None, False), (None, True), ("application/octet-stream", True)])
def test_a_body_sent_as_another_type_or_none_is_read_by_its_look(srv, fake_slack, content_type, as_form):
    body = enquiry()
    sent = urlencode(body).encode() if as_form else json.dumps(body).encode()
    answer = accepted_urgent(raw(srv, sent, {"Content-Type": content_type} if content_type else {}))
    assert stored(srv, answer["id"])["message"] == body["message"]
    posted(fake_slack, answer["id"])


@pytest.mark.parametrize("content_type,sent,says", [
    ("text/plain", b"my child is in danger", "neither JSON nor a form"),
    (None, b"", "neither JSON nor a form"),
    ("multipart/form-data; boundary=x", b'--x\r\nContent-Disposition: form-data; name="name"\r\n\r\nSam\r\n--x--',
     "multipart/form-data is not read"),
])
def test_only_a_body_that_is_neither_json_nor_a_form_is_refused_naming_why(srv, content_type, sent, says):
    response = raw(srv, sent, {"Content-Type": content_type} if content_type else {})
    assert response.status_code == 415 and says in response.json()["error"]


@pytest.mark.parametrize("sent", [b'"name=Sam%FF%FE', b'"name": "Sam \xff\xfe'])
def test_bytes_not_in_utf8_are_marked_the_same_in_a_form_and_in_json(srv, fake_slack, sent):
    t = tag()
    email = f"sam.{t}@example.org"
    SENT.add(email)
    if sent.startswith(b'"name='):
        response = raw(srv, f"name=Sam%FF%FE&email={email}&message=Hello+{t}&consent=on".encode(),
                       {"Content-Type": "application/x-www-form-urlencoded"})
    else:
        response = raw(srv, b'{"name": "Sam \xff\xfe", "email": "' + email.encode() + b'", "message": "Hello '
                       + t.encode() + b'", "consent": true}')
    assert response.status_code == 202, response.text
    answer = response.json()
    record = stored(srv, answer["id"])
    assert record["name"].startswith("Sam") and "\u00ff\u00fe" in record["name"]
    marked(answer, record, "name", "not sent in UTF-8")
    posted(fake_slack, answer["id"])


@pytest.mark.parametrize("message", [
    ["my child is in danger tonight", "please call"],
    {"text": "my child is in danger tonight", "more": ["please call"]},
])
def test_an_urgent_message_sent_as_a_list_or_object_is_read_and_stored_joined(srv, fake_slack, message):
    answer = accepted_urgent(submit(srv, enquiry(message=message)))
    record = stored(srv, answer["id"])
    assert record["message"] == "my child is in danger tonight\n\nplease call"
    marked(answer, record, "message", "sent as a list or object")
    posted(fake_slack, answer["id"])


def test_a_routine_message_sent_as_a_list_is_still_refused_naming_it(srv):
    response = submit(srv, enquiry(message=["Please send", "your leaflet"]))
    assert response.status_code == 422 and response.json()["fields"][0]["field"] == "message"


# -- the log ---------------------------------------------------------------------------------


def test_no_personal_detail_reaches_the_debug_log(srv, fake_slack):
    """Runs last in this module: every enquiry above was logged at DEBUG."""
    reference = accepted_urgent(submit(srv, enquiry(phone="07700 90012", consent=...)))["id"]
    posted(fake_slack, reference)
    log = srv.log()
    assert " DEBUG " in log and reference in log
    leaked = sorted(detail for detail in SENT if detail in log)
    assert leaked == [] and len(SENT) > 20
