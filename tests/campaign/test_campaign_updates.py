"""POST /campaign-updates against the server (in process): auth, content types, limits, validation, dedupe."""

from __future__ import annotations

from tests.support.inprocess import Response
from tests.support.server import INTAKE_TOKEN

AUTH = {"Authorization": f"Bearer {INTAKE_TOKEN}"}
GOOD = {"title": "Wild West Web campaign: new report", "url": "https://www.example.org/wwweb/report"}


def _post(server, *, headers=AUTH, **kwargs) -> Response:
    return server.post("/campaign-updates", headers=headers, timeout=10, **kwargs)


def _held(server) -> int:
    """Items in the outbox (the campaign channel is unset here, so they are kept)."""
    outbox = server.get("/healthz", timeout=5).json()["outbox"]
    return outbox["pending"] + outbox["sending"] + outbox["held"]


def test_rejected_requests_store_nothing(server):
    stored = _held(server)
    cases = [
        (_post(server, headers={}, json=GOOD), 401),
        (_post(server, headers={"Authorization": "Bearer wrong-token"}, json=GOOD), 401),
        (_post(server, headers={"Authorization": INTAKE_TOKEN}, json=GOOD), 401),  # no "Bearer"
        # A body sent as text/plain is read by its look (2026-12-02): this form has no url.
        (_post(server, data="title=x", headers={**AUTH, "Content-Type": "text/plain"}), 422),
        (_post(server, data="just words", headers={**AUTH, "Content-Type": "text/plain"}), 415),
        (_post(server, data="--x--", headers={**AUTH, "Content-Type": "multipart/form-data; boundary=x"}), 415),
        (_post(server, json={**GOOD, "summary": "x" * 70_000}), 413),
        # JSON or a form not in UTF-8 is read as Windows-1252 (issue 11; JSON since 2026-12-02), not refused.
        (_post(server, data="{not json", headers={**AUTH, "Content-Type": "application/json"}), 400),
        (_post(server, json=[GOOD]), 422),  # field "body": must be a JSON object
        (_post(server, data="[" * 30_000 + "]" * 30_000, headers={**AUTH, "Content-Type": "application/json"}), 400),
        (_post(server, data='{"title": ' + "9" * 50_000 + "}", headers={**AUTH, "Content-Type": "application/json"}),
         400),
    ]
    for response, status in cases:
        assert response.status_code == status, (response.status_code, response.text)
        assert "error" in response.json()
    assert cases[0][0].headers["WWW-Authenticate"] == "Bearer"
    assert _held(server) == stored


def test_each_bad_field_is_named(server):
    response = _post(server, json={"url": "ftp://example.org/file", "summary": "s" * 1001, "title": ""})
    assert response.status_code == 422
    fields = _fields(response)
    assert set(fields) == {"title", "url", "summary"}
    assert "http(s) URL" in fields["url"]
    missing = _post(server, json={"summary": "no title or url"})
    assert missing.status_code == 422 and _fields(missing) == {"title": "is required", "url": "is required"}
    for bad in ("javascript:alert(1)", "https://", "https://exa mple.org/", 12, "https://user:pass@example.org/"):
        assert _post(server, json={**GOOD, "url": bad}).status_code == 422, bad
    assert _fields(_post(server, json={**GOOD, "title": "two\nlines"})) == {
        "title": "must be one line of text without control characters"}


def test_a_field_sent_twice_is_named_and_nothing_is_stored(server):
    # A repeated JSON key used to be read silently, the last value winning (new-user trial).
    stored = _held(server)
    body = '{"title": "First title", "url": "https://www.example.org/a", "title": "Second title"}'
    response = _post(server, data=body, headers={**AUTH, "Content-Type": "application/json"})
    assert response.status_code == 422 and _fields(response) == {"title": "must be sent once"}
    assert _held(server) == stored


def _fields(response) -> dict:
    """The 422 body's fields as {field: message} (each bad field named once)."""
    fields = response.json()["fields"]
    assert len({f["field"] for f in fields}) == len(fields)
    return {f["field"]: f["message"] for f in fields}


def test_the_same_update_twice_is_accepted_once_with_one_id(server):
    stored = _held(server)
    form = _post(server, data={**GOOD, "summary": "From the website form", "submit": "Send"})
    assert form.status_code == 202 and form.json()["status"] == "accepted"
    assert form.json()["id"].startswith("CAMPAIGN-")
    same = _post(server, json={"title": "  wild west web CAMPAIGN:  new report ",
                               "url": "HTTPS://WWW.EXAMPLE.ORG/wwweb/report/#top"})
    assert same.status_code == 202 and same.json()["id"] == form.json()["id"]
    other = _post(server, json={**GOOD, "url": "https://www.example.org/wwweb/report-2"})
    assert other.status_code == 202 and other.json()["id"] != form.json()["id"]
    assert _held(server) == stored + 2


def test_text_sent_broken_or_not_in_utf8_is_read_not_a_500(server):
    """A lone surrogate (JSON ``\\ud800``) is stored as U+FFFD; a Windows-1252 byte in JSON is read as one."""
    broken = _post(server, data=b'{"title": "Broken \\ud800 title", "url": "https://www.example.org/broken"}',
                   headers={**AUTH, "Content-Type": "application/json"})
    assert broken.status_code == 202, broken.text
    legacy = _post(server, data=b'{"title": "It\x92s out", "url": "https://www.example.org/legacy"}',
                   headers={**AUTH, "Content-Type": "application/json"})
    assert legacy.status_code == 202, legacy.text
    assert broken.json()["id"] != legacy.json()["id"]
