"""Campaign cards, figure-change detection, reviews due and the digest schedule (no Slack)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bot.digest import LONDON, due_week, scheduled_at, week_key
from facts.campaign.feeds import FeedItem
from facts.campaign.messages import (
    MAX_DIGEST_LINES,
    campaign_update_card,
    digest_card,
    feed_item_card,
    figure_change_card,
    link,
)
from facts.figures.changes import changes_since, current_snapshot
from facts.figures.reviews import reviews_due
from facts.figures.store import FactStore
from tests.support.factories import TODAY, make_fact


def _all(message: dict) -> str:
    return json.dumps(message["blocks"], ensure_ascii=False) + message["text"]


def _check_limits(message: dict) -> None:
    assert len(message["text"]) <= 3900 and len(message["blocks"]) <= 50
    for block in message["blocks"]:
        texts = [block["text"]["text"]] if "text" in block else [e["text"] for e in block["elements"]]
        assert all(len(t) <= 3000 for t in texts)


# -- cards --------------------------------------------------------------------------


def test_campaign_update_card_escapes_text_and_links_the_url():
    card = campaign_update_card("Wild West Web <!channel> & more", "https://www.example.org/w?a=1&b=2",
                                "Summary with <https://evil.test|a link>")
    text = _all(card)
    assert "<!channel>" not in text and "&lt;!channel&gt; &amp; more" in text
    assert "<https://www.example.org/w?a=1&amp;b=2|Wild West Web &lt;!channel&gt; &amp; more>" in text
    assert "<https://evil.test" not in text
    _check_limits(card)


@pytest.mark.parametrize("url,expected", [
    ("javascript:alert(1)", "label"),
    ("https://x.test/a|b>c", "<https://x.test/a%7Cb&gt;c|label>"),
    (None, "label"),
])
def test_links_are_only_made_from_safe_http_urls(url, expected):
    assert link(url, "label") == expected


def test_feed_item_card_shows_plain_escaped_text_date_and_note():
    item = FeedItem(("k",), "Grooming <b>crimes</b> & <!here>", "https://news.example.test/a", "x" * 2000,
                    dt.datetime(2026, 11, 3, 9, tzinfo=dt.UTC), "Tue, 03 Nov 2026 09:00:00 GMT")
    card = feed_item_card(item, "NSPCC <news>", note="2 older item(s) were not posted")
    text = _all(card)
    assert "Grooming &lt;b&gt;crimes&lt;/b&gt; &amp; &lt;!here&gt;" in text and "<!here>" not in text
    assert "NSPCC &lt;news&gt;" in text and "3 November 2026" in text and "2 older item(s)" in text
    assert "x" * 600 not in text  # the summary is cut
    _check_limits(card)


# -- figure changes -------------------------------------------------------------------


@pytest.fixture
def store(tmp_path):
    opened = FactStore(tmp_path / "facts.json")
    yield opened
    opened.close()


def test_a_changed_value_is_one_change_with_old_and_new_values_and_the_source(store):
    store.import_facts([make_fact("a"), make_fact("b")])
    snapshot = current_snapshot(store)
    store.import_facts([make_fact("a", value=41, display="41%", period={"label": "July to September 2020",
                                                                         "end": "2020-09-30"}),
                        make_fact("b")])
    changes, after = changes_since(snapshot, store)
    [change] = changes
    assert change.kind == "changed" and change.fact.id == "a"
    assert set(change.changed) == {"value", "display", "period"}
    card = figure_change_card(change)
    text = _all(card)
    for expected in ("*Figure:* 37% → 41%", "*Value:* 37 → 41", "*Period:* April to June 2020 → July to September 2020",
                     "*Period end:* 2020-06-30 → 2020-09-30", "<https://www.nspcc.org.uk/a|A release>"):
        assert expected in text
    assert "37% → 41%" in card["text"] and "https://www.nspcc.org.uk/a" in card["text"]
    _check_limits(card)
    assert changes_since(after, store)[0] == []  # announced once


def test_added_retired_and_unannounced_fields(store):
    store.import_facts([make_fact("a"), make_fact("b")])
    snapshot = current_snapshot(store)
    store.import_facts([make_fact("a", review_by="2028-01-01", caveats=["re-checked"]),  # not announced
                        make_fact("b", status="retired", superseded_by="c"), make_fact("c", display="41%", value=41)])
    changes, _ = changes_since(snapshot, store)
    assert [(c.kind, c.fact.id) for c in changes] == [("retired", "b"), ("added", "c")]
    retired = _all(figure_change_card(changes[0]))
    assert "Figure retired" in retired and "*Status:* verified → retired" in retired and "`c`" in retired
    assert "Figure added" in _all(figure_change_card(changes[1]))
    assert changes[0].dedupe_key != changes[1].dedupe_key


def test_two_changes_in_a_row_are_each_announced_against_their_previous_version(store):
    store.import_facts([make_fact("a")])
    first = current_snapshot(store)
    store.import_facts([make_fact("a", display="40%", value=40)])
    [one], second = changes_since(first, store)
    store.import_facts([make_fact("a", display="41%", value=41)])
    [two], _ = changes_since(second, store)
    assert one.changed["display"] == ("37%", "40%") and two.changed["display"] == ("40%", "41%")


def test_a_change_made_again_later_is_a_new_alert(store):
    keys = []
    store.import_facts([make_fact("a", display="48%", value=48)])
    snapshot = current_snapshot(store)
    for value in (47, 48, 47):  # 48 → 47, back to 48, and 47 again: each is news
        store.import_facts([make_fact("a", display=f"{value}%", value=value)])
        [change], snapshot = changes_since(snapshot, store)
        keys.append(change.dedupe_key)
    assert len(set(keys)) == 3


# -- reviews due and the digest ----------------------------------------------------------


def test_reviews_due_are_past_review_by_or_superseded_and_not_retired():
    facts = [make_fact("late", review_by="2026-11-01"), make_fact("fine"),
             make_fact("replaced", superseded_by="fine"), make_fact("gone", status="retired", review_by="2026-01-01")]
    due = reviews_due(facts, TODAY)
    assert [(d.fact.id, d.reason) for d in due] == [("late", "review was due 2026-11-01"),
                                                     ("replaced", "superseded by fine")]
    card = digest_card(due, TODAY)
    assert "2 figures due for review" in _all(card) and "`late`" in _all(card)
    assert reviews_due([make_fact("fine")], TODAY) == []


def test_a_long_digest_stays_within_slack_limits():
    due = reviews_due([make_fact(f"f-{n}", review_by="2026-01-01", claim="c " * 500) for n in range(120)], TODAY)
    card = digest_card(due, TODAY)
    _check_limits(card)
    assert f"…and {120 - MAX_DIGEST_LINES} more." in _all(card)


def _utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def test_digest_time_is_uk_time_across_the_clock_change():
    # Monday 9:00 in summer (BST) is 08:00 UTC; in winter it is 09:00 UTC.
    assert scheduled_at(_utc(2026, 7, 8, 12), "mon", "09:00") == _utc(2026, 7, 6, 8)
    assert scheduled_at(_utc(2026, 12, 2, 12), "mon", "09:00") == _utc(2026, 11, 30, 9)
    assert scheduled_at(_utc(2026, 12, 2, 12), "fri", "16:30").astimezone(LONDON).strftime("%a %H:%M") == "Fri 16:30"


def test_digest_is_due_once_per_week_after_its_time():
    monday_early, monday_late = _utc(2026, 11, 30, 8, 59), _utc(2026, 11, 30, 9, 0)
    assert week_key(monday_late.date()) == "digest-2026-W49"
    assert due_week(monday_early, "mon", "09:00", None) is None
    assert due_week(monday_late, "mon", "09:00", "digest-2026-W48") == "digest-2026-W49"
    assert due_week(_utc(2026, 12, 3, 10), "mon", "09:00", None) == "digest-2026-W49"  # a late start catches up
    assert due_week(_utc(2026, 12, 3, 10), "mon", "09:00", "digest-2026-W49") is None
    assert due_week(_utc(2026, 12, 3, 10), "fri", "09:00", None) is None  # Friday has not come yet
    assert week_key(dt.date(2027, 1, 1)) == "digest-2026-W53"  # ISO year, not calendar year
