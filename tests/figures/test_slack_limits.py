"""Every message the app renders is within Slack's limits (checked as the strict fake checks them),
and long text is split at a sentence, never cut."""

from __future__ import annotations

import json

from facts.figures import answers, check_messages
from facts.figures.catalogue import Catalogue
from facts.figures.check import FigureBook, check_text
from facts.figures.search import FactIndex
from facts.figures.usage import Usage
from facts.text import split_text, utf16_len
from handlers.figures import mention
from tests.support.block_kit import assert_valid_message, message_problems
from tests.support.factories import TODAY, make_fact

SENTENCE = "Instagram was recorded in 37% of offences where the platform was recorded, April to June 2020. "
LONG_CLAIM = (SENTENCE * 40)[:2990] + " and the end of the claim is here, in full."  # over 3,000 characters


def _answer(facts, query="instagram", limit=8, **kwargs):
    index = FactIndex(facts)
    return answers.answer(index.search(query, limit=limit), index.coverage(), TODAY, **kwargs)


def _texts(blocks) -> str:
    return "".join(b["text"]["text"] for b in blocks if b.get("type") == "section" and "text" in b)


def test_a_claim_over_3000_characters_is_split_across_sections_never_cut():
    assert len(LONG_CLAIM) > 3000
    message = _answer([make_fact(claim=LONG_CLAIM)])
    assert_valid_message(message.as_dict())
    sections = [b for b in message.blocks if b["type"] == "section"]
    assert all(len(b["text"]["text"]) <= 3000 for b in sections)
    assert "the end of the claim is here, in full." in _texts(message.blocks)
    assert "…" not in _texts(message.blocks)
    # each piece ends at a sentence, not in the middle of a word
    claim_pieces = [b["text"]["text"] for b in sections if "37%" in b["text"]["text"]]
    assert len(claim_pieces) >= 2 and claim_pieces[0].endswith("2020.")


def test_eight_figures_with_long_claims_stay_within_50_blocks_and_each_keeps_its_citation():
    facts = [make_fact(f"fact-{i}", claim=LONG_CLAIM * 3) for i in range(8)]
    message = _answer(facts)
    assert_valid_message(message.as_dict())
    assert json.dumps(message.blocks).count("*Source:*") == 1  # the best whole, the others one line each
    shares = [e for b in message.blocks if b["type"] == "actions" for e in b["elements"]
              if e["action_id"] == answers.SHARE_ACTION_ID]
    assert len(shares) == 4 and all(len(json.loads(e["value"])["ids"]) == 1 for e in shares)  # one figure each
    assert any(e["action_id"] == answers.MORE_ACTION_ID for b in message.blocks if b["type"] == "actions"
               for e in b["elements"])


def test_the_fallback_text_is_counted_in_utf16_units_as_slack_counts_it():
    facts = [make_fact(f"fact-{i}", claim="😀" * 900 + " Instagram, April to June 2020.") for i in range(8)]
    message = _answer(facts)
    assert utf16_len(message.text) <= 4000 and message_problems(message.as_dict()) == []
    assert "more figure" in message.text  # whole citations, the rest counted


def test_a_mention_reply_is_within_slacks_limits():
    facts = [make_fact(f"fact-{i}", claim="🙂" * 1400 + " Instagram, April to June 2020.") for i in range(3)]
    message = mention.reply(Catalogue(facts, lambda: TODAY), Usage(), "<@UBOT> instagram")
    assert_valid_message(message.as_dict())
    assert utf16_len(message.text) <= 4000


def test_a_check_quoting_a_long_claim_is_within_slacks_limits_and_keeps_the_claim_whole():
    fact = make_fact(claim=LONG_CLAIM)
    draft = "Instagram was recorded in 37% of offences where the platform was recorded, April to June 2020. " + \
        " ".join(f"Police recorded {n} online grooming offences in 2024." for n in range(100, 160))
    message = check_messages.check_message(check_text(draft, FigureBook([fact])))
    assert_valid_message(message.as_dict())
    assert "the end of the claim is here, in full." in _texts(message.blocks)


def test_split_text_keeps_every_character_and_breaks_at_sentences():
    text = "First sentence here. " * 300
    pieces = split_text(text, 3000)
    assert all(len(p) <= 3000 for p in pieces) and len(pieces) == 3
    assert all(p.rstrip().endswith("here.") for p in pieces)
    assert " ".join(pieces).strip() == text.strip()
    assert split_text("x" * 7000, 3000) == ["x" * 3000, "x" * 3000, "x" * 1000]  # one word: broken, not lost
    assert split_text("", 3000) == [""]
