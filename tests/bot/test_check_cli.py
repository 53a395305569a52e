"""``factbot check``: a draft from the command line or standard input, checked as in Slack."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.support.server import REPO


def _factbot(args, cwd, stdin=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FACTBOT_"))}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=cwd, env=env, input=stdin,
                          capture_output=True, text=True, timeout=60)


def test_check_from_standard_input_prints_a_line_per_figure_and_exits_1_when_one_is_wrong(tmp_path):
    draft = ("Police recorded 7,623 online grooming offences across the UK in the year to March 2025.\n"
             "Worried about a child? Call 0808 800 5000.\n")
    done = _factbot(["check", "-"], tmp_path, stdin=draft)
    assert done.returncode == 1, done.stderr
    assert "Checked 1 figure" in done.stdout and "7,623" in done.stdout and "7,263" in done.stdout
    assert "Copy corrected sentence" in done.stdout and "shropshirestar.com" in done.stdout


def test_check_of_a_right_draft_exits_0_and_json_prints_block_kit(tmp_path):
    done = _factbot(["check", "--json", "UK police recorded 7,263 online grooming offences in 2024/25."], tmp_path)
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["response_type"] == "ephemeral" and "matches" in json.dumps(body["blocks"])


def test_check_of_nothing_is_one_clear_line(tmp_path):
    done = _factbot(["check", "-"], tmp_path, stdin="   \n")
    assert done.returncode == 1 and done.stderr.strip() == (
        "factbot: nothing to check: give the draft as TEXT, or - and the draft on standard input")
