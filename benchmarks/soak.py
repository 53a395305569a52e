"""Soak run: thousands of enquiries through the real ``factbot serve`` while faults are injected
one after another, then a count of what was lost, posted twice or left stranded.

Loopback only: the server is a subprocess (``python -m bot.cli serve``), Slack is the fake Web
API of ``tests/support/fake_slack.py``, and every fault comes from outside the product (the
harness ``tests/support/faults.py``): kill -9 during intake and during delivery, Slack down, 429
and 5xx storms, "saved, then answered 500", a post stored after the client's timeout, the outbox
removed / emptied / truncated / restored from an older copy, a posted record damaged, file
descriptors exhausted by idle connections, the data folder read-only, and the wall clock stepped
(libfaketime). Between faults enquiries stream in; at the end everything is restored, the server
restarted once more and given time to deliver: until everything is posted, or nothing has
progressed (no post, no fewer items waiting) for ``--stall`` seconds, so what is counted as
stranded is stuck, not slow.

    python benchmarks/soak.py --minutes 10 --batch 120 --seed 1

Prints one line per fault and the totals: accepted, posted, lost (accepted, not posted, no
longer stored), doubled (an outbox id posted more than once), stranded (accepted, stored, not
posted by the end), mixed up (a post carrying another enquiry's text), and how fast the backlog
drained after the last restart.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.fake_slack import FakeSlack  # noqa: E402
from tests.support.faults import Rig, hold_connections, set_read_only  # noqa: E402

NOFILE = 160  # the server's RLIMIT_NOFILE: low enough for idle connections to exhaust it


class Soak:
    def __init__(self, fake: FakeSlack, root: Path, rng: random.Random, batch: int):
        self.fake, self.root, self.rng, self.batch = fake, root, rng, batch
        self.rig = Rig(fake, root / "data")
        self.clock = root / "faketime"
        self.clock.write_text("+0\n")
        self.backup = root / "backup"
        self.done: Counter[str] = Counter()
        self.damaged: list[str] = []

    def start(self) -> None:
        self.rig.start(nofile=NOFILE, drop_dac=True, faketime=self.clock, timeout=60)

    def stream(self, count: int | None = None, **kwargs) -> None:
        self.rig.stream(count or self.batch, **kwargs)

    # -- faults: each streams enquiries around its fault and leaves the server running ----------

    def kill_during_intake(self) -> None:
        self.stream(during=lambda i: self.rig.kill() if i == self.batch // 2 else None)
        self.start()

    def kill_during_delivery(self) -> None:
        self.fake.fail_next("chat.postMessage", delay=0.05, times=10)
        self.fake.fail_next("chat.postMessage", delay=3.0)  # Slack stores it after the restart
        self.stream()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any(c.fault and c.fault.delay == 3.0
                                                      for c in self.fake.calls("chat.postMessage")):
            time.sleep(0.05)
        self.rig.kill()
        self.start()

    def slack_down(self) -> None:
        self.fake.down()
        self.stream()
        time.sleep(self.rng.uniform(1, 4))
        self.fake.up()

    def rate_limit_storm(self) -> None:
        self.fake.fail_next("chat.postMessage", status=429, headers={"Retry-After": "1"}, times=4)
        self.stream()

    def saved_then_500(self) -> None:
        self.fake.fail_next("chat.postMessage", status=self.rng.choice([500, 502, 503]), after_storing=True, times=3)
        self.stream()

    def late_timeout(self) -> None:
        self.fake.fail_next("chat.postMessage", delay=11.0)
        self.stream()

    def _outbox(self, damage: str) -> None:
        self.fake.down()
        self.stream(self.batch // 2)
        self.rig.kill()
        files = self.rig.outbox_files
        if damage == "removed":
            for path in files:
                path.unlink(missing_ok=True)
        elif damage == "emptied":
            for path in files:
                path.write_bytes(b"")
        elif damage == "truncated":
            with open(files[0], "r+b") as handle:
                handle.truncate(max(files[0].stat().st_size // 2, 100))
            files[1].unlink(missing_ok=True)
        elif damage == "older" and self.backup.exists():
            for path in files:
                path.unlink(missing_ok=True)
            for path in self.backup.iterdir():
                shutil.copy(path, self.rig.workdir / path.name)
        self.fake.up()
        self.start()
        self.stream(self.batch // 2)

    def outbox_removed(self) -> None:
        self._outbox("removed")

    def outbox_emptied(self) -> None:
        self._outbox("emptied")

    def outbox_truncated(self) -> None:
        self._outbox("truncated")

    def outbox_older(self) -> None:
        self._outbox("older")

    def take_backup(self) -> None:
        """Not a fault: a copy of the outbox to restore later (taken with the server stopped)."""
        self.rig.kill()
        shutil.rmtree(self.backup, ignore_errors=True)
        self.backup.mkdir()
        for path in self.rig.outbox_files:
            if path.exists():
                shutil.copy(path, self.backup / path.name)
        self.start()
        self.stream()

    def record_damaged(self) -> None:
        posted = [r for r, n in self.rig.posts().items() if n and r in self.rig.accepted and r not in self.damaged]
        self.rig.kill()
        if posted:
            reference = self.rng.choice(posted)
            path = self.rig.record_path(reference)
            if path.exists():
                path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
                self.damaged.append(reference)
        self.start()
        self.stream()

    def descriptors_exhausted(self) -> None:
        held = hold_connections(self.rig.url, NOFILE + 40)
        try:
            self.stream(self.batch // 4, timeout=2.0)
            time.sleep(1.0)
        finally:
            for sock in held:
                sock.close()
        self.stream()

    def read_only(self) -> None:
        set_read_only(self.rig.workdir, True)
        try:
            self.stream(self.batch // 4)
            time.sleep(1.0)
        finally:
            set_read_only(self.rig.workdir, False)
        self.stream()

    def clock_step(self) -> None:
        self.clock.write_text(self.rng.choice(["-600\n", "+300\n", "-3600\n", "+1800\n", "+0\n"]))
        self.fake.fail_next("chat.postMessage", status=500, after_storing=True)
        self.stream()

    FAULTS = ("kill_during_intake", "kill_during_delivery", "slack_down", "rate_limit_storm", "saved_then_500",
              "late_timeout", "outbox_removed", "outbox_emptied", "outbox_truncated", "outbox_older",
              "record_damaged", "descriptors_exhausted", "read_only", "clock_step")

    def run(self, minutes: float) -> None:
        self.start()
        self.stream()
        self.take_backup()
        deadline = time.monotonic() + minutes * 60
        order = list(self.FAULTS)
        while time.monotonic() < deadline:
            self.rng.shuffle(order)
            for name in order:
                if time.monotonic() >= deadline:
                    break
                began = time.monotonic()
                before = len(self.rig.accepted)
                getattr(self, name)()
                self.done[name] += 1
                print(f"{name:<24} +{len(self.rig.accepted) - before:>4} accepted  ({time.monotonic() - began:5.1f} s)",
                      flush=True)
            if time.monotonic() < deadline:
                self.take_backup()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to inject faults (default 10)")
    parser.add_argument("--batch", type=int, default=120, help="enquiries streamed around each fault")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--settle", type=float, default=3600.0,
                        help="at most this many seconds allowed to deliver at the end (default 3600)")
    parser.add_argument("--stall", type=float, default=120.0,
                        help="end the settle early once nothing has progressed for this many seconds (default 120)")
    parser.add_argument("--dir", type=Path, default=None, help="data folder (default: a temporary one, removed)")
    args = parser.parse_args()
    root = args.dir or Path(tempfile.mkdtemp(prefix="factbot-soak-"))
    started = time.monotonic()
    with FakeSlack() as fake:
        soak = Soak(fake, root, random.Random(args.seed), args.batch)
        try:
            soak.run(args.minutes)
            soak.clock.write_text("+0\n")
            soak.rig.kill()
            posted_before = soak.rig.tally().posted
            soak.start()  # a last restart: whatever is waiting is delivered by the server on its own
            began = time.monotonic()
            tally = soak.rig.settle(timeout=args.settle, quiet=3.0, stall=args.stall)
            settled = time.monotonic() - began
            health = soak.rig.health() or {}
        finally:
            soak.rig.stop()
            set_read_only(soak.rig.workdir, False)
    faults = sum(soak.done.values())
    print()
    print(f"faults injected: {faults} ({', '.join(f'{n} {k}' for k, n in sorted(soak.done.items()))})")
    print(f"enquiries: {tally.accepted} accepted (202), {len(soak.rig.refused)} refused (503 while the folder was "
          f"read-only or descriptors ran out), {soak.rig.unanswered} unanswered (server killed or not accepting)")
    print(f"lost {len(tally.lost)}, doubled {len(tally.doubled)}, stranded {len(tally.stranded)}, "
          f"mixed up {len(tally.mixed_up)}  (posted {tally.posted} of {tally.accepted})")
    print(f"records damaged after posting (quarantined, not posted again): {len(soak.damaged)}; "
          f"/healthz quarantine count {health.get('quarantine', {}).get('count')}")
    drained = tally.posted - posted_before
    if tally.posted == tally.accepted:
        ending = f"everything was posted {settled:.0f} s after the last restart"
    elif settled >= args.settle:
        ending = f"not everything was posted when the {args.settle:.0f} s allowed ran out"
    else:
        ending = f"nothing progressed for {args.stall:.0f} s, {settled:.0f} s after the last restart"
    print(f"{ending}; {drained} posted after it ({drained / max(settled, 1e-9):.1f} a second, "
          f"{tally.accepted - posted_before} waiting at the restart); run took {time.monotonic() - started:.0f} s")
    if tally.lost or tally.doubled or tally.stranded:
        print("lost:", tally.lost[:20], "doubled:", dict(list(tally.doubled.items())[:20]),
              "stranded:", tally.stranded[:20])
    if args.dir is None:
        shutil.rmtree(root, ignore_errors=True)
    return 1 if (tally.lost or tally.doubled or tally.stranded or tally.mixed_up) else 0


if __name__ == "__main__":
    raise SystemExit(main())
