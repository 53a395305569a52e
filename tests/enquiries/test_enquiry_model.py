"""Enquiry validation and normalisation, references, triage and Block Kit rendering (pure)."""

from __future__ import annotations

import datetime as dt
import html
import json
import unicodedata

import pytest

from facts.enquiries import messages as render
from facts.enquiries.model import (
    EnquiryInvalid,
    EnquiryRecord,
    Event,
    format_reference,
    honeypot_filled,
    normalise_phone,
    parse_enquiry,
    parse_reference,
    reference_of,
)
from facts.enquiries.triage import load_phrases, matches

NOW = dt.datetime(2026, 3, 4, 10, 30, tzinfo=dt.UTC)
GOOD = {"name": "Jo Bloggs", "email": "jo@example.org", "phone": "01206 878178", "organisation": "Hill School",
        "service": "family support", "message": "We would like family support.", "consent": True}


def form(**changes):
    return parse_enquiry({**GOOD, **changes})


def errors(**changes) -> dict[str, str]:
    with pytest.raises(EnquiryInvalid) as caught:
        parse_enquiry({k: v for k, v in {**GOOD, **changes}.items() if v is not ...})
    return {e.field: e.message for e in caught.value.errors}


def record(**changes) -> EnquiryRecord:
    base = EnquiryRecord.new("ENQ-2026-000123", form(), NOW, triage=[], idempotency_key=None)
    return base.model_copy(update=changes)


# -- validation ---------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["01206 878178", "(01206) 878178", "+44 1206 878178", "+44 (0)1206 878178",
                                   "0044 1206 878178", "01206878178", " 01206 878178\u200b"])
def test_uk_phone_numbers_as_people_type_them_are_stored_in_e164(typed):
    assert form(phone=typed).phone == "+441206878178"


def test_mobile_and_foreign_numbers_are_accepted_in_e164():
    assert normalise_phone("07911 123456") == "+447911123456"
    assert normalise_phone("+33 1 23 45 67 89") == "+33123456789"


@pytest.mark.parametrize("typed", ["12345", "not a number", "01206 878178 ext 12", "0161 496 00", "0" * 41])
def test_bad_phone_numbers_are_refused_without_echoing_them(typed):
    message = errors(phone=typed)["phone"]
    assert typed not in message and "12345" not in message


def test_email_trailing_zero_width_space_is_stripped_and_domain_lower_cased():
    assert form(email="Jo.Bloggs@EXAMPLE.org\u200b").email == "Jo.Bloggs@example.org"
    assert "\u200b" not in form(email="\u200bjo@example.org").email


@pytest.mark.parametrize("email", ["jo@", "jo@@example.org", "jo@localhost", "jo\u200b@example.org", "a" * 250 + "@x.org"])
def test_bad_emails_are_refused(email):
    assert "email" in errors(email=email)


def test_text_is_trimmed_collapsed_and_nfc():
    decomposed = unicodedata.normalize("NFD", "  Zoë   O'Brien \n")
    got = form(name=decomposed, organisation=" St  Mary's\tSchool ", message="\r\n Line one\r\nLine two  \n")
    assert got.name == "Zoë O'Brien" and unicodedata.is_normalized("NFC", got.name)
    assert got.organisation == "St Mary's School"
    assert got.message == "Line one\nLine two"


def test_right_to_left_names_are_accepted_but_direction_overrides_are_not():
    assert form(name="مريم أحمد").name == "مريم أحمد"
    assert form(name="שרה כהן").name == "שרה כהן"
    assert "name" in errors(name="\u202eJo Bloggs")
    assert form(message="hello \u202eworld").message == "hello world"  # stripped from the message


def test_emoji_in_a_name_is_refused_with_a_clear_message():
    assert errors(name="Jo 😀 Bloggs")["name"] == "must be a name in letters, without emoji or symbols"
    assert form(message="Thank you 😀").message == "Thank you 😀"


def test_service_is_matched_loosely_and_checked():
    assert form(service="Family-Support").service == "family support"
    assert form(service="SOCIAL_WORK").service == "social work"
    assert form(service="").service is None
    assert "one of" in errors(service="astrology")["service"]


@pytest.mark.parametrize("consent", [True, "on", "true", "Yes", "1"])
def test_consent_given(consent):
    assert form(consent=consent).consent is True


@pytest.mark.parametrize("consent", [False, "off", "", "no", 1, None])
def test_consent_not_given_is_refused(consent):
    assert "consent" in errors(consent=consent)


def test_at_least_one_contact_and_every_bad_field_is_named():
    assert set(errors(email="", phone=" ")) == {"email", "phone"}
    named = errors(name=..., message=..., consent=..., email=..., phone=...)
    assert set(named) == {"name", "message", "consent", "email", "phone"}


def test_length_limits():
    assert errors(name="a" * 201)["name"] == "must be at most 200 characters"
    assert errors(message="a" * 10_001)["message"] == "must be at most 10000 characters"
    assert len(form(message="a" * 10_000).message) == 10_000


def test_wrong_types_are_refused():
    assert errors(name=42)["name"] == "must be text"
    assert errors(message=["a"])["message"] == "must be text"
    assert errors(organisation={"nested": "x"})["organisation"] == "must be text"


def test_same_content_hashes_the_same_after_normalisation():
    assert form(name=" Jo  Bloggs").content_hash() == form().content_hash()
    assert form(message="Other").content_hash() != form().content_hash()


def test_honeypot():
    assert honeypot_filled({"website": "http://spam.example"})
    assert not honeypot_filled({"website": "  "}) and not honeypot_filled({})


# -- references ------------------------------------------------------------------


def test_references():
    assert format_reference(2026, 123) == "ENQ-2026-000123"
    assert parse_reference("ENQ-2026-000123") == (2026, 123)
    assert parse_reference("ENQ-2026-12") is None
    assert reference_of("ENQ-2026-000123-full") == "ENQ-2026-000123"
    assert reference_of("CAMPAIGN-abc") is None


# -- triage ------------------------------------------------------------------------


def test_triage_finds_whole_phrases_case_and_punctuation_blind():
    assert matches("She said he WON’T let her leave!") == ["won't let her leave"]
    assert matches("My daughter is in danger.") == ["in danger"]
    assert matches("an endangered species", "in dangerous waters") == []
    assert matches("Family support please") == []


def test_the_shipped_phrase_list_loads():
    phrases = load_phrases()
    assert len(phrases) >= 30 and "immediate danger" in phrases and len(set(phrases)) == len(phrases)


# -- rendering ---------------------------------------------------------------------

TOKENS = ["<!channel>", "<!here>", "<@U0TEST0001>", "<https://example.org|click here>"]


def _all_text(message: dict) -> str:
    return json.dumps(message["blocks"], ensure_ascii=False)


def test_every_submitted_string_is_escaped_and_shows_as_typed():
    typed = " ".join(TOKENS) + " & co"
    message = render.post(record(name="Jo <!here> Bloggs", organisation="<@U0TEST0001>", message=typed))
    text = _all_text(message)
    for token in TOKENS:
        assert token not in text
    assert html.unescape("&lt;!channel&gt;") == "<!channel>" and "&lt;!channel&gt;" in text
    assert "&amp; co" in text
    for block in message["blocks"]:
        for obj in [block.get("text")] + block.get("fields", []):
            if obj and obj["type"] == "mrkdwn":
                assert obj["verbatim"] is True


def test_fallback_text_carries_no_personal_details():
    message = render.post(record())
    for detail in ("Jo Bloggs", "jo@example.org", "1206", "Hill School", "family support."):
        assert detail not in message["text"]
    assert "ENQ-2026-000123" in message["text"]


def test_post_shows_reference_time_contact_and_buttons():
    message = render.post(record())
    text = _all_text(message)
    for expected in ("ENQ-2026-000123", "Jo Bloggs", "jo@example.org", "+44 1206 878178", "Hill School",
                     "family support", "We would like family support.", "<!date^", "Not claimed yet"):
        assert expected in text
    [actions] = [b for b in message["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in actions["elements"]] == [render.CLAIM, render.RESPONDED, render.MARK_URGENT]
    assert {e["value"] for e in actions["elements"]} == {"ENQ-2026-000123"}


def test_claimed_and_responded_states():
    claimed = render.post(record(claimed_by="U0CLAIM001", claimed_at=NOW))
    assert "Claimed by <@U0CLAIM001>" in _all_text(claimed)
    [actions] = [b for b in claimed["blocks"] if b["type"] == "actions"]
    assert actions["elements"][0]["action_id"] == render.RELEASE
    done = render.post(record(claimed_by="U0CLAIM001", claimed_at=NOW, responded_by="U0RESP0001", responded_at=NOW))
    assert "Responded by <@U0RESP0001>" in _all_text(done)
    assert not [b for b in done["blocks"] if b["type"] == "actions"]


def test_urgent_post_mentions_the_lead_user_or_group():
    urgent = record(urgent=True, triage=["in danger"])
    group = render.post(urgent, lead="S0LEAD0001")
    assert "<!subteam^S0LEAD0001>" in group["text"] and "<!subteam^S0LEAD0001>" in _all_text(group)
    assert group["blocks"][0]["text"]["text"].startswith(":rotating_light: URGENT")
    assert "<@U0LEAD0001>" in render.post(urgent, lead="U0LEAD0001")["text"]
    assert "FACTBOT_SAFEGUARDING_LEAD" in _all_text(render.post(urgent))


def test_long_message_is_previewed_and_given_in_full_in_the_thread():
    long = ("Paragraph with <tags> & ampersands. " * 300).strip()
    rec = record(message=long)
    post = render.post(rec)
    assert "in full in the thread" in _all_text(post)
    reply = render.full_message_reply(rec)
    sections = [b["text"]["text"] for b in reply["blocks"][1:]]
    assert all(len(s) <= 3000 for s in sections)
    rebuilt = " ".join(html.unescape(s) for s in sections)
    assert rebuilt.split() == long.split()  # nothing cut
    assert render.full_message_reply(record()) is None


def test_split_never_cuts_inside_an_entity():
    pieces = render.split_escaped("&" * 1000, limit=12)
    assert all(p.count("&amp;") * 5 == len(p) for p in pieces) and sum(p.count("&amp;") for p in pieces) == 1000


def test_purged_post_keeps_reference_service_and_history_only():
    claimed = record(claimed_by="U0CLAIM001", claimed_at=NOW,
                     history=[Event(action="claimed", user="U0CLAIM001", at=NOW)])
    purged = claimed.purged(NOW + dt.timedelta(days=91))
    assert purged.name is None and purged.message is None and purged.email is None and purged.phone is None
    assert purged.content_hash is None and purged.service == "family support"
    message = render.post(purged, retention_days=90)
    text = _all_text(message) + message["text"]
    assert "Jo Bloggs" not in text and "jo@example.org" not in text and "Hill School" not in text
    assert "removed after 90 days" in text and "ENQ-2026-000123" in text and "Claimed by <@U0CLAIM001>" in text
    assert not [b for b in message["blocks"] if b["type"] == "actions"]


def test_action_reply_goes_in_the_thread():
    reply = render.action_reply(Event(action="released", user="U0CLAIM001", at=NOW), "123.456")
    assert reply["thread_ts"] == "123.456" and "Released by <@U0CLAIM001>" in reply["text"]


def test_a_lone_surrogate_is_stored_and_posted_as_u_fffd_never_a_crash():
    """Fresh-user trial 2026-12-02: ``\\ud800`` made the archive write raise UnicodeEncodeError."""
    sent = form(name="Jo \ud800 Bloggs", organisation="Hill \udfff", message="Help \ud800 now")
    assert (sent.name, sent.organisation, sent.message) == ("Jo \ufffd Bloggs", "Hill \ufffd", "Help \ufffd now")
    stored = EnquiryRecord.new("ENQ-2026-000124", sent, NOW, triage=[], idempotency_key=None)
    assert "Help \ufffd now" in stored.to_json().decode("utf-8")
    assert "Help \ufffd now" in json.dumps(render.post(stored), ensure_ascii=False).encode("utf-8").decode()
