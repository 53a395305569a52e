"""Benchmark: latency of ``/grooming stats instagram`` through ``App.dispatch``.

Run by hand (not a test): ``python benchmarks/bench_stats.py [--rounds 400]``.

For 100, 10,000 and 100,000 synthetic facts it dispatches signed slash
commands through the real Bolt app, interleaved with a no-op command
listener (``/noop``, which only acks) in the same app and run, under both of
Bolt's listener runners: ``process_before_response=True`` (the listener runs
in the request thread) and the default threaded runner (which waits for
``ack()`` by polling every 10 ms). Latencies are in milliseconds; ratios are
against the no-op listener and against 100 facts measured in the same run,
because the machines are shared and noisy.

Targets (issue 2): p50 at 100,000 facts within 2x of the no-op listener, and
100,000 within 1.2x of 100.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from slack_bolt import BoltRequest  # noqa: E402

from bot.app import build_app  # noqa: E402
from bot.ask import signed_headers, slash_command_body  # noqa: E402
from bot.settings import Settings  # noqa: E402
from facts.figures.catalogue import Catalogue  # noqa: E402
from facts.figures.model import Fact  # noqa: E402

PLATFORMS = ["Instagram", "Facebook", "Snapchat", "WhatsApp", "Messenger", "Kik", "Discord", "Roblox", "X", "Yubo"]
TOPICS = ["online grooming", "platforms", "victims", "girls", "age", "trend", "law", "fines", "helpline"]
SECRET = "benchmark-signing-secret"


def synthetic_facts(count: int, seed: int = 7) -> list[Fact]:
    """``count`` valid facts spread over platforms, topics and 2017-2026 releases."""
    rng = random.Random(seed)
    facts = []
    for i in range(count):
        year = 2017 + i % 10
        platform = PLATFORMS[i % len(PLATFORMS)]
        facts.append(Fact.model_validate({
            "id": f"synthetic-{i}",
            "claim": f"{platform} was recorded in {i % 100}% of synthetic offences where the platform was "
                     f"recorded, {year}/{(year + 1) % 100:02d} (synthetic series {i}).",
            "value": i % 100, "unit": "percent", "display": f"{i % 100}%",
            "base": "Synthetic offences where the platform was recorded",
            "period": {"start": f"{year}-04-01", "end": f"{year + 1}-03-31", "label": f"{year}/{(year + 1) % 100:02d}"},
            "geography": rng.choice(["England and Wales", "UK", "Wales", "Scotland"]),
            "topics": rng.sample(TOPICS, 2), "platforms": [platform],
            "source": {"publisher": "Synthetic", "title": f"Release {year}", "url": f"https://example.org/{year}",
                       "published": dt.date(year + 1, 1 + i % 12, 1 + i % 28).isoformat(), "method": "generated"},
            "status": "verified", "verified_on": "2026-11-01", "review_by": "2027-05-01",
        }))
    return facts


def _request(command: str, text: str) -> BoltRequest:
    body = slash_command_body(command, text)
    return BoltRequest(body=body, headers=signed_headers(SECRET, body))


def measure(app, rounds: int) -> tuple[list[float], list[float]]:
    """Interleaved latencies (ms) of the stats command and the no-op command."""
    stats_ms, noop_ms = [], []
    for _ in range(rounds):
        for command, text, sink in (("/grooming", "stats instagram", stats_ms), ("/noop", "", noop_ms)):
            request = _request(command, text)  # signing is not what we measure
            started = time.perf_counter()
            response = app.dispatch(request)
            sink.append((time.perf_counter() - started) * 1000)
            assert response.status == 200, response.body
    return stats_ms, noop_ms


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=400)
    parser.add_argument("--sizes", default="100,10000,100000")
    args = parser.parse_args()
    settings = Settings(_env_file=None)

    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        started = time.perf_counter()
        catalogue = Catalogue(synthetic_facts(size))
        build_s = time.perf_counter() - started
        for before_response in (True, False):
            app = build_app(settings, catalogue, signing_secret=SECRET, token="xoxb-benchmark",
                            process_before_response=before_response)
            app.command("/noop")(lambda ack: ack())
            measure(app, 20)  # warm up
            stats_ms, noop_ms = measure(app, args.rounds)
            rows.append((size, "in request thread" if before_response else "threaded (default)",
                         _pct(stats_ms, 50), _pct(stats_ms, 99), _pct(noop_ms, 50), build_s))

    base = {runner: p50 for size, runner, p50, *_ in rows if size == rows[0][0]}
    print(f"{'facts':>8} | {'listener runner':<19} | {'stats p50 ms':>12} | {'p99 ms':>7} | "
          f"{'no-op p50 ms':>12} | {'vs no-op':>8} | {'vs ' + str(rows[0][0]) + ' facts':>12} | {'index build s':>13}")
    print("-" * 112)
    for size, runner, p50, p99, noop, build_s in rows:
        print(f"{size:>8} | {runner:<19} | {p50:>12.3f} | {p99:>7.3f} | {noop:>12.3f} | {p50 / noop:>7.2f}x | "
              f"{p50 / base[runner]:>11.2f}x | {build_s:>13.2f}")


if __name__ == "__main__":
    main()
