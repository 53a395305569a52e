"""Benchmark: urgent triage against a labelled set of enquiries.

Run by hand: ``python benchmarks/triage.py [--set FILE ...] [--baseline]``.

By default the five labelled sets are measured and reported separately:
``benchmarks/data/triage.jsonl`` (development: 262 enquiries, the model's word lists were written
after reading its misses, so its figures are in-sample), ``benchmarks/data/triage_heldout.jsonl``
(held-out: 160 enquiries, written by another writer who never saw the code, copied unedited),
``benchmarks/data/triage_fresh.jsonl`` (fresh: 120 enquiries by a third writer who never saw the
code, copied unedited) and ``benchmarks/data/triage_fresh4.jsonl`` (120 by a fourth writer,
2 December 2026, unedited: measured once untuned, 43/45 urgent flagged = 95.6%, 8/75 false
alarms = 10.7%; its misses and false alarms were then read and the model tuned on them, so its
later figures are in-sample and the untuned ones are its honest figure), and
``benchmarks/data/triage_welsh.jsonl`` (44 enquiries in Welsh and mixed Welsh/English, 21 urgent,
2 December 2026: written by the same engineer who wrote the Welsh patterns, so development data,
not held out; before the Welsh patterns 0/21 urgent flagged, 0/23 false alarms).

Each line of a set is ``{"text", "urgent": bool, "who", "why"}``: an enquiry as a parent, a
young person, a professional or someone else writes it, labelled by someone who had not read
the code. The set is where the safeguarding lead's corrections go (a miss or a false alarm
seen in Slack: add the text with its label).

Printed: accuracy, urgent recall (urgent flagged / urgent), routine precision (routine left
alone / routine: 1 − false alarms), urgent precision, a table by who wrote it, the time per
enquiry, and every miss (urgent not flagged) and false alarm with the reasons given.
``--baseline`` also prints the same figures for the phrase list alone (``matches``), the
triage before issue 11, for comparison in the same run.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from facts.enquiries.meaning import assess  # noqa: E402
from facts.enquiries.triage import matches  # noqa: E402

DEFAULT_SET = ROOT / "benchmarks" / "data" / "triage.jsonl"
HELDOUT_SET = ROOT / "benchmarks" / "data" / "triage_heldout.jsonl"
FRESH_SET = ROOT / "benchmarks" / "data" / "triage_fresh.jsonl"
FRESH4_SET = ROOT / "benchmarks" / "data" / "triage_fresh4.jsonl"
WELSH_SET = ROOT / "benchmarks" / "data" / "triage_welsh.jsonl"


def load(path: Path) -> list[dict]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            row = json.loads(line)
            row["line"] = number
            rows.append(row)
    return rows


def judge(rows: list[dict], flag: Callable[[str], list[str]]) -> tuple[list[tuple[dict, list[str]]], float]:
    started = time.perf_counter()
    judged = [(row, flag(row["text"])) for row in rows]
    return judged, (time.perf_counter() - started) / max(len(rows), 1)


def figures(judged: list[tuple[dict, list[str]]]) -> dict[str, float]:
    urgent = [bool(reasons) for row, reasons in judged if row["urgent"]]
    routine = [bool(reasons) for row, reasons in judged if not row["urgent"]]
    flagged = sum(urgent) + sum(routine)
    return {
        "accuracy": (sum(urgent) + len(routine) - sum(routine)) / max(len(judged), 1),
        "urgent recall": sum(urgent) / max(len(urgent), 1),
        "routine precision": (len(routine) - sum(routine)) / max(len(routine), 1),
        "false alarms": sum(routine) / max(len(routine), 1),
        "urgent precision": sum(urgent) / max(flagged, 1),
        "misses": len(urgent) - sum(urgent),
        "false alarm count": sum(routine),
    }


def report(name: str, judged: list[tuple[dict, list[str]]], per: float) -> None:
    got = figures(judged)
    print(f"\n## {name}: {len(judged)} enquiries, {per * 1e6:.0f} µs each")
    for key in ("accuracy", "urgent recall", "routine precision", "false alarms", "urgent precision"):
        print(f"  {key:18} {got[key]:7.1%}")
    print(f"  {'misses':18} {got['misses']:7d}\n  {'false alarms (n)':18} {got['false alarm count']:7d}")
    print("  by who wrote it:   urgent recall   routine precision")
    for who in sorted({row.get("who", "?") for row, _ in judged}):
        part = figures([(row, r) for row, r in judged if row.get("who", "?") == who])
        print(f"    {who:14} {part['urgent recall']:13.1%} {part['routine precision']:19.1%}")


def listing(name: str, judged: list[tuple[dict, list[str]]]) -> None:
    misses = [(row, r) for row, r in judged if row["urgent"] and not r]
    alarms = [(row, r) for row, r in judged if not row["urgent"] and r]
    print(f"\n## {name} misses (urgent, not flagged): {len(misses)}")
    for row, _ in misses:
        print(f"  line {row['line']:3}: {row['text']}")
    print(f"\n## {name} false alarms (routine, flagged): {len(alarms)}")
    for row, reasons in alarms:
        print(f"  line {row['line']:3}: {row['text']}\n            flagged for: {'; '.join(reasons)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, action="append", dest="sets",
                        help="a labelled set (repeatable); default: the development, held-out, fresh, fourth and Welsh sets")
    parser.add_argument("--baseline", action="store_true", help="also the phrase list alone, for comparison")
    args = parser.parse_args(argv)
    sets = args.sets or [DEFAULT_SET, HELDOUT_SET, FRESH_SET, FRESH4_SET, WELSH_SET]
    summary = []
    for path in sets:
        name = path.stem
        rows = load(path)
        if args.baseline:
            report(f"{name}: phrase list alone (before issue 11)", *judge(rows, lambda text: matches(text)))
        judged, per = judge(rows, lambda text: assess(text).reasons)
        report(f"{name}: triage (who, what, when)", judged, per)
        listing(name, judged)
        summary.append((name, figures(judged), len(rows)))
    print("\n## summary (targets: urgent recall >= 97%, false alarms <= 10%)")
    print(f"  {'set':22} {'n':>4} {'recall':>8} {'false alarms':>13} {'accuracy':>9} {'misses':>7}")
    for name, got, n in summary:
        print(f"  {name:22} {n:4d} {got['urgent recall']:8.1%} {got['false alarms']:13.1%}"
              f" {got['accuracy']:9.1%} {got['misses']:7d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
