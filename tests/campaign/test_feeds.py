"""Feed item keys, caps, keyword filters and the seen-store (facts.campaign.feeds, no network)."""

from __future__ import annotations

import time

import pytest

from facts.campaign import feeds
from facts.campaign.feeds import (
    FeedSpec,
    FeedState,
    items_from_entries,
    parse_feed_spec,
    parse_feed_specs,
    select_new,
    strip_html,
)

ANY = FeedSpec("https://news.example.test/feed")


def entry(n: int, *, guid: str | None = "auto", link: str | None = "auto", title: str | None = None,
          date: str | None = None) -> dict:
    found = {"title": title or f"Story {n}", "published": date or f"Mon, {n:02d} Nov 2026 09:00:00 GMT",
             "published_parsed": time.strptime(f"2026-11-{n:02d} 09:00", "%Y-%m-%d %H:%M")}
    if guid is not None:
        found["id"] = f"guid-{n}" if guid == "auto" else guid
    if link is not None:
        found["link"] = f"https://news.example.test/{n}" if link == "auto" else link
    return found


def remembered(items, seen=frozenset(), **kwargs):
    kwargs.setdefault("first_poll", False)
    plan = select_new(items, set(seen), ANY, **kwargs)
    return plan, set(seen) | plan.remember


def test_first_poll_posts_the_three_newest_oldest_first_and_remembers_the_rest():
    items = items_from_entries([entry(n) for n in (3, 9, 1, 7, 5)])  # out of order: dates decide
    plan, seen = remembered(items, first_poll=True)
    assert [i.title for i in plan.post] == ["Story 5", "Story 7", "Story 9"]
    assert plan.skipped == 2 and plan.deferred == 0
    again, _ = remembered(items, seen)
    assert again.post == [] and again.remember == set()


def test_a_later_poll_posts_at_most_ten_and_skips_the_older_ones():
    _, seen = remembered(items_from_entries([entry(1)]), first_poll=True)
    items = items_from_entries([entry(n) for n in range(1, 16)])
    plan, seen = remembered(items, seen)
    assert len(plan.post) == 10 and plan.post[-1].title == "Story 15" and plan.post[0].title == "Story 6"
    assert plan.skipped == 4
    assert remembered(items, seen)[0].post == []


def test_items_over_the_poll_budget_wait_for_the_next_poll():
    items = items_from_entries([entry(n) for n in range(1, 6)])
    plan, seen = remembered(items, budget=2)
    assert [i.title for i in plan.post] == ["Story 4", "Story 5"] and plan.deferred == 3
    later, _ = remembered(items, seen)
    assert [i.title for i in later.post] == ["Story 1", "Story 2", "Story 3"]


def test_an_item_without_a_guid_is_known_by_its_link():
    first = items_from_entries([entry(1, guid=None, title="Before")])
    _, seen = remembered(first)
    retitled = items_from_entries([entry(1, guid=None, title="After, with a new title")])
    assert remembered(retitled, seen)[0].post == []


def test_changing_guids_with_the_same_links_post_nothing_new():
    _, seen = remembered(items_from_entries([entry(1, guid="a-1"), entry(2, guid="a-2")]))
    changed = items_from_entries([entry(1, guid="b-1"), entry(2, guid="b-2")])
    plan, seen = remembered(changed, seen)
    assert plan.post == [] and len(plan.remember) == 2  # the new guids are learnt
    moved = items_from_entries([entry(1, guid="b-1", link="https://news.example.test/moved-1")])
    assert remembered(moved, seen)[0].post == []  # and now stand for the item even if its link changes


def test_an_item_that_drops_out_and_comes_back_is_not_posted_again():
    _, seen = remembered(items_from_entries([entry(1), entry(2)]))
    _, seen = remembered(items_from_entries([entry(2)]), seen)
    assert remembered(items_from_entries([entry(1), entry(2), entry(3)]), seen)[0].post[0].title == "Story 3"
    assert len(remembered(items_from_entries([entry(1), entry(2), entry(3)]), seen)[0].post) == 1


def test_no_guid_and_no_link_uses_title_and_date():
    same = items_from_entries([entry(1, guid=None, link=None, date="3rd of Nov")])
    _, seen = remembered(same)
    assert remembered(items_from_entries([entry(1, guid=None, link=None, date="3rd of Nov")]), seen)[0].post == []
    other_date = items_from_entries([entry(1, guid=None, link=None, date="4th of Nov")])
    assert len(remembered(other_date, seen)[0].post) == 1


def test_a_link_shared_by_every_item_does_not_hide_new_items():
    home = "https://news.example.test/"
    _, seen = remembered(items_from_entries([entry(1, link=home), entry(2, link=home)]))
    plan, _ = remembered(items_from_entries([entry(1, link=home), entry(2, link=home), entry(3, link=home)]), seen)
    assert [i.title for i in plan.post] == ["Story 3"]


def test_the_same_item_twice_in_one_document_is_posted_once():
    items = items_from_entries([entry(1, guid=None, link=None), entry(1, guid=None, link=None)])
    assert len(remembered(items)[0].post) == 1


def test_keyword_filter_posts_only_items_that_mention_a_keyword():
    spec = parse_feed_spec("https://news.example.test/feed|grooming|Online Safety")
    items = items_from_entries([
        entry(1, title="New figures on online GROOMING crimes"),
        entry(2, title="Fun run raises funds"),
        entry(3, title="Ofcom codes under the Online-Safety Act"),
        entry(4, title="Unsafety of safety nets"),
    ])
    plan = select_new(items, set(), spec, first_poll=False)
    assert [i.title for i in plan.post] == ["New figures on online GROOMING crimes",
                                            "Ofcom codes under the Online-Safety Act"]
    assert len(plan.remember) == 8  # the others are remembered too: changing the filter later posts no backlog


@pytest.mark.parametrize("bad", ["news.example.test/feed", "ftp://x.test/feed", "https://x.test/feed||grooming",
                                 "https:// x.test/feed", "javascript:alert(1)"])
def test_bad_feed_entries_are_refused(bad):
    with pytest.raises(ValueError):
        parse_feed_spec(bad)


def test_feed_entries_parse_with_keywords_and_duplicates_dropped():
    specs = parse_feed_specs(["https://a.test/rss | grooming ", "https://b.test/atom", "https://a.test/rss"])
    assert specs == [FeedSpec("https://a.test/rss", ("grooming",)), FeedSpec("https://b.test/atom")]


def test_strip_html_drops_tags_scripts_and_decodes_entities():
    assert strip_html("<p>Hello <b>there</b> &amp; <script>alert(1)</script>you</p><br>next") == "Hello there & you next"
    assert strip_html("5 < 6 and <i>so</i> on") == "5 < 6 and so on"
    assert strip_html(None) == "" and strip_html("") == ""


def test_feed_state_keeps_keys_and_validators_across_reopening(tmp_path, monkeypatch):
    monkeypatch.setattr(feeds, "MAX_SEEN", 3)
    state = FeedState(tmp_path / "feeds.json")
    with state.locked():
        state.save("https://a.test/rss", ["k1", "k2"], etag='"v1"', modified=None)
    state.close()
    again = FeedState(tmp_path / "feeds.json")
    record = again.get("https://a.test/rss")
    assert set(record.seen) == {"k1", "k2"} and record.etag == '"v1"' and again.get("https://b.test") is None
    with again.locked():
        again.save("https://a.test/rss", ["k3", "k4"], etag=None, modified="Sun, 29 Nov 2026 09:00:00 GMT")
    record = again.get("https://a.test/rss")
    assert len(record.seen) == 3 and {"k3", "k4"} <= set(record.seen)  # the oldest is forgotten first
    assert record.modified and record.etag is None
    again.close()


def test_a_feed_url_differing_only_in_scheme_or_host_case_is_the_same_feed():
    from facts.campaign.feeds import parse_feed_spec, parse_feed_specs

    assert parse_feed_spec("HTTP://Example.ORG/Feed.xml").url == "http://example.org/Feed.xml"
    assert len(parse_feed_specs(["https://example.org/a.xml", "HTTPS://EXAMPLE.org/a.xml"])) == 1
