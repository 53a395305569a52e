"""Background work in the server: periodic calls survive errors; usage reaches its file without an answer writing it."""

from __future__ import annotations

import time

from bot.loops import DONE, Loop, every
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

    loop = every(0.01, work, "test-every").start()
    assert _until(lambda: len(calls) >= 3)
    assert loop.status().alive and loop.status().failures == 0  # the error did not end it
    loop.stop()
    time.sleep(0.05)
    settled = len(calls)
    time.sleep(0.05)
    assert len(calls) == settled


def test_periodic_flush_writes_what_answers_counted(tmp_path):
    path = tmp_path / "usage.json"
    usage = Usage(path)
    usage.record(SearchResult(query="tiktok"))
    assert not path.exists()
    loop = every(0.02, usage.flush, "test-usage-flush").start()
    try:
        assert _until(lambda: path.exists() and "tiktok" in path.read_text())
    finally:
        loop.stop()
    assert [g.text for g in Usage(path).gaps()] == ["tiktok"]


def test_a_failing_loop_backs_off_reports_its_error_type_and_recovers():
    outcomes = [RuntimeError, OSError, None, None]

    def step() -> None:
        outcome = outcomes.pop(0) if outcomes else None
        if outcome is not None:
            raise outcome("details that must not be logged")

    loop = Loop("test-backoff", step, 0.01, max_backoff=0.05).start()
    try:
        assert _until(lambda: not outcomes)
        assert _until(lambda: loop.status().failures == 0 and loop.status().last_ok is not None)
        assert loop.status().alive and loop.status().last_error is None
    finally:
        loop.stop()
    assert not loop.status().alive


def test_a_step_can_end_its_loop():
    calls: list[int] = []

    def once() -> float:
        calls.append(1)
        return DONE

    loop = Loop("test-done", once, 0.01).start()
    assert _until(lambda: loop.status().finished)
    assert calls == [1] and not loop.status().alive
