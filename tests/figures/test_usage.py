"""Usage and gaps: counted in memory, flushed in one write, no personal data kept."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest

from facts.figures.search import SearchResult
from facts.figures.usage import MAX_GAP_TEXT, Usage, normalise_query
from facts.persistence import sibling_path
from tests.support.factories import make_fact

DAY = dt.date(2026, 11, 29)


def _gap(query: str) -> SearchResult:
    return SearchResult(query=query)


def _served(*ids: str) -> SearchResult:
    return SearchResult(query="instagram", facts=[make_fact(i) for i in ids])


@pytest.mark.parametrize("raw,expected", [
    ("  TikTok   <@U0TEST0001>\n grooming ", "tiktok grooming"),
    ("call jo on 07700 900123 about tiktok", "call jo on [number] about tiktok"),
    ("tiktok +44 (0)20 7946 0958", "tiktok [number]"),
    ("email jo.bloggs+x@example.org.uk re roblox", "email [email] re roblox"),
    ("<mailto:jo@example.org|jo@example.org> roblox", "[email] roblox"),
    ("nhs 943 476 5919 roblox", "nhs [number] roblox"),
    ("roblox in SW1A 1AA", "roblox in [postcode]"),
    ("see https://example.org/?u=jo roblox", "see [link] roblox"),
    ("roblox 2023/24 and 2020", "roblox 2023/24 and 2020"),
    ("call 999 or 116 123", "call 999 or 116 123"),
    ("<!channel> &amp; :wave: roblox", "& roblox"),
])
def test_normalise_query_lowercases_strips_markup_and_personal_data(raw, expected):
    assert normalise_query(raw) == expected


def test_normalise_query_truncates():
    assert len(normalise_query("roblox " * 100)) == MAX_GAP_TEXT


def test_usage_path_is_next_to_the_store(tmp_path):
    assert sibling_path(tmp_path / "factbot.json", "usage") == tmp_path / "factbot-usage.json"


def test_record_never_touches_the_file_and_flush_writes_once(tmp_path):
    path = tmp_path / "usage.json"
    usage = Usage(path, today=lambda: DAY)
    for _ in range(500):
        usage.record(_gap("TikTok"))
        usage.record(_served("a-fact", "b-fact"))
    assert not path.exists()  # the answer path never writes
    assert usage.flush() == 3
    data = json.loads(path.read_text())
    assert [(d["text"], d["count"]) for d in data["gaps"].values()] == [("tiktok", 500)]
    assert {d["fact_id"]: d["count"] for d in data["served"].values()} == {"a-fact": 500, "b-fact": 500}
    mtime = path.stat().st_mtime_ns
    assert usage.flush() == 0 and path.stat().st_mtime_ns == mtime  # nothing new: no write


def test_flushes_add_up_across_processes_and_days(tmp_path):
    path = tmp_path / "usage.json"
    first = Usage(path, today=lambda: dt.date(2026, 11, 1))
    first.record(_gap("roblox"))
    first.record(_gap("tiktok"))
    first.flush()
    first.close()
    second = Usage(path, today=lambda: DAY)  # e.g. after a restart
    second.record(_gap("Roblox"))
    second.record(_gap("roblox"))
    second.record(_served("a-fact"))
    [top, other] = second.gaps()  # stored and pending together, before any flush
    assert (top.text, top.count, top.first_seen, top.last_seen) == ("roblox", 3, dt.date(2026, 11, 1), DAY)
    assert (other.text, other.count) == ("tiktok", 1)
    second.flush()
    assert [(g.text, g.count) for g in Usage(path).gaps()] == [("roblox", 3), ("tiktok", 1)]
    assert Usage(path).served() == {"a-fact": 1}


def test_no_user_ids_or_personal_data_reach_the_file(tmp_path):
    path = tmp_path / "usage.json"
    usage = Usage(path, today=lambda: DAY)
    usage.record(_gap("<@U0SECRET01> tiktok jo@example.org 07700 900123"))
    usage.flush()
    raw = path.read_text()
    assert "U0SECRET01" not in raw and "jo@example.org" not in raw and "900123" not in raw
    assert "tiktok [email] [number]" in raw


def test_a_failed_flush_keeps_the_counts_for_the_next(tmp_path):
    path = tmp_path / "usage.json"
    usage = Usage(path, today=lambda: DAY)
    usage.record(_gap("tiktok"))
    path.write_text("{not json")
    with pytest.raises(ValueError):
        usage.flush()
    usage.record(_gap("tiktok"))
    path.unlink()
    assert usage.flush() == 1
    assert [(g.text, g.count) for g in usage.gaps()] == [("tiktok", 2)]


def test_found_queries_and_empty_text_are_not_gaps():
    usage = Usage(today=lambda: DAY)
    usage.record(_served("a-fact"))
    usage.record(_gap("<@U0TEST0001> :wave:"))
    assert usage.gaps() == [] and usage.served() == {"a-fact": 1}
    assert usage.flush() == 0  # memory only: nothing to write to


def test_counting_is_thread_safe_while_flushing(tmp_path):
    usage = Usage(tmp_path / "usage.json", today=lambda: DAY)

    def ask():
        for _ in range(300):
            usage.record(_gap("tiktok"))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        usage.flush()
    usage.flush()
    assert Usage(tmp_path / "usage.json").gaps()[0].count == 1200


def test_gaps_most_frequent_first_then_most_recent():
    days = iter([dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1), dt.date(2026, 3, 2)])
    usage = Usage(today=lambda: next(days))
    for query in ("older", "newer", "often", "often"):
        usage.record(_gap(query))
    assert [g.text for g in usage.gaps()] == ["often", "newer", "older"]
    assert [g.text for g in usage.gaps(limit=1)] == ["often"]


def test_labelled_links_handles_and_dates_are_not_kept():
    assert normalise_query("is <http://tiktok.com/@jane_doe14|tiktok.com/@jane_doe14> safe") == "is [link] safe"
    assert normalise_query("grooming on roblox.com/users/12345678/profile") == "grooming on [link]"
    assert normalise_query("dob 12/03/2011 stats 2023/24") == "dob [date] stats 2023/24"
    assert normalise_query("ask @jane_doe14 about it") == "ask [handle] about it"


def test_a_shortcut_message_is_never_kept_as_a_gap():
    from facts.figures.search import SearchResult

    usage = Usage()
    usage.record(SearchResult(query="Jane Smith (14) told her teacher a man asked for photos"), gap=False)
    assert usage.gaps() == []
    usage.record(SearchResult(query="tiktok figures"))
    assert [g.text for g in usage.gaps()] == ["tiktok figures"]


def test_capitalised_words_the_index_does_not_know_are_kept_as_names():
    from facts.figures.curated import load_curated
    from facts.figures.search import FactIndex

    index = FactIndex(load_curated().facts)
    result = index.search("child named Jayden Smith on Roblox")
    assert not result.found
    usage = Usage()
    usage.record(result)
    [gap] = usage.gaps()
    assert gap.text == "child named [name] [name] on roblox"  # Roblox is a known platform: kept
    assert normalise_query("county lines", ["county"]) == "county lines"  # lower case: a topic, not a name
