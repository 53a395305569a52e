"""The operator's paper cuts from issue 14, each through the interface an operator or Slack uses."""

from __future__ import annotations

import datetime as dt

from bot.feed_poller import parse
from facts.campaign.feeds import FeedSpec, items_from_entries, select_new


def _rss(*items: str) -> bytes:
    return ("<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>News</title>"
            + "".join(items) + "</channel></rss>").encode()


def _item(title: str, link: str, date: str = "Tue, 28 Jun 2016 10:00:00 GMT") -> str:
    return f"<item><title>{title}</title><link>{link}</link><pubDate>{date}</pubDate></item>"


def test_an_unsigned_request_with_a_400_digit_timestamp_is_401_not_500(server):
    response = server._post_bytes("/slack/events", b"command=%2Fgrooming&text=hi",
                                  {"X-Slack-Request-Timestamp": "9" * 400, "X-Slack-Signature": "v0=00",
                                   "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 401
    assert "Traceback" not in server.log() and "OverflowError" not in server.log()


def test_a_feed_flagged_malformed_for_an_nbsp_in_a_title_is_still_read():
    title, items = parse(_rss(_item("Grooming&nbsp;offences rise", "https://example.org/a"),
                              _item("Second story", "https://example.org/b")), "https://example.org/feed")
    assert [i.title for i in items] == ["Grooming offences rise", "Second story"]


def test_a_numeric_feed_date_is_read_as_written_not_as_1_december():
    _, items = parse(_rss(_item("A", "https://example.org/a", "2016/6/29"),
                          _item("B", "https://example.org/b", "29/6/2016"),
                          _item("C", "https://example.org/c", "Tue, 28 Jun 2016 23:30:00 -0500")),
                     "https://example.org/feed")
    assert [i.published.date() for i in items] == [dt.date(2016, 6, 29), dt.date(2016, 6, 29), dt.date(2016, 6, 29)]


def test_the_same_story_with_tracking_fields_or_a_trailing_slash_is_not_posted_again():
    spec = FeedSpec("https://example.org/feed")
    first = items_from_entries([{"title": "Story", "link": "https://example.org/news/story"}])
    seen: set[str] = set(select_new(first, set(), spec, first_poll=True).remember)
    for again in ("https://example.org/news/story/", "https://example.org/news/story?utm_source=twitter&utm_medium=x",
                  "https://EXAMPLE.org/news/story?fbclid=abc"):
        plan = select_new(items_from_entries([{"title": "Story", "link": again}]), seen, spec, first_poll=False)
        assert plan.post == [], again
    other = items_from_entries([{"title": "Story", "link": "https://example.org/news/story?id=2"}])
    assert select_new(other, seen, spec, first_poll=False).post  # a real query field is another story


def test_thanking_the_app_gets_youre_welcome_not_no_curated_figure(server, fake_slack):
    import json

    from tests.support.fake_slack import BOT_USER_ID
    from tests.support.slack_payloads import app_mention
    for n, text in enumerate([f"<@{BOT_USER_ID}> thanks!", f"<@{BOT_USER_ID}> Thank you 🙏", f"<@{BOT_USER_ID}> cheers"]):
        server.event(app_mention(f"Ev0THANKS{n}", "C0THANKS01", text, ts=f"1700000900.00000{n}"))
    replies = fake_slack.wait_for("chat.postMessage", 3, timeout=10, where=lambda c: c.params["channel"] == "C0THANKS01")
    for reply in replies:
        raw = json.dumps(reply.params)
        assert "welcome" in raw and "no curated figure" not in raw.lower()
    assert "welcome" in json.dumps(server.command("thanks").json())
