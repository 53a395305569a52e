"""Settings errors name the variable (never its value); the CLI works on a fresh folder."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.app import web_client
from bot.settings import SettingsError, load_settings
from tests.support.cli import factbot
from tests.support.server import REPO

_factbot = factbot


def test_ask_on_a_fresh_folder_prints_cited_instagram_figures(tmp_path):
    done = _factbot(["ask", "instagram during lockdown"], tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for expected in ("37%", "where the platform was recorded", "April to June 2020", "NSPCC", "Copy citation",
                     "https://www.nspcc.org.uk/about-us/news-opinion/2020/instagram-grooming-crimes-children-lockdown/"):
        assert expected in out
    assert (tmp_path / "data" / "factbot.json").exists()  # the store was built from the shipped files


def test_ask_json_prints_block_kit(tmp_path):
    import json
    done = _factbot(["ask", "--json", "stats", "snap"], tmp_path)
    body = json.loads(done.stdout)
    assert body["response_type"] == "ephemeral" and body["blocks"]


@pytest.mark.parametrize("env,variable", [
    ({"SLACK_BOT_TOKEN": "secret-looking-value-123"}, "SLACK_BOT_TOKEN"),
    ({"FACTBOT_FEED_INTERVAL": "soon"}, "FACTBOT_FEED_INTERVAL"),
    ({"FACTBOT_ENQUIRY_CHANNEL": "#enquiries"}, "FACTBOT_ENQUIRY_CHANNEL"),
    ({"FACTBOT_CURATORS": "jo,sam"}, "FACTBOT_CURATORS"),
    ({"SLACK_API_URL": "not a url"}, "SLACK_API_URL"),
    ({"SLACK_SIGNING_SECRET": "your-signing-secret"}, "SLACK_SIGNING_SECRET"),
    ({"FACTBOT_INTAKE_TOKEN": "short"}, "FACTBOT_INTAKE_TOKEN"),
    ({"FACTBOT_FEED_INTERVAL": "100000000000000000000000"}, "FACTBOT_FEED_INTERVAL"),  # a wait that overflows
    ({"FACTBOT_RETENTION_DAYS": "1000000000"}, "FACTBOT_RETENTION_DAYS"),  # a date sum that overflows
    ({"SLACK_BOT_TOKEN": "xoxb-has space-secret-looking-value-123"}, "SLACK_BOT_TOKEN"),
    ({"FACTBOT_SAFEGUARDING_LEAD": "bob"}, "FACTBOT_SAFEGUARDING_LEAD"),
    ({"FACTBOT_DB": "   "}, "FACTBOT_DB"),  # spaces only: not "unset" (that is NAME=), not a path
])
def test_bad_setting_is_one_line_naming_the_variable(tmp_path, env, variable):
    done = _factbot(["facts", "import"], tmp_path, **env)  # a command that reads every setting
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and variable in lines[0] and "Traceback" not in done.stderr
    assert "secret-looking-value-123" not in done.stderr


def test_ask_and_check_work_with_the_untouched_example_settings(tmp_path):
    # A new user's first step is often `cp .env.example .env`; ask and check never reach Slack or
    # the website, so placeholder secrets are not theirs to refuse. Other bad settings still are.
    (tmp_path / ".env").write_text((REPO / ".env.example").read_text())
    asked = _factbot(["ask", "instagram"], tmp_path)
    assert asked.returncode == 0 and "NSPCC" in asked.stdout and asked.stderr == ""
    checked = _factbot(["check", "There were 7,263 grooming offences recorded in 2024/25."], tmp_path)
    assert checked.returncode == 0 and "7,263" in checked.stdout and checked.stderr == ""
    refused = _factbot(["facts", "import"], tmp_path)
    assert refused.returncode == 2 and "SLACK_SIGNING_SECRET: is still the placeholder" in refused.stderr
    still_named = _factbot(["ask", "instagram"], tmp_path, FACTBOT_FEED_INTERVAL="soon")
    assert still_named.returncode == 2 and still_named.stderr.strip().splitlines() == [
        "factbot: FACTBOT_FEED_INTERVAL: must be a whole number from 30 to 604800"]


def test_an_empty_signing_secret_is_not_set(tmp_path):
    done = _factbot(["serve", "--port", "9"], tmp_path, SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="  ")
    assert done.returncode == 2
    assert done.stderr.strip() == "factbot: SLACK_SIGNING_SECRET is required for this command but is not set"


def test_an_empty_setting_means_its_default_for_every_variable(tmp_path):
    # README: `NAME=` means "not set", in the environment and in .env alike, for numbers too.
    (tmp_path / ".env").write_text("FACTBOT_FEED_INTERVAL=\nFACTBOT_COMMAND=\nFACTBOT_DIGEST_DAY=\n")
    done = _factbot(["ask", "help"], tmp_path, FACTBOT_RETENTION_DAYS="", FACTBOT_POST_PACE="", SLACK_API_URL="",
                    FACTBOT_LOG_LEVEL="", FACTBOT_URGENT_REMIND_MINUTES="", FACTBOT_DB="")
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert "/grooming instagram" in done.stdout and (tmp_path / "data" / "factbot.json").exists()
    (tmp_path / ".env").write_text("FACTBOT_COMMAND=/facts\n")  # the shell's empty value still wins over .env
    assert "/grooming instagram" in _factbot(["ask", "help"], tmp_path, FACTBOT_COMMAND="").stdout


def test_undecodable_dotenv_is_named(tmp_path):
    (tmp_path / ".env").write_bytes(b"FACTBOT_COMMAND=\xff\xfe/x\n")
    done = _factbot(["ask", "help"], tmp_path)
    assert done.returncode == 2 and done.stderr.strip() == "factbot: .env: cannot be read as UTF-8 text"


def test_serve_without_required_settings_names_them(tmp_path):
    done = _factbot(["serve", "--port", "9"], tmp_path)
    assert done.returncode == 2
    # every missing one at once (issue 14), not one per run
    assert done.stderr.strip().splitlines() == ["factbot: SLACK_BOT_TOKEN is required for this command but is not set",
                                                "factbot: SLACK_SIGNING_SECRET is required for this command but is not set"]
    done = _factbot(["serve", "--port", "9"], tmp_path, SLACK_BOT_TOKEN="xoxb-1")
    assert "SLACK_SIGNING_SECRET" in done.stderr and done.returncode == 2


def test_settings_come_from_a_dotenv_file(tmp_path):
    (tmp_path / ".env").write_text("FACTBOT_COMMAND=/facts\n")
    done = _factbot(["ask", "help"], tmp_path)
    assert "/facts instagram" in done.stdout and "/facts check" in done.stdout


def test_facts_validate_import_list_show(tmp_path):
    assert _factbot(["facts", "validate"], tmp_path).returncode == 0
    first = _factbot(["facts", "import"], tmp_path)
    assert first.returncode == 0 and " added, 0 updated, 0 unchanged" in first.stdout
    again = _factbot(["facts", "import"], tmp_path)
    assert again.returncode == 0 and again.stdout.startswith("0 added, 0 updated, ")
    listing = _factbot(["facts", "list"], tmp_path).stdout
    fact_id = listing.split()[0]
    shown = _factbot(["facts", "show", fact_id], tmp_path)
    assert "quote: \"" in shown.stdout and "series: " in shown.stdout  # the source's own sentence, for checking
    assert shown.returncode == 0 and "Source:" in shown.stdout and "history: 0" in shown.stdout
    missing = _factbot(["facts", "show", "no-such-fact"], tmp_path)
    assert missing.returncode == 1 and "no figure with id" in missing.stderr


def test_facts_validate_reports_problems_one_per_line(tmp_path):
    bad = tmp_path / "curated"
    bad.mkdir()
    (bad / "x.yaml").write_text("release: {publisher: P}\nfacts:\n  - id: a-b\n    claim: c\n")
    done = _factbot(["facts", "validate", "--dir", str(bad)], tmp_path)
    assert done.returncode == 1 and f"reading 1 curated file(s) in {bad} (--dir)" in done.stderr
    assert all(line.startswith("x.yaml: fact a-b: ") for line in done.stdout.strip().splitlines())
    refused = _factbot(["facts", "import"], tmp_path, FACTBOT_CURATED_DIR=str(bad))
    assert refused.returncode == 1 and "not imported" in refused.stderr
    assert f"reading 1 curated file(s) in {bad} (FACTBOT_CURATED_DIR)" in refused.stderr
    assert not (tmp_path / "data" / "factbot.json").exists()  # nothing written


EDITED = "grooming-2023-24-uk-offences"
DROPPED = "grooming-2023-24-whatsapp-share"


def _installed_copy(site):
    """The package as ``pip install .`` leaves it: its own copy of facts/curated, away from the checkout."""
    import shutil

    for package in ("bot", "facts", "handlers"):
        shutil.copytree(REPO / package, site / package, ignore=shutil.ignore_patterns("__pycache__"))


def test_after_pip_install_an_edit_to_the_checkouts_files_is_imported_and_kept(tmp_path):
    import shutil

    site, checkout = tmp_path / "site-packages", tmp_path / "checkout"
    _installed_copy(site)
    shutil.copytree(REPO / "facts" / "curated", checkout / "facts" / "curated")
    env = {"PYTHONPATH": str(site)}

    def run(*args):
        return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=checkout, capture_output=True,
                              text=True, timeout=60, env={**{k: v for k, v in os.environ.items()
                                                             if not k.startswith(("SLACK_", "FACTBOT_"))}, **env})

    assert run("facts", "import").returncode == 0
    # The curator edits the file in the checkout (a caveat) and deletes a figure.
    path = next(p for p in (checkout / "facts" / "curated").glob("*.yaml") if f"id: {EDITED}" in p.read_text())
    text = path.read_text()
    start = text.index(f"  - id: {EDITED}")
    caveat = text.index("    caveats:\n", start) + len("    caveats:\n")
    path.write_text(text[:caveat] + "      - Checked again by the policy team.\n" + text[caveat:])
    gone = next(p for p in (checkout / "facts" / "curated").glob("*.yaml") if f"id: {DROPPED}" in p.read_text())
    text = gone.read_text()
    start = text.index(f"  - id: {DROPPED}")
    end = text.find("\n  - id: ", start + 1)
    gone.write_text(text[:start] + (text[end + 1:] if end != -1 else ""))

    done = run("facts", "import")
    assert done.returncode == 0, done.stderr
    assert f"in {checkout / 'facts' / 'curated'} (default)" in done.stderr  # says which folder it read
    assert f"changed  {EDITED}" in done.stdout and f"retired  {DROPPED}" in done.stdout
    shown = run("facts", "show", EDITED).stdout
    assert "Checked again by the policy team." in shown
    # A later plain import, and other commands, keep the edit.
    again = run("facts", "import")
    assert again.returncode == 0 and again.stdout.startswith("0 added, 0 updated, ")
    assert "Checked again by the policy team." in run("facts", "show", EDITED).stdout
    assert DROPPED not in run("facts", "list").stdout


def test_import_reads_only_the_configured_folder(tmp_path):
    import shutil

    folder = tmp_path / "curated"
    shutil.copytree(REPO / "facts" / "curated", folder)
    assert _factbot(["facts", "import"], tmp_path, FACTBOT_CURATED_DIR=str(folder)).returncode == 0
    before = (tmp_path / "data" / "factbot.json").read_bytes()
    other = _factbot(["facts", "import", "--dir", str(REPO / "facts")], tmp_path, FACTBOT_CURATED_DIR=str(folder))
    assert other.returncode == 1 and "set FACTBOT_CURATED_DIR=" in other.stderr
    for typo in ("nope-typo", "empty"):
        (tmp_path / "empty").mkdir(exist_ok=True)
        done = _factbot(["facts", "import"], tmp_path, FACTBOT_CURATED_DIR=str(tmp_path / typo))
        assert done.returncode == 2 and "FACTBOT_CURATED_DIR: must be a folder of curated *.yaml files" in done.stderr
    assert (tmp_path / "data" / "factbot.json").read_bytes() == before


def test_the_store_must_be_a_regular_file(tmp_path):
    (tmp_path / "folder").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere.json")
    for target in ("folder", "link"):
        done = _factbot(["facts", "list"], tmp_path, FACTBOT_DB=str(tmp_path / target))
        assert done.returncode == 2 and "FACTBOT_DB: must be a regular file" in done.stderr
    assert not (tmp_path / "elsewhere.json").exists()


# A new user's trial: FACTBOT_DB=0 was taken as a store and made 0, 0.lock and 0-… files in the
# folder factbot started in; FACTBOT_DB=/proc/1/x failed with a bare errno line naming no setting.
@pytest.mark.parametrize("value", ["0", "factbot", "data/", "notes.txt", "data/.json"])
def test_the_store_must_be_named_as_a_json_file(tmp_path, value):
    for command in (["ask", "instagram"], ["facts", "import"]):
        done = _factbot(command, tmp_path, FACTBOT_DB=value)
        assert done.returncode == 2 and done.stderr.strip().splitlines() == [
            "factbot: FACTBOT_DB: must be a .json file name, such as data/factbot.json"]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("value", ["/proc/1/x.json", "/proc/1/new/x.json", "/proc/1/x"])
def test_a_store_folder_that_cannot_hold_files_is_one_line_naming_factbot_db(tmp_path, value):
    done = _factbot(["ask", "instagram"], tmp_path, FACTBOT_DB=value)
    assert done.returncode == 2 and done.stdout == ""
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("factbot: FACTBOT_DB: ") and "Errno" not in line and value not in line
    # A command that never opens the store is not stopped by it; one that needs data says where it looked.
    assert _factbot(["facts", "validate"], tmp_path, FACTBOT_DB="/proc/1/x.json").returncode == 0


def test_any_json_file_name_is_a_store(tmp_path):
    done = _factbot(["ask", "instagram"], tmp_path, FACTBOT_DB="stores/Team Facts.JSON")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "stores" / "Team Facts.JSON").exists()


def test_a_figure_changed_from_slack_is_layered_over_the_files_kept_by_import_and_held_on_a_conflict(tmp_path):
    import shutil

    from facts.figures.curated import curated_paths, load_curated
    from facts.figures.layers import based_on, slack_folder, write_figure

    folder = tmp_path / "curated"
    shutil.copytree(REPO / "facts" / "curated", folder)
    env = {"FACTBOT_CURATED_DIR": str(folder)}
    assert _factbot(["facts", "import"], tmp_path, **env).returncode == 0
    shipped = next(f for f in load_curated(curated_paths(folder)).facts if f.id == EDITED)
    retired = shipped.model_copy(update={"status": "retired"})
    note = {"by": ["U0CURATOR1"], "at": "2026-12-01T10:00:00+00:00", "why": "the source was withdrawn",
            "action": "retired"}
    write_figure(slack_folder(tmp_path / "data" / "factbot.json"), retired, note, based_on(folder, EDITED))

    done = _factbot(["facts", "import"], tmp_path, **env)
    assert done.returncode == 0 and f"retired  {EDITED}" in done.stdout
    shown = _factbot(["facts", "show", EDITED], tmp_path, **env).stdout
    assert "status: retired" in shown and "retired by U0CURATOR1" in shown and "the source was withdrawn" in shown
    assert _factbot(["facts", "import"], tmp_path, **env).stdout.startswith("0 added, 0 updated, ")

    # A deploy ships a newer version of the same figure: neither wins silently; it is held.
    path = next(p for p in folder.glob("*.yaml") if f"id: {EDITED}" in p.read_text())
    text = path.read_text()
    start = text.index(f"  - id: {EDITED}")
    caveat = text.index("    caveats:\n", start) + len("    caveats:\n")
    path.write_text(text[:caveat] + "      - Revised by the publisher.\n" + text[caveat:])
    _factbot(["facts", "import"], tmp_path, **env)
    assert "status: held" in _factbot(["facts", "show", EDITED], tmp_path, **env).stdout


@pytest.mark.parametrize("args", [["enquiries", "purge", "--days", "100000000000"], ["facts", "gaps", "--limit", "0"]])
def test_a_count_out_of_range_is_a_usage_error_not_a_traceback(tmp_path, args):
    done = _factbot(args, tmp_path)
    assert done.returncode == 2 and "must be a whole number from 1 to 36500" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("variable,value", [
    ("FACTBOT_LOOKUP_DELAY", "-1"), ("FACTBOT_LOOKUP_DELAY", "601"), ("FACTBOT_LOOKUP_DELAY", "soon"),
    ("FACTBOT_SOCKET_RETRY", "0"), ("FACTBOT_SOCKET_RETRY", "3601"), ("FACTBOT_RETRY_BASE", "0"),
    ("FACTBOT_RETRY_BASE", "61"), ("FACTBOT_SLACK_TIMEOUT", "0"), ("FACTBOT_SLACK_TIMEOUT", "2.5"), ("FACTBOT_SLACK_TIMEOUT", "121"),
])
def test_the_servers_waits_out_of_range_are_named_in_one_line(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as raised:
        load_settings(env_file=None)
    assert str(raised.value).startswith(variable + ":") and "\n" not in str(raised.value)


def test_the_look_up_delay_and_backoff_keep_their_defaults_unless_set_and_reach_the_delivery_worker(monkeypatch, make_server):
    for name in ("FACTBOT_LOOKUP_DELAY", "FACTBOT_SOCKET_RETRY", "FACTBOT_RETRY_BASE", "FACTBOT_SLACK_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    defaults = load_settings(env_file=None)
    assert defaults.factbot_lookup_delay == 10.0 and defaults.factbot_socket_retry == 10.0
    assert defaults.factbot_retry_base == 1.0 and defaults.factbot_slack_timeout == 10
    assert web_client(defaults).timeout == 10
    server = make_server(FACTBOT_LOOKUP_DELAY="2.5", FACTBOT_RETRY_BASE="0.25", FACTBOT_SLACK_TIMEOUT="7")
    assert server.runtime is not None and server.runtime.worker.lookup_delay == 2.5
    assert server.runtime.worker.retry_base == 0.25 and server.runtime.worker.client.timeout == 7


@pytest.mark.parametrize("variable,value,says", [
    ("FACTBOT_SLACK_TIMEOUT", "1.5", "must be a whole number from 1 to 120"),
    ("FACTBOT_SLACK_TIMEOUT", "10s", "must be a whole number from 1 to 120"),
    ("FACTBOT_POST_PACE", "-1", "must be a number from 0 to 60"),
    ("FACTBOT_FEED_TIMEOUT", "0", "must be a number above 0 and at most 120"),
    ("FACTBOT_LOOKUP_DELAY", "nan", "must be a number from 0 to 600"),
])
def test_a_bad_number_setting_says_what_a_good_one_is(monkeypatch, variable, value, says):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as raised:
        load_settings(env_file=None)
    assert str(raised.value) == f"{variable}: {says}"


def test_odd_bytes_and_encodings_and_names_get_an_answer_not_an_error(tmp_path):
    # Found by the fresh-user trial: a pasted non-UTF-8 byte, a Latin-1 terminal, a 300-letter store name.
    odd = subprocess.run([sys.executable, "-m", "bot.cli", "ask", b"insta\xffgram".decode("utf-8", "surrogateescape")],
                         cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True)
    assert odd.returncode == 0 and "insta\ufffdgram".encode() in odd.stdout and b"codec" not in odd.stderr
    latin = subprocess.run([sys.executable, "-m", "bot.cli", "ask", "instagram"], cwd=tmp_path, capture_output=True,
                           env={**os.environ, "PYTHONPATH": str(REPO), "PYTHONIOENCODING": "latin-1"})
    assert latin.returncode == 0 and b"Instagram" in latin.stdout and b"codec" not in latin.stderr
    long_name = _factbot(["facts", "import"], tmp_path, FACTBOT_DB=str(tmp_path / ("a" * 300 + ".json")))
    assert long_name.returncode == 2 and long_name.stderr.startswith("factbot: FACTBOT_DB: its file name is too long")
