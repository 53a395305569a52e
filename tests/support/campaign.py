"""Helpers for the campaign alert tests: run ``factbot``, edit a copy of the curated files, wait."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from tests.support.cli_process import run_factbot
from tests.support.server import REPO

CURATED = REPO / "facts" / "curated"
#: A figure in the shipped files, and its file.
FIGURE_ID = "grooming-2023-24-uk-offences"
FIGURE_FILE = "2024-10-31-nspcc-record-levels.yaml"


def factbot(env: dict, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """Run ``python -m bot.cli *args`` with ``env`` (e.g. a running server's) in ``cwd``."""
    return run_factbot(list(args), cwd, env)


def curated_copy(folder: Path, **replacements: str) -> Path:
    """A copy of the shipped curated files in ``folder`` with ``FIGURE_FILE`` edited:
    each ``old=new`` text replacement is made once (keys are names, values ``"old→new"``)."""
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(CURATED, folder)
    path = folder / FIGURE_FILE
    text = path.read_text(encoding="utf-8")
    for change in replacements.values():
        old, new = change.split("→")
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return folder


def wait_until(condition, timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
