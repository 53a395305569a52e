"""``factbot ask TEXT``: answer exactly as ``/grooming TEXT`` would, through the same listener, with no Slack."""

from __future__ import annotations

import argparse

from bot.ask import LocalAsker
from bot.cli.common import print_answer
from bot.curation import open_facts
from bot.settings import Settings
from facts.figures.catalogue import Catalogue


def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    store = open_facts(settings)
    status, body = LocalAsker(settings, Catalogue.from_store(store)).ask(" ".join(args.text))
    store.close()
    print_answer(status, body, args.json)
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    ask = sub.add_parser("ask", help='answer as "/grooming <text>" would, with no Slack')
    ask.add_argument("text", nargs="+", help='a question, e.g. "how many grooming offences last year"')
    ask.add_argument("--json", action="store_true", help="print the Block Kit payload")
    ask.set_defaults(func=cmd_ask, secrets_unused=True)
