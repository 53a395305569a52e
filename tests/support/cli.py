"""Running the ``factbot`` CLI as an operator does: a fresh process, no Slack or factbot settings
from the test runner's environment, this checkout on the path."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support.server import REPO


def factbot(args: list[str], cwd, **env: str) -> subprocess.CompletedProcess:
    """``python -m bot.cli *args`` in ``cwd`` with only ``env``'s settings; stdout and stderr as text."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FACTBOT_"))}
    base["PYTHONPATH"] = str(REPO)
    base.update(env)
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=cwd, env=base,
                          capture_output=True, text=True, timeout=60)
