"""Benchmark: the outbox's cost with 10 and 10,000 items waiting, and start-up with 10,000.

Run by hand (not a test): ``python benchmarks/bench_outbox.py [--rounds 300] [--backlog 10000]``.

**Per-item cost.** Two outboxes (``facts.outbox.Outbox``, SQLite WAL, on
this machine's disk), one with 10 items pending and one with ``--backlog``.
Each round, interleaved between the two so they share the machine's noise,
times the worker's statements for one new item: ``enqueue`` (fsynced),
``claim`` (the due query the worker pages with, limit 100), ``mark sending``,
``mark delivered``, and then the whole delivery overhead of one item (the
worker's ``run_once`` against a Slack client that answers at once, so
Slack's own pace is left out; the backlog is not due, so one item is
delivered). Medians in milliseconds; the ratio is backlog ÷ 10.

**Start-up.** An archive of ``--backlog`` enquiries received over the last
few hours, none posted, and an outbox holding all of them pending (the
worst case: each is inside the 24-hour idempotency window, so start-up
reads every one). Times ``build_runtime`` with every loop started (what
``factbot serve`` does before it listens), then the real ``factbot serve``
process from its start until its port accepts a connection, against this
store and against an empty one (median of 3 each), and, separately, the first
reconciliation of the archive against the outbox (which runs in the
background once the server listens), and the same against an empty outbox
(the outbox lost: every enquiry queued again).

Targets (issue 15): enqueue and mark at 10,000 within 1.5x of 10; delivery
overhead under 5 ms per item at 10,000; start-up under 2 s at 10,000.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from slack_sdk import WebClient  # noqa: E402

from bot.delivery import DeliveryWorker  # noqa: E402
from bot.runtime import build_runtime  # noqa: E402
from bot.settings import Settings  # noqa: E402
from facts.enquiries import messages as render  # noqa: E402
from facts.enquiries.archive import EnquiryArchive, archive_path  # noqa: E402
from facts.enquiries.model import EnquiryRecord, format_reference, parse_enquiry  # noqa: E402
from facts.outbox import Outbox, OutboxItem, _insert  # noqa: E402

MESSAGE = ("We are a family in Colchester looking for therapeutic support for our eleven-year-old son, "
           "who has been withdrawn since a difficult year at school. ")


class InstantSlack:
    """Stands in for the kept-open ``WebClient``: answers every post at once."""

    def __init__(self) -> None:
        self.n = 0

    def api_call(self, method: str, json: dict) -> dict:
        self.n += 1
        return {"ok": True, "ts": f"{1_700_000_000 + self.n}.000100"}


def fill(box: Outbox, n: int, due_in: float = 1e9) -> None:
    """``n`` pending enquiry-sized items, not due for a long time (one transaction)."""
    message = {"text": "New enquiry", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": MESSAGE * 3}}]}
    with box._tx() as db:
        for i in range(n):
            _insert(db, OutboxItem(id=f"BACKLOG-{i:06d}", kind="enquiry", channel_key="enquiry", message=message),
                    box.clock() + due_in)


def per_item(rounds: int, backlog: int, folder: Path) -> None:
    boxes = {}
    for n in (10, backlog):
        box = Outbox(folder / f"o{n}.json")
        fill(box, n)
        worker = DeliveryWorker(box, WebClient(token="xoxb-benchmark"), {"enquiry": "C0BENCH0001"})
        worker.client = InstantSlack()  # type: ignore[assignment]
        boxes[n] = (box, worker)
    names = ("enqueue", "claim", "mark sending", "mark delivered", "delivery overhead")
    times: dict[int, dict[str, list[float]]] = {n: {name: [] for name in names} for n in boxes}
    message = {"text": "New enquiry", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": MESSAGE}}]}
    for r in range(rounds):
        for n, (box, worker) in boxes.items():
            t = times[n]
            started = time.perf_counter()
            box.enqueue("enquiry", "enquiry", message, item_id=f"A-{r}")
            t["enqueue"].append(time.perf_counter() - started)
            started = time.perf_counter()
            [item] = box.due(limit=100)
            t["claim"].append(time.perf_counter() - started)
            started = time.perf_counter()
            box.mark_sending(item.id)
            t["mark sending"].append(time.perf_counter() - started)
            started = time.perf_counter()
            box.mark_delivered(item.id, "C0BENCH0001", "1.0")
            t["mark delivered"].append(time.perf_counter() - started)
            box.enqueue("enquiry", "enquiry", message, item_id=f"B-{r}")
            started = time.perf_counter()
            assert worker.run_once() == 1
            t["delivery overhead"].append(time.perf_counter() - started)
    print(f"\nPer item, median of {rounds} rounds (ms)\n")
    print(f"| step | 10 waiting | {backlog:,} waiting | ratio |")
    print("| --- | ---: | ---: | ---: |")
    for name in names:
        small, big = (statistics.median(times[n][name]) * 1000 for n in boxes)
        print(f"| {name} | {small:.3f} | {big:.3f} | {big / small:.2f}x |")
    for box, _ in boxes.values():
        box.close()


def startup(backlog: int, folder: Path) -> None:
    db = folder / "start" / "factbot.json"
    archive = EnquiryArchive(archive_path(db))
    outbox = Outbox(db.with_name("factbot-outbox.json"))
    now = dt.datetime.now(dt.UTC)
    year = archive.root / str(now.year)
    year.mkdir(mode=0o700)
    made = time.perf_counter()
    with outbox._tx() as tx:
        for i in range(backlog):
            form = parse_enquiry({"name": f"Parent {i}", "email": f"p{i}@example.org", "service": "therapeutic",
                                  "message": MESSAGE + f"({i})", "consent": True})
            reference = format_reference(now.year, i + 1)
            record = EnquiryRecord.new(reference, form, now - dt.timedelta(seconds=backlog - i), triage=[],
                                       idempotency_key=None)
            (year / f"{reference}.json").write_bytes(record.to_json())
            _insert(tx, OutboxItem(id=reference, kind="enquiry", channel_key="enquiry",
                                   message=render.post(record, lead=None, retention_days=90)), 0.0)
    outbox.close()
    print(f"\nStart-up with {backlog:,} enquiries, none posted, all in the outbox "
          f"(set up in {time.perf_counter() - made:.1f} s)\n")
    settings = Settings(_env_file=None, factbot_db=db, slack_bot_token="xoxb-benchmark",
                        slack_signing_secret="benchmark-signing-secret", factbot_intake_token="benchmark-intake-token",
                        factbot_enquiry_channel="C0BENCH0001", slack_api_url="http://127.0.0.1:9/api/")
    build_runtime(settings, start=False).close()  # the curated import, once (a deploy's first start)
    rows = []
    for what in ("a restart",):
        started = time.perf_counter()
        runtime = build_runtime(settings, start=True)
        rows.append((f"until ready to listen ({what})", time.perf_counter() - started))
        runtime.close()
    runtime = build_runtime(settings, start=False)
    started = time.perf_counter()
    queued = runtime.enquiries.reconcile()
    rows.append((f"first reconciliation, outbox intact (background; {queued} queued)", time.perf_counter() - started))
    started = time.perf_counter()
    runtime.enquiries.reconcile()
    rows.append(("next reconciliation (settled records are not read; none are settled here)",
                 time.perf_counter() - started))
    runtime.close()
    empty = folder / "empty" / "factbot.json"
    build_runtime(settings.model_copy(update={"factbot_db": empty}), start=False).close()
    for label, store in ((f"`factbot serve` until it accepts connections, {backlog:,} waiting (median of 3)", db),
                         ("`factbot serve` until it accepts connections, nothing stored (median of 3)", empty)):
        rows.append((label, statistics.median(until_listening(store) for _ in range(3))))
    for path in db.parent.glob("factbot-outbox.*"):
        path.unlink()
    runtime = build_runtime(settings, start=False)
    started = time.perf_counter()
    queued = runtime.enquiries.reconcile()
    rows.append((f"first reconciliation, outbox lost ({queued} queued again)", time.perf_counter() - started))
    runtime.close()
    print("| step | seconds |")
    print("| --- | ---: |")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.2f} |")


def until_listening(db: Path) -> float:
    """Seconds from starting ``python -m bot.cli serve`` on the store ``db`` until its port
    accepts a connection (a real process: imports, start-up recovery, every loop started)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FACTBOT_"))}
    env.update(SLACK_BOT_TOKEN="xoxb-benchmark", SLACK_SIGNING_SECRET="benchmark-signing-secret",
               FACTBOT_INTAKE_TOKEN="benchmark-intake-token", FACTBOT_ENQUIRY_CHANNEL="C0BENCH0001",
               SLACK_API_URL="http://127.0.0.1:9/api/", FACTBOT_DB=str(db), PYTHONPATH=str(REPO))
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--port", str(port)], cwd=db.parent,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return time.perf_counter() - started
            except OSError:
                if server.poll() is not None:
                    raise SystemExit("factbot serve exited") from None
                time.sleep(0.01)
    finally:
        server.kill()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--backlog", type=int, default=10_000)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        per_item(args.rounds, args.backlog, Path(folder))
        startup(args.backlog, Path(folder))


if __name__ == "__main__":
    main()
