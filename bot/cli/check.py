"""``factbot check TEXT`` (or ``-`` for standard input): the figures in a draft, checked.

The draft goes through the same listener as ``/grooming check <text>``
(a signed slash command dispatched in process, no Slack), and the answer is
printed as text (``--json``: the Block Kit payload). Exit 0 when every figure
matches (or there is none), 1 when any needs attention (differs, out of date,
missing its base or period, a known misquote, or no curated figure), so a
script can stop a draft.
"""

from __future__ import annotations

import argparse
import sys

from bot.ask import LocalAsker
from bot.cli.common import CommandError, print_answer
from bot.curation import open_facts
from bot.settings import Settings
from facts.figures.catalogue import Catalogue
from facts.figures.check import check_text

#: Characters of a draft checked (a slash command carries at most about 4,000).
MAX_DRAFT = 40_000


def cmd_check(settings: Settings, args: argparse.Namespace) -> int:
    draft = sys.stdin.read(MAX_DRAFT + 1) if args.text == ["-"] else " ".join(args.text)
    if not draft.strip():
        raise CommandError("nothing to check: give the draft as TEXT, or - and the draft on standard input")
    if len(draft) > MAX_DRAFT:
        raise CommandError(f"the draft is over {MAX_DRAFT:,} characters; check it in parts")
    store = open_facts(settings)
    try:
        catalogue = Catalogue.from_store(store)
        status, body = LocalAsker(settings, catalogue).ask("check " + " ".join(draft.split()))
        checks = check_text(draft, catalogue.figure_book())
    finally:
        store.close()
    print_answer(status, body, args.json)
    return 1 if any(c.needs_attention for c in checks) else 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    check = sub.add_parser("check", help='check the figures in a draft, as "/grooming check <text>" would')
    check.add_argument("text", nargs="+", help="the draft, or - to read it from standard input")
    check.add_argument("--json", action="store_true", help="print the Block Kit payload")
    check.set_defaults(func=cmd_check, secrets_unused=True)
