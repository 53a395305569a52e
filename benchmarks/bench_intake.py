"""Benchmark: enquiry intake latency (until the 202) with 100 and 10,000 enquiries stored.

Run by hand (not a test): ``python benchmarks/bench_intake.py [--rounds 300]``.

Two services are built as ``factbot serve`` builds them (``build_runtime``:
archive, outbox, Bolt app; the delivery worker not started), one over an
archive of 100 enquiries and one over 10,000 (received over the last 300
days, all in this year's folder). Each also has 10 recently delivered
enquiries in its outbox, as a couple of days' traffic leaves it.

Each round sends one new, unique enquiry (JSON, about 700 bytes) to each
service's ``POST /enquiries`` through the real Starlette app in-process
(ASGI: routing, token check, body read, validation, triage, the archive
write to ``incoming/``, the 202; no sockets), timed until the response
starts. The queuer thread then puts it in the outbox; the time until that
is done is reported too ("until in the outbox"). Then, untimed, it does what
the worker would (marks the item delivered long ago and prunes it, so the
outbox stays as it was), and times a bare write of the same record's bytes:
a new file in the archive's folder, written, fsynced and closed. Rounds
interleave the three so they share the machine's noise.

Targets (issue 3): p50 with 10,000 within 1.5x of 100, and intake p50
within 3x of the bare write.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.runtime import build_runtime  # noqa: E402
from bot.server import create_web_app  # noqa: E402
from bot.settings import Settings  # noqa: E402
from facts.enquiries.archive import EnquiryArchive, archive_path  # noqa: E402
from facts.enquiries.model import parse_enquiry  # noqa: E402

TOKEN = "benchmark-intake-token"
MESSAGE = ("We are a family in Colchester looking for therapeutic support for our eleven-year-old son, "
           "who has been withdrawn since a difficult year at school. We would like to know what the "
           "service offers, whether there is a waiting list, and how a referral works. ")


def body(i: int) -> dict:
    return {"name": f"Parent Number {_word(i)}", "email": f"parent{i}@example.org", "phone": "01206 878178",
            "organisation": "", "service": "therapeutic", "message": MESSAGE + f"(ref {i})", "consent": True}


def _word(i: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        i, r = divmod(i, 26)
        out += letters[r]
        if i == 0:
            return out.title()


class Service:
    """One service over its own folder, and a way to send it one enquiry."""

    def __init__(self, root: Path, stored: int):
        self.root = root
        db = root / "factbot.json"
        archive = EnquiryArchive(archive_path(db))
        start = dt.datetime.now(dt.UTC) - dt.timedelta(days=300)
        for i in range(stored):  # written through the archive, fsync and all; delivered long ago
            record, _ = archive.create(parse_enquiry(body(10_000_000 + i)), triage=[],
                                       now=start + dt.timedelta(days=298) * (i / max(stored, 1)))
            archive.mark_queued(record.reference)
        settings = Settings(_env_file=None, factbot_db=db, slack_bot_token="xoxb-benchmark",
                            slack_signing_secret="benchmark-signing-secret", factbot_intake_token=TOKEN,
                            factbot_enquiry_channel="C0BENCH0001", slack_api_url="http://127.0.0.1:9/api/")
        self.runtime = build_runtime(settings, start=False)
        self.stop_queuer = self.runtime.enquiries.start()  # as `factbot serve` runs it (not the worker)
        self.app = create_web_app(self.runtime)
        self.outbox = self.runtime.outbox
        for i in range(10):  # a couple of days' delivered enquiries stay in the outbox
            reference = self.send_sync(body(20_000_000 + stored + i))[1]
            self.runtime.enquiries.wait_queued()
            self.outbox.mark_delivered(reference, "C0BENCH0001", f"{i}.0")

    def send_sync(self, data: dict) -> tuple[float, str]:
        return asyncio.get_event_loop().run_until_complete(self.send(json.dumps(data).encode()))

    async def send(self, payload: bytes) -> tuple[float, str]:
        """Seconds until the response starts, and the reference (``perf_counter`` start in ``self.started``)."""
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
                 "scheme": "http", "path": "/enquiries", "raw_path": b"/enquiries", "query_string": b"",
                 "root_path": "", "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 3000),
                 "headers": [(b"content-type", b"application/json"), (b"authorization", f"Bearer {TOKEN}".encode()),
                             (b"content-length", str(len(payload)).encode())]}
        chunks = [{"type": "http.request", "body": payload, "more_body": False}]
        started, answered, parts = time.perf_counter(), [], []
        self.started = started

        async def receive():
            return chunks.pop() if chunks else {"type": "http.disconnect"}

        async def send(message):
            if message["type"] == "http.response.start":
                answered.append((time.perf_counter(), message["status"]))
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))

        await self.app(scope, receive, send)
        (ended, status), = answered
        if status != 202:
            raise SystemExit(f"intake answered {status}: {b''.join(parts)[:200]!r}")
        return ended - started, json.loads(b"".join(parts))["id"]

    def settle(self, reference: str) -> tuple[float, bytes]:
        """Waits for the queuer; then (untimed) what the worker would do. Returns seconds from
        the request until the post was in the outbox, and the record's bytes as stored."""
        self.runtime.enquiries.wait_queued()
        queued = time.perf_counter() - self.started
        long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
        self.outbox.mark_delivered(reference, "C0BENCH0001", "1.0", now=long_ago)
        self.outbox.prune()
        return queued, self.runtime.enquiries.archive.path_for(reference).read_bytes()


def bare_write(folder: Path, name: str, payload: bytes) -> float:
    started = time.perf_counter()
    fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, payload)
        os.fsync(fd)
    finally:
        os.close(fd)
    return time.perf_counter() - started


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--stored", default="100,10000", help="enquiries already stored in the two services")
    parser.add_argument("--dir", type=Path, default=Path(__file__).resolve().parent,
                        help="where to store (default: beside this file; /dev/shm shows the cost without disk)")
    args = parser.parse_args()
    small, large = (int(n) for n in args.stored.split(","))
    asyncio.set_event_loop(asyncio.new_event_loop())
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        # Logged at INFO to a file, as the server logs each enquiry's reference.
        logging.basicConfig(filename=Path(tmp) / "bench.log", level=logging.INFO, force=True)
        print(f"storing {small:,} and {large:,} enquiries (fsynced, as intake does) …", file=sys.stderr)
        for n in (small, large):  # both folders first, so neither lands on disk after the other's files
            EnquiryArchive(archive_path(Path(tmp) / str(n) / "factbot.json"))
        services = {n: Service(Path(tmp) / str(n), n) for n in (small, large)}
        bare_dir = services[small].runtime.enquiries.archive.root / "bare"
        bare_dir.mkdir()
        times: dict[str, list[float]] = {"small": [], "large": [], "bare": [], "qsmall": [], "qlarge": []}
        sizes: list[int] = []

        async def rounds() -> None:  # one long-running event loop, as in the server
            for i in range(args.rounds):
                order = ("small", "large") if i % 2 == 0 else ("large", "small")
                for key in order:
                    service = services[small if key == "small" else large]
                    elapsed, reference = await service.send(json.dumps(body(i)).encode())
                    times[key].append(elapsed)
                    queued, payload = service.settle(reference)
                    times[f"q{key}"].append(queued)
                times["bare"].append(bare_write(bare_dir, f"{i}.json", payload))
                sizes.append(len(payload))

        asyncio.get_event_loop().run_until_complete(rounds())
        for service in services.values():
            service.stop_queuer()
            service.runtime.close()
    p50 = {k: pct(v, 0.5) for k, v in times.items()}
    p99 = {k: pct(v, 0.99) for k, v in times.items()}
    print(f"{args.rounds} rounds; milliseconds; records {min(sizes)}-{max(sizes)} bytes\n")
    print(f"| what | p50 ms | p99 ms | p50 vs {small:,} stored | p50 vs bare write |")
    print("| --- | ---: | ---: | ---: | ---: |")
    rows = (("small", f"intake until the 202, {small:,} stored", "small"),
            ("large", f"intake until the 202, {large:,} stored", "small"),
            ("bare", "bare fsync'd write of the same bytes", None),
            ("qsmall", f"until in the outbox, {small:,} stored", "qsmall"),
            ("qlarge", f"until in the outbox, {large:,} stored", "qsmall"))
    for key, label, base in rows:
        vs100 = f"{p50[key] / p50[base]:.2f}x" if base else ""
        print(f"| {label} | {p50[key]:.3f} | {p99[key]:.3f} | {vs100} | {p50[key] / p50['bare']:.2f}x |")
    paired = statistics.median(a / b for a, b in zip(times["large"], times["small"], strict=True))
    to_bare = statistics.median(a / b for a, b in zip(times["small"], times["bare"], strict=True))
    print(f"\nmedian of per-round ratios (robust to drift): {large:,}/{small:,} {paired:.2f}x; "
          f"intake ({small:,})/bare write {to_bare:.2f}x")


if __name__ == "__main__":
    main()
