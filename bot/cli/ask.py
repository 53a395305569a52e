"""``factbot ask TEXT``: answer exactly as ``/grooming TEXT`` would, through the same listener, with no Slack."""

from __future__ import annotations

import argparse
import json

from bot.ask import LocalAsker
from bot.cli.common import CommandError
from bot.curation import open_facts
from bot.settings import Settings
from facts.figures import messages as render
from facts.figures.catalogue import Catalogue


def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    store = open_facts(settings)
    status, body = LocalAsker(settings, Catalogue.from_store(store)).ask(" ".join(args.text))
    store.close()
    if status != 200:
        raise CommandError(f"the app answered HTTP {status}")
    if args.json:
        print(json.dumps(body, indent=2, ensure_ascii=False))
    else:
        print(render.blocks_to_text(body.get("blocks", [])) or body.get("text", ""))
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    ask = sub.add_parser("ask", help='answer as "/grooming <text>" would, with no Slack')
    ask.add_argument("text", nargs="+", help='a question, e.g. "how many grooming offences last year"')
    ask.add_argument("--json", action="store_true", help="print the Block Kit payload")
    ask.set_defaults(func=cmd_ask, secrets_unused=True)
