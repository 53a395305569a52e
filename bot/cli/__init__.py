"""``factbot``: serve the app, ask it a question, curate the facts.

Exit codes: 0 success; 1 the command found problems (``facts validate``,
``facts show`` of an unknown id, an unreadable store, a data folder with no
data); 2 bad usage or bad settings (on stderr, one line naming each bad or
missing variable, all at once). ``python -m bot`` is the same command.
"""

from __future__ import annotations

import argparse
import logging
import sys

from bot.cli import ask, campaign, check, enquiries, figures, serve
from bot.cli.common import CommandError, UsageError
from bot.logs import configure_logging
from bot.settings import SettingsError, load_settings

#: One module per command group, in the order ``--help`` lists them.
GROUPS = (serve, ask, check, figures, campaign, enquiries)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="factbot", description="Safeguarding Facts: cited figures in Slack.")
    sub = parser.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
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
        print(f"factbot: {exc}", file=sys.stderr)
        return 1
