"""App Home and Find-figures views: citations, escaping, Block Kit limits."""

from __future__ import annotations

import datetime as dt
import json

from facts import blocks as block_kit
from facts.figures import answers, home
from facts.figures import messages as render
from facts.figures import modal as figures_view
from facts.figures.search import FactIndex
from facts.figures.usage import Gap
from tests.support.block_kit import assert_valid_view
from tests.support.factories import TODAY, make_fact

TARGET = figures_view.ThreadTarget("C0TEST0001", "1700000000.000100")


def _texts(blocks: list[dict]) -> list[str]:
    out = []
    for block in blocks:
        for item in [block.get("text"), *block.get("elements", [])]:
            if isinstance(item, dict) and isinstance(item.get("text"), str):
                out.append(item["text"])
    return out


def _assert_within_limits(blocks: list[dict], max_blocks: int) -> None:
    assert len(blocks) <= max_blocks
    assert all(len(text) <= block_kit.MAX_TEXT for text in _texts(blocks))


# -- App Home -----------------------------------------------------------------------------------


def _home(**kwargs) -> dict:
    index = FactIndex([make_fact()])
    return home.home_view(index.coverage(), [make_fact()], TODAY, "/grooming", **kwargs)


def test_home_shows_how_to_ask_coverage_and_newest_figures_with_citations():
    view = _home()
    assert view["type"] == "home"
    raw = json.dumps(view)
    for part in ("/grooming instagram", "@Safeguarding Facts", "Find figures", "Instagram", "2020",
                 "37%", "<https://www.nspcc.org.uk/a|A release>", "12 November 2020", "Offences where the platform"):
        assert part in raw
    assert "For curators" not in raw and "Unanswered" not in raw


def test_curator_home_lists_reviews_due_and_gaps_escaped():
    due = make_fact("old-fact", review_by="2026-01-01")
    gaps = [Gap("tiktok <!channel>", 12, dt.date(2026, 1, 1), dt.date(2026, 11, 28))]
    raw = json.dumps(_home(reviews_due=[due], gaps=gaps), ensure_ascii=False)
    assert "For curators" in raw and "`old-fact`" in raw and "review due since 1 January 2026" in raw
    assert "12× “tiktok &lt;!channel&gt;”" in raw and "28 November 2026" in raw and "<!channel>" not in raw


def test_curator_home_with_nothing_due_says_so():
    raw = json.dumps(_home(reviews_due=[], gaps=[]))
    assert "Figures due for review* (0)" in raw and "None recorded yet" in raw


def test_home_stays_within_100_blocks_and_text_limits_however_long_the_lists():
    long = "x" * 2900
    facts = [make_fact(f"f-{i}", claim=long, caveats=[long]) for i in range(40)]
    gaps = [Gap("y" * 200, 1000 - i, TODAY, TODAY) for i in range(500)]
    view = home.home_view(FactIndex(facts).coverage(), facts, TODAY, "/grooming", reviews_due=facts * 100, gaps=gaps)
    _assert_within_limits(view["blocks"], block_kit.MAX_VIEW_BLOCKS)
    raw = json.dumps(view, ensure_ascii=False)
    assert "and 3985 more" in raw and "factbot facts gaps" in raw and "“yyy" in raw  # curator sections kept
    assert sum(b["type"] == "divider" for b in view["blocks"]) > 10  # and as many figures as fit


# -- Find figures -------------------------------------------------------------------------------


def test_each_figure_gets_a_share_in_thread_button_naming_it_and_the_thread():
    index = FactIndex([make_fact("a-fact"), make_fact("b-fact")])
    message = figures_view.figures_message(index.search("instagram"), index.coverage(), TODAY, TARGET)
    buttons = [b["elements"][0] for b in message.blocks if b["type"] == "actions"]
    assert [figures_view.parse_share_value(b["value"]) for b in buttons] == [("a-fact", TARGET), ("b-fact", TARGET)]
    assert all(b["action_id"] == figures_view.SHARE_IN_THREAD_ACTION_ID for b in buttons)
    assert "Share in channel" not in json.dumps(message.blocks)
    assert "nspcc.org.uk/a" in message.text  # the fallback carries the citations


def test_the_most_figures_stay_within_a_message_and_a_modal():
    long = "x" * 2900
    index = FactIndex([make_fact(f"f-{i}", claim=long, caveats=[long, long]) for i in range(60)])
    result = index.search("instagram " + "y" * 2000, limit=answers.ANSWER_LIMIT, loose=True)
    message = figures_view.figures_message(result, index.coverage(), TODAY, TARGET)
    _assert_within_limits(message.blocks, block_kit.MAX_BLOCKS)
    assert "More figures match" in json.dumps(message.blocks)  # whole figures only: the rest are counted
    in_view = figures_view.figures_message(result, index.coverage(), TODAY, TARGET, max_blocks=block_kit.MAX_VIEW_BLOCKS)
    view = figures_view.modal(in_view)
    assert_valid_view(view)
    assert sum(b["type"] == "actions" for b in view["blocks"]) == answers.ANSWER_LIMIT


def test_a_message_with_no_words_is_said_and_no_match_lists_coverage():
    index = FactIndex([make_fact()])
    empty = figures_view.figures_message(None, index.coverage(), TODAY, TARGET)
    assert "no words to look up" in empty.text and "Instagram" in json.dumps(empty.blocks)
    none = figures_view.figures_message(index.search("tiktok", loose=True), index.coverage(), TODAY, TARGET)
    assert "TikTok" in json.dumps(none.blocks) and "actions" not in json.dumps(none.blocks)


def test_tampered_share_values_are_refused():
    for value in ("{", "[]", '{"id": "a"}', '{"id": "A B", "c": "C0TEST0001", "t": "1.2"}',
                  '{"id": "a", "c": "#general", "t": "1.2"}', '{"id": "a", "c": "C0TEST0001", "t": "now"}',
                  '{"id": 1, "c": "C0TEST0001", "t": "1.2"}'):
        assert figures_view.parse_share_value(value) is None
    valid = figures_view.parse_share_value('{"id":"a","c":"C0TEST0001","t":"1.2"}')
    assert valid == ("a", figures_view.ThreadTarget("C0TEST0001", "1.2"))


def test_thread_target_is_the_thread_or_the_message_itself():
    assert figures_view.ThreadTarget.of_message("C1", {"ts": "2.0", "thread_ts": "1.0"}).thread_ts == "1.0"
    assert figures_view.ThreadTarget.of_message("C1", {"ts": "2.0"}).thread_ts == "2.0"


def test_with_notice_replaces_the_earlier_notice_and_keeps_the_figures():
    view = {"id": "V1", "type": "modal", "hash": "h", "title": {"type": "plain_text", "text": "Find figures"},
            "blocks": [{"type": "section", "block_id": "b1", "text": {"type": "mrkdwn", "text": "figure"}}]}
    once = figures_view.with_notice(view, "first")
    twice = figures_view.with_notice({**view, "blocks": once["blocks"]}, "second")
    assert _texts(twice["blocks"]) == ["second", "figure"]
    assert "id" not in twice and "hash" not in twice and twice["type"] == "modal"


def test_mention_help_gives_examples_and_coverage():
    help_ = render.mention_help(FactIndex([make_fact()]).coverage())
    assert "@Safeguarding Facts instagram" in json.dumps(help_.blocks) and "Instagram" in json.dumps(help_.blocks)


def test_mention_reply_understands_stats_and_sources():
    from facts.figures.catalogue import Catalogue
    from facts.figures.curated import load_curated
    from facts.figures.usage import Usage
    from handlers.figures.mention import reply

    catalogue = Catalogue(load_curated().facts)
    assert "Snapchat" in reply(catalogue, Usage(), "<@UBOT0001> stats snapchat").text
    assert "sources" in reply(catalogue, Usage(), "<@UBOT0001> sources").text
    assert "37%" in reply(catalogue, Usage(), "<@UBOT0001> stats instagram lockdown").text
