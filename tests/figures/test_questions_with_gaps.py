"""Issue 10's new-user trial: a period no figure can be about yet, and words that carry no meaning
for the figures, asked through the slash-command listener (a catalogue on a fixed clock) and
through ``factbot ask``."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bot.ask import LocalAsker
from facts.figures.answers import SHARE_ACTION_ID
from facts.figures.catalogue import Catalogue
from facts.figures.curated import load_curated
from tests.support.cli import factbot

#: The day of the trial: the newest curated figures are for 2024/25 and 2025.
TODAY = dt.date(2026, 12, 2)


@pytest.fixture(scope="module")
def curated():
    return load_curated().facts


def _ask(server, curated, text: str, today: dt.date = TODAY) -> tuple[str, list[str]]:
    """The answer's text (blocks and fallback) and the ids its Share buttons carry (the figures
    given as the answer; near misses have none)."""
    status, body = LocalAsker(server.runtime.settings, Catalogue(curated, lambda: today)).ask(text)
    assert status == 200
    shared = [json.loads(e["value"])["ids"][0] for b in body["blocks"] if b["type"] == "actions"
              for e in b["elements"] if e["action_id"] == SHARE_ACTION_ID]
    return json.dumps(body["blocks"], ensure_ascii=False) + body["text"], shared


@pytest.mark.parametrize("question,period", [
    ("grooming offences next year", "next year (2027 or 2027/28)"),  # led with 5,441 for 2020/21
    ("grooming in 2030", "2030"),
    ("grooming offences by 2027/28", "2027/28"),
    ("how many grooming offences in the coming year", "next year (2027 or 2027/28)"),
])
def test_a_future_period_gets_no_figure_and_the_nearest_only_as_near_misses(server, curated, question, period):
    text, shared = _ask(server, curated, question)
    assert shared == []  # no figure is given as the answer
    assert f"no curated figure for “{question}”: *{period}* is still to come" in text
    assert "Nearest figures* (not an answer to the question" in text and "7,263" in text


def test_this_year_is_the_current_period_by_the_catalogues_clock(server, curated):
    text, shared = _ask(server, curated, "grooming this year")  # no figure for 2026 or 2026/27
    assert shared == [] and "no figure is about *this year (2026 or 2026/27)*" in text
    assert "still to come" not in text
    # on a day in 2024/25 the same words find that year's figures, said with their own period
    text, shared = _ask(server, curated, "grooming this year", today=dt.date(2024, 6, 1))
    assert shared and shared[0] == "grooming-2024-25-uk-offences" and "2024/25" in text
    # and "last year" is still the newest release (an intent, not a period)
    _text, shared = _ask(server, curated, "how many grooming offences were recorded last year?")
    assert shared[0] == "grooming-2024-25-uk-offences"


@pytest.mark.parametrize("question,said", [
    ("grooming yesterday", "yesterday (1 December 2026)"),
    ("how many grooming offences this month", "this month (December 2026)"),
])
def test_a_period_named_from_today_with_no_figure_gets_none(server, curated, question, said):
    text, shared = _ask(server, curated, question)
    assert shared == [] and f"no figure is about *{said}*" in text


@pytest.mark.parametrize("question,figure", [
    ("helpline number i need to call this week", "helpline-nspcc-adults"),
    ("nspcc helpline this week", "helpline-nspcc-adults"),
])
def test_a_period_named_from_today_never_hides_a_contact(server, curated, question, figure):
    # "this week" says when the person will call, not which figures: a contact has no period.
    text, shared = _ask(server, curated, question)
    assert shared and shared[0] == figure and "no curated figure" not in text.lower(), text


@pytest.mark.parametrize("question,unused", [
    ("instagram RED", "red"),  # shouting: said "no figure is about red"
    ("instagram'; DROP TABLE facts; --", "drop"),  # code: said "no figure is about drop"
    ("INSTAGRAM PLEASE", None),
    ("instagram banana", "banana"),
])
def test_a_word_with_no_meaning_for_the_figures_does_not_veto_the_rest(server, curated, question, unused):
    text, shared = _ask(server, curated, question)
    assert shared and shared[0] == "grooming-2023-24-instagram-share"
    assert "no curated figure" not in text.lower()
    if unused:
        assert "Not recognised, so not used: “" + unused in text


@pytest.mark.parametrize("question,head", [
    ("tiktok RED", "no curated figure for *TikTok*"),
    ("roblox grooming 2024/25", "no curated figure for *Roblox*"),
    ("met police grooming", "no curated figure for *the Metropolitan Police (London)*"),
    ("instagram liverpool", "no figure is about *liverpool*"),  # a place with no label of its own
    ("instagram ETHNICITY", "no figure is about *ethnicity*"),
    ("NCA grooming 2024", "no figure is about *nca*"),  # an acronym no figure knows, not noise
    ("grooming sentence length", "no figure is about *sentence length*"),  # a measure not curated
    ("average sentence for groomers", "no figure is about *average sentence*"),
])
def test_a_word_naming_a_subject_no_figure_covers_still_gets_no_figure(server, curated, question, head):
    text, shared = _ask(server, curated, question)
    assert shared == [] and head in text


def test_factbot_ask_says_next_year_is_still_to_come_and_answers_past_the_noise(tmp_path):
    future = factbot(["ask", "grooming offences next year"], tmp_path)
    assert future.returncode == 0, future.stderr
    head = future.stdout.splitlines()[0]
    assert "There is no curated figure" in head and "is still to come" in head and "5,441" not in head
    assert "Share in channel" not in future.stdout
    noisy = factbot(["ask", "instagram'; DROP TABLE facts; --"], tmp_path)
    assert "Answer to" in noisy.stdout and "Not recognised, so not used: “drop" in noisy.stdout
    assert "6% — Instagram" in noisy.stdout
