"""Search: aliases, typos, periods, Slack markup, and never the wrong figure."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from facts.figures.curated import load_curated
from facts.figures.search import FactIndex
from facts.figures.words import field_terms, terms
from tests.support.factories import make_fact


@pytest.fixture(scope="module")
def index():
    return FactIndex(load_curated().facts)


def _platform_sets(result):
    return [set(f.platforms) for f in result.facts]


@pytest.mark.parametrize("query", ["instagram", "Instagram", "INSTA", "ig", "insta's", "instagram."])
def test_instagram_aliases(index, query):
    result = index.search(query, limit=20)
    assert result.facts and all("Instagram" in p for p in _platform_sets(result))
    assert "37%" in [f.display for f in result.facts]


@pytest.mark.parametrize("query,platform", [
    ("fb", "Facebook"), ("meta", "Facebook"), ("facebook-owned", "Facebook"), ("facebook owned apps", "Facebook"),
    ("snap", "Snapchat"), ("wa", "WhatsApp"), ("whats app", "WhatsApp"),
])
def test_platform_aliases(index, query, platform):
    result = index.search(query, limit=50)
    assert result.platforms == [platform]
    assert result.facts and all(platform in f.platforms for f in result.facts)


def test_typo_is_read_as_instagram_and_said(index):
    result = index.search("instagarm")
    assert result.facts and all("Instagram" in f.platforms for f in result.facts)
    assert [(c.typed, c.read_as) for c in result.corrections] == [("instagarm", "Instagram")]


def test_newest_release_first(index):
    result = index.search("instagram", limit=50)
    dates = [f.source.published for f in result.facts]
    assert dates == sorted(dates, reverse=True)


def test_platform_without_figures_gets_none_not_another_platform(index):
    for query in ("tiktok", "tik tok", "roblox grooming"):
        result = index.search(query)
        assert result.facts == [] and result.platforms_without_figures


def test_unknown_words_alone_find_nothing(index):
    assert index.search("banana custard").facts == []


def test_year_and_financial_year(index):
    in_2020 = index.search("2020", limit=50).facts
    assert in_2020 and all(
        (str(f.period.start) >= "2020-01-01" and str(f.period.end) <= "2021-03-31") or f.source.published.year == 2020
        for f in in_2020)
    fy = index.search("2023/24", limit=50).facts
    assert fy and all(str(f.period.start) >= "2023-04-01" and str(f.period.end) <= "2024-03-31" for f in fy)
    for spelling in ("2023-24", "2023-2024", "2023/2024", "23/24", "2023 / 24"):
        assert index.search(spelling, limit=50).facts == fy, spelling
    # a year takes in the financial year starting in it: 2017 has the first year of the offence
    assert "3,171" in [f.display for f in index.search("2017", limit=50).facts]


def test_lockdown(index):
    result = index.search("lockdown instagram")
    assert "37%" in [f.display for f in result.facts]


def test_slack_markup_is_ignored(index):
    plain = [f.id for f in index.search("instagram").facts]
    marked = index.search("<@U0TEST0001|jo.bloggs> <#C0CAMP0001|campaigns> :camera: insta &amp; <!channel>")
    assert [f.id for f in marked.facts] == plain


def test_held_retired_and_superseded_are_never_served():
    facts = [
        make_fact("shown"), make_fact("held-one", status="held"), make_fact("retired-one", status="retired"),
        make_fact("old-one", superseded_by="shown"),
    ]
    index = FactIndex(facts)
    assert [f.id for f in index.search("instagram", limit=10).facts] == ["shown"]
    assert [f.id for f in index.search("", limit=10).facts] == ["shown"]


def test_limit_and_more():
    index = FactIndex([make_fact(f"f-{i}") for i in range(7)])
    result = index.search("instagram", limit=5)
    assert len(result.facts) == 5 and result.more
    assert not index.search("instagram", limit=7).more


def test_parts_with_no_figure_in_common_find_nothing_and_say_what_exists(index):
    result = index.search("instagram girls")
    assert result.facts == []
    labels = dict(result.partial)
    assert labels["Instagram"] > 5 and labels["girl"] >= 3
    assert index.search("snapchat scotland").facts == []


@pytest.mark.parametrize("query", ["1999", "12345", "مرحبا", "インスタ", "zebra crossing"])
def test_nothing_recognised_finds_nothing(index, query):
    result = index.search(query)
    assert result.facts == [] and not result.found


@pytest.mark.parametrize("query", ["last year", "latest", "most recent"])
def test_the_newest_alone_gives_the_newest_figures_headline_count_first(index, query):
    result = index.search(query)
    assert result.facts[0].id == "grooming-2024-25-uk-offences"


def test_unknown_words_beside_known_ones_are_reported(index):
    result = index.search("instagram zebra")
    assert result.facts and result.ignored == ["zebra"]


@pytest.mark.parametrize("query,display", [("999", "999"), ("1,220", "1,220"), ("1220", "1,220"),
                                           ("0808 800 5000", "0808 800 5000")])
def test_a_figure_as_written_finds_it(index, query, display):
    assert [f.display for f in index.search(query).facts] == [display]


def test_spelling_variants_of_platforms(index):
    assert index.search("face book").platforms == ["Facebook"]
    x = index.search("twitter")
    assert x.platforms_without_figures == ["X (Twitter)"] and x.facts == []
    # Slack words are not platforms, and stopwords are dropped before plurals are folded
    assert index.search("snapchat figures in this thread").platforms == ["Snapchat"]
    assert index.search("what was the instagram figure").platforms == ["Instagram"]  # "was" is not "wa"


def test_typos_are_read_only_as_platforms_topics_or_places(index):
    assert [(c.typed, c.read_as) for c in index.search("scotlnd").corrections] == [("scotlnd", "scotland")]
    assert index.search("last").corrections == []


def test_coverage(index):
    coverage = index.coverage()
    assert "Instagram" in coverage.platforms and "TikTok" not in coverage.platforms
    assert coverage.years[0] <= 2019 and coverage.figures > 40


# -- loose: a message people wrote to each other (the Find figures shortcut) --------------------


def test_loose_finds_the_closest_figures_for_a_conversational_message(index):
    text = "Did you see the NSPCC report? apparently snapchat is now the worst platform for grooming of girls"
    strict = index.search(text, limit=8)
    # strict: every part must match (the count is the curated figures that mention girls)
    assert strict.facts == [] and any(word == "girl" and count >= 4 for word, count in strict.partial)
    result = index.search(text, limit=8, loose=True)
    assert result.facts and all("Snapchat" in f.platforms for f in result.facts)
    assert result.relaxed == ["girl"]  # the words were used; the one no figure shown matches is said


def test_loose_does_not_read_ordinary_words_as_typos(index):
    strict = index.search("anyone know about the online safety act fines?")
    assert strict.corrections == [] and strict.facts  # "know" is not read as "known"
    loose = index.search("anyone know about the online safety act fines?", loose=True)
    assert loose.corrections == [] and loose.facts
    assert all("online safety act" in f.topics or "fines" in f.topics for f in loose.facts)
    assert index.search("instagarm", loose=True).corrections[0].read_as == "Instagram"


def test_loose_keeps_platform_constraints_and_unknown_words_find_nothing(index):
    assert index.search("is tiktok the worst for grooming", loose=True).facts == []
    assert index.search("IMG_0001.jpg", loose=True).facts == []
    assert index.search("photo.png", loose=True).found is False


def test_fields_read_together_read_as_each_alone():
    # The index reads a figure's fields in one pass; no phrase may join the end of one field
    # to the start of the next ("... online" + "safety act ..."), and each field keeps its own terms.
    texts = ["Offences recorded online", "Safety Act duties", "NSPCC help", "line 0808 800 5000",
             "children under 13s in England and", "Wales", "", "first year of the offence"]
    assert field_terms(texts) == [terms(t) for t in texts]
    assert "osa" not in [t for found in field_terms(texts) for t in found]


def _survey(fact_id: str, display: str, measure: str, topics: list[str], **overrides):
    return make_fact(fact_id, claim=f"{display} of children aged 13 to 15 {measure} (ONS).", value=int(display[:-1]),
                     display=display, unit="percent", measure=measure, base="Children aged 13 to 15", platforms=[],
                     topics=["children online", *topics], geography="England and Wales",
                     period={"start": "2019-04-01", "end": "2020-03-31", "label": "Year ending March 2020"},
                     source={"publisher": "Office for National Statistics", "published": "2021-02-09"}, **overrides)


def test_a_survey_year_is_the_year_its_period_ends_and_the_figure_for_all_children_comes_before_a_split_by_sex():
    index = FactIndex([
        _survey("girls-sexual-messages", "16%", "girls who received a sexual message", ["sexual messages", "girls"]),
        _survey("children-sexual-messages", "11%", "received a sexual message", ["sexual messages"]),
    ])
    result = index.search("ons sexual messages 2020")  # "year ending March 2020" is the survey's 2020
    assert [f.id for f in result.facts] == ["children-sexual-messages", "girls-sexual-messages"]
    assert index.search("sexual messages girls").facts[0].id == "girls-sexual-messages"


def test_what_police_recorded_is_not_a_helplines_sessions():
    index = FactIndex([
        make_fact("sessions", claim="Childline held 900 counselling sessions about sextortion in 2023/24.", value=900,
                  display="900", unit="counselling sessions", measure="Childline counselling sessions about sextortion",
                  base="Childline counselling sessions", platforms=[], topics=["childline", "sextortion"]),
        make_fact("offences", claim="Police recorded 7,263 grooming offences in 2024/25.", value=7263, display="7,263",
                  unit="recorded offences", measure="grooming offences recorded by police",
                  base="Offences recorded by police", platforms=[], topics=["online grooming"]),
        *[make_fact(f"other-{i}", platforms=[]) for i in range(10)],  # so that sextortion is a rare subject
    ])
    assert index.search("sextortion offences recorded by police").facts == []
    assert index.search("childline sextortion sessions").facts[0].id == "sessions"


def test_a_round_number_finds_the_figure_it_rounds():
    index = FactIndex([
        make_fact("ten-thousand", claim="Police recorded 10,119 grooming offences in two and a half years.",
                  value=10119, display="10,119", unit="recorded offences", platforms=[], topics=["online grooming"],
                  source={"title": "Online child grooming offences pass 10,000"}),
        make_fact("share", claim="23% of the 10,119 offences were in the last six months.", value=23, display="23%",
                  platforms=[], topics=["online grooming"], source={"title": "Online child grooming offences pass 10,000"}),
    ])
    assert index.search("where is the 10,000 grooming offences figure from").facts[0].id == "ten-thousand"


def test_a_calendar_years_figure_belongs_to_that_year_not_to_its_release():
    index = FactIndex([make_fact("iwf-2024", claim="The IWF confirmed 291,273 reports in 2024.", value=291273,
                                 display="291,273", unit="reports", platforms=[], topics=["child sexual abuse imagery"],
                                 period={"start": "2024-01-01", "end": "2024-12-31", "label": "2024"},
                                 source={"publisher": "Internet Watch Foundation", "published": "2025-04-29"})])
    assert [f.id for f in index.search("iwf 2024").facts] == ["iwf-2024"]
    assert index.search("iwf 2025").facts == []


# -- what an answer says of the question's words: the words, never their stems (new-user trial) --


def _said(result) -> str:
    """The answer's Block Kit and fallback text as one string."""
    from facts.figures.answers import answer
    from facts.figures.coverage import Coverage
    return json.dumps(answer(result, Coverage.of([], {}, {}), dt.date(2026, 12, 2)).as_dict(), ensure_ascii=False)


def test_the_parts_that_have_figures_are_said_in_the_words_typed(index):
    said = _said(index.search("grooming offences instagram scotland"))
    assert "*grooming* (" in said and "*offences* (" in said and "*Instagram* (" in said
    assert "*groom*" not in said and "offenc " not in said and "offenc*" not in said


def test_a_typo_is_said_as_typed_and_read_as_a_word(index):
    result = index.search("groomng ofences")
    assert [(c.typed, c.read_as) for c in result.corrections] == [("groomng", "grooming"), ("ofences", "offences")]
    said = _said(result)
    assert "Showing results for *grooming* (you typed “groomng”)" in said and "ofenc”" not in said


def test_words_no_figure_shown_matches_are_said_as_typed(index):
    text = "Did you see the NSPCC report? apparently snapchat is now the worst platform for grooming of girls"
    result = index.search(text, limit=8, loose=True)
    assert result.relaxed == ["girl"]
    assert "No figure also matches “girls”" in _said(result)


def test_a_joined_phrase_is_said_as_typed():
    from facts.figures.words import typed_terms
    said = dict(typed_terms("child sexual offences in England and Wales over 18 months"))
    assert said["csoffenc"] == "child sexual offences" and said["englandwal"] == "england and wales"
    assert said["m18dur"] == "18 months"


def test_factbot_ask_says_words_not_stems(tmp_path):
    from tests.support.cli import factbot
    done = factbot(["ask", "grooming offences instagram scotland"], tmp_path)
    assert done.returncode == 0 and "grooming (" in done.stdout and "offences (" in done.stdout
    assert "groom (" not in done.stdout and "offenc (" not in done.stdout
    done = factbot(["ask", "groomng ofences"], tmp_path)
    assert "Showing results for offences (you typed “ofences”)" in done.stdout
