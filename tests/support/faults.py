"""Fault injection against the real server: ``factbot serve`` as a process, enquiries streamed in
over HTTP, the fake Slack Web API on loopback, and a ledger of what was accepted and what Slack got.

::

    rig = Rig(fake, workdir)
    rig.start()
    batch = rig.stream(50)            # POST /enquiries, 4 at a time; 202s are remembered
    rig.kill()                        # SIGKILL
    ...                               # damage a file, make Slack fail, step the clock
    rig.start()
    tally = rig.settle()              # wait until everything accepted is posted (or time is up)
    assert tally.clean, tally

The ledger's rules (``Tally``): an enquiry answered 202 is *accepted*; every accepted enquiry
must be posted exactly once. *Lost*: accepted, not posted, and no longer stored anywhere.
*Stranded*: accepted, not posted, still stored (waiting for a person: a quarantined record, an
item held). *Doubled*: any outbox id posted more than once (an enquiry whose 202 never arrived
because the server died counts too: it may be posted, but only once). *Mixed up*: a post whose
text is another enquiry's. Faults (all from outside the product: signals, files, resource limits,
capabilities, the fake's answers, libfaketime for the wall clock) are the tests' own.
"""

from __future__ import annotations

import ctypes
import itertools
import json
import os
import resource
import secrets
import shutil
import socket
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from tests.support.fake_slack import FakeSlack
from tests.support.server import INTAKE_TOKEN, Server, free_port, server_env

CHANNEL = "C0FAULT001"
AUTH = {"Authorization": f"Bearer {INTAKE_TOKEN}"}
#: FACTBOT_LOOKUP_DELAY and FACTBOT_SLACK_TIMEOUT for the rig's server (the product's defaults are
#: 10 s each). A post a kill -9 cut off is still looked for only the client's 6 s timeout + 1 s
#: after it was sent, later than the fake ever stores a slow post (4 s), so the look-up must still
#: find it rather than post again; the one test that proves the defaults outwait a late store
#: keeps them (``lookup_delay=None``).
QUICK_LOOKUP_DELAY = 1.0
QUICK_SLACK_TIMEOUT = 6
#: Capabilities that let root ignore file permissions (dropped so a read-only folder is read-only).
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH, _CAP_FOWNER = 1, 2, 3
_PR_CAPBSET_DROP = 24
_counter = itertools.count(1)


def faketime_library() -> str:
    """The path of libfaketime's shared library (shipped in the ``libfaketime`` package)."""
    import libfaketime

    return str(Path(libfaketime.__file__).parent / "vendor" / "libfaketime" / "src" / "libfaketime.so.1")


def _limits(nofile: int | None, drop_dac: bool) -> Callable[[], None] | None:
    if nofile is None and not drop_dac:
        return None

    def preexec() -> None:  # runs in the child, before exec
        if nofile is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
        if drop_dac and os.geteuid() == 0:
            libc = ctypes.CDLL(None, use_errno=True)
            for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH, _CAP_FOWNER):
                if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
                    raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")

    return preexec


@dataclass
class Batch:
    """What one :meth:`Rig.stream` got back: ``accepted`` references, ``refused`` answers (503 and
    others, with their ``Retry-After``), ``unanswered`` requests (the connection failed)."""

    accepted: list[str] = field(default_factory=list)
    refused: list[tuple[int, str | None]] = field(default_factory=list)
    unanswered: int = 0


@dataclass
class Tally:
    accepted: int
    posted: int
    lost: list[str]
    doubled: dict[str, int]
    stranded: list[str]
    mixed_up: list[str]

    @property
    def clean(self) -> bool:
        return not (self.lost or self.doubled or self.stranded or self.mixed_up)

    def line(self) -> str:
        return (f"accepted {self.accepted}, posted {self.posted}: lost {len(self.lost)}, doubled {len(self.doubled)}, "
                f"stranded {len(self.stranded)}, mixed up {len(self.mixed_up)}")


class Rig:
    """One data folder, one fake Slack, a server started and killed at will, and the ledger."""

    def __init__(self, fake: FakeSlack, workdir: Path, *, channel: str = CHANNEL,
                 lookup_delay: float | None = QUICK_LOOKUP_DELAY, **env: str):
        self.fake, self.workdir, self.channel = fake, Path(workdir), channel
        self.workdir.mkdir(parents=True, exist_ok=True)
        fake.channels[channel] = {"is_private": True}
        # Unpaced: the fake Web API has no per-channel limit, and these runs test durability, not
        # Slack's pace (tests/kernel/test_pacing.py does); thousands of posts at one a second would not fit.
        # ``lookup_delay`` (FACTBOT_LOOKUP_DELAY, with FACTBOT_SLACK_TIMEOUT shortened beside it;
        # ``None``: the product's defaults for both).
        # Backoff after Slack's errors starts at 0.1 s, not 1 s: these runs test what is lost or doubled,
        # not the backoff's pace (tests/kernel/test_delivery.py does).
        env = {"FACTBOT_RETRY_BASE": "0.1", **env}
        if lookup_delay is not None:
            env = {"FACTBOT_LOOKUP_DELAY": str(lookup_delay), "FACTBOT_SLACK_TIMEOUT": str(QUICK_SLACK_TIMEOUT), **env}
        self.env = server_env(fake, self.workdir, FACTBOT_ENQUIRY_CHANNEL=channel, FACTBOT_POST_PACE="0", **env)
        self.server: Server | None = None
        #: reference → the tag sent in that enquiry's message (to catch a post of the wrong enquiry).
        self.accepted: dict[str, str] = {}
        self.refused: list[tuple[int, str | None]] = []
        self.unanswered = 0
        self.session = requests.Session()

    # -- the server ----------------------------------------------------------------

    def start(self, *, nofile: int | None = None, drop_dac: bool = False, faketime: Path | None = None,
              timeout: float = 30.0) -> Server:
        """Start ``factbot serve`` (on a new port). ``nofile``: RLIMIT_NOFILE in the child;
        ``drop_dac``: a root child obeys file permissions; ``faketime``: the wall clock comes
        from libfaketime reading offsets from this file (the monotonic clock is left alone)."""
        assert self.server is None or self.server.process is None or self.server.process.poll() is not None
        env = dict(self.env)
        if faketime is not None:
            env.update(LD_PRELOAD=faketime_library(), FAKETIME_TIMESTAMP_FILE=str(faketime), FAKETIME_NO_CACHE="1",
                       FAKETIME_DONT_FAKE_MONOTONIC="1")
        self.server = Server(f"http://127.0.0.1:{free_port()}", env, self.workdir, preexec=_limits(nofile, drop_dac))
        return self.server.start(timeout)

    def kill(self) -> None:
        """SIGKILL the server and wait for it to be gone."""
        assert self.server is not None
        self.server.stop(kill=True)

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    def health(self) -> dict | None:
        """``/healthz``'s body, or ``None`` when the server does not answer."""
        try:
            return requests.get(self.url + "/healthz", timeout=5).json()
        except (requests.RequestException, ValueError):
            return None

    def log(self) -> str:
        return self.server.log() if self.server else ""

    # -- enquiries -----------------------------------------------------------------

    def enquiry(self, long: bool = False) -> tuple[str, dict]:
        """A valid enquiry unlike any other (so none is a resubmission); ``(tag, body)``."""
        tag = f"t{next(_counter):05d}{secrets.token_hex(3)}"
        message = f"Please call about support for our family ({tag})."
        if long:
            message += " More detail follows." + " We have been worried for some time." * 120
        return tag, {"name": f"Jo Fault {tag}", "email": f"jo.{tag}@example.org", "phone": "01206 878178",
                     "organisation": f"School {tag}", "service": "family support", "message": message,
                     "consent": True}

    def submit(self, body: dict, tag: str, timeout: float = 10.0) -> None:
        try:
            answer = requests.post(self.url + "/enquiries", json=body, headers=AUTH, timeout=timeout)
        except requests.RequestException:
            self.unanswered += 1
            return
        if answer.status_code == 202:
            self.accepted[answer.json()["id"]] = tag
        else:
            self.refused.append((answer.status_code, answer.headers.get("retry-after")))

    def stream(self, count: int, *, concurrency: int = 4, long_every: int = 0, timeout: float = 10.0,
               during: Callable[[int], None] | None = None) -> Batch:
        """Send ``count`` enquiries, ``concurrency`` at a time (every ``long_every``-th one long
        enough for a thread reply); ``during(i)`` runs in this thread once i + 1 of them
        have been answered (to inject a fault mid-stream, with others in flight). Returns what this stream got."""
        before = (set(self.accepted), len(self.refused), self.unanswered)
        bodies = [self.enquiry(long=bool(long_every) and i % long_every == long_every - 1) for i in range(count)]
        with ThreadPoolExecutor(concurrency) as pool:
            futures = [pool.submit(self.submit, body, tag, timeout) for tag, body in bodies]
            for i, future in enumerate(as_completed(futures)):
                future.result()
                if during is not None:
                    during(i)
        return Batch([r for r in self.accepted if r not in before[0]], self.refused[before[1]:],
                     self.unanswered - before[2])

    # -- what Slack has ------------------------------------------------------------

    def posts(self) -> Counter[str]:
        """Outbox id → how many messages Slack holds with it (top-level posts and thread replies)."""
        return self.fake.outbox_posts(self.channel)

    def stored(self, reference: str) -> bool:
        """True when the enquiry is still somewhere in the data folder (filed, incoming or quarantined)."""
        root = self.workdir / "factbot-enquiries"
        names = [root / reference[4:8] / f"{reference}.json", root / "incoming" / f"{reference}.json"]
        return any(p.exists() for p in names) or any((root / "quarantine").glob(f"{reference}.json.*"))

    def tally(self, references: Iterable[str] | None = None) -> Tally:
        posts = self.posts()
        wanted = list(self.accepted if references is None else references)
        missing = [r for r in wanted if not posts.get(r)]
        by_id = {_outbox_id(m): m for m in list(self.fake.messages.get(self.channel, [])) if _outbox_id(m)}
        mixed = [r for r in wanted if r in by_id and self.accepted[r] not in json.dumps(by_id[r])]
        return Tally(len(wanted), sum(1 for r in wanted if posts.get(r)),
                     lost=[r for r in missing if not self.stored(r)],
                     doubled={i: n for i, n in posts.items() if n > 1},
                     stranded=[r for r in missing if self.stored(r)], mixed_up=mixed)

    def settle(self, timeout: float = 60.0, quiet: float = 1.0, stall: float | None = None) -> Tally:
        """Wait until every accepted enquiry is posted and the server has nothing waiting (or
        ``timeout`` seconds pass), then ``quiet`` seconds more for a late double; the tally.
        ``stall``: also stop once ``stall`` seconds pass with no progress (no more accepted
        enquiries posted and no fewer items waiting in the outbox), so what is left unposted
        is stuck, not slow."""
        deadline = time.monotonic() + timeout
        progress_at, most_posted, least_waiting = time.monotonic(), -1, float("inf")
        while time.monotonic() < deadline:
            posts = self.posts()
            posted = sum(1 for r in self.accepted if posts.get(r))
            if posted == len(self.accepted) and self._idle():
                break
            if stall is not None:
                waiting = self._waiting()
                if posted > most_posted or (waiting is not None and waiting < least_waiting):
                    progress_at = time.monotonic()
                    most_posted = max(posted, most_posted)
                    least_waiting = min(least_waiting, waiting if waiting is not None else least_waiting)
                elif time.monotonic() - progress_at >= stall:
                    break
            time.sleep(0.2 if stall is None else 1.0)
        time.sleep(quiet)
        return self.tally()

    def _waiting(self) -> int | None:
        """Items waiting in the outbox (pending or being sent), from ``/healthz``; ``None``: no answer."""
        health = self.health()
        return None if health is None else health["outbox"]["pending"] + health["outbox"]["sending"]

    def _idle(self) -> bool:
        health = self.health()
        if health is None:
            return False
        outbox = health["outbox"]
        return (outbox["pending"] == 0 and outbox["sending"] == 0 and health["enquiries"]["not_yet_queued"] == 0
                and not health["loops"]["failing"])  # a loop that failed in the fault has run again since

    # -- files -------------------------------------------------------------------------

    @property
    def outbox_files(self) -> list[Path]:
        base = self.workdir / "factbot-outbox.sqlite3"
        return [base, base.with_name(base.name + "-wal"), base.with_name(base.name + "-shm")]

    def copy_outbox(self, source: Path, target: Path) -> None:
        """Copy the outbox's files that exist from folder ``source`` to folder ``target`` (a backup,
        or a backup put back with ``copy_outbox(backup, rig.workdir)``)."""
        target.mkdir(parents=True, exist_ok=True)
        for path in self.outbox_files:
            if (source / path.name).exists():
                shutil.copy(source / path.name, target / path.name)

    def record_path(self, reference: str) -> Path:
        return self.workdir / "factbot-enquiries" / reference[4:8] / f"{reference}.json"

    def leftovers(self) -> list[Path]:
        """Temporary files (which may hold an enquiry's details) left in the data folder."""
        return [p for p in self.workdir.rglob(".*.tmp") if p.is_file()]


def hold_connections(url: str, count: int) -> list[socket.socket]:
    """Open ``count`` idle TCP connections to the server (each holds one of its descriptors)."""
    host, port = url.rsplit("/", 1)[-1].rsplit(":", 1)
    held = []
    for _ in range(count):
        try:
            held.append(socket.create_connection((host, int(port)), timeout=2))
        except OSError:
            break
    return held


def set_read_only(folder: Path, read_only: bool) -> None:
    """Make every folder under ``folder`` (and itself) read-only, or writable again (files are
    left as they are: what a read-only mount refuses is new names, renames and removals)."""
    for path in [folder, *(p for p in folder.rglob("*") if p.is_dir())]:
        path.chmod(0o500 if read_only else 0o700)


def _outbox_id(message: dict[str, Any]) -> str | None:
    payload = (message.get("metadata") or {}).get("event_payload") or {}
    value = payload.get("outbox_id")
    return value if isinstance(value, str) else None
