"""Reading what was typed: one vocabulary of subcommands for every surface."""

from __future__ import annotations

import pytest

from facts.figures.asking import Asked, how_to_ask, plain_question, read


@pytest.mark.parametrize("text,expected", [
    ("", Asked("help")),
    ("  <@U0BOT0001>  ", Asked("help")),
    ("help", Asked("help")),
    ("HELP?", Asked("help")),
    ("sources", Asked("sources")),
    ("<@U0BOT0001> sources", Asked("sources")),
    ("check Police recorded 7,263 offences", Asked("check", "Police recorded 7,263 offences")),
    ("check", Asked("check", "")),
    ("stats instagram", Asked("question", "instagram")),
    ("stats", Asked("question", "")),
    ("instagram", Asked("question", "instagram")),
    ("how many grooming offences were recorded last year?",
     Asked("question", "how many grooming offences were recorded last year?")),
    ("helpline number", Asked("question", "helpline number")),
    ("help for parents worried about grooming", Asked("question", "help for parents worried about grooming")),
    ("sources of the 7,263 figure", Asked("question", "sources of the 7,263 figure")),
    ("<@U0BOT0001> stats snapchat", Asked("question", "snapchat")),
])
def test_read(text, expected):
    assert read(text) == expected


@pytest.mark.parametrize("text,plain", [
    ("stats @jo.bloggs instagram", "stats instagram"),
    ("@snap.jones instagram", "instagram"),
    ("instagram #campaigns", "instagram"),
    ("<@U0TEST0001|jo.bloggs> <#C0CAMP0001|campaigns> insta &amp; <!channel>", "insta &"),
    ("email help@nspcc.org.uk", "email help@nspcc.org.uk"),
    ("offence #1", "offence #1"),
])
def test_plain_question_drops_markup_and_handles(text, plain):
    assert plain_question(text) == plain


def test_the_help_lists_questions_and_every_subcommand():
    typed = [t for t, _what in how_to_ask("/grooming")]
    assert "/grooming instagram" in typed
    assert {"/grooming check <your draft>", "/grooming sources", "/grooming help"} <= set(typed)
