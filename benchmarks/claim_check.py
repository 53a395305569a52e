"""Benchmark: the figure check against a labelled set of drafts.

Run by hand: ``python benchmarks/claim_check.py [--set benchmarks/data/claim_check.jsonl] [--misses]``.

Each line of the set is a draft sentence (press release, social post, news
copy, briefing) with every number in it labelled by someone who had not read
the code: ``{"number": "7,623", "verdict": "differs", "ref": "S044"}``. ``ref``
names a row of ``/work/shared/sources/*.jsonl``; it is mapped to curated
figure ids through the figures' ``source_refs`` (when the model has them) or
the ``# Sxxx`` comments in ``facts/curated/*.yaml``.

A label whose ``ref`` has no curated figure yet cannot be answered with that
figure: its expected verdict is ``no_figure``
(counted and listed as "pending curation"), and it returns to its own label as
soon as the figure is curated.

Printed: accuracy over every labelled number, accuracy per labelled verdict,
the confusion table, the number of "matches" given to a number labelled
"differs" (must be 0), claims found where the set has none, and the misses.
A verdict on a figure counts as right only when it is about the labelled
figure (``ref``) too.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from facts.figures.check import VERDICTS, Check, FigureBook, check_text  # noqa: E402
from facts.figures.curated import CURATED_DIR, curated_paths, load_curated  # noqa: E402

DEFAULT_SET = ROOT / "benchmarks" / "data" / "claim_check.jsonl"
LABELS = (*VERDICTS, "not_a_claim")


@dataclass
class Outcome:
    line: int
    text: str
    number: str
    expected: str
    got: str
    ref: str | None
    figure: str | None
    pending: bool
    right: bool


def ref_map(directory: Path = CURATED_DIR) -> dict[str, set[str]]:
    """Source row ref ("S044") → curated figure ids, from ``source_refs`` and ``# Sxxx`` comments."""
    refs: dict[str, set[str]] = {}
    for path in curated_paths(directory):
        pending: list[str] = []
        for line in path.read_text(encoding="utf-8").splitlines():
            comment = re.match(r"\s*#\s*((?:[ST]\d{3}[,\s]*)+)", line)
            if comment:
                pending = re.findall(r"[ST]\d{3}", comment.group(1))
                continue
            fact_id = re.match(r"\s*-\s+id:\s*(\S+)", line)
            if fact_id:
                for ref in pending:
                    refs.setdefault(ref, set()).add(fact_id.group(1))
                pending = []
    for fact in load_curated().facts:
        for ref in getattr(fact, "source_refs", None) or []:
            refs.setdefault(str(ref), set()).add(fact.id)
    return refs


def _align(text: str, labelled: list[dict], checks: list[Check]) -> list[tuple[dict, Check | None]]:
    """Pair each labelled number with the check whose span overlaps its first unused occurrence."""
    used: set[int] = set()
    pairs = []
    lowered = text.lower()
    for label in labelled:
        target = label["number"].lower()
        hit = None
        start = lowered.find(target)
        while start >= 0 and hit is None:
            end = start + len(target)
            for index, check in enumerate(checks):
                if index not in used and check.number.start < end and start < check.number.end:
                    hit = index
                    break
            start = lowered.find(target, start + 1)
        if hit is not None:
            used.add(hit)
        pairs.append((label, checks[hit] if hit is not None else None))
    extras = [c for i, c in enumerate(checks) if i not in used and c.verdict != "not_a_claim"]
    pairs.extend(({"number": c.number.span, "verdict": None, "ref": None}, c) for c in extras)
    return pairs


def run(path: Path) -> tuple[list[Outcome], list[Outcome]]:
    """(outcomes for labelled numbers, claims the checker found that the set does not label)."""
    facts = load_curated().facts
    book = FigureBook(facts)
    refs = ref_map()
    known = {f.id for f in facts}
    outcomes: list[Outcome] = []
    extras: list[Outcome] = []
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        text = row["text"]
        checks = check_text(text, book)
        for label, check in _align(text, row["numbers"], checks):
            got = check.verdict if check else "not_a_claim"
            figure = check.figure.id if check and check.figure else None
            if label["verdict"] is None:
                extras.append(Outcome(line_no, text, label["number"], "-", got, None, figure, False, False))
                continue
            ref = label.get("ref")
            ids = refs.get(ref, set()) & known if ref else set()
            expected = label["verdict"]
            pending = bool(ref) and not ids and expected != "not_a_claim"
            if pending:
                expected = "no_figure"
            right = got == expected and (not ids or figure in ids or expected in {"no_figure", "not_a_claim"})
            outcomes.append(Outcome(line_no, text, label["number"], expected, got, ref, figure, pending, right))
    return outcomes, extras


def held_out(line: int) -> bool:
    """Every 4th line of the set is held out: its misses are not printed, so the checker is not tuned to it."""
    return line % 4 == 0


def report(outcomes: list[Outcome], extras: list[Outcome], misses: bool = True, show_held_out: bool = False) -> str:
    lines = []
    total = len(outcomes)
    right = sum(o.right for o in outcomes)
    claims = [o for o in outcomes if o.expected != "not_a_claim"]
    lines.append(f"labelled numbers: {total} ({len(claims)} claims, {total - len(claims)} not claims); "
                 f"{sum(o.pending for o in outcomes)} pending curation (expected no_figure)")
    lines.append(f"verdicts right: {right}/{total} = {100 * right / total:.1f}%")
    lines.append(f"claims right: {sum(o.right for o in claims)}/{len(claims)} = "
                 f"{100 * sum(o.right for o in claims) / max(len(claims), 1):.1f}%")
    for name, part in (("development lines", [o for o in outcomes if not held_out(o.line)]),
                       ("held-out lines (every 4th)", [o for o in outcomes if held_out(o.line)])):
        ok = sum(o.right for o in part)
        lines.append(f"  {name}: {ok}/{len(part)} = {100 * ok / max(len(part), 1):.1f}%")
    wrong_match = [o for o in outcomes if o.expected == "differs" and o.got == "matches"]
    lines.append(f"'matches' given to a number that differs: {len(wrong_match)}")
    lines.append("")
    lines.append(f"{'verdict':<24}{'labelled':>9}{'right':>7}{'accuracy':>10}")
    for verdict in LABELS:
        rows = [o for o in outcomes if o.expected == verdict]
        if rows:
            ok = sum(o.right for o in rows)
            lines.append(f"{verdict:<24}{len(rows):>9}{ok:>7}{100 * ok / len(rows):>9.1f}%")
    lines.append("")
    lines.append("confusion (rows: expected, columns: given)")
    short = {"matches": "match", "differs": "differ", "out_of_date": "stale", "missing_base_or_period": "missing",
             "known_misquote": "misq", "no_figure": "nofig", "not_a_claim": "notcl"}
    lines.append(" " * 24 + "".join(f"{short[v]:>8}" for v in LABELS))
    counts = Counter((o.expected, o.got) for o in outcomes)
    for expected in LABELS:
        if any(o.expected == expected for o in outcomes):
            lines.append(f"{expected:<24}" + "".join(f"{counts[(expected, g)]:>8}" for g in LABELS))
    lines.append("")
    lines.append(f"claims found that the set does not label: {len(extras)}")
    for o in extras:
        lines.append(f"  line {o.line}: {o.number!r} -> {o.got} ({o.figure})")
    if misses:
        lines.append("")
        lines.append("misses:")
        for o in outcomes:
            if not o.right and (show_held_out or not held_out(o.line)):
                lines.append(f"  line {o.line}: {o.number!r} expected {o.expected} ({o.ref}) got {o.got} ({o.figure})"
                             f"{' [pending curation]' if o.pending else ''}")
                lines.append(f"      {o.text}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET)
    parser.add_argument("--no-misses", action="store_true", help="leave the list of misses out")
    parser.add_argument("--show-held-out", action="store_true", help="list the held-out lines' misses too")
    args = parser.parse_args(argv)
    outcomes, extras = run(args.set)
    print(report(outcomes, extras, misses=not args.no_misses, show_held_out=args.show_held_out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
