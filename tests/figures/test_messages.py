"""Rendering: citations always present, text escaped, Block Kit limits kept."""

from __future__ import annotations

import json

from facts import blocks as block_kit
from facts.figures import answers
from facts.figures import messages as render
from facts.figures.search import FactIndex
from tests.support.factories import TODAY, make_fact


def _answer(facts, query="instagram", limit=8):
    index = FactIndex(facts)
    return answers.answer(index.search(query, limit=limit), index.coverage(), TODAY)


def test_every_figure_shows_its_citation():
    message = _answer([make_fact()])
    text = json.dumps(message.blocks)
    for part in ("37%", "Offences where the platform was recorded", "April to June 2020", "England and Wales",
                 "NSPCC", "<https://www.nspcc.org.uk/a|A release>", "12 November 2020", "FOI responses"):
        assert part in text
    assert "https://www.nspcc.org.uk/a" in message.text and "37%" in message.text


def test_secondary_names_outlet_and_review_due_is_flagged():
    fact = make_fact(status="secondary", source={"outlet": "ITV News (PA)"}, review_by="2026-01-01")
    text = json.dumps(_answer([fact]).blocks)
    assert "Secondary" in text and "ITV News (PA)" in text and "Review due" in text
    assert "*Source:* NSPCC figures as reported by ITV News (PA), <https://www.nspcc.org.uk/a|A release>" in text
    assert "Review due" not in json.dumps(_answer([make_fact()]).blocks)


def test_curated_and_user_text_is_escaped():
    fact = make_fact(claim="A <claim> & more, April to June 2020.", source={"title": "T <x>"})
    message = _answer([fact], query="instagram <!channel> & <@U1>")
    raw = json.dumps(message.blocks)
    assert "<claim>" not in raw and "&lt;claim&gt;" in raw
    assert "<!channel>" not in raw and "<@U1>" not in raw
    assert "<claim>" not in message.text


def test_block_kit_limits_hold_for_many_long_facts():
    long = "x" * 2900
    facts = [make_fact(f"f-{i}", claim=long, caveats=[long, long]) for i in range(60)]
    message = _answer(facts, query="instagram " + "y" * 4000, limit=60)
    assert len(message.blocks) <= block_kit.MAX_BLOCKS
    assert message.blocks[-1]["type"] == "actions"
    for block in message.blocks:
        texts = [block["text"]] if "text" in block else block.get("elements", [])
        for t in texts:
            if isinstance(t, dict) and "text" in t and isinstance(t["text"], str):
                assert len(t["text"]) <= block_kit.MAX_TEXT
    assert len(message.text) <= block_kit.MAX_FALLBACK
    assert len(message.blocks[-1]["elements"][0]["value"]) <= 2000


def test_no_match_lists_coverage_and_shows_no_figure():
    index = FactIndex([make_fact()])
    message = answers.answer(index.search("tiktok"), index.coverage(), TODAY)
    text = json.dumps(message.blocks)
    assert "no curated figure for *TikTok*" in text and "Instagram" in text and "37%" not in text


def test_shared_is_attributed_and_has_no_share_button_only_report_a_problem():
    message = answers.shared(make_fact(), "U0TEST0001", TODAY)
    raw = json.dumps(message.blocks)
    assert "Shared by <@U0TEST0001>" in raw and "37%" in raw
    [actions] = [b for b in message.blocks if b["type"] == "actions"]
    assert [e["action_id"] for e in actions["elements"]] == ["report_problem"]


def test_citation_is_plain_and_complete():
    line = render.citation(make_fact(status="secondary", source={"outlet": "ITV News"}))
    assert line.startswith("37% — ") and "NSPCC figures as reported by ITV News," in line
    assert "published 12 November 2020" in line and "https://www.nspcc.org.uk/a" in line
    assert "period: April to June 2020" in line


def test_blocks_to_text_is_readable():
    text = render.blocks_to_text(_answer([make_fact()]).blocks)
    assert "A release (https://www.nspcc.org.uk/a)" in text and "&amp;" not in text and "*" not in text


def test_text_fallback_keeps_whole_citations():
    long = "y" * 900
    facts = [make_fact(f"f-{i}", claim=f"Claim {i} {long}") for i in range(8)]
    message = _answer(facts, limit=8)
    assert len(message.text) <= block_kit.MAX_FALLBACK
    lines = message.text.split("\n")
    assert lines[-1].startswith("… and ") and lines[-1].endswith(("more figures, in full in the message.",
                                                                   "more figure, in full in the message."))
    assert all(line.endswith("geography: England and Wales.") for line in lines[:-1])


def test_invisible_format_characters_are_dropped_from_the_query():
    from facts.text import slack_to_plain
    assert slack_to_plain("insta\u202egram\u200b") == "instagram"


def test_terminal_escapes_and_control_characters_leave_no_fragments():
    from facts.text import slack_to_plain
    pasted = "\x1b[31mtiktok\x1b[0m\x07 blorfing\x1b]0;window title\x07 \x9b1;2Hgroom\x00ing\x1b"
    assert slack_to_plain(pasted) == "tiktok blorfing groom ing"


def test_a_long_unrecognised_query_keeps_the_coverage_in_the_answer():
    index = FactIndex([make_fact()])
    message = answers.answer(index.search("stats " + "a" * 5000), index.coverage(), TODAY)
    text = json.dumps(message.blocks)
    assert "What is covered" in text and "*Platforms:* Instagram" in text and "Nothing is estimated" in text


def _yearly(year: int, value: int, forces: int) -> object:
    label = f"{year}/{(year + 1) % 100:02d}"
    return make_fact(
        f"offences-{year}", claim=f"UK police recorded {value:,} grooming offences in {label}.", value=value,
        unit="recorded offences", display=f"{value:,}", base="Offences recorded by police", platforms=[],
        topics=["online grooming"], measure="grooming offences recorded by police", series="offences-uk-yearly",
        geography=f"UK ({forces} police forces)",
        period={"start": f"{year}-04-01", "end": f"{year + 1}-03-31", "label": f"{label} (April to March)"},
        source={"title": f"Release {year}", "url": f"https://www.nspcc.org.uk/{year}", "published": f"{year + 1}-08-01"})


def test_a_question_about_change_answers_with_the_series_each_cited_and_no_change_worked_out():
    facts = [_yearly(2021, 6156, 41), _yearly(2022, 6350, 42), _yearly(2023, 7062, 45)]
    message = _answer(facts, query="have grooming offences gone up?")
    text = json.dumps(message.blocks)
    lines = [line for block in message.blocks if block["type"] == "section"
             for line in block["text"]["text"].split("\n") if line.startswith("• *20")]
    assert [line.split("*")[1] for line in lines] == ["2021/22", "2022/23", "2023/24"]  # oldest first
    for fact, line in zip(facts, lines, strict=True):
        assert fact.display in line and str(fact.source.url) in line and fact.id in line
    assert "The forces counted differ between periods" in text and "UK (41 police forces)" in text
    assert "%" not in text.replace("\\u2019", "")  # no rise worked out from the counts
    assert block_kit.MAX_BLOCKS >= len(message.blocks)


def test_a_question_not_about_change_has_no_series():
    facts = [_yearly(2021, 6156, 41), _yearly(2022, 6350, 42)]
    assert "The series, oldest first" not in json.dumps(_answer(facts, query="how many grooming offences").blocks)
