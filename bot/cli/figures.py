"""``factbot facts import|validate|list|show|stale|gaps|coverage``: curating the figures."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from bot.cli.campaign import import_with_alerts
from bot.cli.common import CommandError, positive
from bot.curation import open_facts
from bot.settings import Settings
from facts.figures import messages as render
from facts.figures.coverage import coverage_markdown
from facts.figures.curated import curated_paths, load_curated
from facts.figures.layers import export_layer, load_layers, slack_folder
from facts.figures.reviews import NextEditions, next_editions, reviews_due
from facts.figures.search import FactIndex
from facts.figures.store import FactStore, curated_fingerprint
from facts.figures.usage import USAGE_FLUSH_SECONDS, Usage
from facts.persistence import sibling_path


def _folder(settings: Settings, args: argparse.Namespace) -> Path:
    """The folder a command reads: ``--dir`` (validate only) or this install's, saying which."""
    given = getattr(args, "dir", None)
    folder = Path(given).absolute() if given else settings.curated_dir
    source = "--dir" if given else ("FACTBOT_CURATED_DIR" if settings.factbot_curated_dir else "default")
    if given and not folder.is_dir():
        raise CommandError(f"--dir {given}: no such folder ({folder})")
    print(f"reading {len(curated_paths(folder))} curated file(s) in {folder} ({source})", file=sys.stderr)
    return folder


def cmd_facts_validate(settings: Settings, args: argparse.Namespace) -> int:
    folder = _folder(settings, args)
    paths = curated_paths(folder)
    if not paths:  # a mistyped folder is not "0 problems"
        raise CommandError(f"no curated *.yaml files in {folder}; nothing to validate")
    result = load_curated(paths)
    for problem in result.problems:
        print(problem)
    print(f"{len(result.facts)} figures valid, {len(result.problems)} problem(s)", file=sys.stderr)
    return 1 if result.problems else 0


def cmd_facts_import(settings: Settings, args: argparse.Namespace) -> int:
    if getattr(args, "dir", None) and Path(args.dir).absolute() != settings.curated_dir:
        # One folder is the truth for the server and every command: importing another one here
        # would be reverted by the next start or plain import.
        raise CommandError(f"factbot facts import reads FACTBOT_CURATED_DIR ({settings.curated_dir}); "
                           f"to make {args.dir} where the figures live, set FACTBOT_CURATED_DIR={args.dir} "
                           f"(in .env) and run factbot facts import")
    folder = _folder(settings, args)
    paths = curated_paths(folder)
    if not paths:
        # An import is the whole set: an empty folder would retire every figure.
        raise CommandError(f"no curated *.yaml files in {folder}; nothing imported")
    result = load_layers(folder, slack_folder(settings.factbot_db))  # with the figures changed from Slack
    if result.problems:
        for problem in result.problems:
            print(problem)
        raise CommandError(f"not imported: {len(result.problems)} problem(s) in the curated files")
    store = FactStore(settings.factbot_db)
    # The folder is the whole curated set: a figure deleted from it is retired.
    report, alerts = import_with_alerts(settings, store, result.facts, complete=True, notes=result.notes)
    store.record_fingerprint(curated_fingerprint(result.files))  # so `serve` does not import it again
    store.close()
    for change in report.changes:
        fields = ", ".join(sorted(change.changed)) if change.changed else ""
        print(f"{change.kind:8} {change.fact.id}" + (f" ({fields})" if fields else ""))
    print(f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged")
    if alerts:
        print(f"{alerts} figure alert(s) queued for the campaign channel", file=sys.stderr)
    return 0


def cmd_facts_export(settings: Settings, args: argparse.Namespace) -> int:
    folder, to = slack_folder(settings.factbot_db), Path(args.to).absolute()
    done = export_layer(folder, settings.curated_dir, to)
    for item in done:
        where = f"replaces {item.fact_id} in {item.replaces_in}" if item.replaces_in else "new figure"
        print(f"{item.path}  ({where})")
    print(f"{len(done)} figure(s) changed in Slack ({folder}) written to {to}; put each in its curated file, "
          f"run factbot facts validate, commit and deploy", file=sys.stderr)
    return 0


def cmd_facts_list(settings: Settings, args: argparse.Namespace) -> int:
    store = open_facts(settings)
    for fact in store.facts():
        if args.all or fact.servable:
            print(f"{fact.id:48} {fact.status:9} {fact.display:>16}  {fact.period.label}")
    return 0


def cmd_facts_show(settings: Settings, args: argparse.Namespace) -> int:
    store = open_facts(settings)
    found = store.get(args.id)
    if found is None:
        raise CommandError(f"no figure with id {args.id!r} (see: factbot facts list --all)")
    fact, history = found
    print(render.citation(fact))
    print(f"status: {fact.status}; verified on {fact.verified_on}; review by {fact.review_by}"
          + (f"; superseded by {fact.superseded_by}" if fact.superseded_by else ""))
    print(f"quote: \"{fact.quote}\"" if fact.quote else "quote: none (held or retired figures may have none)")
    if fact.quote_url:
        print(f"quote read at: {fact.quote_url}")
    if fact.measure or fact.series:
        print(f"measure: {fact.measure or '-'}; series: {fact.series or '-'}; sources rows: {', '.join(fact.source_refs) or '-'}")
    if fact.historical:
        print(f"history, not current: {fact.historical}")
    for caveat in fact.caveats:
        print(f"caveat: {caveat}")
    print(f"this version: {_note(store.change_note(fact.id))}")
    print(f"history: {len(history)} earlier version(s)")
    for item in history:
        old = item["fact"]
        print(f"  replaced {item['replaced_at']}: {old.get('display')} ({old.get('status')}) "
              f"{old.get('period', {}).get('label')}; that version: {_note(item.get('change'))}")
    return 0


def _note(note: dict | None) -> str:
    """Who made a version, when and why, in one line."""
    if not note:
        return "imported before changes were noted"
    by = " and ".join(note.get("by") or []) or "the curated files"
    return f"{note.get('action', 'changed')} by {by} at {note.get('at', '?')}: {note.get('why', '')}"


def cmd_facts_stale(settings: Settings, args: argparse.Namespace) -> int:
    store = open_facts(settings)
    facts, today = store.facts(), dt.date.today()
    due = reviews_due(facts, today)
    for item in due:
        print(f"{item.fact.id:48} {item.reason}")
    print(f"{len(due)} figure(s) due for review", file=sys.stderr)
    _print_next_editions(next_editions(facts, today))
    return 0


def _print_next_editions(editions: NextEditions) -> None:
    """Series whose next edition is overdue, and plainly how many have no date from their publisher."""
    for edition in editions.overdue:
        src = edition.newest.source
        print(f"next edition overdue: {edition.series} (newest: {edition.newest.period.label}, {src.publisher}, "
              f"\"{src.title}\"): expected {edition.expected}, the publisher's words: \"{edition.words}\"")
    series = len(editions.overdue) + len(editions.due) + len(editions.undated)
    print(f"{len(editions.overdue)} series with a next edition overdue, {len(editions.due)} with one due later",
          file=sys.stderr)
    if editions.undated:
        words = sorted({f"{e.newest.source.publisher}: \"{e.words}\"" for e in editions.undated if e.words})
        print(f"{len(editions.undated)} of {series} series: no publisher gave a date for the next edition, so none "
              f"of them can be called overdue" + (f" ({'; '.join(words)})" if words else ""))


def cmd_facts_coverage(settings: Settings, args: argparse.Namespace) -> int:
    """The curated folder's servable figures by publisher and by measure, as the README's Markdown."""
    result = load_curated(curated_paths(_folder(settings, args)))
    if result.problems:
        print(f"{len(result.problems)} problem(s) in the curated files (factbot facts validate lists them); "
              f"counted the figures that load", file=sys.stderr)
    print(coverage_markdown(FactIndex(result.facts).coverage()))
    return 0


def cmd_facts_gaps(settings: Settings, args: argparse.Namespace) -> int:
    usage = Usage(sibling_path(settings.factbot_db, "usage"))
    gaps = usage.gaps(args.limit)
    usage.close()
    for gap in gaps:
        print(f"{gap.count:6}  {gap.last_seen}  {gap.text}")
    print(f"{len(gaps)} unanswered quer{'y' if len(gaps) == 1 else 'ies'} (counts reach the file within "
          f"{USAGE_FLUSH_SECONDS} s of being asked)", file=sys.stderr)
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    facts = sub.add_parser("facts", help="curate the facts store").add_subparsers(dest="action", required=True)
    for name, func, text in [
        ("import", cmd_facts_import, "load the curated files into the store (idempotent; keeps history)"),
        ("validate", cmd_facts_validate, "check the curated files; one line per problem, exit 1 if any"),
    ]:
        p = facts.add_parser(name, help=text)
        p.add_argument("--dir", help="folder of curated *.yaml files to check (default: FACTBOT_CURATED_DIR); "
                                     "import reads only FACTBOT_CURATED_DIR")
        p.set_defaults(func=func)
    export = facts.add_parser("export", help="write the figures changed in Slack as curated files for the repository")
    export.add_argument("--to", default="facts/from-slack",
                        help="folder to write <id>.yaml files in (default: facts/from-slack under the working folder)")
    export.set_defaults(func=cmd_facts_export)
    listing = facts.add_parser("list", help="list the servable figures (--all: every status)")
    listing.add_argument("--all", action="store_true")
    listing.set_defaults(func=cmd_facts_list, secrets_unused=True)
    show = facts.add_parser("show", help="one figure with its citation and history")
    show.add_argument("id")
    show.set_defaults(func=cmd_facts_show, secrets_unused=True)
    facts.add_parser("stale", help="figures past review_by or superseded, and series whose next edition is "
                                   "overdue").set_defaults(func=cmd_facts_stale)
    facts.add_parser("coverage", help="served figures by publisher and by measure (the README's table, Markdown)"
                     ).set_defaults(func=cmd_facts_coverage)
    gaps = facts.add_parser("gaps", help="queries that found nothing, most frequent first (count, last seen, text)")
    gaps.add_argument("--limit", type=positive, default=None, help="show at most this many")
    gaps.set_defaults(func=cmd_facts_gaps)
