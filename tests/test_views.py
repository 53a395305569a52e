"""Find-figures views: citations, escaping, Block Kit limits."""

from __future__ import annotations

import json

from factories import TODAY, make_fact

from facts import figures_view, render
from facts.search import FactIndex

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
    assert all(len(text) <= render.MAX_TEXT for text in _texts(blocks))


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
    result = index.search("instagram " + "y" * 2000, limit=render.ANSWER_LIMIT, loose=True)
    message = figures_view.figures_message(result, index.coverage(), TODAY, TARGET)
    _assert_within_limits(message.blocks, render.MAX_BLOCKS)
    view = figures_view.modal(message)
    assert view["type"] == "modal" and len(view["title"]["text"]) <= 24
    assert sum(b["type"] == "actions" for b in view["blocks"]) == render.ANSWER_LIMIT


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
