"""Background work in the server: periodic calls survive errors; usage reaches its file without an answer writing it."""

from __future__ import annotations

import time

from bot.loops import every
from facts.figures.search import SearchResult
from facts.figures.usage import Usage


def _until(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_every_keeps_calling_after_an_error_and_stops_when_told():
    calls: list[int] = []

    def work() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("boom")

    stop = every(0.01, work, "test-every")
    assert _until(lambda: len(calls) >= 3)
    stop.set()
    time.sleep(0.05)
    settled = len(calls)
    time.sleep(0.05)
    assert len(calls) == settled


def test_periodic_flush_writes_what_answers_counted(tmp_path):
    path = tmp_path / "usage.json"
    usage = Usage(path)
    usage.record(SearchResult(query="tiktok"))
    assert not path.exists()
    stop = every(0.02, usage.flush, "test-usage-flush")
    try:
        assert _until(lambda: path.exists() and "tiktok" in path.read_text())
    finally:
        stop.set()
    assert [g.text for g in Usage(path).gaps()] == ["tiktok"]
