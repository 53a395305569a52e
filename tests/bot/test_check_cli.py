"""``factbot check``: a draft from the command line or standard input, checked as in Slack."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

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


# An empty draft is bad usage (exit 2, like argparse's own errors); it was exit 1, the code for a
# draft whose figures need attention, so a script could not tell the two apart (new-user trial).
@pytest.mark.parametrize(("args", "stdin"), [(["check", "-"], "   \n"), (["check", ""], None), (["check", " \t "], None),
                                             (["check", "", ""], None)])
def test_check_of_nothing_is_bad_usage_in_one_clear_line(tmp_path, args, stdin):
    done = _factbot(args, tmp_path, stdin=stdin)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == (
        "factbot: nothing to check: give the draft as TEXT, or - and the draft on standard input")


#: Thirty wrong counts: more verdicts than one Slack answer shows (at most 20).
THIRTY = " ".join(f"Police recorded {7000 + 7 * i:,} online grooming offences in 2024/25." for i in range(30))


def test_check_shows_at_most_20_verdicts_and_says_how_to_see_the_rest(tmp_path):
    done = _factbot(["check", "-"], tmp_path, stdin=THIRTY)
    assert done.returncode == 1, done.stderr
    assert "Checked 30 figures: 30 need attention." in done.stdout
    assert done.stdout.count("— differs from the curated figure") == 20
    assert "10 more figure(s) not shown: run factbot check --all to see every one." in done.stdout


@pytest.mark.parametrize("as_json", [False, True])
def test_check_all_shows_every_verdict(tmp_path, as_json):
    done = _factbot(["check", "--all", *(["--json"] if as_json else []), THIRTY], tmp_path)
    assert done.returncode == 1, done.stderr
    shown = json.dumps(json.loads(done.stdout)["blocks"]) if as_json else done.stdout
    assert shown.count("differs from the curated figure") == 30
    assert all(f"{7000 + 7 * i:,}" in shown for i in range(30)) and "not shown" not in shown


def test_the_slash_command_still_shows_20_and_asks_for_a_shorter_draft():
    from facts.figures.check import FigureBook, check_text
    from facts.figures.check_messages import check_message
    from facts.figures.curated import load_curated
    text = json.dumps(check_message(check_text(THIRTY, FigureBook(load_curated().facts))).blocks)
    assert text.count("differs from the curated figure") == 20 and "10 more figure(s) not shown: check a shorter draft" in text


def test_check_checks_the_draft_once(tmp_path, monkeypatch, capsys):
    # It used to check it twice: once through the listener for the answer, again for the exit code.
    import facts.figures.check as check
    from bot.cli import main
    for name in [n for n in os.environ if n.startswith(("SLACK_", "FACTBOT_"))]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    runs = []
    read = check.plain_lines
    monkeypatch.setattr(check, "plain_lines", lambda text: runs.append(text) or read(text))
    assert main(["check", "Police recorded 7,623 online grooming offences in 2024/25."]) == 1
    assert len(runs) == 1 and "7,263" in capsys.readouterr().out
