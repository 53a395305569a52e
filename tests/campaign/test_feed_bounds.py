"""Feed parsing is bounded: a pathological feed is given up on, and the next feed still parses."""

from __future__ import annotations

import html

import pytest

from bot.feed_poller import FeedError, parse_bounded

GOOD = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title><item><title>Grooming figures'
        b'</title><link>https://example.org/a</link></item></channel></rss>')


def _nested(depth: int) -> bytes:
    markup = html.escape("<div><span><b>" * depth)
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>x</title>'
            f'<link>https://example.org/b</link><description>{markup}</description></item></channel></rss>').encode()


def test_a_feed_that_takes_too_long_to_parse_is_given_up_and_the_next_one_parses():
    with pytest.raises(FeedError, match="took too long to parse"):
        parse_bounded(_nested(100_000), "https://example.org/feed", timeout=0.3)  # about 7 s to sanitise in full
    title, items = parse_bounded(GOOD, "https://example.org/feed")
    assert title == "News" and [i.title for i in items] == ["Grooming figures"]

