"""``factbot``: serve the app, ask it a question, curate the facts.

Exit codes: 0 success; 1 the command found problems (``facts validate``,
``facts show`` of an unknown id, an unreadable store); 2 bad usage or a bad
setting (one line on stderr naming the variable).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from bot.cli.campaign import add_campaign_commands, import_with_alerts
from bot.logs import configure_logging
from bot.settings import Settings, SettingsError, load_settings
from facts.campaign.messages import reviews_due
from facts.figures import messages as render
from facts.figures.catalogue import Catalogue
from facts.figures.curated import curated_paths, load_curated
from facts.figures.store import OTHER_FOLDER, FactStore, curated_fingerprint, open_store
from facts.figures.usage import USAGE_FLUSH_SECONDS, Usage
from facts.persistence import hold_exclusively, sibling_path

log = logging.getLogger("factbot")


class CommandError(Exception):
    """A command cannot go on; ``str()`` is the one line shown to the operator."""


# -- serve --------------------------------------------------------------------


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from bot.app import web_client
    from bot.runtime import build_runtime
    from bot.server import create_web_app

    if settings.socket_mode:
        settings.require("slack_bot_token", "slack_app_token")
    else:
        settings.require("slack_bot_token", "slack_signing_secret")
    try:  # one server per store: two would hand out the same enquiry references
        lock_path = sibling_path(settings.factbot_db, "serve").with_suffix(".lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)  # a fresh deploy has no data/ yet
        instance = hold_exclusively(lock_path)
    except BlockingIOError:
        raise CommandError(f"another factbot serve is already using FACTBOT_DB={settings.factbot_db}; "
                           "run one server per store") from None
    runtime = build_runtime(settings)
    runtime.closers.append(instance.close)
    if settings.socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        app_token = settings.slack_app_token
        if app_token is None:  # settings.require above makes this unreachable
            raise CommandError("SLACK_APP_TOKEN is required for Socket Mode")
        handler = SocketModeHandler(runtime.bolt_app, app_token.get_secret_value(),
                                    web_client=web_client(settings))
        handler.connect()  # Slack's requests arrive over the socket; the web endpoints still serve HTTP
        runtime.closers.append(handler.close)
        log.info("Socket Mode connected")
    web = create_web_app(runtime, slack_over_http=not settings.socket_mode, on_shutdown=[runtime.close])
    log.info("serving %d figures on http://%s:%d", runtime.catalogue.coverage().figures, args.host, args.port)
    uvicorn.run(web, host=args.host, port=args.port, log_level=settings.factbot_log_level.lower(), access_log=False)
    return 0


# -- ask ----------------------------------------------------------------------


def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    from bot.ask import LocalAsker

    store = open_store(settings.factbot_db)
    status, body = LocalAsker(settings, Catalogue.from_store(store)).ask(" ".join(args.text))
    store.close()
    if status != 200:
        raise CommandError(f"the app answered HTTP {status}")
    if args.json:
        print(json.dumps(body, indent=2, ensure_ascii=False))
    else:
        print(render.blocks_to_text(body.get("blocks", [])) or body.get("text", ""))
    return 0


# -- facts --------------------------------------------------------------------


def _curated(args: argparse.Namespace):
    paths = curated_paths(Path(args.dir)) if getattr(args, "dir", None) else None
    return load_curated(paths)


def cmd_facts_validate(settings: Settings, args: argparse.Namespace) -> int:
    result = _curated(args)
    for problem in result.problems:
        print(problem)
    print(f"{len(result.facts)} figures valid, {len(result.problems)} problem(s)", file=sys.stderr)
    return 1 if result.problems else 0


def cmd_facts_import(settings: Settings, args: argparse.Namespace) -> int:
    folder = getattr(args, "dir", None)
    if folder and not curated_paths(Path(folder)):
        # An import is the whole set: a mistyped folder would retire every figure.
        raise CommandError(f"no curated *.yaml files in {folder}; nothing imported")
    result = _curated(args)
    if result.problems:
        for problem in result.problems:
            print(problem)
        raise CommandError(f"not imported: {len(result.problems)} problem(s) in the curated files")
    store = FactStore(settings.factbot_db)
    folder = getattr(args, "dir", None)
    # The folder is the whole curated set: a figure deleted from it is retired.
    report, alerts = import_with_alerts(settings, store, result.facts, complete=True)
    paths = curated_paths(Path(folder)) if folder else curated_paths()
    # Another folder stands until the next plain import (the shipped files are not re-imported over it).
    store.record_fingerprint((OTHER_FOLDER if folder else "") + curated_fingerprint(paths))
    store.close()
    for change in report.changes:
        fields = ", ".join(sorted(change.changed)) if change.changed else ""
        print(f"{change.kind:8} {change.fact.id}" + (f" ({fields})" if fields else ""))
    print(f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged")
    if alerts:
        print(f"{alerts} figure alert(s) queued for the campaign channel", file=sys.stderr)
    return 0


def cmd_facts_list(settings: Settings, args: argparse.Namespace) -> int:
    store = open_store(settings.factbot_db)
    for fact in store.facts():
        if args.all or fact.servable:
            print(f"{fact.id:48} {fact.status:9} {fact.display:>16}  {fact.period.label}")
    return 0


def cmd_facts_show(settings: Settings, args: argparse.Namespace) -> int:
    store = open_store(settings.factbot_db)
    found = store.get(args.id)
    if found is None:
        raise CommandError(f"no figure with id {args.id!r} (see: factbot facts list --all)")
    fact, history = found
    print(render.citation(fact))
    print(f"status: {fact.status}; verified on {fact.verified_on}; review by {fact.review_by}"
          + (f"; superseded by {fact.superseded_by}" if fact.superseded_by else ""))
    for caveat in fact.caveats:
        print(f"caveat: {caveat}")
    print(f"history: {len(history)} earlier version(s)")
    for item in history:
        old = item["fact"]
        print(f"  replaced {item['replaced_at']}: {old.get('display')} ({old.get('status')}) {old.get('period', {}).get('label')}")
    return 0


def cmd_facts_stale(settings: Settings, args: argparse.Namespace) -> int:
    import datetime as dt

    store = open_store(settings.factbot_db)
    due = reviews_due(store.facts(), dt.date.today())
    for item in due:
        print(f"{item.fact.id:48} {item.reason}")
    print(f"{len(due)} figure(s) due for review", file=sys.stderr)
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


# -- enquiries ----------------------------------------------------------------


def _enquiry_service(settings: Settings):
    from bot.enquiry_service import EnquiryService
    from facts.enquiries.archive import EnquiryArchive, archive_path
    from facts.outbox import Outbox

    outbox = Outbox(sibling_path(settings.factbot_db, "outbox"))
    return EnquiryService(EnquiryArchive(archive_path(settings.factbot_db)), outbox,
                          lead=settings.factbot_safeguarding_lead, retention_days=settings.factbot_retention_days)


def cmd_enquiries_list(settings: Settings, args: argparse.Namespace) -> int:
    from bot.enquiry_service import KIND
    from facts.outbox import DELIVERED

    service = _enquiry_service(settings)
    waiting = [i for i in service.outbox.items() if i.kind == KIND and i.state != DELIVERED]
    for item in waiting:
        when = f"next try {item.next_attempt_at}" if item.state == "pending" and item.next_attempt_at else ""
        print(f"{item.id:28} {item.state:8} {item.attempts:3} tries  {item.error or '':32} {when}".rstrip())
    health = service.health()
    for problem in health["problems"]:
        print(f"held: {problem}")
    print(f"{len(waiting)} enquiry deliveries not yet made, {health['held']} held", file=sys.stderr)
    service.outbox.close()
    return 0


def cmd_enquiries_retry(settings: Settings, args: argparse.Namespace) -> int:
    from bot.enquiry_service import KIND

    service = _enquiry_service(settings)
    chosen = None
    if args.references:
        chosen = [i.id for i in service.outbox.items("held") if any(i.id == r or i.id.startswith(r + "-")
                                                                    for r in args.references)]
    released = service.outbox.release(kind=KIND, item_ids=chosen)
    service.outbox.close()
    if args.references and not released:
        raise CommandError(f"no held delivery for {', '.join(args.references)} (see: factbot enquiries list)")
    print(f"{released} held enquiry deliveries released; a running server sends them within seconds")
    return 0


def cmd_enquiries_purge(settings: Settings, args: argparse.Namespace) -> int:
    service = _enquiry_service(settings)
    days = args.days or settings.factbot_retention_days
    references = tuple(args.references)
    unknown = [r for r in references if service.archive.get(r) is None]
    if unknown:
        service.outbox.close()
        raise CommandError(f"no enquiry {', '.join(unknown)} is on record (nothing purged)")
    report = service.purge(days, references)
    service.outbox.close()
    which = f"named ({', '.join(references)})" if references else f"older than {days} days"
    print(f"{report.purged} enquiries {which} purged; {report.edits} Slack messages queued "
          "for editing (a running server edits them within seconds)")
    for reference in report.unreachable:
        print(f"{reference}: posted, but where is no longer known: remove its Slack message by hand")
    return 0


# -- entry point --------------------------------------------------------------


def _positive(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError("must be a whole number of at least 1")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="factbot", description="Safeguarding Facts: cited figures in Slack.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the app (HTTP, or Socket Mode when SLACK_APP_TOKEN is set)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=3000)
    serve.set_defaults(func=cmd_serve)

    ask = sub.add_parser("ask", help='answer as "/grooming <text>" would, with no Slack')
    ask.add_argument("text", nargs="+", help='e.g. "stats instagram"')
    ask.add_argument("--json", action="store_true", help="print the Block Kit payload")
    ask.set_defaults(func=cmd_ask)

    facts = sub.add_parser("facts", help="curate the facts store").add_subparsers(dest="action", required=True)
    for name, func, text in [
        ("import", cmd_facts_import, "load the curated files into the store (idempotent; keeps history)"),
        ("validate", cmd_facts_validate, "check the curated files; one line per problem, exit 1 if any"),
    ]:
        p = facts.add_parser(name, help=text)
        p.add_argument("--dir", help="folder of curated *.yaml files (default: the shipped facts/curated)")
        p.set_defaults(func=func)
    listing = facts.add_parser("list", help="list the servable figures (--all: every status)")
    listing.add_argument("--all", action="store_true")
    listing.set_defaults(func=cmd_facts_list)
    show = facts.add_parser("show", help="one figure with its citation and history")
    show.add_argument("id")
    show.set_defaults(func=cmd_facts_show)
    facts.add_parser("stale", help="figures past review_by or superseded").set_defaults(func=cmd_facts_stale)
    gaps = facts.add_parser("gaps", help="queries that found nothing, most frequent first (count, last seen, text)")
    gaps.add_argument("--limit", type=_positive, default=None, help="show at most this many")
    gaps.set_defaults(func=cmd_facts_gaps)
    add_campaign_commands(sub)
    add_enquiry_commands(sub)
    return parser


def add_enquiry_commands(sub) -> None:
    """``factbot enquiries list|retry|purge``."""
    enquiries = sub.add_parser("enquiries", help="website enquiries: held deliveries, resend, purge")
    actions = enquiries.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="enquiry deliveries not yet made (held, waiting), with the error").set_defaults(
        func=cmd_enquiries_list)
    retry = actions.add_parser("retry", help="resend held enquiries (all, or those named)")
    retry.add_argument("references", nargs="*", help="e.g. ENQ-2026-000123 (default: every held enquiry)")
    retry.set_defaults(func=cmd_enquiries_retry)
    purge = actions.add_parser("purge", help="remove personal details past retention; edit the Slack messages")
    purge.add_argument("--days", type=_positive, help="age in days (default: FACTBOT_RETENTION_DAYS)")
    purge.add_argument("references", nargs="*",
                       help="erase these enquiries now, whatever their age (an erasure request), e.g. ENQ-2026-000123")
    purge.set_defaults(func=cmd_enquiries_purge)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        configure_logging(settings.factbot_log_level)
        return args.func(settings, args)
    except SettingsError as exc:
        print(f"factbot: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head`: not an error
        sys.stderr.close()
        return 0
    except (CommandError, ValueError, OSError) as exc:
        print(f"factbot: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
