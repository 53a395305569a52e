"""Property-based fuzzing of every surface (Hypothesis): slash command text and form fields,
action payloads, events, intake bodies, signature headers and feed documents.

Each asserts no 5xx and no crash, and a helpful answer where one is due. CI runs a bounded
number of examples (the ``ci`` profile, the default); a longer run::

    HYPOTHESIS_PROFILE=long /work/venv/bin/python -m pytest -q tests/ops/test_fuzz.py

Found this way: a slash command whose text, channel name or user name contains the word
"payload" got 404 and no answer (Bolt read any form body containing the word as an
interactive ``payload=``; ``bot.slack_request`` reads forms by their fields).
"""

from __future__ import annotations

import json
import os
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.feed_poller import FeedError, parse
from tests.support.block_kit import message_problems
from tests.support.server import INTAKE_TOKEN
from tests.support.slack_payloads import app_mention, button_in_view

settings.register_profile("ci", max_examples=30, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.register_profile("long", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

FORM = "application/x-www-form-urlencoded"
# Words Slack users type, words that mean something to Bolt's parser, and anything else.
WORDS = st.sampled_from(["payload", "stats", "check", "help", "sources", "instagram", "2023/24", "&", "<", ">", "=",
                         "%", "+", "{", "}", "\"", "token", "ssl_check", "type", "event", "challenge", "😀", "\u200b"])
TEXT = st.one_of(st.text(max_size=300), st.lists(WORDS, max_size=12).map(" ".join))


def _command_body(text: str, channel_name: str = "general", user_name: str = "jo") -> str:
    return urlencode({
        "token": "legacy", "team_id": "T0TEST0001", "team_domain": "test", "channel_id": "C0FUZZ0001",
        "channel_name": channel_name, "user_id": "U0TEST0001", "user_name": user_name, "command": "/grooming",
        "text": text, "api_app_id": "A0TEST0001", "is_enterprise_install": "false",
        "response_url": "https://example.invalid/r", "trigger_id": "1.2.fuzz",
    })


@given(text=TEXT, channel_name=TEXT, user_name=TEXT)
@example(text="payload", channel_name="general", user_name="jo")
@example(text="stats instagram", channel_name="payload-team", user_name="payload")
@example(text="what is the payload of 2023/24", channel_name="general", user_name="jo")
def test_every_slash_command_gets_an_answer_within_slacks_limits(server, text, channel_name, user_name):
    response = server.post_signed(_command_body(text, channel_name, user_name), FORM)
    assert response.status_code == 200, (response.status_code, text)
    body = response.json()
    assert body.get("blocks") and body.get("text") and message_problems(body) == []


@given(value=st.one_of(st.text(max_size=500), st.builds(json.dumps, st.dictionaries(st.text(max_size=10),
                                                                                     st.text(max_size=50)))),
       action_id=st.sampled_from(["share_figures", "share_in_thread", "enquiry_claim", "enquiry_release",
                                  "enquiry_responded", "unknown_action"]))
def test_every_button_press_is_acked_never_a_5xx(server, value, action_id):
    view = {"id": "V0FUZZ0001", "type": "modal", "title": {"type": "plain_text", "text": "Find figures"},
            "blocks": []}
    response = server.action(button_in_view(view, action_id, value))
    assert response.status_code < 500


@given(text=TEXT)
@example(text="payload")
def test_every_mention_is_acked_at_once(server, text):
    response = server.event(app_mention("Ev0FUZZ", "C0FUZZ0002", text, ts="1700000100.000200"))
    assert response.status_code == 200


@given(raw=st.one_of(st.text(max_size=400), st.binary(max_size=400).map(lambda b: b.decode("latin-1"))),
       content_type=st.sampled_from([FORM, "application/json", "text/plain", ""]))
def test_any_signed_body_is_answered_never_a_5xx(server, raw, content_type):
    response = server.post_signed(raw, content_type)
    assert response.status_code < 500


@given(timestamp=st.one_of(st.text(max_size=50), st.integers(min_value=-10**400, max_value=10**400).map(str)),
       signature=st.text(max_size=80))
@example(timestamp="9" * 400, signature="v0=abc")
def test_any_signature_header_is_refused_with_401_never_500(server, timestamp, signature):
    headers = {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature, "Content-Type": FORM}
    try:
        response = server._post_bytes("/slack/events", b"command=%2Fgrooming&text=hi", headers)
    except UnicodeEncodeError:  # a header that cannot be sent at all never reaches the server
        return
    assert response.status_code in (400, 401)


FIELD = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=200),
                  st.lists(st.text(max_size=20), max_size=3))


@given(body=st.dictionaries(st.sampled_from(["name", "email", "phone", "organisation", "service", "message",
                                              "consent", "website", "reference", "x"]), FIELD, max_size=8))
def test_any_enquiry_body_is_answered_never_a_5xx(server, body):
    response = server.post("/enquiries", json=body, headers={"Authorization": f"Bearer {INTAKE_TOKEN}"})
    assert response.status_code < 500
    assert "Traceback" not in response.text


@given(raw=st.binary(max_size=600))
def test_any_enquiry_form_bytes_are_answered_never_a_5xx(server, raw):
    response = server.post("/enquiries", data=raw, headers={"Authorization": f"Bearer {INTAKE_TOKEN}",
                                                             "Content-Type": FORM})
    assert response.status_code < 500


XML_TEXT = st.text(st.characters(blacklist_categories=["Cs", "Cc"]), max_size=200)
ENTRY = st.fixed_dictionaries({"title": XML_TEXT, "link": st.one_of(XML_TEXT, st.just("https://example.org/a?utm_source=x")),
                               "date": st.one_of(XML_TEXT, st.just("2016/6/29"),
                                                 st.just("Tue, 28 Jun 2016 10:00:00 GMT")),
                               "description": XML_TEXT})


def _rss(entries: list[dict]) -> bytes:
    from xml.sax.saxutils import escape
    items = "".join(f"<item><title>{escape(e['title'])}</title><link>{escape(e['link'])}</link>"
                    f"<pubDate>{escape(e['date'])}</pubDate><description>{escape(e['description'])}</description></item>"
                    for e in entries)
    return f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>F</title>{items}</channel></rss>" \
        .encode("utf-8", "surrogatepass")


@given(entries=st.lists(ENTRY, max_size=5))
def test_any_feed_document_parses_without_a_crash(entries):
    _title, items = parse(_rss(entries), "https://example.org/feed")  # well-formed: never refused
    assert len(items) <= len(entries)


@given(raw=st.binary(max_size=800))
def test_any_feed_bytes_parse_without_a_crash(raw):
    try:
        parse(raw, "https://example.org/feed")
    except FeedError:
        pass  # "not a feed" or "malformed": how parse says so; anything else is a crash


@pytest.mark.parametrize("where", ["text", "channel_name", "user_name"])
def test_the_word_payload_anywhere_in_a_slash_command_still_gets_the_answer(server, where):
    fields = {"text": "stats instagram", "channel_name": "general", "user_name": "jo"}
    fields[where] = fields[where] + " payload" if where == "text" else "payload"
    response = server.post_signed(_command_body(**fields), FORM)
    assert response.status_code == 200
    assert "Instagram" in json.dumps(response.json()) or where == "text"
