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
from pathlib import Path
from typing import TYPE_CHECKING, Any

from facts.persistence import QUARANTINE

if TYPE_CHECKING:
    from bot.runtime import Runtime

#: A message waiting longer than this (seconds) means delivery is behind.
STALE_AFTER = 600.0
#: Due messages not tried for this long (seconds, not paused) mean the worker is stuck.
STUCK_AFTER = 120.0
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


def _listing(folder: Path) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except OSError:
        return []
