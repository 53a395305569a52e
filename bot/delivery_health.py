"""What ``/healthz`` says about delivery and stored data: nothing lost silently.

:func:`delivery_health` looks at the outbox (how long the oldest waiting
message has waited), the delivery worker (paused, or due items not tried),
the damaged files moved to ``quarantine/`` folders (the data folder's and
the enquiry archive's) and the problems found at start-up. Each problem is
one sentence saying what to do; any problem makes the service "degraded".
No message content and no personal details: quarantined files are named by
file name (references and times).
"""

from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from facts.outbox import PENDING, SENDING
from facts.persistence import PROBE_NAME, QUARANTINE, WRITES, WriteFailure, atomic_write

if TYPE_CHECKING:
    from bot.runtime import Runtime

#: A message waiting longer than this (seconds) means delivery is behind.
STALE_AFTER = 600.0
#: Due messages not tried for this long (seconds, not paused) mean the worker is stuck.
STUCK_AFTER = 120.0
#: Transient delivery failures in a row (Slack down, 5xx, timeouts) that make delivery a problem.
OUTAGE_AFTER = 3
#: At most this many quarantined file names are listed.
LIST_AT_MOST = 20


def quarantined_files(runtime: Runtime) -> list[str]:
    """Names of damaged files moved aside, as ``folder/name`` relative to the data folder."""
    data = Path(runtime.settings.factbot_db).parent
    archive = runtime.enquiries.archive
    found = [f"{QUARANTINE}/{name}" for name in _listing(data / QUARANTINE)]
    found += [f"{archive.root.name}/{QUARANTINE}/{name}" for name in archive.quarantined()]
    return found


def delivery_health(runtime: Runtime) -> tuple[dict[str, Any], list[str]]:
    """``({"outbox": …, "delivery": {"paused_for_seconds", "stuck_for_seconds"}, "quarantine":
    {"count", "files"}}, problems)``. Blocking (file-system and database reads)."""
    outbox = runtime.outbox.summary()
    worker = runtime.worker
    stuck = worker.stuck_for()
    problems: list[str] = [*runtime.problems, *runtime.outbox.problems]
    age = outbox["oldest_waiting_seconds"]
    if age is not None and age > STALE_AFTER:
        paused = " (Slack is refusing or not answering; delivery resumes by itself)" if worker.paused_for else ""
        problems.append(f"The oldest message waiting for Slack was queued {int(age // 60)} minutes ago{paused}.")
    if worker.failures_in_a_row >= OUTAGE_AFTER and (outbox[PENDING] or outbox[SENDING]):
        problems.append(f"Slack has not taken the last {worker.failures_in_a_row} delivery attempts "
                        f"({worker.outage_error}); {outbox[PENDING] + outbox[SENDING]} message(s) wait in the outbox "
                        f"and are sent when it answers (next try in {round(worker.paused_for)} s).")
    if stuck > STUCK_AFTER:
        problems.append(f"Messages are due but the delivery worker has tried none for {int(stuck)} s; "
                        f"restart the server if this lasts.")
    files = quarantined_files(runtime)
    if files:
        problems.append(f"{len(files)} damaged file(s) were moved to quarantine folders and everything else goes on; "
                        f"look at each, then restore it from a backup or delete it.")
    body = {"outbox": outbox,
            "delivery": {"paused_for_seconds": round(worker.paused_for, 1), "stuck_for_seconds": round(stuck)},
            "quarantine": {"count": len(files), "files": files[:LIST_AT_MOST]}}
    return body, problems


def _probe(folder: Path) -> bool:
    """True when a small write in ``folder`` succeeds now (the file is removed again)."""
    try:
        atomic_write(folder / PROBE_NAME, b"ok")
    except OSError:
        return False
    with suppress(OSError):
        (folder / PROBE_NAME).unlink()
    return True


def write_fix(failure: WriteFailure, folder: Path) -> str:
    """What to do about a failed write in ``folder``, in words."""
    if failure.code in ("ENOSPC", "EDQUOT"):
        return f"free space on the disk that holds {folder}"
    if failure.code == "EROFS":
        return f"make {folder}'s file system writable again (it may have been remounted read-only after disk errors)"
    if failure.code in ("EACCES", "EPERM"):
        return f"give the user running factbot write access to {folder}"
    return f"check the disk that holds {folder}"


def storage_health(runtime: Runtime) -> tuple[dict[str, Any], list[str]]:
    """``({"writes": "ok" | "failing", "failing": [{"file", "error", "since"}]}, problems)``: the
    store files under the data folder whose last write failed (disk full, read-only, no
    permission). A folder that takes a probe write again is cleared first, so this is the
    present, not history. Blocking (a small write per failing folder)."""
    data = Path(runtime.settings.factbot_db).absolute().parent
    failing = WRITES.failures(data)
    if failing:
        for folder in {path.parent for path in WRITES.failing_paths(data)}:
            if _probe(folder):
                WRITES.forget(folder)
        failing = WRITES.failures(data)
    problems = []
    for code in dict.fromkeys(f.code for f in failing):  # one sentence per cause, first seen first
        same = [f for f in failing if f.code == code]
        files = ", ".join(f.file for f in same[:3]) + (f" and {len(same) - 3} more" if len(same) > 3 else "")
        problems.append(f"Writing to the data folder failed: {same[0].meaning} ({code}) for {files} since "
                        f"{same[0].at:%H:%M} UTC. New enquiries are refused (503, the website sends them again) "
                        f"until it is fixed: {write_fix(same[0], data)}.")
    body = {"writes": "failing" if failing else "ok",
            "failing": [{"file": f.file, "error": f.code, "since": f.at.isoformat()} for f in failing[:LIST_AT_MOST]]}
    return body, problems


def _listing(folder: Path) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except OSError:
        return []
