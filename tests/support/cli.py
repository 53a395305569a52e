"""Running the ``factbot`` CLI as an operator does: a fresh process, no Slack or factbot settings
from the test runner's environment, this checkout on the path (forked from a parent that has
done the imports: ``tests.support.cli_process``)."""

from __future__ import annotations

import os
import subprocess

from tests.support.cli_process import run_factbot
from tests.support.server import REPO


def factbot(args: list[str], cwd, **env: str) -> subprocess.CompletedProcess:
    """``python -m bot.cli *args`` in ``cwd`` with only ``env``'s settings; stdout and stderr as text."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FACTBOT_"))}
    base["PYTHONPATH"] = str(REPO)
    base.update(env)
    return run_factbot(args, cwd, base)


def example_release(release_extra: str = "") -> str:
    """A curated file's text: one release (``release_extra`` lines added to it, e.g. its next
    edition) whose defaults make every fact a share in the series ``example-met-online-uk`` for
    2025; append facts such as :data:`EXAMPLE_FACT`."""
    extra = "".join(f"  {line}\n" for line in release_extra.splitlines())
    return ("release:\n  publisher: Example Research Unit\n  title: Children online, 2025\n"
            "  url: https://example.org/children-online-2025\n  published: 2026-01-15\n  method: A survey\n"
            f"{extra}defaults:\n  geography: UK\n  verified_on: 2026-11-01\n  review_by: 2027-11-01\n"
            "  status: verified\n  topics: [online grooming]\n  measure: children who met someone online\n"
            "  series: example-met-online-uk\n  unit: percent\n  base: Children surveyed\n"
            "  period: {start: 2025-01-01, end: 2025-12-31, label: \"2025\"}\nfacts:\n")


#: One fact for :func:`example_release`: 12% in 2025, quoted as the source spells it ("12 per cent").
EXAMPLE_FACT = """
  - id: example-share-2025
    claim: In 2025, 12% of children surveyed met someone online.
    value: 12
    display: "12%"
    quote: "Some 12 per cent of children met someone online."
"""
