"""``factbot check TEXT`` (or ``-`` for standard input): the figures in a draft, checked.

The draft is read as ``/grooming check <text>`` reads it and checked once
(:func:`facts.figures.check.check_text`); the verdicts give both the answer,
rendered by the listener's own :func:`facts.figures.check_messages.check_message`
and printed as text (``--json``: the Block Kit payload the slash command
answers with), and the exit code: 0 when every figure matches (or there is
none), 1 when any needs attention (differs, out of date, missing its base or
period, a known misquote, or no curated figure), so a script can stop a
draft; 2 for an empty draft (bad usage). Like the slash command it shows at
most 20 verdicts; ``--all`` shows every one.
"""

from __future__ import annotations

import argparse
import sys

from bot.cli.common import CommandError, UsageError, print_answer
from bot.curation import open_facts
from bot.settings import Settings
from facts.figures.asking import read
from facts.figures.catalogue import Catalogue
from facts.figures.check import check_text
from facts.figures.check_messages import check_message

#: Characters of a draft checked (a slash command carries at most about 4,000).
MAX_DRAFT = 40_000
#: What the footer says of the verdicts not shown.
SHOW_ALL = "run factbot check --all to see every one"


def cmd_check(settings: Settings, args: argparse.Namespace) -> int:
    draft = sys.stdin.read(MAX_DRAFT + 1) if args.text == ["-"] else " ".join(args.text)
    if not draft.strip():
        raise UsageError("nothing to check: give the draft as TEXT, or - and the draft on standard input")
    if len(draft) > MAX_DRAFT:
        raise CommandError(f"the draft is over {MAX_DRAFT:,} characters; check it in parts")
    # Read as the slash command reads "check <draft>" (one line: Slack's text has no layout to keep).
    asked = read("check " + " ".join(draft.split()))
    store = open_facts(settings)
    try:
        checks = check_text(asked.text, Catalogue.from_store(store).figure_book())
    finally:
        store.close()
    message = check_message(checks, every=args.all, more=SHOW_ALL)
    # The slash command's ack body, keys in the order Bolt writes them.
    body = {"text": message.text, "response_type": "ephemeral", "blocks": message.blocks}
    print_answer(200, body, args.json)
    return 1 if any(c.needs_attention for c in checks) else 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    check = sub.add_parser("check", help='check the figures in a draft, as "/grooming check <text>" would')
    check.add_argument("text", nargs="+", help="the draft, or - to read it from standard input")
    check.add_argument("--all", action="store_true",
                       help="show every verdict (the slash command shows at most 20; with --json the payload "
                            "may then be over Slack's 50 blocks)")
    check.add_argument("--json", action="store_true", help="print the Block Kit payload")
    check.set_defaults(func=cmd_check, secrets_unused=True)
