"""``factbot``: serve the app, ask it a question, curate the facts.

Exit codes: 0 success; 1 the command found problems (``facts validate``,
``facts show`` of an unknown id, an unreadable store, a data folder with no
data); 2 bad usage or bad settings (on stderr, one line naming each bad or
missing variable, all at once). ``python -m bot`` is the same command.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import io
import logging
import os
import sys
from pathlib import Path

from bot.cli.common import CommandError, UsageError
from bot.logs import configure_logging
from bot.settings import Settings, SettingsError, load_settings

#: Each command word and the module (``bot.cli.<module>``) that adds it, in the order ``--help``
#: lists them.
GROUPS = {"serve": "serve", "ask": "ask", "check": "check", "facts": "figures", "campaign": "campaign",
          "enquiries": "enquiries"}


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser for ``argv``: only the group its first word names, or every group (``--help``,
    no command, an unknown one). One group's imports are a third of all of them: ``factbot facts
    validate`` never loads Bolt, the claim checker or the enquiry service (see decisions.md)."""
    words = sys.argv[1:] if argv is None else argv
    named = [GROUPS[words[0]]] if words and words[0] in GROUPS else list(GROUPS.values())
    parser = argparse.ArgumentParser(prog="factbot", description="Safeguarding Facts: cited figures in Slack.")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in named:
        importlib.import_module(f"bot.cli.{module}").add_commands(sub)
    return parser


#: Errors creating a file that say the data folder cannot hold files at all (a bad ``FACTBOT_DB``,
#: exit 2), as against a full disk or a damaged file (exit 1).
_NOT_A_DATA_FOLDER = frozenset({errno.ENOENT, errno.ENOTDIR, errno.EACCES, errno.EPERM, errno.EROFS,
                                errno.ENAMETOOLONG})


def _bad_data_folder(exc: Exception, settings: Settings | None) -> str | None:
    """The one line naming ``FACTBOT_DB`` when ``exc`` is the data folder refusing a new file or
    folder (``FACTBOT_DB=/proc/1/x.json``: the store's lock cannot be made there), else ``None``."""
    if settings is None or not isinstance(exc, OSError) or exc.errno not in _NOT_A_DATA_FOLDER or not exc.filename:
        return None
    path, folder = Path(os.fsdecode(exc.filename)).absolute(), settings.factbot_db.absolute().parent
    if os.path.lexists(path) or (path != folder and path.parent != folder and path not in folder.parents):
        return None  # a store that is there but unreadable is a problem with the store (exit 1), not the setting
    return (f"FACTBOT_DB: its folder cannot hold the stores ({exc.strerror}); use a folder factbot may write in, "
            "such as data/factbot.json")


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for stream in (sys.stdout, sys.stderr):  # a terminal that cannot show "“" gets "?", not an error
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")
    # Bytes that are not UTF-8 in an argument (a pasted Latin-1 word) are read as U+FFFD, not
    # carried as surrogates that fail when the answer is printed.
    words = [word.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
             for word in (sys.argv[1:] if argv is None else argv)]
    args = build_parser(words).parse_args(words)
    settings: Settings | None = None
    try:
        settings = load_settings(required=getattr(args, "required", None),
                                 secrets_unused=getattr(args, "secrets_unused", False))
        configure_logging(settings.factbot_log_level)
        return args.func(settings, args)
    except SettingsError as exc:
        for line in str(exc).splitlines():
            print(f"factbot: {line}", file=sys.stderr)
        return 2
    except UsageError as exc:
        print(f"factbot: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head`: not an error
        sys.stderr.close()
        return 0
    except (CommandError, ValueError, OSError) as exc:
        bad_setting = _bad_data_folder(exc, settings)
        print(f"factbot: {bad_setting or exc}", file=sys.stderr)
        return 2 if bad_setting else 1
