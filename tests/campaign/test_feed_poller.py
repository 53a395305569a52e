"""Polling real HTTP feeds (a loopback server) into the outbox: caps, 304s, restarts, broken feeds."""

from __future__ import annotations

import json
import time

import pytest

from bot.feed_poller import FeedError, FeedPoller, fetch
from facts.campaign.feeds import FeedState, parse_feed_spec
from facts.campaign.journal import AlertJournal, AlertQueue
from facts.outbox import Outbox
from tests.support.feed_server import FeedServer, atom, http_date, news, rss


@pytest.fixture
def feeds():
    with FeedServer() as server:
        yield server


class Files:
    """The outbox, feed state and alert journal files, reopened as a restarted process would."""

    def __init__(self, folder):
        self.folder = folder
        self.open()

    def open(self):
        self.outbox = Outbox(self.folder / "outbox.json")
        self.state = FeedState(self.folder / "feeds.json")
        self.journal = AlertJournal(self.folder / "alert-journal.json")

    def close(self):
        self.outbox.close()
        self.state.close()
        self.journal.close()

    def restart(self):
        self.close()
        self.open()

    def poller(self, *entries, timeout=2.0) -> FeedPoller:
        return FeedPoller([parse_feed_spec(e) for e in entries], self.state, AlertQueue(self.journal, self.outbox),
                          timeout=timeout)

    def posted(self) -> list[str]:
        """The text of every feed card in the outbox, oldest first."""
        return [json.dumps(i.message["blocks"], ensure_ascii=False) for i in self.outbox.items() if i.kind == "feed"]


@pytest.fixture
def files(tmp_path):
    opened = Files(tmp_path)
    yield opened
    opened.close()


def test_rss_and_atom_first_poll_capped_then_nothing_then_one_new_item_then_restart(feeds, files):
    feeds.set("/news.rss", rss(news(20)))
    feeds.set("/policy.atom", atom([{"title": "Codes of practice", "id": "urn:p:1", "link": "https://p.test/1"},
                                    {"title": "Consultation", "id": "urn:p:2", "link": "https://p.test/2",
                                     "updated": "2026-11-02T09:00:00Z"}]), "application/atom+xml")
    poller = files.poller(feeds.url("/news.rss"), feeds.url("/policy.atom"))

    first = poller.poll()
    assert first.posted == 5
    posted = files.posted()
    assert [p for p in posted if "Story" in p] and all("Story 20" in p or "Story 19" in p or "Story 18" in p
                                                       for p in posted if "Story" in p)
    assert "17 older item(s) in this feed were not posted" in posted[2]  # on the newest card
    assert any("Codes of practice" in p and "Policy updates" in p for p in posted)

    assert poller.poll().posted == 0
    assert feeds.statuses_for("/news.rss")[-1] == 304 and feeds.statuses_for("/policy.atom")[-1] == 304

    feeds.set("/news.rss", rss(news(21)))
    assert poller.poll().posted == 1
    assert "Story 21" in files.posted()[-1] and len(files.posted()) == 6

    files.restart()
    report = files.poller(feeds.url("/news.rss"), feeds.url("/policy.atom")).poll()
    assert report.posted == 0 and [f.outcome for f in report.feeds] == ["not modified", "not modified"]
    assert len(files.posted()) == 6


def test_a_feed_without_etag_uses_last_modified(feeds, files):
    stamp = http_date(1_780_000_000)
    feeds.set("/lm.rss", rss(news(2)), etag=False, last_modified=stamp)
    poller = files.poller(feeds.url("/lm.rss"))
    assert poller.poll().posted == 2
    assert poller.poll().posted == 0
    path, status, headers = feeds.requests[-1]
    assert status == 304 and headers["if-modified-since"] == stamp and "if-none-match" not in headers


def test_no_guids_changing_guids_and_an_item_coming_back(feeds, files):
    no_guid = [{"title": f"Item {i}", "link": f"https://n.test/{i}"} for i in (2, 1)]
    feeds.set("/n.rss", rss(no_guid))
    feeds.set("/g.rss", rss([{"title": "G", "link": "https://g.test/1", "guid": "run-1-item-1"}]))
    poller = files.poller(feeds.url("/n.rss"), feeds.url("/g.rss"))
    assert poller.poll().posted == 3
    feeds.set("/n.rss", rss(no_guid[:1]))  # item 1 drops out …
    feeds.set("/g.rss", rss([{"title": "G", "link": "https://g.test/1", "guid": "run-2-item-1"}]))  # new guid
    assert poller.poll().posted == 0
    feeds.set("/n.rss", rss([{"title": "Item 3", "link": "https://n.test/3"}, *no_guid]))  # … and comes back
    assert poller.poll().posted == 1
    assert "Item 3" in files.posted()[-1] and len(files.posted()) == 4


def test_html_titles_and_odd_dates_are_cleaned_and_escaped(feeds, files):
    feeds.set("/odd.rss", rss([
        {"title_raw": "<![CDATA[Report: <b>grooming</b> up &amp; <!channel>]]>", "link": "https://o.test/1",
         "guid": "1", "description": "<p>Read <a href='https://o.test'>more</a><script>x()</script></p>",
         "pubDate": "3rd November 2026"},
        {"title": "Second &lt;i&gt;item&lt;/i&gt;", "link": "https://o.test/2", "guid": "2",
         "pubDate": "2026-11-02T09:00:00+00:00"},
        {"title": "Third", "link": "https://o.test/3", "guid": "3", "pubDate": "not a date"},
    ]))
    assert files.poller(feeds.url("/odd.rss")).poll().posted == 3
    text = "".join(files.posted())
    assert "Report: grooming up &amp; &lt;!channel&gt;" in text and "<b>" not in text and "<!channel>" not in text
    assert "Read more" in text and "x()" not in text
    assert "3rd November 2026" in text and "2 November 2026" in text


def test_a_broken_feed_beside_a_good_one_is_skipped_and_the_good_one_posts(feeds, files):
    feeds.set("/good.rss", rss(news(2)))
    feeds.set("/broken.rss", rss(news(2))[:-40])  # cut off mid-document
    feeds.set("/charref.rss", rss([{"title_raw": "Bad &#1114112; reference", "guid": "x"}]))
    feeds.set("/surrogate.rss", rss([{"title_raw": "Bad &#xD800; reference", "guid": "y"}]))
    feeds.set("/html", "<html><body>Not a feed</body></html>", "text/html")
    feeds.set("/slow.rss", rss(news(2)))
    feeds.delays["/slow.rss"] = 3.0
    feeds.statuses["/error.rss"] = 500
    names = ["/broken.rss", "/charref.rss", "/surrogate.rss", "/html", "/slow.rss", "/error.rss", "/missing.rss",
             "/good.rss"]
    started = time.monotonic()
    report = files.poller(*(feeds.url(n) for n in names), timeout=0.5).poll()
    assert time.monotonic() - started < 2.5
    outcomes = {f.url.rsplit("/", 1)[1]: f.outcome for f in report.feeds}
    assert outcomes.pop("good.rss") == "ok" and report.posted == 2
    assert all(o.startswith("skipped") for o in outcomes.values()), outcomes
    assert "timed out" in outcomes["slow.rss"] and "HTTP 500" in outcomes["error.rss"]
    assert "malformed" in outcomes["broken.rss"] and "malformed" in outcomes["charref.rss"]
    assert files.state.get(feeds.url("/broken.rss")) is None  # tried afresh next time


def test_one_poll_posts_at_most_ten_and_the_rest_wait_for_the_next(feeds, files):
    feeds.set("/a.rss", rss(news(1)))
    feeds.set("/b.rss", rss(news(1)))
    poller = files.poller(feeds.url("/a.rss"), feeds.url("/b.rss"))
    assert poller.poll().posted == 2
    feeds.set("/a.rss", rss(news(9)))  # 8 new
    feeds.set("/b.rss", rss(news(6)))  # 5 new
    assert poller.poll().posted == 10
    assert poller.poll().posted == 3  # b's other three, not lost
    assert poller.poll().posted == 0
    assert len(files.posted()) == 15


def test_keyword_filtered_feed_posts_only_matching_items(feeds, files):
    feeds.set("/k.rss", rss([{"title": "Online Safety Act codes", "link": "https://k.test/1"},
                             {"title": "Bake sale", "link": "https://k.test/2"},
                             {"title": "News", "description": "Rise in grooming crimes", "link": "https://k.test/3"}]))
    assert files.poller(feeds.url("/k.rss") + "|grooming|online safety").poll().posted == 2
    assert "Bake sale" not in "".join(files.posted())


def test_fetch_raises_feed_error_for_a_refused_connection():
    with FeedServer() as gone:
        url = gone.url("/x.rss")
    with pytest.raises(FeedError, match="unreachable"):
        fetch(url, timeout=1)
