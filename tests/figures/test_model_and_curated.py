"""The fact model and the curated files: a fact missing a citation field does not load."""

from __future__ import annotations

import textwrap

import pytest
from pydantic import ValidationError

from facts.figures.curated import load_curated
from tests.support.factories import make_fact

FILE = textwrap.dedent("""
    release:
      publisher: NSPCC
      title: A release
      url: https://www.nspcc.org.uk/a
      published: 2020-11-12
      method: FOI responses
    defaults:
      geography: England and Wales
      topics: [online grooming]
      verified_on: 2026-11-01
      review_by: 2027-05-01
      status: verified
    facts:
      - id: good-one
        claim: A claim with its base and period.
        value: 1
        unit: offences
        display: "1"
        base: Offences recorded
        period: {label: "2020"}
        quote: "In 2020 police recorded 1 offence."
""")


def test_shipped_curated_files_are_valid_and_complete():
    result = load_curated()
    assert result.problems == []
    ids = {f.id for f in result.facts}
    assert len(ids) == len(result.facts) >= 72
    displays = {f.display for f in result.facts if f.servable}
    for figure in ("1,220", "37%", "29%", "51%", "20%", "12,925"):
        assert figure in displays, figure
    assert any("€20" in f.display and "campaign" in f.topics for f in result.facts)


def test_shipped_secondary_figures_name_their_outlet_and_held_ones_exist():
    facts = load_curated().facts
    assert all(f.source.outlet for f in facts if f.status == "secondary")
    assert any(f.status == "held" for f in facts)


def test_a_valid_file_loads(tmp_path):
    (tmp_path / "a.yaml").write_text(FILE)
    result = load_curated([tmp_path / "a.yaml"])
    assert result.problems == [] and [f.id for f in result.facts] == ["good-one"]


@pytest.mark.parametrize("field", ["publisher", "title", "url", "method"])
def test_missing_source_field_names_field_fact_and_file(tmp_path, field):
    (tmp_path / "a.yaml").write_text(FILE.replace(f"  {field}:", f"  x_{field}:"))
    result = load_curated([tmp_path / "a.yaml"])
    assert result.facts == []
    text = [str(p) for p in result.problems]
    assert any(t.startswith("a.yaml: fact good-one: source") and field in t for t in text), text


@pytest.mark.parametrize("field", ["base", "display", "claim"])
def test_missing_fact_field_names_it(tmp_path, field):
    lines = [line for line in FILE.splitlines() if not line.strip().startswith(f"{field}:")]
    (tmp_path / "a.yaml").write_text("\n".join(lines))
    [problem] = load_curated([tmp_path / "a.yaml"]).problems
    assert (problem.file, problem.fact_id, problem.field) == ("a.yaml", "good-one", field)


def test_duplicate_ids_and_unknown_superseded_by_are_problems(tmp_path):
    (tmp_path / "a.yaml").write_text(FILE)
    (tmp_path / "b.yaml").write_text(FILE)
    (tmp_path / "c.yaml").write_text(FILE.replace("good-one", "other").replace(
        "period: {label", "superseded_by: nowhere\n    period: {label"))
    problems = [str(p) for p in load_curated([tmp_path / n for n in ("a.yaml", "b.yaml", "c.yaml")]).problems]
    assert "b.yaml: fact good-one: id: duplicate id (also in a.yaml)" in problems
    assert "c.yaml: fact other: superseded_by: unknown fact id 'nowhere'" in problems


def test_unreadable_yaml_is_one_problem(tmp_path):
    (tmp_path / "bad.yaml").write_text("facts: [\n")
    [problem] = load_curated([tmp_path / "bad.yaml"]).problems
    assert problem.file == "bad.yaml" and "YAML" in problem.message


def test_a_curated_file_cannot_build_python_objects(tmp_path):
    # The loader is libyaml's when available (fast), but always a safe one: no tag runs code.
    (tmp_path / "evil.yaml").write_text("facts: !!python/object/apply:os.getcwd []\n")
    [problem] = load_curated([tmp_path / "evil.yaml"]).problems
    assert problem.file == "evil.yaml" and "cannot be read as YAML" in problem.message


def test_secondary_needs_outlet_and_undated_needs_note():
    with pytest.raises(ValidationError, match="outlet"):
        make_fact(status="secondary")
    assert make_fact(status="secondary", source={"outlet": "ITV News"}).servable
    with pytest.raises(ValidationError, match="published"):
        make_fact(source={"published": None})
    assert make_fact(source={"published": None, "published_note": "undated page"}).source.published is None


def test_servable_and_review_due():
    import datetime as dt
    assert make_fact().servable
    assert not make_fact(status="held").servable
    assert not make_fact(status="retired").servable
    assert not make_fact(superseded_by="newer").servable
    assert make_fact(verified_on="2025-06-01", review_by="2026-01-01").review_due(dt.date(2026, 1, 2))
    assert not make_fact(verified_on="2025-06-01", review_by="2026-01-01").review_due(dt.date(2026, 1, 1))


def test_period_must_be_ordered():
    with pytest.raises(ValidationError, match="after its end"):
        make_fact(period={"start": "2021-01-01", "end": "2020-01-01"})


def test_message_words_use_attachments_and_files_when_there_is_no_text():
    from facts.text import message_words

    assert message_words({"text": "snapchat <@U1>", "ts": "1.2"}) == "snapchat <@U1>"
    no_text = {"attachments": [{"fallback": "Snapchat chart", "title": ""}, "junk"],
               "files": [{"name": "girls-2024.png"}, {"title": "Lockdown figures", "name": "x.pdf"}]}
    assert message_words(no_text) == "Snapchat chart girls-2024.png Lockdown figures"
    assert message_words({"attachments": [{"title": "T", "text": "body", "fallback": "F"}]}) == "T body"
    assert message_words({"files": "not a list", "text": None}) == ""
    assert len(message_words({"text": "x" * 5000})) == 2000


@pytest.mark.parametrize("change,field", [
    ("    display: \"1\"", "    display: \"7\""),
    ("    value: 1", "    value: 1\n    status: secondary"),
    ("  review_by: 2027-05-01", "  review_by: 2026-01-01"),
])
def test_model_level_problems_name_their_field(tmp_path, change, field):
    old, new = change, field
    (tmp_path / "a.yaml").write_text(FILE.replace(old, new))
    [problem] = load_curated([tmp_path / "a.yaml"]).problems
    expected = {"display": "display", "secondary": "source.outlet", "2026": "review_by"}
    assert problem.field == next(v for k, v in expected.items() if k in new), problem
    assert problem.fact_id == "good-one"


def test_display_must_show_the_value():
    from facts.figures.model import display_shows_value
    assert display_shows_value(12925, "12,925") and display_shows_value(20000000, "€20 million")
    assert display_shows_value(37, "37%") and display_shows_value("1 in 5", "1 in 5")
    assert not display_shows_value(37, "73%") and not display_shows_value(1220, "1,202")


def test_manifest_creates_the_app_as_built():
    import yaml

    from tests.support.server import REPO

    manifest = yaml.safe_load((REPO / "manifest.yaml").read_text())
    features = manifest["features"]
    assert [c["command"] for c in features["slash_commands"]] == ["/grooming"]
    assert [s["callback_id"] for s in features["shortcuts"]] == ["find_figures", "check_figures"]
    assert features["app_home"]["home_tab_enabled"] is True
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {"app_mention", "app_home_opened"}
    assert settings["interactivity"]["is_enabled"] is True
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "app_mentions:read", "groups:read", "groups:history"} <= scopes


def test_message_words_read_blocks_when_there_is_no_text():
    from facts.text import message_words

    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "Snapchat figures?"}},
              {"type": "rich_text", "elements": [{"type": "rich_text_section",
                                                  "elements": [{"type": "text", "text": "grooming on instagram"}]}]}]
    assert message_words({"blocks": blocks}) == "Snapchat figures? grooming on instagram"
    assert message_words({"text": "the text wins", "blocks": blocks}) == "the text wins"
    deep: dict = {"type": "rich_text", "elements": []}
    node = deep
    for _ in range(50):  # absurd nesting is cut off, not a crash
        child: dict = {"type": "rich_text_section", "elements": []}
        node["elements"].append(child)
        node = child
    assert message_words({"blocks": [deep]}) == ""


def test_evidence_fields_load_from_a_file_and_release(tmp_path):
    text = FILE.replace("  method: FOI responses\n", "  method: FOI responses\n  next_edition: 2027-08-01\n"
                                                      "  next_edition_note: 'Next release: 1 August 2027'\n")
    text += textwrap.indent(textwrap.dedent("""\
            quote: "Police recorded 1 offence."
            quote_url: https://example.org/copy
            measure: sexual communication with a child offences recorded by police
            series: grooming-offences-england-wales-yearly
            source_refs: [S001, T002]
            misquotes:
              - {wording: "a 40% rise", why: "The 40% is a share, not a rise."}
    """), "    ")
    (tmp_path / "a.yaml").write_text(text)
    result = load_curated([tmp_path / "a.yaml"])
    assert result.problems == []
    fact = result.facts[0]
    assert fact.quote == "Police recorded 1 offence." and fact.source_refs == ["S001", "T002"]
    assert fact.series == "grooming-offences-england-wales-yearly" and fact.kind == "statistic"
    assert fact.source.next_edition is not None and fact.source.next_edition.year == 2027
    assert fact.misquotes[0].wording == "a 40% rise" and fact.current


def test_bad_source_ref_and_series_are_named():
    with pytest.raises(ValidationError, match="source_refs"):
        make_fact(source_refs=["row 12"])
    with pytest.raises(ValidationError, match="series"):
        make_fact(series="Grooming Offences")


def test_service_facts_are_not_ordered_by_a_news_date():
    dated = make_fact(id="a-service", kind="service")
    undated_source = {**dated.source.model_dump(), "published": None, "published_note": "undated page"}
    undated = make_fact(id="b-service", kind="service", source=undated_source)
    assert dated.sort_key[:2] == undated.sort_key[:2]


def test_a_historical_fact_is_not_current():
    fact = make_fact(historical="A 2020 proposal, superseded by the Online Safety Act 2023.")
    assert fact.servable and not fact.current


def test_a_next_edition_date_needs_the_publishers_words(tmp_path):
    (tmp_path / "a.yaml").write_text(FILE.replace("  method: FOI responses\n",
                                                  "  method: FOI responses\n  next_edition: 2027-08-01\n"))
    problems = load_curated([tmp_path / "a.yaml"]).problems
    assert [(p.fact_id, p.field) for p in problems] == [("good-one", "source")]
    assert "next_edition_note: a next edition date needs the publisher's own words" in problems[0].message
